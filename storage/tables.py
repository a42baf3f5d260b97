"""The SQL schema: one SQLModel table per record class in ``conversations.records``.

Each table has the record's fields under the same names, plus the integer primary key ``id``
and the optimistic-locking counter ``version``. Column types:

* ``datetime`` -> :class:`UTCDateTime` (``timestamp with time zone`` on PostgreSQL; naive UTC
  text on SQLite), always returned timezone-aware in UTC;
* ``date`` / ``time`` -> native ``DATE`` / ``TIME``;
* ``StrEnum`` -> a plain ``VARCHAR`` holding the value, returned as the enum;
* ``list`` / ``dict`` -> ``JSON``.

The tables live in their own metadata (:data:`metadata`), so the migrations see exactly the
bot's schema and nothing else that happens to use SQLModel. The unique constraints and indexes are those of
``conversations.unique_keys`` (a test checks). Changing a table means adding an
Alembic revision in ``storage/migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from conversations import records as rec
from conversations.records import Record

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
"""All of the bot's tables (the migrations' target)."""


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC on every database; naive values are refused."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must be timezone-aware")
        utc = value.astimezone(UTC)
        # SQLite has no time zones: keep naive UTC text, which also sorts correctly.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def bind_processor(self, dialect: Dialect) -> Any:
        """On SQLite the text SQLAlchemy's ``DATETIME`` writes (``2026-12-01 13:00:00.000000``,
        naive UTC), made by ``isoformat`` in one call rather than by our conversion and then
        SQLAlchemy's formatting: a tick binds thousands."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"naive datetime {value!r}: timestamps must be timezone-aware")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """On SQLite the stored text is parsed by ``datetime.fromisoformat`` (C) rather than
        SQLAlchemy's regular expression and then ours: a tick reads tens of thousands."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def process(value: str | None) -> datetime | None:
            if value is None:
                return None
            parsed = datetime.fromisoformat(value)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_type(enum: type[StrEnum]) -> sa.Enum:
    """A ``VARCHAR`` holding the enum's values (not names); no database enum type, no CHECK,
    so adding a member needs no migration."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


def _datetime(*, nullable: bool = False, index: bool = False) -> Any:
    """A field for an aware UTC datetime."""
    return Field(
        default=None,
        sa_column_kwargs={"nullable": nullable},
        sa_type=UTCDateTime,
        index=index,
    )


def _json(default: type[list[Any]] | type[dict[str, Any]]) -> Any:
    """A field for a list or dict, stored as JSON."""
    return Field(default_factory=default, sa_type=sa.JSON, sa_column_kwargs={"nullable": False})


ONE_REVIEW_OF_A_KIND = sa.text("kind IN ('midpoint', 'closing')")
"""Where a review's unique key holds (``conversations.unique_keys``): pulse answers repeat."""
ACTIVE_ENROLMENT = sa.text("status = 'active'")
"""Where an enrolment's unique key holds: one active enrolment per programme and person."""
OPEN_INVITATION = sa.text("status = 'invited'")
"""Where an invitation's unique key holds: one open invitation per programme and person."""


class Table(SQLModel, registry=registry(metadata=metadata)):
    """Columns every table has."""

    id: int | None = Field(default=None, primary_key=True)
    version: int = 0


class PersonRow(Table, table=True):
    __tablename__ = "person"
    __table_args__ = (sa.UniqueConstraint("platform", "workspace", "platform_user_id"),)

    platform: str
    workspace: str = ""
    platform_user_id: str
    display_name: str
    locale: str = "sv"
    timezone: str = "Europe/Stockholm"
    country: str = "SE"
    reflection_weekday: int = 4
    reflection_time: time
    work_start: time
    work_end: time
    work_days: list[int] = _json(list)
    paused_until: date | None = None
    is_coordinator: bool = False
    coordinator_via: str = ""
    erased_at: datetime | None = _datetime(nullable=True)
    created_at: datetime = _datetime()


