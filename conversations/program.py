"""What is due, and when: the pure nudge planner.

The scheduler wakes every minute and asks ``queue_due`` what to write to the outbox. The rules
(see docs/SCHEDULER.md for the operator's view):

* **Reflection prompt** — weekly, at each person's chosen local weekday and time, to every
  member of an open pair (from the pair's introduction on).
* **Meeting reminder** — 24 h before a booked meeting, to both members. A blocked time moves
  forward; if that would reach the meeting, it moves back to the last allowed time before.
* **Preparation prompt** — 48 h before a booked meeting (or at booking, when booked later
  than that), to the adept only: "which challenge will you bring?".
* **Check-in prompt** — at a booked/held meeting's end (start + length), to each member who
  has not checked in for it.
* **Meeting overdue** — an active pair whose last held/booked meeting (or, without one, the
  start of the active phase) is older than the agreed cadence (the in-force agreement's
  ``cadence_days``, else the programme's) plus ``CoreConfig.overdue_grace_days``. Once per gap.
* **Phase deadlines** — intro: no first meeting ``first_meeting_deadline_days`` after the
  introduction; goals: ``goals_deadline_days`` in the goals phase; agreement:
  ``agreement_deadline_days`` in the agreement phase; stuck: ``stuck_phase_days`` in any phase
  before active (or in closing). First the pair; ``PlanRules.coordinator_delay_days`` later,
  if the pair is still in that phase, a note to the programme's creator.
* **Mid-point and closing reviews** — on ``Pair.midpoint_on`` / ``PlanRules.closing_days_before``
  days before ``Pair.ends_on`` (each
  member's local date), at the first allowed time that day or after.
* **Coordinator digest** — weekly, Monday at the start of working hours (moved like any other
  nudge), to the creator of each open programme (``Programme.created_by``).

Quiet hours: a nudge is due only inside the recipient's working hours on one of their working
days that is not a public holiday of their country. A blocked time moves to the next allowed
time; nothing is dropped for being blocked. Pair prompts (overdue, phase deadlines) go out at a
time that is allowed for both members; when the two never overlap within
``PlanRules.pair_slot_search_days`` (e.g. Tokyo and New York), each gets it at their own time.

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

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from conversations import nudge_messages, nudges
from conversations.config import CoreConfig
from conversations.nudges import Nudge
from conversations.ports import AtLeast, Repo
from conversations.records import (
    Agreement,
    CheckIn,
    Goal,
    Meeting,
    OutboxItem,
    Pair,
    Person,
    Phase,
    PlanWake,
    Programme,
)
from conversations.wakes import NEVER, parse

log = logging.getLogger("mentorbot.program")

# Kinds that count towards a person's weekly cap (coordinator notes do not).
CAPPED_KINDS = frozenset(
    {
        "reflection-prompt",
        "meeting-reminder",
        "preparation-prompt",
        "checkin-prompt",
        "meeting-overdue",
        "phase-deadline",
        "midpoint-review",
        "closing-review",
    }
)
# When the cap forces a choice, lower numbers win.
PRIORITY = {
    "meeting-reminder": 0,
    "preparation-prompt": 1,
    "checkin-prompt": 2,
    "closing-review": 3,
    "midpoint-review": 4,
    "phase-deadline": 5,
    "meeting-overdue": 6,
    "reflection-prompt": 7,
}
PLANNED_KINDS = tuple(k for k in nudges.KINDS if k != "delivery-failed-coordinator")
OPEN_PHASES = tuple(p for p in Phase if p.is_open)
LIVE_MEETING = ("booked", "held")
COUNTED_STATUSES = frozenset({"pending", "claimed", "sending", "sent", "failed"})
_CHUNK = 500
_BIG_CHUNK = 5000  # ids/keys per lean read (below SQLite's and PostgreSQL's bind limits)


@dataclass(frozen=True)
class PlanRules:
    """The scheduler's knobs (``bot/settings.py`` fills them from app.yaml ``scheduler:``)."""

    catch_up_hours: float = 12.0  # nudges later than this after downtime are skipped
    max_nudges_per_week: int = 6  # per person per local ISO week; 0 = no cap
    reminder_hours: float = 24.0  # meeting reminder, before the meeting
    preparation_hours: float = 48.0  # adept's preparation prompt, before the meeting
    coordinator_delay_days: int = 3  # phase deadline: coordinator note after the pair nudge
    pair_slot_search_days: int = 14  # look this far for a time both members are at work
    digest_weekday: int = 0  # Monday
    closing_days_before: int = 7  # the closing review prompt, before the pair's end date
    digest_days_after_end: int = 7  # digests stop this long after the programme's end
    reflection_weeks_back: int = 2  # earlier weeks than this are not looked at any more
    meeting_lookback_days: int = 14  # meetings that ended earlier are not looked at
    # At most this many subjects (people, pairs, programmes) are planned per tick, the
    # earliest due first; the rest wait for the next ticks. Delivery is rate-limited
    # (``delivery.global_per_second``, 20/s by default: 1,200 a minute), so planning more per
    # tick could not send anything sooner. 0 = no bound.
    max_subjects_per_tick: int = 1200

    @property
    def catch_up(self) -> timedelta:
        return timedelta(hours=self.catch_up_hours)


# The view: light, slotted snapshots --------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonView:
    id: int
    tz: ZoneInfo
    country: str
    reflection_weekday: int
    reflection_time: time
    work_start: time
    work_end: time
    work_days: frozenset[int]
    paused_until: date | None = None


