"""What every way of running the bot shares: settings -> database -> core, and the rules the
scheduler and the dispatcher follow. The offline console runs on these alone; ``bot/app.py``
adds the platforms and the scheduler around them.

Nothing here runs at import time. Tests call ``build_services`` with their own settings (a
temporary database) and clock; the CLI calls it with the real ones.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.metrics import Metrics
from bot.settings import Settings
from conversations.engine import Engine
from conversations.events import Actor, Command, Event
from conversations.flows.coordinators import apply_configured
from conversations.messages import Reply
from conversations.planner import PlanRules
from conversations.ports import Clock
from conversations.records import Person
from scheduler.dispatcher import DeliveryLimits
from storage import migrate
from storage.store import SqlStore

log = logging.getLogger("mentorbot.app")  # the name operators know from the logs


class MeteredEngine(Engine):
    """The engine, counting each event it handles and timing the turn (``bot/metrics.py``):
    the one place every platform's turns go through."""

    def __init__(self, store: SqlStore, clock: Clock, settings: Settings, metrics: Metrics) -> None:
        super().__init__(store, clock, settings.core)
        self.metrics = metrics

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply:
        started = time.perf_counter()
        try:
            return super().handle(actor, event, event_key=event_key)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.handled(actor.platform, type(event).__name__, elapsed)

    def read_turn(
        self, actor: Actor, event: Command, accept: Callable[[Person], bool]
    ) -> tuple[Person, Reply] | None:
        started = time.perf_counter()
        done = super().read_turn(actor, event, accept)
        if done is not None:  # a declined turn is counted by the ``handle`` that runs it
            elapsed = time.perf_counter() - started
            self.metrics.handled(actor.platform, type(event).__name__, elapsed)
        return done


@dataclass
class Services:
    settings: Settings
    store: SqlStore
    clock: Clock
    engine: Engine
    rules: PlanRules
    limits: DeliveryLimits
    metrics: Metrics

    def close(self) -> None:
        self.store.close()


def plan_rules(settings: Settings) -> PlanRules:
    return PlanRules(
        catch_up_hours=settings.scheduler.catch_up_hours,
        max_nudges_per_week=settings.scheduler.max_nudges_per_week,
        max_subjects_per_tick=settings.scheduler.max_subjects_per_tick,
        tick_budget_seconds=settings.scheduler.tick_budget_seconds,
    )


def delivery_limits(settings: Settings) -> DeliveryLimits:
    return DeliveryLimits(
        global_per_second=settings.delivery.global_per_second,
        global_burst=settings.delivery.global_burst,
        per_conversation_seconds=settings.delivery.per_conversation_seconds,
        max_attempts=settings.delivery.max_attempts,
        lease_seconds=settings.delivery.lease_seconds,
    )


def build_services(settings: Settings, clock: Clock) -> Services:
    """Open (and, if needed, create or upgrade) the database and build the core on it."""
    url = settings.database_url
    migrate.upgrade(url)
    store = SqlStore(url)
    metrics = Metrics()
    metrics.watch_outbox(store.outbox_counts)
    engine = MeteredEngine(store, clock, settings, metrics)
    with store.transaction() as repo:
        # app.yaml's coordinators are the truth at every start: removed there -> revoked.
        granted, revoked = apply_configured(repo, settings.core, clock.now())
    if granted or revoked:
        log.info("event=coordinators_applied granted=%d revoked=%d", granted, revoked)
    log.info(
        "event=services_ready database=%s", store.engine.url.render_as_string(hide_password=True)
    )
    return Services(
        settings=settings,
        store=store,
        clock=clock,
        engine=engine,
        rules=plan_rules(settings),
        limits=delivery_limits(settings),
        metrics=metrics,
    )
