"""While a reflection prompt is open, even days later, a line that is a valid command runs as
that command; a line that could be either is parked and the person chooses; nothing lands in
the journal unasked (and so nothing is counted in the coordinator's journal figures)."""

from __future__ import annotations

from datetime import date, timedelta

from conversations.records import Meeting, Person, Reflection
from tests.conversations.harness import Bot, paired


def prompt_open_for_days(bot: Bot) -> None:
    paired(bot)
    bot.advance(timedelta(days=4, hours=8))  # Friday 14:00: the weekly prompt arrives
    assert "reflection-prompt" in bot.kinds_to("bo")
    bot.advance(timedelta(days=3))  # and stays unanswered over the weekend


def test_pause_typed_while_a_prompt_is_open_pauses_and_writes_nothing(bot: Bot) -> None:
    prompt_open_for_days(bot)
    said = bot.type("bo", "paus 2v").messages[0].plain_text()
    assert "Pausat till och med" in said
    assert bot.record(Person, platform_user_id="bo")[0].paused_until is not None
    bot.type("anna", "pause 2w")  # the English word works the same
    assert bot.record(Person, platform_user_id="anna")[0].paused_until is not None
    assert bot.record(Reflection) == []


def test_a_meeting_typed_while_a_prompt_is_open_is_booked(bot: Bot) -> None:
    prompt_open_for_days(bot)
    bot.type("bo", "möte 2027-04-07 10:00 Annas kontor")
    meetings = bot.record(Meeting)
    assert [(m.place, m.starts_at.date()) for m in meetings] == [("Annas kontor", date(2027, 4, 7))]
    assert bot.record(Reflection) == []
    status = bot.say("kim", "status").messages[0].plain_text()
    assert "0 dagboksanteckningar" in status


def test_a_line_that_could_be_either_is_run_as_a_command_when_asked(bot: Bot) -> None:
    prompt_open_for_days(bot)
    asked = bot.type("bo", "möte nästa vecka kanske").messages[0].plain_text()
    assert "Inget är sparat än" in asked
    ran = bot.press("bo", "parked.run").messages[0].plain_text()
    assert (
        "Inget är sparat än" not in ran
    )  # the meeting command answered (it could not read a time)
    assert bot.record(Reflection) == [] and bot.record(Meeting) == []
    bot.type("bo", "Veckan gick bra")  # the prompt is still open: this is the answer
    assert [r.text for r in bot.record(Reflection)] == ["Veckan gick bra"]


def test_a_parked_line_is_answered_once_and_an_older_question_is_stale(bot: Bot) -> None:
    prompt_open_for_days(bot)
    bot.type("bo", "mål för veckan: lyssna mer")
    first = bot.button("bo", "parked.save")
    bot.type("bo", "hjälp mig att prioritera")
    stale = bot.press("bo", "parked.save", first.value).messages[0].plain_text()
    assert "redan hanterat" in stale
    bot.press("bo", "parked.save")
    assert [r.text for r in bot.record(Reflection)] == ["hjälp mig att prioritera"]
    again = bot.press("bo", "parked.save").messages[0].plain_text()
    assert "redan hanterat" in again


def test_a_misspelt_command_while_a_prompt_is_open_is_asked_about_not_saved(bot: Bot) -> None:
    prompt_open_for_days(bot)
    asked = bot.type("bo", "hjälpp").messages[0].plain_text()
    assert "`hjälp`" in asked and "Inget är sparat än" in asked
    assert bot.record(Reflection) == []
    ran = bot.press("bo", "parked.run").messages[0].plain_text()
    assert "Det här kan jag hjälpa dig med" in ran
    assert bot.record(Reflection) == []
    bot.type("bo", "Trött")  # one word, near no command: the answer it looks like
    assert [r.text for r in bot.record(Reflection)] == ["Trött"]
