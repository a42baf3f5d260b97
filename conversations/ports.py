"""The ports the core needs, as Protocols. Implementations live outside the core:
``storage.SqlStore`` (SQLModel), ``conversations.memory.InMemoryStore`` (tests, benchmarks),
``bot.runtime.SystemClock`` and the platform senders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from conversations.messages import Message
from conversations.records import OutboxItem, OutboxStatus, PlanWake, Record

R = TypeVar("R", bound=Record)
LEASE = timedelta(seconds=30)  # how long a dispatcher holds a row without renewing it


class Conflict(Exception):
    """An update lost a race: the record's version changed since it was read."""


class DuplicateKey(Exception):
    """An insert collided with a unique key (outbox key, receipt key, person identity)."""


class ReadOnly(Exception):
    """A write inside a read-only transaction (``Store.read``): run the work again in
    ``Store.transaction`` (the engine does, for a turn that turned out to write)."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


@dataclass(frozen=True)
class AtLeast:
    """A filter value: the field is at least ``value`` (``None`` never is)."""

    value: Any


@dataclass(frozen=True)
class OrField:
    """A filter value: the field equals ``value``, or the field ``other`` does. One person's
    pairs in one read: ``mentor_id=OrField("adept_id", person_id)``."""

    other: str
    value: Any


@dataclass(frozen=True)
class Referred:
    """Asked with ``Repo.first_referred``: whether some ``cls`` record refers to the record
    found, one of its ``fields`` holding the found record's id, and matches ``where`` (a filter
    as for ``find``). A turn's person and whether they are in an open pair, in one read:
    ``Referred(Pair, ("mentor_id", "adept_id"), {"phase": [...]})``."""

    cls: type[Record]
    fields: tuple[str, ...]
    where: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboxTally:
    """The outbox rows of one programme with one kind and status, summed up: counts and
    dates, never a message."""

    kind: str
    status: OutboxStatus
    count: int
    unconfirmed: int  # rows whose error starts with ``records.UNCONFIRMED``
    last_sent_at: datetime | None  # the latest ``sent_at`` among them
    next_due_at: datetime | None  # the earliest time one is due: its due_at or next attempt


class Repo(Protocol):
    """Reads and writes inside one transaction. Filters are equality, membership when the
    value is a list/tuple/set, ``>=`` when it is an ``AtLeast``, or equality of either of two
    fields when it is an ``OrField``. Returned records are copies:
    change them with ``model_copy`` and ``update``.

    Every ``add``, ``update`` and ``delete`` of a record the planner reads also marks the
    planner subjects it touches as changed (``conversations.wakes.subjects_of``, ``wake``)."""

    def get(self, cls: type[R], id: int) -> R | None: ...

    def find(self, cls: type[R], **where: Any) -> list[R]: ...

    def first(self, cls: type[R], **where: Any) -> R | None: ...

    def first_referred(
        self, cls: type[R], referred: Referred, **where: Any
    ) -> tuple[R, bool] | None:
        """``first(cls, **where)`` and whether a record ``referred`` describes refers to it, in
        one read (``None``: nothing found)."""
        ...

    def columns(self, cls: type[R], names: Sequence[str], **where: Any) -> list[tuple[Any, ...]]:
        """A lean read: for each record that ``find(cls, **where)`` would return (same order,
        by id), a tuple of the values of the fields ``names``, as the record would hold them
        (timestamps aware UTC, enums as enums, JSON lists/dicts decoded and not shared with the
        store). No records are built: for reads of many rows (the scheduler's snapshot)."""
        ...

    def add(self, record: R) -> R:
        """Insert; returns the record with its id. Raises DuplicateKey on a unique clash."""
        ...

    def update(self, record: R) -> R:
        """Save a changed record; returns it with version + 1. Raises Conflict if stale."""
        ...

    def add_many(self, records: Sequence[R]) -> list[R]:
        """``add`` for each of ``records`` (one class), in one statement; a unique clash
        raises DuplicateKey and adds none of them."""
        ...

    def update_many(self, records: Sequence[R]) -> list[R]:
        """``update`` for each of ``records`` (one class), in one statement; one of them
        stale raises Conflict and saves none of them."""
        ...

    def delete(self, cls: type[R], id: int) -> None: ...

    def enqueue(self, item: OutboxItem) -> bool:
        """Queue an outgoing message unless its key is already queued; True if queued."""
        ...

    def enqueue_many(self, items: Sequence[OutboxItem]) -> set[str]:
        """``enqueue`` for each of ``items`` in order (a few statements for all of them: the
        scheduler's tick writes a thousand at once); returns the keys queued by this call."""
        ...

    def outbox_tallies(self, programme_id: int) -> list[OutboxTally]:
        """The programme's outbox rows summed up per (kind, status), in no particular order:
        counted by the database (one ``GROUP BY``), so what a coordinator's view costs does
        not grow with the outbox."""
        ...

    def wake(self, subjects: Iterable[str]) -> None:
        """Mark planner subjects as changed: planned at the next tick, before the rest
        (``PlanWake.changed``, ``wake_at`` = ``wakes.EPOCH``; a missing row is created)."""
        ...

    def due_wakes(self, now: datetime, limit: int) -> list[PlanWake]:
        """Up to ``limit`` subjects to plan at ``now``: changed ones (oldest row first) and
        those whose ``wake_at`` has come (earliest first). When both kinds are waiting, each
        gets at least half of ``limit``, so neither a flood of changes (an import, an upgrade)
        nor a busy minute holds the other back."""
        ...

    def changed_wakes(
        self, kind: str, after_id: int, limit: int, *, wait: bool = False
    ) -> list[PlanWake]:
        """Up to ``limit`` changed subjects of ``kind`` (``person``, ``pair``, ``programme``)
        whose row id is above ``after_id``, by id: the bulk re-plan's walk through a large
        backlog of changes. Like ``due_wakes``, on PostgreSQL it skips the rows another
        transaction holds and keeps the ones it returns until this transaction ends; with
        ``wait``, it waits for them instead (returned only if still changed by then)."""
        ...

    def claim_wakes(self, subjects: Iterable[str]) -> dict[str, int | None]:
        """The version of each subject's wake row (``None``: no row yet), taken for this
        transaction. A subject whose row another transaction holds (another scheduler is
        planning it) is left out: that one plans it."""
        ...

    def settle_wakes(self, settled: Sequence[tuple[str, int | None, datetime]]) -> None:
        """After planning: for each (subject, version read, next wake time), set ``wake_at``
        and clear ``changed`` only if the row still has that version; a row written since
        (changed meanwhile) is left as it is, to be planned again. Version ``None``: the
        subject had no row; insert one unless one exists by now."""
        ...


@runtime_checkable
class KeepsStatistics(Protocol):
    """A store whose query planner needs its statistics refreshed now and then (SQLite: without
    them it may read a whole workspace's rows by the workspace index where the person's own
    index finds one; PostgreSQL's autovacuum keeps its own). The scheduler asks hourly."""

    def refresh_statistics(self) -> bool:
        """Refresh them; whether this store keeps any (False: nothing was done)."""
        ...


class Store(Protocol):
    def transaction(self) -> AbstractContextManager[Repo]:
        """A unit of work: committed when the block ends, rolled back if it raises. The
        writers of one process take turns (on SQLite they are serialised: one at a time)."""
        ...

    def read(self) -> AbstractContextManager[Repo]:
        """A read-only unit of work: one consistent view of what was committed, which never
        waits for a writer and holds none back (SQLite in WAL mode); any write raises
        ``ReadOnly`` (nothing is written)."""
        ...


class Outbox(Protocol):
    """The delivery side of the outbox, for the dispatcher. A row goes pending -> claimed
    (a dispatcher will try it) -> sending (right before the platform call; counts an attempt)
    -> sent | pending (retry later) | failed.

    A claimed or sending row is *leased*: ``lease_holder`` (a dispatcher's id) holds it until
    ``lease_until`` and renews the lease while it works. A row whose lease ran out belongs to
    whoever claims it next: a claimed one was never tried; a sending one may or may not be on
    the platform (its holder stopped between the send and the mark) and is reconciled first.
    Every mark but ``mark_sent`` changes a row only while the given holder holds it, and only
    from the states it names, and says whether it did: a row another dispatcher took over is
    left alone."""

    def claim_due(
        self, now: datetime, limit: int, holder: str = "", lease: timedelta = LEASE
    ) -> Sequence[OutboxItem]:
        """Lease up to ``limit`` rows to ``holder`` until ``now + lease``: claimed or sending
        rows whose lease has run out (they keep their status: a sending one needs
        reconciling), then pending rows due at ``now`` (they become 'claimed'), each oldest
        due first. Rows
        another dispatcher holds are skipped, and so are the rows of a conversation (a
        person's DM, a pair's group chat) in which another dispatcher holds a row, and,
        while a row of a conversation may be on the platform unsettled (sending, or given
        back with ``sending_since``), the conversation's other rows: a message and its files
        are one delivery, nothing comes between them."""
        ...

    def renew(self, item_ids: Sequence[int], holder: str, until: datetime) -> int:
        """Extend ``holder``'s lease on those of ``item_ids`` it still holds to ``until``;
        how many it still holds."""
        ...

    def mark_sending(
        self,
        item_id: int,
        holder: str,
        now: datetime,
        lease: timedelta = LEASE,
        *,
        since: datetime | None = None,
    ) -> bool:
        """claimed|sending -> sending, attempts + 1, the lease renewed to ``now + lease``:
        the platform call comes next. ``sending_since`` becomes ``since`` (default ``now``):
        the start of the earliest send that may have reached the platform unconfirmed."""
        ...

    def mark_sent(
        self,
        item_id: int,
        now: datetime,
        platform_message_id: str | None,
        platform_channel: str | None = None,
    ) -> bool:
        """claimed|sending -> sent, whoever holds it (the platform has the message: it was
        sent, or reconciliation found it). Forgets the
        payload: once the platform has the message, the database keeps no second copy of what
        people wrote (erasure then has nothing to miss)."""
        ...

    def mark_retry(
        self,
        item_id: int,
        holder: str,
        next_attempt_at: datetime,
        error: str,
        *,
        maybe_sent: bool = False,
    ) -> bool:
        """claimed|sending -> pending, claimable again from ``next_attempt_at``. With
        ``maybe_sent`` (a timeout, a 5xx: the platform may have it) ``sending_since`` stays,
        so the next attempt reconciles first; otherwise it is cleared."""
        ...

    def mark_failed(self, item_id: int, holder: str, now: datetime, error: str) -> bool:
        """claimed|sending -> failed; the undelivered payload is not kept."""
        ...

    def defer(self, item_id: int, holder: str, until: datetime, error: str) -> bool:
        """Give a claimed or sending row back undecided (its reconciliation failed for now):
        status and ``sending_since`` stay, nobody holds it, claimable again from ``until``."""
        ...


@dataclass(frozen=True)
class Delivered:
    """Where a sent message is on its platform: its id there (Slack: the message's ts) and
    the conversation it went to, when the platform has them."""

    message_id: str | None = None
    conversation: str | None = None


@dataclass(frozen=True)
class Reconciled:
    """What the platform says of a send that may or may not have reached it:

    * ``found``: the message is there (``delivered``): mark the row sent, send nothing;
    * ``not_found``: it is not, or not all of it: sending now delivers it, or what is
      missing of it, once;
    * ``unknown``: the platform cannot tell (Teams has no history a bot can read; a Slack
      conversation whose history the app may not read)."""

    outcome: Literal["found", "not_found", "unknown"]
    delivered: Delivered | None = None


NOT_FOUND = Reconciled("not_found")
UNKNOWN = Reconciled("unknown")


def found(delivered: Delivered) -> Reconciled:
    return Reconciled("found", delivered)


class Delivery(Protocol):
    """Where a message ends up. Raises ``TransientError`` / ``PermanentError``."""

    async def send(self, item: OutboxItem, message: Message) -> Delivered:
        """Send; say where the message is on the platform."""
        ...

    async def reconcile(self, item: OutboxItem) -> Reconciled:
        """Whether ``item``'s message reached the platform since ``item.sending_since``
        (a send that began then was never confirmed). Raises ``TransientError`` when the
        platform cannot be asked right now."""
        ...


class TransientError(Exception):
    """Try again later. ``maybe_sent``: whether the platform may have the message, or part
    of it (a message whose files failed); by default it may, unless a ``retry_after`` says
    the platform refused the call (a rate limit)."""

    def __init__(
        self, reason: str, retry_after: float | None = None, *, maybe_sent: bool | None = None
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.maybe_sent = retry_after is None if maybe_sent is None else maybe_sent


class PermanentError(Exception):
    pass
