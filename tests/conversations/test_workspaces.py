"""Two workspaces in one database (two Slack workspaces, or two organisations of one Grid):
nothing of one is visible to, or changeable by, the other — through any command, button or
form. Driven through neutral events on the in-memory store and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conversations.config import CoreConfig
from conversations.engine import COMMANDS, Engine
from conversations.events import Actor, ButtonPressed, Command, FormSubmitted
from conversations.memory import InMemoryStore, ManualClock
from conversations.messages import Button, Form, Reply
from conversations.planner import PlanRules, queue_due
from conversations.records import (
    Agreement,
    CheckIn,
    Enrolment,
    Goal,
    Meeting,
    OutboxItem,
    Pair,
    Person,
    Programme,
    Reflection,
)
from conversations.routes import Audience
from storage.store import SqlStore
from tests.conversations.harness import FOREVER, START
from tests.databases import new_database_url

A, B = "TALPHA", "TBETA"
SECRET_NAMES = ("Alfa-programmet", "Anna Alfa", "Bo Alfa", "Kim Alfa")


@pytest.fixture(params=["memory", "sql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "memory":
        yield InMemoryStore()
        return
    sql = SqlStore(new_database_url(tmp_path))
    yield sql
    sql.close()


class World:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.clock = ManualClock(START)
        self.config = CoreConfig(coordinators=[f"slack:{A}:UKIM", f"slack:{B}:UKIM"])
        self.engine = Engine(store, self.clock, self.config)
        self.shown: list[Button] = []
        self.forms: list[Form] = []

    def act(self, workspace: str, user: str, event: Any, name: str = "") -> Reply:
        actor = Actor(
            platform="slack", workspace=workspace, platform_user_id=user, display_name=name
        )
        reply = self.engine.handle(actor, event)
        for message in reply.messages:
            self.shown.extend(message.buttons)
        if reply.form is not None:
            self.forms.append(reply.form)
        self.drain()
        return reply

    def say(self, workspace: str, user: str, text: str, name: str = "") -> str:
        mentions = {w: "U" + w[1:].upper() for w in text.split() if w.startswith("@")}
        reply = self.act(workspace, user, Command(text=text, mentions=mentions), name)
        return "\n".join(m.plain_text() for m in reply.messages)

    def drain(self) -> None:
        with self.store.transaction() as repo:
            queue_due(repo, self.clock.now(), PlanRules(), self.config)
        for item in self.store.claim_due(self.clock.now(), 10_000, "test", FOREVER):
            for button in item.payload.get("buttons", []):
                self.shown.append(Button.model_validate(button))

    def snapshot(self, workspace: str) -> dict[str, Any]:
        """Every record of the workspace's people, found through them (not through the
        workspace column, so that the check holds without it)."""
        with self.store.transaction() as repo:
            people = repo.find(Person, platform="slack", workspace=workspace)
            ids = [p.id for p in people]
            programmes = repo.find(Programme, created_by=ids)
            pairs = repo.find(Pair, programme_id=[p.id for p in programmes])
            pair_ids = [p.id for p in pairs]
            found: dict[str, list[Any]] = {
                "Person": people,
                "Programme": programmes,
                "Pair": pairs,
                "Enrolment": repo.find(Enrolment, person_id=ids),
                "Reflection": repo.find(Reflection, person_id=ids),
                "Outbox": repo.find(OutboxItem, person_id=ids),
            }
            for cls in (Goal, Agreement, Meeting, CheckIn):
                found[cls.__name__] = repo.find(cls, pair_id=pair_ids)
            return {k: sorted(r.model_dump_json() for r in v) for k, v in found.items()}


def build_workspace_a(world: World) -> None:
    say = world.say
    say(A, "UKIM", "help", "Kim Alfa")
    say(
        A,
        "UKIM",
        'program new "Alfa-programmet" --purpose career --start 2027-01-11 --end 2027-06-11',
    )
    say(A, "UANNA", "help", "Anna Alfa")
    say(A, "UBO", "help", "Bo Alfa")
    say(A, "UKIM", "enroll @anna as mentor")
    say(A, "UKIM", "enroll @bo as adept")
    for who in ("UANNA", "UBO"):  # each agrees to the data use
        (asked,) = [b for b in world.shown if b.action == "enrolment.consent"][-2:][
            slice(0, 1) if who == "UANNA" else slice(1, 2)
        ]
        world.act(A, who, ButtonPressed(action=asked.action, value=asked.value))
    assert "Anna Alfa" in say(A, "UKIM", "pair @anna @bo")
    say(A, "UBO", "meeting 2027-01-14 10:00 Kontoret")
    world.act(A, "UBO", ButtonPressed(action="goals.draft"))
    form = world.forms[-1]
    values = {f.name: f.initial for f in form.fields}
    values.update(
        {
            "goal1_text": "Leda möten",
            "goal1_signal": "Jag leder två möten",
            "goal1_target": "2027-04-01",
            "goal1_rating": "2",
        }
    )
    world.act(A, "UBO", FormSubmitted(form_id=form.form_id, values=values, context=form.context))
    say(A, "UANNA", "reflect")
    world.act(A, "UANNA", Command(text="reflect"))


def test_a_coordinator_of_another_workspace_finds_nothing_and_changes_nothing(store: Any) -> None:
    world = World(store)
    build_workspace_a(world)
    a_buttons = [b for b in world.shown if b.value]  # the ids workspace A's people were shown
    a_forms = list(world.forms)
    before = world.snapshot(A)
    assert before["Pair"] and before["Goal"] and before["Meeting"], "workspace A was not built"

    # Workspace B: same user ids (Slack ids are unique per workspace only, and in a Grid org
    # an id can appear in several), its own coordinator.
    said: list[str] = []
    said.append(world.say(B, "UKIM", "help", "Kim Beta"))
    coordinator_words = [c.name for c in COMMANDS if c.audience == Audience.COORDINATOR]
    assert len(coordinator_words) >= 6
    lines = (
        "program list",
        "status",
        "home",
        "program close 1",
        "program close Alfa-programmet",
        "enroll @anna as mentor --program 1",
        "enroll @bo as adept --program Alfa-programmet",
        "invite @anna as mentor --program 1",
        "match --program 1",
        "pair @anna @bo --program 1",
        "rematch @bo",
        "end @anna completed",
        "end @bo ended-early",
        "consent ask --program 1",
        "consent ask",
        "coordinators list",
        "report 1",
        "report Alfa-programmet",
        "coordinators remove @kim",
        "my-data",
    )
    assert set(coordinator_words) <= {line.split()[0] for line in lines}  # every one walked
    for line in lines:
        said.append(world.say(B, "UKIM", line))
    for who in ("UKIM", "UANNA", "UBO"):
        for button in a_buttons:
            reply = world.act(B, who, ButtonPressed(action=button.action, value=button.value))
            said.extend(m.plain_text() for m in reply.messages)
        for form in a_forms:
            values = {f.name: f.initial or "3" for f in form.fields}
            reply = world.act(
                B, who, FormSubmitted(form_id=form.form_id, values=values, context=form.context)
            )
            said.extend(m.plain_text() for m in reply.messages)
            said.extend(reply.errors.values())
    transcript = "\n".join(said)
    for secret in SECRET_NAMES:
        assert secret not in transcript
    assert world.snapshot(A) == before
    # B's coordinator really did work in B (the walk was not refused wholesale).
    assert "Kim Beta" in world.say(B, "UKIM", "coordinators list")


def test_a_person_of_another_workspace_with_the_same_id_is_another_person(store: Any) -> None:
    world = World(store)
    build_workspace_a(world)
    text = world.say(B, "UBO", "home", "Bo Beta")
    assert "Alfa" not in text
    with store.transaction() as repo:
        assert len(repo.find(Person, platform_user_id="UBO")) == 2
