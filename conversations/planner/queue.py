"""Queueing (``queue_due``): plan the due subjects, write their nudges, store their wake times.

The subjects are those whose wake time has come or that changed (and what a change decides
beyond them); stale, capped and no-longer-relevant nudges are written as ``skipped`` rows."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from conversations import nudge_messages
from conversations.config import CoreConfig
from conversations.nudges import Nudge
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
    """The version of each subject's wake row as read now (None: it has none yet)."""
    versions: dict[str, int | None] = {w.subject: w.version for w in woken}
    extra = sorted(subjects - versions.keys())
    for chunk in chunks(extra, BIG_CHUNK):
        for subject, version in repo.columns(PlanWake, ("subject", "version"), subject=set(chunk)):
            versions[subject] = version
    for subject in extra:
        versions.setdefault(subject, None)
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


def queue_due(repo: Repo, now: datetime, rules: PlanRules, config: CoreConfig) -> QueueResult:
    """Plan the subjects that are due and write their due nudges to the outbox (one
    transaction: the caller's ``repo``). Stale, capped and no-longer-relevant nudges become
    ``skipped`` rows (counted once).

    Plans at most ``rules.max_subjects_per_tick`` subjects (``Repo.due_wakes``: changed ones
    and the earliest due, each at least half when both wait), a changed person's pairs and
    programmes with them,
    then stores each one's next wake time (``Plan.wake``; ``Repo.settle_wakes`` keeps a row
    that changed meanwhile). A tick at which nothing is due reads one index and returns."""
    result = QueueResult()
    bound = rules.max_subjects_per_tick if rules.max_subjects_per_tick > 0 else 1 << 62
    woken = repo.due_wakes(now, bound)
    if not woken:
        return result
    subjects = {w.subject for w in woken} | _expanded(repo, woken)
    versions = _versions(repo, woken, subjects)
    view = load_view(repo, now, rules, config, subjects)
    outcome = plan_all(view, now, rules, config)
    result.planned = len(subjects)
    if len(woken) >= bound:
        log.info("event=subjects_deferred bound=%d", bound)
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

    for nudge in outcome.stale:
        late = now - nudge.due_at
        log.info(
            "event=nudge_skipped_stale key=%s kind=%s late_hours=%.1f",
            nudge.key,
            nudge.kind,
            late.total_seconds() / 3600,
        )
        if repo.enqueue(
            _skipped_row(nudge, now, f"stale: {late.total_seconds() / 3600:.1f} h late")
        ):
            result.skipped_stale += 1
    for nudge in outcome.capped:
        log.info("event=nudge_skipped_cap key=%s kind=%s", nudge.key, nudge.kind)
        if repo.enqueue(_skipped_row(nudge, now, "weekly cap")):
            result.skipped_cap += 1
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
            if repo.enqueue(_skipped_row(nudge, now, "not relevant")):
                result.skipped_irrelevant += 1
            continue
        nudge_messages.remember_prompt(repo, nudge, composed, now, ahead)
        message = composed.message
        queued = repo.enqueue(
            OutboxItem(
                key=nudge.key,
                person_id=nudge.person_id,
                programme_id=nudge.programme_id,
                kind=nudge.kind,
                payload=message.model_dump(mode="json"),
                due_at=nudge.due_at,
                created_at=now,
            )
        )
        if queued:
            result.queued += 1
            result.keys.append(nudge.key)
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
