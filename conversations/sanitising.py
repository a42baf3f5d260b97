"""The one input sanitiser, at the edge of the core: every event's text is cleaned here before
any flow sees it, so storage, logs and other people's screens get the same safe text on SQLite
and PostgreSQL alike.

* NUL and the other control characters are removed (PostgreSQL refuses NUL in text; the others
  can garble a terminal or a log); line breaks and tabs stay in free text, and become spaces in
  what is one line by nature (a button value, a form's context, a display name).
* Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) are removed: they can
  make a text read differently from what it is (a name that shows as another).
* Lengths are not cut here: each field has its limit and a text over it is refused with the
  same "too long (N of M)" answer (``too_long``), never silently shortened.
"""

from __future__ import annotations

import dataclasses
import re

from conversations.events import (
    Actor,
    ButtonPressed,
    Command,
    Event,
    FormSubmitted,
    Group,
    TextReceived,
)

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\t\n\r]+")


def clean_text(value: str) -> str:
    """Free text (a journal entry, a command line): control characters and bidi overrides
    removed, line breaks and tabs kept (a lone carriage return becomes a line break)."""
    return _CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(value: str) -> str:
    """One-line text (a value, an id, a name): also no line breaks."""
    return _CONTROLS.sub("", _BREAKS.sub(" ", value))


def clean_actor(actor: Actor) -> Actor:
    return dataclasses.replace(
        actor,
        platform_user_id=clean_line(actor.platform_user_id),
        workspace=clean_line(actor.workspace),
        display_name=clean_line(actor.display_name).strip(),
    )


def clean_group(group: Group) -> Group:
    return dataclasses.replace(
        group,
        label=clean_line(group.label),
        members=tuple(clean_line(m) for m in group.members),
        unresolved=tuple(clean_line(u) for u in group.unresolved),
        problem=clean_line(group.problem),
    )


def clean_event(event: Event) -> Event:
    if isinstance(event, Command | TextReceived):
        return dataclasses.replace(
            event,
            text=clean_text(event.text),
            mentions={clean_line(k): clean_line(v) for k, v in event.mentions.items()},
            groups=tuple(clean_group(g) for g in event.groups),
        )
    if isinstance(event, ButtonPressed):
        return dataclasses.replace(
            event, action=clean_line(event.action), value=clean_line(event.value)
        )
    if isinstance(event, FormSubmitted):
        return dataclasses.replace(
            event,
            form_id=clean_line(event.form_id),
            context=clean_line(event.context),
            values={clean_line(k): clean_text(v) for k, v in event.values.items()},
        )
    return event
