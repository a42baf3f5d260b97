"""The bulk re-plan in ``bench/planner.py``: every subject changed (an upgrade that wakes
everything) worked off by ``scheduler.replan.Replanner``, and the databases the bench copies,
on SQLite (a file copied) or PostgreSQL (``CREATE DATABASE … TEMPLATE`` on a throwaway server
started by ``tests/pg_server.py``'s ``running_server``).

Used by ``bench/planner.py``; run that, not this.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import threading
import time as timer
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from conversations.config import CoreConfig
from conversations.memory import ManualClock
from conversations.planner import PlanRules, queue_due
from conversations.records import PlanWake
from scheduler.replan import Replanner
from storage.store import SqlStore
from storage.tables import table_of

# PostgreSQL for a database of a few GB on a machine with room to spare (the tests' server
# uses the defaults).
PLANNER = Path(__file__).with_name("planner.py")
PG_OPTIONS = (
    "-c shared_buffers=2GB -c work_mem=64MB -c maintenance_work_mem=512MB "
    "-c max_wal_size=8GB -c checkpoint_timeout=30min -c autovacuum=off"
)


def changed_left(url: str) -> int:
    store = SqlStore(url)
    try:
        c = table_of(PlanWake).c
        with store.engine.connect() as connection:
            query = sa.select(sa.func.count()).where(c.changed == sa.true())
            return int(connection.execute(query).scalar_one())
    finally:
        store.close()


def child_replan(url: str, now: datetime, chunk: int) -> dict[str, Any]:
    """The full re-plan, one process: ``Replanner.run`` until nothing is changed."""
    store = SqlStore(url)
    replanner = Replanner(store, ManualClock(now), PlanRules(), CoreConfig(), chunk=chunk)
    gc.collect()
    cpu = timer.process_time()
    report = replanner.run()
    store.close()
    return {
        "replan_s": report.seconds,
        "replan_cpu_s": timer.process_time() - cpu,
        "planned": report.planned,
        "queued": report.queued,
        "chunks": report.chunks,
        "finished": report.finished,
    }


def child_replan_with_ticks(url: str, now: datetime, chunk: int) -> dict[str, Any]:
    """The re-plan in a worker thread, as a scheduler runs it, and a tick after each of its
    chunks (each a minute later on the manual clock; a real scheduler ticks once a minute,
    far less often): how long a tick takes while the backlog is worked off."""
    store = SqlStore(url)
    clock = ManualClock(now)
    replanner = Replanner(store, clock, PlanRules(), CoreConfig(), chunk=chunk)
    done, chunk_done = threading.Event(), threading.Event()
    report: list[Any] = []

    def work() -> None:
        report.append(replanner.run(lambda _: chunk_done.set()))
        done.set()
        chunk_done.set()

    worker = threading.Thread(target=work)
    started = timer.perf_counter()
    worker.start()
    ticks: list[float] = []
    queued = 0
    minute = 0
    while not done.is_set():
        chunk_done.wait()
        chunk_done.clear()
        tick_started = timer.perf_counter()
        with replanner.turns.tick(), store.transaction() as repo:
            result = queue_due(repo, now + timedelta(minutes=minute), PlanRules(), CoreConfig())
        ticks.append(timer.perf_counter() - tick_started)
        queued += result.queued
        minute += 1
    worker.join()
    store.close()
    ticks.sort()
    return {
        "replan_s": timer.perf_counter() - started,
        "planned": report[0].planned,
        "ticks": len(ticks),
        "tick_median_s": ticks[len(ticks) // 2] if ticks else 0.0,
        "tick_worst_s": ticks[-1] if ticks else 0.0,
        "tick_queued": queued,
    }


def parallel_replan(url: str, workers: int, *extra: str) -> dict[str, Any]:
    """``workers`` re-plan processes at once on one database (PostgreSQL: each chunk claims
    its rows, so they share the work); the wall time until the last one is done."""
    started = timer.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, str(PLANNER), "--child", "replan", "--url", url, *extra],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    results = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode:
            raise RuntimeError(f"a re-plan worker failed ({process.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return {
        "replan_s": timer.perf_counter() - started,
        "planned": sum(r["planned"] for r in results),
        "queued": sum(r["queued"] for r in results),
        "chunks": sum(r["chunks"] for r in results),
        "workers": workers,
    }


class Databases:
    """Where the bench keeps its databases, and how it copies one."""

    def base(self, name: str) -> str:
        raise NotImplementedError

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def copy(self, source: str, target: str) -> str:
        raise NotImplementedError

    def drop(self, url: str) -> None:
        raise NotImplementedError

    @contextmanager
    def copy_of(self, source: str) -> Iterator[str]:
        url = self.copy(source, "work")
        try:
            yield url
        finally:
            self.drop(url)


class SqliteDatabases(Databases):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.db"

    def base(self, name: str) -> str:
        return f"sqlite:///{self._path(name)}"

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def copy(self, source: str, target: str) -> str:
        shutil.copyfile(self._path(source), self._path(target))
        # Written back before anything is timed on it: else the first commit's checkpoint
        # (fsync) writes back the whole copy, 2 GB at 1,000,000 people, and the tick timed
        # is mostly the bench's own copying (a scheduler's database is not just copied).
        os.sync()
        return self.base(target)

    def drop(self, url: str) -> None:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


class PostgresDatabases(Databases):
    def __init__(self, server: Any) -> None:
        self.server = server

    def base(self, name: str) -> str:
        return str(self.server.url(name.replace("-", "_")))

    def exists(self, name: str) -> bool:
        with self.server._admin() as connection:
            found = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name.replace("-", "_"),)
            ).fetchone()
        return found is not None

    def create(self, name: str) -> str:
        with self.server._admin() as connection:
            connection.execute(f'CREATE DATABASE "{name.replace("-", "_")}"')
        return self.base(name)

    def copy(self, source: str, target: str) -> str:
        self.drop(self.base(target))
        with self.server._admin() as connection:
            connection.execute(
                f'CREATE DATABASE "{target.replace("-", "_")}" '
                f'TEMPLATE "{source.replace("-", "_")}"'
            )
        return self.base(target)

    def drop(self, url: str) -> None:
        self.server.drop_database(url)

    def analyze(self, name: str) -> None:
        import psycopg

        dsn = self.base(name).replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")


def copy_sqlite_into_postgres(sqlite_path: Path, pg_url: str) -> dict[str, int]:
    """Every row of the bench's SQLite database into the migrated, empty PostgreSQL database
    at ``pg_url`` with ``COPY`` (the bench builds 1,000,000 people once, on SQLite, and plans
    the steady-state outbox once). SQLite keeps naive UTC text for timestamps: the session
    runs in UTC, so they arrive as the same instants."""
    import sqlite3

    import psycopg

    source = sqlite3.connect(str(sqlite_path))
    copied: dict[str, int] = {}
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as target:
        target.execute("SET TIME ZONE 'UTC'")
        tables = [
            name
            for (name,) in source.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'"
            )
        ]
        for table in tables:
            columns = [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
            names = ", ".join(f'"{c}"' for c in columns)
            count = 0
            with target.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in source.execute(f'SELECT {names} FROM "{table}"'):
                    copy.write_row(row)
                    count += 1
            copied[table] = count
            if "id" in columns:
                target.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'COALESCE((SELECT max(id) FROM "{table}"), 0) + 1, false)'
                )
    source.close()
    return copied
