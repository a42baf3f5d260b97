"""Shared pytest configuration."""

import os
from pathlib import Path

# --- PostgreSQL fixtures (owner: storage) ---------------------------------------------------
# pg_url / pg_database_url start a real throwaway PostgreSQL server; see tests/pg_server.py.
pytest_plugins = ["tests.pg_server"]
# --- end PostgreSQL fixtures ----------------------------------------------------------------

# --- Platform schemas (../shared/schemas beside the clone) ------------------------------------
# Tests that validate what the bot sends against Slack's official schemas skip with a reason
# when the folder is missing on a developer's machine; on CI it must be there.
SHARED_SCHEMAS = Path(__file__).resolve().parents[1].parent / "shared" / "schemas"


def pytest_sessionstart(session: object) -> None:
    if os.environ.get("CI") == "true" and not SHARED_SCHEMAS.is_dir():
        raise RuntimeError(f"CI needs the platform schemas at {SHARED_SCHEMAS}")
