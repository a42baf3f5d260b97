# Two commands do everything on a fresh machine: `make run` and `make test`.
# Each creates the virtual environment on first use (and refreshes it when pyproject.toml changes).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run demo test check lint typecheck clean

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(BIN)/.installed
	$(BIN)/mentorbot run

demo: $(BIN)/.installed
	$(BIN)/mentorbot demo

# The suite runs twice, each time on WORKERS processes (pytest-xdist): first everything, with
# the SQL tests on SQLite, noting which tests used a SQL database; then exactly those again on a
# throwaway PostgreSQL server (tests/databases.py).
WORKERS ?= auto
DATABASE_TESTS := .pytest_cache/mentorbot-database-tests

test: $(BIN)/.installed
	$(BIN)/lint-imports
	rm -f $(DATABASE_TESTS)*
	$(BIN)/python -m pytest -n $(WORKERS) --database-tests-out=$(DATABASE_TESTS)
	MENTORBOT_TEST_DATABASE=postgresql \
	  $(BIN)/python -m pytest -n $(WORKERS) --database-tests-from=$(DATABASE_TESTS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
