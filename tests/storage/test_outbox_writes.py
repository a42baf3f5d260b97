"""The outbox's claims and marks are the store's write units, as its transactions are: a
database another process keeps locked is a ``Conflict`` to run again (nothing half done, no
raw driver error), a mark inside a write transaction on the same thread is refused at once
instead of waiting for its own writer connection, and the metrics' outbox counts never wait
for a writer. SQLite only (the writer lane and its lock are SQLite's); nothing sleeps."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from conversations import records as rec
from conversations.ports import LEASE, Conflict
from storage.store import SqlStore
from tests.storage.samples import T0, outbox_item

OpenStore = Callable[[str], SqlStore]
WAIT_S = 30  # only ever reached when something is blocked: the test then fails
A = "dispatcher-a"


@pytest.fixture
def store(sqlite_url: str, sql_stores: OpenStore, monkeypatch: pytest.MonkeyPatch) -> SqlStore:
    """A store with one due row; SQLite's busy handler gives up at once."""
    monkeypatch.setattr("storage.engine.BUSY_TIMEOUT_MS", 0)
    opened = sql_stores(sqlite_url)
    with opened.transaction() as repo:
        assert repo.enqueue(outbox_item("hello"))
    return opened


@contextmanager
def another_process_writing(sqlite_url: str) -> Iterator[None]:
    """Another process's writer holds the database's write lock inside the block."""
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def _row(store: SqlStore) -> rec.OutboxItem:
    with store.read() as repo:
        (row,) = repo.find(rec.OutboxItem)
    return row


def test_a_claim_on_a_locked_database_is_a_conflict_and_the_row_is_claimed_after(
    store: SqlStore, sqlite_url: str
) -> None:
    with another_process_writing(sqlite_url):
        with pytest.raises(Conflict):
            store.claim_due(T0, 10, A, LEASE)
        assert _row(store).status is rec.OutboxStatus.PENDING  # nothing half done
    (claimed,) = store.claim_due(T0, 10, A, LEASE)
    assert claimed.key == "hello" and _row(store).lease_holder == A


def test_a_mark_on_a_locked_database_is_a_conflict_and_succeeds_when_run_again(
    store: SqlStore, sqlite_url: str
) -> None:
    (item,) = store.claim_due(T0, 10, A, LEASE)
    assert store.mark_sending(item.id or 0, A, T0)
    with another_process_writing(sqlite_url):
        with pytest.raises(Conflict):
            store.mark_sent(item.id or 0, T0, "1700000000.000100", "D1")
        assert _row(store).status is rec.OutboxStatus.SENDING
    assert store.mark_sent(item.id or 0, T0, "1700000000.000100", "D1")
    row = _row(store)
    assert row.status is rec.OutboxStatus.SENT and row.platform_message_id == "1700000000.000100"


def test_an_outbox_write_inside_a_write_transaction_on_the_same_thread_is_refused_at_once(
    store: SqlStore,
) -> None:
    """It would wait for the store's one writer connection, which the thread holds itself."""
    with store.transaction(), pytest.raises(RuntimeError):
        store.claim_due(T0, 10, A, LEASE)
    assert _row(store).status is rec.OutboxStatus.PENDING


def test_the_outbox_counts_are_read_while_a_writer_holds_its_transaction_open(
    store: SqlStore,
) -> None:
    """The operator's metrics scrape does not queue for the writer connection."""
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with store.transaction() as repo:
            repo.enqueue(outbox_item("uncommitted"))
            holding.set()
            release.wait(timeout=WAIT_S)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(timeout=WAIT_S)
        counts: list[dict[str, int]] = []
        reader = threading.Thread(target=lambda: counts.append(store.outbox_counts()))
        reader.start()
        reader.join(timeout=WAIT_S)
        assert not reader.is_alive(), "the counts waited for the writer"
    finally:
        release.set()
        thread.join(timeout=WAIT_S)
    assert counts == [{"pending": 1}]  # the last commit, without the uncommitted row
