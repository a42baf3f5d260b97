"""For coordinators: how a programme's invitations were answered (counts only). Below the
flows: `program list` shows it, and `status` may."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from conversations.i18n import Texts
from conversations.ports import Repo
from conversations.records import Invitation, InvitationStatus


@dataclass(frozen=True)
class InvitationCounts:
    invited: int  # every invitation sent
    accepted: int  # accepted and enrolled
    declined: int
    unanswered: int  # no answer (yet)
    enrolled: int  # enrolled by hand before they answered (the invitation closed)
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
        enrolled=statuses[InvitationStatus.ENROLLED],
        reminded=sum(1 for _, reminded in rows if reminded is not None),
    )


def counts_line(t: Texts, counts: InvitationCounts) -> str:
    """The counts in the reader's words; those enrolled by hand are named only when any were."""
    line = t(
        "invite.counts",
        invited=counts.invited,
        accepted=counts.accepted,
        declined=counts.declined,
        unanswered=counts.unanswered,
        reminded=counts.reminded,
    )
    if counts.enrolled:
        line += " " + t("invite.counts_enrolled", n=counts.enrolled)
    return line
