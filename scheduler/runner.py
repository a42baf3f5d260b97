"""APScheduler wiring: one periodic tick, nothing per person.

``Scheduler.tick`` plans and queues due nudges in one store transaction
(``conversations.planner.queue_due``: only the subjects whose wake time has come or that
changed), then lets the dispatcher deliver what is due, then deletes the records of any
workspace that removed the bot longer ago than the retention
(``conversations.workspace_purge``), and hourly refreshes the store's query-planner statistics
(``KeepsStatistics``: SQLite's ``ANALYZE``). The database is the truth: the
planner's wake times are rows too, and APScheduler only wakes us, so a missed, doubled or
retried tick is harmless (outbox keys are unique; a tick after downtime catches up within the
grace window), and a new process starts where the last one stopped.

* Inside ``mentorbot run`` / ``serve``: ``start_in_loop(scheduler)`` from a running event loop;
  keep the returned ``AsyncIOScheduler`` and call ``.shutdown()`` on exit.
* As its own process (``mentorbot scheduler``): ``await run_forever(scheduler, stop)``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from conversations.config import CoreConfig
from conversations.planner import PlanRules, QueueResult, queue_due, warm_up
from conversations.ports import Clock, KeepsStatistics, Store
from conversations.workspace_purge import Purged, due, purge_due
from scheduler.dispatcher import DeliveryReport, Dispatcher
from scheduler.replan import Replanner

log = logging.getLogger("mentorbot.scheduler")

JOB_ID = "mentorbot-tick"
STATISTICS_EVERY = timedelta(hours=1)  # the store's planner statistics (``refresh_statistics``)


@dataclass
class TickReport:
    queued: QueueResult = field(default_factory=QueueResult)
    delivered: DeliveryReport = field(default_factory=DeliveryReport)
    purged: list[Purged] = field(default_factory=list)
    # The planner statistics were refreshed (``Scheduler.refresh_statistics``).
    statistics: bool = False


class Scheduler:
    """What one tick does. ``plan_in_thread`` keeps a large plan off the event loop.

    With a ``replanner``, a tick that finds more changed subjects than its bound allows
    (an upgrade, an import) starts the bulk re-plan in a worker thread of its own; it works
    the backlog off in chunks between the ticks, which go on as before."""

    def __init__(
        self,
        store: Store,
        dispatcher: Dispatcher,
        clock: Clock,
        rules: PlanRules,
        config: CoreConfig,
        *,
        tick_seconds: float = 60.0,
        plan_in_thread: bool = True,
        replanner: Replanner | None = None,
    ) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.clock = clock
        self.rules = rules
        self.config = config
        self.tick_seconds = tick_seconds
        self.plan_in_thread = plan_in_thread
        self._lock = asyncio.Lock()
        self.replanner = replanner
        self._replanning: threading.Thread | None = None
        self._statistics_at: datetime | None = None
        warm_up(clock.now())  # loaded now, not in the first tick

    def queue(self) -> QueueResult:
        if self.replanner is None:
            return self._queue()
        with self.replanner.turns.tick():  # the bulk re-plan lets the tick go first
            return self._queue()

    def _queue(self) -> QueueResult:
        now = self.clock.now()
        with self.store.transaction() as repo:
            return queue_due(repo, now, self.rules, self.config)

    def purge(self) -> list[Purged]:
        """Delete the records of workspaces removed longer ago than the retention."""
        now = self.clock.now()
        with self.store.read() as repo:  # most ticks: nothing due, and no writer needed
            if not due(repo, now):
                return []
        with self.store.transaction() as repo:
            purged = purge_due(repo, now)
        for done in purged:
            log.warning(
                "event=workspace_purged platform=%s workspace=%s records=%d",
                done.platform,
                done.organisation,
                sum(done.counts.values()),
            )
        return purged

    async def tick(self) -> TickReport:
        """Queue what is due, then deliver it. Never raises (a failed tick is logged and the
        next one tries again)."""
        report = TickReport()
        async with self._lock:
            try:
                if self.plan_in_thread:
                    report.queued = await asyncio.to_thread(self.queue)
                else:
                    report.queued = self.queue()
            except Exception:
                log.exception("event=tick_plan_failed")
            if report.queued.changes_deferred:
                self.start_replan()
            try:
                report.delivered = await self.dispatcher.deliver_due()
            except Exception:
                log.exception("event=tick_delivery_failed")
            try:
                report.purged = await asyncio.to_thread(self.purge)
            except Exception:
                log.exception("event=tick_purge_failed")
            try:
                report.statistics = await asyncio.to_thread(self.refresh_statistics)
            except Exception:
                log.exception("event=tick_statistics_failed")
        return report

    def refresh_statistics(self) -> bool:
        """Refresh the store's planner statistics (``KeepsStatistics``) at the first tick of this
        process and then every ``STATISTICS_EVERY``; whether it did now (never on a store that
        keeps none: PostgreSQL's autovacuum does it)."""
        now = self.clock.now()
        if not isinstance(self.store, KeepsStatistics):
            return False
        if self._statistics_at is not None and now - self._statistics_at < STATISTICS_EVERY:
            return False
        started = time.perf_counter()
        kept = self.store.refresh_statistics()
        self._statistics_at = now
        if kept:
            log.info("event=statistics_refreshed ms=%.1f", 1000 * (time.perf_counter() - started))
        return kept

    def start_replan(self) -> bool:
        """Start the bulk re-plan in a worker thread unless one runs; True if started."""
        if self.replanner is None or self.replanner.stop.is_set():
            return False
        if self._replanning is not None and self._replanning.is_alive():
            return False
        log.info("event=replan_backlog_found")
        self._replanning = threading.Thread(
            target=self._replan, name="mentorbot-replan", daemon=True
        )
        self._replanning.start()
        return True

    def _replan(self) -> None:
        assert self.replanner is not None
        try:
            self.replanner.run()
        except Exception:
            log.exception("event=replan_failed")

    async def stop_replan(self) -> None:
        """Stop the bulk re-plan after its current chunk (the next start goes on from there)."""
        if self.replanner is not None:
            self.replanner.stop.set()
        if self._replanning is not None:
            await asyncio.to_thread(self._replanning.join)


def start_in_loop(scheduler: Scheduler, *, run_now: bool = True) -> AsyncIOScheduler:
    """Start APScheduler on the running event loop with the one periodic tick job."""
    aps = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone="UTC")
    aps.add_job(
        scheduler.tick,
        "interval",
        seconds=scheduler.tick_seconds,
        id=JOB_ID,
        coalesce=True,  # after a stall, run once, not once per missed interval
        max_instances=1,  # never two ticks at once in one process
        misfire_grace_time=max(1, int(scheduler.tick_seconds * 5)),
        next_run_time=scheduler.clock.now()
        + timedelta(seconds=0 if run_now else scheduler.tick_seconds),
        replace_existing=True,
    )
    aps.start()
    log.info("event=scheduler_started tick_seconds=%s", scheduler.tick_seconds)
    return aps


async def stop_gracefully(aps: AsyncIOScheduler, scheduler: Scheduler) -> None:
    """No new ticks; wait for a tick that is running (its sends finish and are marked)."""
    aps.pause()
    async with scheduler._lock:  # held by a running tick until it has delivered and marked
        pass
    await scheduler.stop_replan()
    aps.shutdown(wait=False)
    log.info("event=scheduler_stopped")


async def run_forever(scheduler: Scheduler, stop: asyncio.Event | None = None) -> None:
    """``mentorbot scheduler``: tick until ``stop`` is set (or the task is cancelled)."""
    aps = start_in_loop(scheduler)
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await stop_gracefully(aps, scheduler)
