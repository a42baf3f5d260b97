"""The planner's knobs (``PlanRules``) and the light snapshot it plans from (``PlanView``).

The person, pair, programme and meeting views are frozen, slotted dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.records import Phase, ProgrammeStatus


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
    # A tick takes its subjects in chunks and takes no further chunk that would end after
    # this many seconds (timed as the chunks before it took): on SQLite a tick holds the one
    # writer, so a person's answer may wait behind it. The rest stay due, first in line for
    # the next tick. 0 = no budget (the subject bound alone).
    tick_budget_seconds: float = 0.8

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
    status: str = ProgrammeStatus.OPEN
    created_at: datetime | None = None
    ends_on: date | None = None
    starts_on: date | None = None  # nothing of it reaches a pair before (nor a digest)


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
    15 days back), all share one value (``snapshot._DONE``): only their key matters."""

    people: dict[int, PersonView] = field(default_factory=dict)
    pairs: list[PairView] = field(default_factory=list)
    programmes: dict[int, ProgrammeView] = field(default_factory=dict)
    meetings: list[MeetingView] = field(default_factory=list)  # recent and upcoming only
    checked_in: set[tuple[int, int]] = field(default_factory=set)  # (meeting_id, author_id)
    queued: dict[str, tuple[int | None, datetime, bool]] = field(default_factory=dict)
    # The subjects to plan (``conversations.wakes``); None: everyone in the view. The view may
    # hold more (a planned person's pairs, for their reflection prompt's start).
    subjects: set[str] | None = None
