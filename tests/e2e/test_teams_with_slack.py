"""Slack and Teams served by one process, on one port: each person gets their own platform's
messages, including the two members of a pair that spans both.

The core keeps workspaces apart (a Slack workspace and a Teams tenant are different
organisations), so such a pair cannot be made with commands; it is written into the store as
the scheduler would find it, and what the dispatcher sends for it is checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.settings import Secrets, Settings, SlackSettings, TeamsSettings
from bot.slack.app import build_slack
from conversations.memory import ManualClock
from conversations.messages import text
from conversations.records import OutboxItem, OutboxStatus, Pair, Person, Programme, Purpose
from tests.e2e.conftest import BOT_TOKEN, SECRET, START, TEAM, FakeSlack, SlackWorld, make_store
from tests.e2e.teams_world import (
    ADEPT,
    TENANT,
    FakeConnector,
    TeamsWorld,
    running_teams,
    teams_config,
)

MENTOR = "UMENTOR"


@pytest.fixture
async def both(
    fake_slack: FakeSlack, fake_connector: FakeConnector, tmp_path: Path
) -> AsyncIterator[tuple[TeamsWorld, SlackWorld]]:
    store = make_store(tmp_path)
    clock = ManualClock(START)
    settings = Settings(
        slack=SlackSettings(command="/mentor"),
        teams=TeamsSettings(emulator=True, messages_per_second=0, per_conversation_seconds=0),
        secrets=Secrets(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=fake_slack.url + "/api/",
        ),
    )
    config = teams_config(f"slack:{TEAM}:UCOORD")
    from conversations.engine import Engine

    slack = build_slack(Engine(store, clock, config), store, settings, http=True)
    try:
        async with running_teams(
            fake_connector, store, clock, config, settings=settings, more=[slack]
        ) as teams:
            base = teams.url.removesuffix("/api/messages")
            slack_world = SlackWorld(fake_slack, slack, teams.engine, store, clock, base)
            yield teams, slack_world
            await slack.activity.idle()
    finally:
        store.close()  # type: ignore[attr-defined]


async def test_one_server_takes_both_platforms(both: tuple[TeamsWorld, SlackWorld]) -> None:
    teams, slack = both
    assert (await slack.command(MENTOR, "hem")).status == 200
    assert (await teams.say(ADEPT, "hem")).status < 300
    with teams.store.transaction() as repo:
        people = {(p.platform, p.workspace, p.platform_user_id) for p in repo.find(Person)}
    assert people == {("slack", TEAM, MENTOR), ("teams", TENANT, ADEPT.aad)}
    assert teams.fake.sent(ADEPT.conversation)  # the adept's answer went to Teams
    assert slack.fake.of("response_url")  # the mentor's to Slack


async def test_a_pair_across_platforms_gets_each_member_their_own_platforms_message(
    both: tuple[TeamsWorld, SlackWorld],
) -> None:
    teams, slack = both
    await slack.command(MENTOR, "hem")
    await teams.say(ADEPT, "hem")
    slack.fake.calls.clear()
    sent_before = len(teams.fake.sent(ADEPT.conversation))
    now = teams.clock.now()
    with teams.store.transaction() as repo:
        mentor = repo.first(Person, platform_user_id=MENTOR)
        adept = repo.first(Person, platform_user_id=ADEPT.aad)
        assert mentor is not None and adept is not None
        programme = repo.add(
            Programme(
                workspace=TEAM,
                name="Över gränsen",
                purposes=[Purpose("onboarding")],
                starts_on=date(2026, 11, 2),
                ends_on=date(2027, 4, 30),
                created_by=mentor.id or 0,
                created_at=now,
            )
        )
        pair = repo.add(
            Pair(
                workspace=TEAM,
                programme_id=programme.id or 0,
                mentor_id=mentor.id or 0,
                adept_id=adept.id or 0,
                phase_since=now,
                introduced_at=now,
                midpoint_on=date(2027, 1, 30),
                ends_on=date(2027, 4, 30),
            )
        )
        for key, addressed in (("pair", {"pair_id": pair.id}), ("adept", {"person_id": adept.id})):
            repo.enqueue(
                OutboxItem(
                    key=f"mixed:{key}",
                    kind="test",
                    payload=text(f"Till {key}").model_dump(mode="json"),
                    due_at=now,
                    created_at=now,
                    **addressed,
                )
            )
    await teams.deliver()
    teams.clock.advance(timedelta(seconds=5))
    await teams.deliver()

    with teams.store.transaction() as repo:
        assert {r.key: r.status for r in repo.find(OutboxItem)} == {
            "mixed:pair": OutboxStatus.SENT,
            "mixed:adept": OutboxStatus.SENT,
        }
    # The mentor got the pair's message in Slack, in their DM (a group DM needs both on Slack).
    posted = slack.fake.of("chat.postMessage")
    assert [c.args["channel"] for c in posted] == [f"D{MENTOR}"]
    assert "Till pair" in str(posted[0].args)
    # The adept got both in Teams, as cards.
    texts = [str(c.cards()) for c in teams.fake.sent(ADEPT.conversation)[sent_before:]]
    assert len(texts) == 2
    assert any("Till pair" in t for t in texts) and any("Till adept" in t for t in texts)
    assert teams.fake.problems == [] and slack.fake.all_problems() == []
