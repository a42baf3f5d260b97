"""Socket Mode: the bot opens a WebSocket to Slack, so no public URL is needed. Used by
``mentorbot run`` when ``SLACK_APP_TOKEN`` (an ``xapp-`` app-level token) is set."""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

log = logging.getLogger("mentorbot.slack")


class SocketMode:
    """One Socket Mode connection delivering Slack's requests to ``app``'s listeners."""

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self._app = app
        self._app_token = app_token
        self._handler: AsyncSocketModeHandler | None = None

    async def connect(self) -> None:
        self._handler = AsyncSocketModeHandler(self._app, self._app_token)
        await self._handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("event=slack_socket_mode_connected")

    async def close(self) -> None:
        """Disconnect (nothing to do when not connected)."""
        handler, self._handler = self._handler, None
        if handler is not None:
            await handler.close_async()  # type: ignore[no-untyped-call]
            log.info("event=slack_socket_mode_closed")


async def run_socket_mode(app: AsyncApp, app_token: str, stop: asyncio.Event | None = None) -> None:
    """Connect to Slack over Socket Mode and handle events until ``stop`` is set (or the task
    is cancelled); then disconnect cleanly."""
    connection = SocketMode(app, app_token)
    await connection.connect()
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await connection.close()
