"""End-to-end Teams fixtures: the real app on a loopback port, a fake Bot Connector beside it.

``FakeConnector`` is an aiohttp server on 127.0.0.1 (port 0) that the activities' ``serviceUrl``
points at, so botbuilder's real connector client talks to it: it accepts ``POST
v3/conversations`` (a 1:1 chat created), ``POST …/activities`` and ``PUT
…/activities/{id}``, records each call, checks every Adaptive Card against the 1.5 schema
(../shared/schemas/adaptive-cards; Teams' root extras exempt) and can be told to fail. The
``TeamsWorld`` posts Bot Framework activities to ``POST /api/messages``; the bot answers
within the request, so nothing is waited on but the response.
"""

from __future__ import annotations

import json
from base64 import b64decode
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from jsonschema import Draft6Validator

from bot.delivery import PlatformDelivery
from bot.platforms import Platform
from bot.server import RunningServer, build_web_app, start
from bot.settings import Secrets, Settings, TeamsSettings
from bot.teams.activities import ROUTE
from bot.teams.app import TeamsAdapter, build_teams
from bot.teams.cards import CONTENT_TYPE
from conversations.config import CoreConfig
from conversations.engine import Engine
from conversations.memory import ManualClock
from conversations.ports import Store
from scheduler.dispatcher import DeliveryLimits, Dispatcher
from tests.invitations import read_invitation

SCHEMAS = Path(__file__).resolve().parents[2] / ".." / "shared" / "schemas"
CARD_SCHEMA = SCHEMAS / "adaptive-cards" / "adaptive-card-1.5.json"
MANIFEST_SCHEMA = SCHEMAS / "teams-manifest" / "MicrosoftTeams.v1.22.schema.json"
TENANT = "72f988bf-0000-4000-8000-00000000te01"
BOT_ID = "28:mentorbot"
ROOT_EXTRAS = ("msteams", "entities")  # Teams-only keys at a card's root
FILE_TYPES = ("text/calendar", "text/csv", "image/png")  # files the bot attaches inline
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def card_problems(card: dict[str, Any]) -> list[str]:
    """What is wrong with ``card`` as an Adaptive Card 1.5 (Teams' root extras exempt)."""
    schema = json.loads(CARD_SCHEMA.read_text(encoding="utf-8"))
    checked = {k: v for k, v in card.items() if k not in ROOT_EXTRAS}
    return [f"{list(e.path)}: {e.message}" for e in Draft6Validator(schema).iter_errors(checked)]


@dataclass
class Call:
    method: str  # POST or PUT
    path: str
    conversation: str
    body: dict[str, Any]
    status: int = 200
    activity_id: str = ""  # the id the bot got (POST) or updated (PUT)

    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.body.get("attachments") or []
            if a.get("contentType") == CONTENT_TYPE
        ]

    def files(self) -> list[tuple[str, str, bytes]]:
        """(name, media type, bytes) of each file attached inline (a ``data:`` URL)."""
        found = []
        for attachment in self.body.get("attachments") or []:
            url = str(attachment.get("contentUrl") or "")
            if attachment.get("contentType") != CONTENT_TYPE and url.startswith("data:"):
                header, _, data = url.partition(",")
                found.append(
                    (str(attachment.get("name")), header[5:].split(";")[0], b64decode(data))
                )
        return found


@dataclass
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    after: int = 0  # calls let through first


