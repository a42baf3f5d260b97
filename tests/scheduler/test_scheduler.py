"""The tick: catch-up after downtime, two schedulers on one database, APScheduler wiring."""

from __future__ import annotations

import asyncio
import gc
import itertools
import threading
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from conversations import nudge_messages as nudges
from conversations.config import CoreConfig
from conversations.memory import InMemoryStore, ManualClock
from conversations.planner import PlanRules, QueueResult, queue_due
from conversations.planner import queue as queue_module
from conversations.ports import Store
from conversations.records import ConversationState, OutboxItem, Pair, Person, Phase, Programme
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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each SQL kind. On PostgreSQL both ticks really plan the same
    subjects at once (no database-wide write lock as on SQLite)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'two.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    return url


def test_two_schedulers_on_one_database_send_each_nudge_once(database_url: str) -> None:
    storage = pytest.importorskip("storage.store")
    migrate = pytest.importorskip("storage.migrate")
    migrate.upgrade(database_url)
    # Two engines, two pools: the outbox key and the version-checked wake times keep every
    # nudge single.
    first, second = storage.SqlStore(database_url), storage.SqlStore(database_url)
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


# Wake-ups: only the due subjects are planned, a bounded number per tick ---------------------


def tick(store: Store, now: datetime, rules: PlanRules) -> QueueResult:
    with store.transaction() as repo:
        return queue_due(repo, now, rules, CONFIG)


def due_of(store: Store, keys: list[str]) -> dict[str, datetime]:
    with store.transaction() as repo:
        return {o.key: o.due_at for o in repo.find(OutboxItem, key=keys)}


def test_the_bound_plans_the_earliest_due_subjects_first_and_the_rest_next() -> None:
    store = InMemoryStore()
    populate(store)  # ten reflections at 09:00, 09:30 and 10:00 Stockholm, a digest at 08:00
    first = tick(store, T0 - timedelta(hours=2), PlanRules())  # every subject is new
    assert first.keys == [] and first.planned == 17  # 11 people, 5 pairs, 1 programme
    rules = PlanRules(max_subjects_per_tick=3)
    ten = T0 + timedelta(hours=2)  # 10:00 local: all ten reflections and the digest due
    written: list[list[str]] = []
    for minute in range(5):
        result = tick(store, ten + timedelta(minutes=minute), rules)
        assert result.planned == len(result.keys)  # one due nudge per woken subject
        written.append(result.keys)
    assert [len(keys) for keys in written] == [3, 3, 3, 2, 0]
    assert written[0][0].startswith("digest:")  # 08:00, the oldest
    # Earliest due first: each tick's nudges are no later than the next tick's.
    due = due_of(store, [k for keys in written for k in keys])
    for before, after in itertools.pairwise(written[:-1]):
        assert max(due[k] for k in before) <= min(due[k] for k in after)


def test_quiet_ticks_plan_nothing_until_a_subject_is_due() -> None:
    store = InMemoryStore()
    populate(store)
    rules = PlanRules()
    assert tick(store, T0, rules).keys[0].startswith("digest:")  # 08:00 local
    for minute in (1, 2, 59):
        quiet = tick(store, T0 + timedelta(minutes=minute), rules)
        assert quiet.planned == 0 and quiet.keys == []
    nine = tick(store, T0 + timedelta(hours=1), rules)
    assert len(nine.keys) == 3 and nine.planned == 3  # only the people due at 09:00
    assert tick(store, T0 + timedelta(hours=1, minutes=1), rules).planned == 0


def test_a_newly_booked_meeting_is_planned_at_the_next_tick() -> None:
    store = InMemoryStore()
    populate(store, pairs=1)
    rules = PlanRules()
    tick(store, T0, rules)
    now = T0 + timedelta(minutes=5)
    with store.transaction() as repo:  # a plain write: no flow, no audit entry
        pair = repo.find(Pair)[0]
        meeting = add_meeting(repo, pair, T0 + timedelta(hours=6), now)
    # Booked later than 48 h ahead: the preparation prompt is due at booking.
    result = tick(store, now + timedelta(minutes=1), rules)
    assert result.keys == [f"preparation:{meeting.id}:{pair.adept_id}"]
    assert result.planned == 1  # the pair only
    assert tick(store, now + timedelta(minutes=2), rules).planned == 0


