"""Slack as one of the bot's platforms, built through the registry as `mentorbot run`,
`serve` and `scheduler` build it: what it takes in, and that it starts and shuts down."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import build_platforms, connections, serves_http
from bot.delivery import PlatformDelivery
from bot.platforms import NotConfigured, Receiving
from bot.services import Services, build_services
from bot.settings import Secrets, Settings, SlackSettings
from bot.slack.app import SlackAdapter
from conversations.memory import ManualClock
from conversations.messages import text
from conversations.ports import PermanentError
from conversations.records import OutboxItem, Person
from tests.e2e.conftest import BOT_TOKEN, SECRET, START, TEAM, FakeSlack


def _settings(tmp_path: Path, fake: FakeSlack | None = None, **secrets: str) -> Settings:
    return Settings(
        database={"url": f"sqlite:///{tmp_path / 'platform.db'}"},  # type: ignore[arg-type]
        slack=SlackSettings(command="/mentor"),
        secrets=Secrets(slack_api_url=fake.url + "/api/" if fake else "", **secrets),
    )


@pytest.fixture
def services_for(tmp_path: Path) -> Iterator[list[Services]]:
    opened: list[Services] = []
    yield opened
    for services in opened:
        services.close()


def _services(opened: list[Services], settings: Settings) -> Services:
    services = build_services(settings, ManualClock(START))
    opened.append(services)
    return services


def test_without_a_bot_token_there_is_no_slack(
    tmp_path: Path, services_for: list[Services]
) -> None:
    services = _services(services_for, _settings(tmp_path))
    for receiving in Receiving:
        assert build_platforms(services, receiving) == []
    assert connections(services.settings) == []
    assert not serves_http(services.settings)


def test_socket_mode_without_a_bot_token_says_what_is_missing(
    tmp_path: Path, services_for: list[Services]
) -> None:
    settings = _settings(tmp_path, slack_app_token="xapp-1")
    services = _services(services_for, settings)
    assert connections(settings) == [
        "connecting to Slack over Socket Mode (SLACK_APP_TOKEN is set)"
    ]
    with pytest.raises(NotConfigured, match="SLACK_BOT_TOKEN"):
        build_platforms(services, Receiving.CONNECTION)


def test_http_adds_the_events_route_only_with_the_signing_secret(
    tmp_path: Path, services_for: list[Services], caplog: pytest.LogCaptureFixture
) -> None:
    signed = _settings(tmp_path, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET)
    (slack,) = build_platforms(_services(services_for, signed), Receiving.HTTP)
    assert slack.name == "slack"
    assert [(r.method, r.path) for r in slack.routes() or []] == [("POST", "/slack/events")]  # type: ignore[attr-defined]
    assert serves_http(signed)

    unsigned = _settings(tmp_path, slack_bot_token=BOT_TOKEN)
    (sending_only,) = build_platforms(_services(services_for, unsigned), Receiving.HTTP)
    assert sending_only.routes() is None
    assert "event=slack_http_disabled" in caplog.text
    assert not serves_http(unsigned)


def test_the_client_id_and_secret_without_a_bot_token_turn_on_installs_into_many_workspaces(
    tmp_path: Path, services_for: list[Services]
) -> None:
    oauth = _settings(
        tmp_path,
        slack_client_id="1111.2222",
        slack_client_secret="shh",
        slack_signing_secret=SECRET,
    )
    assert oauth.slack_oauth and serves_http(oauth)
    (slack,) = build_platforms(_services(services_for, oauth), Receiving.HTTP)
    assert [(r.method, r.path) for r in slack.routes() or []] == [  # type: ignore[attr-defined]
        ("POST", "/slack/events"),
        ("GET", "/slack/install"),
        ("GET", "/slack/oauth_redirect"),
    ]
    (sending,) = build_platforms(_services(services_for, oauth), Receiving.NOTHING)
    assert sending.routes() is None  # a scheduler sends with each workspace's own token

    # A bot token means the one workspace it belongs to, whatever else is set.
    single = _settings(
        tmp_path,
        slack_bot_token=BOT_TOKEN,
        slack_client_id="1111.2222",
        slack_client_secret="shh",
        slack_signing_secret=SECRET,
    )
    assert not single.slack_oauth
    (one,) = build_platforms(_services(services_for, single), Receiving.HTTP)
    assert [(r.method, r.path) for r in one.routes() or []] == [("POST", "/slack/events")]  # type: ignore[attr-defined]


def test_the_scheduler_gets_slack_for_sending_only(
    tmp_path: Path, services_for: list[Services]
) -> None:
    settings = _settings(
        tmp_path, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_app_token="x"
    )
    (slack,) = build_platforms(_services(services_for, settings), Receiving.NOTHING)
    assert slack.routes() is None


async def test_socket_mode_starts_takes_events_and_shuts_down(
    fake_slack: FakeSlack, tmp_path: Path, services_for: list[Services]
) -> None:
    settings = _settings(
        tmp_path, fake_slack, slack_bot_token=BOT_TOKEN, slack_app_token="xapp-test-token"
    )
    (slack,) = build_platforms(_services(services_for, settings), Receiving.CONNECTION)
    assert slack.routes() is None, "Socket Mode needs no web server"
    await slack.start()
    try:
        body = {
            "team_id": TEAM,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": "Ev1",
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "DUMENTOR",
                "user": "UMENTOR",
                "text": "hjälp",
            },
        }
        await fake_slack.socket_envelopes.put(
            {"envelope_id": "env-1", "type": "events_api", "payload": body}
        )
        ack = await asyncio.wait_for(fake_slack.socket_acks.get(), timeout=10)
        assert ack["envelope_id"] == "env-1"
        assert isinstance(slack, SlackAdapter)
        await slack.activity.wait_finished(1)
    finally:
        await slack.shutdown()
    assert [c.method for c in fake_slack.calls].count("apps.connections.open") == 1
    (post,) = fake_slack.of("chat.postMessage")
    assert post.args["channel"] == "DUMENTOR"
    assert fake_slack.all_problems() == []


async def test_outbox_rows_go_to_the_recipients_platform(
    fake_slack: FakeSlack, tmp_path: Path, services_for: list[Services]
) -> None:
    settings = _settings(tmp_path, fake_slack, slack_bot_token=BOT_TOKEN)
    services = _services(services_for, settings)
    platforms = build_platforms(services, Receiving.NOTHING)
    with services.store.transaction() as repo:
        on_slack = repo.add(
            Person(
                platform="slack",
                workspace=TEAM,
                platform_user_id="UMENTOR",
                display_name="Maja",
                created_at=START,
            )
        )
        on_console = repo.add(
            Person(platform="local", platform_user_id="kim", display_name="Kim", created_at=START)
        )
    delivery = PlatformDelivery(services.store, platforms)

    def row(person: Person) -> OutboxItem:
        return OutboxItem(
            id=1,
            key=f"k{person.id}",
            person_id=person.id,
            kind="notice",
            payload={},
            due_at=START,
            created_at=START,
        )

    assert (await delivery.send(row(on_slack), text("hej"))).message_id
    (post,) = fake_slack.of("chat.postMessage")
    assert post.args["channel"] == "DUMENTOR"
    with pytest.raises(PermanentError, match="no adapter for platform 'local'"):
        await delivery.send(row(on_console), text("hej"))


async def test_mentorbot_run_connects_over_socket_mode_and_stops_cleanly(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """The real `mentorbot run` process with an app-level token: it says it connects over
    Socket Mode, does, and on SIGTERM disconnects, stops its scheduler and exits 0."""
    root = Path(__file__).resolve().parents[2]
    config = tmp_path / "app.yaml"
    config.write_text(
        (root / "app.yaml")
        .read_text(encoding="utf-8")
        .replace("url: sqlite:///var/mentorbot.db", f"url: sqlite:///{tmp_path}/run.db"),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env |= {
        "MENTORBOT_CONFIG": str(config),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-test-token",
        "SLACK_API_URL": fake_slack.url + "/api/",
    }
    env.pop("DATABASE_URL", None)
    process = await asyncio.create_subprocess_exec(
        str(root / ".venv" / "bin" / "mentorbot"),
        "run",
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    said: list[str] = []
    try:
        while not any("event=slack_socket_mode_connected" in line for line in said):
            line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
            assert line, "mentorbot run ended before connecting: " + "".join(said)
            said.append(line.decode())
        assert said[0].strip() == (
            "mentorbot: connecting to Slack over Socket Mode (SLACK_APP_TOKEN is set)"
        )
        process.send_signal(signal.SIGTERM)
        rest = (await asyncio.wait_for(process.stderr.read(), timeout=30)).decode()
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    for event in ("slack_socket_mode_closed", "scheduler_stopped", "event=stopped"):
        assert event in rest, rest
    assert fake_slack.of("apps.connections.open")
