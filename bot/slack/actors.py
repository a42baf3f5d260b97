"""Who is talking to the bot: a Slack user, in a workspace, as the core's ``Actor``.

The workspace key (``workspace_of``) is the one organisation a request belongs to: the team id,
or, for an app installed org-wide on an Enterprise Grid (``is_enterprise_install``), the
enterprise id, whichever of the organisation's workspaces the request came from. Commands,
events and interactivity all take it from here, so a person is the same person whatever they
use, and app.yaml names coordinators with it (``slack:<workspace>:<user>``).

At first contact (or when the person was created from a mention and has no profile yet, or
asked to be forgotten and came back) the real name, locale and time zone come from
``users.info`` (``bot.slack.profiles``); afterwards the person's own settings rule, so nothing
is asked of Slack again. The listeners decide how long they wait for that call (see
``bot.slack.turns``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.slack.people import bare_actor, find_person
from bot.slack.profiles import Profiles
from conversations.events import Actor
from conversations.i18n import normalise_locale
from conversations.ports import Store
from conversations.records import Person


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


def has_profile(person: Person) -> bool:
    """Whether the stored person has what Slack's profile gives (not a shell created from a
    mention, nor someone who asked to be forgotten)."""
    return person.erased_at is None and person.display_name != person.platform_user_id


@dataclass(frozen=True)
class Known:
    actor: Actor
    lang: str  # the person's language, for the renderer's own few words


class Actors:
    def __init__(self, profiles: Profiles, store: Store, default_locale: str = "sv") -> None:
        self._profiles = profiles
        self._store = store
        self.default_locale = default_locale

    def known(self, team_id: str, user_id: str) -> tuple[Known, bool]:
        """The bare actor with the stored person's language, and whether their Slack profile
        is still needed (unknown, created from a mention, or erased). Reads the database."""
        bare = bare_actor(team_id, user_id)
        with self._store.read() as repo:
            person = find_person(repo, team_id, user_id)
        if person is None:
            return Known(bare, self.default_locale), True
        return Known(bare, person.locale), not has_profile(person)

    def with_profile(self, known: Known, actor: Actor) -> Known:
        """``known`` with the profile hints ``users.info`` gave (its language when it has one)."""
        lang = normalise_locale(actor.locale, known.lang) if actor.locale else known.lang
        return Known(actor, lang)

    async def profile(self, actor: Actor) -> Actor:
        """``actor`` (at first contact) with name, locale and time zone from Slack, asked for
        now (never raises)."""
        return await self._profiles.lookup(actor, fresh=True)

    async def named(self, actor: Actor) -> Actor:
        """Someone a command names, with their Slack profile as remembered for a while."""
        return await self._profiles.lookup(actor)
