"""Shared pytest configuration."""

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

# --- PostgreSQL fixtures (owner: storage) ---------------------------------------------------
# pg_url / pg_database_url start a real throwaway PostgreSQL server; see tests/pg_server.py.
pytest_plugins = ["tests.pg_server", "tests.databases"]
# --- end PostgreSQL fixtures ----------------------------------------------------------------

# --- Platform schemas (../shared/schemas beside the clone) ------------------------------------
# Tests that validate what the bot sends against Slack's official schemas skip with a reason
# when the folder is missing on a developer's machine; on CI it must be there.
SHARED_SCHEMAS = Path(__file__).resolve().parents[1].parent / "shared" / "schemas"


def pytest_sessionstart(session: object) -> None:
    if os.environ.get("CI") == "true" and not SHARED_SCHEMAS.is_dir():
        raise RuntimeError(f"CI needs the platform schemas at {SHARED_SCHEMAS}")


# --- Hypothesis profiles ---------------------------------------------------------------------
# The fuzz tests (tests/conversations/test_fuzz_engine.py, tests/e2e/test_fuzz_http.py) take
# their number of examples from here: "default" runs well over 10,000 engine cases a run; CI
# runs the same number with a fixed seed (derandomize) so a landing never depends on luck;
# "thorough" (HYPOTHESIS_PROFILE=thorough) is for a long hunt by hand.
_FUZZ = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "database": None}
settings.register_profile("default", max_examples=3500, **_FUZZ)
settings.register_profile("ci", max_examples=3500, derandomize=True, **_FUZZ)
settings.register_profile("thorough", max_examples=50_000, **_FUZZ)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "default")
)
