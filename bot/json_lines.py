"""The bot's log records as JSON, one object per line (app.yaml ``logging.format: json``).

The bot logs ``log.info("event=handled kind=%s person=%s queued=%d", kind, person, queued)``:
the template names the fields and the arguments are their values. ``JsonFormatter`` reads
the record that way, not its formatted message:

    {"time": "2027-01-11T08:00:00.123Z", "level": "INFO", "logger": "mentorbot.engine",
     "event": "handled", "kind": "ButtonPressed", "person": 12, "queued": 2}

* Only ``key=value`` fields are written; any other word of a template is left out. A value
  is its argument formatted alone (a number stays a number, ``None`` is ``null``), so a space
  or a ``key=`` inside it cannot make a field of its own.
* A record that names no ``event=`` (a library's) is ``"event": "unstructured"`` with the
  leading plain words of its template (``said``), never its arguments: those may be anything
  a request held.
* An exception is its type and where it was raised (``file:line function`` frames), never
  its message, which may quote a value (a database error quotes the row it refused).
* The object is ASCII (``ensure_ascii``): a line break, a control character or a
  bidirectional override in a value is escaped, and the record is exactly one line.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIXED = ("time", "level", "logger", "event")
# key=value, the value either "quoted" (may hold spaces) or up to the next space.
_FIELD = re.compile(r'(?<!\S)([A-Za-z_][A-Za-z0-9_.]*)=("[^"]*"|\S*)')
# A printf placeholder (``%s``, ``%d``, ``%.1f``, ``%(name)s``); ``%%`` is a literal percent.
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 _.,'-]{0,79}")
_INTEGER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d+\.\d+")
MAX_FRAMES = 12


def _placeholders(template: str) -> int:
    """How many arguments ``template`` consumes (``%%`` consumes none)."""
    return sum(1 for match in _PLACEHOLDER.finditer(template) if match.group(0) != "%%")


def _typed(formatted: str, used: tuple[Any, ...]) -> Any:
    """A lone number or flag stays one in JSON; ``None`` becomes null; the rest is text."""
    if len(used) == 1:
        (arg,) = used
        if arg is None and formatted == "None":
            return None
        if isinstance(arg, bool):
            return arg
        if isinstance(arg, int | float):
            if _INTEGER.fullmatch(formatted):
                return int(formatted)
            if _DECIMAL.fullmatch(formatted):
                return float(formatted)
    return formatted


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The ``key=value`` fields of a record, read from its template and arguments."""
    template = record.msg if isinstance(record.msg, str) else ""
    args = record.args
    found: dict[str, Any] = {}
    position = 0
    end = 0
    for match in _FIELD.finditer(template):
        position += _placeholders(template[end : match.start()])  # free words' arguments
        end = match.end()
        key, value = match.group(1), match.group(2)
        count = _placeholders(value)
        used: tuple[object, ...]
        if isinstance(args, Mapping):
            formatted, used = value % args, ()
        else:
            used = tuple(args or ())[position : position + count]
            formatted = value % used if count or "%%" in value else value
        position += count
        if len(formatted) >= 2 and formatted[0] == formatted[-1] == '"':
            formatted = formatted[1:-1]
        found[key] = _typed(formatted, used)
    return found


def _frames(exc_info: Any) -> list[str]:
    _, _, trace = exc_info
    summary = traceback.extract_tb(trace)[-MAX_FRAMES:]
    return [f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in summary]


def as_object(record: logging.LogRecord) -> dict[str, Any]:
    created = datetime.fromtimestamp(record.created, UTC)
    line: dict[str, Any] = {
        "time": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": record.levelname,
        "logger": record.name,
    }
    try:
        found = fields(record)
    except Exception:  # a template that does not match its arguments
        found = {"event": "log_fields_unreadable"}
    if "event" not in found:
        template = record.msg if isinstance(record.msg, str) else ""
        plain = _PLAIN.match(template)
        found = {"event": "unstructured", "said": plain.group(0).strip(" ,.-") if plain else ""}
    line["event"] = found.pop("event")
    for key, value in found.items():
        line[f"field_{key}" if key in FIXED else key] = value
    if record.exc_info and record.exc_info[0] is not None:
        line["exception"] = record.exc_info[0].__name__
        line["frames"] = _frames(record.exc_info)
    return line


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (see the module's note)."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            line = as_object(record)
        except Exception:  # never lose the fact that something was logged
            line = {"level": record.levelname, "logger": record.name, "event": "log_unreadable"}
        return json.dumps(line, ensure_ascii=True, separators=(",", ":"))
