"""The planning core: what is due now, what comes next, the weekly cap and the order.

``plan_all`` (and ``plan``) split every candidate nudge of the planned subjects into due, stale
and capped; ``next_due`` lists what comes next; ``candidate_keys`` names the keys looked at.

The weekly cap (``PlanRules.max_nudges_per_week``, per person and local ISO week) counts pair
member nudges only (``CAPPED_KINDS``: not coordinator notes or replies); over the cap,
lower-priority nudges (``PRIORITY``) are skipped. The reflection prompt is never skipped (it
still counts): a person who gets one in a week keeps a slot for it, so the other kinds may use
at most the cap minus one until it is counted. A nudge whose due time is older than
``PlanRules.catch_up_hours`` (after downtime) is stale."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from conversations import nudges
from conversations.config import CoreConfig
from conversations.nudges import Nudge
from conversations.planner.calendar import at_local, iso_week, paused
from conversations.planner.context import Ctx
from conversations.planner.digests import digests
from conversations.planner.meetings import meeting_nudges, overdue
from conversations.planner.phases import phase_deadlines
from conversations.planner.pulses import pulse_nudges
from conversations.planner.reflections import reflections
from conversations.planner.reviews import review_nudges
from conversations.planner.views import PlanRules, PlanView

# Kinds that count towards a person's weekly cap (coordinator notes do not).
CAPPED_KINDS = frozenset(
    {
        "reflection-prompt",
        "meeting-reminder",
        "preparation-prompt",
        "checkin-prompt",
        "meeting-overdue",
        "phase-deadline",
        "midpoint-review",
        "closing-review",
        "pulse",
    }
)
# When the cap forces a choice, lower numbers win.
PRIORITY = {
    "meeting-reminder": 0,
    "preparation-prompt": 1,
    "checkin-prompt": 2,
    "closing-review": 3,
    "midpoint-review": 4,
    "phase-deadline": 5,
    "meeting-overdue": 6,
    "reflection-prompt": 7,
    "pulse": 8,
}
PLANNED_KINDS = tuple(k for k in nudges.KINDS if k != "delivery-failed-coordinator")


@dataclass
class Plan:
    due: list[Nudge] = field(default_factory=list)
    stale: list[Nudge] = field(default_factory=list)  # later than the catch-up window
    capped: list[Nudge] = field(default_factory=list)  # over the weekly cap
    # The earliest time at which something not yet due may fall due (a lower bound; None:
    # nothing in the view ever will). Until then, with an unchanged view, nothing is due.
    next_at: datetime | None = None
    # The same per subject (``pair:12``): when to plan that subject again.
    wake: dict[str, datetime] = field(default_factory=dict)


def _candidates(ctx: Ctx) -> Iterator[Nudge]:
    """Every nudge occurrence in the look-at window, due or not, already queued or not."""
    yield from reflections(ctx)
    yield from meeting_nudges(ctx)
    for pair in ctx.view.pairs:
        if ctx.pair_filter is not None and pair.id != ctx.pair_filter:
            continue
        if not ctx.plans(f"pair:{pair.id}"):
            continue
        if ctx.person_filter is not None and ctx.person_filter not in pair.members:
            programme = ctx.view.programmes.get(pair.programme_id)
            if programme is None or programme.created_by != ctx.person_filter:
                continue
        yield from overdue(ctx, pair)
        yield from phase_deadlines(ctx, pair)
        yield from review_nudges(ctx, pair)
        yield from pulse_nudges(ctx, pair)
    if ctx.pair_filter is None:
        yield from digests(ctx)


def plan_all(view: PlanView, now: datetime, rules: PlanRules, config: CoreConfig) -> Plan:
    """Everything due at ``now``, split into due (to queue), stale (later than the catch-up
    window) and capped (over the weekly cap). Already queued keys are left out."""
    ctx = Ctx(view, now, rules, config)
    result = Plan()
    oldest = now - rules.catch_up
    fresh: list[Nudge] = []
    for nudge in _candidates(ctx):  # never yields a queued key
        if nudge.due_at > now:
            ctx.later(nudge.due_at, subject_of(nudge))
            continue
        if nudge.due_at < oldest:
            result.stale.append(nudge)
        else:
            fresh.append(nudge)
    result.next_at = ctx.soonest
    result.wake = ctx.soonest_of
    if rules.max_nudges_per_week <= 0:
        result.due = sorted(fresh, key=_order)
        return result
    counts: dict[tuple[int, str], int] = defaultdict(int)
    capped_people = {n.person_id for n in fresh if n.kind in CAPPED_KINDS}
    if capped_people:
        for person_id, due_at, counted in view.queued.values():
            if counted and person_id in capped_people:
                counts[(person_id, _week_of(view, person_id, due_at))] += 1
    fresh.sort(key=_order)
    reflected: set[tuple[int, str]] = set()  # weeks whose reflection prompt this plan counts
    paired_since = _paired_since(view) if capped_people else {}
    for nudge in fresh:
        if nudge.kind not in CAPPED_KINDS:
            result.due.append(nudge)
            continue
        week = (nudge.person_id, _week_of(view, nudge.person_id, nudge.due_at))
        if nudge.kind == "reflection-prompt":  # never capped, but it counts
            reflected.add(week)
            counts[week] += 1
            result.due.append(nudge)
            continue
        limit = rules.max_nudges_per_week
        if week not in reflected and _reflection_ahead(view, paired_since, *week):
            limit -= 1  # the week's reflection prompt keeps its slot
        if counts[week] >= limit:
            result.capped.append(nudge)
        else:
            counts[week] += 1
            result.due.append(nudge)
    return result


def _paired_since(view: PlanView) -> dict[int, datetime]:
    """Each member's earliest ``introduced_at`` over the view's open pairs (one pass, instead
    of a pass over every pair for each capped nudge)."""
    since: dict[int, datetime] = {}
    for pair in view.pairs:
        for member in pair.members:
            found = since.get(member)
            if found is None or pair.introduced_at < found:
                since[member] = pair.introduced_at
    return since


def _reflection_ahead(
    view: PlanView, paired_since: dict[int, datetime], person_id: int, week: str
) -> bool:
    """Whether the person gets a reflection prompt in the local ISO ``week`` that is not
    counted yet: they are in an open pair introduced before its time (``paired_since``: from
    ``_paired_since``), not paused that day, and its outbox row is not written."""
    person = view.people.get(person_id)
    if person is None or f"reflection:{person_id}:{week}" in view.queued:
        return False
    year, number = week.split("-W")
    day = date.fromisocalendar(int(year), int(number), 1) + timedelta(
        days=person.reflection_weekday
    )
    if paused(day, person.paused_until):
        return False
    nominal = at_local(day, person.reflection_time, person.tz)
    since = paired_since.get(person_id)
    return since is not None and since <= nominal


def subject_of(nudge: Nudge) -> str:
    """The subject whose plan yields ``nudge``."""
    if nudge.kind == "reflection-prompt":
        return f"person:{nudge.person_id}"
    if nudge.kind == "coordinator-digest":
        return f"programme:{nudge.programme_id}"
    return f"pair:{nudge.pair_id}"


def _order(nudge: Nudge) -> tuple[datetime, int, str]:
    """Oldest due first; at the same time the more important first."""
    return (nudge.due_at, PRIORITY.get(nudge.kind, 9), nudge.key)


def _week_of(view: PlanView, person_id: int, moment: datetime) -> str:
    person = view.people.get(person_id)
    tz = person.tz if person is not None else UTC
    return iso_week(moment.astimezone(tz).date())


def plan(view: PlanView, now: datetime, rules: PlanRules, config: CoreConfig) -> list[Nudge]:
    """The nudges to queue at ``now``: due, not yet queued, within the catch-up window and
    the weekly cap. Pure: same view and time, same answer."""
    return plan_all(view, now, rules, config).due


def next_due(
    view: PlanView,
    now: datetime,
    rules: PlanRules,
    config: CoreConfig,
    *,
    person_id: int | None = None,
    pair_id: int | None = None,
    limit: int = 5,
) -> list[Nudge]:
    """What is due next for a person (or a pair) at ``now``: the nudges not yet queued whose
    time is at or after ``now`` (soonest first). For the home dashboard and the console."""
    ctx = Ctx(
        view,
        now,
        rules,
        config,
        person_filter=person_id,
        pair_filter=pair_id,
        horizon=timedelta(days=14),
    )
    upcoming = [
        n
        for n in _candidates(ctx)
        if n.key not in view.queued
        and n.due_at >= now
        and (person_id is None or n.person_id == person_id)
    ]
    upcoming.sort(key=lambda n: (n.due_at, PRIORITY.get(n.kind, 9), n.key))
    return upcoming[:limit]


def candidate_keys(view: PlanView, now: datetime, rules: PlanRules, config: CoreConfig) -> set[str]:
    """The keys of every occurrence the planner looks at (to load their outbox rows). A few
    more at most (occurrences that cannot be moved into allowed hours): due times are only
    worked out where they decide whether the key is looked at, so steady-state keys, already
    in the outbox, cost no calendar work."""
    return {n.key for n in _candidates(Ctx(view, now, rules, config, keys_only=True))}
