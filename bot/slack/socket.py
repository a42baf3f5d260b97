"""Socket Mode: the bot opens a WebSocket to Slack, so no public URL is needed. Used when
``SLACK_APP_TOKEN`` (an ``xapp-`` app-level token) is set."""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

log = logging.getLogger("mentorbot.slack")


async def run_socket_mode(app: AsyncApp, app_token: str, stop: asyncio.Event | None = None) -> None:
    """Connect to Slack over Socket Mode and handle events until ``stop`` is set (or the task
    is cancelled); then disconnect cleanly."""
    handler = AsyncSocketModeHandler(app, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("event=slack_socket_mode_connected")
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        log.info("event=slack_socket_mode_closed")
