"""An outbox row's message in its Slack conversation: the metadata it is posted with, and
finding it again in the conversation's history (``conversations.history`` with
``include_all_metadata``; scopes ``im:history`` and ``mpim:history``).

The metadata is ``{"event_type": "mentorbot_outbox", "event_payload": {"outbox_key": …}}``.
The key names the kind of message and internal ids (``reflection:12:2026-W44``), never what
anyone wrote; Slack shows message metadata to apps in the workspace, not to people.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from conversations.ports import PermanentError
from conversations.records import OutboxItem

OUTBOX_EVENT = "mentorbot_outbox"
# Read from this long before the send began: our clock and Slack's may differ a little.
CLOCK_MARGIN = timedelta(minutes=5)
PAGE = 200  # messages per history call
MAX_PAGES = 10  # at most 2,000 messages read for one row; more and it cannot tell (yet)

Msg = dict[str, Any]


def outbox_metadata(key: str) -> dict[str, Any]:
    return {"event_type": OUTBOX_EVENT, "event_payload": {"outbox_key": key}}


def outbox_key_of(message: Msg) -> str | None:
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != OUTBOX_EVENT:
        return None
    payload = metadata.get("event_payload")
    key = payload.get("outbox_key") if isinstance(payload, dict) else None
    return key if isinstance(key, str) else None


def searched_from(item: OutboxItem) -> datetime:
    """When the row's unconfirmed send began (a row from before send times were stored: the
    earliest it could have been sent), less the clock margin."""
    began = item.sending_since or max(item.due_at, item.next_attempt_at or item.due_at)
    return began - CLOCK_MARGIN


async def find_outbox_message(
    client: AsyncWebClient, channel: str, key: str, since: datetime
) -> tuple[Msg | None, list[Msg]]:
    """The message in ``channel`` posted after ``since`` with outbox ``key`` and the
    messages after it, oldest first; ``(None, [])`` if there is none."""
    newest_first: list[Msg] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        arguments: dict[str, Any] = {
            "channel": channel,
            "oldest": f"{since.timestamp():.6f}",
            "include_all_metadata": True,
            "limit": PAGE,
        }
        if cursor:
            arguments["cursor"] = cursor
        response = await client.conversations_history(**arguments)
        page = [m for m in response.get("messages") or [] if isinstance(m, dict)]
        newest_first.extend(page)
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if any(outbox_key_of(m) == key for m in page):
            break  # found: the messages after it are all read (history is newest first)
        if not response.get("has_more") or not cursor:
            return None, []
    else:
        raise PermanentError("history_too_long")  # more than MAX_PAGES: it cannot tell
    oldest_first = list(reversed(newest_first))
    at = next(i for i, m in enumerate(oldest_first) if outbox_key_of(m) == key)
    return oldest_first[at], oldest_first[at + 1 :]


def files_follow(after: Sequence[Msg], names: Sequence[str]) -> bool:
    """Whether the files ``names`` were shared after the message and before the bot's next
    outbox message there (files go right after their message)."""
    shared: set[str] = set()
    for message in after:
        if outbox_key_of(message) is not None:
            break
        for file in message.get("files") or []:
            if isinstance(file, dict):
                shared.add(str(file.get("name") or ""))
    return set(names) <= shared
