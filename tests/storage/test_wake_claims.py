"""Several schedulers on one PostgreSQL database: the wake rows a tick or a bulk re-plan reads
are claimed (``FOR UPDATE SKIP LOCKED``), so two never plan the same subject at once, and no
nudge is written twice.

Each test holds the first scheduler right after it claimed its subjects (a real transaction
on a real server, with its row locks), runs a whole tick of the second one meanwhile, then
lets the first go on."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import time, timedelta
from typing import Any

import pytest

from conversations.planner import PlanRules, QueueResult, queue_due
from conversations.planner.bulk import Cursor, replan_chunk
from conversations.ports import Repo
from conversations.records import OutboxItem, Person
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.scheduler.test_scheduler import CONFIG, T0, populate

pytestmark = pytest.mark.postgres

TEN = T0 + timedelta(hours=2)  # Monday 10:00 in Stockholm
PAIRS = 20


class Held:
    """A repo that stops, once, right after the call named ``at`` returned (the rows it read
    are locked by then), until the test lets it go."""

    def __init__(self, inner: Repo, at: str, claimed: threading.Event, go: threading.Event):
        self._inner, self._at, self._claimed, self._go = inner, at, claimed, go

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._inner, name)
        if name != self._at or self._claimed.is_set():
            return call

        def held(*args: Any, **kwargs: Any) -> Any:
            result = call(*args, **kwargs)
            self._claimed.set()
            assert self._go.wait(30)
            return result

        return held


@pytest.fixture
def stores(pg_database_url: str) -> Iterator[tuple[SqlStore, SqlStore]]:
    upgrade(pg_database_url)
    first, second = SqlStore(pg_database_url), SqlStore(pg_database_url)
    yield first, second
    first.close()
    second.close()


def while_held(
    first: SqlStore,
    at: str,
    plan_first: Callable[[Repo], QueueResult],
    second: SqlStore,
) -> tuple[QueueResult, QueueResult]:
    """The first scheduler's transaction, held after ``at``; the second's whole tick
    meanwhile (unbounded); then the first goes on and commits."""
    claimed, go = threading.Event(), threading.Event()
    results: dict[str, QueueResult] = {}
    errors: list[BaseException] = []

    def run_first() -> None:
        try:
            with first.transaction() as repo:
                results["first"] = plan_first(Held(repo, at, claimed, go))  # type: ignore[arg-type]
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            claimed.set()

    thread = threading.Thread(target=run_first)
    thread.start()
    try:
        assert claimed.wait(30)
        with second.transaction() as repo:
            results["second"] = queue_due(repo, TEN, PlanRules(max_subjects_per_tick=0), CONFIG)
    finally:
        go.set()
        thread.join(30)
    assert not errors, errors
    return results["first"], results["second"]


def outbox(store: SqlStore) -> Counter[str]:
    with store.transaction() as repo:
        return Counter(key for (key,) in repo.columns(OutboxItem, ("key",)))


def settle_everyone(store: SqlStore) -> None:
    """Everyone planned once, two hours before the reflections fall due."""
    with store.transaction() as repo:
        queue_due(repo, T0 - timedelta(hours=2), PlanRules(max_subjects_per_tick=0), CONFIG)


def test_two_ticks_at_once_plan_disjoint_subjects_and_write_each_nudge_once(
    stores: tuple[SqlStore, SqlStore],
) -> None:
    first, second = stores
    populate(first, PAIRS)
    settle_everyone(first)
    one, two = while_held(
        first,
        "due_wakes",
        lambda repo: queue_due(repo, TEN, PlanRules(max_subjects_per_tick=15), CONFIG),
        second,
    )
    assert one.planned == 15 and two.planned > 0
    assert not set(one.subjects) & set(two.subjects)  # never the same subject twice
    assert not set(one.keys) & set(two.keys)
    written = outbox(first)
    assert max(written.values()) == 1
    reflections = [k for k in written if k.startswith("reflection:")]
    assert len(reflections) == 2 * PAIRS  # the two ticks together: every prompt due at 10:00
    # The next tick of either finds nothing more to write.
    with second.transaction() as repo:
        assert queue_due(repo, TEN + timedelta(minutes=1), PlanRules(), CONFIG).queued == 0


def test_a_bulk_replan_and_a_tick_at_once_never_plan_one_subject_twice(
    stores: tuple[SqlStore, SqlStore],
) -> None:
    first, second = stores
    populate(first, PAIRS)
    settle_everyone(first)
    with first.transaction() as repo:  # everyone moves their reflection to 10:00: all changed
        for person in repo.find(Person):
            repo.update(person.model_copy(update={"reflection_time": time(10)}))

    def chunk_of_people(repo: Repo) -> QueueResult:
        _, result = replan_chunk(repo, TEN, PlanRules(), CONFIG, Cursor("person"), 12)
        return result

    # Held after it claimed its twelve people and their pairs (``claim_wakes``).
    one, two = while_held(first, "claim_wakes", chunk_of_people, second)
    assert len([s for s in one.subjects if s.startswith("person:")]) == 12
    assert any(s.startswith("pair:") for s in one.subjects)
    assert not set(one.subjects) & set(two.subjects)
    written = outbox(first)
    assert max(written.values()) == 1
    assert len([k for k in written if k.startswith("reflection:")]) == 2 * PAIRS
