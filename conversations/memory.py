"""In-memory implementations of the core's ports: real implementations, used by unit tests
and benchmarks. They follow the same contract as ``storage.SqlStore`` (tests/storage run one
contract suite against both)."""

from __future__ import annotations

import copy
import operator
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, cast

from conversations.ports import (
    LEASE,
    AtLeast,
    Conflict,
    DuplicateKey,
    OrField,
    OutboxTally,
    R,
    Referred,
)
from conversations.read_only import ReadOnlyRepo
from conversations.records import UNCONFIRMED, OutboxItem, OutboxStatus, PlanWake, Record
from conversations.unique_keys import UNIQUE_KEYS
from conversations.wakes import EPOCH, share_of_changed, subjects_of

_HELD = (OutboxStatus.CLAIMED, OutboxStatus.SENDING)


def maybe_on_the_platform(o: OutboxItem) -> bool:
    """Unsettled, and a send of it may have reached the platform (all or part of it): its
    conversation takes no other message until it is settled."""
    if o.status == OutboxStatus.SENDING:
        return True
    return o.status in (OutboxStatus.PENDING, OutboxStatus.CLAIMED) and o.sending_since is not None


def _conversation(item: OutboxItem) -> tuple[str, int | None]:
    if item.person_id is not None:
        return ("person", item.person_id)
    return ("pair", item.pair_id)


def matches(record: Record, where: dict[str, Any]) -> bool:
    for name, wanted in where.items():
        value = getattr(record, name)
        if isinstance(wanted, list | tuple | set | frozenset):
            if value not in wanted:
                return False
        elif isinstance(wanted, AtLeast):
            if value is None or value < wanted.value:
                return False
        elif isinstance(wanted, OrField):
            if wanted.value not in (value, getattr(record, wanted.other)):
                return False
        elif value != wanted:
            return False
    return True


def tally(kind: str, status: OutboxStatus, rows: Sequence[OutboxItem]) -> OutboxTally:
    """What ``Repo.outbox_tallies`` says of ``rows`` (one kind and status)."""
    sent = [r.sent_at for r in rows if r.sent_at is not None]
    return OutboxTally(
        kind=kind,
        status=status,
        count=len(rows),
        unconfirmed=sum((r.error or "").startswith(UNCONFIRMED) for r in rows),
        last_sent_at=max(sent, default=None),
        next_due_at=min(max(r.due_at, r.next_attempt_at or r.due_at) for r in rows),
    )


