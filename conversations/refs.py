"""Typed references that buttons and forms carry, and their one wire format.

A button's ``value`` and a form's ``context`` come back from a platform as plain strings. Each
flow builds them from one of the small frozen dataclasses below and reads them back with the
same class, so the format is written down once: the fields joined by ``:`` in their declared
order (``PairMeetingRef(pair=3, meeting=8)`` is ``"3:8"``). The format is the one buttons
already sent to people carry, so an old message's button keeps working.

``decode`` never raises: a value that is not of its form (garbage, a number too large for the
database, a missing id) gives ``None``, which a flow treats as a stale button.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar, Self

SEPARATOR = ":"
# The largest id the schema stores: its id columns are INTEGER, 32 bits on PostgreSQL (SQLite
# would take 64), and PostgreSQL refuses a larger number in a query (``DataError``) rather than
# finding nothing.
MAX_ID = 2**31 - 1


def parse_id(part: str) -> int | None:
    """A record id from a button or form, or None (not digits, or out of the id range)."""
    if not (part.isascii() and part.isdigit()) or len(part) > len(str(MAX_ID)):
        return None
    number = int(part)
    return number if 0 < number <= MAX_ID else None


@dataclass(frozen=True)
class Ref:
    """Base of every reference: an ``int`` field is a record id, ``int | None`` an optional
    id, ``str`` a token (the last field may contain the separator)."""

    _kinds: ClassVar[dict[type, tuple[str, ...]]] = {}
    _names: ClassVar[dict[type, tuple[str, ...]]] = {}

    def encode(self) -> str:
        # ``dataclasses.astuple`` deep-copies every field: a tick words thousands of buttons.
        values = (getattr(self, name) for name in self._field_names())
        parts = ["" if v is None else str(v) for v in values]
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()  # "3", not "3:" when the optional meeting is absent
        return SEPARATOR.join(parts)

    @classmethod
    def decode(cls, value: str) -> Self | None:
        kinds = cls._field_kinds()
        parts = value.split(SEPARATOR, len(kinds) - 1)
        parts += [""] * (len(kinds) - len(parts))
        values: list[object] = []
        for kind, part in zip(kinds, parts, strict=True):
            if kind == "str":
                values.append(part)
                continue
            number = parse_id(part)
            if number is None and (kind == "int" or part):
                return None  # a required id missing, or an optional one that is not an id
            values.append(number)
        return cls(*values)

    @classmethod
    def _field_names(cls) -> tuple[str, ...]:
        known = Ref._names.get(cls)
        if known is None:
            known = Ref._names[cls] = tuple(f.name for f in fields(cls))
        return known

    @classmethod
    def _field_kinds(cls) -> tuple[str, ...]:
        known = Ref._kinds.get(cls)
        if known is None:
            known = tuple(str(f.type).replace(" ", "") for f in fields(cls))
            Ref._kinds[cls] = known
        return known


@dataclass(frozen=True)
class PairRef(Ref):
    """A pair (book a meeting, view goals or the agreement, a review)."""

    pair: int


@dataclass(frozen=True)
class PairMeetingRef(Ref):
    """A pair and, optionally, one of its meetings (a check-in)."""

    pair: int
    meeting: int | None = None


@dataclass(frozen=True)
class MeetingRef(Ref):
    """One meeting (the adept's preparation for it; moving or cancelling it)."""

    meeting: int


@dataclass(frozen=True)
class MeetingRevisionRef(Ref):
    """A meeting as it was shown (``revision``: its ``sequence`` then): a move or cancellation
    confirmed after the meeting changed again is refused instead of undoing that change."""

    meeting: int
    revision: str = ""


@dataclass(frozen=True)
class MeetingOutcomeRef(Ref):
    """A meeting and what a member says of it: "yes" we met, "no" we did not."""

    meeting: int
    answer: str = ""


@dataclass(frozen=True)
class GoalsRef(Ref):
    """A pair's goals as they were shown: the token changes when the adept revises them."""

    pair: int
    token: str = ""


@dataclass(frozen=True)
class AgreementRef(Ref):
    """One version of a pair's agreement."""

    agreement: int
    number: int | None = None


@dataclass(frozen=True)
class PersonRef(Ref):
    """A person (confirming one's own erasure)."""

    person: int


@dataclass(frozen=True)
class PromptRef(Ref):
    """A reflection prompt, by its key in the catalog."""

    key: str = ""


@dataclass(frozen=True)
class ProgrammeRef(Ref):
    """A programme (confirming that it closes)."""

    programme: int


@dataclass(frozen=True)
class ProgrammeChoiceRef(Ref):
    """A programme chosen for a parked command, and the token of that command."""

    programme: int
    token: str = ""


@dataclass(frozen=True)
class PairChoiceRef(Ref):
    """A pair chosen for a parked command (its member is in several), and the command's token."""

    pair: int
    token: str = ""


@dataclass(frozen=True)
class PulseRef(Ref):
    """One round of a pair's relationship pulse (1, 2, …)."""

    pair: int
    round: int


@dataclass(frozen=True)
class InvitationRef(Ref):
    """An invitation to a programme (accepting it opens the intake form; declining it)."""

    invitation: int


@dataclass(frozen=True)
class EnrolmentRef(Ref):
    """An enrolment made by hand, whose person is asked for consent."""

    enrolment: int


@dataclass(frozen=True)
class ProposalRef(Ref):
    """One pair `match` proposed (approve it)."""

    proposal: int


@dataclass(frozen=True)
class MatchRunRef(Ref):
    """A programme's `match` run: approve or discard every draft of it."""

    programme: int
    run: str = ""
