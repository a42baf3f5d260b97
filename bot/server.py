"""The HTTP server: ``GET /healthz`` and the routes each platform adds (``Platform.routes``
in ``bot/platforms.py``). One aiohttp application, one port; it knows no platform."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web

log = logging.getLogger("mentorbot.server")

HEALTH_PATH = "/healthz"


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_web_app(routes: Iterable[web.RouteDef] = ()) -> web.Application:
    """The web application: the health check and the platforms' ``routes``."""
    application = web.Application()
    application.router.add_get(HEALTH_PATH, healthz)
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


class CannotListen(Exception):
    """The server could not take ``host``:``port`` (in use, not this machine's, not allowed)."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"cannot listen on {host}:{port}: {reason}")
        self.host, self.port, self.reason = host, port, reason


async def start(application: web.Application, host: str, port: int) -> RunningServer:
    """Start serving without blocking; ``port`` 0 picks a free port (see ``.port``). Raises
    ``CannotListen`` when the address cannot be had."""
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise CannotListen(host, port, reason.lower()) from None
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
