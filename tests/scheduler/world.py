"""Test helpers for the planner and the scheduler: a small world of people and pairs, a fake
platform that records what it was sent, a sleeper that moves the manual clock."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from conversations.memory import InMemoryStore, ManualClock
from conversations.messages import Message
from conversations.ports import PermanentError, Repo, TransientError
from conversations.records import (
    Enrolment,
    Meeting,
    OutboxItem,
    Pair,
    Person,
    Phase,
    Programme,
    Purpose,
    Role,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


COUNTRY = {"Europe/Stockholm": "SE", "America/New_York": "US", "Asia/Tokyo": "JP"}


def add_person(repo: Repo, name: str, tz: str = "Europe/Stockholm", **extra: Any) -> Person:
    values: dict[str, Any] = {
        "platform": "local",
        "platform_user_id": name,
        "display_name": name,
        "locale": "en",
        "timezone": tz,
        "country": COUNTRY.get(tz, "SE"),
        "created_at": utc(2026, 1, 1),
    }
    values.update(extra)
    return repo.add(Person(**values))


def add_programme(
    repo: Repo, coordinator: Person, starts_on: date, ends_on: date, **extra: Any
) -> Programme:
    values: dict[str, Any] = {
        "name": "Pilot",
        "purposes": [Purpose.CAREER],
        "starts_on": starts_on,
        "ends_on": ends_on,
        "created_by": coordinator.id,
        "created_at": datetime.combine(starts_on, time(0), tzinfo=UTC) - timedelta(days=4),
    }
    values.update(extra)
    return repo.add(Programme(**values))


def add_pair(
    repo: Repo,
    programme: Programme,
    mentor: Person,
    adept: Person,
    introduced_at: datetime,
    *,
    phase: Phase = Phase.ACTIVE,
    midpoint_on: date | None = None,
    ends_on: date | None = None,
    **extra: Any,
) -> Pair:
    for person, role in ((mentor, Role.MENTOR), (adept, Role.ADEPT)):
        repo.add(
            Enrolment(
                programme_id=programme.id or 0,
                person_id=person.id or 0,
                role=role,
                created_at=introduced_at,
            )
        )
    return repo.add(
        Pair(
            programme_id=programme.id or 0,
            mentor_id=mentor.id or 0,
            adept_id=adept.id or 0,
            phase=phase,
            phase_since=introduced_at,
            introduced_at=introduced_at,
            midpoint_on=midpoint_on or programme.starts_on + timedelta(days=42),
            ends_on=ends_on or programme.ends_on,
            **extra,
        )
    )


def add_meeting(
    repo: Repo, pair: Pair, starts_at: datetime, created_at: datetime, **extra: Any
) -> Meeting:
    return repo.add(
        Meeting(
            pair_id=pair.id or 0,
            starts_at=starts_at,
            booked_by=pair.adept_id,
            created_at=created_at,
            **extra,
        )
    )


@dataclass
class Sent:
    key: str
    kind: str
    person_id: int | None
    at: datetime
    text: str


@dataclass
class FakePlatform:
    """A ``Delivery`` that records sends; scripted errors per outbox key (a list consumed one
    per attempt: an exception instance to raise, or None to succeed)."""

    clock: ManualClock
    errors: dict[str, list[BaseException | None]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    attempts: list[tuple[str, datetime]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def send(self, item: OutboxItem, message: Message) -> str | None:
        with self.lock:
            self.attempts.append((item.key, self.clock.now()))
            script = self.errors.get(item.key)
            if script:
                error = script.pop(0)
                if error is not None:
                    raise error
            self.sent.append(
                Sent(item.key, item.kind, item.person_id, self.clock.now(), message.plain_text())
            )
            return f"ts-{len(self.sent)}"

    def keys(self) -> list[str]:
        return [s.key for s in self.sent]


class ClockSleeper:
    """An injected sleeper: moves the manual clock instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)


def rate_limited(retry_after: float) -> TransientError:
    return TransientError("ratelimited", retry_after=retry_after)


def gone() -> PermanentError:
    return PermanentError("user_not_found")


def snapshot(store: InMemoryStore) -> dict[str, OutboxItem]:
    with store.transaction() as repo:
        return {o.key: o for o in repo.find(OutboxItem)}
