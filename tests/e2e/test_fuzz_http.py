"""Property-based fuzzing of the Slack endpoint over real HTTP: random signed slash commands,
button presses and modal submissions from a coordinator, a pair and an outsider in a
programme under way, and random unsigned, stale or misshapen requests.

For every request: no 5xx, no handler crash or traceback in the log, nothing the Block Kit
checks of the fake Slack object to. A request that is refused (401/400, an unknown command or
button, a form answered with field errors) leaves every table as it was (a button's receipt
aside: it is how a press repeated is recognised). One world serves all the examples of a test
(the requests are independent of what earlier ones did); the example counts are set here,
explicitly small, so that the file runs in well under a minute.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack.modals import VALUE_ACTION
from conversations.engine import COMMANDS
from conversations.records import (
    Agreement,
    AuditEntry,
    CheckIn,
    ConversationState,
    Enrolment,
    Goal,
    Meeting,
    OutboxItem,
    Pair,
    Person,
    Preparation,
    Programme,
    Receipt,
    Reflection,
    Review,
)
from conversations.routes import Action, FormId
from tests.e2e.conftest import SECRET, FakeSlack, SlackWorld, running_world
from tests.e2e.test_slack_trust import paired, post_raw


def examples(n: int) -> settings:
    """``n`` examples (whatever the profile says: these are HTTP requests, not engine calls),
    one world for all of them."""
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


TABLES = (
    Person,
    Programme,
    Enrolment,
    Pair,
    Goal,
    Agreement,
    Meeting,
    CheckIn,
    Preparation,
    Reflection,
    Review,
    ConversationState,
    OutboxItem,
    AuditEntry,
    Receipt,
)
WHO = ("UCOORD", "UMENTOR", "UADEPT", "UOUT")
WORDS = sorted({w for c in COMMANDS for w in (c.name, *c.aliases)})
NASTY = [
    "\x00",
    "\u202e",
    "\n",
    "\r\n",
    "\x1b[2J",
    "<!channel>",
    "<@UMENTOR|maja>",
    "<@UNOBODY>",
    "@anna",
    "@",
    "`",
    "*",
    '"',
    "--",
    "--program",
    "99999999999999999999",
    "-1",
    "2026-11-10",
    "14:00",
    "as",
    "som",
    "mentor",
    "new",
    "payload",
    "𝟙",
    "é",
]
FIELDS = ["when", "place", "minutes", "met", "text", "language", "timezone", "cadence"]
FIELDS += ["goal1_text", "goal1_rating", "comment", "until", "reflection_time", "will_try"]


def tables(world: SlackWorld) -> dict[str, int]:
    with world.store.transaction() as repo:
        return {cls.__name__: len(repo.find(cls)) for cls in TABLES}


def without_receipts(counts: dict[str, int]) -> dict[str, int]:
    return {name: n for name, n in counts.items() if name != "Receipt"}


class Log(logging.Handler):
    """Every record, to look for crashes and tracebacks."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def crashes(self) -> list[str]:
        return [
            r.getMessage()
            for r in self.records
            if r.levelno >= logging.ERROR
            or r.exc_info
            or "handler_crash" in r.getMessage()
            or "slack_listener_failed" in r.getMessage()
        ]


