"""meeting.sequence: the revision of a meeting's calendar invitation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 05:04:15

Adds ``meeting.sequence`` (iCalendar SEQUENCE): 0 when a meeting is booked, one more at each
move and at its cancellation. Meetings booked before have sent no invitation: they start at 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "meeting", sa.Column("sequence", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("meeting") as batch_op:
        batch_op.drop_column("sequence")
