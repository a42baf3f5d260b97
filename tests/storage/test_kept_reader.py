"""The event loop's reads keep one reader connection (``SqlStore.keep_reader``), on either
database: each read still sees the last commit, a read keeps its own snapshot on SQLite, and
the kept connection is never another thread's or a nested read's."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from conversations import records as rec
from conversations.read_only import ReadOnlyRepo
from storage.store import SqlStore
from tests.storage.samples import person


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def keeper(request: pytest.FixtureRequest, sql_stores: Callable[[str], SqlStore]) -> SqlStore:
    """A store of each SQL kind whose reads on this thread keep their connection."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "migrated_pg_url")
    store = sql_stores(url)
    store.keep_reader()
    return store


def _driver(reader: ReadOnlyRepo) -> Any:
    """The driver's connection a read runs on."""
    return reader.inner._conn.connection.driver_connection  # type: ignore[attr-defined]


def test_the_keepers_reads_share_a_connection_and_each_sees_the_last_commit(
    keeper: SqlStore,
) -> None:
    with keeper.read() as reader:
        kept = _driver(reader)
        assert reader.first(rec.Person, platform_user_id="U1") is None
    with keeper.transaction() as repo:
        stored = repo.add(person(1))
    with keeper.read() as reader:
        assert _driver(reader) is kept
        assert reader.first(rec.Person, id=stored.id) == stored  # committed in between: seen
        with keeper.read() as inner:  # a read inside another: one of the pool's
            assert _driver(inner) is not kept
            assert inner.first(rec.Person, id=stored.id) == stored
    elsewhere: list[Any] = []

    def read_there() -> None:
        with keeper.read() as reader:
            elsewhere.append(_driver(reader))

    thread = threading.Thread(target=read_there)
    thread.start()
    thread.join()
    assert elsewhere and elsewhere[0] is not kept  # another thread's read is not the loop's


def test_a_kept_sqlite_read_is_one_snapshot(
    sqlite_url: str, sql_stores: Callable[[str], SqlStore]
) -> None:
    store, other = sql_stores(sqlite_url), sql_stores(sqlite_url)
    store.keep_reader()
    with store.transaction() as repo:
        first = repo.add(person(1))
    with store.read() as reader:
        assert reader.first(rec.Person, id=first.id) == first  # the snapshot begins here
        with other.transaction() as repo:
            second = repo.add(person(2))
        assert reader.first(rec.Person, id=second.id) is None  # not in this read's snapshot
    with store.read() as reader:
        assert reader.first(rec.Person, id=second.id) == second  # the next read sees it


def test_a_statistics_refresh_replaces_the_kept_sqlite_reader(
    sqlite_url: str, sql_stores: Callable[[str], SqlStore]
) -> None:
    store = sql_stores(sqlite_url)
    store.keep_reader()
    with store.read() as reader:
        before = _driver(reader)
    assert store.refresh_statistics()
    with store.read() as reader:  # a new connection: it reads the new statistics
        assert _driver(reader) is not before
