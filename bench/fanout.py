"""Weekly-prompt fan-out: 10,000 direct messages through the real dispatcher and slack_sdk's
real ``AsyncWebClient`` against a fake Slack Web API on loopback.

    python bench/fanout.py [--people 10000] [--limit 100] [--latency-ms 20]

The fake Slack (its own process, aiohttp on 127.0.0.1, port 0) implements
``conversations.open`` and ``chat.postMessage``, answers after ``--latency-ms``, and enforces
one message per second per channel and a global token bucket (``--limit`` per second, burst
``--burst``); over either limit it answers HTTP 429 with ``Retry-After: 1``. It records every
accepted message's outbox key, so duplicates and losses are counted on the receiving side.

The bot side: 10,000 pending outbox rows in a SQLite database (``storage.SqlStore``), the
``scheduler.dispatcher.Dispatcher`` with ``global_per_second = --limit`` and the bench-local
``SlackDelivery`` below (conversations.open once per user, then chat.postMessage; a 429 becomes
``TransientError(retry_after=...)``).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import platform
import tempfile
import time as timer
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from conversations.messages import Message, text
from conversations.ports import UNKNOWN, Delivered, PermanentError, Reconciled, TransientError
from conversations.records import OutboxItem
from scheduler.dispatcher import DeliveryLimits, Dispatcher

# The fake Slack Web API --------------------------------------------------------------------


class FakeSlack:
    def __init__(self, limit: float, burst: float, latency: float, channel_interval: float) -> None:
        self.limit, self.burst, self.latency = limit, burst, latency
        self.channel_interval = channel_interval
        self.tokens = burst
        self.refilled = timer.monotonic()
        self.channel_last: dict[str, float] = {}
        self.keys: Counter[str] = Counter()
        self.too_many = 0
        self.first: float | None = None
        self.last: float | None = None

    async def body(self, request: web.Request) -> dict[str, Any]:
        data: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            data.update(await request.json())
        elif request.can_read_body:
            data.update(await request.post())
        return data

    async def open(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        await asyncio.sleep(self.latency)
        return web.json_response({"ok": True, "channel": {"id": "D" + str(data.get("users", "?"))}})

    def take_token(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.refilled) * self.limit)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    async def post(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        channel = str(data.get("channel"))
        now = timer.monotonic()
        last = self.channel_last.get(channel)
        if (last is not None and now - last < self.channel_interval) or not self.take_token(now):
            self.too_many += 1
            await asyncio.sleep(self.latency)
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        self.channel_last[channel] = now
        key = str(data.get("text", "")).split("]", 1)[0].lstrip("[")
        self.keys[key] += 1
        self.first = now if self.first is None else self.first
        self.last = now
        await asyncio.sleep(self.latency)
        return web.json_response({"ok": True, "channel": channel, "ts": f"{now:.6f}"})

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "keys": dict(self.keys),
                "too_many": self.too_many,
                "span": (self.last or 0) - (self.first or 0),
            }
        )


def serve(port_queue: Any, limit: float, burst: float, latency: float) -> None:
    async def main() -> None:
        fake = FakeSlack(limit, burst, latency, 1.0)
        app = web.Application()
        app.router.add_post("/api/conversations.open", fake.open)
        app.router.add_post("/api/chat.postMessage", fake.post)
        app.router.add_get("/stats", fake.stats)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        port_queue.put(port)
        await asyncio.Event().wait()

    asyncio.run(main())


# The bot side ----------------------------------------------------------------------------------


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SlackDelivery:
    """A minimal Slack sender for the bench: DM channel per user, then chat.postMessage."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.channels: dict[int, str] = {}

    async def send(self, item: OutboxItem, message: Message) -> Delivered:
        person = item.person_id or 0
        try:
            channel = self.channels.get(person)
            if channel is None:
                opened = await self.client.conversations_open(users=f"U{person}")
                channel = self.channels[person] = opened["channel"]["id"]
            sent = await self.client.chat_postMessage(channel=channel, text=message.plain_text())
        except SlackApiError as error:
            status = error.response.status_code
            if status == 429:
                raise TransientError(
                    "ratelimited", float(error.response.headers.get("Retry-After", 1))
                ) from error
            if status >= 500:
                raise TransientError(f"http {status}") from error
            raise PermanentError(str(error.response.get("error"))) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientError(type(error).__name__) from error
        return Delivered(str(sent.get("ts")), channel)

    async def reconcile(self, item: OutboxItem) -> Reconciled:
        return UNKNOWN  # nothing is killed here: bench/outbox_kills.py is about that


