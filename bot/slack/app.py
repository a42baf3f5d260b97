"""The Slack adapter, wired: a slack-bolt ``AsyncApp`` whose listeners feed the core, the Web
API client they and the outbox delivery share, and the delivery itself. ``SlackAdapter`` is
one of the bot's platforms (``bot.platforms.Platform``).

``build_slack`` is called through the registry (``bot/slack/setup.py``) with the engine and
store the composition root built, and by tests; nothing here reads the environment
(``Settings`` already holds the secrets).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from bot.inline_reads import reads_on_loop
from bot.platforms import NotConfigured
from bot.settings import Settings
from bot.slack.activity import Activity
from bot.slack.clients import SlackClients
from bot.slack.commands import SlashCommands
from bot.slack.delivery import SlackDelivery
from bot.slack.events import EventListeners
from bot.slack.http import routes
from bot.slack.install import INSTALL_PATH, REDIRECT_PATH, InstallPages, install_routes
from bot.slack.installations import SqlInstallations, SqlStates
from bot.slack.interactivity import Interactivity
from bot.slack.manifest import bot_scopes
from bot.slack.people import SLACK
from bot.slack.replies import Replies
from bot.slack.response_urls import ResponseUrls
from bot.slack.sdk_logs import BOLT_LOGGER, CLIENT_LOGGER, quiet
from bot.slack.socket import SocketMode
from bot.slack.turns import Core, Timing, Turns
from bot.slack.workspaces import Workspaces
from conversations.ports import Store

log = logging.getLogger("mentorbot.slack")

ANY = re.compile(".*")
SHUTDOWN_SECONDS = 10.0  # how long a shutdown waits for listeners still answering


@dataclass
class SlackListeners:
    """Bolt's listeners, by what Slack sends, sharing one way to run a turn and show a reply."""

    commands: SlashCommands
    events: EventListeners
    interactivity: Interactivity
    turns: Turns

    @property
    def timing(self) -> Timing:
        return self.turns.timing

    @timing.setter
    def timing(self, timing: Timing) -> None:
        self.turns.timing = timing

    def register(self, app: AsyncApp, command: str) -> None:
        """Which listener answers which of Slack's requests."""
        app.command(command)(self.commands.slash_command)
        app.event("message")(self.events.direct_message)
        app.event("app_home_opened")(self.events.home_opened)
        app.event("app_uninstalled")(self.events.app_uninstalled)
        app.event("tokens_revoked")(self.events.tokens_revoked)
        app.action(ANY)(self.interactivity.button)
        app.view_submission(ANY)(self.interactivity.view_submission)


@dataclass(frozen=True)
class SlackAdapter:
    app: AsyncApp
    client: AsyncWebClient
    delivery: SlackDelivery
    workspaces: Workspaces
    activity: Activity
    listeners: SlackListeners
    http: bool = False  # takes Slack's requests at POST /slack/events
    signing_secret: str = ""  # what those requests must be signed with
    socket: SocketMode | None = None  # connects to Slack itself (Socket Mode)
    response_urls: ResponseUrls | None = None  # answers to response_url
    clients: SlackClients | None = None  # the Web API clients, and their kept-alive session

    @property
    def name(self) -> str:
        return SLACK

    def routes(self) -> list[web.RouteDef] | None:
        if not self.http:
            return None
        return routes(self.app, self.signing_secret) + install_routes(self.app)

    async def start(self) -> None:
        if self.socket is not None:
            await self.socket.connect()

    async def shutdown(self) -> None:
        """Disconnect Socket Mode, then wait (at most ``SHUTDOWN_SECONDS``) for listeners that
        acked but are still answering: their replies are posted before the database closes."""
        if self.socket is not None:
            await self.socket.close()
        try:
            await self.activity.idle(timeout=SHUTDOWN_SECONDS)
        except TimeoutError:
            log.warning("event=shutdown_listeners_still_running")
        if self.response_urls is not None:
            await self.response_urls.close()
        if self.clients is not None:
            await self.clients.close()


def slack_client(settings: Settings) -> AsyncWebClient:
    """slack-sdk's Web API client with the bot token (none in OAuth mode: each workspace's
    comes from its installation); ``SLACK_API_URL`` (if set) as its ``base_url``, so the
    real client can talk to a stand-in server."""
    base_url = settings.secrets.slack_api_url or AsyncWebClient.BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(
        token=None if settings.slack_oauth else settings.secrets.slack_bot_token or None,
        base_url=base_url,
        logger=logging.getLogger(CLIENT_LOGGER),
    )


