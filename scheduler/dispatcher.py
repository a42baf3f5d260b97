"""The outbox dispatcher: due rows out through the platform adapters, at a polite pace.

``Dispatcher.deliver_due`` claims due rows in small batches and sends them:

* a global token bucket (``DeliveryLimits.global_per_second``, burst ``global_burst``);
* per-conversation pacing: at most one message in flight per conversation (a person's DM or a
  pair's group chat) and ``per_conversation_seconds`` between the end of one send and the
  start of the next (Slack allows about one message per second per channel);
* ``TransientError.retry_after`` (HTTP 429 ``Retry-After``) holds that conversation back for
  that long; a short wait is retried in this call, a long one goes back to the outbox with
  ``next_attempt_at``;
* other transient errors go back to the outbox with exponential backoff and jitter
  (``base * 2**(attempts-1)``, capped, times a random factor in [0.5, 1)); the platform may
  have the message (a timeout), so the next attempt reconciles first;
* a ``PermanentError`` (user deactivated, bot removed), or running out of attempts, marks the
  row failed and queues a ``delivery-failed-coordinator`` note to the programme's coordinator.

Every wait goes through the injected ``sleep`` and every time through the injected clock, so
tests drive it with ``ManualClock`` and never sleep.

Leases and the crash window
---------------------------
A row goes pending -> claimed -> sending -> sent. A claim is a lease: this dispatcher
(``holder``) holds the row until ``lease_until`` and renews the leases of every row it holds
(queued or being sent) a third of the way through, also while a send is slow. A dispatcher
that dies stops renewing, and once its leases run out the next claim, by a surviving or a
restarted dispatcher, takes its rows over: a claimed row was never tried and is sent; a
sending row may or may not be on the platform, the window being one platform call plus one
database write, and is reconciled first (``scheduler.attempts``): found there, it is marked
sent; not found, it is sent; where the platform cannot tell (Teams), it is failed as
*unconfirmed* and not re-sent. Every mark but "sent" is conditional on the holder, so a
dispatcher that lost a row to another leaves it alone. A row left unsettled and maybe on the
platform (a timeout, a put-off reconciliation, a lost lease) holds its conversation: the
dispatcher gives back its queued rows there, and no claim takes them until that row is
settled, so a message's files always come right after it. Every database call runs in a worker
thread, never on the event loop, so a busy database cannot hold up the bot's other work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random as random_module
import secrets
import socket
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from conversations.invitation_reminders import NOTED_KINDS, note_delivered
from conversations.ports import Clock, Delivery, Outbox, Store
from conversations.records import OutboxItem
from scheduler.attempts import (
    Attempts,
    Outcome,
    fresh,
    in_thread,
    needs_reconciling,
    partly_sent,
)
from scheduler.failures import tell_coordinator
from scheduler.pacing import DeliveryLimits, Pacing, conversation_of

__all__ = ["DeliveryLimits", "DeliveryReport", "Dispatcher", "conversation_of"]

log = logging.getLogger("mentorbot.dispatcher")

Sleeper = Callable[[float], Awaitable[None]]


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # put back to pending for a later attempt
    failed: int = 0
    rate_limited: int = 0  # 429s (TransientError with retry_after) received
    released: int = 0  # claimed but not attempted (held back or shutdown)
    unconfirmed: int = 0  # taken over mid-send where the platform cannot tell: failed
    reconciled: int = 0  # taken over mid-send and found on the platform: marked sent
    resent: int = 0  # not found on the platform after all: sent (counted in sent too)
    deferred: int = 0  # the platform could not be asked yet: given back for later
    sent_ids: list[int] = field(default_factory=list)


async def real_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


def new_holder() -> str:
    """This dispatcher's name on the rows it leases: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Dispatcher:
    def __init__(
        self,
        outbox: Outbox,
        delivery: Delivery,
        clock: Clock,
        limits: DeliveryLimits | None = None,
        *,
        store: Store | None = None,
        sleep: Sleeper = real_sleep,
        rng: random_module.Random | None = None,
        holder: str | None = None,
    ) -> None:
        self.outbox = outbox
        self.delivery = delivery
        self.clock = clock
        self.limits = limits or DeliveryLimits()
        self.store = store  # for coordinator notes
        self.sleep = sleep
        self.holder = holder or new_holder()
        self.pacing = Pacing(self.limits, rng or random_module.Random())
        self.attempts = Attempts(outbox, delivery, clock, self.limits, self.holder)
        self._held: dict[int, OutboxItem] = {}  # rows this dispatcher leases right now
        self._deferrals: dict[int, int] = {}  # row -> reconciliations refused in a row
        self._renew_at: datetime | None = None

    async def _nap(self, seconds: float) -> bool:
        """Wait through the injected sleeper (never longer than a lease renewal); False if
        time did not move (a sleeper that does not advance the clock), so callers stop
        waiting instead of spinning."""
        before = self.clock.now()
        await self.sleep(min(seconds, self.limits.renew_every))
        return self.clock.now() > before

    def note_delivered(self, item: OutboxItem) -> None:
        """What a delivered row of a kind in ``NOTED_KINDS`` changes (an invitation's reminder
        marks it reminded). Never raises: the message is sent and marked whatever happens."""
        if self.store is None:
            return
        try:
            with self.store.transaction() as repo:
                note_delivered(repo, item, self.clock.now())
        except Exception as error:
            log.warning("event=note_delivered_failed id=%s error=%s", item.id, type(error).__name__)

    # Leases -------------------------------------------------------------------------------
    async def _renew_leases(self) -> None:
        """Renew every lease this dispatcher holds, a third of the way through it."""
        now = self.clock.now()
        if self._renew_at is not None and now < self._renew_at:
            return
        self._renew_at = now + timedelta(seconds=self.limits.renew_every)
        ids = list(self._held)
        if not ids:
            return
        kept = await in_thread(self.outbox.renew, ids, self.holder, now + self.limits.lease)
        if kept < len(ids):  # marked meanwhile, or taken over (mark_sending will say)
            log.debug("event=leases_renewed held=%d kept=%d", len(ids), kept)

    async def _wait_for_sends(self, inflight: set[asyncio.Task[Outcome]]) -> None:
        """Until a send finishes, renewing the leases meanwhile (a slow platform call)."""
        while True:
            done, _ = await asyncio.wait(
                inflight, timeout=self.limits.renew_every, return_when=asyncio.FIRST_COMPLETED
            )
            if done:
                return
            await self._renew_leases()

    async def _until_started(self, started: asyncio.Event) -> None:
        """Until an attempt's platform call is under way, renewing the leases meanwhile."""
        while True:
            try:
                await asyncio.wait_for(started.wait(), timeout=self.limits.renew_every)
                return
            except TimeoutError:
                await self._renew_leases()

    # The loop -----------------------------------------------------------------------------
    async def deliver_due(self) -> DeliveryReport:
        """Send everything due now (and whatever becomes due while sending), then return."""
        report = DeliveryReport()
        self.pacing.forget_old(self.clock.now())
        queue: deque[OutboxItem] = deque()
        inline_tries: dict[int, int] = {}
        inflight: dict[asyncio.Task[Outcome], tuple[OutboxItem, str]] = {}
        busy: set[str] = set()
        exhausted = False
        self._renew_at = None
        try:
            while True:
                # Finished sends first: they free their conversations.
                for task in [t for t in inflight if t.done()]:
                    item, conversation = inflight.pop(task)
                    busy.discard(conversation)
                    if needs_reconciling(item):  # settled or not, its chat's rows: claim again
                        exhausted = False
                    await self._settle(
                        item, conversation, task.result(), report, queue, inline_tries
                    )
                await self._renew_leases()
                now = self.clock.now()
                ready, soonest = self._pick(queue, busy, now)
                if ready is None and not exhausted and len(queue) < 4 * self.limits.batch:
                    claimed = await in_thread(
                        self.outbox.claim_due,
                        now,
                        self.limits.batch,
                        self.holder,
                        self.limits.lease,
                    )
                    for item in claimed:
                        self._held[item.id or 0] = item
                    queue.extend(claimed)
                    exhausted = not claimed
                    if claimed:
                        continue
                if ready is None and not queue and not inflight:
                    break
                if ready is not None:
                    if len(inflight) >= self.limits.max_in_flight:
                        queue.appendleft(ready)
                        await self._wait_for_sends(set(inflight))
                        continue
                    wait = self.pacing.global_wait(now)
                    if wait > 0:
                        queue.appendleft(ready)
                        if not await self._nap(wait):
                            await self._release(queue, "held back: time did not move", report)
                        continue
                    conversation = conversation_of(ready)
                    busy.add(conversation)
                    started = asyncio.Event()
                    task = asyncio.ensure_future(self.attempts.run(ready, started))
                    inflight[task] = (ready, conversation)
                    if needs_reconciling(ready):  # a history read first: may take a while
                        await self._until_started(started)
                    else:
                        await started.wait()
                    continue
                # Nothing can go now: rows wait for paced or busy conversations.
                if soonest is not None and soonest > self.limits.inline_retry_seconds:
                    await self._release_waiting(queue, busy, now, report)
                    continue
                if inflight:
                    await self._wait_for_sends(set(inflight))
                    continue
                if soonest is not None and await self._nap(soonest):
                    continue
                await self._release_waiting(queue, busy, now, report, everything=True)
        except asyncio.CancelledError:
            await asyncio.shield(self._release(queue, "released at shutdown", report))
            if inflight:
                with contextlib.suppress(BaseException):
                    await asyncio.shield(asyncio.gather(*inflight, return_exceptions=True))
            raise
        except BaseException:
            for task in inflight:
                task.cancel()
            raise
        finally:
            self._held.clear()
        if report.sent or report.failed or report.retried or report.reconciled:
            log.info(
                "event=delivered sent=%d retried=%d failed=%d rate_limited=%d reconciled=%d "
                "resent=%d unconfirmed=%d",
                report.sent,
                report.retried,
                report.failed,
                report.rate_limited,
                report.reconciled,
                report.resent,
                report.unconfirmed,
            )
        return report

    def _pick(
        self, queue: deque[OutboxItem], busy: set[str], now: datetime
    ) -> tuple[OutboxItem | None, float | None]:
        """The first queued row whose conversation may take a message now (removed from the
        queue), else None and the seconds until the soonest paced conversation frees up."""
        soonest: float | None = None
        for index, item in enumerate(queue):
            conversation = conversation_of(item)
            if conversation in busy:
                continue
            free_at = self.pacing.free_at(conversation)
            if free_at is None or free_at <= now:
                del queue[index]
                return item, None
            wait = (free_at - now).total_seconds()
            soonest = wait if soonest is None else min(soonest, wait)
        return None, soonest

    async def _give_back(self, item: OutboxItem, when: datetime, reason: str) -> None:
        """A row this dispatcher will not try now: back to the outbox, claimable from
        ``when``. One that may be on the platform keeps what says so (it is reconciled by
        whoever tries it)."""
        self._held.pop(item.id or 0, None)
        if needs_reconciling(item):
            await in_thread(self.outbox.defer, item.id or 0, self.holder, when, reason)
        else:
            await in_thread(self.outbox.mark_retry, item.id or 0, self.holder, when, reason)

    async def _release_waiting(
        self,
        queue: deque[OutboxItem],
        busy: set[str],
        now: datetime,
        report: DeliveryReport,
        everything: bool = False,
    ) -> None:
        """Put claimed rows whose conversation is held back for long back into the outbox."""
        keep: deque[OutboxItem] = deque()
        for item in queue:
            conversation = conversation_of(item)
            free_at = self.pacing.free_at(conversation) or now
            if everything or (
                conversation not in busy
                and (free_at - now).total_seconds() > self.limits.inline_retry_seconds
            ):
                await self._give_back(item, max(free_at, now), "held back: conversation paced")
                report.released += 1
            else:
                keep.append(item)
        queue.clear()
        queue.extend(keep)

    async def _hold_back(
        self, conversation: str, queue: deque[OutboxItem], report: DeliveryReport
    ) -> None:
        """A row of ``conversation`` was left unsettled and maybe on the platform (a send
        that may have gone, or gone in part; a reconciliation put off; a lease lost): the
        conversation's other queued rows go back to the outbox, where no claim takes them
        until that row is settled, so that nothing comes between a message and its files."""
        now = self.clock.now()
        for item in [i for i in queue if conversation_of(i) == conversation]:
            queue.remove(item)
            await self._give_back(item, now, "held back: an earlier message there is unsettled")
            report.released += 1

    async def _release(self, queue: deque[OutboxItem], reason: str, report: DeliveryReport) -> None:
        now = self.clock.now()
        for item in queue:
            await self._give_back(item, now, reason)
            report.released += 1
        queue.clear()

    async def _settle(
        self,
        item: OutboxItem,
        conversation: str,
        outcome: Outcome,
        report: DeliveryReport,
        queue: deque[OutboxItem],
        inline_tries: dict[int, int],
    ) -> None:
        now = self.clock.now()
        row = item.id or 0
        if outcome.kind != "deferred":
            self._deferrals.pop(row, None)
        if outcome.kind in ("sent", "reconciled", "lost"):
            self._held.pop(row, None)
            if outcome.kind == "lost":
                log.warning("event=delivery_lost_lease id=%s", row)
                await self._hold_back(conversation, queue, report)
                return
            self.pacing.sent(conversation, now)
            if item.kind in NOTED_KINDS:
                await in_thread(self.note_delivered, item)
            if outcome.kind == "reconciled":
                report.reconciled += 1
                return
            report.sent += 1
            report.resent += outcome.resent
            report.sent_ids.append(row)
            return
        error = outcome.detail or outcome.kind
        if outcome.kind == "unconfirmed":
            self._held.pop(row, None)
            if await in_thread(self.outbox.mark_failed, row, self.holder, now, error):
                log.warning("event=delivery_unconfirmed id=%s kind=%s", row, item.kind)
                report.unconfirmed += 1
            return
        if outcome.kind == "permanent":
            await self._fail(item, error, report)
            return
        retry_after = outcome.retry_after
        if outcome.kind == "deferred":  # reconciliation could not ask the platform yet
            # Backing off more each time this process was refused (a restart starts over).
            asked = self._deferrals[row] = self._deferrals.get(row, 0) + 1
            delay = retry_after if retry_after is not None else self.pacing.backoff(asked)
            await self._give_back(item, now + timedelta(seconds=delay), error)
            report.deferred += 1
            await self._hold_back(conversation, queue, report)
            return
        tries = inline_tries.get(row, 0) + 1
        inline_tries[row] = tries
        attempts = item.attempts + tries  # every try counted one attempt (mark_sending)
        if retry_after is not None:
            report.rate_limited += 1
            self.pacing.rate_limited(conversation, now + timedelta(seconds=max(retry_after, 0.0)))
            if (
                tries <= self.limits.max_attempts
                and retry_after <= self.limits.inline_retry_seconds
            ):
                # Still ours ('sending'): wait it out in this call, ahead of the rest of its
                # conversation (its files, if its message went, come before anything else).
                queue.appendleft(partly_sent(item, now) if outcome.maybe_sent else fresh(item))
                return
        # A rate limit is not a failure: only far more of them than attempts gives up.
        allowed = self.limits.max_attempts * (3 if retry_after is not None else 1)
        if attempts >= allowed:
            await self._fail(item, f"gave up after {attempts} attempts: {error}", report)
            return
        delay = retry_after if retry_after is not None else self.pacing.backoff(attempts)
        self.pacing.touch(conversation, now)
        self._held.pop(row, None)
        # Refused with a Retry-After, Slack has not got it; after a timeout or a 5xx it may.
        await in_thread(self._retry, row, now + timedelta(seconds=delay), error, outcome.maybe_sent)
        report.retried += 1
        if outcome.maybe_sent:
            await self._hold_back(conversation, queue, report)
        log.info(
            "event=delivery_retry id=%s attempts=%d delay=%.1f error=%s",
            row,
            attempts,
            delay,
            error,
        )

    def _retry(self, row: int, when: datetime, error: str, maybe_sent: bool) -> bool:
        return self.outbox.mark_retry(row, self.holder, when, error, maybe_sent=maybe_sent)

    async def _fail(self, item: OutboxItem, error: str, report: DeliveryReport) -> None:
        now = self.clock.now()
        self._held.pop(item.id or 0, None)
        if not await in_thread(self.outbox.mark_failed, item.id or 0, self.holder, now, error):
            return  # another dispatcher took it over
        report.failed += 1
        log.warning("event=delivery_failed id=%s kind=%s error=%s", item.id, item.kind, error)
        if self.store is not None:
            await in_thread(tell_coordinator, self.store, item, error, now)
