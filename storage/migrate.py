"""Schema migrations (Alembic), configured in code: there is no alembic.ini.

The composition root calls :func:`upgrade` on start; an empty database is brought to the
newest revision, an up-to-date one is left alone. Developers add a revision after changing
``storage/tables.py`` with :func:`revision` (autogenerate against an up-to-date database),
then read the generated file before committing it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from storage.engine import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"

# Held by an upgrading PostgreSQL transaction so that workers starting together migrate once.
_PG_LOCK_ID = 0x6D656E746F72  # "mentor"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to the newest revision (or ``revision``), in one
    transaction."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if revision == "head" and _revision_of(connection) == head():
                return  # up to date: no need to load and run Alembic's scripts
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
            command.upgrade(_config(connection), revision)
    finally:
        engine.dispose()


def current(url: str) -> str | None:
    """The database's revision, or None when it was never migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return _revision_of(connection)
    finally:
        engine.dispose()


def _revision_of(connection: Connection) -> str | None:
    revision: str | None = MigrationContext.configure(connection).get_current_revision()
    return revision


@cache
def head() -> str:
    """The newest revision shipped with this code."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    if revision is None:
        raise RuntimeError(f"no migrations in {MIGRATIONS}")
    return str(revision)


def revision(url: str, message: str, rev_id: str | None = None) -> None:
    """Write a new revision with the differences between ``url`` (which must be up to date)
    and ``storage.tables.metadata``. For developers; review the file it writes."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.revision(_config(connection), message=message, autogenerate=True, rev_id=rev_id)
    finally:
        engine.dispose()
