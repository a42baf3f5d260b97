"""Planner tick for 100,000 people: time and peak memory of ``conversations.program.plan``.

    python bench/planner.py [--people 100000]

Builds a ``PlanView`` directly (50,000 open pairs in three time zones, a recent and an upcoming
meeting per pair, check-ins, this week's outbox keys for half of the people) and times one
``plan()`` call at a busy moment (Thursday 14:00 in Stockholm, when a fifth of the Stockholm
people's reflection prompts fall due). Time is measured without tracemalloc; peak memory is
measured in a second run under tracemalloc (Python allocations made during the tick), and the
process's maximum RSS is reported too.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time as timer
import tracemalloc
from datetime import UTC, date, datetime, time, timedelta

from conversations.config import CoreConfig
from conversations.program import (
    MeetingView,
    PairView,
    PersonView,
    PlanRules,
    PlanView,
    ProgrammeView,
    clear_caches,
    plan_all,
    zone,
)
from conversations.records import Phase

ZONES = (("Europe/Stockholm", "SE"), ("America/New_York", "US"), ("Asia/Tokyo", "JP"))
NOW = datetime(2026, 10, 22, 12, 0, tzinfo=UTC)  # Thursday 14:00 in Stockholm


def build(people: int) -> PlanView:
    view = PlanView()
    view.programmes[1] = ProgrammeView(1, 1, 14, "open", datetime(2026, 8, 1, tzinfo=UTC))
    for i in range(1, people + 1):
        tz, country = ZONES[(i // 2) % 3]
        view.people[i] = PersonView(
            id=i,
            tz=zone(tz),
            country=country,
            reflection_weekday=i % 5,
            reflection_time=time(14) if i % 4 else time(9, 30),
            work_start=time(8),
            work_end=time(17),
            work_days=frozenset({0, 1, 2, 3, 4}),
            paused_until=date(2026, 10, 30) if i % 50 == 0 else None,
        )
    intro = datetime(2026, 8, 31, 7, tzinfo=UTC)
    meeting_id = 0
    for n in range(1, people // 2 + 1):
        mentor, adept = 2 * n - 1, 2 * n
        phase = Phase.ACTIVE if n % 10 else (Phase.INTRO, Phase.GOALS, Phase.AGREEMENT)[n % 3]
        last = NOW - timedelta(days=n % 20, hours=n % 7)
        view.pairs.append(
            PairView(
                id=n,
                programme_id=1,
                mentor_id=mentor,
                adept_id=adept,
                phase=phase,
                phase_since=intro + timedelta(days=n % 30),
                introduced_at=intro,
                midpoint_on=date(2026, 10, 19) + timedelta(days=n % 14),
                ends_on=date(2026, 12, 18),
                cadence_days=14,
                last_meeting_at=last,
                meeting_count=3,
            )
        )
        for starts in (last, NOW + timedelta(days=1 + n % 5, hours=n % 9)):
            meeting_id += 1
            view.meetings.append(
                MeetingView(meeting_id, n, starts, 60, "booked", starts - timedelta(days=7))
            )
            if starts < NOW and n % 2:
                view.checked_in.add((meeting_id, mentor))
    # Steady state: everything that fell due before the previous tick is in the outbox.
    previous = NOW - timedelta(minutes=1)
    before = plan_all(view, previous, PlanRules(catch_up_hours=24 * 60), CoreConfig())
    for nudge in before.due + before.stale + before.capped:
        view.queued[nudge.key] = (nudge.person_id, nudge.due_at, True)
    return view


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()
    rules, config = PlanRules(), CoreConfig()

    started = timer.perf_counter()
    view = build(args.people)
    built = timer.perf_counter() - started
    # The view's own size: build a second one under tracemalloc.
    gc.collect()
    tracemalloc.start()
    second = build(args.people)
    view_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del second

    # Cold: a freshly started process (no memoised calendar answers).
    clear_caches()
    gc.collect()
    started = timer.perf_counter()
    plan_all(view, NOW, rules, config)
    cold = timer.perf_counter() - started
    # Warm: the steady state, one tick a minute after the previous one.
    gc.collect()
    times = []
    for _ in range(3):
        started = timer.perf_counter()
        outcome = plan_all(view, NOW, rules, config)
        times.append(timer.perf_counter() - started)

    gc.collect()
    tracemalloc.start()
    plan_all(view, NOW, rules, config)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    clear_caches()
    gc.collect()
    tracemalloc.start()
    plan_all(view, NOW, rules, config)
    _, cold_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"people: {args.people}, pairs: {len(view.pairs)}, meetings: {len(view.meetings)}")
    print(f"outbox keys in view: {len(view.queued)}")
    print(f"due: {len(outcome.due)}, stale: {len(outcome.stale)}, capped: {len(outcome.capped)}")
    print(f"- view build time: {built:.2f} s")
    print(f"- planner tick time (cold start): {cold:.2f} s")
    print(f"- planner tick time (steady state, worst of 3): {max(times):.2f} s")
    print(f"- plan view size for {args.people} people (tracemalloc): {view_bytes / 1e6:.0f} MB")
    print(f"- planner tick peak memory, steady state (tracemalloc): {peak / 1e6:.0f} MB")
    print(
        f"- planner tick peak memory, cold start incl. calendar caches (tracemalloc): {cold_peak / 1e6:.0f} MB"
    )
    print(f"- process max RSS (view + tick): {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
