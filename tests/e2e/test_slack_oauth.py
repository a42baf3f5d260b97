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

from bot.slack.installations import SqlInstallations
from conversations.planner import PlanRules
from conversations.records import (
    AuditEntry,
    Enrolment,
    Goal,
    Meeting,
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
    b = await install(many, TB, language="en-GB,en;q=0.9")
    assert a.status == b.status == 200
    assert "Mentorbot är installerad" in a.page and "Mentorbot is installed" in b.page
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


async def test_a_redirect_without_the_state_the_install_link_gave_installs_nothing(
    many: SlackWorld,
) -> None:
    forged = await install(many, TA, state="a-state-the-bot-never-gave")
    assert forged.status == 400  # the state is not the browser's cookie
    assert "Mentorbot kunde inte installeras" in forged.page
    assert many.fake.of("oauth.v2.access") == []
    installs = SqlInstallations(CLIENT_ID, many.store.engine)  # type: ignore[attr-defined]
    assert installs.token(TA) is None


@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        ("sv-SE,sv;q=0.9,en;q=0.8", "Mentorbot kunde inte installeras", "Något gick fel hos oss"),
        ("en-GB,en;q=0.9", "Mentorbot could not be installed", "Something went wrong on our side"),
    ],
)
async def test_an_error_while_installing_shows_a_page_in_the_browsers_language(
    many: SlackWorld,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    language: str,
    title: str,
    text: str,
) -> None:
    flow = many.adapter.app.oauth_flow
    assert flow is not None

    async def broken(request: object) -> None:
        raise RuntimeError(f"could not save code-{TA}")

    monkeypatch.setattr(flow, "handle_callback", broken)
    failed = await install(many, TA, language=language)
    assert failed.status == 500
    assert f'lang="{language[:2]}"' in failed.page
    assert title in failed.page and text in failed.page
    assert "internal error" not in failed.page
    assert "event=slack_install_failed step=redirect error=RuntimeError" in caplog.text
    assert f"code-{TA}" not in caplog.text  # nothing of the request in the log


