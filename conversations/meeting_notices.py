"""What a pair is told when a meeting is booked, moved or cancelled, each member in their own
language with their own calendar invitation (``conversations.calendar_invites``), and whether
a meeting may still be changed. Used by the meeting flows (``meetings``, ``meeting_changes``).
"""

from __future__ import annotations

from collections.abc import Callable

from conversations.calendar_invites import invitation
from conversations.i18n import Texts
from conversations.messages import File, Message, Reply, Section
from conversations.pairs import pair_closed_reply
from conversations.records import Meeting, MeetingStatus, Pair, Person
from conversations.refs import MeetingRef, MeetingRevisionRef
from conversations.routes import Action
from conversations.turn import Turn, button


def revision_ref(meeting: Meeting) -> str:
    return MeetingRevisionRef(meeting.id or 0, str(meeting.sequence)).encode()


def when_of(t: Texts, meeting: Meeting) -> str:
    return t.when(meeting.starts_at)


def refuse_change(
    turn: Turn, pair: Pair | None, meeting: Meeting | None, revision: str | None = None
) -> Reply | None:
    """The answer when ``meeting`` may not be changed by the person now: it is not of their
    pair, the pair has ended, it is not booked any more or has begun, or (with ``revision``)
    it changed since it was shown. None when it may."""
    if (
        meeting is None
        or pair is None
        or meeting.pair_id != pair.id
        or turn.person.id not in pair.member_ids()
    ):
        return turn.say("error.stale_button")
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    if meeting.status != MeetingStatus.BOOKED or meeting.starts_at <= turn.now:
        return turn.say("meeting.not_changeable", when=when_of(turn.t, meeting))
    if revision is not None and revision != str(meeting.sequence):
        return turn.say("meeting.changed_since", when=when_of(turn.t, meeting))
    return None


def said(t: Texts, key: str, meeting: Meeting, **values: str) -> Message:
    return Message(
        sections=(
            Section(
                text=t(
                    key,
                    when=t.when(meeting.starts_at),
                    minutes=meeting.minutes,
                    place=meeting.place or "—",
                    **values,
                )
            ),
        )
    )


def tell_both(
    turn: Turn,
    pair: Pair,
    meeting: Meeting,
    *,
    mine: Callable[[Texts], Message],
    theirs: Callable[[Texts], Message],
) -> Message:
    """What happened to ``meeting``, told to the actor (returned: their reply) and to their
    partner (the outbox), each worded in their own language and with their own calendar
    invitation; while it is booked, with the buttons that move or cancel it."""
    members = [turn.person_by_id(member) for member in pair.member_ids()]
    organiser = next((m for m in members if m.id == meeting.booked_by), None)
    organiser = organiser or turn.person_by_id(meeting.booked_by)

    def with_invitation(t: Texts, reader: Person, message: Message) -> Message:
        file = invitation(
            t, meeting, reader=reader, organiser=organiser, members=members, now=turn.now
        )
        return _attached(t, message, meeting, file)

    partner = next(m for m in members if m.id != turn.person.id)
    turn.send(
        partner.id or 0,
        lambda t: with_invitation(t, partner, theirs(t)),
        programme_id=pair.programme_id,
    )
    return with_invitation(turn.t, turn.person, mine(turn.t))


def _attached(t: Texts, message: Message, meeting: Meeting, file: File) -> Message:
    booked = meeting.status == MeetingStatus.BOOKED
    ref = MeetingRef(meeting.id or 0).encode()
    buttons = (
        (
            button(t, "button.move_meeting", Action.MOVE_MEETING, ref),
            button(t, "button.cancel_meeting", Action.CANCEL_MEETING, ref),
        )
        if booked
        else ()
    )
    note = t("invite.note" if booked else "invite.note_cancelled")
    return message.model_copy(update={"buttons": buttons, "note": note, "files": (file,)})
