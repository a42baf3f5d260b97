"""A slash command answered in its ack: what the person sees comes with Slack's HTTP response
when the turn is done in time, and through ``response_url`` when it is not.

Slowness is a gate the test opens (``GatedCore``), never a clock: with the turn's budget set to
zero, "slower than the deadline" is certain while the gate is shut.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.slack.turns import Timing
from conversations.engine import Engine
from conversations.events import Actor, Command, Event
from conversations.messages import Reply
from conversations.ports import Repo
from conversations.records import Person
from tests.e2e.conftest import (
    IN_TIME,
    FakeSlack,
    SlackWorld,
    make_store,
    running_world,
    store_at,
    world_settings,
)


class CrashingCore:
    """The real engine, except that a command's turn raises (after writing, as a turn that
    crashed past its commit would): counts how often it ran."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.clock = engine.clock
        self.config = engine.config
        self.crash = False
        self.ran = 0

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply:
        if self.crash and isinstance(event, Command):
            self.ran += 1
            self.engine.handle(actor, event, event_key=event_key)
            raise RuntimeError("the turn crashed")
        return self.engine.handle(actor, event, event_key=event_key)

    def read_turn(
        self, actor: Actor, event: Command, accept: Callable[[Person], bool]
    ) -> tuple[Person, Reply] | None:
        if self.crash:
            return None  # the crashing turn is ``handle``'s
        return self.engine.read_turn(actor, event, accept)

    def ensure_person(self, repo: Repo, actor: Actor) -> Person:
        return self.engine.ensure_person(repo, actor)


def _texts(args: dict[str, Any]) -> str:
    return json.dumps(args.get("blocks") or [], ensure_ascii=False) + str(args.get("text", ""))


def _shown(call: Any) -> dict[str, Any]:
    return {key: value for key, value in call.args.items() if not key.startswith("_")}


async def test_help_is_answered_in_the_ack_itself(world: SlackWorld) -> None:
    sent = await world.command("UMENTOR", "hjälp")

    assert sent.status == 200
    answer = sent.json()
    assert answer["response_type"] == "ephemeral"
    assert "Det här kan jag hjälpa dig med" in _texts(answer)
    (shown,) = world.fake.of("response_url")
    assert shown.args["_via"] == "ack"  # nothing went to the response_url itself
    assert world.fake.all_problems() == []  # schema-valid blocks, fallback text, nothing else


@pytest.mark.parametrize(
    ("database", "mode"),
    [("sqlite", "auto"), pytest.param("postgres", "auto", marks=pytest.mark.postgres)],
)
async def test_help_is_answered_while_every_worker_thread_is_busy(
    fake_slack: FakeSlack,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    database: str,
    mode: str,
) -> None:
    """A reader's turn runs on the event loop (``bot.inline_reads``): help is answered in the
    ack even while every worker thread is taken (slow writes, say): by default on a database on
    this machine, SQLite or a PostgreSQL server on loopback."""
    if database == "sqlite":
        store = make_store(tmp_path)
    else:
        store = store_at(request.getfixturevalue("pg_database_url"))
    settings = world_settings(fake_slack)
    settings = settings.model_copy(
        update={"database": settings.database.model_copy(update={"reads_on_event_loop": mode})}
    )
    async with running_world(fake_slack, tmp_path, store=store, settings=settings) as world:
        try:
            await world.command("UMENTOR", "hjälp")  # first contact: their profile
            await world.settle()  # stored after the answer
            await world.command("UMENTOR", "hjälp")  # a quick reader's turn: the loop's now
            loop = asyncio.get_running_loop()
            loop.set_default_executor(ThreadPoolExecutor(max_workers=1))
            release = threading.Event()
            busy = loop.run_in_executor(None, release.wait, 30)  # the only worker thread
            try:
                sent = await asyncio.wait_for(world.command("UMENTOR", "hjälp"), IN_TIME)
                assert not busy.done()
            finally:
                release.set()
                await busy
        finally:
            store.close()  # type: ignore[attr-defined]

    answer = sent.json()
    assert answer["response_type"] == "ephemeral"
    assert "Det här kan jag hjälpa dig med" in _texts(answer)
    assert world.fake.all_problems() == []


async def test_the_answer_in_the_ack_is_what_response_url_would_have_got(
    slow: SlackWorld,
) -> None:
    await slow.command("UMENTOR", "hjälp")  # in time: in the ack
    slow.core.close(Command)
    slow.adapter.listeners.timing = Timing(answer_within=0.0)
    sent = await asyncio.wait_for(slow.command("UMENTOR", "hjälp", wait=False), IN_TIME)
    assert sent.status == 200
    assert sent.body in ("", "null")  # acked empty at the deadline
    slow.core.open()
    await slow.settle()

    in_ack, posted = slow.fake.of("response_url")
    assert in_ack.args["_via"] == "ack"
    assert "_via" not in posted.args
    assert _shown(in_ack) == _shown(posted)
    assert slow.fake.all_problems() == []


async def test_a_command_slower_than_the_deadline_is_answered_through_response_url(
    slow: SlackWorld,
) -> None:
    await slow.command("UMENTOR", "hjälp")  # known, with their profile
    slow.core.close(Command)
    slow.adapter.listeners.timing = Timing(answer_within=0.0)

    sent = await asyncio.wait_for(slow.command("UMENTOR", "pausa 2v", wait=False), IN_TIME)
    assert (sent.status, sent.body) in ((200, ""), (200, "null"))
    assert len(slow.fake.of("response_url")) == 1  # only the first command's
    slow.core.open()
    await slow.settle()

    answer = slow.fake.of("response_url")[-1]
    assert "_via" not in answer.args  # posted to the command's response_url
    assert answer.args["response_type"] == "ephemeral"
    assert "paus" in _texts(answer.args).lower()
    with slow.store.read() as repo:
        person = repo.first(Person, platform_user_id="UMENTOR")
    assert person is not None and person.paused_until is not None
    assert slow.fake.all_problems() == []


async def test_a_crashed_turn_is_answered_with_the_error_in_the_ack_and_not_run_again(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with running_world(fake_slack, tmp_path, core=CrashingCore) as world:
        await world.command("UMENTOR", "hjälp")  # known, with their profile
        world.core.crash = True
        sent = await world.command("UMENTOR", "pausa 2v")

        assert world.core.ran == 1  # the failing turn was not applied a second time
        assert sent.json()["response_type"] == "ephemeral"
        assert "något gick fel" in _texts(sent.json())  # in her language
        assert world.fake.all_problems() == []
