"""Moving and cancelling a booked meeting, from the buttons on what each member was told about
it. Either member may do either until the meeting begins; both are told, each with a calendar
invitation that replaces (moved: the next ``SEQUENCE``) or removes (cancelled) the event their
calendar holds. A move goes through the booking's checks, a time at night included."""

from __future__ import annotations

from conversations.flows.meetings import book_checked, checked_values, meeting_form
from conversations.meeting_notices import refuse_change, revision_ref, said, tell_both, when_of
from conversations.messages import Message, Reply, Section
from conversations.records import Meeting, MeetingStatus, Pair
from conversations.refs import MeetingRef, MeetingRevisionRef
from conversations.routes import Action, ButtonRoute, FormId, FormRoute, Routes
from conversations.turn import Turn, button


def _meeting_and_pair(turn: Turn, meeting_id: int | None) -> tuple[Meeting | None, Pair | None]:
    meeting = turn.repo.get(Meeting, meeting_id) if meeting_id else None
    pair = turn.repo.get(Pair, meeting.pair_id) if meeting else None
    return meeting, pair


def move_button(turn: Turn, value: str) -> Reply:
    ref = MeetingRef.decode(value)
    meeting, pair = _meeting_and_pair(turn, ref.meeting if ref else None)
    refused = refuse_change(turn, pair, meeting)
    if refused is not None or meeting is None or pair is None:
        return refused or turn.say("error.stale_button")
    return Reply(form=meeting_form(turn, pair, first=meeting.is_first, moving=meeting))


def move_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    ref = MeetingRevisionRef.decode(context)
    meeting, pair = _meeting_and_pair(turn, ref.meeting if ref else None)
    refused = refuse_change(turn, pair, meeting, ref.revision if ref else None)
    if refused is not None or meeting is None or pair is None:
        return refused or turn.say("error.stale_button")
    form = meeting_form(turn, pair, first=meeting.is_first, moving=meeting)
    clean, errors = checked_values(turn, form, values, meeting.is_first)
    if errors:
        return Reply(form=form, errors=errors)
    place = clean["place"] or ""
    return book_checked(turn, pair, clean["when"], clean["minutes"], place, moving=meeting)


def cancel_button(turn: Turn, value: str) -> Reply:
    """Asks first: a cancellation tells the partner at once."""
    ref = MeetingRef.decode(value)
    meeting, pair = _meeting_and_pair(turn, ref.meeting if ref else None)
    refused = refuse_change(turn, pair, meeting)
    if refused is not None or meeting is None or pair is None:
        return refused or turn.say("error.stale_button")
    t = turn.t
    partner = turn.person_by_id(pair.partner_of(turn.person.id or 0))
    question = t("meeting.cancel_question", when=when_of(t, meeting), name=partner.display_name)
    return turn.show(
        Message(
            sections=(Section(text=question),),
            buttons=(
                button(
                    t,
                    "button.confirm_cancel_meeting",
                    Action.CONFIRM_CANCEL_MEETING,
                    revision_ref(meeting),
                    "danger",
                ),
            ),
        )
    )


def confirm_cancel_button(turn: Turn, value: str) -> Reply:
    ref = MeetingRevisionRef.decode(value)
    meeting, pair = _meeting_and_pair(turn, ref.meeting if ref else None)
    refused = refuse_change(turn, pair, meeting, ref.revision if ref else None)
    if refused is not None or meeting is None or pair is None:
        return refused or turn.say("error.stale_button")
    cancelled = turn.repo.update(
        meeting.model_copy(
            update={"status": MeetingStatus.CANCELLED, "sequence": meeting.sequence + 1}
        )
    )
    turn.audit(
        "meeting.cancelled", f"pair:{pair.id}", meeting=meeting.id, sequence=cancelled.sequence
    )
    name = turn.person.display_name
    return turn.show(
        tell_both(
            turn,
            pair,
            cancelled,
            mine=lambda t: said(t, "meeting.cancelled", cancelled),
            theirs=lambda t: said(t, "meeting.partner_cancelled", cancelled, name=name),
        )
    )


ROUTES = Routes(
    buttons=(
        ButtonRoute(Action.MOVE_MEETING, move_button),
        ButtonRoute(Action.CANCEL_MEETING, cancel_button),
        ButtonRoute(Action.CONFIRM_CANCEL_MEETING, confirm_cancel_button),
    ),
    forms=(FormRoute(FormId.MOVE_MEETING, move_submitted),),
)
