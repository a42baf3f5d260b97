"""``mentorbot``: run | serve | scheduler | demo | manifest | db.

It names no platform: what it says about them, and how they are built, come from the registry
in ``bot/app.py`` and the ``Platform`` objects it builds (``bot/platforms.py``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from bot.app import (
    ABOUT,
    RUN_HELP,
    SETUPS,
    build_platforms,
    build_scheduler,
    connections,
    http_platforms,
    serve_help,
    serves_http,
)
from bot.heap import settle as settle_heap
from bot.log_lines import configure
from bot.platforms import NotConfigured, Platform, PlatformSetup, Receiving
from bot.replan_commands import plan_everything, say_estimate
from bot.runtime import SystemClock
from bot.services import Services, build_services
from bot.settings import Settings, load_settings

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from scheduler.runner import Scheduler

app = typer.Typer(
    help=ABOUT,
    no_args_is_help=True,
    add_completion=False,
)
manifest_app = typer.Typer(
    help="Print platform app manifests built from app.yaml.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
config_app = typer.Typer(help="The settings (app.yaml and environment).", no_args_is_help=True)
plan_app = typer.Typer(help="The planner's backlog of changed subjects.", no_args_is_help=True)
app.add_typer(manifest_app, name="manifest")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(plan_app, name="plan")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Another app.yaml (default: MENTORBOT_CONFIG or ./app.yaml)."),
]


def _logging(level: int = logging.INFO, settings: Settings | None = None) -> None:
    """One event per line: time, level, logger, then the event's key=value pairs, with every
    line break or other control character in them escaped (``bot/log_lines.py``); or, with
    app.yaml's ``logging.format: json``, the same as one JSON object per line."""
    configure(level, sys.stderr, settings.logging.format if settings is not None else "text")


def _say(settings: Settings, said: str) -> None:
    """What the CLI tells the operator at start: a plain line, or a JSON log line when the
    log is JSON (so that every line on standard error parses)."""
    if settings.logging.format == "json":
        logging.getLogger("mentorbot.cli").info("event=starting said=%s", said)
    else:
        typer.echo(f"mentorbot: {said}", err=True)


@contextmanager
def _listening(settings: Settings) -> Iterator[None]:
    """A port the server cannot have (in use, say) is one clear line and exit code 1, not a
    traceback (a JSON log line when the log is JSON)."""
    from bot.server import CannotListen  # aiohttp: not for the console's start

    try:
        yield
    except CannotListen as error:
        if settings.logging.format == "json":
            logging.getLogger("mentorbot.cli").error(
                "event=cannot_listen host=%s port=%d reason=%s",
                error.host,
                error.port,
                error.reason,
            )
        else:
            typer.echo(f"mentorbot: {error}", err=True)
        raise typer.Exit(1) from None


def _settings(config: Path | None) -> Settings:
    """The settings, checked whole at start: a mistake in app.yaml is a clear line and exit
    code 2, not a traceback."""
    settings: Settings | None = None
    try:
        settings = load_settings(config)
        settings.core  # noqa: B018  (validates the core's part: coordinators, limits)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            if settings is not None:  # the core's settings come from two sections
                where = ("programme." if where in settings.programme else "bot.") + where
            reason = str(error["msg"]).removeprefix("Value error, ")
            typer.echo(f"mentorbot: invalid setting {where}: {reason}", err=True)
        raise typer.Exit(2) from None
    return settings


@app.command(help=RUN_HELP)
def run(config: ConfigOption = None) -> None:
    settings = _settings(config)
    connecting = connections(settings)
    if connecting:
        _logging(settings=settings)
        for said in connecting:
            _say(settings, said)
        with _listening(settings):
            asyncio.run(_connected(settings))
    elif serves_http(settings):
        serving = ", ".join(http_platforms(settings))
        _logging(settings=settings)
        _say(
            settings,
            f"platform credentials found: serving HTTP for {serving} (as `mentorbot serve`)",
        )
        serve(config=config)
    else:
        _logging(logging.WARNING)
        from bot.local.words import words

        # In the deployment's language, as the console's first lines are.
        said = words(settings.core.default_locale)["starting"]
        typer.echo(said.format(url=settings.database_url), err=True)
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


@app.command(help=serve_help())
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
    settings = _settings(config)
    _logging(settings=settings)
    port = settings.port if port is None else port
    with _listening(settings):
        asyncio.run(_serve(settings, host or settings.server.host, port, not no_scheduler))


@app.command("scheduler")
def scheduler_command(
    config: ConfigOption = None,
    port: Annotated[
        int | None,
        typer.Option(
            help="Serve GET /healthz, /readyz and /metrics on this port "
            "(default: server.operations_port; none when unset)."
        ),
    ] = None,
) -> None:
    """Run only the scheduler and the outbox dispatcher (e.g. beside several web workers)."""
    settings = _settings(config)
    _logging(settings=settings)
    with _listening(settings):
        asyncio.run(
            _scheduler_only(settings, settings.server.operations_port if port is None else port)
        )


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


