"""Fixtures for the core's tests: the same Bot on the in-memory store and on a SQL database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conversations.memory import InMemoryStore
from tests.conversations.harness import Bot, make_bot
from tests.conversations.reporting import Built, build_programme
from tests.databases import new_database_url


@pytest.fixture(params=["memory", "sql"])
def bot(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bot]:
    """The same core on the in-memory store and on a SQL database (SQLite, or PostgreSQL in
    the suite's second pass: tests/databases.py)."""
    if request.param == "memory":
        yield make_bot(InMemoryStore())
        return
    from storage.store import SqlStore

    store = SqlStore(new_database_url(tmp_path))
    try:
        yield make_bot(store)
    finally:
        store.close()


@pytest.fixture
def memory_bot() -> Bot:
    return make_bot(InMemoryStore())


@pytest.fixture(scope="session", params=["memory", "sql"])
def reported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    """A whole programme to report on (``tests/conversations/reporting.py``), built once per
    test session on each store; tests only read it."""
    if request.param == "memory":
        yield build_programme(make_bot(InMemoryStore()))
        return
    from storage.store import SqlStore

    store = SqlStore(new_database_url(tmp_path_factory.mktemp("report")))
    try:
        yield build_programme(make_bot(store))
    finally:
        store.close()
