"""Neutral messages as Block Kit message payloads, built with ``slack_sdk.models`` and kept
inside Slack's limits: longer content is split into several blocks, and what still does not
fit is cut with a visible note. Everything the person or the core wrote is escaped.

``message_blocks`` and ``fit`` are shared with the modals and the Home tab, which show
messages too.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.slack.actions import action_id
from bot.slack.limits import (
    BUTTON_TEXT,
    BUTTON_VALUE,
    FALLBACK_TEXT,
    FIELD_TEXT,
    FIELDS_PER_SECTION,
    HEADER_TEXT,
    MESSAGE_BLOCKS,
    SECTION_TEXT,
    clip,
    clip_escaped,
    split_text,
    width,
)
from bot.slack.words import words
from conversations.messages import Button, Message

log = logging.getLogger("mentorbot.slack.render")

BUTTONS_PER_ROW = 5  # Slack allows 25; five keep a row readable


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
    shown = [b for b in message.buttons if _button_value_fits(b)]
    blocks.extend(_button_rows(shown))
    if len(shown) < len(message.buttons):
        blocks.append(note(words(lang)["buttons_dropped"]))
    if message.note:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=clip_escaped(message.note, SECTION_TEXT))]
            )
        )
    return fit(blocks, limit, lang)


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


def _button_value_fits(button: Button) -> bool:
    """A button's value is an id or a command the core reads back: never cut. One too long
    for Slack is left out (and the message says so) rather than sent corrupted."""
    if width(button.value) <= BUTTON_VALUE:
        return True
    log.warning(
        "event=slack_button_dropped action=%s value_width=%d", button.action, width(button.value)
    )
    return False


def _button(button: Button, position: int) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=clip(button.label, BUTTON_TEXT) or "…", emoji=True),
        action_id=action_id(button.action, position),
        value=button.value or None,
        style=button.style,
    )


def note(text: str) -> ContextBlock:
    """A small grey line: what the adapter says about the content (e.g. that it was cut)."""
    return ContextBlock(elements=[MarkdownTextObject(text=clip_escaped(text, SECTION_TEXT))])


def fit(blocks: list[Block], limit: int, lang: str) -> list[Block]:
    """At most ``limit`` blocks, in their order. Buttons are kept first (they are how the
    person answers; at most half the blocks), then text blocks from the start; a note stands
    where content was left out, saying that it was and whether buttons were among it."""
    if len(blocks) <= limit:
        return blocks
    actions = [i for i, b in enumerate(blocks) if isinstance(b, ActionsBlock)]
    others = [i for i, b in enumerate(blocks) if not isinstance(b, ActionsBlock)]
    kept_actions = actions[: limit // 2]
    keep = set(kept_actions) | set(others[: limit - 1 - len(kept_actions)])
    w = words(lang)
    text = w["trimmed"] + (" " + w["buttons_dropped"] if len(kept_actions) < len(actions) else "")
    fitted: list[Block] = []
    noted = False
    for index, block in enumerate(blocks):
        if index in keep:
            fitted.append(block)
        elif not noted:
            fitted.append(note(text))
            noted = True
    return fitted


def fallback_text(message: Message) -> str:
    """The notification text that goes with the blocks (and is shown where blocks are not)."""
    return clip_escaped(message.plain_text(), FALLBACK_TEXT) or " "


# Renderings of the messages still alive, by language, as JSON text. The keys are weak: a
# rendering goes with its message (at the end of the turn for most), so nothing a person wrote
# outlives the turn that showed it here; a message kept alive elsewhere (help's, built once
# per language) is rendered once. Frozen messages compare by value, so an equal message finds
# the same rendering.
_RENDERED: weakref.WeakKeyDictionary[Message, dict[str, str]] = weakref.WeakKeyDictionary()


def message_payload(message: Message, *, lang: str = "en") -> dict[str, Any]:
    """``text`` + ``blocks`` for chat.postMessage, chat.postEphemeral and response_url (a new
    dict each time: the caller may change it)."""
    rendered = _RENDERED.get(message)
    if rendered is not None and lang in rendered:
        loaded: dict[str, Any] = json.loads(rendered[lang])
        return loaded
    payload = {
        "text": fallback_text(message),
        "blocks": [b.to_dict() for b in message_blocks(message, lang=lang)],
    }
    _RENDERED.setdefault(message, {})[lang] = json.dumps(payload)
    return payload
