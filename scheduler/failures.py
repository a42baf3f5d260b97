"""What the programme's coordinator is told when a row fails for good."""

from __future__ import annotations

from datetime import datetime

from conversations.failure_notes import UNREACHABLE, report_failure
from conversations.ports import Store
from conversations.records import OutboxItem


def tell_coordinator(store: Store, item: OutboxItem, error: str, now: datetime) -> bool:
    """Queue a ``delivery-failed-coordinator`` note about ``item`` (once per row)."""
    if item.kind == "delivery-failed-coordinator":
        return False
    with store.transaction() as repo:
        # A removed workspace fails every row with one reason: tell once per programme; a
        # person who cannot be reached at all: once per person.
        if error.startswith("workspace_revoked:"):
            key = f"{error}:programme={item.programme_id}"
        elif error.startswith(UNREACHABLE) and item.person_id is not None:
            key = f"{UNREACHABLE}person={item.person_id}"
        else:
            key = item.key
        return report_failure(
            repo,
            key=key,
            error=error,
            now=now,
            person_id=item.person_id,
            pair_id=item.pair_id,
            programme_id=item.programme_id,
        )
