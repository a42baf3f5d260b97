"""The repo's hottest reads on SQLite, run on the driver's connection (``storage.driver_reads``):
the same rows as SQLAlchemy's execution, values converted alike, errors raised alike."""

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


def test_first_and_columns_read_every_kind_of_value_as_sqlalchemy_does(sqlite_url: str) -> None:
    store = SqlStore(sqlite_url)
    try:
        with store.transaction() as repo:
            stored = [repo.add(record) for record in one_of_each()]
        with store.read_engine.connect() as connection:
            for record in stored:
                cls = type(record)
                shape, params = queries.shape_of(cls, {"id": record.id})
                for query in (
                    queries.rows(cls, shape, True, "sqlite"),
                    queries.some_columns(cls, tuple(_fields(record)), shape, "sqlite"),
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
    sqlite_url: str,
) -> None:
    store = SqlStore(sqlite_url)
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
