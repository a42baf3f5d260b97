"""Booking meetings, and moving them (``meeting_changes`` opens the form; a move at an odd time
is confirmed here like a booking). Booking the first one moves a new pair on to goal setting.
Each member is told with the meeting's calendar invitation (``conversations.calendar_invites``)
in their own language."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conversations.i18n import Texts
from conversations.meeting_notices import refuse_change, revision_ref, said, tell_both, when_of
from conversations.messages import Form, FormField, Message, Reply, Section
from conversations.pairs import current_pair, in_force, no_pair_reply, pair_closed_reply
from conversations.parsing import CommandLine, split_datetime
from conversations.phases import advance
from conversations.records import (
    ConversationState,
    Meeting,
    MeetingStatus,
    Pair,
    Programme,
)
from conversations.refs import MeetingRef, PairRef
from conversations.routes import (
    Action,
    Audience,
    ButtonRoute,
    CommandRoute,
    FormId,
    FormRoute,
    Routes,
)
from conversations.turn import Turn, button, set_awaiting, validate

MAX_PLACE = 200
FIRST_MEETING_MINUTES = 60  # the method: the first meeting takes at least an hour
MIN_MINUTES = 30
MAX_MINUTES = 480


def meeting_form(turn: Turn, pair: Pair, first: bool, moving: Meeting | None = None) -> Form:
    """The form that books a meeting, or (``moving``) moves one: then it starts from the
    meeting's time, length and place and carries the revision it was opened on."""
    t = turn.t
    minutes = moving.minutes if moving else default_minutes(turn, pair, first)
    when = t.local(moving.starts_at).strftime("%Y-%m-%d %H:%M") if moving else ""
    return Form(
        form_id=FormId.MOVE_MEETING if moving else FormId.MEETING,
        title=t(
            "meeting.move_title" if moving else "meeting.title_first" if first else "meeting.title"
        ),
        submit_label=t("button.move" if moving else "button.book"),
        context=revision_ref(moving) if moving else PairRef(pair.id or 0).encode(),
        intro=t("meeting.move_intro", when=when_of(t, moving))
        if moving
        else t("meeting.intro_first" if first else "meeting.intro"),
        fields=(
            FormField(
                name="when",
                label=t("meeting.when"),
                kind="datetime",
                max_length=40,
                hint=t("meeting.when_hint"),
                initial=when,
            ),
            FormField(
                name="minutes",
                label=t("meeting.minutes"),
                kind="number",
                initial=str(minutes),
                max_length=3,
            ),
            FormField(
                name="place",
                label=t("meeting.place"),
                required=False,
                max_length=MAX_PLACE,
                hint=t("meeting.place_hint"),
                initial=moving.place if moving else "",
            ),
        ),
    )


def has_first_meeting(turn: Turn, pair: Pair) -> bool:
    return any(
        m.status != MeetingStatus.CANCELLED for m in turn.repo.find(Meeting, pair_id=pair.id)
    )


def book_button(turn: Turn, value: str) -> Reply:
    pair = current_pair(turn, PairRef.decode(value))
    if pair is None:
        return no_pair_reply(turn)
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    return Reply(form=meeting_form(turn, pair, first=not has_first_meeting(turn, pair)))


def accepts_meeting(turn: Turn, line: CommandLine) -> bool:
    """``möte 2027-04-07 10:00 [plats]`` or ``möte fredag 10:00``: a date and time first."""
    return split_datetime(line.args, turn.t.tz, turn.now) is not None


def meeting_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    # meeting 2027-01-14 10:00 [place…] or meeting 2027-01-14T10:00 [place…]
    pair = current_pair(turn)
    if pair is None:
        return no_pair_reply(turn)
    first = not has_first_meeting(turn, pair)
    if not line.args:
        return Reply(form=meeting_form(turn, pair, first=first))
    found = split_datetime(line.args, turn.t.tz, turn.now)
    if found is None:
        return turn.say("error.datetime_format", value=" ".join(line.args[:2])[:40])
    starts_at, words = found
    minutes = default_minutes(turn, pair, first)
    place = " ".join(line.args[words:])
    if len(place) > MAX_PLACE:
        return turn.say(
            "error.too_long_named",
            field=turn.t("meeting.place_field"),
            n=len(place),
            limit=MAX_PLACE,
        )
    error = check(turn, starts_at, minutes, first)
    if error:
        return turn.say(error, min=MIN_MINUTES, max=MAX_MINUTES)
    return book_checked(turn, pair, starts_at, minutes, place)


