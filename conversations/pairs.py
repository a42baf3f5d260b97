"""A person's pairs, as every flow needs them: finding the caller's pair (by the id a button
carries, else their newest open pair), the replies when there is none or it has ended, the
agreement in force, and ending a pair. The lowest layer under ``conversations.flows``."""

from __future__ import annotations

from conversations.calendar_invites import invitation
from conversations.i18n import Texts
from conversations.messages import Message, Reply, text
from conversations.ports import OrField, Referred, Repo
from conversations.records import (
    OPEN_PHASES,
    Agreement,
    Meeting,
    MeetingStatus,
    OutboxItem,
    OutboxStatus,
    Pair,
    Person,
    Phase,
)
from conversations.refs import GoalsRef, PairMeetingRef, PairRef
from conversations.turn import Turn


def member(person_id: int | None) -> OrField:
    """The filter for a person's pairs, as mentor or as adept: one read (``mentor_id=``)."""
    return OrField("adept_id", person_id)


def open_pairs_of(repo: Repo, person_id: int | None) -> list[Pair]:
    """The person's open pairs, oldest first."""
    return repo.find(Pair, mentor_id=member(person_id), phase=list(OPEN_PHASES))


def has_pair(repo: Repo, person: Person) -> bool:
    """Whether the person is in an open pair (their ids read; no pair record built)."""
    return bool(repo.columns(Pair, ["id"], mentor_id=member(person.id), phase=list(OPEN_PHASES)))


def in_open_pair(workspace: str) -> Referred:
    """Asked with the person of a turn (``Repo.first_referred``): are they in an open pair?"""
    return Referred(
        Pair, ("mentor_id", "adept_id"), {"phase": list(OPEN_PHASES), "workspace": workspace}
    )


def in_pair(turn: Turn) -> bool:
    """``has_pair`` for the turn's own person: as read with them when the turn began (every
    command's audience check and help ask it, before a step writes), else read now."""
    return turn.in_pair if turn.in_pair is not None else has_pair(turn.repo, turn.person)


def last_ended_pair(repo: Repo, person: Person) -> Pair | None:
    """The person's most recently ended pair, if they have had one."""
    pairs = repo.find(Pair, mentor_id=member(person.id))
    ended = [p for p in pairs if p.ended_at is not None]
    return max(ended, key=lambda p: p.ended_at or p.introduced_at) if ended else None


def current_pair(turn: Turn, ref: PairRef | PairMeetingRef | GoalsRef | None = None) -> Pair | None:
    """The pair a button/form refers to (``ref``: must be the actor's own), else the one chosen
    for a typed command (the engine asks a member of several pairs), else the only open one."""
    if ref is not None:
        pair = turn.repo.get(Pair, ref.pair)
        if pair is None or turn.person.id not in pair.member_ids():
            return None
        return pair
    pairs = open_pairs_of(turn.repo, turn.person.id)
    chosen = [p for p in pairs if p.id == turn.chosen_pair]
    if chosen:
        return chosen[0]
    return pairs[-1] if pairs else None


def no_pair_reply(turn: Turn) -> Reply:
    return turn.say("error.no_pair")


def pair_closed_reply(turn: Turn, pair: Pair) -> Reply:
    return turn.say(
        "error.pair_ended",
        date=turn.t.date(turn.t.local(pair.ended_at).date()) if pair.ended_at else "",
    )


def in_force(repo: Repo, pair_id: int) -> Agreement | None:
    """The newest agreement both accepted that no later version replaced."""
    accepted = [
        a for a in repo.find(Agreement, pair_id=pair_id) if a.accepted and a.superseded_at is None
    ]
    return max(accepted, key=lambda a: a.number) if accepted else None


def end_pair(
    turn: Turn, pair: Pair, reason: str, note: str = "", *, by_coordinator: bool = True
) -> Pair:
    """End a pair (``completed`` or ``ended-early``); the members are told when a coordinator
    ended it (a member who ends it by erasure or a closing review already knows). A pair
    ended before its introduction went out (its programme had not started) is withdrawn
    instead: the introduction is not sent, and neither is a notice of a pair never heard of.
    Its meetings still to come are cancelled; a member told of the end gets, with the notice,
    a calendar file that removes each of them from their calendar."""
    unannounced = pair.introduced_at > turn.now
    phase = Phase.COMPLETED if reason == "completed" else Phase.ENDED_EARLY
    ended = turn.repo.update(
        pair.model_copy(
            update={
                "phase": phase,
                "phase_since": turn.now,
                "ended_at": turn.now,
                "end_reason": reason,
                "end_note": note,
            }
        )
    )
    turn.audit("pair.ended", f"pair:{pair.id}", reason=reason)
    cancelled = _cancel_coming_meetings(turn, pair)
    if unannounced:
        _withdraw_introduction(turn, pair)
    if not by_coordinator or unannounced:
        return ended
    members = [turn.person_by_id(member) for member in pair.member_ids()]
    for member in members:

        def notice(t: Texts, reader: Person = member) -> Message:
            files = tuple(
                invitation(
                    t,
                    meeting,
                    reader=reader,
                    organiser=next((m for m in members if m.id == meeting.booked_by), members[0]),
                    members=members,
                    now=turn.now,
                )
                for meeting in cancelled
            )
            message = text(t("end.notice." + reason))
            if not files:
                return message
            return message.model_copy(update={"files": files, "note": t("invite.note_cancelled")})

        turn.send(member.id or 0, notice, programme_id=pair.programme_id)
    return ended


def _cancel_coming_meetings(turn: Turn, pair: Pair) -> list[Meeting]:
    """An ended pair meets no more: each meeting booked for later is cancelled (its calendar
    sequence moves on, so the cancellation replaces the invitation in people's calendars)."""
    cancelled: list[Meeting] = []
    for meeting in turn.repo.find(Meeting, pair_id=pair.id, status=MeetingStatus.BOOKED):
        if meeting.starts_at <= turn.now:
            continue
        done = turn.repo.update(
            meeting.model_copy(
                update={"status": MeetingStatus.CANCELLED, "sequence": meeting.sequence + 1}
            )
        )
        turn.audit("meeting.cancelled", f"pair:{pair.id}", meeting=meeting.id, reason="pair-ended")
        cancelled.append(done)
    return cancelled


def _withdraw_introduction(turn: Turn, pair: Pair) -> None:
    """Delete what of the pair still waits in the outbox: its introduction (the group message
    and each member's own part) and anything queued for it since."""
    for item in turn.repo.find(OutboxItem, pair_id=pair.id, status=OutboxStatus.PENDING):
        turn.repo.delete(OutboxItem, item.id or 0)
