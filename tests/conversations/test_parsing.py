"""Reading what people type: command lines, durations, dates, times and weekdays."""

from __future__ import annotations

import shlex
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.parsing import (
    ParseError,
    parse_command,
    parse_date,
    parse_duration,
    parse_local_datetime,
    parse_time,
    parse_weekdays,
    tokenize,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TODAY = date(2027, 1, 11)


# Commands -----------------------------------------------------------------------------------


def test_a_quoted_programme_name_stays_one_argument() -> None:
    line = parse_command('program new "Nya chefer 2027" --purpose onboarding')
    assert line is not None
    assert line.word == "program"
    assert line.args == ["new", "Nya chefer 2027"]
    assert line.options == {"purpose": "onboarding"}


def test_typographic_quotes_from_a_phone_or_word_processor_work_like_plain_ones() -> None:
    line = parse_command("program new “Vår 2027” --purpose leadership")
    assert line is not None
    assert line.args == ["new", "Vår 2027"]
    line = parse_command("program new „Höst 2027” --purpose career")
    assert line is not None
    assert line.args == ["new", "Höst 2027"]


def test_options_take_a_value_after_a_space_or_after_an_equals_sign() -> None:
    line = parse_command("program new X --start 2027-01-11 --END=2027-04-04 --force")
    assert line is not None
    assert line.options == {"start": "2027-01-11", "end": "2027-04-04", "force": ""}
    assert line.args == ["new", "X"]


def test_an_option_followed_by_another_option_gets_no_value() -> None:
    line = parse_command("pair @a @b --force --program 2")
    assert line is not None
    assert line.options == {"force": "", "program": "2"}
    assert line.args == ["@a", "@b"]


def test_the_command_word_is_lowercased_and_a_leading_slash_dropped() -> None:
    line = parse_command("/HJÄLP")
    assert line is not None
    assert line.word == "hjälp"


def test_an_unbalanced_quote_still_reads_the_words() -> None:
    line = parse_command('program new "Vår 2027 --purpose onboarding')
    assert line is not None
    assert line.word == "program"
    assert line.options == {"purpose": "onboarding"}


def test_an_empty_line_is_no_command() -> None:
    assert parse_command("   ") is None


# Durations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [("3d", 3), ("2w", 14), ("2v", 14), ("+1m", 30), ("+2W", 14), (" 10d ", 10)],
)
def test_durations_in_days_weeks_swedish_veckor_and_months(text: str, days: int) -> None:
    assert parse_duration(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["", "junk", "3", "d", "-3d", "3h", "1000d", "2 weeks"])
def test_text_that_is_no_duration_reads_as_none(text: str) -> None:
    assert parse_duration(text) is None


# Dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-01", date(2027, 3, 1)),
        ("today", TODAY),
        ("idag", TODAY),
        ("Idag", TODAY),
        ("tomorrow", TODAY + timedelta(days=1)),
        ("imorgon", TODAY + timedelta(days=1)),
        ("2w", TODAY + timedelta(days=14)),
        ("2v", TODAY + timedelta(days=14)),
    ],
)
def test_dates_in_iso_words_in_both_languages_or_from_today(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["junk", "2027-13-01", "1/3/2027", "next friday"])
def test_an_unreadable_date_is_refused_with_the_text_explaining_how_to_write_one(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(text, TODAY)
    assert caught.value.key == "error.date_format"
    assert caught.value.values == {"value": text}


def test_a_missing_date_is_refused_as_missing() -> None:
    with pytest.raises(ParseError) as caught:
        parse_date("  ", TODAY)
    assert caught.value.key == "error.date_missing"


# Times --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:00", time(14)),
        ("9", time(9)),
        ("9.30", time(9, 30)),
        ("07:05", time(7, 5)),
        ("23:59", time(23, 59)),
    ],
)
def test_times_with_colon_swedish_dot_or_whole_hours(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9:60", "nine", "12:5", "", "14:00:00"])
def test_an_unreadable_time_is_refused(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_time(text)
    assert caught.value.key == "error.time_format"


# Date and time in the person's zone ---------------------------------------------------------


def test_a_local_time_becomes_the_right_moment_on_both_sides_of_the_spring_change() -> None:
    now = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
    before = parse_local_datetime("2027-03-27 10:00", STOCKHOLM, now)
    after = parse_local_datetime("2027-03-28 10:00", STOCKHOLM, now)
    assert before.astimezone(UTC) == datetime(2027, 3, 27, 9, 0, tzinfo=UTC)  # CET, UTC+1
    assert after.astimezone(UTC) == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)  # CEST, UTC+2
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(hours=23)  # a short night


def test_tomorrow_means_tomorrow_on_the_persons_own_calendar() -> None:
    # 23:30 UTC on Saturday is already 00:30 on Sunday the 28th in Stockholm.
    now = datetime(2027, 3, 27, 23, 30, tzinfo=UTC)
    moment = parse_local_datetime("tomorrow 9:30", STOCKHOLM, now)
    assert moment.astimezone(UTC) == datetime(2027, 3, 29, 7, 30, tzinfo=UTC)
    assert parse_local_datetime("idag 10:00", STOCKHOLM, now).astimezone(STOCKHOLM).date() == date(
        2027, 3, 28
    )


def test_a_time_in_the_skipped_hour_is_read_an_hour_later_on_the_clock() -> None:
    now = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
    moment = parse_local_datetime("2027-03-28 02:30", STOCKHOLM, now)
    assert moment.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert moment.astimezone(UTC).astimezone(STOCKHOLM).strftime("%H:%M") == "03:30"


def test_iso_date_and_time_with_a_t_between_them() -> None:
    now = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
    moment = parse_local_datetime("2027-03-28T10:00", STOCKHOLM, now)
    assert moment.astimezone(UTC) == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["2027-03-28", "junk 10:00", "2027-03-28 25:00", "10:00 2027-03-28 x"]
)
def test_an_unreadable_date_and_time_is_refused_with_an_example_of_the_format(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_local_datetime(text, STOCKHOLM, datetime(2027, 3, 20, tzinfo=UTC))
    assert caught.value.key == "error.datetime_format"
    assert caught.value.values == {"value": text}


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("Tomorrow 9:30", datetime(2027, 3, 21, 9, 30, tzinfo=STOCKHOLM)),
        ("Today 14:00", datetime(2027, 3, 20, 14, 0, tzinfo=STOCKHOLM)),
        ("IMORGON 9", datetime(2027, 3, 21, 9, 0, tzinfo=STOCKHOLM)),
        ("  2027-03-28T10:00 ", datetime(2027, 3, 28, 10, 0, tzinfo=STOCKHOLM)),
    ],
)
def test_capitals_and_stray_spaces_from_a_phone_keyboard_are_understood(
    text: str, local: datetime
) -> None:
    now = datetime(2027, 3, 20, 6, 0, tzinfo=UTC)
    moment = parse_local_datetime(text, STOCKHOLM, now)
    assert moment.astimezone(STOCKHOLM).timetuple()[:5] == local.timetuple()[:5]


# Weekdays -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1-5", [0, 1, 2, 3, 4]),
        ("1,3,5", [0, 2, 4]),
        (" 1, 3 ,5 ", [0, 2, 4]),
        ("6-7", [5, 6]),
        ("1-3,5", [0, 1, 2, 4]),
        ("3,3", [2]),
    ],
)
def test_weekdays_as_a_range_or_a_list_monday_is_one(text: str, expected: list[int]) -> None:
    assert parse_weekdays(text) == expected


@pytest.mark.parametrize("text", ["", "junk", "0", "8", "5-1", "mon-fri", "-5", "1--5", ","])
def test_text_that_is_no_list_of_weekdays_is_refused(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_weekdays(text)
    assert caught.value.key == "error.weekdays"


@given(st.text(alphabet=st.sampled_from(list("aZå9 -=@#:/,.<>|\t\n\r\x0b\x0c\u00a0\u2003"))))
def test_a_line_without_quotes_splits_as_shlex_splits_it(text: str) -> None:
    """The quick way for lines without quotes or escapes gives shlex's very tokens (shlex's
    whitespace is four characters, not all of Unicode's)."""
    assert tokenize(text) == shlex.split(text.strip())
