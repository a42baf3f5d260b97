"""Installing the app into a workspace (OAuth mode): ``GET /slack/install`` sends the browser
to Slack's consent page with a one-time ``state`` (also set as a cookie), and Slack sends it
back to ``GET /slack/oauth_redirect?code=…&state=…``, where bolt's OAuth flow checks the
state against the database and the cookie, trades the code for the workspace's bot token
(``oauth.v2.access``) and saves the installation (``bot.slack.installations``).

Present only when the app runs in OAuth mode (bolt then has an OAuth flow); a failure is one
log line with its type, never the request's values. The page the install ends on is the
bot's own (``InstallPages``), in Swedish or English (the browser's ``Accept-Language``, else
the default language), never bolt's English one, and so is the page of an error in either
step (status 500).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.slack.words import words

log = logging.getLogger("mentorbot.slack.install")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

Step = Callable[[AsyncOAuthFlow, AsyncBoltRequest], Awaitable[BoltResponse]]


def _handler(
    flow: AsyncOAuthFlow, step: Step, name: str
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    options = flow.settings.callback_options  # bolt's, unless ``InstallPages`` (as we build it)
    default_lang = options.default_lang if isinstance(options, InstallPages) else "en"

    async def handle(request: web.Request) -> web.StreamResponse:
        bolt_request = AsyncBoltRequest(
            body="", query=request.query_string, headers=dict(request.headers)
        )
        try:
            response = await step(flow, bolt_request)
        except Exception as error:
            log.error("event=slack_install_failed step=%s error=%s", name, type(error).__name__)
            return await to_aiohttp_response(error_page(bolt_request, default_lang))
        log.info("event=slack_install_step step=%s status=%d", name, response.status)
        return await to_aiohttp_response(response)

    return handle


def page_language(request: AsyncBoltRequest, default: str) -> str:
    """``sv`` or ``en``, as the browser prefers (its first of the two), else ``default``."""
    for header in request.headers.get("accept-language", []):
        for part in header.split(","):
            tag = part.split(";")[0].strip().lower()
            if tag[:2] in ("sv", "en"):
                return tag[:2]
    return default


def _page(title: str, text: str, lang: str, status: int) -> BoltResponse:
    body = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p></body></html>"
    )
    return BoltResponse(
        status=status, body=body, headers={"Content-Type": "text/html; charset=utf-8"}
    )


class InstallPages(AsyncCallbackOptions):
    """The pages an install ends on, in the browser's language: installed (saying which
    ``command`` to type in Slack), refused (the reason only in the log), or broken (an error
    in either step: ``error_page``). Bolt's flow calls the first two; ``install_routes`` finds
    the default language here, in the flow's settings."""

    def __init__(self, default_lang: str, command: str) -> None:
        super().__init__(success=self._installed, failure=self._refused)
        self.default_lang = default_lang
        self.command = command

    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        lang = page_language(args.request, self.default_lang)
        said = words(lang)
        text = said["install_done_text"].format(command=self.command)
        return _page(said["install_done"], text, lang, 200)

    async def _refused(self, args: AsyncFailureArgs) -> BoltResponse:
        log.warning("event=slack_install_refused reason=%s", args.reason)
        lang = page_language(args.request, self.default_lang)
        said = words(lang)
        return _page(
            said["install_failed"], said["install_failed_text"], lang, args.suggested_status_code
        )


def error_page(request: AsyncBoltRequest, default_lang: str) -> BoltResponse:
    """The page of an error in either step (status 500): nothing was installed."""
    lang = page_language(request, default_lang)
    said = words(lang)
    return _page(said["install_failed"], said["install_error_text"], lang, 500)


def install_routes(app: AsyncApp) -> list[web.RouteDef]:
    """The install link and Slack's redirect, when ``app`` has an OAuth flow."""
    flow = app.oauth_flow
    if flow is None:
        return []
    return [
        web.get(
            INSTALL_PATH,
            _handler(flow, lambda f, r: f.handle_installation(r), "install"),
        ),
        web.get(
            REDIRECT_PATH,
            _handler(flow, lambda f, r: f.handle_callback(r), "redirect"),
        ),
    ]
