"""Alembic environment, driven by ``storage.migrate`` (there is no alembic.ini).

``storage.migrate`` hands over an open connection in ``config.attributes["connection"]``;
the target schema is ``storage.tables.metadata``. Custom column types are rendered as plain
SQLAlchemy types, so revision files never import the application.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlmodel.sql.sqltypes import AutoString

from storage.tables import UTCDateTime, managed_here, metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write custom types as the plain types they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return "sa.String()"
    return False


def run_migrations() -> None:
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through storage.migrate (upgrade/current/revision)")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=managed_here,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
