"""The mid-point and closing review prompts (subject ``pair:<id>``).

On ``Pair.midpoint_on`` (not once the pair is closing) and ``PlanRules.closing_days_before``
days before ``Pair.ends_on``, each member's local date, at the first allowed time that day or
after, to each member (keys ``midpoint:<pair>:<person>``, ``closing:<pair>:<person>``). A pause
defers them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from conversations.nudges import Nudge
from conversations.planner.calendar import at_local, next_allowed
from conversations.planner.context import Ctx
from conversations.planner.views import PairView
from conversations.records import Phase


def review_nudges(ctx: Ctx, pair: PairView) -> Iterator[Nudge]:
    reviews = []
    if pair.phase != Phase.CLOSING:
        reviews.append(("midpoint", "midpoint-review", pair.midpoint_on))
    reviews.append(
        ("closing", "closing-review", pair.ends_on - timedelta(days=ctx.rules.closing_days_before))
    )
    last_day = (ctx.now + ctx.horizon).date() + timedelta(days=1)
    for name, kind, day in reviews:
        if day > last_day:
            ctx.later(datetime.combine(day - timedelta(days=1), time(0), tzinfo=UTC))
            continue
        for member in pair.members:
            person = ctx.view.people.get(member)
            if person is None or not ctx.wants(member):
                continue
            key = f"{name}:{pair.id}:{member}"
            if key in ctx.view.queued:
                continue
            nominal = at_local(day, time(0, 0), person.tz)
            if nominal > ctx.now + ctx.horizon:
                ctx.later(nominal)
                continue
            due = nominal if ctx.keys_only else next_allowed(person, nominal, pair.paused_until)
            if due is not None:
                yield Nudge(key, kind, member, due, pair_id=pair.id, programme_id=pair.programme_id)
