"""The report's table: one row per person in each of their pairs in the programme (a mentor
with two adepts has two rows; someone enrolled and never paired has one, with the pair's
columns empty), and the CSV a coordinator opens in a spreadsheet.

A pair's columns (phase, dates, meetings, goals, agreement, outcome) repeat on both members'
rows: count pairs by their number, not by rows. Goal self-ratings are the adept's, per goal
the first and the last one given (the same when there was one), and their averages. No text
anyone wrote is in a row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from statistics import fmean

from babel.numbers import format_decimal, get_decimal_symbol

from conversations.i18n import Texts
from conversations.meeting_counts import MeetingCounts, count_meetings
from conversations.records import Phase, Role
from conversations.reports.facts import PairFacts, ProgrammeFacts

GOAL_COLUMNS = 3  # goals a pair may set (flows/goals.py, MAX_GOALS)
ROLE_ORDER = {Role.MENTOR: 0, Role.ADEPT: 1}


@dataclass(frozen=True)
class GoalRatings:
    first: int | None
    last: int | None


@dataclass(frozen=True)
class ReportRow:
    person_id: int
    name: str
    role: Role
    pair_id: int | None = None
    partner: str = ""
    phase: Phase | None = None
    paired_on: date | None = None
    ended_on: date | None = None
    meetings: MeetingCounts = field(default_factory=MeetingCounts)
    goals: int = 0
    goals_rated: int = 0
    first_average: float | None = None
    last_average: float | None = None
    goal_ratings: tuple[GoalRatings, ...] = ()  # by goal position, 1..3
    goals_achieved: int = 0
    agreement_accepted_on: date | None = None
    outcome: str | None = None  # "completed" or "ended-early" once the pair has ended


def report_rows(facts: ProgrammeFacts, tz: tzinfo) -> list[ReportRow]:
    """The rows, pair by pair (mentor first), then those never paired; dates on ``tz``'s
    calendar (the coordinator's)."""
    rows: list[ReportRow] = []
    paired: set[int] = set()
    for pair in facts.pairs:
        for person_id in pair.pair.member_ids():
            paired.add(person_id)
            rows.append(_pair_row(facts, pair, person_id, tz))
    for member in facts.members:
        if member.person_id not in paired:
            paired.add(member.person_id)
            rows.append(
                ReportRow(member.person_id, facts.names.get(member.person_id, ""), member.role)
            )
    return rows


def _pair_row(
    facts: ProgrammeFacts, facts_of_pair: PairFacts, person_id: int, tz: tzinfo
) -> ReportRow:
    pair = facts_of_pair.pair
    rated = [g.ratings for g in facts_of_pair.goals if g.ratings]
    by_position = {g.position: g.ratings for g in facts_of_pair.goals}
    return ReportRow(
        person_id=person_id,
        name=facts.names.get(person_id, ""),
        role=pair.role_of(person_id) or Role.ADEPT,
        pair_id=pair.id,
        partner=facts.names.get(pair.partner_of(person_id), ""),
        phase=pair.phase,
        paired_on=_day(pair.introduced_at, tz),
        ended_on=_day(pair.ended_at, tz),
        meetings=count_meetings(facts_of_pair.meetings, facts.now),
        goals=len(facts_of_pair.goals),
        goals_rated=len(rated),
        first_average=fmean(r[0] for r in rated) if rated else None,
        last_average=fmean(r[-1] for r in rated) if rated else None,
        goal_ratings=tuple(
            GoalRatings(*_first_last(by_position.get(n, ()))) for n in range(1, GOAL_COLUMNS + 1)
        ),
        goals_achieved=sum(g.status == "achieved" for g in facts_of_pair.goals),
        agreement_accepted_on=_day(facts_of_pair.agreement_accepted_at, tz),
        outcome=pair.end_reason if pair.ended_at is not None else None,
    )


def _first_last(ratings: tuple[int, ...]) -> tuple[int | None, int | None]:
    return (ratings[0], ratings[-1]) if ratings else (None, None)


def _day(moment: datetime | None, tz: tzinfo) -> date | None:
    return moment.astimezone(tz).date() if moment is not None else None


# The CSV ----------------------------------------------------------------------------------


def headers(language: str) -> list[str]:
    t = Texts(language)
    names = [
        t("report.col.person"),
        t("report.col.name"),
        t("report.col.role"),
        t("report.col.pair"),
        t("report.col.partner"),
        t("report.col.phase"),
        t("report.col.paired_on"),
        t("report.col.ended_on"),
        t("report.col.held"),
        t("report.col.missed"),
        t("report.col.unconfirmed"),
        t("report.col.goals"),
        t("report.col.goals_rated"),
        t("report.col.first_average"),
        t("report.col.last_average"),
    ]
    for n in range(1, GOAL_COLUMNS + 1):
        names += [t("report.col.goal_first", n=n), t("report.col.goal_last", n=n)]
    names += [
        t("report.col.achieved"),
        t("report.col.agreement"),
        t("report.col.outcome"),
    ]
    return names


def csv_bytes(rows: list[ReportRow], language: str) -> bytes:
    """The rows as CSV in the coordinator's language: headers, roles, phases and outcomes in
    words; dates as ISO 8601 (what spreadsheets read as dates in both languages); averages
    with the language's decimal sign. Where the decimal sign is a comma (Swedish), fields are
    separated by semicolons, as a spreadsheet set to that language expects."""
    t = Texts(language)
    decimal_comma = get_decimal_symbol(t.lang) == ","
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if decimal_comma else ",", lineterminator="\r\n")
    writer.writerow(headers(language))
    for row in rows:
        writer.writerow([_cell(value) for value in _values(row, t)])
    # UTF-8 with a byte-order mark: without it Excel reads the file as the system's legacy
    # code page and Swedish letters (å, ä, ö) come out garbled.
    return out.getvalue().encode("utf-8-sig")


def _values(row: ReportRow, t: Texts) -> list[object]:
    values: list[object] = [
        row.person_id,
        row.name,
        t("role." + row.role),
        row.pair_id,
        row.partner,
        t("phase." + row.phase) if row.phase else None,
        row.paired_on,
        row.ended_on,
    ]
    if row.pair_id is not None:
        values += [row.meetings.held, row.meetings.missed, row.meetings.unconfirmed]
        values += [row.goals, row.goals_rated]
    else:
        values += [None] * 5
    values += [_decimal(row.first_average, t), _decimal(row.last_average, t)]
    ratings = row.goal_ratings or (GoalRatings(None, None),) * GOAL_COLUMNS
    for goal in ratings:
        values += [goal.first, goal.last]
    values += [
        row.goals_achieved if row.pair_id is not None else None,
        row.agreement_accepted_on,
        t("end.reason." + row.outcome) if row.outcome else None,
    ]
    return values


def _decimal(value: float | None, t: Texts) -> str | None:
    return None if value is None else str(format_decimal(value, format="0.0#", locale=t.lang))


def _cell(value: object) -> str:
    """One field. A text a spreadsheet would take for a formula (a display name starting with
    ``=``, ``+``, ``-``, ``@``) is prefixed with an apostrophe, so it stays text."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