def _add_manifest_command(setup: PlatformSetup) -> None:
    """``mentorbot manifest <platform>`` for a platform that has a manifest."""

    def manifest(
        config: ConfigOption = None,
        out: Annotated[
            Path | None, typer.Option("--out", help="Write it to this file instead.")
        ] = None,
    ) -> None:
        settings = _settings(config)
        if out is None:
            typer.echo(setup.manifest(settings))
        else:
            typer.echo(setup.write_manifest(settings, out), err=True)

    manifest_app.command(setup.name, help=setup.manifest_help)(manifest)


for _setup in SETUPS:
    if _setup.manifest_help is not None:
        _add_manifest_command(_setup)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Create or upgrade the database schema to the newest version."""
    from storage import migrate

    settings = _settings(config)
    migrate.upgrade(settings.database_url)
    typer.echo(f"database at revision {migrate.current(settings.database_url)}")
    say_estimate(settings)


@plan_app.command("all")
def plan_all_command(
    config: ConfigOption = None,
    chunk: Annotated[
        int, typer.Option("--chunk", min=1, help="Changed subjects per transaction.")
    ] = 2000,
) -> None:
    """Plan every changed subject now, in chunks (after an upgrade or a changed rule). Safe
    beside running schedulers, to stop and to run again; on PostgreSQL several may run at
    once."""
    settings = _settings(config)
    _logging(settings=settings)
    plan_everything(settings, chunk)


@config_app.command("reference")
def config_reference(
    write: Annotated[
        Path | None,
        typer.Option(
            "--write", help="Rewrite the reference between its markers in this Markdown file."
        ),
    ] = None,
) -> None:
    """Every setting (app.yaml and environment) as Markdown tables: name, type, default, meaning."""
    from bot.config_reference import reference, write_into

    if write is None:
        typer.echo(reference(), nl=False)
    else:
        changed = write_into(write)
        typer.echo(f"{write}: {'updated' if changed else 'already up to date'}", err=True)


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


def _platforms(services: Services, receiving: Receiving) -> list[Platform]:
    """The configured platforms; a missing credential is the operator's usage error."""
    try:
        return build_platforms(services, receiving)
    except NotConfigured as error:
        services.close()
        raise typer.BadParameter(str(error)) from error


async def _serve(settings: Settings, host: str, port: int, with_scheduler: bool) -> None:
    from bot.operations import operations_routes, serve_operations
    from bot.server import build_web_app
    from bot.server import serve as serve_http
    from scheduler.runner import start_in_loop

    services = build_services(settings, SystemClock())
    platforms = _platforms(services, Receiving.HTTP)
    routes = [route for p in platforms for route in p.routes() or ()]
    web_app = build_web_app([*routes, *operations_routes(services)])
    scheduler = build_scheduler(services, platforms) if with_scheduler else None
    aps = start_in_loop(scheduler) if scheduler is not None else None
    operations = None
    try:
        operations = await serve_operations(services, settings.server.operations_port)
        for platform in platforms:
            await platform.start()
        settle_heap()
        await serve_http(web_app, host, port, _stop_event())
    finally:
        if operations is not None:
            await operations.stop()
        await _shut_down(services, platforms, aps, scheduler)


async def _connected(settings: Settings) -> None:
    """``run`` when a platform connects out itself: no web server, until a signal stops it."""
    from bot.operations import operations_routes, serve_operations
    from scheduler.runner import start_in_loop

    services = build_services(settings, SystemClock())
    platforms = _platforms(services, Receiving.CONNECTION)
    scheduler = build_scheduler(services, platforms)
    aps = start_in_loop(scheduler)
    stop = _stop_event()
    # A platform that only comes over HTTP, beside one that connects out: serve its routes.
    routes = [route for p in platforms for route in p.routes() or ()]
    server = operations = None
    try:
        for platform in platforms:
            await platform.start()
        operations = await serve_operations(services, settings.server.operations_port)
        if routes:
            from bot.server import build_web_app, start

            web_app = build_web_app([*routes, *operations_routes(services)])
            server = await start(web_app, settings.server.host, settings.port)
            names = ", ".join(p.name for p in platforms if p.routes())
            _say(settings, f"also serving HTTP for {names} at {server.url}")
        settle_heap()
        await stop.wait()
    finally:
        for running in (server, operations):
            if running is not None:
                await running.stop()
        await _shut_down(services, platforms, aps, scheduler)


async def _scheduler_only(settings: Settings, port: int | None) -> None:
    from bot.operations import serve_operations
    from scheduler.runner import run_forever

    services = build_services(settings, SystemClock())
    platforms = _platforms(services, Receiving.NOTHING)
    operations = None
    try:
        operations = await serve_operations(services, port)
        settle_heap()
        await run_forever(build_scheduler(services, platforms), _stop_event())
    finally:
        if operations is not None:
            await operations.stop()
        services.close()


async def _shut_down(
    services: Services,
    platforms: list[Platform],
    aps: AsyncIOScheduler | None,
    scheduler: Scheduler | None,
) -> None:
    """Stop taking work, let what is running finish (a tick's sends are marked, a listener's
    reply is posted), then close the database."""
    from scheduler.runner import stop_gracefully

    if aps is not None and scheduler is not None:
        await stop_gracefully(aps, scheduler)
    for platform in platforms:
        await platform.shutdown()
    services.close()
    logging.getLogger("mentorbot.cli").info("event=stopped")


def main() -> None:
    app()
