"""``SlackDelivery``: the core's ``Delivery`` port for Slack.

An outbox row addressed to a person goes to their direct message with the bot; one addressed
to a pair goes to a group DM with both members; files that come with the message (a calendar
invitation) are shared there right after it. Slack's failures come back as the core's
``TransientError`` (retry later, honouring ``Retry-After``) or ``PermanentError`` (give up and
tell the coordinator, which the dispatcher does). Every send to a workspace that removed the
bot fails with the same ``workspace_revoked: <team id>`` (see ``bot.slack.workspaces``).

Every message carries its outbox key in Slack's message metadata (``bot.slack.history``), so
that a send nobody confirmed (the dispatcher stopped between Slack's answer and marking the
row, or the call timed out) is reconciled by reading the conversation's history instead of
being given up or sent twice.
"""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import recipients_of
from bot.slack.api_errors import classify
from bot.slack.clients import NOT_INSTALLED, NotInstalled, SlackClients
from bot.slack.files import share_files
from bot.slack.history import files_follow, find_outbox_message, outbox_metadata, searched_from
from bot.slack.messages import message_payload
from bot.slack.people import SLACK
from bot.slack.workspaces import REVOKED_CODES, Workspaces, revoked_error
from conversations.messages import Message
from conversations.ports import (
    NOT_FOUND,
    Delivered,
    PermanentError,
    Reconciled,
    Store,
    TransientError,
    found,
)
from conversations.records import OutboxItem, Person

log = logging.getLogger("mentorbot.slack.delivery")

FILES_NOT_SHARED = "files_not_shared:"  # the message went out, its files failed for good


class SlackDelivery:
    def __init__(self, clients: SlackClients, store: Store, workspaces: Workspaces) -> None:
        self._clients = clients
        self._store = store
        self._workspaces = workspaces
        # (workspace, user ids) -> DM or group DM id: the same user id in two workspaces is
        # two people with a DM each.
        self._channels: dict[tuple[str, tuple[str, ...]], str] = {}
        # Outbox row -> the ts of its message, when the message went out and its files did
        # not (yet): a retried row shares only the files, it does not post the message again.
        self._posted: dict[int, str | None] = {}

    async def send(self, item: OutboxItem, message: Message) -> Delivered:
        recipients, lang = await asyncio.to_thread(self._recipients, item)
        team = recipients[0].workspace
        if await asyncio.to_thread(self._workspaces.is_revoked, team):
            log.warning("event=slack_send_skipped item=%s reason=workspace_revoked", item.id)
            raise revoked_error(team)
        try:
            client = await self._clients.of(team)
        except NotInstalled:
            log.warning(
                "event=slack_send_skipped item=%s reason=%s workspace=%s",
                item.id,
                NOT_INSTALLED,
                team,
            )
            raise
        row = item.id or 0
        try:
            channel = await self.conversation(
                team, [p.platform_user_id for p in recipients], client
            )
            if row in self._posted:
                ts = self._posted[row]
            else:
                response = await client.chat_postMessage(
                    channel=channel,
                    metadata=outbox_metadata(item.key),
                    **message_payload(message, lang=lang),
                )
                ts = str(response.get("ts") or "") or None
            if message.files:
                self._posted[row] = ts
                await share_files(client, channel, message.files)
        except Exception as error:
            failure = classify(error)
            log.warning("event=slack_send_failed item=%s error=%s", item.id, failure)
            if isinstance(failure, TransientError):
                if row in self._posted:  # the message went, its files did not (yet)
                    reason, wait = str(failure), failure.retry_after
                    raise TransientError(reason, wait, maybe_sent=True) from error
                raise failure from error  # retried: what went out is remembered
            posted = row in self._posted
            self._posted.pop(row, None)  # never retried
            if str(failure) in REVOKED_CODES:
                raise revoked_error(team) from error
            if posted:  # the message arrived; say that only its files did not
                raise PermanentError(f"{FILES_NOT_SHARED} {failure}") from error
            raise failure from error
        self._posted.pop(row, None)
        return Delivered(ts, channel)

    async def reconcile(self, item: OutboxItem) -> Reconciled:
        """Whether the row's message (and its files) is in its conversation: read the history
        since its send began (less a margin for the clocks), looking for its outbox key."""
        row = item.id or 0
        if row in self._posted:
            return NOT_FOUND  # posted by this process; its files are still to be shared
        recipients, _ = await asyncio.to_thread(self._recipients, item)
        team = recipients[0].workspace
        if await asyncio.to_thread(self._workspaces.is_revoked, team):
            raise revoked_error(team)
        try:
            client = await self._clients.of(team)
            channel = await self.conversation(
                team, [p.platform_user_id for p in recipients], client
            )
            since = searched_from(item)
            ours, after = await find_outbox_message(client, channel, item.key, since)
        except Exception as error:
            failure = classify(error)
            log.warning("event=slack_reconcile_failed item=%s error=%s", item.id, failure)
            raise failure from error
        if ours is None:
            return NOT_FOUND
        ts = str(ours.get("ts") or "") or None
        files = Message.model_validate(item.payload).files if item.payload else []
        if files and not files_follow(after, [f.name for f in files]):
            self._posted[row] = ts  # the message is there, its files are not: share them
            return NOT_FOUND
        return found(Delivered(ts, channel))

    async def conversation(
        self, workspace: str, user_ids: list[str], client: AsyncWebClient | None = None
    ) -> str:
        """The DM (one user) or group DM (several) with the bot in ``workspace``, opened once
        per process (with ``workspace``'s own client unless given)."""
        key = (workspace, tuple(user_ids))
        if key not in self._channels:
            client = client or await self._clients.of(workspace)
            response = await client.conversations_open(users=",".join(user_ids))
            self._channels[key] = str(response["channel"]["id"])
        return self._channels[key]

    def _recipients(self, item: OutboxItem) -> tuple[list[Person], str]:
        people = [p for p in recipients_of(self._store, item) if p.erased_at is None]
        if not people:
            raise PermanentError("recipient is gone or erased")
        if any(p.platform != SLACK for p in people):
            raise PermanentError("recipient is not on Slack")
        return people, people[0].locale