class ManualClock:
    """A clock that moves only when told: tests, the console and the demo."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware start")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


class _MemoryRepo:
    def __init__(self, tables: dict[type[Record], dict[int, Record]], ids: dict[type[Record], int]):
        self._tables = tables
        self._ids = ids

    def _table(self, cls: type[Record]) -> dict[int, Record]:
        return self._tables.setdefault(cls, {})

    def get(self, cls: type[R], id: int) -> R | None:
        found = self._table(cls).get(id)
        return found.model_copy(deep=True) if found is not None else None  # type: ignore[return-value]

    def find(self, cls: type[R], **where: Any) -> list[R]:
        rows = [r for r in self._table(cls).values() if matches(r, where)]
        return [r.model_copy(deep=True) for r in rows]  # type: ignore[misc]

    def columns(self, cls: type[R], names: Sequence[str], **where: Any) -> list[tuple[Any, ...]]:
        fields = cls.model_fields
        for name in names:
            if name not in fields:
                raise AttributeError(f"{cls.__name__} has no field {name!r}")
        getters = [operator.attrgetter(n) for n in names]
        found = []
        for r in self._table(cls).values():
            if matches(r, where):
                found.append(
                    tuple(
                        copy.deepcopy(v) if isinstance(v, list | dict) else v
                        for v in (g(r) for g in getters)
                    )
                )
        return found

    def first(self, cls: type[R], **where: Any) -> R | None:
        for r in self._table(cls).values():
            if matches(r, where):
                return r.model_copy(deep=True)  # type: ignore[return-value]
        return None

    def first_referred(
        self, cls: type[R], referred: Referred, **where: Any
    ) -> tuple[R, bool] | None:
        found = self.first(cls, **where)
        if found is None:
            return None
        for name in (*referred.fields, *referred.where):
            if name not in referred.cls.model_fields:
                raise AttributeError(f"{referred.cls.__name__} has no field {name!r}")
        refers = any(
            matches(r, dict(referred.where))
            and found.id in (getattr(r, f) for f in referred.fields)
            for r in self._table(referred.cls).values()
        )
        return found, refers

    def _check_unique(self, record: Record) -> None:
        """The SQL stores' unique constraints (``conversations.unique_keys``)."""
        for key in UNIQUE_KEYS.get(type(record), ()):
            mine = key.of(record)
            if mine is None:
                continue
            for other in self._table(type(record)).values():
                if other.id != record.id and key.of(other) == mine:
                    raise DuplicateKey(f"{type(record).__name__}{key.fields}")

    def add(self, record: R) -> R:
        self._check_unique(record)
        cls = type(record)
        self._ids[cls] = self._ids.get(cls, 0) + 1
        stored = record.model_copy(update={"id": self._ids[cls], "version": 1}, deep=True)
        self._table(cls)[self._ids[cls]] = stored
        self.wake(subjects_of(stored))
        return stored.model_copy(deep=True)

    def update(self, record: R) -> R:
        table = self._table(type(record))
        if record.id is None or record.id not in table:
            raise Conflict(f"{type(record).__name__} {record.id} is gone")
        if table[record.id].version != record.version:
            raise Conflict(f"{type(record).__name__} {record.id} changed meanwhile")
        self._check_unique(record)
        stored = record.model_copy(update={"version": record.version + 1}, deep=True)
        table[record.id] = stored
        self.wake(subjects_of(stored))
        return stored.model_copy(deep=True)

    def add_many(self, records: Sequence[R]) -> list[R]:
        for record in records:
            self._check_unique(record)
        return [self.add(record) for record in records]

    def update_many(self, records: Sequence[R]) -> list[R]:
        for record in records:
            table = self._table(type(record))
            if record.id is None or record.id not in table:
                raise Conflict(f"{type(record).__name__} {record.id} is gone")
            if table[record.id].version != record.version:
                raise Conflict(f"{type(record).__name__} {record.id} changed meanwhile")
        return [self.update(record) for record in records]

    def delete(self, cls: type[R], id: int) -> None:
        gone = self._table(cls).pop(id, None)
        if gone is not None:
            self.wake(subjects_of(gone))

    def enqueue(self, item: OutboxItem) -> bool:
        try:
            self.add(item)
        except DuplicateKey:
            return False
        return True

    def enqueue_many(self, items: Sequence[OutboxItem]) -> set[str]:
        return {item.key for item in items if self.enqueue(item)}

    def outbox_tallies(self, programme_id: int) -> list[OutboxTally]:
        groups: dict[tuple[str, OutboxStatus], list[OutboxItem]] = {}
        for row in self._table(OutboxItem).values():
            if isinstance(row, OutboxItem) and row.programme_id == programme_id:
                groups.setdefault((row.kind, row.status), []).append(row)
        return [tally(kind, status, rows) for (kind, status), rows in sorted(groups.items())]

    # The planner's wake-ups ---------------------------------------------------------------

    def _wakes(self) -> dict[str, PlanWake]:
        rows = self._table(PlanWake).values()
        return {w.subject: w for w in rows if isinstance(w, PlanWake)}

    def wake(self, subjects: Iterable[str]) -> None:
        ordered = sorted(set(subjects))  # new rows in subject order, as in the SQL store
        if not ordered:
            return
        table = self._table(PlanWake)
        rows = self._wakes()
        for subject in ordered:
            row = rows.get(subject)
            if row is None:
                self.add(PlanWake(subject=subject, wake_at=EPOCH, changed=True))
            else:
                table[row.id or 0] = row.model_copy(
                    update={"wake_at": EPOCH, "changed": True, "version": row.version + 1}
                )

    def due_wakes(self, now: datetime, limit: int) -> list[PlanWake]:
        rows = sorted(self._wakes().values(), key=lambda w: (w.wake_at, w.id or 0))
        timed = [w for w in rows if not w.changed and w.wake_at <= now][:limit]
        changed = [w for w in rows if w.changed][: share_of_changed(limit, len(timed))]
        return [w.model_copy() for w in changed + timed[: limit - len(changed)]]

    def changed_wakes(
        self, kind: str, after_id: int, limit: int, *, wait: bool = False
    ) -> list[PlanWake]:
        rows = sorted(self._wakes().values(), key=lambda w: w.id or 0)
        found = [
            w
            for w in rows
            if w.changed and (w.id or 0) > after_id and w.subject.startswith(f"{kind}:")
        ]
        return [w.model_copy() for w in found[:limit]]

    def claim_wakes(self, subjects: Iterable[str]) -> dict[str, int | None]:
        rows = self._wakes()
        return {s: (rows[s].version if s in rows else None) for s in set(subjects)}

    def settle_wakes(self, settled: Sequence[tuple[str, int | None, datetime]]) -> None:
        table = self._table(PlanWake)
        rows = self._wakes()
        for subject, version, wake_at in settled:
            row = rows.get(subject)
            if row is None:
                if version is None:
                    self.add(PlanWake(subject=subject, wake_at=wake_at))
            elif row.version == version:
                table[row.id or 0] = row.model_copy(
                    update={"wake_at": wake_at, "changed": False, "version": version + 1}
                )


