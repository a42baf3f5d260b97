"""Neutral messages and forms as Adaptive Cards 1.5 (the version Teams renders).

* A ``Message``: its title, sections (with facts as a ``FactSet``), a small note and its
  buttons as ``Action.Submit`` whose ``data`` carries the routing key (``activities.Route``).
* A ``Form``: one input per field (``id`` = the field's name), the submit button carrying the
  form's id and context. Refused values come back on the same card with each error under its
  field and the values kept.
* After a submit the card is replaced by ``used_card`` (nothing left to press); a card pressed
  again says why nothing happened (``stale_card``).

Everything a person or the core wrote goes through ``text.markdown``/``text.escape``. A card
is kept under ``CARD_BYTES`` (Teams refuses activities over ~28 KB): a long message is split
over several cards, and a single text too long for one is shortened with a note.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.teams.activities import BUTTON, FORM, Route
from bot.teams.text import escape, markdown
from bot.teams.words import words
from conversations.messages import Button, Choice, Form, FormField, Message

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_BYTES = 24_000  # the card's JSON; the activity around it stays under Teams' ~28 KB
ROOT_ACTIONS = 6  # Teams shows at most six actions at a card's root
ACTION_ROW = 5  # more buttons: rows of five in the body
TITLE_CHARS = 200

Element = dict[str, Any]
Card = dict[str, Any]


def card(body: Sequence[Element], actions: Sequence[Element] = ()) -> Card:
    shown: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION}
    shown["body"] = list(body)
    if actions:
        shown["actions"] = list(actions)
    return shown


def size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def _title(text: str) -> Element:
    return {
        "type": "TextBlock",
        "text": markdown(text),
        "weight": "Bolder",
        "size": "Medium",
        "wrap": True,
    }


def _text(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": markdown(text), "wrap": True, **style}


def _note(text: str) -> Element:
    return _text(text, isSubtle=True, size="Small")


def _plain(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": escape(text), "wrap": True, **style}


# Messages ------------------------------------------------------------------------------


def button_action(button: Button, title: str) -> Element:
    route = Route(BUTTON, button.action, button.value, title[:TITLE_CHARS], button.label[:100])
    action: Element = {
        "type": "Action.Submit",
        "title": button.label or "…",
        "data": route.encode(),
    }
    if button.style is not None:
        action["style"] = "positive" if button.style == "primary" else "destructive"
    return action


def _buttons(message: Message) -> tuple[list[Element], list[Element]]:
    """(body rows, root actions) for the message's buttons."""
    actions = [button_action(b, message.title) for b in message.buttons]
    if len(actions) <= ROOT_ACTIONS:
        return [], actions
    rows = [
        {"type": "ActionSet", "actions": actions[i : i + ACTION_ROW]}
        for i in range(0, len(actions), ACTION_ROW)
    ]
    return rows, []


def _fitted(text: str, room: int, lang: str) -> list[Element]:
    """A text's blocks: one if it fits ``room`` bytes, else cut at a line (or a word) with a
    note that it was shortened."""
    block = _text(text)
    if size(block) <= room:
        return [block]
    note = _note(words(lang)["trimmed"])
    cut = text
    while cut and size(_text(cut)) + size(note) > room:
        cut = cut[: max(0, int(len(cut) * 0.9) - 1)]
        split = max(cut.rfind("\n"), cut.rfind(" "))
        if split > len(cut) // 2:
            cut = cut[:split]
    return [_text(cut.rstrip() + " …"), note]


def message_cards(message: Message, *, lang: str = "en", limit: int = CARD_BYTES) -> list[Card]:
    """A message as one card, or as several when it is longer than ``limit`` (the title on
    the first, "continued" on the rest, the buttons and the note on the last)."""
    blocks: list[Element] = []
    room = limit - size(card([])) - 600  # leave space for a title or a note
    for section in message.sections:
        if section.text:
            blocks.extend(_fitted(section.text, room, lang))
        if section.facts:
            facts = [{"title": escape(f.label), "value": escape(f.value)} for f in section.facts]
            fact_set: Element = {"type": "FactSet", "facts": facts}
            if size(fact_set) > room:
                fact_set = {"type": "FactSet", "facts": _fit_facts(facts, room)}
                blocks.extend([fact_set, _note(words(lang)["trimmed"])])
            else:
                blocks.append(fact_set)
    rows, actions = _buttons(message)
    tail = [*([_note(message.note)] if message.note else []), *rows]
    cards: list[list[Element]] = [[_title(message.title)] if message.title else []]
    for block in blocks:
        if cards[-1] and size(card([*cards[-1], block])) > limit - 600:
            cards.append([_note(words(lang)["continued"])])
        cards[-1].append(block)
    if size(card([*cards[-1], *tail], actions)) > limit:
        cards.append([])
    cards[-1].extend(tail)
    return [card(body, actions if i == len(cards) - 1 else ()) for i, body in enumerate(cards)]


