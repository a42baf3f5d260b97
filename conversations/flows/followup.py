"""The buttons on `status`'s follow-up list (``conversations.attention``): a coordinator
reminds a pair (each member gets a nudge with their next step), pauses it until a date, or ends
it; pausing and ending ask for a reason first, which the members are told. The reason is the
coordinator's own words: it is not written to the audit log (which says what was done, when,
by whom), and ending keeps it as the pair's end note as `end` does."""

from __future__ import annotations

from datetime import date, timedelta

from conversations.i18n import Texts
from conversations.messages import Choice, Form, FormField, Message, Reply, Section
from conversations.pairs import end_pair
from conversations.records import Pair
from conversations.refs import PairRef
from conversations.routes import Action, Audience, ButtonRoute, FormId, FormRoute, Routes
from conversations.turn import Turn, button, validate

MAX_REASON = 300  # as `end`'s note
MAX_PAUSE_DAYS = 366
NEXT_STEP = {
    "intro": Action.BOOK_MEETING,
    "goals": Action.VIEW_GOALS,
    "agreement": Action.VIEW_AGREEMENT,
    "active": Action.BOOK_MEETING,
    "closing": Action.CLOSING_REVIEW,
}


def _open_pair(turn: Turn, value: str) -> Pair | None:
    ref = PairRef.decode(value)
    pair = turn.repo.get(Pair, ref.pair) if ref is not None else None
    return pair if pair is not None and pair.phase.is_open else None


def remind_pressed(turn: Turn, value: str) -> Reply:
    """Each member gets their next step as a nudge, in their language, in their hours."""
    pair = _open_pair(turn, value)
    if pair is None:
        return turn.say("followup.gone")
    names = {m: turn.person_by_id(m).display_name for m in pair.member_ids()}
    ref = PairRef(pair.id or 0).encode()
    for member in pair.member_ids():
        partner = names[pair.partner_of(member)]

        def nudge(t: Texts, partner: str = partner) -> Message:
            return Message(
                sections=(Section(text=t("followup.reminder." + pair.phase, partner=partner)),),
                buttons=(button(t, "button.next_step", NEXT_STEP[pair.phase], ref, "primary"),),
            )

        turn.send(
            member,
            nudge,
            kind="coordinator-reminder",
            programme_id=pair.programme_id,
            pair_id=pair.id,
        )
    turn.audit("pair.reminded", f"pair:{pair.id}")
    return turn.say("followup.reminded", mentor=names[pair.mentor_id], adept=names[pair.adept_id])


def _reason_field(t: Texts) -> FormField:
    return FormField(
        name="reason",
        label=t("followup.reason"),
        max_length=MAX_REASON,
        hint=t("followup.reason_hint"),
    )


def pause_form(turn: Turn, pair: Pair) -> Form:
    t = turn.t
    return Form(
        form_id=FormId.PAUSE_PAIR,
        title=t("followup.pause_title"),
        submit_label=t("button.pause_pair"),
        intro=t("followup.pause_intro"),
        context=PairRef(pair.id or 0).encode(),
        fields=(
            FormField(
                name="until",
                label=t("pause.until"),
                kind="date",
                max_length=20,
                hint=t("pause.until_hint"),
                initial=(turn.today + timedelta(days=14)).isoformat(),
            ),
            _reason_field(t),
        ),
    )


def end_form(turn: Turn, pair: Pair) -> Form:
    t = turn.t
    return Form(
        form_id=FormId.END_PAIR,
        title=t("followup.end_title"),
        submit_label=t("button.end_pair"),
        context=PairRef(pair.id or 0).encode(),
        fields=(
            FormField(
                name="outcome",
                label=t("followup.outcome"),
                kind="choice",
                initial="ended-early",
                max_length=20,
                choices=tuple(
                    Choice(value=v, label=t("end.reason." + v))
                    for v in ("completed", "ended-early")
                ),
            ),
            _reason_field(t),
        ),
    )


def pause_pressed(turn: Turn, value: str) -> Reply:
    pair = _open_pair(turn, value)
    return Reply(form=pause_form(turn, pair)) if pair else turn.say("followup.gone")


def end_pressed(turn: Turn, value: str) -> Reply:
    pair = _open_pair(turn, value)
    return Reply(form=end_form(turn, pair)) if pair else turn.say("followup.gone")


def pause_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    pair = _open_pair(turn, context)
    if pair is None:
        return turn.say("followup.gone")
    form = pause_form(turn, pair)
    clean, errors = validate(form, values, turn.t, turn.now)
    until: date = clean.get("until") or turn.today
    if not errors and until < turn.today:
        errors["until"] = turn.t("pause.in_past")
    elif not errors and until > turn.today + timedelta(days=MAX_PAUSE_DAYS):
        errors["until"] = turn.t("pause.too_long")
    if errors:
        return Reply(form=form, errors=errors)
    turn.repo.update(pair.model_copy(update={"paused_until": until}))
    turn.audit("pair.paused", f"pair:{pair.id}", until=until.isoformat())
    reason = clean["reason"]
    for member in pair.member_ids():
        turn.send(
            member,
            lambda t: Message(
                sections=(
                    Section(text=t("followup.paused_notice", date=t.date(until), reason=reason)),
                )
            ),
            programme_id=pair.programme_id,
        )
    return turn.say("followup.paused", date=turn.t.date(until))


def end_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    pair = _open_pair(turn, context)
    if pair is None:
        return turn.say("followup.gone")
    form = end_form(turn, pair)
    clean, errors = validate(form, values, turn.t, turn.now)
    if errors:
        return Reply(form=form, errors=errors)
    outcome = clean["outcome"]
    end_pair(turn, pair, outcome, clean["reason"])
    return turn.say("end.done", n=1, reason=turn.t("end.reason." + outcome))


ROUTES = Routes(
    buttons=(
        ButtonRoute(Action.REMIND_PAIR, remind_pressed, Audience.COORDINATOR),
        ButtonRoute(Action.PAUSE_PAIR, pause_pressed, Audience.COORDINATOR),
        ButtonRoute(Action.END_PAIR, end_pressed, Audience.COORDINATOR),
    ),
    forms=(
        FormRoute(FormId.PAUSE_PAIR, pause_submitted, Audience.COORDINATOR),
        FormRoute(FormId.END_PAIR, end_submitted, Audience.COORDINATOR),
    ),
)
