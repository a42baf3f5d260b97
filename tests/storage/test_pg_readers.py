"""PostgreSQL's readers (``storage.engine``): no transaction held open, and a pooled connection
the server dropped is replaced before a read uses it, without a ``SELECT 1`` at each checkout."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
import pytest
import sqlalchemy as sa

from conversations import records as rec
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
    with _server(migrated_pg_url) as server:
        assert server.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        deadline = time.monotonic() + 10
        while server.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the terminated backend did not exit"
    with store.read() as reader:  # the dead connection is not handed out
        assert reader.first(rec.Person, id=stored.id) == stored
    assert _reader_pid(store) != pid
