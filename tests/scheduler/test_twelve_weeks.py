"""A 12-week programme, 50 pairs in three time zones, on a fast-forward clock.

Stockholm crosses the end of summer time (25 Oct 2026), New York a week later (1 Nov); Japan
has no daylight-saving time. Public holidays in the period: Sweden's Christmas Day (Fri 25 Dec),
the US's Veterans Day, Thanksgiving and Christmas, Japan's Sports Day, Culture Day (a meeting
day) and Labour Thanksgiving Day. The expected calendar below is computed independently of the
planner from the rules: local wall time, moved to the start of the next working day when it
falls on a weekend, a public holiday or outside 08:00-17:00.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from conversations.config import CoreConfig
from conversations.memory import InMemoryStore, ManualClock
from conversations.planner import CAPPED_KINDS, PlanRules, load_view, next_due, plan_all
from conversations.records import CheckIn, OutboxItem, Person, Phase
from scheduler.dispatcher import DeliveryLimits, Dispatcher
from scheduler.runner import Scheduler
from tests.scheduler.world import (
    COUNTRY,
    ClockSleeper,
    FakePlatform,
    add_meeting,
    add_pair,
    add_person,
    add_programme,
    utc,
)

ZONES = ("Europe/Stockholm", "America/New_York", "Asia/Tokyo")
START = utc(2026, 10, 4, 12)  # the clock starts on Sunday
INTRODUCED = utc(2026, 10, 5)
END = utc(2026, 12, 29)
MEETING_DAYS = [date(2026, 10, 6) + timedelta(days=14 * k) for k in range(6)]  # Tuesdays
MIDPOINT = date(2026, 11, 16)
CLOSING = date(2026, 12, 22)
CONFIG = CoreConfig()
RULES = PlanRules()


@cache
def public_holidays(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=[2026, 2027])


def moved(local: datetime, country: str) -> datetime:
    """The rule, written out: working days 08:00-17:00 without public holidays."""
    days = public_holidays(country)
    while True:
        day = local.date()
        if day.weekday() >= 5 or day in days or local.time() >= time(17):
            local = datetime.combine(day + timedelta(days=1), time(8))
            continue
        if local.time() < time(8):
            local = datetime.combine(day, time(8))
        return local


def at(tz: str, local: datetime) -> datetime:
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


def build(store: InMemoryStore) -> tuple[dict[str, datetime], dict[str, str]]:
    """The world, and what it should receive: key -> expected UTC due time, key -> zone."""
    expected: dict[str, datetime] = {}
    zone_of: dict[str, str] = {}

    def expect(key: str, tz: str, local: datetime) -> None:
        when = at(tz, moved(local, COUNTRY[tz]))
        if when < END:
            expected[key] = when
            zone_of[key] = tz

    with store.transaction() as repo:
        kim = add_person(repo, "kim", is_coordinator=True)
        programme = add_programme(
            repo, kim, date(2026, 10, 5), CLOSING, created_at=utc(2026, 10, 1)
        )
        people = []
        for i in range(100):
            tz = ZONES[(i // 2) % 3]
            reflection_time = time(7, 30) if i % 7 == 0 else time(14)
            person = add_person(
                repo, f"p{i}", tz=tz, reflection_weekday=i % 5, reflection_time=reflection_time
            )
            people.append(person)
            monday = date(2026, 10, 5)
            while monday < END.date():
                day = monday + timedelta(days=i % 5)
                if at(tz, datetime.combine(day, reflection_time)) < INTRODUCED:
                    monday += timedelta(days=7)
                    continue  # before the pair existed
                expect(
                    f"reflection:{person.id}:{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}",
                    tz,
                    datetime.combine(day, reflection_time),
                )
                monday += timedelta(days=7)
        monday = date(2026, 10, 5)
        while monday < END.date():
            expect(
                f"digest:{programme.id}:{kim.id}:{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}",
                "Europe/Stockholm",
                datetime.combine(monday, time(8)),
            )
            monday += timedelta(days=7)
        for n in range(50):
            mentor, adept = people[2 * n], people[2 * n + 1]
            tz = ZONES[n % 3]
            kind = "intro" if n >= 45 else "silent" if n >= 40 else "active"
            pair = add_pair(
                repo,
                programme,
                mentor,
                adept,
                INTRODUCED,
                phase=Phase.INTRO if kind == "intro" else Phase.ACTIVE,
                midpoint_on=MIDPOINT,
                ends_on=CLOSING,
            )
            for member in (mentor, adept):
                expect(f"midpoint:{pair.id}:{member.id}", tz, datetime.combine(MIDPOINT, time(0)))
                # Counted from the programme's start on the member's calendar (5 October).
                introduced_on = max(INTRODUCED.astimezone(ZoneInfo(tz)).date(), date(2026, 10, 5))
                for round_, days in ((1, 30), (2, 90)):  # the relationship pulse
                    pulse_on = introduced_on + timedelta(days=days)
                    expect(
                        f"pulse:{pair.id}:{round_}:{member.id}",
                        tz,
                        datetime.combine(pulse_on, time(0)),
                    )
                expect(
                    f"closing:{pair.id}:{member.id}",
                    tz,
                    datetime.combine(CLOSING - timedelta(days=7), time(0)),
                )
            if kind == "intro":
                for deadline, days in (("intro", 10), ("intro-stuck", 21)):
                    nominal = (
                        (INTRODUCED + timedelta(days=days))
                        .astimezone(ZoneInfo(tz))
                        .replace(tzinfo=None)
                    )
                    for member in (mentor, adept):
                        expect(f"phase:{pair.id}:{deadline}:{member.id}", tz, nominal)
                    later = (
                        (INTRODUCED + timedelta(days=days + 3))
                        .astimezone(ZoneInfo("Europe/Stockholm"))
                        .replace(tzinfo=None)
                    )
                    expect(
                        f"phase-coordinator:{pair.id}:{deadline}:{kim.id}",
                        "Europe/Stockholm",
                        later,
                    )
                continue
            for k, day in enumerate(MEETING_DAYS[: 1 if kind == "silent" else 6]):
                starts = at(tz, datetime.combine(day, time(10)))
                meeting = add_meeting(repo, pair, starts, utc(2026, 10, 1))
                for member in (mentor, adept):
                    expect(
                        f"meeting-reminder:{meeting.id}:{member.id}",
                        tz,
                        datetime.combine(day - timedelta(days=1), time(10)),
                    )
                    if n == 0 and k == 0 and member is mentor:
                        # Checked in already: the prompt is no longer relevant.
                        repo.add(
                            CheckIn(
                                pair_id=pair.id or 0,
                                meeting_id=meeting.id,
                                author_id=mentor.id or 0,
                                met=True,
                                created_at=utc(2026, 10, 1),
                            )
                        )
                    else:
                        expect(
                            f"checkin:{meeting.id}:{member.id}", tz, datetime.combine(day, time(11))
                        )
                expect(
                    f"preparation:{meeting.id}:{adept.id}",
                    tz,
                    datetime.combine(day - timedelta(days=2), time(10)),
                )
                if kind == "silent":
                    overdue = (
                        (starts + timedelta(days=14 + 3))
                        .astimezone(ZoneInfo(tz))
                        .replace(tzinfo=None)
                    )
                    for member in (mentor, adept):
                        expect(f"overdue:{pair.id}:1:{member.id}", tz, overdue)
    return expected, zone_of


async def test_twelve_weeks_fifty_pairs_three_time_zones() -> None:
    store = InMemoryStore()
    expected, zone_of = build(store)
    clock = ManualClock(START)
    platform = FakePlatform(clock)
    dispatcher = Dispatcher(
        store,
        platform,
        clock,
        DeliveryLimits(global_per_second=1000, per_conversation_seconds=1.0),
        store=store,
        sleep=ClockSleeper(clock),
    )
    scheduler = Scheduler(store, dispatcher, clock, RULES, CONFIG, plan_in_thread=False)
    ticks = 0
    while clock.now() < END:
        await scheduler.tick()
        ticks += 1
        with store.transaction() as repo:
            view = load_view(repo, clock.now(), RULES, CONFIG)
        upcoming = next_due(view, clock.now(), RULES, CONFIG, limit=1)
        # Wake at the next due time (a real scheduler wakes every minute; this skips the idle ones).
        if upcoming and upcoming[0].due_at > clock.now():
            clock.set(min(upcoming[0].due_at, END))
        else:
            clock.advance(timedelta(hours=1))

    rows = {}
    with store.transaction() as repo:
        rows = {o.key: o for o in repo.find(OutboxItem)}
    sent = Counter(platform.keys())
    assert not [k for k, n in sent.items() if n > 1], "a nudge was sent twice"
    missing = sorted(set(expected) - set(sent))
    extra = sorted(set(sent) - set(expected))
    assert not missing, f"not sent: {missing[:10]}"
    assert not extra, f"not expected: {extra[:10]}"
    for key, when in expected.items():
        assert rows[key].due_at == when, (
            key,
            rows[key].due_at.astimezone(ZoneInfo(zone_of[key])),
            when.astimezone(ZoneInfo(zone_of[key])),
        )
        assert rows[key].status == "sent"
        assert rows[key].sent_at is not None and timedelta(0) <= rows[
            key
        ].sent_at - when < timedelta(minutes=1)
    assert not [o for o in rows.values() if o.status == "skipped" and o.error != "not relevant"]

    # Spot checks, in local wall time.
    def local_of(prefix: str, tz: str) -> set[tuple[int, ...]]:
        return {
            tuple(rows[k].due_at.astimezone(ZoneInfo(tz)).timetuple()[:5])
            for k in expected
            if k.startswith(prefix)
        }

    kinds = Counter(rows[k].kind for k in expected)
    per_person = Counter(rows[k].person_id for k in expected if k.startswith("reflection:"))
    assert len(per_person) == 100 and min(per_person.values()) >= 12
    assert kinds["meeting-reminder"] == 2 * (40 * 6 + 5)
    assert kinds["preparation-prompt"] == 40 * 6 + 5
    assert kinds["checkin-prompt"] == 2 * (40 * 6 + 5) - 1
    assert kinds["coordinator-digest"] == 13
    # Stockholm, Friday reflection on Christmas Day: Monday 28 December 08:00.
    with store.transaction() as repo:
        fridays = [
            p.id
            for p in repo.find(
                Person, timezone="Europe/Stockholm", reflection_weekday=4, is_coordinator=False
            )
        ]
    assert fridays
    for person_id in fridays:
        assert rows[f"reflection:{person_id}:2026-W52"].due_at == at(
            "Europe/Stockholm", datetime.combine(date(2026, 12, 28), time(8))
        )
    # Reminders are at 10:00 local before and after each DST change.
    for tz in ZONES:
        reminders = [k for k in expected if k.startswith("meeting-reminder") and zone_of[k] == tz]
        assert {rows[k].due_at.astimezone(ZoneInfo(tz)).time() for k in reminders} == {time(10)}
    # Stockholm: 10:00 was 08:00 UTC in October and 09:00 UTC in November.
    sthlm = {
        rows[k].due_at.hour
        for k in expected
        if k.startswith("meeting-reminder") and zone_of[k] == "Europe/Stockholm"
    }
    assert sthlm == {8, 9}
    # Tokyo's meeting on Culture Day (Tue 3 Nov): the check-in prompt waits for Wednesday 08:00.
    tokyo_checkins = local_of("checkin:", "Asia/Tokyo")
    assert (2026, 11, 4, 8, 0) in tokyo_checkins
    assert (2026, 11, 3, 11, 0) not in tokyo_checkins
    assert ticks < 2000


def test_nothing_falls_due_before_the_plans_next_at() -> None:
    """``Plan.next_at`` (what lets a cached scheduler skip quiet ticks) is never late: planning
    every 20 minutes for five weeks, nothing is due at a time before the previous plan's
    ``next_at`` (with what was due written to the view's queued keys in between)."""
    store = InMemoryStore()
    build(store)
    with store.transaction() as repo:
        view = load_view(repo, START, RULES, CONFIG)
    now, wake, woken = START, None, 0
    while now < START + timedelta(weeks=5):
        outcome = plan_all(view, now, RULES, CONFIG)
        found = outcome.due + outcome.stale + outcome.capped
        if wake is not None and now < wake:
            assert not found, (now, wake, [n.key for n in found[:3]])
        woken += bool(found)
        for nudge in found:
            view.queued[nudge.key] = (nudge.person_id, nudge.due_at, nudge.kind in CAPPED_KINDS)
        wake = outcome.next_at
        assert wake is not None and wake > now
        now += timedelta(minutes=20)
    assert woken > 50
