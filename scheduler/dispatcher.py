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
  (``base * 2**(attempts-1)``, capped, times a random factor in [0.5, 1));
* a ``PermanentError`` (user deactivated, bot removed), or running out of attempts, marks the
  row failed and queues a ``delivery-failed-coordinator`` note to the programme's coordinator.

Every wait goes through the injected ``sleep`` and every time through the injected clock, so
tests drive it with ``ManualClock`` and never sleep.

The crash window
----------------
A row goes pending -> claimed -> sending -> sent. Claiming takes a few rows for this
dispatcher; a claimed row has not been tried, so a claim lost to a crash is simply returned to
``pending`` by the stuck-row sweep and sent later. A row becomes ``sending`` (and counts an
attempt) immediately before its one platform call, and ``mark_sent`` follows the platform's
answer in the same task. So the window in which the platform may have a message that is not
marked is exactly one platform call plus one database write. A row left ``sending`` by a crash
is never re-sent (a restart, a second dispatcher or a later tick only ever claims ``pending``
rows): at most once. ``sweep_stuck`` marks rows seen ``sending`` (unchanged) for
``stuck_after_seconds`` as ``failed`` with an error starting ``unconfirmed:`` — the platform
most likely has them — so coordinators see them in the delivery summary; rows seen ``claimed``
that long go back to ``pending``. Every database call runs in a worker thread, never on the
event loop, so a busy database cannot hold up the bot's other work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random as random_module
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from pydantic import ValidationError

from conversations.delivery_status import UNCONFIRMED
from conversations.failure_notes import UNREACHABLE, report_failure
from conversations.invitation_reminders import NOTED_KINDS, note_delivered
from conversations.messages import Message
from conversations.ports import (
    Clock,
    Delivery,
    Outbox,
    PermanentError,
    Store,
    TransientError,
)
from conversations.records import OutboxItem, OutboxStatus

log = logging.getLogger("mentorbot.dispatcher")

Sleeper = Callable[[float], Awaitable[None]]

RATE_BACKOFF = 0.9  # the global rate after a 429, as a share of what it was
RATE_FLOOR = 0.25  # never slower than this share of delivery.global_per_second
RATE_RECOVERY = 0.002  # the share regained with each message sent
TOKEN_EPSILON = 1e-6
MIN_WAIT_SECONDS = 0.001  # shorter waits are rounded up (a clock may not resolve them)


@dataclass(frozen=True)
class DeliveryLimits:
    global_per_second: float = 20.0
    global_burst: float = 1.0  # tokens the bucket may hold (1 = evenly spaced sends)
    per_conversation_seconds: float = 1.0
    max_attempts: int = 6
    backoff_base_seconds: float = 5.0
    backoff_max_seconds: float = 900.0
    inline_retry_seconds: float = 10.0  # a Retry-After up to this is waited out in this call
    batch_size: int = 10  # rows claimed at a time (claimed-but-unsent rows are lost on a kill)
    max_in_flight: int = 64
    stuck_after_seconds: float = 900.0

    @property
    def batch(self) -> int:
        return max(1, self.batch_size)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # put back to pending for a later attempt
    failed: int = 0
    rate_limited: int = 0  # 429s (TransientError with retry_after) received
    released: int = 0  # claimed but not attempted (held back or shutdown)
    unconfirmed: int = 0  # stuck 'sending' rows swept as failed
    sent_ids: list[int] = field(default_factory=list)


async def real_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


def conversation_of(item: OutboxItem) -> str:
    if item.pair_id is not None and item.person_id is None:
        return f"pair:{item.pair_id}"
    return f"person:{item.person_id}"


