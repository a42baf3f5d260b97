"""Teams over HTTP: ``POST /api/messages`` hands each activity to botbuilder's
``CloudAdapter`` (``process_activity``), which checks the Bot Framework token and runs the
listeners. With ``MICROSOFT_APP_ID`` set, a request with no token, or one that fails
authentication in any way (forged, malformed, keys that could not be read), is answered 401
and nothing is done. Without it, authentication is off (the Bot Framework Emulator).

The activity is read here rather than by ``CloudAdapter.process``, which passes a missing
``Authorization`` header on as ``""``, which botbuilder 4.17.1 then fails to validate even with
authentication off (``AttributeError``); ``None`` is what it expects for "no header".
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from botbuilder.core import Bot, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from bot.server import build_web_app
from conversations.engine import crash_site

log = logging.getLogger("mentorbot.teams")

MESSAGES_PATH = "/api/messages"


def messages_handler(
    adapter: CloudAdapter, bot: Bot, *, app_id: str = ""
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        header = request.headers.get("Authorization") or None
        if app_id and not (header or "").startswith("Bearer "):
            log.warning("event=teams_unauthorized reason=no_token")
            return web.Response(status=401)
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.Response(status=415)
        try:
            body = await request.json()
            activity = Activity().deserialize(body)
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError, ValueError):
            return web.Response(status=400)
        if not isinstance(body, dict) or not activity.type:
            return web.Response(status=400)
        try:
            # Checked on its own, so that any failure in it (botbuilder raises several kinds
            # for a malformed or forged token) is told apart from a failing turn.
            authenticated = await adapter.bot_framework_authentication.authenticate_request(
                activity, header
            )
        except Exception as error:
            log.warning("event=teams_unauthorized reason=%s", type(error).__name__)
            return web.Response(status=401)
        try:
            answer = await adapter.process_activity(authenticated, activity, bot.on_turn)
        except Exception as error:
            # The type and where, never the message: it may quote what a person wrote.
            log.error(
                "event=teams_request_failed error=%s at=%s", type(error).__name__, crash_site()[1]
            )
            return web.Response(status=500)
        if answer is not None:
            return web.json_response(serializer_helper(answer.body), status=answer.status)
        return web.Response(status=201)

    return handle


def routes(adapter: CloudAdapter, bot: Bot, *, app_id: str = "") -> list[web.RouteDef]:
    """What Teams adds to the bot's web server."""
    return [web.post(MESSAGES_PATH, messages_handler(adapter, bot, app_id=app_id))]


def web_app(adapter: CloudAdapter, bot: Bot, *, app_id: str = "") -> web.Application:
    """The bot's web application with Teams as its only platform."""
    return build_web_app(routes(adapter, bot, app_id=app_id))