@dataclass(frozen=True, slots=True)
class PairView:
    id: int
    programme_id: int
    mentor_id: int
    adept_id: int
    phase: Phase
    phase_since: datetime
    introduced_at: datetime
    midpoint_on: date
    ends_on: date
    paused_until: date | None = None
    cadence_days: int | None = None  # from the in-force agreement, if any
    goals_confirmed: bool = False
    agreement_accepted: bool = False
    last_meeting_at: datetime | None = None  # latest held/booked meeting start
    meeting_count: int = 0  # held/booked meetings

    @property
    def members(self) -> tuple[int, int]:
        return (self.mentor_id, self.adept_id)


@dataclass(frozen=True, slots=True)
class ProgrammeView:
    id: int
    created_by: int
    cadence_days: int
    status: str = "open"
    created_at: datetime | None = None
    ends_on: date | None = None


@dataclass(frozen=True, slots=True)
class MeetingView:
    id: int
    pair_id: int
    starts_at: datetime
    minutes: int
    status: str
    created_at: datetime


@dataclass
class PlanView:
    """A snapshot of what the planner needs. ``queued`` maps outbox keys already written to
    (recipient, due_at, counted): ``counted`` is True for rows that count towards the cap.
    Rows that do not count, or only towards weeks the cap no longer looks at (more than
    15 days back), all share one value (``_DONE``): only their key matters."""

    people: dict[int, PersonView] = field(default_factory=dict)
    pairs: list[PairView] = field(default_factory=list)
    programmes: dict[int, ProgrammeView] = field(default_factory=dict)
    meetings: list[MeetingView] = field(default_factory=list)  # recent and upcoming only
    checked_in: set[tuple[int, int]] = field(default_factory=set)  # (meeting_id, author_id)
    queued: dict[str, tuple[int | None, datetime, bool]] = field(default_factory=dict)
    # The subjects to plan (``conversations.wakes``); None: everyone in the view. The view may
    # hold more (a planned person's pairs, for their reflection prompt's start).
    subjects: set[str] | None = None


@dataclass
class Plan:
    due: list[Nudge] = field(default_factory=list)
    stale: list[Nudge] = field(default_factory=list)  # later than the catch-up window
    capped: list[Nudge] = field(default_factory=list)  # over the weekly cap
    # The earliest time at which something not yet due may fall due (a lower bound; None:
    # nothing in the view ever will). Until then, with an unchanged view, nothing is due.
    next_at: datetime | None = None
    # The same per subject (``pair:12``): when to plan that subject again.
    wake: dict[str, datetime] = field(default_factory=dict)


@dataclass
class QueueResult:
    queued: int = 0
    skipped_stale: int = 0
    skipped_irrelevant: int = 0
    skipped_cap: int = 0
    already_queued: int = 0
    planned: int = 0  # subjects planned
    keys: list[str] = field(default_factory=list)  # the keys queued by this call


# Calendar helpers (cached) ------------------------------------------------------------

_HOLIDAYS: dict[tuple[str, int], frozenset[date]] = {}


def public_holidays(country: str, year: int) -> frozenset[date]:
    """The public holidays of ``country`` in ``year`` (cached; unknown country: none)."""
    cache_key = (country, year)
    found = _HOLIDAYS.get(cache_key)
    if found is None:
        try:
            found = frozenset(holidays_lib.country_holidays(country, years=year).keys())
        except NotImplementedError:
            log.warning("event=unknown_holiday_country country=%s", country)
            found = frozenset()
        _HOLIDAYS[cache_key] = found
    return found


_TZ: dict[str, ZoneInfo] = {}


def zone(name: str) -> ZoneInfo:
    found = _TZ.get(name)
    if found is None:
        try:
            found = ZoneInfo(name)
        except (KeyError, ValueError):
            log.warning("event=unknown_timezone tz=%s", name)
            found = ZoneInfo("UTC")
        _TZ[name] = found
    return found


_LOCAL: dict[tuple[date, time, ZoneInfo], datetime] = {}


def at_local(day: date, moment: time, tz: ZoneInfo) -> datetime:
    """``day`` at ``moment`` in ``tz``, as UTC (cached: many people share zones and times).
    A wall time skipped by a daylight-saving change maps to the instant after the gap."""
    cache_key = (day, moment, tz)
    found = _LOCAL.get(cache_key)
    if found is None:
        found = datetime.combine(day, moment, tzinfo=tz).astimezone(UTC)
        if len(_LOCAL) > 200_000:
            _LOCAL.clear()
        _LOCAL[cache_key] = found
    return found


_WEEKS: dict[date, str] = {}


def iso_week(day: date) -> str:
    found = _WEEKS.get(day)
    if found is None:
        year, week, _ = day.isocalendar()
        found = _WEEKS[day] = f"{year}-W{week:02d}"
    return found


def _paused(day: date, first: date | None, second: date | None = None) -> bool:
    return (first is not None and day <= first) or (second is not None and day <= second)


def allowed_day(person: PersonView, day: date, pair_pause: date | None = None) -> bool:
    return (
        day.weekday() in person.work_days
        and not _paused(day, person.paused_until, pair_pause)
        and day not in public_holidays(person.country, day.year)
    )


def is_allowed(person: PersonView, moment: datetime, pair_pause: date | None = None) -> bool:
    local = moment.astimezone(person.tz)
    return (
        allowed_day(person, local.date(), pair_pause)
        and person.work_start <= local.time() < person.work_end
    )