def installations_of(
    store: Store, settings: Settings, workspaces: Workspaces
) -> SqlInstallations | None:
    """In OAuth mode, slack-sdk's installation store on the bot's own database (a workspace
    that installs is back, and keeps its records: ``Workspaces.restore``); else None."""
    if not settings.slack_oauth:
        return None
    engine = getattr(store, "engine", None)
    if not isinstance(engine, sa.Engine):
        raise NotConfigured("Slack OAuth installs need the SQL database (DATABASE_URL)")
    reader = getattr(store, "read_engine", None)
    return SqlInstallations(
        settings.secrets.slack_client_id,
        engine,
        reader=reader if isinstance(reader, sa.Engine) else None,
        on_installed=workspaces.restore,
    )


def oauth_settings(
    settings: Settings, installations: SqlInstallations | None, logger: logging.Logger
) -> AsyncOAuthSettings | None:
    """bolt's OAuth flow at ``/slack/install`` and ``/slack/oauth_redirect``: the install link
    redirects to Slack with a one-time ``state`` (kept in the database, so any process can
    finish the install), the redirect trades the code for the workspace's token."""
    if installations is None:
        return None
    secrets = settings.secrets
    return AsyncOAuthSettings(
        client_id=secrets.slack_client_id,
        client_secret=secrets.slack_client_secret,
        scopes=bot_scopes(),
        redirect_uri=settings.slack.public_url.rstrip("/") + REDIRECT_PATH,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        install_page_rendering_enabled=False,  # straight on to Slack's consent page
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=SqlStates(installations.engine),
        callback_options=InstallPages(settings.core.default_locale, settings.slack.command),
        logger=logger,
    )


def build_slack(
    engine: Core,
    store: Store,
    settings: Settings,
    *,
    client: AsyncWebClient | None = None,
    activity: Activity | None = None,
    timing: Timing | None = None,
    http: bool = False,
    socket_token: str = "",
) -> SlackAdapter:
    """Everything Slack needs, sharing one Web API client. With ``http`` it adds its route
    to the web server; with ``socket_token`` (an app-level token) ``start`` connects to Slack
    over Socket Mode. With neither it only sends (and tests post to ``app`` directly).
    Neither bolt nor slack-sdk logs what a request or a message says (``sdk_logs``)."""
    bolt_logger, _ = quiet()
    client = client or slack_client(settings)
    activity = activity or Activity()
    retention = timedelta(days=settings.privacy.retention_days_after_uninstall)
    workspaces = Workspaces(store, engine.clock, retention=retention)
    installations = installations_of(store, settings, workspaces)
    clients = SlackClients(client, installations)
    delivery = SlackDelivery(clients, store, workspaces)
    response_urls = ResponseUrls(client, clients.session)
    replies = Replies(clients, delivery, store, engine.clock, response_urls)
    timing = timing or Timing(answer_within=settings.slack.answer_within_seconds)
    inline = reads_on_loop(settings.database.reads_on_event_loop, store)
    turns = Turns(engine, store, clients, workspaces, replies, timing, inline_reads=inline)
    listeners = SlackListeners(
        commands=SlashCommands(turns, replies, activity),
        events=EventListeners(turns, replies, workspaces, activity, clients),
        interactivity=Interactivity(turns, replies, activity),
        turns=turns,
    )
    app = AsyncApp(
        name=BOLT_LOGGER,  # bolt names its per-request and listener loggers after the app
        client=client,
        signing_secret=settings.secrets.slack_signing_secret,
        logger=bolt_logger,
        oauth_settings=oauth_settings(settings, installations, bolt_logger),
    )
    listeners.register(app, settings.slack.command)
    quiet()  # and the loggers bolt made without the base logger
    return SlackAdapter(
        app=app,
        client=client,
        delivery=delivery,
        workspaces=workspaces,
        activity=activity,
        listeners=listeners,
        http=http,
        signing_secret=settings.secrets.slack_signing_secret,
        socket=SocketMode(app, socket_token) if socket_token else None,
        response_urls=response_urls,
        clients=clients,
    )
