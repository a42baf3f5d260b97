"""The tick: catch-up after downtime, two schedulers on one database, APScheduler wiring."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from conversations.config import CoreConfig
from conversations.memory import InMemoryStore, ManualClock
from conversations.ports import Store
from conversations.program import PlanCache, PlanRules, queue_due
from conversations.records import AuditEntry, ConversationState, OutboxItem, Pair, Person
from scheduler.dispatcher import DeliveryLimits, Dispatcher
from scheduler.runner import JOB_ID, Scheduler, run_forever, start_in_loop
from tests.scheduler.world import (
    ClockSleeper,
    FakePlatform,
    add_meeting,
    add_pair,
    add_person,
    add_programme,
    utc,
)

CONFIG = CoreConfig()
T0 = utc(2026, 5, 4, 6)  # Monday 08:00 in Stockholm


def populate(store: Store, pairs: int = 5) -> None:
    """Pairs whose members reflect at 09:00, 09:30 or 10:00 on Mondays (Stockholm)."""
    with store.transaction() as repo:
        kim = add_person(repo, "kim", is_coordinator=True)
        programme = add_programme(repo, kim, date(2026, 5, 4), date(2026, 8, 28))
        for n in range(pairs):
            times = [time(9), time(9, 30), time(10)]
            a = add_person(repo, f"m{n}", reflection_weekday=0, reflection_time=times[n % 3])
            b = add_person(repo, f"a{n}", reflection_weekday=0, reflection_time=times[(n + 1) % 3])
            add_pair(repo, programme, a, b, T0 - timedelta(days=1))


def make_scheduler(
    store: Any, clock: ManualClock, platform: FakePlatform, rules: PlanRules
) -> Scheduler:
    dispatcher = Dispatcher(
        store,
        platform,
        clock,
        DeliveryLimits(global_per_second=50),
        store=store,
        sleep=ClockSleeper(clock),
    )
    return Scheduler(store, dispatcher, clock, rules, CONFIG, plan_in_thread=False)


def reflections(store: Any) -> dict[str, OutboxItem]:
    with store.transaction() as repo:
        return {o.key: o for o in repo.find(OutboxItem) if o.kind == "reflection-prompt"}


@pytest.mark.parametrize(("catch_up_hours", "sent_late", "skipped"), [(12, 10, 0), (0.75, 7, 3)])
async def test_two_hour_downtime_catches_up_within_the_grace_window(
    catch_up_hours: float, sent_late: int, skipped: int
) -> None:
    store = InMemoryStore()
    populate(store)
    clock = ManualClock(T0)
    platform = FakePlatform(clock)
    scheduler = make_scheduler(store, clock, platform, PlanRules(catch_up_hours=catch_up_hours))
    await scheduler.tick()  # 08:00 local: only the coordinator's weekly digest
    assert [s.kind for s in platform.sent] == ["coordinator-digest"]
    clock.advance(timedelta(hours=2, minutes=15))  # down from 08:00 to 10:15 local
    report = await scheduler.tick()
    assert report.queued.queued == sent_late
    assert report.queued.skipped_stale == skipped
    rows = reflections(store)
    assert len(rows) == 10
    assert Counter(o.status for o in rows.values()) == +Counter(
        {"sent": sent_late, "skipped": skipped}
    )
    late = [o for o in rows.values() if o.status == "sent"]
    assert all(
        o.sent_at is not None and o.sent_at - o.due_at <= timedelta(hours=1, minutes=16)
        for o in late
    )
    # Later ticks neither re-send nor re-count.
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        again = await scheduler.tick()
        assert (again.queued.queued, again.queued.skipped_stale) == (0, 0)
    assert len(platform.sent) == sent_late + 1 == len(set(platform.keys()))


def run_two_schedulers(stores: tuple[Any, Any], clock: ManualClock, platform: FakePlatform) -> None:
    """Two schedulers (each its own dispatcher and event loop, in its own thread) tick at the
    same moments, every 5 minutes through one Monday morning."""
    rules = PlanRules()
    schedulers = [make_scheduler(s, clock, platform, rules) for s in stores]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(scheduler: Scheduler) -> None:
        async def loop() -> None:
            for _ in range(36):
                barrier.wait()
                await scheduler.tick()
                if barrier.wait() == 0:
                    clock.advance(timedelta(minutes=5))
                barrier.wait()

        try:
            asyncio.run(loop())
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_two_schedulers_on_one_in_memory_store_send_each_nudge_once() -> None:
    store = InMemoryStore()
    populate(store)
    clock = ManualClock(T0)
    platform = FakePlatform(clock)
    run_two_schedulers((store, store), clock, platform)
    sent = Counter(platform.keys())
    assert len(sent) == 10 + 1  # ten reflections and the coordinator's digest
    assert max(sent.values()) == 1


def test_two_schedulers_on_one_sqlite_database_send_each_nudge_once(tmp_path: Path) -> None:
    storage = pytest.importorskip("storage.store")
    migrate = pytest.importorskip("storage.migrate")
    url = f"sqlite:///{tmp_path / 'two.db'}"
    migrate.upgrade(url)
    first, second = storage.SqlStore(url), storage.SqlStore(url)  # two engines, two pools
    try:
        populate(first)
        clock = ManualClock(T0)
        platform = FakePlatform(clock)
        run_two_schedulers((first, second), clock, platform)
        sent = Counter(platform.keys())
        assert len(sent) == 11
        assert max(sent.values()) == 1
        assert all(o.status == "sent" for o in reflections(second).values())
    finally:
        first.close()
        second.close()


async def test_apscheduler_job_is_one_coalescing_tick() -> None:
    store = InMemoryStore()
    clock = ManualClock(datetime.now().astimezone())
    platform = FakePlatform(clock)
    scheduler = make_scheduler(store, clock, platform, PlanRules())
    scheduler.tick_seconds = 60
    aps = start_in_loop(scheduler, run_now=False)
    try:
        jobs = aps.get_jobs()
        assert [j.id for j in jobs] == [JOB_ID]
        job = jobs[0]
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 300
    finally:
        aps.shutdown(wait=False)
    stop = asyncio.Event()
    stop.set()
    await run_forever(scheduler, stop)  # returns at once when asked to stop


# The per-process plan cache and the bound per tick ---------------------------------------


def tick(store: Store, now: datetime, rules: PlanRules, cache: PlanCache | None) -> list[str]:
    with store.transaction() as repo:
        return queue_due(repo, now, rules, CONFIG, cache).keys


def due_of(store: Store, keys: list[str]) -> dict[str, datetime]:
    with store.transaction() as repo:
        return {o.key: o.due_at for o in repo.find(OutboxItem, key=keys)}


def test_bounded_compose_goes_oldest_first_and_what_waits_never_goes_stale() -> None:
    store = InMemoryStore()
    populate(store)  # ten reflections at 09:00, 09:30 and 10:00 Stockholm
    rules = PlanRules(max_queue_per_tick=3, catch_up_hours=1)
    cache = PlanCache()
    ten = T0 + timedelta(hours=2)  # 10:00 local: all ten due, the 08:00 digest stale
    first = tick(store, ten, rules, cache)
    assert len(first) == 3
    with store.transaction() as repo:
        rows = {o.key: o for o in repo.find(OutboxItem)}
    assert [o.status for o in rows.values() if o.kind == "coordinator-digest"] == ["skipped"]
    # The oldest due first: nothing left over is older than what was written.
    written = due_of(store, first)
    assert max(written.values()) == T0 + timedelta(hours=1)
    # 50 minutes later the 09:00 ones that waited are 1 h 50 min late: still sent, not stale.
    later = []
    for n in range(4):
        later.append(tick(store, ten + timedelta(minutes=50 + n), rules, cache))
        assert cache.last == ("reused" if n < 3 else "skipped")  # the plan is not made again
    assert [len(keys) for keys in later] == [3, 3, 1, 0]
    with store.transaction() as repo:
        rows = {o.key: o for o in repo.find(OutboxItem) if o.kind == "reflection-prompt"}
    assert len(rows) == 10 and {o.status for o in rows.values()} == {"pending"}


def test_bounded_compose_without_a_cache_leaves_the_rest_for_the_next_tick() -> None:
    store = InMemoryStore()
    populate(store)
    rules = PlanRules(max_queue_per_tick=4)
    now = T0 + timedelta(hours=2)
    counts = [len(tick(store, now + timedelta(minutes=n), rules, None)) for n in range(4)]
    assert counts == [4, 4, 3, 0]  # ten reflections and the digest


def test_quiet_ticks_skip_planning_until_the_next_due_time() -> None:
    store = InMemoryStore()
    populate(store)
    rules = PlanRules()
    cache = PlanCache()
    assert len(tick(store, T0, rules, cache)) == 1  # 08:00 local: the digest
    assert cache.last == "full"
    assert cache.wake_at == T0 + timedelta(hours=1)  # the first reflection, 09:00 local
    for minute in (1, 2, 59):
        assert tick(store, T0 + timedelta(minutes=minute), rules, cache) == []
        assert cache.last == "skipped"
    # The tick at 08:59 planned ahead for 09:00; the 09:00 tick only writes.
    assert cache.plan_at == T0 + timedelta(hours=1)
    due = tick(store, T0 + timedelta(hours=1), rules, cache)
    assert cache.last == "reused"
    assert len(due) == 3  # the 09:00 ones
    assert tick(store, T0 + timedelta(hours=1, minutes=1), rules, cache) == []
    assert cache.last == "skipped"
    assert cache.full_loads == 1


def test_refresh_picks_up_a_newly_booked_meeting() -> None:
    store = InMemoryStore()
    populate(store, pairs=1)
    rules = PlanRules()
    cache = PlanCache()
    tick(store, T0, rules, cache)
    now = T0 + timedelta(minutes=5)
    with store.transaction() as repo:  # what meetings.book does: the meeting and its audit
        pair = repo.find(Pair)[0]
        meeting = add_meeting(repo, pair, T0 + timedelta(hours=6), now)
        repo.add(
            AuditEntry(
                at=now,
                actor_id=pair.adept_id,
                action="meeting.booked",
                subject=f"pair:{pair.id}",
                detail={"meeting": meeting.id},
            )
        )
    # Booked later than 48 h ahead: the preparation prompt is due at booking.
    keys = tick(store, now + timedelta(minutes=1), rules, cache)
    assert cache.last == "refreshed"
    assert keys == [f"preparation:{meeting.id}:{pair.adept_id}"]
    assert cache.full_loads == 1
    assert tick(store, now + timedelta(minutes=2), rules, cache) == []
    assert cache.last == "skipped"


def test_refresh_picks_up_a_settings_change() -> None:
    store = InMemoryStore()
    populate(store, pairs=1)
    rules = PlanRules()
    cache = PlanCache()
    tick(store, T0, rules, cache)
    assert cache.wake_at == T0 + timedelta(hours=1)
    with store.transaction() as repo:  # what settings does: the person and its audit
        person = repo.find(Person, platform_user_id="m0")[0]
        repo.update(person.model_copy(update={"reflection_time": time(8, 10)}))
        repo.add(
            AuditEntry(
                at=T0,
                actor_id=person.id,
                action="settings.changed",
                subject=f"person:{person.id}",
            )
        )
    assert tick(store, T0 + timedelta(minutes=5), rules, cache) == []
    assert cache.last == "refreshed"
    assert cache.wake_at == T0 + timedelta(minutes=10)
    keys = tick(store, T0 + timedelta(minutes=10), rules, cache)
    assert keys == [f"reflection:{person.id}:2026-W19"]
    with store.transaction() as repo:
        state = repo.first(ConversationState, person_id=person.id)
    assert state is not None and state.awaiting == "reflection"


def test_a_row_written_elsewhere_is_seen_and_not_written_again() -> None:
    store = InMemoryStore()
    populate(store, pairs=1)
    rules = PlanRules()
    cache = PlanCache()
    tick(store, T0, rules, cache)
    nine = T0 + timedelta(hours=1)
    other = tick(store, nine, rules, None)  # another scheduler was faster
    assert len(other) == 1
    assert tick(store, nine, rules, cache) == []
    assert tick(store, nine + timedelta(minutes=1), rules, cache) == []
    assert cache.last == "skipped"
    with store.transaction() as repo:
        assert len(repo.find(OutboxItem, key=other)) == len(other)


def test_a_failed_tick_resets_the_cache() -> None:
    store = InMemoryStore()
    populate(store, pairs=1)
    clock = ManualClock(T0)
    scheduler = make_scheduler(store, clock, FakePlatform(clock), PlanRules())
    scheduler.queue()
    assert scheduler.cache.view is not None

    class Broken(Exception):
        pass

    def fail(*args: Any, **kwargs: Any) -> None:
        raise Broken

    scheduler.cache.view_for = fail  # type: ignore[method-assign]
    with pytest.raises(Broken):
        scheduler.queue()
    assert scheduler.cache.view is None
