"""What the coordinator's status and Home say of a programme's outbox is counted by the
database: the same summary as counting every row, in one query whatever the outbox holds."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from conversations import records as rec
from conversations.delivery_status import DeliverySummary, delivery_summary
from conversations.records import UNCONFIRMED, OutboxStatus
from conversations.scoping import WorkspaceRepo
from storage.store import SqlStore
from tests.storage.conftest import StoreAndOutbox
from tests.storage.samples import T0, one_of_each, outbox_item

PROGRAMME = {type(r): r for r in one_of_each()}[rec.Programme]


def summary_of_rows(rows: list[rec.OutboxItem]) -> DeliverySummary:
    """The summary as the status view computed it before, from every row (the oracle)."""
    statuses: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {}
    unconfirmed = 0
    last_sent: datetime | None = None
    next_due: datetime | None = None
    for row in rows:
        statuses[row.status] += 1
        by_kind.setdefault(row.kind, Counter())[row.status] += 1
        if row.status == OutboxStatus.FAILED and (row.error or "").startswith(UNCONFIRMED):
            unconfirmed += 1
        if row.status == OutboxStatus.SENT and row.sent_at is not None:
            last_sent = row.sent_at if last_sent is None else max(last_sent, row.sent_at)
        if row.status == OutboxStatus.PENDING:
            when = max(row.due_at, row.next_attempt_at or row.due_at)
            next_due = when if next_due is None else min(next_due, when)
    return DeliverySummary(
        sent=statuses[OutboxStatus.SENT],
        pending=statuses[OutboxStatus.PENDING],
        sending=statuses[OutboxStatus.SENDING] + statuses[OutboxStatus.CLAIMED],
        failed=statuses[OutboxStatus.FAILED],
        unconfirmed=unconfirmed,
        skipped=statuses[OutboxStatus.SKIPPED],
        last_sent_at=last_sent,
        next_due_at=next_due,
        by_kind={kind: dict(counts) for kind, counts in sorted(by_kind.items())},
    )


def _rows(programme_id: int, n: int) -> list[rec.OutboxItem]:
    """``n`` rows of every kind of state a programme's outbox holds, and some of others."""
    kinds = ("reflection-prompt", "meeting-reminder", "reply", "digest")
    made = []
    for i in range(n):
        status = list(OutboxStatus)[i % len(OutboxStatus)]
        changes: dict[str, Any] = {
            "programme_id": programme_id if i % 7 else None,  # some belong to no programme
            "kind": kinds[i % len(kinds)],
            "status": status,
            "due_at": T0 + timedelta(minutes=i),
        }
        if status == OutboxStatus.SENT:
            changes["sent_at"] = T0 + timedelta(hours=i % 13)
        if status == OutboxStatus.PENDING and i % 3:
            # a retry later than its due time, or (oddly) earlier: the later one counts
            changes["next_attempt_at"] = T0 + timedelta(minutes=i + (50 if i % 2 else -50))
        if status == OutboxStatus.FAILED:
            changes["error"] = (f"{UNCONFIRMED}: crash", "Unconfirmed?", "gone", None)[i % 4]
        made.append(outbox_item(f"k{programme_id}-{i}", **changes))
    return made


def test_the_summary_counted_by_the_store_is_the_one_counted_from_every_row(
    store: StoreAndOutbox,
) -> None:
    with store.transaction() as repo:
        spring = repo.add(PROGRAMME)
        autumn = repo.add(PROGRAMME.model_copy(update={"name": "Autumn"}))
        rows = _rows(spring.id or 0, 60) + _rows(autumn.id or 0, 25)
        for row in rows:
            assert repo.enqueue(row)
    with store.read() as repo:
        for programme in (spring, autumn):
            mine = [r for r in rows if r.programme_id == programme.id]
            assert delivery_summary(repo, programme.id or 0) == summary_of_rows(mine)
        assert delivery_summary(repo, 999) == DeliverySummary()


def test_a_programme_of_another_workspace_has_no_outbox_from_here(
    store: StoreAndOutbox,
) -> None:
    with store.transaction() as repo:
        theirs = repo.add(PROGRAMME.model_copy(update={"workspace": "T2"}))
        repo.enqueue(outbox_item("theirs", programme_id=theirs.id))
    with store.read() as repo:
        assert WorkspaceRepo(repo, "T2").outbox_tallies(theirs.id or 0) != []
        assert WorkspaceRepo(repo, "T1").outbox_tallies(theirs.id or 0) == []


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_one_query_reads_a_handful_of_tallies_however_big_the_outbox(
    kind: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("sqlite_url" if kind == "sqlite" else "migrated_pg_url")
    store = SqlStore(url)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    try:
        with store.transaction() as repo:
            programme = repo.add(PROGRAMME)
        read: dict[int, tuple[int, int]] = {}
        for size in (12, 3000):
            with store.transaction() as repo:
                for row in _rows(programme.id or 0, size):
                    repo.enqueue(row.model_copy(update={"key": f"{size}:{row.key}"}))
            sa.event.listen(store.engine, "before_cursor_execute", count)
            try:
                statements.clear()
                with store.transaction() as repo:
                    tallies = repo.outbox_tallies(programme.id or 0)
            finally:
                sa.event.remove(store.engine, "before_cursor_execute", count)
            read[size] = (len([s for s in statements if "outbox_item" in s]), len(tallies))
    finally:
        store.close()
    # One query, and one row per (kind, status) the rows have (12 here), at 12 or 3012 rows.
    assert read[12][0] == read[3000][0] == 1
    assert read[3000][1] == 12
