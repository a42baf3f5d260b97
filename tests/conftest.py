"""Shared pytest configuration."""

# --- PostgreSQL fixtures (owner: storage) ---------------------------------------------------
# pg_url / pg_database_url start a real throwaway PostgreSQL server; see tests/pg_server.py.
pytest_plugins = ["tests.pg_server"]
# --- end PostgreSQL fixtures ----------------------------------------------------------------