def _fit_facts(facts: list[dict[str, str]], room: int) -> list[dict[str, str]]:
    kept: list[dict[str, str]] = []
    for fact in facts:
        if size({"type": "FactSet", "facts": [*kept, fact]}) > room:
            break
        kept.append(fact)
    return kept


# Forms ---------------------------------------------------------------------------------


def form_card(
    form: Form,
    *,
    lang: str = "en",
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """A form as a card with inputs. ``values`` (what was submitted) replace the initial
    values; each of ``errors`` is shown under its field (an error for no field on top)."""
    values = values or {}
    errors = errors or {}
    names = {f.name for f in form.fields}
    body: list[Element] = [_title(form.title)] if form.title else []
    if errors:
        body.append(_plain(words(lang)["fix_fields"], color="Attention", weight="Bolder"))
        body.extend(_plain(e, color="Attention") for n, e in errors.items() if n not in names)
    if form.intro:
        body.extend(_fitted(form.intro, CARD_BYTES // 3, lang))
    for field in form.fields:
        shown = values.get(field.name, field.initial)
        body.append(_input(field, shown, lang))
        if field.hint and field.kind not in ("text", "multiline", "datetime", "number"):
            body.append(_note(field.hint))
        if field.name in errors:
            body.append(_plain(errors[field.name], color="Attention", spacing="None"))
    route = Route(FORM, form.form_id, form.context, form.title[:TITLE_CHARS])
    submit = {
        "type": "Action.Submit",
        "title": form.submit_label or "OK",
        "style": "positive",
        "data": route.encode(),
    }
    return card(body, [submit])


def _input(field: FormField, value: str, lang: str) -> Element:
    element: Element = {"id": field.name, "label": field.label or field.name}
    if field.required:
        element["isRequired"] = True
        element["errorMessage"] = words(lang)["required"]
    if field.kind in ("text", "multiline", "datetime"):
        element.update(type="Input.Text", maxLength=max(1, field.max_length))
        if field.kind == "multiline":
            element["isMultiline"] = True
        if value:
            element["value"] = value
    elif field.kind == "number":
        element["type"] = "Input.Number"
        if value.lstrip("-").isdigit():
            element["value"] = int(value)
    elif field.kind == "date":
        element["type"] = "Input.Date"
        if _iso_date(value):
            element["value"] = value.strip()
    else:
        choices = _choices(field, lang)
        element.update(
            type="Input.ChoiceSet",
            choices=[{"title": c.label or c.value, "value": c.value} for c in choices],
            style="expanded" if field.kind == "bool" else "compact",
        )
        if value in {c.value for c in choices}:
            element["value"] = value
    if field.hint and element["type"] in ("Input.Text", "Input.Number"):
        element["placeholder"] = field.hint
    return element


def _choices(field: FormField, lang: str) -> tuple[Choice, ...]:
    if field.choices:
        return field.choices
    if field.kind == "rating":
        return tuple(Choice(value=str(n), label=str(n)) for n in range(1, 6))
    if field.kind == "bool":
        w = words(lang)
        return (Choice(value="yes", label=w["yes"]), Choice(value="no", label=w["no"]))
    return ()


def _iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


# After a submit ------------------------------------------------------------------------


def used_card(route: Route, *, lang: str = "en") -> Card:
    """What replaces a card once it was submitted: its title and what was done."""
    w = words(lang)
    said = w["chosen"].format(label=route.label) if route.label else w["sent"]
    body = [_title(route.title)] if route.title else []
    return card([*body, _plain(said, isSubtle=True)])


def stale_card(route: Route, *, lang: str = "en") -> Card:
    """What replaces a card submitted again after it was used."""
    body = [_title(route.title)] if route.title else []
    return card([*body, _text(words(lang)["stale"], isSubtle=True)])
