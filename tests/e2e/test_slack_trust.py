"""What a request may do, over the real endpoint: signed requests from two workspaces, a
second Grid organisation, hostile or careless input, and requests that are not Slack's at all.

Each test sends signed (or deliberately unsigned) HTTP requests to the bot on a loopback port
and reads what it did from the database, the fake Slack's recorded Web API calls and the log.
People named in commands, Enterprise Grid and typed ``@names``: ``test_slack_trust_people.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from conversations.records import (
    AuditEntry,
    CheckIn,
    Enrolment,
    Meeting,
    OutboxItem,
    Person,
    Programme,
    Receipt,
)
from tests.e2e.conftest import (
    SECRET,
    FakeSlack,
    SlackWorld,
    make_store,
    running_world,
    store_at,
)

TA, TB = "TALPHA", "TBETA"
PROGRAMME = "--purpose onboarding --start 2026-11-02 --end 2027-04-30"


def texts(world: SlackWorld, user: str) -> str:
    """Everything the bot answered ``user`` (ephemerally or in a DM), as one string."""
    said = []
    for call in world.fake.calls:
        if (call.method == "response_url" and call.args.get("_user") == user) or (
            call.method == "chat.postMessage" and str(call.args["channel"]).startswith(f"D{user}")
        ):
            said.append(call.args)
    return "\n".join(_text_of(args) for args in said)


def _text_of(args: dict[str, Any]) -> str:
    blocks = args.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return json.dumps(blocks, ensure_ascii=False) + str(args.get("text", ""))


def counts(world: SlackWorld) -> dict[str, int]:
    with world.store.transaction() as repo:
        return {
            cls.__name__: len(repo.find(cls))
            for cls in (Person, Programme, Enrolment, Meeting, CheckIn, OutboxItem, Receipt)
        } | {"AuditEntry": len(repo.find(AuditEntry))}


def crashes(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.exc_info or r.levelno >= logging.ERROR or "Traceback" in r.getMessage()
    ]


async def paired(world: SlackWorld) -> None:
    """A programme with UMENTOR and UADEPT paired in it, set up by UCOORD over Slack."""
    await world.command("UCOORD", f'program new "Vår 2027" {PROGRAMME}')
    await world.command("UCOORD", "enroll <@UMENTOR|maja> as mentor")
    await world.command("UCOORD", "enroll <@UADEPT|åsa> as adept")
    await world.deliver()  # each agrees to the data use before anything else
    await world.press("UMENTOR", "enrolment.consent")
    await world.press("UADEPT", "enrolment.consent")
    await world.command("UCOORD", "pair <@UMENTOR|maja> <@UADEPT|åsa>")
    await world.command("UMENTOR", "hem")  # both have written to the bot themselves
    await world.command("UADEPT", "hem")
    await world.deliver()


@pytest.fixture
async def two(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackWorld]:
    """Two workspaces on one bot: UCOORD coordinates TALPHA, UKIM coordinates TBETA."""
    fake_slack.add_user("UKIM", "Kim Beta", locale="en-US")
    fake_slack.add_user("UX", "Xena")
    async with running_world(
        fake_slack, tmp_path, coordinators=[f"slack:{TA}:UCOORD", f"slack:{TB}:UKIM"]
    ) as world:
        yield world


# 1. Programmes are separated by workspace ---------------------------------------------------


async def test_a_programme_of_one_workspace_is_not_seen_or_used_from_another(
    two: SlackWorld,
) -> None:
    await two.command("UCOORD", f'program new "Alfa-programmet" {PROGRAMME}', team=TA)
    assert "Alfa-programmet" in texts(two, "UCOORD")
    await two.command("UKIM", "program list", team=TB)
    await two.command("UKIM", "status", team=TB)
    await two.command("UKIM", "enroll <@UX|xena> as mentor", team=TB)
    assert "Alfa-programmet" not in texts(two, "UKIM")
    assert "You have no open programme" in texts(two, "UKIM")
    with two.store.transaction() as repo:
        assert [p.workspace for p in repo.find(Programme)] == [TA]
        assert repo.find(Enrolment) == []


# 2. A DM is opened per workspace and person ---------------------------------------------------


async def test_a_message_for_a_person_of_another_workspace_goes_to_their_own_dm(
    two: SlackWorld,
) -> None:
    two.fake.distinct_channels = True  # the same user id has a DM of its own in each workspace
    await two.command("UCOORD", f'program new "Alfa-programmet" {PROGRAMME}', team=TA)
    await two.command("UCOORD", "enroll <@UX|xena> as mentor", team=TA)
    await two.deliver()  # the welcome for UX in TALPHA opens (and remembers) that DM
    await two.command("UKIM", f'program new "Beta-programmet" {PROGRAMME}', team=TB)
    await two.command("UKIM", "enroll <@UX|xena> as mentor", team=TB)
    await two.deliver()
    welcomes = {
        name: [
            c.args["channel"] for c in two.fake.of("chat.postMessage") if name in _text_of(c.args)
        ]
        for name in ("Alfa-programmet", "Beta-programmet")
    }
    opened = [c.answer["channel"]["id"] for c in two.fake.of("conversations.open")]
    assert len(welcomes["Alfa-programmet"]) == len(welcomes["Beta-programmet"]) == 1
    assert welcomes["Alfa-programmet"] != welcomes["Beta-programmet"]
    assert set(welcomes["Alfa-programmet"] + welcomes["Beta-programmet"]) <= set(opened)


# 3. Coordinator rights belong to one workspace ------------------------------------------------


async def test_a_coordinator_of_one_workspace_is_not_one_in_another(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.add_user("UX", "Xena", locale="en-US")
    async with running_world(fake_slack, tmp_path, coordinators=[f"slack:{TA}:UX"]) as world:
        await world.command("UX", f'program new "Beta-programmet" {PROGRAMME}', team=TB)
        assert "Only programme coordinators can use `program`" in texts(world, "UX")
        with world.store.transaction() as repo:
            assert repo.find(Programme) == []
            me_in_b = repo.first(Person, workspace=TB, platform_user_id="UX")
        assert me_in_b is not None and not me_in_b.is_coordinator
        await world.command("UX", f'program new "Alfa-programmet" {PROGRAMME}', team=TA)
        with world.store.transaction() as repo:
            assert [(p.name, p.workspace) for p in repo.find(Programme)] == [
                ("Alfa-programmet", TA)
            ]


# 4. What is not a readable, signed request is refused before anything reads it ------------------


async def post_raw(world: SlackWorld, body: bytes, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(world.url, data=body, headers=headers) as response,
    ):
        await response.read()
        return response.status


def _signed(body: bytes, content_type: str) -> dict[str, str]:
    """Slack's signature of the exact bytes (which need not be text)."""
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
    }