@functools.lru_cache(maxsize=1_000_000)  # each tick asks the same questions as the one before
def next_allowed(
    person: PersonView, moment: datetime, pair_pause: date | None = None, max_days: int = 62
) -> datetime | None:
    """The first instant at or after ``moment`` inside the person's working hours on an
    allowed day (working day, no public holiday, not paused). None if none within max_days
    (counted from the end of a pause ``moment`` falls into: a long pause defers, never drops)."""
    return _next_allowed(person, moment, pair_pause, max_days)


def _next_allowed(
    person: PersonView, moment: datetime, pair_pause: date | None, max_days: int
) -> datetime | None:
    if person.work_end <= person.work_start or not person.work_days:
        return None
    local = moment.astimezone(person.tz)
    day = local.date()
    pause_ends = max((d for d in (person.paused_until, pair_pause) if d is not None), default=None)
    if pause_ends is not None and day <= pause_ends:
        day = pause_ends + timedelta(days=1)
        moment = at_local(day, time(0), person.tz)
    for offset in range(max_days):
        current = day + timedelta(days=offset)
        if not allowed_day(person, current, pair_pause):
            continue
        start = at_local(current, person.work_start, person.tz)
        if offset == 0:
            end = at_local(current, person.work_end, person.tz)
            if moment < start:
                return start
            if moment < end:
                return moment.astimezone(UTC)
            continue
        return start
    return None


def last_allowed_before(
    person: PersonView, moment: datetime, pair_pause: date | None = None, max_days: int = 7
) -> datetime | None:
    """The latest allowed instant at or before ``moment`` (an hour before the end of the
    working day when ``moment`` is after it)."""
    local = moment.astimezone(person.tz)
    day = local.date()
    for offset in range(max_days):
        current = day - timedelta(days=offset)
        if not allowed_day(person, current, pair_pause):
            continue
        start = at_local(current, person.work_start, person.tz)
        end = at_local(current, person.work_end, person.tz)
        late = max(start, end - timedelta(hours=1))
        if offset == 0:
            if moment < start:
                continue
            if moment < end:
                return moment.astimezone(UTC)
        return late
    return None


def common_slot(
    a: PersonView, b: PersonView, moment: datetime, pair_pause: date | None, search_days: int
) -> datetime | None:
    """The first instant at or after ``moment`` allowed for both ``a`` and ``b``."""
    limit = moment + timedelta(days=search_days)
    current: datetime | None = moment
    while current is not None and current <= limit:
        first = next_allowed(a, current, pair_pause)
        if first is None:
            return None
        second = next_allowed(b, first, pair_pause)
        if second is None:
            return None
        if second == first:
            return first
        current = second
    return None


# The planner ----------------------------------------------------------------------------


@dataclass
class _Ctx:
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


def _candidates(ctx: _Ctx) -> Iterator[Nudge]:
    """Every nudge occurrence in the look-at window, due or not, already queued or not."""
    yield from _reflections(ctx)
    yield from _meeting_nudges(ctx)
    for pair in ctx.view.pairs:
        if ctx.pair_filter is not None and pair.id != ctx.pair_filter:
            continue
        if not ctx.plans(f"pair:{pair.id}"):
            continue
        if ctx.person_filter is not None and ctx.person_filter not in pair.members:
            programme = ctx.view.programmes.get(pair.programme_id)
            if programme is None or programme.created_by != ctx.person_filter:
                continue
        yield from _overdue(ctx, pair)
        yield from _phase_deadlines(ctx, pair)
        yield from _reviews(ctx, pair)
    if ctx.pair_filter is None:
        yield from _digests(ctx)


def _reflections(ctx: _Ctx) -> Iterator[Nudge]:
    view, now, queued = ctx.view, ctx.now, ctx.view.queued
    # Earliest introduction and a programme per person with an open pair.
    since: dict[int, tuple[datetime, int]] = {}
    for pair in view.pairs:
        if ctx.pair_filter is not None and pair.id != ctx.pair_filter:
            continue
        for member in pair.members:
            found = since.get(member)
            if found is None or pair.introduced_at < found[0]:
                since[member] = (pair.introduced_at, pair.programme_id)
    week_starts: dict[ZoneInfo, tuple[date, datetime]] = {}
    for person_id, (start, programme_id) in since.items():
        if not ctx.wants(person_id) or not ctx.plans(f"person:{person_id}"):
            continue
        person = view.people.get(person_id)
        if person is None:
            continue
        week = week_starts.get(person.tz)
        if week is None:
            today = now.astimezone(person.tz).date()
            monday = today - timedelta(days=today.weekday())
            week = week_starts[person.tz] = (
                monday,
                at_local(monday + timedelta(days=7), time(0), person.tz),
            )
        monday = week[0]
        ctx.later(week[1])  # next week
        for back in range(-ctx.rules.reflection_weeks_back, 2 if ctx.horizon else 1):
            day = monday + timedelta(days=7 * back + person.reflection_weekday)
            key = f"reflection:{person_id}:{iso_week(day)}"
            if key in queued:
                continue
            nominal = at_local(day, person.reflection_time, person.tz)
            if nominal < start:
                continue
            if not ctx.horizon and nominal > now:
                ctx.later(nominal)
                continue
            if _paused(day, person.paused_until):
                continue
            due = nominal if ctx.keys_only else next_allowed(person, nominal)
            if due is not None:
                yield Nudge(key, "reflection-prompt", person_id, due, programme_id=programme_id)


