"""The people a command names: only Slack's own mentions name people, with their profile.

Slack turns a person picked with @-autocomplete into ``<@U123|name>``, which ``incoming`` makes
an ``@U123`` token with its entry in the event's ``mentions``. An ``@anna`` typed without the
autocomplete is only text, yet the core reads any ``@word`` of a command that names people as
a person, the word being their id when it is not a mention (``resolve_person``: right for the
console, where people are their names). On Slack that would enrol someone whose Slack id is
"anna". So a command that names people with a typed ``@word`` is answered here, asking for a
real mention, and never reaches the core.

Only coordinators' commands name people (``enroll``, ``pair``, ``end``, ``coordinators``: the
routes of ``Audience.COORDINATOR``); elsewhere an ``@`` is just text (a meeting place
``@kontoret``, a journal entry). The command is read as the core reads it: sanitised, then
parsed with the core's own parser.

A coordinator's command that names people by mention first records each of them with their
Slack profile (``record_named``), so that the core's answer, the welcome and the pair's
introduction show their names rather than their ids.
"""

from __future__ import annotations

from typing import Protocol

from bot.slack.people import find_person
from bot.slack.words import words
from conversations.config import CoreConfig
from conversations.engine import find_command
from conversations.events import Actor, Command, TextReceived
from conversations.messages import Reply, text
from conversations.parsing import parse_command
from conversations.people import identity_of
from conversations.ports import Repo, Store
from conversations.records import Person
from conversations.routes import Audience
from conversations.sanitising import clean_actor, clean_line, clean_text

MAX_NAMED = 20  # profiles asked for per command; more are named by id until they write
_SHOWN = 5  # typed names repeated in the answer
_NAME_CHARS = 40


class PersonMaker(Protocol):
    config: CoreConfig

    def ensure_person(self, repo: Repo, actor: Actor) -> Person: ...


def _named(event: Command | TextReceived) -> tuple[list[str], dict[str, str]]:
    """The ``@…`` arguments of a command that names people, and its mentions, as the core
    reads them (empty for anything else)."""
    line = parse_command(clean_text(event.text))
    route = find_command(line.word) if line is not None else None
    if line is None or route is None or route.audience != Audience.COORDINATOR:
        return [], {}
    mentions = {clean_line(token): clean_line(user) for token, user in event.mentions.items()}
    return [arg for arg in line.args if arg.startswith("@") and len(arg) > 1], mentions


def typed_names(event: Command | TextReceived) -> list[str]:
    """The people a command names with a typed ``@word`` rather than a Slack mention."""
    tokens, mentions = _named(event)
    return list(dict.fromkeys(token for token in tokens if token not in mentions))


def mentioned_ids(event: Command | TextReceived) -> list[str]:
    """The Slack user ids of the people a command names by mention (at most ``MAX_NAMED``)."""
    tokens, mentions = _named(event)
    ids = dict.fromkeys(mentions[token] for token in tokens if token in mentions)
    return [user_id for user_id in ids if user_id][:MAX_NAMED]


def typed_names_reply(names: list[str], lang: str) -> Reply:
    """The answer to a command that names people with typed ``@words``: nothing was changed."""
    shown = ", ".join(name[:_NAME_CHARS] for name in names[:_SHOWN])
    return Reply(messages=[text(words(lang)["typed_name"].format(names=shown))])


def without_profile(store: Store, workspace: str, user_ids: list[str]) -> list[str]:
    """Of ``user_ids``, those the bot has no Slack profile for: not met yet, or created from a
    mention (their name is their id). Someone who asked to be forgotten is left out."""
    missing = []
    with store.read() as repo:
        for user_id in user_ids:
            person = find_person(repo, workspace, user_id)
            if person is None or (
                person.erased_at is None and person.display_name == person.platform_user_id
            ):
                missing.append(user_id)
    return missing


def record_named(core: PersonMaker, store: Store, actor: Actor, profiles: list[Actor]) -> None:
    """Each person named by mention, with the Slack profile in ``profiles``: filled in for
    someone known by id only, created for someone not met yet when ``actor`` is a coordinator
    (only a coordinator's command creates the people it names; nobody is created for anyone
    else's). Someone who asked to be forgotten is left alone."""
    with store.transaction() as repo:
        me = find_person(repo, actor.workspace, actor.platform_user_id)
        if me is not None:
            may_create = me.is_coordinator and me.erased_at is None
        else:
            who = identity_of(actor.platform, actor.workspace, actor.platform_user_id)
            may_create = who in core.config.coordinators
        for profile in profiles:
            if not profile.display_name or profile.workspace != actor.workspace:
                continue
            person = find_person(repo, profile.workspace, profile.platform_user_id)
            if person is None and not may_create:
                continue
            if person is not None and (
                person.erased_at is not None or person.display_name != person.platform_user_id
            ):
                continue
            core.ensure_person(repo, clean_actor(profile))