JSON, FORM = "application/json", "application/x-www-form-urlencoded"
MARK = "GARBAGE-7f3a"


@pytest.mark.parametrize(
    ("body", "content_type", "how", "status"),
    [
        (b"{{{" + MARK.encode(), JSON, "unsigned", 401),
        (b"payload={{{" + MARK.encode(), FORM, "unsigned", 401),
        (b'{"type": "event_callback", "x": "' + MARK.encode() + b'"}', JSON, "abc", 401),
        (b'{"type": "event_callback", "x": "' + MARK.encode() + b'"}', JSON, "9" * 5000, 401),
        (b'{"type": "event_callback", "x": "' + MARK.encode() + b'"}', JSON, "wrong", 401),
        (b"{{{" + MARK.encode(), JSON, "signed", 400),
        (b"payload=%7B%7B%7B" + MARK.encode(), FORM, "signed", 400),
        (b'["' + MARK.encode() + b'"]', JSON, "signed", 400),
        (b'{"type": "event_callback", "event": "' + MARK.encode() + b'"}', JSON, "signed", 400),
        (b'{"type": "block_actions", "actions": "' + MARK.encode() + b'"}', JSON, "signed", 400),
        (b"payload=%7B%22type%22%3A%22" + MARK.encode() + b"%22%7D%5B", FORM, "signed", 400),
        (b"\xff\xfe" + MARK.encode() + b"\x80", JSON, "signed", 400),
    ],
    ids=[
        "unsigned-json",
        "unsigned-payload",
        "timestamp-not-a-number",
        "timestamp-huge",
        "bad-signature",
        "signed-json-garbage",
        "signed-payload-garbage",
        "signed-json-list",
        "signed-event-not-an-object",
        "signed-actions-not-a-list",
        "signed-payload-truncated",
        "signed-not-utf8",
    ],
)
async def test_garbage_is_refused_with_400_or_401_without_a_trace_or_a_side_effect(
    world: SlackWorld,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    how: str,
    status: int,
) -> None:
    caplog.set_level(logging.DEBUG)
    before = counts(world)
    if how == "unsigned":
        headers = {"Content-Type": content_type}
    elif how == "signed":
        headers = _signed(body, content_type)
    else:
        headers = _signed(body, content_type)
        if how == "wrong":
            headers["X-Slack-Signature"] = "v0=" + "0" * 64
        else:
            headers["X-Slack-Request-Timestamp"] = how
    assert await post_raw(world, body, headers) == status
    assert counts(world) == before
    assert world.fake.calls == []
    assert crashes(caplog) == []
    assert MARK not in caplog.text


# 5. Logs: nothing a request carries before it is verified, one line per event -------------------


async def test_a_stale_signed_message_is_refused_without_logging_what_it_says(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body, _ = world.event_body(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DUMENTOR",
            "user": "UMENTOR",
            "text": "min hemliga dagbok om chefen",
        }
    )
    sent = await world.post(body, JSON, age=6 * 60, expect_handled=False)
    assert sent.status == 401
    assert "hemliga" not in caplog.text
    assert "event=slack_request_refused" in caplog.text


