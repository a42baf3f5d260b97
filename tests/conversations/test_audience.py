"""The audience of every route is checked in one place, the engine, before any flow runs:
commands, buttons and forms alike (a coordinator's button need not remember to check)."""

from __future__ import annotations

import pytest

from conversations import engine
from conversations.events import ButtonPressed, FormSubmitted
from conversations.memory import InMemoryStore
from conversations.messages import Reply
from conversations.routes import Action, Audience, ButtonRoute, FormId, FormRoute, Routes
from conversations.turn import Turn
from tests.conversations.harness import make_bot, paired


def test_a_coordinators_button_or_form_never_reaches_its_handler_for_anyone_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reached: list[str] = []

    def button(turn: Turn, value: str) -> Reply:
        reached.append(f"button:{turn.person.platform_user_id}")
        return turn.say("help.title")

    def form(turn: Turn, values: dict[str, str], context: str) -> Reply:
        reached.append(f"form:{turn.person.platform_user_id}")
        return turn.say("help.title")

    guarded = Routes(
        buttons=(ButtonRoute(Action.HELP, button, audience=Audience.COORDINATOR),),
        forms=(FormRoute(FormId.PAUSE, form, audience=Audience.COORDINATOR),),
    )
    others = [
        Routes(
            commands=r.commands,
            buttons=tuple(b for b in r.buttons if b.action != Action.HELP),
            forms=tuple(f for f in r.forms if f.form_id != FormId.PAUSE),
            answers=r.answers,
        )
        for r in (flow.ROUTES for flow in engine.FLOWS)
    ]
    monkeypatch.setattr(engine, "ROUTES", Routes.gather([*others, guarded]))
    bot = make_bot(InMemoryStore())
    paired(bot)
    for who in ("bo", "anna", "kim"):
        bot.act(who, ButtonPressed(action=Action.HELP))
        bot.act(who, FormSubmitted(form_id=FormId.PAUSE, values={"until": "2027-02-01"}))
    assert reached == ["button:kim", "form:kim"]


def test_every_route_declares_who_may_use_it() -> None:
    routes = engine.ROUTES
    everything = [*routes.commands, *routes.buttons, *routes.forms]
    assert everything and all(isinstance(r.audience, Audience) for r in everything)