class ProgrammeRow(Table, table=True):
    __tablename__ = "programme"

    workspace: str = Field(default="", index=True)
    name: str
    purposes: list[rec.Purpose] = _json(list)
    starts_on: date
    ends_on: date
    cadence_days: int = 14
    meeting_minutes: int = 60
    template: str = "general"
    topics: list[str] = _json(list)
    status: str = "open"
    created_by: int
    created_at: datetime = _datetime()


class EnrolmentRow(Table, table=True):
    __tablename__ = "enrolment"
    __table_args__ = (
        sa.Index(
            "uq_enrolment_programme_id_person_id",
            "programme_id",
            "person_id",
            unique=True,
            sqlite_where=ACTIVE_ENROLMENT,
            postgresql_where=ACTIVE_ENROLMENT,
        ),
    )

    workspace: str = Field(default="", index=True)
    programme_id: int = Field(index=True)
    person_id: int = Field(index=True)
    role: rec.Role = Field(sa_type=enum_type(rec.Role))
    wants_to_learn: str = ""
    can_offer: str = ""
    department: str = ""
    manager: str = ""
    languages: list[str] = _json(list)
    capacity: int = 1
    consent_at: datetime | None = _datetime(nullable=True)
    status: str = "active"
    created_at: datetime = _datetime()
    wants_topics: list[str] = _json(list)
    offers_topics: list[str] = _json(list)
    manager_id: int | None = None
    avoid: list[int] = _json(list)


class InvitationRow(Table, table=True):
    __tablename__ = "invitation"
    __table_args__ = (
        sa.Index(
            "uq_invitation_programme_id_person_id",
            "programme_id",
            "person_id",
            unique=True,
            sqlite_where=OPEN_INVITATION,
            postgresql_where=OPEN_INVITATION,
        ),
    )

    workspace: str = Field(default="", index=True)
    programme_id: int = Field(index=True)
    person_id: int = Field(index=True)
    role: rec.Role = Field(sa_type=enum_type(rec.Role))
    invited_by: int
    status: str = "invited"
    sent_at: datetime = _datetime()
    reminded_at: datetime | None = _datetime(nullable=True)
    answered_at: datetime | None = _datetime(nullable=True)


class MatchProposalRow(Table, table=True):
    __tablename__ = "match_proposal"

    workspace: str = Field(default="", index=True)
    programme_id: int = Field(index=True)
    run: str = Field(index=True)
    mentor_id: int
    adept_id: int
    score: float
    reason: dict[str, Any] = _json(dict)
    status: str = "draft"
    created_at: datetime = _datetime()
    decided_at: datetime | None = _datetime(nullable=True)


class PairRow(Table, table=True):
    __tablename__ = "pair"

    workspace: str = Field(default="", index=True)
    programme_id: int = Field(index=True)
    mentor_id: int = Field(index=True)
    adept_id: int = Field(index=True)
    phase: rec.Phase = Field(default=rec.Phase.INTRO, sa_type=enum_type(rec.Phase))
    phase_since: datetime = _datetime()
    introduced_at: datetime = _datetime()
    midpoint_on: date
    ends_on: date
    paused_until: date | None = None
    ended_at: datetime | None = _datetime(nullable=True)
    end_reason: str | None = None
    end_note: str = ""


class GoalRow(Table, table=True):
    __tablename__ = "goal"
    __table_args__ = (sa.Index("uq_goal_pair_id_position", "pair_id", "position", unique=True),)

    workspace: str = ""
    pair_id: int = Field(index=True)
    position: int
    text: str
    progress_signal: str
    target_date: date
    status: str = "draft"
    mentor_comment: str = ""
    created_at: datetime = _datetime()
    confirmed_at: datetime | None = _datetime(nullable=True)


class GoalRatingRow(Table, table=True):
    __tablename__ = "goal_rating"

    goal_id: int = Field(index=True)
    rating: int
    context: str
    rated_at: datetime = _datetime()


