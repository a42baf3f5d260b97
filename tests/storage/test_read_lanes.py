"""Readers never wait for writers: ``Store.read()`` beside ``Store.transaction()``.

Each test runs on the in-memory store, SQLite and a real PostgreSQL server unless it says
otherwise. Nothing sleeps: threads hold transactions open until an event releases them, and a
step that would block is run in a thread that must finish while the writer still waits.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import pytest

from conversations import records as rec
from conversations.config import CoreConfig
from conversations.engine import Engine
from conversations.events import Actor, Command
from conversations.i18n import Texts
from conversations.lanes import WRITER_TURNS
from conversations.memory import InMemoryStore, ManualClock
from conversations.messages import Reply
from conversations.ports import Conflict, ReadOnly, Repo, Store
from storage.store import SqlStore
from tests.storage.conftest import StoreAndOutbox
from tests.storage.samples import T0, outbox_item, person

T = TypeVar("T")
OpenStore = Callable[[str], SqlStore]
WAIT_S = 30  # only ever reached when something is blocked: the test then fails
ADA = Actor(platform="slack", workspace="T1", platform_user_id="UADA", display_name="Ada")


def _finishes(job: Callable[[], T]) -> T:
    """``job``'s result, run in a thread that must finish (not wait for a writer)."""
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(job())
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=WAIT_S)
    assert not thread.is_alive(), "blocked behind the open write transaction"
    if errors:
        raise errors[0]
    return results[0]


class HeldWriter:
    """A write transaction that ``write`` fills, held open (uncommitted) inside the block."""

    def __init__(self, store: Store, write: Callable[[Any], None]) -> None:
        self._store, self._write = store, write
        self._wrote, self._release = threading.Event(), threading.Event()
        self._errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            with self._store.transaction() as repo:
                self._write(repo)
                self._wrote.set()
                assert self._release.wait(timeout=WAIT_S), "never released"
        except BaseException as error:
            self._errors.append(error)
            self._wrote.set()

    def __enter__(self) -> HeldWriter:
        self._thread.start()
        assert self._wrote.wait(timeout=WAIT_S)
        assert not self._errors, self._errors
        return self

    def __exit__(self, *_: object) -> None:
        self._release.set()
        self._thread.join(timeout=WAIT_S)
        assert not self._errors, self._errors


def _names(store: Store) -> list[str]:
    with store.read() as repo:
        return [p.display_name for p in repo.find(rec.Person)]


def _texts(reply: Reply) -> str:
    return "\n".join(message.plain_text() for message in reply.messages)


def _engine(store: Store) -> Engine:
    return Engine(store, ManualClock(T0), CoreConfig(default_locale="en"))


# Readers and writers -------------------------------------------------------------------------


def test_a_reader_is_not_blocked_while_a_writer_holds_its_transaction_open(
    store: StoreAndOutbox,
) -> None:
    with store.transaction() as repo:
        first = repo.add(person(1))

    def write(repo: Any) -> None:
        repo.add(person(2))
        repo.update(first.model_copy(update={"display_name": "Renamed"}))

    with HeldWriter(store, write):
        # The last commit, not the open transaction's writes; and no waiting for it.
        assert _finishes(lambda: _names(store)) == ["Person 1"]
    assert _names(store) == ["Renamed", "Person 2"]


def test_help_is_answered_while_a_writer_holds_its_transaction_open(
    store: StoreAndOutbox,
) -> None:
    engine = _engine(store)
    engine.handle(ADA, Command(text="help"))  # first contact: Ada is created
    crash = Texts("en")("error.crash")
    with HeldWriter(store, lambda repo: repo.add(outbox_item("held"))):
        reply = _finishes(lambda: engine.handle(ADA, Command(text="help")))
        assert reply.messages and crash not in _texts(reply)
        assert _finishes(lambda: engine.knows(ADA))


def test_a_write_in_a_read_only_transaction_is_refused_and_nothing_is_written(
    store: StoreAndOutbox,
) -> None:
    with store.transaction() as repo:
        stored = repo.add(person(1))
    writes: list[Callable[[Any], object]] = [
        lambda repo: repo.add(person(2)),
        lambda repo: repo.update(stored.model_copy(update={"display_name": "Renamed"})),
        lambda repo: repo.delete(rec.Person, stored.id or 0),
        lambda repo: repo.enqueue(outbox_item("refused")),
        lambda repo: repo.wake(["person:1"]),
        lambda repo: repo.settle_wakes([("person:1", None, T0)]),
    ]
    for write in writes:
        with pytest.raises(ReadOnly), store.read() as repo:
            write(repo)
    with store.read() as repo:
        assert [p.display_name for p in repo.find(rec.Person)] == ["Person 1"]
        assert repo.find(rec.OutboxItem) == []
        assert repo.find(rec.PlanWake, subject="person:1")[0].changed  # from the add only


