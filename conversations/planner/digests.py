"""The coordinator's weekly digest (subject ``programme:<id>``).

Weekly, on ``PlanRules.digest_weekday`` (Monday) at the start of the coordinator's working day
(moved like any other nudge), to the creator of each open programme
(``Programme.created_by``), from the programme's creation (and start date) until
``PlanRules.digest_days_after_end`` after its end; key
``digest:<programme>:<coordinator>:<iso-week>``. None before the programme's start date: its
figures count from it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta

from conversations.nudges import Nudge
from conversations.planner.calendar import at_local, iso_week, next_allowed
from conversations.planner.context import Ctx
from conversations.records import ProgrammeStatus


def digests(ctx: Ctx) -> Iterator[Nudge]:
    for programme in ctx.view.programmes.values():
        if not ctx.plans(f"programme:{programme.id}"):
            continue
        if programme.status != ProgrammeStatus.OPEN or not ctx.wants(programme.created_by):
            continue
        coordinator = ctx.view.people.get(programme.created_by)
        if coordinator is None:
            continue
        today = ctx.now.astimezone(coordinator.tz).date()
        monday = today - timedelta(days=today.weekday())
        ctx.later(at_local(monday + timedelta(days=7), time(0), coordinator.tz))  # next week
        for back in (-1, 0, 1) if ctx.horizon else (-1, 0):
            day = monday + timedelta(days=7 * back + ctx.rules.digest_weekday)
            key = f"digest:{programme.id}:{coordinator.id}:{iso_week(day)}"
            nominal = at_local(day, coordinator.work_start, coordinator.tz)
            if programme.created_at is not None and nominal < programme.created_at:
                continue
            if programme.starts_on is not None and day < programme.starts_on:
                continue  # its figures count from its start
            if programme.ends_on is not None and day > programme.ends_on + timedelta(
                days=ctx.rules.digest_days_after_end
            ):
                continue
            if key in ctx.view.queued:
                continue
            due = nominal if ctx.keys_only else next_allowed(coordinator, nominal)
            if due is not None:
                yield Nudge(
                    key, "coordinator-digest", coordinator.id, due, programme_id=programme.id
                )
