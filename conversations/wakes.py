"""The planner's subjects, and which of them a write touches.

The scheduler does not plan all people at every tick. It plans *subjects* — ``person:<id>``
(the weekly reflection prompt), ``pair:<id>`` (meeting, phase, overdue and review nudges,
with the coordinator's note) and ``programme:<id>`` (the coordinator's digest) — when they are
due, and keeps per subject when to look again (``records.PlanWake``).

Both stores call :func:`subjects_of` on every ``add``, ``update`` and ``delete`` and mark the
subjects it names as changed (``Repo.wake``), in the same transaction as the write. So a
change reaches the planner at its next tick whoever made it (a flow, the console, a test or a
migration), and no flow has to remember to tell it."""

from __future__ import annotations

from datetime import UTC, datetime

from conversations.records import (
    Agreement,
    CheckIn,
    Goal,
    Meeting,
    Pair,
    Person,
    Programme,
    Record,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""``wake_at`` of a changed subject: planned at the next tick, before anything else."""

NEVER = datetime(9999, 12, 31, tzinfo=UTC)
"""``wake_at`` of a subject nothing can fall due for until something changes."""

PLANNED: tuple[type[Record], ...] = (Person, Pair, Programme, Meeting, Agreement, Goal, CheckIn)
"""The record classes the planner reads; writes of any other class wake nothing."""


def subjects_of(record: Record) -> tuple[str, ...]:
    """The subjects whose plan may change when ``record`` is written or deleted. A person's
    own change also replans their open pairs and the programmes they run; the planner adds
    those when it plans a changed person (``conversations.planner.queue``)."""
    if isinstance(record, Person):
        return (f"person:{record.id}",)
    if isinstance(record, Pair):
        # The members' reflection prompts depend on their open pairs (since when, which
        # programme), so both members are planned again too.
        return (f"pair:{record.id}", f"person:{record.mentor_id}", f"person:{record.adept_id}")
    if isinstance(record, Programme):
        return (f"programme:{record.id}",)
    if isinstance(record, Meeting | Agreement | Goal | CheckIn):
        return (f"pair:{record.pair_id}",)
    return ()


def share_of_changed(limit: int, timed: int) -> int:
    """How many changed subjects a tick plans when ``timed`` subjects are due by time (at
    most ``limit`` in all): what time leaves, but at least half when both are waiting."""
    return limit - min(timed, limit // 2)


def parse(subject: str) -> tuple[str, int]:
    """``"pair:12"`` -> ``("pair", 12)``; anything else -> ``("", 0)``."""
    name, _, number = subject.partition(":")
    if name in ("person", "pair", "programme") and number.isascii() and number.isdigit():
        return name, int(number)
    return "", 0
