"""The offline console, driven in-process line by line, and once through `mentorbot run`."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.local.console import Console
from bot.local.words import words
from conversations.i18n import Texts
from conversations.records import Meeting
from storage import migrate
from tests.bot.local.conftest import SETUP, Session, block_with, config_with_database, run_mentorbot

SV = Texts("sv")
EN = Texts("en")
Play = Callable[..., Session]


def meetings(session_or_console: Session | Console) -> list[Meeting]:
    with session_or_console.services.store.transaction() as repo:
        return repo.find(Meeting)


def test_as_switches_person_and_the_prompt_shows_who_you_are(console_session: Play) -> None:
    session = console_session(["home", "/as anna", "home", "/quit"])
    text = session.text
    assert "koordinator> home" in text
    assert "(du är nu anna)" in text
    assert "anna> home" in text
    assert SV("home.hello", name="anna") in text.split("anna> home", 1)[1]
    assert session.console.state.me == "anna"


def test_people_lists_everyone_with_their_language_zone_and_role(console_session: Play) -> None:
    text = console_session([*SETUP, "/people", "/quit"]).text
    listing = text.split("koordinator> /people\n", 1)[1].split("koordinator> /quit", 1)[0]
    rows = {line.split()[0]: line for line in listing.splitlines()}
    assert set(rows) == {"anna", "bo", "koordinator"}
    assert "mentor in pair 1" in rows["anna"]
    assert "adept in pair 1" in rows["bo"]
    assert "coordinator" in rows["koordinator"]
    assert all("sv" in row and "Europe/Stockholm" in row for row in rows.values())


def test_a_typed_button_number_presses_that_button_and_an_unknown_number_says_so(
    console_session: Play,
) -> None:
    def lines(console: Console) -> Iterator[str]:
        yield from SETUP
        yield "/as bo"
        yield "999"
        yield str(console.button_number("bo", "help"))  # the Help button in bo's welcome
        yield "/quit"

    text = console_session(lines).text
    assert "bo> 999\n(ingen knapp med det numret" in text
    after_press = text.split("(ingen knapp med det numret", 1)[1]
    assert SV("help.title") in after_press
    assert SV("help.group.pair") in after_press  # bo is in a pair now


def test_someone_elses_button_number_does_not_work_for_you(console_session: Play) -> None:
    def lines(console: Console) -> Iterator[str]:
        yield from SETUP
        anna_only = console.button_number("anna", "help")
        yield "/as bo"
        yield str(anna_only)
        yield "/quit"

    text = console_session(lines).text
    assert "(ingen knapp med det numret" in text.split("(du är nu bo)", 1)[1]


def test_a_form_is_asked_field_by_field_and_an_invalid_answer_is_asked_again_before_anything_is_saved(
    console_session: Play,
) -> None:
    saved_while_invalid: list[int] = []

    def lines(console: Console) -> Iterator[str]:
        yield from SETUP
        yield "/as bo"
        yield str(console.button_number("bo", "meeting.book"))
        yield "2027-01-01 10:00"  # when: in the past (the clock says 11 January)
        yield ""  # minutes: the default
        yield "x" * 10_000  # place: far over the limit
        saved_while_invalid.append(len(meetings(console)))
        yield "Mentorns kontor"  # the place again, now valid
        saved_while_invalid.append(len(meetings(console)))
        yield "2027-01-14 9:00"  # when again, now valid
        yield "/quit"

    session = console_session(lines)
    text = session.text
    form = text.rsplit("(du är nu bo)", 1)[1]
    # Field by field: one prompt per field, in order.
    assert (
        form.index(SV("meeting.when"))
        < form.index(SV("meeting.minutes"))
        < form.index(SV("meeting.place"))
    )
    # The over-long place is refused with the field's error, and only that field is asked again.
    too_long = "  ! " + SV("error.too_long", n=10_000, limit=200)
    assert too_long in text
    asked_again = text.split(too_long, 1)[1]
    assert asked_again.lstrip().startswith(SV("meeting.place"))
    # Then the time in the past is refused, and asked again.
    in_past = "  ! " + SV("meeting.in_past")
    assert in_past in asked_again
    assert asked_again.split(in_past, 1)[1].lstrip().startswith(SV("meeting.when"))
    # Nothing was saved while an answer was invalid; the valid form booked one meeting.
    assert saved_while_invalid == [0, 0]
    booked = meetings(session)
    assert len(booked) == 1
    assert booked[0].place == "Mentorns kontor"
    assert "Bokat: torsdag 14 januari 2027 09:00, 60 minuter, plats: Mentorns kontor." in text


def test_moving_the_clock_delivers_a_meeting_reminder_headed_by_its_recipient(
    console_session: Play,
) -> None:
    text = console_session(
        [*SETUP, "/as bo", "meeting 2027-01-14 9:00 Mentorns kontor", "/clock +3d", "/quit"]
    ).text
    before, after = text.split("bo> /clock +3d", 1)
    assert "Påminnelse" not in before
    header, body = block_with(
        after, "Påminnelse: du träffar bo torsdag 14 januari 2027 09:00 (Mentorns kontor)."
    )
    assert header.startswith("── till anna · ")
    assert SV("nudge.first_meeting_reminder") in body
    header, _ = block_with(after, "Påminnelse: du träffar anna torsdag 14 januari 2027 09:00")
    assert header.startswith("── till bo · ")
    assert "(klockan: torsdag 14 januari 2027 08:00)" in after


def test_unknown_command_gets_usage_help_in_swedish_by_default(console_session: Play) -> None:
    text = console_session(["blaha", "/quit"]).text
    answer = text.split("koordinator> blaha", 1)[1]
    assert SV("help.unknown", word="blaha") in answer
    assert "`hjälp` — den här listan" in answer
    assert "I don't know" not in answer


def test_unknown_command_gets_usage_help_in_english_after_switching_language_in_settings(
    console_session: Play,
) -> None:
    # settings: language [1] Svenska [2] English, then keep every other field as it is.
    text = console_session(["settings", "2", "", "", "", "", "", "", "", "blaha", "/quit"]).text
    assert "Saved. Your weekly reflection prompt comes on" in text
    answer = text.split("koordinator> blaha", 1)[1]
    assert EN("help.unknown", word="blaha") in answer
    assert "`help` — this list" in answer
    assert "Jag känner inte till" not in answer


def test_the_language_chosen_in_settings_applies_to_the_rest_of_that_form(
    console_session: Play,
) -> None:
    text = console_session(["settings", "2", "", "", "", "", "", "", "", "/quit"]).text
    form = text.split("koordinator> settings", 1)[1].split("Saved.", 1)[0]
    before, after = form.split("Svenska  [2] English", 1)
    assert SV("settings.language") in before
    assert EN("settings.timezone") in after and EN("settings.work_days") in after
    assert SV("settings.timezone") not in after and SV("settings.work_days") not in after


def test_a_comment_line_is_shown_as_a_heading_and_not_sent_to_the_bot(
    console_session: Play,
) -> None:
    session = console_session(["# Första veckan", "/quit"])
    assert "\nFörsta veckan\n=============\n" in session.text
    assert SV("help.unknown", word="#") not in session.text
    assert words("sv")["bot"] not in session.text.split("Första veckan", 1)[1]


def test_a_comment_line_in_the_middle_of_a_form_is_not_taken_as_an_answer(
    console_session: Play,
) -> None:
    text = console_session(["pause", "# away on holiday", "2w", "/quit"]).text
    assert "away on holiday\n===============" in text
    assert "”# away on holiday”" not in text  # not refused as a date
    assert SV("pause.title") in text
    assert text.count("## " + SV("pause.title")) == 1  # asked once, answered with 2w


def test_a_group_message_to_a_pair_is_printed_once_even_when_you_are_in_the_pair(
    console_session: Play,
) -> None:
    lines = [
        *SETUP[:2],
        "enroll @koordinator as adept",
        *("/as anna", "1", "/as koordinator", "3"),  # both agree to the data use
        "pair @anna @koordinator",
        "/quit",
    ]
    text = console_session(lines).text
    assert "── till anna & koordinator · " in text
    assert text.count("# " + SV("intro.title")) == 1


def test_quit_ends_the_session_and_later_lines_are_not_read(console_session: Play) -> None:
    read: list[str] = []

    def lines(console: Console) -> Iterator[str]:
        for line in ("home", "/quit", "blaha", "home"):
            read.append(line)
            yield line

    text = console_session(lines).text
    assert read == ["home", "/quit"]
    assert "blaha" not in text


def test_the_end_of_input_ends_the_session(console_session: Play) -> None:
    text = console_session(["home"]).text
    assert SV("home.hello", name="koordinator") in text


# The README path: `mentorbot run < session.txt` --------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def test_mentorbot_run_replays_a_session_from_stdin_on_a_fresh_database(
    tmp_path: Path, clean_env: None
) -> None:
    database = tmp_path / "data" / "mentorbot.db"
    database.parent.mkdir()
    config = config_with_database(tmp_path, database)
    session = "\n".join(
        [
            "# A programme from the terminal",
            'program new "Terminalen" --purpose onboarding --end 12w',
            "",  # the form asks for what was not typed: the name and purpose as typed,
            "",
            "idag",  # the start date (never assumed),
            "",  # the end as typed, cadence, length and template as suggested
            "",
            "",
            "",
            "",  # no topics of its own: the standard list
            "enroll @anna as mentor",
            "enroll @bo as adept",
            "/clock +1d",  # their consent questions arrive in their working hours
            *("/as anna", "1", "/as bo", "3", "/as koordinator"),
            "pair @anna @bo",
            "/clock +1d",
            "/quit",
        ]
    )
    assert not database.exists()

    result = run_mentorbot(["run"], config=config, stdin=session + "\n", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert not ANSI.search(out), "plain text without a terminal"
    # app.yaml's language is Swedish: so is the line that says the console starts.
    assert "startar offlinekonsolen på sqlite:///" in result.stderr
    assert "offline console" not in result.stderr
    assert "Terminalen\n==========" not in out  # the heading is the comment's text
    assert "A programme from the terminal\n" in out
    assert "Startdatum (t.ex. 2027-01-15)" in out
    assert "Skapade *Terminalen*" in out
    assert "Registrerade anna som mentor i Terminalen." in out
    assert "Parade ihop anna (mentor) med bo (adept) i Terminalen." in out
    assert "── till anna & bo · " in out
    assert "(klockan: " in out
    assert database.exists()
    assert sqlite3.connect(database).execute("select count(*) from sqlite_master").fetchone()[0] > 0

    current = run_mentorbot(["db", "current"], config=config, cwd=tmp_path)
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == migrate.head()


def test_the_consoles_own_clock_line_follows_the_persons_language(console_session: Play) -> None:
    # settings: language [2] English, keep the rest; then move the clock a day.
    text = console_session(
        ["settings", "2", "", "", "", "", "", "", "", "/clock +1d", "/quit"]
    ).text
    clock_line = next(line for line in text.splitlines() if line.startswith("(clock: "))
    assert "Tuesday" in clock_line and "tisdag" not in clock_line


def test_a_button_number_answers_only_until_the_persons_next_message(
    console_session: Play,
) -> None:
    # The welcome's buttons: pressing one after typing something else no longer works.
    text = console_session(["hem", "status", "1", "hem", "/quit"]).text
    after_status = text.split("koordinator> status", 1)[1]
    assert words("sv")["no_button"] in after_status.split("koordinator> hem", 1)[0]
