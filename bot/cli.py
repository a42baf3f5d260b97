"""``mentorbot``: run | serve | scheduler | demo | manifest | db."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.app import Services, build_services
from bot.delivery import PlatformDelivery
from bot.runtime import SystemClock
from bot.settings import Settings, load_settings
from conversations.ports import Delivery

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.slack.app import SlackAdapter
    from scheduler.runner import Scheduler

SHUTDOWN_SECONDS = 10.0  # how long a stop waits for Slack listeners still answering

app = typer.Typer(
    help="A mentoring-programme bot for Slack and Microsoft Teams.",
    no_args_is_help=True,
    add_completion=False,
)
manifest_app = typer.Typer(
    help="Print platform app manifests built from app.yaml.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(manifest_app, name="manifest")
app.add_typer(db_app, name="db")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Another app.yaml (default: MENTORBOT_CONFIG or ./app.yaml)."),
]


def _logging(level: int = logging.INFO) -> None:
    """One event per line: time, level, logger, then the event's key=value pairs."""
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
    )


def _settings(config: Path | None) -> Settings:
    return load_settings(config)


@app.command()
def run(config: ConfigOption = None) -> None:
    """Run the bot: Socket Mode with SLACK_APP_TOKEN; HTTP with Slack or Teams credentials;
    otherwise the offline console on the embedded database."""
    settings = _settings(config)
    if settings.secrets.slack_app_token:
        _logging()
        typer.echo(
            "mentorbot: connecting to Slack over Socket Mode (SLACK_APP_TOKEN is set)", err=True
        )
        asyncio.run(_socket_mode(settings))
    elif settings.slack_http_enabled or settings.teams_enabled:
        typer.echo(
            "mentorbot: platform credentials found: serving HTTP (as `mentorbot serve`)", err=True
        )
        serve(config=config)
    else:
        _logging(logging.WARNING)
        typer.echo(
            "mentorbot: no Slack or Teams credentials: starting the offline console on "
            f"{settings.database_url}",
            err=True,
        )
        _console(settings)


def _console(settings: Settings) -> None:
    from bot.local.console import Console
    from conversations.memory import ManualClock

    clock = ManualClock(SystemClock().now())
    services = build_services(settings, clock)
    try:
        console = Console(services, clock, sys.stdout, interactive=sys.stdin.isatty())
        console.run(iter(sys.stdin.readline, ""))
    finally:
        services.close()


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default from app.yaml).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: PORT, then app.yaml).")] = None,
    no_scheduler: Annotated[
        bool, typer.Option("--no-scheduler", help="Do not run the scheduler in this process.")
    ] = False,
) -> None:
    """Serve HTTP: POST /slack/events (with Slack credentials), GET /healthz."""
    _logging()
    settings = _settings(config)
    asyncio.run(
        _serve(settings, host or settings.server.host, port or settings.port, not no_scheduler)
    )


@app.command("scheduler")
def scheduler_command(config: ConfigOption = None) -> None:
    """Run only the scheduler and the outbox dispatcher (e.g. beside several web workers)."""
    _logging()
    settings = _settings(config)
    asyncio.run(_scheduler_only(settings))


@app.command()
def demo(
    lang: Annotated[str, typer.Option(help="Language of the cohort: sv or en.")] = "sv",
    pairs: Annotated[int, typer.Option(min=1, max=20, help="How many mentor–adept pairs.")] = 3,
    database: Annotated[
        Path | None, typer.Option(help="SQLite file to keep (default: a temporary one).")
    ] = None,
) -> None:
    """Play a whole programme for a generated cohort on a fast-forward clock."""
    from bot.local.demo import play

    _logging(logging.WARNING)
    play(lang=lang, pairs=pairs, database=database, out=sys.stdout)


