"""The bulk re-plan: a backlog of changes (an upgrade, an import) worked off in chunks, each
subject planned, the same nudges as planning everyone at once, resumable, beside the ticks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from conversations.memory import InMemoryStore, ManualClock
from conversations.planner import PlanRules, queue_due
from conversations.ports import Store
from conversations.records import OutboxItem, PlanWake
from scheduler.replan import Replanner, ReplanReport
from storage.store import SqlStore
from tests.databases import new_database_url
from tests.scheduler.test_scheduler import CONFIG, T0, make_scheduler, populate
from tests.scheduler.world import FakePlatform

TEN = T0 + timedelta(hours=2)  # Monday 10:00 in Stockholm: every reflection and the digest due
PAIRS = 12


@pytest.fixture(params=["memory", "sql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield InMemoryStore()
        return
    sql = SqlStore(new_database_url(tmp_path))
    yield sql
    sql.close()


def outbox_keys(store: Store) -> list[str]:
    with store.transaction() as repo:
        return sorted(key for (key,) in repo.columns(OutboxItem, ("key",)))


def changed(store: Store) -> list[str]:
    with store.transaction() as repo:
        return [s for s, c in repo.columns(PlanWake, ("subject", "changed")) if c]


def everyone_at_once() -> list[str]:
    """What one unbounded tick writes for the same world: the reference."""
    reference = InMemoryStore()
    populate(reference, PAIRS)
    with reference.transaction() as repo:
        queue_due(repo, TEN, PlanRules(max_subjects_per_tick=0), CONFIG)
    return outbox_keys(reference)


def test_the_bulk_replan_plans_every_changed_subject_and_writes_what_planning_everyone_would(
    store: Store,
) -> None:
    populate(store, PAIRS)  # every person, pair and the programme starts out changed
    assert len(changed(store)) == 2 * PAIRS + 1 + PAIRS + 1
    report = Replanner(store, ManualClock(TEN), PlanRules(), CONFIG, chunk=5).run()
    assert report.finished and report.chunks >= 5
    assert changed(store) == []
    keys = outbox_keys(store)
    assert keys == everyone_at_once()
    assert len([k for k in keys if k.startswith("reflection:")]) == 2 * PAIRS
    # A tick after it finds nothing left to write.
    with store.transaction() as repo:
        assert queue_due(repo, TEN, PlanRules(), CONFIG).queued == 0


def test_a_stopped_replan_goes_on_where_it_stopped(store: Store) -> None:
    populate(store, PAIRS)
    replanner = Replanner(store, ManualClock(TEN), PlanRules(), CONFIG, chunk=4)

    def stop_after_two(report: ReplanReport) -> None:
        if report.chunks == 2:
            replanner.stop.set()

    first = replanner.run(stop_after_two)
    assert not first.finished and first.chunks == 2
    left = changed(store)
    assert left  # what the first run did is kept (each chunk committed), the rest is waiting
    replanner.stop.clear()
    second = replanner.run()
    assert second.finished and changed(store) == []
    assert outbox_keys(store) == everyone_at_once()


async def test_a_tick_with_a_backlog_of_changes_starts_the_replan_and_keeps_sending(
    tmp_path: Path,
) -> None:
    store = SqlStore(new_database_url(tmp_path))
    try:
        populate(store, PAIRS)
        clock = ManualClock(TEN)
        platform = FakePlatform(clock)
        rules = PlanRules(max_subjects_per_tick=4)
        scheduler = make_scheduler(store, clock, platform, rules)
        scheduler.replanner = Replanner(store, clock, rules, CONFIG, chunk=3)
        report = await scheduler.tick()
        # The tick planned and sent its share at once (and whatever the re-plan, started in
        # its own thread, had written by then); the backlog went to the re-plan.
        assert report.queued.changes_deferred
        assert set(report.queued.keys) <= set(platform.keys())
        assert scheduler._replanning is not None
        await asyncio.to_thread(scheduler._replanning.join)
        assert changed(store) == []
        clock.advance(timedelta(minutes=1))
        await scheduler.tick()
        assert sorted(platform.keys()) == everyone_at_once()
        await scheduler.stop_replan()
    finally:
        store.close()
