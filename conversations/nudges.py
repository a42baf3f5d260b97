"""Scheduled messages: what the planner (``conversations.program``) decides is due, and how
each kind is worded for its recipient.

The planner returns ``Nudge`` values; ``compose`` turns one into a ``Message`` in the
recipient's language at the moment it is queued, or returns ``None`` when the nudge is no
longer relevant (the meeting was logged, the pair ended): such a nudge is skipped, not sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from conversations.messages import Message
from conversations.ports import Repo

if TYPE_CHECKING:
    from conversations.flows.scheduled import ReadAhead

KINDS = (
    "reflection-prompt",  # weekly journal prompt, to a person
    "meeting-reminder",  # the day before a booked meeting, to each pair member
    "preparation-prompt",  # before a meeting, to the adept: which challenge will you bring?
    "checkin-prompt",  # after a meeting's time, to each pair member
    "meeting-overdue",  # no meeting logged within cadence + grace, to each pair member
    "phase-deadline",  # stuck in a phase (no first meeting, goals, agreement), to each member
    "phase-deadline-coordinator",  # the same, later, to the programme's coordinator
    "midpoint-review",  # at the pair's mid-point date, to each member
    "closing-review",  # at the pair's end date, to each member
    "coordinator-digest",  # weekly counts and dates, to each coordinator of a programme
    "delivery-failed-coordinator",  # a message could not be delivered (permanent error)
)


@dataclass(frozen=True)
class Nudge:
    key: str  # idempotency key, unique in the outbox, e.g. "reflection:12:2026-W48"
    kind: str  # one of KINDS
    person_id: int  # the recipient
    due_at: datetime  # UTC, already moved into the recipient's allowed hours
    pair_id: int | None = None
    meeting_id: int | None = None
    programme_id: int | None = None
    detail: str = ""  # e.g. the phase for phase deadlines, the error for delivery failures


def compose(
    repo: Repo, nudge: Nudge, now: datetime, ahead: ReadAhead | None = None
) -> Message | None:
    """The message for one nudge, in its recipient's language; None if no longer relevant.
    May remember what the recipient's next typed message answers (journal, preparation).
    ``ahead`` (from ``read_ahead``) answers the reads from memory."""
    from conversations.flows import scheduled

    return scheduled.compose(repo, nudge, now, ahead)


def read_ahead(repo: Repo, due: Sequence[Nudge]) -> ReadAhead:
    """Read in a few bulk reads what composing ``due`` needs (people, pairs, meetings,
    journal counts, conversation states), instead of several reads per nudge."""
    from conversations.flows import scheduled

    return scheduled.ReadAhead.load(repo, due)
