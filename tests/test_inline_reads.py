"""Which readers' turns run on the event loop (``bot.inline_reads``)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.inline_reads import HELD_TURNS, MOST_ROUTES, InlineReads, reads_on_loop
from conversations.events import Command
from conversations.memory import InMemoryStore
from storage.engine import database_url, on_this_machine
from storage.store import SqlStore
from tests.databases import new_database_url


def test_a_route_runs_on_the_loop_only_while_its_last_turn_was_quick(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="mentorbot.app")
    inline = InlineReads(slow_s=0.005)
    home, help_ = Command(text="home"), Command(text="help")
    assert not inline.allows(home)  # never seen: a worker thread first

    inline.took(home, 0.004)
    inline.took(help_, 0.001)
    assert inline.allows(home) and inline.allows(Command(text="HOME --all"))

    inline.took(Command(text="home"), 0.050)  # slow: back to a thread at once
    assert not inline.allows(home)
    assert inline.allows(help_)  # another route is not held back
    assert "event=inline_read_slow kind=Command ms=50.0" in caplog.text
    assert "home" not in caplog.text.lower()  # the person's word is not logged

    inline.took(home, 0.002)  # quick again (in a thread): back on the loop
    assert inline.allows(home)


def test_typed_words_do_not_grow_the_routes_without_bound() -> None:
    inline = InlineReads()
    for n in range(3 * MOST_ROUTES):
        inline.took(Command(text=f"word{n}"), 0.001)
    assert not inline.allows(Command(text="word0"))  # forgotten: a thread first again
    assert inline.allows(Command(text=f"word{3 * MOST_ROUTES - 1}"))


def test_a_turn_that_held_the_loop_waiting_sends_its_route_to_threads_for_a_while(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="mentorbot.app")
    inline = InlineReads(slow_s=0.005, held_s=0.050)
    status, help_ = Command(text="status"), Command(text="help")
    inline.took(status, 0.001)
    inline.took(help_, 0.001)
    inline.took(status, 0.001, held_s=0.012)  # the machine was busy: no reason to leave
    assert inline.allows(status)
    inline.took(status, 0.001, held_s=0.080)  # little CPU, but the loop waited 80 ms
    assert not inline.allows(status) and inline.allows(help_)
    assert "event=inline_read_waited kind=Command ms=80.0" in caplog.text
    for _ in range(HELD_TURNS - 1):
        inline.took(status, 0.001)  # in a thread, quick: still held
        assert not inline.allows(status)
    inline.took(status, 0.001)
    assert inline.allows(status)  # held for HELD_TURNS turns, then the loop again


def test_where_readers_run_follows_the_setting_and_where_the_database_is(tmp_path: Path) -> None:
    here = SqlStore(new_database_url(tmp_path))  # this run's database: on this machine
    far = SqlStore("postgresql+psycopg://mentorbot@db.example.com/mentorbot")  # never connected
    try:
        assert here.reads_nearby and not far.reads_nearby
        assert reads_on_loop("auto", here) and not reads_on_loop("auto", far)
        assert reads_on_loop("always", far)
        assert not reads_on_loop("never", here)
    finally:
        here.close()
        far.close()
    assert not reads_on_loop("always", InMemoryStore())  # only the SQL store is measured


@pytest.mark.parametrize(
    ("url", "nearby"),
    [
        ("sqlite:///data/mentorbot.db", True),
        ("postgresql://mentorbot@/mentorbot", True),  # libpq's default Unix socket
        ("postgresql:///mentorbot?host=/var/run/postgresql", True),
        ("postgresql://mentorbot@localhost:5432/mentorbot", True),
        ("postgresql://mentorbot@127.0.0.1/mentorbot", True),
        ("postgresql://mentorbot@[::1]/mentorbot", True),
        ("postgresql://mentorbot@10.0.0.5/mentorbot", False),
        ("postgresql://mentorbot@db.internal/mentorbot", False),  # names are not looked up
        ("postgresql://mentorbot@/mentorbot?host=/tmp,10.0.0.5", False),  # one of them is far
    ],
)
def test_a_database_is_on_this_machine_by_its_url(url: str, nearby: bool) -> None:
    assert on_this_machine(database_url(url)) is nearby
