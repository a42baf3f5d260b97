"""The scheduler's planner tick for 100,000 people, against a real SQLite store.

    python bench/planner.py [--people 100000] [--keep DIR]

Builds a SQLite database (a temp file migrated with ``storage.migrate.upgrade``) holding
100,000 people: 50,000 open pairs in Europe/Stockholm, America/New_York and Asia/Tokyo, a
recent (held) and an upcoming (booked) meeting per pair, check-ins, accepted agreements for
the active pairs and a steady-state outbox (everything due before the previous tick already
written). Every subject then starts out changed (as migration 0002 leaves an existing
database) and one unbounded ``queue_due`` at the previous minute plans all 150,001 subjects
once and stores their wake times: the one-off cost of the upgrade, measured too.

Each measurement then runs in a fresh process (``--child``) on a fresh copy of that database,
so that every tick measured is the first tick of a new scheduler process ("cold"):

* ``busy``: ``queue_due(repo, now, rules, config)`` in one committed transaction at the busy
  minute, then the ticks a minute apart that work off what the bound left, then quiet ticks,
  then a quiet tick right after a person changed their settings; the process's max RSS.
* ``changed``: a person changes their settings the minute before; then the busy minute.
* ``warm``: two quiet ticks before the busy minute in the same process, then the busy minute.
* ``memory``: the busy tick under tracemalloc (peak of Python allocations).

The busy moment is Thursday 14:00 in Stockholm, when a fifth of the Stockholm people's
reflection prompts fall due, plus meeting reminders, check-ins and pair prompts everywhere.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time as timer
import tracemalloc
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from conversations.config import CoreConfig
from conversations.planner import PlanRules, load_view, plan_all, queue_due, warm_up
from conversations.planner.bulk import CHUNK
from conversations.records import (
    Agreement,
    CheckIn,
    Meeting,
    OutboxItem,
    Pair,
    Person,
    Phase,
    PlanWake,
    Programme,
    Purpose,
)
from conversations.wakes import EPOCH
from storage.migrate import upgrade
from storage.store import SqlStore
from storage.tables import UTCDateTime, table_of

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench.replan and tests.pg_server, as bench/slack.py does
from bench import replan  # noqa: E402

ZONES = (("Europe/Stockholm", "SE"), ("America/New_York", "US"), ("Asia/Tokyo", "JP"))
NOW = datetime(2026, 10, 22, 12, 0, tzinfo=UTC)  # Thursday 14:00 in Stockholm
PREVIOUS = NOW - timedelta(minutes=1)
INTRO = datetime(2026, 8, 31, 7, tzinfo=UTC)
BATCH = 20_000
CHANGED = 4  # the person whose settings change in the bench
STEADY_BLOCK = 5000  # pairs planned at once for the steady-state outbox


def _insert(connection: sa.Connection, cls: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` of ``cls`` in the connection's transaction. On SQLite straight through
    the driver (``executemany``), the values stored as SQLAlchemy stores them: its bind
    processors were most of the build's time (1,000,000 people: about 9 million rows)."""
    table = table_of(cls)
    if connection.dialect.name != "sqlite" or not rows:
        for start in range(0, len(rows), BATCH):
            connection.execute(sa.insert(table), rows[start : start + BATCH])
        return
    columns = [c for c in table.columns if c.name != "id"]
    given = [c for c in columns if c.name in rows[0] or c.server_default is None]
    names = ", ".join(f'"{c.name}"' for c in given)
    marks = ", ".join("?" for _ in given)
    convert = [_sqlite_value(c) for c in given]
    defaults = [_default(c) for c in given]
    fields = [c.name for c in given]
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    for start in range(0, len(rows), BATCH):
        driver.executemany(
            statement,
            [
                tuple(
                    f(row.get(name, default))
                    for f, name, default in zip(convert, fields, defaults, strict=True)
                )
                for row in rows[start : start + BATCH]
            ],
        )


def _default(column: sa.Column[Any]) -> Any:
    """The column's Python-side default, as SQLAlchemy would fill it in (``list``, ``dict``
    factories called once: the values are only read)."""
    default: Any = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    return default.arg(None)