def test_a_turn_that_writes_runs_again_as_a_writer_and_is_saved_once(
    store: StoreAndOutbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mentorbot.engine")
    reply = _engine(store).handle(ADA, Command(text="help"))  # first contact writes Ada
    assert reply.messages and Texts("en")("error.crash") not in _texts(reply)
    assert _names(store) == ["Ada"]
    assert "conflict_retry" not in caplog.text  # the second run is no lost race


# The writers of one process -------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "migrated_pg_url"
    value: str = request.getfixturevalue(fixture)
    return value


def test_concurrent_writers_in_one_process_all_succeed(
    url: str, sql_stores: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight threads increment one counter 25 times each, with two readers reading all the
    while. SQLite's busy timeout is 0 here, so a writer that met another in SQLite would fail
    at once ("database is locked"): on SQLite they take turns before SQLite, and none even
    loses an optimistic-locking race. PostgreSQL is as before: a lost race is retried."""
    monkeypatch.setattr("storage.engine.BUSY_TIMEOUT_MS", 0)
    store = sql_stores(url)
    sqlite = url.startswith("sqlite")
    with store.transaction() as repo:
        state = repo.add(rec.ConversationState(person_id=1, data={"n": 0}, updated_at=T0))
    conflicts: list[int] = []
    writing = threading.Event()
    done = threading.Barrier(8 + 2)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(25):
                while True:
                    try:
                        with store.transaction() as repo:
                            current = repo.get(rec.ConversationState, state.id or 0)
                            assert current is not None
                            n = current.data["n"] + 1
                            repo.update(current.model_copy(update={"data": {"n": n}}))
                        writing.set()
                        break
                    except Conflict:
                        conflicts.append(1)
        except BaseException as error:
            errors.append(error)
        finally:
            done.wait(timeout=WAIT_S)

    def reader() -> None:
        try:
            assert writing.wait(timeout=WAIT_S)
            while done.n_waiting < 8:
                with store.read() as repo:
                    assert repo.get(rec.ConversationState, state.id or 0) is not None
        except BaseException as error:
            errors.append(error)
        finally:
            done.wait(timeout=WAIT_S)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * WAIT_S)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert errors == []
    with store.read() as repo:
        final = repo.get(rec.ConversationState, state.id or 0)
    assert final is not None and final.data["n"] == 200
    if sqlite:
        assert conflicts == [] and final.version == 201


def test_a_write_transaction_inside_another_on_the_same_thread_is_refused_at_once(
    sqlite_url: str, sql_stores: OpenStore
) -> None:
    """It would wait for the store's one writer connection, which it holds itself."""
    store = sql_stores(sqlite_url)
    with store.transaction() as outer:
        outer.add(person(1))
        with pytest.raises(RuntimeError), store.transaction():
            pass  # pragma: no cover
        with store.read() as inner:  # reading is fine: the last commit, without Person 1
            assert inner.find(rec.Person) == []
    assert _names(store) == ["Person 1"]


# A locked database ------------------------------------------------------------------------


def test_a_locked_commit_is_retried_and_the_person_never_sees_an_error(
    sqlite_url: str,
    sql_stores: OpenStore,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SQLite refuses the turn's COMMIT once with "database is locked" (as when another
    process holds the database past the busy timeout): the turn is rolled back and run again,
    and the person gets their answer, saved once."""
    store = sql_stores(sqlite_url)
    dialect = store.engine.dialect
    real_commit = dialect.do_commit
    refused: list[int] = []

    def locked_once(dbapi_connection: Any) -> None:
        if not refused:
            refused.append(1)
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
            raise error
        real_commit(dbapi_connection)

    monkeypatch.setattr(dialect, "do_commit", locked_once)
    caplog.set_level(logging.INFO, logger="mentorbot.engine")
    reply = _engine(store).handle(ADA, Command(text="help"))  # first contact: a write
    assert refused == [1]
    assert reply.messages and Texts("en")("error.crash") not in _texts(reply)
    assert "event=conflict_retry" in caplog.text
    assert "handler_crash" not in caplog.text
    assert _names(store) == ["Ada"]  # saved once: the refused commit was rolled back


def test_a_locked_database_is_a_conflict_to_retry_not_an_error(
    sqlite_url: str, sql_stores: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holding the write lock past the busy timeout: the transaction raises
    ``Conflict`` (run it again), and a retry after the lock is released succeeds."""
    monkeypatch.setattr("storage.engine.BUSY_TIMEOUT_MS", 0)
    store = sql_stores(sqlite_url)
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(Conflict), store.transaction() as repo:
            repo.add(person(1))
        assert _names(store) == []  # a reader is not stopped by it
        other.execute("ROLLBACK")
        with store.transaction() as repo:
            repo.add(person(1))
    finally:
        other.close()
    assert _names(store) == ["Person 1"]


# Where a turn starts ------------------------------------------------------------------------


class Counting:
    """The in-memory store, counting the transactions of each kind it opens."""

    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.reads = self.writes = 0

    def transaction(self) -> AbstractContextManager[Repo]:
        self.writes += 1
        return self.store.transaction()

    def read(self) -> AbstractContextManager[Repo]:
        self.reads += 1
        return self.store.read()


def test_a_route_that_wrote_starts_as_a_writer_for_a_while_then_reads_again() -> None:
    """A command that writes every time is not run read-only first each time; after a while
    it is tried read-only again. A first contact's write is the person's: help still reads."""
    store = Counting()
    engine = _engine(store)
    engine.handle(ADA, Command(text="help"))  # first contact: read-only run, then as a writer
    engine.handle(ADA, Command(text="help"))
    assert (store.reads, store.writes) == (2, 1)  # help still starts read-only
    engine.handle(ADA, Command(text="pause 1w"))  # writes: read-only run, then as a writer
    assert (store.reads, store.writes) == (3, 2)
    for n in range(WRITER_TURNS):
        engine.handle(ADA, Command(text="PAUSE 1w" if n % 2 else "pause 2w"))
    assert (store.reads, store.writes) == (3, 2 + WRITER_TURNS)  # straight to writing
    engine.handle(ADA, Command(text="pause 1w"))  # tried read-only again
    assert (store.reads, store.writes) == (4, 3 + WRITER_TURNS)


# A reader's turn, or nothing (Engine.read_turn) ------------------------------------------------


def _everyone(_: rec.Person) -> bool:
    return True


def test_a_known_persons_help_is_one_read_and_unknown_people_are_declined() -> None:
    store = Counting()
    engine = _engine(store)
    assert engine.read_turn(ADA, Command(text="help"), _everyone) is None  # not known yet
    assert (store.reads, store.writes) == (1, 0)
    assert _names(store.store) == []  # nobody created: ``handle`` does that
    engine.handle(ADA, Command(text="help"))
    reads, writes = store.reads, store.writes

    done = engine.read_turn(ADA, Command(text="help"), _everyone)

    assert done is not None
    person, reply = done
    assert person.display_name == "Ada"
    assert _texts(reply) == _texts(engine.handle(ADA, Command(text="help")))
    assert (store.reads - reads, store.writes - writes) == (2, 0)  # one each: no writer
    assert engine.read_turn(ADA, Command(text="help"), lambda p: False) is None  # refused


def test_a_turn_that_writes_is_declined_with_nothing_saved_and_its_route_remembered(
    store: StoreAndOutbox,
) -> None:
    engine = _engine(store)
    engine.handle(ADA, Command(text="help"))
    assert engine.read_turn(ADA, Command(text="pause 2w"), _everyone) is None
    with store.read() as repo:
        ada = repo.first(rec.Person, platform_user_id="UADA")
    assert ada is not None and ada.paused_until is None  # the read-only run saved nothing
    assert engine.lanes.writes_lately(Command(text="pause 1w"))  # the next pause: a writer
    reply = engine.handle(ADA, Command(text="pause 2w"))
    with store.read() as repo:
        ada = repo.first(rec.Person, platform_user_id="UADA")
    assert ada is not None and ada.paused_until is not None
    assert Texts("en")("error.crash") not in _texts(reply)


def test_a_reader_turn_that_crashes_is_answered_with_the_error_and_logged(
    store: StoreAndOutbox, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(store)
    engine.handle(ADA, Command(text="help"))

    def broken(*_: object) -> Reply:
        raise KeyError("secret words the person typed")

    monkeypatch.setattr(engine, "_route", broken)
    caplog.set_level(logging.INFO, logger="mentorbot.engine")
    done = engine.read_turn(ADA, Command(text="help"), _everyone)

    assert done is not None
    assert _texts(done[1]) == Texts("en")("error.crash")
    assert "event=handler_crash kind=Command error=KeyError" in caplog.text
    assert "secret words" not in caplog.text
