"""an invitation left open beside an enrolment by hand is closed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:15:00

A coordinator's ``enroll`` of a person who had not answered an invitation to the same
programme now closes that invitation (status ``enrolled``): the consent question replaces it,
so the person's Home asks one question, not two, and the invitation's reminder is not sent.
Before this version the invitation stayed open. The upgrade closes such invitations already
stored: ``invited`` ones whose person has an active enrolment in the programme. Their buttons
then say that a coordinator has enrolled the person (``flows/intake``).

The downgrade marks them ``accepted``: the status the code before this version has for "the
person is enrolled", so it neither fails on the new status nor asks the question again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

invitation = sa.table(
    "invitation", sa.column("programme_id"), sa.column("person_id"), sa.column("status")
)
enrolment = sa.table(
    "enrolment", sa.column("programme_id"), sa.column("person_id"), sa.column("status")
)


def upgrade() -> None:
    enrolled = sa.exists().where(
        enrolment.c.programme_id == invitation.c.programme_id,
        enrolment.c.person_id == invitation.c.person_id,
        enrolment.c.status == "active",
    )
    op.execute(
        sa.update(invitation)
        .where(invitation.c.status == "invited", enrolled)
        .values(status="enrolled")
    )


def downgrade() -> None:
    op.execute(
        sa.update(invitation).where(invitation.c.status == "enrolled").values(status="accepted")
    )
