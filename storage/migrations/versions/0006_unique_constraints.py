"""unique keys where the code checks, then inserts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00

Six keys the flows look up before they insert were plain indexes or none, so two workers on
PostgreSQL could both find nothing and both insert. They become unique indexes (see
``conversations.unique_keys``); a clash is then a ``DuplicateKey`` and the engine runs the
turn again, which reads the row the other worker saved.

Rows that already break a key are dealt with first, so that the upgrade never fails on a real
database. "Newest" is the latest timestamp, then the highest id (deterministic):

* ``conversation_state``, one per person: the newest row is kept (it says what the person
  was asked last); the older ones are deleted.
* ``check_in``, one per meeting and author (check-ins without a meeting are not keyed): the
  newest, the one the person submitted last, is kept; the older ones are deleted.
* ``preparation``, one per meeting and author: the newest is kept, as the flow itself
  replaces a preparation with a newer one; the older ones are deleted.
* ``review``, one mid-point and one closing review per pair and member (pulse answers, one
  per round, are not keyed): the newest is kept; the older ones are deleted.
* ``goal``, one per pair and position: the newest is kept, as the goals form edits the goal
  at each position; the ratings of the older ones move to it (a goal's rating history is
  kept), then the older goals are deleted.
* ``agreement``, one per pair and number: nothing is deleted (an older row may carry an
  acceptance). A pair with a repeated number has all its agreements renumbered 1, 2, 3 … in
  the order they were made (number, then created_at, then id): each keeps its place, and the
  later of two rows that shared a number becomes the next version.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_REVIEW_OF_A_KIND = "kind IN ('midpoint', 'closing')"
_Only = tuple[str, tuple[str, ...]] | None  # the rows keyed, if not all: (column, values)

# (table, key columns, the timestamp that says which is newest, the rows keyed)
_KEEP_NEWEST: tuple[tuple[str, tuple[str, ...], str, _Only], ...] = (
    ("conversation_state", ("person_id",), "updated_at", None),
    ("check_in", ("meeting_id", "author_id"), "created_at", None),
    ("preparation", ("meeting_id", "author_id"), "created_at", None),
    ("review", ("pair_id", "person_id", "kind"), "created_at", ("kind", ("midpoint", "closing"))),
)


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, sa.column("id"), *(sa.column(c) for c in columns))


def _keyed(table: sa.TableClause, only: _Only) -> sa.ColumnElement[bool]:
    return sa.true() if only is None else table.c[only[0]].in_(only[1])


def _repeated(
    table: sa.TableClause, key: Sequence[str], only: _Only = None
) -> sa.Select[tuple[object, ...]]:
    """The values of ``key`` that more than one row holds (rows with a NULL in it never clash;
    with ``only``, among the rows that condition selects)."""
    columns = [table.c[name] for name in key]
    return (
        sa.select(*columns)
        .where(*(c.is_not(None) for c in columns), _keyed(table, only))
        .group_by(*columns)
        .having(sa.func.count() > 1)
    )


def _keep_newest(name: str, key: Sequence[str], stamp: str, only: _Only) -> None:
    connection = op.get_bind()
    table = _table(name, *key, stamp)
    repeated = _repeated(table, key, only).subquery()
    rows = connection.execute(
        sa.select(table.c.id, *(table.c[k] for k in key))
        .join(repeated, sa.and_(*(table.c[k] == repeated.c[k] for k in key)))
        .where(_keyed(table, only))
        .order_by(*(table.c[k] for k in key), table.c[stamp].desc(), table.c.id.desc())
    )
    seen: set[tuple[object, ...]] = set()
    older: list[int] = []
    for row in rows:
        values = tuple(row[1:])
        if values in seen:
            older.append(row[0])
        seen.add(values)
    for start in range(0, len(older), 500):
        connection.execute(sa.delete(table).where(table.c.id.in_(older[start : start + 500])))


def _merge_goals() -> None:
    """The newest goal at each (pair, position) takes the older ones' ratings; they go."""
    connection = op.get_bind()
    goal = _table("goal", "pair_id", "position", "created_at")
    rating = _table("goal_rating", "goal_id")
    repeated = _repeated(goal, ("pair_id", "position")).subquery()
    rows = connection.execute(
        sa.select(goal.c.id, goal.c.pair_id, goal.c.position)
        .join(
            repeated,
            sa.and_(goal.c.pair_id == repeated.c.pair_id, goal.c.position == repeated.c.position),
        )
        .order_by(goal.c.pair_id, goal.c.position, goal.c.created_at.desc(), goal.c.id.desc())
    )
    kept: dict[tuple[object, object], int] = {}
    for goal_id, pair_id, position in rows:
        newest = kept.setdefault((pair_id, position), goal_id)
        if newest != goal_id:
            connection.execute(
                sa.update(rating).where(rating.c.goal_id == goal_id).values(goal_id=newest)
            )
            connection.execute(sa.delete(goal).where(goal.c.id == goal_id))


def _renumber_agreements() -> None:
    connection = op.get_bind()
    table = _table("agreement", "pair_id", "number", "created_at")
    pairs = [row[0] for row in connection.execute(_repeated(table, ("pair_id", "number")))]
    for pair_id in sorted(set(pairs)):
        ordered = connection.execute(
            sa.select(table.c.id)
            .where(table.c.pair_id == pair_id)
            .order_by(table.c.number, table.c.created_at, table.c.id)
        )
        for number, (agreement_id,) in enumerate(ordered.all(), start=1):
            connection.execute(
                sa.update(table).where(table.c.id == agreement_id).values(number=number)
            )


_UNIQUE = (
    ("uq_conversation_state_person_id", "conversation_state", ["person_id"]),
    ("uq_agreement_pair_id_number", "agreement", ["pair_id", "number"]),
    ("uq_goal_pair_id_position", "goal", ["pair_id", "position"]),
    ("uq_check_in_meeting_id_author_id", "check_in", ["meeting_id", "author_id"]),
    ("uq_preparation_meeting_id_author_id", "preparation", ["meeting_id", "author_id"]),
)


def upgrade() -> None:
    for name, key, stamp, only in _KEEP_NEWEST:
        _keep_newest(name, key, stamp, only)
    _merge_goals()
    _renumber_agreements()
    # The unique index on person_id replaces the plain one.
    op.drop_index("ix_conversation_state_person_id", table_name="conversation_state")
    for index, table, columns in _UNIQUE:
        op.create_index(index, table, columns, unique=True)
    where = sa.text(ONE_REVIEW_OF_A_KIND)
    op.create_index(
        "uq_review_pair_id_person_id_kind",
        "review",
        ["pair_id", "person_id", "kind"],
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


def downgrade() -> None:
    op.drop_index("uq_review_pair_id_person_id_kind", table_name="review")
    for index, table, _ in reversed(_UNIQUE):
        op.drop_index(index, table_name=table)
    op.create_index(
        "ix_conversation_state_person_id", "conversation_state", ["person_id"], unique=False
    )
