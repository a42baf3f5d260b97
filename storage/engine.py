"""Engines for the store and the migrations: one per caller, never at import time.

SQLite gets write-ahead logging (WAL: readers see the last commit and never wait for the
writer, nor hold it back) and a busy timeout. pysqlite's own BEGIN is switched off (the
documented workaround) and SQLAlchemy emits ours:

* a writer takes SQLite's write lock up front (``BEGIN IMMEDIATE``), so two processes on one
  file queue for it instead of losing updates, and a transaction that read first can never
  fail on upgrading its lock;
* a reader (``make_engines(...).read``) begins a plain deferred ``BEGIN``: one consistent
  snapshot from its first read, no lock that a writer waits for, ``query_only`` as a guard;
* a store's writers have one connection (``WRITE_LANE``): the writers of one process queue for
  it in Python, in order, instead of sleeping in SQLite's busy handler against each other.
  Only writers of other processes meet the busy handler.

PostgreSQL URLs without a driver get psycopg 3, the driver this project installs. Readers never
waited there (MVCC); they get their own engine only to spend fewer round trips:

* a reader's connection is in autocommit: no ``BEGIN`` and ``COMMIT`` around its statements.
  Under PostgreSQL's default READ COMMITTED each statement takes its own snapshot in a
  transaction too, so a reader sees what it saw before (and ``ReadOnlyRepo`` refuses writes
  before they reach the server);
* its connections are not pinged with ``SELECT 1`` at every checkout (``pool_pre_ping``, which
  the writers keep): a connection the server closed or wrote to while it was idle in the pool
  (a restart, ``pg_terminate_backend``, an idle timeout) has a readable socket, and that is
  checked without a round trip (``_still_open``); SQLAlchemy then takes another connection.

A ``help`` on a known person went from five round trips (ping, BEGIN, two reads, COMMIT) to one
(the person and whether they are in an open pair are one statement: ``Repo.first_referred``).
"""

from __future__ import annotations

import ipaddress
import select
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError

BUSY_TIMEOUT_MS = 5000
WRITE_LANE = 1  # connections of a store's SQLite writer: one, so writers queue in-process
# SQLite reads the planner's statistics (``SqlStore.refresh_statistics``) when a connection
# opens: a connection is replaced after this long, so another process's refresh reaches it.
STATS_RECYCLE_S = 3600
WRITE_LANE_WAIT_S = 30.0  # a writer waiting longer for the lane gets SQLAlchemy's TimeoutError


def database_url(url: str) -> URL:
    """Parse ``url``, pointing bare ``postgres(ql)://`` URLs at the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


@dataclass(frozen=True)
class Engines:
    """A store's engines: ``write`` for transactions that may write, ``read`` for read-only
    ones (see the module docstring)."""

    write: Engine
    read: Engine

    @property
    def sqlite(self) -> bool:
        return self.write.dialect.name == "sqlite"

    @property
    def on_this_machine(self) -> bool:
        return on_this_machine(self.write.url)

    def dispose(self) -> None:
        self.write.dispose()
        self.read.dispose()


def on_this_machine(url: URL) -> bool:
    """Whether the database at ``url`` is on this machine: a SQLite file, or a PostgreSQL server
    reached through a Unix socket (no host, or a directory) or a loopback address. A host name
    other than ``localhost`` is not looked up: it counts as elsewhere."""
    if url.get_backend_name() == "sqlite":
        return True
    named = url.query.get("host", url.host or "")
    hosts = [h for part in ([named] if isinstance(named, str) else named) for h in part.split(",")]
    return all(_local(host.strip()) for host in hosts)


def _local(host: str) -> bool:
    if not host or host.startswith("/") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` whose every transaction may write (the migrations'); for a
    SQLite file, its folder is created if missing."""
    parsed = _checked(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    return _sqlite(parsed, _begin_immediate)


def make_engines(url: str) -> Engines:
    """The store's engines for ``url`` (see the module docstring)."""
    parsed = _checked(url)
    if parsed.get_backend_name() != "sqlite":
        read = create_engine(parsed, isolation_level="AUTOCOMMIT")
        event.listen(read, "checkout", _still_open)
        return Engines(write=create_engine(parsed, pool_pre_ping=True), read=read)
    write = _sqlite(
        parsed,
        _begin_immediate,
        pool_size=WRITE_LANE,
        max_overflow=0,
        pool_timeout=WRITE_LANE_WAIT_S,
    )
    read = _sqlite(parsed, _begin_deferred)
    event.listen(read, "connect", _query_only)
    return Engines(write=write, read=read)


def _checked(url: str) -> URL:
    parsed = database_url(url)
    if parsed.get_backend_name() != "sqlite":
        return parsed
    if not parsed.database or parsed.database == ":memory:" or "mode=memory" in str(parsed):
        # Each engine (store, migrations) would see its own empty database.
        raise ValueError("in-memory SQLite is not supported: use a file, or InMemoryStore")
    if not parsed.database.startswith("file:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return parsed


def _sqlite(parsed: URL, begin: Any, **pool: Any) -> Engine:
    engine = create_engine(
        parsed,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
        pool_recycle=STATS_RECYCLE_S,
        **pool,
    )
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", begin)
    return engine


def _still_open(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection about to be used: refused (``DisconnectionError``: the pool
    takes another) unless it is ``still_open``."""
    if not still_open(dbapi_connection):
        raise DisconnectionError("the server closed or wrote to an idle connection")


def still_open(dbapi_connection: Any) -> bool:
    """Whether an idle psycopg connection may be used: not closed, and its socket not readable
    (the server closes or writes to a connection while it is idle only to end it: a restart,
    ``pg_terminate_backend``, an idle timeout). Asked of the kernel, not the server."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return False
    idle = select.poll()
    idle.register(dbapi_connection.fileno(), select.POLLIN)
    return not idle.poll(0)


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


def _query_only(dbapi_connection: Any, _record: Any) -> None:
    """A reader's connection refuses writes (the store's read-only repo refuses them first)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA query_only=ON")
    finally:
        cursor.close()


def _begin_immediate(connection: Any) -> None:
    """A writer takes SQLite's write lock up front."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(connection: Any) -> None:
    """A reader takes no lock: its snapshot starts with its first read."""
    connection.exec_driver_sql("BEGIN")
