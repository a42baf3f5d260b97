"""Queueing (``queue_due``): plan the due subjects, write their nudges, store their wake times.

The subjects are those whose wake time has come or that changed (and what a change decides
beyond them); stale, capped and no-longer-relevant nudges are written as ``skipped`` rows."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from conversations import nudge_messages
from conversations.config import CoreConfig
from conversations.i18n import Texts
from conversations.nudges import Nudge
from conversations.planner.calendar import public_holidays
from conversations.planner.plan import plan_all
from conversations.planner.snapshot import BIG_CHUNK, chunks, load_view
from conversations.planner.views import PlanRules
from conversations.ports import Repo
from conversations.records import (
    OPEN_PHASES,
    OutboxItem,
    OutboxStatus,
    Pair,
    Phase,
    PlanWake,
    Programme,
    ProgrammeStatus,
)
from conversations.wakes import NEVER, parse

log = logging.getLogger("mentorbot.program")  # the logger's name from before the split


@dataclass
class QueueResult:
    queued: int = 0
    skipped_stale: int = 0
    skipped_irrelevant: int = 0
    skipped_cap: int = 0
    already_queued: int = 0
    planned: int = 0  # subjects planned
    keys: list[str] = field(default_factory=list)  # the keys queued by this call
    subjects: list[str] = field(default_factory=list)  # the subjects planned by this call
    # The bound was reached with changed subjects filling their share: a backlog of changes
    # (an upgrade, an import) that the bulk re-plan works off faster than the ticks.
    changes_deferred: bool = False

    def add(self, other: QueueResult) -> None:
        """Count ``other`` (a later chunk of the same tick) in."""
        self.queued += other.queued
        self.skipped_stale += other.skipped_stale
        self.skipped_irrelevant += other.skipped_irrelevant
        self.skipped_cap += other.skipped_cap
        self.already_queued += other.already_queued
        self.planned += other.planned
        self.keys += other.keys
        self.subjects += other.subjects


def _expanded(repo: Repo, woken: list[PlanWake]) -> set[str]:
    """What else a change decides, beyond the changed subjects themselves.

    * A changed person's working hours, time zone and pause decide when their pairs' prompts
      and their programmes' digests go out: those are planned in the same tick (returned).
    * They also decide when the coordinator's notes go out for the pairs of the programmes the
      person runs, and a changed programme (cadence, reopened, another coordinator) decides
      everything of its pairs and their members: those are marked changed (``Repo.wake``), so
      the next ticks plan them within the bound. Only pairs that can still get a phase note
      (before active, or closing) are woken for a coordinator's change."""
    people: set[int] = set()
    programmes: set[int] = set()
    for wake in woken:
        if wake.changed:
            name, number = parse(wake.subject)
            if name == "person":
                people.add(number)
            elif name == "programme":
                programmes.add(number)
    found: set[str] = set()
    later: set[str] = set()
    for chunk in chunks(sorted(people), BIG_CHUNK):
        for where in ("mentor_id", "adept_id"):
            found.update(
                f"pair:{pair_id}"
                for (pair_id,) in repo.columns(
                    Pair, ("id",), ended_at=None, phase=set(OPEN_PHASES), **{where: set(chunk)}
                )
            )
        run = [
            row[0]
            for row in repo.columns(
                Programme, ("id",), status=ProgrammeStatus.OPEN, created_by=set(chunk)
            )
        ]
        found.update(f"programme:{programme_id}" for programme_id in run)
        for pair_id, _, _, phase in _open_pairs_of(repo, run):
            if phase in _NOTED_PHASES:
                later.add(f"pair:{pair_id}")
    for chunk in chunks(sorted(programmes), BIG_CHUNK):
        for pair_id, mentor_id, adept_id, _ in _open_pairs_of(repo, chunk):
            later.update((f"pair:{pair_id}", f"person:{mentor_id}", f"person:{adept_id}"))
    planned = {w.subject for w in woken} | found
    if later - planned:
        repo.wake(later - planned)
    return found


# Phases in which a pair can still get a phase deadline, and so a note to the coordinator.
_NOTED_PHASES = frozenset({Phase.INTRO, Phase.GOALS, Phase.AGREEMENT, Phase.CLOSING})


