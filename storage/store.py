"""``SqlStore``: the core's ``Store`` and ``Outbox`` ports on SQLite or PostgreSQL.

Works with SQLAlchemy Core on the tables in ``storage.tables``; records go in and come out as
the pydantic classes of ``conversations.records`` (fresh objects, never bound to a session).
The store does not create or migrate the schema: call ``storage.migrate.upgrade(url)`` first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from conversations.ports import Conflict, DuplicateKey, OutboxTally, R, Referred
from conversations.read_only import ReadOnlyRepo
from conversations.records import OutboxItem, PlanWake, Record
from conversations.wakes import PLANNED, subjects_of
from storage import driver_reads, queries, wake_claims
from storage.bulk_rows import enqueue_on_postgresql, enqueue_on_sqlite
from storage.engine import STATS_RECYCLE_S, make_engines, still_open
from storage.outbox import SqlOutbox
from storage.outbox_tallies import outbox_tallies
from storage.tables import table_of
from storage.units import retried_as_conflict, unit

T = TypeVar("T")
ANALYSIS_LIMIT = 1000  # rows SQLite's ANALYZE samples per index
_ROWS_PER_INSERT = 2000  # rows per multi-row INSERT (4 values each: under the bind limits)


@cache
def _json_fields(cls: type[Record]) -> frozenset[str]:
    """The fields of ``cls`` kept in JSON columns."""
    return frozenset(c.name for c in table_of(cls).columns if isinstance(c.type, sa.JSON))


@cache
def _row_fields(cls: type[Record]) -> tuple[str, ...]:
    """The fields of ``cls`` written as columns (all but ``id``)."""
    return tuple(name for name in cls.model_fields if name != "id")


def _to_row(record: Record) -> dict[str, Any]:
    """Column values for ``record`` (without ``id``): JSON columns get JSON-ready values, as
    ``model_dump(mode="json")`` gives them. Read off the record rather than dumped: a tick
    writes thousands of rows, and two ``model_dump`` calls each were a tenth of its time."""
    values = {name: getattr(record, name) for name in _row_fields(type(record))}
    for name in _json_fields(type(record)):
        values[name] = to_jsonable_python(values[name])
    return values


def _records(
    cls: type[R], result: sa.CursorResult[Any] | tuple[tuple[str, ...], list[tuple[Any, ...]]]
) -> list[R]:
    """Records built (and validated) from whole table rows, of a SQLAlchemy result or of
    ``storage.driver_reads`` (names, rows); the column names are read once, not a mapping made
    for each row (a tick reads thousands)."""
    names, rows = result if isinstance(result, tuple) else (tuple(result.keys()), result)
    return [cls.model_validate(dict(zip(names, row, strict=True))) for row in rows]


# Statements built once per table (building one per write cost more than running it): the
# values come as parameters.


@cache
def _insert_returning_id(table: sa.Table) -> sa.Insert:
    return sa.insert(table).returning(table.c.id)


@cache
def _insert_many_returning_id(table: sa.Table) -> sa.Insert:
    """For ``executemany``: the new ids in the order of the rows given."""
    return sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)


@cache
def _update_if_current(table: sa.Table) -> sa.Update:
    """``UPDATE … WHERE id = :b_id AND version = :b_version``; the columns to set come as
    parameters named after them."""
    return sa.update(table).where(
        table.c.id == sa.bindparam("b_id"), table.c.version == sa.bindparam("b_version")
    )


_SETTLE_ON_POSTGRESQL = sa.text(
    "UPDATE plan_wake SET wake_at = v.wake_at, changed = false, version = plan_wake.version + 1 "
    "FROM unnest(CAST(:subjects AS VARCHAR[]), CAST(:versions AS INTEGER[]), "
    "CAST(:wakes AS TIMESTAMPTZ[])) AS v(subject, version, wake_at) "
    "WHERE plan_wake.subject = v.subject AND plan_wake.version = v.version"
)


def _has_unique(table: sa.Table) -> bool:
    """Whether an insert or update of ``table`` can clash with a unique constraint or index."""
    return any(isinstance(c, sa.UniqueConstraint) for c in table.constraints) or any(
        index.unique for index in table.indexes
    )


class SqlRepo:
    """The ``Repo`` port inside one database transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._dialect = connection.dialect.name
        self._driver = connection.dialect.driver in driver_reads.DRIVERS  # the hottest reads

    def get(self, cls: type[R], id: int) -> R | None:
        found = _records(cls, self._conn.execute(queries.by_id(cls), {"id": id}))
        return found[0] if found else None

    def find(self, cls: type[R], **where: Any) -> list[R]:
        shape, params = queries.shape_of(cls, where)
        return _records(
            cls, self._conn.execute(queries.rows(cls, shape, False, self._dialect), params)
        )

    def columns(self, cls: type[R], names: Sequence[str], **where: Any) -> list[tuple[Any, ...]]:
        """Only the columns ``names`` of the matching rows (no records built); the column
        types convert timestamps to aware UTC, enum values to enums and JSON to Python."""
        shape, params = queries.shape_of(cls, where)
        query = queries.some_columns(cls, tuple(names), shape, self._dialect)
        fetched = self._on_driver(query, params)
        if fetched is not None:
            return fetched[1]
        return [tuple(row) for row in self._conn.execute(query, params)]

    def first(self, cls: type[R], **where: Any) -> R | None:
        shape, params = queries.shape_of(cls, where)
        query = queries.rows(cls, shape, True, self._dialect)  # LIMIT 1
        found = _records(cls, self._on_driver(query, params) or self._conn.execute(query, params))
        return found[0] if found else None

    def first_referred(
        self, cls: type[R], referred: Referred, **where: Any
    ) -> tuple[R, bool] | None:
        """One statement: the row and an ``EXISTS`` of the referring row (``queries``)."""
        shape, params = queries.shape_of(cls, where)
        other_shape, other_params = queries.shape_of(
            referred.cls, referred.where, queries.REFERRED_PREFIX
        )
        query = queries.first_referred(
            cls, shape, referred.cls, tuple(referred.fields), other_shape, self._dialect
        )
        params |= other_params
        fetched = self._on_driver(query, params)
        if fetched is None:
            result = self._conn.execute(query, params)
            fetched = (tuple(result.keys()), [tuple(row) for row in result])
        names, rows = fetched
        if not rows:
            return None
        *values, refers = rows[0]
        return _records(cls, (names[:-1], [tuple(values)]))[0], bool(refers)

    def _on_driver(
        self, query: sa.Select[Any], params: dict[str, Any]
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]] | None:
        """``storage.driver_reads.fetch`` where the driver takes it, else ``None``."""
        return driver_reads.fetch(self._conn, query, params) if self._driver else None

    def add(self, record: R) -> R:
        """Insert with version 1; a unique clash raises ``DuplicateKey`` and is rolled back to a
        savepoint, so the surrounding transaction can go on."""
        table = table_of(type(record))
        values = _to_row(record) | {"version": 1}
        statement = _insert_returning_id(table)
        new_id = self._guarded(table, lambda: self._conn.execute(statement, values).scalar_one())
        stored = record.model_copy(update={"id": new_id, "version": 1}, deep=True)
        self.wake(subjects_of(stored))
        return stored

    def update(self, record: R) -> R:
        """Write ``record`` if its version is still current; the stored version goes up by one."""
        table = table_of(type(record))
        if record.id is None:
            raise Conflict(f"{type(record).__name__} has no id: add it first")
        values = _to_row(record) | {
            "version": record.version + 1,
            "b_id": record.id,
            "b_version": record.version,
        }
        statement = _update_if_current(table)
        count = self._guarded(table, lambda: self._conn.execute(statement, values).rowcount)
        if count != 1:
            raise Conflict(f"{type(record).__name__} {record.id} changed meanwhile or is gone")
        self.wake(subjects_of(record))
        return record.model_copy(update={"version": record.version + 1}, deep=True)

    def add_many(self, records: Sequence[R]) -> list[R]:
        """One ``INSERT … RETURNING id`` executed for all of them, in one savepoint."""
        if not records:
            return []
        cls = type(records[0])
        table = table_of(cls)
        values = [_to_row(record) | {"version": 1} for record in records]
        statement = _insert_many_returning_id(table)
        ids = self._guarded(
            table, lambda: [new_id for (new_id,) in self._conn.execute(statement, values)]
        )
        stored = [
            record.model_copy(update={"id": new_id, "version": 1}, deep=True)
            for record, new_id in zip(records, ids, strict=True)
        ]
        self.wake(subject for record in stored for subject in subjects_of(record))
        return stored

    def update_many(self, records: Sequence[R]) -> list[R]:
        """One ``UPDATE … WHERE id = … AND version = …`` executed for all of them."""
        if not records:
            return []
        if not self._conn.dialect.supports_sane_multi_rowcount:
            return [self.update(record) for record in records]
        cls = type(records[0])
        table = table_of(cls)
        values = [
            _to_row(record)
            | {"version": record.version + 1, "b_id": record.id, "b_version": record.version}
            for record in records
        ]
        statement = _update_if_current(table)
        count = self._guarded(table, lambda: self._conn.execute(statement, values).rowcount)
        if count != len(records):
            raise Conflict(f"{cls.__name__}: {len(records) - count} changed meanwhile or gone")
        self.wake(subject for record in records for subject in subjects_of(record))
        return [
            record.model_copy(update={"version": record.version + 1}, deep=True)
            for record in records
        ]

    def delete(self, cls: type[R], id: int) -> None:
        table = table_of(cls)
        if cls in PLANNED:
            gone = self.get(cls, id)
            if gone is not None:
                self.wake(subjects_of(gone))
        self._conn.execute(sa.delete(table).where(table.c.id == id))

    def enqueue(self, item: OutboxItem) -> bool:
        """Insert unless an item with the same key exists (``ON CONFLICT DO NOTHING``)."""
        return bool(self.enqueue_many([item]))

    def enqueue_many(self, items: Sequence[OutboxItem]) -> set[str]:
        """One ``INSERT … ON CONFLICT DO NOTHING RETURNING key`` executed for all of them
        (SQLAlchemy sends it as multi-row inserts): the keys that were new."""
        rows, seen = [], set()
        for item in items:
            if item.key not in seen:  # a key twice: the first one, as one at a time would
                seen.add(item.key)
                rows.append(_to_row(item) | {"version": 1})
        if not rows:
            return set()
        if self._dialect == "postgresql":
            return enqueue_on_postgresql(self._conn, rows)
        return enqueue_on_sqlite(self._conn, rows)

    def outbox_tallies(self, programme_id: int) -> list[OutboxTally]:
        return outbox_tallies(self._conn, programme_id)

    # The planner's wake-ups ---------------------------------------------------------------

    def _insert(self) -> Any:
        return postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert

    def wake(self, subjects: Iterable[str]) -> None:
        """One upsert: changed, due at once (``EPOCH``), version + 1."""
        wake_claims.wake(self._conn, subjects)

    def due_wakes(self, now: datetime, limit: int) -> list[PlanWake]:
        """Two reads of the (changed, wake_at) index; on PostgreSQL rows another scheduler
        holds are skipped (``storage.wake_claims``)."""
        return wake_claims.due_wakes(self._conn, now, limit)

    def changed_wakes(
        self, kind: str, after_id: int, limit: int, *, wait: bool = False
    ) -> list[PlanWake]:
        return wake_claims.changed_wakes(self._conn, kind, after_id, limit, wait=wait)

    def claim_wakes(self, subjects: Iterable[str]) -> dict[str, int | None]:
        return wake_claims.claim_wakes(self._conn, subjects)

    def settle_wakes(self, settled: Sequence[tuple[str, int | None, datetime]]) -> None:
        table = table_of(PlanWake)
        c = table.c
        known = [
            {"b_subject": s, "b_version": v, "b_wake_at": w} for s, v, w in settled if v is not None
        ]
        if known and self._dialect == "postgresql":
            # One statement for all of them (the rows are this transaction's already: read
            # FOR UPDATE by due_wakes, changed_wakes or claim_wakes), not one per row.
            self._conn.execute(
                _SETTLE_ON_POSTGRESQL,
                {
                    "subjects": [k["b_subject"] for k in known],
                    "versions": [k["b_version"] for k in known],
                    "wakes": [k["b_wake_at"] for k in known],
                },
            )
        elif known:
            self._conn.execute(
                sa.update(table)
                .where(
                    c.subject == sa.bindparam("b_subject"), c.version == sa.bindparam("b_version")
                )
                .values(
                    wake_at=sa.bindparam("b_wake_at", type_=c.wake_at.type),
                    changed=False,
                    version=c.version + 1,
                ),
                known,
            )
        new = [
            {"subject": s, "wake_at": w, "changed": False, "version": 1}
            for s, v, w in settled
            if v is None
        ]
        for start in range(0, len(new), _ROWS_PER_INSERT):
            self._conn.execute(
                self._insert()(table)
                .values(new[start : start + _ROWS_PER_INSERT])
                .on_conflict_do_nothing(index_elements=["subject"])
            )

    def _guarded(self, table: sa.Table, write: Callable[[], T]) -> T:
        """Run ``write``; on a table with unique constraints, inside a savepoint that turns a
        unique clash into ``DuplicateKey`` without aborting the transaction."""
        if not _has_unique(table):
            return write()
        try:
            with self._conn.begin_nested():
                return write()
        except IntegrityError as error:
            raise DuplicateKey(f"{table.name}: {error.orig}") from error


