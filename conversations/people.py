"""Creating a person the bot has not met yet."""

from __future__ import annotations

from datetime import datetime

from conversations.config import CoreConfig
from conversations.events import Actor
from conversations.i18n import normalise_locale
from conversations.records import Person


def new_person(config: CoreConfig, actor: Actor, now: datetime) -> Person:
    """A person from their platform identity and profile hints, with the configured defaults;
    a coordinator from the start if app.yaml names them."""
    identity = {
        f"{actor.platform}:{actor.platform_user_id}",
        f"{actor.platform}:{actor.workspace}:{actor.platform_user_id}",
    }
    return Person(
        platform=actor.platform,
        workspace=actor.workspace,
        platform_user_id=actor.platform_user_id,
        display_name=actor.display_name or actor.platform_user_id,
        locale=normalise_locale(actor.locale, config.default_locale),
        timezone=actor.timezone or config.default_timezone,
        country=config.default_country,
        is_coordinator=bool(identity & set(config.coordinators)),
        created_at=now,
    )
