"""The repo's most frequent reads on SQLite, run on the driver's connection.

``SqlRepo.first`` and ``SqlRepo.columns`` answer every command (the person, whether they are in
a pair) and most of a flow's lookups. Through SQLAlchemy's ``Connection.execute`` each cost
about four times what SQLite needs for it: the execution context, the cache key, the result
object. Here a lookup's statement is compiled once by SQLAlchemy (the same SQL), its values
converted with the columns' own dialect-level bind and result processors (the same values),
and it runs on the sqlite3 connection inside the transaction SQLAlchemy began: one worker
answering ``help`` at 8 in flight used about 9 % less CPU (bench/RESULTS.md).

What this path leaves out: SQLAlchemy's cursor events (nothing here listens to them on
SQLite), and statements whose SQL is only rendered with their values (expanding ``IN`` lists:
``prepared`` gives ``None`` and the caller executes them as before). A driver error is raised
as SQLAlchemy's ``DBAPIError``, so a locked database is still a ``Conflict`` (``storage.units``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

from storage.tables import bind_converter, result_converter

Processor = Callable[[Any], Any] | None
MOST_STATEMENTS = 4096  # lookup shapes are a few hundred; bound the memo anyway


@dataclass(frozen=True)
class Prepared:
    sql: str
    order: tuple[str, ...]  # the parameters' names, in their positions
    binds: tuple[Processor, ...]
    fixed: Mapping[str, Any]  # values the statement carries itself (LIMIT 1)
    results: tuple[Processor, ...]
    keys: tuple[str, ...]  # the selected columns' names


_PREPARED: dict[int, tuple[sa.Select[Any], Prepared | None]] = {}


def prepared(query: sa.Select[Any], dialect: Dialect) -> Prepared | None:
    """``query`` compiled for the driver (memoised per statement object: the lookups' statements
    are built once per shape, ``storage.queries``), or ``None`` when it cannot be."""
    memo = _PREPARED.get(id(query))
    if memo is not None and memo[0] is query:
        return memo[1]
    compiled = query.compile(dialect=dialect)
    order = compiled.positiontup
    found: Prepared | None = None
    if order is not None and not any(bind.expanding for bind in compiled.binds.values()):
        found = Prepared(
            sql=str(compiled),
            order=tuple(order),
            binds=tuple(bind_converter(compiled.binds[name].type, dialect) for name in order),
            fixed=dict(compiled.params),
            results=tuple(
                result_converter(column.type, dialect) for column in query.selected_columns
            ),
            keys=tuple(str(column.key) for column in query.selected_columns),
        )
    if len(_PREPARED) >= MOST_STATEMENTS:
        _PREPARED.clear()
    _PREPARED[id(query)] = (query, found)
    return found


def fetch(
    connection: Connection, query: sa.Select[Any], params: Mapping[str, Any]
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]] | None:
    """The column names and the rows of ``query`` with ``params``, or ``None`` when this path
    does not take the statement."""
    statement = prepared(query, connection.dialect)
    if statement is None:
        return None
    values = []
    for name, bind in zip(statement.order, statement.binds, strict=True):
        value = params[name] if name in params else statement.fixed[name]
        values.append(value if bind is None else bind(value))
    dbapi = connection.dialect.loaded_dbapi
    try:
        driver = connection.connection.driver_connection
        fetched = driver.execute(statement.sql, values).fetchall()  # type: ignore[union-attr]
    except dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(
            statement.sql, values, error, dbapi.Error, hide_parameters=True
        ) from error
    results = statement.results
    if not any(results):
        return statement.keys, [tuple(row) for row in fetched]
    rows = [
        tuple(
            value if process is None else process(value)
            for process, value in zip(results, row, strict=True)
        )
        for row in fetched
    ]
    return statement.keys, rows