class InMemoryStore:
    """Store + Outbox in process memory. Transactions are all-or-nothing: each works on its
    own shallow copy of the tables, which is enough because stored records are never changed
    in place (``add``/``update`` store fresh deep copies, reads hand out deep copies), so the
    copy costs one dict copy per table, not a copy of every record."""

    def __init__(self) -> None:
        self._tables: dict[type[Record], dict[int, Record]] = {}
        self._ids: dict[type[Record], int] = {}
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[_MemoryRepo]:
        with self._lock:
            tables = {cls: dict(rows) for cls, rows in self._tables.items()}
            ids = dict(self._ids)
            repo = _MemoryRepo(tables, ids)
            yield repo
            self._tables, self._ids = tables, ids

    @contextmanager
    def read(self) -> Iterator[ReadOnlyRepo]:
        """The last committed tables, without the writers' lock: a commit replaces the tables
        instead of changing them, so what a reader holds never changes under it."""
        tables = dict(self._tables)  # its own outer dict: reading may add an empty table
        yield ReadOnlyRepo(_MemoryRepo(tables, dict(self._ids)))

    # Outbox port (the rules: storage.outbox, the SQL side)
    def claim_due(
        self, now: datetime, limit: int, holder: str = "", lease: timedelta = LEASE
    ) -> Sequence[OutboxItem]:
        def claimable(o: OutboxItem) -> bool:
            if o.status == OutboxStatus.PENDING:
                return o.due_at <= now and (o.next_attempt_at is None or o.next_attempt_at <= now)
            held = o.status in (OutboxStatus.CLAIMED, OutboxStatus.SENDING)
            return held and (o.lease_until is None or o.lease_until <= now)

        with self.transaction() as repo:
            # Read in place (no copy of every row ever sent); only the claimed rows are copied.
            rows = cast(list[OutboxItem], list(repo._table(OutboxItem).values()))
            busy = {
                _conversation(o)
                for o in rows
                if o.status in _HELD
                and o.lease_holder != holder
                and o.lease_until is not None
                and o.lease_until > now
            }
            unsettled = {_conversation(o) for o in rows if maybe_on_the_platform(o)}
            due = [
                o
                for o in rows
                if claimable(o)
                and _conversation(o) not in busy
                and (_conversation(o) not in unsettled or maybe_on_the_platform(o))
            ]
            # Rows taken over first, then pending ones, each oldest due first (as SqlStore).
            due.sort(key=lambda o: (o.status == OutboxStatus.PENDING, o.due_at, o.id or 0))
            return [
                repo.update(
                    item.model_copy(
                        update={
                            "status": OutboxStatus.CLAIMED
                            if item.status == OutboxStatus.PENDING
                            else item.status,
                            "lease_holder": holder,
                            "lease_until": now + lease,
                        }
                    )
                )
                for item in due[:limit]
            ]

    def renew(self, item_ids: Sequence[int], holder: str, until: datetime) -> int:
        return sum(self._set(i, _HELD, holder, lease_until=until) for i in item_ids)

    def _set(
        self, item_id: int, expected: tuple[str, ...], holder: str | None, **changes: Any
    ) -> bool:
        with self.transaction() as repo:
            item = repo.get(OutboxItem, item_id)
            if item is None or item.status not in expected:
                return False
            if holder is not None and item.lease_holder != holder:
                return False
            if changes.pop("count_attempt", False):
                changes["attempts"] = item.attempts + 1
            repo.update(item.model_copy(update=changes))
            return True

    def mark_sending(
        self,
        item_id: int,
        holder: str,
        now: datetime,
        lease: timedelta = LEASE,
        *,
        since: datetime | None = None,
    ) -> bool:
        return self._set(
            item_id,
            _HELD,
            holder,
            status=OutboxStatus.SENDING,
            count_attempt=True,
            sending_since=since or now,
            lease_until=now + lease,
        )

    def mark_sent(
        self,
        item_id: int,
        now: datetime,
        platform_message_id: str | None,
        platform_channel: str | None = None,
    ) -> bool:
        return self._set(
            item_id,
            _HELD,
            None,
            status=OutboxStatus.SENT,
            sent_at=now,
            platform_message_id=platform_message_id,
            platform_channel=platform_channel,
            error=None,
            payload={},
            lease_holder=None,
            lease_until=None,
        )

    def mark_retry(
        self,
        item_id: int,
        holder: str,
        next_attempt_at: datetime,
        error: str,
        *,
        maybe_sent: bool = False,
    ) -> bool:
        kept: dict[str, Any] = {} if maybe_sent else {"sending_since": None}
        return self._set(
            item_id,
            _HELD,
            holder,
            status=OutboxStatus.PENDING,
            next_attempt_at=next_attempt_at,
            error=error,
            lease_holder=None,
            lease_until=None,
            **kept,
        )

    def mark_failed(self, item_id: int, holder: str, now: datetime, error: str) -> bool:
        return self._set(
            item_id,
            _HELD,
            holder,
            status=OutboxStatus.FAILED,
            error=error,
            payload={},
            lease_holder=None,
            lease_until=None,
        )

    def defer(self, item_id: int, holder: str, until: datetime, error: str) -> bool:
        return self._set(item_id, _HELD, holder, lease_holder=None, lease_until=until, error=error)
