"""The composition root: services -> platforms -> delivery -> scheduler, and the registry of
platforms.

``SETUPS`` is the one list of the platforms this build knows. The CLI reaches every platform
through it and through the ``Platform`` objects ``build_platforms`` makes, so ``bot/cli.py``
and ``bot/server.py`` name none and import no SDK. Adding a platform is one entry here (see
CONVENTIONS.md, "How to add a platform").
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.delivery import PlatformDelivery
from bot.platforms import Platform, PlatformSetup, Receiving
from bot.services import Services
from bot.settings import Settings
from bot.slack.setup import SLACK_SETUP
from bot.teams.setup import TEAMS_SETUP
from conversations.records import Person
from scheduler.dispatcher import Dispatcher
from scheduler.replan import Replanner

if TYPE_CHECKING:
    from scheduler.runner import Scheduler

log = logging.getLogger("mentorbot.app")

SETUPS: tuple[PlatformSetup, ...] = (SLACK_SETUP, TEAMS_SETUP)

# What the CLI says about the platforms as a whole (it names none itself).
ABOUT = "A mentoring-programme bot for Slack and Microsoft Teams."
RUN_HELP = (
    "Run the bot: Socket Mode with SLACK_APP_TOKEN; HTTP with Slack or Teams credentials; "
    "otherwise the offline console on the embedded database."
)
# bot.server.HEALTH_PATH and bot.operations' paths (not imported: they load aiohttp)
HEALTH_ROUTE = "GET /healthz, /readyz, /metrics"


def serve_help() -> str:
    """``mentorbot serve``'s help: every platform's route, and the operations endpoints."""
    return "Serve HTTP: " + ", ".join([*(s.http_help for s in SETUPS), HEALTH_ROUTE]) + "."


def connections(settings: Settings) -> list[str]:
    """What ``mentorbot run`` says for each platform it connects to itself; empty when it
    serves HTTP or starts the offline console instead."""
    return [said for setup in SETUPS if (said := setup.connects(settings)) is not None]


def serves_http(settings: Settings) -> bool:
    """Whether ``mentorbot run`` serves HTTP: some platform's HTTP credentials are set."""
    return bool(http_platforms(settings))


def http_platforms(settings: Settings) -> list[str]:
    """The platforms whose HTTP credentials are set (what ``mentorbot run`` says it serves)."""
    return [setup.name for setup in SETUPS if setup.takes_http(settings)]


def warn_unserved(services: Services, platforms: list[Platform]) -> list[str]:
    """The platforms people are on that no adapter in this process serves (their messages
    would fail): each is logged as a warning at start, and returned."""
    with services.store.read() as repo:
        stored = {platform for (platform,) in repo.columns(Person, ["platform"])}
    served = {platform.name for platform in platforms} | {"local"}
    unserved = sorted(stored - served)
    for name in unserved:
        log.warning("event=platform_not_served platform=%s reason=credentials_missing", name)
    return unserved


def build_platforms(services: Services, receiving: Receiving) -> list[Platform]:
    """Every platform whose credentials are set, built for how this process takes in
    messages. Raises ``NotConfigured`` when one cannot take them that way."""
    built = (setup.build(services, receiving) for setup in SETUPS)
    return [platform for platform in built if platform is not None]


def build_scheduler(services: Services, platforms: list[Platform]) -> Scheduler:
    """The scheduler and its outbox dispatcher, delivering to each person on their platform."""
    from bot.ticks import MeteredScheduler  # loads APScheduler: only when it is needed

    warn_unserved(services, platforms)
    delivery = PlatformDelivery(services.store, platforms)
    dispatcher = Dispatcher(
        services.store, delivery, services.clock, services.limits, store=services.store
    )
    replanner = Replanner(services.store, services.clock, services.rules, services.settings.core)
    return MeteredScheduler(
        services.store,
        dispatcher,
        services.clock,
        services.rules,
        services.settings.core,
        tick_seconds=services.settings.scheduler.tick_seconds,
        metrics=services.metrics,
        replanner=replanner,
    )
