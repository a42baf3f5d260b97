"""What an operator and their load balancer see of the real process: `mentorbot serve` (and
`mentorbot scheduler`) started as a command on a loopback port, with JSON logs, answering
`GET /readyz` and `GET /metrics`, while signed Slack requests go to it and its Web API calls
go to the fake Slack on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import text

from storage import migrate
from storage.engine import make_engine
from tests.databases import new_database_url
from tests.e2e.conftest import BOT_TOKEN, SECRET, TEAM, FakeSlack, signed_headers

ROOT = Path(__file__).resolve().parents[2]
MARKER = "PRIVAT-7f3c9a dagbok om chefen Åsa"  # planted in a journal entry
FIXED = ("time", "level", "logger", "event")


class Process:
    """A `mentorbot` command, its standard error read line by line as it comes."""

    def __init__(self, process: asyncio.subprocess.Process, database_url: str) -> None:
        self.process = process
        self.database_url = database_url
        self.lines: list[str] = []
        self._changed = asyncio.Condition()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            async with self._changed:
                self.lines.append(line.decode())
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    def logged(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    async def port(self) -> int:
        """Where it listens (its `http_listening` line), once it says so."""

        def said() -> bool:
            return self._reader.done() or any('"http_listening"' in line for line in self.lines)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(said), timeout=60)
        for line in self.lines:
            record = json.loads(line)
            if record["event"] == "http_listening":
                return int(record["port"])
        raise AssertionError("it never listened: " + "".join(self.lines))

    async def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), timeout=60)
        await asyncio.wait_for(self._reader, timeout=10)
        return code


@asynccontextmanager
async def mentorbot(
    tmp_path: Path,
    fake: FakeSlack,
    *args: str,
    replace: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[Process]:
    """`mentorbot <args>` with JSON logs, its own SQLite file and the fake Slack (``replace``:
    more lines of app.yaml to change; ``env``: more environment)."""
    config = tmp_path / "app.yaml"
    url = new_database_url(tmp_path, migrated=False)
    text = (ROOT / "app.yaml").read_text(encoding="utf-8")
    for old, new in {
        "url: sqlite:///var/mentorbot.db": f"url: {url}",
        "format: text": "format: json",
        "    - local:koordinator": f"    - slack:{TEAM}:UCOORD",
        **(replace or {}),
    }.items():
        assert old in text
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))
    }
    environment.pop("DATABASE_URL", None)
    environment.pop("PORT", None)
    environment |= {
        "MENTORBOT_CONFIG": str(config),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url + "/api/",
        **(env or {}),
    }
    started = await asyncio.create_subprocess_exec(
        str(ROOT / ".venv" / "bin" / "mentorbot"),
        *args,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    process = Process(started, url)
    try:
        yield process
    finally:
        if started.returncode is None:
            started.kill()
            await started.wait()


def sql(process: Process, statement: str, **values: object) -> list[tuple[object, ...]]:
    """Run ``statement`` on the process's database, beside it, and return its rows."""
    engine = make_engine(process.database_url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement), values)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def post_signed(url: str, body: str, content_type: str) -> int:
    status, _ = await post_signed_read(url, body, content_type)
    return status


async def post_signed_read(url: str, body: str, content_type: str) -> tuple[int, str]:
    headers = signed_headers(body, content_type)
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/slack/events", data=body.encode(), headers=headers) as response,
    ):
        return response.status, await response.text()


async def slash_command(url: str, fake: FakeSlack, user: str, text: str) -> int:
    body = urlencode(
        {
            "team_id": TEAM,
            "team_domain": "test",
            "channel_id": "C0GENERAL",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/mentor",
            "text": text,
            "api_app_id": "A0001",
            "response_url": f"{fake.url}/respond/{user}.1",
            "trigger_id": "trigger.1",
        }
    )
    status, answer = await post_signed_read(url, body, "application/x-www-form-urlencoded")
    await fake.ack_answer(user, answer)  # an answer in the ack is what the person sees
    return status


async def direct_message(url: str, user: str, text: str, event_id: str) -> int:
    body = {
        "team_id": TEAM,
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": f"D{user}",
            "user": user,
            "text": text,
            "ts": f"{time.time():.6f}",
            "event_ts": f"{time.time():.6f}",
        },
    }
    return await post_signed(url, json.dumps(body), "application/json")


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 when it is not there yet)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in metrics.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        found_name, _, found_labels = series.partition("{")
        found = ",".join(sorted(found_labels.rstrip("}").split(","))) if found_labels else ""
        if found_name == name and found == wanted:
            return float(value)
    return 0.0


