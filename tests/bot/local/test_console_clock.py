"""`/clock` with a date lands on that date on the acting person's own calendar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from bot.local.console import Console
from conversations.i18n import Texts
from conversations.records import Person
from conversations.scoping import LOCAL
from tests.bot.local.conftest import Session

Play = Callable[..., Session]
TOKYO = Texts("sv", "Asia/Tokyo")


def in_tokyo(console: Console) -> None:
    with console.services.store.transaction() as repo:
        me = repo.first(Person, platform="local", workspace=LOCAL, platform_user_id="koordinator")
        assert me is not None
        repo.update(me.model_copy(update={"timezone": "Asia/Tokyo", "country": "JP"}))


def clock_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("(")]


def test_clock_with_a_date_lands_on_that_local_date_and_a_time_can_be_given(
    console_session: Play,
) -> None:
    def lines(console: Console) -> Iterator[str]:
        yield "home"
        in_tokyo(console)
        yield "/clock +10h"  # Tuesday 02:00 in Tokyo, still Monday in UTC
        yield "/clock 2027-01-14"
        yield "/clock 2027-01-15 08:30"
        yield "/quit"

    session = console_session(lines)
    now = session.console.clock.now()
    assert now == datetime(2027, 1, 14, 23, 30, tzinfo=UTC)  # Friday 08:30 in Tokyo
    shown = clock_lines(session.text)
    assert f"(klockan: {TOKYO.when(datetime(2027, 1, 11, 17, tzinfo=UTC))})" in shown
    # Thursday 14 January at the same local time of day (02:00), not Friday.
    assert f"(klockan: {TOKYO.when(datetime(2027, 1, 13, 17, tzinfo=UTC))})" in shown
    assert f"(klockan: {TOKYO.when(now)})" in shown


def test_clock_to_a_past_time_says_so_in_one_line_in_the_persons_language(
    console_session: Play,
) -> None:
    def lines(console: Console) -> Iterator[str]:
        yield "home"
        in_tokyo(console)
        yield "/clock 2027-01-01 10:00"
        yield "/quit"

    session = console_session(lines)
    past = datetime(2027, 1, 1, 1, tzinfo=UTC)  # 10:00 in Tokyo
    start = datetime(2027, 1, 11, 7, tzinfo=UTC)
    line = "(" + TOKYO("console.clock_past", when=TOKYO.when(past), now=TOKYO.when(start)) + ")"
    after = session.text.split("koordinator> /clock 2027-01-01 10:00\n", 1)[1]
    assert after.splitlines()[0] == line
    assert "Klockan går bara framåt" in line
    assert session.console.clock.now() == start
