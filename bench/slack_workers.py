"""The workers and databases of ``bench/slack.py``: seeding a database, ``mentorbot serve``
from a source tree, and the bare slack-bolt apps (run as ``python bench/slack_workers.py
API_URL ack|respond PORT``). The throwaway PostgreSQL server is the tests' (``tests/pg_server.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time as timer
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SECRET = "bench-signing-secret"
PG_OPTIONS = "-c max_connections=200"  # on top of the tests' server settings: 2 workers' pools
TOKEN = "xoxb-bench"
# The bare slack-bolt apps, by variant name: how each answers (``bare_worker``).
BARE_MODES = {"bare": "ack", "bare-respond": "respond"}
BAD_LINES = ("handler_crash", "OperationalError", "database is locked", "Traceback")


# Databases -------------------------------------------------------------------------------


def seed(url: str, people: int) -> None:
    """Migrate and fill: a coordinator, ``people`` people enrolled in one programme, paired."""
    from conversations.records import Enrolment, Pair, Person, Phase, Programme, Purpose, Role
    from storage.migrate import upgrade
    from storage.store import SqlStore

    upgrade(url)
    store = SqlStore(url)
    now = datetime.now(UTC) - timedelta(days=30)
    today = now.date()
    slack = {"platform": "slack", "workspace": "T1", "created_at": now}
    with store.transaction() as repo:
        coordinator = repo.add(
            Person(**slack, platform_user_id="UCOORD", display_name="C", is_coordinator=True)
        )
        programme = repo.add(
            Programme(
                workspace="T1",
                name="Bench",
                purposes=[Purpose.CAREER],
                starts_on=today,
                ends_on=today + timedelta(days=180),
                created_by=coordinator.id or 0,
                created_at=now,
            )
        )
        ids = []
        for i in range(1, people + 1):
            person = repo.add(Person(**slack, platform_user_id=f"U{i:04d}", display_name=f"P{i}"))
            ids.append(person.id or 0)
            role = Role.MENTOR if i % 2 else Role.ADEPT
            repo.add(
                Enrolment(
                    workspace="T1",
                    programme_id=programme.id or 0,
                    person_id=ids[-1],
                    role=role,
                    created_at=now,
                )
            )
        for mentor, adept in zip(ids[::2], ids[1::2], strict=False):
            repo.add(
                Pair(
                    workspace="T1",
                    programme_id=programme.id or 0,
                    mentor_id=mentor,
                    adept_id=adept,
                    phase=Phase.ACTIVE,
                    phase_since=now,
                    introduced_at=now,
                    midpoint_on=today + timedelta(days=90),
                    ends_on=today + timedelta(days=180),
                )
            )
    store.close()


# Workers ---------------------------------------------------------------------------------

PORT_TRIES = 3  # starts of a worker whose port was taken before it could bind it
MENTORBOT = (
    "import sys, bot; print('event=bench_code path=' + bot.__file__, file=sys.stderr, "
    "flush=True); from bot.cli import main; "
    "sys.argv = ['mentorbot', 'serve', '--host', '127.0.0.1', '--port', sys.argv[1]]; main()"
)


class Worker:
    """A worker process on a port picked free just before it starts. Between the pick and the
    worker's bind another process (the client's own connections among them) may take the port:
    a worker that exits for that is started again on another (``PORT_TRIES``)."""

    def __init__(self, variant: str, command: list[str], cwd: Path, env: dict[str, str], log: Path):
        self.variant, self.log = variant, log
        self._command, self._cwd, self._env = command, cwd, env
        self._start()

    def _start(self) -> None:
        self.port = int(self._command[-1])
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self._command, cwd=self._cwd, env=self._env, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def wait_ready(self) -> None:
        from tests.pg_server import _free_port as free_port

        deadline = timer.monotonic() + 120
        tries = 1
        while timer.monotonic() < deadline:
            if self.process.poll() is not None:
                text = self.log.read_text(errors="replace")
                if "address already in use" in text.lower() and tries < PORT_TRIES:
                    tries += 1
                    print(f"  ({self.variant}: port {self.port} was taken; another)", flush=True)
                    self._command = [*self._command[:-1], str(free_port())]
                    self._start()
                    continue
                last = text.splitlines()[-15:]
                raise SystemExit(f"{self.variant} worker exited ({self.log}):\n" + "\n".join(last))
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                timer.sleep(0.2)
        raise SystemExit(f"{self.variant} worker did not start: see {self.log}")

    def stop(self) -> dict[str, int]:
        """Stop it (SIGTERM: the server's graceful stop); the bad lines in its log."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        text = self.log.read_text(errors="replace")
        return {line: text.count(line) for line in BAD_LINES}


def start_workers(
    variant: str, tree: Path, url: str, count: int, api: str, folder: Path, yaml: str = ""
) -> list[Worker]:
    """``count`` workers of ``variant``; ``yaml``: more of app.yaml (e.g. a ``database:``
    section) for this variant only."""
    config = folder / f"{variant}.yaml"
    config.write_text("bot:\n  coordinators:\n    - slack:T1:UCOORD\n" + yaml, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "MENTORBOT_CONFIG": str(config),
        "DATABASE_URL": url,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": api + "/api/",
    }
    env.pop("SLACK_APP_TOKEN", None)
    from tests.pg_server import _free_port as free_port  # not in the bare worker's process

    workers = []
    for n in range(count):
        log = folder / f"{variant}-{n}.log"
        if variant in BARE_MODES:
            command = [sys.executable, __file__, api, BARE_MODES[variant], str(free_port())]
        else:
            command = [sys.executable, "-c", MENTORBOT, str(free_port())]
        workers.append(Worker(variant, command, tree, env, log))
    return workers


def bare_worker(port: int, api: str, mode: str) -> None:
    """A bare slack-bolt app whose ``/mentor`` listener answers with a fixed text: in its ack
    (``mode`` "ack", as mentorbot answers), or with an empty ack and then through
    ``response_url`` ("respond")."""
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=api + "/api/"), signing_secret=SECRET
    )

    @app.command("/mentor")
    async def mentor(ack: Any, respond: Any) -> None:
        answer = {"text": "Kommandon: hjälp, hem, status.", "response_type": "ephemeral"}
        if mode == "ack":
            await ack(**answer)
            return
        await ack()
        await respond(**answer)

    async def events(request: web.Request) -> web.Response:  # as bolt's own aiohttp server
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    web_app.router.add_get("/healthz", healthz)
    web.run_app(web_app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    bare_worker(int(sys.argv[3]), sys.argv[1], sys.argv[2])
