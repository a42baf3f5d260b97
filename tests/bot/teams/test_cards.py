"""Neutral messages and forms as Adaptive Cards: valid 1.5, escaped, under Teams' size limit."""

from __future__ import annotations

import json

from bot.teams.activities import message_event
from bot.teams.cards import CARD_BYTES, form_card, message_cards, size
from bot.teams.text import incoming, markdown
from conversations.events import TextReceived
from conversations.messages import Button, Fact, Form, FormField, Message, Section
from tests.e2e.teams_world import card_problems


def test_what_a_person_typed_cannot_become_a_link_a_mention_or_markup() -> None:
    typed = "[klicka här](https://evil.example) ![bild](x.png) <at>Alla</at> **fet** _x_ \\"
    shown = markdown(typed)
    assert "](" not in shown.replace("\\](", "")
    assert "<at>" not in shown and "<" not in shown
    assert "\\[klicka här\\]" in shown
    assert "\\*\\*fet\\*\\*" in shown


def test_the_cores_bold_and_italic_survive_as_markdown() -> None:
    assert markdown("Hej *Maja*, _snart_ möte.") == "Hej **Maja**, _snart_ möte."


def test_a_mention_becomes_the_persons_aad_token_and_the_bots_own_is_dropped() -> None:
    entities = [
        {
            "type": "mention",
            "text": "<at>Mentorbot</at>",
            "mentioned": {"id": "28:bot", "name": "Mentorbot"},
        },
        {
            "type": "mention",
            "text": "<at>Maja Mentor</at>",
            "mentioned": {"id": "29:m", "name": "Maja Mentor", "aadObjectId": "aad-m"},
        },
    ]
    typed, mentions = incoming(
        "<at>Mentorbot</at> enroll <at>Maja Mentor</at> as mentor\nrad två", entities
    )
    assert typed == "enroll @aad-m as mentor\nrad två"
    assert mentions == {"@aad-m": "aad-m"}


def test_an_empty_message_is_no_event_and_a_foreign_submit_is_ignored() -> None:
    assert message_event({"type": "message", "text": "   "}) is None
    assert message_event({"type": "message", "value": {"something": "else"}}) is None
    assert message_event({"type": "message", "text": "hem"}) == TextReceived(text="hem")


def test_a_message_longer_than_a_card_is_split_with_every_part_valid() -> None:
    sections = tuple(Section(text=f"Stycke {i}: " + "ord " * 900) for i in range(12))
    message = Message(
        title="Lång",
        sections=sections,
        buttons=(Button(label="Öppna", action="home"),),
        note="liten text",
    )
    cards = message_cards(message, lang="sv")
    assert len(cards) > 1
    for card in cards:
        assert size(card) <= CARD_BYTES
        assert card_problems(card) == []
    assert "actions" in cards[-1] and all("actions" not in c for c in cards[:-1])
    assert "fortsättning" in json.dumps(cards[1], ensure_ascii=False)
    shown = json.dumps(cards, ensure_ascii=False)
    assert all(f"Stycke {i}:" in shown for i in range(12))  # nothing lost


def test_a_single_text_too_long_for_any_card_is_shortened_with_a_note_in_the_readers_language() -> (
    None
):
    message = Message(sections=(Section(text="x" * 60_000),))
    (card,) = message_cards(message, lang="en")
    assert size(card) <= CARD_BYTES
    assert "shortened: too long for Teams" in json.dumps(card)
    assert card_problems(card) == []


def test_many_buttons_and_facts_stay_valid() -> None:
    buttons = tuple(Button(label=f"Val {i}", action="x", value=str(i)) for i in range(13))
    facts = tuple(Fact(label=f"F{i}", value="v") for i in range(5))
    (card,) = message_cards(
        Message(title="T", sections=(Section(text="s", facts=facts),), buttons=buttons)
    )
    assert card_problems(card) == []
    sets = [e for e in card["body"] if e["type"] == "ActionSet"]
    assert sum(len(s["actions"]) for s in sets) == 13


def test_a_refused_form_keeps_the_values_and_shows_each_error_under_its_field() -> None:
    form = Form(
        form_id="checkin",
        title="Incheckning",
        submit_label="Spara",
        fields=(
            FormField(name="met", label="Träffades ni?", kind="bool"),
            FormField(name="raised", label="Vad tog ni upp?", kind="multiline"),
            FormField(name="usefulness", label="Nytta", kind="rating", required=False),
            FormField(name="on", label="Datum", kind="date", required=False),
            FormField(name="n", label="Antal", kind="number", required=False),
        ),
    )
    card = form_card(
        form,
        lang="sv",
        values={"met": "yes", "raised": "", "usefulness": "4", "on": "2027-01-02", "n": "3"},
        errors={"raised": "Skriv något.", "elsewhere": "Något annat."},
    )
    assert card_problems(card) == []
    body = card["body"]
    by_id = {e.get("id"): e for e in body}
    assert by_id["met"]["value"] == "yes" and by_id["usefulness"]["value"] == "4"
    assert by_id["on"]["value"] == "2027-01-02" and by_id["n"]["value"] == 3
    raised = body.index(by_id["raised"])
    assert body[raised + 1]["text"] == "Skriv något." and body[raised + 1]["color"] == "Attention"
    assert any(e.get("text") == "Något annat." for e in body[:raised])  # not lost
