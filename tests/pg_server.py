"""A pytest plugin that runs a real, throwaway PostgreSQL server for the tests that ask for one.

* ``pg_server`` (session): starts the server once, on first use: ``initdb`` into a fresh temp
  dir, ``pg_ctl start -w`` on a free loopback port (unix socket inside the temp dir), as the
  ``postgres`` system user when the tests run as root. Yields a :class:`PgServer` that creates
  and drops databases; stops the server and removes the directory at the end of the session.
* ``pg_url`` (session): the SQLAlchemy URL of a database shared by the session.
* ``pg_database_url`` (function): the URL of a new empty database per test, dropped afterwards.

Without PostgreSQL server binaries the tests are skipped, unless ``CI=true``: then they fail.
Tests that use these fixtures get the ``postgres`` marker, so ``-m "not postgres"`` leaves
them out.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from psycopg import sql

USER = "postgres"  # the superuser initdb creates, and the system user that runs the server
_numbers = itertools.count(1)


def _find_bin_dir() -> Path | None:
    """The newest Debian-style /usr/lib/postgresql/<n>/bin, else wherever initdb is on PATH."""
    candidates = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run(command: list[str], as_postgres: bool) -> None:
    if as_postgres:
        command = ["runuser", "-u", USER, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


class PgServer:
    """A running throwaway server: creates and drops databases on it."""

    def __init__(self, port: int) -> None:
        self.port = port

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """An autocommit connection to the maintenance database."""
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True
        )

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{name}"

    def create_database(self, template: str | None = None) -> str:
        """A new database ``test_<n>`` (a copy of ``template`` if given); returns its URL."""
        name = f"test_{next(_numbers)}"
        with self._admin() as connection:
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template or "template1")
                )
            )
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database at ``url``, disconnecting whoever is still on it."""
        name = url.rsplit("/", 1)[1]
        with self._admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def running_server(options: str = "") -> Iterator[PgServer]:
    """Start a throwaway server, yield it, stop it and remove its files (the benchmarks use
    this too, with more ``options`` for a big database)."""
    bin_dir = _find_bin_dir()
    if bin_dir is None:
        _unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")
    as_postgres = os.geteuid() == 0
    if as_postgres and shutil.which("runuser") is None:
        _unavailable("running as root, but runuser is missing to start PostgreSQL as 'postgres'")
    # Not under pytest's tmp_path: its parents are private to root, so 'postgres' can't enter.
    root = Path(tempfile.mkdtemp(prefix="mentorbot-pg-"))
    if as_postgres:
        shutil.chown(root, user=USER)
    data, log = root / "data", root / "server.log"
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            as_postgres,
        )
        port = _free_port()
        options = (
            f"-p {port} -h 127.0.0.1 -k {root} -F "
            f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=100 {options}"
        )
        _run(
            [
                str(bin_dir / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
            ],
            as_postgres,
        )
        yield PgServer(port)
    finally:
        if (data / "postmaster.pid").exists():
            _run(
                [str(bin_dir / "pg_ctl"), "stop", "-w", "-m", "immediate", "-D", str(data)],
                as_postgres,
            )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """Start the throwaway server (once per session, on first use)."""
    with running_server() as server:
        yield server


@pytest.fixture(scope="session")
def pg_url(pg_server: PgServer) -> str:
    """A database on the throwaway server, shared by the whole session."""
    return pg_server.create_database()


@pytest.fixture
def pg_database_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the server with ``postgres``."""
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
