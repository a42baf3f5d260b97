"""What SqlStore promises beyond the shared contract: UTC storage, SQLite's WAL and write
locking, PostgreSQL's SKIP LOCKED, and no schema changes of its own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from conversations import records as rec
from conversations.ports import LEASE, Conflict
from storage.engine import database_url
from storage.store import SqlStore
from tests.storage.samples import T0, outbox_item, person

OpenStore = Callable[[str], SqlStore]
T = TypeVar("T")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    """A migrated database of each SQL kind."""
    fixture = "sqlite_url" if request.param == "sqlite" else "migrated_pg_url"
    value: str = request.getfixturevalue(fixture)
    return value


def _run_together(*jobs: Callable[[], T]) -> list[T]:
    """Run ``jobs`` in threads released at the same moment; their results, in order.
    Re-raises the first error; fails if a job is still blocked after a minute."""
    barrier = threading.Barrier(len(jobs))
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], T]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(jobs))]


def _drain(store: SqlStore, now: datetime, holder: str = "") -> list[int]:
    """Claim two at a time until nothing is due; the ids claimed."""
    claimed: list[int] = []
    while batch := store.claim_due(now, 2, holder):
        claimed.extend(item.id or 0 for item in batch)
    return claimed


def _fill_outbox(store: SqlStore, count: int) -> set[int]:
    """``count`` due rows, each to a person of their own."""
    with store.transaction() as repo:
        for n in range(count):
            assert repo.enqueue(outbox_item(f"k{n}", T0 - timedelta(minutes=n), person_id=n))
        return {item.id or 0 for item in repo.find(rec.OutboxItem)}


def test_datetimes_are_returned_in_utc(url: str, sql_stores: OpenStore) -> None:
    store = sql_stores(url)
    local = datetime(2026, 10, 25, 2, 30, tzinfo=timezone(timedelta(hours=2)))
    with store.transaction() as repo:
        added = repo.add(person(1, created_at=local))
    with store.transaction() as repo:
        loaded = repo.get(rec.Person, added.id or 0)
    assert loaded is not None
    assert loaded.created_at == local
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(url: str, sql_stores: OpenStore) -> None:
    """Records refuse naive timestamps; a naive one slipped in with model_copy stops at SQL."""
    with pytest.raises(ValueError, match="timezone-aware"):
        person(1, created_at=datetime(2026, 1, 1, 12, 0))  # noqa: DTZ001
    store = sql_stores(url)
    sneaked = person(1).model_copy(update={"created_at": datetime(2026, 1, 1, 12, 0)})  # noqa: DTZ001
    with pytest.raises(StatementError, match="naive datetime"), store.transaction() as repo:
        repo.add(sneaked)


def test_store_does_not_create_the_schema(tmp_path: object, sql_stores: OpenStore) -> None:
    store = sql_stores(f"sqlite:///{tmp_path}/empty.db")
    with pytest.raises(sa.exc.OperationalError, match="no such table"), store.transaction() as repo:
        repo.find(rec.Person)


def test_bare_postgres_urls_use_psycopg() -> None:
    assert database_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert database_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert database_url("sqlite:///x.db").drivername == "sqlite"


# --- SQLite ---------------------------------------------------------------------------------


def test_sqlite_uses_write_ahead_logging(sqlite_url: str, sql_stores: OpenStore) -> None:
    store = sql_stores(sqlite_url)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_sqlite_stores_on_one_file_claim_disjoint_rows(
    sqlite_url: str, sql_stores: OpenStore
) -> None:
    first, second = sql_stores(sqlite_url), sql_stores(sqlite_url)
    ids = _fill_outbox(first, 30)
    a, b = _run_together(lambda: _drain(first, T0), lambda: _drain(second, T0))
    assert not set(a) & set(b)
    assert sorted(a + b) == sorted(ids)


def test_sqlite_writers_in_two_stores_lose_no_updates(
    sqlite_url: str, sql_stores: OpenStore
) -> None:
    """BEGIN IMMEDIATE serialises read-modify-write transactions: no update is lost and none
    even needs a retry."""
    first, second = sql_stores(sqlite_url), sql_stores(sqlite_url)
    with first.transaction() as repo:
        state = repo.add(rec.ConversationState(person_id=1, data={"n": 0}, updated_at=T0))

    def increment(store: SqlStore) -> None:
        for _ in range(25):
            with store.transaction() as repo:
                current = repo.get(rec.ConversationState, state.id or 0)
                assert current is not None
                repo.update(current.model_copy(update={"data": {"n": current.data["n"] + 1}}))

    _run_together(lambda: increment(first), lambda: increment(second))
    with first.transaction() as repo:
        final = repo.get(rec.ConversationState, state.id or 0)
    assert final is not None
    assert (final.data["n"], final.version) == (50, 51)


def test_dispatchers_taking_over_a_dead_ones_rows_take_each_once(
    url: str, sql_stores: OpenStore
) -> None:
    """A dispatcher died holding rows, some mid-send: once its leases run out, the survivors
    racing for them each get disjoint rows."""
    stores = [sql_stores(url) for _ in range(3)]
    ids = _fill_outbox(stores[0], 40)
    assert sorted(_drain(stores[0], T0, "dead")) == sorted(ids)
    for row in sorted(ids)[::2]:
        assert stores[0].mark_sending(row, "dead", T0)
    later = T0 + LEASE
    claims = _run_together(
        *(lambda s=s, n=n: _drain(s, later, f"survivor-{n}") for n, s in enumerate(stores[1:]))
    )
    claimed = [item for claim in claims for item in claim]
    assert sorted(claimed) == sorted(ids), "each row taken over exactly once"
    with stores[0].transaction() as repo:
        rows = repo.find(rec.OutboxItem)
    assert {r.lease_holder for r in rows} <= {"survivor-0", "survivor-1"}
    assert sorted(r.id or 0 for r in rows if r.status == "sending") == sorted(ids)[::2]


# --- PostgreSQL -----------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_dispatchers_claim_disjoint_rows(
    migrated_pg_url: str, sql_stores: OpenStore
) -> None:
    stores = [sql_stores(migrated_pg_url) for _ in range(3)]
    ids = _fill_outbox(stores[0], 60)
    claims = _run_together(*(lambda s=s: _drain(s, T0) for s in stores))
    claimed = [item for claim in claims for item in claim]
    assert sorted(claimed) == sorted(ids), "each row claimed exactly once"


@pytest.mark.postgres
def test_postgres_claim_skips_rows_another_dispatcher_holds(
    migrated_pg_url: str, sql_stores: OpenStore
) -> None:
    store, other = sql_stores(migrated_pg_url), sql_stores(migrated_pg_url)
    _fill_outbox(store, 4)
    table = sa.table("outbox_item", sa.column("id"), sa.column("key"))
    with other.engine.begin() as holder:
        held = (
            holder.execute(
                sa.select(table.c.id).where(table.c.key.in_(["k3", "k2"])).with_for_update()
            )
            .scalars()
            .all()
        )
        (claimed,) = _run_together(lambda: store.claim_due(T0, limit=10))
    assert len(held) == 2
    assert [item.key for item in claimed] == ["k1", "k0"]


@pytest.mark.postgres
def test_postgres_update_after_a_concurrent_commit_is_refused(
    migrated_pg_url: str, sql_stores: OpenStore
) -> None:
    first, second = sql_stores(migrated_pg_url), sql_stores(migrated_pg_url)
    with first.transaction() as repo:
        added = repo.add(person(1))

    def overtaken_update() -> None:
        with second.transaction() as slow:
            stale = slow.get(rec.Person, added.id or 0)
            assert stale is not None
            with first.transaction() as fast:
                fast.update(added.model_copy(update={"display_name": "Fast"}))
            slow.update(stale.model_copy(update={"display_name": "Slow"}))

    with pytest.raises(Conflict):
        overtaken_update()
    with first.transaction() as repo:
        current = repo.get(rec.Person, added.id or 0)
    assert current is not None
    assert (current.display_name, current.version) == ("Fast", 2)


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(ValueError, match="in-memory SQLite"):
        SqlStore("sqlite://")
