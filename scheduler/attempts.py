"""One attempt at one outbox row, as a task of the dispatcher: first, when a send of it may
already have reached the platform, ask the platform (``Delivery.reconcile``); then, unless it
is there, mark the row sending and send it.

A row needs reconciling when its holder stopped while it was ``sending`` (its lease ran out
and this dispatcher claimed it) or when its last attempt ended in a way that leaves the
platform's side open (a timeout, a 5xx: ``sending_since`` was kept). What the platform says:

* found: the row is marked sent with the message's id and conversation; nothing is sent;
* not found: sent now (what is missing of it, when part of it arrived);
* unknown (Teams; a Slack conversation whose history the app may not read): a row whose
  holder stopped mid-send is failed as *unconfirmed* and not sent again (at most once); a row
  retried after a timeout is sent again, as it always was (at least once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

from pydantic import ValidationError

from conversations.delivery_status import UNCONFIRMED
from conversations.messages import Message
from conversations.ports import (
    UNKNOWN,
    Clock,
    Delivered,
    Delivery,
    Outbox,
    PermanentError,
    Reconciled,
    TransientError,
)
from conversations.records import OutboxItem, OutboxStatus
from scheduler.pacing import DeliveryLimits

log = logging.getLogger("mentorbot.dispatcher")

R = TypeVar("R")
Kind = Literal["sent", "reconciled", "transient", "permanent", "unconfirmed", "deferred", "lost"]
NOT_RESENT = f"{UNCONFIRMED}: the dispatcher stopped between send and mark; not re-sent"


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    detail: str | None = None  # the error, or the platform's message id
    retry_after: float | None = None  # a rate limit's Retry-After
    maybe_sent: bool = False  # transient: the platform may have it, or part of it
    resent: bool = False  # sent again after reconciliation found nothing


async def in_thread(call: Callable[..., R], *args: object) -> R:
    """A database call, off the event loop."""
    return await asyncio.to_thread(call, *args)


def needs_reconciling(item: OutboxItem) -> bool:
    return item.status == OutboxStatus.SENDING or item.sending_since is not None


def fresh(item: OutboxItem) -> OutboxItem:
    """``item`` once the platform has said it does not have it (a 429): a plain retry."""
    return item.model_copy(update={"status": OutboxStatus.CLAIMED, "sending_since": None})


def partly_sent(item: OutboxItem, now: datetime) -> OutboxItem:
    """``item`` after a 429 when the platform may have part of it (its message, not its
    files): the next attempt reconciles first and sends only what is missing."""
    since = item.sending_since or now
    return item.model_copy(update={"status": OutboxStatus.CLAIMED, "sending_since": since})


class Attempts:
    def __init__(
        self,
        outbox: Outbox,
        delivery: Delivery,
        clock: Clock,
        limits: DeliveryLimits,
        holder: str,
    ) -> None:
        self.outbox = outbox
        self.delivery = delivery
        self.clock = clock
        self.limits = limits
        self.holder = holder

    async def run(self, item: OutboxItem, started: asyncio.Event) -> Outcome:
        """Attempt ``item``; ``started`` is set once the platform call is under way (or the
        attempt ended without one), so the dispatcher paces calls, not attempts."""
        try:
            return await self._run(item, started)
        finally:
            started.set()

    async def _run(self, item: OutboxItem, started: asyncio.Event) -> Outcome:
        try:
            message = Message.model_validate(item.payload)
        except ValidationError as error:
            return Outcome("permanent", f"bad payload: {error.error_count()} errors")
        since: datetime | None = None  # a fresh send: sending_since = now
        resent = False
        if needs_reconciling(item):
            try:
                seen = await self._reconcile(item)
            except TransientError as error:
                return Outcome("deferred", str(error) or "transient", error.retry_after)
            if seen.outcome == "found":
                return await self._mark(item, seen.delivered or Delivered(), "reconciled")
            if seen.outcome == "unknown":
                if item.status == OutboxStatus.SENDING:
                    return Outcome("unconfirmed", NOT_RESENT)
                since = item.sending_since  # the earlier send may still be out there
            resent = True
        now = self.clock.now()
        if not await in_thread(self._mark_sending, item.id or 0, now, since):
            return Outcome("lost")  # another dispatcher took it over meanwhile
        started.set()
        try:
            delivered = await self.delivery.send(item, message)
        except TransientError as error:
            detail = str(error) or "transient"
            return Outcome("transient", detail, error.retry_after, maybe_sent=error.maybe_sent)
        except PermanentError as error:
            return Outcome("permanent", str(error) or "permanent")
        except Exception as error:  # an adapter bug or network trouble: retry later
            log.error("event=delivery_crash id=%s error=%s", item.id, type(error).__name__)
            return Outcome("transient", type(error).__name__, maybe_sent=True)
        # The crash window: accepted by the platform, not yet marked. Nothing else happens here.
        return await self._mark(item, delivered, "sent", resent=resent)

    def _mark_sending(self, item_id: int, now: datetime, since: datetime | None) -> bool:
        return self.outbox.mark_sending(item_id, self.holder, now, self.limits.lease, since=since)

    async def _reconcile(self, item: OutboxItem) -> Reconciled:
        try:
            seen = await self.delivery.reconcile(item)
        except TransientError:
            raise
        except PermanentError as error:  # the platform cannot be asked about it
            log.warning("event=reconcile_refused id=%s error=%s", item.id, error)
            return UNKNOWN
        except Exception as error:  # an adapter bug or network trouble: ask again later
            log.error("event=reconcile_crash id=%s error=%s", item.id, type(error).__name__)
            raise TransientError(type(error).__name__) from error
        log.info("event=reconciled id=%s outcome=%s", item.id, seen.outcome)
        return seen

    async def _mark(
        self, item: OutboxItem, delivered: Delivered, kind: Kind, *, resent: bool = False
    ) -> Outcome:
        try:
            marked = await in_thread(
                self.outbox.mark_sent,
                item.id or 0,
                self.clock.now(),
                delivered.message_id,
                delivered.conversation,
            )
            if not marked:
                log.warning("event=mark_sent_refused id=%s", item.id)
        except Exception as error:
            # Sent but not marked: the row stays 'sending'; once its lease runs out, whoever
            # claims it finds the message on the platform (or, on Teams, reports it unconfirmed).
            log.error("event=mark_sent_failed id=%s error=%s", item.id, type(error).__name__)
        return Outcome(kind, delivered.message_id, resent=resent)