class AgreementRow(Table, table=True):
    __tablename__ = "agreement"
    __table_args__ = (sa.Index("uq_agreement_pair_id_number", "pair_id", "number", unique=True),)

    workspace: str = ""
    pair_id: int = Field(index=True)
    number: int
    cadence_days: int
    meeting_minutes: int
    confidentiality: str
    ethics: str
    mentor_responsibilities: str
    adept_responsibilities: str
    no_fault_exit: bool = True
    ends_on: date
    proposed_by: int
    created_at: datetime = _datetime()
    mentor_accepted_at: datetime | None = _datetime(nullable=True)
    adept_accepted_at: datetime | None = _datetime(nullable=True)
    superseded_at: datetime | None = _datetime(nullable=True)


class MeetingRow(Table, table=True):
    __tablename__ = "meeting"

    workspace: str = ""
    pair_id: int = Field(index=True)
    starts_at: datetime = _datetime(index=True)
    minutes: int = 60
    place: str = ""
    status: str = "booked"
    booked_by: int
    created_at: datetime = _datetime()
    is_first: bool = False
    sequence: int = 0


class CheckInRow(Table, table=True):
    __tablename__ = "check_in"
    __table_args__ = (
        sa.Index("uq_check_in_meeting_id_author_id", "meeting_id", "author_id", unique=True),
    )

    workspace: str = ""
    pair_id: int = Field(index=True)
    meeting_id: int | None = Field(default=None, index=True)
    author_id: int = Field(index=True)
    met: bool
    raised: str = ""
    will_try: str = ""
    usefulness: int | None = None
    created_at: datetime = _datetime()


class PreparationRow(Table, table=True):
    __tablename__ = "preparation"
    __table_args__ = (
        sa.Index("uq_preparation_meeting_id_author_id", "meeting_id", "author_id", unique=True),
    )

    workspace: str = ""
    pair_id: int = Field(index=True)
    meeting_id: int = Field(index=True)
    author_id: int = Field(index=True)
    challenge: str
    created_at: datetime = _datetime()


class ReflectionRow(Table, table=True):
    __tablename__ = "reflection"

    workspace: str = ""
    person_id: int = Field(index=True)
    prompt_key: str
    text: str
    week: str
    created_at: datetime = _datetime()


class ReviewRow(Table, table=True):
    __tablename__ = "review"
    __table_args__ = (
        sa.Index(
            "uq_review_pair_id_person_id_kind",
            "pair_id",
            "person_id",
            "kind",
            unique=True,
            sqlite_where=ONE_REVIEW_OF_A_KIND,
            postgresql_where=ONE_REVIEW_OF_A_KIND,
        ),
    )

    workspace: str = ""
    pair_id: int = Field(index=True)
    person_id: int = Field(index=True)
    kind: str
    answers: dict[str, Any] = _json(dict)
    created_at: datetime = _datetime()


class ConversationStateRow(Table, table=True):
    __tablename__ = "conversation_state"
    __table_args__ = (sa.Index("uq_conversation_state_person_id", "person_id", unique=True),)

    person_id: int
    awaiting: str | None = None
    data: dict[str, Any] = _json(dict)
    updated_at: datetime = _datetime()


class OutboxItemRow(Table, table=True):
    __tablename__ = "outbox_item"
    __table_args__ = (sa.Index(None, "status", "due_at"),)

    key: str = Field(unique=True)
    person_id: int | None = Field(default=None, index=True)
    pair_id: int | None = Field(default=None, index=True)
    programme_id: int | None = Field(default=None, index=True)
    kind: str
    payload: dict[str, Any] = _json(dict)
    due_at: datetime = _datetime()
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = _datetime(nullable=True)
    sent_at: datetime | None = _datetime(nullable=True)
    platform_message_id: str | None = None
    error: str | None = None
    created_at: datetime = _datetime()
    lease_holder: str | None = None
    lease_until: datetime | None = _datetime(nullable=True)
    sending_since: datetime | None = _datetime(nullable=True)
    platform_channel: str | None = None


