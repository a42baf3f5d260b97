"""Commands named in the reader's language, a misspelt command answered with what was most
likely meant, and a refusal whose reason fits (issue 11's "commands" class, first part)."""

from __future__ import annotations

from conversations.memory import InMemoryStore
from tests.conversations.harness import make_bot, paired


def said(bot: object, who: str, line: str) -> str:
    return "\n".join(m.plain_text() for m in bot.say(who, line).messages)  # type: ignore[attr-defined]


def test_a_misspelt_command_gets_did_you_mean_instead_of_the_whole_help() -> None:
    bot = make_bot(InMemoryStore())
    answer = said(bot, "kim", "statsu")
    assert "Menade du `status`?" in answer
    assert "För alla" not in answer  # not the whole help again
    assert "Menade du `registrera`?" in said(bot, "kim", "registera @anna som mentor")


def test_a_misspelling_suggests_only_what_the_person_may_use() -> None:
    bot = make_bot(InMemoryStore())
    answer = said(bot, "bo", "statsu")  # status is for coordinators: bo gets the help
    assert "Menade du" not in answer and "Jag känner inte till ”statsu”" in answer


def test_a_swedish_reader_is_told_the_swedish_command_word() -> None:
    bot = make_bot(InMemoryStore())
    answer = said(bot, "bo", "goals")
    assert "`mål` är för mentorer och adepter" in answer and "goals" not in answer
    assert "`status`" in said(bot, "bo", "status")  # the same word in both languages


def test_an_english_reader_is_told_the_english_command_word() -> None:
    bot = make_bot(InMemoryStore(), default_locale="en")
    assert "`goals` is for mentors" in said(bot, "bo", "mål")
    assert "Did you mean `status`?" in said(bot, "kim", "stauts")


def test_after_the_pair_ended_the_reason_given_is_that_it_ended() -> None:
    bot = make_bot(InMemoryStore())
    paired(bot)
    bot.say("kim", "avsluta @anna @bo klar")
    answer = said(bot, "bo", "mål")
    assert "har avslutats" in answer and "har parats ihop" not in answer
