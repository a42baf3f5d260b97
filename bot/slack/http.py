"""Slack over HTTP: ``POST /slack/events`` takes slash commands, events and interactivity,
and hands each raw request to bolt, which verifies the signature and the timestamp (``401``
when either is wrong) and answers as the listeners ack."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.server import build_web_app
from bot.slack.manifest import EVENTS_PATH


def events_handler(app: AsyncApp) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """An aiohttp handler that hands the raw request to bolt and returns bolt's response."""

    async def handle(request: web.Request) -> web.StreamResponse:
        bolt_response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    return handle


def routes(app: AsyncApp) -> list[web.RouteDef]:
    """What Slack adds to the bot's web server."""
    return [web.post(EVENTS_PATH, events_handler(app))]


def web_app(app: AsyncApp) -> web.Application:
    """The bot's web application with Slack as its only platform (as ``mentorbot serve``
    builds it with Slack's credentials alone)."""
    return build_web_app(routes(app))
