"""The Slack app manifest (``mentorbot manifest slack``), built from app.yaml.

The bot scopes are exactly those the adapter needs: one per Web API method it calls and per
event it subscribes to, and ``commands`` for the slash command. Socket Mode on means no
request URLs; off means every request goes to ``<public_url>/slack/events``.
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.settings import Settings

EVENTS_PATH = "/slack/events"

# Web API methods the adapter calls -> the bot scope each needs (none for views.* and auth.test).
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postMessage": ("chat:write",),
    # files_upload_v2: a calendar invitation shared in the DM with the message it comes with
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "conversations.open": ("im:write", "mpim:write"),  # a DM, and a pair's group DM
    # a message nobody confirmed (a dispatcher stopped mid-send) looked up by its outbox key
    "conversations.history": ("im:history", "mpim:history"),
    "users.info": ("users:read",),  # name, locale, time zone: at first contact, when named
    # `invite #channel | @user-group | a CSV file` (bot.slack.groups): who is in it
    "conversations.members": ("channels:read", "groups:read"),  # public and private channels
    "usergroups.users.list": ("usergroups:read",),
    "users.lookupByEmail": ("users:read.email",),  # a file's e-mail addresses
    "files.info": ("files:read",),  # a file attached to the DM, downloaded with the bot token
    "views.open": (),
    "views.push": (),
    "views.publish": (),
    "apps.connections.open": (),  # Socket Mode (with the app-level token)
}
# Events the adapter listens to -> the bot scope each needs.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_home_opened": (),
    "message.im": ("im:history",),
    "app_uninstalled": (),
    "tokens_revoked": (),
}
COMMAND_SCOPE = "commands"
USAGE_HINT = "help | home | goals | meeting | checkin | reflect | status"


def bot_scopes() -> list[str]:
    scopes = {COMMAND_SCOPE}
    for needed in (*METHOD_SCOPES.values(), *EVENT_SCOPES.values()):
        scopes.update(needed)
    return sorted(scopes)


def manifest_data(settings: Settings) -> dict[str, Any]:
    slack = settings.slack
    socket_mode = slack.socket_mode
    request_url = slack.public_url.rstrip("/") + EVENTS_PATH
    command: dict[str, Any] = {
        "command": slack.command,
        "description": "Your mentoring programme: goals, meetings, check-ins, reflection",
        "usage_hint": USAGE_HINT,
        "should_escape": True,  # mentions arrive as <@U123|name>, so the bot gets user ids
    }
    events: dict[str, Any] = {"bot_events": list(EVENT_SCOPES)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if not socket_mode:
        command["url"] = request_url
        events = {"request_url": request_url, **events}
        interactivity["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": slack.app_name[:35],
            "description": slack.description[:140],
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": slack.app_name[:80], "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": bot_scopes()}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def slack_manifest(settings: Settings) -> str:
    """The manifest as YAML, ready to paste into https://api.slack.com/apps -> From a manifest."""
    header = (
        "# Slack app manifest for mentorbot, generated from app.yaml by `mentorbot manifest slack`.\n"
        "# Create the app at https://api.slack.com/apps -> Create New App -> From a manifest.\n"
    )
    body = yaml.safe_dump(manifest_data(settings), sort_keys=False, allow_unicode=True, width=100)
    return header + body