async def test_the_install_page_names_the_slash_command_the_deployment_configured(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    settings = oauth_settings(fake_slack)
    settings = settings.model_copy(
        update={"slack": settings.slack.model_copy(update={"command": "/handledning"})}
    )
    async with running_world(fake_slack, tmp_path, settings=settings) as world:
        try:
            swedish = await install(world, TA)
            english = await install(world, TA, code="code-again", language="en")
        finally:
            world.store.close()  # type: ignore[attr-defined]
    assert "Skriv /handledning hjälp i Slack" in swedish.page
    assert "type /handledning help to begin" in english.page
    assert "/mentor " not in swedish.page + english.page


# 2. Nothing of one workspace reaches a person of another ------------------------------------

A_NAMES = ("Maja Mentor", "Åsa Adept", "Kim Koordinator", f"Programme {TA}")


def a_state(world: SlackWorld) -> list[Any]:
    with world.store.read() as repo:
        return [
            sorted((r.__class__.__name__, r.id, r.version) for r in repo.find(cls, workspace=TA))
            for cls in (Person, Programme, Enrolment, Pair, Goal, Meeting)
        ]


async def test_a_person_of_workspace_b_gets_nothing_of_workspace_a_by_naming_pressing_or_submitting(
    many: SlackWorld,
) -> None:
    await install(many, TA)
    await install(many, TB)
    await paired(many, TA, "UCOORD", "UMENTOR", "UADEPT")
    await paired(many, TB, "UKIM", "UBMENTOR", "UBADEPT")
    # A's mentor opens the meeting form of A's pair (its button carries the pair's id).
    meeting_button, _ = many.find_button("UMENTOR", "meeting.book")
    await press(many, "UMENTOR", "meeting.book", TA)
    a_form = many.fake.of("views.open")[-1].answer["view"]
    decline_button, _ = many.find_button("UMENTOR", "enrolment.decline")
    where = {"channel": {"id": "DUBMENTOR"}, "container": {"type": "message"}}  # B's own DM
    before = a_state(many)
    a_calls = len(many.fake.calls_with(next(iter(_tokens_of(many, TA)))))

    # Naming A's people in B's commands.
    await many.command("UKIM", "enroll <@UMENTOR|maja> as mentor", team=TB)
    await many.command("UKIM", "pair <@UMENTOR|maja> <@UADEPT|åsa>", team=TB)
    await many.command("UKIM", "remind <@UADEPT|åsa>", team=TB)
    # Pressing A's buttons (the values A's people were shown, forged into B's requests).
    await many.click("UBMENTOR", decline_button, where=where, team=TB)
    await many.click("UBMENTOR", meeting_button, where=where, team=TB)
    # Submitting A's form from B.
    await many.submit("UBMENTOR", a_form, {"when": "2026-11-10 14:00", "place": "Kaféet"}, team=TB)
    await many.deliver()

    assert a_state(many) == before  # nothing of A changed …
    for user in ("UKIM", "UBMENTOR"):  # … or was shown to B
        shown = said_to(many, user)
        assert not [name for name in A_NAMES if name in shown], user
    a_token = next(iter(_tokens_of(many, TA)))
    assert len(many.fake.calls_with(a_token)) == a_calls  # and A's token was not used for it
    assert many.fake.all_problems() == []
    # The same form submitted by A's own mentor still books A's meeting: it was live, and
    # B's forgery did not use it up.
    await many.submit("UMENTOR", a_form, {"when": "2026-11-10 14:00", "place": "Kaféet"})
    with many.store.read() as repo:
        assert len(repo.find(Meeting, workspace=TA)) == 1


def _tokens_of(world: SlackWorld, key: str) -> list[str]:
    return [token for token, team in world.fake.tokens.items() if team == key]


# 3. Uninstalling: sending stops at once, the records go after the retention ------------------


def scheduler_of(world: SlackWorld) -> Scheduler:
    return Scheduler(
        world.store,
        world.dispatcher,
        world.clock,
        PlanRules(),
        world.engine.config,
        plan_in_thread=False,
    )


async def test_an_uninstalled_workspace_is_sent_nothing_more_and_purged_after_the_retention(
    many: SlackWorld,
) -> None:
    many.fake.add_user("UANNA", "Anna Alfa")
    many.fake.add_user("UBO", "Bo Beta", team=TB)
    a = await install(many, TA)
    b = await install(many, TB)
    await paired(many, TA, "UCOORD", "UMENTOR", "UADEPT")
    await paired(many, TB, "UKIM", "UBMENTOR", "UBADEPT")
    await many.command("UCOORD", "enroll <@UANNA|anna> as mentor", team=TA)  # queued for A
    with many.store.read() as repo:
        queued = [i for i in repo.find(OutboxItem) if i.status is OutboxStatus.PENDING]
    assert queued

    await many.event({"type": "app_uninstalled"}, team=TA)
    used_by_a = len(many.fake.calls_with(a.token))
    await many.deliver()
    await many.command("UKIM", "enroll <@UBO|bo> as mentor", team=TB)
    await many.deliver()

    assert len(many.fake.calls_with(a.token)) == used_by_a  # nothing more with A's token
    assert not [c for c in many.fake.of("conversations.open") if "UANNA" in c.args["users"]]
    assert any(
        c.method == "chat.postMessage" and c.args["channel"] == "DUBO"
        for c in many.fake.calls_with(b.token)
    )  # B is served as before
    with many.store.read() as repo:
        for item in repo.find(OutboxItem, id=[i.id for i in queued]):
            assert item.status is OutboxStatus.FAILED and item.sent_at is None
        removal = repo.first(WorkspaceRemoval, organisation=TA)
    assert removal is not None and removal.purge_at == removal.removed_at + timedelta(days=30)
    installs = SqlInstallations(CLIENT_ID, many.store.engine)  # type: ignore[attr-defined]
    assert installs.token(TA) is None and installs.token(TB) == b.token

    b_before = of_workspace(many, TB)
    scheduler = scheduler_of(many)
    many.clock.advance(timedelta(days=29))
    await scheduler.tick()
    assert of_workspace(many, TA)["Person"] > 0  # kept within the retention
    many.clock.advance(timedelta(days=1, minutes=1))
    report = await scheduler.tick()

    assert [p.organisation for p in report.purged] == [TA]
    assert set(of_workspace(many, TA).values()) == {0}
    assert of_workspace(many, TB) == b_before
    with many.store.read() as repo:
        assert [i for i in repo.find(OutboxItem) if i.id in {q.id for q in queued}] == []
        purged = repo.find(AuditEntry, action="workspace.purged")
    assert [(e.subject, e.detail["counts"]["Person"] > 0) for e in purged] == [(TA, True)]
    assert many.fake.all_problems() == []


async def test_installing_again_before_the_purge_keeps_the_workspace_and_serves_it(
    many: SlackWorld,
) -> None:
    await install(many, TA)
    await paired(many, TA, "UCOORD", "UMENTOR", "UADEPT")
    await many.event({"type": "app_uninstalled"}, team=TA)
    many.clock.advance(timedelta(days=10))
    again = await install(many, TA, code="code-again")
    many.clock.advance(timedelta(days=30))
    report = await scheduler_of(many).tick()

    assert report.purged == []
    assert of_workspace(many, TA)["Pair"] == 1
    with many.store.read() as repo:
        assert repo.find(WorkspaceRemoval) == []
    await many.command("UMENTOR", "hem", team=TA)
    assert any(
        c.method == "views.open" or c.method == "chat.postMessage"
        for c in many.fake.calls_with(again.token)
    ) or many.fake.of("response_url")
