"""Neutral messages and forms as Block Kit, built with ``slack_sdk.models`` and kept inside
Slack's limits: longer content is split into several blocks, and what still does not fit is
cut with a visible note. Everything the person or the core wrote is escaped.

The reverse direction lives here too: a submitted modal's state back into the form's values,
and a button's ``action_id`` back into the neutral action.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.limits import (
    ACTION_ID,
    BUTTON_TEXT,
    BUTTON_VALUE,
    FIELD_TEXT,
    HEADER_TEXT,
    MESSAGE_BLOCKS,
    SECTION_TEXT,
    VIEW_BLOCKS,
    width,
)
from bot.slack.mrkdwn import escape, escaped_length
from conversations.messages import Button, Choice, Form, FormField, Message

# More of Slack's limits (https://docs.slack.dev/reference/block-kit); the main ones are in
# bot.slack.limits.
FIELDS_PER_SECTION = 10
BUTTONS_PER_ROW = 5  # Slack allows 25; five keep a row readable
VIEW_TITLE = 24
VIEW_BUTTON = 24
PRIVATE_METADATA = 3000
INPUT_LABEL = 2000
INPUT_HINT = 2000
PLACEHOLDER = 150
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100
INPUT_MAX_LENGTH = 3000
FALLBACK_TEXT = 3000

VALUE_ACTION = "value"  # the action_id of every input element in a modal
_SUFFIX = "~"  # action_id = neutral action + "~" + position (unique within a message)

# The renderer's own few words, for what it adds itself (the core's texts come translated).
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "trimmed": "… (shortened: too long for Slack)",
        "yes": "Yes",
        "no": "No",
        "cancel": "Cancel",
    },
    "sv": {
        "trimmed": "… (förkortat: för långt för Slack)",
        "yes": "Ja",
        "no": "Nej",
        "cancel": "Avbryt",
    },
}


def words(lang: str) -> dict[str, str]:
    return _WORDS.get(lang, _WORDS["en"])


def _prefix(text: str, limit: int, *, escaped: bool) -> int:
    """How many characters of ``text`` fit in ``limit`` (after escaping, if ``escaped``)."""
    used = 0
    for index, char in enumerate(text):
        used += width(escape(char) if escaped else char)
        if used > limit:
            return index
    return len(text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    if width(text) <= limit:
        return text
    return text[: _prefix(text, limit - 1, escaped=False)].rstrip() + "…"


def clip_escaped(text: str, limit: int) -> str:
    """``text`` escaped and cut so that the escaped form fits ``limit``."""
    if width(text) + escaped_length(text) - len(text) <= limit:
        return escape(text)
    return escape(text[: _prefix(text, limit - 1, escaped=True)].rstrip()) + "…"


def split_text(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """Escaped chunks of ``text`` of at most ``limit`` characters each, cut at a paragraph,
    line or word boundary when there is one in the second half of a chunk."""
    chunks: list[str] = []
    rest = text
    while rest.strip():
        size = _prefix(rest, limit, escaped=True)
        cut = size
        if size < len(rest):
            for boundary in ("\n\n", "\n", " "):
                found = rest.rfind(boundary, size // 2, size)
                if found > 0:
                    cut = found + len(boundary)
                    break
        chunks.append(escape(rest[:cut].rstrip()) or escape(rest[:cut]))
        rest = rest[cut:].lstrip("\n")
    return chunks


# Messages -----------------------------------------------------------------------------


def action_id(action: str, position: int) -> str:
    suffix = f"{_SUFFIX}{position}"
    return action[: ACTION_ID - len(suffix)] + suffix


def neutral_action(slack_action_id: str) -> str:
    """The core's action name from a Block Kit action_id made by ``action_id``."""
    base, sep, position = slack_action_id.rpartition(_SUFFIX)
    return base if sep and position.isdigit() else slack_action_id


