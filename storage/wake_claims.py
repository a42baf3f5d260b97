"""The planner's wake rows as several schedulers claim them (``SqlRepo`` delegates here).

A tick (``Repo.due_wakes``) and the bulk re-plan (``Repo.changed_wakes``) read the subjects
they will plan with ``SELECT … FOR UPDATE SKIP LOCKED``: on PostgreSQL the rows stay locked
until the transaction that read them commits or rolls back, and another scheduler's read skips
them, so two schedulers never plan the same woken subject at once. ``claim_wakes`` does the
same for the subjects a change adds (a changed person's pairs): one another transaction holds
is left to it. On SQLite ``FOR UPDATE`` is not rendered: its write transactions run one at a
time (``BEGIN IMMEDIATE``, one writer lane per store), which already keeps two ticks apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from conversations.records import PlanWake
from conversations.wakes import EPOCH, share_of_changed
from storage.queries import one_of
from storage.tables import table_of

_CHUNK = 5000  # subjects per IN (below the bind limits)
_ROWS_PER_CALL = 20_000  # rows per executemany (bounded memory for the driver's batches)


def _records(rows: Iterable[sa.Row[Any]]) -> list[PlanWake]:
    return [PlanWake.model_validate(dict(row._mapping)) for row in rows]


def wake(connection: Connection, subjects: Iterable[str]) -> None:
    """Mark ``subjects`` changed, due at once (``EPOCH``), version + 1; a missing row is
    inserted. One statement executed for many rows (compiled once: a programme's change marks
    every pair of it, 1.5 million rows at 1,000,000 people)."""
    rows = [
        {"subject": s, "wake_at": EPOCH, "changed": True, "version": 1}
        for s in sorted(set(subjects))
    ]
    if not rows:
        return
    table = table_of(PlanWake)
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_update(
        index_elements=["subject"],
        set_={"wake_at": EPOCH, "changed": True, "version": table.c.version + 1},
    )
    for start in range(0, len(rows), _ROWS_PER_CALL):
        connection.execute(statement, rows[start : start + _ROWS_PER_CALL])


def due_wakes(connection: Connection, now: datetime, limit: int) -> list[PlanWake]:
    """Two reads of the (changed, wake_at) index, each skipping rows another transaction
    holds."""
    table = table_of(PlanWake)
    c = table.c
    order = (c.wake_at, c.id)
    timed_query = (
        sa.select(table)
        .where(c.changed == sa.false(), c.wake_at <= now)
        .order_by(*order)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    timed = list(connection.execute(timed_query))
    changed_query = (
        sa.select(table)
        .where(c.changed == sa.true())
        .order_by(*order)
        .limit(share_of_changed(limit, len(timed)))
        .with_for_update(skip_locked=True)
    )
    changed = list(connection.execute(changed_query))
    return _records(changed + timed[: limit - len(changed)])


def changed_wakes(
    connection: Connection, kind: str, after_id: int, limit: int, *, wait: bool = False
) -> list[PlanWake]:
    """Up to ``limit`` changed rows of ``kind`` subjects with ``id > after_id``, by id: a walk
    along the primary key, so each read costs its rows, not the backlog's size. With
    ``wait``, rows another transaction holds are waited for instead of skipped (and come back
    only if still changed when it ends)."""
    table = table_of(PlanWake)
    c = table.c
    query = (
        sa.select(table)
        .where(
            c.id > after_id,
            c.changed == sa.true(),
            c.subject.startswith(f"{kind}:", autoescape=True),
        )
        .order_by(c.id)
        .limit(limit)
        .with_for_update(skip_locked=not wait)
    )
    return _records(connection.execute(query))


def claim_wakes(connection: Connection, subjects: Iterable[str]) -> dict[str, int | None]:
    """The version of each subject's row, locked for this transaction; ``None`` for a subject
    without a row. A row another transaction holds (another scheduler planning it now) is
    left out."""
    table = table_of(PlanWake)
    c = table.c
    wanted = sorted(set(subjects))
    claimed: dict[str, int | None] = {}
    among = one_of(c.subject, "among", connection.dialect.name)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = (
            sa.select(c.subject, c.version)
            .where(among)
            .order_by(c.id)
            .with_for_update(skip_locked=True)
        )
        found = connection.execute(query, {"among": chunk})
        claimed.update((subject, version) for subject, version in found)
        missing = [s for s in chunk if s not in claimed]
        if missing:
            present = sa.select(c.subject).where(among)
            held = {s for (s,) in connection.execute(present, {"among": missing})}
            claimed.update((s, None) for s in missing if s not in held)
    return claimed


def changed_count(connection: Connection) -> int:
    """How many subjects are marked changed (from the (changed, wake_at) index)."""
    c = table_of(PlanWake).c
    query = sa.select(sa.func.count()).select_from(table_of(PlanWake)).where(c.changed == sa.true())
    return int(connection.execute(query).scalar_one())
