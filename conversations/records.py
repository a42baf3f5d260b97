"""The programme's records: what the bot remembers, independent of any database.

Every record has an ``id`` (assigned by the store on ``add``) and a ``version`` (bumped by the
store on every ``update``; an update whose version is stale raises ``Conflict``). Timestamps are
timezone-aware UTC. Storage maps each record class to one table (see ``storage/tables.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.astimezone(UTC)


# A moment in time: must be timezone-aware; stored and returned in UTC by every store.
Moment = Annotated[datetime, AfterValidator(_utc)]


class Record(BaseModel):
    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    id: int | None = None
    version: int = 0


class Role(StrEnum):
    MENTOR = "mentor"
    ADEPT = "adept"


class Purpose(StrEnum):
    """The seven reasons the source names for running a programme (METHOD.md, article 1)."""

    RETENTION = "retention"
    CAREER = "career"
    ONBOARDING = "onboarding"
    COMPETENCE = "competence"
    CULTURE = "culture"
    RECRUITMENT = "recruitment"
    LEADERSHIP = "leadership"


class Phase(StrEnum):
    INTRO = "intro"  # introduced; first meeting not yet booked
    GOALS = "goals"  # first meeting booked; goals being drafted/confirmed
    AGREEMENT = "agreement"  # goals confirmed; agreement not yet accepted by both
    ACTIVE = "active"  # meetings, check-ins, reflections, mid-point review
    CLOSING = "closing"  # closing review open
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"

    @property
    def is_open(self) -> bool:
        return self not in (Phase.COMPLETED, Phase.ENDED_EARLY)


OPEN_PHASES: tuple[Phase, ...] = tuple(p for p in Phase if p.is_open)


class ProgrammeStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class EnrolmentStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"  # erased their data (forget-me)
    DECLINED = "declined"  # enrolled by hand, and said no to the programme's data use


class InvitationStatus(StrEnum):
    INVITED = "invited"  # sent, not answered (yet)
    ACCEPTED = "accepted"  # said yes and filled in the intake form: enrolled
    DECLINED = "declined"
    # Closed unanswered: a coordinator enrolled them by hand (`enroll`), and the consent
    # question replaced it.
    ENROLLED = "enrolled"


class ProposalStatus(StrEnum):
    DRAFT = "draft"  # proposed by `match`, waiting for the coordinator
    APPROVED = "approved"  # became a pair
    DISCARDED = "discarded"


class MeetingStatus(StrEnum):
    BOOKED = "booked"
    HELD = "held"  # a member checked in: we met
    MISSED = "missed"  # a member checked in: we did not meet
    CANCELLED = "cancelled"
    DISPUTED = "disputed"  # the two check-ins disagree; both were asked


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its due time (or its next attempt)
    CLAIMED = "claimed"  # leased by a dispatcher, not yet sending
    SENDING = "sending"  # handed to the platform; found so with its lease run out: reconciled
    SENT = "sent"
    FAILED = "failed"  # a permanent error (the coordinator is told)
    SKIPPED = "skipped"  # not sent: over the weekly cap, too late, or no longer relevant


UNCONFIRMED = "unconfirmed"  # error prefix of rows left 'sending' by a crashed dispatcher


class Person(Record):
    platform: str  # "local", "slack", "teams"
    workspace: str = ""  # Slack team id / Teams tenant id; "" for the console
    platform_user_id: str
    display_name: str
    locale: str = "sv"
    timezone: str = "Europe/Stockholm"
    country: str = "SE"  # for public holidays
    reflection_weekday: int = 4  # 0 = Monday … 6 = Sunday
    reflection_time: time = time(14, 0)
    work_start: time = time(8, 0)
    work_end: time = time(17, 0)
    work_days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    paused_until: date | None = None
    is_coordinator: bool = False
    # Who made them a coordinator: "config" (app.yaml: re-applied, and revoked, at every
    # start) or "command" (`coordinators add`, until `coordinators remove`).
    coordinator_via: str = ""
    erased_at: Moment | None = None
    created_at: Moment


class Programme(Record):
    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    name: str
    purposes: list[Purpose]
    starts_on: date
    ends_on: date
    cadence_days: int = 14
    meeting_minutes: int = 60
    template: str = "general"  # "general" or "new-managers"
    # What people may want to learn or offer (the intake form's choices); free text besides.
    topics: list[str] = Field(default_factory=list)
    status: ProgrammeStatus = ProgrammeStatus.OPEN
    created_by: int
    created_at: Moment


class Enrolment(Record):
    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    programme_id: int
    person_id: int
    role: Role
    wants_to_learn: str = ""
    can_offer: str = ""
    department: str = ""
    manager: str = ""
    languages: list[str] = Field(default_factory=list)
    capacity: int = 1  # mentors: how many adepts at once
    # When they agreed to the programme's data use; None: asked, not answered. Nothing but
    # the question reaches them, and they are never paired, before it is set.
    consent_at: Moment | None = None
    status: EnrolmentStatus = EnrolmentStatus.ACTIVE
    created_at: Moment
    # The intake form's answers (matching reads them): topics from the programme's list,
    # their manager and the people they would rather not be paired with (person ids).
    wants_topics: list[str] = Field(default_factory=list)
    offers_topics: list[str] = Field(default_factory=list)
    manager_id: int | None = None
    avoid: list[int] = Field(default_factory=list)


class Invitation(Record):
    """An invitation to a programme (`invite`): enrolled only when accepted, through the
    intake form. Declines and non-answers are counted; one reminder goes."""

    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    programme_id: int
    person_id: int
    role: Role
    invited_by: int
    status: InvitationStatus = InvitationStatus.INVITED
    sent_at: Moment
    reminded_at: Moment | None = None
    answered_at: Moment | None = None


class MatchProposal(Record):
    """A pair `match` proposed: a draft until the coordinator approves or discards it.
    ``reason`` is the engine's structured ``Reason`` (worded for each reader)."""

    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    programme_id: int
    run: str  # one `match` run: its proposals are approved or discarded together
    mentor_id: int
    adept_id: int
    score: float
    reason: dict[str, Any] = Field(default_factory=dict)
    status: ProposalStatus = ProposalStatus.DRAFT
    created_at: Moment
    decided_at: Moment | None = None


