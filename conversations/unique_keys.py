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

from dataclasses import dataclass
from typing import Any

from conversations.records import (
    Agreement,
    CheckIn,
    ConversationState,
    Enrolment,
    Goal,
    Invitation,
    OutboxItem,
    Person,
    PlanWake,
    Preparation,
    Receipt,
    Record,
    Review,
    WorkspaceRemoval,
)


@dataclass(frozen=True)
class UniqueKey:
    """Fields no two records share (in the order of the index). With ``only``, the key holds
    among the records whose field ``only[0]`` has one of the values ``only[1]`` (a partial
    unique index in SQL)."""

    fields: tuple[str, ...]
    only: tuple[str, tuple[str, ...]] | None = None

    def of(self, record: Record) -> tuple[Any, ...] | None:
        """The record's key; None when the key does not apply to it or holds a None (such
        a record clashes with nothing)."""
        if self.only is not None and str(getattr(record, self.only[0])) not in self.only[1]:
            return None
        values = tuple(getattr(record, name) for name in self.fields)
        return None if any(v is None for v in values) else values


UNIQUE_KEYS: dict[type[Record], tuple[UniqueKey, ...]] = {
    # one person per identity
    Person: (UniqueKey(("platform", "workspace", "platform_user_id")),),
    OutboxItem: (UniqueKey(("key",)),),  # a nudge is queued once
    Receipt: (UniqueKey(("key",)),),  # an incoming event is handled once
    PlanWake: (UniqueKey(("subject",)),),  # one wake time per planner subject
    # one "what the next message answers" per person
    ConversationState: (UniqueKey(("person_id",)),),
    Agreement: (UniqueKey(("pair_id", "number")),),  # version n of an agreement exists once
    Goal: (UniqueKey(("pair_id", "position")),),  # goal n of a pair (the form edits it)
    CheckIn: (UniqueKey(("meeting_id", "author_id")),),  # one per meeting and member
    Preparation: (UniqueKey(("meeting_id", "author_id")),),  # one per meeting and member
    # one mid-point and one closing review per member of a pair (pulse answers: one a round)
    Review: (UniqueKey(("pair_id", "person_id", "kind"), only=("kind", ("midpoint", "closing"))),),
    # one active enrolment and one open invitation per person and programme
    Enrolment: (UniqueKey(("programme_id", "person_id"), only=("status", ("active",))),),
    Invitation: (UniqueKey(("programme_id", "person_id"), only=("status", ("invited",))),),
    # one pending purge per organisation that removed the bot
    WorkspaceRemoval: (UniqueKey(("platform", "organisation")),),
}
"""Per record class, its unique keys."""
