"""Who an ``invite`` names: people by mention (``@a``), and the members of the channels, user
groups and files its adapter expanded (``Turn.groups``), as one list of ``@id`` tokens with
their mentions, read the way named people are; or the answer, in the reader's language, when
a list could not be read or names more people than one command takes. Nothing is changed
then. Below the flows."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.messages import Reply
from conversations.people_lists import (
    MAX_FILE_BYTES,
    MAX_PEOPLE,
    MAX_ROWS,
    SHOWN_UNRESOLVED,
    GroupProblem,
    shown,
)
from conversations.turn import Turn


@dataclass(frozen=True)
class Invitees:
    tokens: list[str]  # ``@id`` tokens, each once, in the order named
    mentions: dict[str, str]  # the command's mentions and the groups' members
    unresolved: list[str]  # rows of a file that named nobody
    from_groups: bool  # some came from a channel, user group or file


def invitees(turn: Turn, args: list[str], mentions: dict[str, str]) -> Invitees | Reply:
    groups = turn.groups
    for group in groups:
        if group.problem:
            known = group.problem in GroupProblem.__members__.values()
            problem = GroupProblem(group.problem) if known else GroupProblem.FAILED
            return turn.say(
                f"invite.group.{problem}",
                name=group.label,
                n=group.size,
                max=MAX_PEOPLE,
                kb=MAX_FILE_BYTES // 1024,
                rows=MAX_ROWS,
            )
    labels = {group.label for group in groups if not group.file}
    unread = [a for a in args if a.startswith("#") and len(a) > 1 and a not in labels]
    if unread:  # a channel the adapter cannot read (the console has none)
        return turn.say("invite.group.not_here", name=unread[0])
    tokens = [a for a in args if a.startswith("@") and len(a) > 1 and a not in labels]
    merged = dict(mentions)
    for group in groups:
        for member in group.members:
            token = f"@{member}"
            merged.setdefault(token, member)
            tokens.append(token)
    tokens = list(dict.fromkeys(tokens))
    if len(tokens) > MAX_PEOPLE:
        return turn.say("invite.too_many", n=len(tokens), max=MAX_PEOPLE)
    unresolved = list(dict.fromkeys(row for group in groups for row in group.unresolved))
    return Invitees(tokens, merged, unresolved, bool(groups))


def unresolved_line(turn: Turn, rows: list[str]) -> str:
    """``3 rows named nobody: …`` (the first ``SHOWN_UNRESOLVED``, the rest counted)."""
    named = ", ".join(shown(row) for row in rows[:SHOWN_UNRESOLVED])
    more = len(rows) - SHOWN_UNRESOLVED
    if more > 0:
        named += " " + turn.t("invite.unresolved_more", n=more)
    return turn.t("invite.unresolved", n=len(rows), rows=named)
