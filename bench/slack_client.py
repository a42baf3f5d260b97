"""The Slack side of ``bench/slack.py``, in its own process: a fake Slack Web API, the
``response_url`` every command names, and the client that sends the signed slash commands.

It serves on 127.0.0.1 (port 0):

* ``POST /api/<method>``: what the bots call (``auth.test``, ``users.info``,
  ``conversations.open``, ``chat.postMessage``, ``views.open`` …), answered at once;
* ``POST /respond/<run>/<n>``: the command's ``response_url``; its arrival is the answer.

Then it takes jobs from its pipe: send ``count`` signed ``/mentor`` commands to the bots'
``targets`` (round robin: one address per worker), either ``concurrency`` at a time (a new one
as soon as one is answered) or at a fixed ``rate`` per second, and time each from sending it
to the HTTP response (the ack) and to the answer: at its ``response_url``, or the ack itself
when its body is the answer (a bot that answers in the ack posts nothing to the URL). Both
times are read in this process, on one clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time as timer
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

ANSWER_TIMEOUT_S = 10.0
CRASH_WORDS = ("gick fel", "went wrong")  # error.crash, Swedish and English


def signed(secret: str, body: str) -> dict[str, str]:
    stamp = str(int(timer.time()))
    base = f"v0:{stamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }


def answered_in(acked: str) -> bool:
    """Whether an ack's body is the answer itself (an ephemeral message), not an empty ack."""
    if not acked.startswith("{"):
        return False
    try:
        body = json.loads(acked)
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("text") or body.get("blocks"))


def command(n: int, user: str, text: str, response_url: str) -> str:
    return urlencode(
        {
            "token": "bench",
            "team_id": "T1",
            "team_domain": "bench",
            "channel_id": f"D{user}",
            "channel_name": "directmessage",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/mentor",
            "text": text,
            "api_app_id": "ABENCH",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{n}.1.bench",
        }
    )


class SlackSide:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.base = ""
        self.waiting: dict[str, asyncio.Future[tuple[float, str]]] = {}
        self.api_calls: dict[str, int] = {}
        self.runs = itertools.count(1)

    # The fake Slack ---------------------------------------------------------------------
    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.api_calls[method] = self.api_calls.get(method, 0) + 1
        form: dict[str, Any] = dict(await request.post()) if request.can_read_body else {}
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT", "team": "B"}
            )
        if method == "users.info":
            user = str(form.get("user") or "U0")
            profile = {"real_name": user, "display_name": user}
            return web.json_response(
                {
                    "ok": True,
                    "user": {"id": user, "name": user, "real_name": user, "profile": profile},
                }
            )
        if method == "conversations.open":
            return web.json_response({"ok": True, "channel": {"id": "DBENCH"}})
        return web.json_response({"ok": True, "ts": "1.000001", "channel": "DBENCH"})

    async def respond(self, request: web.Request) -> web.Response:
        arrived = timer.perf_counter()
        body = await request.text()
        future = self.waiting.get(request.match_info["key"])
        if future is not None and not future.done():
            future.set_result((arrived, body))
        return web.Response(text="ok")

    # The client --------------------------------------------------------------------------
    async def one(
        self, session: aiohttp.ClientSession, target: str, n: int, user: str, text: str, run: int
    ) -> dict[str, Any]:
        key = f"{run}-{n}"
        answer: asyncio.Future[tuple[float, str]] = asyncio.get_running_loop().create_future()
        self.waiting[key] = answer
        body = command(n, user, text, f"{self.base}/respond/{key}")
        started = timer.perf_counter()
        result: dict[str, Any] = {"text": text, "status": 0, "ack": None, "answer": None}
        result["sent"] = timer.time()  # the wall clock, to find a slow answer in the logs
        try:
            async with session.post(target, data=body, headers=signed(self.secret, body)) as r:
                acked = await r.text()
                result["status"] = r.status
            result["ack"] = timer.perf_counter() - started
            if answered_in(acked):  # the answer came in the ack itself: that is the answer
                result["answer"], said = result["ack"], acked
                result["in_ack"] = True
            else:
                arrived, said = await asyncio.wait_for(answer, ANSWER_TIMEOUT_S)
                result["answer"] = arrived - started
            result["crash"] = any(word in said for word in CRASH_WORDS)
        except (TimeoutError, aiohttp.ClientError) as error:
            result["error"] = type(error).__name__
        finally:
            self.waiting.pop(key, None)
        return result

    async def job(self, session: aiohttp.ClientSession, job: dict[str, Any]) -> dict[str, Any]:
        """One measurement: ``targets``, ``count``, ``people``, ``concurrency`` or ``rate``,
        ``writes`` (every how-many-th command is a write: pause/resume in turn; 0: none)."""
        run = next(self.runs)
        targets, people, writes = job["targets"], job["people"], job.get("writes", 0)
        paused: set[str] = set()

        def request(n: int) -> tuple[str, int, str, str]:
            user = f"U{n % people + 1:04d}"
            text = "help"
            if writes and n % writes == writes - 1:
                text = "resume" if user in paused else "pause 1w"
                paused.symmetric_difference_update({user})
            return targets[n % len(targets)], n, user, text

        results: list[dict[str, Any]] = []
        began = timer.perf_counter()
        if job.get("rate"):
            tasks = []
            for n in range(job["count"]):
                delay = began + n / job["rate"] - timer.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.ensure_future(self.one(session, *request(n), run)))
            results = list(await asyncio.gather(*tasks))
        else:
            numbers = iter(range(job["count"]))

            async def worker() -> None:
                for n in numbers:
                    results.append(await self.one(session, *request(n), run))

            await asyncio.gather(*(worker() for _ in range(job["concurrency"])))
        return {"results": results, "wall": timer.perf_counter() - began}


def main(pipe: Any, secret: str) -> None:
    """The process: serve, say where, then run the jobs the pipe sends until it sends None."""

    async def serve() -> None:
        side = SlackSide(secret)
        app = web.Application()
        app.router.add_post("/api/{method}", side.api)
        app.router.add_post("/respond/{key}", side.respond)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        side.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        pipe.send(side.base)
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            while True:
                job = await asyncio.to_thread(pipe.recv)
                if job is None:
                    break
                outcome = await side.job(session, job)
                outcome["api_calls"] = dict(side.api_calls)
                pipe.send(outcome)
        await runner.cleanup()

    asyncio.run(serve())
