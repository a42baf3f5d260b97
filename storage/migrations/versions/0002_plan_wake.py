"""plan_wake: when the planner looks at each subject again

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 08:00:00

Every open pair, its members and every open programme start out changed, so the first ticks
after the upgrade plan them all (a bounded number per tick) and settle their wake times.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    op.create_table(
        "plan_wake",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("wake_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_wake")),
        sa.UniqueConstraint("subject", name=op.f("uq_plan_wake_subject")),
    )
    op.create_index(
        op.f("ix_plan_wake_changed_wake_at"), "plan_wake", ["changed", "wake_at"], unique=False
    )
    wake = sa.table(
        "plan_wake",
        sa.column("version", sa.Integer()),
        sa.column("subject", sa.String()),
        sa.column("wake_at", UTCDateTime()),
        sa.column("changed", sa.Boolean()),
    )
    pair = sa.table(
        "pair",
        sa.column("id", sa.Integer()),
        sa.column("mentor_id", sa.Integer()),
        sa.column("adept_id", sa.Integer()),
        sa.column("ended_at", sa.DateTime(timezone=True)),
    )
    programme = sa.table("programme", sa.column("id", sa.Integer()), sa.column("status"))
    epoch = sa.bindparam("epoch", EPOCH, type_=UTCDateTime())
    open_pairs = pair.c.ended_at.is_(None)
    subjects = sa.union(
        sa.select(sa.literal("pair:") + sa.cast(pair.c.id, sa.String())).where(open_pairs),
        sa.select(sa.literal("person:") + sa.cast(pair.c.mentor_id, sa.String())).where(
            open_pairs
        ),
        sa.select(sa.literal("person:") + sa.cast(pair.c.adept_id, sa.String())).where(
            open_pairs
        ),
        sa.select(sa.literal("programme:") + sa.cast(programme.c.id, sa.String())).where(
            programme.c.status == "open"
        ),
    ).subquery()
    op.get_bind().execute(
        sa.insert(wake).from_select(
            ["version", "subject", "wake_at", "changed"],
            sa.select(sa.literal(1), subjects.c[0], epoch, sa.true()),
        )
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_wake_changed_wake_at"), table_name="plan_wake")
    op.drop_table("plan_wake")