def message_blocks(
    message: Message, *, lang: str = "en", limit: int = MESSAGE_BLOCKS
) -> list[Block]:
    """A neutral message as at most ``limit`` blocks."""
    blocks: list[Block] = []
    if message.title:
        blocks.append(
            HeaderBlock(text=PlainTextObject(text=clip(message.title, HEADER_TEXT), emoji=True))
        )
    for section in message.sections:
        for chunk in split_text(section.text) if section.text else []:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
        for start in range(0, len(section.facts), FIELDS_PER_SECTION):
            fields = [
                MarkdownTextObject(text=_fact(f.label, f.value))
                for f in section.facts[start : start + FIELDS_PER_SECTION]
            ]
            blocks.append(SectionBlock(fields=fields))
    blocks.extend(_button_rows(message.buttons))
    if message.note:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=clip_escaped(message.note, SECTION_TEXT))]
            )
        )
    return _fit(blocks, limit, lang)


def _fact(label: str, value: str) -> str:
    head = f"*{clip_escaped(label, 200)}*\n"
    return head + clip_escaped(value, FIELD_TEXT - len(head))


def _button_rows(buttons: Sequence[Button]) -> list[Block]:
    rows: list[Block] = []
    for start in range(0, len(buttons), BUTTONS_PER_ROW):
        elements = [
            _button(b, start + i) for i, b in enumerate(buttons[start : start + BUTTONS_PER_ROW])
        ]
        rows.append(ActionsBlock(elements=elements))
    return rows


def _button(button: Button, position: int) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=clip(button.label, BUTTON_TEXT), emoji=True),
        action_id=action_id(button.action, position),
        value=button.value[:BUTTON_VALUE] if button.value else None,
        style=button.style,
    )


def _fit(blocks: list[Block], limit: int, lang: str) -> list[Block]:
    """Keep the buttons (they are how the person answers) and cut text blocks from the end,
    saying so, until the message fits."""
    if len(blocks) <= limit:
        return blocks
    actions = [b for b in blocks if isinstance(b, ActionsBlock)][: limit // 2]
    others = [b for b in blocks if not isinstance(b, ActionsBlock)]
    room = limit - len(actions) - 1
    note = ContextBlock(elements=[MarkdownTextObject(text=escape(words(lang)["trimmed"]))])
    return [*others[:room], note, *actions]


def fallback_text(message: Message) -> str:
    """The notification text that goes with the blocks (and is shown where blocks are not)."""
    return clip_escaped(message.plain_text(), FALLBACK_TEXT) or " "


def message_payload(message: Message, *, lang: str = "en") -> dict[str, Any]:
    """``text`` + ``blocks`` for chat.postMessage, chat.postEphemeral and response_url."""
    return {
        "text": fallback_text(message),
        "blocks": [b.to_dict() for b in message_blocks(message, lang=lang)],
    }


def home_view(messages: Iterable[Message], *, lang: str = "en") -> View:
    """The App Home tab: the dashboard message(s), within the 100-block limit."""
    blocks: list[Block] = []
    for message in messages:
        blocks.extend(message_blocks(message, lang=lang, limit=VIEW_BLOCKS))
    if not blocks:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=" ")))
    return View(type="home", blocks=_fit(blocks, VIEW_BLOCKS, lang))


# Forms --------------------------------------------------------------------------------


def modal_view(form: Form, *, lang: str = "en") -> View:
    """A neutral form as a modal. ``private_metadata`` carries the form id and context."""
    blocks: list[Block] = []
    if form.intro:
        blocks.extend(SectionBlock(text=MarkdownTextObject(text=c)) for c in split_text(form.intro))
    blocks = blocks[: VIEW_BLOCKS - len(form.fields)]
    blocks.extend(_input(field, lang) for field in form.fields[:VIEW_BLOCKS])
    metadata = json.dumps({"form": form.form_id, "context": form.context}, ensure_ascii=False)
    if len(metadata) > PRIVATE_METADATA:
        raise ValueError(f"form {form.form_id}: context too long for a Slack modal")
    return View(
        type="modal",
        callback_id=form.form_id[:255],
        title=PlainTextObject(text=clip(form.title, VIEW_TITLE) or "…", emoji=True),
        submit=PlainTextObject(text=clip(form.submit_label, VIEW_BUTTON), emoji=True),
        close=PlainTextObject(text=clip(words(lang)["cancel"], VIEW_BUTTON), emoji=True),
        private_metadata=metadata,
        blocks=blocks,
    )


