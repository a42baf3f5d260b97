"""The scheduler's planner tick for 100,000 people, against a real SQLite store.

    python bench/planner.py [--people 100000] [--keep DIR]

Builds a SQLite database (a temp file migrated with ``storage.migrate.upgrade``) holding
100,000 people: 50,000 open pairs in Europe/Stockholm, America/New_York and Asia/Tokyo, a
recent (held) and an upcoming (booked) meeting per pair, check-ins, accepted agreements for
the active pairs and a steady-state outbox (everything due before the previous tick already
written). Then, each in a fresh process (``--child``), so that "cold" really is the first tick
of a new scheduler process:

* ``tick``: ``queue_due(repo, now, rules, config)`` in one committed transaction, the whole
  tick (``load_view`` + ``plan_all`` + compose/enqueue of the due nudges): cold (first tick of
  the process), then warm (the same busy tick again, worst of 3; the rows the previous run
  wrote are deleted in between, outside the timing), then the quiet tick a minute later. Also
  ``load_view`` and ``plan_all`` on their own, and the process's max RSS (``getrusage``) after
  the cold tick: the scheduler's real footprint.
* ``memory``: the same cold tick under tracemalloc (peak of Python allocations), and the size
  of one loaded ``PlanView``.

The busy moment is Thursday 14:00 in Stockholm, when a fifth of the Stockholm people's
reflection prompts fall due, plus meeting reminders, check-ins and pair prompts everywhere.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time as timer
import tracemalloc
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from conversations.config import CoreConfig
from conversations.program import (
    PlanCache,
    PlanRules,
    clear_caches,
    load_view,
    plan_all,
    queue_due,
)
from conversations.records import (
    Agreement,
    AuditEntry,
    CheckIn,
    ConversationState,
    Meeting,
    OutboxItem,
    Pair,
    Person,
    Phase,
    Programme,
    Purpose,
)
from storage.migrate import upgrade
from storage.store import SqlStore
from storage.tables import table_of

ZONES = (("Europe/Stockholm", "SE"), ("America/New_York", "US"), ("Asia/Tokyo", "JP"))
NOW = datetime(2026, 10, 22, 12, 0, tzinfo=UTC)  # Thursday 14:00 in Stockholm
PREVIOUS = NOW - timedelta(minutes=1)
INTRO = datetime(2026, 8, 31, 7, tzinfo=UTC)
BATCH = 20_000
CHANGED = 4  # the person whose settings change in the bench


def _insert(connection: sa.Connection, cls: type[Any], rows: list[dict[str, Any]]) -> None:
    table = table_of(cls)
    for start in range(0, len(rows), BATCH):
        connection.execute(sa.insert(table), rows[start : start + BATCH])


def populate(url: str, people: int) -> dict[str, int]:
    """Fill the migrated database at ``url``; returns row counts."""
    store = SqlStore(url)
    with store.engine.begin() as connection:
        _insert(
            connection,
            Programme,
            [
                {
                    "name": "Pilot",
                    "purposes": [Purpose.CAREER.value],
                    "starts_on": date(2026, 8, 31),
                    "ends_on": date(2026, 12, 18),
                    "cadence_days": 14,
                    "created_by": 1,
                    "created_at": datetime(2026, 8, 1, tzinfo=UTC),
                    "version": 1,
                }
            ],
        )
        persons = []
        for i in range(1, people + 1):
            tz, country = ZONES[(i // 2) % 3]
            persons.append(
                {
                    "platform": "slack",
                    "workspace": "T1",
                    "platform_user_id": f"U{i}",
                    "display_name": f"Person {i}",
                    "locale": "sv" if i % 2 else "en",
                    "timezone": tz,
                    "country": country,
                    "reflection_weekday": i % 5,
                    "reflection_time": time(14) if i % 4 else time(9, 30),
                    "work_start": time(8),
                    "work_end": time(17),
                    "work_days": [0, 1, 2, 3, 4],
                    "paused_until": date(2026, 10, 30) if i % 50 == 0 else None,
                    "is_coordinator": i == 1,
                    "created_at": datetime(2026, 8, 1, tzinfo=UTC),
                    "version": 1,
                }
            )
        _insert(connection, Person, persons)
        del persons
        pairs, meetings, checkins, agreements = [], [], [], []
        meeting_id = 0
        for n in range(1, people // 2 + 1):
            mentor, adept = 2 * n - 1, 2 * n
            phase = Phase.ACTIVE if n % 10 else (Phase.INTRO, Phase.GOALS, Phase.AGREEMENT)[n % 3]
            pairs.append(
                {
                    "programme_id": 1,
                    "mentor_id": mentor,
                    "adept_id": adept,
                    "phase": phase,
                    "phase_since": INTRO + timedelta(days=n % 30),
                    "introduced_at": INTRO,
                    "midpoint_on": date(2026, 10, 19) + timedelta(days=n % 14),
                    "ends_on": date(2026, 12, 18),
                    "version": 1,
                }
            )
            if phase == Phase.ACTIVE:
                agreements.append(
                    {
                        "pair_id": n,
                        "number": 1,
                        "cadence_days": 14,
                        "meeting_minutes": 60,
                        "confidentiality": "What we say stays between us.",
                        "ethics": "Respect and honesty.",
                        "mentor_responsibilities": "Listen, ask, share experience.",
                        "adept_responsibilities": "Bring a challenge to every meeting.",
                        "ends_on": date(2026, 12, 18),
                        "proposed_by": adept,
                        "created_at": INTRO + timedelta(days=20),
                        "mentor_accepted_at": INTRO + timedelta(days=21),
                        "adept_accepted_at": INTRO + timedelta(days=21),
                        "version": 1,
                    }
                )
            last = NOW - timedelta(days=n % 20, hours=n % 7)
            upcoming = NOW + timedelta(days=1 + n % 5, hours=n % 9)
            for starts, status in ((last, "held"), (upcoming, "booked")):
                meeting_id += 1
                meetings.append(
                    {
                        "pair_id": n,
                        "starts_at": starts,
                        "minutes": 60,
                        "status": status,
                        "booked_by": adept,
                        "created_at": starts - timedelta(days=7),
                        "version": 1,
                    }
                )
                if starts < NOW and n % 2:
                    checkins.append(
                        {
                            "pair_id": n,
                            "meeting_id": meeting_id,
                            "author_id": mentor,
                            "met": True,
                            "raised": "How to say no.",
                            "will_try": "Block focus time.",
                            "usefulness": 4,
                            "created_at": starts + timedelta(hours=2),
                            "version": 1,
                        }
                    )
        _insert(connection, Pair, pairs)
        _insert(connection, Meeting, meetings)
        _insert(connection, CheckIn, checkins)
        _insert(connection, Agreement, agreements)
        counts = {
            "people": people,
            "pairs": len(pairs),
            "meetings": len(meetings),
            "checkins": len(checkins),
            "agreements": len(agreements),
        }
    # Steady state: everything that fell due before the previous tick is in the outbox.
    catch_all = PlanRules(catch_up_hours=24 * 60)
    with store.transaction() as repo:
        view = load_view(repo, PREVIOUS, catch_all, CoreConfig())
    before = plan_all(view, PREVIOUS, catch_all, CoreConfig())
    del view
    rows: list[dict[str, Any]] = [
        {
            "key": nudge.key,
            "person_id": nudge.person_id,
            "programme_id": nudge.programme_id,
            "kind": nudge.kind,
            "payload": {},
            "due_at": nudge.due_at,
            "status": "sent",
            "attempts": 1,
            "sent_at": nudge.due_at,
            "created_at": nudge.due_at,
            "version": 2,
        }
        for nudge in before.due + before.stale + before.capped
    ]
    with store.engine.begin() as connection:
        _insert(connection, OutboxItem, rows)
    counts["outbox"] = len(rows)
    store.close()
    return counts


# The measuring child processes ----------------------------------------------------------


def _rss_mb() -> float:
    """The process's peak RSS: ``VmHWM`` (Linux; starts afresh at exec), else ``getrusage``,
    whose ``ru_maxrss`` on Linux keeps the forking parent's peak across exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _undo(store: SqlStore, since: datetime) -> None:
    """Forget what the ticks at ``since`` and later wrote, so the same busy tick can run again."""
    outbox, states = table_of(OutboxItem), table_of(ConversationState)
    audit, people = table_of(AuditEntry), table_of(Person)
    with store.engine.begin() as connection:
        connection.execute(sa.delete(outbox).where(outbox.c.created_at >= since))
        connection.execute(sa.delete(states))
        connection.execute(sa.delete(audit))
        connection.execute(
            sa.update(people).where(people.c.id == CHANGED).values(reflection_time=time(14))
        )


