"""Who is talking to the bot: a Slack user as the core's ``Actor``.

At first contact (or when the person was created from a mention and has no profile yet) the
real name, locale and time zone come from ``users.info``; afterwards the person's own settings
rule, so nothing is asked of Slack again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.api_errors import classify
from conversations.events import Actor
from conversations.ports import Store
from conversations.records import Person

log = logging.getLogger("mentorbot.slack.actors")

SLACK = "slack"


@dataclass(frozen=True)
class Known:
    actor: Actor
    lang: str  # the person's language, for the renderer's own few words


class Actors:
    def __init__(self, client: AsyncWebClient, store: Store, default_locale: str = "sv") -> None:
        self._client = client
        self._store = store
        self._default_locale = default_locale

    async def resolve(self, team_id: str, user_id: str) -> Known:
        bare = Actor(platform=SLACK, platform_user_id=user_id, workspace=team_id)
        person = await asyncio.to_thread(self._person, bare)
        if person is not None and person.display_name != person.platform_user_id:
            return Known(bare, person.locale)
        actor = await self._profile(bare)
        return Known(actor, (actor.locale or self._default_locale).split("-")[0].lower())

    def _person(self, actor: Actor) -> Person | None:
        with self._store.transaction() as repo:
            return repo.first(
                Person,
                platform=SLACK,
                workspace=actor.workspace,
                platform_user_id=actor.platform_user_id,
            )

    async def _profile(self, actor: Actor) -> Actor:
        try:
            response = await self._client.users_info(
                user=actor.platform_user_id, include_locale=True
            )
        except Exception as error:
            # The person can still use the bot; their profile is asked again next time.
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