class ReceiptRow(Table, table=True):
    __tablename__ = "receipt"

    key: str = Field(unique=True)
    created_at: datetime = _datetime(index=True)


class AuditEntryRow(Table, table=True):
    __tablename__ = "audit_entry"

    at: datetime = _datetime(index=True)
    actor_id: int | None = Field(default=None, index=True)
    action: str
    subject: str = ""
    detail: dict[str, Any] = _json(dict)


class PlanWakeRow(Table, table=True):
    __tablename__ = "plan_wake"
    __table_args__ = (sa.Index(None, "changed", "wake_at"),)

    subject: str = Field(unique=True)
    wake_at: datetime = _datetime()
    changed: bool = False


class WorkspaceRemovalRow(Table, table=True):
    __tablename__ = "workspace_removal"
    __table_args__ = (sa.UniqueConstraint("platform", "organisation"),)

    platform: str
    organisation: str
    removed_at: datetime = _datetime()
    purge_at: datetime = _datetime(index=True)
    purged_at: datetime | None = _datetime(nullable=True)


# Tables in the same database that another library reads and writes (slack-sdk's installation
# and OAuth state stores, built by migration 0007): not mapped here, left alone by checks that
# compare the database with this module.
EXTERNAL_TABLES = frozenset({"slack_installations", "slack_bots", "slack_oauth_states"})


def managed_here(name: str | None, type_: str, parent_names: Any) -> bool:
    """For Alembic's ``include_name``: autogenerate leaves ``EXTERNAL_TABLES`` alone."""
    return not (type_ == "table" and name in EXTERNAL_TABLES)


TABLE_FOR: dict[type[Record], type[Table]] = {
    rec.Person: PersonRow,
    rec.Programme: ProgrammeRow,
    rec.Enrolment: EnrolmentRow,
    rec.Invitation: InvitationRow,
    rec.MatchProposal: MatchProposalRow,
    rec.Pair: PairRow,
    rec.Goal: GoalRow,
    rec.GoalRating: GoalRatingRow,
    rec.Agreement: AgreementRow,
    rec.Meeting: MeetingRow,
    rec.CheckIn: CheckInRow,
    rec.Preparation: PreparationRow,
    rec.Reflection: ReflectionRow,
    rec.Review: ReviewRow,
    rec.ConversationState: ConversationStateRow,
    rec.OutboxItem: OutboxItemRow,
    rec.Receipt: ReceiptRow,
    rec.AuditEntry: AuditEntryRow,
    rec.PlanWake: PlanWakeRow,
    rec.WorkspaceRemoval: WorkspaceRemovalRow,
}
"""The table class for each record class (every class in ``ALL_RECORDS``)."""


def table_of(cls: type[Record]) -> sa.Table:
    """The SQLAlchemy ``Table`` behind a record class."""
    if cls not in TABLE_FOR:
        raise TypeError(f"{cls.__name__} has no table (add one to storage.tables)")
    table: sa.Table = TABLE_FOR[cls].__table__  # type: ignore[attr-defined]
    return table


def bind_converter(type_: sa.types.TypeEngine[Any], dialect: Dialect) -> Any:
    """What SQLAlchemy does to a value of ``type_`` it binds on ``dialect`` (its dialect-level
    type: SQLite keeps timestamps as text of one fixed form, which comparisons rely on), for
    the statements run on the driver's connection; ``None``: the value goes as it is."""
    return type_.dialect_impl(dialect).bind_processor(dialect)


def result_converter(type_: sa.types.TypeEngine[Any], dialect: Dialect, sent: Any = None) -> Any:
    """What SQLAlchemy makes of a value of ``type_`` read on ``dialect`` (``sent``: the type code
    of the driver's cursor description, which some of psycopg's processors choose by); ``None``:
    as it is."""
    return type_.dialect_impl(dialect).result_processor(dialect, sent)
