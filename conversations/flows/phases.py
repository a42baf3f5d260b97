"""A pair's phase follows from what it has done, decided in this one place:
first meeting booked -> goals; goals confirmed by the mentor -> agreement; agreement accepted
by both (with the goals still confirmed) -> active. Entering a phase sends its invitation."""

from __future__ import annotations

from functools import partial

from conversations.flows.basics import plain
from conversations.records import Agreement, Goal, Meeting, Pair, Phase
from conversations.turn import Turn


def advance(turn: Turn, pair: Pair) -> Pair:
    """Move the pair as far as its records allow; tell both what comes next."""
    from conversations.flows.agreement import invitation as agreement_invitation
    from conversations.flows.goals import invitation as goals_invitation

    pair = turn.repo.get(Pair, pair.id or 0) or pair
    if pair.phase not in (Phase.INTRO, Phase.GOALS, Phase.AGREEMENT):
        return pair
    booked = bool(turn.repo.find(Meeting, pair_id=pair.id))
    goals = turn.repo.find(Goal, pair_id=pair.id)
    goals_done = bool(goals) and all(g.status != "draft" for g in goals)
    agreements = turn.repo.find(Agreement, pair_id=pair.id)
    agreed = any(a.accepted for a in agreements)
    phase: Phase = pair.phase
    if phase == Phase.INTRO and booked:
        phase = Phase.GOALS
    if phase == Phase.GOALS and goals_done:
        phase = Phase.AGREEMENT
    if phase == Phase.AGREEMENT and agreed and goals_done:
        phase = Phase.ACTIVE
    if phase == pair.phase:
        return pair
    pair = turn.repo.update(pair.model_copy(update={"phase": phase, "phase_since": turn.now}))
    turn.audit("pair.phase", f"pair:{pair.id}", phase=phase.value)
    for member in pair.member_ids():
        if phase == Phase.GOALS and not goals:
            build = partial(goals_invitation, pair=pair, role=pair.role_of(member))
            turn.send(member, build, kind="goals-invitation", programme_id=pair.programme_id)
        elif phase == Phase.AGREEMENT and not agreements:
            turn.send(
                member,
                partial(agreement_invitation, pair=pair),
                kind="agreement-invitation",
                programme_id=pair.programme_id,
            )
        elif phase == Phase.ACTIVE:
            turn.send(
                member, lambda t: plain(t("phase.active_notice")), programme_id=pair.programme_id
            )
    return pair