async def run(args: argparse.Namespace, port: int, url: str) -> dict[str, Any]:
    from storage.migrate import upgrade
    from storage.store import SqlStore

    upgrade(url)
    store = SqlStore(url)
    now = SystemClock().now()
    with store.transaction() as repo:
        for person in range(1, args.people + 1):
            key = f"reflection:{person}:2026-W44"
            repo.enqueue(
                OutboxItem(
                    key=key,
                    person_id=person,
                    kind="reflection-prompt",
                    payload=text(f"[{key}] Time for this week's reflection.").model_dump(
                        mode="json"
                    ),
                    due_at=now,
                    created_at=now,
                )
            )
    limits = DeliveryLimits(
        global_per_second=args.limit,
        global_burst=args.client_burst,
        per_conversation_seconds=1.0,
        max_in_flight=args.in_flight,
        batch_size=10,
    )
    connector = aiohttp.TCPConnector(limit=args.in_flight * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        client = AsyncWebClient(
            token="xoxb-bench", base_url=f"http://127.0.0.1:{port}/api/", session=session
        )
        dispatcher = Dispatcher(store, SlackDelivery(client), SystemClock(), limits, store=store)
        started = timer.perf_counter()
        sent = rate_limited = deliveries = 0
        while True:
            report = await dispatcher.deliver_due()
            deliveries += 1
            sent += report.sent
            rate_limited += report.rate_limited
            with store.transaction() as repo:
                left = len(repo.find(OutboxItem, status=["pending", "claimed", "sending"]))
            if not left or timer.perf_counter() - started > args.timeout:
                break
            await asyncio.sleep(0.05)
        elapsed = timer.perf_counter() - started
        async with session.get(f"http://127.0.0.1:{port}/stats") as response:
            stats = await response.json()
    with store.transaction() as repo:
        statuses = Counter(o.status for o in repo.find(OutboxItem))
    store.close()
    received: dict[str, int] = stats["keys"]
    expected = {f"reflection:{p}:2026-W44" for p in range(1, args.people + 1)}
    return {
        "sent": sent,
        "elapsed": elapsed,
        "server_span": stats["span"],
        "duplicates": sum(n - 1 for n in received.values() if n > 1),
        "losses": len(expected - set(received)),
        "too_many_server": stats["too_many"],
        "rate_limited_client": rate_limited,
        "statuses": dict(statuses),
        "deliver_calls": deliveries,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=100.0, help="global messages per second")
    parser.add_argument(
        "--server-limit", type=float, default=0.0, help="the fake Slack's limit (default: --limit)"
    )
    parser.add_argument("--burst", type=float, default=5.0, help="the fake Slack's global burst")
    parser.add_argument(
        "--client-burst", type=float, default=3.0, help="the dispatcher's bucket size"
    )
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()

    ctx = multiprocessing.get_context("spawn")
    ports = ctx.Queue()
    server = ctx.Process(
        target=serve,
        args=(ports, args.server_limit or args.limit, args.burst, args.latency_ms / 1000),
        daemon=True,
    )
    server.start()
    port = ports.get(timeout=30)
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'fanout.db'}"
            result = asyncio.run(run(args, port, url))
    finally:
        server.terminate()
        server.join(timeout=10)
    throughput = result["sent"] / result["elapsed"]
    server_rate = (result["sent"] - 1) / result["server_span"] if result["server_span"] else 0.0
    print(
        f"python {platform.python_version()}, people {args.people}, global limit {args.limit:g}/s, latency {args.latency_ms:g} ms"
    )
    print(f"outbox statuses: {result['statuses']}, deliver_due calls: {result['deliver_calls']}")
    print(f"- messages delivered: {result['sent']} messages")
    print(f"- wall time: {result['elapsed']:.1f} s")
    print(f"- throughput (bot side, incl. start-up): {throughput:.1f} messages/s")
    print(f"- throughput / global limit: {throughput / args.limit:.3f} ratio")
    print(
        f"- accepted rate at the fake Slack (first to last message): {server_rate:.1f} messages/s"
    )
    print(f"- accepted rate / global limit: {server_rate / args.limit:.3f} ratio")
    print(f"- duplicates: {result['duplicates']} messages")
    print(f"- losses: {result['losses']} messages")
    print(f"- 429 responses sent by the fake Slack: {result['too_many_server']} responses")
    print(f"- 429 responses seen by the dispatcher: {result['rate_limited_client']} responses")


if __name__ == "__main__":
    main()
