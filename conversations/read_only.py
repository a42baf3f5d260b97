"""``ReadOnlyRepo``: a ``Repo`` whose writes raise ``ReadOnly``; what ``Store.read`` hands out.

Both stores wrap their repo in it, so a write in a read-only transaction fails the same way
on each, before it reaches the database (the engine then runs the turn again as a writer).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NoReturn

from conversations.ports import OutboxTally, R, ReadOnly, Referred, Repo
from conversations.records import OutboxItem, PlanWake


def _refuse(what: str) -> NoReturn:
    raise ReadOnly(f"{what} in a read-only transaction")


class ReadOnlyRepo:
    """The reads of ``inner``; every write raises ``ReadOnly``."""

    def __init__(self, inner: Repo) -> None:
        self.inner = inner

    def get(self, cls: type[R], id: int) -> R | None:
        return self.inner.get(cls, id)

    def find(self, cls: type[R], **where: Any) -> list[R]:
        return self.inner.find(cls, **where)

    def first(self, cls: type[R], **where: Any) -> R | None:
        return self.inner.first(cls, **where)

    def first_referred(
        self, cls: type[R], referred: Referred, **where: Any
    ) -> tuple[R, bool] | None:
        return self.inner.first_referred(cls, referred, **where)

    def columns(self, cls: type[R], names: Sequence[str], **where: Any) -> list[tuple[Any, ...]]:
        return self.inner.columns(cls, names, **where)

    def due_wakes(self, now: datetime, limit: int) -> list[PlanWake]:
        return self.inner.due_wakes(now, limit)

    def outbox_tallies(self, programme_id: int) -> list[OutboxTally]:
        return self.inner.outbox_tallies(programme_id)

    def changed_wakes(
        self, kind: str, after_id: int, limit: int, *, wait: bool = False
    ) -> list[PlanWake]:
        return self.inner.changed_wakes(kind, after_id, limit, wait=wait)

    def claim_wakes(self, subjects: Iterable[str]) -> dict[str, int | None]:
        return self.inner.claim_wakes(subjects)

    def add(self, record: R) -> R:
        _refuse(f"add {type(record).__name__}")

    def update(self, record: R) -> R:
        _refuse(f"update {type(record).__name__}")

    def add_many(self, records: Sequence[R]) -> list[R]:
        _refuse("add_many")

    def update_many(self, records: Sequence[R]) -> list[R]:
        _refuse("update_many")

    def delete(self, cls: type[R], id: int) -> None:
        _refuse(f"delete {cls.__name__}")

    def enqueue(self, item: OutboxItem) -> bool:
        _refuse("enqueue")

    def enqueue_many(self, items: Sequence[OutboxItem]) -> set[str]:
        _refuse("enqueue")

    def wake(self, subjects: Iterable[str]) -> None:
        _refuse("wake")

    def settle_wakes(self, settled: Sequence[tuple[str, int | None, datetime]]) -> None:
        _refuse("settle_wakes")