class Pair(Record):
    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    programme_id: int
    mentor_id: int
    adept_id: int
    phase: Phase = Phase.INTRO
    phase_since: Moment
    introduced_at: Moment
    midpoint_on: date
    ends_on: date
    paused_until: date | None = None
    ended_at: Moment | None = None
    end_reason: str | None = None  # "completed" or "ended-early"
    end_note: str = ""

    def member_ids(self) -> tuple[int, int]:
        return (self.mentor_id, self.adept_id)

    def role_of(self, person_id: int) -> Role | None:
        if person_id == self.mentor_id:
            return Role.MENTOR
        if person_id == self.adept_id:
            return Role.ADEPT
        return None

    def partner_of(self, person_id: int) -> int:
        return self.adept_id if person_id == self.mentor_id else self.mentor_id


class Goal(Record):
    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    pair_id: int
    position: int  # 1..3
    text: str
    progress_signal: str  # how progress shows
    target_date: date
    status: str = "draft"  # draft, confirmed, achieved, partly, not-achieved
    mentor_comment: str = ""
    created_at: Moment
    confirmed_at: Moment | None = None


class GoalRating(Record):
    goal_id: int
    rating: int  # 1..5, the adept's self-rating
    context: str  # "start", "midpoint", "closing"
    rated_at: Moment


class Agreement(Record):
    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    pair_id: int
    number: int  # 1, 2, … each amendment is a new number
    cadence_days: int
    meeting_minutes: int
    confidentiality: str
    ethics: str
    mentor_responsibilities: str
    adept_responsibilities: str
    no_fault_exit: bool = True
    ends_on: date
    proposed_by: int
    created_at: Moment
    mentor_accepted_at: Moment | None = None
    adept_accepted_at: Moment | None = None
    superseded_at: Moment | None = None

    @property
    def accepted(self) -> bool:
        return self.mentor_accepted_at is not None and self.adept_accepted_at is not None


class Meeting(Record):
    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    pair_id: int
    starts_at: Moment
    minutes: int = 60
    place: str = ""
    status: MeetingStatus = MeetingStatus.BOOKED
    booked_by: int  # the organiser of its calendar invitation
    created_at: Moment
    is_first: bool = False
    # The calendar invitation's revision (iCalendar SEQUENCE): 0 when booked, one more at each
    # move and at the cancellation, so calendars replace what they hold with the newest.
    sequence: int = 0


