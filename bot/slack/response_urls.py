"""Answers through an interaction's ``response_url``, over the process's kept-alive session.

bolt's ``respond`` builds a new ``AsyncWebhookClient`` for every answer, and with it a new
aiohttp session and a new connection (on Slack: a TLS handshake) to the same host. That was
the biggest single cost of answering a slash command after the core's own turn. Here every
answer of the process goes through one ``aiohttp.ClientSession`` (``bot.slack.sessions``: its
connection pool keeps connections to ``hooks.slack.com`` open), with the Web API client's
proxy and TLS settings, and the same message bolt would send (its fields that are set).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.sessions import SharedSession

Respond = Callable[..., Awaitable[Any]]

TIMEOUT_SECONDS = 30  # as slack-sdk's webhook client waits by default


class ResponseUrls:
    def __init__(self, client: AsyncWebClient, session: SharedSession | None = None) -> None:
        self._client = client
        self._session = session or SharedSession(TIMEOUT_SECONDS)

    def responder(self, body: dict[str, Any], fallback: Respond) -> Respond:
        """What answers the interaction ``body``: its ``response_url`` over the shared
        session, or bolt's ``fallback`` when it has none (which then refuses, as it did)."""
        url = body.get("response_url")
        if not isinstance(url, str) or not url:
            return fallback

        async def respond(text: str | dict[str, Any] = "", **fields: Any) -> WebhookResponse:
            given = text if isinstance(text, dict) else {"text": text, **fields}
            message = {key: value for key, value in given.items() if value is not None}
            webhook = AsyncWebhookClient(
                url=url,
                session=self._session.get(),
                proxy=self._client.proxy,
                ssl=self._client.ssl,
                timeout=TIMEOUT_SECONDS,
            )
            return await webhook.send_dict(message)

        return respond

    async def close(self) -> None:
        await self._session.close()
