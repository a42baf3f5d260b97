"""``invite --file people.csv as adept`` (Swedish ``--fil``) in the console: the file is read
from the local path (relative to where the console runs) and its rows become the event's
``groups``, as a platform adapter would send them. A row is a console name (a person is their
name here, created if new, as ``invite @name`` does); the console has no directory of e-mail
addresses, so those rows come back as not found. Any other line is sent as it is."""

from __future__ import annotations

from pathlib import Path

from conversations.engine import find_command
from conversations.events import Group, TextReceived
from conversations.parsing import parse_command
from conversations.people_lists import MAX_FILE_BYTES, GroupProblem, is_email, read_rows

FILE_FLAGS = ("file", "fil")  # the flag's English name and Swedish alias


def typed_event(text: str) -> TextReceived:
    """What the console sends for a typed line: with the people of a file an ``invite``
    names."""
    line = parse_command(text)
    route = find_command(line.word) if line is not None else None
    if line is None or route is None or route.name != "invite":
        return TextReceived(text=text)
    path = next((line.options[f] for f in FILE_FLAGS if line.options.get(f)), "")
    if not path:
        return TextReceived(text=text)
    return TextReceived(text=text, groups=(people_file(Path(path)),))


def people_file(path: Path) -> Group:
    label = path.name or str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return Group(label, problem=GroupProblem.FILE_TOO_LARGE, file=True)
        data = path.read_bytes()
    except OSError:
        return Group(label, problem=GroupProblem.NO_FILE, file=True)
    rows = read_rows(data)
    if rows.problem is not None:
        return Group(label, problem=rows.problem, size=rows.size, file=True)
    names = [e for e in rows.entries if not is_email(e) and " " not in e]
    unresolved = [e for e in rows.entries if e not in names]
    return Group(label, members=tuple(names), unresolved=tuple(unresolved), file=True)