def _tick(store: SqlStore, now: datetime, cache: PlanCache | None) -> tuple[float, Any]:
    rules, config = PlanRules(), CoreConfig()
    gc.collect()
    started = timer.perf_counter()
    with store.transaction() as repo:
        result = queue_due(repo, now, rules, config, cache)
    return timer.perf_counter() - started, result


def _settings_change(store: SqlStore, now: datetime) -> None:
    """A person changes their reflection time (audited, as ``basics`` does)."""
    with store.transaction() as repo:
        person = repo.get(Person, CHANGED)
        assert person is not None
        repo.update(person.model_copy(update={"reflection_time": time(15)}))
        repo.add(
            AuditEntry(
                at=now, actor_id=CHANGED, action="settings.changed", subject=f"person:{CHANGED}"
            )
        )


def child_tick(url: str) -> dict[str, Any]:
    rules, config = PlanRules(), CoreConfig()
    store = SqlStore(url)
    out: dict[str, Any] = {"rss_before_mb": _rss_mb()}
    cache = PlanCache()
    cold, result = _tick(store, NOW, cache)
    out["rss_after_cold_mb"] = _rss_mb()
    out["cold_s"] = cold
    out["cold_last"] = cache.last
    out["queued"] = result.queued
    out["skipped"] = result.skipped_stale + result.skipped_cap + result.skipped_irrelevant
    out["already"] = result.already_queued
    # The ticks after it, a minute apart, work off what the bound left (warm, cache kept).
    catch_up, minute, total = [], 1, result.queued
    while True:
        seconds, later = _tick(store, NOW + timedelta(minutes=minute), cache)
        if not later.queued and not later.already_queued:
            break
        catch_up.append(seconds)
        total += later.queued
        minute += 1
    out["catch_up_s"] = catch_up
    out["catch_up_total"] = total
    out["catch_up_last_minute"] = minute - 1
    # Quiet: nothing due, nothing changed (the cache skips planning).
    quiet = []
    for extra in range(3):
        seconds, quiet_result = _tick(store, NOW + timedelta(minutes=minute + extra), cache)
        quiet.append(seconds)
    out["quiet_s"] = quiet
    out["quiet_queued"] = quiet_result.queued
    out["quiet_last"] = cache.last
    # Quiet, but a person changed their settings: refresh that person, plan again.
    _settings_change(store, NOW + timedelta(minutes=minute + 3))
    changed_s, _ = _tick(store, NOW + timedelta(minutes=minute + 4), cache)
    out["changed_s"] = changed_s
    out["changed_last"] = cache.last
    # Warm busy tick: a scheduler that has been running (snapshot read two minutes before,
    # the quiet tick a minute before planned ahead for the busy minute) reaches the busy
    # minute. Worst of 3; each time from the steady state (what was written is deleted).
    warm = []
    for _ in range(3):
        _undo(store, NOW)
        warm_cache = PlanCache()
        _tick(store, PREVIOUS - timedelta(minutes=1), warm_cache)
        _tick(store, PREVIOUS, warm_cache)
        seconds, warm_result = _tick(store, NOW, warm_cache)
        warm.append(seconds)
    out["warm_s"] = warm
    out["warm_queued"] = warm_result.queued
    out["warm_last"] = warm_cache.last
    # The same, but a person changed their settings just before: the busy minute plans anew.
    _undo(store, NOW)
    warm_cache = PlanCache()
    _tick(store, PREVIOUS - timedelta(minutes=1), warm_cache)
    _tick(store, PREVIOUS, warm_cache)
    _settings_change(store, PREVIOUS)
    seconds, _ = _tick(store, NOW, warm_cache)
    out["warm_changed_s"] = seconds
    out["warm_changed_last"] = warm_cache.last
    del warm_cache, cache
    _undo(store, NOW)
    # The cache-less path (console, tests): the same busy tick, bound included.
    gc.collect()
    uncached, _ = _tick(store, NOW, None)
    out["uncached_s"] = uncached
    _undo(store, NOW)
    # The parts on their own (busy tick, nothing written).
    loads = []
    for _ in range(3):
        gc.collect()
        started = timer.perf_counter()
        with store.transaction() as repo:
            view = load_view(repo, NOW, rules, config)
        loads.append(timer.perf_counter() - started)
    out["load_view_s"] = loads
    out["queued_keys_in_view"] = len(view.queued)
    clear_caches()
    gc.collect()
    started = timer.perf_counter()
    plan_all(view, NOW, rules, config)
    out["plan_all_cold_s"] = timer.perf_counter() - started
    plans = []
    for _ in range(3):
        gc.collect()
        started = timer.perf_counter()
        outcome = plan_all(view, NOW, rules, config)
        plans.append(timer.perf_counter() - started)
    out["plan_all_warm_s"] = plans
    out["due"] = len(outcome.due)
    out["stale"] = len(outcome.stale)
    out["capped"] = len(outcome.capped)
    out["rss_end_mb"] = _rss_mb()
    store.close()
    return out


