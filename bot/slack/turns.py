"""The person behind a Slack interaction and their turn with the core, inside Slack's three
seconds (``Timing`` holds the numbers):

* A modal can only be opened with the interaction's ``trigger_id``, which expires three seconds
  after the click. Before the turn, ``users.info`` (first contact only) is waited on for at most
  ``profile_wait``; the turn then gets what is left of ``answer_within`` (2 s from the start).
  If it is not done by then, a small "one moment" modal is opened with the trigger at once and
  replaced (``views.update``) by the form, or by the answer, when the turn ends. A profile that
  came too late is filled in after the turn (``after``).
* A coordinator's command that names people by mention first records each of them with their
  Slack profile, asked for in parallel and waited on for at most ``profile_wait`` too; one
  that names someone with a typed ``@word`` is answered without the core (``people_named``,
  see ``bot.slack.mentions``).
* The core runs in a worker thread (``asyncio.to_thread``): it is synchronous and talks to the
  database. A slash command that names nobody, from someone known with their profile, reads
  the person and runs the turn in one such thread (``known_turn``): one hop, not two, and
  for a reader's turn one transaction (``Engine.read_turn``). On a database on this machine a
  reader's turn runs on the event loop itself, without the hop (``bot.inline_reads``), and
  the loop's reads keep one connection between them (``SqlStore.keep_reader``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bot.inline_reads import InlineReads, keep_reader_here
from bot.slack.actors import Actors, Known, has_profile
from bot.slack.clients import SlackClients
from bot.slack.groups import E, Groups
from bot.slack.mentions import (
    mentioned_ids,
    record_named,
    typed_names,
    typed_names_reply,
    without_profile,
)
from bot.slack.modals import loading_view
from bot.slack.people import bare_actor, find_person
from bot.slack.profiles import Profiles
from bot.slack.replies import Replies, kind
from bot.slack.workspaces import Workspaces
from conversations.config import CoreConfig
from conversations.events import Actor, Command, Event, TextReceived
from conversations.messages import Reply
from conversations.ports import Clock, Repo, Store
from conversations.records import Person
from conversations.sanitising import clean_actor

log = logging.getLogger("mentorbot.slack")
KNOWN_POLL_S = 0.01  # a turn past its deadline: how often to look whether the person is read


class Core(Protocol):
    """What the adapter needs of ``conversations.engine.Engine``."""

    clock: Clock
    config: CoreConfig

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply: ...

    def read_turn(
        self, actor: Actor, event: Command, accept: Callable[[Person], bool]
    ) -> tuple[Person, Reply] | None: ...

    def ensure_person(self, repo: Repo, actor: Actor) -> Person: ...


@dataclass(frozen=True)
class Timing:
    """Seconds a listener gives its slow parts, inside Slack's three."""

    # the turn, before a loading modal or a plain ack (``slack.answer_within_seconds``)
    answer_within: float = 2.0
    profile_wait: float = 0.5  # users.info at first contact, before the turn


@dataclass
class Who:
    """The person behind an interaction, and their profile lookup if it is still running (and
    those of people their command named)."""

    team: str  # the workspace key (``bot.slack.actors.workspace_of``)
    known: Known
    lookup: asyncio.Future[Actor] | None = None
    named: list[asyncio.Future[Actor]] = field(default_factory=list)


class TurnFailed(Exception):
    """The core's turn raised (``error``) for ``known``: it ran once and is not run again."""

    def __init__(self, known: Known, error: Exception) -> None:
        super().__init__(kind(error))
        self.known = known
        self.error = error


