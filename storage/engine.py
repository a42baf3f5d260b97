"""Engines for the store and the migrations: one per caller, never at import time.

SQLite gets write-ahead logging, a busy timeout and ``BEGIN IMMEDIATE`` transactions (the
documented pysqlite workaround: the driver's own BEGIN is switched off and SQLAlchemy emits
ours), so two processes on one file queue for the write lock instead of losing updates.
PostgreSQL URLs without a driver get psycopg 3, the driver this project installs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

BUSY_TIMEOUT_MS = 5000


def database_url(url: str) -> URL:
    """Parse ``url``, pointing bare ``postgres(ql)://`` URLs at the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str) -> Engine:
    """A new engine for ``url``; for a SQLite file, its folder is created if missing."""
    parsed = database_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if not parsed.database or parsed.database == ":memory:" or "mode=memory" in str(parsed):
        # Each engine (store, migrations) would see its own empty database.
        raise ValueError("in-memory SQLite is not supported: use a file, or InMemoryStore")
    if not parsed.database.startswith("file:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Take transaction control away from pysqlite and set WAL + busy timeout."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _begin_immediate(connection: Any) -> None:
    """Every transaction may write, so take SQLite's write lock up front."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")
