"""A person's turn with the core: the engine runs in a worker thread (it is synchronous and
talks to the database), and the reply comes back with the person's language for the
adapter's own words."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.teams.activities import TEAMS
from conversations.config import CoreConfig
from conversations.events import Actor, Event
from conversations.i18n import normalise_locale
from conversations.messages import Reply
from conversations.ports import Clock, Store
from conversations.records import Person

log = logging.getLogger("mentorbot.teams")


class Core(Protocol):
    """What the adapter needs of ``conversations.engine.Engine``."""

    clock: Clock
    config: CoreConfig

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply: ...


class Turns:
    def __init__(self, core: Core, store: Store) -> None:
        self._core = core
        self._store = store

    @property
    def default_locale(self) -> str:
        return self._core.config.default_locale

    async def handle(self, actor: Actor, event: Event, key: str | None) -> tuple[Reply, str]:
        return await asyncio.to_thread(self._handle, actor, event, key)

    def _handle(self, actor: Actor, event: Event, key: str | None) -> tuple[Reply, str]:
        reply = self._core.handle(actor, event, event_key=key)
        lang = normalise_locale(actor.locale, self.default_locale)
        try:
            with self._store.read() as repo:
                person = repo.first(
                    Person,
                    platform=TEAMS,
                    workspace=actor.workspace,
                    platform_user_id=actor.platform_user_id,
                )
            if person is not None:
                lang = person.locale
        except Exception as error:
            log.warning("event=teams_person_lookup_failed error=%s", type(error).__name__)
        return reply, lang
