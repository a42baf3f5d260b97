"""Stores under test and sample records.

``store`` runs each contract test against the in-memory store, SqlStore on a SQLite file and
SqlStore on a real PostgreSQL server (a fresh database per test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import pytest

from conversations.memory import InMemoryStore
from conversations.ports import Outbox, Store
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.pg_server import PgServer


class StoreAndOutbox(Store, Outbox, Protocol):
    """What the core gets from one store object."""


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database in a not-yet-existing folder."""
    url = f"sqlite:///{tmp_path / 'data' / 'mentorbot.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def pg_migrated_template(pg_server: PgServer) -> str:
    """The name of a migrated, empty database to copy from."""
    url = pg_server.create_database()
    upgrade(url)
    return url.rsplit("/", 1)[1]


@pytest.fixture
def migrated_pg_url(pg_server: PgServer, pg_migrated_template: str) -> Iterator[str]:
    """A fresh migrated, otherwise empty PostgreSQL database (a copy of the template)."""
    url = pg_server.create_database(template=pg_migrated_template)
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def sql_stores() -> Iterator[Callable[[str], SqlStore]]:
    """Open SqlStores that are closed when the test ends."""
    opened: list[SqlStore] = []

    def open_store(url: str) -> SqlStore:
        opened.append(SqlStore(url))
        return opened[-1]

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest, sql_stores: Callable[[str], SqlStore]) -> StoreAndOutbox:
    """Each kind of store, empty and ready."""
    if request.param == "memory":
        return InMemoryStore()
    fixture = "sqlite_url" if request.param == "sqlite" else "migrated_pg_url"
    return sql_stores(request.getfixturevalue(fixture))
