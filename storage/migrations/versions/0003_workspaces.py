"""workspaces: every organisation's records carry their workspace; coordinators' origin

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 03:00:00

Adds ``workspace`` to the records that belong to an organisation and fills it from the people
they belong to (a programme from its creator, a pair from its programme, a pair's records from
the pair). The console's people get the workspace ``local``. Adds
``person.coordinator_via``: ``command`` for a coordinator named by `coordinators add` (in
the audit log), else ``config`` (app.yaml, re-applied at every start).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = ("programme", "enrolment", "pair")
# table -> (the table it takes its workspace from, the linking column)
FROM_PAIR = ("goal", "agreement", "meeting", "check_in", "preparation", "review")
TABLES = (*INDEXED, *FROM_PAIR, "reflection")


def _workspace_of(parent: str, link: str, child: str) -> sa.TextClause:
    return sa.text(
        f"UPDATE {child} SET workspace = COALESCE("
        f"(SELECT {parent}.workspace FROM {parent} WHERE {parent}.id = {child}.{link}), '')"
    )


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table, sa.Column("workspace", sa.String(), nullable=False, server_default="")
        )
    for table in INDEXED:
        op.create_index(op.f(f"ix_{table}_workspace"), table, ["workspace"], unique=False)
    op.add_column(
        "person",
        sa.Column("coordinator_via", sa.String(), nullable=False, server_default=""),
    )
    run = op.get_bind().execute
    run(sa.text("UPDATE person SET workspace = 'local' WHERE platform = 'local' AND workspace = ''"))
    # An erased person's shell no longer answers to their identity (writing again is a new,
    # empty person).
    run(
        sa.text(
            "UPDATE person SET platform_user_id = 'erased:' || CAST(id AS VARCHAR) "
            "WHERE erased_at IS NOT NULL"
        )
    )
    run(_workspace_of("person", "created_by", "programme"))
    run(_workspace_of("person", "person_id", "enrolment"))
    run(_workspace_of("programme", "programme_id", "pair"))
    for table in FROM_PAIR:
        run(_workspace_of("pair", "pair_id", table))
    run(_workspace_of("person", "person_id", "reflection"))
    run(
        sa.text(
            "UPDATE person SET coordinator_via = CASE WHEN EXISTS ("
            "SELECT 1 FROM audit_entry WHERE audit_entry.action = 'coordinator.added' "
            "AND audit_entry.subject = 'person:' || CAST(person.id AS VARCHAR)"
            ") THEN 'command' ELSE 'config' END WHERE is_coordinator"
        )
    )


def downgrade() -> None:
    op.drop_column("person", "coordinator_via")
    for table in INDEXED:
        op.drop_index(op.f(f"ix_{table}_workspace"), table_name=table)
    for table in TABLES:
        op.drop_column(table, "workspace")
