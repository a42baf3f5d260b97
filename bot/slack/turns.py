"""The person behind a Slack interaction and their turn with the core, inside Slack's three
seconds (``Timing`` holds the numbers):

* A modal can only be opened with the interaction's ``trigger_id``, which expires three seconds
  after the click. Before the turn, ``users.info`` (first contact only) is waited on for at most
  ``profile_wait``; the turn then gets what is left of ``answer_within`` (2 s from the start).
  If it is not done by then, a small "one moment" modal is opened with the trigger at once and
  replaced (``views.update``) by the form, or by the answer, when the turn ends. A profile that
  came too late is filled in after the turn (``after``).
* The core runs in a worker thread (``asyncio.to_thread``): it is synchronous and talks to the
  database.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.actors import Actors, Known
from bot.slack.modals import loading_view
from bot.slack.people import bare_actor, find_person
from bot.slack.replies import Replies, kind
from bot.slack.workspaces import Workspaces
from conversations.config import CoreConfig
from conversations.events import Actor, Event
from conversations.messages import Reply
from conversations.ports import Clock, Repo, Store
from conversations.records import Person

log = logging.getLogger("mentorbot.slack")


class Core(Protocol):
    """What the adapter needs of ``conversations.engine.Engine``."""

    clock: Clock
    config: CoreConfig

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply: ...

    def ensure_person(self, repo: Repo, actor: Actor) -> Person: ...


@dataclass(frozen=True)
class Timing:
    """Seconds a listener gives its slow parts, inside Slack's three."""

    answer_within: float = 2.0  # the turn, before a loading modal or a plain ack
    profile_wait: float = 0.5  # users.info at first contact, before the turn


@dataclass
class Who:
    """The person behind an interaction, and their profile lookup if it is still running."""

    team: str
    known: Known
    lookup: asyncio.Future[Actor] | None = None


class Turns:
    def __init__(
        self,
        core: Core,
        store: Store,
        client: AsyncWebClient,
        workspaces: Workspaces,
        replies: Replies,
        timing: Timing | None = None,
    ) -> None:
        self._core = core
        self._store = store
        self._workspaces = workspaces
        self._replies = replies
        self._actors = Actors(client, store, core.config.default_locale)
        self.timing = timing or Timing()

    @property
    def default_locale(self) -> str:
        return self._actors.default_locale

    def deadline(self) -> float:
        """When an interaction that starts now must have its answer (``answer_within``)."""
        return asyncio.get_running_loop().time() + self.timing.answer_within

    # The person --------------------------------------------------------------------------

    async def who(self, team: str, user: str, deadline: float | None) -> Who:
        """The person (database), and at first contact their Slack profile, waited on until
        ``deadline`` for at most ``profile_wait`` (``None``: not waited on at all). Never
        raises: with the database unreachable they are taken as a first contact."""
        try:
            known, missing = await asyncio.to_thread(self._actors.known, team, user)
        except Exception as error:
            log.warning("event=slack_person_lookup_failed user=%s error=%s", user, kind(error))
            known, missing = Known(bare_actor(team, user), self._actors.default_locale), True
        who = Who(team, known)
        if not missing:
            return who
        lookup = asyncio.ensure_future(self._actors.profile(known.actor))
        if deadline is not None:
            left = deadline - asyncio.get_running_loop().time()
            wait = min(self.timing.profile_wait, left)
            if wait > 0:
                await asyncio.wait({lookup}, timeout=wait)
        if lookup.done():
            who.known = self._actors.with_profile(known, lookup.result())
        else:
            who.lookup = lookup
        return who

    async def after(self, who: Who) -> None:
        """Slow bookkeeping after the answer: the workspace is installed, and a profile that
        arrived after the turn is stored (``Engine.ensure_person`` fills it in)."""
        try:
            await asyncio.to_thread(self._workspaces.seen, who.team)
        except Exception as error:
            log.warning("event=slack_workspace_seen_failed error=%s", kind(error))
        if who.lookup is None:
            return
        actor = await who.lookup
        if not actor.display_name:
            return
        try:
            await asyncio.to_thread(self._fill_profile, actor)
        except Exception as error:
            log.warning(
                "event=slack_profile_not_saved user=%s error=%s",
                actor.platform_user_id,
                kind(error),
            )

    def _fill_profile(self, actor: Actor) -> None:
        """Store a late profile. A language or time zone the person already changed from the
        defaults (e.g. in the settings form they just submitted) is theirs and stays."""
        config = self._core.config
        with self._store.transaction() as repo:
            person = find_person(repo, actor.workspace or "", actor.platform_user_id)
            if person is None:
                return
            if person.locale != config.default_locale:
                actor = replace(actor, locale=None)
            if person.timezone != config.default_timezone:
                actor = replace(actor, timezone=None)
            self._core.ensure_person(repo, actor)

    # The turn ----------------------------------------------------------------------------

    async def handle(self, actor: Actor, event: Event, *, key: str | None = None) -> Reply:
        return await asyncio.to_thread(self._core.handle, actor, event, event_key=key)

    def handle_then_lang(self, actor: Actor, event: Event, key: str) -> tuple[Reply, str]:
        """One turn, then the person's language (one thread, inside the submission's time)."""
        reply = self._core.handle(actor, event, event_key=key)
        try:
            with self._store.transaction() as repo:
                person = find_person(repo, actor.workspace or "", actor.platform_user_id)
        except Exception as error:
            log.warning("event=slack_person_lookup_failed error=%s", kind(error))
            person = None
        return reply, person.locale if person is not None else self._actors.default_locale

    async def turn(
        self,
        known: Known,
        event: Event,
        *,
        trigger: str,
        deadline: float,
        key: str | None = None,
        push: bool = False,
    ) -> tuple[Reply, str | None]:
        """The turn, and the id of a loading modal opened with ``trigger`` if the turn was
        not done by ``deadline`` (the trigger would have expired by the time it is)."""
        turn = asyncio.ensure_future(self.handle(known.actor, event, key=key))
        if not trigger:
            return await turn, None
        left = deadline - asyncio.get_running_loop().time()
        await asyncio.wait({turn}, timeout=max(0.0, left))
        loading: str | None = None
        if not turn.done():
            log.info("event=slack_turn_slow loading_modal=true")
            view = loading_view(lang=known.lang).to_dict()
            loading = await self._replies.open_view(trigger, view, push)
        return await turn, loading
