"""PostgreSQL's readers (``storage.engine``): no transaction held open, and a pooled connection
the server dropped is replaced before a read uses it, without a ``SELECT 1`` at each checkout;
the event loop's reads keep one connection (``SqlStore.keep_reader``), checked the same way."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
import pytest
import sqlalchemy as sa

from conversations import records as rec
from conversations.read_only import ReadOnlyRepo
from storage.store import SqlStore
from tests.storage.samples import person

pytestmark = pytest.mark.postgres


def _server(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """A connection of the test's own to the same database, beside the store's pool."""
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _reader_pid(store: SqlStore) -> int:
    with store.read_engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def _one_person(store: SqlStore) -> tuple[rec.Person, int]:
    """A stored person, and the backend of the readers' pool's one connection so far (the next
    read gets it again)."""
    with store.transaction() as repo:
        stored = repo.add(person(1))
    return stored, _reader_pid(store)


def _terminate(url: str, pid: int) -> None:
    """The server ends backend ``pid`` (as a restart or an idle timeout would), and it is gone."""
    with _server(url) as server:
        assert server.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        deadline = time.monotonic() + 10
        while server.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the terminated backend did not exit"


def test_a_reader_leaves_no_transaction_open_between_its_reads(
    migrated_pg_url: str, sql_stores: Callable[[str], SqlStore]
) -> None:
    store = sql_stores(migrated_pg_url)
    stored, pid = _one_person(store)
    with _server(migrated_pg_url) as server, store.read() as reader:
        assert reader.first(rec.Person, id=stored.id) == stored
        state = server.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", [pid])
        # Not "idle in transaction": nothing for VACUUM or idle_in_transaction_session_timeout.
        assert state.fetchone() == ("idle",)


def test_a_pooled_reader_the_server_terminated_is_replaced_before_a_read(
    migrated_pg_url: str, sql_stores: Callable[[str], SqlStore]
) -> None:
    store = sql_stores(migrated_pg_url)
    stored, pid = _one_person(store)
    _terminate(migrated_pg_url, pid)
    with store.read() as reader:  # the dead connection is not handed out
        assert reader.first(rec.Person, id=stored.id) == stored
    assert _reader_pid(store) != pid


def _backend(reader: ReadOnlyRepo) -> int:
    """The backend a read runs on (its repo's own connection)."""
    connection = reader.inner._conn  # type: ignore[attr-defined]
    return int(connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_the_loops_kept_connection_holds_no_transaction_between_its_reads(
    migrated_pg_url: str, sql_stores: Callable[[str], SqlStore]
) -> None:
    store = sql_stores(migrated_pg_url)
    stored, _ = _one_person(store)
    store.keep_reader()  # this thread stands for the event loop (tests/storage/test_kept_reader)
    with store.read() as reader:
        kept = _backend(reader)
    with _server(migrated_pg_url) as server, store.read() as reader:
        assert _backend(reader) == kept and reader.first(rec.Person, id=stored.id) == stored
        state = server.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", [kept])
        assert state.fetchone() == ("idle",)  # autocommit: no transaction held between reads


def test_the_loops_kept_connection_the_server_terminated_is_replaced_before_a_read(
    migrated_pg_url: str, sql_stores: Callable[[str], SqlStore]
) -> None:
    store = sql_stores(migrated_pg_url)
    stored, _ = _one_person(store)
    store.keep_reader()
    with store.read() as reader:
        kept = _backend(reader)
    _terminate(migrated_pg_url, kept)
    with store.read() as reader:  # no error for the person whose command comes next
        assert reader.first(rec.Person, id=stored.id) == stored
        assert _backend(reader) != kept
