"""Dates and times as people write them, in Swedish and English (dateparser behind the strict
forms): `fredag 10:00`, `nästa tisdag 14`, `friday 10am`, `14 jan kl 10`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conversations.parsing import ParseError, parse_local_datetime
from conversations.records import Meeting
from tests.conversations.harness import START, Bot, paired

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("fredag 10:00", datetime(2027, 1, 15, 10, 0, tzinfo=STOCKHOLM)),
        ("nästa tisdag 14", datetime(2027, 1, 12, 14, 0, tzinfo=STOCKHOLM)),
        ("friday 10am", datetime(2027, 1, 15, 10, 0, tzinfo=STOCKHOLM)),
        ("på torsdag kl 15", datetime(2027, 1, 14, 15, 0, tzinfo=STOCKHOLM)),
        ("14 jan kl 10", datetime(2027, 1, 14, 10, 0, tzinfo=STOCKHOLM)),
        ("måndag 9.30", datetime(2027, 1, 18, 9, 30, tzinfo=STOCKHOLM)),
        ("2027-01-14 10:00", datetime(2027, 1, 14, 10, 0, tzinfo=STOCKHOLM)),
        ("imorgon 9:30", datetime(2027, 1, 12, 9, 30, tzinfo=STOCKHOLM)),
    ],
)
def test_a_date_and_time_is_read_as_people_write_it(typed: str, expected: datetime) -> None:
    assert parse_local_datetime(typed, STOCKHOLM, START) == expected


@pytest.mark.parametrize(
    "typed", ["fredag", "14 jan", "blaha 10:00", "möte med chefen", "2027-02-30 10:00"]
)
def test_no_day_or_no_time_is_refused(typed: str) -> None:
    with pytest.raises(ParseError):
        parse_local_datetime(typed, STOCKHOLM, START)


def test_a_meeting_booked_in_words_in_the_form_and_the_command(bot: Bot) -> None:
    paired(bot)
    bot.fill("bo", "meeting.book", {"when": "fredag 10:00", "place": "Kontoret"})
    bot.say("bo", "möte nästa tisdag 14 Annas rum")
    booked = sorted((m.starts_at, m.place) for m in bot.record(Meeting))
    assert [(s.astimezone(STOCKHOLM).strftime("%a %H:%M"), p) for s, p in booked] == [
        ("Tue 14:00", "Annas rum"),
        ("Fri 10:00", "Kontoret"),
    ]
