"""The bulk re-plan: working off a backlog of changed subjects (an upgrade, a changed rule, an
import) in chunks of thousands, instead of at most a tick's bound a minute.

A tick plans at most ``PlanRules.max_subjects_per_tick`` subjects (1,200: what delivery can
send in a minute). Waking everyone at 1,000,000 people leaves 1.5 million changed subjects:
about 21 hours of ticks, past the catch-up window. ``replan_chunk`` plans the next ``size``
changed subjects of one kind with the tick's own code (``queue_woken``: the same snapshot
reads, a few set-based queries for the whole chunk, the same outbox keys and wake times) in
the caller's transaction, and says where the walk goes on.

The kinds go in the order ``KINDS``: programmes first (a changed programme marks its open
pairs and their members changed: done first, that touches rows the walk has not reached yet),
then people (a changed person's open pairs are planned and settled with them), then what is
left of the pairs. Every chunk settles its subjects when it commits, so a walk that stops (a
crash, a stop signal) starts again where it was: only rows still changed are read. Subjects
that change again behind the walk are left to the ticks, as any change is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conversations.config import CoreConfig
from conversations.planner.queue import QueueResult, queue_woken
from conversations.planner.views import PlanRules
from conversations.ports import Repo

KINDS = ("programme", "person", "pair")
CHUNK = 2000
"""Changed subjects per chunk (one transaction). With a changed person's open pairs planned
with them, a chunk of people plans about half as many subjects again; a chunk took under a
second at 20,000 people (bench/RESULTS.md), and a tick waiting behind it on SQLite's one
writer is not held up longer than that."""


@dataclass(frozen=True)
class Cursor:
    """Where the walk is: the kind of subject, and the last wake row id done of it."""

    kind: str = KINDS[0]
    after_id: int = 0

    @property
    def done(self) -> bool:
        return self.kind not in KINDS

    def next_kind(self) -> Cursor:
        later = KINDS.index(self.kind) + 1
        return Cursor(KINDS[later] if later < len(KINDS) else "", 0)


def replan_chunk(
    repo: Repo,
    now: datetime,
    rules: PlanRules,
    config: CoreConfig,
    cursor: Cursor,
    size: int = CHUNK,
) -> tuple[Cursor, QueueResult]:
    """Plan the next ``size`` changed subjects at ``cursor`` (one set of reads for all of
    them), write their due nudges and settle their wake times; returns the cursor to go on
    from and what was queued. A kind with nothing left moves the cursor to the next kind."""
    woken = repo.changed_wakes(cursor.kind, cursor.after_id, size)
    if not woken and cursor.kind == "programme":
        # Another walk may be planning a changed programme, which marks its pairs and their
        # members changed: wait for it before walking them (they would be planned twice).
        woken = repo.changed_wakes(cursor.kind, cursor.after_id, size, wait=True)
    if not woken:
        return cursor.next_kind(), QueueResult()
    result = queue_woken(repo, now, rules, config, woken)
    return Cursor(cursor.kind, max(w.id or 0 for w in woken)), result
