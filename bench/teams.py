"""Teams: activities per second and time to answer on loopback, mentorbot against a bare
botbuilder ``ActivityHandler`` that echoes the same activity, in the same run.

    python bench/teams.py [--activities 2000] [--concurrency 16] [--people 50] [--threads N]

Three processes, all on 127.0.0.1 with ports bound to 0:

* a fake Bot Connector (aiohttp) that accepts ``POST v3/conversations/{id}/activities[/{id}]``
  and answers at once, counting what it received;
* the bots (this process): mentorbot's real Teams adapter (``bot.teams.app.build_teams``) on
  the real engine over a fresh SQLite database, authentication off (as the Emulator), and a
  bare ``ActivityHandler`` that sends the typed text back as a message, behind the same
  ``CloudAdapter`` on another port;
* a client that posts ``--activities`` typed ``message`` activities to each bot in turn
  (``--concurrency`` at a time, from ``--people`` people), each answered once the bot's
  turn is done (its reply already posted to the fake connector), and times each request.

Reported: activities per second (all requests / wall time) and the p50 and p99 time from
sending the activity to the bot's HTTP answer, for both bots.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import platform
import statistics
import sys
import tempfile
import time as timer
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.runtime import SystemClock
from bot.server import start
from bot.settings import Secrets, Settings, TeamsSettings
from bot.teams.app import BotConfiguration, build_teams
from bot.teams.http import routes as teams_routes
from conversations.config import CoreConfig
from conversations.engine import Engine
from storage import migrate
from storage.store import SqlStore

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench.measures, as bench/slack.py imports bench/
from bench.measures import percentile  # noqa: E402

TENANT = "bench-tenant"


# The fake Bot Connector (its own process) ----------------------------------------------


def connector(port_queue: Any) -> None:
    async def main() -> None:
        received = 0

        async def activity(request: web.Request) -> web.Response:
            nonlocal received
            await request.read()
            received += 1
            return web.json_response({"id": f"1:{received}"})

        async def count(request: web.Request) -> web.Response:
            return web.json_response({"received": received})

        app = web.Application()
        app.router.add_post("/v3/conversations/{c}/activities", activity)
        app.router.add_post("/v3/conversations/{c}/activities/{a}", activity)
        app.router.add_put("/v3/conversations/{c}/activities/{a}", activity)
        app.router.add_get("/count", count)
        server = await start(app, "127.0.0.1", 0)
        port_queue.put(server.port)
        await asyncio.Event().wait()

    asyncio.run(main())


# The client (its own process) -------------------------------------------------------------


def activity(n: int, person: int, service_url: str) -> dict[str, Any]:
    aad = f"aad-{person:04d}"
    return {
        "type": "message",
        "id": f"f:{n}",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{aad}", "name": f"Person {person}", "aadObjectId": aad},
        "conversation": {"id": f"a:{aad}", "conversationType": "personal", "tenantId": TENANT},
        "recipient": {"id": "28:bench"},
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "sv-SE",
        "localTimezone": "Europe/Stockholm",
        "text": "hem",
    }


def client(url: str, service_url: str, total: int, concurrency: int, people: int, out: Any) -> None:
    async def main() -> None:
        times: list[float] = []
        statuses: dict[int, int] = {}
        numbers = iter(range(total))

        async def worker(session: aiohttp.ClientSession) -> None:
            for n in numbers:
                body = activity(n, n % people, service_url)
                started = timer.perf_counter()
                async with session.post(url, json=body) as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                times.append(timer.perf_counter() - started)

        async with aiohttp.ClientSession() as session:
            # A short warm-up (first contact creates each person), not counted.
            for n in range(people):
                async with session.post(url, json=activity(10**9 + n, n, service_url)) as r:
                    await r.read()
            began = timer.perf_counter()
            await asyncio.gather(*(worker(session) for _ in range(concurrency)))
            wall = timer.perf_counter() - began
        out.put({"times": times, "wall": wall, "statuses": statuses})

    asyncio.run(main())


# The bare bot ------------------------------------------------------------------------------


class Echo(ActivityHandler):  # type: ignore[misc]
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(turn_context.activity.text or ""))


def bare_routes(settings: Settings) -> list[web.RouteDef]:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(BotConfiguration(settings)))
    return teams_routes(adapter, Echo())  # the same HTTP handler, so only the bot differs


# Running ----------------------------------------------------------------------------------


def measure(url: str, service_url: str, args: argparse.Namespace) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(
        target=client,
        args=(url, service_url, args.activities, args.concurrency, args.people, out),
    )
    process.start()
    result: dict[str, Any] = out.get()
    process.join()
    return result


async def run(args: argparse.Namespace) -> None:
    if args.threads:
        # botbuilder's connector client sends with `requests` on the loop's default thread
        # pool, which the engine's turns (asyncio.to_thread) share: its size caps both bots.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(args.threads))
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    fake = context.Process(target=connector, args=(ports,), daemon=True)
    fake.start()
    service_url = f"http://127.0.0.1:{ports.get()}"

    settings = Settings(
        teams=TeamsSettings(emulator=True, messages_per_second=0, per_conversation_seconds=0),
        secrets=Secrets(),
    )
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        store = SqlStore(url)
        engine = Engine(store, SystemClock(), CoreConfig(default_locale="sv"))
        teams = build_teams(engine, store, settings)
        from bot.server import build_web_app

        mentorbot = await start(build_web_app(teams.routes() or []), "127.0.0.1", 0)
        bare = await start(build_web_app(bare_routes(settings)), "127.0.0.1", 0)
        results = {}
        for name, server in (("bare", bare), ("mentorbot", mentorbot)):
            results[name] = await asyncio.to_thread(
                measure, f"{server.url}/api/messages", service_url, args
            )
        await mentorbot.stop()
        await bare.stop()
        store.close()
    fake.terminate()

    print(
        f"- machine: {platform.machine()}, {multiprocessing.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    threads = args.threads or min(32, (multiprocessing.cpu_count() or 1) + 4)
    print(f"- bots' default thread pool: {threads} threads")
    for name in ("mentorbot", "bare"):
        result = results[name]
        times = result["times"]
        print(f"- {name} activities per second: {len(times) / result['wall']:.0f} activities/s")
        print(f"- {name} p50 time to answer: {1000 * statistics.median(times):.1f} ms")
        print(f"- {name} p99 time to answer: {1000 * percentile(times, 0.99):.1f} ms")
        print(f"- {name} HTTP statuses: {result['statuses']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument(
        "--threads", type=int, default=0, help="the bots' default thread pool (0: asyncio's)"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
