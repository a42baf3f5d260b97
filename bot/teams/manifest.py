"""The Teams app package (``mentorbot manifest teams [--out app.zip]``), built from app.yaml:
``manifest.json`` (schema v1.22: one bot, personal scope, the commands a person may type), a
Swedish localization file for the names, descriptions and commands, and the two icons.

The app's id and the bot's id are ``MICROSOFT_APP_ID`` (the Azure Bot's app registration).
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path
from typing import Any

from bot.settings import Settings
from bot.teams.icons import ACCENT, color_icon, outline_icon

log = logging.getLogger("mentorbot.teams")

SCHEMA_URL = "https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA_URL = "https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.Localization.schema.json"
MANIFEST_VERSION = "1.22"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
SWEDISH = "sv-se"
SWEDISH_FILE = "sv.json"

# The commands Teams offers as you type (at most ten): (English, Swedish, description in each).
COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    ("help", "hjälp", "What you can do here", "Vad du kan göra här"),
    ("home", "hem", "What's next for you", "Vad som är nästa steg för dig"),
    (
        "meeting",
        "möte",
        "Book a meeting with your mentor or adept",
        "Boka ett möte med din mentor eller adept",
    ),
    (
        "goals",
        "mål",
        "Your goals: the adept drafts, the mentor confirms",
        "Era mål: adepten skriver, mentorn bekräftar",
    ),
    ("checkin", "incheckning", "Log how a meeting went", "Berätta hur ett möte gick"),
    ("reflect", "reflektion", "Write in your private journal", "Skriv i din privata dagbok"),
    (
        "agreement",
        "avtal",
        "View, propose or accept your agreement",
        "Visa, föreslå eller godkänn ert avtal",
    ),
    (
        "review",
        "utvärdering",
        "The mid-point or closing review",
        "Halvtids- eller slututvärderingen",
    ),
    (
        "settings",
        "inställningar",
        "Language, time zone, reflection day and time",
        "Språk, tidszon, dag och tid för reflektion",
    ),
    ("status", "läge", "Programme health, for coordinators", "Programmets läge, för koordinatorer"),
)
SHORT_SV = "Kör ert mentorprogram i en chatt med dig."
FULL_SV = (
    "Mentorbot håller ihop ert mentorprogram: möten, mål, avtal, incheckningar, reflektioner "
    "och utvärderingar, med påminnelser i rätt tid. Dagboken är privat; koordinatorer ser "
    "bara antal och datum."
)
FULL_EN = (
    "Mentorbot keeps your mentoring programme together: meetings, goals, the agreement, "
    "check-ins, reflections and reviews, with reminders at the right time. Your journal is "
    "private; coordinators see only counts and dates."
)


def app_id(settings: Settings) -> str:
    return settings.secrets.microsoft_app_id or PLACEHOLDER_ID


def teams_manifest(settings: Settings) -> dict[str, Any]:
    teams = settings.teams
    ident = app_id(settings)
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": teams.version,
        "id": ident,
        "localizationInfo": {
            "defaultLanguageTag": "en-us",
            "additionalLanguages": [{"languageTag": SWEDISH, "file": SWEDISH_FILE}],
        },
        "developer": {
            "name": teams.developer_name,
            "websiteUrl": teams.website_url,
            "privacyUrl": teams.privacy_url,
            "termsOfUseUrl": teams.terms_url,
        },
        "name": {"short": teams.app_name[:30], "full": teams.app_name[:100]},
        "description": {"short": teams.description[:80], "full": FULL_EN},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": ident,
                "scopes": ["personal"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [{"title": en, "description": d} for en, _, d, _ in COMMANDS],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
        "defaultInstallScope": "personal",
    }


def swedish(settings: Settings) -> dict[str, Any]:
    """The localization file: the same strings in Swedish (the commands typed in Swedish are
    the core's Swedish aliases)."""
    strings: dict[str, Any] = {
        "$schema": LOCALIZATION_SCHEMA_URL,
        "name.short": settings.teams.app_name[:30],
        "name.full": settings.teams.app_name[:100],
        "description.short": SHORT_SV,
        "description.full": FULL_SV,
    }
    for index, (_, sv, _, description) in enumerate(COMMANDS):
        strings[f"bots[0].commandLists[0].commands[{index}].title"] = sv
        strings[f"bots[0].commandLists[0].commands[{index}].description"] = description
    return strings


def package(settings: Settings) -> bytes:
    """The zip Teams takes (Apps > Manage your apps > Upload an app)."""
    if not settings.secrets.microsoft_app_id:
        log.warning("event=teams_manifest_placeholder_id reason=MICROSOFT_APP_ID_missing")
    files = {
        "manifest.json": json.dumps(teams_manifest(settings), indent=2, ensure_ascii=False),
        SWEDISH_FILE: json.dumps(swedish(settings), indent=2, ensure_ascii=False),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()


def manifest_summary(settings: Settings) -> str:
    """``manifest.json`` as text (what ``mentorbot manifest teams`` prints)."""
    return json.dumps(teams_manifest(settings), indent=2, ensure_ascii=False)


def write_package(settings: Settings, out: Path) -> str:
    out.write_bytes(package(settings))
    return f"wrote the Teams app package to {out}"