class SqlStore(SqlOutbox):
    """``Store`` + ``Outbox`` (``storage.outbox``) on the database at ``url`` (SQLite or
    PostgreSQL).

    Each instance owns its engines (and connection pools); ``close()`` releases them. On
    SQLite, ``read()`` runs on reader connections that never wait for the writer, and the
    writers of this store take turns on one connection (``storage.engine``).
    """

    def __init__(self, url: str) -> None:
        self._engines = make_engines(url)
        self._engine = self._engines.write
        self._writing = threading.local()  # this thread is inside one of our write transactions
        self._keeper: int | None = None  # the thread whose reads keep a connection (keep_reader)
        self._kept: Connection | None = None
        self._kept_in_use = False
        self._kept_opened = 0.0  # when the kept connection was opened (time.monotonic)
        self._kept_statistics = 0  # ``_statistics`` when it was opened
        self._statistics = 0  # refreshes of SQLite's statistics (``refresh_statistics``)

    @property
    def reads_nearby(self) -> bool:
        """Whether a read waits on nothing farther than this machine: embedded SQLite (a read is
        work in this process, and a reader never waits for a writer) or a PostgreSQL server
        through a Unix socket or a loopback address (a round trip well under a millisecond).
        Such a read may run on an event loop."""
        return self._engines.on_this_machine

    def refresh_statistics(self) -> bool:
        """``KeepsStatistics``: on SQLite, ``ANALYZE`` with ``analysis_limit`` (rows sampled per
        index, so it stays a few milliseconds however large the file); on PostgreSQL nothing,
        autovacuum does it. Without statistics SQLite's planner chose ``ix_pair_workspace`` for
        a person's pairs: 7 ms a lookup in a workspace of 25,000 pairs, 0.05 ms with them."""
        if not self._engines.sqlite:
            return False
        with self._write() as connection:
            connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            connection.exec_driver_sql("ANALYZE")
        # A connection reads the statistics when it opens: this store's readers (every command's
        # lookups) open new ones now (one in use is closed when it is given back); the writer's
        # and other processes' connections are replaced within ``engine.STATS_RECYCLE_S``.
        self._engines.read.dispose()
        self._statistics += 1  # and the kept reader (``keep_reader``) at its next read
        return True

    @property
    def engine(self) -> Engine:
        """The store's (writers') engine, for collaborators that share the database."""
        return self._engine

    @property
    def read_engine(self) -> Engine:
        """The store's readers' engine (on SQLite: never waits for a writer, refuses writes),
        for collaborators that only read the database."""
        return self._engines.read

    def close(self) -> None:
        """Close all pooled connections."""
        kept, self._kept, self._keeper = self._kept, None, None
        if kept is not None:
            kept.close()
        self._engines.dispose()

    def keep_reader(self) -> None:
        """Reads on the calling thread (an adapter's event loop, which reads often and one read
        at a time) keep one reader connection between them, instead of taking one from the pool
        and giving it back at each read: about 50 us of every command's CPU on either database
        (bench/RESULTS.md). A read inside another on that thread, and every other thread's,
        use the pool. The kept connection is replaced as the pool would replace it: on
        PostgreSQL when the server dropped it (``engine.still_open``, checked before each read);
        on SQLite after a statistics refresh or ``engine.STATS_RECYCLE_S``, since a connection
        reads the planner's statistics when it opens."""
        self._keeper = threading.get_ident()

    @contextmanager
    def transaction(self) -> Iterator[SqlRepo]:
        """A unit of work: committed when the block ends, rolled back if it raises.

        On SQLite it waits its turn for the store's one writer connection (no busy-sleeping
        against this process's other writers), then takes the write lock (``BEGIN
        IMMEDIATE``). A write transaction opened inside another on the same thread would wait
        for itself: it is refused at once (``RuntimeError``).

        A transaction that could not go on because of other transactions is rolled back and
        raised as ``Conflict``: PostgreSQL aborting it to break a deadlock or a serialisation
        conflict, SQLite still locked by another process after the busy timeout (``database
        is locked``). Like a lost optimistic-locking race, the caller may simply run it again
        (the engine retries a turn; the scheduler's next tick plans again)."""
        with self._write() as connection:
            yield SqlRepo(connection)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write unit (``storage.units.unit``) on the writers' engine, as ``transaction``
        describes it: the repo's and the outbox's writes alike."""
        if not self._engines.sqlite:
            with unit(self._engine) as connection:
                yield connection
            return
        if getattr(self._writing, "active", False):
            raise RuntimeError("a write transaction inside another one on the same thread")
        self._writing.active = True
        try:
            with unit(self._engine) as connection:
                yield connection
        finally:
            self._writing.active = False

    @contextmanager
    def read(self) -> Iterator[ReadOnlyRepo]:
        """A read-only unit of work (``Store.read``): on SQLite a deferred transaction on a
        reader connection, one snapshot of the last commit, never waiting for a writer; on
        PostgreSQL statements in autocommit, each seeing the last commit as it would in a READ
        COMMITTED transaction (``storage.engine``). A write raises ``ReadOnly``."""
        if self._keeper == threading.get_ident() and not self._kept_in_use:
            with self._kept_reader() as connection:
                yield ReadOnlyRepo(SqlRepo(connection))
            return
        with unit(self._engines.read, begin=self._engines.sqlite) as connection:
            yield ReadOnlyRepo(SqlRepo(connection))

    @contextmanager
    def _kept_reader(self) -> Iterator[Connection]:
        """The keeper's reader connection (``keep_reader``), in a read unit as ``read`` makes
        them: on SQLite a deferred transaction (one snapshot, ended with the read), on
        PostgreSQL autocommit; a new connection when the last may not serve (``_kept_fresh``)."""
        kept = self._kept
        if kept is not None and not self._kept_fresh(kept):
            self._kept = None
            kept.invalidate()  # never back to the pool
            kept.close()
            kept = None
        self._kept_in_use = True
        try:
            with retried_as_conflict():
                if kept is None:
                    kept = self._kept = self._engines.read.connect()
                    self._kept_opened = time.monotonic()
                    self._kept_statistics = self._statistics
                with kept.begin() if self._engines.sqlite else nullcontext():
                    yield kept
        finally:
            self._kept_in_use = False

    def _kept_fresh(self, kept: Connection) -> bool:
        if kept.invalidated:  # a statement found it broken
            return False
        if self._engines.sqlite:
            recycled = time.monotonic() - self._kept_opened >= STATS_RECYCLE_S
            return not recycled and self._kept_statistics == self._statistics
        return still_open(kept.connection.dbapi_connection)

    # Outbox port: claims, leases and marks in storage.outbox; the counts here

    def outbox_counts(self) -> dict[str, int]:
        """How many outbox rows are in each status: one ``COUNT … GROUP BY`` on the status
        index (the operator's metrics read it at every scrape), on a reader: on SQLite it
        neither waits for the writer connection nor takes the write lock."""
        c = table_of(OutboxItem).c
        query = sa.select(c.status, sa.func.count()).group_by(c.status)
        with unit(self._engines.read) as connection:
            return {str(status): int(count) for status, count in connection.execute(query)}