Outcome = tuple[Literal["sent", "transient", "permanent"], str | None, float | None]
R = TypeVar("R")


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
    ) -> None:
        self.outbox = outbox
        self.delivery = delivery
        self.clock = clock
        self.limits = limits or DeliveryLimits()
        self.store = store  # for coordinator notes and the stuck-row sweep
        self.sleep = sleep
        self.random = rng or random_module.Random()
        self._tokens = self.limits.global_burst
        self._refilled_at: datetime | None = None
        self._conversation_free_at: dict[str, datetime] = {}
        self._seen_sending: dict[int, tuple[int, datetime]] = {}
        # After a 429 the whole app slows down (x0.9 per 429, floor 0.25) and recovers slowly
        # (+0.002 per message sent): settles just under the platform's real limit.
        self._rate_factor = 1.0

    # Rate limits ------------------------------------------------------------------------
    def _global_wait(self, now: datetime) -> float:
        """Seconds until the global bucket has a token (0: take it now)."""
        rate = self.limits.global_per_second * self._rate_factor
        burst = max(1.0, self.limits.global_burst)
        if self._refilled_at is not None:
            elapsed = max(0.0, (now - self._refilled_at).total_seconds())
            self._tokens = min(burst, self._tokens + elapsed * rate)
        self._refilled_at = now
        if self._tokens >= 1.0 - TOKEN_EPSILON:  # float dust is not worth a wait
            self._tokens = max(0.0, self._tokens - 1.0)
            return 0.0
        return max((1.0 - self._tokens) / rate, MIN_WAIT_SECONDS)

    def _free_at(self, conversation: str) -> datetime | None:
        return self._conversation_free_at.get(conversation)

    def _backoff(self, attempts: int) -> float:
        delay = min(
            self.limits.backoff_max_seconds,
            self.limits.backoff_base_seconds * (2 ** max(0, attempts - 1)),
        )
        return float(delay * (0.5 + 0.5 * self.random.random()))

    async def _db(self, call: Callable[..., R], *args: object) -> R:
        """A database call, off the event loop."""
        return await asyncio.to_thread(call, *args)

    async def _nap(self, seconds: float) -> bool:
        """Wait through the injected sleeper; False if time did not move (a sleeper that does
        not advance the clock), so callers stop waiting instead of spinning."""
        before = self.clock.now()
        await self.sleep(seconds)
        return self.clock.now() > before

    # One send -----------------------------------------------------------------------------
    async def _send(self, item: OutboxItem) -> Outcome:
        try:
            message = Message.model_validate(item.payload)
        except ValidationError as error:
            return ("permanent", f"bad payload: {error.error_count()} errors", None)
        try:
            platform_id = await self.delivery.send(item, message)
        except TransientError as error:
            return ("transient", str(error) or "transient", error.retry_after)
        except PermanentError as error:
            return ("permanent", str(error) or "permanent", None)
        except Exception as error:  # an adapter bug or network trouble: retry later
            log.error("event=delivery_crash id=%s error=%s", item.id, type(error).__name__)
            return ("transient", type(error).__name__, None)
        # The crash window: accepted by the platform, not yet marked. Nothing else happens here.
        try:
            await self._db(self.outbox.mark_sent, item.id or 0, self.clock.now(), platform_id)
        except Exception as error:
            # Sent but not marked: the row stays 'sending' and is never re-sent (sweep_stuck).
            log.error("event=mark_sent_failed id=%s error=%s", item.id, type(error).__name__)
        if item.kind in NOTED_KINDS:
            await self._db(self.note_delivered, item)
        return ("sent", platform_id, None)

    # The loop -----------------------------------------------------------------------------
    async def deliver_due(self) -> DeliveryReport:
        """Send everything due now (and whatever becomes due while sending), then return."""
        report = DeliveryReport()
        await self.sweep_stuck(report)
        self._forget_old_pacing(self.clock.now())
        queue: deque[OutboxItem] = deque()
        inline_tries: dict[int, int] = {}
        inflight: dict[asyncio.Task[Outcome], tuple[OutboxItem, str]] = {}
        busy: set[str] = set()
        exhausted = False
        try:
            while True:
                # Finished sends first: they free their conversations.
                for task in [t for t in inflight if t.done()]:
                    item, conversation = inflight.pop(task)
                    busy.discard(conversation)
                    outcome = task.result()
                    await self._settle(item, conversation, outcome, report, queue, inline_tries)
                now = self.clock.now()
                ready, soonest = self._pick(queue, busy, now)
                if ready is None and not exhausted and len(queue) < 4 * self.limits.batch:
                    claimed = await self._db(self.outbox.claim_due, now, self.limits.batch)
                    queue.extend(claimed)
                    exhausted = not claimed
                    if claimed:
                        continue
                if ready is None and not queue and not inflight:
                    break
                if ready is not None:
                    if len(inflight) >= self.limits.max_in_flight:
                        queue.appendleft(ready)
                        await asyncio.wait(set(inflight), return_when=asyncio.FIRST_COMPLETED)
                        continue
                    wait = self._global_wait(now)
                    if wait > 0:
                        queue.appendleft(ready)
                        if not await self._nap(wait):
                            await self._release(queue, "held back: time did not move", report)
                        continue
                    if not await self._db(self.outbox.mark_sending, ready.id or 0):
                        continue  # another dispatcher or the sweep moved it on
                    conversation = conversation_of(ready)
                    busy.add(conversation)
                    inflight[asyncio.ensure_future(self._send(ready))] = (ready, conversation)
                    await asyncio.sleep(0)  # let the send start
                    continue
                # Nothing can go now: rows wait for paced or busy conversations.
                if soonest is not None and soonest > self.limits.inline_retry_seconds:
                    await self._release_waiting(queue, busy, now, report)
                    continue
                if inflight:
                    await asyncio.wait(set(inflight), return_when=asyncio.FIRST_COMPLETED)
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
        if report.sent or report.failed or report.retried:
            log.info(
                "event=delivered sent=%d retried=%d failed=%d rate_limited=%d",
                report.sent,
                report.retried,
                report.failed,
                report.rate_limited,
            )
        return report

    def _forget_old_pacing(self, now: datetime) -> None:
        if len(self._conversation_free_at) > 10_000:
            self._conversation_free_at = {
                c: t for c, t in self._conversation_free_at.items() if t > now
            }

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
            free_at = self._free_at(conversation)
            if free_at is None or free_at <= now:
                del queue[index]
                return item, None
            wait = (free_at - now).total_seconds()
            soonest = wait if soonest is None else min(soonest, wait)
        return None, soonest

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
            free_at = self._free_at(conversation) or now
            if everything or (
                conversation not in busy
                and (free_at - now).total_seconds() > self.limits.inline_retry_seconds
            ):
                await self._db(
                    self.outbox.mark_retry,
                    item.id or 0,
                    max(free_at, now),
                    "held back: conversation paced",
                )
                report.released += 1
            else:
                keep.append(item)
        queue.clear()
        queue.extend(keep)

    async def _release(self, queue: deque[OutboxItem], reason: str, report: DeliveryReport) -> None:
        now = self.clock.now()
        for item in queue:
            await self._db(self.outbox.mark_retry, item.id or 0, now, reason)
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
        status, detail, retry_after = outcome
        now = self.clock.now()
        pace = timedelta(seconds=self.limits.per_conversation_seconds)
        if status == "sent":  # the send outcome, not a row status
            self._conversation_free_at[conversation] = now + pace
            self._rate_factor = min(1.0, self._rate_factor + RATE_RECOVERY)
            report.sent += 1
            report.sent_ids.append(item.id or 0)
            return
        error = detail or status
        if status == "permanent":
            await self._fail(item, error, report)
            return
        tries = inline_tries.get(item.id or 0, 0) + 1
        inline_tries[item.id or 0] = tries
        attempts = item.attempts + tries  # every try counted one attempt (mark_sending)
        if retry_after is not None:
            report.rate_limited += 1
            hold = now + timedelta(seconds=max(retry_after, 0.0))
            self._conversation_free_at[conversation] = hold
            # The limit may be the app's, not this channel's: everyone slows down.
            self._rate_factor = max(RATE_FLOOR, self._rate_factor * RATE_BACKOFF)
            if (
                tries <= self.limits.max_attempts
                and retry_after <= self.limits.inline_retry_seconds
            ):
                queue.append(item)  # still ours ('sending'): wait it out in this call
                return
        # A rate limit is not a failure: only far more of them than attempts gives up.
        allowed = self.limits.max_attempts * (3 if retry_after is not None else 1)
        if attempts >= allowed:
            await self._fail(item, f"gave up after {attempts} attempts: {error}", report)
            return
        delay = retry_after if retry_after is not None else self._backoff(attempts)
        self._conversation_free_at.setdefault(conversation, now)
        retry_at = now + timedelta(seconds=delay)
        await self._db(self.outbox.mark_retry, item.id or 0, retry_at, error)
        report.retried += 1
        log.info(
            "event=delivery_retry id=%s attempts=%d delay=%.1f error=%s",
            item.id,
            attempts,
            delay,
            error,
        )

    async def _fail(self, item: OutboxItem, error: str, report: DeliveryReport) -> None:
        now = self.clock.now()
        await self._db(self.outbox.mark_failed, item.id or 0, now, error)
        report.failed += 1
        log.warning("event=delivery_failed id=%s kind=%s error=%s", item.id, item.kind, error)
        await self._db(self.tell_coordinator, item, error, now)

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

    # The coordinator's note ------------------------------------------------------------------
    def tell_coordinator(self, item: OutboxItem, error: str, now: datetime) -> bool:
        """Queue a ``delivery-failed-coordinator`` note about ``item`` (once per row)."""
        if self.store is None or item.kind == "delivery-failed-coordinator":
            return False
        with self.store.transaction() as repo:
            # A removed workspace fails every row with one reason: tell once per programme; a
            # person who cannot be reached at all: once per person.
            if error.startswith("workspace_revoked:"):
                key = f"{error}:programme={item.programme_id}"
            elif error.startswith(UNREACHABLE) and item.person_id is not None:
                key = f"{UNREACHABLE}person={item.person_id}"
            else:
                key = item.key
            return report_failure(
                repo,
                key=key,
                error=error,
                now=now,
                person_id=item.person_id,
                pair_id=item.pair_id,
                programme_id=item.programme_id,
            )

    # Rows a crashed dispatcher left behind ---------------------------------------------------
    async def sweep_stuck(self, report: DeliveryReport | None = None) -> int:
        """Rows left behind by a dispatcher that stopped: seen ``claimed`` (unchanged) for
        ``stuck_after_seconds`` go back to ``pending`` (never tried, safe to send); seen
        ``sending`` that long become failed/unconfirmed (the platform most likely has them;
        never re-sent, see the module's note on the crash window)."""
        if self.store is None:
            return 0
        now = self.clock.now()
        limit = timedelta(seconds=self.limits.stuck_after_seconds)
        store = self.store

        def load() -> list[OutboxItem]:
            with store.transaction() as repo:
                return repo.find(OutboxItem, status=[OutboxStatus.CLAIMED, OutboxStatus.SENDING])

        rows = await self._db(load)
        seen: dict[int, tuple[int, datetime]] = {}
        swept = 0
        for row in rows:
            row_id = row.id or 0
            first = self._seen_sending.get(row_id)
            if first is None or first[0] != row.version:
                seen[row_id] = (row.version, now)
                continue
            if now - first[1] < limit:
                seen[row_id] = first
                continue
            if row.status == OutboxStatus.CLAIMED:
                await self._db(self.outbox.mark_retry, row_id, now, "claim abandoned; not tried")
                log.warning("event=delivery_reclaimed id=%s kind=%s", row_id, row.kind)
                continue
            note = f"{UNCONFIRMED}: the dispatcher stopped between send and mark; not re-sent"
            if await self._db(self.outbox.mark_failed, row_id, now, note):
                log.warning("event=delivery_unconfirmed id=%s kind=%s", row_id, row.kind)
                swept += 1
        self._seen_sending = seen
        if report is not None:
            report.unconfirmed += swept
        return swept
