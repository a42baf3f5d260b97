"""The offline console in-process: its own SQLite file, a manual clock, output in a StringIO."""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.local.console import Console
from bot.services import Services, build_services
from bot.settings import load_settings
from conversations.memory import ManualClock

ROOT = Path(__file__).resolve().parents[3]
APP_YAML = ROOT / "app.yaml"
MENTORBOT = ROOT / ".venv" / "bin" / "mentorbot"
START = datetime(2027, 1, 11, 7, 0, tzinfo=UTC)  # Monday 08:00 in Stockholm
# Environment variables that would make `mentorbot` connect somewhere or use another database.
PLATFORM_ENV = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "DATABASE_URL",
    "MENTORBOT_CONFIG",
    "PORT",
)

# A programme with one pair, typed by the coordinator the console starts as.
SETUP = (
    'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-04-04',
    "enroll @anna as mentor",
    "enroll @bo as adept",
    *("/as anna", "1", "/as bo", "3", "/as koordinator"),  # each agrees to the data use
    "pair @anna @bo",
)

Lines = Iterable[str] | Callable[[Console], Iterator[str]]


@dataclass
class Session:
    console: Console
    services: Services
    out: io.StringIO

    @property
    def text(self) -> str:
        return self.out.getvalue()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PLATFORM_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def console_session(tmp_path: Path, clean_env: None) -> Iterator[Callable[[Lines], Session]]:
    """``play(lines)`` runs a console on a fresh database and returns the session.
    ``lines`` is a list, or a function of the console yielding lines (to decide as it goes)."""
    opened: list[Services] = []

    def play(lines: Lines) -> Session:
        settings = load_settings(APP_YAML, database={"url": f"sqlite:///{tmp_path / 'console.db'}"})
        clock = ManualClock(START)
        services = build_services(settings, clock)
        opened.append(services)
        out = io.StringIO()
        console = Console(services, clock, out, interactive=False)
        console.run(iter(lines(console) if callable(lines) else lines))
        return Session(console=console, services=services, out=out)

    yield play
    for services in opened:
        services.close()


def block_with(text: str, needle: str) -> tuple[str, str]:
    """The header line and body of the printed block that contains ``needle``."""
    at = text.index(needle)
    start = text.rfind("── ", 0, at)
    end = text.find("\n\n", at)
    header, _, body = text[start : end if end != -1 else None].partition("\n")
    return header, body


def config_with_database(tmp_path: Path, database: Path) -> Path:
    """A copy of app.yaml whose database is ``database``."""
    text = APP_YAML.read_text(encoding="utf-8")
    assert "url: sqlite:///var/mentorbot.db" in text
    config = tmp_path / "app.yaml"
    config.write_text(
        text.replace("url: sqlite:///var/mentorbot.db", f"url: sqlite:///{database}"),
        encoding="utf-8",
    )
    return config


def run_mentorbot(
    args: list[str], *, config: Path | None, stdin: str = "", cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in PLATFORM_ENV}
    if config is not None:
        env["MENTORBOT_CONFIG"] = str(config)
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [str(MENTORBOT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
