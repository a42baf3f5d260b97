"""Booking meetings. Booking the first one moves a new pair on to goal setting."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conversations.i18n import Texts
from conversations.messages import Form, FormField, Message, Reply, Section, text
from conversations.pairs import current_pair, in_force, no_pair_reply, pair_closed_reply
from conversations.parsing import CommandLine, split_datetime
from conversations.phases import advance
from conversations.records import ConversationState, Meeting, MeetingStatus, Pair, Programme
from conversations.refs import PairRef
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


def meeting_form(turn: Turn, pair: Pair, first: bool) -> Form:
    t = turn.t
    minutes = default_minutes(turn, pair, first)
    return Form(
        form_id=FormId.MEETING,
        title=t("meeting.title_first" if first else "meeting.title"),
        submit_label=t("button.book"),
        context=PairRef(pair.id or 0).encode(),
        intro=t("meeting.intro_first" if first else "meeting.intro"),
        fields=(
            FormField(
                name="when",
                label=t("meeting.when"),
                kind="datetime",
                max_length=40,
                hint=t("meeting.when_hint"),
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
    error = _check(turn, pair, starts_at, minutes)
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


def _check(turn: Turn, pair: Pair, starts_at: datetime, minutes: int) -> str | None:
    if starts_at <= turn.now:
        return "meeting.in_past"
    if starts_at > turn.now + timedelta(days=366):
        return "meeting.too_far"
    if not has_first_meeting(turn, pair) and minutes < FIRST_MEETING_MINUTES:
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
    form = meeting_form(turn, pair, first=not has_first_meeting(turn, pair))
    clean, errors = validate(form, values, turn.t, turn.now)
    if not errors:
        error = _check(turn, pair, clean["when"], clean["minutes"])
        if error:
            errors["minutes" if "short" in error or "length" in error else "when"] = turn.t(
                error, min=MIN_MINUTES, max=MAX_MINUTES
            )
    if errors:
        return Reply(form=form, errors=errors)
    return book_checked(turn, pair, clean["when"], clean["minutes"], clean["place"] or "")


NIGHT_BEFORE, NIGHT_FROM = 7, 20  # a meeting before 07:00 or from 20:00 local time is "at night"
ODD = "odd_booking"  # ConversationState.data: a booking at night or on a weekend, to confirm


def at_odd_time(zone: ZoneInfo, starts_at: datetime) -> bool:
    local = starts_at.astimezone(zone)
    return local.weekday() >= 5 or not NIGHT_BEFORE <= local.hour < NIGHT_FROM


def book_checked(turn: Turn, pair: Pair, starts_at: datetime, minutes: int, place: str) -> Reply:
    """Book, unless the time is at night or on a weekend for the booker or their partner: then
    ask first (a typo like 22:00 for 10:00 is more likely than a meeting at ten at night, and a
    partner in another time zone may be asleep at the booker's ten in the morning)."""
    partner = turn.person_by_id(pair.partner_of(turn.person.id or 0))
    partner_zone = ZoneInfo(partner.timezone)
    mine, theirs = at_odd_time(turn.t.tz, starts_at), at_odd_time(partner_zone, starts_at)
    if not mine and not theirs:
        return book(turn, pair, starts_at, minutes, place)
    pending = {"pair": pair.id, "at": starts_at.isoformat(), "minutes": minutes, "place": place}
    state = turn.repo.first(ConversationState, person_id=turn.person.id)
    data = {**(state.data if state else {}), ODD: pending}
    set_awaiting(
        turn.repo, turn.person.id or 0, state.awaiting if state else None, turn.now, **data
    )
    t = turn.t
    token = _odd_token(pending)
    return turn.show(
        Message(
            sections=(
                Section(
                    text=t("meeting.odd_time", when=t.when(starts_at))
                    if mine
                    else t(
                        "meeting.odd_time_partner",
                        when=t.when(starts_at),
                        name=partner.display_name,
                        their_time=Texts(t.lang, partner.timezone).when(starts_at),
                    )
                ),
            ),
            buttons=(
                button(t, "button.book_anyway", Action.CONFIRM_ODD_MEETING, token, "primary"),
                button(t, "button.other_time", Action.BOOK_MEETING, PairRef(pair.id or 0).encode()),
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
    error = _check(turn, pair, starts_at, int(pending["minutes"]))
    if error:
        return turn.say(error, min=MIN_MINUTES, max=MAX_MINUTES)
    return book(turn, pair, starts_at, int(pending["minutes"]), str(pending["place"]))


def book(turn: Turn, pair: Pair, starts_at: datetime, minutes: int, place: str) -> Reply:
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
    partner_id = pair.partner_of(turn.person.id or 0)
    name = turn.person.display_name
    turn.send(
        partner_id, lambda t: _booked_notice(t, name, meeting), programme_id=pair.programme_id
    )
    advance(turn, pair)
    t = turn.t
    return Reply(
        messages=[
            text(
                t(
                    "meeting.booked",
                    when=t.when(meeting.starts_at),
                    minutes=minutes,
                    place=place or "—",
                )
            )
        ]
    )


def _booked_notice(t: Texts, name: str, meeting: Meeting) -> Message:
    return Message(
        sections=(
            Section(
                text=t(
                    "meeting.partner_booked",
                    name=name,
                    when=t.when(meeting.starts_at),
                    minutes=meeting.minutes,
                    place=meeting.place or "—",
                )
            ),
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
