"""An invitation's one reminder, once it has reached the person: the invitation is marked
``reminded_at`` (``invitation_counts`` counts those). The reminder is an outbox row of kind
``REMINDER_KIND``, queued with the invitation and removed when it is answered first; whoever
delivers outbox rows (the dispatcher) calls ``note_delivered`` for each row of a kind in
``NOTED_KINDS`` once the platform took it. Reads the invitation from the row's own buttons."""

from __future__ import annotations

from datetime import datetime

from conversations.ports import Repo
from conversations.records import Invitation, OutboxItem
from conversations.refs import InvitationRef

INVITATION_KIND = "invitation"  # the invitation itself
REMINDER_KIND = "invitation-reminder"  # queued with the invitation; answering removes it
NOTED_KINDS = frozenset({REMINDER_KIND})  # rows whose delivery changes a record


def note_delivered(repo: Repo, item: OutboxItem, now: datetime) -> bool:
    """Mark the invitation ``item`` reminded someone of (its first delivery only); True if
    one was marked. ``repo`` is the plain (cross-workspace) one, as the dispatcher's."""
    if item.kind != REMINDER_KIND:
        return False
    for value in sorted(item.button_values()):
        ref = InvitationRef.decode(value)
        invitation = repo.get(Invitation, ref.invitation) if ref is not None else None
        if (
            invitation is not None
            and invitation.person_id == item.person_id
            and invitation.reminded_at is None
        ):
            repo.update(invitation.model_copy(update={"reminded_at": now}))
            return True
    return False
