"""Whether a meeting took place, when the pair's check-ins disagree ("we met" / "we did not"):
the meeting is marked disputed and both are asked; the first answer settles it for the pair and
the other is told. Counted meetings (held, missed) therefore add up."""

from __future__ import annotations

from conversations.i18n import Texts
from conversations.messages import Message, Reply, Section, text
from conversations.pairs import pair_closed_reply
from conversations.phases import advance
from conversations.records import CheckIn, Meeting, MeetingStatus, Pair
from conversations.refs import MeetingOutcomeRef
from conversations.routes import Action, ButtonRoute, Routes
from conversations.turn import Turn, button


def settle_from_checkin(turn: Turn, pair: Pair, meeting: Meeting, met: bool) -> None:
    """After a member's check-in on ``meeting``: held or missed when the two agree (or only one
    has checked in), disputed and both asked when they disagree."""
    partner = pair.partner_of(turn.person.id or 0)
    theirs = turn.repo.first(CheckIn, meeting_id=meeting.id, author_id=partner)
    if theirs is not None and theirs.met != met:
        turn.repo.update(meeting.model_copy(update={"status": MeetingStatus.DISPUTED}))
        turn.audit("meeting.disputed", f"pair:{pair.id}", meeting=meeting.id)
        for member in pair.member_ids():
            turn.send(member, lambda t: _question(t, meeting), programme_id=pair.programme_id)
        return
    if meeting.status in (MeetingStatus.BOOKED, MeetingStatus.MISSED, MeetingStatus.HELD):
        status = MeetingStatus.HELD if met else MeetingStatus.MISSED
        if meeting.status != status:
            turn.repo.update(meeting.model_copy(update={"status": status}))
            if met:
                advance(turn, pair)


def _question(t: Texts, meeting: Meeting) -> Message:
    met = MeetingOutcomeRef(meeting.id or 0, "yes").encode()
    not_met = MeetingOutcomeRef(meeting.id or 0, "no").encode()
    return Message(
        sections=(Section(text=t("meeting.disputed", when=t.when(meeting.starts_at))),),
        buttons=(
            button(t, "button.we_met", Action.SETTLE_MEETING, met, "primary"),
            button(t, "button.we_did_not_meet", Action.SETTLE_MEETING, not_met),
        ),
    )


def settle_button(turn: Turn, value: str) -> Reply:
    ref = MeetingOutcomeRef.decode(value)
    meeting = turn.repo.get(Meeting, ref.meeting) if ref else None
    pair = turn.repo.get(Pair, meeting.pair_id) if meeting else None
    if (
        ref is None
        or ref.answer not in ("yes", "no")
        or meeting is None
        or pair is None
        or turn.person.id not in pair.member_ids()
    ):
        return turn.say("error.stale_button")
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    when = turn.t.when(meeting.starts_at)
    if meeting.status != MeetingStatus.DISPUTED:
        return turn.say("meeting.already_settled", when=when)
    met = ref.answer == "yes"
    status = MeetingStatus.HELD if met else MeetingStatus.MISSED
    turn.repo.update(meeting.model_copy(update={"status": status}))
    turn.audit("meeting.settled", f"pair:{pair.id}", meeting=meeting.id, met=met)
    if met:
        advance(turn, pair)
    name = turn.person.display_name
    key = "meeting.settled_met" if met else "meeting.settled_not_met"
    turn.send(
        pair.partner_of(turn.person.id or 0),
        lambda t: text(t(key + "_notice", name=name, when=t.when(meeting.starts_at))),
        programme_id=pair.programme_id,
    )
    return turn.say(key, when=when)


ROUTES = Routes(buttons=(ButtonRoute(Action.SETTLE_MEETING, settle_button),))
