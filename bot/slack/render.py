"""Neutral messages and forms as Block Kit, built with ``slack_sdk.models`` and kept inside
Slack's limits: longer content is split into several blocks, and what still does not fit is
cut with a visible note. Everything the person or the core wrote is escaped.

The reverse direction lives here too: a submitted modal's state back into the form's values,
and a button's ``action_id`` back into the neutral action.
"""

from __future__ import annotations

import json
import logging
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
    INPUT_MAX_LENGTH,
    MESSAGE_BLOCKS,
    OPTION_VALUE,
    PRIVATE_METADATA,
    RADIO_OPTIONS,
    SECTION_TEXT,
    VIEW_BLOCKS,
    width,
)
from bot.slack.limits import SELECT_OPTIONS as OPTIONS
from bot.slack.mrkdwn import escape, escaped_length
from conversations.messages import Button, Choice, Form, FormField, Message

log = logging.getLogger("mentorbot.slack.render")

# More of Slack's limits (https://docs.slack.dev/reference/block-kit); the main ones are in
# bot.slack.limits.
FIELDS_PER_SECTION = 10
BUTTONS_PER_ROW = 5  # Slack allows 25; five keep a row readable
VIEW_TITLE = 24
VIEW_BUTTON = 24
INPUT_LABEL = 2000
INPUT_HINT = 2000
PLACEHOLDER = 150
OPTION_TEXT = 75
FALLBACK_TEXT = 3000

VALUE_ACTION = "value"  # the action_id of every input element in a modal
_SUFFIX = "~"  # action_id = neutral action + "~" + position (unique within a message)

# The renderer's own few words, for what it adds itself (the core's texts come translated).
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "trimmed": "… (shortened: too long for Slack)",
        "buttons_dropped": "Some buttons could not be shown here; `home` has them.",
        "yes": "Yes",
        "no": "No",
        "cancel": "Cancel",
        "close": "Close",
        "loading_title": "One moment",
        "loading": "Just a moment…",
        "done_title": "Done",
        "done": "Done. The answer is in your messages too.",
        "error": "Sorry, something went wrong on my side. Please try again.",
        "not_saved": "Nothing was saved from the form",
        "form_unavailable": "This form could not be opened in Slack. Nothing was changed.",
        "form_later": "The next form could not be opened automatically. Please start it again.",
    },
    "sv": {
        "trimmed": "… (förkortat: för långt för Slack)",
        "buttons_dropped": "Några knappar fick inte plats här; `hem` har dem.",
        "yes": "Ja",
        "no": "Nej",
        "cancel": "Avbryt",
        "close": "Stäng",
        "loading_title": "Ett ögonblick",
        "loading": "Ett ögonblick…",
        "done_title": "Klart",
        "done": "Klart. Svaret finns också bland dina meddelanden.",
        "error": "Förlåt, något gick fel hos mig. Försök igen.",
        "not_saved": "Inget sparades från formuläret",
        "form_unavailable": "Formuläret kunde inte öppnas i Slack. Inget ändrades.",
        "form_later": "Nästa formulär kunde inte öppnas automatiskt. Börja det igen.",
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
    shown = [b for b in message.buttons if _button_value_fits(b)]
    blocks.extend(_button_rows(shown))
    if len(shown) < len(message.buttons):
        blocks.append(_note(words(lang)["buttons_dropped"]))
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


def _note(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip_escaped(text, SECTION_TEXT))])


def _fit(blocks: list[Block], limit: int, lang: str) -> list[Block]:
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
            fitted.append(_note(text))
            noted = True
    return fitted


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
        blocks=_fit(blocks, VIEW_BLOCKS, lang),
    )


# Forms --------------------------------------------------------------------------------


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
        blocks.append(_note(words(lang)["trimmed"]))
        blocks.extend(_input(field, lang) for field in fields)
    else:  # too many fields: no intro, the last fields left out
        log.warning(
            "event=slack_form_fields_dropped form=%s fields=%d", form.form_id[:50], len(fields)
        )
        blocks.extend(_input(field, lang) for field in fields[: VIEW_BLOCKS - 1])
        blocks.append(_note(words(lang)["trimmed"]))
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
