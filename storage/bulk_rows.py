"""Many rows in one statement on PostgreSQL: ``INSERT … SELECT … FROM unnest(arrays)``.

SQLAlchemy sends an ``executemany`` with ``RETURNING`` as multi-row ``VALUES`` statements, one
placeholder per value (a tick's 1,200 outbox rows: 24,000), and psycopg parses each such
statement in Python, anew for every size: longer than the database takes to insert the rows.
Here every column is one array parameter, so the statement is the same for any number of
rows (``SqlRepo.enqueue_many`` on PostgreSQL)."""

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
from storage.tables import table_of


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
