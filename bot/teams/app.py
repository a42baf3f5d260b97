"""The Teams adapter, wired: botbuilder's ``CloudAdapter`` (with
``ConfigurationBotFrameworkAuthentication``) running ``TeamsListeners`` for each activity,
and the outbox delivery sending through the same adapter. ``TeamsAdapter`` is one of the
bot's platforms (``bot.platforms.Platform``).

With ``MICROSOFT_APP_ID`` every request must carry a valid Bot Framework token (401
otherwise, and nothing is done); without it authentication is off, as the Bot Framework
Emulator expects (app.yaml ``teams.emulator``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import CallerIdConstants
from botframework.connector.auth import AuthenticationConstants

from bot.settings import Settings
from bot.teams.activities import TEAMS
from bot.teams.delivery import TeamsDelivery
from bot.teams.http import routes
from bot.teams.listeners import TeamsListeners
from bot.teams.pacing import Pacing
from bot.teams.references import References
from bot.teams.replies import Replies
from bot.teams.turns import Core, Turns
from conversations.ports import Store

log = logging.getLogger("mentorbot.teams")


class BotConfiguration:
    """What ``ConfigurationBotFrameworkAuthentication`` reads (attribute names are the SDK's)."""

    def __init__(self, settings: Settings, **overrides: Any) -> None:
        secrets = settings.secrets
        self.APP_ID = secrets.microsoft_app_id
        self.APP_PASSWORD = secrets.microsoft_app_password
        self.APP_TYPE = secrets.microsoft_app_type or "SingleTenant"
        self.APP_TENANTID = secrets.microsoft_app_tenant_id
        if not self.APP_ID:  # no credentials: authentication off (the Emulator)
            self.APP_TYPE = "MultiTenant"
        if overrides:
            # One endpoint set means botbuilder takes every endpoint from here: start from
            # the public cloud's, as it would use them itself.
            tenant = self.APP_TENANTID or "botframework.com"
            self.TO_CHANNEL_FROM_BOT_LOGIN_URL = (
                AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX + tenant
            )
            self.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = (
                AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            )
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = (
                AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
            )
            self.OAUTH_URL = AuthenticationConstants.OAUTH_URL
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = (
                AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
            )
            self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
                AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
            )
            self.CALLER_ID = CallerIdConstants.public_azure_channel
        for name, value in overrides.items():
            setattr(self, name, value)


@dataclass(frozen=True)
class TeamsAdapter:
    adapter: CloudAdapter
    listeners: TeamsListeners
    delivery: TeamsDelivery
    references: References
    app_id: str = ""
    http: bool = True  # takes Teams' requests at POST /api/messages

    @property
    def name(self) -> str:
        return TEAMS

    def routes(self) -> list[web.RouteDef] | None:
        return routes(self.adapter, self.listeners, app_id=self.app_id) if self.http else None

    async def start(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def build_teams(
    engine: Core,
    store: Store,
    settings: Settings,
    *,
    http: bool = True,
    auth_overrides: dict[str, Any] | None = None,
) -> TeamsAdapter:
    """Everything Teams needs around one ``CloudAdapter``. ``auth_overrides`` set more of the
    SDK's configuration (tests point ``TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL`` at a stand-in)."""
    configuration = BotConfiguration(settings, **(auth_overrides or {}))
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(configuration))
    references = References(store, engine.clock)
    replies = Replies()
    listeners = TeamsListeners(Turns(engine, store), replies, references)

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        await replies.failed(turn_context, "turn", error, turn_context.activity.locale)

    adapter.on_turn_error = on_turn_error
    pacing = Pacing(settings.teams.messages_per_second, settings.teams.per_conversation_seconds)
    delivery = TeamsDelivery(adapter, references, store, app_id=configuration.APP_ID, pacing=pacing)
    return TeamsAdapter(
        adapter=adapter,
        listeners=listeners,
        delivery=delivery,
        references=references,
        app_id=configuration.APP_ID,
        http=http,
    )
