"""The process's Prometheus metrics: what fills them and what they never hold."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import build_scheduler
from bot.metrics import Metrics
from bot.services import Services, build_services
from bot.settings import Settings
from bot.ticks import MeteredScheduler
from conversations.events import Actor, Command, TextReceived
from conversations.memory import ManualClock
from conversations.messages import Message, text
from conversations.planner import QueueResult
from conversations.ports import Delivery, TransientError
from conversations.records import OutboxItem, OutboxStatus, Person
from scheduler.dispatcher import DeliveryReport
from scheduler.runner import TickReport
from tests.databases import new_database_url

START = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)  # a Monday morning


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    built = build_services(
        Settings(database={"url": new_database_url(tmp_path, migrated=False)}),  # type: ignore[arg-type]
        ManualClock(START),
    )
    yield built
    built.close()


def value(metrics: Metrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def test_each_process_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.handled("slack", "Command", 0.01)
    assert value(first, "mentorbot_events_handled_total", platform="slack", kind="Command") == 1
    assert value(second, "mentorbot_events_handled_total", platform="slack", kind="Command") == 0


def test_every_turn_with_the_engine_is_counted_and_timed_by_platform_and_kind(
    services: Services,
) -> None:
    actor = Actor(platform="local", platform_user_id="kim", display_name="Kim")
    services.engine.handle(actor, Command(text="help"))
    services.engine.handle(actor, TextReceived(text="hjälp"))
    services.engine.handle(actor, TextReceived(text="hem"))
    metrics = services.metrics
    assert value(metrics, "mentorbot_events_handled_total", platform="local", kind="Command") == 1
    typed = {"platform": "local", "kind": "TextReceived"}
    assert value(metrics, "mentorbot_events_handled_total", **typed) == 2
    assert value(metrics, "mentorbot_handler_seconds_count", **typed) == 2
    assert value(metrics, "mentorbot_handler_seconds_sum", **typed) > 0


def test_a_tick_report_becomes_the_nudge_counters_and_the_tick_histogram() -> None:
    metrics = Metrics()
    report = TickReport(
        queued=QueueResult(queued=3),
        delivered=DeliveryReport(sent=2, failed=1, unconfirmed=1, rate_limited=4),
    )
    metrics.ticked(report, 0.25)
    metrics.ticked(TickReport(), 0.01)
    assert value(metrics, "mentorbot_nudges_queued_total") == 3
    assert value(metrics, "mentorbot_nudges_sent_total") == 2
    assert value(metrics, "mentorbot_nudges_failed_total") == 1
    assert value(metrics, "mentorbot_nudges_unconfirmed_total") == 1
    assert value(metrics, "mentorbot_rate_limited_total") == 4
    assert value(metrics, "mentorbot_tick_seconds_count") == 2
    assert value(metrics, "mentorbot_tick_seconds_bucket", le="0.5") == 2


@dataclass
class RateLimited:
    """A platform that answers every send with a 429."""

    name: str = "slack"
    calls: list[int] = field(default_factory=list)

    @property
    def delivery(self) -> Delivery:
        return self

    async def send(self, item: OutboxItem, message: Message) -> str | None:
        self.calls.append(item.id or 0)
        raise TransientError("ratelimited", retry_after=120)

    def routes(self) -> Sequence[web.RouteDef] | None:
        return None

    async def start(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


async def test_the_scheduler_the_bot_builds_feeds_its_ticks_into_the_metrics(
    services: Services,
) -> None:
    with services.store.transaction() as repo:
        person = repo.add(
            Person(
                platform="slack",
                workspace="T1",
                platform_user_id="U1",
                display_name="Maja",
                created_at=START,
            )
        )
        repo.enqueue(
            OutboxItem(
                key="notice:1",
                person_id=person.id,
                kind="notice",
                payload=text("hej").model_dump(mode="json"),
                due_at=START,
                created_at=START,
            )
        )
    platform = RateLimited()
    scheduler = build_scheduler(services, [platform])
    assert isinstance(scheduler, MeteredScheduler)
    scheduler.plan_in_thread = False

    report = await scheduler.tick()

    assert platform.calls and report.delivered.rate_limited == 1
    assert value(services.metrics, "mentorbot_rate_limited_total") == 1
    assert value(services.metrics, "mentorbot_tick_seconds_count") == 1


def test_the_outbox_depth_is_counted_by_status_when_scraped(services: Services) -> None:
    with services.store.transaction() as repo:
        for n, status in enumerate([OutboxStatus.PENDING, OutboxStatus.PENDING, "failed"]):
            repo.enqueue(
                OutboxItem(
                    key=f"k{n}",
                    kind="notice",
                    payload={},
                    status=OutboxStatus(status),
                    due_at=START,
                    created_at=START,
                )
            )
    metrics = services.metrics
    assert value(metrics, "mentorbot_outbox_depth", status="pending") == 2
    assert value(metrics, "mentorbot_outbox_depth", status="failed") == 1
    assert value(metrics, "mentorbot_outbox_depth", status="sent") == 0
    with services.store.transaction() as repo:
        repo.delete(OutboxItem, repo.find(OutboxItem)[0].id or 0)
    assert value(metrics, "mentorbot_outbox_depth", status="pending") == 1  # counted anew


def test_a_scrape_without_the_database_leaves_the_outbox_depth_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()

    def unreachable() -> dict[str, int]:
        raise ConnectionError("db.internal:5432 refused")

    metrics.watch_outbox(unreachable)
    metrics.handled("teams", "ButtonPressed", 0.02)
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain")
    assert b"mentorbot_outbox_depth" not in body
    assert b'mentorbot_events_handled_total{kind="ButtonPressed",platform="teams"} 1.0' in body
    assert "event=metrics_outbox_count_failed error=ConnectionError" in caplog.text
    assert "refused" not in caplog.text
