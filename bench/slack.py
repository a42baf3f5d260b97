"""Signed Slack slash commands on loopback: mentorbot against a bare slack-bolt app acking the
same command, in the same run, on SQLite and PostgreSQL with 1 and 2 workers.

    python bench/slack.py [--backends sqlite,postgres] [--workers 1,2] [--before DIR]
                          [--people 200] [--scale 1.0] [--json FILE]

Processes, all on 127.0.0.1:

* the Slack side (``bench/slack_client.py``): a fake Slack Web API, the ``response_url``
  every command names, and the client that signs and sends the commands and times them;
* per worker, ``mentorbot serve`` (the real CLI: migrations, app.yaml's coordinators, the
  Slack HTTP adapter, the scheduler and dispatcher in the process) on its own database, with
  ``SLACK_API_URL`` at the fake; with ``--before DIR``, the same from another source tree
  (e.g. ``git archive <commit>`` unpacked there) on a database of its own: before and after
  in one run;
* per worker, a bare slack-bolt ``AsyncApp`` behind bolt's own aiohttp adapter whose
  ``/mentor`` listener acks and answers through ``response_url`` with a fixed text.

Each database holds a coordinator and ``--people`` people (default 200) in one open
programme, paired two by two (active pairs), so ``help`` lists everything a pair member may
use. Two workers share their variant's database (one SQLite file, or one PostgreSQL
database); the client sends to them in turn.

Measured per variant, interleaved in rounds (bare, mentorbot, before; the order rotates):
``/mentor help`` from the people in turn, 1, 8 and 32 at a time (closed loop) and at 50
requests per second (open loop); and 8 at a time with every fifth command a write
(``pause 1w`` / ``resume`` in turn for that person). Each command is timed from sending it to
its answer at the ``response_url`` (what the person waits for) and to the HTTP ack. Errors:
an HTTP status other than 200, no answer within 10 s, an answer saying something went wrong,
and the workers' log lines of a crashed handler or a locked database.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time as timer
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pg_server, as bench/matching.py imports tests/

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
BAD_LINES = ("handler_crash", "OperationalError", "database is locked", "Traceback")
LEVELS = (  # name, concurrency, rate, requests at --scale 1, every n-th a write
    ("1 concurrent", 1, 0, 300, 0),
    ("8 concurrent", 8, 0, 1500, 0),
    ("32 concurrent", 32, 0, 1500, 0),
    ("50 requests/s", 0, 50, 1500, 0),
    ("8 concurrent, 1 in 5 a write", 8, 0, 1000, 5),
)
ROUNDS = 3


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


@contextmanager
def postgres() -> Iterator[Any]:
    """A throwaway PostgreSQL server, started as the tests start theirs (tests/pg_server.py)."""
    from tests.pg_server import USER, PgServer, _find_bin_dir, _free_port, _run

    bin_dir = _find_bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL server binaries (initdb, pg_ctl) not found")
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="mentorbot-bench-pg-"))
    if as_postgres:
        shutil.chown(root, user=USER)
    data, log = root / "data", root / "server.log"
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust"]
        _run([*initdb, "--encoding=UTF8", "--no-locale", "--no-sync"], as_postgres)
        port = _free_port()
        options = (
            f"-p {port} -h 127.0.0.1 -k {root} -F "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        start = [str(bin_dir / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(data)]
        _run([*start, "-l", str(log), "-o", options], as_postgres)
        yield PgServer(port)
    finally:
        if (data / "postmaster.pid").exists():
            stop = [str(bin_dir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(data)]
            _run(stop, as_postgres)
        shutil.rmtree(root, ignore_errors=True)


# Workers ---------------------------------------------------------------------------------

MENTORBOT = (
    "import sys, bot; print('event=bench_code path=' + bot.__file__, file=sys.stderr, "
    "flush=True); from bot.cli import main; "
    "sys.argv = ['mentorbot', 'serve', '--host', '127.0.0.1', '--port', sys.argv[1]]; main()"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Worker:
    def __init__(self, variant: str, command: list[str], cwd: Path, env: dict[str, str], log: Path):
        self.variant, self.port, self.log = variant, int(command[-1]), log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def wait_ready(self) -> None:
        deadline = timer.monotonic() + 120
        while timer.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.variant} worker exited: see {self.log}")
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
    variant: str, tree: Path, url: str, count: int, api: str, folder: Path
) -> list[Worker]:
    config = folder / "app.yaml"
    config.write_text("bot:\n  coordinators:\n    - slack:T1:UCOORD\n", encoding="utf-8")
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
    workers = []
    for n in range(count):
        log = folder / f"{variant}-{n}.log"
        if variant == "bare":
            command = [sys.executable, __file__, "--bare-worker", "--api", api, str(free_port())]
        else:
            command = [sys.executable, "-c", MENTORBOT, str(free_port())]
        workers.append(Worker(variant, command, tree, env, log))
    return workers


def bare_worker(port: int, api: str) -> None:
    """A bare slack-bolt app: acks ``/mentor`` and answers through ``response_url``."""
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=api + "/api/"), signing_secret=SECRET
    )

    @app.command("/mentor")
    async def mentor(ack: Any, respond: Any) -> None:
        await ack()
        await respond(text="Kommandon: hjälp, hem, status.", response_type="ephemeral")

    async def events(request: web.Request) -> web.Response:  # as bolt's own aiohttp server
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    web_app.router.add_get("/healthz", healthz)
    web.run_app(web_app, host="127.0.0.1", port=port, access_log=None, print=None)


# Measuring -------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def summary(results: list[dict[str, Any]], wall: float) -> dict[str, Any]:
    answers = [r["answer"] for r in results if r["answer"] is not None]
    acks = [r["ack"] for r in results if r["ack"] is not None]
    helps = [r["answer"] for r in results if r["answer"] is not None and r["text"] == "help"]
    writes = [r["answer"] for r in results if r["answer"] is not None and r["text"] != "help"]
    return {
        "requests": len(results),
        "per_second": len(results) / wall if wall else 0.0,
        "mean": 1000 * statistics.fmean(answers) if answers else float("nan"),
        "p50": 1000 * statistics.median(answers) if answers else float("nan"),
        "p99": 1000 * percentile(answers, 0.99),
        "help_p50": 1000 * statistics.median(helps) if helps else float("nan"),
        "write_p50": 1000 * statistics.median(writes) if writes else float("nan"),
        "write_p99": 1000 * percentile(writes, 0.99),
        "ack_p50": 1000 * statistics.median(acks) if acks else float("nan"),
        "ack_p99": 1000 * percentile(acks, 0.99),
        "not_200": sum(1 for r in results if r["status"] != 200),
        "unanswered": sum(1 for r in results if r["answer"] is None),
        "crash_answers": sum(1 for r in results if r.get("crash")),
    }


class Side:
    """The Slack side's process and our end of its pipe."""

    def __init__(self) -> None:
        from bench import slack_client

        context = multiprocessing.get_context("spawn")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=slack_client.main, args=(theirs, SECRET), daemon=True)
        self.process.start()
        self.api: str = self.ask(None)

    def ask(self, job: dict[str, Any] | None) -> Any:
        if job is not None:
            self.pipe.send(job)
        while not self.pipe.poll(1):
            if not self.process.is_alive():
                raise SystemExit(f"the Slack side stopped (exit code {self.process.exitcode})")
        return self.pipe.recv()

    def close(self) -> None:
        self.pipe.send(None)
        self.process.join(timeout=10)