@pytest.fixture
async def fuzzed(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[tuple[SlackWorld, Log]]:
    """A programme under way (a pair with a booked meeting), everyone met already, and a log
    that records everything."""
    fake_slack.add_user("UOUT", "Olle Utanför")
    log = Log()
    root = logging.getLogger()
    root.addHandler(log)
    async with running_world(fake_slack, tmp_path) as world:
        try:
            await paired(world)
            await world.command("UOUT", "hjälp")
            await world.command("UCOORD", "help")
            await world.command("UADEPT", "möte 2026-11-10 14:00 Kaféet")
            await world.deliver()
            log.records.clear()
            yield world, log
        finally:
            root.removeHandler(log)
            world.store.close()  # type: ignore[attr-defined]


def check(world: SlackWorld, log: Log, status: int) -> None:
    assert status < 500
    assert log.crashes() == []
    assert world.fake.all_problems() == []


UNKNOWN = ["zzq", "blah", "?!", "hjälpa"]
words = st.lists(st.one_of(st.sampled_from(NASTY + WORDS), st.text(max_size=12)), max_size=6)


@examples(90)
@given(
    user=st.sampled_from(WHO),
    word=st.one_of(st.sampled_from(WORDS), st.sampled_from(UNKNOWN)),
    rest=words,
)
async def test_random_slash_commands_are_answered_and_unknown_ones_change_nothing(
    fuzzed: tuple[SlackWorld, Log], user: str, word: str, rest: list[str]
) -> None:
    world, log = fuzzed
    before = tables(world)
    sent = await world.command(user, " ".join([word, *rest]))
    check(world, log, sent.status)
    assert sent.status == 200
    if word in UNKNOWN:
        assert tables(world) == before


values = st.one_of(
    st.sampled_from(
        [
            *("", "1", "0", "-1", "1:1", "1:1:abc", "9" * 400, "1:" + "9" * 30, "\x00"),
            *("2147483648", "1:2147483648"),  # past PostgreSQL's INTEGER, within SQLite's
        ]
    ),
    st.text(max_size=40),
    st.integers().map(str),
)
ACTIONS = [a.value for a in Action] + ["slack.command"]


@examples(90)
@given(
    user=st.sampled_from(WHO),
    action=st.one_of(st.sampled_from(ACTIONS), st.text(min_size=1, max_size=20)),
    suffix=st.sampled_from(["~0", "~3", "", "~x"]),
    value=values,
    where=st.sampled_from(["dm", "home", "modal", "group"]),
)
async def test_random_button_presses_are_answered_and_unknown_ones_change_nothing(
    fuzzed: tuple[SlackWorld, Log], user: str, action: str, suffix: str, value: str, where: str
) -> None:
    world, log = fuzzed
    place: dict[str, Any] = {
        "dm": {"channel": {"id": f"D{user}"}, "container": {"type": "message"}},
        "group": {"channel": {"id": "GUADEPTUMENTOR"}, "container": {"type": "message"}},
        "home": {"view": {"id": "VHOME", "type": "home"}, "container": {"type": "view"}},
        "modal": {"view": {"id": "VMODAL", "type": "modal"}, "container": {"type": "view"}},
    }[where]
    before = tables(world)
    sent = await world.click(user, {"action_id": action + suffix, "value": value}, where=place)
    check(world, log, sent.status)
    assert sent.status == 200
    if action not in ACTIONS:
        assert without_receipts(tables(world)) == without_receipts(before)


_views = count(1)


@examples(70)
@given(
    user=st.sampled_from(WHO),
    form=st.one_of(st.sampled_from([f.value for f in FormId]), st.text(max_size=12)),
    context=values,
    metadata=st.sampled_from(["json", "garbage", "none"]),
    typed=st.dictionaries(st.sampled_from(FIELDS), st.one_of(values, st.sampled_from(NASTY))),
)
async def test_random_submissions_are_answered_and_refused_ones_change_nothing(
    fuzzed: tuple[SlackWorld, Log],
    user: str,
    form: str,
    context: str,
    metadata: str,
    typed: dict[str, str],
) -> None:
    world, log = fuzzed
    private = {
        "json": json.dumps({"form": form, "context": context}),
        "garbage": context,
        "none": "",
    }[metadata]
    n = next(_views)
    view = {
        "id": f"VFUZZ{n}",
        "hash": f"h{n}",
        "type": "modal",
        "callback_id": form,
        "private_metadata": private,
        "blocks": [],
        "state": {
            "values": {
                name: {VALUE_ACTION: {"type": "plain_text_input", "value": value}}
                for name, value in typed.items()
            }
        },
    }
    before = tables(world)
    payload = {
        "type": "view_submission",
        "team": {"id": world.team},
        "user": {"id": user, "team_id": world.team},
        "trigger_id": f"t{n}",
        "view": view,
    }
    sent = await world.post(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    check(world, log, sent.status)
    assert sent.status == 200
    answer = sent.json() or {}
    known = form in {f.value for f in FormId} and metadata == "json"
    if answer.get("response_action") == "errors" or not known:
        assert without_receipts(tables(world)) == without_receipts(before)


# Requests that are not Slack's: unsigned, stale, wrongly signed, or signed but misshapen -------

VALID = {
    "command": {"team_id": "T0001", "user_id": "UMENTOR", "command": "/mentor", "text": "hem"},
    "event": {
        "type": "event_callback",
        "team_id": "T0001",
        "event_id": "EvFUZZ",
        "event": {"type": "app_home_opened", "user": "UMENTOR", "tab": "home"},
    },
    "button": {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": "UMENTOR", "team_id": "T0001"},
        "actions": [{"action_id": "home~0", "value": "", "action_ts": "1"}],
    },
    "submission": {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "UMENTOR", "team_id": "T0001"},
        "view": {"id": "V1", "callback_id": "settings", "state": {"values": {}}},
    },
}
# Where a payload can be misshapen, and values of a type Slack never sends there.
BREAKABLE = {
    "command": [("user_id",), ("text",), ("command",), ("team_id",)],
    "event": [("event",), ("event", "user"), ("event", "type"), ("event", "tokens"), ("type",)],
    "button": [("actions",), ("user",), ("team",), ("actions", 0), ("actions", 0, "value")],
    "submission": [("view",), ("view", "state"), ("view", "state", "values"), ("user", "id")],
}
WRONG = st.one_of(st.integers(), st.lists(st.integers(), max_size=2), st.just(["x"]), st.just(True))


def sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def encode(kind: str, payload: dict[str, Any]) -> tuple[bytes, str]:
    if kind == "command":
        return json.dumps(payload).encode(), "application/json"
    return urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"


@st.composite
def misshapen(draw: st.DrawFn) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(sorted(VALID)))
    payload = json.loads(json.dumps(VALID[kind]))
    path = draw(st.sampled_from(BREAKABLE[kind]))
    holder = payload
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = draw(WRONG)
    return encode(kind, payload)


