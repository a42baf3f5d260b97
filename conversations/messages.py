"""What the bot can say, with no platform JSON in it.

A ``Message`` is a title, sections of text, optional facts, buttons, files and a form.
Renderers turn it into Block Kit, an Adaptive Card or plain console text; richer parts degrade
gracefully (buttons become numbered choices; files are uploaded, attached or written to disk).
All text here is plain text with ``*bold*`` and ``_italic_`` markers; renderers escape
everything else.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FieldKind = Literal["text", "multiline", "number", "rating", "date", "datetime", "choice", "bool"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Choice(_Frozen):
    value: str
    label: str


class FormField(_Frozen):
    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = True
    max_length: int = 2000
    hint: str = ""
    initial: str = ""
    choices: tuple[Choice, ...] = ()
    # Where a form is asked question by question (the console; a chat without forms), fields
    # may be skipped: the rest of an optional ``group`` when its first field is left empty
    # (goal 2 and 3), and a field ``shown_if`` (name, value) only when that earlier field was
    # answered so (what only a held meeting asks). A form shown whole shows every field.
    group: str = ""
    shown_if: tuple[str, str] | None = None


class Form(_Frozen):
    """A form the person fills in: a Slack modal, an Adaptive Card with inputs, or questions
    asked one at a time in the console. ``context`` comes back with the submission."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str
    context: str = ""
    intro: str = ""
    # Where a form is asked question by question: after ``field`` is answered ``value``, the
    # rest is asked as in ``form`` (same field names). The language chosen in settings applies
    # to the rest of that form.
    variants: tuple[FormVariant, ...] = ()

    def variant_after(self, name: str, value: str) -> FormVariant | None:
        return next((v for v in self.variants if (v.field, v.value) == (name, value)), None)

    def applicable(self, values: dict[str, str]) -> dict[str, str]:
        """``values`` with the fields that do not apply blanked: the rest of an optional group
        whose first field is empty, and a field ``shown_if`` an answer that was not given.
        The core reads a submission through this on every platform, so a value typed into a
        field that does not apply is never saved."""
        applied = dict(values)
        openers: dict[str, str] = {}
        for spec in self.fields:
            if spec.group:
                opener = openers.setdefault(spec.group, spec.name)
                if opener != spec.name and not (applied.get(opener) or "").strip():
                    applied[spec.name] = ""
            if spec.shown_if and applied.get(spec.shown_if[0]) != spec.shown_if[1]:
                applied[spec.name] = ""
        return applied


class FormVariant(_Frozen):
    field: str
    value: str
    form: Form
    language: str = ""  # the language the rest is in, when that is what changes


class Button(_Frozen):
    label: str
    action: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None


class Fact(_Frozen):
    label: str
    value: str


class Section(_Frozen):
    text: str
    facts: tuple[Fact, ...] = ()


class File(BaseModel):
    """A file that comes with a message (a calendar invitation, a report): its name as the
    reader sees it, its media type and its bytes. Messages to others wait in the outbox as
    JSON, so the bytes travel as base64 there and come back as the same bytes."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64"
    )

    name: str  # e.g. "möte-2027-03-18.ics": shown to the reader, in their language
    mime_type: str  # e.g. "text/calendar"
    content: bytes
    title: str = ""  # a caption where the platform shows one (defaults to the name)


class Message(_Frozen):
    title: str = ""
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    note: str = ""  # small print (context line)
    files: tuple[File, ...] = ()  # sent with (right after) the message

    def plain_text(self) -> str:
        """Everything the message says, as one string (for fallbacks, notifications and tests)."""
        parts: list[str] = []
        if self.title:
            parts.append(self.title)
        for section in self.sections:
            parts.append(section.text)
            parts.extend(f"{f.label}: {f.value}" for f in section.facts)
        parts.extend(b.label for b in self.buttons)
        if self.note:
            parts.append(self.note)
        return "\n".join(p for p in parts if p)


FormVariant.model_rebuild()
Form.model_rebuild()


def text(body: str, *, title: str = "", note: str = "") -> Message:
    return Message(title=title, sections=(Section(text=body),) if body else (), note=note)


class Reply(BaseModel):
    """What the engine answers to the person who caused an event."""

    model_config = ConfigDict(extra="forbid")

    messages: list[Message] = Field(default_factory=list)
    # Form validation errors, by field name: shown next to the fields (Slack: response_action).
    errors: dict[str, str] = Field(default_factory=dict)
    # A form to open now (a Slack modal opened with the interaction's trigger_id, an inline
    # card in Teams, questions one by one in the console). With ``errors``: the same form,
    # still open, nothing saved.
    form: Form | None = None
    # True when the event was a retry of one already handled (nothing was done again).
    duplicate: bool = False
