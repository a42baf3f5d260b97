import gc
import json
from typing import Any

import pytest

from bot.slack.actions import action_id, neutral_action
from bot.slack.home import home_view
from bot.slack.limits import problems, view_problems, width
from bot.slack.messages import message_payload
from bot.slack.modals import FormTooLarge, field_errors, form_identity, form_values, modal_view
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


def _modal(*fields: FormField, intro: str = "") -> dict[str, Any]:
    form = Form(form_id="f", title="T", fields=fields, submit_label="OK", intro=intro)
    return modal_view(form, lang="sv").to_dict()


def _element(view: dict[str, Any], name: str) -> dict[str, Any]:
    block = next(b for b in view["blocks"] if b.get("block_id") == name)
    return block["element"]  # type: ignore[no-any-return]


def test_initial_value_is_clipped_to_the_fields_max_length() -> None:
    view = _modal(FormField(name="title", label="Rubrik", max_length=20, initial="Å" * 50))
    element = _element(view, "title")
    assert element["max_length"] == 20
    assert width(element["initial_value"]) <= 20
    assert element["initial_value"].endswith("…")
    assert view_problems(view) == []


def test_an_initial_value_longer_than_max_length_is_a_problem() -> None:
    block = {
        "type": "input",
        "label": {"type": "plain_text", "text": "x"},
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "max_length": 5,
            "initial_value": "123456",
        },
    }
    assert any("initial_value" in p for p in problems([block]))


def test_a_form_with_more_fields_than_a_modal_holds_is_shortened_visibly() -> None:
    fields = tuple(FormField(name=f"f{i}", label=f"Fält {i}") for i in range(120))
    view = _modal(*fields, intro=SWEDISH)
    assert view_problems(view) == []
    assert len(view["blocks"]) == 100
    assert "förkortat" in json.dumps(view["blocks"][-1], ensure_ascii=False)
    assert [b["block_id"] for b in view["blocks"][:3]] == ["f0", "f1", "f2"]


def test_a_long_intro_gives_way_to_the_fields() -> None:
    fields = tuple(FormField(name=f"f{i}", label=f"Fält {i}") for i in range(95))
    view = _modal(*fields, intro=SWEDISH * 3)
    assert view_problems(view) == []
    assert len(view["blocks"]) == 100
    assert sum(b["type"] == "input" for b in view["blocks"]) == 95


def test_a_long_select_keeps_the_chosen_option() -> None:
    choices = tuple(Choice(value=f"p{i}", label=f"Person {i}") for i in range(150))
    view = _modal(
        FormField(name="who", label="Vem", kind="choice", choices=choices, initial="p140")
    )
    element = _element(view, "who")
    assert len(element["options"]) == 100
    assert element["initial_option"]["value"] == "p140"
    assert view_problems(view) == []


def test_radio_buttons_with_more_than_ten_options_become_a_select() -> None:
    choices = tuple(Choice(value=str(i), label=str(i)) for i in range(12))
    view = _modal(FormField(name="ok", label="OK?", kind="bool", choices=choices))
    assert _element(view, "ok")["type"] == "static_select"
    assert view_problems(view) == []


def test_an_option_whose_value_is_too_long_is_left_out_not_cut() -> None:
    choices = (Choice(value="x" * 200, label="lång"), Choice(value="kort", label="kort"))
    view = _modal(FormField(name="c", label="C", kind="choice", choices=choices))
    assert [o["value"] for o in _element(view, "c")["options"]] == ["kort"]


def test_a_button_value_is_never_cut() -> None:
    long_id = "🌱" * 1500  # 1,500 code points, 3,000 UTF-16 units
    message = Message(
        title="x",
        buttons=(
            Button(label="Lång", action="goals.view", value=long_id),
            Button(label="Kort", action="home", value="7"),
        ),
    )
    blocks = _blocks(message)
    assert problems(blocks) == []
    values = [e.get("value") for b in blocks if b["type"] == "actions" for e in b["elements"]]  # type: ignore[index, union-attr]
    assert values == ["7"]
    assert "Några knappar" in json.dumps(blocks, ensure_ascii=False)


def test_trimming_keeps_the_order_and_says_when_buttons_were_left_out() -> None:
    sections = tuple(Section(text=SWEDISH) for _ in range(20))
    buttons = tuple(Button(label=f"B{i}", action=f"a{i}") for i in range(200))  # 40 rows
    blocks = _blocks(Message(title="x", sections=sections, buttons=buttons, note="slut"))
    assert problems(blocks) == []
    assert len(blocks) == 50
    kinds = [b["type"] for b in blocks]
    assert kinds[0] == "header"
    first_action = kinds.index("actions")
    assert all(k == "actions" for k in kinds[first_action:])  # nothing moved after the buttons
    note = next(b for b in blocks if b["type"] == "context")
    assert "Några knappar" in json.dumps(note, ensure_ascii=False)
    assert kinds.index("context") < first_action


def test_a_form_whose_context_does_not_fit_is_refused_not_cut() -> None:
    form = Form(form_id="f", title="T", fields=(), submit_label="OK", context="x" * 4000)
    with pytest.raises(FormTooLarge):
        modal_view(form)


def test_a_rendering_is_reused_while_its_message_lives_and_goes_with_it() -> None:
    """help's message is one object per language, so it is rendered once; a message a person
    wrote is rendered for the turn that shows it and forgotten with it."""
    from bot.slack import messages as rendering

    private = "Min reflektion: chefen lyssnar inte."
    message = Message(title="Veckans fråga", sections=(Section(text=private),))
    first = message_payload(message, lang="sv")
    first["blocks"].clear()  # the caller's own dict
    again = message_payload(Message(title="Veckans fråga", sections=(Section(text=private),)))
    assert again == message_payload(message, lang="en")  # an equal message: the same answer
    assert message_payload(message, lang="sv")["blocks"]  # not the dict changed above
    assert message_payload(message, lang="sv") == message_payload(message, lang="sv")

    del message
    gc.collect()
    kept = json.dumps([dict(r) for r in rendering._RENDERED.values()], ensure_ascii=False)
    assert "chefen lyssnar inte" not in kept
