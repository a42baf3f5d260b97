"""For coordinators: how a programme's invitations were answered (counts only). Below the
flows: `program list` shows it, and `status` may."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from conversations.ports import Repo
from conversations.records import Invitation, InvitationStatus


@dataclass(frozen=True)
class InvitationCounts:
    invited: int  # every invitation sent
    accepted: int  # accepted and enrolled
    declined: int
    unanswered: int  # no answer (yet)
    reminded: int  # of all, how many were reminded (once each)


def invitation_counts(repo: Repo, programme_id: int) -> InvitationCounts:
    """The counts of one programme's invitations; ``repo`` is the caller's (scoped) repo."""
    rows = repo.columns(Invitation, ("status", "reminded_at"), programme_id=programme_id)
    statuses = Counter(InvitationStatus(status) for status, _ in rows)
    return InvitationCounts(
        invited=len(rows),
        accepted=statuses[InvitationStatus.ACCEPTED],
        declined=statuses[InvitationStatus.DECLINED],
        unanswered=statuses[InvitationStatus.INVITED],
        reminded=sum(1 for _, reminded in rows if reminded is not None),
    )
