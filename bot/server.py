"""The HTTP server: ``POST /slack/events`` (slash commands, events and interactivity, when
Slack's HTTP credentials are set), ``GET /healthz``, and whatever other routes the composition
root adds (the Teams endpoint). One aiohttp application, one port."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

log = logging.getLogger("mentorbot.server")

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def slack_handler(app: AsyncApp) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """An aiohttp handler that hands the raw request to bolt (which verifies the signature
    and the timestamp, and answers 401 when either is wrong) and returns bolt's response."""

    async def handle(request: web.Request) -> web.StreamResponse:
        bolt_response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    return handle


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_web_app(
    slack: AsyncApp | None = None, routes: Iterable[web.RouteDef] = ()
) -> web.Application:
    """The web application: Slack's endpoint when ``slack`` is given, the health check, and
    any extra ``routes`` (e.g. ``web.post("/api/messages", teams_handler)``)."""
    application = web.Application()
    application.router.add_get(HEALTH_PATH, healthz)
    if slack is not None:
        application.router.add_post(SLACK_PATH, slack_handler(slack))
    application.add_routes(list(routes))
    return application


@dataclass
class RunningServer:
    runner: web.AppRunner
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start(application: web.Application, host: str, port: int) -> RunningServer:
    """Start serving without blocking; ``port`` 0 picks a free port (see ``.port``)."""
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    addresses = runner.addresses
    bound = int(addresses[0][1]) if addresses else port
    log.info("event=http_listening host=%s port=%d", host, bound)
    return RunningServer(runner=runner, host=host, port=bound)


async def serve(
    application: web.Application, host: str, port: int, stop: asyncio.Event | None = None
) -> None:
    """Serve until ``stop`` is set (or the task is cancelled), then shut down cleanly."""
    server = await start(application, host, port)
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await server.stop()
