"""Teams as one of the bot's platforms, built through the registry as `mentorbot run`, `serve`
and `scheduler` build it."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from typer.testing import CliRunner

from bot.app import build_platforms, build_scheduler, http_platforms, serves_http, warn_unserved
from bot.cli import app
from bot.platforms import Receiving
from bot.services import Services, build_services
from bot.settings import Secrets, Settings, TeamsSettings
from bot.teams.app import TeamsAdapter
from conversations.memory import ManualClock
from conversations.records import Person
from tests.e2e.conftest import BOT_TOKEN, START, FakeSlack
from tests.e2e.teams_world import FakeConnector


def _settings(tmp_path: Path, *, emulator: bool = False, **secrets: str) -> Settings:
    return Settings(
        database={"url": f"sqlite:///{tmp_path / 'platform.db'}"},  # type: ignore[arg-type]
        teams=TeamsSettings(emulator=emulator),
        secrets=Secrets(**secrets),
    )


@pytest.fixture
def opened() -> Iterator[list[Services]]:
    services: list[Services] = []
    yield services
    for one in services:
        one.close()


def _services(opened: list[Services], settings: Settings) -> Services:
    services = build_services(settings, ManualClock(START))
    opened.append(services)
    return services


def test_with_only_teams_credentials_teams_is_registered_and_delivers(
    tmp_path: Path, opened: list[Services]
) -> None:
    settings = _settings(
        tmp_path, microsoft_app_id="app", microsoft_app_password="pw", microsoft_app_tenant_id="t"
    )
    services = _services(opened, settings)
    assert serves_http(settings) and http_platforms(settings) == ["teams"]
    for receiving in Receiving:
        (platform,) = build_platforms(services, receiving)
        assert isinstance(platform, TeamsAdapter)
        assert (platform.routes() is None) == (receiving is Receiving.NOTHING)
    (served,) = build_platforms(services, Receiving.HTTP)
    paths = [route.path for route in served.routes() or ()]  # type: ignore[attr-defined]
    assert paths == ["/api/messages"]
    scheduler = build_scheduler(services, [served])
    assert scheduler is not None


def test_without_teams_credentials_there_is_no_teams(
    tmp_path: Path, opened: list[Services]
) -> None:
    services = _services(opened, _settings(tmp_path))
    assert build_platforms(services, Receiving.HTTP) == []
    assert not serves_http(services.settings)


def test_a_platform_people_are_on_but_nothing_serves_is_a_warning(
    tmp_path: Path, opened: list[Services], caplog: pytest.LogCaptureFixture
) -> None:
    services = _services(opened, _settings(tmp_path))
    with services.store.transaction() as repo:
        repo.add(
            Person(
                platform="teams",
                workspace="t",
                platform_user_id="aad",
                display_name="A",
                locale="sv",
                timezone="Europe/Stockholm",
                country="SE",
                created_at=START,
            )
        )
    with caplog.at_level(logging.WARNING, logger="mentorbot.app"):
        assert warn_unserved(services, []) == ["teams"]
    assert "event=platform_not_served platform=teams" in caplog.text


def test_run_says_it_serves_teams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`run` with Teams' credentials serves HTTP and names the platform (stopped before it
    binds a port: the serve step is replaced)."""
    import bot.cli as cli

    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MICROSOFT_APP_ID", "app")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'run.db'}")
    served: list[bool] = []
    monkeypatch.setattr(cli, "serve", lambda config=None: served.append(True))
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 0, result.output
    assert "serving HTTP for teams" in result.output
    assert served == [True]


async def test_mentorbot_run_serves_teams_beside_slacks_socket_mode(
    fake_slack: FakeSlack, fake_connector: FakeConnector, tmp_path: Path
) -> None:
    """The real `mentorbot run` with Slack's app-level token and Teams for the Emulator: Slack
    connects over Socket Mode and Teams' route is served on the configured port."""
    root = Path(__file__).resolve().parents[2]
    config = tmp_path / "app.yaml"
    config.write_text(
        (root / "app.yaml")
        .read_text(encoding="utf-8")
        .replace("url: sqlite:///var/mentorbot.db", f"url: sqlite:///{tmp_path}/run.db")
        .replace("emulator: false", "emulator: true")
        .replace("port: 3978", "port: 0"),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env |= {
        "MENTORBOT_CONFIG": str(config),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-test-token",
        "SLACK_API_URL": fake_slack.url + "/api/",
    }
    for name in ("DATABASE_URL", "PORT"):
        env.pop(name, None)
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
        while not any("also serving HTTP for teams at " in line for line in said):
            line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
            assert line, "mentorbot run ended before serving: " + "".join(said)
            said.append(line.decode())
        url = next(s for s in said if "also serving" in s).rsplit(" at ", 1)[1].strip()
        activity = {
            "type": "message",
            "id": "f:1",
            "serviceUrl": fake_connector.url,
            "channelId": "msteams",
            "from": {"id": "29:a", "name": "Ada", "aadObjectId": "aad-a"},
            "conversation": {"id": "a:aad-a", "conversationType": "personal", "tenantId": "t"},
            "recipient": {"id": "28:bot"},
            "channelData": {"tenant": {"id": "t"}},
            "text": "help",
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{url}/api/messages", json=activity) as response,
        ):
            assert response.status == 201
        assert fake_connector.sent("a:aad-a")
        process.send_signal(signal.SIGTERM)
        rest = (await asyncio.wait_for(process.stderr.read(), timeout=30)).decode()
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert "event=stopped" in rest
    assert fake_slack.of("apps.connections.open")
