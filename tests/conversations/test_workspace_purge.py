"""A removed workspace's records go once the retention has passed, and only its records."""

from __future__ import annotations

from datetime import timedelta

from conversations.memory import InMemoryStore
from conversations.records import (
    AuditEntry,
    ConversationState,
    OutboxItem,
    Person,
    PlanWake,
    Reflection,
    WorkspaceRemoval,
)
from conversations.workspace_purge import purge_due
from tests.storage.samples import T0, outbox_item, person


def test_the_purge_deletes_the_removed_workspace_after_the_retention_and_nothing_else() -> None:
    store = InMemoryStore()
    with store.transaction() as repo:
        ids = {}
        for team, n in (("TA", 1), ("TB", 2)):
            who = repo.add(person(n, workspace=team))
            ids[team] = who.id
            repo.add(ConversationState(person_id=who.id or 0, updated_at=T0))
            repo.add(outbox_item(f"k{n}", person_id=who.id))
            repo.add(
                Reflection(
                    workspace=team,
                    person_id=who.id or 0,
                    prompt_key="p1",
                    text="private",
                    week="2026-W45",
                    created_at=T0,
                )
            )
            repo.add(AuditEntry(at=T0, actor_id=who.id, action="settings.changed"))
        repo.add(
            WorkspaceRemoval(
                platform="slack", organisation="TA", removed_at=T0, purge_at=T0 + timedelta(days=30)
            )
        )
    with store.transaction() as repo:
        assert purge_due(repo, T0 + timedelta(days=29)) == []
    with store.transaction() as repo:
        [done] = purge_due(repo, T0 + timedelta(days=30))
    assert done.organisation == "TA" and done.counts["Person"] == 1
    with store.read() as repo:
        assert [p.workspace for p in repo.find(Person)] == ["TB"]
        assert [r.workspace for r in repo.find(Reflection)] == ["TB"]
        assert [s.person_id for s in repo.find(ConversationState)] == [ids["TB"]]
        assert [o.person_id for o in repo.find(OutboxItem)] == [ids["TB"]]
        assert not [w for w in repo.find(PlanWake) if w.subject == f"person:{ids['TA']}"]
        actions = [(e.action, e.subject) for e in repo.find(AuditEntry)]
        assert ("settings.changed", "") in actions and ("workspace.purged", "TA") in actions
        assert len([a for a in actions if a[0] == "settings.changed"]) == 1
        [removal] = repo.find(WorkspaceRemoval)
        assert removal.purged_at == T0 + timedelta(days=30)
    with store.transaction() as repo:
        assert purge_due(repo, T0 + timedelta(days=60)) == []  # once
