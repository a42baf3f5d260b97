"""Before each meeting the adept names the challenge to bring (METHOD.md art. 4 §3); after it,
each member checks in (art. 2 §4's learning loop). Both texts stay within the pair."""

from __future__ import annotations

from conversations.flows.meeting_outcome import settle_from_checkin
from conversations.i18n import Texts
from conversations.messages import Choice, Fact, Form, FormField, Message, Reply, Section
from conversations.pairs import current_pair, no_pair_reply, pair_closed_reply
from conversations.parsing import CommandLine
from conversations.records import CheckIn, Meeting, MeetingStatus, Pair, Preparation, Role
from conversations.refs import MeetingRef, PairMeetingRef, PairRef
from conversations.routes import (
    Action,
    Audience,
    ButtonRoute,
    CommandRoute,
    FormId,
    FormRoute,
    Routes,
)
from conversations.turn import Turn, button, rating_field, validate


def meeting_to_check_in(turn: Turn, pair: Pair) -> Meeting | None:
    """The latest meeting that has started and that this person has not checked in for."""
    done = {
        c.meeting_id for c in turn.repo.find(CheckIn, pair_id=pair.id, author_id=turn.person.id)
    }
    started = [
        m
        for m in turn.repo.find(Meeting, pair_id=pair.id)
        if m.starts_at <= turn.now and m.id not in done and m.status != MeetingStatus.CANCELLED
    ]
    return max(started, key=lambda m: m.starts_at) if started else None


def checkin_form(turn: Turn, pair: Pair, meeting: Meeting | None) -> Form:
    t = turn.t
    intro = (
        t("checkin.intro", when=t.when(meeting.starts_at))
        if meeting
        else t("checkin.intro_unbooked")
    )
    return Form(
        form_id=FormId.CHECKIN,
        title=t("checkin.title"),
        submit_label=t("button.save"),
        context=PairMeetingRef(pair.id or 0, meeting.id if meeting else None).encode(),
        intro=intro,
        fields=(
            FormField(
                name="met",
                label=t("checkin.met"),
                kind="choice",
                initial="yes",
                choices=(
                    Choice(value="yes", label=t("checkin.met_yes")),
                    Choice(value="no", label=t("checkin.met_no")),
                ),
            ),
            FormField(
                name="raised",
                label=t("checkin.raised"),
                kind="multiline",
                required=False,
                max_length=turn.config.max_text_length,
                shown_if=("met", "yes"),
            ),
            FormField(
                name="will_try",
                label=t("checkin.will_try"),
                kind="multiline",
                required=False,
                max_length=turn.config.max_text_length,
                shown_if=("met", "yes"),
            ),
            rating_field("usefulness", t("checkin.usefulness"), required=False).model_copy(
                update={"shown_if": ("met", "yes")}
            ),
        ),
    )


def checkin_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    pair = current_pair(turn)
    if pair is None:
        return no_pair_reply(turn)
    return checkin_button(turn, PairRef(pair.id or 0).encode())


def checkin_button(turn: Turn, value: str) -> Reply:
    ref = PairMeetingRef.decode(value)
    pair = current_pair(turn, ref)
    if pair is None:
        return no_pair_reply(turn)
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    meeting: Meeting | None
    if ref is not None and ref.meeting is not None:
        meeting = turn.repo.get(Meeting, ref.meeting)
        if meeting is None or meeting.pair_id != pair.id:
            return turn.say("error.stale_button")
        mine = turn.repo.first(CheckIn, meeting_id=meeting.id, author_id=turn.person.id)
        if mine is not None:
            return turn.say("checkin.already", when=turn.t.when(mine.created_at))
    else:
        meeting = meeting_to_check_in(turn, pair)
    return Reply(form=checkin_form(turn, pair, meeting))


