"""Flags (``--start``) are read through one table per command: an unknown flag is refused with
the valid ones in the reader's language, never ignored; every flag has a Swedish alias; help
shows the flags in the reader's language only."""

from __future__ import annotations

import re

import pytest

from conversations.engine import COMMANDS
from conversations.flags import Flag, FlagKind, FlagTable, Unknown
from conversations.i18n import Texts, catalog
from conversations.memory import InMemoryStore
from conversations.parsing import parse_command
from conversations.records import Enrolment, Pair, Programme
from tests.conversations.harness import consent, make_bot

ENGLISH_FLAGS = {f"--{f.name}" for c in COMMANDS for f in c.flags.flags}
SWEDISH_FLAGS = {f"--{f.sv}" for c in COMMANDS for f in c.flags.flags}


def said(bot: object, who: str, line: str) -> str:
    return "\n".join(m.plain_text() for m in bot.say(who, line).messages)  # type: ignore[attr-defined]


def test_an_unknown_flag_is_refused_with_the_valid_ones_and_nothing_is_created() -> None:
    bot = make_bot(InMemoryStore(), default_locale="en")
    answer = said(
        bot, "kim", 'program new "Spring" --purpose career --start 2027-02-01 --slut 2027-06-01'
    )
    assert "`program` has no flag `--slut`" in answer
    assert "--purpose, --start, --end, --cadence, --length, --template" in answer
    assert bot.record(Programme) == []  # not created with a made-up end date


def test_a_swedish_reader_is_refused_in_swedish_with_the_swedish_flags() -> None:
    bot = make_bot(InMemoryStore())
    answer = said(bot, "kim", 'program ny "Vår" --syfte karriär --slutdatum 2027-06-01')
    assert "`program` har ingen flagga `--slutdatum`" in answer
    assert "--syfte, --start, --slut, --kadens, --längd, --mall" in answer
    assert "--end" not in answer and "--purpose" not in answer


def test_a_command_without_flags_refuses_one_instead_of_ignoring_it() -> None:
    bot = make_bot(InMemoryStore())
    assert "`hjälp` tar inga flaggor, så `--alla` betyder inget där." in said(
        bot, "kim", "hjälp --alla"
    )


def test_every_programme_flag_has_a_swedish_alias_that_works() -> None:
    bot = make_bot(InMemoryStore())
    answer = said(
        bot,
        "kim",
        'program ny "Nya chefer" --syfte ledarskap --start 2027-02-01 --slut 2027-06-01 '
        "--kadens 21 --längd 45 --mall nya-chefer",
    )
    assert "Skapade *Nya chefer*" in answer
    (programme,) = bot.record(Programme)
    assert (programme.cadence_days, programme.meeting_minutes) == (21, 45)
    assert programme.template == "new-managers"
    assert str(programme.ends_on) == "2027-06-01"


def test_enrolment_and_pairing_flags_have_swedish_aliases_too() -> None:
    bot = make_bot(InMemoryStore())
    bot.say("kim", 'program ny "Vår" --syfte karriär --start 2027-01-11 --slut 2027-06-01')
    bot.say(
        "kim",
        'registrera @anna som mentor --program Vår --kapacitet 1 --erbjuder "Budget" '
        '--vill-lära "Ledarskap" --avdelning "Ekonomi"',
    )
    (anna,) = bot.record(Enrolment)
    assert (anna.can_offer, anna.wants_to_learn, anna.department) == (
        "Budget",
        "Ledarskap",
        "Ekonomi",
    )
    bot.say("kim", "registrera @bo @cia som adept")
    consent(bot, "anna", "bo", "cia")
    bot.say("kim", "para @anna @bo")
    assert "--tvinga" in said(bot, "kim", "para @anna @cia")  # her capacity is one
    assert "Parade ihop anna" in said(bot, "kim", "para @anna @cia --tvinga")
    assert len(bot.record(Pair)) == 2


def test_the_english_flag_names_still_work_for_a_swedish_reader() -> None:
    bot = make_bot(InMemoryStore())
    answer = said(
        bot, "kim", 'program new "Vår" --purpose career --start 2027-01-11 --end 2027-06-01'
    )
    assert "Skapade *Vår*" in answer


def test_help_in_swedish_shows_only_swedish_flag_names_and_in_english_only_english() -> None:
    swedish = said(make_bot(InMemoryStore()), "kim", "hjälp")
    english = said(make_bot(InMemoryStore(), default_locale="en"), "kim", "help")
    for flag in ("--syfte", "--slut", "--kadens", "--längd", "--mall", "--kapacitet", "--tvinga"):
        assert flag in swedish and flag not in english
    for flag in ("--purpose", "--end", "--cadence", "--length", "--template", "--force"):
        assert flag in english and flag not in swedish
    assert "<datum>" in swedish and "allmän|nya-chefer" in swedish
    assert "<date>" in english and "general|new-managers" in english


@pytest.mark.parametrize(("lang", "own"), [("sv", SWEDISH_FLAGS), ("en", ENGLISH_FLAGS)])
def test_every_flag_a_text_names_is_one_of_the_readers_language(lang: str, own: set[str]) -> None:
    named = {
        flag
        for entry in catalog(lang).values()
        for text in (entry.values() if isinstance(entry, dict) else (entry,))
        for flag in re.findall(r"--[\wåäö-]+", text)
    }
    assert named and named <= own, sorted(named - own)


def test_a_switch_given_a_value_gives_it_back_to_the_arguments() -> None:
    table = FlagTable((Flag("force", "tvinga", FlagKind.SWITCH),))
    line = parse_command("pair @a --force @b --force now")
    assert line is not None and line.options == {"force": "now"}
    read = table.read(line, Texts("en"))
    assert not isinstance(read, Unknown)
    assert read.options == {"force": ""} and read.args == ["@a", "@b", "now"]
    line = parse_command("pair @a --tvinga @b")
    assert line is not None
    assert table.read(line, Texts("en")) == Unknown("--tvinga")  # not the reader's language
