"""Teams in the registry of platforms (``bot/app.py``): whether Teams' credentials are set,
the app package (``mentorbot manifest teams``), and how the adapter is built for this process.

Light to import (the CLI imports it to build its help): the SDK is loaded only when the
adapter is built.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from bot.platforms import Receiving
from bot.settings import Settings
from bot.teams.activities import TEAMS
from bot.teams.manifest import manifest_summary, write_package

if TYPE_CHECKING:
    from bot.services import Services
    from bot.teams.app import TeamsAdapter

log = logging.getLogger("mentorbot.teams")

MESSAGES_ROUTE = "/api/messages"  # bot.teams.http.MESSAGES_PATH (not imported: it loads the SDK)


class TeamsSetup:
    name = TEAMS
    http_help = f"POST {MESSAGES_ROUTE} (with MICROSOFT_APP_ID, or teams.emulator in app.yaml)"
    manifest_help: str | None = (
        "The Teams app package: manifest.json with its icons (--out app.zip writes the zip)."
    )

    def connects(self, settings: Settings) -> str | None:
        return None  # Teams always comes over HTTP

    def takes_http(self, settings: Settings) -> bool:
        return settings.teams_enabled

    def manifest(self, settings: Settings) -> str:
        return manifest_summary(settings)

    def write_manifest(self, settings: Settings, out: Path) -> str:
        return write_package(settings, out)

    def build(self, services: Services, receiving: Receiving) -> TeamsAdapter | None:
        """The adapter when ``MICROSOFT_APP_ID`` is set (or app.yaml serves the Emulator):
        taking activities at ``POST /api/messages`` unless this process only delivers, and
        sending the outbox through the stored conversation references in any case."""
        settings = services.settings
        if not settings.teams_enabled:
            return None
        if not settings.secrets.microsoft_app_id:
            log.warning("event=teams_authentication_off reason=MICROSOFT_APP_ID_missing")
        from bot.teams.app import build_teams  # the SDK, only now

        # Beside a platform that connects out (Slack's Socket Mode), `run` still serves
        # Teams' route on the configured port.
        http = receiving in (Receiving.HTTP, Receiving.CONNECTION)
        return build_teams(services.engine, services.store, settings, http=http)


TEAMS_SETUP = TeamsSetup()
