"""The planning pass the nudge rules share (``Ctx``) and when a pair prompt goes out.

``Ctx`` holds what a rule reads (the view, ``now``, the filters of ``next_due``) and where it
reports what may fall due later (the earliest wake per subject)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from conversations.config import CoreConfig
from conversations.planner.calendar import common_slot, next_allowed
from conversations.planner.views import PairView, PlanRules, PlanView


@dataclass
class Ctx:
    """One planning pass: what the rules read, and where they report what may fall due later."""

    view: PlanView
    now: datetime
    rules: PlanRules
    config: CoreConfig
    person_filter: int | None = None
    pair_filter: int | None = None
    horizon: timedelta = timedelta(0)  # how far ahead of ``now`` to look (next_due)
    # Only the keys matter (``candidate_keys``): skip moving a nudge into allowed hours where
    # the move does not decide whether the key is looked at (a superset is harmless).
    keys_only: bool = False
    soonest: datetime | None = None  # the earliest lower bound seen by ``later``
    subject: str = ""  # the subject being planned (``later`` is counted against it)
    soonest_of: dict[str, datetime] = field(default_factory=dict)

    def wants(self, person_id: int) -> bool:
        return self.person_filter is None or self.person_filter == person_id

    def plans(self, subject: str) -> bool:
        """Whether ``subject`` is planned now (also makes it the current one)."""
        subjects = self.view.subjects
        self.subject = subject
        return subjects is None or subject in subjects

    def later(self, moment: datetime, subject: str | None = None) -> None:
        """Something not yet due may fall due at ``moment`` or after (``Plan.next_at``, and
        ``Plan.wake`` of the current subject)."""
        if self.soonest is None or moment < self.soonest:
            self.soonest = moment
        subject = subject or self.subject
        found = self.soonest_of.get(subject)
        if found is None or moment < found:
            self.soonest_of[subject] = moment


def pair_times(ctx: Ctx, pair: PairView, nominal: datetime) -> dict[int, datetime]:
    """When each member gets a pair prompt meant for ``nominal``: a common allowed time, or
    each their own when they never overlap."""
    mentor = ctx.view.people.get(pair.mentor_id)
    adept = ctx.view.people.get(pair.adept_id)
    if mentor is None or adept is None:
        return {}
    slot = common_slot(mentor, adept, nominal, pair.paused_until, ctx.rules.pair_slot_search_days)
    if slot is not None:
        return {pair.mentor_id: slot, pair.adept_id: slot}
    times: dict[int, datetime] = {}
    for person in (mentor, adept):
        own = next_allowed(person, nominal, pair.paused_until)
        if own is not None:
            times[person.id] = own
    return times
