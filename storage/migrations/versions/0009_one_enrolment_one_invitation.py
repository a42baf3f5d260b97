"""one active enrolment and one open invitation per person and programme

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:00:00

``enroll``, ``invite`` and the intake form look for a person's active enrolment (and open
invitation) in the programme before they add one, so two workers on PostgreSQL could both find
nothing and both add one (two coordinators at once, or a coordinator and the person's own
intake form). They become partial unique indexes (see ``conversations.unique_keys``): a clash
is then a ``DuplicateKey``, and the engine runs the turn again, which reads the other's row.
Before this version, a person invited, then enrolled by hand, who accepted the invitation was
also enrolled twice.

Rows that already break a key are dealt with first, so that the upgrade never fails:

* ``enrolment``, one active per programme and person: the one they agreed to most recently is
  kept (its consent holds, and only an agreed enrolment can be paired), else the newest; the
  others are deleted. Nothing refers to an enrolment's id but the consent buttons of the
  deleted ones, which then answer that they are out of date.
* ``invitation``, one open (``invited``) per programme and person: the newest is kept; the
  older ones are deleted, and their buttons answer that they are out of date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_ENROLMENT = "status = 'active'"
OPEN_INVITATION = "status = 'invited'"


Order = Callable[[sa.TableClause], sa.ColumnElement[Any]]


def _drop_repeats(name: str, status: str, newest_first: Sequence[Order]) -> None:
    """Of the rows of ``name`` with ``status`` that share a programme and person, keep the first
    by ``newest_first`` (then the highest id) and delete the others."""
    connection = op.get_bind()
    table = sa.table(
        name,
        sa.column("id"),
        sa.column("programme_id"),
        sa.column("person_id"),
        sa.column("status"),
        sa.column("consent_at"),
        sa.column("created_at"),
        sa.column("sent_at"),
    )
    key = (table.c.programme_id, table.c.person_id)
    repeated = (
        sa.select(*key)
        .where(table.c.status == status)
        .group_by(*key)
        .having(sa.func.count() > 1)
        .subquery()
    )
    rows = connection.execute(
        sa.select(table.c.id, *key)
        .join(
            repeated,
            sa.and_(
                table.c.programme_id == repeated.c.programme_id,
                table.c.person_id == repeated.c.person_id,
            ),
        )
        .where(table.c.status == status)
        .order_by(*key, *(order(table) for order in newest_first), table.c.id.desc())
    )
    seen: set[tuple[object, object]] = set()
    older: list[int] = []
    for row_id, programme_id, person_id in rows:
        if (programme_id, person_id) in seen:
            older.append(row_id)
        seen.add((programme_id, person_id))
    for start in range(0, len(older), 500):
        connection.execute(sa.delete(table).where(table.c.id.in_(older[start : start + 500])))


def upgrade() -> None:
    _drop_repeats(
        "enrolment",
        "active",
        [
            lambda t: t.c.consent_at.is_(None),  # agreed ones first (False sorts first)
            lambda t: t.c.consent_at.desc(),
            lambda t: t.c.created_at.desc(),
        ],
    )
    _drop_repeats("invitation", "invited", [lambda t: t.c.sent_at.desc()])
    for index, table, where in (
        ("uq_enrolment_programme_id_person_id", "enrolment", ACTIVE_ENROLMENT),
        ("uq_invitation_programme_id_person_id", "invitation", OPEN_INVITATION),
    ):
        condition = sa.text(where)
        op.create_index(
            index,
            table,
            ["programme_id", "person_id"],
            unique=True,
            sqlite_where=condition,
            postgresql_where=condition,
        )


def downgrade() -> None:
    op.drop_index("uq_invitation_programme_id_person_id", table_name="invitation")
    op.drop_index("uq_enrolment_programme_id_person_id", table_name="enrolment")
