"""Which Slack workspaces removed the bot (``app_uninstalled``, ``tokens_revoked``).

Kept as audit entries, so every process and every restart agrees: the latest of
``slack.workspace_revoked`` / ``slack.workspace_restored`` for a team id decides. Nothing is
sent to a revoked workspace; a workspace that talks to the bot again is restored.

A send to a removed workspace fails with ``PermanentError("workspace_revoked: <team id>")``,
the same text for every outbox row and whether the bot knew beforehand (the audit entries) or
learnt it from Slack (``token_revoked``, ``invalid_auth``, ``team_access_not_granted``), so
that the coordinator can be told once per workspace rather than once per message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from conversations.ports import Clock, PermanentError, Store
from conversations.records import AuditEntry

REVOKED = "slack.workspace_revoked"
RESTORED = "slack.workspace_restored"
REVOKED_REASON = "workspace_revoked"
# Slack's answers that mean the bot's token no longer works in the workspace.
REVOKED_CODES = frozenset({"token_revoked", "invalid_auth", "team_access_not_granted"})
# How long a workspace seen active is trusted without reading the audit entries again. Another
# process may record an uninstall (and the reinstall's first interaction may reach this one),
# so it is short.
ACTIVE_FOR = timedelta(seconds=60)


def revoked_error(team_id: str) -> PermanentError:
    """The one error for every send to a workspace that removed the bot."""
    return PermanentError(f"{REVOKED_REASON}: {team_id}")


class Workspaces:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._seen_active: dict[str, datetime] = {}  # team -> when last found installed

    def is_revoked(self, team_id: str) -> bool:
        if not team_id:
            return False
        with self._store.read() as repo:
            entries = repo.find(AuditEntry, action=[REVOKED, RESTORED], subject=team_id)
        return bool(entries) and _latest(entries).action == REVOKED

    def revoke(self, team_id: str, reason: str) -> None:
        self._seen_active.pop(team_id, None)
        self._record(REVOKED, team_id, reason)

    def seen(self, team_id: str) -> None:
        """The workspace sent us an interaction: it has the app installed."""
        if not team_id:
            return
        now = self._clock.now()
        last = self._seen_active.get(team_id)
        if last is not None and timedelta(0) <= now - last < ACTIVE_FOR:
            return
        if self.is_revoked(team_id):
            self._record(RESTORED, team_id, "interaction")
        self._seen_active[team_id] = now

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
