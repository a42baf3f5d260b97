"""Deleting an organisation's records once it removed the bot and the retention has passed.

An adapter records the removal (``WorkspaceRemoval``, with ``purge_at``: the removal plus
``privacy.retention_days_after_uninstall``) and deletes that row again if the organisation
comes back first. The scheduler calls ``purge_due`` at every tick: for each removal whose time
has come, every record of the workspace goes, in one transaction: the scoped records (people,
programmes, pairs, journal entries, check-ins, …), and what hangs on them without a
``workspace`` of its own (conversation states, goal ratings, outbox rows, the planner's wake
rows, audit entries by its people). Receipts (event keys only) age out as usual. The removal
row stays, marked ``purged_at``, and an audit entry ``workspace.purged`` says how many records
of each kind went: counts, never what they said.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conversations.ports import Repo
from conversations.records import (
    ALL_RECORDS,
    AuditEntry,
    ConversationState,
    Goal,
    GoalRating,
    OutboxItem,
    Pair,
    Person,
    PlanWake,
    Programme,
    Record,
    WorkspaceRemoval,
)
from conversations.scoping import is_scoped

PURGED = "workspace.purged"
_CHUNK = 500  # ids per query (SQLite's bound on parameters is far above)


@dataclass
class Purged:
    platform: str
    organisation: str
    counts: dict[str, int] = field(default_factory=dict)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _ids(repo: Repo, cls: type[Record], workspace: str) -> list[int]:
    return [row[0] for row in repo.columns(cls, ["id"], workspace=workspace)]


def _linked(repo: Repo, cls: type[Record], column: str, ids: list[int]) -> list[int]:
    found: list[int] = []
    for chunk in _chunks(ids):
        found += [row[0] for row in repo.columns(cls, ["id"], **{column: chunk})]
    return found


def due(repo: Repo, now: datetime) -> list[WorkspaceRemoval]:
    """The removals whose retention has passed and that are not purged yet."""
    return [r for r in repo.find(WorkspaceRemoval, purged_at=None) if r.purge_at <= now]


def purge(repo: Repo, removal: WorkspaceRemoval, now: datetime) -> Purged:
    """Delete every record of ``removal``'s workspace (see the module docstring)."""
    workspace = removal.organisation
    people = _ids(repo, Person, workspace)
    pairs = _ids(repo, Pair, workspace)
    programmes = _ids(repo, Programme, workspace)
    goals = _ids(repo, Goal, workspace)
    doomed: dict[type[Record], list[int]] = {
        cls: _ids(repo, cls, workspace)
        for cls in ALL_RECORDS
        if is_scoped(cls) and cls is not WorkspaceRemoval
    }
    doomed[ConversationState] = _linked(repo, ConversationState, "person_id", people)
    doomed[GoalRating] = _linked(repo, GoalRating, "goal_id", goals)
    doomed[OutboxItem] = sorted(
        set(_linked(repo, OutboxItem, "person_id", people))
        | set(_linked(repo, OutboxItem, "pair_id", pairs))
        | set(_linked(repo, OutboxItem, "programme_id", programmes))
    )
    doomed[AuditEntry] = _linked(repo, AuditEntry, "actor_id", people)
    subjects = (
        [f"person:{i}" for i in people]
        + [f"pair:{i}" for i in pairs]
        + [f"programme:{i}" for i in programmes]
    )
    purged = Purged(removal.platform, workspace)
    for cls, ids in doomed.items():
        for record_id in ids:
            repo.delete(cls, record_id)
        if ids:
            purged.counts[cls.__name__] = len(ids)
    # Last: deleting records marks their subjects for the planner (a wake row each).
    wakes = 0
    for chunk in _chunks(list(range(len(subjects)))):
        names = [subjects[i] for i in chunk]
        for (wake_id,) in repo.columns(PlanWake, ["id"], subject=names):
            repo.delete(PlanWake, wake_id)
            wakes += 1
    if wakes:
        purged.counts[PlanWake.__name__] = wakes
    removal.purged_at = now
    repo.update(removal)
    detail: dict[str, Any] = {"platform": removal.platform, "counts": purged.counts}
    repo.add(AuditEntry(at=now, actor_id=None, action=PURGED, subject=workspace, detail=detail))
    return purged


def purge_due(repo: Repo, now: datetime) -> list[Purged]:
    """Purge every workspace whose retention after removal has passed."""
    return [purge(repo, removal, now) for removal in due(repo, now)]
