"""``TeamsDelivery``: the core's ``Delivery`` port for Teams.

An outbox row goes to each recipient's 1:1 chat with the bot (a pair's row to both members'
chats: a bot cannot start a group chat), through the conversation reference stored when they
first talked to the bot (``continue_conversation``). Someone the bot never heard from (a
coordinator enrolled them) gets the chat created first (``create_conversation`` with their
tenant and the tenant's service URL), once the app is installed for them.

Teams' failures come back as the core's ``TransientError`` (429 with ``Retry-After``; 412,
500, 502, 503, 504 and timeouts) or ``PermanentError`` (403: the app is not installed for
the person or was blocked; 404: the conversation is gone). What is sent is paced under
Teams' limits (``teams.messages_per_second``, ``teams.per_conversation_seconds``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.cloud_adapter_base import CloudAdapterBase
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.delivery import recipients_of
from bot.teams.activities import TEAMS
from bot.teams.pacing import Pacing
from bot.teams.references import Reference, References
from bot.teams.replies import rendered
from conversations.failure_notes import UNREACHABLE
from conversations.messages import Message, Reply
from conversations.ports import (
    UNKNOWN,
    Delivered,
    PermanentError,
    Reconciled,
    Store,
    TransientError,
)
from conversations.records import OutboxItem, Person

log = logging.getLogger("mentorbot.teams.delivery")

TRANSIENT = frozenset({408, 412, 429, 500, 502, 503, 504})
NOT_INSTALLED = UNREACHABLE + (
    " teams_forbidden: Mentorbot is not installed for this person in Teams; "
    "install it for them (Teams admin center, setup policy) or ask them to add it"
)


def status_of(error: BaseException) -> tuple[int | None, float | None]:
    """An HTTP error's status and ``Retry-After`` (seconds), from the Bot Connector client's
    exception (msrest's ``HttpOperationError`` holds the response)."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    headers = getattr(response, "headers", None) or {}
    retry_after: float | None = None
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    if raw:
        try:
            retry_after = max(0.0, float(raw))
        except ValueError:
            retry_after = None
    return (int(status) if status else None), retry_after


def classify(error: BaseException) -> Exception:
    """The core's error for a failed call to the Bot Connector."""
    if isinstance(error, TransientError | PermanentError):
        return error
    status, retry_after = status_of(error)
    if status in TRANSIENT:
        return TransientError(f"teams_http_{status}", retry_after=retry_after)
    if status == 403:
        return PermanentError(NOT_INSTALLED)
    if status is not None:
        return PermanentError(f"teams_http_{status}")
    if isinstance(error, TimeoutError | ConnectionError | OSError):
        return TransientError(f"teams_unreachable: {type(error).__name__}")
    name = type(error).__name__
    if "Timeout" in name or "Connection" in name or "ClientError" in name:
        return TransientError(f"teams_unreachable: {name}")
    return PermanentError(f"teams_error: {name}")


def conversation_reference(reference: Reference) -> ConversationReference:
    return ConversationReference(
        channel_id=reference.channel_id,
        service_url=reference.service_url,
        conversation=ConversationAccount(
            id=reference.conversation_id,
            tenant_id=reference.tenant_id,
            conversation_type="personal",
        ),
        user=ChannelAccount(id=reference.user_id, aad_object_id=reference.aad_object_id),
        bot=ChannelAccount(id=reference.bot_id) if reference.bot_id else None,
    )


class TeamsDelivery:
    def __init__(
        self,
        adapter: CloudAdapterBase,
        references: References,
        store: Store,
        *,
        app_id: str = "",
        pacing: Pacing | None = None,
    ) -> None:
        self._adapter = adapter
        self._references = references
        self._store = store
        self._app_id = app_id
        self._pacing = pacing or Pacing()
        # (outbox row, person) -> the ids of the activities that reached them: a row retried
        # after part of it went out (one member of a pair, the first cards of a long
        # message, the cards but not the file) sends only the rest.
        self._sent: dict[tuple[int, int], list[str]] = {}

    async def send(self, item: OutboxItem, message: Message) -> Delivered:
        people = await asyncio.to_thread(self._recipients, item)
        first: str | None = None
        try:
            for person in people:
                ids = self._sent.setdefault((item.id or 0, person.id or 0), [])
                try:
                    await self._send_to(person, message, ids)
                except Exception as error:
                    failure = classify(error)
                    log.warning(
                        "event=teams_send_failed item=%s person=%s error=%s",
                        item.id,
                        person.id,
                        failure,
                    )
                    raise failure from error
                first = first or (ids[0] if ids else None)
        except TransientError:
            raise  # retried: what went out is remembered
        except Exception:
            self._forget(item, people)  # failed for good: never retried
            raise
        self._forget(item, people)
        return Delivered(first)

    async def reconcile(self, item: OutboxItem) -> Reconciled:
        """A bot cannot read a Teams chat's history: whether a send nobody confirmed arrived
        is unknown (such a row is reported unconfirmed, not sent twice)."""
        return UNKNOWN

    def _forget(self, item: OutboxItem, people: list[Person]) -> None:
        for person in people:
            self._sent.pop((item.id or 0, person.id or 0), None)

    async def _send_to(self, person: Person, message: Message, ids: list[str]) -> None:
        """Send the message's activities (its cards, then its files) that ``ids`` does not
        count yet, adding each one's id."""
        activities = (await rendered(Reply(messages=[message]), person.locale))[len(ids) :]
        if not activities:
            return
        reference = await asyncio.to_thread(
            self._references.find, person.workspace, person.platform_user_id
        )
        if reference is None:
            reference = await self._open(person)
        failed: list[Exception] = []

        async def post(turn_context: TurnContext) -> None:
            # A failure is kept and raised after the turn: raised inside it, the adapter's
            # on_turn_error would take it, and the row would count as sent.
            try:
                for activity in activities:
                    await self._pacing.wait(reference.conversation_id)
                    response = await turn_context.send_activity(activity)
                    ids.append(str(getattr(response, "id", "") or ""))
            except Exception as error:
                failed.append(error)

        await self._adapter.continue_conversation(
            conversation_reference(reference), post, self._app_id
        )
        if failed:
            raise failed[0]

    async def _open(self, person: Person) -> Reference:
        """Create the 1:1 chat with someone the bot has not heard from yet."""
        service_url = await asyncio.to_thread(self._references.service_url, person.workspace)
        if not service_url:
            raise PermanentError(NOT_INSTALLED)
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self._app_id}" if self._app_id else None),
            members=[ChannelAccount(id=person.platform_user_id)],
            tenant_id=person.workspace,
            channel_data={"tenant": {"id": person.workspace}},
        )
        opened: dict[str, Any] = {}

        async def created(turn_context: TurnContext) -> None:
            activity = turn_context.activity
            opened["conversation_id"] = activity.conversation.id
            opened["bot_id"] = getattr(activity.recipient, "id", "") or ""

        await self._pacing.wait(f"create:{person.workspace}")
        await self._adapter.create_conversation(
            self._app_id, created, parameters, "msteams", service_url
        )
        reference = Reference(
            tenant_id=person.workspace,
            aad_object_id=person.platform_user_id,
            conversation_id=str(opened.get("conversation_id") or ""),
            service_url=service_url,
            bot_id=str(opened.get("bot_id") or ""),
        )
        if not reference.conversation_id:
            raise PermanentError("teams_error: no conversation created")
        await asyncio.to_thread(self._references.remember, reference)
        log.info("event=teams_conversation_created person=%s", person.id)
        return reference

    def _recipients(self, item: OutboxItem) -> list[Person]:
        people = [
            p
            for p in recipients_of(self._store, item)
            if p.erased_at is None and p.platform == TEAMS
        ]
        if not people:
            raise PermanentError("recipient is gone, erased or not on Teams")
        return people
