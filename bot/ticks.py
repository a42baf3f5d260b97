"""The scheduler as the bot runs it: each tick's report is read into the process's metrics.

``scheduler.runner.Scheduler.tick`` already returns what it did (a ``TickReport``: nudges
queued, rows sent, failed, unconfirmed, 429s); this only times the tick and hands the report
to ``bot.metrics.Metrics``, so the scheduler knows nothing of Prometheus. Imported only where
a scheduler is built (it loads APScheduler).
"""

from __future__ import annotations

import time
from typing import Any

from bot.metrics import Metrics
from scheduler.runner import Scheduler, TickReport


class MeteredScheduler(Scheduler):
    def __init__(self, *args: Any, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics

    async def tick(self) -> TickReport:
        started = time.perf_counter()
        report = await super().tick()
        self.metrics.ticked(report, time.perf_counter() - started)
        return report