def _sqlite_value(column: sa.Column[Any]) -> Any:
    """How SQLAlchemy's SQLite dialect stores a value of ``column``'s type (checked against
    a database built through SQLAlchemy: the same rows)."""
    kind = column.type

    def stored(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(kind, UTCDateTime):
            utc = value.astimezone(UTC)
            return f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond:06d}"
        if isinstance(kind, sa.JSON):
            return json.dumps(value)
        if isinstance(value, time):
            return f"{value:%H:%M:%S}.{value.microsecond:06d}"
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, Enum):
            return value.value
        return value

    return stored


def populate(url: str, people: int, settle: bool = True) -> dict[str, int]:
    """Fill the migrated database at ``url``; returns row counts. With ``settle``, one
    unbounded ``queue_due`` then plans every subject (else they are left changed)."""
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
    # Steady state: everything that fell due before the previous tick is in the outbox. Planned
    # a block of pairs at a time (their members with them: every person is in one pair, the
    # coordinator's notes and digest are not capped), as the ticks plan subjects, so memory
    # does not grow with the people; each block's rows are written in one transaction.
    catch_all = PlanRules(catch_up_hours=24 * 60)
    outbox = 0
    pair_count = people // 2
    for first in range(1, pair_count + 1, STEADY_BLOCK):
        last = min(first + STEADY_BLOCK, pair_count + 1)
        subjects = {f"pair:{n}" for n in range(first, last)}
        subjects |= {f"person:{i}" for i in range(2 * first - 1, 2 * last - 1)}
        if first == 1:
            subjects |= {"programme:1"} | {
                f"person:{i}" for i in range(2 * pair_count + 1, people + 1)
            }
        with store.read() as repo:
            view = load_view(repo, PREVIOUS, catch_all, CoreConfig(), subjects)
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
        outbox += len(rows)
    with store.engine.begin() as connection:
        # Every subject changed, as migration 0002 leaves an existing database.
        subjects_list = [f"pair:{n}" for n in range(1, people // 2 + 1)]
        subjects_list += [f"person:{i}" for i in range(1, people + 1)] + ["programme:1"]
        _insert(
            connection,
            PlanWake,
            [
                {"subject": s, "wake_at": EPOCH, "changed": True, "version": 1}
                for s in subjects_list
            ],
        )
    counts["outbox"] = outbox
    if not settle:
        store.close()
        return counts
    # The one-off plan of everyone (the first ticks after the upgrade, here unbounded).
    started = timer.perf_counter()
    with store.transaction() as repo:
        settled = queue_due(repo, PREVIOUS, PlanRules(max_subjects_per_tick=0), CoreConfig())
    counts["settle_ms"] = round((timer.perf_counter() - started) * 1000)
    counts["settle_subjects"] = settled.planned
    counts["settle_queued"] = settled.queued
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


_CPU: list[float] = []  # this process's CPU time of each tick, in order


def _tick(store: SqlStore, now: datetime) -> tuple[float, Any]:
    """One tick in its own committed transaction: its wall time and result (its CPU time is
    appended to ``_CPU``: on a loaded machine the wall time is mostly waiting for a core)."""
    gc.collect()
    started, cpu = timer.perf_counter(), timer.process_time()
    with store.transaction() as repo:
        result = queue_due(repo, now, PlanRules(), CoreConfig())
    _CPU.append(timer.process_time() - cpu)
    return timer.perf_counter() - started, result


def _settings_change(store: SqlStore) -> None:
    """A person changes their reflection time (a plain update wakes them and their pair)."""
    with store.transaction() as repo:
        person = repo.get(Person, CHANGED)
        assert person is not None
        repo.update(person.model_copy(update={"reflection_time": time(15)}))


def _started(url: str) -> tuple[SqlStore, float]:
    """The store and what a scheduler process loads when it starts (``warm_up``, as
    ``scheduler.runner.Scheduler`` does), timed."""
    store = SqlStore(url)
    started = timer.perf_counter()
    warm_up(NOW)
    return store, timer.perf_counter() - started


def child_busy(url: str) -> dict[str, Any]:
    store, warming = _started(url)
    out: dict[str, Any] = {"rss_before_mb": _rss_mb(), "warm_up_s": warming}
    cold, result = _tick(store, NOW)
    out["rss_after_busy_mb"] = _rss_mb()
    out["busy_s"] = cold
    out["busy_cpu_s"] = _CPU[-1]
    out["planned"] = result.planned
    out["queued"] = result.queued
    out["skipped"] = result.skipped_stale + result.skipped_cap + result.skipped_irrelevant
    out["already"] = result.already_queued
    # The ticks after it, a minute apart, work off what the bound left.
    catch_up, minute, total = [], 1, result.queued
    while True:
        seconds, later = _tick(store, NOW + timedelta(minutes=minute))
        if not later.planned:
            break
        catch_up.append(seconds)
        out.setdefault("catch_up_cpu_s", []).append(_CPU[-1])
        total += later.queued
        minute += 1
    out["catch_up_s"] = catch_up
    out["catch_up_total"] = total
    out["catch_up_last_minute"] = minute - 1
    quiet = []
    for extra in range(3):
        seconds, quiet_result = _tick(store, NOW + timedelta(minutes=minute + extra))
        quiet.append(seconds)
    out["quiet_s"] = quiet
    out["quiet_planned"] = quiet_result.planned
    _settings_change(store)
    seconds, changed = _tick(store, NOW + timedelta(minutes=minute + 3))
    out["changed_quiet_s"] = seconds
    out["changed_quiet_planned"] = changed.planned
    out["rss_end_mb"] = _rss_mb()
    store.close()
    return out


def child_changed(url: str) -> dict[str, Any]:
    store, _ = _started(url)
    _settings_change(store)
    seconds, result = _tick(store, NOW)
    store.close()
    return {
        "busy_changed_s": seconds,
        "busy_changed_cpu_s": _CPU[-1],
        "planned": result.planned,
        "rss_mb": _rss_mb(),
    }


def child_warm(url: str) -> dict[str, Any]:
    store, _ = _started(url)
    _tick(store, PREVIOUS - timedelta(minutes=1))
    _tick(store, PREVIOUS)
    seconds, result = _tick(store, NOW)
    store.close()
    return {"busy_warm_s": seconds, "busy_warm_cpu_s": _CPU[-1], "queued": result.queued}


def child_full(url: str) -> dict[str, Any]:
    """For comparison: the whole snapshot read and planned, as every tick did before."""
    rules, config = PlanRules(), CoreConfig()
    store = SqlStore(url)
    started = timer.perf_counter()
    with store.transaction() as repo:
        view = load_view(repo, NOW, rules, config)
    loaded = timer.perf_counter() - started
    started = timer.perf_counter()
    outcome = plan_all(view, NOW, rules, config)
    planned = timer.perf_counter() - started
    store.close()
    return {
        "load_view_s": loaded,
        "plan_all_s": planned,
        "due": len(outcome.due),
        "stale": len(outcome.stale),
        "capped": len(outcome.capped),
        "queued_keys_in_view": len(view.queued),
        "rss_mb": _rss_mb(),
    }


def child_memory(url: str) -> dict[str, Any]:
    store, _ = _started(url)
    gc.collect()
    tracemalloc.start()
    with store.transaction() as repo:
        queue_due(repo, NOW, PlanRules(), CoreConfig())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store.close()
    return {"tick_peak_mb": peak / 1e6}


CHILDREN = {
    "busy": child_busy,
    "changed": child_changed,
    "warm": child_warm,
    "full": child_full,
    "memory": child_memory,
}


def _run_child(kind: str, url: str, *extra: str) -> dict[str, Any]:
    """Run one measurement in a fresh process (the parent stays small: see ``_rss_mb``)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url, *extra],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _child(args: argparse.Namespace) -> dict[str, Any]:
    if args.child == "populate":
        return populate(args.url, args.people, settle=not args.no_settle)
    if args.child == "replan":
        return replan.child_replan(args.url, PREVIOUS, args.chunk) | {"rss_mb": _rss_mb()}
    if args.child == "replan-ticks":
        return replan.child_replan_with_ticks(args.url, PREVIOUS, args.chunk)
    return CHILDREN[args.child](args.url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--keep", help="SQLite: build (or reuse) the databases in this folder")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="re-plan: subjects per chunk")
    parser.add_argument(
        "--workers", type=int, default=1, help="also time the re-plan in this many processes"
    )
    parser.add_argument(
        "--with-ticks", action="store_true", help="also time ticks while the re-plan runs"
    )
    parser.add_argument(
        "--from-sqlite",
        help="postgres: copy this bench SQLite database (every subject changed) instead of "
        "building one",
    )
    parser.add_argument(
        "--skip-full", action="store_true", help="leave out planning everyone in one call"
    )
    parser.add_argument(
        "--ticks-only",
        action="store_true",
        help="SQLite: time only the ticks, on the re-planned database a run with --keep left "
        "(planner-wake-N.db)",
    )
    parser.add_argument(
        "--child",
        choices=("populate", "replan", "replan-ticks", *CHILDREN),
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--no-settle", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args)))
        return
    if args.database == "postgres":
        from tests.pg_server import running_server

        with running_server(replan.PG_OPTIONS) as server:
            measure(args, replan.PostgresDatabases(server), None)
        return
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="planner-bench-"))
    try:
        measure(args, replan.SqliteDatabases(folder), folder)
    finally:
        if not args.keep:
            shutil.rmtree(folder)


def measure(args: argparse.Namespace, databases: replan.Databases, folder: Path | None) -> None:
    """Build (or reuse) the database with every subject changed, re-plan it in full (timed;
    the result is the settled database), then the ticks, each on a fresh copy."""
    people = args.people
    changed_name, settled_name = f"planner-changed-{people}", f"planner-wake-{people}"
    if args.ticks_only:
        if not databases.exists(settled_name):
            raise SystemExit(f"--ticks-only: no {settled_name} database (run with --keep first)")
        ticks(args, databases, folder, settled_name, None, None, None, None)
        return
    started = timer.perf_counter()
    counts: dict[str, int] | None = None
    if not databases.exists(changed_name) and args.from_sqlite:
        assert isinstance(databases, replan.PostgresDatabases)
        url = databases.create(changed_name)
        upgrade(url)
        copied = replan.copy_sqlite_into_postgres(Path(args.from_sqlite), url)
        databases.analyze(changed_name)
        print(f"copied from {args.from_sqlite}: {json.dumps(copied)}", flush=True)
    if not databases.exists(changed_name):
        if isinstance(databases, replan.PostgresDatabases):
            url = databases.create(changed_name)
        else:
            url = databases.base(changed_name)
        upgrade(url)
        counts = _run_child("populate", url, "--people", str(people), "--no-settle")
        if isinstance(databases, replan.PostgresDatabases):
            databases.analyze(changed_name)
    built = timer.perf_counter() - started
    print(f"database with every subject changed built in {built:.1f} s", flush=True)
    chunk = ("--chunk", str(args.chunk))
    settled = databases.copy(changed_name, settled_name)
    full_replan = _run_child("replan", settled, *chunk)
    full_replan["left"] = replan.changed_left(settled)
    print(f"full re-plan: {json.dumps(full_replan)}", flush=True)
    parallel = ticking = None
    if args.workers > 1:
        with databases.copy_of(changed_name) as url:
            parallel = replan.parallel_replan(url, args.workers, *chunk)
            parallel["left"] = replan.changed_left(url)
        print(f"parallel re-plan: {json.dumps(parallel)}", flush=True)
    if args.with_ticks:
        with databases.copy_of(changed_name) as url:
            ticking = _run_child("replan-ticks", url, *chunk)
        print(f"re-plan with ticks: {json.dumps(ticking)}", flush=True)
    if isinstance(databases, replan.PostgresDatabases):
        databases.analyze(settled_name)
    ticks(args, databases, folder, settled_name, counts, full_replan, parallel, ticking)


def ticks(
    args: argparse.Namespace,
    databases: replan.Databases,
    folder: Path | None,
    settled_name: str,
    counts: dict[str, int] | None,
    full_replan: dict[str, Any] | None,
    parallel: dict[str, Any] | None,
    ticking: dict[str, Any] | None,
) -> None:
    """Time the ticks, each measurement on a fresh copy of the re-planned database, and print
    every figure of the run."""

    def on_copy(kind: str) -> dict[str, Any]:
        with databases.copy_of(settled_name) as url:
            return _run_child(kind, url)

    busy = on_copy("busy")
    changed = on_copy("changed")
    warm = on_copy("warm")
    memory = on_copy("memory")
    full = None if args.skip_full else on_copy("full")

    if counts:
        print(", ".join(f"{name}: {value}" for name, value in counts.items()))
    print(f"database: {args.database} ({folder or databases.base(settled_name)})")
    bound = PlanRules().max_subjects_per_tick
    print(
        f"busy tick (bound {bound} subjects): {busy['planned']} subjects planned, "
        f"{busy['queued']} queued, {busy['skipped']} skipped, {busy['already']} already queued; "
        f"the next {len(busy['catch_up_s'])} ticks queued the rest ({busy['catch_up_total']} in "
        f"all, the last at +{busy['catch_up_last_minute']} min); quiet ticks planned "
        f"{busy['quiet_planned']}; after a settings change {busy['changed_quiet_planned']}; "
        f"busy after a change planned {changed['planned']}"
    )
    if full_replan:
        print(
            f"- full re-plan of every subject ({full_replan['planned']} planned in "
            f"{full_replan['chunks']} chunks of {args.chunk}, one process): "
            f"{full_replan['replan_s']:.1f} s"
        )
        print(f"- full re-plan, CPU time of that process: {full_replan['replan_cpu_s']:.1f} s")
        print(f"- full re-plan, subjects still changed after it: {full_replan['left']} subjects")
        print(f"- full re-plan, process max RSS: {full_replan['rss_mb']:.0f} MB")
    if parallel:
        print(
            f"- full re-plan in {parallel['workers']} processes at once: "
            f"{parallel['replan_s']:.1f} s ({parallel['left']} left)"
        )
    if ticking:
        print(
            f"- full re-plan in a worker thread while ticking: {ticking['replan_s']:.1f} s, "
            f"{ticking['ticks']} ticks, median {ticking['tick_median_s']:.2f} s, worst "
            f"{ticking['tick_worst_s']:.2f} s, {ticking['tick_queued']} nudges queued by them"
        )
    print(f"- whole tick time, busy (first tick of a new process): {busy['busy_s']:.2f} s")
    print(f"- busy tick, CPU time of the scheduler process: {busy['busy_cpu_s']:.2f} s")
    print(f"- whole tick time, busy, after two quiet ticks: {warm['busy_warm_s']:.2f} s")
    print(f"- busy tick after two quiet ticks, CPU time: {warm['busy_warm_cpu_s']:.2f} s")
    print(f"- busy tick after a settings change, CPU time: {changed['busy_changed_cpu_s']:.2f} s")
    print(f"- catch-up ticks, worst CPU time: {max(busy.get('catch_up_cpu_s', [0])):.2f} s")
    print(f"- load average at the end (1 min, 2 cores): {os.getloadavg()[0]:.1f}")
    print(
        f"- whole tick time, busy, a settings change the minute before: "
        f"{changed['busy_changed_s']:.2f} s"
    )
    print(
        f"- whole tick time, catch-up ticks after the busy one (worst of "
        f"{len(busy['catch_up_s'])}): {max(busy['catch_up_s'], default=0):.2f} s"
    )
    print(f"- whole tick time, quiet (nothing due, worst of 3): {max(busy['quiet_s']):.3f} s")
    print(f"- whole tick time, quiet after a settings change: {busy['changed_quiet_s']:.3f} s")
    print(f"- whole tick peak memory (tracemalloc): {memory['tick_peak_mb']:.0f} MB")
    print(f"- scheduler process max RSS after the busy tick: {busy['rss_after_busy_mb']:.0f} MB")
    print(f"- same process max RSS before the tick (imports): {busy['rss_before_mb']:.0f} MB")
    print(f"- scheduler start, warm_up (holiday calendars, catalogs): {busy['warm_up_s']:.2f} s")
    print(f"- same process max RSS at the end (all ticks): {busy['rss_end_mb']:.0f} MB")
    if full:
        print(
            f"everyone planned at once (before): due {full['due']}, stale {full['stale']}, "
            f"capped {full['capped']}, outbox keys in the view {full['queued_keys_in_view']}"
        )
        print(f"- everyone planned at once, load_view (before): {full['load_view_s']:.2f} s")
        print(f"- everyone planned at once, plan_all (before): {full['plan_all_s']:.2f} s")
        print(f"- everyone planned at once, process max RSS (before): {full['rss_mb']:.0f} MB")
    print(
        json.dumps(
            {
                "replan": full_replan,
                "parallel": parallel,
                "ticking": ticking,
                "busy": busy,
                "changed": changed,
                "warm": warm,
                "full": full,
            }
        )
    )


if __name__ == "__main__":
    main()
