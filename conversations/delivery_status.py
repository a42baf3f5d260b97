"""What the outbox did for one programme, for its coordinators: counts and dates only, never
a message text. The database does the counting (``Repo.outbox_tallies``)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from conversations.ports import OutboxTally, Repo
from conversations.records import UNCONFIRMED as UNCONFIRMED
from conversations.records import OutboxStatus

log = logging.getLogger("mentorbot.delivery")


@dataclass(frozen=True)
class DeliverySummary:
    sent: int = 0
    pending: int = 0  # waiting, including retries scheduled for later
    sending: int = 0  # claimed or being sent by a dispatcher right now
    failed: int = 0  # given up (permanent error or too many attempts)
    unconfirmed: int = 0  # failed rows whose send may have happened (dispatcher crash)
    skipped: int = 0  # stale after downtime, over the weekly cap, or no longer relevant
    last_sent_at: datetime | None = None
    next_due_at: datetime | None = None
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> status -> n


def delivery_summary(repo: Repo, programme_id: int) -> DeliverySummary:
    return summarise(repo.outbox_tallies(programme_id))


def summarise(tallies: Iterable[OutboxTally]) -> DeliverySummary:
    """One programme's summary from its outbox tallies."""
    statuses: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {}
    unconfirmed = 0
    sent_at: list[datetime] = []
    due_at: list[datetime] = []
    for tally in tallies:
        statuses[tally.status] += tally.count
        by_kind.setdefault(tally.kind, Counter())[tally.status] += tally.count
        if tally.status == OutboxStatus.FAILED:
            unconfirmed += tally.unconfirmed
        if tally.status == OutboxStatus.SENT and tally.last_sent_at is not None:
            sent_at.append(tally.last_sent_at)
        if tally.status == OutboxStatus.PENDING and tally.next_due_at is not None:
            due_at.append(tally.next_due_at)
    return DeliverySummary(
        sent=statuses[OutboxStatus.SENT],
        pending=statuses[OutboxStatus.PENDING],
        sending=statuses[OutboxStatus.SENDING] + statuses[OutboxStatus.CLAIMED],
        failed=statuses[OutboxStatus.FAILED],
        unconfirmed=unconfirmed,
        skipped=statuses[OutboxStatus.SKIPPED],
        last_sent_at=max(sent_at, default=None),
        next_due_at=min(due_at, default=None),
        by_kind={kind: dict(counts) for kind, counts in sorted(by_kind.items())},
    )
