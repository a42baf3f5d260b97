"""Each record class has a table with the same fields and unique keys."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.dialects import sqlite

from conversations.records import ALL_RECORDS, Record
from conversations.unique_keys import UNIQUE_KEYS
from storage.tables import TABLE_FOR, UTCDateTime, table_of


def test_every_record_class_has_a_table() -> None:
    assert set(TABLE_FOR) == set(ALL_RECORDS)
    assert len({table_of(cls).name for cls in ALL_RECORDS}) == len(ALL_RECORDS)


@pytest.mark.parametrize("cls", ALL_RECORDS, ids=lambda cls: cls.__name__)
def test_table_columns_mirror_the_record_fields(cls: type[Record]) -> None:
    table = table_of(cls)
    assert [c.name for c in table.columns] == list(cls.model_fields)
    for name, field in cls.model_fields.items():
        column = table.columns[name]
        optional = types.NoneType in typing.get_args(field.annotation)
        assert column.nullable == (optional and name != "id"), name
        origin = typing.get_origin(field.annotation) or field.annotation
        assert isinstance(column.type, JSON) == (origin in (list, dict)), name
        members = (field.annotation, *typing.get_args(field.annotation))
        unwrapped = {
            typing.get_args(m)[0] if typing.get_origin(m) is typing.Annotated else m
            for m in members
        }
        is_datetime = datetime in unwrapped
        assert isinstance(column.type, UTCDateTime) == is_datetime, name


@pytest.mark.parametrize("cls", ALL_RECORDS, ids=lambda cls: cls.__name__)
def test_unique_keys_of_the_tables_are_those_every_store_enforces(cls: type[Record]) -> None:
    table = table_of(cls)
    constraints = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
    indexes = [i for i in table.indexes if i.unique]
    found = {(_names(c.columns), None) for c in constraints}
    found |= {(_names(i.columns), _where(i)) for i in indexes}
    expected = {
        (key.fields, None if key.only is None else key.only[0]) for key in UNIQUE_KEYS.get(cls, ())
    }
    assert found == expected


def _names(columns: Iterable[Column[Any]]) -> tuple[str, ...]:
    return tuple(column.name for column in columns)


def _where(index: Index) -> str | None:
    """The field a partial index's condition names (the same on SQLite and PostgreSQL)."""
    sqlite, postgres = (index.dialect_options[d]["where"] for d in ("sqlite", "postgresql"))
    assert str(sqlite) == str(postgres)
    return None if sqlite is None else str(sqlite).split()[0]


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 1, 13, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 11, 30, 5, 123, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 10, 25, 0, 59, 59, 999999, tzinfo=ZoneInfo("Europe/Stockholm")),
    ],
)
def test_sqlite_timestamps_keep_the_text_form_sqlalchemy_wrote_and_read_back_the_same(
    moment: datetime,
) -> None:
    """Rows written before and after the faster conversion sit in one table and are compared
    as text (``due_at >= …``): the form must be SQLAlchemy's ``DATETIME`` one, to the digit."""
    dialect = sqlite.dialect()  # type: ignore[no-untyped-call]
    ours = UTCDateTime().dialect_impl(dialect)
    written = ours.bind_processor(dialect)(moment)
    naive_utc = moment.astimezone(UTC).replace(tzinfo=None)
    assert written == sqlite.DATETIME().bind_processor(dialect)(naive_utc)
    read = ours.result_processor(dialect, None)(written)
    assert read == moment and read.tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        ours.bind_processor(dialect)(naive_utc)