def default_minutes(turn: Turn, pair: Pair, first: bool) -> int:
    """The agreed meeting length (the agreement in force, else the programme's); the first
    meeting is at least an hour."""
    agreement = in_force(turn.repo, pair.id or 0)
    programme = turn.repo.get(Programme, pair.programme_id)
    minutes = (
        agreement.meeting_minutes if agreement else (programme.meeting_minutes if programme else 60)
    )
    return max(FIRST_MEETING_MINUTES, minutes) if first else minutes


def check(turn: Turn, starts_at: datetime, minutes: int, first: bool) -> str | None:
    """What is wrong with a meeting at ``starts_at`` for ``minutes`` (a text key), or None."""
    if starts_at <= turn.now:
        return "meeting.in_past"
    if starts_at > turn.now + timedelta(days=366):
        return "meeting.too_far"
    if first and minutes < FIRST_MEETING_MINUTES:
        return "meeting.first_too_short"
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        return "meeting.bad_length"
    return None


def meeting_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    pair = current_pair(turn, PairRef.decode(context))
    if pair is None:
        return no_pair_reply(turn)
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    first = not has_first_meeting(turn, pair)
    form = meeting_form(turn, pair, first=first)
    clean, errors = checked_values(turn, form, values, first)
    if errors:
        return Reply(form=form, errors=errors)
    return book_checked(turn, pair, clean["when"], clean["minutes"], clean["place"] or "")


