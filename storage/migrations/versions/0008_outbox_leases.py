"""outbox leases: who holds a row and until when; when its send began; where it went

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 06:00:00

Adds to ``outbox_item``:

* ``lease_holder``, ``lease_until``: the dispatcher holding a claimed or sending row, and
  until when (renewed while it works). A row whose lease ran out is another dispatcher's to
  take: a claimed one is sent, a sending one is reconciled with the platform first.
* ``sending_since``: when the earliest send that may have reached the platform, unconfirmed,
  began (where reconciliation starts reading the conversation's history).
* ``platform_channel``: the conversation a sent message went to (with its ts in
  ``platform_message_id``).

Rows that a dispatcher of the previous version holds (claimed or sending) get a lease of 15
minutes from the upgrade, the time that version waited before it swept a row: a dispatcher
still running the old code finishes them undisturbed, and a row it left behind is taken over
(reconciled, when it was sending) afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_SWEEP = timedelta(minutes=15)
HOLDER = "before-0008"


def upgrade() -> None:
    with op.batch_alter_table("outbox_item") as batch_op:
        batch_op.add_column(sa.Column("lease_holder", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("platform_channel", sa.String(), nullable=True))
    outbox = sa.table(
        "outbox_item",
        sa.column("status", sa.String()),
        sa.column("lease_holder", sa.String()),
        sa.column("lease_until", UTCDateTime()),
    )
    op.get_bind().execute(
        sa.update(outbox)
        .where(outbox.c.status.in_(["claimed", "sending"]))
        .values(lease_holder=HOLDER, lease_until=datetime.now(UTC) + OLD_SWEEP)
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox_item") as batch_op:
        batch_op.drop_column("platform_channel")
        batch_op.drop_column("sending_since")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_holder")
