"""``SlackClients``: the Web API client to reach one workspace's people with.

With one bot token (single-workspace mode) every workspace gets the same client. With OAuth
installs (many workspaces) each workspace gets a client holding the token of its own
installation (``bot.slack.installations``), read from the database at every use, so an
uninstall or a reinstall counts at once in every process; a workspace with no installation
raises ``NotInstalled`` rather than fall back on any other token. Every client sends over the
process's one kept-alive session (``bot.slack.sessions``), not a new connection per call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.installations import SqlInstallations
from bot.slack.sessions import SharedSession
from conversations.ports import PermanentError

log = logging.getLogger("mentorbot.slack")

NOT_INSTALLED = "workspace_not_installed"


class NotInstalled(PermanentError):
    """No installation of the app serves this workspace (never installed, or removed)."""

    def __init__(self, workspace: str) -> None:
        super().__init__(f"{NOT_INSTALLED}: {workspace}")
        self.workspace = workspace


class SlackClients:
    def __init__(self, base: AsyncWebClient, installations: SqlInstallations | None = None):
        self.base = base  # its base URL and logger are every client's
        self.installations = installations
        self._by_token: dict[str, AsyncWebClient] = {}
        self.session = SharedSession(getattr(base, "timeout", 30))

    @property
    def many(self) -> bool:
        """Workspaces installed through OAuth, each with its own token."""
        return self.installations is not None

    async def of(self, workspace: str) -> AsyncWebClient:
        """The client for ``workspace``'s people (``NotInstalled`` when there is none)."""
        if self.installations is None:
            return self._kept_alive(self.base)
        token = await asyncio.to_thread(self.installations.token, workspace)
        if token is None:
            raise NotInstalled(workspace)
        client = self._by_token.get(token)
        if client is None:
            client = AsyncWebClient(
                token=token, base_url=self.base.base_url, logger=self.base.logger
            )
            self._by_token[token] = client
        return self._kept_alive(client)

    def _kept_alive(self, client: AsyncWebClient) -> AsyncWebClient:
        if isinstance(client, AsyncWebClient):  # slack-sdk's (not a stand-in)
            client.session = self.session.get()
        return client

    async def close(self) -> None:
        """Close the kept-alive session (the adapter's shutdown)."""
        await self.session.close()

    async def call(self, workspace: str, method: Callable[[AsyncWebClient], Awaitable[Any]]) -> Any:
        """``method`` on the client of ``workspace``."""
        return await method(await self.of(workspace))

    def forget(self, workspace: str) -> None:
        """``workspace`` removed the app: its installations go (OAuth mode)."""
        if self.installations is not None:
            self.installations.forget(workspace)
        self._by_token.clear()
