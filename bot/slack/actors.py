"""Who is talking to the bot: a Slack user as the core's ``Actor``.

At first contact (or when the person was created from a mention and has no profile yet, or
asked to be forgotten and came back) the real name, locale and time zone come from
``users.info``; afterwards the person's own settings rule, so nothing is asked of Slack again.
The listeners decide how long they wait for that call (see ``bot.slack.turns``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.api_errors import classify
from bot.slack.people import SLACK, bare_actor, find_person
from conversations.events import Actor
from conversations.i18n import normalise_locale
from conversations.ports import Store

log = logging.getLogger("mentorbot.slack.actors")


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
