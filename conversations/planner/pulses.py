"""The relationship pulse (subject ``pair:<id>``): 30 days after a pair's introduction and
every 60 days after (``PULSE_FIRST_DAYS``, ``PULSE_EVERY_DAYS``), each member of an open pair
gets one private question, how useful their mentoring is right now (1–5). At the start of
their working day on that date (their own calendar), moved like any nudge and deferred by a
pause; key ``pulse:<pair>:<round>:<person>`` (round 1, 2, …), so a round is asked once.
Only the latest round is looked at: one missed in downtime is not asked late."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta

from conversations.nudges import Nudge
from conversations.planner.calendar import at_local, next_allowed
from conversations.planner.context import Ctx
from conversations.planner.views import PairView

PULSE_FIRST_DAYS = 30
PULSE_EVERY_DAYS = 60


def pulse_round_day(round_: int) -> int:
    """Days after the introduction that round ``round_`` (1, 2, …) is asked."""
    return PULSE_FIRST_DAYS + PULSE_EVERY_DAYS * (round_ - 1)


def pulse_nudges(ctx: Ctx, pair: PairView) -> Iterator[Nudge]:
    if not pair.phase.is_open:
        return
    looked = ctx.now + ctx.horizon
    for member in pair.members:
        person = ctx.view.people.get(member)
        if person is None or not ctx.wants(member):
            continue
        introduced_on = pair.introduced_at.astimezone(person.tz).date()
        elapsed = (looked.astimezone(person.tz).date() - introduced_on).days
        latest = (
            0
            if elapsed < PULSE_FIRST_DAYS
            else 1 + (elapsed - PULSE_FIRST_DAYS) // PULSE_EVERY_DAYS
        )
        upcoming = introduced_on + timedelta(days=pulse_round_day(latest + 1))
        ctx.later(at_local(upcoming, time(0), person.tz))
        if latest == 0:
            continue
        key = f"pulse:{pair.id}:{latest}:{member}"
        if key in ctx.view.queued:
            continue
        day = introduced_on + timedelta(days=pulse_round_day(latest))
        nominal = at_local(day, time(0), person.tz)
        due = nominal if ctx.keys_only else next_allowed(person, nominal, pair.paused_until)
        if due is not None:
            yield Nudge(
                key,
                "pulse",
                member,
                due,
                pair_id=pair.id,
                programme_id=pair.programme_id,
                detail=str(latest),
            )
