"""What the tests of one migration share: a database of each SQL kind at the revision before
it, rows inserted as they could be then (straight into the tables, duplicates and all), and a
downgrade."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from conversations import records as rec
from storage.engine import make_engine
from storage.migrate import _config, upgrade
from storage.store import _to_row
from storage.tables import table_of

KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]  # fixture params


def database_at(request: pytest.FixtureRequest, tmp_path: Path, revision: str) -> str:
    """The URL of a database of the fixture's kind (``KINDS``), migrated to ``revision``."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    else:
        url = request.getfixturevalue("pg_database_url")
    upgrade(url, revision)
    return url


def insert(url: str, records: list[rec.Record]) -> list[int]:
    """The records inserted as rows, bypassing the store's checks; their ids."""
    engine = make_engine(url)
    ids = []
    try:
        with engine.begin() as connection:
            for record in records:
                table = table_of(type(record))
                values = _to_row(record) | {"version": 1}
                ids.append(
                    connection.execute(
                        sa.insert(table).values(values).returning(table.c.id)
                    ).scalar_one()
                )
    finally:
        engine.dispose()
    return ids


def downgrade(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.downgrade(_config(connection), revision)
    finally:
        engine.dispose()
