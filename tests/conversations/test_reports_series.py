"""The weekly series behind the chart: pairs per phase at each week's end and meetings per
week, computed from the records alone (no matplotlib)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from conversations.records import Meeting, MeetingStatus, Pair, Phase, Programme, Purpose
from conversations.reports.facts import PairFacts, ProgrammeFacts
from conversations.reports.series import weekly_series
from tests.conversations.reporting import STOCKHOLM, Built

MONDAYS = tuple(date(2027, 1, 11) + timedelta(weeks=i) for i in range(12))


def test_pairs_move_through_the_phases_week_by_week(reported: Built) -> None:
    series = weekly_series(reported.facts, STOCKHOLM)
    assert series.weeks == MONDAYS  # to the programme's last week, not to today (12 April)
    phases = {phase: counts for phase, counts in series.phases.items() if any(counts)}
    assert phases == {
        Phase.INTRO: (2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        Phase.GOALS: (1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        Phase.AGREEMENT: (0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        Phase.ACTIVE: (0, 0, 2, 3, 3, 3, 3, 3, 3, 3, 2, 0),
        Phase.CLOSING: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0),
        Phase.COMPLETED: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2),
        Phase.ENDED_EARLY: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
    }
    assert all(sum(week) == 3 for week in zip(*series.phases.values(), strict=True))


def test_meetings_held_and_missed_land_in_the_week_they_were_for(reported: Built) -> None:
    series = weekly_series(reported.facts, STOCKHOLM)
    assert series.held == (1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0)
    assert series.missed == (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


# The same, from records made by hand ---------------------------------------------------------

START = datetime(2027, 1, 11, 7, 0, tzinfo=UTC)


def programme() -> Programme:
    return Programme(
        id=1,
        name="P",
        purposes=[Purpose.RETENTION],
        starts_on=date(2027, 1, 11),
        ends_on=date(2027, 4, 4),
        created_by=1,
        created_at=START,
    )


def pair(history: tuple[tuple[datetime, Phase], ...], *meetings: Meeting) -> PairFacts:
    at, phase = history[-1]
    record = Pair(
        id=1,
        programme_id=1,
        mentor_id=1,
        adept_id=2,
        phase=phase,
        phase_since=at,
        introduced_at=history[0][0],
        midpoint_on=date(2027, 2, 22),
        ends_on=date(2027, 4, 4),
    )
    return PairFacts(record, meetings, (), None, history)


def meeting(starts_at: datetime, status: MeetingStatus) -> Meeting:
    return Meeting(pair_id=1, starts_at=starts_at, status=status, booked_by=2, created_at=START)


def facts(now: datetime, *pairs: PairFacts) -> ProgrammeFacts:
    return ProgrammeFacts(programme(), now, {}, (), pairs, (), 0)


def test_a_running_programme_shows_the_weeks_so_far_and_this_week_as_of_now() -> None:
    now = datetime(2027, 1, 27, 12, 0, tzinfo=UTC)  # Wednesday of the third week
    history = (
        (START, Phase.INTRO),
        (datetime(2027, 1, 20, 9, tzinfo=UTC), Phase.GOALS),
        (datetime(2027, 1, 29, 9, tzinfo=UTC), Phase.AGREEMENT),  # recorded, yet to come
    )
    series = weekly_series(facts(now, pair(history[:2])), STOCKHOLM)
    assert series.weeks == MONDAYS[:3]
    assert series.phases[Phase.INTRO] == (1, 0, 0)
    assert series.phases[Phase.GOALS] == (0, 1, 1)
    later = weekly_series(facts(now, pair(history)), STOCKHOLM)
    assert later.phases[Phase.AGREEMENT] == (0, 0, 0)  # not at "now", Wednesday


def test_weeks_follow_the_coordinators_calendar_not_utc() -> None:
    # Sunday 17 January 23:30 UTC is already Monday 18 January in Stockholm.
    late_sunday_utc = datetime(2027, 1, 17, 23, 30, tzinfo=UTC)
    sunday_evening = datetime(2027, 1, 17, 21, 0, tzinfo=UTC)
    now = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    series = weekly_series(
        facts(
            now,
            pair(
                ((START, Phase.ACTIVE),),
                meeting(late_sunday_utc, MeetingStatus.HELD),
                meeting(sunday_evening, MeetingStatus.MISSED),
                meeting(sunday_evening, MeetingStatus.CANCELLED),
            ),
        ),
        STOCKHOLM,
    )
    assert series.held[:2] == (0, 1)
    assert series.missed[:2] == (1, 0)


def test_a_programme_with_no_pairs_yet_has_one_empty_week() -> None:
    series = weekly_series(facts(START - timedelta(days=30)), STOCKHOLM)
    assert series.weeks == MONDAYS[:1]
    assert all(counts == (0,) for counts in series.phases.values())
    assert (series.held, series.missed) == ((0,), (0,))