def test_a_settings_change_replans_the_person_and_their_pairs() -> None:
    store = InMemoryStore()
    populate(store, pairs=1)
    rules = PlanRules()
    tick(store, T0, rules)
    with store.transaction() as repo:
        person = repo.find(Person, platform_user_id="m0")[0]
        repo.update(person.model_copy(update={"reflection_time": time(8, 10)}))
    changed = tick(store, T0 + timedelta(minutes=5), rules)
    assert changed.keys == [] and changed.planned == 2  # the person and their pair
    assert tick(store, T0 + timedelta(minutes=9), rules).planned == 0
    keys = tick(store, T0 + timedelta(minutes=10), rules).keys
    assert keys == [f"reflection:{person.id}:2026-W19"]
    with store.transaction() as repo:
        state = repo.first(ConversationState, person_id=person.id)
    assert state is not None and state.awaiting == "reflection"


def test_a_row_another_scheduler_wrote_is_not_written_again() -> None:
    store = InMemoryStore()
    populate(store, pairs=1)
    rules = PlanRules()
    tick(store, T0, rules)
    nine = T0 + timedelta(hours=1)
    with store.transaction() as repo:  # the other scheduler planned the same subject first
        due = [w.subject for w in repo.due_wakes(nine, 10)]
    first = tick(store, nine, rules)
    assert len(first.keys) == 1 and len(due) == 1
    with store.transaction() as repo:  # ... and we read the same wake before it settled it
        repo.wake(due)
    again = tick(store, nine, rules)
    assert again.keys == [] and again.planned >= 1
    with store.transaction() as repo:
        assert len(repo.find(OutboxItem, key=first.keys)) == 1


def test_a_failed_tick_loses_nothing_and_the_next_tick_plans_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = InMemoryStore()
    populate(store, pairs=1)
    clock = ManualClock(T0 - timedelta(hours=1))
    scheduler = make_scheduler(store, clock, FakePlatform(clock), PlanRules())
    scheduler.queue()
    clock.set(T0 + timedelta(hours=1))

    class Broken(Exception):
        pass

    real = nudges.compose

    def fail(*args: Any, **kwargs: Any) -> None:
        raise Broken

    monkeypatch.setattr(nudges, "compose", fail)
    with pytest.raises(Broken):
        scheduler.queue()
    assert gc.isenabled()  # the tick pauses the cyclic collector, and puts it back even so
    monkeypatch.setattr(nudges, "compose", real)
    keys = scheduler.queue().keys  # the settled wake-ups were rolled back with the tick
    assert sorted(k.split(":")[0] for k in keys) == ["digest", "reflection"]  # 08:00, 09:00
    assert gc.isenabled()


def ticks(store: Store, start: datetime, minutes: int, rules: PlanRules) -> dict[str, datetime]:
    """Tick every minute for ``minutes``; the keys written, and when."""
    written: dict[str, datetime] = {}
    for minute in range(minutes):
        now = start + timedelta(minutes=minute)
        written.update(dict.fromkeys(tick(store, now, rules).keys, now))
    return written


def test_a_coordinator_back_from_a_pause_gets_the_waiting_phase_note_at_once() -> None:
    store = InMemoryStore()
    with store.transaction() as repo:
        kim = add_person(repo, "kim", paused_until=date(2026, 6, 5))
        # Introduced on the programme's first day (no clock runs before it).
        programme = add_programme(repo, kim, date(2026, 5, 1), date(2026, 8, 28))
        pair = add_pair(
            repo,
            programme,
            add_person(repo, "m"),
            add_person(repo, "a"),
            utc(2026, 5, 1),
            phase=Phase.INTRO,
        )
    rules = PlanRules()
    # No first meeting 10 days after the introduction: the pair is nudged on May 11; the
    # coordinator's note is due three days later but waits for the end of kim's pause.
    for day in range(4, 16):
        tick(store, utc(2026, 5, day, 6), rules)
    note = f"phase-coordinator:{pair.id}:intro:{kim.id}"
    assert note not in due_of(store, [note])
    with store.transaction() as repo:  # back early: 14:00 in Stockholm, a working Friday
        back = repo.get(Person, kim.id or 0)
        assert back is not None
        repo.update(back.model_copy(update={"paused_until": None}))
    written = ticks(store, utc(2026, 5, 15, 12), 3, rules)
    assert written.get(note) is not None and written[note] <= utc(2026, 5, 15, 12, 1)


