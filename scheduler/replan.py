"""The bulk re-plan as a loop of chunks (``conversations.planner.bulk.replan_chunk``), each in
its own transaction.

* ``mentorbot plan all`` runs ``Replanner.run`` in the foreground and says how far it got;
  on PostgreSQL several of them (and the schedulers' ticks) can run at once: each chunk claims
  its rows (``FOR UPDATE SKIP LOCKED``), so no two plan the same subject at once.
* A scheduler whose tick found more changes than its bound starts one in a worker thread
  (``scheduler.runner.Scheduler``): the chunks go between the ticks, which keep planning and
  delivering what falls due (on SQLite a tick waits for at most one chunk, about a second).
* ``mentorbot db upgrade`` asks ``Replanner.estimate`` how long the re-plan after it will
  take: it times one chunk in a transaction it rolls back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from conversations.config import CoreConfig
from conversations.planner import PlanRules
from conversations.planner.bulk import CHUNK, Cursor, replan_chunk
from conversations.ports import Clock, Conflict, Store

log = logging.getLogger("mentorbot.replan")

_RETRIES = 5  # a chunk aborted by a deadlock or a lock timeout is tried again this often


@dataclass
class ReplanReport:
    chunks: int = 0
    planned: int = 0  # subjects planned (with the pairs of the people planned)
    queued: int = 0  # nudges written to the outbox
    seconds: float = 0.0
    finished: bool = False  # the walk reached the end (else it was stopped)


class Turns:
    """Ticks go first: a tick announces itself (``tick``), and the walk waits before its next
    chunk until no tick is waiting or running. On SQLite the two share the process's one
    writer, whose lock is not fair: without this, a walk taking chunk after chunk could keep
    a tick waiting until the whole backlog is done. So a tick waits for one chunk at most."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._ticks = 0

    @contextmanager
    def tick(self) -> Iterator[None]:
        with self._changed:
            self._ticks += 1
        try:
            yield
        finally:
            with self._changed:
                self._ticks -= 1
                self._changed.notify_all()

    def wait_for_ticks(self) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._ticks == 0)


class _Rollback(Exception):
    """Raised inside a transaction that must not be kept (``estimate``)."""


class Replanner:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        rules: PlanRules,
        config: CoreConfig,
        *,
        chunk: int = CHUNK,
    ) -> None:
        self.store = store
        self.clock = clock
        self.rules = rules
        self.config = config
        self.chunk = chunk
        self.stop = threading.Event()
        self.turns = Turns()

    def run(self, progress: Callable[[ReplanReport], None] | None = None) -> ReplanReport:
        """Walk every changed subject once, a chunk per transaction, until the end or until
        ``stop`` is set (checked between chunks). Safe to stop and start again at any time."""
        report = ReplanReport()
        started = time.perf_counter()
        cursor, failures = Cursor(), 0
        log.info("event=replan_started chunk=%d", self.chunk)
        while not cursor.done and not self.stop.is_set():
            self.turns.wait_for_ticks()
            try:
                with self.store.transaction() as repo:
                    cursor, result = replan_chunk(
                        repo, self.clock.now(), self.rules, self.config, cursor, self.chunk
                    )
            except Conflict:
                failures += 1
                log.warning("event=replan_chunk_conflict kind=%s after=%d", *_at(cursor))
                if failures > _RETRIES:
                    raise
                continue
            failures = 0
            if result.planned:
                report.chunks += 1
                report.planned += result.planned
                report.queued += result.queued
                report.seconds = time.perf_counter() - started
                if progress is not None:
                    progress(report)
        report.seconds = time.perf_counter() - started
        report.finished = cursor.done
        log.info(
            "event=replan_finished finished=%s planned=%d queued=%d chunks=%d seconds=%.1f",
            report.finished,
            report.planned,
            report.queued,
            report.chunks,
            report.seconds,
        )
        return report

    def estimate(self, changed: int) -> float | None:
        """Seconds the re-plan of ``changed`` changed subjects will take on this database:
        one chunk of people (else of pairs) planned and timed in a transaction that is rolled
        back. None when there is nothing to time."""
        for kind in ("person", "pair", "programme"):
            started = time.perf_counter()
            planned = 0
            try:
                with self.store.transaction() as repo:
                    _, result = replan_chunk(
                        repo, self.clock.now(), self.rules, self.config, Cursor(kind), self.chunk
                    )
                    planned = result.planned
                    raise _Rollback
            except _Rollback:
                pass
            if planned:
                return changed * (time.perf_counter() - started) / planned
        return None


def _at(cursor: Cursor) -> tuple[str, int]:
    return cursor.kind, cursor.after_id
