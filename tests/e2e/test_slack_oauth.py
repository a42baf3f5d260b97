"""Many Slack workspaces on one bot, installed through OAuth (the real app on a loopback port,
the fake Slack beside it checking that every message goes out with the token of the
recipient's own workspace)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from conversations.records import (
    AuditEntry,
    Enrolment,
    Goal,
    OutboxItem,
    OutboxStatus,
    Pair,
    Person,
    Programme,
    WorkspaceRemoval,
)
from scheduler.runner import Scheduler
from tests.e2e.conftest import TEAM, FakeSlack, SlackWorld, running_world
from tests.e2e.slack_installs import CLIENT_ID, PUBLIC_URL, install, oauth_settings

TA, TB = TEAM, "T0002"
PROGRAMME = "--purpose onboarding --start 2026-11-02 --end 2027-04-30"


@pytest.fixture
async def many(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackWorld]:
    """The bot in OAuth mode; workspace A (UCOORD, UMENTOR, UADEPT) and B (UKIM, UBMENTOR,
    UBADEPT) each with people of their own, neither installed yet."""
    fake_slack.add_user("UKIM", "Kim Beta", locale="en-US", team=TB)
    fake_slack.add_user("UBMENTOR", "Bo Mentor", team=TB)
    fake_slack.add_user("UBADEPT", "Bea Adept", team=TB)
    async with running_world(
        fake_slack,
        tmp_path,
        coordinators=[f"slack:{TA}:UCOORD", f"slack:{TB}:UKIM"],
        settings=oauth_settings(fake_slack),
    ) as world:
        try:
            yield world
        finally:
            world.store.close()  # type: ignore[attr-defined]


async def paired(world: SlackWorld, team: str, coordinator: str, mentor: str, adept: str) -> None:
    """A programme of ``team`` with ``mentor`` and ``adept`` paired, set up over Slack."""
    await world.command(coordinator, f'program new "Programme {team}" {PROGRAMME}', team=team)
    await world.command(coordinator, f"enroll <@{mentor}|m> as mentor", team=team)
    await world.command(coordinator, f"enroll <@{adept}|a> as adept", team=team)
    await world.deliver()
    await press(world, mentor, "enrolment.consent", team)
    await press(world, adept, "enrolment.consent", team)
    await world.command(coordinator, f"pair <@{mentor}|m> <@{adept}|a>", team=team)
    await world.command(mentor, "hem", team=team)
    await world.command(adept, "hem", team=team)
    await world.deliver()


async def press(world: SlackWorld, user: str, action: str, team: str) -> None:
    button, where = world.find_button(user, action)
    await world.click(user, button, where=where, team=team)


def said_to(world: SlackWorld, user: str) -> str:
    """Everything the bot showed ``user`` (DMs, ephemeral answers, views), as one string."""
    return world.texts_shown_to(user) + "".join(
        json.dumps(c.args, ensure_ascii=False)
        for c in world.fake.calls
        if c.method.startswith("views.") and user in json.dumps(c.args)
    )


def of_workspace(world: SlackWorld, team: str) -> dict[str, int]:
    with world.store.read() as repo:
        return {
            cls.__name__: len(repo.find(cls, workspace=team))
            for cls in (Person, Programme, Enrolment, Pair, Goal)
        }


# 1. Installing, and each workspace with its own token ---------------------------------------


async def test_two_workspaces_install_through_oauth_and_each_is_served_with_its_own_token(
    many: SlackWorld,
) -> None:
    a = await install(many, TA)
    b = await install(many, TB)
    assert a.status == b.status == 200
    sent_to = urlparse(a.authorize_url)
    query = parse_qs(sent_to.query)
    assert sent_to.netloc == "slack.com" and sent_to.path == "/oauth/v2/authorize"
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [PUBLIC_URL + "/slack/oauth_redirect"]
    assert "chat:write" in query["scope"][0] and "commands" in query["scope"][0]
    assert [c.args.get("code") for c in many.fake.of("oauth.v2.access")] == [
        f"code-{TA}",
        f"code-{TB}",
    ]

    await paired(many, TA, "UCOORD", "UMENTOR", "UADEPT")
    await paired(many, TB, "UKIM", "UBMENTOR", "UBADEPT")

    assert many.fake.all_problems() == []  # nothing with a token of another workspace
    for token, people in (
        (a.token, {"UCOORD", "UMENTOR", "UADEPT"}),
        (b.token, {"UKIM", "UBMENTOR", "UBADEPT"}),
    ):
        calls = many.fake.calls_with(token)
        assert {c.args["user"] for c in calls if c.method == "users.info"} == people
        opened = [c for c in calls if c.method == "conversations.open"]
        assert opened and all(set(c.args["users"].split(",")) <= people for c in opened)
        assert any(c.method == "chat.postMessage" for c in calls)
    api = [c for c in many.fake.calls if c.method not in ("response_url", "upload")]
    assert {c.token for c in api if c.method != "oauth.v2.access"} <= {a.token, b.token}
    with many.store.read() as repo:
        assert len(repo.find(Pair, workspace=TA)) == len(repo.find(Pair, workspace=TB)) == 1