def test_a_reopened_programme_brings_its_pairs_prompts_back() -> None:
    store = InMemoryStore()
    populate(store, pairs=1)
    rules = PlanRules()
    tick(store, T0 - timedelta(hours=1), rules)
    with store.transaction() as repo:
        programme = repo.find(Programme)[0]
        repo.update(programme.model_copy(update={"status": "closed"}))
    assert ticks(store, T0, 3 * 60, rules) == {}  # Monday morning: nothing for a closed one
    with store.transaction() as repo:
        closed = repo.find(Programme)[0]
        repo.update(closed.model_copy(update={"status": "open"}))
    monday = T0 + timedelta(days=7)
    written = ticks(store, monday, 3 * 60, rules)
    assert sorted(k.split(":")[0] for k in written) == ["digest", "reflection", "reflection"]


def test_a_shorter_cadence_makes_a_pair_overdue_at_once() -> None:
    store = InMemoryStore()
    populate(store, pairs=1)
    rules = PlanRules()
    tick(store, T0 - timedelta(hours=1), rules)
    with store.transaction() as repo:
        pair = repo.find(Pair)[0]
        add_meeting(repo, pair, T0 - timedelta(days=5), T0 - timedelta(days=9), status="held")
    tick(store, T0 - timedelta(minutes=30), rules)  # the meeting: not overdue at 14 days
    with store.transaction() as repo:
        programme = repo.find(Programme)[0]
        repo.update(programme.model_copy(update={"cadence_days": 2}))
    written = ticks(store, T0 + timedelta(hours=3), 3, rules)  # 11:00 in Stockholm
    overdue = sorted(k for k in written if k.startswith("overdue:"))
    assert overdue == sorted(f"overdue:{pair.id}:1:{m}" for m in (pair.mentor_id, pair.adept_id))


def test_a_tick_takes_no_chunk_that_would_end_past_its_time_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Subjects come in chunks; a tick whose next chunk would end after the budget (at the
    pace of the chunks before it) leaves the rest, first in line, to the next tick."""
    store = InMemoryStore()
    populate(store)  # ten reflections at 09:00, 09:30 and 10:00 Stockholm, a digest at 08:00
    tick(store, T0 - timedelta(hours=2), PlanRules())  # every subject is new: plan them once
    monkeypatch.setattr(queue_module, "TICK_CHUNK", 2)
    seconds = itertools.count(step=0.3)  # every look at the clock: 0.3 s later
    rules = PlanRules(tick_budget_seconds=0.8)
    ten = T0 + timedelta(hours=2)  # 10:00 local: all ten reflections and the digest due
    written: list[list[str]] = []
    for minute in range(4):
        with store.transaction() as repo:
            result = queue_due(
                repo, ten + timedelta(minutes=minute), rules, CONFIG, lambda: next(seconds)
            )
        written.append(result.keys)
    # 0.3 s a chunk: a third would end at 0.9 s, past 0.8 s; so two chunks of two a tick.
    assert [len(keys) for keys in written] == [4, 4, 3, 0]
    assert written[0][0].startswith("digest:")  # the oldest first, as without a budget
    due = due_of(store, [k for keys in written for k in keys])
    for before, after in itertools.pairwise(written[:-1]):
        assert max(due[k] for k in before) <= min(due[k] for k in after)
    unbudgeted = PlanRules(tick_budget_seconds=0)
    store = InMemoryStore()
    populate(store)
    tick(store, T0 - timedelta(hours=2), unbudgeted)
    with store.transaction() as repo:
        everything = queue_due(repo, ten, unbudgeted, CONFIG, lambda: next(seconds))
    assert len(everything.keys) == 11
