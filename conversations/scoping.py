"""One workspace's view of the store: what every conversation turn reads and writes through.

A workspace is one organisation on one platform: a Slack workspace (or a whole Enterprise Grid
organisation for an org-wide install), a Teams tenant, or ``local`` for the console. Every
record that belongs to an organisation carries its ``workspace``. ``WorkspaceRepo`` wraps the
transaction's ``Repo`` so that a flow cannot forget the scope:

* ``find``, ``first`` and ``columns`` of a scoped record class only ever see the workspace's
  rows (the filter is added here; a flow asking for another workspace gets nothing);
* ``get`` of a row of another workspace answers ``None``, as if it did not exist;
* ``add`` stamps the workspace on a new record; ``update`` and ``delete`` refuse a record of
  another workspace (``ScopeViolation``: a bug, never a person's mistake).

Record classes without a ``workspace`` field (outbox rows, receipts, audit entries, wake rows,
conversation states, goal ratings) are reached only through a scoped record and pass through.
The scheduler and the dispatcher work across workspaces and use the plain ``Repo``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any

from conversations.ports import OutboxTally, R, Referred, Repo
from conversations.records import OutboxItem, PlanWake, Programme, Record

LOCAL = "local"  # the console's workspace


def _workspace(record: Record) -> str:
    return str(vars(record).get("workspace", ""))


class ScopeViolation(Exception):
    """A write aimed at another workspace's record."""


@cache
def is_scoped(cls: type[Record]) -> bool:
    return "workspace" in cls.model_fields


def workspace_of(platform: str, workspace: str) -> str:
    """The workspace an actor belongs to: the platform's organisation id, ``local`` for the
    console."""
    return workspace or (LOCAL if platform == LOCAL else "")


class WorkspaceRepo:
    """The ``Repo`` port, seen from one workspace (see the module docstring)."""

    def __init__(self, inner: Repo, workspace: str) -> None:
        self.inner = inner
        self.workspace = workspace

    def _where(self, cls: type[Record], where: dict[str, Any]) -> dict[str, Any] | None:
        """The filter with the scope added; None when it asks for another workspace (whose
        rows do not exist from here)."""
        if not is_scoped(cls):
            return where
        if where.get("workspace", self.workspace) != self.workspace:
            return None
        return {**where, "workspace": self.workspace}

    def _mine(self, record: Record) -> bool:
        return not is_scoped(type(record)) or _workspace(record) == self.workspace

    def get(self, cls: type[R], id: int) -> R | None:
        found = self.inner.get(cls, id)
        return found if found is not None and self._mine(found) else None

    def find(self, cls: type[R], **where: Any) -> list[R]:
        scoped = self._where(cls, where)
        return [] if scoped is None else self.inner.find(cls, **scoped)

    def first(self, cls: type[R], **where: Any) -> R | None:
        scoped = self._where(cls, where)
        return None if scoped is None else self.inner.first(cls, **scoped)

    def first_referred(
        self, cls: type[R], referred: Referred, **where: Any
    ) -> tuple[R, bool] | None:
        """Of this workspace's records only, on both sides."""
        scoped = self._where(cls, where)
        linked = self._where(referred.cls, dict(referred.where))
        if scoped is None:
            return None
        if linked is None:
            found = self.inner.first(cls, **scoped)
            return None if found is None else (found, False)
        return self.inner.first_referred(cls, replace(referred, where=linked), **scoped)

    def columns(self, cls: type[R], names: Sequence[str], **where: Any) -> list[tuple[Any, ...]]:
        scoped = self._where(cls, where)
        return [] if scoped is None else self.inner.columns(cls, names, **scoped)

    def add(self, record: R) -> R:
        if is_scoped(type(record)):
            current = _workspace(record)
            if current and current != self.workspace:
                raise ScopeViolation(f"add {type(record).__name__} to another workspace")
            record = record.model_copy(update={"workspace": self.workspace})
        return self.inner.add(record)

    def update(self, record: R) -> R:
        self._check(type(record), record.id)
        if not self._mine(record):
            raise ScopeViolation(f"move {type(record).__name__} {record.id} between workspaces")
        return self.inner.update(record)

    def add_many(self, records: Sequence[R]) -> list[R]:
        return [self.add(record) for record in records]  # each checked; none from a turn

    def update_many(self, records: Sequence[R]) -> list[R]:
        return [self.update(record) for record in records]

    def delete(self, cls: type[R], id: int) -> None:
        self._check(cls, id)
        self.inner.delete(cls, id)

    def _check(self, cls: type[Record], id: int | None) -> None:
        if not is_scoped(cls) or id is None:
            return
        stored = self.inner.get(cls, id)
        if stored is not None and not self._mine(stored):
            raise ScopeViolation(f"change {cls.__name__} {id} of another workspace")

    def enqueue(self, item: OutboxItem) -> bool:
        return self.inner.enqueue(item)

    def enqueue_many(self, items: Sequence[OutboxItem]) -> set[str]:
        return self.inner.enqueue_many(items)

    def outbox_tallies(self, programme_id: int) -> list[OutboxTally]:
        """Only of a programme of this workspace (another's has none from here)."""
        if self.get(Programme, programme_id) is None:
            return []
        return self.inner.outbox_tallies(programme_id)

    def wake(self, subjects: Iterable[str]) -> None:
        self.inner.wake(subjects)

    def due_wakes(self, now: datetime, limit: int) -> list[PlanWake]:
        return self.inner.due_wakes(now, limit)

    def changed_wakes(
        self, kind: str, after_id: int, limit: int, *, wait: bool = False
    ) -> list[PlanWake]:
        return self.inner.changed_wakes(kind, after_id, limit, wait=wait)

    def claim_wakes(self, subjects: Iterable[str]) -> dict[str, int | None]:
        return self.inner.claim_wakes(subjects)

    def settle_wakes(self, settled: Sequence[tuple[str, int | None, datetime]]) -> None:
        self.inner.settle_wakes(settled)
