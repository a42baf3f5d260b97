"""intake and matching: invitations, the intake form's answers, match proposals

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-04 09:00:00

Adds ``programme.topics`` (the intake form's choices), the intake answers matching reads on
``enrolment`` (topics wanted and offered, manager, do-not-pair list), and two tables:
``invitation`` (an `invite` and its answer) and ``match_proposal`` (a `match` run's drafts).
Existing enrolments keep ``consent_at`` empty: consent is never assumed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMPTY_LIST = sa.text("'[]'")


def _role() -> sa.Enum:
    return sa.Enum("mentor", "adept", name="role", native_enum=False, length=32)


def upgrade() -> None:
    op.add_column(
        "programme", sa.Column("topics", sa.JSON(), nullable=False, server_default=EMPTY_LIST)
    )
    for name in ("wants_topics", "offers_topics", "avoid"):
        op.add_column(
            "enrolment", sa.Column(name, sa.JSON(), nullable=False, server_default=EMPTY_LIST)
        )
    op.add_column("enrolment", sa.Column("manager_id", sa.Integer(), nullable=True))
    # The server defaults only fill the existing rows: the tables declare none.
    with op.batch_alter_table("programme") as batch_op:
        batch_op.alter_column("topics", server_default=None)
    with op.batch_alter_table("enrolment") as batch_op:
        for name in ("wants_topics", "offers_topics", "avoid"):
            batch_op.alter_column(name, server_default=None)
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", _role(), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
    )
    for column in ("workspace", "programme_id", "person_id"):
        op.create_index(op.f(f"ix_invitation_{column}"), "invitation", [column], unique=False)
    op.create_table(
        "match_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("run", sa.String(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("adept_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_proposal")),
    )
    for column in ("workspace", "programme_id", "run"):
        op.create_index(
            op.f(f"ix_match_proposal_{column}"), "match_proposal", [column], unique=False
        )


def downgrade() -> None:
    op.drop_table("match_proposal")
    op.drop_table("invitation")
    with op.batch_alter_table("enrolment") as batch_op:
        for name in ("wants_topics", "offers_topics", "avoid", "manager_id"):
            batch_op.drop_column(name)
    with op.batch_alter_table("programme") as batch_op:
        batch_op.drop_column("topics")
