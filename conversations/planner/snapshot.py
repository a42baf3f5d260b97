"""The lean snapshot loader (``load_view``): only the rows and columns planning needs.

It reads through ``Repo.columns``, in chunks, for everyone or for the subjects a tick plans,
and the outbox rows of the keys the planner looks at and of the weeks the cap counts."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from conversations.config import CoreConfig
from conversations.planner.calendar import at_local, zone
from conversations.planner.calendar import person_view as calendar_view
from conversations.planner.plan import CAPPED_KINDS, candidate_keys
from conversations.planner.views import (
    MeetingView,
    PairView,
    PersonView,
    PlanRules,
    PlanView,
    ProgrammeView,
)
from conversations.ports import AtLeast, Repo
from conversations.records import (
    OPEN_PHASES,
    Agreement,
    CheckIn,
    Goal,
    Meeting,
    MeetingStatus,
    OutboxItem,
    OutboxStatus,
    Pair,
    Person,
    Phase,
    Programme,
    ProgrammeStatus,
)
from conversations.wakes import parse

LIVE_MEETING = (MeetingStatus.BOOKED, MeetingStatus.HELD)
COUNTED_STATUSES = frozenset(
    {
        OutboxStatus.PENDING,
        OutboxStatus.CLAIMED,
        OutboxStatus.SENDING,
        OutboxStatus.SENT,
        OutboxStatus.FAILED,
    }
)
_CHUNK = 500
BIG_CHUNK = 5000  # ids/keys per lean read (below SQLite's and PostgreSQL's bind limits)


def chunks(values: Iterable[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def person_view(person: Person) -> PersonView:
    """The planner's view of a person record: the calendar's, with their pause."""
    return dataclasses.replace(calendar_view(person), paused_until=person.paused_until)


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
        _clock_from_start(view)
    else:
        ids: dict[str, set[int]] = defaultdict(set)
        for subject in subjects:
            name, number = parse(subject)
            ids[name].add(number)
        rows: dict[int, tuple[Any, ...]] = {}
        for name, where in (("pair", "id"), ("person", "mentor_id"), ("person", "adept_id")):
            for chunk in chunks(sorted(ids[name]), BIG_CHUNK):
                rows.update((row[0], row) for row in _pair_rows(repo, view, **{where: set(chunk)}))
        _load_pairs(repo, view, [rows[i] for i in sorted(rows)], now, rules, shared)
        _load_people(repo, view, _wanted(view) | ids["person"], shared)  # with the coordinators
        capped = _members(view, ids["pair"]) | ids["person"]
    _clock_from_start(view)
    # The weekly cap counts every nudge a person got in the weeks it looks at, whichever
    # occurrence or subject it came from. Read first: most keys the planner looks at are
    # among these rows, and only the others are then looked up by key.
    since = now - timedelta(days=_CAP_DAYS)
    for chunk in chunks(sorted(capped), BIG_CHUNK):
        for key, person_id, due_at, kind, status in repo.columns(
            OutboxItem,
            ("key", "person_id", "due_at", "kind", "status"),
            person_id=set(chunk),
            due_at=AtLeast(since),
        ):
            view.queued[key] = _queued_value(person_id, due_at, kind, status, since, shared)
    keys = candidate_keys(view, now, rules, config)
    keys.difference_update(view.queued)
    _load_queued(repo, view, keys, now, shared)
    return view


def _clock_from_start(view: PlanView) -> None:
    """No pair's clock runs before its programme's start date: a pair paired earlier (before
    pairs were introduced on the start date) is planned as if introduced then, at the later
    of its members' midnights, so that its deadlines, a stalled phase and its reflection
    prompts count from the start."""
    for index, pair in enumerate(view.pairs):
        programme = view.programmes.get(pair.programme_id)
        if programme is None or programme.starts_on is None:
            continue
        # Every zone's midnight of the start date is before the next UTC day's 14:00.
        latest = datetime.combine(programme.starts_on + timedelta(days=1), time(14), tzinfo=UTC)
        if pair.introduced_at >= latest:
            continue
        members = [view.people.get(m) for m in pair.members]
        start = max(
            (at_local(programme.starts_on, time(0), p.tz) for p in members if p is not None),
            default=None,
        )
        if start is not None and pair.introduced_at < start:
            view.pairs[index] = dataclasses.replace(
                pair, introduced_at=start, phase_since=max(pair.phase_since, start)
            )


def _members(view: PlanView, pair_ids: set[int] | None = None) -> set[int]:
    return {m for p in view.pairs if pair_ids is None or p.id in pair_ids for m in p.members}


def _load_programmes(repo: Repo, view: PlanView) -> None:
    view.programmes.clear()
    for programme in repo.find(Programme, status=ProgrammeStatus.OPEN):
        view.programmes[programme.id or 0] = ProgrammeView(
            programme.id or 0,
            programme.created_by,
            programme.cadence_days,
            programme.status,
            programme.created_at,
            programme.ends_on,
            programme.starts_on,
        )


def _pair_rows(repo: Repo, view: PlanView, **where: Any) -> list[tuple[Any, ...]]:
    """The open pairs of the open programmes (``where``: of some pairs or members). Read by
    ``where`` alone, the programme checked here: with both in the query a database without
    statistics (SQLite) may walk the programme's index, every pair of the programme."""
    if not where:
        where = {"programme_id": set(view.programmes)}
    rows = repo.columns(Pair, _PAIR_COLUMNS, phase=set(OPEN_PHASES), ended_at=None, **where)
    return [row for row in rows if row[1] in view.programmes]


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
    for chunk in chunks(pair_ids, BIG_CHUNK):
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
    for chunk in chunks(goal_pairs, BIG_CHUNK):
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
    for chunk in chunks(recent_ids, BIG_CHUNK):
        for meeting_id, author_id in repo.columns(
            CheckIn, ("meeting_id", "author_id"), meeting_id=set(chunk)
        ):
            view.checked_in.add((meeting_id or 0, author_id))


def _load_people(repo: Repo, view: PlanView, ids: Iterable[int], shared: _Interned) -> None:
    """(Re)read the people ``ids`` into ``view`` (erased or missing ones are left out)."""
    for chunk in chunks(sorted(ids), BIG_CHUNK):
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
        chunk = set(ordered[-BIG_CHUNK:])
        del ordered[-BIG_CHUNK:]
        for key, person_id, due_at, kind, status in repo.columns(
            OutboxItem, ("key", "person_id", "due_at", "kind", "status"), key=chunk
        ):
            view.queued[key] = _queued_value(person_id, due_at, kind, status, since, shared)