def measure(
    side: Side, workers: dict[str, list[Worker]], people: int, scale: float
) -> dict[str, dict[str, Any]]:
    variants = list(workers)
    for variant in variants:  # warm-up: every person once on every worker, not counted
        count = people * len(workers[variant])
        targets = [w.url for w in workers[variant]]
        side.ask({"targets": targets, "count": count, "people": people, "concurrency": 4})
    measured: dict[str, dict[str, Any]] = {}
    for level, concurrency, rate, requests, writes in LEVELS:
        collected: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
        walls = dict.fromkeys(variants, 0.0)
        for round_ in range(ROUNDS):
            for variant in variants[round_ % len(variants) :] + variants[: round_ % len(variants)]:
                job = {
                    "targets": [w.url for w in workers[variant]],
                    "count": max(1, int(requests * scale / ROUNDS)),
                    "people": people,
                    "concurrency": concurrency,
                    "rate": rate,
                    "writes": writes,
                }
                outcome = side.ask(job)
                collected[variant] += outcome["results"]
                walls[variant] += outcome["wall"]
        print(f"  ({level}: load average {os.getloadavg()[0]:.2f})", flush=True)
        for variant in variants:
            measured[f"{level} | {variant}"] = summary(collected[variant], walls[variant])
            print(f"  {level:30} {variant:10} {fmt(measured[f'{level} | {variant}'])}", flush=True)
    return measured


def fmt(s: dict[str, Any]) -> str:
    return (
        f"answer mean {s['mean']:6.1f} p50 {s['p50']:6.1f} ms p99 {s['p99']:6.1f} ms | ack p50 {s['ack_p50']:5.1f} "
        f"p99 {s['ack_p99']:6.1f} ms | {s['per_second']:5.0f}/s | writes p50 "
        f"{s['write_p50']:.1f} p99 {s['write_p99']:.1f} ms | errors: not 200 {s['not_200']}, "
        f"unanswered {s['unanswered']}, crash answers {s['crash_answers']}"
    )


def run_config(
    backend: str, count: int, trees: dict[str, Path], args: argparse.Namespace, pg: Any, side: Side
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-slack-") as scratch:
        folder = Path(scratch)
        workers: dict[str, list[Worker]] = {}
        try:
            for variant, tree in trees.items():
                if backend == "sqlite":
                    url = f"sqlite:///{folder / variant}.db"
                else:
                    url = pg.create_database()
                if variant != "bare":
                    seed(url, args.people)
                workers[variant] = start_workers(variant, tree, url, count, side.api, folder)
            for group in workers.values():
                for worker in group:
                    worker.wait_ready()
            print(f"{backend}, {count} worker(s): load average {os.getloadavg()}", flush=True)
            measured = measure(side, workers, args.people, args.scale)
        finally:
            logs = {v: [w.stop() for w in group] for v, group in workers.items()}
        for variant, stopped in logs.items():
            bad = {line: sum(s[line] for s in stopped) for line in BAD_LINES}
            measured[f"log | {variant}"] = bad
            print(f"  worker log lines, {variant}: {bad}", flush=True)
    measured["load_average_after"] = os.getloadavg()
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--before", type=Path, help="source tree of the code to compare with")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--scale", type=float, default=1.0, help="share of the requests")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--bare-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api", default="", help=argparse.SUPPRESS)
    parser.add_argument("port", nargs="?", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_worker:
        bare_worker(args.port, args.api)
        return
    trees = {"bare": ROOT, "mentorbot": ROOT}
    if args.before:
        trees["before"] = args.before.resolve()
    side = Side()
    print(
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {os.getloadavg()}")
    results: dict[str, Any] = {"started": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"}
    backends = args.backends.split(",")
    with postgres() if "postgres" in backends else _nothing() as pg:
        for backend in backends:
            for count in (int(n) for n in args.workers.split(",")):
                key = f"{backend}, {count} worker(s)"
                results[key] = run_config(backend, count, trees, args, pg, side)
    results["finished"] = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    side.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
