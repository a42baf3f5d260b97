"""The repo's lookups (``get``, ``find``, ``first``, ``columns``) as SELECTs built once per shape.

Building a SQLAlchemy statement is most of what a small lookup costs in Python (every ``==``
and ``in_`` makes clause objects, and the statement's cache key is computed anew): more than
running it on SQLite. A lookup's *shape* is its record class, which fields it filters on and
how (equal, ``IS NULL``, one of a list, a list that admits NULL, ``>=``), and which columns
and how many rows it wants; the values are bound parameters (``expanding`` for a list, so
one statement serves every length, the empty list included). One statement per shape is
built the first time and kept; its compiled form is then found in SQLAlchemy's own cache.

The ``where`` mapping means what it always meant (see ``SqlRepo.find``): equality per field,
membership when the value is a list, tuple, set or frozenset (``None`` among them: or NULL),
``>=`` for ``AtLeast``, either of two columns for ``OrField``, and ``None`` itself matches
NULL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from conversations.ports import AtLeast, OrField
from conversations.records import Record
from storage.tables import table_of

Shape = tuple[tuple[str, str], ...]  # (field, how) in the caller's order

_LISTS = (list, tuple, set, frozenset)
# Lists up to this long get one parameter per value (no expanding at each execution: most
# lists are a few phases or statuses); longer ones (ids) one expanding parameter.
SHORT_LIST = 8


def _how(wanted: Any) -> str:
    if isinstance(wanted, _LISTS):
        how = "in_or_null" if None in wanted else "in"
        size = sum(1 for v in wanted if v is not None)
        return f"{how}:{size}" if size <= SHORT_LIST else how
    if isinstance(wanted, AtLeast):
        return "at_least"
    if isinstance(wanted, OrField):
        return f"or {wanted.other}"
    return "null" if wanted is None else "eq"


def _value(wanted: Any) -> Any:
    if isinstance(wanted, _LISTS):
        return [v for v in wanted if v is not None]
    if isinstance(wanted, AtLeast | OrField):
        return wanted.value
    return wanted


class _JsonList(sa.types.TypeDecorator[list[Any]]):
    """A list of ids or keys bound as one JSON array (SQLite's long ``IN`` lists)."""

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str:
        return json.dumps(list(value))


def _plain(column: sa.Column[Any]) -> bool:
    """Whether the column holds what a JSON array gives back as is: integers or text."""
    kind = column.type
    return isinstance(kind, sa.Integer | sa.String) and not isinstance(kind, sa.Enum)


def one_of(column: sa.Column[Any], name: str, dialect: str) -> sa.ColumnElement[bool]:
    """``column`` is one of the list bound as ``name``, however long, as one parameter:
    on PostgreSQL ``= ANY`` of an array (expanded into one placeholder per value, psycopg
    parses the statement anew for every length: 5,000 ids, a tenth of a second of Python per
    read); on SQLite, for integers and text, a JSON array read with ``json_each`` (expanded,
    SQLAlchemy renders and converts every value at each execution: a tick's reads by
    thousands of ids and keys, a tenth of its time); else an expanding parameter."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(column.type)))
    if dialect == "sqlite" and _plain(column):
        listed: sa.Select[Any] = sa.select(sa.literal_column("value")).select_from(
            sa.func.json_each(sa.bindparam(name, type_=_JsonList()))
        )
        return column.in_(listed.scalar_subquery())
    return column.in_(sa.bindparam(name, type_=column.type, expanding=True))


def _clause(
    column: sa.Column[Any], name: str, how: str, dialect: str, prefix: str = "w_"
) -> sa.ColumnElement[bool]:
    how, _, size = how.partition(":")
    if how.startswith("in") and not size:  # a long list (ids, keys): one parameter
        found = one_of(column, f"{prefix}{name}", dialect)
        return sa.or_(found, column.is_(None)) if how == "in_or_null" else found
    param = sa.bindparam(f"{prefix}{name}", type_=column.type, expanding=how.startswith("in"))
    if how == "at_least":
        return column >= param
    if how == "null":
        return column.is_(None)
    if how == "eq":
        return column == param
    if how.startswith("or "):  # either column: the database ORs their two indexes
        return sa.or_(column == param, column.table.columns[how[3:]] == param)
    values: Any = param
    if size:  # a short list: one parameter per value, w_<name>_0, w_<name>_1 …
        values = [sa.bindparam(f"{prefix}{name}_{i}", type_=column.type) for i in range(int(size))]
    clause = column.in_(values)
    return sa.or_(clause, column.is_(None)) if how == "in_or_null" else clause


@cache
def _fields(cls: type[Record]) -> frozenset[str]:
    return frozenset(table_of(cls).columns.keys())


def shape_of(
    cls: type[Record], where: Mapping[str, Any], prefix: str = "w_"
) -> tuple[Shape, dict[str, Any]]:
    """The shape of a lookup and its bound values, named ``prefix`` and the field
    (``AttributeError`` for an unknown field)."""
    fields = _fields(cls)
    shape: list[tuple[str, str]] = []
    params: dict[str, Any] = {}
    for name, wanted in where.items():
        if isinstance(wanted, str | int) and name in fields:  # most lookups: by a key or id
            shape.append((name, "eq"))
            params[f"{prefix}{name}"] = wanted
            continue
        for field in (name, wanted.other) if isinstance(wanted, OrField) else (name,):
            if field not in fields:
                raise AttributeError(f"{table_of(cls).name} has no field {field!r}")
        how = _how(wanted)
        shape.append((name, how))
        if ":" in how:
            params.update((f"{prefix}{name}_{i}", v) for i, v in enumerate(_value(wanted)))
        elif how != "null":
            params[f"{prefix}{name}"] = _value(wanted)
    return tuple(shape), params


@lru_cache(maxsize=2048)
def rows(cls: type[Record], shape: Shape, one: bool, dialect: str = "") -> sa.Select[Any]:
    """Whole rows of ``cls`` of that shape, by id (``one``: the first only), for the
    ``dialect`` (its name: long lists differ on PostgreSQL)."""
    table = table_of(cls)
    query = sa.select(table).where(*_where(table, shape, dialect)).order_by(table.c.id)
    return query.limit(1) if one else query


REFERRED = "referred_"  # the label of ``first_referred``'s answer (no record has that field)
REFERRED_PREFIX = "x_"  # its filter's parameters: not named like the lookup's own


@lru_cache(maxsize=256)
def first_referred(
    cls: type[Record],
    shape: Shape,
    other: type[Record],
    fields: tuple[str, ...],
    other_shape: Shape,
    dialect: str = "",
) -> sa.Select[Any]:
    """The first whole row of ``cls`` of that shape and, labelled ``REFERRED``, whether a row
    of ``other`` of ``other_shape`` holds its id in one of ``fields``: one statement (an
    ``EXISTS``) where two reads were two round trips."""
    table, linked = table_of(cls), table_of(other)
    for name in fields:
        if name not in linked.columns:
            raise AttributeError(f"{linked.name} has no field {name!r}")
    refers = sa.or_(*(linked.columns[name] == table.c.id for name in fields))
    conditions = _where(linked, other_shape, dialect, REFERRED_PREFIX)
    exists = sa.exists().where(refers, *conditions).label(REFERRED)
    query = sa.select(table, exists).where(*_where(table, shape, dialect))
    return query.order_by(table.c.id).limit(1)


@lru_cache(maxsize=2048)
def some_columns(
    cls: type[Record], names: tuple[str, ...], shape: Shape, dialect: str = ""
) -> sa.Select[Any]:
    """Only the columns ``names`` of the rows of that shape, by id."""
    table = table_of(cls)
    for name in names:
        if name not in table.columns:
            raise AttributeError(f"{table.name} has no field {name!r}")
    query = sa.select(*(table.columns[n] for n in names)).where(*_where(table, shape, dialect))
    return query.order_by(table.c.id)


@lru_cache(maxsize=256)
def by_id(cls: type[Record]) -> sa.Select[Any]:
    table = table_of(cls)
    return sa.select(table).where(table.c.id == sa.bindparam("id"))


def _where(
    table: sa.Table, shape: Shape, dialect: str, prefix: str = "w_"
) -> Sequence[sa.ColumnElement[bool]]:
    return [_clause(table.columns[name], name, how, dialect, prefix) for name, how in shape]
