"""`program new`: a coordinator creates a programme (name, purposes, dates, cadence, meeting
length, template). Nothing is assumed: when the name, the purpose or a date is missing, a form
asks for them, prefilled with what was typed. The command and the form are checked alike."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from conversations.flags import Flag, FlagKind, FlagTable
from conversations.flows.meetings import MAX_MINUTES, MIN_MINUTES
from conversations.i18n import Texts
from conversations.messages import Choice, Form, FormField, Reply, text
from conversations.parsing import CommandLine, ParseError, parse_date
from conversations.programme_choice import my_programmes
from conversations.records import Programme, Purpose
from conversations.routes import FormId
from conversations.turn import Turn, validate

MAX_NAME = 80
MIN_DAYS = 28  # a programme runs at least four weeks
PURPOSE_ALIASES = {
    "retention": Purpose.RETENTION,
    "personalomsättning": Purpose.RETENTION,
    "behålla": Purpose.RETENTION,
    "career": Purpose.CAREER,
    "karriär": Purpose.CAREER,
    "karriarutveckling": Purpose.CAREER,
    "karriärutveckling": Purpose.CAREER,
    "onboarding": Purpose.ONBOARDING,
    "introduktion": Purpose.ONBOARDING,
    "competence": Purpose.COMPETENCE,
    "kompetens": Purpose.COMPETENCE,
    "kompetensutveckling": Purpose.COMPETENCE,
    "culture": Purpose.CULTURE,
    "kultur": Purpose.CULTURE,
    "förändring": Purpose.CULTURE,
    "recruitment": Purpose.RECRUITMENT,
    "rekrytering": Purpose.RECRUITMENT,
    "leadership": Purpose.LEADERSHIP,
    "ledarskap": Purpose.LEADERSHIP,
    "ledarutveckling": Purpose.LEADERSHIP,
}
TEMPLATES = ("general", "new-managers")
TEMPLATE_ALIASES = {
    "general": "general",
    "allmän": "general",
    "new-managers": "new-managers",
    "nya-chefer": "new-managers",
}
PROGRAM_FLAGS = FlagTable(
    (
        Flag("purpose", "syfte", FlagKind.PURPOSE, required=True),
        Flag("start", "start", FlagKind.DATE, required=True),
        Flag("end", "slut", FlagKind.DATE, required=True),
        Flag("cadence", "kadens", FlagKind.DAYS),
        Flag("length", "längd", FlagKind.MINUTES),
        Flag("template", "mall", FlagKind.TEMPLATE),
        Flag("topics", "ämnen", FlagKind.TEXT),
    )
)


@dataclass(frozen=True)
class Draft:
    """A programme as typed or filled in so far: the form's fields, as text."""

    name: str = ""
    purpose: str = ""
    start: str = ""
    end: str = ""
    cadence: str = ""
    length: str = ""
    template: str = ""
    topics: str = ""  # what the intake form offers to choose from, comma-separated

    def complete(self) -> bool:
        return all(v.strip() for v in (self.name, self.purpose, self.start, self.end))


def purpose_options(t: Texts) -> str:
    """The purposes as the reader types them, with what each means: ``introduktion
    (introduktion av nyanställda)``."""
    return ", ".join(f"{t('purpose.word.' + p)} ({t('purpose.' + p)})" for p in Purpose)


def read_purposes(value: str) -> list[Purpose] | str:
    """The purposes named (comma-separated, in either language), or the first word that is
    none."""
    purposes: list[Purpose] = []
    for word in value.replace(";", ",").split(","):
        if not word.strip():
            continue
        purpose = PURPOSE_ALIASES.get(word.strip().lower())
        if purpose is None:
            return word.strip()
        if purpose not in purposes:
            purposes.append(purpose)
    return purposes


def programme_form(turn: Turn, draft: Draft) -> Form:
    t = turn.t
    config = turn.config
    template = TEMPLATE_ALIASES.get(draft.template.strip().lower(), draft.template)
    return Form(
        form_id=FormId.PROGRAMME,
        title=t("program.form.title"),
        intro=t("program.form.intro"),
        submit_label=t("program.form.submit"),
        fields=(
            FormField(
                name="name", label=t("program.form.name"), max_length=MAX_NAME, initial=draft.name
            ),
            FormField(
                name="purpose",
                label=t("program.form.purpose"),
                hint=t("program.form.purpose_hint", options=purpose_options(t)),
                max_length=300,
                initial=draft.purpose,
            ),
            FormField(
                name="start", label=t("program.form.start"), kind="date", initial=draft.start
            ),
            FormField(name="end", label=t("program.form.end"), kind="date", initial=draft.end),
            FormField(
                name="cadence",
                label=t("program.form.cadence"),
                kind="number",
                max_length=2,
                initial=draft.cadence or str(config.cadence_days),
            ),
            FormField(
                name="length",
                label=t("program.form.length"),
                kind="number",
                max_length=3,
                initial=draft.length or str(config.meeting_minutes),
            ),
            FormField(
                name="template",
                label=t("program.form.template"),
                kind="choice",
                choices=tuple(Choice(value=v, label=t("template." + v)) for v in TEMPLATES),
                initial=template if template in TEMPLATES else "general",
            ),
            FormField(
                name="topics",
                label=t("program.form.topics"),
                hint=t("program.form.topics_hint"),
                required=False,
                max_length=500,
                initial=draft.topics,
            ),
        ),
    )


