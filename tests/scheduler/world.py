"""Test helpers for the planner and the scheduler: a small world of people and pairs, a fake
platform that records what it was sent, a sleeper that moves the manual clock."""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from conversations.memory import InMemoryStore, ManualClock
from conversations.messages import Message, text
from conversations.ports import (
    NOT_FOUND,
    UNKNOWN,
    Delivered,
    PermanentError,
    Reconciled,
    Repo,
    TransientError,
    found,
)
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
from scheduler.dispatcher import DeliveryLimits, Dispatcher


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
    per attempt: an exception instance to raise, or None to succeed; ``lands`` makes that
    error come after the platform took the message, as a timeout may). ``readable``: whether
    it can tell what it has (Slack's history) or not (Teams)."""

    clock: ManualClock
    errors: dict[str, list[BaseException | None]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    attempts: list[tuple[str, datetime]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    readable: bool = True
    lands: set[str] = field(default_factory=set)  # keys whose scripted error comes after
    reconciled: list[tuple[str, datetime | None]] = field(default_factory=list)

    async def send(self, item: OutboxItem, message: Message) -> Delivered:
        with self.lock:
            self.attempts.append((item.key, self.clock.now()))
            script = self.errors.get(item.key)
            error = script.pop(0) if script else None
            if error is not None and item.key not in self.lands:
                raise error
            self.sent.append(
                Sent(item.key, item.kind, item.person_id, self.clock.now(), message.plain_text())
            )
            if error is not None:
                raise error
            return Delivered(f"ts-{len(self.sent)}", f"D{item.person_id}")

    async def reconcile(self, item: OutboxItem) -> Reconciled:
        with self.lock:
            self.reconciled.append((item.key, item.sending_since))
            if not self.readable:
                return UNKNOWN
            for number, sent in enumerate(self.sent, 1):
                if sent.key == item.key:
                    return found(Delivered(f"ts-{number}", f"D{item.person_id}"))
            return NOT_FOUND

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


# The dispatcher's small world -----------------------------------------------------------

T0 = utc(2026, 5, 4, 8)  # a Monday morning: the dispatcher tests' start


def programme_world() -> tuple[InMemoryStore, dict[str, int]]:
    store = InMemoryStore()
    with store.transaction() as repo:
        kim = add_person(repo, "kim", is_coordinator=True)
        people = [add_person(repo, f"p{i}") for i in range(6)]
        programme = add_programme(repo, kim, date(2026, 5, 4), date(2026, 8, 28))
        add_pair(repo, programme, people[0], people[1], T0)
    return store, {
        "kim": kim.id or 0,
        "programme": programme.id or 0,
        **{f"p{i}": p.id or 0 for i, p in enumerate(people)},
    }


def queue(
    store: InMemoryStore,
    key: str,
    person_id: int,
    programme_id: int | None = None,
    due: datetime = T0,
) -> None:
    with store.transaction() as repo:
        repo.enqueue(
            OutboxItem(
                key=key,
                person_id=person_id,
                programme_id=programme_id,
                kind="reflection-prompt",
                payload=text(f"hello {key}").model_dump(mode="json"),
                due_at=due,
                created_at=due,
            )
        )


def dispatcher(
    store: InMemoryStore,
    platform: FakePlatform,
    clock: ManualClock,
    outbox: object = None,
    holder: str | None = None,
    **limits: float,
) -> Dispatcher:
    return Dispatcher(
        outbox or store,  # type: ignore[arg-type]
        platform,
        clock,
        DeliveryLimits(**limits),  # type: ignore[arg-type]
        store=store,
        holder=holder,
        sleep=ClockSleeper(clock),
        rng=random.Random(7),
    )
