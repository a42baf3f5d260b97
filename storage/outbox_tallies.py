"""``Repo.outbox_tallies`` in SQL: a programme's outbox rows counted by the database.

One ``SELECT … GROUP BY kind, status`` over the rows of the programme (its ``programme_id``
index): the coordinator's status and Home read a handful of tallies, not every row ever
queued, so what a view costs does not grow with the outbox.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from conversations.ports import OutboxTally
from conversations.records import UNCONFIRMED, OutboxItem, OutboxStatus
from storage.tables import table_of


def tallies_query(programme_id: int) -> sa.Select[Any]:
    c = table_of(OutboxItem).c
    # SUBSTR rather than LIKE: SQLite's LIKE ignores case, the other stores do not.
    unconfirmed = sa.func.substr(c.error, 1, len(UNCONFIRMED)) == UNCONFIRMED
    due = sa.case((c.next_attempt_at > c.due_at, c.next_attempt_at), else_=c.due_at)
    return (
        sa.select(
            c.kind,
            c.status,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((unconfirmed, 1), else_=0)), 0),
            sa.func.max(c.sent_at),
            sa.func.min(sa.type_coerce(due, c.due_at.type)),
        )
        .where(c.programme_id == programme_id)
        .group_by(c.kind, c.status)
    )


def outbox_tallies(connection: Connection, programme_id: int) -> list[OutboxTally]:
    return [
        OutboxTally(
            kind=str(row[0]),
            status=OutboxStatus(row[1]),
            count=int(row[2]),
            unconfirmed=int(row[3]),
            last_sent_at=row[4],
            next_due_at=row[5],
        )
        for row in connection.execute(tallies_query(programme_id))
    ]
