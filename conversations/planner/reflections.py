"""The weekly reflection prompt (subject ``person:<id>``).

Weekly, at each person's chosen local weekday and time (``Person.reflection_weekday``,
``reflection_time``, ``timezone``), to every member of an open pair, from the pair's
introduction on; key ``reflection:<person>:<iso-week>``. A week that falls into the person's
pause is skipped; weeks earlier than ``PlanRules.reflection_weeks_back`` are not looked at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.nudges import Nudge
from conversations.planner.calendar import at_local, iso_week, next_allowed, paused
from conversations.planner.context import Ctx


def reflections(ctx: Ctx) -> Iterator[Nudge]:
    view, now, queued = ctx.view, ctx.now, ctx.view.queued
    # Earliest introduction and a programme per person with an open pair.
    since: dict[int, tuple[datetime, int]] = {}
    for pair in view.pairs:
        if ctx.pair_filter is not None and pair.id != ctx.pair_filter:
            continue
        for member in pair.members:
            found = since.get(member)
            if found is None or pair.introduced_at < found[0]:
                since[member] = (pair.introduced_at, pair.programme_id)
    week_starts: dict[ZoneInfo, tuple[date, datetime]] = {}
    for person_id, (start, programme_id) in since.items():
        if not ctx.wants(person_id) or not ctx.plans(f"person:{person_id}"):
            continue
        person = view.people.get(person_id)
        if person is None:
            continue
        week = week_starts.get(person.tz)
        if week is None:
            today = now.astimezone(person.tz).date()
            monday = today - timedelta(days=today.weekday())
            week = week_starts[person.tz] = (
                monday,
                at_local(monday + timedelta(days=7), time(0), person.tz),
            )
        monday = week[0]
        ctx.later(week[1])  # next week
        for back in range(-ctx.rules.reflection_weeks_back, 2 if ctx.horizon else 1):
            day = monday + timedelta(days=7 * back + person.reflection_weekday)
            key = f"reflection:{person_id}:{iso_week(day)}"
            if key in queued:
                continue
            nominal = at_local(day, person.reflection_time, person.tz)
            if nominal < start:
                continue
            if not ctx.horizon and nominal > now:
                ctx.later(nominal)
                continue
            if paused(day, person.paused_until):
                continue
            due = nominal if ctx.keys_only else next_allowed(person, nominal)
            if due is not None:
                yield Nudge(key, "reflection-prompt", person_id, due, programme_id=programme_id)
