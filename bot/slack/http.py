"""Slack over HTTP: ``POST /slack/events`` takes slash commands, events and interactivity.

Nothing a request carries is read before it is verified. In this order:

1. The signature and the timestamp, over the raw bytes: ``X-Slack-Request-Timestamp`` must be
   digits within five minutes of now and ``X-Slack-Signature`` the HMAC-SHA256 of
   ``v0:<timestamp>:<body>`` with the signing secret (Slack's scheme). Otherwise ``401``.
2. Only then is the body decoded and parsed the way bolt parses it, and its shape checked: the
   fields bolt and the listeners read must have the types Slack sends (``event`` an object,
   ``actions`` a list of objects, …), and a command, button or submission must name its
   sender and workspace. Signed but unreadable or misshapen: ``400``.
3. bolt dispatches it (its own check of the signature passes again) and the response goes back
   the moment the listener acks (``bot.slack.acks``), not at bolt's next 10 ms look.

A refusal is one log line with its status and reason, never anything from the request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.server import build_web_app
from bot.slack.acks import dispatch
from bot.slack.actors import user_of, workspace_of
from bot.slack.install import install_routes
from bot.slack.manifest import EVENTS_PATH

log = logging.getLogger("mentorbot.slack.http")

MAX_AGE_SECONDS = 5 * 60  # Slack's own rule for a replayed request
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify(
    secret: str, body: bytes, timestamp: str, signature: str, now: float | None = None
) -> None:
    """Raise ``Refused(401)`` unless ``body`` is signed with ``secret`` at ``timestamp``, and
    ``timestamp`` is within five minutes of ``now``."""
    if not secret:  # never accept what anyone could sign
        raise Refused(401, "no_signing_secret")
    if not timestamp or not signature:
        raise Refused(401, "unsigned")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Refused(401, "timestamp_not_a_number")
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE_SECONDS:
        raise Refused(401, "stale")
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    if not _SIGNATURE.fullmatch(signature) or not hmac.compare_digest(expected, signature):
        raise Refused(401, "bad_signature")


# The shape of what bolt and the listeners read. Slack sends more; only these are checked.
_TEXT = (
    "type",
    "command",
    "text",
    "team_id",
    "user_id",
    "channel_id",
    "enterprise_id",
    "trigger_id",
    "response_url",
    "event_id",
    "api_app_id",
    "callback_id",
    "action_id",
    "block_id",
    "value",
    "challenge",
)
_ID_OR_OBJECT = ("team", "user", "enterprise", "channel")  # bolt takes a plain id too
_OBJECT = ("container", "view", "event", "message", "state")
_LISTS = ("actions", "authorizations")
_EVENT_TEXT = ("type", "user", "text", "channel", "channel_type", "subtype", "bot_id", "tab")
_ACTION_TEXT = ("type", "action_id", "block_id", "value", "action_ts")
_VIEW_TEXT = ("id", "hash", "type", "callback_id", "private_metadata", "team_id")


def _texts(data: Mapping[str, Any], keys: tuple[str, ...]) -> bool:
    return all(data.get(key) is None or isinstance(data[key], str) for key in keys)


def _objects(data: Mapping[str, Any], keys: tuple[str, ...], *also: type) -> bool:
    return all(data.get(key) is None or isinstance(data[key], (dict, *also)) for key in keys)


def _list_of_objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def well_formed(body: Any) -> bool:
    """Whether a parsed request has the shape Slack gives the fields bolt and the listeners
    read (a signed request from Slack always has)."""
    if not isinstance(body, dict) or not _texts(body, _TEXT):
        return False
    if not _objects(body, _ID_OR_OBJECT, str) or not _objects(body, _OBJECT):
        return False
    if any(key in body and not _list_of_objects(body[key]) for key in _LISTS):
        return False
    kind = body.get("type")
    event = body.get("event")
    if kind == "event_callback" and not isinstance(event, dict):
        return False
    if isinstance(event, dict) and not (
        _texts(event, _EVENT_TEXT) and _objects(event, ("tokens",))
    ):
        return False
    actions = body.get("actions")
    if kind == "block_actions" and not actions:
        return False
    for action in actions or []:
        if not _texts(action, _ACTION_TEXT) or not _objects(action, ("selected_option",)):
            return False
        if not _texts(action.get("selected_option") or {}, ("value",)):
            return False
    view = body.get("view")
    if kind in ("view_submission", "view_closed") and not isinstance(view, dict):
        return False
    if isinstance(view, dict) and not _view_well_formed(view):
        return False
    return _names_its_sender(body)


def _names_its_sender(body: Mapping[str, Any]) -> bool:
    """A slash command, a button or a submission says who sent it and from which workspace
    (the listeners would take nobody for a person otherwise)."""
    if "command" in body:
        user = body.get("user_id")
    elif body.get("type") in ("block_actions", "view_submission"):
        user = user_of(body)
    else:
        return True
    return bool(user) and bool(workspace_of(body))


def _view_well_formed(view: Mapping[str, Any]) -> bool:
    if not _texts(view, _VIEW_TEXT) or not _objects(view, ("state",)):
        return False
    values = (view.get("state") or {}).get("values")
    if values is None:
        return True
    return isinstance(values, dict) and all(
        isinstance(block, dict) and all(isinstance(element, dict) for element in block.values())
        for block in values.values()
    )


def parse(text: str, content_type: str | None) -> Any:
    """A body as Slack sends it: JSON (events), a form with a ``payload`` field holding JSON
    (interactivity), or a plain form (slash commands). bolt reads a form that merely contains
    the word "payload" (``/mentor reflect payload``) as an empty request; this does not."""
    if content_type == "application/json" or text.startswith("{"):
        return json.loads(text)
    fields = dict(parse_qsl(text, keep_blank_values=True))
    return json.loads(fields["payload"]) if "payload" in fields else fields


def read(request_body: bytes, query: str, headers: Mapping[str, str]) -> AsyncBoltRequest:
    """A verified body as bolt's request; ``Refused(400)`` when it cannot be read as Slack's."""
    try:
        text = request_body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "not_utf8") from None
    try:
        bolt_request = AsyncBoltRequest(body=text, query=query, headers=dict(headers))
        # bolt parsed it as ``parse`` does, except a form that holds the word "payload".
        body = parse(text, bolt_request.content_type) if "payload" in text else bolt_request.body
        if not well_formed(body):
            raise Refused(400, "unexpected_shape")
        if body != bolt_request.body:  # bolt's reading of "payload" in a slash command
            bolt_request.body = body
            bolt_request.context = build_async_context(AsyncBoltContext({}), body)
    except Refused:
        raise
    except Exception:
        raise Refused(400, "unparseable") from None
    return bolt_request


def events_handler(
    app: AsyncApp, signing_secret: str
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """An aiohttp handler that verifies the raw request, then hands it to bolt and returns
    bolt's response."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            body = await request.read()
            verify(
                signing_secret,
                body,
                request.headers.get("X-Slack-Request-Timestamp", ""),
                request.headers.get("X-Slack-Signature", ""),
            )
            bolt_request = read(body, request.query_string, request.headers)
        except Refused as refused:
            level = logging.INFO if refused.status == 401 else logging.WARNING
            log.log(
                level,
                "event=slack_request_refused status=%d reason=%s",
                refused.status,
                refused.reason,
            )
            message = "invalid request" if refused.status == 401 else "bad request"
            return web.json_response({"error": message}, status=refused.status)
        try:
            return await to_aiohttp_response(await dispatch(app, bolt_request))
        except Exception as error:
            log.error("event=slack_request_failed error=%s", type(error).__name__)
            return web.json_response({"error": "internal error"}, status=500)

    return handle


def routes(app: AsyncApp, signing_secret: str) -> list[web.RouteDef]:
    """What Slack adds to the bot's web server."""
    return [web.post(EVENTS_PATH, events_handler(app, signing_secret))]


def web_app(app: AsyncApp, signing_secret: str) -> web.Application:
    """The bot's web application with Slack as its only platform (as ``mentorbot serve``
    builds it with Slack's credentials alone)."""
    return build_web_app(routes(app, signing_secret) + install_routes(app))
