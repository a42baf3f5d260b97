"""What is due, and when: the pure nudge planner.

The scheduler wakes every minute and asks ``queue_due`` what to write to the outbox (see
docs/SCHEDULER.md for the operator's view). Each nudge family's rule is in its own module:

* ``reflections`` — the weekly reflection prompt;
* ``meetings`` — meeting reminder, preparation prompt, check-in prompt, meeting overdue;
* ``phases`` — phase deadlines and the coordinator's note;
* ``reviews`` — mid-point and closing reviews;
* ``digests`` — the coordinator's weekly digest.

They share ``calendar`` (holidays, time zones, working hours, allowed times), ``views`` (the
knobs, ``PlanRules``, and the snapshot, ``PlanView``) and ``context`` (``Ctx``, what a rule
reads and reports to). ``plan`` turns their candidates into what is due, ``snapshot`` reads
the snapshot (``load_view``) and ``queue`` writes the outbox (``queue_due``).

Quiet hours: a nudge is due only inside the recipient's working hours on one of their working
days that is not a public holiday of their country. A blocked time moves to the next allowed
time; nothing is dropped for being blocked. Pair prompts (overdue, phase deadlines) go out at a
time that is allowed for both members; when the two never overlap within
``PlanRules.pair_slot_search_days`` (e.g. Tokyo and New York), each gets it at their own time.
The same calendar holds back what a flow sends to someone other than the actor
(``calendar.allowed_from``, given to each ``Turn`` by the engine): due at their next allowed
time, not at once.

Pauses: a person's or pair's ``paused_until`` (inclusive, local date) skips the occurrence-bound
prompts (reflection, reminder, preparation, check-in) that fall into it, and defers the
condition/date-bound ones (overdue, phase, reviews) to the first allowed time after it.

The weekly cap (``PlanRules.max_nudges_per_week``, per person and local ISO week) counts pair
member nudges only (not coordinator notes or replies); over the cap, lower-priority nudges are
skipped. A nudge whose due time is older than ``PlanRules.catch_up_hours`` (after downtime) is
skipped, logged and counted. Skipped nudges are written to the outbox as ``skipped`` rows, so
each is counted once and coordinators can see them.

Keys are deterministic (``reflection:<person>:<iso-week>``, ``meeting-reminder:<meeting>:<person>``,
``preparation:<meeting>:<person>``, ``checkin:<meeting>:<person>``, ``overdue:<pair>:<n>:<person>``,
``phase:<pair>:<deadline>:<person>``, ``phase-coordinator:<pair>:<deadline>:<coordinator>``,
``midpoint:<pair>:<person>``, ``closing:<pair>:<person>``,
``digest:<programme>:<coordinator>:<iso-week>``), so a retried tick, a restart or a second
scheduler can never queue one twice (the outbox key is unique).

``plan`` is pure: no clock, no I/O. ``load_view`` and ``queue_due`` read and write through the
``Repo`` port only. ``queue_due`` does not plan everyone at every tick: it plans the *subjects*
(``person:<id>``, ``pair:<id>``, ``programme:<id>``; ``conversations.wakes``) whose wake time
has come or that changed, at most ``PlanRules.max_subjects_per_tick`` per tick (earliest
first), and stores for each the earliest time anything of it may fall due.
"""

from conversations.planner.calendar import public_holidays
from conversations.planner.plan import (
    CAPPED_KINDS,
    Plan,
    candidate_keys,
    next_due,
    plan,
    plan_all,
)
from conversations.planner.queue import QueueResult, queue_due, warm_up
from conversations.planner.snapshot import load_view
from conversations.planner.views import PlanRules, PlanView

__all__ = [
    "CAPPED_KINDS",
    "Plan",
    "PlanRules",
    "PlanView",
    "QueueResult",
    "candidate_keys",
    "load_view",
    "next_due",
    "plan",
    "plan_all",
    "public_holidays",
    "queue_due",
    "warm_up",
]