def _open_pairs_of(repo: Repo, programme_ids: list[int]) -> list[tuple[Any, ...]]:
    if not programme_ids:
        return []
    return repo.columns(
        Pair,
        ("id", "mentor_id", "adept_id", "phase"),
        programme_id=set(programme_ids),
        ended_at=None,
        phase=set(OPEN_PHASES),
    )


def _versions(repo: Repo, woken: list[PlanWake], subjects: set[str]) -> dict[str, int | None]:
    """The version of each subject's wake row as read now (None: it has none yet). The
    subjects added to the woken ones are claimed (``Repo.claim_wakes``): one another
    scheduler is planning at this moment is left to it (it is not in the result)."""
    versions: dict[str, int | None] = {w.subject: w.version for w in woken}
    versions.update(repo.claim_wakes(subjects - versions.keys()))
    return versions


def _skipped_row(nudge: Nudge, now: datetime, reason: str) -> OutboxItem:
    return OutboxItem(
        key=nudge.key,
        person_id=nudge.person_id,
        pair_id=None,
        programme_id=nudge.programme_id,
        kind=nudge.kind,
        payload={},
        due_at=nudge.due_at,
        status=OutboxStatus.SKIPPED,
        error=reason,
        created_at=now,
    )


def warm_up(now: datetime) -> None:
    """Load what a process's first tick would otherwise load in the tick: the holiday
    calendars' registry (a few hundred modules) and both languages' catalogs and locale
    data. ``scheduler.runner.Scheduler`` calls it when it is built."""
    public_holidays("SE", now.year)
    for lang in ("sv", "en"):
        Texts(lang).when(now)


TICK_CHUNK = 300  # subjects a tick plans at a time (between looks at its time budget)


def queue_due(
    repo: Repo,
    now: datetime,
    rules: PlanRules,
    config: CoreConfig,
    timer: Callable[[], float] = time.perf_counter,
) -> QueueResult:
    """Plan the subjects that are due and write their due nudges to the outbox (one
    transaction: the caller's ``repo``). Stale, capped and no-longer-relevant nudges become
    ``skipped`` rows (counted once).

    Plans at most ``rules.max_subjects_per_tick`` subjects (``Repo.due_wakes``: changed ones
    and the earliest due, each at least half when both wait), a changed person's pairs and
    programmes with them,
    then stores each one's next wake time (``Plan.wake``; ``Repo.settle_wakes`` keeps a row
    that changed meanwhile). A tick at which nothing is due reads one index and returns.

    The subjects come in chunks of ``TICK_CHUNK``; no chunk is begun that would end, at the
    pace of the chunks before it (``timer``: seconds), after ``rules.tick_budget_seconds``."""
    bound = rules.max_subjects_per_tick if rules.max_subjects_per_tick > 0 else 1 << 62
    started = timer()
    result = QueueResult()
    taken = changed = 0
    stopped = False
    while taken < bound:
        asked = min(TICK_CHUNK, bound - taken)
        woken = repo.due_wakes(now, asked)
        if not woken:
            break
        result.add(queue_woken(repo, now, rules, config, woken))
        taken += len(woken)
        changed += sum(w.changed for w in woken)
        if len(woken) < asked:
            break
        spent = timer() - started
        per_subject = spent / taken
        budget = rules.tick_budget_seconds
        if budget > 0 and spent + per_subject * min(TICK_CHUNK, bound - taken) > budget:
            stopped = taken < bound
            break
    deferred = taken >= bound or stopped
    if deferred:
        log.info(
            "event=subjects_deferred bound=%d planned=%d budget_reached=%s",
            bound,
            taken,
            str(stopped).lower(),
        )
    result.changes_deferred = deferred and 2 * changed >= taken
    return result


