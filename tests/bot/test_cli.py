"""`mentorbot`'s commands as an operator meets them, and the HTTP health check."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiohttp
import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from bot.server import build_web_app, start
from storage import migrate
from tests.databases import new_database_url

ROOT = Path(__file__).resolve().parents[2]
APP_YAML = ROOT / "app.yaml"
ENV = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "MICROSOFT_APP_ID",
    "DATABASE_URL",
    "MENTORBOT_CONFIG",
    "PORT",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def config(tmp_path: Path, **replace: str) -> Path:
    """A copy of app.yaml with some lines replaced (old line -> new line)."""
    text = APP_YAML.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_help_lists_every_command() -> None:
    output = invoke("--help")
    for command in ("run", "serve", "scheduler", "demo", "manifest", "db"):
        assert f" {command} " in output, command


def test_db_help_lists_upgrade_and_current() -> None:
    output = invoke("db", "--help")
    assert "upgrade" in output
    assert "current" in output


def test_db_upgrade_creates_an_empty_database_at_the_newest_revision(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    settings = config(tmp_path, **{"url: sqlite:///var/mentorbot.db": f"url: sqlite:///{database}"})
    assert "empty" in invoke("db", "current", "--config", str(settings))

    output = invoke("db", "upgrade", "--config", str(settings))

    assert database.exists()
    assert output.strip() == f"database at revision {migrate.head()}"
    assert invoke("db", "current", "--config", str(settings)).strip() == migrate.head()
    tables = {
        row[0]
        for row in sqlite3.connect(database).execute(
            "select name from sqlite_master where type='table'"
        )
    }
    assert "alembic_version" in tables
    assert len(tables) > 5


def test_db_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    settings = config(tmp_path, **{"url: sqlite:///var/mentorbot.db": "url: sqlite:///twice.db"})
    invoke("db", "upgrade", "--config", str(settings))
    assert (
        invoke("db", "upgrade", "--config", str(settings)).strip()
        == f"database at revision {migrate.head()}"
    )
    assert (tmp_path / "twice.db").exists(), (
        "a relative SQLite path is relative to app.yaml's folder"
    )


def test_the_slack_manifest_is_yaml_with_the_slash_command_from_app_yaml() -> None:
    manifest = yaml.safe_load(invoke("manifest", "slack"))
    expected = yaml.safe_load(APP_YAML.read_text(encoding="utf-8"))["slack"]["command"]
    commands = [entry["command"] for entry in manifest["features"]["slash_commands"]]
    assert commands == [expected]


def test_the_slack_manifest_follows_another_config(tmp_path: Path) -> None:
    settings = config(
        tmp_path,
        **{
            "command: /mentor": "command: /handledning",
            "app_name: Mentorbot": "app_name: Handledaren",
        },
    )
    manifest = yaml.safe_load(invoke("manifest", "slack", "--config", str(settings)))
    assert [entry["command"] for entry in manifest["features"]["slash_commands"]] == [
        "/handledning"
    ]
    assert manifest["display_information"]["name"] == "Handledaren"


async def test_healthz_answers_ok_on_a_loopback_port() -> None:
    server = await start(build_web_app(), "127.0.0.1", 0)
    try:
        assert server.port > 0
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"status": "ok"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{server.url}/slack/events", data=b"{}") as response,
        ):
            assert response.status in (404, 405), "no Slack endpoint without Slack credentials"
    finally:
        await server.stop()


def test_serve_answers_on_its_port_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """The real `mentorbot serve` process: it says where it listens, answers the health check,
    and on SIGTERM stops its scheduler, closes the database and exits 0."""
    import os
    import re
    import signal
    import subprocess
    import urllib.request

    url = new_database_url(tmp_path, migrated=False)
    path = config(tmp_path, **{"url: sqlite:///var/mentorbot.db": f"url: {url}"})
    env = {k: v for k, v in os.environ.items() if k not in ENV} | {"MENTORBOT_CONFIG": str(path)}
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "mentorbot"), "serve", "--port", "0"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        port = None
        for line in process.stderr:  # blocks on each line the server logs; no sleeping
            match = re.search(r"event=http_listening host=\S+ port=(\d+)", line)
            if match:
                port = int(match.group(1))
                break
        assert port, "the server never said where it listens"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            assert answer.status == 200
        process.send_signal(signal.SIGTERM)
        rest = process.stderr.read()
        assert process.wait(timeout=20) == 0
        assert "event=scheduler_stopped" in rest and "event=stopped" in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_on_a_port_already_taken_says_so_in_one_line(tmp_path: Path) -> None:
    """An operator who starts a second server on a port in use gets one clear line and exit
    code 1, not a traceback."""
    import os
    import socket
    import subprocess

    url = new_database_url(tmp_path, migrated=False)
    path = config(tmp_path, **{"url: sqlite:///var/mentorbot.db": f"url: {url}"})
    env = {k: v for k, v in os.environ.items() if k not in ENV} | {"MENTORBOT_CONFIG": str(path)}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"]
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "mentorbot"), *serve],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"mentorbot: cannot listen on 127.0.0.1:{port}: address already in use" in done.stderr
    assert "Traceback" not in done.stderr and "OSError" not in done.stderr
