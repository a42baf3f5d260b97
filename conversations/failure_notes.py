"""Telling a programme's coordinator, once, that a message could not be delivered for a
permanent reason (the person left the workspace, the bot was removed). The note names the
person and the kind of failure in the coordinator's language (``failure_wording``), never the
platform's error code or what the message said. Writes one outbox row; called by the dispatcher and the
platform adapters."""

from __future__ import annotations

import logging
from datetime import datetime

from conversations.failure_wording import note_detail
from conversations.nudge_messages import compose
from conversations.nudges import Nudge
from conversations.ports import Repo
from conversations.records import Enrolment, EnrolmentStatus, OutboxItem, Pair, Programme

log = logging.getLogger("mentorbot.delivery")

# A permanent error that is about the person, not the message (the app is not installed for
# them, their account is gone): every message to them fails the same way, so their
# coordinator is told once per person, not once per message.
UNREACHABLE = "unreachable:"


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
    coordinator, programme_id = _coordinator_of(repo, person_id, pair_id, programme_id)
    if coordinator is None or coordinator == person_id:
        log.warning("event=delivery_failed_no_coordinator key=%s", key)
        return False
    nudge = Nudge(
        key=f"delivery-failed:{key}",
        kind="delivery-failed-coordinator",
        person_id=coordinator,
        due_at=now,
        pair_id=pair_id,
        programme_id=programme_id,
        detail=note_detail(error, person_id),
    )
    composed = compose(repo, nudge, now)
    if composed is None:
        return False
    return repo.enqueue(
        OutboxItem(
            key=nudge.key,
            person_id=coordinator,
            programme_id=programme_id,
            kind=nudge.kind,
            payload=composed.message.model_dump(mode="json"),
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
        enrolment = repo.first(Enrolment, person_id=person_id, status=EnrolmentStatus.ACTIVE)
        programme_id = enrolment.programme_id if enrolment is not None else None
    if programme_id is None:
        return None, None
    programme = repo.get(Programme, programme_id)
    return (programme.created_by if programme is not None else None), programme_id
