"""Which readers' turns run on the event loop (``bot.inline_reads``)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.inline_reads import MOST_ROUTES, InlineReads, reads_on_loop
from conversations.events import Command
from conversations.memory import InMemoryStore
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


def test_where_readers_run_follows_the_setting_and_the_database(tmp_path: Path) -> None:
    store = SqlStore(new_database_url(tmp_path))
    try:
        embedded = store.reads_in_process
        assert reads_on_loop("auto", store) is embedded  # SQLite: the loop; PostgreSQL: not
        assert reads_on_loop("always", store)
        assert not reads_on_loop("never", store)
    finally:
        store.close()
    assert not reads_on_loop("always", InMemoryStore())  # only the SQL store is measured
