"""A Slack user's identity in the core's terms: the platform name, the bare ``Actor`` and the
one lookup of a stored person by (platform, workspace, user id)."""

from __future__ import annotations

from conversations.events import Actor
from conversations.ports import Repo
from conversations.records import Person

SLACK = "slack"  # a person's stored platform


def bare_actor(team_id: str, user_id: str) -> Actor:
    """The Slack user with no profile hints (name, locale and time zone come later)."""
    return Actor(platform=SLACK, platform_user_id=user_id, workspace=team_id)


def find_person(repo: Repo, team_id: str, user_id: str) -> Person | None:
    return repo.first(Person, platform=SLACK, workspace=team_id, platform_user_id=user_id)