class Turns:
    def __init__(
        self,
        core: Core,
        store: Store,
        clients: SlackClients,
        workspaces: Workspaces,
        replies: Replies,
        timing: Timing | None = None,
        *,
        inline_reads: bool = False,
    ) -> None:
        """``inline_reads``: the store's database is on this machine (``reads_on_loop``), so a
        reader's turn may run on the event loop (``bot.inline_reads``)."""
        self._core = core
        self._inline = InlineReads() if inline_reads else None
        self._store = store
        self._reader_kept = False  # keep_reader_here was called on the loop
        self._workspaces = workspaces
        self._replies = replies
        self._actors = Actors(Profiles(clients, core.clock), store, core.config.default_locale)
        self._groups = Groups(clients, store, core.config)
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
        await self._wait_for_profiles([lookup], deadline)
        if lookup.done():
            who.known = self._actors.with_profile(known, lookup.result())
        else:
            who.lookup = lookup
        return who

    async def _wait_for_profiles(
        self, lookups: Sequence[asyncio.Future[Actor]], deadline: float | None
    ) -> None:
        if deadline is None:
            return
        left = deadline - asyncio.get_running_loop().time()
        wait = min(self.timing.profile_wait, left)
        if wait > 0:
            await asyncio.wait(lookups, timeout=wait)

    async def with_groups(
        self,
        who: Who,
        event: E,
        raw: str,
        files: Sequence[dict[str, Any]] = (),
    ) -> E:
        """A coordinator's ``invite`` of channels, user groups or an attached file: the event
        with the people in them (``bot.slack.groups``), each recorded with their Slack
        profile; any other event as it is (the same object). Never raises."""
        try:
            expanded = await self._groups.expand(who.known.actor, event, raw, files)
            if expanded is None:
                return event
            event, profiles = expanded
            await asyncio.to_thread(
                record_named, self._core, self._store, who.known.actor, profiles
            )
        except Exception as error:
            log.warning("event=slack_groups_not_expanded error=%s", kind(error))
        return event

    async def people_named(self, who: Who, event: Event, deadline: float | None) -> Reply | None:
        """Before a command turn: the answer asking for real mentions when the command names
        someone with a typed ``@word`` (the core never sees it), else None, once each person
        it names by mention is recorded with their Slack profile (never raises)."""
        if not isinstance(event, Command | TextReceived):
            return None
        typed = typed_names(event)
        if typed:
            log.info("event=slack_typed_name_refused count=%d", len(typed))
            return typed_names_reply(typed, who.known.lang)
        user_ids = mentioned_ids(event)
        if not user_ids:
            return None
        try:
            missing = await asyncio.to_thread(without_profile, self._store, who.team, user_ids)
            lookups = [
                asyncio.ensure_future(self._actors.named(bare_actor(who.team, user_id)))
                for user_id in missing
            ]
            if not lookups:
                return None
            await self._wait_for_profiles(lookups, deadline)
            who.named += [lookup for lookup in lookups if not lookup.done()]
            profiles = [lookup.result() for lookup in lookups if lookup.done()]
            await asyncio.to_thread(
                record_named, self._core, self._store, who.known.actor, profiles
            )
        except Exception as error:
            log.warning("event=slack_named_people_not_recorded error=%s", kind(error))
        return None

    async def after(self, who: Who) -> None:
        """Slow bookkeeping after the answer: the workspace is installed, and a profile that
        arrived after the turn is stored (``Engine.ensure_person`` fills it in)."""
        try:
            if not self._workspaces.recently_seen(who.team):
                await asyncio.to_thread(self._workspaces.seen, who.team)
        except Exception as error:
            log.warning("event=slack_workspace_seen_failed error=%s", kind(error))
        own = [(who.lookup, False)] if who.lookup is not None else []
        for lookup, named in [*own, *((named, True) for named in who.named)]:
            actor = await lookup
            if not actor.display_name:
                continue
            try:
                await asyncio.to_thread(self._fill_profile, actor, named)
            except Exception as error:
                log.warning(
                    "event=slack_profile_not_saved user=%s error=%s",
                    actor.platform_user_id,
                    kind(error),
                )

    def _fill_profile(self, actor: Actor, named: bool = False) -> None:
        """Store a late profile (``named``: of someone a command named, whom the turn may have
        created; never brings back someone who asked to be forgotten). A language or time
        zone the person already changed from the defaults (e.g. in the settings form they
        just submitted) is theirs and stays."""
        config = self._core.config
        with self._store.transaction() as repo:
            person = find_person(repo, actor.workspace or "", actor.platform_user_id)
            if person is None or (named and person.erased_at is not None):
                return
            if person.locale != config.default_locale:
                actor = replace(actor, locale=None)
            if person.timezone != config.default_timezone:
                actor = replace(actor, timezone=None)
            self._core.ensure_person(repo, clean_actor(actor))  # Slack's name: untrusted

    # The turn ----------------------------------------------------------------------------

    async def known_turn(
        self, team: str, user: str, event: Command, *, trigger: str, deadline: float
    ) -> tuple[Who, Reply, str | None] | None:
        """A command that names nobody, from someone the bot knows with their profile: the
        person and the turn in one worker thread (``who`` then ``turn`` take two hops and two
        transactions), with the same loading modal if the turn is not done by ``deadline``.
        ``None``, with nothing run, when the command names someone, the person needs their
        Slack profile first or could not be read: ``who`` and ``turn`` then do it as before.
        Raises only ``TurnFailed``: the core's turn raised, and it is not run a second time."""
        if typed_names(event) or mentioned_ids(event):
            return None
        inline = self._inline is not None and self._inline.allows(event)
        if inline:
            done = self._on_the_loop(team, user, event)
            if done is not None:
                return Who(team, done[0]), done[1], None
        loop = asyncio.get_running_loop()
        # The thread puts the person here once read. Not a future it settles from the thread:
        # that wakes the event loop once more for every command, and only a turn still running
        # at the deadline (the loading modal) needs to know.
        read: list[Known] = []
        spent: list[float] = []  # a reader's turn there: its CPU time, for ``InlineReads``
        work = asyncio.ensure_future(
            asyncio.to_thread(self._known_then_turn, team, user, event, read, spent, not inline)
        )
        loading: str | None = None
        try:
            if trigger:
                await asyncio.wait({work}, timeout=max(0.0, deadline - loop.time()))
                while not work.done() and not read:  # as ``turn`` does, once their language
                    await asyncio.wait({work}, timeout=KNOWN_POLL_S)  # is known
                if not work.done():
                    log.info("event=slack_turn_slow loading_modal=true")
                    view = loading_view(lang=read[0].lang).to_dict()
                    loading = await self._replies.open_view(read[0], trigger, view, False)
            done = await work
        except TurnFailed:  # the turn ran (and may have written): never run it again
            raise
        except Exception:  # the database: ``who`` reads again, and logs it if it fails again
            return None
        if self._inline is not None and spent:
            self._inline.took(event, spent[0])
        if done is None:
            return None
        known, reply = done
        return Who(team, known), reply, loading

    def _on_the_loop(self, team: str, user: str, event: Command) -> tuple[Known, Reply] | None:
        """``_read_turn`` on the event loop, timed for ``InlineReads``; ``None`` when it
        declined or could not read the person (the worker thread then tries, and logs)."""
        assert self._inline is not None
        if not self._reader_kept:
            keep_reader_here(self._store)
            self._reader_kept = True
        spent: list[float] = []
        started = time.perf_counter()
        try:
            return self._read_turn(team, user, event, spent)
        except Exception:
            return None
        finally:
            if spent:
                self._inline.took(event, spent[0], time.perf_counter() - started)

    def _read_turn(
        self, team: str, user: str, event: Command, spent: list[float]
    ) -> tuple[Known, Reply] | None:
        """The person and a reader's turn in one read transaction (``Engine.read_turn``), or
        ``None`` with nothing done: unknown, without their profile, or a turn that writes.
        Puts the CPU time it used in ``spent`` (this thread's: not waits for the GIL)."""
        bare = bare_actor(team, user)
        started = time.thread_time()
        done = self._core.read_turn(bare, event, has_profile)
        spent.append(time.thread_time() - started)
        if done is None:
            return None
        person, reply = done
        return Known(bare, person.locale), reply

    def _known_then_turn(
        self,
        team: str,
        user: str,
        event: Command,
        read: list[Known],
        spent: list[float],
        read_first: bool = True,
    ) -> tuple[Known, Reply] | None:
        if read_first:  # a reader's turn: the person and the turn in one transaction
            done = self._read_turn(team, user, event, spent)
            if done is not None:
                read.append(done[0])
                return done
        known, missing = self._actors.known(team, user)
        if missing:
            return None
        read.append(known)
        try:
            return known, self._core.handle(known.actor, event)
        except Exception as error:
            raise TurnFailed(known, error) from error

    async def handle(self, actor: Actor, event: Event, *, key: str | None = None) -> Reply:
        return await asyncio.to_thread(self._core.handle, actor, event, event_key=key)

    def handle_then_lang(self, actor: Actor, event: Event, key: str) -> tuple[Reply, str]:
        """One turn, then the person's language (one thread, inside the submission's time)."""
        reply = self._core.handle(actor, event, event_key=key)
        try:
            with self._store.read() as repo:
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
            loading = await self._replies.open_view(known, trigger, view, push)
        return await turn, loading
