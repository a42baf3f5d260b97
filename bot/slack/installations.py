"""Where the bot's Slack tokens come from, per workspace.

* One workspace (``SLACK_BOT_TOKEN`` set): that token, for everyone.
* Many workspaces (OAuth, ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` without a bot
  token): each install through ``/slack/install`` leaves a row in slack-sdk's
  ``SQLAlchemyInstallationStore`` (tables ``slack_installations``, ``slack_bots``, built by
  migration 0006 on the bot's own database), and a workspace's people are reached with the
  token of *their* installation only.

A workspace key (``bot.slack.actors.workspace_of``) is a team id, or an enterprise id for an
org-wide Enterprise Grid install; ``Installations.token`` resolves either (the team's own
install, or the organisation's with ``is_enterprise_install``). A workspace without an
installation has no token: nothing is sent there, never with another workspace's token.

slack-sdk's SQLAlchemy stores are synchronous; bolt's ``AsyncApp`` wants the async methods,
which run them in a worker thread here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

log = logging.getLogger("mentorbot.slack.installations")

STATE_SECONDS = 10 * 60  # how long an install link stays valid


class SqlInstallations(SQLAlchemyInstallationStore, AsyncInstallationStore):
    """slack-sdk's SQLAlchemy installation store, usable by bolt's ``AsyncApp``, and the
    bot's own questions to it by workspace key."""

    def __init__(
        self,
        client_id: str,
        engine: sa.Engine,
        *,
        reader: sa.Engine | None = None,
        on_installed: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=log)
        self._reader = reader or engine  # for ``token``: every send asks it
        self._on_installed = on_installed

    async def async_save(self, installation: Installation) -> None:
        """Save an install; the workspace it serves is told (``on_installed``)."""
        await asyncio.to_thread(self.save, installation)
        key = installation_key(installation)
        log.info("event=slack_installed workspace=%s", key)
        if self._on_installed is not None:
            await asyncio.to_thread(self._on_installed, key)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await asyncio.to_thread(
            self.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            self.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(
            self.delete_installation, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    # By workspace key ----------------------------------------------------------------------

    def _of(self, table: sa.Table, workspace: str) -> Any:
        """The rows of ``table`` that belong to ``workspace``: the team's own install, or the
        organisation's org-wide one."""
        c = table.c
        return sa.and_(
            c.client_id == self.client_id,
            sa.or_(
                sa.and_(c.team_id == workspace, c.is_enterprise_install.is_(False)),
                sa.and_(c.enterprise_id == workspace, c.is_enterprise_install.is_(True)),
            ),
        )

    def token(self, workspace: str) -> str | None:
        """The bot token of ``workspace``'s newest installation, or None."""
        if not workspace:
            return None
        query = (
            sa.select(self.bots.c.bot_token)
            .where(self._of(self.bots, workspace), self.bots.c.bot_token.is_not(None))
            .order_by(self.bots.c.installed_at.desc(), self.bots.c.id.desc())
            .limit(1)
        )
        with self._reader.connect() as connection:
            found = connection.execute(query).scalar()
        return str(found) if found else None

    def forget(self, workspace: str) -> None:
        """Delete every installation of ``workspace`` (it removed the app)."""
        if not workspace:
            return
        with self.engine.begin() as connection:
            for table in (self.bots, self.installations):
                connection.execute(table.delete().where(self._of(table, workspace)))


class SqlStates(SQLAlchemyOAuthStateStore, AsyncOAuthStateStore):
    """slack-sdk's SQLAlchemy OAuth state store, usable by bolt's ``AsyncApp``."""

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(expiration_seconds=STATE_SECONDS, engine=engine, logger=log)

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.issue, *args, **kwargs)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.consume, state)


def installation_key(installation: Installation) -> str:
    """The workspace key an installation serves (as ``workspace_of`` gives it)."""
    if installation.is_enterprise_install and installation.enterprise_id:
        return str(installation.enterprise_id)
    return str(installation.team_id or "")
