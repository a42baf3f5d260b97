"""What the outbox did for one programme, for its coordinators: counts and dates only, never
a message text."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from conversations.ports import Repo
from conversations.records import Enrolment, OutboxItem, Pair, Programme

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
        if row.status == "failed" and (row.error or "").startswith(UNCONFIRMED):
            unconfirmed += 1
        if (
            row.status == "sent"
            and row.sent_at is not None
            and (last_sent is None or row.sent_at > last_sent)
        ):
            last_sent = row.sent_at
        if row.status == "pending":
            when = max(row.due_at, row.next_attempt_at or row.due_at)
            if next_due is None or when < next_due:
                next_due = when
    return DeliverySummary(
        sent=statuses["sent"],
        pending=statuses["pending"],
        sending=statuses["sending"] + statuses["claimed"],
        failed=statuses["failed"],
        unconfirmed=unconfirmed,
        skipped=statuses["skipped"],
        last_sent_at=last_sent,
        next_due_at=next_due,
        by_kind={kind: dict(counts) for kind, counts in sorted(by_kind.items())},
    )


def report_failure(
    repo: Repo,
    *,
    key: str,
    error: str,
    now: datetime,
    person_id: int | None = None,
    pair_id: int | None = None,
    programme_id: int | None = None,
) -> bool:
    """Tell the programme's coordinator, once per ``key``, that a message to ``person_id`` (or
    to the pair) could not be delivered for a permanent reason. The note names the error, never
    what the message said. False when there is nobody to tell."""
    from conversations import nudges  # the wording lives with the other scheduled messages

    coordinator, programme_id = _coordinator_of(repo, person_id, pair_id, programme_id)
    if coordinator is None or coordinator == person_id:
        log.warning("event=delivery_failed_no_coordinator key=%s", key)
        return False
    nudge = nudges.Nudge(
        key=f"delivery-failed:{key}",
        kind="delivery-failed-coordinator",
        person_id=coordinator,
        due_at=now,
        pair_id=pair_id,
        programme_id=programme_id,
        detail=error[:300],
    )
    message = nudges.compose(repo, nudge, now)
    if message is None:
        return False
    return repo.enqueue(
        OutboxItem(
            key=nudge.key,
            person_id=coordinator,
            programme_id=programme_id,
            kind=nudge.kind,
            payload=message.model_dump(mode="json"),
            due_at=now,
            created_at=now,
        )
    )


def _coordinator_of(
    repo: Repo, person_id: int | None, pair_id: int | None, programme_id: int | None
) -> tuple[int | None, int | None]:
    if programme_id is None and pair_id is not None:
        pair = repo.get(Pair, pair_id)
        programme_id = pair.programme_id if pair is not None else None
    if programme_id is None and person_id is not None:
        enrolment = repo.first(Enrolment, person_id=person_id, status="active")
        programme_id = enrolment.programme_id if enrolment is not None else None
    if programme_id is None:
        return None, None
    programme = repo.get(Programme, programme_id)
    return (programme.created_by if programme is not None else None), programme_id
