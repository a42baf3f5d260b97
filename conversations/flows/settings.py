"""`settings`: a person's language, time zone, country (public holidays), reflection day and
time, and working hours."""

from __future__ import annotations

from datetime import time

from conversations.countries import country_of_zone, holiday_countries
from conversations.i18n import SUPPORTED, Texts
from conversations.messages import Choice, Form, FormField, FormVariant, Reply
from conversations.parsing import CommandLine, ParseError, parse_time, parse_weekdays, parse_zone
from conversations.records import Person
from conversations.routes import (
    Action,
    Audience,
    ButtonRoute,
    CommandRoute,
    FormId,
    FormRoute,
    Routes,
)
from conversations.turn import Turn, validate


def settings_form(turn: Turn) -> Form:
    """The form in the person's language; asked question by question, the rest of it follows
    the language they choose in its first field."""
    p = turn.person
    variants = tuple(
        FormVariant(
            field="language", value=code, form=_form(Texts(code, p.timezone), p), language=code
        )
        for code in SUPPORTED
        if code != turn.t.lang
    )
    return _form(turn.t, p).model_copy(update={"variants": variants})


def _form(t: Texts, p: Person) -> Form:
    weekdays = tuple(Choice(value=str(i), label=t.weekday(i)) for i in range(7))
    return Form(
        form_id=FormId.SETTINGS,
        title=t("settings.title"),
        submit_label=t("button.save"),
        intro=t("settings.intro"),
        fields=(
            FormField(
                name="language",
                label=t("settings.language"),
                kind="choice",
                initial=p.locale,
                choices=tuple(
                    Choice(value=code, label=t("language." + code)) for code in SUPPORTED
                ),
            ),
            FormField(
                name="timezone",
                label=t("settings.timezone"),
                initial=p.timezone,
                max_length=64,
                hint=t("settings.timezone_hint"),
            ),
            FormField(
                name="country",
                label=t("settings.country"),
                initial=p.country,
                max_length=64,
                hint=t("settings.country_hint", country=t.country(p.country)),
            ),
            FormField(
                name="reflection_day",
                label=t("settings.reflection_day"),
                kind="choice",
                initial=str(p.reflection_weekday),
                choices=weekdays,
            ),
            FormField(
                name="reflection_time",
                label=t("settings.reflection_time"),
                initial=p.reflection_time.strftime("%H:%M"),
                max_length=5,
                hint="14:00",
            ),
            FormField(
                name="work_start",
                label=t("settings.work_start"),
                initial=p.work_start.strftime("%H:%M"),
                max_length=5,
                hint="08:00",
            ),
            FormField(
                name="work_end",
                label=t("settings.work_end"),
                initial=p.work_end.strftime("%H:%M"),
                max_length=5,
                hint="17:00",
            ),
            FormField(
                name="work_days",
                label=t("settings.work_days"),
                initial=_days_text(p.work_days),
                max_length=20,
                hint=t("settings.work_days_hint"),
            ),
        ),
    )


def _days_text(days: list[int]) -> str:
    if days and days == list(range(days[0], days[-1] + 1)):
        return f"{days[0] + 1}-{days[-1] + 1}" if len(days) > 1 else str(days[0] + 1)
    return ",".join(str(d + 1) for d in days)


def parse_country(text: str, t: Texts) -> str:
    """A country we know public holidays of: its code ('US', 'se') or its name in the
    reader's language ('USA', 'Sverige')."""
    value = text.strip()
    known = holiday_countries()
    if value.upper() in known:
        return value.upper()
    by_name = {t.country(code).casefold(): code for code in known}
    found = by_name.get(value.casefold())
    if found is None:
        raise ParseError("error.country", value=value)
    return found


def settings_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return Reply(form=settings_form(turn))


def settings_button(turn: Turn, value: str) -> Reply:
    return Reply(form=settings_form(turn))


def settings_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    form = settings_form(turn)
    clean, errors = validate(form, values, turn.t, turn.now)
    parsed: dict[str, object] = {}
    for name, parse in (
        ("timezone", lambda v: parse_zone(v).key),
        ("country", lambda v: parse_country(v, turn.t)),
        ("reflection_time", parse_time),
        ("work_start", parse_time),
        ("work_end", parse_time),
        ("work_days", parse_weekdays),
    ):
        if name in errors or clean.get(name) is None:
            continue
        try:
            parsed[name] = parse(clean[name])
        except ParseError as exc:
            errors[name] = turn.t(exc.key, **exc.values)
    start, end = parsed.get("work_start"), parsed.get("work_end")
    if isinstance(start, time) and isinstance(end, time) and start >= end:
        errors["work_start"] = errors["work_end"] = turn.t("error.work_hours")
    if errors:
        return Reply(form=form, errors=errors)
    moved = parsed["timezone"] != turn.person.timezone
    if moved and parsed["country"] == turn.person.country:
        # A new time zone with the country left as it was: the holidays follow the zone
        # (America/New_York -> US), as they do for a new person.
        parsed["country"] = country_of_zone(str(parsed["timezone"])) or parsed["country"]
    person = turn.repo.update(
        turn.person.model_copy(
            update={
                "locale": clean["language"],
                "timezone": parsed["timezone"],
                "country": parsed["country"],
                "reflection_weekday": int(clean["reflection_day"]),
                "reflection_time": parsed["reflection_time"],
                "work_start": parsed["work_start"],
                "work_end": parsed["work_end"],
                "work_days": parsed["work_days"],
            }
        )
    )
    turn.person = person
    turn.audit("settings.changed", f"person:{person.id}")
    t = turn.t
    return turn.say(
        "settings.saved",
        day=t.weekday(person.reflection_weekday),
        time=t.time(person.reflection_time),
        tz=person.timezone,
    )


ROUTES = Routes(
    commands=(
        CommandRoute(
            "settings", ("inställningar", "installningar"), Audience.EVERYONE, settings_command
        ),
    ),
    buttons=(ButtonRoute(Action.OPEN_SETTINGS, settings_button),),
    forms=(FormRoute(FormId.SETTINGS, settings_submitted),),
)