garbage = st.one_of(
    st.binary(max_size=200).map(lambda b: (b, draw_type(b))),
    st.text(max_size=200).map(lambda t: (t.encode(), "application/json")),
    st.text(max_size=200).map(
        lambda t: (b"payload=" + t.encode(), "application/x-www-form-urlencoded")
    ),
)


def draw_type(body: bytes) -> str:
    return "application/json" if body[:1] == b"{" else "application/x-www-form-urlencoded"


@examples(60)
@given(
    request=st.one_of(st.sampled_from(sorted(VALID)).map(lambda k: encode(k, VALID[k])), garbage),
    how=st.sampled_from(["none", "secret", "stale", "future", "letters", "huge", "empty"]),
)
async def test_unsigned_stale_or_wrongly_signed_requests_get_401_and_change_nothing(
    fuzzed: tuple[SlackWorld, Log], request: tuple[bytes, str], how: str
) -> None:
    world, log = fuzzed
    body, content_type = request
    now = int(time.time())
    timestamp = {"stale": now - 400, "future": now + 400}.get(how, now)  # well past 5 min
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp)}
    headers["X-Slack-Signature"] = sign(
        body, str(timestamp), "not-the-secret" if how == "secret" else SECRET
    )
    if how == "none":
        del headers["X-Slack-Signature"], headers["X-Slack-Request-Timestamp"]
    elif how in ("letters", "huge", "empty"):
        headers["X-Slack-Request-Timestamp"] = {"letters": "12ab", "huge": "9" * 40, "empty": ""}[
            how
        ]
    before = tables(world)
    calls = len(world.fake.calls)
    assert await post_raw(world, body, headers) == 401
    assert tables(world) == before
    assert len(world.fake.calls) == calls
    check(world, log, 401)


@examples(60)
@given(request=st.one_of(misshapen(), garbage.filter(lambda r: not r[0].startswith(b'{"'))))
async def test_signed_but_misshapen_requests_get_400_or_404_and_change_nothing(
    fuzzed: tuple[SlackWorld, Log], request: tuple[bytes, str]
) -> None:
    world, log = fuzzed
    body, content_type = request
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(body, timestamp),
    }
    before = tables(world)
    calls = len(world.fake.calls)
    status = await post_raw(world, body, headers)
    assert status in (400, 404)  # 404: readable, but nothing Slack sends the bot
    assert tables(world) == before
    assert [c.method for c in world.fake.calls[calls:]] in ([], ["auth.test"])
    check(world, log, status)
