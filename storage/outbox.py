"""The outbox side of ``SqlStore``: the core's ``Outbox`` port (claims as leases, conditional
marks) on SQLite or PostgreSQL. See ``conversations.ports.Outbox`` for the row's life.

Each claim or mark is one of the store's write units (``SqlStore._write``, as its
``transaction``): on SQLite it waits its turn for the store's one writer connection, and a
database another process keeps locked past the busy timeout (or, on PostgreSQL, a deadlock)
is rolled back and raised as ``Conflict``, to run again (the scheduler's next tick)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from conversations.ports import LEASE
from conversations.records import OutboxItem, OutboxStatus
from storage.tables import table_of


def _to_record(row: sa.Row[Any]) -> OutboxItem:
    return OutboxItem.model_validate(dict(row._mapping))


class SqlOutbox:
    """Needs ``_write``: ``SqlStore`` has it."""

    def _write(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # SqlStore's write units

    def claim_due(
        self, now: datetime, limit: int, holder: str = "", lease: timedelta = LEASE
    ) -> Sequence[OutboxItem]:
        """Lease up to ``limit`` rows to ``holder``: claimed or sending rows whose lease ran out
        first (status kept), then due pending rows (now 'claimed'), each oldest due first,
        except rows of a conversation another dispatcher holds a row of, and rows of a
        conversation with an unsettled row that may be on the platform (but that row itself). Claimers take turns: SQLite's
        ``BEGIN IMMEDIATE``, PostgreSQL's transaction-level advisory lock (so that two cannot
        both take rows of one conversation), and rows being marked are skipped there
        (``FOR UPDATE SKIP LOCKED``)."""
        table = table_of(OutboxItem)
        c = table.c
        due = sa.and_(
            c.status == OutboxStatus.PENDING,
            c.due_at <= now,
            sa.or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
        )
        abandoned = sa.and_(
            c.status.in_([OutboxStatus.CLAIMED, OutboxStatus.SENDING]),
            sa.or_(c.lease_until.is_(None), c.lease_until <= now),
        )
        free = sa.and_(~_held_elsewhere(table, now, holder), ~_waits_for_an_unsettled_send(table))

        def query(which: sa.ColumnElement[bool], room: int) -> sa.Select[Any]:
            # Two reads, each in the (status, due_at) index's order: no sort of the backlog.
            return (
                sa.select(table)
                .where(which, free)
                .order_by(c.due_at, c.id)
                .limit(room)
                .with_for_update(skip_locked=True, of=table)
            )

        until = now + lease
        with self._write() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_CLAIM_LOCK_ID)))
            rows = [_to_record(row) for row in connection.execute(query(abandoned, limit))]
            if len(rows) < limit:
                pending = connection.execute(query(due, limit - len(rows)))
                rows += [_to_record(row) for row in pending]
            if not rows:
                return []
            connection.execute(
                sa.update(table)
                .where(c.id.in_([item.id for item in rows]))
                .values(
                    status=sa.case(
                        (c.status == OutboxStatus.PENDING, OutboxStatus.CLAIMED.value),
                        else_=c.status,
                    ),
                    lease_holder=holder,
                    lease_until=until,
                    version=c.version + 1,
                )
            )
        return [_leased(item, holder, until) for item in rows]

    def renew(self, item_ids: Sequence[int], holder: str, until: datetime) -> int:
        if not item_ids:
            return 0
        table = table_of(OutboxItem)
        c = table.c
        with self._write() as connection:
            result = connection.execute(
                sa.update(table)
                .where(
                    c.id.in_(list(item_ids)),
                    c.lease_holder == holder,
                    c.status.in_([OutboxStatus.CLAIMED, OutboxStatus.SENDING]),
                )
                .values(lease_until=until)
            )
            return int(result.rowcount)

    def mark_sending(
        self,
        item_id: int,
        holder: str,
        now: datetime,
        lease: timedelta = LEASE,
        *,
        since: datetime | None = None,
    ) -> bool:
        """Claimed -> sending (attempts + 1), right before the platform call; a dispatcher
        trying its row again (after a short rate limit, or reconciled) goes sending -> sending."""
        attempts = table_of(OutboxItem).c.attempts
        return self._set(
            item_id,
            _HELD,
            holder,
            status=OutboxStatus.SENDING,
            attempts=attempts + 1,
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
            None,  # whoever holds it: the platform has the message
            status=OutboxStatus.SENT,
            sent_at=now,
            platform_message_id=platform_message_id,
            platform_channel=platform_channel,
            error=None,
            payload={},  # the platform has the message now; keep no copy of what people wrote
            **_NO_LEASE,
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
        """Back to 'pending', claimable again from ``next_attempt_at``."""
        kept = {} if maybe_sent else {"sending_since": None}
        return self._set(
            item_id,
            _HELD,
            holder,
            status=OutboxStatus.PENDING,
            next_attempt_at=next_attempt_at,
            error=error,
            **kept,
            **_NO_LEASE,
        )

    def mark_failed(self, item_id: int, holder: str, now: datetime, error: str) -> bool:
        """Given up for good; the undelivered text is not kept."""
        return self._set(
            item_id,
            _HELD,
            holder,
            status=OutboxStatus.FAILED,
            error=error,
            payload={},
            **_NO_LEASE,
        )

    def defer(self, item_id: int, holder: str, until: datetime, error: str) -> bool:
        return self._set(
            item_id,
            _HELD,
            holder,
            lease_holder=None,
            lease_until=until,
            error=error,
        )

    def _set(
        self, item_id: int, expected: tuple[str, ...], holder: str | None, **changes: Any
    ) -> bool:
        """Change a row only while it is in one of the ``expected`` states and, unless
        ``holder`` is None, held by ``holder`` (another dispatcher may have taken it over);
        True if it changed."""
        table = table_of(OutboxItem)
        c = table.c
        conditions = [c.id == item_id, c.status.in_(expected)]
        if holder is not None:
            conditions.append(c.lease_holder == holder)
        with self._write() as connection:
            result = connection.execute(
                sa.update(table).where(*conditions).values(changes | {"version": c.version + 1})
            )
            return bool(result.rowcount)


_HELD = (OutboxStatus.CLAIMED, OutboxStatus.SENDING)
_CLAIM_LOCK_ID = 0x6F7574626F78  # "outbox": PostgreSQL claimers take turns


def _held_elsewhere(table: sa.Table, now: datetime, holder: str) -> sa.ColumnElement[bool]:
    """The row's conversation (its person's DM, or its pair's group chat) has a row another
    dispatcher holds: one dispatcher at a time talks in a conversation, so that a message and
    its files are not interleaved with another's, and the conversation's pace is kept."""
    held = table.alias("held")
    h = held.c
    return _in_its_conversation(
        table, held, h.status.in_(_HELD), h.lease_until > now, h.lease_holder != holder
    )


def _maybe_on_the_platform(c: Any) -> sa.ColumnElement[bool]:
    """Not settled, and a send of it may have reached the platform (all of it or, for a
    message with files, part of it): sending, or given back with ``sending_since`` kept."""
    return sa.or_(
        c.status == OutboxStatus.SENDING,
        sa.and_(
            c.status.in_([OutboxStatus.PENDING, OutboxStatus.CLAIMED]),
            c.sending_since.is_not(None),
        ),
    )


def _waits_for_an_unsettled_send(table: sa.Table) -> sa.ColumnElement[bool]:
    """The row is not one that may be on the platform, and its conversation has such a row:
    nothing else goes there until that one is settled (found, finished or failed), so that
    a message's files always follow the message, whatever stopped its send halfway (a dead or
    late dispatcher, a timeout, a reconciliation put off)."""
    other = table.alias("unsettled")
    o = other.c
    return sa.and_(
        ~_maybe_on_the_platform(table.c),
        _in_its_conversation(table, other, o.id != table.c.id, _maybe_on_the_platform(o)),
    )


def _in_its_conversation(
    table: sa.Table, other: sa.FromClause, *conditions: sa.ColumnElement[bool]
) -> sa.ColumnElement[bool]:
    """A row of ``other`` (an alias of ``table``) in the conversation of ``table``'s row meets
    ``conditions``. (Two lookups, each by its own index: person_id, pair_id.)"""
    h, c = other.c, table.c
    return sa.or_(
        sa.and_(
            c.person_id.is_not(None),
            sa.exists().where(h.person_id == c.person_id, *conditions),
        ),
        sa.and_(
            c.person_id.is_(None),
            sa.exists().where(h.pair_id == c.pair_id, h.person_id.is_(None), *conditions),
        ),
    )


_NO_LEASE: dict[str, Any] = {"lease_holder": None, "lease_until": None}


def _leased(item: OutboxItem, holder: str, until: datetime) -> OutboxItem:
    """``item`` as ``claim_due`` left it."""
    status = OutboxStatus.CLAIMED if item.status == OutboxStatus.PENDING else item.status
    return item.model_copy(
        update={
            "status": status,
            "lease_holder": holder,
            "lease_until": until,
            "version": item.version + 1,
        }
    )
