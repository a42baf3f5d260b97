import json

import pytest

from bot.slack.limits import problems, view_problems, width
from bot.slack.render import (
    action_id,
    field_errors,
    form_identity,
    form_values,
    home_view,
    message_payload,
    modal_view,
    neutral_action,
)
from conversations.messages import Button, Choice, Fact, Form, FormField, Message, Section

LONG = "Å" * 10_000
EMOJI = "🌱👩🏽‍💻 " * 2_000  # 2-unit emoji and a ZWJ sequence, 10,000 code points
SWEDISH = ("Jag vill bli tryggare i att leda möten, ge återkoppling och prioritera. " * 150)[
    :10_000
]


def _blocks(message: Message) -> list[dict[str, object]]:
    payload = message_payload(message, lang="sv")
    return payload["blocks"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("body", [LONG, EMOJI, SWEDISH], ids=["long", "emoji", "swedish"])
def test_long_text_is_split_into_valid_sections(body: str) -> None:
    blocks = _blocks(Message(title="Din dagbok", sections=(Section(text=body),)))
    assert problems(blocks) == []
    shown = "".join(b["text"]["text"] for b in blocks if b["type"] == "section")  # type: ignore[index]
    assert shown.replace(" ", "").replace("\n", "") == body.replace(" ", "").replace("\n", "")


def test_too_much_content_is_trimmed_visibly_and_keeps_the_buttons() -> None:
    sections = tuple(Section(text=SWEDISH) for _ in range(20))  # ~80 sections of 3,000 characters
    message = Message(
        title="x", sections=sections, buttons=(Button(label="Checka in", action="checkin.open"),)
    )
    blocks = _blocks(message)
    assert problems(blocks) == []
    assert len(blocks) == 50
    assert any("förkortat" in json.dumps(b, ensure_ascii=False) for b in blocks)
    assert blocks[-1]["type"] == "actions"


def test_user_text_is_escaped_everywhere() -> None:
    evil = "<!channel> <https://evil.example|din bank> & <@U123>"
    message = Message(
        title=evil,
        sections=(Section(text=evil, facts=(Fact(label=evil, value=evil),)),),
        note=evil,
    )
    payload = message_payload(message)
    mrkdwn_texts = [payload["text"]]
    for block in payload["blocks"]:
        if block["type"] == "section":
            mrkdwn_texts += [block.get("text", {}).get("text", "")] + [
                f["text"] for f in block.get("fields", [])
            ]
        if block["type"] == "context":
            mrkdwn_texts += [e["text"] for e in block["elements"]]
    assert all("<" not in t and ">" not in t for t in mrkdwn_texts)
    assert any("&lt;!channel&gt;" in t for t in mrkdwn_texts)


def test_long_labels_and_actions_fit_slack_limits() -> None:
    buttons = tuple(
        Button(
            label="Boka nästa möte med din mentor 📅 " * 5,
            action="meeting.book" + "x" * 300,
            value=str(i),
        )
        for i in range(30)
    )
    facts = tuple(Fact(label=f"Mål {i}", value=LONG) for i in range(25))
    blocks = _blocks(
        Message(title=LONG, sections=(Section(text="", facts=facts),), buttons=buttons, note=LONG)
    )
    assert problems(blocks) == []
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]  # type: ignore[index]
    assert len(ids) == len(set(ids))


def test_action_ids_round_trip() -> None:
    assert neutral_action(action_id("goals.confirm", 3)) == "goals.confirm"
    assert neutral_action("help") == "help"


FORM = Form(
    form_id="checkin",
    title="Incheckning efter mötet med en väldigt lång titel",
    intro=SWEDISH,
    submit_label="Spara incheckningen nu",
    context="pair=7;meeting=3",
    fields=(
        FormField(
            name="raised",
            label="Vad tog ni upp?",
            kind="multiline",
            hint="Några rader räcker",
            max_length=4000,
        ),
        FormField(name="title", label="Rubrik", initial="Första mötet"),
        FormField(name="minutes", label="Minuter", kind="number", initial="60"),
        FormField(
            name="useful", label="Hur användbart?", kind="rating", required=False, initial="4"
        ),
        FormField(name="day", label="Dag", kind="date", initial="2026-12-01"),
        FormField(name="when", label="När", kind="datetime", hint="2026-12-01 14:00"),
        FormField(name="met", label="Träffades ni?", kind="bool"),
        FormField(
            name="cadence",
            label="Hur ofta?",
            kind="choice",
            choices=tuple(
                Choice(value=str(d), label=f"Var {d}:e dag — " + "🗓" * 80) for d in (7, 14, 21)
            ),
        ),
    ),
)


def test_every_field_kind_becomes_a_valid_modal() -> None:
    view = modal_view(FORM, lang="sv").to_dict()
    assert view_problems(view) == []
    assert view["type"] == "modal"
    assert width(view["title"]["text"]) <= 24
    assert form_identity(view["private_metadata"]) == ("checkin", "pair=7;meeting=3")
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    assert kinds == {
        "raised": "plain_text_input",
        "title": "plain_text_input",
        "minutes": "number_input",
        "useful": "static_select",
        "day": "datepicker",
        "when": "plain_text_input",
        "met": "radio_buttons",
        "cadence": "static_select",
    }
    met = next(b for b in view["blocks"] if b.get("block_id") == "met")
    assert [o["text"]["text"] for o in met["element"]["options"]] == ["Ja", "Nej"]


def test_submitted_state_maps_back_to_field_values() -> None:
    state = {
        "raised": {
            "value": {"type": "plain_text_input", "value": "Vi pratade om <prioritering> & tid"}
        },
        "minutes": {"value": {"type": "number_input", "value": "45"}},
        "useful": {"value": {"type": "static_select", "selected_option": {"value": "5"}}},
        "day": {"value": {"type": "datepicker", "selected_date": "2026-12-01"}},
        "when": {"value": {"type": "plain_text_input", "value": None}},
        "met": {"value": {"type": "radio_buttons", "selected_option": {"value": "yes"}}},
        "cadence": {"value": {"type": "static_select", "selected_option": None}},
    }
    assert form_values(state) == {
        "raised": "Vi pratade om <prioritering> & tid",
        "minutes": "45",
        "useful": "5",
        "day": "2026-12-01",
        "when": "",
        "met": "yes",
        "cadence": "",
    }


def test_field_errors_land_on_blocks_of_the_modal() -> None:
    shown = field_errors(["when", "met"], {"when": "Okänt datum", "other": "Något saknas"})
    assert shown == {"when": "Okänt datum; Något saknas"}


def test_home_view_holds_at_most_100_blocks() -> None:
    big = Message(title="Hem", sections=tuple(Section(text=SWEDISH) for _ in range(40)))
    view = home_view([big], lang="en").to_dict()
    assert view_problems(view) == []
    assert len(view["blocks"]) == 100
