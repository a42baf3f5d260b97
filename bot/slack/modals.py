"""Neutral forms as Slack modals, and back: a submitted modal's state into the form's values.

A form's id and context travel in the modal's ``private_metadata`` (``modal_view`` writes it,
``form_identity`` reads it); each field is an input block whose ``block_id`` is the field's name
and whose element's ``action_id`` is ``VALUE_ACTION`` (``form_values`` reads them). Also here:
the small modals the listeners open while the core is still working, and what replaces them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
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
    INPUT_HINT,
    INPUT_LABEL,
    INPUT_MAX_LENGTH,
    OPTION_TEXT,
    OPTION_VALUE,
    PLACEHOLDER,
    PRIVATE_METADATA,
    RADIO_OPTIONS,
    VIEW_BLOCKS,
    VIEW_BUTTON,
    VIEW_TITLE,
    clip,
    split_text,
    width,
)
from bot.slack.limits import SELECT_OPTIONS as OPTIONS
from bot.slack.messages import fit, message_blocks, note
from bot.slack.mrkdwn import escape
from bot.slack.words import words
from conversations.messages import Choice, Form, FormField, Message

log = logging.getLogger("mentorbot.slack.render")

VALUE_ACTION = "value"  # the action_id of every input element in a modal


class FormTooLarge(ValueError):
    """The form's id and context do not fit a modal's ``private_metadata``. They come back
    with the submission, so they are never cut: the form is not shown."""


def modal_view(form: Form, *, lang: str = "en") -> View:
    """A neutral form as a modal. ``private_metadata`` carries the form id and context (raises
    ``FormTooLarge`` when they exceed Slack's 3,000 characters). More than 100 blocks: the
    intro is shortened first, then the last fields are left out, with a note saying so."""
    metadata = json.dumps({"form": form.form_id, "context": form.context}, ensure_ascii=False)
    if width(metadata) > PRIVATE_METADATA:
        raise FormTooLarge(f"form {form.form_id[:50]}: {width(metadata)} characters of metadata")
    intro = split_text(form.intro) if form.intro else []
    fields = list(form.fields)
    blocks: list[Block] = []
    if len(intro) + len(fields) <= VIEW_BLOCKS:
        blocks.extend(SectionBlock(text=MarkdownTextObject(text=c)) for c in intro)
        blocks.extend(_input(field, lang) for field in fields)
    elif len(fields) < VIEW_BLOCKS:  # the intro is cut
        room = VIEW_BLOCKS - 1 - len(fields)
        blocks.extend(SectionBlock(text=MarkdownTextObject(text=c)) for c in intro[:room])
        blocks.append(note(words(lang)["trimmed"]))
        blocks.extend(_input(field, lang) for field in fields)
    else:  # too many fields: no intro, the last fields left out
        log.warning(
            "event=slack_form_fields_dropped form=%s fields=%d", form.form_id[:50], len(fields)
        )
        blocks.extend(_input(field, lang) for field in fields[: VIEW_BLOCKS - 1])
        blocks.append(note(words(lang)["trimmed"]))
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
        max_length = max(1, min(field.max_length, INPUT_MAX_LENGTH))
        return PlainTextInputElement(
            action_id=VALUE_ACTION,
            multiline=field.kind == "multiline",
            max_length=max_length,
            initial_value=clip(field.initial, max_length) or None,
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
    choices = _shown_choices(field, lang)
    options = [_option(c) for c in choices]
    initial = next(
        (o for o, c in zip(options, choices, strict=True) if c.value == field.initial), None
    )
    if field.kind == "bool" and len(options) <= RADIO_OPTIONS:
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


def _shown_choices(field: FormField, lang: str) -> list[Choice]:
    """The choices a select can show: at most 100, always including the initial one; a choice
    whose value (an id the core reads back) is too long for Slack is left out, never cut."""
    usable = [c for c in _choices(field, lang) if 0 < width(c.value) <= OPTION_VALUE]
    if len(usable) <= OPTIONS:
        return usable
    initial = next((c for c in usable[OPTIONS:] if c.value == field.initial), None)
    if initial is None:
        return usable[:OPTIONS]
    return [*usable[: OPTIONS - 1], initial]


def _option(choice: Choice) -> Option:
    return Option(
        value=choice.value,
        text=PlainTextObject(text=clip(choice.label, OPTION_TEXT) or choice.value, emoji=True),
    )


def _iso_date(text: str) -> str | None:
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return None


# While the core works -----------------------------------------------------------------


def loading_view(*, lang: str = "en") -> View:
    """A small modal opened with an interaction's trigger_id while the core is still working
    (the trigger expires after three seconds); ``views.update`` replaces it when it is done."""
    w = words(lang)
    return View(
        type="modal",
        title=PlainTextObject(text=clip(w["loading_title"], VIEW_TITLE), emoji=True),
        close=PlainTextObject(text=clip(w["close"], VIEW_BUTTON), emoji=True),
        blocks=[SectionBlock(text=MarkdownTextObject(text=escape(w["loading"])))],
    )


def answer_view(messages: Sequence[Message], *, lang: str = "en") -> View:
    """What replaces a loading modal when the answer was messages rather than a form."""
    w = words(lang)
    blocks: list[Block] = []
    for message in messages:
        blocks.extend(message_blocks(message, lang=lang, limit=VIEW_BLOCKS))
    if not blocks:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=escape(w["done"]))))
    return View(
        type="modal",
        title=PlainTextObject(text=clip(w["done_title"], VIEW_TITLE), emoji=True),
        close=PlainTextObject(text=clip(w["close"], VIEW_BUTTON), emoji=True),
        blocks=fit(blocks, VIEW_BLOCKS, lang),
    )


# Back from Slack ----------------------------------------------------------------------


def form_identity(private_metadata: str) -> tuple[str, str]:
    """(form id, context) from a modal made by ``modal_view``."""
    try:
        data = json.loads(private_metadata or "{}")
    except json.JSONDecodeError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    return str(data.get("form") or ""), str(data.get("context") or "")


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


def field_errors(form_fields: Iterable[str], errors: Mapping[str, str]) -> dict[str, str]:
    """The core's errors by field name as ``response_action: errors`` (by block id). An error
    for a field not in the modal is shown on the first field, so it is never lost."""
    names = list(form_fields)
    shown: dict[str, str] = {}
    for name, text in errors.items():
        target = name if name in names else (names[0] if names else name)
        shown[target] = clip("; ".join(filter(None, [shown.get(target, ""), text])), INPUT_HINT)
    return shown
