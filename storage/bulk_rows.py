"""Many outbox rows at once, without SQLAlchemy's per-value work (``SqlRepo.enqueue_many``).

PostgreSQL: one statement, ``INSERT … SELECT … FROM unnest(arrays)``.

SQLAlchemy sends an ``executemany`` with ``RETURNING`` as multi-row ``VALUES`` statements, one
placeholder per value (a tick's 1,200 outbox rows: 24,000), and psycopg parses each such
statement in Python, anew for every size: longer than the database takes to insert the rows.
Here every column is one array parameter, so the statement is the same for any number of
rows.

SQLite: the keys already there are read in one query, and the others inserted by the driver's
``executemany`` with the values converted by the columns' own types: SQLAlchemy's multi-row
``INSERT … RETURNING`` spent seven times what SQLite spends inserting a tick's rows. The
writer holds SQLite's write lock (``BEGIN IMMEDIATE``), so nobody inserts between the read and
the insert; ``ON CONFLICT DO NOTHING`` stays as a guard."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql

from conversations.records import OutboxItem
from storage.queries import one_of
from storage.tables import bind_converter, table_of


@cache
def _columns() -> tuple[sa.Column[Any], ...]:
    return tuple(c for c in table_of(OutboxItem).columns if c.name != "id")


@cache
def _enqueue() -> sa.TextClause:
    """``INSERT … ON CONFLICT (key) DO NOTHING RETURNING key`` of the arrays ``a_<column>``."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    names, arrays = [], []
    for column in _columns():
        kind = "JSON" if isinstance(column.type, sa.JSON) else column.type.compile(dialect)
        names.append(f'"{column.name}"')
        arrays.append(f"CAST(:a_{column.name} AS {kind}[])")
    listed = ", ".join(names)
    return sa.text(
        f"INSERT INTO {table_of(OutboxItem).name} ({listed}) "
        f"SELECT {listed} FROM unnest({', '.join(arrays)}) AS v({listed}) "
        'ON CONFLICT ("key") DO NOTHING RETURNING "key"'
    )


def _value(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, sa.JSON):
        return json.dumps(value)
    if isinstance(value, Enum):
        return value.value
    return value


def enqueue_on_postgresql(connection: Connection, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert the outbox ``rows`` (column values, each key once) unless their key is there;
    the keys inserted."""
    params = {
        f"a_{column.name}": [_value(column, row.get(column.name)) for row in rows]
        for column in _columns()
    }
    return {key for (key,) in connection.execute(_enqueue(), params)}


@cache
def _sqlite_insert() -> str:
    names = ", ".join(f'"{column.name}"' for column in _columns())
    marks = ", ".join("?" for _ in _columns())
    return (
        f"INSERT INTO {table_of(OutboxItem).name} ({names}) VALUES ({marks}) "
        'ON CONFLICT ("key") DO NOTHING'
    )


@cache
def _keys_there() -> sa.Select[Any]:
    key = table_of(OutboxItem).c.key
    return sa.select(key).where(one_of(key, "keys", "sqlite"))


def enqueue_on_sqlite(connection: Connection, rows: Sequence[dict[str, Any]]) -> set[str]:
    """As ``enqueue_on_postgresql``, inside a SQLite write transaction."""
    keys = [row["key"] for row in rows]
    there = {key for (key,) in connection.execute(_keys_there(), {"keys": keys})}
    new = [row for row in rows if row["key"] not in there]
    if not new:
        return set()
    converters = [
        (column.name, bind_converter(column.type, connection.dialect)) for column in _columns()
    ]
    values = [
        tuple(
            row.get(name) if convert is None else convert(row.get(name))
            for name, convert in converters
        )
        for row in new
    ]
    connection.exec_driver_sql(_sqlite_insert(), values)
    return {row["key"] for row in new}
