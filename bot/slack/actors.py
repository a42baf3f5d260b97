"""Who is talking to the bot: a Slack user, in a workspace, as the core's ``Actor``.

The workspace key (``workspace_of``) is the one organisation a request belongs to: the team id,
or, for an app installed org-wide on an Enterprise Grid (``is_enterprise_install``), the
enterprise id, whichever of the organisation's workspaces the request came from. Commands,
events and interactivity all take it from here, so a person is the same person whatever they
use, and app.yaml names coordinators with it (``slack:<workspace>:<user>``).

At first contact (or when the person was created from a mention and has no profile yet, or
asked to be forgotten and came back) the real name, locale and time zone come from
``users.info``; afterwards the person's own settings rule, so nothing is asked of Slack again.
The listeners decide how long they wait for that call (see ``bot.slack.turns``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.api_errors import classify
from bot.slack.people import SLACK, bare_actor, find_person
from conversations.events import Actor
from conversations.i18n import normalise_locale
from conversations.ports import Store

log = logging.getLogger("mentorbot.slack.actors")


def workspace_of(body: Mapping[str, Any]) -> str:
    """The workspace key of a slash command, event or interactivity payload: the enterprise id
    for an org-wide Enterprise Grid install, else the team id ("" when there is neither)."""
    if _org_wide(body):
        enterprise = _id(body.get("enterprise_id")) or _id(body.get("enterprise"))
        if enterprise:
            return enterprise
    return team_of(body)


def team_of(body: Mapping[str, Any]) -> str:
    """The team (workspace) id a payload came from, wherever its kind of payload keeps it."""
    for candidate in (
        body.get("team_id"),  # slash commands, events
        body.get("team"),  # interactivity: {"id": …}, null for some org-wide payloads
        _field(body.get("user"), "team_id"),  # interactivity
        _field(body.get("event"), "team"),  # events
    ):
        found = _id(candidate)
        if found:
            return found
    return ""


def user_of(body: Mapping[str, Any]) -> str:
    """The acting user's id in an interactivity payload."""
    return _id(body.get("user"))


def _org_wide(body: Mapping[str, Any]) -> bool:
    flag = body.get("is_enterprise_install")
    if flag is None:
        authorizations = body.get("authorizations")
        if isinstance(authorizations, list) and authorizations:
            flag = _field(authorizations[0], "is_enterprise_install")
    return flag is True or flag == "true"


def _field(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else None


def _id(value: Any) -> str:
    """An id given as a string or as an object's ``id``."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Known:
    actor: Actor
    lang: str  # the person's language, for the renderer's own few words


class Actors:
    def __init__(self, client: AsyncWebClient, store: Store, default_locale: str = "sv") -> None:
        self._client = client
        self._store = store
        self.default_locale = default_locale

    def known(self, team_id: str, user_id: str) -> tuple[Known, bool]:
        """The bare actor with the stored person's language, and whether their Slack profile
        is still needed (unknown, created from a mention, or erased). Reads the database."""
        bare = bare_actor(team_id, user_id)
        with self._store.transaction() as repo:
            person = find_person(repo, team_id, user_id)
        if person is None:
            return Known(bare, self.default_locale), True
        missing = person.erased_at is not None or person.display_name == person.platform_user_id
        return Known(bare, person.locale), missing

    def with_profile(self, known: Known, actor: Actor) -> Known:
        """``known`` with the profile hints ``users.info`` gave (its language when it has one)."""
        lang = normalise_locale(actor.locale, known.lang) if actor.locale else known.lang
        return Known(actor, lang)

    async def profile(self, actor: Actor) -> Actor:
        """``actor`` with name, locale and time zone from ``users.info`` (never raises: on any
        failure the bare actor comes back and the profile is asked again next time)."""
        try:
            response = await self._client.users_info(
                user=actor.platform_user_id, include_locale=True
            )
        except Exception as error:
            log.warning(
                "event=slack_profile_failed user=%s error=%s",
                actor.platform_user_id,
                classify(error),
            )
            return actor
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or ""
        )
        return Actor(
            platform=SLACK,
            platform_user_id=actor.platform_user_id,
            workspace=actor.workspace,
            display_name=str(name),
            locale=user.get("locale") or None,
            timezone=_known_zone(user.get("tz")),
        )


def _known_zone(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name
