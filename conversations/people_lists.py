"""Lists of people a coordinator invites at once: a channel, a user group or a file of rows.

The adapters look the people up (that takes the platform); this module holds what they share,
platform-neutral and pure: the limits, the reasons a list could not be read
(``GroupProblem``, worded by the core in the reader's language as ``invite.group.<problem>``)
and the reading of a CSV file's rows (``read_rows``): one person a row, a platform user id or
an e-mail address, in the first column or in a column headed ``email``/``e-post``/``id`` (a
first row headed ``name``/``namn`` is a header too).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from enum import StrEnum

MAX_PEOPLE = 200  # invited by one command; a larger group: in parts
MAX_FILE_BYTES = 256 * 1024  # a file of people
MAX_ROWS = MAX_PEOPLE  # rows of a file: each is looked up, one person each
MAX_ENTRY = 80  # characters of a row named back; a longer one is shortened there
SHOWN_UNRESOLVED = 20  # rows named in the answer; the rest are counted

HEADERS = {
    "email",
    "e-mail",
    "mail",
    "epost",
    "e-post",
    "id",
    "user",
    "user id",
    "user_id",
    "användare",
    "användar-id",
}
NAME_HEADERS = {"name", "namn", "person", "people", "personer"}  # a header row over names
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


class GroupProblem(StrEnum):
    """Why the people of a channel, user group or file could not be read."""

    NOT_FOUND = "not_found"  # no such channel or user group (or file)
    NOT_IN_CHANNEL = "not_in_channel"  # a private channel the bot is not in
    NO_ACCESS = "no_access"  # the app lacks a permission (scope) for it
    TOO_BIG = "too_big"  # more than MAX_PEOPLE members (``size`` says how many)
    NO_FILE = "no_file"  # a file that is not there (or not readable)
    FILE_TOO_LARGE = "file_too_large"  # more than MAX_FILE_BYTES
    TOO_MANY_ROWS = "too_many_rows"  # more than MAX_ROWS rows
    UNREADABLE = "unreadable"  # not text, or not a table
    FAILED = "failed"  # the platform did not answer: try again


@dataclass(frozen=True)
class Rows:
    """A file's rows: each a user id or e-mail, in order, without repeats."""

    entries: tuple[str, ...] = ()
    problem: GroupProblem | None = None
    size: int = 0  # rows, when there were too many


def is_email(entry: str) -> bool:
    return bool(_EMAIL.match(entry))


def _text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None  # a binary file (a spreadsheet, an image), not CSV
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_rows(data: bytes) -> Rows:
    """The people of a CSV file (``,``, ``;`` or tab separated; a header row optional)."""
    if len(data) > MAX_FILE_BYTES:
        return Rows(problem=GroupProblem.FILE_TOO_LARGE, size=len(data))
    text = _text(data)
    if text is None:
        return Rows(problem=GroupProblem.UNREADABLE)
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_ROWS + 1:
        return Rows(problem=GroupProblem.TOO_MANY_ROWS, size=len(lines))
    sample = "\n".join(lines[:20])
    delimiter = max(",;\t", key=sample.count) if any(c in sample for c in ",;\t") else ","
    table = [
        [cell.strip() for cell in row]
        for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    ]
    column = 0
    first = [cell.lower() for cell in table[0]] if table else []
    if any(cell in HEADERS for cell in first):
        column = next(i for i, cell in enumerate(first) if cell in HEADERS)
        table = table[1:]
    elif first and first[0] in NAME_HEADERS:
        table = table[1:]
    if len(table) > MAX_ROWS:
        return Rows(problem=GroupProblem.TOO_MANY_ROWS, size=len(table))
    entries = (
        row[column].strip().strip("<>").removeprefix("mailto:").removeprefix("@")
        for row in table
        if len(row) > column
    )
    return Rows(entries=tuple(dict.fromkeys(e for e in entries if e)))


def shown(entry: str) -> str:
    """A row as it is named back to the coordinator (a very long one shortened)."""
    return entry if len(entry) <= MAX_ENTRY else entry[: MAX_ENTRY - 1] + "…"
