"""The calendar: public holidays, time zones, working hours, pauses and allowed times.

Every nudge is moved by it: the next (or last) allowed time for a person, and the first time
both members of a pair are allowed. Cached, since each tick asks what the one before asked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from conversations.planner.views import PersonView
from conversations.records import Person

log = logging.getLogger("mentorbot.program")  # the logger's name from before the split


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


def paused(day: date, first: date | None, second: date | None = None) -> bool:
    return (first is not None and day <= first) or (second is not None and day <= second)


def allowed_day(person: PersonView, day: date, pair_pause: date | None = None) -> bool:
    return (
        day.weekday() in person.work_days
        and not paused(day, person.paused_until, pair_pause)
        and day not in public_holidays(person.country, day.year)
    )


def is_allowed(person: PersonView, moment: datetime, pair_pause: date | None = None) -> bool:
    local = moment.astimezone(person.tz)
    return (
        allowed_day(person, local.date(), pair_pause)
        and person.work_start <= local.time() < person.work_end
    )


def calendar_of(person: PersonView) -> tuple[object, ...]:
    """What the allowed times of ``person`` depend on: people who share it (most do: a
    handful of zones, working hours and countries) share the cached answers below."""
    return (
        person.tz,
        person.country,
        person.work_start,
        person.work_end,
        person.work_days,
        person.paused_until,
    )


_NEXT: dict[tuple[object, ...], datetime | None] = {}


def remembered(
    cache: dict[tuple[object, ...], datetime | None],
    key: tuple[object, ...],
    limit: int,
    compute: Callable[[], datetime | None],
) -> datetime | None:
    """``cache[key]``, computed once; the cache is emptied when it grows past ``limit``."""
    try:
        return cache[key]
    except KeyError:
        pass
    if len(cache) > limit:
        cache.clear()
    found = cache[key] = compute()
    return found


def next_allowed(
    person: PersonView, moment: datetime, pair_pause: date | None = None, max_days: int = 62
) -> datetime | None:
    """The first instant at or after ``moment`` inside the person's working hours on an
    allowed day (working day, no public holiday, not paused). None if none within max_days
    (counted from the end of a pause ``moment`` falls into: a long pause defers, never drops).
    Cached per calendar (``calendar_of``): each tick asks the same as the one before."""
    cache_key = (calendar_of(person), moment, pair_pause, max_days)
    return remembered(
        _NEXT, cache_key, 1_000_000, lambda: _next_allowed(person, moment, pair_pause, max_days)
    )


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


def person_view(person: Person) -> PersonView:
    """The calendar's view of a person record (their pause left out)."""
    return PersonView(
        id=person.id or 0,
        tz=zone(person.timezone),
        country=person.country,
        reflection_weekday=person.reflection_weekday,
        reflection_time=person.reflection_time,
        work_start=person.work_start,
        work_end=person.work_end,
        work_days=frozenset(person.work_days),
    )


def allowed_from(person: Person, moment: datetime) -> datetime:
    """When a message someone else caused may reach ``person``: ``moment`` if it is inside
    their working hours on one of their working days that is no public holiday of their
    country, else the start of their next such time. Their pause does not hold it (a notice
    about their pair still reaches them); with no allowed time at all, ``moment``."""
    return next_allowed(person_view(person), moment) or moment


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
