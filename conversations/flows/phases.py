"""A pair's phase follows from what it has done: first meeting booked -> goals; goals
confirmed -> agreement; agreement accepted by both (and goals confirmed) -> active."""

from __future__ import annotations

from conversations.flows.basics import plain
from conversations.records import Agreement, Goal, Meeting, Pair, Phase
from conversations.turn import Turn


def advance(turn: Turn, pair: Pair) -> Pair:
    pair = turn.repo.get(Pair, pair.id or 0) or pair
    if pair.phase not in (Phase.INTRO, Phase.GOALS, Phase.AGREEMENT):
        return pair
    booked = bool(turn.repo.find(Meeting, pair_id=pair.id))
    goals = turn.repo.find(Goal, pair_id=pair.id)
    goals_done = bool(goals) and all(g.status != "draft" for g in goals)
    agreed = any(a.accepted for a in turn.repo.find(Agreement, pair_id=pair.id))
    phase: Phase = pair.phase
    if booked and phase == Phase.INTRO:
        phase = Phase.GOALS
    if phase == Phase.GOALS and goals_done:
        phase = Phase.AGREEMENT
    if phase == Phase.AGREEMENT and agreed:
        phase = Phase.ACTIVE
    if phase == pair.phase:
        return pair
    pair = turn.repo.update(pair.model_copy(update={"phase": phase, "phase_since": turn.now}))
    turn.audit("pair.phase", f"pair:{pair.id}", phase=phase.value)
    if phase == Phase.AGREEMENT:
        from conversations.flows.agreement import invitation

        for member in pair.member_ids():
            turn.send(
                member,
                lambda t: invitation(t, pair),
                kind="agreement-invitation",
                programme_id=pair.programme_id,
            )
    elif phase == Phase.ACTIVE:
        for member in pair.member_ids():
            turn.send(
                member,
                lambda t: plain(t("phase.active_notice", cadence="")),
                programme_id=pair.programme_id,
            )
    return pair
