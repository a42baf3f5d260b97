"""End-to-end Slack fixtures: the real app on a loopback port, a fake Slack Web API beside it.

``FakeSlack`` is an aiohttp server on 127.0.0.1 (port 0) that slack-sdk's real client reaches
through ``SLACK_API_URL``. It records every call, checks each against the published Web API
method schemas (../shared/schemas/slack-web-api) and every Block Kit payload against
slack-sdk's models and Slack's limits, and answers like Slack. ``SlackWorld`` sends correctly
signed requests (slash commands, events, block_actions, view_submission) to the bot and waits
on the adapter's ``Activity`` counter, never on a clock.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
import pytest
from aiohttp import web
from jsonschema import Draft7Validator
from slack_sdk.signature import SignatureVerifier

from bot.server import RunningServer, start
from bot.settings import Secrets, Settings, SlackSettings
from bot.slack.app import SlackAdapter, build_slack
from bot.slack.http import web_app as build_web_app
from bot.slack.limits import problems, view_problems
from bot.slack.turns import Core, Timing
from conversations.config import CoreConfig
from conversations.engine import Engine
from conversations.events import Actor, Command, Event
from conversations.memory import ManualClock
from conversations.messages import Reply
from conversations.ports import Repo, Store
from conversations.records import Person
from scheduler.dispatcher import DeliveryLimits, Dispatcher
from tests.databases import new_database_url
from tests.e2e.slack_directory import DIRECTORY_METHODS, FakeDirectory
from tests.e2e.slack_files import FakeFiles
from tests.e2e.slack_history import FakeHistory
from tests.e2e.teams_world import fake_connector, teams  # noqa: F401  (Teams' fixtures)

SCHEMAS = Path(__file__).resolve().parents[2] / ".." / "shared" / "schemas"
METHODS = SCHEMAS / "slack-web-api" / "methods"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-token"
TEAM = "T0001"
BOT_USER = "UBOT"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday morning
ACK_FIELDS = {"response_type", "text", "blocks"}  # what a command's answer in its ack holds


# The fake Slack Web API ----------------------------------------------------------------


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    problems: list[str]
    answer: dict[str, Any] = field(default_factory=dict)
    token: str = ""  # the bot token it was made with
    caller: str = ""  # the X-Caller header: which of several processes made the call


CallHook = Callable[[Call], Awaitable[None]]


@dataclass
class Failure:
    error: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


def _accepted_types(schema: Any) -> set[str]:
    if not isinstance(schema, dict):
        return set()
    kinds: set[str] = set()
    declared = schema.get("type")
    if isinstance(declared, str):
        kinds.add(declared)
    elif isinstance(declared, list):
        kinds.update(declared)
    for key in ("anyOf", "allOf", "oneOf"):
        for member in schema.get(key) or []:
            kinds |= _accepted_types(member)
    return kinds


def _coerce(value: Any, schema: Any) -> Any:
    """A form value (always a string) or a JSON value as the schema's type, the way Slack
    reads them: "true" for booleans, JSON text for objects, objects JSON-encoded for strings."""
    kinds = _accepted_types(schema)
    if isinstance(value, str) and "string" not in kinds:
        if "boolean" in kinds and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        if kinds & {"integer", "number"}:
            try:
                return int(value)
            except ValueError:
                return value
        if kinds & {"object", "array"}:
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value
    if isinstance(value, list | dict) and "string" in kinds and not kinds & {"object", "array"}:
        return json.dumps(value)
    return value


class FakeSlack:
    """Slack's Web API (and response_url endpoint) on loopback, recording every call. A slash
    command's answer carried in its ack is recorded as a ``response_url`` call too
    (``ack_answer``): what the person sees is the same."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        # Each conversations.open answers a new channel id (as Slack does for the same user id
        # in two workspaces), instead of the stable ``D<user>``.
        self.distinct_channels = False
        self._channels = count(1)
        self.failures: dict[str, list[Failure]] = {}
        self.url = ""
        # Message timestamps: Slack's clock (seconds since the epoch), unique and increasing.
        self.clock: Callable[[], float] = time.time
        self._last_ts = 0.0
        self.history = FakeHistory()  # every conversation's messages, for conversations.history
        # Run once Slack has done what a call asks, before it answers (the caller never sees
        # the answer if it dies now), and once the answer is written.
        self.before_answer: CallHook | None = None
        self.after_answer: CallHook | None = None
        self._views = count(1)
        self._changed = asyncio.Condition()
        self._server: RunningServer | None = None
        self._validators: dict[str, Draft7Validator | None] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._hooks: dict[str, Callable[[], None]] = {}
        self.socket_envelopes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()  # to send
        self.socket_acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()  # received
        self.files = FakeFiles()  # files.getUploadURLExternal, the upload, …Complete…
        self.directory = FakeDirectory()  # channels, user groups, e-mails, attached files
        # Bot token -> the workspace key it was issued for (a team id, or an enterprise id
        # for an org-wide install). A call about a user or channel of a workspace the token
        # does not serve fails as Slack's would, and is a problem the test sees.
        self.tokens: dict[str, str] = {BOT_TOKEN: TEAM}
        self.grants: dict[str, dict[str, Any]] = {}  # OAuth code -> what it installs
        self.channel_users: dict[str, list[str]] = {}  # conversations.open's answers

    # Setup
    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        locale: str = "sv-SE",
        tz: str = "Europe/Stockholm",
        team: str = TEAM,
        enterprise: str | None = None,
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": team,
            **({"enterprise_id": enterprise} if enterprise else {}),
            "name": name.lower(),
            "real_name": name,
            "tz": tz,
            "locale": locale,
            "profile": {"real_name": name, "display_name": name},
        }

    def grant(
        self,
        code: str,
        *,
        team: str | None,
        enterprise: str | None = None,
        org_wide: bool = False,
        installer: str = "UINSTALLER",
    ) -> str:
        """Slack's consent page, approved: ``code`` (handed to the redirect) becomes a bot
        token for ``team`` (or, ``org_wide``, for the whole ``enterprise``) at
        ``oauth.v2.access``. Returns that token."""
        key = enterprise if org_wide and enterprise else str(team)
        token = f"xoxb-{key}-{len(self.tokens)}"
        self.grants[code] = {
            "token": token,
            "key": key,
            "team": None if org_wide else team,
            "enterprise": enterprise,
            "org_wide": org_wide,
            "installer": installer,
        }
        return token

    def calls_with(self, token: str) -> list[Call]:
        return [c for c in self.calls if c.token == token]

    def fail(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        self.failures.setdefault(method, []).append(Failure(error, status, headers or {}, times))

    def hold(self, method: str) -> asyncio.Event:
        """Answer ``method`` only once the returned event is set (a slow Slack)."""
        self._holds[method] = asyncio.Event()
        return self._holds[method]

    def on(self, method: str, hook: Callable[[], None]) -> None:
        """Run ``hook`` when the bot calls ``method``, before Slack answers."""
        self._hooks[method] = hook

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{token}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/download/{file_id}/{name}", self._download)
        app.router.add_get("/socket", self._socket)
        self._server = await start(app, "127.0.0.1", 0)
        self.url = self._server.url

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()

    # Reading what the bot did
    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def all_problems(self) -> list[str]:
        return (
            [f"{c.method}: {p}" for c in self.calls for p in c.problems]
            + self.files.problems
            + self.directory.problems
        )

    async def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 5.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self.calls)), timeout)

    # Serving
    def _validator(self, method: str) -> Draft7Validator | None:
        if method not in self._validators:
            path = METHODS / f"{method}.json"
            if not path.exists():
                self._validators[method] = None
            else:
                spec = json.loads(path.read_text(encoding="utf-8"))
                args = dict(spec["args"])
                args["required"] = [r for r in args.get("required", []) if r != "token"]
                args["additionalProperties"] = False
                self._validators[method] = Draft7Validator(args)
        return self._validators[method]

    async def _record(
        self,
        method: str,
        args: dict[str, Any],
        found: list[str],
        answer: dict[str, Any] | None = None,
        token: str = "",
        caller: str = "",
    ) -> Call:
        call = Call(method, args, found, answer or {}, token, caller)
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()
        return call

    def next_ts(self) -> str:
        self._last_ts = max(round(self.clock(), 6), round(self._last_ts + 0.000001, 6))
        return f"{self._last_ts:.6f}"

    def posted_keys(self) -> Counter[str]:
        """How many messages Slack accepted with each outbox key (in their metadata)."""
        return self.history.outbox_keys()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(parse_qsl(await request.text(), keep_blank_values=True)))
        found: list[str] = []
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else ""
        token = token or str(args.get("token") or "")  # auth.test(token=…) sends it so
        if token not in self.tokens and method not in ("apps.connections.open", "oauth.v2.access"):
            found.append("no bot token in the Authorization header")
        refused, wrong = self._foreign(token, method, args)
        if wrong:
            found.append(wrong)
        validator = self._validator(method)
        if validator is None:
            found.append(f"unknown Web API method {method}")
        else:
            properties = validator.schema.get("properties", {})
            checked = {k: _coerce(v, properties.get(k)) for k, v in args.items()}
            if "team_id" not in properties:
                # bolt's per-request client adds the request's team_id to every call it makes
                # (auth.test here); Slack accepts it everywhere, the method docs omit it.
                checked.pop("team_id", None)
            found += [
                f"{'/'.join(map(str, e.path)) or 'args'}: {e.message}"
                for e in validator.iter_errors(checked)
            ]
            args = checked
        found += self._block_kit(method, args)
        hook = self._hooks.get(method)
        if hook is not None:
            hook()
        held = self._holds.get(method)
        if held is not None:
            await held.wait()
        failures = self.failures.get(method) or []
        if failures:
            failure = failures[0]
            failure.times -= 1
            if failure.times <= 0:
                failures.pop(0)
            await self._record(method, args, found, {"ok": False, "error": failure.error})
            return web.json_response(
                {"ok": False, "error": failure.error},
                status=failure.status,
                headers=failure.headers,
            )
        answer = {"ok": False, "error": refused} if refused else self._answer(method, args)
        if method == "auth.test" and token in self.tokens:
            answer = self._auth_test(token)
        call = await self._record(
            method, args, found, answer, token, request.headers.get("X-Caller", "")
        )
        if self.before_answer is not None:
            await self.before_answer(call)
        response = web.json_response(answer)
        if self.after_answer is not None:
            try:
                await response.prepare(request)
                await response.write_eof()
            except ConnectionError:  # the caller died meanwhile (a kill test)
                return response
            await self.after_answer(call)
        return response

    def _reaches(self, token: str, user: str) -> bool:
        """Whether a bot token may be used about ``user`` (their workspace's, or their
        organisation's for an org-wide install). Users the fake does not know pass."""
        known = self.users.get(user)
        key = self.tokens.get(token)
        if known is None or key is None:
            return True
        return key in (known["team_id"], known.get("enterprise_id"))

    def _foreign(self, token: str, method: str, args: dict[str, Any]) -> tuple[str, str]:
        """Slack's error, and the problem, when a call names a user or channel of another
        workspace than the token's (("", "") when it does not). Looking up or opening a DM
        with a user id the token's workspace does not have is no mistake of the bot's (a
        person typed it): Slack says ``user_not_found``. Posting into another workspace's
        conversation, or publishing to its user's Home tab, is one: the wrong token."""
        if method in ("users.info", "conversations.open"):
            users = str(args.get("user") or args.get("users") or "").split(",")
            strangers = [u for u in users if u and not self._reaches(token, u)]
            return ("user_not_found", "") if strangers else ("", "")
        users = []
        if method == "views.publish":
            users = [str(args.get("user_id") or "")]
        elif method in ("chat.postMessage", "chat.postEphemeral"):
            channel = str(args.get("channel") or "")
            users = self.channel_users.get(channel) or (
                [channel[1:].split("-")[0]] if channel.startswith("D") else []
            )
        strangers = [u for u in users if u and not self._reaches(token, u)]
        if not strangers:
            return ("", "")
        wrong = f"token of {self.tokens.get(token)} used for {','.join(strangers)}"
        return ("channel_not_found", wrong)

    def _auth_test(self, token: str) -> dict[str, Any]:
        key = self.tokens[token]
        org_wide = key.startswith("E")
        return {
            "ok": True,
            "url": f"https://{key.lower()}.slack.test/",
            "user_id": BOT_USER,
            "bot_id": "BBOT",
            "team_id": None if org_wide else key,
            "enterprise_id": key if org_wide else None,
            "is_enterprise_install": org_wide,
            "user": "mentorbot",
            "team": "Test",
        }

    def _oauth_access(self, args: dict[str, Any]) -> dict[str, Any]:
        grant = self.grants.pop(str(args.get("code")), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        self.tokens[grant["token"]] = grant["key"]
        team, enterprise = grant["team"], grant["enterprise"]
        return {
            "ok": True,
            "app_id": "A0001",
            "authed_user": {"id": grant["installer"]},
            "scope": "chat:write,commands,im:history,users:read",
            "token_type": "bot",
            "access_token": grant["token"],
            "bot_user_id": BOT_USER,
            "team": {"id": team, "name": f"Team {team}"} if team else None,
            "enterprise": {"id": enterprise, "name": "Grid"} if enterprise else None,
            "is_enterprise_install": grant["org_wide"],
        }

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        body["_user"] = request.match_info["token"].split(".")[0]  # whose interaction it answers
        await self._record("response_url", body, problems(body.get("blocks") or []))
        return web.Response(text="ok")

    async def ack_answer(self, user: str, body: str) -> None:
        """A slash command's ack that carries its answer, recorded as the ``response_url``
        answer it stands for (``_via: "ack"``), checked as Slack checks both: an ephemeral
        message of ``text`` and valid ``blocks``, nothing else. An empty ack records nothing."""
        if not body:
            return
        answer = json.loads(body)
        found = problems(answer.get("blocks") or [])
        if answer.get("response_type") != "ephemeral":
            found.append(f"response_type {answer.get('response_type')!r}, not ephemeral")
        if not answer.get("text"):
            found.append("no fallback text")
        found += [f"unexpected field {key}" for key in set(answer) - ACK_FIELDS]
        await self._record("response_url", {**answer, "_user": user, "_via": "ack"}, found)

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal handed out: the file's bytes."""
        file_id = request.match_info["file_id"]
        body = await request.read()
        failures = self.failures.get("upload") or []
        if failures:
            failure = failures[0]
            failure.times -= 1
            if failure.times <= 0:
                failures.pop(0)
            await self._record("upload", {"file_id": file_id}, [])
            return web.Response(status=failure.status, text=failure.error)
        status = self.files.receive(file_id, body)
        await self._record("upload", {"file_id": file_id, "length": len(body)}, [])
        return web.Response(status=status, text=f"OK - {len(body)}")

    async def _download(self, request: web.Request) -> web.Response:
        """A file someone attached (``url_private_download``), fetched with the bot token."""
        file_id = request.match_info["file_id"]
        status, body = self.directory.download(
            file_id, request.headers.get("Authorization", ""), BOT_TOKEN
        )
        await self._record("download", {"file_id": file_id}, [])
        return web.Response(status=status, body=body)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, send queued envelopes, collect the bot's acks."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"approximate_connection_time": 3600},
            }
        )

        async def send() -> None:
            while True:
                await ws.send_json(await self.socket_envelopes.get())

        sender = asyncio.ensure_future(send())
        try:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await self.socket_acks.put(json.loads(message.data))
        finally:
            sender.cancel()
        return ws

    def _block_kit(self, method: str, args: dict[str, Any]) -> list[str]:
        if method in ("chat.postMessage", "chat.postEphemeral"):
            blocks = args.get("blocks")
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            return problems(blocks or [])
        if method.startswith("views."):
            view = args.get("view")
            return view_problems(json.loads(view) if isinstance(view, str) else view or {})
        return []

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER,
                "bot_id": "BBOT",
                "team_id": TEAM,
                "user": "mentorbot",
                "team": "Test",
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "oauth.v2.access":
            return self._oauth_access(args)
        if method == "conversations.open":
            users = str(args.get("users", "")).split(",")
            channel = "D" + users[0] if len(users) == 1 else "G" + "".join(sorted(users))
            if self.distinct_channels:
                channel += f"-{next(self._channels)}"
            self.channel_users[channel] = users
            return {"ok": True, "channel": {"id": channel}}
        if method == "chat.postMessage":
            ts = self.next_ts()
            self.history.post(str(args.get("channel")), args, ts)
            return {"ok": True, "channel": args.get("channel"), "ts": ts}
        if method == "conversations.history":
            return self.history.answer(args)
        if method.startswith("views."):
            view = dict(args.get("view") or {})
            view.update({"id": f"V{next(self._views):04d}", "hash": f"h{next(self._views)}"})
            return {"ok": True, "view": view}
        if method in DIRECTORY_METHODS:
            return self.directory.answer(method, args, self.users, self.url)
        if method.startswith("files."):
            answer = self.files.answer(method, args, self.url)
            if method == "files.completeUploadExternal" and answer.get("ok"):
                shared = [self.files.uploads[f["id"]] for f in answer["files"]]
                files = [{"id": u.file_id, "name": u.filename, "title": u.title} for u in shared]
                self.history.share(str(args.get("channel_id") or ""), files, self.next_ts())
            return answer
        return {"ok": True}


