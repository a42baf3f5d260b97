"""Phase deadlines (subject ``pair:<id>``): the pair's nudge and the coordinator's note.

* intro: no first meeting ``CoreConfig.first_meeting_deadline_days`` after the introduction;
* goals: goals not confirmed ``goals_deadline_days`` into the goals phase;
* agreement: agreement not accepted ``agreement_deadline_days`` into the agreement phase;
* ``<phase>-stuck``: ``stuck_phase_days`` in any phase before active (or in closing).

First both members, at a time both share (key ``phase:<pair>:<deadline>:<person>``);
``PlanRules.coordinator_delay_days`` later, if the pair is still in that phase, a note to the
programme's creator in their own hours (``phase-coordinator:<pair>:<deadline>:<coordinator>``).
A pause defers both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from conversations.nudges import Nudge
from conversations.planner.calendar import next_allowed
from conversations.planner.context import Ctx, pair_times
from conversations.planner.views import PairView
from conversations.records import Phase


def _deadlines(ctx: Ctx, pair: PairView) -> list[tuple[str, datetime]]:
    config = ctx.config
    found: list[tuple[str, datetime]] = []
    if pair.phase == Phase.INTRO and pair.meeting_count == 0:
        found.append(
            ("intro", pair.introduced_at + timedelta(days=config.first_meeting_deadline_days))
        )
    elif pair.phase == Phase.GOALS and not pair.goals_confirmed:
        found.append(("goals", pair.phase_since + timedelta(days=config.goals_deadline_days)))
    elif pair.phase == Phase.AGREEMENT and not pair.agreement_accepted:
        found.append(
            ("agreement", pair.phase_since + timedelta(days=config.agreement_deadline_days))
        )
    if pair.phase in (Phase.INTRO, Phase.GOALS, Phase.AGREEMENT, Phase.CLOSING):
        since = pair.phase_since
        if pair.phase == Phase.INTRO and pair.last_meeting_at is not None:
            # Introductions end when the first meeting has taken place: a pair waiting for a
            # meeting it booked is not stuck before that meeting.
            since = max(since, pair.last_meeting_at)
        found.append((f"{pair.phase.value}-stuck", since + timedelta(days=config.stuck_phase_days)))
    return found


def phase_deadlines(ctx: Ctx, pair: PairView) -> Iterator[Nudge]:
    horizon = ctx.now + ctx.horizon
    programme = ctx.view.programmes.get(pair.programme_id)
    for deadline, nominal in _deadlines(ctx, pair):
        if nominal > horizon:
            ctx.later(nominal)
            continue
        keys = {m: f"phase:{pair.id}:{deadline}:{m}" for m in pair.members}
        if all(k in ctx.view.queued for k in keys.values()):
            times: dict[int, datetime] = {}
        elif ctx.keys_only:
            times = dict.fromkeys(pair.members, nominal)
        else:
            times = pair_times(ctx, pair, nominal)
        for member in pair.members:
            if ctx.wants(member) and keys[member] not in ctx.view.queued and member in times:
                yield Nudge(
                    keys[member],
                    "phase-deadline",
                    member,
                    times[member],
                    pair_id=pair.id,
                    programme_id=pair.programme_id,
                    detail=pair.phase.value,
                )
        if programme is None or not ctx.wants(programme.created_by):
            continue
        coordinator = ctx.view.people.get(programme.created_by)
        if coordinator is None:
            continue
        later = nominal + timedelta(days=ctx.rules.coordinator_delay_days)
        key = f"phase-coordinator:{pair.id}:{deadline}:{coordinator.id}"
        if key in ctx.view.queued:
            continue
        if later > ctx.now + ctx.horizon:
            ctx.later(later)
            continue
        due = later if ctx.keys_only else next_allowed(coordinator, later)
        if due is not None:
            yield Nudge(
                key,
                "phase-deadline-coordinator",
                coordinator.id,
                due,
                pair_id=pair.id,
                programme_id=pair.programme_id,
                detail=pair.phase.value,
            )
