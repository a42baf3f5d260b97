"""Which Slack workspaces removed the bot (``app_uninstalled``, ``tokens_revoked``).

Kept as audit entries, so every process and every restart agrees: the latest of
``slack.workspace_revoked`` / ``slack.workspace_restored`` for a team id decides. Nothing is
sent to a revoked workspace; a workspace that talks to the bot again is restored.
"""

from __future__ import annotations

from datetime import datetime

from conversations.ports import Clock, Store
from conversations.records import AuditEntry

REVOKED = "slack.workspace_revoked"
RESTORED = "slack.workspace_restored"


class Workspaces:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._seen_active: set[str] = set()  # teams known to be installed (saves a query)

    def is_revoked(self, team_id: str) -> bool:
        if not team_id:
            return False
        with self._store.transaction() as repo:
            entries = repo.find(AuditEntry, action=[REVOKED, RESTORED], subject=team_id)
        return bool(entries) and _latest(entries).action == REVOKED

    def revoke(self, team_id: str, reason: str) -> None:
        self._seen_active.discard(team_id)
        self._record(REVOKED, team_id, reason)

    def seen(self, team_id: str) -> None:
        """The workspace sent us an interaction: it has the app installed."""
        if not team_id or team_id in self._seen_active:
            return
        if self.is_revoked(team_id):
            self._record(RESTORED, team_id, "interaction")
        self._seen_active.add(team_id)

    def _record(self, action: str, team_id: str, reason: str) -> None:
        with self._store.transaction() as repo:
            repo.add(
                AuditEntry(
                    at=self._clock.now(),
                    actor_id=None,
                    action=action,
                    subject=team_id,
                    detail={"reason": reason},
                )
            )


def _latest(entries: list[AuditEntry]) -> AuditEntry:
    def order(entry: AuditEntry) -> tuple[datetime, int]:
        return (entry.at, entry.id or 0)

    return max(entries, key=order)
