"""Weekly reflection (METHOD.md, article 3): a private journal. Prompts rotate through the
effective-mentor advice for mentors and through the adept's role for adepts. Entries are
readable by their author only — never by the partner, never by a coordinator."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from conversations.i18n import Texts
from conversations.messages import Form, FormField, Message, Reply, Section
from conversations.pairs import open_pairs_of
from conversations.parsing import CommandLine
from conversations.ports import Repo
from conversations.records import Pair, Person, Reflection, Role
from conversations.refs import PromptRef
from conversations.routes import (
    Action,
    AnswerRoute,
    Audience,
    Awaiting,
    ButtonRoute,
    CommandRoute,
    FormId,
    FormRoute,
    Routes,
)
from conversations.turn import Turn, button, texts_for, validate

PROMPTS = {
    Role.MENTOR: ("time", "decline", "small_tasks", "two_hours", "priorities", "buffer", "learned"),
    Role.ADEPT: ("challenge", "tried", "feedback", "prepare", "strength", "steer", "next_step"),
}


def role_for_prompts(repo: Repo, person: Person, pairs: list[Pair] | None = None) -> Role:
    """The role whose prompts the person gets: in their latest open pair (``pairs``: their
    open pairs by id, when the caller has read them already)."""
    pairs = open_pairs_of(repo, person.id) if pairs is None else pairs
    return pairs[-1].role_of(person.id or 0) or Role.ADEPT if pairs else Role.ADEPT


def prompt_key(role: Role, index: int) -> str:
    keys = PROMPTS[role]
    return f"{role.value}.{keys[index % len(keys)]}"


def week_number(start: datetime, day: date, tz: tzinfo) -> int:
    """Whole local weeks (Monday to Monday) from the week of ``start`` to the week of ``day``."""
    first = start.astimezone(tz).date()
    first -= timedelta(days=first.weekday())
    return ((day - timedelta(days=day.weekday())) - first).days // 7


def next_prompt_key(
    repo: Repo, person: Person, day: date, *, pairs: list[Pair] | None = None
) -> str:
    """The prompt for the person in the local week of ``day``. It follows the calendar, not
    what was answered: one step through the role's prompts per week since their pair was
    introduced (without an open pair: since they were created), so an unanswered question is
    not asked again next week, and a retried tick or a ``reflect`` the same week asks the same.
    ``pairs`` (their open pairs by id) may be given when already read (the scheduler reads
    them in bulk for all due prompts)."""
    pairs = open_pairs_of(repo, person.id or 0) if pairs is None else pairs
    role = role_for_prompts(repo, person, pairs)
    start = pairs[-1].introduced_at if pairs else person.created_at
    return prompt_key(role, week_number(start, day, texts_for(person).tz))


def prompt_message(t: Texts, key: str) -> Message:
    return Message(
        title=t("reflect.title"),
        sections=(
            Section(text=t("reflect.prompt." + key)),
            Section(text=t("reflect.how_to_answer")),
        ),
        buttons=(
            button(
                t,
                "button.write_reflection",
                Action.OPEN_REFLECTION,
                PromptRef(key).encode(),
                "primary",
            ),
        ),
        note=t("reflect.private"),
    )


def reflection_form(turn: Turn, key: str) -> Form:
    t = turn.t
    return Form(
        form_id=FormId.REFLECTION,
        title=t("reflect.title"),
        submit_label=t("button.save"),
        context=PromptRef(key).encode(),
        intro=t("reflect.prompt." + key),
        fields=(
            FormField(
                name="text",
                label=t("reflect.label"),
                kind="multiline",
                max_length=turn.config.max_journal_length,
            ),
        ),
    )


def _valid_key(turn: Turn, key: str) -> str:
    if turn.t.has("reflect.prompt." + key):
        return key
    return next_prompt_key(turn.repo, turn.person, turn.today)


def reflect_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    key = next_prompt_key(turn.repo, turn.person, turn.today)
    turn.await_answer(Awaiting.REFLECTION, prompt_key=key)
    return turn.show(prompt_message(turn.t, key))


def reflect_button(turn: Turn, value: str) -> Reply:
    ref = PromptRef.decode(value)
    return Reply(form=reflection_form(turn, _valid_key(turn, ref.key if ref else "")))


def reflection_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    ref = PromptRef.decode(context)
    key = _valid_key(turn, ref.key if ref else "")
    form = reflection_form(turn, key)
    clean, errors = validate(form, values, turn.t, turn.now)
    if errors:
        return Reply(form=form, errors=errors)
    return _save(turn, key, clean["text"])


def reflection_answered(turn: Turn, text: str, data: dict[str, Any]) -> Reply:
    limit = turn.config.max_journal_length
    if len(text) > limit:
        return turn.say("error.too_long_message", n=len(text), limit=limit)
    if not text.strip():
        return turn.say("error.required")
    return _save(turn, _valid_key(turn, str(data.get("prompt_key", ""))), text.strip())


def _save(turn: Turn, key: str, text: str) -> Reply:
    iso = turn.now.astimezone(turn.t.tz).isocalendar()
    turn.repo.add(
        Reflection(
            person_id=turn.person.id or 0,
            prompt_key=key,
            text=text,
            week=f"{iso.year}-W{iso.week:02d}",
            created_at=turn.now,
        )
    )
    turn.await_answer(None)
    turn.audit("reflection.saved", f"person:{turn.person.id}")  # never the text
    count = len(turn.repo.find(Reflection, person_id=turn.person.id))
    return turn.say("reflect.saved", n=count)


def journal_message(turn: Turn) -> Message:
    t = turn.t
    entries = sorted(
        turn.repo.find(Reflection, person_id=turn.person.id),
        key=lambda r: r.created_at,
        reverse=True,
    )
    sections = [
        Section(
            text=f"*{t.when(e.created_at)}* — _{t('reflect.prompt.' + e.prompt_key)}_\n{e.text}"
        )
        for e in entries[:10]
    ]
    if not sections:
        sections = [Section(text=t("journal.empty"))]
    note = t("journal.more", n=len(entries) - 10) if len(entries) > 10 else t("reflect.private")
    return Message(title=t("journal.title", n=len(entries)), sections=tuple(sections), note=note)


def journal_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return turn.show(journal_message(turn))


def journal_button(turn: Turn, value: str) -> Reply:
    return turn.show(journal_message(turn))


ROUTES = Routes(
    commands=(
        CommandRoute("reflect", ("reflektion", "reflektera"), Audience.EVERYONE, reflect_command),
        CommandRoute("journal", ("dagbok",), Audience.EVERYONE, journal_command),
    ),
    buttons=(
        ButtonRoute(Action.OPEN_REFLECTION, reflect_button),
        ButtonRoute(Action.VIEW_JOURNAL, journal_button),
    ),
    forms=(FormRoute(FormId.REFLECTION, reflection_submitted),),
    answers=(AnswerRoute(Awaiting.REFLECTION, reflection_answered),),
)
