"""Property-based fuzzing of everything a person can send, through the engine: the command
grammar, button values and form submissions, from a coordinator, a pair member and an
outsider, in a programme that is under way. For every input: no handler crash, an answer
(a message or a form), and a refused input (field errors, or the usage help for an unknown
command) leaves the store exactly as it was.

Each example starts from a copy of the same world (the in-memory store copies in microseconds),
so examples are independent. The number of examples per test comes from the hypothesis profile
(tests/conftest.py): together these tests run over 10,000 cases in each run of the suite.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conversations.engine import COMMANDS, Engine
from conversations.events import Actor, ButtonPressed, Command, FormSubmitted, TextReceived
from conversations.memory import InMemoryStore
from conversations.messages import Form, Reply
from conversations.routes import Action, FormId
from tests.conversations.harness import Bot, first_meeting_held, make_bot, paired

WHO = ("kim", "anna", "bo", "stranger")
WORDS = sorted({w for c in COMMANDS for w in (c.name, *c.aliases)})
SUBWORDS = [
    "new",
    "ny",
    "list",
    "lista",
    "close",
    "stäng",
    "add",
    "remove",
    "ta-bort",
    "as",
    "som",
    "mentor",
    "adept",
    "completed",
    "ended-early",
    "midpoint",
    "closing",
    "2w",
    "3v",
]
NASTY = [
    "\x00",
    "\u202e",
    "\n",
    "\r\n",
    "\t",
    "\x1b[2J",
    "<!channel>",
    "<@U123>",
    "`",
    "*",
    '"',
    "'",
    "--",
    "@",
    ":",
    "99999999999999999999",
    "-1",
    "0",
    "١٢",
    "𝟙",
    "é",
    "ß",
    " ",
]


def _snapshot(store: InMemoryStore) -> dict[Any, Any]:
    return {cls: dict(rows) for cls, rows in store._tables.items()}


def _fork(store: InMemoryStore) -> InMemoryStore:
    copy = InMemoryStore()
    copy._tables = _snapshot(store)
    copy._ids = dict(store._ids)
    return copy


@cache
def world() -> tuple[Bot, tuple[Form, ...]]:
    """A programme under way: a pair with a booked meeting and drafted goals, a journal
    prompt open; and every form the bot showed while getting there."""
    bot = make_bot(InMemoryStore())
    paired(bot)
    forms: list[Form] = []
    opened = bot.press("bo", "meeting.book")
    assert opened.form is not None
    forms.append(opened.form)
    first_meeting_held(bot, place="Kontoret")
    for who, action, answers in (
        (
            "bo",
            "goals.draft",
            {
                "goal1_text": "Leda",
                "goal1_signal": "Två möten",
                "goal1_target": "2027-04-01",
                "goal1_rating": "2",
            },
        ),
    ):
        opened = bot.press(who, action)
        assert opened.form is not None
        forms.append(opened.form)
        bot.fill(who, action, answers)
    for who, action in (
        ("anna", "goals.comment"),
        ("bo", "settings.open"),
        ("bo", "pause.open"),
        ("anna", "checkin.open"),
        ("bo", "reflect.open"),
    ):
        opened = bot.act(who, ButtonPressed(action=action))
        if opened.form is not None:
            forms.append(opened.form)
    bot.say("anna", "reflect")
    bot.say("stranger", "help")  # known, not enrolled: first contact is not what is fuzzed
    assert len(forms) >= 6, [f.form_id for f in forms]
    return bot, tuple(forms)


class _CrashLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.crashes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.crashes.append(record.getMessage())


def run(who: str, event: Any) -> tuple[Reply, bool]:
    """Handle ``event`` on a fresh copy of the world; (reply, store unchanged)."""
    bot, _ = world()
    store = _fork(bot.store)
    before = _snapshot(store)
    engine = Engine(store, bot.clock, bot.config)
    crash_log = _CrashLog()
    logger = logging.getLogger("mentorbot.engine")
    logger.addHandler(crash_log)
    try:
        reply = engine.handle(Actor(platform="local", platform_user_id=who), event)
    finally:
        logger.removeHandler(crash_log)
    assert crash_log.crashes == [], crash_log.crashes
    assert reply.messages or reply.form is not None or reply.duplicate, "no answer at all"
    return reply, _snapshot(store) == before


def _refused(reply: Reply) -> bool:
    text = " ".join(m.plain_text() for m in reply.messages)
    return bool(reply.errors) or "känner inte till" in text


tokens = st.one_of(
    st.sampled_from(WORDS + SUBWORDS + NASTY),
    st.sampled_from(["@anna", "@bo", "@kim", "@ghost", "@", "@@x"]),
    st.sampled_from(["2027-01-14", "10:00", "2027-02-30", "25:99", "imorgon", "fredag"]),
    st.from_regex(r"--[a-zå-ö\-]{1,12}", fullmatch=True),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(max_size=30),
)
command_lines = st.one_of(
    st.lists(tokens, min_size=1, max_size=8).map(" ".join),
    st.text(max_size=200),
    st.builds(lambda n: "x" * n, st.integers(0, 5000)),
)


@given(who=st.sampled_from(WHO), line=command_lines, typed=st.booleans())
def test_any_command_line_is_answered_and_a_refused_one_changes_nothing(
    who: str, line: str, typed: bool
) -> None:
    event = TextReceived(text=line) if typed else Command(text=line)
    reply, unchanged = run(who, event)
    if _refused(reply):
        assert unchanged, f"{line!r} was refused but changed the store"


values = st.one_of(
    st.sampled_from(["", "1", "1:1", "1:2", "2:1", "1:abc", "1:", ":1", "0", "-1"]),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.lists(st.integers(-5, 10**25).map(str), min_size=1, max_size=4).map(":".join),
    st.text(max_size=60),
)


@given(
    who=st.sampled_from(WHO),
    action=st.one_of(st.sampled_from(sorted(Action)), st.text(max_size=20)),
    value=values,
)
def test_any_button_press_is_answered_without_a_crash(who: str, action: str, value: str) -> None:
    reply, unchanged = run(who, ButtonPressed(action=action, value=value))
    if _refused(reply):
        assert unchanged


field_values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "1",
            "5",
            "6",
            "0",
            "yes",
            "no",
            "ja",
            "nej",
            "2027-01-14 10:00",
            "2027-13-01",
            "14:00",
            "25:00",
            "1-5",
            "Europe/Stockholm",
            "Mars/Base",
        ]
    ),
    st.builds(lambda n: "y" * n, st.integers(0, 6000)),
    st.integers(-(10**30), 10**30).map(str),
)


@st.composite
def submissions(draw: st.DrawFn) -> tuple[str, FormSubmitted]:
    _, forms = world()
    who = draw(st.sampled_from(WHO))
    if draw(st.booleans()):
        form = draw(st.sampled_from(forms))
        form_id, names, context = form.form_id, [f.name for f in form.fields], form.context
        if draw(st.booleans()):
            context = draw(values)
    else:
        form_id = draw(st.one_of(st.sampled_from(sorted(FormId)), st.text(max_size=20)))
        names = draw(st.lists(st.text(max_size=12), max_size=5))
        context = draw(values)
    chosen = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    submitted = {name: draw(field_values) for name in chosen}
    return who, FormSubmitted(form_id=form_id, values=submitted, context=context)


@given(submission=submissions())
def test_any_form_submission_is_answered_and_a_refused_one_changes_nothing(
    submission: tuple[str, FormSubmitted],
) -> None:
    who, event = submission
    reply, unchanged = run(who, event)
    if reply.errors:
        assert unchanged, f"{event!r} was refused with {reply.errors} but changed the store"
