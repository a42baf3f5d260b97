"""`pause` and `resume`: a person steps out of the programme's nudges until a date."""

from __future__ import annotations

from datetime import date, timedelta

from conversations.i18n import Texts
from conversations.messages import Form, FormField, Message, Reply, Section, text
from conversations.pairs import open_pairs_of
from conversations.parsing import CommandLine, ParseError, parse_date
from conversations.routes import (
    Action,
    Audience,
    ButtonRoute,
    CommandRoute,
    FormId,
    FormRoute,
    Routes,
)
from conversations.turn import Turn, button, validate


def pause_form(turn: Turn) -> Form:
    t = turn.t
    return Form(
        form_id=FormId.PAUSE,
        title=t("pause.title"),
        submit_label=t("button.pause"),
        intro=t("pause.intro"),
        fields=(
            FormField(
                name="until",
                label=t("pause.until"),
                kind="date",
                max_length=20,
                hint=t("pause.until_hint"),
            ),
        ),
    )


def _pause_until(turn: Turn, until_text: str) -> Reply:
    try:
        until = parse_date(until_text, turn.today)
    except ParseError as exc:
        return turn.say(exc.key, **exc.values)
    return _apply_pause(turn, until)


def _apply_pause(turn: Turn, until: date) -> Reply:
    if until < turn.today:
        return turn.say("pause.in_past")
    if until > turn.today + timedelta(days=366):
        return turn.say("pause.too_long")
    turn.person = turn.repo.update(turn.person.model_copy(update={"paused_until": until}))
    turn.audit("person.paused", f"person:{turn.person.id}", until=until.isoformat())
    name = turn.person.display_name

    def notice(t: Texts) -> Message:
        return text(t("pause.partner_notice", name=name, date=t.date(until)))

    for pair in open_pairs_of(turn.repo, turn.person.id):
        turn.send(pair.partner_of(turn.person.id or 0), notice, programme_id=pair.programme_id)
    return Reply(
        messages=[
            Message(
                sections=(Section(text=turn.t("pause.done", date=turn.t.date(until))),),
                buttons=(button(turn.t, "button.resume", Action.RESUME),),
            )
        ]
    )


def pause_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    if not line.args:
        return Reply(form=pause_form(turn))
    return _pause_until(turn, line.args[0])


def accepts_pause(turn: Turn, line: CommandLine) -> bool:
    """``paus 2v`` or ``pause 2027-03-01``: a date it can read."""
    try:
        parse_date(line.args[0], turn.today)
    except (ParseError, IndexError):
        return False
    return len(line.args) == 1


def pause_button(turn: Turn, value: str) -> Reply:
    return Reply(form=pause_form(turn))


def pause_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    form = pause_form(turn)
    clean, errors = validate(form, values, turn.t, turn.now)
    if not errors and clean["until"] < turn.today:
        errors["until"] = turn.t("pause.in_past")
    if errors:
        return Reply(form=form, errors=errors)
    return _apply_pause(turn, clean["until"])


def resume_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return resume_button(turn, "")


def resume_button(turn: Turn, value: str) -> Reply:
    if turn.person.paused_until is None or turn.person.paused_until < turn.today:
        return turn.say("resume.not_paused")
    turn.person = turn.repo.update(turn.person.model_copy(update={"paused_until": None}))
    turn.audit("person.resumed", f"person:{turn.person.id}")
    return turn.say("resume.done")


ROUTES = Routes(
    commands=(
        CommandRoute("pause", ("paus", "pausa"), Audience.EVERYONE, pause_command, accepts_pause),
        CommandRoute("resume", ("återuppta", "fortsätt"), Audience.EVERYONE, resume_command),
    ),
    buttons=(
        ButtonRoute(Action.OPEN_PAUSE, pause_button),
        ButtonRoute(Action.RESUME, resume_button),
    ),
    forms=(FormRoute(FormId.PAUSE, pause_submitted),),
)
