"""The repo's most frequent reads, run on the driver's connection (sqlite3, psycopg).

``SqlRepo.first`` and ``SqlRepo.columns`` answer every command (the person, whether they are in
a pair) and most of a flow's lookups. Through SQLAlchemy's ``Connection.execute`` each cost
several times what the driver needs for it: the execution context, the cache key, the result
object. Here a lookup's statement is compiled once by SQLAlchemy (the same SQL, with the same
parameter style and, on PostgreSQL, the same casts), its values converted with the columns'
own dialect-level bind and result processors (the same values), and it runs on the driver's
connection inside the unit SQLAlchemy began: one worker answering ``help`` at 8 in flight used
about 9 % less CPU on SQLite (bench/RESULTS.md).

What this path leaves out: SQLAlchemy's cursor events (nothing here listens to them), and
statements whose SQL is only rendered with their values (expanding ``IN`` lists: ``prepared``
gives ``None`` and the caller executes them as before). A driver error is raised as
SQLAlchemy's ``DBAPIError``, so a locked database or a deadlock is still a ``Conflict``
(``storage.units``); a connection the error shows broken is invalidated, as SQLAlchemy does.
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
DRIVERS = frozenset({"pysqlite", "psycopg"})  # whose connections have ``execute``
MOST_STATEMENTS = 4096  # lookup shapes are a few hundred; bound the memo anyway


@dataclass
class Prepared:
    sql: str
    named: bool  # parameters by name (psycopg's pyformat), else by position (sqlite3's qmark)
    order: tuple[str, ...]  # the parameters' names, in their positions if positional
    binds: tuple[Processor, ...]
    fixed: Mapping[str, Any]  # values the statement carries itself (LIMIT 1)
    types: tuple[sa.types.TypeEngine[Any], ...]  # the selected columns' types
    keys: tuple[str, ...]  # the selected columns' names
    # The result processors, made at the first execution: psycopg's depend on the type the
    # server says it sent (a NUMERIC or a FLOAT column's), as in SQLAlchemy's result objects.
    results: tuple[Processor, ...] | None = None


_PREPARED: dict[int, tuple[sa.Select[Any], Prepared | None]] = {}


def prepared(query: sa.Select[Any], dialect: Dialect) -> Prepared | None:
    """``query`` compiled for the driver (memoised per statement object: the lookups' statements
    are built once per shape, ``storage.queries``), or ``None`` when it cannot be."""
    memo = _PREPARED.get(id(query))
    if memo is not None and memo[0] is query:
        return memo[1]
    compiled = query.compile(dialect=dialect)
    named = compiled.positiontup is None
    order = list(compiled.params) if named else compiled.positiontup
    found: Prepared | None = None
    plain = not compiled.escaped_bind_names  # names in the SQL as in the statement
    if order is not None and plain and not any(b.expanding for b in compiled.binds.values()):
        found = Prepared(
            sql=str(compiled),
            named=named,
            order=tuple(order),
            binds=tuple(bind_converter(compiled.binds[name].type, dialect) for name in order),
            fixed=dict(compiled.params),
            types=tuple(column.type for column in query.selected_columns),
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
    bound: Any = dict(zip(statement.order, values, strict=True)) if statement.named else values
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    try:
        cursor = driver.execute(statement.sql, bound)  # type: ignore[union-attr]
        fetched = cursor.fetchall()
    except dialect.loaded_dbapi.Error as error:
        if dialect.is_disconnect(error, driver, None):
            connection.invalidate(error)
        raise sa.exc.DBAPIError.instance(
            statement.sql, bound, error, dialect.loaded_dbapi.Error, hide_parameters=True
        ) from error
    results = statement.results
    if results is None:
        sent = [column[1] for column in cursor.description]
        results = statement.results = tuple(
            result_converter(type_, dialect, code)
            for type_, code in zip(statement.types, sent, strict=True)
        )
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
