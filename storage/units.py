"""A unit of work on one of the store's engines: begun, committed when the block ends,
rolled back if it raises, and errors that mean "run it again" raised as ``Conflict``.

"Run it again": PostgreSQL aborted the transaction to break a deadlock or a serialisation
conflict, or SQLite was still locked by another connection after the busy timeout (``database
is locked``: ``SQLITE_BUSY``, ``SQLITE_LOCKED``; SQLite's busy handler has already waited,
with its own growing pauses, up to ``storage.engine.BUSY_TIMEOUT_MS``). Whatever failed, at
BEGIN, in a statement or at COMMIT, is rolled back and left to the caller to run again, as a
lost optimistic-locking race is: the engine retries a turn (a few times), the scheduler's
next tick plans again. Within one process SQLite writers no longer meet each other there
(``storage.engine``: one writer connection per store), so this is another process's writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import DBAPIError

from conversations.ports import Conflict

# PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply be retried.
_RETRYABLE = frozenset({"40P01", "40001"})
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6  # primary result codes (the low byte of extended ones)


def is_busy(error: DBAPIError) -> bool:
    """SQLite's "database is locked": another connection holds what this one needs."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    message = str(error.orig)
    return "database is locked" in message or "database table is locked" in message


def may_retry(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _RETRYABLE or is_busy(error)


@contextmanager
def unit(engine: Engine, *, begin: bool = True) -> Iterator[Connection]:
    """A connection of ``engine`` inside one transaction (see the module docstring), or, with
    ``begin=False`` on an engine in autocommit (PostgreSQL's readers), without one: each
    statement is its own, and SQLAlchemy's transaction objects would only cost Python."""
    with retried_as_conflict():
        connection, transaction = _begin(engine) if begin else (engine.connect(), nullcontext())
        try:
            with transaction:
                yield connection
        finally:
            connection.close()


@contextmanager
def retried_as_conflict() -> Iterator[None]:
    """A database error that means "run it again" (``may_retry``) raised as ``Conflict``."""
    try:
        yield
    except DBAPIError as error:
        if may_retry(error):
            raise Conflict(f"the database aborted the transaction: {error.orig}") from error
        raise


def _begin(engine: Engine) -> tuple[Connection, RootTransaction]:
    connection = engine.connect()
    try:
        return connection, connection.begin()
    except BaseException:
        connection.close()
        raise