def child_memory(url: str) -> dict[str, Any]:
    rules, config = PlanRules(), CoreConfig()
    store = SqlStore(url)
    gc.collect()
    tracemalloc.start()
    cache = PlanCache()
    with store.transaction() as repo:
        queue_due(repo, NOW, rules, config, cache)
    _, tick_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del cache
    _undo(store, NOW)
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    with store.transaction() as repo:
        view = load_view(repo, NOW, rules, config)
    gc.collect()
    held, load_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del view
    store.close()
    return {
        "tick_peak_mb": tick_peak / 1e6,
        "view_mb": (held - base) / 1e6,
        "load_view_peak_mb": (load_peak - base) / 1e6,
    }


def _run_child(kind: str, url: str, *extra: str) -> dict[str, Any]:
    """Run one measurement in a fresh process (the parent stays small: see ``_rss_mb``)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url, *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--keep", help="build (or reuse) the database in this folder")
    parser.add_argument("--child", choices=("populate", "tick", "memory"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "populate":
        print(json.dumps(populate(args.url, args.people)))
        return
    if args.child:
        child = child_tick if args.child == "tick" else child_memory
        print(json.dumps(child(args.url)))
        return

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="planner-bench-"))
    path = folder / f"planner-{args.people}.db"
    url = f"sqlite:///{path}"
    started = timer.perf_counter()
    if not path.exists():
        upgrade(url)
        counts: dict[str, int] | None = _run_child("populate", url, "--people", str(args.people))
    else:
        counts = None
    built = timer.perf_counter() - started
    tick = _run_child("tick", url)
    memory = _run_child("memory", url)
    if not args.keep:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()

    if counts:
        print(", ".join(f"{name}: {value}" for name, value in counts.items()))
    print(f"database built in {built:.1f} s ({path})")
    print(
        f"busy tick (cold, bound {PlanRules().max_queue_per_tick}): {tick['queued']} queued, "
        f"{tick['skipped']} skipped, {tick['already']} already queued; the next "
        f"{len(tick['catch_up_s'])} ticks queued the rest ({tick['catch_up_total']} in all, the "
        f"last at +{tick['catch_up_last_minute']} min); outbox keys in the view: "
        f"{tick['queued_keys_in_view']}; quiet ticks: {tick['quiet_queued']} queued "
        f"({tick['quiet_last']}); after a settings change: {tick['changed_last']}"
    )
    print(f"plan_all: due {tick['due']}, stale {tick['stale']}, capped {tick['capped']}")
    print(f"- whole tick time, busy, cold (first tick of a new process): {tick['cold_s']:.2f} s")
    print(
        f"- whole tick time, busy, warm (cache read a minute before, worst of 3): "
        f"{max(tick['warm_s']):.2f} s"
    )
    print(
        f"- whole tick time, busy, warm, a settings change the minute before "
        f"({tick['warm_changed_last']}): {tick['warm_changed_s']:.2f} s"
    )
    print(
        f"- whole tick time, catch-up ticks after the busy one (worst of "
        f"{len(tick['catch_up_s'])}): {max(tick['catch_up_s'], default=0):.2f} s"
    )
    print(f"- whole tick time, quiet (nothing due, worst of 3): {max(tick['quiet_s']):.3f} s")
    print(f"- whole tick time, quiet after a settings change: {tick['changed_s']:.2f} s")
    print(f"(warm busy tick: {tick['warm_last']}; catch-up ticks reuse the plan)")
    print(f"- whole tick time, busy, without a cache (warm process): {tick['uncached_s']:.2f} s")
    print(f"- load_view time (worst of 3): {max(tick['load_view_s']):.2f} s")
    print(f"- plan_all time, cold calendar caches: {tick['plan_all_cold_s']:.2f} s")
    print(f"- plan_all time, warm (worst of 3): {max(tick['plan_all_warm_s']):.2f} s")
    print(f"- whole tick peak memory, cold (tracemalloc): {memory['tick_peak_mb']:.0f} MB")
    print(f"- plan view size (tracemalloc): {memory['view_mb']:.0f} MB")
    print(f"- load_view peak memory (tracemalloc): {memory['load_view_peak_mb']:.0f} MB")
    print(f"- scheduler process max RSS after the cold tick: {tick['rss_after_cold_mb']:.0f} MB")
    print(f"- same process max RSS before the tick (imports): {tick['rss_before_mb']:.0f} MB")
    print(f"- same process max RSS at the end (all ticks): {tick['rss_end_mb']:.0f} MB")
    print(json.dumps(tick))


if __name__ == "__main__":
    main()
