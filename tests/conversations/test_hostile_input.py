"""Hostile or careless input through the engine: control characters, bidi overrides, huge
numbers, over-long texts and the same creation sent twice. The same behaviour on the
in-memory store, SQLite and a real PostgreSQL server (which refuses NUL in text)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conversations.events import ButtonPressed, FormSubmitted
from conversations.memory import InMemoryStore
from conversations.records import Meeting, Pair, Person, Reflection
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.conversations.harness import Bot, make_bot, paired


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_bot(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bot]:
    if request.param == "memory":
        yield make_bot(InMemoryStore())
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bot.db'}"
    else:
        url = request.getfixturevalue("pg_database_url")
    upgrade(url)
    store = SqlStore(url)
    try:
        yield make_bot(store)
    finally:
        store.close()


def test_a_nul_byte_or_control_character_is_removed_before_it_is_stored(any_bot: Bot) -> None:
    paired(any_bot)
    any_bot.say("bo", "reflect")
    any_bot.type("bo", "Bra\x00 vecka\x07\x1b[31m med\u202e mötet\nrad två")
    entries = any_bot.record(Reflection)
    assert [e.text for e in entries] == ["Bra vecka[31m med mötet\nrad två"]


def test_a_display_name_cannot_carry_a_bidi_override_or_a_line_break(any_bot: Bot) -> None:
    from conversations.events import Actor, Command

    actor = Actor("local", "eve", display_name="Eve\u202egnp.exe\nADMIN")
    any_bot.engine.handle(actor, Command(text="help"))
    assert any_bot.record(Person, platform_user_id="eve")[0].display_name == "Evegnp.exe ADMIN"


@pytest.mark.parametrize(
    "value", ["99999999999999999999", "9" * 400, "-1", "1:99999999999999999999", "\x00"]
)
def test_a_huge_or_malformed_number_in_a_button_is_a_stale_button_not_a_crash(
    any_bot: Bot, value: str
) -> None:
    paired(any_bot)
    for action in ("checkin.open", "goals.confirm", "agreement.accept", "prep.answer"):
        reply = any_bot.act("bo", ButtonPressed(action=action, value=value))
        said = " ".join(m.plain_text() for m in reply.messages)
        assert reply.messages or reply.form, f"{action} answered nothing to {value!r}"
        assert "gick fel" not in said, f"{action} crashed on {value!r}"


def test_a_huge_number_in_a_form_context_is_refused_without_a_crash(any_bot: Bot) -> None:
    paired(any_bot)
    reply = any_bot.act(
        "bo",
        FormSubmitted(form_id="checkin", values={"met": "yes"}, context="1:" + "9" * 30),
    )
    assert reply.messages or reply.form
    assert "gick fel" not in " ".join(m.plain_text() for m in reply.messages)


def test_an_over_long_meeting_place_is_refused_with_its_length_not_cut(any_bot: Bot) -> None:
    paired(any_bot)
    said = any_bot.say("bo", "möte 2027-01-14 10:00 " + "x" * 250).messages[0].plain_text()
    assert "250 tecken av högst 200" in said and "Inget sparades" in said
    assert any_bot.record(Meeting) == []


def test_an_over_long_end_reason_is_refused_with_its_length_not_cut(any_bot: Bot) -> None:
    paired(any_bot)
    said = any_bot.say("kim", "end @anna @bo ended-early " + "y" * 301).messages[0].plain_text()
    assert "301 tecken av högst 300" in said
    assert all(p.phase.is_open for p in any_bot.record(Pair))


def test_the_same_meeting_sent_twice_is_booked_once_and_the_partner_told_once(
    any_bot: Bot,
) -> None:
    paired(any_bot)
    first = any_bot.say("bo", "möte 2027-01-14 10:00 Kontoret").messages[0].plain_text()
    told = len(any_bot.received("anna"))
    again = any_bot.say("bo", "möte 2027-01-14 10:00 Kontoret").messages[0].plain_text()
    assert "Bokat" in first and "redan bokat" in again
    assert len(any_bot.record(Meeting)) == 1
    assert len(any_bot.received("anna")) == told