def _meeting_nudges(ctx: _Ctx) -> Iterator[Nudge]:
    view, rules, queued = ctx.view, ctx.rules, ctx.view.queued
    pairs = {p.id: p for p in view.pairs}
    # A prompt before a meeting is due at most 8 days before its nominal time (moved back).
    latest = ctx.now + ctx.horizon + timedelta(hours=rules.preparation_hours, days=8)
    # Meetings that ended earlier are not looked at (the view holds every live one).
    oldest = ctx.now - timedelta(days=rules.meeting_lookback_days)
    for meeting in view.meetings:
        if not ctx.plans(f"pair:{meeting.pair_id}"):
            continue
        if meeting.starts_at > latest:
            ctx.later(meeting.starts_at - timedelta(hours=rules.preparation_hours, days=8))
            continue
        if meeting.starts_at + timedelta(minutes=meeting.minutes) < oldest:
            continue
        pair = pairs.get(meeting.pair_id)
        if pair is None or (ctx.pair_filter is not None and pair.id != ctx.pair_filter):
            continue
        starts = meeting.starts_at
        reminder = starts - timedelta(hours=rules.reminder_hours)
        ended = starts + timedelta(minutes=meeting.minutes)
        for member in pair.members:
            if not ctx.wants(member):
                continue
            person = view.people.get(member)
            if person is None:
                continue
            if meeting.status == "booked" and starts > ctx.now:
                if (
                    reminder >= meeting.created_at
                    and f"meeting-reminder:{meeting.id}:{member}" not in queued
                ):
                    due = (
                        reminder
                        if ctx.keys_only and reminder <= ctx.now
                        else _before_meeting(person, pair, reminder, meeting)
                    )
                    if due is not None and not ctx.horizon and due > ctx.now:
                        ctx.later(due)
                    elif due is not None:
                        yield Nudge(
                            f"meeting-reminder:{meeting.id}:{member}",
                            "meeting-reminder",
                            member,
                            due,
                            pair_id=pair.id,
                            meeting_id=meeting.id,
                            programme_id=pair.programme_id,
                        )
                if member == pair.adept_id and f"preparation:{meeting.id}:{member}" not in queued:
                    prep = max(
                        starts - timedelta(hours=rules.preparation_hours), meeting.created_at
                    )
                    due = (
                        prep
                        if ctx.keys_only and prep <= ctx.now
                        else _before_meeting(person, pair, prep, meeting)
                    )
                    if due is not None and not ctx.horizon and due > ctx.now:
                        ctx.later(due)
                    elif due is not None:
                        yield Nudge(
                            f"preparation:{meeting.id}:{member}",
                            "preparation-prompt",
                            member,
                            due,
                            pair_id=pair.id,
                            meeting_id=meeting.id,
                            programme_id=pair.programme_id,
                        )
            if not ctx.horizon and ended > ctx.now:
                ctx.later(ended)
                continue
            if (
                meeting.id,
                member,
            ) in view.checked_in or f"checkin:{meeting.id}:{member}" in queued:
                continue
            local_day = ended.astimezone(person.tz).date()
            if _paused(local_day, person.paused_until, pair.paused_until):
                continue
            due = ended if ctx.keys_only else next_allowed(person, ended)
            if due is not None:
                yield Nudge(
                    f"checkin:{meeting.id}:{member}",
                    "checkin-prompt",
                    member,
                    due,
                    pair_id=pair.id,
                    meeting_id=meeting.id,
                    programme_id=pair.programme_id,
                )


_BEFORE: dict[tuple[PersonView, date | None, datetime, datetime, datetime], datetime | None] = {}


def _before_meeting(
    person: PersonView, pair: PairView, nominal: datetime, meeting: MeetingView
) -> datetime | None:
    """A prompt meant for ``nominal`` before the meeting: moved forward into allowed hours,
    or back to the last allowed time before ``nominal`` if forward reaches the meeting."""
    cache_key = (person, pair.paused_until, nominal, meeting.starts_at, meeting.created_at)
    try:
        return _BEFORE[cache_key]
    except KeyError:
        pass
    if len(_BEFORE) > 500_000:
        _BEFORE.clear()
    found = _BEFORE[cache_key] = _move_before(person, pair, nominal, meeting)
    return found


def _move_before(
    person: PersonView, pair: PairView, nominal: datetime, meeting: MeetingView
) -> datetime | None:
    local_day = nominal.astimezone(person.tz).date()
    if _paused(local_day, person.paused_until, pair.paused_until):
        return None
    due = next_allowed(person, nominal, pair.paused_until, max_days=8)
    if due is not None and due < meeting.starts_at:
        return due
    due = last_allowed_before(person, nominal, pair.paused_until)
    if due is not None and due >= meeting.created_at:
        return due
    return None


def _pair_times(ctx: _Ctx, pair: PairView, nominal: datetime) -> dict[int, datetime]:
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


def _cadence(ctx: _Ctx, pair: PairView) -> int:
    if pair.cadence_days:
        return pair.cadence_days
    programme = ctx.view.programmes.get(pair.programme_id)
    return programme.cadence_days if programme is not None else ctx.config.cadence_days


