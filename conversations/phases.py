"""A pair's phase follows from what it has done, decided in this one place:
first meeting held -> goals; goals confirmed by the mentor -> agreement; agreement accepted
by both (with the goals still confirmed) -> active. Entering a phase sends its invitation,
worded here. Not a flow: the check-in, meeting-outcome, goals and agreement flows call
``advance`` after they write."""

from __future__ import annotations

from functools import partial

from conversations.i18n import Texts
from conversations.messages import Message, Section, text
from conversations.records import Agreement, Goal, Meeting, MeetingStatus, Pair, Phase, Role
from conversations.refs import PairRef
from conversations.routes import Action
from conversations.turn import Turn, button


def goals_invitation(t: Texts, pair: Pair, role: Role | None) -> Message:
    """Sent to each member when a pair enters goal setting."""
    if role == Role.ADEPT:
        return Message(
            sections=(Section(text=t("goals.invite.adept")),),
            buttons=(
                button(
                    t,
                    "button.draft_goals",
                    Action.DRAFT_GOALS,
                    PairRef(pair.id or 0).encode(),
                    "primary",
                ),
            ),
        )
    return Message(sections=(Section(text=t("goals.invite.mentor")),))


def agreement_invitation(t: Texts, pair: Pair) -> Message:
    """Sent to each member when a pair's goals are confirmed."""
    return Message(
        sections=(Section(text=t("agreement.invite")),),
        buttons=(
            button(
                t,
                "button.propose_agreement",
                Action.PROPOSE_AGREEMENT,
                PairRef(pair.id or 0).encode(),
                "primary",
            ),
        ),
    )


def advance(turn: Turn, pair: Pair) -> Pair:
    """Move the pair as far as its records allow; tell both what comes next."""
    pair = turn.repo.get(Pair, pair.id or 0) or pair
    if pair.phase not in (Phase.INTRO, Phase.GOALS, Phase.AGREEMENT):
        return pair
    # Goals come after the first meeting has taken place (the method: get to know each other
    # first), not when it is booked: a check-in saying "we met" (or a settled dispute) moves on.
    met = bool(turn.repo.find(Meeting, pair_id=pair.id, status=MeetingStatus.HELD))
    goals = turn.repo.find(Goal, pair_id=pair.id)
    goals_done = bool(goals) and all(g.status != "draft" for g in goals)
    agreements = turn.repo.find(Agreement, pair_id=pair.id)
    agreed = any(a.accepted for a in agreements)
    phase: Phase = pair.phase
    if phase == Phase.INTRO and met:
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
                member, lambda t: text(t("phase.active_notice")), programme_id=pair.programme_id
            )
    return pair