def program_new(turn: Turn, line: CommandLine) -> Reply:
    options = line.options
    draft = Draft(
        name=line.args[1].strip() if len(line.args) > 1 else "",
        purpose=options.get("purpose", ""),
        start=_as_date(options.get("start", ""), turn.today),
        end=_as_date(options.get("end", ""), turn.today),
        cadence=options.get("cadence", ""),
        length=options.get("length", ""),
        template=options.get("template", ""),
        topics=options.get("topics", ""),
    )
    if not draft.complete():
        return Reply(form=programme_form(turn, draft))  # asked, never assumed
    form = programme_form(turn, draft)
    values = {f.name: f.initial for f in form.fields}
    values.update((k, v) for k, v in asdict(draft).items() if v)  # as typed, even if invalid
    clean, errors = _check(turn, form, values)
    if errors:
        labels = {f.name: f.label for f in form.fields}
        return turn.show(text("\n".join(f"{labels[k]}: {v}" for k, v in errors.items())))
    return _create(turn, clean)


def _as_date(typed: str, today: date) -> str:
    """A typed date as the form shows it (``12v`` -> ``2027-04-05``: a date picker needs
    one); what cannot be read stays as typed, to be refused with the reason."""
    try:
        return parse_date(typed, today).isoformat() if typed.strip() else ""
    except ParseError:
        return typed


def programme_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    form = programme_form(turn, Draft(**{k: v for k, v in values.items() if k in _FIELDS}))
    clean, errors = _check(turn, form, values)
    if errors:
        return Reply(form=form, errors=errors)
    return _create(turn, clean)


_FIELDS = set(asdict(Draft()))


def _check(turn: Turn, form: Form, values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's own checks, then the programme's: purposes known, the end after today and
    at least four weeks after the start, cadence and meeting length in range, a new name."""
    t = turn.t
    typed = (values.get("template") or "").strip()
    values = {**values, "template": TEMPLATE_ALIASES.get(typed.lower(), typed)}
    clean, errors = validate(form, values, t, turn.now)
    purposes = read_purposes(clean.get("purpose") or "")
    if isinstance(purposes, str):
        errors.setdefault(
            "purpose", t("program.bad_purpose", value=purposes, options=purpose_options(t))
        )
    clean["purpose"] = purposes
    start: date | None = clean.get("start")
    end: date | None = clean.get("end")
    if end is not None and end <= turn.today:
        errors.setdefault("end", t("program.ends_in_past"))
    elif start is not None and end is not None and end < start + timedelta(days=MIN_DAYS):
        errors.setdefault("end", t("program.too_short"))
    if clean.get("cadence") is not None and not 1 <= clean["cadence"] <= 60:
        errors.setdefault("cadence", t("program.bad_cadence"))
    if clean.get("length") is not None and not MIN_MINUTES <= clean["length"] <= MAX_MINUTES:
        errors.setdefault("length", t("program.bad_length", min=MIN_MINUTES, max=MAX_MINUTES))
    name = clean.get("name") or ""
    if name and any(p.name.lower() == name.lower() for p in my_programmes(turn)):
        errors.setdefault("name", t("program.exists", name=name))
    return clean, errors


def _topics(typed: str) -> list[str]:
    """The topic list as typed (``Ledarskap, Feedback; Karriär``), each once, in order."""
    found: list[str] = []
    for word in typed.replace(";", ",").split(","):
        topic = " ".join(word.split())[:60]
        if topic and topic.casefold() not in {f.casefold() for f in found}:
            found.append(topic)
    return found


def _create(turn: Turn, clean: dict[str, Any]) -> Reply:
    t = turn.t
    programme = turn.repo.add(
        Programme(
            name=clean["name"],
            purposes=clean["purpose"],
            starts_on=clean["start"],
            ends_on=clean["end"],
            cadence_days=clean["cadence"],
            meeting_minutes=clean["length"],
            template=clean["template"],
            topics=_topics(clean.get("topics") or ""),
            created_by=turn.person.id or 0,
            created_at=turn.now,
        )
    )
    turn.audit("programme.created", f"programme:{programme.id}")
    start, end = t.date(programme.starts_on), t.date(programme.ends_on)
    lines = [
        t(
            "program.created",
            name=programme.name,
            id=programme.id,
            start=start,
            end=end,
            purposes=", ".join(t("purpose." + p) for p in programme.purposes),
        )
    ]
    if programme.starts_on > turn.today:
        lines.append(t("program.created_later", start=start))
    return turn.show(text("\n".join(lines)))