class FakeConnector:
    """The Bot Connector service (Teams' side of the Bot Framework) on loopback."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.problems: list[str] = []
        self.failures: dict[str, list[Failure]] = {}  # conversation id ("*": any) -> failures
        self.url = ""
        self._ids = count(1)
        self._server: RunningServer | None = None
        self._schema = json.loads(CARD_SCHEMA.read_text(encoding="utf-8"))

    def fail(
        self,
        conversation: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        failure = Failure(status, headers or {}, times, after)
        self.failures.setdefault(conversation, []).append(failure)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        self._server = await start(app, "127.0.0.1", 0)
        self.url = self._server.url

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()

    # What the bot did
    def sent(self, conversation: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == "POST" and c.path != "/v3/conversations" and c.status < 300
            if conversation is None or c.conversation == conversation
        ]

    def updates(self, conversation: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == "PUT" and c.status < 300
            if conversation is None or c.conversation == conversation
        ]

    def created(self) -> list[Call]:
        return [c for c in self.calls if c.path == "/v3/conversations" and c.status < 300]

    # Serving
    def _failure(self, conversation: str) -> Failure | None:
        for key in (conversation, "*"):
            queue = self.failures.get(key) or []
            if queue:
                failure = queue[0]
                if failure.after > 0:
                    failure.after -= 1
                    return None
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
                return failure
        return None

    def _check(self, body: dict[str, Any]) -> None:
        validator = Draft6Validator(self._schema)
        for attachment in body.get("attachments") or []:
            if attachment.get("contentType") in FILE_TYPES:
                self._check_file(attachment)
                continue
            if attachment.get("contentType") != CONTENT_TYPE:
                self.problems.append(f"not an Adaptive Card: {attachment.get('contentType')}")
                continue
            card = {k: v for k, v in attachment["content"].items() if k not in ROOT_EXTRAS}
            self.problems.extend(
                f"{list(e.path)}: {e.message}" for e in validator.iter_errors(card)
            )
        if len(json.dumps(body).encode()) > 28_000:
            self.problems.append("activity over 28 KB")

    def _check_file(self, attachment: dict[str, Any]) -> None:
        """A file inline: a name, a ``data:`` URL of the same media type in base64, and (for
        a calendar) an invitation calendar programs read, (a table) UTF-8 text, (an image) a
        PNG."""
        kind, name = attachment["contentType"], str(attachment.get("name") or "")
        header, _, data = str(attachment.get("contentUrl") or "").partition(",")
        if not name or header != f"data:{kind};base64" or "content" in attachment:
            self.problems.append(f"file attachment {name!r}: {header[:40]!r}")
            return
        try:
            content = b64decode(data, validate=True)
            if kind == "text/calendar":
                read_invitation(content)
            elif kind == "text/csv":
                content.decode("utf-8")
            elif kind == "image/png" and not content.startswith(PNG_MAGIC):
                raise ValueError("not a PNG")
        except (ValueError, AssertionError) as error:
            self.problems.append(f"file {name}: {type(error).__name__} {error}")

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        members = body.get("members") or [{}]
        conversation = f"a:{members[0].get('id', '')}"
        call = Call("POST", request.path, conversation, body)
        self.calls.append(call)
        failure = self._failure(f"create:{members[0].get('id', '')}")
        if failure is not None:
            call.status = failure.status
            return web.json_response({"error": {"code": "Forbidden"}}, status=failure.status)
        return web.json_response({"id": conversation, "activityId": "", "serviceUrl": self.url})

    async def _send(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        body = await request.json()
        call = Call("POST", request.path, conversation, body)
        self.calls.append(call)
        failure = self._failure(conversation)
        if failure is not None:
            call.status = failure.status
            error = {"error": {"code": str(failure.status), "message": "fake failure"}}
            return web.json_response(error, status=failure.status, headers=failure.headers)
        self._check(body)
        call.activity_id = f"1:{next(self._ids)}"
        return web.json_response({"id": call.activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        body = await request.json()
        call = Call("PUT", request.path, conversation, body)
        call.activity_id = request.match_info["activity"]
        self.calls.append(call)
        self._check(body)
        return web.json_response({"id": call.activity_id})


@dataclass(frozen=True)
class TeamsPerson:
    aad: str
    name: str
    locale: str = "sv-SE"
    timezone: str = "Europe/Stockholm"

    @property
    def conversation(self) -> str:
        return f"a:{self.aad}"


@dataclass
class Posted:
    status: int
    body: str


class TeamsWorld:
    """The bot as Teams sees it: post activities, read what reached the Bot Connector."""

    def __init__(
        self,
        fake: FakeConnector,
        adapter: TeamsAdapter,
        engine: Engine,
        store: Store,
        clock: ManualClock,
        url: str,
        platforms: list[Platform],
    ) -> None:
        self.fake = fake
        self.adapter = adapter
        self.engine = engine
        self.store = store
        self.clock = clock
        self.url = url + "/api/messages"
        self._ids = count(1)
        self.dispatcher = Dispatcher(
            store,  # type: ignore[arg-type]
            PlatformDelivery(store, platforms),
            clock,
            DeliveryLimits(global_per_second=1000, per_conversation_seconds=0, max_attempts=3),
            store=store,
            sleep=self._fast_forward,
        )

    async def _fast_forward(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    def activity(self, person: TeamsPerson, kind: str = "message", **extra: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "id": f"f:{next(self._ids)}",
            "timestamp": "2026-11-02T08:00:00.000Z",
            "serviceUrl": self.fake.url,
            "channelId": "msteams",
            "from": {"id": f"29:{person.aad}", "name": person.name, "aadObjectId": person.aad},
            "conversation": {
                "conversationType": "personal",
                "tenantId": TENANT,
                "id": person.conversation,
            },
            "recipient": {"id": BOT_ID, "name": "Mentorbot"},
            "locale": person.locale,
            "localTimezone": person.timezone,
            "channelData": {"tenant": {"id": TENANT}},
            **extra,
        }

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> Posted:
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, json=activity, headers=headers or {}) as response,
        ):
            return Posted(response.status, await response.text())

    async def install(self, person: TeamsPerson) -> Posted:
        """The app added for ``person``: Teams says the bot joined their 1:1 chat."""
        added = {
            "membersAdded": [{"id": BOT_ID}, {"id": f"29:{person.aad}", "aadObjectId": person.aad}]
        }
        return await self.post(self.activity(person, "conversationUpdate", **added))

    async def say(
        self,
        person: TeamsPerson,
        text: str,
        *,
        mentions: list[TeamsPerson] = (),
        activity_id: str = "",
    ) -> Posted:
        """``person`` types ``text``; each of ``mentions`` written ``<at>Name</at>`` in it."""
        entities = [
            {
                "type": "mention",
                "text": f"<at>{m.name}</at>",
                "mentioned": {"id": f"29:{m.aad}", "name": m.name, "aadObjectId": m.aad},
            }
            for m in mentions
        ]
        activity = self.activity(person, text=text, entities=entities, textFormat="plain")
        if activity_id:
            activity["id"] = activity_id
        return await self.post(activity)

    # What a person can see and press
    def cards_of(self, person: TeamsPerson) -> list[tuple[str, dict[str, Any]]]:
        """Every card in ``person``'s chat as it stands now (updates applied), newest first."""
        shown: dict[str, dict[str, Any]] = {}
        order: list[str] = []
        for call in self.fake.calls:
            if call.conversation != person.conversation or call.status >= 300:
                continue
            cards = call.cards()
            if not cards or not call.activity_id:
                continue
            if call.method == "POST":
                order.append(call.activity_id)
            shown[call.activity_id] = cards[0]
        return [(activity_id, shown[activity_id]) for activity_id in reversed(order)]

    def files_of(self, person: TeamsPerson) -> list[tuple[str, str, bytes]]:
        """Every file attached in ``person``'s chat, oldest first."""
        return [
            file
            for call in self.fake.sent(person.conversation)
            if call.method == "POST"
            for file in call.files()
        ]

    def text_of(self, person: TeamsPerson) -> str:
        return "\n".join(json.dumps(card, ensure_ascii=False) for _, card in self.cards_of(person))

    def find_action(
        self, person: TeamsPerson, predicate: Any, what: str
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """The newest (card id, card, Action.Submit) whose routing satisfies ``predicate``."""
        for card_id, card in self.cards_of(person):
            for action in card_actions(card):
                route = (action.get("data") or {}).get(ROUTE) or {}
                if predicate(route):
                    return card_id, card, action
        raise AssertionError(f"{person.name} was never shown {what}")

    async def submit(
        self, person: TeamsPerson, card_id: str, data: dict[str, Any], *, activity_id: str = ""
    ) -> Posted:
        activity = self.activity(person, value=data, replyToId=card_id)
        if activity_id:
            activity["id"] = activity_id
        return await self.post(activity)

    async def press(
        self, person: TeamsPerson, action: str, fill: dict[str, str] | None = None
    ) -> Posted:
        """Press the newest button for ``action``; with ``fill``, fill in and send the form
        card the bot answered with."""
        card_id, _, button = self.find_action(
            person, lambda r: r.get("k") == "b" and r.get("a") == action, f"a {action!r} button"
        )
        before = len(self.fake.sent(person.conversation))
        posted = await self.submit(person, card_id, dict(button["data"]))
        if fill is None:
            return posted
        assert len(self.fake.sent(person.conversation)) > before, f"{action} showed nothing"
        return await self.fill(person, fill)

    async def fill(self, person: TeamsPerson, values: dict[str, str], form_id: str = "") -> Posted:
        """Fill in the newest form card (``form_id``'s, if given) and send it: the card's own
        values, with ``values`` typed over them."""
        card_id, card, submit = self.find_action(
            person,
            lambda r: r.get("k") == "f" and (not form_id or r.get("a") == form_id),
            f"a {form_id or 'form'} card",
        )
        inputs = {
            e["id"]: e for e in card_elements(card) if str(e.get("type", "")).startswith("Input.")
        }
        unknown = set(values) - set(inputs)
        assert not unknown, f"the card has no fields {sorted(unknown)}"
        data: dict[str, Any] = {}
        for name, element in inputs.items():
            value = values.get(name, element.get("value", ""))
            data[name] = str(value) if value is not None else ""
        data.update(submit["data"])
        return await self.submit(person, card_id, data)

    async def deliver(self) -> None:
        await self.dispatcher.deliver_due()


def card_elements(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for element in card.get("body") or []:
        found.append(element)
        found.extend(card_elements({"body": element.get("items") or []}))
    return found


def card_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    actions = list(card.get("actions") or [])
    for element in card_elements(card):
        if element.get("type") == "ActionSet":
            actions.extend(element.get("actions") or [])
    return actions


def teams_settings(**secrets: Any) -> Settings:
    return Settings(
        teams=TeamsSettings(emulator=True, messages_per_second=0, per_conversation_seconds=0),
        secrets=Secrets(**secrets),
    )


def teams_config(*coordinators: str) -> CoreConfig:
    return CoreConfig(coordinators=list(coordinators), default_locale="sv")


@asynccontextmanager
async def running_teams(
    fake: FakeConnector,
    store: Store,
    clock: ManualClock,
    config: CoreConfig,
    *,
    settings: Settings | None = None,
    auth_overrides: dict[str, Any] | None = None,
    more: list[Platform] = (),
) -> AsyncIterator[TeamsWorld]:
    engine = Engine(store, clock, config)
    adapter = build_teams(
        engine, store, settings or teams_settings(), auth_overrides=auth_overrides
    )
    platforms: list[Platform] = [adapter, *more]
    routes = [route for p in platforms for route in p.routes() or ()]
    server = await start(build_web_app(routes), "127.0.0.1", 0)
    try:
        yield TeamsWorld(fake, adapter, engine, store, clock, server.url, platforms)
    finally:
        await server.stop()


@pytest.fixture
async def fake_connector() -> AsyncIterator[FakeConnector]:
    if not CARD_SCHEMA.is_file():
        pytest.skip(f"Adaptive Card schema not found at {CARD_SCHEMA}")
    fake = FakeConnector()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


COORD = TeamsPerson("aad-coord", "Kim Koordinator", locale="en-US", timezone="Europe/London")
MENTOR = TeamsPerson("aad-mentor", "Maja Mentor")
ADEPT = TeamsPerson("aad-adept", "Åsa Adept")


@pytest.fixture
async def teams(fake_connector: FakeConnector, tmp_path: Path) -> AsyncIterator[TeamsWorld]:
    """The bot with Teams alone, authentication off; the coordinator is ``COORD``."""
    from tests.e2e.conftest import START, make_store

    store = make_store(tmp_path)
    config = teams_config(f"teams:{TENANT}:{COORD.aad}")
    try:
        async with running_teams(fake_connector, store, ManualClock(START), config) as world:
            yield world
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()
