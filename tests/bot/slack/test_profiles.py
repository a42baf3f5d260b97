"""Slack profiles are asked for once per workspace and user for a while."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.slack.clients import SlackClients
from bot.slack.profiles import Profiles
from conversations.events import Actor
from conversations.memory import ManualClock
from tests.e2e.conftest import START


class Slack:
    def __init__(self) -> None:
        self.asked: list[str] = []
        self.failing = False

    async def users_info(self, *, user: str, include_locale: bool) -> dict[str, Any]:
        self.asked.append(user)
        if self.failing:
            raise TimeoutError
        return {"user": {"real_name": f"Name of {user}", "tz": "Europe/Oslo", "locale": "nb-NO"}}


def _person(workspace: str, user: str) -> Actor:
    return Actor(platform="slack", platform_user_id=user, workspace=workspace)


async def test_a_person_is_asked_for_once_per_workspace_until_the_profile_is_old() -> None:
    slack, clock = Slack(), ManualClock(START)
    profiles = Profiles(SlackClients(slack), clock, ttl=timedelta(minutes=10))  # type: ignore[arg-type]
    first = await profiles.lookup(_person("TA", "U1"))
    assert (first.display_name, first.timezone, first.workspace) == (
        "Name of U1",
        "Europe/Oslo",
        "TA",
    )
    await profiles.lookup(_person("TA", "U1"))
    await profiles.lookup(_person("TB", "U1"))  # the same id in another workspace: another person
    assert slack.asked == ["U1", "U1"]
    clock.advance(timedelta(minutes=11))
    await profiles.lookup(_person("TA", "U1"))
    assert slack.asked == ["U1", "U1", "U1"]
    await profiles.lookup(_person("TA", "U1"), fresh=True)
    assert len(slack.asked) == 4


async def test_a_failed_lookup_is_not_remembered_and_the_oldest_are_forgotten_first() -> None:
    slack, clock = Slack(), ManualClock(START)
    profiles = Profiles(SlackClients(slack), clock, size=2)  # type: ignore[arg-type]
    slack.failing = True
    assert (await profiles.lookup(_person("TA", "U1"))).display_name == ""
    slack.failing = False
    for user in ("U1", "U2", "U3", "U1"):
        await profiles.lookup(_person("TA", user))
    assert slack.asked == ["U1", "U1", "U2", "U3", "U1"]  # U1 was the least recently used
