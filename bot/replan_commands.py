"""``mentorbot plan all`` and what ``mentorbot db upgrade`` says about the re-plan after it.

The operator's CLI is English (as the rest of ``bot/cli.py``). The work itself is
``scheduler.replan.Replanner``; the backlog's size comes from ``storage.wake_claims``.
"""

from __future__ import annotations

import time

import typer

from bot.runtime import SystemClock
from bot.services import build_services, plan_rules
from bot.settings import Settings
from scheduler.replan import Replanner, ReplanReport
from storage.store import SqlStore
from storage.wake_claims import changed_count

_PROGRESS_SECONDS = 10.0


def _changed(store: SqlStore) -> int:
    with store.engine.connect() as connection:
        return changed_count(connection)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def say_estimate(settings: Settings) -> None:
    """After ``db upgrade``: how many subjects the planner must look at again, and about how
    long that takes here (one chunk timed in a transaction that is rolled back). Nothing
    when there is no backlog."""
    store = SqlStore(settings.database_url)
    try:
        changed = _changed(store)
        if not changed:
            return
        replanner = Replanner(store, SystemClock(), plan_rules(settings), settings.core)
        seconds = replanner.estimate(changed)
    finally:
        store.close()
    about = "a moment" if seconds is None else f"about {_duration(seconds)}"
    typer.echo(
        f"re-plan after the upgrade: {changed:,} subjects to plan again, {about} "
        "(the scheduler works them off between its ticks, or run `mentorbot plan all`)"
    )


def plan_everything(settings: Settings, chunk: int) -> None:
    """``mentorbot plan all``: every changed subject planned now, in chunks, with a line of
    progress every ten seconds."""
    services = build_services(settings, SystemClock())
    try:
        typer.echo(f"{_changed(services.store):,} subjects to plan again")
        replanner = Replanner(
            services.store, services.clock, services.rules, settings.core, chunk=chunk
        )
        said = [time.perf_counter()]

        def progress(report: ReplanReport) -> None:
            if time.perf_counter() - said[0] >= _PROGRESS_SECONDS:
                said[0] = time.perf_counter()
                typer.echo(f"{report.planned:,} planned, {report.queued:,} nudges queued")

        report = replanner.run(progress)
    finally:
        services.close()
    typer.echo(
        f"{report.planned:,} subjects planned, {report.queued:,} nudges queued "
        f"in {_duration(report.seconds)}"
    )