@contextmanager
def _cycles_collected_after() -> Iterator[None]:
    """Python's cyclic collector off while a tick plans, back on after (as it was). A busy
    tick allocates some hundred thousand short-lived objects, nearly all freed by reference
    counting, yet they set off over a hundred collections, two of them full ones over the
    whole heap: a fifth of the tick's CPU at 1,000,000 people. Cycles made meanwhile are
    collected once it is back on. The switch is the process's: a re-plan chunk running in
    another thread meanwhile finds it off and leaves it so, and whoever found it on turns it
    back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def queue_woken(
    repo: Repo, now: datetime, rules: PlanRules, config: CoreConfig, woken: list[PlanWake]
) -> QueueResult:
    """Plan the subjects of the wake rows ``woken`` (read by this transaction: a tick's
    ``due_wakes`` or the bulk re-plan's ``changed_wakes``), with what their changes decide
    beyond them, write their due nudges and store their next wake times."""
    if not woken:
        return QueueResult()
    with _cycles_collected_after():
        return _queue_woken(repo, now, rules, config, woken)


def _queue_woken(
    repo: Repo, now: datetime, rules: PlanRules, config: CoreConfig, woken: list[PlanWake]
) -> QueueResult:
    result = QueueResult()
    wanted = {w.subject for w in woken} | _expanded(repo, woken)
    versions = _versions(repo, woken, wanted)
    subjects = wanted & versions.keys()  # less those another scheduler holds
    view = load_view(repo, now, rules, config, subjects)
    outcome = plan_all(view, now, rules, config)
    result.planned = len(subjects)
    result.subjects = sorted(subjects)
    # Each subject sleeps until its next possible nudge: what is due now is written below, in
    # this transaction (never at ``now`` again: a subject that could spin is looked at a
    # second later). Settled first: a tick takes the wake rows before the conversation states
    # it writes, in the order a flow does (a record, so its wake row, then the state).
    floor = now + timedelta(seconds=1)
    repo.settle_wakes(
        [
            (subject, versions[subject], max(outcome.wake.get(subject, NEVER), floor))
            for subject in sorted(subjects)
        ]
    )

    # Every row in one batch (``Repo.enqueue_many``), in the order they were once written one
    # by one: stale, capped, then the due ones (or their "not relevant" rows).
    rows: list[tuple[str, OutboxItem]] = []
    for nudge in outcome.stale:
        late = now - nudge.due_at
        log.info(
            "event=nudge_skipped_stale key=%s kind=%s late_hours=%.1f",
            nudge.key,
            nudge.kind,
            late.total_seconds() / 3600,
        )
        reason = f"stale: {late.total_seconds() / 3600:.1f} h late"
        rows.append(("stale", _skipped_row(nudge, now, reason)))
    for nudge in outcome.capped:
        log.info("event=nudge_skipped_cap key=%s kind=%s", nudge.key, nudge.kind)
        rows.append(("capped", _skipped_row(nudge, now, "weekly cap")))
    due = outcome.due
    # Rows another scheduler wrote since the view was read (one lean read, not one per nudge).
    taken: set[str] = set()
    for chunk in chunks([n.key for n in due], BIG_CHUNK):
        taken.update(key for (key,) in repo.columns(OutboxItem, ("key",), key=set(chunk)))
    todo = [n for n in due if n.key not in taken]
    result.already_queued += len(due) - len(todo)
    ahead = nudge_messages.ReadAhead.load(repo, todo)
    for nudge in todo:
        composed = nudge_messages.compose(repo, nudge, now, ahead, config)
        if composed is None:
            log.info("event=nudge_not_relevant key=%s kind=%s", nudge.key, nudge.kind)
            rows.append(("irrelevant", _skipped_row(nudge, now, "not relevant")))
            continue
        nudge_messages.remember_prompt(repo, nudge, composed, now, ahead)
        message = composed.message
        item = OutboxItem(
            key=nudge.key,
            person_id=nudge.person_id,
            programme_id=nudge.programme_id,
            kind=nudge.kind,
            payload=message.model_dump(mode="json"),
            due_at=nudge.due_at,
            created_at=now,
        )
        rows.append(("due", item))
    ahead.write_states(repo)  # the reflection prompts' conversation states, then the rows
    written = repo.enqueue_many([item for _, item in rows])
    counted: set[str] = set()  # a key planned twice counts once, as it is written once
    for what, item in rows:
        new = item.key in written and item.key not in counted
        counted.add(item.key)
        if what == "stale":
            result.skipped_stale += new
        elif what == "capped":
            result.skipped_cap += new
        elif what == "irrelevant":
            result.skipped_irrelevant += new
        elif new:
            result.queued += 1
            result.keys.append(item.key)
        else:
            result.already_queued += 1
    if result.queued or result.skipped_stale or result.skipped_irrelevant or result.skipped_cap:
        log.info(
            "event=nudges_queued queued=%d stale=%d irrelevant=%d capped=%d already=%d subjects=%d",
            result.queued,
            result.skipped_stale,
            result.skipped_irrelevant,
            result.skipped_cap,
            result.already_queued,
            result.planned,
        )
    return result