@manifest_app.command("slack")
def manifest_slack(config: ConfigOption = None) -> None:
    """The Slack app manifest (YAML) for this configuration."""
    from bot.slack.manifest import slack_manifest

    typer.echo(slack_manifest(_settings(config)))


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Create or upgrade the database schema to the newest version."""
    from storage import migrate

    settings = _settings(config)
    migrate.upgrade(settings.database_url)
    typer.echo(f"database at revision {migrate.current(settings.database_url)}")


@db_app.command("current")
def db_current(config: ConfigOption = None) -> None:
    """Show the database's schema revision."""
    from storage import migrate

    settings = _settings(config)
    typer.echo(migrate.current(settings.database_url) or "empty (run `mentorbot db upgrade`)")


# Long-running modes --------------------------------------------------------------------


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


def _platforms(services: Services) -> tuple[SlackAdapter | None, PlatformDelivery]:
    """The Slack adapter (if configured) and the delivery routing every platform."""
    from bot.slack.app import build_slack

    adapters: dict[str, Delivery] = {}
    slack = None
    if services.settings.secrets.slack_bot_token:
        slack = build_slack(services.engine, services.store, services.settings)
        adapters["slack"] = slack.delivery
    return slack, PlatformDelivery(services.store, adapters)


def _scheduler(services: Services, delivery: Delivery) -> Scheduler:
    from scheduler.dispatcher import Dispatcher
    from scheduler.runner import Scheduler

    dispatcher = Dispatcher(
        services.store, delivery, services.clock, services.limits, store=services.store
    )
    return Scheduler(
        services.store,
        dispatcher,
        services.clock,
        services.rules,
        services.settings.core,
        tick_seconds=services.settings.scheduler.tick_seconds,
    )


async def _serve(settings: Settings, host: str, port: int, with_scheduler: bool) -> None:
    from bot.server import build_web_app
    from bot.server import serve as serve_http
    from scheduler.runner import start_in_loop

    services = build_services(settings, SystemClock())
    slack, delivery = _platforms(services)
    if slack is not None and not settings.slack_http_enabled:
        logging.getLogger("mentorbot.cli").warning(
            "event=slack_http_disabled reason=SLACK_SIGNING_SECRET_missing"
        )
    web_app = build_web_app(
        slack=slack.app if slack is not None and settings.slack_http_enabled else None
    )
    scheduler = _scheduler(services, delivery) if with_scheduler else None
    aps = start_in_loop(scheduler) if scheduler is not None else None
    try:
        await serve_http(web_app, host, port, _stop_event())
    finally:
        await _shut_down(services, slack, aps, scheduler)


async def _socket_mode(settings: Settings) -> None:
    from bot.slack.socket import run_socket_mode
    from scheduler.runner import start_in_loop

    services = build_services(settings, SystemClock())
    slack, delivery = _platforms(services)
    if slack is None:
        services.close()
        raise typer.BadParameter("Socket Mode needs SLACK_BOT_TOKEN as well as SLACK_APP_TOKEN")
    scheduler = _scheduler(services, delivery)
    aps = start_in_loop(scheduler)
    try:
        await run_socket_mode(slack.app, settings.secrets.slack_app_token, _stop_event())
    finally:
        await _shut_down(services, slack, aps, scheduler)


async def _scheduler_only(settings: Settings) -> None:
    from scheduler.runner import run_forever

    services = build_services(settings, SystemClock())
    _, delivery = _platforms(services)
    try:
        await run_forever(_scheduler(services, delivery), _stop_event())
    finally:
        services.close()


async def _shut_down(
    services: Services,
    slack: SlackAdapter | None,
    aps: AsyncIOScheduler | None,
    scheduler: Scheduler | None,
) -> None:
    """Stop taking work, let what is running finish (a tick's sends are marked, a listener's
    reply is posted), then close the database."""
    from scheduler.runner import stop_gracefully

    log = logging.getLogger("mentorbot.cli")
    if aps is not None and scheduler is not None:
        await stop_gracefully(aps, scheduler)
    if slack is not None:
        try:
            await slack.activity.idle(timeout=SHUTDOWN_SECONDS)
        except TimeoutError:
            log.warning("event=shutdown_listeners_still_running")
    services.close()
    log.info("event=stopped")


def main() -> None:
    app()
