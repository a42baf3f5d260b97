"""The fields whose values no two records of a class may share: one list for every store.

``storage.tables`` builds its unique constraints from this list (a test checks that the two
agree) and ``conversations.memory`` enforces the same keys, so the storage contract suite
holds each store to them. A write that would break one raises ``DuplicateKey``; inside a
conversation turn the engine runs the whole step again, which then reads the row another
worker saved first (``Engine.handle``).

As in SQL, a key with a ``None`` among its values clashes with nothing (a check-in that
belongs to no meeting, for example).
"""

from __future__ import annotations

from typing import Any

from conversations.records import (
    Agreement,
    CheckIn,
    ConversationState,
    Goal,
    OutboxItem,
    Person,
    PlanWake,
    Preparation,
    Receipt,
    Record,
)

UNIQUE_KEYS: dict[type[Record], tuple[tuple[str, ...], ...]] = {
    Person: (("platform", "workspace", "platform_user_id"),),  # one person per identity
    OutboxItem: (("key",),),  # a nudge is queued once
    Receipt: (("key",),),  # an incoming event is handled once
    PlanWake: (("subject",),),  # one wake time per planner subject
    ConversationState: (("person_id",),),  # one "what the next message answers" per person
    Agreement: (("pair_id", "number"),),  # version n of a pair's agreement exists once
    Goal: (("pair_id", "position"),),  # a pair's goal n exists once (the form edits it)
    CheckIn: (("meeting_id", "author_id"),),  # one check-in per meeting and member
    Preparation: (("meeting_id", "author_id"),),  # one preparation per meeting and member
}
"""Per record class, each group of fields that is unique (in the order of the index)."""


def key_values(record: Record, fields: tuple[str, ...]) -> tuple[Any, ...] | None:
    """The record's values of ``fields``; None when one is None (such a key never clashes)."""
    values = tuple(getattr(record, name) for name in fields)
    return None if any(v is None for v in values) else values
