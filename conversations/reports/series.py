"""The report's weekly series, a pure function of the programme's facts: for each week (Monday
to Sunday on the coordinator's calendar) how many pairs were in each phase at its end, and how
many meetings were held and missed in it. The chart draws these; tests read them directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from conversations.records import MeetingStatus, Phase
from conversations.reports.facts import ProgrammeFacts

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Series:
    weeks: tuple[date, ...]  # the Monday each week starts on, oldest first
    phases: dict[Phase, tuple[int, ...]]  # pairs in each phase at each week's end (or now)
    held: tuple[int, ...]  # meetings held in each week (by when they were to start)
    missed: tuple[int, ...]  # meetings that did not take place


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_series(facts: ProgrammeFacts, tz: tzinfo) -> Series:
    """From the week the programme (or its first pair) started to the current week, or to the
    week its last pair ended once the programme is over."""
    weeks = _weeks(facts, tz)
    phases: dict[Phase, list[int]] = {phase: [0] * len(weeks) for phase in Phase}
    held = [0] * len(weeks)
    missed = [0] * len(weeks)
    index = {monday: i for i, monday in enumerate(weeks)}
    for i, monday in enumerate(weeks):
        end = datetime.combine(monday + WEEK, time(), tz)
        moment = min(end, facts.now)
        for pair in facts.pairs:
            phase = pair.phase_at(moment)
            if phase is not None:
                phases[phase][i] += 1
    for pair in facts.pairs:
        for meeting in pair.meetings:
            i_week = index.get(monday_of(meeting.starts_at.astimezone(tz).date()))
            if i_week is None:
                continue
            if meeting.status == MeetingStatus.HELD:
                held[i_week] += 1
            elif meeting.status == MeetingStatus.MISSED:
                missed[i_week] += 1
    return Series(
        weeks=weeks,
        phases={phase: tuple(counts) for phase, counts in phases.items()},
        held=tuple(held),
        missed=tuple(missed),
    )


def _weeks(facts: ProgrammeFacts, tz: tzinfo) -> tuple[date, ...]:
    programme = facts.programme
    today = facts.now.astimezone(tz).date()
    introduced = [p.pair.introduced_at.astimezone(tz).date() for p in facts.pairs]
    first = monday_of(min([programme.starts_on, *introduced]))
    # What happened after the programme's last day (a late closing review, a meeting) still
    # shows, but never weeks that have not come yet.
    happened = [at.astimezone(tz).date() for p in facts.pairs for at, _ in p.history]
    happened += [m.starts_at.astimezone(tz).date() for p in facts.pairs for m in p.meetings]
    last = monday_of(min(today, max([programme.ends_on, *happened])))
    count = max(1, (last - first).days // 7 + 1)
    return tuple(first + i * WEEK for i in range(count))
