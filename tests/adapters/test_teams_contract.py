"""The adapter contract for Teams: each message rendered as Adaptive Cards and each form as a
card with inputs, pressed and submitted as Teams' client would (``Action.Submit``: the
action's ``data`` with the inputs beside it, in a ``message`` activity's ``value``), read
back by the function the listeners use (``message_event``)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bot.teams.activities import message_event
from bot.teams.cards import form_card, message_cards
from conversations.events import Event
from conversations.messages import Form, Message
from tests.adapters.contract import AdapterContract
from tests.e2e.teams_world import card_actions, card_elements


def _wire(data: Any) -> Any:
    return json.loads(json.dumps(data))


def _activity(value: dict[str, Any]) -> dict[str, Any]:
    return _wire(
        {
            "type": "message",
            "id": "f:1",
            "channelId": "msteams",
            "from": {"id": "29:x", "aadObjectId": "aad-x", "name": "Maja"},
            "conversation": {"id": "a:x", "conversationType": "personal", "tenantId": "t"},
            "replyToId": "1:1",
            "value": value,
        }
    )


class TeamsUser:
    """A person in Teams' client: sees the cards the bot sent, presses, fills in inputs."""

    def press(self, message: Message, index: int) -> Event:
        cards = _wire(message_cards(message, lang="sv"))
        actions = [a for card in cards for a in card_actions(card)]
        assert len(actions) == len(message.buttons), "not every button was shown"
        action = actions[index]  # buttons are shown in their order
        assert action["type"] == "Action.Submit"
        event = message_event(_activity(dict(action["data"])))
        assert event is not None
        return event

    def submit(self, form: Form, values: dict[str, str]) -> Event:
        card = _wire(form_card(form, lang="sv"))
        inputs = {e["id"]: e for e in card_elements(card) if e["type"].startswith("Input.")}
        assert set(inputs) == {f.name for f in form.fields}, "not every field was shown"
        data = {name: _typed(element, values.get(name, "")) for name, element in inputs.items()}
        (submit,) = card["actions"]
        event = message_event(_activity({**data, **submit["data"]}))
        assert event is not None
        return event


def _typed(element: dict[str, Any], value: str) -> str:
    """What Teams sends for an input once the person made it hold ``value``; an
    AssertionError when the input cannot hold that value at all."""
    kind = element["type"]
    if kind == "Input.ChoiceSet":
        options = {c["value"] for c in element["choices"]}
        assert value == "" or value in options, f"{value!r} is not among the choices"
    elif kind == "Input.Number":
        assert value == "" or value.lstrip("-").isdigit(), f"{value!r} is not a whole number"
    elif kind == "Input.Date":
        if value:
            date.fromisoformat(value)
    else:
        assert kind == "Input.Text", kind
        assert len(value) <= element.get("maxLength", 10**9), "longer than the field allows"
    return value


class TestTeamsAdapter(AdapterContract):
    @pytest.fixture
    def platform_user(self) -> TeamsUser:
        return TeamsUser()
