"""What Slack keeps of each conversation, in the fake Web API (``FakeSlack`` delegates to
``FakeHistory``): every message the bot posted (with its metadata) and every file it shared,
in ``ts`` order, and ``conversations.history`` over them as Slack answers it:

* newest first; only messages after ``oldest`` (or at it, with ``inclusive``) and before
  ``latest``;
* ``limit`` per page (default 100), ``has_more`` and ``response_metadata.next_cursor``;
* a message's ``metadata`` only when ``include_all_metadata`` is true.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

BOT_USER = "UBOT"
BOT_ID = "BBOT"


def _ts_value(raw: Any, default: float) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError):
        return default


class FakeHistory:
    def __init__(self) -> None:
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> oldest first

    def post(self, channel: str, args: dict[str, Any], ts: str) -> None:
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "text": str(args.get("text") or ""),
            "ts": ts,
        }
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        self.messages.setdefault(channel, []).append(message)

    def share(self, channel: str, files: list[dict[str, str]], ts: str) -> None:
        """``files.completeUploadExternal`` with a channel: one message with the files."""
        message = {"type": "message", "subtype": "file_share", "user": BOT_USER, "ts": ts}
        message["files"] = files  # type: ignore[assignment]
        self.messages.setdefault(channel, []).append(message)

    def answer(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        oldest = _ts_value(args.get("oldest"), 0.0)
        latest = _ts_value(args.get("latest"), float("inf"))
        inclusive = bool(args.get("inclusive"))
        limit = int(args.get("limit") or 100)
        start = int(str(args.get("cursor") or "offset:0").split(":", 1)[1])
        with_metadata = bool(args.get("include_all_metadata"))
        kept = [
            m
            for m in reversed(self.messages.get(channel, []))
            if (oldest <= float(m["ts"]) if inclusive else oldest < float(m["ts"]))
            and float(m["ts"]) < latest
        ]
        page = kept[start : start + limit]
        more = start + limit < len(kept)
        return {
            "ok": True,
            "messages": [
                m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
                for m in page
            ],
            "has_more": more,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": f"offset:{start + limit}" if more else ""},
        }

    def outbox_keys(self) -> Counter[str]:
        """How many messages in all conversations carry each outbox key."""
        keys: Counter[str] = Counter()
        for messages in self.messages.values():
            for message in messages:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if "outbox_key" in payload:
                    keys[str(payload["outbox_key"])] += 1
        return keys

    def files_after(self, channel: str, ts: str) -> list[str]:
        """The names of the files shared in ``channel`` after the message at ``ts``, up to
        the bot's next message there."""
        names: list[str] = []
        for message in self.messages.get(channel, []):
            if float(message["ts"]) <= float(ts):
                continue
            if "metadata" in message:
                break
            names += [str(f.get("name")) for f in message.get("files") or []]
        return names