def checked_values(
    turn: Turn, form: Form, values: dict[str, str], first: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """The meeting form's values, and its errors by field (the form's own, then ``check``)."""
    clean, errors = validate(form, values, turn.t, turn.now)
    if not errors:
        error = check(turn, clean["when"], clean["minutes"], first)
        if error:
            errors["minutes" if "short" in error or "length" in error else "when"] = turn.t(
                error, min=MIN_MINUTES, max=MAX_MINUTES
            )
    return clean, errors


NIGHT_BEFORE, NIGHT_FROM = 7, 20  # a meeting before 07:00 or from 20:00 local time is "at night"
ODD = "odd_booking"  # ConversationState.data: a booking at night or on a weekend, to confirm


def at_odd_time(zone: ZoneInfo, starts_at: datetime) -> bool:
    local = starts_at.astimezone(zone)
    return local.weekday() >= 5 or not NIGHT_BEFORE <= local.hour < NIGHT_FROM


def book_checked(
    turn: Turn,
    pair: Pair,
    starts_at: datetime,
    minutes: int,
    place: str,
    moving: Meeting | None = None,
) -> Reply:
    """Book (or move ``moving`` to the new time), unless the time is at night or on a weekend
    for the booker or their partner: then ask first (a typo like 22:00 for 10:00 is more
    likely than a meeting at ten at night, and a partner in another time zone may be asleep
    at the booker's ten in the morning)."""
    partner = turn.person_by_id(pair.partner_of(turn.person.id or 0))
    partner_zone = ZoneInfo(partner.timezone)
    mine, theirs = at_odd_time(turn.t.tz, starts_at), at_odd_time(partner_zone, starts_at)
    if not mine and not theirs:
        return book(turn, pair, starts_at, minutes, place, moving)
    pending = {"pair": pair.id, "at": starts_at.isoformat(), "minutes": minutes, "place": place}
    if moving is not None:
        pending |= {"meeting": moving.id, "revision": moving.sequence}
    state = turn.repo.first(ConversationState, person_id=turn.person.id)
    data = {**(state.data if state else {}), ODD: pending}
    set_awaiting(
        turn.repo, turn.person.id or 0, state.awaiting if state else None, turn.now, **data
    )
    t = turn.t
    token = _odd_token(pending)
    moving_suffix = "_moving" if moving else ""
    other_time = (
        button(t, "button.other_time", Action.MOVE_MEETING, MeetingRef(moving.id or 0).encode())
        if moving
        else button(t, "button.other_time", Action.BOOK_MEETING, PairRef(pair.id or 0).encode())
    )
    return turn.show(
        Message(
            sections=(
                Section(
                    text=t("meeting.odd_time" + moving_suffix, when=t.when(starts_at))
                    if mine
                    else t(
                        "meeting.odd_time_partner" + moving_suffix,
                        when=t.when(starts_at),
                        name=partner.display_name,
                        their_time=Texts(t.lang, partner.timezone).when(starts_at),
                    )
                ),
            ),
            buttons=(
                button(t, "button.book_anyway", Action.CONFIRM_ODD_MEETING, token, "primary"),
                other_time,
            ),
        )
    )


def _odd_token(pending: Mapping[str, object]) -> str:
    return hashlib.sha256(repr(sorted(pending.items())).encode()).hexdigest()[:12]


def confirm_odd_button(turn: Turn, value: str) -> Reply:
    state = turn.repo.first(ConversationState, person_id=turn.person.id)
    pending = state.data.get(ODD) if state else None
    if state is None or not isinstance(pending, dict) or _odd_token(pending) != value:
        return turn.say("error.stale_button")
    data = {k: v for k, v in state.data.items() if k != ODD}
    set_awaiting(turn.repo, turn.person.id or 0, state.awaiting, turn.now, **data)
    pair = current_pair(turn, PairRef(int(pending["pair"])))
    if pair is None:
        return no_pair_reply(turn)
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    starts_at = datetime.fromisoformat(str(pending["at"]))
    moving: Meeting | None = None
    if "meeting" in pending:
        moving = turn.repo.get(Meeting, int(pending["meeting"]))
        refused = refuse_change(turn, pair, moving, str(pending.get("revision", "")))
        if refused is not None:
            return refused
    first = moving.is_first if moving else not has_first_meeting(turn, pair)
    error = check(turn, starts_at, int(pending["minutes"]), first)
    if error:
        return turn.say(error, min=MIN_MINUTES, max=MAX_MINUTES)
    return book(turn, pair, starts_at, int(pending["minutes"]), str(pending["place"]), moving)


def book(
    turn: Turn,
    pair: Pair,
    starts_at: datetime,
    minutes: int,
    place: str,
    moving: Meeting | None = None,
) -> Reply:
    if moving is not None:
        return _move(turn, pair, moving, starts_at, minutes, place)
    same = turn.repo.first(
        Meeting, pair_id=pair.id, starts_at=starts_at, status=MeetingStatus.BOOKED
    )
    if same is not None:
        # The same booking sent twice (a double click, a retried command): already done, and
        # the partner is not told again.
        return turn.say("meeting.already_booked", when=turn.t.when(same.starts_at))
    first = not has_first_meeting(turn, pair)
    meeting = turn.repo.add(
        Meeting(
            pair_id=pair.id or 0,
            starts_at=starts_at,
            minutes=minutes,
            place=place,
            booked_by=turn.person.id or 0,
            created_at=turn.now,
            is_first=first,
        )
    )
    turn.audit("meeting.booked", f"pair:{pair.id}", meeting=meeting.id)
    name = turn.person.display_name
    told = tell_both(
        turn,
        pair,
        meeting,
        mine=lambda t: said(t, "meeting.booked", meeting),
        theirs=lambda t: said(t, "meeting.partner_booked", meeting, name=name),
    )
    advance(turn, pair)
    return turn.show(told)


def _move(
    turn: Turn, pair: Pair, meeting: Meeting, starts_at: datetime, minutes: int, place: str
) -> Reply:
    if (meeting.starts_at, meeting.minutes, meeting.place) == (starts_at, minutes, place):
        return turn.show(said(turn.t, "meeting.unchanged", meeting))
    old = meeting.starts_at
    moved = turn.repo.update(
        meeting.model_copy(
            update={
                "starts_at": starts_at.astimezone(UTC),  # as the record keeps it
                "minutes": minutes,
                "place": place,
                "sequence": meeting.sequence + 1,
            }
        )
    )
    turn.audit("meeting.moved", f"pair:{pair.id}", meeting=meeting.id, sequence=moved.sequence)
    name = turn.person.display_name
    return turn.show(
        tell_both(
            turn,
            pair,
            moved,
            mine=lambda t: said(t, "meeting.moved", moved),
            theirs=lambda t: said(t, "meeting.partner_moved", moved, name=name, old=t.when(old)),
        )
    )


ROUTES = Routes(
    commands=(
        CommandRoute(
            "meeting", ("möte", "mote", "boka"), Audience.PAIR, meeting_command, accepts_meeting
        ),
    ),
    buttons=(
        ButtonRoute(Action.BOOK_MEETING, book_button),
        ButtonRoute(Action.CONFIRM_ODD_MEETING, confirm_odd_button),
    ),
    forms=(FormRoute(FormId.MEETING, meeting_submitted),),
)
