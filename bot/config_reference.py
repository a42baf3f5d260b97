"""The configuration reference in docs/OPERATIONS.md, generated from the settings model.

``reference()`` walks ``bot.settings.Settings``: each app.yaml section's fields (name, type,
default, description), the core's settings that ``bot`` and ``programme`` hold
(``conversations.config.CoreConfig``, described here so that the core stays free of operator
prose), and the environment variables (``Secrets``). A setting without a description is an
error, so a new one cannot reach the docs undescribed. ``mentorbot config reference --write
docs/OPERATIONS.md`` rewrites the text between the two markers; a test checks the docs match.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from bot.settings import Secrets, Settings
from conversations.config import CoreConfig

BEGIN = "<!-- config-reference:begin -->"
END = "<!-- config-reference:end -->"
HEADER = "| Setting | Type | Default | Meaning |\n|---|---|---|---|"
INTERNAL = frozenset({"config_dir", "secrets", "bot", "programme"})  # not app.yaml sections

# The core's settings: the app.yaml section each is written in (the two are merged, so
# either works) and what it means.
CORE: dict[str, tuple[str, str]] = {
    "default_locale": ("bot", "Language for people whose profile says nothing: `sv` or `en`."),
    "default_timezone": ("bot", "IANA time zone for people whose profile has none."),
    "default_country": (
        "bot",
        "Country (ISO 3166) whose public holidays pause nudges, unless a person sets another.",
    ),
    "coordinators": (
        "bot",
        "Coordinators, re-applied at every start: `platform:workspace:user_id` "
        "(`slack:T…:U…`, `teams:<tenant>:<object id>`) or `local:name`.",
    ),
    "command_prefixes": (
        "bot",
        "What comes before a command in help texts, per platform (default: Slack's "
        "`slack.command`).",
    ),
    "max_text_length": ("bot", "Longest answer people may type (characters); longer is refused."),
    "max_journal_length": ("bot", "Longest journal entry (characters)."),
    "cadence_days": ("programme", "How often a pair meets (days), unless their agreement says."),
    "meeting_minutes": ("programme", "A meeting's length (minutes)."),
    "first_meeting_deadline_days": ("programme", "Days after the introduction to a first meeting."),
    "goals_deadline_days": ("programme", "Days in the goals phase before a nudge."),
    "agreement_deadline_days": ("programme", "Days in the agreement phase before a nudge."),
    "stuck_phase_days": ("programme", "Days in any phase before active before a nudge."),
    "overdue_grace_days": ("programme", "Days past the cadence before an overdue-meeting nudge."),
    "invitation_reminder_days": (
        "programme",
        "Days after an invitation before its one reminder, if it has not been answered.",
    ),
}


# Read by ``load_settings`` before the model exists, so it is not one of its fields.
CONFIG_ROW = "| `MENTORBOT_CONFIG` | path | unset | Another app.yaml. |"


class Undescribed(ValueError):
    """A setting has no description: give it one (``Field(description=…)`` or ``CORE``)."""


def _type(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return " or ".join(f"`{value}`" for value in get_args(annotation))
    if origin in (Union, types.UnionType):
        named = [_type(arg) for arg in get_args(annotation) if arg is not type(None)]
        return " or ".join(named) + " (optional)"
    if origin is not None:
        return f"{origin.__name__}[{', '.join(_type(arg) for arg in get_args(annotation))}]"
    return str(getattr(annotation, "__name__", annotation))


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if value == "" or value == [] or value == {}:
        return "empty"
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(name: str, field: FieldInfo, description: str | None) -> str:
    if not description:
        raise Undescribed(f"setting {name} has no description")
    cells = (f"`{name}`", _type(field.annotation), _default(field), description)
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def section_rows(name: str, model: type[BaseModel]) -> list[str]:
    return [
        _row(f"{name}.{key}", field, field.description) for key, field in model.model_fields.items()
    ]


def _core_rows() -> list[str]:
    unknown = set(CORE) - set(CoreConfig.model_fields)
    if unknown:
        raise Undescribed(f"CORE describes settings the core does not have: {sorted(unknown)}")
    rows = []
    for key, field in CoreConfig.model_fields.items():
        section, description = CORE.get(key, ("bot", ""))
        rows.append(_row(f"{section}.{key}", field, description))
    return sorted(rows, key=lambda row: not row.startswith("| `bot."))


def reference() -> str:
    """The reference as Markdown: app.yaml's settings, then the environment variables."""
    rows: list[str] = []
    for name, field in Settings.model_fields.items():
        if name in INTERNAL:
            if name == "bot":
                rows += _core_rows()
            continue
        model = field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel), name
        rows += section_rows(name, model)
    env = [CONFIG_ROW] + [
        _row(key.upper(), field, field.description) for key, field in Secrets.model_fields.items()
    ]
    return (
        "**app.yaml** (`--config`, else the file `MENTORBOT_CONFIG` names, else the `app.yaml` "
        "beside the code):\n\n"
        f"{HEADER}\n" + "\n".join(rows) + "\n\n"
        "**Environment variables** (secrets and overrides; never in app.yaml):\n\n"
        f"{HEADER.replace('Setting', 'Variable')}\n" + "\n".join(env) + "\n"
    )


def between_markers(text: str) -> str:
    """What a document holds between the markers (without the line breaks around it)."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip("\n") + "\n"


def write_into(path: Path) -> bool:
    """Put the reference between the markers in ``path``; whether anything changed."""
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(f"{path} has no {BEGIN} … {END} markers")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    updated = text[:start] + "\n" + reference() + text[end:]
    if updated == text:
        return False
    path.write_text(updated, encoding="utf-8")
    return True
