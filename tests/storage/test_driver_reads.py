"""The repo's hottest reads, run on the driver's connection (``storage.driver_reads``) on SQLite
and PostgreSQL: the same rows as SQLAlchemy's execution, values converted alike, errors raised
alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from conversations import records as rec
from conversations.ports import AtLeast
from storage import driver_reads, queries
from storage.store import SqlStore
from storage.tables import table_of
from tests.storage.samples import T0, one_of_each


def _fields(record: rec.Record) -> list[str]:
    return list(table_of(type(record)).columns.keys())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    """A migrated database of each kind the driver path serves."""
    return str(
        request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "migrated_pg_url")
    )


def test_first_and_columns_read_every_kind_of_value_as_sqlalchemy_does(url: str) -> None:
    store = SqlStore(url)
    try:
        with store.transaction() as repo:
            stored = [repo.add(record) for record in one_of_each()]
        with store.read_engine.connect() as connection:
            dialect = connection.dialect.name
            for record in stored:
                cls = type(record)
                shape, params = queries.shape_of(cls, {"id": record.id})
                for query in (
                    queries.rows(cls, shape, True, dialect),
                    queries.some_columns(cls, tuple(_fields(record)), shape, dialect),
                ):
                    fetched = driver_reads.fetch(connection, query, params)
                    assert fetched is not None  # taken by the driver path
                    keys, rows = fetched
                    result = connection.execute(query, params)
                    assert keys == tuple(result.keys())
                    assert rows == [tuple(row) for row in result]
        with store.read() as reader:
            for record in stored:
                assert reader.first(type(record), id=record.id) == record
                names = _fields(record)
                assert reader.columns(type(record), names, id=record.id) == [
                    tuple(getattr(record, name) for name in names)
                ]
    finally:
        store.close()


def test_a_lower_bound_and_a_null_read_alike_and_a_long_list_goes_the_usual_way(
    url: str,
) -> None:
    store = SqlStore(url)
    try:
        with store.transaction() as repo:
            for n in range(3):
                repo.add(rec.OutboxItem(**_item(f"k{n}", T0 + timedelta(hours=n))))
        with store.read() as reader:
            later = reader.columns(rec.OutboxItem, ["key"], due_at=AtLeast(T0 + timedelta(hours=1)))
            assert later == [("k1",), ("k2",)]
            assert reader.columns(rec.OutboxItem, ["key"], due_at=T0) == [("k0",)]
            short = reader.columns(rec.OutboxItem, ["key"], key=["k0", "k2", None])
            assert short == [("k0",), ("k2",)]  # a short list: one parameter per value
            assert reader.first(rec.OutboxItem, sent_at=None, key="k2") is not None
            keys = [f"k{n}" for n in range(300)]  # one JSON parameter, or expanded: either way
            assert len(reader.columns(rec.OutboxItem, ["key"], key=keys)) == 3
    finally:
        store.close()


def _item(key: str, due: Any) -> dict[str, Any]:
    from tests.storage.samples import outbox_item

    return outbox_item(key, due).model_dump(exclude={"id"})


def test_a_driver_error_is_sqlalchemys_so_a_locked_database_stays_a_conflict(
    tmp_path: Any,
) -> None:
    empty = SqlStore(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated: no tables
    try:
        shape, params = queries.shape_of(rec.Person, {"id": 1})
        with empty.read_engine.connect() as connection, pytest.raises(sa.exc.OperationalError):
            driver_reads.fetch(connection, queries.rows(rec.Person, shape, True, "sqlite"), params)
    finally:
        empty.close()


@pytest.mark.postgres
def test_a_driver_error_on_postgresql_is_sqlalchemys_and_a_dead_connection_is_not_pooled_again(
    pg_database_url: str, migrated_pg_url: str
) -> None:
    shape, params = queries.shape_of(rec.Person, {"id": 1})
    query = queries.rows(rec.Person, shape, True, "postgresql")
    empty = SqlStore(pg_database_url)  # never migrated: no tables
    try:
        with empty.read_engine.connect() as connection, pytest.raises(sa.exc.ProgrammingError):
            driver_reads.fetch(connection, query, params)
    finally:
        empty.close()
    store = SqlStore(migrated_pg_url)
    try:
        with store.read_engine.connect() as connection:
            pid = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            with store.engine.connect() as other:  # the server ends the reader's session
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(sa.exc.OperationalError):
                driver_reads.fetch(connection, query, params)
            assert connection.invalidated
        with store.read() as reader:
            assert reader.first(rec.Person, id=1) is None
    finally:
        store.close()