def checkin_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    ref = PairMeetingRef.decode(context)
    pair = current_pair(turn, ref)
    if pair is None:
        return no_pair_reply(turn)
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    meeting = turn.repo.get(Meeting, ref.meeting) if ref and ref.meeting is not None else None
    if meeting is not None and meeting.pair_id != pair.id:
        return turn.say("error.stale_button")
    if meeting is not None and turn.repo.first(
        CheckIn, meeting_id=meeting.id, author_id=turn.person.id
    ):
        return turn.say("checkin.already", when=turn.t.when(meeting.starts_at))
    form = checkin_form(turn, pair, meeting)
    clean, errors = validate(form, values, turn.t, turn.now)
    met = clean.get("met") == "yes"
    if not errors and met and not clean.get("raised"):
        errors["raised"] = turn.t("checkin.raised_required")
    if errors:
        return Reply(form=form, errors=errors)
    turn.repo.add(
        CheckIn(
            pair_id=pair.id or 0,
            meeting_id=meeting.id if meeting else None,
            author_id=turn.person.id or 0,
            met=met,
            raised=clean.get("raised") or "",
            will_try=clean.get("will_try") or "",
            usefulness=clean.get("usefulness"),
            created_at=turn.now,
        )
    )
    if meeting is not None:
        settle_from_checkin(turn, pair, meeting, met)
    turn.audit("checkin.saved", f"pair:{pair.id}", met=met)
    name = turn.person.display_name
    raised, will_try = clean.get("raised") or "", clean.get("will_try") or ""

    def to_partner(t: Texts) -> Message:
        facts = tuple(
            Fact(label=t(label), value=value)
            for label, value in (("checkin.raised", raised), ("checkin.will_try", will_try))
            if value
        )
        return Message(
            sections=(
                Section(
                    text=t(
                        "checkin.partner_notice" if met else "checkin.partner_notice_missed",
                        name=name,
                    ),
                    facts=facts,
                ),
            ),
            note=t("checkin.pair_only"),
        )

    turn.send(pair.partner_of(turn.person.id or 0), to_partner, programme_id=pair.programme_id)
    if not met:
        t = turn.t
        return Reply(
            messages=[
                Message(
                    sections=(Section(text=t("checkin.rebook")),),
                    buttons=(
                        button(
                            t,
                            "button.book_meeting",
                            Action.BOOK_MEETING,
                            PairRef(pair.id or 0).encode(),
                            "primary",
                        ),
                    ),
                )
            ]
        )
    return turn.say("checkin.saved")


# Preparation ----------------------------------------------------------------------------------


def prep_form(turn: Turn, meeting: Meeting) -> Form:
    t = turn.t
    return Form(
        form_id=FormId.PREP,
        title=t("prep.title"),
        submit_label=t("button.save"),
        context=MeetingRef(meeting.id or 0).encode(),
        intro=t("prep.intro", when=t.when(meeting.starts_at)),
        fields=(
            FormField(
                name="challenge",
                label=t("prep.challenge"),
                kind="multiline",
                max_length=turn.config.max_text_length,
            ),
        ),
    )


def _prep_meeting(turn: Turn, value: str) -> tuple[Meeting | None, Pair | None]:
    ref = MeetingRef.decode(value)
    meeting = turn.repo.get(Meeting, ref.meeting) if ref else None
    pair = turn.repo.get(Pair, meeting.pair_id) if meeting else None
    if meeting is None or pair is None or pair.role_of(turn.person.id or 0) != Role.ADEPT:
        return None, None
    return meeting, pair


def prep_button(turn: Turn, value: str) -> Reply:
    meeting, pair = _prep_meeting(turn, value)
    if meeting is None or pair is None:
        return turn.say("error.stale_button")
    if meeting.starts_at <= turn.now or meeting.status != MeetingStatus.BOOKED:
        return turn.say("prep.too_late")
    return Reply(form=prep_form(turn, meeting))


def prep_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    meeting, pair = _prep_meeting(turn, context)
    if meeting is None or pair is None:
        return turn.say("error.stale_button")
    if meeting.starts_at <= turn.now or meeting.status != MeetingStatus.BOOKED:
        return turn.say("prep.too_late")
    form = prep_form(turn, meeting)
    clean, errors = validate(form, values, turn.t, turn.now)
    if errors:
        return Reply(form=form, errors=errors)
    return _save_prep(turn, meeting, pair, clean["challenge"])


def _save_prep(turn: Turn, meeting: Meeting, pair: Pair, challenge: str) -> Reply:
    existing = turn.repo.first(Preparation, meeting_id=meeting.id, author_id=turn.person.id)
    if existing:
        turn.repo.update(
            existing.model_copy(update={"challenge": challenge, "created_at": turn.now})
        )
    else:
        turn.repo.add(
            Preparation(
                pair_id=pair.id or 0,
                meeting_id=meeting.id or 0,
                author_id=turn.person.id or 0,
                challenge=challenge,
                created_at=turn.now,
            )
        )
    turn.audit("preparation.saved", f"pair:{pair.id}", meeting=meeting.id)
    name = turn.person.display_name

    def to_mentor(t: Texts) -> Message:
        return Message(
            sections=(
                Section(text=t("prep.mentor_notice", name=name, when=t.when(meeting.starts_at))),
                Section(text=challenge),
            )
        )

    turn.send(pair.mentor_id, to_mentor, programme_id=pair.programme_id)
    return turn.say("prep.saved")


ROUTES = Routes(
    commands=(
        CommandRoute("checkin", ("incheckning", "check-in"), Audience.PAIR, checkin_command),
    ),
    buttons=(
        ButtonRoute(Action.ANSWER_PREP, prep_button),
        ButtonRoute(Action.OPEN_CHECKIN, checkin_button),
    ),
    forms=(
        FormRoute(FormId.PREP, prep_submitted),
        FormRoute(FormId.CHECKIN, checkin_submitted),
    ),
)
