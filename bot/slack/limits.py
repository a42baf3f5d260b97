"""Slack's Block Kit limits, text cut to fit them, and a check of a finished payload.

The renderers (``messages``, ``modals``, ``home``) keep inside these numbers with ``clip``,
``clip_escaped`` and ``split_text``; ``problems`` re-checks a payload as Slack would receive it
(slack-sdk's model validation plus the counts slack-sdk does not check), for tests and for a
log line before Slack would refuse a message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack.mrkdwn import escape, escaped_length

# https://docs.slack.dev/reference/block-kit
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or the Home tab
SECTION_TEXT = 3000
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
BLOCK_ID = 255
INPUT_MAX_LENGTH = 3000  # a plain_text_input's max_length, and so its initial_value
SELECT_OPTIONS = 100
RADIO_OPTIONS = 10
OPTION_VALUE = 150
PRIVATE_METADATA = 3000
FIELDS_PER_SECTION = 10
VIEW_TITLE = 24  # a modal's title, submit and close labels
VIEW_BUTTON = 24
INPUT_LABEL = 2000
INPUT_HINT = 2000
PLACEHOLDER = 150
OPTION_TEXT = 75
FALLBACK_TEXT = 3000  # the notification text that goes with a message's blocks


def width(text: str) -> int:
    """Characters as Slack may count them: UTF-16 code units (an emoji can be two)."""
    return len(text.encode("utf-16-le")) // 2


def _prefix(text: str, limit: int, *, escaped: bool) -> int:
    """How many characters of ``text`` fit in ``limit`` (after escaping, if ``escaped``)."""
    whole = width(text) + (escaped_length(text) - len(text) if escaped else 0)
    if whole <= limit:  # all of it (most texts): no need to count character by character
        return len(text)
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


def problems(blocks: Sequence[Mapping[str, Any]], *, max_blocks: int = MESSAGE_BLOCKS) -> list[str]:
    """Why Slack would refuse these blocks ([] when it would not)."""
    found: list[str] = []
    if not 0 < len(blocks) <= max_blocks:
        found.append(f"{len(blocks)} blocks (1..{max_blocks} allowed)")
    for index, raw in enumerate(blocks):
        try:
            block = Block.parse(dict(raw))
            if block is None:
                found.append(f"block {index}: unknown type {raw.get('type')!r}")
                continue
            block.to_dict()  # slack-sdk validates the block and everything in it
        except (SlackObjectFormationError, KeyError, TypeError, ValueError) as error:
            found.append(f"block {index}: {error}")
        found.extend(f"block {index}: {p}" for p in _lengths(raw))
    return found


def view_problems(view: Mapping[str, Any]) -> list[str]:
    """Why Slack would refuse this modal or Home tab."""
    found: list[str] = []
    try:
        View(**dict(view)).to_dict()
    except (SlackObjectFormationError, TypeError, ValueError) as error:
        found.append(f"view: {error}")
    metadata = view.get("private_metadata") or ""
    if width(metadata) > PRIVATE_METADATA:
        found.append(f"private_metadata {width(metadata)} > {PRIVATE_METADATA}")
    found.extend(problems(view.get("blocks") or [], max_blocks=VIEW_BLOCKS))
    return found


def _lengths(block: Mapping[str, Any]) -> Iterator[str]:
    """The per-text limits, counted in UTF-16 units (slack-sdk counts code points)."""
    kind = block.get("type")
    text = (block.get("text") or {}).get("text")
    if kind == "section" and text is not None and width(text) > SECTION_TEXT:
        yield f"section text {width(text)} > {SECTION_TEXT}"
    if kind == "header" and text is not None and width(text) > HEADER_TEXT:
        yield f"header text {width(text)} > {HEADER_TEXT}"
    for field in block.get("fields") or []:
        if width(field.get("text", "")) > FIELD_TEXT:
            yield f"field text {width(field['text'])} > {FIELD_TEXT}"
    elements = list(block.get("elements") or [])
    if block.get("element"):
        elements.append(block["element"])
    for element in elements:
        if element.get("type") == "button":
            label = element.get("text", {}).get("text", "")
            if width(label) > BUTTON_TEXT:
                yield f"button text {width(label)} > {BUTTON_TEXT}"
            if width(element.get("value") or "") > BUTTON_VALUE:
                yield f"button value > {BUTTON_VALUE}"
        yield from _element_limits(element)
        if len(element.get("action_id") or "") > ACTION_ID:
            yield f"action_id > {ACTION_ID}"
        if element.get("type") == "mrkdwn" and width(element.get("text", "")) > SECTION_TEXT:
            yield f"context text > {SECTION_TEXT}"
    if len(block.get("block_id") or "") > BLOCK_ID:
        yield f"block_id > {BLOCK_ID}"


def _element_limits(element: Mapping[str, Any]) -> Iterator[str]:
    """Inputs and selects: counts of options, option values, initial values."""
    kind = element.get("type")
    options = list(element.get("options") or [])
    if kind == "radio_buttons" and len(options) > RADIO_OPTIONS:
        yield f"radio_buttons options {len(options)} > {RADIO_OPTIONS}"
    if kind == "static_select" and len(options) > SELECT_OPTIONS:
        yield f"static_select options {len(options)} > {SELECT_OPTIONS}"
    for option in options:
        if width(str(option.get("value") or "")) > OPTION_VALUE:
            yield f"option value > {OPTION_VALUE}"
    initial = element.get("initial_option")
    if options and initial and initial.get("value") not in [o.get("value") for o in options]:
        yield "initial_option is not one of the options"
    if kind == "plain_text_input" and element.get("initial_value") is not None:
        value = width(str(element["initial_value"]))
        limit = min(int(element.get("max_length") or INPUT_MAX_LENGTH), INPUT_MAX_LENGTH)
        if value > limit:
            yield f"initial_value {value} > max_length {limit}"