class CheckIn(Record):
    """A pair member's note after a meeting: readable by the pair, never by coordinators."""

    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    pair_id: int
    meeting_id: int | None
    author_id: int
    met: bool
    raised: str = ""
    will_try: str = ""
    usefulness: int | None = None
    created_at: Moment


class Preparation(Record):
    """The adept's answer to "which challenge will you bring?": shared with the mentor only."""

    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    pair_id: int
    meeting_id: int
    author_id: int
    challenge: str
    created_at: Moment


class Reflection(Record):
    """A private journal entry: readable by its author only."""

    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    person_id: int
    prompt_key: str
    text: str
    week: str  # ISO week, e.g. "2026-W48"
    created_at: Moment


class Review(Record):
    """A mid-point or closing review by one pair member. Free texts are private to the pair,
    except a closing review's ``feedback`` (to the programme): the coordinators read it in the
    programme's summary, without names; the form says so."""

    workspace: str = ""  # the organisation it belongs to (its people's workspace)
    pair_id: int
    person_id: int
    kind: str  # "midpoint" or "closing"
    answers: dict[str, Any] = Field(default_factory=dict)
    created_at: Moment


class ConversationState(Record):
    """What a person's next typed message answers (e.g. the journal prompt), per person."""

    person_id: int
    awaiting: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    updated_at: Moment


class OutboxItem(Record):
    """A message the bot owes someone: written in the same transaction as the change that
    caused it, delivered afterwards by the dispatcher. ``key`` is unique: the same nudge can
    never be queued twice."""

    key: str
    person_id: int | None = None  # a direct message to one person
    pair_id: int | None = None  # or a group conversation with both members of a pair
    programme_id: int | None = None
    kind: str  # e.g. "reply", "reflection-prompt", "meeting-reminder"
    payload: dict[str, Any]  # a serialised conversations.messages.Message
    due_at: Moment
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    next_attempt_at: Moment | None = None
    sent_at: Moment | None = None
    platform_message_id: str | None = None  # Slack: the message's ts
    error: str | None = None
    created_at: Moment
    # The dispatcher holding the row (claimed or sending) and until when: a holder renews its
    # lease while it works; a row whose lease ran out is another dispatcher's to take.
    lease_holder: str | None = None
    lease_until: Moment | None = None
    # When the earliest send that may have reached the platform, unconfirmed, began: set as a
    # send starts, cleared once the platform said no (or reconciliation found nothing).
    sending_since: Moment | None = None
    platform_channel: str | None = None  # the conversation the message went to

    def button_values(self) -> set[str]:
        """The values its message's buttons carry (what a flow finds a queued question by;
        empty once delivered: a sent row keeps no copy of its message)."""
        return {str(b.get("value") or "") for b in self.payload.get("buttons") or []}


class Receipt(Record):
    """An incoming event already handled (Slack retries, double clicks): key is unique."""

    key: str
    created_at: Moment


class AuditEntry(Record):
    """Who did what, when. Never holds journal, check-in or review text."""

    at: Moment
    actor_id: int | None
    action: str
    subject: str = ""
    detail: dict[str, Any] = Field(default_factory=dict)


class PlanWake(Record):
    """When the planner must look at one subject again (``person:<id>``, ``pair:<id>`` or
    ``programme:<id>``; see ``conversations.wakes``). ``changed`` is set by the stores whenever
    a record the planner reads is written (the subject is then planned at the next tick);
    otherwise ``wake_at`` is the earliest time anything of the subject may fall due."""

    subject: str
    wake_at: Moment
    changed: bool = False


class WorkspaceRemoval(Record):
    """An organisation (a platform's workspace key) that removed the bot. Nothing is sent to
    it; once ``purge_at`` has come the scheduler deletes its records and sets ``purged_at``.
    Coming back before then (a reinstall) deletes this row, and with it the purge. Named
    ``organisation``, not ``workspace``: it is not one of the workspace's own records."""

    platform: str
    organisation: str
    removed_at: Moment
    purge_at: Moment
    purged_at: Moment | None = None


ALL_RECORDS: tuple[type[Record], ...] = (
    Person,
    Programme,
    Enrolment,
    Invitation,
    MatchProposal,
    Pair,
    Goal,
    GoalRating,
    Agreement,
    Meeting,
    CheckIn,
    Preparation,
    Reflection,
    Review,
    ConversationState,
    OutboxItem,
    Receipt,
    AuditEntry,
    PlanWake,
    WorkspaceRemoval,
)
