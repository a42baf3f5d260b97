"""Routes are declared by each flow and gathered by the engine; help is derived from them."""

from __future__ import annotations

import pytest

from conversations.engine import FLOWS, ROUTES
from conversations.memory import InMemoryStore
from conversations.messages import Reply
from conversations.parsing import CommandLine
from conversations.routes import Action, Audience, ButtonRoute, CommandRoute, FormId, Routes
from conversations.turn import Turn
from tests.conversations.harness import make_bot, paired


def _noop(turn: Turn, value: str) -> Reply:
    return Reply()


def _command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return Reply()


def test_every_button_and_form_the_bot_names_is_routed_once() -> None:
    assert sorted(b.action for b in ROUTES.buttons) == sorted(Action)
    assert sorted(f.form_id for f in ROUTES.forms) == sorted(FormId)


def test_every_flow_declares_routes() -> None:
    assert all(isinstance(flow.ROUTES, Routes) for flow in FLOWS)
    assert all(Routes() != flow.ROUTES for flow in FLOWS)


def test_a_word_routed_twice_is_refused_when_gathered() -> None:
    a = Routes(commands=(CommandRoute("x", ("y",), Audience.EVERYONE, _command),))
    b = Routes(commands=(CommandRoute("y", (), Audience.EVERYONE, _command),))
    with pytest.raises(ValueError, match="command word routed twice: y"):
        Routes.gather([a, b])
    c = Routes(buttons=(ButtonRoute(Action.HOME, _noop),))
    with pytest.raises(ValueError, match="button routed twice: home"):
        Routes.gather([c, c])


def test_help_lists_every_command_its_reader_may_use_and_no_other() -> None:
    bot = make_bot(InMemoryStore(), default_locale="en")
    paired(bot)
    coordinator_help = bot.say("kim", "help").messages[0].plain_text()
    adept_help = bot.say("bo", "help").messages[0].plain_text()
    for route in ROUTES.commands:
        word = f"`{route.name}"  # each usage line starts with the command word
        if route.audience == Audience.EVERYONE:
            assert word in coordinator_help and word in adept_help
        elif route.audience == Audience.PAIR:
            assert word in adept_help and word not in coordinator_help
        else:
            assert word in coordinator_help and word not in adept_help