async def test_a_request_bolt_does_not_handle_is_not_logged_with_its_content(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    payload = {  # what a person typed into a menu that asks the app for its options
        "type": "block_suggestion",
        "action_id": "menu",
        "block_id": "b",
        "team": {"id": world.team},
        "user": {"id": "UMENTOR", "team_id": world.team},
        "value": "min hemliga anteckning",
    }
    body = urlencode({"payload": json.dumps(payload)})
    sent = await world.post(body, FORM, expect_handled=False)
    assert sent.status < 500
    assert "hemliga" not in caplog.text


async def test_a_journal_entry_is_not_logged_even_at_debug_level(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await world.dm("UMENTOR", "reflektera")
    await world.dm("UMENTOR", "Min hemliga dagbokstext om chefen")
    await world.dm("UMENTOR", "mina-data")  # the bot sends the entry back to its author
    sent = [c for c in world.fake.of("chat.postMessage") if "hemliga" in _text_of(c.args)]
    assert sent, "the journal entry was never sent back"
    assert "hemliga" not in caplog.text


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the bot's own log setup (``mentorbot serve``) writes, while the test runs."""
    from bot.log_lines import handler  # the formatter the CLI installs

    stream = io.StringIO()
    installed = handler(stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(installed)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(installed)
        root.setLevel(old_level)


LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} level=[A-Z]+ logger=\S+ ")


async def test_a_line_break_in_a_request_cannot_start_a_log_line_of_its_own(
    world: SlackWorld, log_lines: io.StringIO
) -> None:
    forged = "UEVE\nlevel=ERROR logger=mentorbot.engine event=forged\r\x1b[2K"
    sent = await world.command(forged, "help")  # Slack does not know this user: it is logged
    assert sent.status == 200
    written = log_lines.getvalue().splitlines()
    assert written, "nothing was logged"
    assert [line for line in written if not LINE.match(line)] == []
    assert any("event=forged" in line for line in written)  # there, but inside another line
    assert "\x1b" not in log_lines.getvalue()


# 6. The same meeting sent twice is booked once -----------------------------------------------


async def test_the_same_meeting_command_sent_twice_books_one_meeting_and_tells_the_partner_once(
    world: SlackWorld,
) -> None:
    await paired(world)
    await world.command("UADEPT", "möte 2026-11-10 14:00 Kaféet")
    await world.deliver()
    await world.command("UADEPT", "möte 2026-11-10 14:00 Kaféet")
    await world.deliver()
    with world.store.transaction() as repo:
        assert len(repo.find(Meeting)) == 1
    assert "redan bokat" in texts(world, "UADEPT")
    told = [c for c in world.fake.of("chat.postMessage") if "bokade ett möte" in _text_of(c.args)]
    assert len(told) == 1
    assert told[0].args["channel"] in ("DUMENTOR", "GUADEPTUMENTOR")


# 7. A NUL byte or a huge number is answered, not a crash (SQLite and PostgreSQL) ------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_world(
    request: pytest.FixtureRequest, fake_slack: FakeSlack, tmp_path: Path
) -> AsyncIterator[SlackWorld]:
    if request.param == "sqlite":
        store = make_store(tmp_path)
    else:
        store = store_at(request.getfixturevalue("pg_database_url"))
    async with running_world(fake_slack, tmp_path, store=store) as world:
        try:
            yield world
        finally:
            store.close()  # type: ignore[attr-defined]


async def test_a_huge_number_in_a_button_and_a_nul_in_a_command_are_answered_politely(
    any_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world = any_world
    await paired(world)
    before = counts(world)
    for action in ("checkin.open", "goals.confirm", "agreement.accept", "prep.answer"):
        for value in ("9" * 400, "1:99999999999999999999", "\x00"):
            where = {"channel": {"id": "DUADEPT"}, "container": {"type": "message"}}
            sent = await world.click(
                "UADEPT", {"action_id": f"{action}~0", "value": value}, where=where
            )
            assert sent.status == 200
    said = texts(world, "UADEPT")
    assert "äldre meddelande" in said  # the stale-button answer
    assert "gick fel" not in said
    after = counts(world)
    assert {k: n for k, n in after.items() if k != "Receipt"} == {
        k: n for k, n in before.items() if k != "Receipt"
    }
    sent = await world.command("UADEPT", "möte 2026-11-10 14:00 Kafé\x00et")
    assert sent.status == 200
    with world.store.transaction() as repo:
        assert [m.place for m in repo.find(Meeting)] == ["Kaféet"]
    assert crashes(caplog) == []


# 8. An over-long text is refused with its length, never cut ------------------------------------


async def test_an_over_long_meeting_place_is_refused_with_its_length(world: SlackWorld) -> None:
    await paired(world)
    await world.command("UADEPT", "möte 2026-11-10 14:00 " + "x" * 250)
    said = texts(world, "UADEPT")
    assert "250 tecken av högst 200" in said and "Inget sparades" in said
    with world.store.transaction() as repo:
        assert repo.find(Meeting) == []
