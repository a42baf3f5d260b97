"""Slack profiles: a person's name, language and time zone from ``users.info``, remembered per
workspace and user for a while (``PROFILE_TTL``, at most ``PROFILE_CACHE`` people, the least
recently used forgotten first), so that a person named in several commands, or by several
coordinators, is asked for once. A person's own first contact asks Slack afresh (``fresh``):
they may have just set up their profile, and it happens once."""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.slack.api_errors import classify
from bot.slack.clients import SlackClients
from bot.slack.people import SLACK
from conversations.events import Actor
from conversations.ports import Clock

log = logging.getLogger("mentorbot.slack.actors")

PROFILE_TTL = timedelta(minutes=10)
PROFILE_CACHE = 2000


class Profiles:
    def __init__(
        self,
        clients: SlackClients,
        clock: Clock,
        *,
        ttl: timedelta = PROFILE_TTL,
        size: int = PROFILE_CACHE,
    ) -> None:
        self._clients = clients
        self._clock = clock
        self._ttl = ttl
        self._size = size
        self._known: OrderedDict[tuple[str, str], tuple[datetime, Actor]] = OrderedDict()

    async def lookup(self, actor: Actor, *, fresh: bool = False) -> Actor:
        """``actor`` with name, locale and time zone from Slack, remembered or (``fresh``)
        asked for now. Never raises: on any failure the bare actor comes back, nothing is
        remembered and Slack is asked again next time."""
        key = (actor.workspace, actor.platform_user_id)
        now = self._clock.now()
        remembered = self._known.get(key)
        if not fresh and remembered is not None and timedelta(0) <= now - remembered[0] < self._ttl:
            self._known.move_to_end(key)
            return remembered[1]
        profile = await self._users_info(actor)
        if profile.display_name:
            self._known[key] = (now, profile)
            self._known.move_to_end(key)
            while len(self._known) > self._size:
                self._known.popitem(last=False)
        return profile

    async def _users_info(self, actor: Actor) -> Actor:
        try:
            response = await self._clients.call(
                actor.workspace or "",
                lambda c: c.users_info(user=actor.platform_user_id, include_locale=True),
            )
        except Exception as error:
            log.warning(
                "event=slack_profile_failed user=%s error=%s",
                actor.platform_user_id,
                classify(error),
            )
            return actor
        return actor_of(response.get("user") or {}, actor.workspace, actor.platform_user_id)


def actor_of(user: dict[str, Any], workspace: str, user_id: str | None = None) -> Actor:
    """A ``users.info`` (or ``users.lookupByEmail``) user as an ``Actor`` of ``workspace``."""
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
        platform_user_id=user_id or str(user.get("id") or ""),
        workspace=workspace,
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
