"""How a pair's meetings add up for coordinators: held, missed, and unconfirmed (booked, over
for a few days, nobody checked in; or the two check-ins disagree). One reading, shared by
`status`, Home and the coordinator's report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from conversations.records import Meeting, MeetingStatus

UNCONFIRMED_AFTER = timedelta(days=3)


def is_unconfirmed(meeting: Meeting, now: datetime) -> bool:
    """Booked, over for a few days, and nobody checked in; or the check-ins disagree."""
    if meeting.status == MeetingStatus.DISPUTED:
        return True
    over = meeting.starts_at + timedelta(minutes=meeting.minutes) + UNCONFIRMED_AFTER
    return meeting.status == MeetingStatus.BOOKED and over < now


@dataclass(frozen=True)
class MeetingCounts:
    held: int = 0
    missed: int = 0
    unconfirmed: int = 0


def count_meetings(meetings: Iterable[Meeting], now: datetime) -> MeetingCounts:
    """Held, missed and unconfirmed meetings among ``meetings`` at ``now`` (cancelled ones and
    those still ahead or just over count as none of them)."""
    held = missed = unconfirmed = 0
    for meeting in meetings:
        if meeting.status == MeetingStatus.HELD:
            held += 1
        elif meeting.status == MeetingStatus.MISSED:
            missed += 1
        elif is_unconfirmed(meeting, now):
            unconfirmed += 1
    return MeetingCounts(held=held, missed=missed, unconfirmed=unconfirmed)