def _overdue(ctx: _Ctx, pair: PairView) -> Iterator[Nudge]:
    if pair.phase != Phase.ACTIVE:
        return
    base = pair.last_meeting_at or pair.phase_since
    nominal = base + timedelta(days=_cadence(ctx, pair) + ctx.config.overdue_grace_days)
    if nominal > ctx.now + ctx.horizon:  # moved only forward: not due yet
        ctx.later(nominal)
        return
    keys = {m: f"overdue:{pair.id}:{pair.meeting_count}:{m}" for m in pair.members}
    if all(k in ctx.view.queued for k in keys.values()):
        return
    times = (
        dict.fromkeys(pair.members, nominal) if ctx.keys_only else _pair_times(ctx, pair, nominal)
    )
    for member in pair.members:
        if ctx.wants(member) and keys[member] not in ctx.view.queued and member in times:
            yield Nudge(
                keys[member],
                "meeting-overdue",
                member,
                times[member],
                pair_id=pair.id,
                programme_id=pair.programme_id,
                detail=str(pair.meeting_count),
            )


def _deadlines(ctx: _Ctx, pair: PairView) -> list[tuple[str, datetime]]:
    config = ctx.config
    found: list[tuple[str, datetime]] = []
    if pair.phase == Phase.INTRO and pair.meeting_count == 0:
        found.append(
            ("intro", pair.introduced_at + timedelta(days=config.first_meeting_deadline_days))
        )
    elif pair.phase == Phase.GOALS and not pair.goals_confirmed:
        found.append(("goals", pair.phase_since + timedelta(days=config.goals_deadline_days)))
    elif pair.phase == Phase.AGREEMENT and not pair.agreement_accepted:
        found.append(
            ("agreement", pair.phase_since + timedelta(days=config.agreement_deadline_days))
        )
    if pair.phase in (Phase.INTRO, Phase.GOALS, Phase.AGREEMENT, Phase.CLOSING):
        found.append(
            (
                f"{pair.phase.value}-stuck",
                pair.phase_since + timedelta(days=config.stuck_phase_days),
            )
        )
    return found


def _phase_deadlines(ctx: _Ctx, pair: PairView) -> Iterator[Nudge]:
    horizon = ctx.now + ctx.horizon
    programme = ctx.view.programmes.get(pair.programme_id)
    for deadline, nominal in _deadlines(ctx, pair):
        if nominal > horizon:
            ctx.later(nominal)
            continue
        keys = {m: f"phase:{pair.id}:{deadline}:{m}" for m in pair.members}
        if all(k in ctx.view.queued for k in keys.values()):
            times: dict[int, datetime] = {}
        elif ctx.keys_only:
            times = dict.fromkeys(pair.members, nominal)
        else:
            times = _pair_times(ctx, pair, nominal)
        for member in pair.members:
            if ctx.wants(member) and keys[member] not in ctx.view.queued and member in times:
                yield Nudge(
                    keys[member],
                    "phase-deadline",
                    member,
                    times[member],
                    pair_id=pair.id,
                    programme_id=pair.programme_id,
                    detail=pair.phase.value,
                )
        if programme is None or not ctx.wants(programme.created_by):
            continue
        coordinator = ctx.view.people.get(programme.created_by)
        if coordinator is None:
            continue
        later = nominal + timedelta(days=ctx.rules.coordinator_delay_days)
        key = f"phase-coordinator:{pair.id}:{deadline}:{coordinator.id}"
        if key in ctx.view.queued:
            continue
        if later > ctx.now + ctx.horizon:
            ctx.later(later)
            continue
        due = later if ctx.keys_only else next_allowed(coordinator, later)
        if due is not None:
            yield Nudge(
                key,
                "phase-deadline-coordinator",
                coordinator.id,
                due,
                pair_id=pair.id,
                programme_id=pair.programme_id,
                detail=pair.phase.value,
            )


def _reviews(ctx: _Ctx, pair: PairView) -> Iterator[Nudge]:
    reviews = []
    if pair.phase != Phase.CLOSING:
        reviews.append(("midpoint", "midpoint-review", pair.midpoint_on))
    reviews.append(
        ("closing", "closing-review", pair.ends_on - timedelta(days=ctx.rules.closing_days_before))
    )
    last_day = (ctx.now + ctx.horizon).date() + timedelta(days=1)
    for name, kind, day in reviews:
        if day > last_day:
            ctx.later(datetime.combine(day - timedelta(days=1), time(0), tzinfo=UTC))
            continue
        for member in pair.members:
            person = ctx.view.people.get(member)
            if person is None or not ctx.wants(member):
                continue
            key = f"{name}:{pair.id}:{member}"
            if key in ctx.view.queued:
                continue
            nominal = at_local(day, time(0, 0), person.tz)
            if nominal > ctx.now + ctx.horizon:
                ctx.later(nominal)
                continue
            due = nominal if ctx.keys_only else next_allowed(person, nominal, pair.paused_until)
            if due is not None:
                yield Nudge(key, kind, member, due, pair_id=pair.id, programme_id=pair.programme_id)


def _digests(ctx: _Ctx) -> Iterator[Nudge]:
    for programme in ctx.view.programmes.values():
        if not ctx.plans(f"programme:{programme.id}"):
            continue
        if programme.status != "open" or not ctx.wants(programme.created_by):
            continue
        coordinator = ctx.view.people.get(programme.created_by)
        if coordinator is None:
            continue
        today = ctx.now.astimezone(coordinator.tz).date()
        monday = today - timedelta(days=today.weekday())
        ctx.later(at_local(monday + timedelta(days=7), time(0), coordinator.tz))  # next week
        for back in (-1, 0, 1) if ctx.horizon else (-1, 0):
            day = monday + timedelta(days=7 * back + ctx.rules.digest_weekday)
            key = f"digest:{programme.id}:{coordinator.id}:{iso_week(day)}"
            nominal = at_local(day, coordinator.work_start, coordinator.tz)
            if programme.created_at is not None and nominal < programme.created_at:
                continue
            if programme.ends_on is not None and day > programme.ends_on + timedelta(
                days=ctx.rules.digest_days_after_end
            ):
                continue
            if key in ctx.view.queued:
                continue
            due = nominal if ctx.keys_only else next_allowed(coordinator, nominal)
            if due is not None:
                yield Nudge(
                    key, "coordinator-digest", coordinator.id, due, programme_id=programme.id
                )


