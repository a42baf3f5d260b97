"""The bot's log format: one event per line, whatever a value holds.

A value can come from a request (a user id, a form id, an error type), and a line break in it
would start a line of its own that reads like the bot's (``level=ERROR … event=…``).
``OneLineFormatter`` formats a record as usual, then escapes every line break and other
control character (``\\n``, ``\\r``, ``\\x1b``, ``\\u2028``, bidirectional overrides) in the
whole line, a traceback included, so each record is exactly one line.

``JsonFormatter`` (app.yaml ``logging.format: json``, ``bot/json_lines.py``) writes the same
record as one JSON object: time, level, logger, event and the record's ``key=value`` fields.
"""

from __future__ import annotations

import logging
import re
from typing import Literal, TextIO

from bot.json_lines import JsonFormatter

Format = Literal["text", "json"]

FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"

# C0 and C1 controls (line breaks and tabs too), DEL, the Unicode line and paragraph
# separators, and bidirectional overrides and isolates.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def one_line(text: str) -> str:
    """``text`` with every control character escaped: it cannot break or recolour a line."""
    return _CONTROLS.sub(_escaped, text)


class OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return one_line(super().format(record))


def handler(stream: TextIO, format: Format = "text") -> logging.Handler:
    """A handler writing the bot's one-line records to ``stream``, as text or JSON."""
    out = logging.StreamHandler(stream)
    out.setFormatter(JsonFormatter() if format == "json" else OneLineFormatter(FORMAT))
    return out


def configure(level: int, stream: TextIO, format: Format = "text") -> None:
    """The process's logging: one-line records at ``level`` and above to ``stream`` (nothing
    changes when logging is set up already, as under pytest).

    Neither format writes where a record was made, nor its thread or process, so records
    do not look them up (the logging HOWTO's "Optimization"): a command's ``event=handled``
    line took 9.9 instead of 12.4 us to make and write (bench/RESULTS.md)."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging.basicConfig(level=level, handlers=[handler(stream, format)])
