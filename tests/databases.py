"""Where the tests' SQL databases live: SQLite files, or a real PostgreSQL server.

Every test that needs a SQL database of its own takes it from :func:`new_database_url` (through
a fixture or a helper such as ``tests/e2e/conftest.make_store``). Which kind it gets is chosen
for the whole run by ``MENTORBOT_TEST_DATABASE``:

* ``sqlite`` (the default): a new SQLite file in the test's folder;
* ``postgresql``: a new database on the throwaway server of ``tests/pg_server.py``, dropped
  when the test ends.

Either way the database is already migrated to the newest revision: a copy of a template
migrated once per run (a file copy, or ``CREATE DATABASE … TEMPLATE``), which is much cheaper
than running Alembic for each test. ``migrated=False`` gives an empty one.

``make test`` runs the suite twice (see the Makefile): first on SQLite, recording which tests
asked for a database (``--database-tests-out FILE``); then on PostgreSQL, running exactly those
(``--database-tests-from FILE``). Tests whose parameters already name the kind of store
(``memory``, ``sqlite``, ``postgres``) keep it and are not repeated.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.pg_server import PgServer, running_server

BACKEND = os.environ.get("MENTORBOT_TEST_DATABASE", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"MENTORBOT_TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")

# Parameter values by which a test names its own kind of store: it keeps it in both passes.
OWN_KINDS = ("memory", "sqlite", "postgres")


class _Databases:
    """The run's template and server, made on first use and removed at the end."""

    def __init__(self) -> None:
        self.stack = ExitStack()
        self.sqlite_template: Path | None = None
        self.server: PgServer | None = None
        self.pg_template: str | None = None
        self.created: list[str] = []  # PostgreSQL databases of the running test
        self.current_test: str | None = None
        self.asked: set[str] = set()  # node ids of the tests that asked for a database
        self.fixtures: list[tuple[str, str]] = []  # (name, scope) of the fixtures being set up
        self.database_fixtures: set[str] = set()  # fixtures that asked for a database

    def sqlite_url(self, folder: Path, name: str, migrated: bool) -> str:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if migrated:
            shutil.copyfile(self._sqlite_template(), target)
        return f"sqlite:///{target}"

    def _sqlite_template(self) -> Path:
        if self.sqlite_template is None:
            from storage.migrate import upgrade

            folder = Path(self.stack.enter_context(tempfile.TemporaryDirectory(prefix="mb-db-")))
            upgrade(f"sqlite:///{folder / 'template.db'}")
            self.sqlite_template = folder / "template.db"
        return self.sqlite_template

    def pg_url(self, migrated: bool, for_test: bool) -> str:
        if self.server is None:
            self.server = self.stack.enter_context(running_server())
        if migrated and self.pg_template is None:
            from storage.migrate import upgrade

            url = self.server.create_database()
            upgrade(url)
            self.pg_template = url.rsplit("/", 1)[1]
        url = self.server.create_database(template=self.pg_template if migrated else None)
        if for_test:  # else it serves a wider fixture and goes with the server
            self.created.append(url)
        return url

    def drop_created(self) -> None:
        while self.created and self.server is not None:
            self.server.drop_database(self.created.pop())


_databases = _Databases()


def new_database_url(folder: Path, name: str = "mentorbot.db", *, migrated: bool = True) -> str:
    """A new database of this run's kind for the running test (see the module's docstring);
    ``folder`` and ``name`` place the SQLite file."""
    if _databases.current_test is not None:
        _databases.asked.add(_databases.current_test)
    _databases.database_fixtures.update(name for name, _ in _databases.fixtures)
    if BACKEND == "postgresql":
        for_test = all(scope == "function" for _, scope in _databases.fixtures)
        return _databases.pg_url(migrated, for_test)
    return _databases.sqlite_url(folder, name, migrated)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A new, migrated database for this test (SQLite or PostgreSQL: see the module)."""
    return new_database_url(tmp_path)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mentorbot databases")
    group.addoption(
        "--database-tests-out",
        metavar="FILE",
        help="write the node ids of the tests that asked for a SQL database to FILE",
    )
    group.addoption(
        "--database-tests-from",
        metavar="FILE",
        help="run only the tests listed in FILE (written by --database-tests-out)",
    )


def _param_values(item: pytest.Item) -> list[object]:
    callspec = getattr(item, "callspec", None)
    return list(callspec.params.values()) if callspec is not None else []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    source = config.getoption("--database-tests-from")
    if not source and BACKEND == "sqlite":
        return
    wanted: set[str] | None = None
    if source:
        files = glob.glob(f"{source}*")
        if not files:
            raise pytest.UsageError(f"{source} not found: run the suite with --database-tests-out")
        wanted = set()
        for file in files:
            wanted.update(Path(file).read_text(encoding="utf-8").split())
    keep, drop = [], []
    for item in items:
        own_kind = any(value in OWN_KINDS for value in _param_values(item))
        listed = wanted is None or item.nodeid in wanted
        (keep if listed and not own_kind else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    _databases.current_test = item.nodeid
    try:
        return (yield)
    finally:
        _databases.current_test = None
        _databases.drop_created()  # after the test's own fixtures closed their connections


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[object]) -> object:
    _databases.fixtures.append((fixturedef.argname, fixturedef.scope))
    try:
        return (yield)
    finally:
        _databases.fixtures.pop()


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.getoption("--database-tests-out")
    if target:
        for item in session.items:  # a wider fixture asks once, for all the tests that use it
            if _databases.database_fixtures & set(getattr(item, "fixturenames", ())):
                _databases.asked.add(item.nodeid)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        written = Path(f"{target}{'.' + worker if worker else ''}")
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_text(
            "".join(f"{nodeid}\n" for nodeid in sorted(_databases.asked)), encoding="utf-8"
        )
    _databases.stack.close()