# Signed requests ---------------------------------------------------------------------


def signed_headers(
    body: str, content_type: str, *, secret: str = SECRET, age: float = 0.0
) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


@dataclass
class Sent:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackWorld:
    """The bot as Slack sees it: send Slack's payloads, read the Web API calls it made."""

    def __init__(
        self,
        fake: FakeSlack,
        adapter: SlackAdapter,
        engine: Engine,
        store: Store,
        clock: ManualClock,
        url: str,
    ) -> None:
        self.fake = fake
        self.adapter = adapter
        self.engine = engine
        self.store = store
        self.clock = clock
        fake.clock = lambda: clock.now().timestamp()  # Slack's ts follow the test's clock
        self.url = url + "/slack/events"
        self.handled = 0  # requests that reach a listener
        self.core: Any = engine  # what the adapter talks to (a double around the engine)
        self.team = TEAM
        self._events = count(1)
        self._triggers = count(1)
        self._responses = count(1)
        self.dispatcher = Dispatcher(
            store,  # type: ignore[arg-type]
            adapter.delivery,
            clock,
            DeliveryLimits(global_per_second=1000, per_conversation_seconds=0, max_attempts=3),
            store=store,
            sleep=self._fast_forward,
        )

    async def _fast_forward(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        secret: str = SECRET,
        age: float = 0.0,
        expect_handled: bool = True,
        wait: bool = True,
        answers: str = "",
    ) -> Sent:
        """POST one signed request (``secret`` / ``age`` to sign it wrongly or late). Returns
        once the bot is done with it; with ``wait=False`` as soon as Slack has its answer
        (then ``settle`` waits for the rest). ``answers``: the user whose slash command it
        is; an answer in the ack is recorded for them the moment it arrives."""
        sent_headers = signed_headers(body, content_type, secret=secret, age=age)
        sent_headers.update(headers or {})
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body.encode(), headers=sent_headers) as response,
        ):
            result = Sent(response.status, await response.text())
        if answers and result.status == 200:
            await self.fake.ack_answer(answers, result.body)
        if expect_handled and result.status == 200:
            self.handled += 1
            if wait:
                await self.settle()
        return result

    async def settle(self) -> None:
        """Wait until the bot has finished every request it answered."""
        await self.adapter.activity.wait_finished(self.handled)

    # Payloads
    async def command(
        self,
        user: str,
        text: str,
        *,
        wait: bool = True,
        team: str = TEAM,
        extra: dict[str, str] | None = None,
    ) -> Sent:
        """A slash command (``team``: the workspace it comes from; ``extra``: more fields,
        such as an Enterprise Grid's ``enterprise_id`` and ``is_enterprise_install``)."""
        body = urlencode(
            {
                "token": "legacy",
                "team_id": team,
                "team_domain": "test",
                "channel_id": "C0GENERAL",
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/mentor",
                "text": text,
                "api_app_id": "A0001",
                "response_url": f"{self.fake.url}/respond/{user}.{next(self._responses)}",
                "trigger_id": f"trigger.{next(self._triggers)}",
                **(extra or {}),
            }
        )
        return await self.post(body, "application/x-www-form-urlencoded", wait=wait, answers=user)

    def event_body(
        self,
        event: dict[str, Any],
        event_id: str | None = None,
        *,
        team: str = TEAM,
        extra: dict[str, Any] | None = None,
    ) -> tuple[str, str]:
        event_id = event_id or f"Ev{next(self._events):06d}"
        body = {
            "token": "legacy",
            "team_id": team,
            "api_app_id": "A0001",
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}],
            **(extra or {}),
        }
        return json.dumps(body), event_id

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry: int | None = None,
        team: str = TEAM,
        extra: dict[str, Any] | None = None,
    ) -> Sent:
        body, _ = self.event_body(event, event_id, team=team, extra=extra)
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else None
        )
        return await self.post(body, "application/json", headers=headers)

    async def dm(
        self,
        user: str,
        text: str,
        *,
        event_id: str | None = None,
        team: str = TEAM,
        extra: dict[str, Any] | None = None,
    ) -> Sent:
        return await self.event(
            {
                "type": "message",
                "channel_type": "im",
                "channel": f"D{user}",
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
            event_id=event_id,
            team=team,
            extra=extra,
        )

    async def open_home(self, user: str) -> Sent:
        return await self.event(
            {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
        )

    async def click(
        self,
        user: str,
        button: dict[str, Any],
        *,
        where: dict[str, Any],
        team: str = TEAM,
        extra: dict[str, Any] | None = None,
    ) -> Sent:
        """Press a Block Kit button the bot showed (``where``: the message's channel or view)."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": team, "domain": "test"},
            "user": {"id": user, "team_id": team},
            "api_app_id": "A0001",
            "trigger_id": f"trigger.{next(self._triggers)}",
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "b",
                    "value": button.get("value", ""),
                    "action_ts": f"{time.time():.6f}.{next(self._triggers)}",
                }
            ],
            **where,
            **(extra or {}),
        }
        if "channel" in where:
            payload["response_url"] = f"{self.fake.url}/respond/{user}.{next(self._responses)}"
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    async def submit(
        self,
        user: str,
        view: dict[str, Any],
        values: dict[str, Any],
        *,
        wait: bool = True,
        team: str = TEAM,
    ) -> Sent:
        """Submit a modal the bot opened, typing ``values`` (field name -> text) and keeping
        each other field's initial value."""
        payload = {
            "type": "view_submission",
            "team": {"id": team, "domain": "test"},
            "user": {"id": user, "team_id": team},
            "api_app_id": "A0001",
            "trigger_id": f"trigger.{next(self._triggers)}",
            "view": {**view, "state": {"values": filled_state(view, values)}},
        }
        return await self.post(
            urlencode({"payload": json.dumps(payload)}),
            "application/x-www-form-urlencoded",
            wait=wait,
        )

    # What a person can see and press
    def shown_to(self, user: str) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
        """Every message and view the bot showed ``user``, newest first: (blocks, where)."""
        shown: list[tuple[list[dict[str, Any]], dict[str, Any]]] = []
        for call in reversed(self.fake.calls):
            if call.method == "chat.postMessage" and call.answer.get("ok"):
                channel = str(call.args["channel"])
                if channel == f"D{user}" or (channel.startswith("G") and user in channel):
                    where = {
                        "channel": {"id": channel},
                        "container": {"type": "message", "channel_id": channel},
                    }
                    shown.append((_blocks_of(call.args), where))
            elif call.method == "response_url" and call.args.get("_user") == user:
                shown.append(
                    (
                        _blocks_of(call.args),
                        {"channel": {"id": "C0GENERAL"}, "container": {"type": "message"}},
                    )
                )
            elif call.method == "views.publish" and call.args.get("user_id") == user:
                view = call.args["view"]
                shown.append(
                    (
                        view["blocks"],
                        {
                            "view": {"id": f"VHOME{user}", "type": "home"},
                            "container": {"type": "view"},
                        },
                    )
                )
        return shown

    def texts_shown_to(self, user: str) -> str:
        return "\n".join(
            json.dumps(blocks, ensure_ascii=False) for blocks, _ in self.shown_to(user)
        )

    def find_button(self, user: str, action: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The newest button for the core's ``action`` that ``user`` has been shown."""
        for blocks, where in self.shown_to(user):
            for block in blocks:
                for element in block.get("elements", []) if block.get("type") == "actions" else []:
                    if element["action_id"].rsplit("~", 1)[0] == action:
                        return element, where
        raise AssertionError(f"{user} was never shown a {action!r} button")

    async def press(self, user: str, action: str, fill: dict[str, Any] | None = None) -> Sent:
        """Press the button; with ``fill``, also fill in and submit the modal it opened."""
        button, where = self.find_button(user, action)
        opened = len(self.fake.of("views.open")) + len(self.fake.of("views.push"))
        sent = await self.click(user, button, where=where)
        if fill is None:
            return sent
        views = [c for c in self.fake.calls if c.method in ("views.open", "views.push")]
        assert len(views) > opened, f"{action} opened no modal for {user}"
        return await self.submit(user, views[-1].answer["view"], fill)

    async def deliver(self) -> None:
        """Send everything due in the outbox through the real dispatcher and SlackDelivery."""
        await self.dispatcher.deliver_due()


def _blocks_of(args: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def filled_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        name = block["block_id"]
        kind = element["type"]
        typed = values.get(name)
        if kind == "datepicker":
            entry = {
                "type": kind,
                "selected_date": typed if typed is not None else element.get("initial_date"),
            }
        elif kind in ("static_select", "radio_buttons"):
            chosen = element.get("initial_option")
            if typed is not None:
                chosen = next(o for o in element["options"] if o["value"] == typed)
            entry = {"type": kind, "selected_option": chosen}
        else:
            entry = {
                "type": kind,
                "value": typed if typed is not None else element.get("initial_value"),
            }
        state[name] = {element["action_id"]: entry}
    return state


def make_store(tmp_path: Path) -> Store:
    """The real SQL store on a fresh, migrated database (tests/databases.py)."""
    from storage.store import SqlStore

    return SqlStore(new_database_url(tmp_path, "slack-e2e.db"))


def store_at(url: str) -> Store:
    """The real SQL store on an empty database at ``url`` (a ``pg_database_url`` too)."""
    from storage import migrate
    from storage.store import SqlStore

    migrate.upgrade(url)
    return SqlStore(url)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    if not METHODS.is_dir():
        pytest.skip(f"Slack Web API schemas not found at {METHODS}")
    fake = FakeSlack()
    await fake.start()
    fake.add_user("UCOORD", "Kim Koordinator", locale="en-US", tz="Europe/London")
    fake.add_user("UMENTOR", "Maja Mentor")
    fake.add_user("UADEPT", "Åsa Adept")
    try:
        yield fake
    finally:
        await fake.stop()


# Doubles around the real engine and store ----------------------------------------------


class GatedCore:
    """The real engine, except that turns for the ``gated`` event types wait until the test
    opens the gate: a slow turn, ended by an explicit event rather than a clock."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.clock = engine.clock
        self.config = engine.config
        self.gated: tuple[type[Event], ...] = ()
        self.gate = threading.Event()
        self.waiting = threading.Event()  # a gated turn has started

    def close(self, *kinds: type[Event]) -> None:
        self.gated = kinds
        self.gate.clear()

    def open(self) -> None:
        self.gate.set()

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply:
        if isinstance(event, self.gated):
            self.waiting.set()
            self.gate.wait(timeout=10)  # a safety net for a test that never opens it
        return self.engine.handle(actor, event, event_key=event_key)

    def read_turn(
        self, actor: Actor, event: Command, accept: Callable[[Person], bool]
    ) -> tuple[Person, Reply] | None:
        if isinstance(event, self.gated):
            return None  # a gated turn goes to ``handle`` (in a worker thread)
        return self.engine.read_turn(actor, event, accept)

    def ensure_person(self, repo: Repo, actor: Actor) -> Person:
        return self.engine.ensure_person(repo, actor)


class ScriptedCore:
    """The real engine, except that a command in ``replies`` gets that reply as it is."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.clock = engine.clock
        self.config = engine.config
        self.replies: dict[str, Reply] = {}

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply:
        scripted = self.replies.get(str(getattr(event, "text", "")))
        if scripted is not None:
            return scripted
        return self.engine.handle(actor, event, event_key=event_key)

    def read_turn(
        self, actor: Actor, event: Command, accept: Callable[[Person], bool]
    ) -> tuple[Person, Reply] | None:
        if str(event.text) in self.replies:
            return None  # scripted: ``handle`` answers it
        return self.engine.read_turn(actor, event, accept)

    def ensure_person(self, repo: Repo, actor: Actor) -> Person:
        return self.engine.ensure_person(repo, actor)


class LockableStore:
    """The real store; while ``locked``, every transaction fails as SQLite's does when
    another process holds the database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.locked = False

    def lock(self) -> None:
        self.locked = True

    @contextmanager
    def _refused(self) -> Iterator[Repo]:
        raise sqlite3.OperationalError("database is locked")
        yield  # pragma: no cover

    def transaction(self) -> AbstractContextManager[Repo]:
        if self.locked:
            return self._refused()
        return self.store.transaction()

    def read(self) -> AbstractContextManager[Repo]:
        if self.locked:
            return self._refused()
        return self.store.read()

    def close(self) -> None:
        close = getattr(self.store, "close", None)
        if close is not None:
            close()


def world_settings(fake: FakeSlack) -> Settings:
    return Settings(
        slack=SlackSettings(command="/mentor"),
        secrets=Secrets(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=fake.url + "/api/",
        ),
    )


@asynccontextmanager
async def running_world(
    fake: FakeSlack,
    tmp_path: Path,
    *,
    core: Callable[[Engine], Core] | None = None,
    store: Store | None = None,
    clock: ManualClock | None = None,
    timing: Timing | None = None,
    coordinators: list[str] | None = None,
    settings: Settings | None = None,
) -> AsyncIterator[SlackWorld]:
    """The bot on a loopback port; ``core`` wraps the real engine, ``store`` replaces the
    fresh database (a second process shares the first one's), ``timing`` its time budget,
    ``coordinators`` app.yaml's list (default: UCOORD of the test workspace), ``settings``
    other settings (OAuth mode: ``tests.e2e.slack_installs``)."""
    clock = clock or ManualClock(START)
    store = store or make_store(tmp_path)
    config = CoreConfig(
        coordinators=coordinators if coordinators is not None else [f"slack:{TEAM}:UCOORD"],
        default_locale="sv",
        command_prefixes={"slack": "/mentor"},
    )
    engine = Engine(store, clock, config)
    wrapped = core(engine) if core else engine
    adapter = build_slack(wrapped, store, settings or world_settings(fake), timing=timing)
    server = await start(build_web_app(adapter.app, SECRET), "127.0.0.1", 0)
    running = SlackWorld(fake, adapter, engine, store, clock, server.url)
    running.core = wrapped
    try:
        yield running
    finally:
        await adapter.activity.idle()
        await adapter.shutdown()  # and its session for response_url answers
        await server.stop()


IN_TIME = 2.5  # seconds: Slack's answer must come well inside its three


@pytest.fixture
async def slow(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackWorld]:
    """The bot on a core that holds each turn until the test opens it (``GatedCore``)."""
    async with running_world(fake_slack, tmp_path, core=GatedCore) as world:
        try:
            yield world
        finally:
            world.core.open()


@pytest.fixture
async def world(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackWorld]:
    async with running_world(fake_slack, tmp_path) as running:
        try:
            yield running
        finally:
            close = getattr(running.store, "close", None)
            if close is not None:
                close()
