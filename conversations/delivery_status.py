"""What the outbox did for one programme, for its coordinators: counts and dates only, never
a message text."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from conversations.ports import Repo
from conversations.records import OutboxItem, OutboxStatus

log = logging.getLogger("mentorbot.delivery")

UNCONFIRMED = "unconfirmed"  # error prefix of rows left 'sending' by a crashed dispatcher


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
    rows = repo.find(OutboxItem, programme_id=programme_id)
    statuses: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {}
    unconfirmed = 0
    last_sent: datetime | None = None
    next_due: datetime | None = None
    for row in rows:
        statuses[row.status] += 1
        by_kind.setdefault(row.kind, Counter())[row.status] += 1
        if row.status == OutboxStatus.FAILED and (row.error or "").startswith(UNCONFIRMED):
            unconfirmed += 1
        if (
            row.status == OutboxStatus.SENT
            and row.sent_at is not None
            and (last_sent is None or row.sent_at > last_sent)
        ):
            last_sent = row.sent_at
        if row.status == OutboxStatus.PENDING:
            when = max(row.due_at, row.next_attempt_at or row.due_at)
            if next_due is None or when < next_due:
                next_due = when
    return DeliverySummary(
        sent=statuses[OutboxStatus.SENT],
        pending=statuses[OutboxStatus.PENDING],
        sending=statuses[OutboxStatus.SENDING] + statuses[OutboxStatus.CLAIMED],
        failed=statuses[OutboxStatus.FAILED],
        unconfirmed=unconfirmed,
        skipped=statuses[OutboxStatus.SKIPPED],
        last_sent_at=last_sent,
        next_due_at=next_due,
        by_kind={kind: dict(counts) for kind, counts in sorted(by_kind.items())},
    )
