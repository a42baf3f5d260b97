"""Forms people can finish in the console: how many questions first, leaving a form at any
point (``avbryt``, or a console command), optional goals skipped when left empty, and what only
a held meeting asks skipped after "we did not meet"; the console's own lines in Swedish."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from bot.local.console import Console
from conversations.records import CheckIn, Goal, Meeting
from tests.bot.local.conftest import SETUP, Session

Play = Callable[..., Session]


def records(session: Session, cls: type) -> list:  # type: ignore[type-arg]
    with session.services.store.transaction() as repo:
        return repo.find(cls)


def book_meeting(console: Console) -> Iterator[str]:
    yield from SETUP
    yield "/som bo"
    yield str(console.button_number("bo", "meeting.book"))
    yield "2027-01-12 10:00"
    yield ""
    yield "Kontoret"


def first_meeting_held(console: Console) -> Iterator[str]:
    """Booked, over, and checked in as held: goal setting opens."""
    yield from book_meeting(console)
    yield "/klocka +2d"
    yield str(console.button_number("bo", "checkin.open"))
    yield "1"  # met: [1] yes
    yield "Vi lärde känna varandra"  # raised
    yield ""  # will try
    yield ""  # usefulness


def test_a_form_says_how_many_questions_and_can_be_left_with_avbryt(console_session: Play) -> None:
    def lines(console: Console) -> Iterator[str]:
        yield from SETUP
        yield "/som bo"
        yield str(console.button_number("bo", "meeting.book"))
        yield "2027-01-12 10:00"
        yield "avbryt"
        yield "/avsluta"

    session = console_session(lines)
    assert "## Boka första mötet (3 frågor)" in session.text
    assert "(formuläret avbröts; inget sparades)" in session.text
    assert records(session, Meeting) == []
    assert "(du är nu bo)" in session.text


def test_a_console_command_inside_a_form_leaves_it_and_runs(console_session: Play) -> None:
    def lines(console: Console) -> Iterator[str]:
        yield from SETUP
        yield "/som bo"
        yield str(console.button_number("bo", "meeting.book"))
        yield "/klocka +1d"
        yield "/avsluta"

    session = console_session(lines)
    assert "(formuläret lämnades; inget sparades)" in session.text
    assert "(klockan: tisdag 12 januari 2027" in session.text
    assert records(session, Meeting) == []


def test_goals_two_and_three_are_skipped_when_left_empty(console_session: Play) -> None:
    def lines(console: Console) -> Iterator[str]:
        yield from first_meeting_held(console)
        yield str(console.button_number("bo", "goals.draft"))
        yield "Leda möten"  # goal 1: text
        yield "Två möten i veckan"  # signal
        yield ""  # date: the default
        yield "2"  # rating
        yield ""  # goal 2: left empty -> the rest of goal 2 is not asked
        yield ""  # goal 3: left empty
        yield "/avsluta"

    session = console_session(lines)
    assert [g.text for g in records(session, Goal)] == ["Leda möten"]
    after = session.text.split("Leda möten", 1)[1]
    assert "Mål 2: vad vill du uppnå?" in after and "Mål 3: vad vill du uppnå?" in after
    assert "Mål 2: hur syns framstegen?" not in after
    assert "Mål 2: var står du i dag (1–5)?" not in after


def test_we_did_not_meet_skips_what_only_a_held_meeting_asks(console_session: Play) -> None:
    def lines(console: Console) -> Iterator[str]:
        yield from book_meeting(console)
        yield "/klocka +2d"
        yield str(console.button_number("bo", "checkin.open"))
        yield "2"  # met: [2] no
        yield "/avsluta"

    session = console_session(lines)
    checkins = records(session, CheckIn)
    assert [c.met for c in checkins] == [False]
    asked = session.text.rsplit("## ", 1)[1]
    assert "Träffades ni?" in asked
    assert "Vad togs upp?" not in asked