def _input(field: FormField, lang: str) -> InputBlock:
    return InputBlock(
        block_id=field.name[:255],
        label=PlainTextObject(text=clip(field.label, INPUT_LABEL) or field.name, emoji=True),
        hint=PlainTextObject(text=clip(field.hint, INPUT_HINT), emoji=True) if field.hint else None,
        optional=not field.required,
        element=_element(field, lang),
    )


def _element(field: FormField, lang: str) -> Any:
    placeholder = PlainTextObject(text=clip(field.hint, PLACEHOLDER)) if field.hint else None
    if field.kind in ("text", "multiline", "datetime"):
        return PlainTextInputElement(
            action_id=VALUE_ACTION,
            multiline=field.kind == "multiline",
            max_length=min(field.max_length, INPUT_MAX_LENGTH),
            initial_value=field.initial[:INPUT_MAX_LENGTH] or None,
            placeholder=placeholder,
        )
    if field.kind == "number":
        return NumberInputElement(
            action_id=VALUE_ACTION,
            is_decimal_allowed=False,
            initial_value=field.initial if field.initial.lstrip("-").isdigit() else None,
            placeholder=placeholder,
        )
    if field.kind == "date":
        return DatePickerElement(
            action_id=VALUE_ACTION, initial_date=_iso_date(field.initial), placeholder=placeholder
        )
    choices = _choices(field, lang)
    options = [_option(c) for c in choices[:OPTIONS]]
    initial = next(
        (o for o, c in zip(options, choices, strict=False) if c.value == field.initial), None
    )
    if field.kind == "bool":
        return RadioButtonsElement(action_id=VALUE_ACTION, options=options, initial_option=initial)
    return StaticSelectElement(
        action_id=VALUE_ACTION, options=options, initial_option=initial, placeholder=placeholder
    )


def _choices(field: FormField, lang: str) -> tuple[Choice, ...]:
    if field.choices:
        return field.choices
    if field.kind == "rating":
        return tuple(Choice(value=str(n), label=str(n)) for n in range(1, 6))
    if field.kind == "bool":
        w = words(lang)
        return (Choice(value="yes", label=w["yes"]), Choice(value="no", label=w["no"]))
    return ()


def _option(choice: Choice) -> Option:
    value = choice.value[:OPTION_VALUE]
    return Option(
        value=value, text=PlainTextObject(text=clip(choice.label, OPTION_TEXT) or value, emoji=True)
    )


def _iso_date(text: str) -> str | None:
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return None


def form_values(state: Mapping[str, Any]) -> dict[str, str]:
    """A submitted modal's ``view.state.values`` as the form's ``{field name: text}``."""
    values: dict[str, str] = {}
    for block_id, actions in state.items():
        element: Mapping[str, Any] = actions.get(VALUE_ACTION) or next(iter(actions.values()), {})
        values[block_id] = _element_value(element)
    return values


def _element_value(element: Mapping[str, Any]) -> str:
    kind = element.get("type")
    if kind == "datepicker":
        return str(element.get("selected_date") or "")
    if kind in ("static_select", "radio_buttons"):
        selected = element.get("selected_option") or {}
        return str(selected.get("value") or "")
    if kind == "checkboxes":
        return ",".join(str(o.get("value")) for o in element.get("selected_options") or [])
    value = element.get("value")
    return "" if value is None else str(value)


def form_identity(private_metadata: str) -> tuple[str, str]:
    """(form id, context) from a modal made by ``modal_view``."""
    try:
        data = json.loads(private_metadata or "{}")
    except json.JSONDecodeError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    return str(data.get("form") or ""), str(data.get("context") or "")


def field_errors(form_fields: Iterable[str], errors: Mapping[str, str]) -> dict[str, str]:
    """The core's errors by field name as ``response_action: errors`` (by block id). An error
    for a field not in the modal is shown on the first field, so it is never lost."""
    names = list(form_fields)
    shown: dict[str, str] = {}
    for name, text in errors.items():
        target = name if name in names else (names[0] if names else name)
        shown[target] = clip("; ".join(filter(None, [shown.get(target, ""), text])), INPUT_HINT)
    return shown
