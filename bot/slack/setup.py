"""Slack in the registry of platforms (``bot/app.py``): when ``mentorbot run`` connects to
Slack itself, whether Slack's HTTP credentials are set, the manifest, and how the adapter is
built for this process.

Light to import (the CLI imports it to build its help): the SDK is loaded only when the
adapter is built.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from bot.platforms import NotConfigured, Receiving
from bot.settings import Settings
from bot.slack.manifest import EVENTS_PATH, slack_manifest
from bot.slack.people import SLACK

if TYPE_CHECKING:
    from bot.services import Services
    from bot.slack.app import SlackAdapter

log = logging.getLogger("mentorbot.slack")


class SlackSetup:
    name = SLACK
    http_help = (
        f"POST {EVENTS_PATH} (with Slack credentials; with SLACK_CLIENT_ID and "
        "SLACK_CLIENT_SECRET instead of SLACK_BOT_TOKEN also GET /slack/install and "
        "/slack/oauth_redirect)"
    )
    manifest_help: str | None = "The Slack app manifest (YAML) for this configuration."

    def connects(self, settings: Settings) -> str | None:
        """Socket Mode whenever the app-level token is set, whatever app.yaml says."""
        if settings.secrets.slack_app_token:
            return "connecting to Slack over Socket Mode (SLACK_APP_TOKEN is set)"
        return None

    def takes_http(self, settings: Settings) -> bool:
        return settings.slack_http_enabled

    def manifest(self, settings: Settings) -> str:
        return slack_manifest(settings)

    def write_manifest(self, settings: Settings, out: Path) -> str:
        out.write_text(slack_manifest(settings), encoding="utf-8")
        return f"wrote the Slack app manifest to {out}"

    def build(self, services: Services, receiving: Receiving) -> SlackAdapter | None:
        """The adapter when ``SLACK_BOT_TOKEN`` is set (one workspace), or Slack's client id
        and secret without it (many, installed through OAuth): over Socket Mode for a
        connection (one workspace), at ``POST /slack/events`` (and, for OAuth,
        ``/slack/install`` and ``/slack/oauth_redirect``) for HTTP with the signing secret,
        or for sending only."""
        settings = services.settings
        secrets = settings.secrets
        socket = receiving is Receiving.CONNECTION and bool(secrets.slack_app_token)
        if settings.slack_oauth and not socket:
            log.info("event=slack_mode mode=oauth_many_workspaces")
        elif not secrets.slack_bot_token:
            if socket:
                raise NotConfigured("Socket Mode needs SLACK_BOT_TOKEN as well as SLACK_APP_TOKEN")
            return None
        http = receiving is Receiving.HTTP and settings.slack_http_enabled
        if receiving is Receiving.HTTP and not http:
            log.warning("event=slack_http_disabled reason=SLACK_SIGNING_SECRET_missing")
        from bot.slack.app import build_slack  # the SDK, only now

        return build_slack(
            services.engine,
            services.store,
            settings,
            http=http,
            socket_token=secrets.slack_app_token if socket else "",
        )


SLACK_SETUP = SlackSetup()
