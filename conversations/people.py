"""Creating a person the bot has not met yet, and finding the people a command names."""

from __future__ import annotations

from datetime import datetime

from conversations.config import CoreConfig
from conversations.countries import country_of_zone
from conversations.events import Actor
from conversations.i18n import normalise_locale
from conversations.records import Person
from conversations.turn import Turn


def identity_of(platform: str, workspace: str, user_id: str) -> str:
    """How app.yaml names a person: ``platform:workspace:user_id``; ``local:name`` in the
    console."""
    if platform == "local":
        return f"local:{user_id}"
    return f"{platform}:{workspace}:{user_id}"


def new_person(config: CoreConfig, actor: Actor, now: datetime) -> Person:
    """A person from their platform identity and profile hints, with the configured defaults;
    a coordinator from the start if app.yaml names them. Their country (public holidays) is
    the one their profile's time zone lies in, if it names one."""
    from_config = identity_of(actor.platform, actor.workspace, actor.platform_user_id) in set(
        config.coordinators
    )
    return Person(
        platform=actor.platform,
        workspace=actor.workspace,
        platform_user_id=actor.platform_user_id,
        display_name=actor.display_name or actor.platform_user_id,
        locale=normalise_locale(actor.locale, config.default_locale),
        timezone=actor.timezone or config.default_timezone,
        country=(actor.timezone and country_of_zone(actor.timezone)) or config.default_country,
        is_coordinator=from_config,
        coordinator_via="config" if from_config else "",
        created_at=now,
    )


def resolve_person(
    turn: Turn, token: str, mentions: dict[str, str], *, create: bool = False
) -> Person | None:
    """'@anna' (console) or a platform mention -> the person. Only ``enroll`` and
    ``coordinators add`` create people they have not met; elsewhere a typo finds nobody."""
    if not token.startswith("@") or len(token) < 2:
        return None
    user_id = mentions.get(token, token[1:])
    me = turn.person
    found = turn.repo.first(
        Person, platform=me.platform, workspace=me.workspace, platform_user_id=user_id
    )
    if found is not None or not create:
        return found
    actor = Actor(platform=me.platform, workspace=me.workspace, platform_user_id=user_id)
    return turn.repo.add(new_person(turn.config, actor, turn.now))
