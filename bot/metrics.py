"""Prometheus metrics of one process, at ``GET /metrics``.

``Metrics`` holds its own ``CollectorRegistry`` (never prometheus-client's global one): the
composition root builds one per process (``bot/services.py``), and every test that builds
services gets fresh counters. What fills it:

* each turn with the core, by platform and kind of event, and how long it took
  (``MeteredEngine`` in ``bot/services.py``);
* each scheduler tick's report: nudges queued, outbox rows sent, failed and swept as
  unconfirmed, 429s, and how long the tick took (``MeteredScheduler`` in ``bot/ticks.py``);
* at scrape time, how many outbox rows are in each status: one ``COUNT … GROUP BY`` through
  the store (``OutboxDepth``), the database's figure, the same from every process.

Labels are kinds and statuses only: never a person, a text or an id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from conversations.records import OutboxStatus

log = logging.getLogger("mentorbot.metrics")

PREFIX = "mentorbot"
# A turn is a few database round trips; Slack wants an answer within 3 s.
TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
# A quiet tick takes milliseconds, a busy minute at 100,000 people about a second (plus sends).
TICK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class QueuedReport(Protocol):
    queued: int


class DeliveredReport(Protocol):
    sent: int
    failed: int
    unconfirmed: int
    rate_limited: int


class TickReport(Protocol):
    """What ``scheduler.runner.Scheduler.tick`` returns (read, never changed)."""

    @property
    def queued(self) -> QueuedReport: ...

    @property
    def delivered(self) -> DeliveredReport: ...


class OutboxDepth(Collector):
    """``mentorbot_outbox_depth{status}``, counted when Prometheus scrapes. A failing count
    (the database is away) leaves the metric out of that scrape rather than failing it."""

    def __init__(self, count: Callable[[], Mapping[str, int]]) -> None:
        self._count = count

    def describe(self) -> Iterable[Metric]:
        return []  # not counted when registered: only when scraped

    def collect(self) -> Iterable[Metric]:
        try:
            counts = self._count()
        except Exception as error:
            log.warning("event=metrics_outbox_count_failed error=%s", type(error).__name__)
            return []
        family = GaugeMetricFamily(
            f"{PREFIX}_outbox_depth",
            "Outbox rows in each status (the database's count, the same from every process).",
            labels=["status"],
        )
        for status in OutboxStatus:
            family.add_metric([status.value], counts.get(status.value, 0))
        return [family]


class Metrics:
    """The metrics of this process and the registry they are exposed from."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.events = Counter(
            f"{PREFIX}_events_handled",
            "Events the core handled, by platform and kind (Command, ButtonPressed, …).",
            ["platform", "kind"],
            registry=registry,
        )
        self.handler_seconds = Histogram(
            f"{PREFIX}_handler_seconds",
            "Time the core took for one event, by platform and kind.",
            ["platform", "kind"],
            buckets=TURN_BUCKETS,
            registry=registry,
        )
        self.nudges_queued = Counter(
            f"{PREFIX}_nudges_queued",
            "Nudges the scheduler wrote to the outbox.",
            registry=registry,
        )
        self.nudges_sent = Counter(
            f"{PREFIX}_nudges_sent",
            "Outbox rows this process delivered (nudges and messages people cause).",
            registry=registry,
        )
        self.nudges_failed = Counter(
            f"{PREFIX}_nudges_failed",
            "Outbox rows this process marked failed (permanent error or out of attempts).",
            registry=registry,
        )
        self.nudges_unconfirmed = Counter(
            f"{PREFIX}_nudges_unconfirmed",
            "Outbox rows found stuck in 'sending' and marked failed as unconfirmed.",
            registry=registry,
        )
        self.rate_limited = Counter(
            f"{PREFIX}_rate_limited",
            "429 (rate limited) answers the platforms gave this process's deliveries.",
            registry=registry,
        )
        self.tick_seconds = Histogram(
            f"{PREFIX}_tick_seconds",
            "Time one scheduler tick took (planning and delivering).",
            buckets=TICK_BUCKETS,
            registry=registry,
        )

    def handled(self, platform: str, kind: str, seconds: float) -> None:
        self.events.labels(platform=platform, kind=kind).inc()
        self.handler_seconds.labels(platform=platform, kind=kind).observe(seconds)

    def ticked(self, report: TickReport, seconds: float) -> None:
        self.nudges_queued.inc(report.queued.queued)
        self.nudges_sent.inc(report.delivered.sent)
        self.nudges_failed.inc(report.delivered.failed)
        self.nudges_unconfirmed.inc(report.delivered.unconfirmed)
        self.rate_limited.inc(report.delivered.rate_limited)
        self.tick_seconds.observe(seconds)

    def watch_outbox(self, count: Callable[[], Mapping[str, int]]) -> None:
        """Count the outbox by status with ``count`` at every scrape."""
        self.registry.register(OutboxDepth(count))

    def exposition(self) -> tuple[bytes, str]:
        """The text Prometheus scrapes, and its content type. Counting the outbox reads the
        database: call it off the event loop."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