def plan_all(view: PlanView, now: datetime, rules: PlanRules, config: CoreConfig) -> Plan:
    """Everything due at ``now``, split into due (to queue), stale (later than the catch-up
    window) and capped (over the weekly cap). Already queued keys are left out."""
    ctx = _Ctx(view, now, rules, config)
    result = Plan()
    oldest = now - rules.catch_up
    fresh: list[Nudge] = []
    for nudge in _candidates(ctx):  # never yields a queued key
        if nudge.due_at > now:
            ctx.later(nudge.due_at, subject_of(nudge))
            continue
        if nudge.due_at < oldest:
            result.stale.append(nudge)
        else:
            fresh.append(nudge)
    result.next_at = ctx.soonest
    result.wake = ctx.soonest_of
    if rules.max_nudges_per_week <= 0:
        result.due = sorted(fresh, key=_order)
        return result
    counts: dict[tuple[int, str], int] = defaultdict(int)
    capped_people = {n.person_id for n in fresh if n.kind in CAPPED_KINDS}
    if capped_people:
        for person_id, due_at, counted in view.queued.values():
            if counted and person_id in capped_people:
                counts[(person_id, _week_of(view, person_id, due_at))] += 1
    fresh.sort(key=_order)
    for nudge in fresh:
        if nudge.kind not in CAPPED_KINDS:
            result.due.append(nudge)
            continue
        week = (nudge.person_id, _week_of(view, nudge.person_id, nudge.due_at))
        if counts[week] >= rules.max_nudges_per_week:
            result.capped.append(nudge)
        else:
            counts[week] += 1
            result.due.append(nudge)
    return result


def subject_of(nudge: Nudge) -> str:
    """The subject whose plan yields ``nudge``."""
    if nudge.kind == "reflection-prompt":
        return f"person:{nudge.person_id}"
    if nudge.kind == "coordinator-digest":
        return f"programme:{nudge.programme_id}"
    return f"pair:{nudge.pair_id}"


def _order(nudge: Nudge) -> tuple[datetime, int, str]:
    """Oldest due first; at the same time the more important first."""
    return (nudge.due_at, PRIORITY.get(nudge.kind, 9), nudge.key)


def _week_of(view: PlanView, person_id: int, moment: datetime) -> str:
    person = view.people.get(person_id)
    tz = person.tz if person is not None else UTC
    return iso_week(moment.astimezone(tz).date())


def plan(view: PlanView, now: datetime, rules: PlanRules, config: CoreConfig) -> list[Nudge]:
    """The nudges to queue at ``now``: due, not yet queued, within the catch-up window and
    the weekly cap. Pure: same view and time, same answer."""
    return plan_all(view, now, rules, config).due


def next_due(
    view: PlanView,
    now: datetime,
    rules: PlanRules,
    config: CoreConfig,
    *,
    person_id: int | None = None,
    pair_id: int | None = None,
    limit: int = 5,
) -> list[Nudge]:
    """What is due next for a person (or a pair) at ``now``: the nudges not yet queued whose
    time is at or after ``now`` (soonest first). For the home dashboard and the console."""
    ctx = _Ctx(
        view,
        now,
        rules,
        config,
        person_filter=person_id,
        pair_filter=pair_id,
        horizon=timedelta(days=14),
    )
    upcoming = [
        n
        for n in _candidates(ctx)
        if n.key not in view.queued
        and n.due_at >= now
        and (person_id is None or n.person_id == person_id)
    ]
    upcoming.sort(key=lambda n: (n.due_at, PRIORITY.get(n.kind, 9), n.key))
    return upcoming[:limit]


def candidate_keys(view: PlanView, now: datetime, rules: PlanRules, config: CoreConfig) -> set[str]:
    """The keys of every occurrence the planner looks at (to load their outbox rows). A few
    more at most (occurrences that cannot be moved into allowed hours): due times are only
    worked out where they decide whether the key is looked at, so steady-state keys, already
    in the outbox, cost no calendar work."""
    return {n.key for n in _candidates(_Ctx(view, now, rules, config, keys_only=True))}


# Loading and queueing -----------------------------------------------------------------------


