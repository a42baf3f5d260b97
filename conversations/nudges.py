"""Scheduled messages: the kinds, and the ``Nudge`` value the planner
(``conversations.planner``) returns for each one due. Their wording is in
``conversations.nudge_messages``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
    "pulse",  # 30 days after the introduction and every 60 after: how useful is it? (1-5)
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