async def test_a_served_process_is_ready_counts_what_it_handles_and_logs_json_without_private_text(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with mentorbot(tmp_path, fake_slack, "serve", "--port", "0") as bot:
        url = f"http://127.0.0.1:{await bot.port()}"

        # Ready: the database answers and is at this code's head revision.
        status, body = await get(f"{url}/readyz")
        assert status == 200, body
        assert json.loads(body) == {"status": "ready", "revision": migrate.head()}

        status, before = await get(f"{url}/metrics")
        assert status == 200
        assert (
            sample(before, "mentorbot_events_handled_total", platform="slack", kind="Command") == 0
        )

        # A signed slash command: the events counter goes up once its answer is posted.
        assert await slash_command(url, fake_slack, "UCOORD", "help") == 200
        await fake_slack.wait_for(lambda calls: any(c.method == "response_url" for c in calls), 30)
        # A journal entry, typed in the DM after the reflection prompt.
        assert await direct_message(url, "UMENTOR", "reflektera", "Ev1") == 200
        await fake_slack.wait_for(lambda calls: len(fake_slack.of("chat.postMessage")) >= 1, 30)
        assert await direct_message(url, "UMENTOR", MARKER, "Ev2") == 200
        await fake_slack.wait_for(lambda calls: len(fake_slack.of("chat.postMessage")) >= 2, 30)
        [(entries,)] = sql(bot, "SELECT count(*) FROM reflection WHERE text = :t", t=MARKER)
        assert entries == 1, "the marker never became a journal entry"

        status, after = await get(f"{url}/metrics")
        assert status == 200
        kinds = {"platform": "slack", "kind": "Command"}
        assert sample(after, "mentorbot_events_handled_total", **kinds) == 1
        assert sample(after, "mentorbot_handler_seconds_count", **kinds) == 1
        typed = {"platform": "slack", "kind": "TextReceived"}
        assert sample(after, "mentorbot_events_handled_total", **typed) == 2
        for name in (
            "mentorbot_nudges_queued_total",
            "mentorbot_nudges_sent_total",
            "mentorbot_nudges_failed_total",
            "mentorbot_nudges_unconfirmed_total",
            "mentorbot_rate_limited_total",
            "mentorbot_tick_seconds_count",
            'mentorbot_outbox_depth{status="pending"}',
            'mentorbot_outbox_depth{status="sending"}',
        ):
            assert f"\n{name} " in after, name

        # The schema changed under the running process: it stops being ready, and says why.
        sql(bot, "UPDATE alembic_version SET version_num = '0001'")
        status, body = await get(f"{url}/readyz")
        assert status == 503
        assert json.loads(body) == {
            "status": "unavailable",
            "reason": "schema_behind",
            "revision": "0001",
            "head": migrate.head(),
        }
        sql(bot, "DELETE FROM alembic_version")
        status, body = await get(f"{url}/readyz")
        assert (status, json.loads(body)["reason"]) == (503, "schema_missing")

        assert await bot.stop() == 0

    # Every line on standard error is one JSON object with the fixed fields; none holds the
    # journal entry, or any other text someone typed.
    logged = bot.logged()
    assert logged and all(all(key in record for key in FIXED) for record in logged)
    assert all(MARKER not in line and "PRIVAT" not in line for line in bot.lines)
    handled = [r for r in logged if r["event"] == "handled"]
    assert {r["kind"] for r in handled} >= {"Command", "TextReceived"}
    assert all(isinstance(r["person"], int) for r in handled)
    listening = next(i for i, r in enumerate(logged) if r["event"] == "http_listening")
    probes = [r for r in logged[listening:] if r["logger"].startswith("alembic")]
    assert probes == [], "a readiness probe should not log"
    readiness = [r for r in logged if r["event"] == "readiness"]  # changes only
    assert [r["ready"] for r in readiness] == [True, False]
    assert logged[-1]["event"] == "stopped"


async def test_a_scheduler_process_serves_its_health_and_metrics_on_the_operations_port(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with mentorbot(tmp_path, fake_slack, "scheduler", "--port", "0") as scheduler:
        url = f"http://127.0.0.1:{await scheduler.port()}"
        assert (await get(f"{url}/healthz"))[0] == 200
        status, body = await get(f"{url}/readyz")
        assert (status, json.loads(body)["status"]) == (200, "ready")
        status, metrics = await get(f"{url}/metrics")
        assert status == 200
        assert "\nmentorbot_tick_seconds_count " in metrics
        assert (await get(f"{url}/slack/events"))[0] == 404  # it takes no requests
        assert await scheduler.stop() == 0
    assert {"scheduler_started", "scheduler_stopped"} <= {r["event"] for r in scheduler.logged()}


async def test_one_process_over_socket_mode_answers_on_its_operations_port(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """Set-up 1: `mentorbot run` with an app-level token has no web server of its own; with
    `server.operations_port` it still answers the monitor, and its start-up line is JSON."""
    async with mentorbot(
        tmp_path,
        fake_slack,
        "run",
        replace={"  # operations_port: 9102": "  operations_port: 0"},
        env={"SLACK_APP_TOKEN": "xapp-test-token"},
    ) as bot:
        url = f"http://127.0.0.1:{await bot.port()}"
        status, body = await get(f"{url}/readyz")
        assert (status, json.loads(body)["status"]) == (200, "ready")
        status, metrics = await get(f"{url}/metrics")
        assert status == 200 and "\nmentorbot_tick_seconds_count " in metrics
        assert (await get(f"{url}/slack/events"))[0] == 404  # Slack comes over the socket
        assert await bot.stop() == 0
    logged = bot.logged()  # every line parses, the CLI's own sentence included
    (starting,) = [r for r in logged if r["event"] == "starting"]
    assert "Socket Mode" in starting["said"]
