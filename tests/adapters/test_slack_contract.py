"""The adapter contract for Slack: each message rendered as Block Kit and each form as a
modal, pressed and submitted as Slack's client would, read back by the functions the
interactivity listeners use (``button_event``, ``submission_event``)."""

from __future__ import annotations

import json
from itertools import count
from typing import Any

import pytest

from bot.slack.events import form_offer
from bot.slack.interactivity import button_event, submission_event
from bot.slack.messages import message_payload
from bot.slack.modals import modal_view
from conversations.events import Command, Event
from conversations.messages import Form, Message
from tests.adapters.contract import AdapterContract

TEAM = "T0001"
USER = "UMENTOR"


def _wire(data: Any) -> Any:
    """As it arrives from Slack: JSON, with nothing of ours but what was sent."""
    return json.loads(json.dumps(data))


class SlackUser:
    """A person in Slack's client: sees the blocks the bot posted, clicks, fills in modals."""

    def __init__(self) -> None:
        self._ids = count(1)

    def _envelope(self, kind: str) -> dict[str, Any]:
        n = next(self._ids)
        return {
            "type": kind,
            "team": {"id": TEAM, "domain": "test"},
            "user": {"id": USER, "username": "maja", "team_id": TEAM},
            "api_app_id": "A0001",
            "token": "legacy",
            "trigger_id": f"{n}.trigger",
        }

    def press(self, message: Message, index: int) -> Event:
        payload = _wire(message_payload(message, lang="sv"))
        rows = [b for b in payload["blocks"] if b["type"] == "actions"]
        elements = [(row, e) for row in rows for e in row["elements"] if e["type"] == "button"]
        assert len(elements) == len(message.buttons), "not every button was shown"
        row, element = elements[index]  # buttons are shown in their order
        block_id = row.get("block_id") or f"b{next(self._ids)}"  # Slack names unnamed blocks
        action = {
            "type": "button",
            "block_id": block_id,
            "action_id": element["action_id"],
            "text": element["text"],
            "action_ts": f"1790000000.{next(self._ids):06d}",
        }
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
        body = {
            **self._envelope("block_actions"),
            "container": {"type": "message", "message_ts": "1790000000.000100"},
            "channel": {"id": f"D{USER}", "name": "directmessage"},
            "message": {"type": "message", "ts": "1790000000.000100", **payload},
            "response_url": "https://hooks.slack.com/actions/T0001/1/x",
            "actions": [action],
        }
        return button_event(_wire(body))

    def submit(self, form: Form, values: dict[str, str]) -> Event:
        view = _wire(modal_view(form, lang="sv").to_dict())
        inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
        assert set(inputs) == {f.name for f in form.fields}, "not every field was shown"
        state = {
            name: {block["element"]["action_id"]: _typed(block["element"], values.get(name, ""))}
            for name, block in inputs.items()
        }
        body = {
            **self._envelope("view_submission"),
            "view": {
                **view,
                "id": f"V{next(self._ids)}",
                "team_id": TEAM,
                "app_id": "A0001",
                "hash": "1790000000.abc",
                "state": {"values": state},
            },
        }
        return submission_event(_wire(body))


def _typed(element: dict[str, Any], value: str) -> dict[str, Any]:
    """An input element's state once the person made it hold ``value``, as Slack sends it;
    an AssertionError when Slack's element cannot hold that value at all."""
    kind = element["type"]
    if kind in ("static_select", "radio_buttons"):
        options = {o["value"]: o for o in element["options"]}
        assert value == "" or value in options, f"{value!r} is not among the options"
        return {"type": kind, "selected_option": options.get(value)}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value or None}
    if kind == "number_input":
        assert value == "" or value.lstrip("-").isdigit(), f"{value!r} is not a whole number"
        return {"type": kind, "value": value or None}
    assert kind == "plain_text_input", kind
    assert len(value) <= element.get("max_length", 3000), "longer than the field allows"
    return {"type": kind, "value": value or None}


class TestSlackAdapter(AdapterContract):
    @pytest.fixture
    def platform_user(self) -> SlackUser:
        return SlackUser()


def test_a_form_asked_for_in_a_dm_opens_by_running_the_typed_command_again() -> None:
    """Slack's own button (a DM cannot open a modal, a click can) comes back as the command."""
    form = Form(form_id="checkin", title="Incheckning", fields=(), submit_label="Spara")
    offer = form_offer(form, "incheckning @U0123")
    assert SlackUser().press(offer, 0) == Command(
        text="incheckning @U0123", mentions={"@U0123": "U0123"}
    )