def _chunks(values: Iterable[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def person_view(person: Person) -> PersonView:
    return PersonView(
        id=person.id or 0,
        tz=zone(person.timezone),
        country=person.country,
        reflection_weekday=person.reflection_weekday,
        reflection_time=person.reflection_time,
        work_start=person.work_start,
        work_end=person.work_end,
        work_days=frozenset(person.work_days),
        paused_until=person.paused_until,
    )


_PERSON_COLUMNS = (
    "id",
    "timezone",
    "country",
    "reflection_weekday",
    "reflection_time",
    "work_start",
    "work_end",
    "work_days",
    "paused_until",
    "erased_at",
)
_PAIR_COLUMNS = (
    "id",
    "programme_id",
    "mentor_id",
    "adept_id",
    "phase",
    "phase_since",
    "introduced_at",
    "midpoint_on",
    "ends_on",
    "paused_until",
)


class _Interned:
    """Shares equal immutable values (times, day sets, countries) between the people of one
    view: 100,000 people have a handful of distinct working hours."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        return self._values.setdefault(value, value)


def load_view(
    repo: Repo,
    now: datetime,
    rules: PlanRules | None = None,
    config: CoreConfig | None = None,
    subjects: set[str] | None = None,
) -> PlanView:
    """Read what ``plan`` needs: open programmes and pairs, their members and coordinators,
    recent and upcoming meetings, check-ins for those, and the outbox rows of the keys the
    planner will look at (by key, so the read does not grow with the outbox's history).
    Reads only the columns it needs (``Repo.columns``): no records are built for the bulk.

    With ``subjects``, only what planning those subjects needs: their pairs (and a planned
    person's open pairs), the people in them, and the outbox rows of their keys, plus the
    rows that count towards the weekly cap of the people they may nudge."""
    rules = rules or PlanRules()
    config = config or CoreConfig()
    view = PlanView(subjects=subjects)
    shared = _Interned()
    _load_programmes(repo, view)
    if not view.programmes:
        return view
    if subjects is None:
        _load_pairs(repo, view, _pair_rows(repo, view), now, rules, shared)
        _load_people(repo, view, _wanted(view), shared)
        capped = _members(view)
    else:
        ids: dict[str, set[int]] = defaultdict(set)
        for subject in subjects:
            name, number = parse(subject)
            ids[name].add(number)
        rows: dict[int, tuple[Any, ...]] = {}
        for name, where in (("pair", "id"), ("person", "mentor_id"), ("person", "adept_id")):
            for chunk in _chunks(sorted(ids[name]), _BIG_CHUNK):
                rows.update((row[0], row) for row in _pair_rows(repo, view, **{where: set(chunk)}))
        _load_pairs(repo, view, [rows[i] for i in sorted(rows)], now, rules, shared)
        _load_people(repo, view, _wanted(view) | ids["person"], shared)  # with the coordinators
        capped = _members(view, ids["pair"]) | ids["person"]
    _load_queued(repo, view, candidate_keys(view, now, rules, config), now, shared)
    # The weekly cap counts every nudge a person got in the weeks it looks at, whichever
    # occurrence or subject it came from.
    since = now - timedelta(days=_CAP_DAYS)
    for chunk in _chunks(sorted(capped), _BIG_CHUNK):
        for key, person_id, due_at, kind, status in repo.columns(
            OutboxItem,
            ("key", "person_id", "due_at", "kind", "status"),
            person_id=set(chunk),
            due_at=AtLeast(since),
        ):
            view.queued[key] = _queued_value(person_id, due_at, kind, status, since, shared)
    return view


def _members(view: PlanView, pair_ids: set[int] | None = None) -> set[int]:
    return {m for p in view.pairs if pair_ids is None or p.id in pair_ids for m in p.members}


def _load_programmes(repo: Repo, view: PlanView) -> None:
    view.programmes.clear()
    for programme in repo.find(Programme, status="open"):
        view.programmes[programme.id or 0] = ProgrammeView(
            programme.id or 0,
            programme.created_by,
            programme.cadence_days,
            programme.status,
            programme.created_at,
            programme.ends_on,
        )


def _pair_rows(repo: Repo, view: PlanView, **where: Any) -> list[tuple[Any, ...]]:
    return repo.columns(
        Pair,
        _PAIR_COLUMNS,
        programme_id=set(view.programmes),
        phase=set(OPEN_PHASES),
        ended_at=None,
        **where,
    )


def _wanted(view: PlanView) -> set[int]:
    return _members(view) | {p.created_by for p in view.programmes.values()}


def _load_pairs(
    repo: Repo,
    view: PlanView,
    pairs: list[tuple[Any, ...]],
    now: datetime,
    rules: PlanRules,
    shared: _Interned,
) -> None:
    """Add the pairs ``pairs`` (rows of ``_PAIR_COLUMNS``), their live meetings, in-force
    agreements, confirmed goals and the check-ins of their recent meetings to ``view``."""
    pair_ids = [row[0] for row in pairs]
    meetings_by_pair: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    agreements: dict[int, tuple[int, int]] = {}  # pair -> (number, cadence) of the in-force one
    goals_done: set[int] = set()
    for chunk in _chunks(pair_ids, _BIG_CHUNK):
        for row in repo.columns(
            Meeting,
            ("id", "pair_id", "starts_at", "minutes", "status", "created_at"),
            pair_id=set(chunk),
            status=set(LIVE_MEETING),
        ):
            meetings_by_pair[row[1]].append(row)
        for pair_id, number, cadence, mentor_ok, adept_ok in repo.columns(
            Agreement,
            ("pair_id", "number", "cadence_days", "mentor_accepted_at", "adept_accepted_at"),
            pair_id=set(chunk),
            superseded_at=None,
        ):
            if mentor_ok is not None and adept_ok is not None:
                current = agreements.get(pair_id)
                if current is None or number > current[0]:
                    agreements[pair_id] = (number, cadence)
    goal_pairs = [row[0] for row in pairs if row[4] == Phase.GOALS]
    for chunk in _chunks(goal_pairs, _BIG_CHUNK):
        for pair_id, status in repo.columns(Goal, ("pair_id", "status"), pair_id=set(chunk)):
            if status != "draft":
                goals_done.add(pair_id)
    oldest_meeting = now - timedelta(days=rules.meeting_lookback_days)
    recent_ids: list[int] = []
    for (
        pid,
        programme_id,
        mentor_id,
        adept_id,
        phase,
        since,
        introduced,
        mid,
        ends,
        paused,
    ) in pairs:
        held = meetings_by_pair.get(pid, [])
        in_force = agreements.get(pid)
        view.pairs.append(
            PairView(
                id=pid,
                programme_id=programme_id,
                mentor_id=mentor_id,
                adept_id=adept_id,
                phase=Phase(phase),
                phase_since=shared(since),
                introduced_at=shared(introduced),
                midpoint_on=shared(mid),
                ends_on=shared(ends),
                paused_until=paused,
                cadence_days=in_force[1] if in_force else None,
                goals_confirmed=pid in goals_done,
                agreement_accepted=in_force is not None,
                last_meeting_at=max((m[2] for m in held), default=None),
                meeting_count=len(held),
            )
        )
        for meeting_id, _, starts_at, minutes, status, created_at in held:
            if starts_at + timedelta(minutes=minutes) >= oldest_meeting:
                view.meetings.append(
                    MeetingView(meeting_id, pid, starts_at, minutes, status, created_at)
                )
                recent_ids.append(meeting_id)
    del pairs, meetings_by_pair
    for chunk in _chunks(recent_ids, _BIG_CHUNK):
        for meeting_id, author_id in repo.columns(
            CheckIn, ("meeting_id", "author_id"), meeting_id=set(chunk)
        ):
            view.checked_in.add((meeting_id or 0, author_id))


def _load_people(repo: Repo, view: PlanView, ids: Iterable[int], shared: _Interned) -> None:
    """(Re)read the people ``ids`` into ``view`` (erased or missing ones are left out)."""
    for chunk in _chunks(sorted(ids), _BIG_CHUNK):
        for person_id in chunk:
            view.people.pop(person_id, None)
        for (
            person_id,
            timezone,
            country,
            weekday,
            reflection_time,
            work_start,
            work_end,
            work_days,
            paused_until,
            erased_at,
        ) in repo.columns(Person, _PERSON_COLUMNS, id=set(chunk)):
            if erased_at is None:
                view.people[person_id] = PersonView(
                    id=person_id,
                    tz=zone(timezone),
                    country=shared(country),
                    reflection_weekday=weekday,
                    reflection_time=shared(reflection_time),
                    work_start=shared(work_start),
                    work_end=shared(work_end),
                    work_days=shared(frozenset(work_days)),
                    paused_until=paused_until,
                )


# The value of a queued key that cannot count towards any week the cap still looks at.
_DONE: tuple[int | None, datetime, bool] = (None, datetime(1970, 1, 1, tzinfo=UTC), False)
_CAP_DAYS = 15  # the cap looks at the weeks of fresh nudges: within 8 days + catch-up of now


def _queued_value(
    person_id: int | None,
    due_at: datetime,
    kind: str,
    status: str,
    since: datetime,
    shared: _Interned,
) -> tuple[int | None, datetime, bool]:
    """What ``PlanView.queued`` holds for an outbox row. Rows that do not count, or are too
    old to count towards a week the cap looks at, share one value (100,000 people: most of
    the outbox's keys)."""
    if kind in CAPPED_KINDS and status in COUNTED_STATUSES and due_at >= since:
        return (person_id, shared(due_at), True)
    return _DONE


def _load_queued(
    repo: Repo, view: PlanView, keys: Iterable[str], now: datetime, shared: _Interned
) -> None:
    since = now - timedelta(days=_CAP_DAYS)
    ordered = sorted(keys)
    if isinstance(keys, set):
        keys.clear()  # the caller's temporary: let it go before the rows come in
    # Consumed from the end, so the keys looked for are freed while the found ones arrive
    # (100,000 people: about 370,000 keys; holding both at once was the tick's peak memory).
    while ordered:
        chunk = set(ordered[-_BIG_CHUNK:])
        del ordered[-_BIG_CHUNK:]
        for key, person_id, due_at, kind, status in repo.columns(
            OutboxItem, ("key", "person_id", "due_at", "kind", "status"), key=chunk
        ):
            view.queued[key] = _queued_value(person_id, due_at, kind, status, since, shared)


# Wake-ups: which subjects to plan ------------------------------------------------------


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
    for chunk in _chunks(sorted(people), _BIG_CHUNK):
        for where in ("mentor_id", "adept_id"):
            found.update(
                f"pair:{pair_id}"
                for (pair_id,) in repo.columns(
                    Pair, ("id",), ended_at=None, phase=set(OPEN_PHASES), **{where: set(chunk)}
                )
            )
        run = [
            row[0] for row in repo.columns(Programme, ("id",), status="open", created_by=set(chunk))
        ]
        found.update(f"programme:{programme_id}" for programme_id in run)
        for pair_id, _, _, phase in _open_pairs_of(repo, run):
            if phase in _NOTED_PHASES:
                later.add(f"pair:{pair_id}")
    for chunk in _chunks(sorted(programmes), _BIG_CHUNK):
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
    for chunk in _chunks(extra, _BIG_CHUNK):
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
        status="skipped",
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
    for chunk in _chunks([n.key for n in due], _BIG_CHUNK):
        taken.update(key for (key,) in repo.columns(OutboxItem, ("key",), key=set(chunk)))
    todo = [n for n in due if n.key not in taken]
    result.already_queued += len(due) - len(todo)
    ahead = nudge_messages.ReadAhead.load(repo, todo)
    for nudge in todo:
        composed = nudge_messages.compose(repo, nudge, now, ahead)
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
