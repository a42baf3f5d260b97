"""How fast the dispatcher may send: a global token bucket, one message at a time per
conversation with a pause between two, the slow-down after a rate limit, and the backoff
between attempts. Pure bookkeeping on the times it is given: it never sleeps itself."""

from __future__ import annotations

import random as random_module
from dataclasses import dataclass
from datetime import datetime, timedelta

from conversations.ports import LEASE
from conversations.records import OutboxItem

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
    batch_size: int = 10  # rows claimed at a time
    max_in_flight: int = 64
    # A claimed or sending row is held this long without a renewal; the holder renews it a
    # third of the way, so a live dispatcher keeps it and a dead one's rows are taken over.
    lease_seconds: float = LEASE.total_seconds()

    @property
    def batch(self) -> int:
        return max(1, self.batch_size)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    @property
    def renew_every(self) -> float:
        return self.lease_seconds / 3


def conversation_of(item: OutboxItem) -> str:
    if item.pair_id is not None and item.person_id is None:
        return f"pair:{item.pair_id}"
    return f"person:{item.person_id}"


class Pacing:
    def __init__(self, limits: DeliveryLimits, rng: random_module.Random) -> None:
        self.limits = limits
        self.random = rng
        self._tokens = limits.global_burst
        self._refilled_at: datetime | None = None
        self._free_at: dict[str, datetime] = {}
        # After a 429 the whole app slows down (x0.9 per 429, floor 0.25) and recovers slowly
        # (+0.002 per message sent): settles just under the platform's real limit.
        self._rate_factor = 1.0

    def global_wait(self, now: datetime) -> float:
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

    def free_at(self, conversation: str) -> datetime | None:
        return self._free_at.get(conversation)

    def sent(self, conversation: str, now: datetime) -> None:
        """A message went out: the conversation rests, the global rate recovers a little."""
        self._free_at[conversation] = now + timedelta(seconds=self.limits.per_conversation_seconds)
        self._rate_factor = min(1.0, self._rate_factor + RATE_RECOVERY)

    def rate_limited(self, conversation: str, until: datetime) -> None:
        """A 429: the conversation waits; the limit may be the app's, so everyone slows."""
        self._free_at[conversation] = until
        self._rate_factor = max(RATE_FLOOR, self._rate_factor * RATE_BACKOFF)

    def touch(self, conversation: str, now: datetime) -> None:
        self._free_at.setdefault(conversation, now)

    def backoff(self, attempts: int) -> float:
        delay = min(
            self.limits.backoff_max_seconds,
            self.limits.backoff_base_seconds * (2 ** max(0, attempts - 1)),
        )
        return float(delay * (0.5 + 0.5 * self.random.random()))

    def forget_old(self, now: datetime) -> None:
        if len(self._free_at) > 10_000:
            self._free_at = {c: t for c, t in self._free_at.items() if t > now}
