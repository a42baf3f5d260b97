"""How well a mentor fits an adept, and which pairs are ruled out: for one pair (``fit``) and,
vectorised with numpy, for the whole pool at once (``score_table``). Both use ``points``.

The score of a pair is 0–100 points:

* topics, 50 points × the share of the adept's wanted topics that the mentor offers (an adept
  who names no topic gets 0 here, whoever the mentor is);
* working hours in common, 25 points × min(overlap, 6 h) / 6 h: each person's local working
  hours in their own time zone on the reference date, compared in UTC (zoneinfo, so daylight
  saving is whatever it is on that date). Days are taken as repeating: 17:00–01:00 in Los
  Angeles overlaps 09:00–12:00 of the next day in Sydney. Weekends are not considered;
* department diversity, 15 points when they work in different departments (mentoring bridges
  departments);
* languages, 10 points × min(languages in common, 2) / 2: one common language is needed
  (a hard constraint), a second one gives room.

Hard constraints (``Constraint``) rule a pair out whatever its score: no language in common,
the same person on both sides, the mentor is the adept's manager or the adept the mentor's,
either one on the other's do-not-pair list, or the two have been a pair before (``History``,
either role). Capacity is the assignment's constraint (``conversations.matching.assignment``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from conversations.matching.candidates import NO_HISTORY, Candidate, History
from conversations.matching.results import Constraint, Reason
from conversations.records import Role

TOPIC_POINTS = 50.0
OVERLAP_POINTS = 25.0
DEPARTMENT_POINTS = 15.0
LANGUAGE_POINTS = 10.0
MAX_SCORE = TOPIC_POINTS + OVERLAP_POINTS + DEPARTMENT_POINTS + LANGUAGE_POINTS
FULL_OVERLAP_HOURS = 6.0  # this much in common is as good as it gets
FULL_LANGUAGES = 2
REFERENCE_DATE = date(2027, 1, 13)  # a winter Wednesday; callers pass the programme's start
DAY = 24 * 60  # minutes

Floats = NDArray[np.float64]


def points(topic_share: Floats, overlap_hours: Floats, cross: Floats, languages: Floats) -> Floats:
    """The score from its four parts: arrays of them (one pair: 0-d arrays, same arithmetic)."""
    total: Floats = (
        TOPIC_POINTS * topic_share
        + OVERLAP_POINTS * np.minimum(overlap_hours, FULL_OVERLAP_HOURS) / FULL_OVERLAP_HOURS
        + DEPARTMENT_POINTS * cross
        + LANGUAGE_POINTS * np.minimum(languages, FULL_LANGUAGES) / FULL_LANGUAGES
    )
    return total


@lru_cache(maxsize=4096)
def working_minutes(time_zone: str, start: time, end: time, on: date) -> tuple[int, int]:
    """Working hours on ``on`` (local date) as minutes from ``on``'s midnight UTC."""
    zone = ZoneInfo(time_zone)
    midnight = datetime.combine(on, time(0), UTC)
    begins = datetime.combine(on, start, zone)
    ends = datetime.combine(on if end > start else on + timedelta(days=1), end, zone)
    return (begins - midnight) // timedelta(minutes=1), (ends - midnight) // timedelta(minutes=1)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Minutes in common of two daily-repeating working days."""
    total = sum(max(0, min(a[1], b[1] + k * DAY) - max(a[0], b[0] + k * DAY)) for k in (-1, 0, 1))
    return min(total, a[1] - a[0], b[1] - b[0])


def overlap_hours(adept: Candidate, mentor: Candidate, on: date = REFERENCE_DATE) -> float:
    a = working_minutes(adept.time_zone, adept.work_start, adept.work_end, on)
    b = working_minutes(mentor.time_zone, mentor.work_start, mentor.work_end, on)
    return _overlap(a, b) / 60


@dataclass(frozen=True, slots=True)
class Fit:
    """One pair: its score, what it was made of, and the constraints that rule it out."""

    score: float
    reason: Reason
    ruled_out: tuple[Constraint, ...]


def reason(adept: Candidate, mentor: Candidate, on: date = REFERENCE_DATE) -> Reason:
    """What a pair's score is made of."""
    return Reason(
        shared_topics=len(adept.wants & mentor.offers),
        wanted_topics=len(adept.wants),
        shared_languages=tuple(sorted(adept.languages & mentor.languages)),
        overlap_hours=overlap_hours(adept, mentor, on),
        cross_department=adept.department != mentor.department,
    )


def fit(
    adept: Candidate, mentor: Candidate, history: History = NO_HISTORY, on: date = REFERENCE_DATE
) -> Fit:
    """The score and hard constraints of one pair, written plainly (``score_table`` is the
    same for everyone at once; a test holds the two equal)."""
    why = reason(adept, mentor, on)
    share = why.shared_topics / why.wanted_topics if why.wanted_topics else 0.0
    parts = (share, why.overlap_hours, float(why.cross_department), len(why.shared_languages))
    score = float(points(*(np.array(part, dtype=np.float64) for part in parts)))
    checks = {
        Constraint.LANGUAGE: not why.shared_languages,
        Constraint.SAME_PERSON: adept.person_id == mentor.person_id,
        Constraint.MENTOR_MANAGES: adept.manager_id == mentor.person_id,
        Constraint.ADEPT_MANAGES: mentor.manager_id == adept.person_id,
        Constraint.AVOID: adept.person_id in mentor.avoid or mentor.person_id in adept.avoid,
        Constraint.HISTORY: history.met(mentor.person_id, adept.person_id),
    }
    return Fit(score, why, tuple(c for c in Constraint if checks[c]))


@dataclass(frozen=True)
class Table:
    """Everyone against everyone: rows are adepts, columns mentors, both sorted by id."""

    adepts: tuple[Candidate, ...]
    mentors: tuple[Candidate, ...]
    score: NDArray[np.float64]  # adepts × mentors, 0–100
    ruled_out: NDArray[np.int8]  # 0: allowed; else the first Constraint that rules it out

    @property
    def allowed(self) -> NDArray[np.bool_]:
        allowed: NDArray[np.bool_] = self.ruled_out == 0
        return allowed


def _sorted(people: Iterable[Candidate], role: Role) -> tuple[Candidate, ...]:
    ordered = tuple(sorted(people, key=lambda person: person.person_id))
    if any(person.role is not role for person in ordered):
        raise ValueError(f"every {role} must have the role {role}")
    ids = [person.person_id for person in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError(f"a {role} is in the pool twice")
    return ordered


DENSE_WORDS = 1024  # up to this many distinct topics (or languages) the 0/1 matrices are dense


def _incidence(sets: Sequence[frozenset[str]], index: dict[str, int]) -> Any:
    """A 0/1 matrix, one row per set, one column per word of ``index`` (sparse if it is wide)."""
    columns = np.array([index[word] for words in sets for word in words], dtype=np.int64)
    rows = np.repeat(np.arange(len(sets)), [len(words) for words in sets])
    if len(index) <= DENSE_WORDS:
        dense = np.zeros((len(sets), len(index)))
        dense[rows, columns] = 1.0
        return dense
    data = np.ones(columns.size)
    return sparse.csr_matrix((data, (rows, columns)), shape=(len(sets), len(index)))


def _in_common(rows: Sequence[frozenset[str]], columns: Sequence[frozenset[str]]) -> Any:
    """How many words each row's set has in common with each column's set (dense array)."""
    index = {word: i for i, word in enumerate(sorted(set().union(*rows, *columns)))}
    product = _incidence(rows, index) @ _incidence(columns, index).T
    return product if isinstance(product, np.ndarray) else product.toarray()


def _hours(people: Sequence[Candidate], on: date) -> NDArray[np.int64]:
    spans = [working_minutes(p.time_zone, p.work_start, p.work_end, on) for p in people]
    return np.array(spans, dtype=np.int64).reshape(len(people), 2)


def _overlap_hours(adepts: Sequence[Candidate], mentors: Sequence[Candidate], on: date) -> Any:
    """Hours in common, computed once per distinct pair of working days (most people share a
    few time zones and hours) and then spread to everyone."""
    a_spans, a_of = np.unique(_hours(adepts, on), axis=0, return_inverse=True)
    m_spans, m_of = np.unique(_hours(mentors, on), axis=0, return_inverse=True)
    a_start, a_end = a_spans[:, 0, None], a_spans[:, 1, None]
    total = np.zeros((len(a_spans), len(m_spans)), dtype=np.int64)
    for k in (-1, 0, 1):
        m_start, m_end = m_spans[None, :, 0] + k * DAY, m_spans[None, :, 1] + k * DAY
        total += np.maximum(0, np.minimum(a_end, m_end) - np.maximum(a_start, m_start))
    longest = np.minimum(a_end - a_start, (m_spans[:, 1] - m_spans[:, 0])[None, :])
    hours = np.minimum(total, longest) / 60
    return hours[np.ix_(a_of.ravel(), m_of.ravel())]


def _rule_out(
    adepts: Sequence[Candidate],
    mentors: Sequence[Candidate],
    history: History,
    languages: NDArray[np.float64],
) -> NDArray[np.int8]:
    a_ids = np.array([p.person_id for p in adepts], dtype=np.int64)[:, None]
    m_ids = np.array([p.person_id for p in mentors], dtype=np.int64)[None, :]
    a_boss = np.array([p.manager_id is not None for p in adepts])[:, None]
    a_boss_id = np.array([p.manager_id or 0 for p in adepts], dtype=np.int64)[:, None]
    m_boss = np.array([p.manager_id is not None for p in mentors])[None, :]
    m_boss_id = np.array([p.manager_id or 0 for p in mentors], dtype=np.int64)[None, :]
    row = {p.person_id: i for i, p in enumerate(adepts)}
    column = {p.person_id: j for j, p in enumerate(mentors)}
    avoid = np.zeros((len(adepts), len(mentors)), dtype=np.bool_)
    for i, adept in enumerate(adepts):
        avoid[i, [column[x] for x in adept.avoid if x in column]] = True
    for j, mentor in enumerate(mentors):
        avoid[[row[x] for x in mentor.avoid if x in row], j] = True
    met = np.zeros_like(avoid)
    for first, second in history.pairs:
        for adept_id, mentor_id in ((second, first), (first, second)):
            if adept_id in row and mentor_id in column:
                met[row[adept_id], column[mentor_id]] = True
    rules = {
        Constraint.LANGUAGE: languages == 0,
        Constraint.SAME_PERSON: a_ids == m_ids,
        Constraint.MENTOR_MANAGES: a_boss & (a_boss_id == m_ids),
        Constraint.ADEPT_MANAGES: m_boss & (m_boss_id == a_ids),
        Constraint.AVOID: avoid,
        Constraint.HISTORY: met,
    }
    ruled_out = np.zeros((len(adepts), len(mentors)), dtype=np.int8)
    for constraint in reversed(Constraint):  # the first in order is written last and wins
        ruled_out[np.broadcast_to(rules[constraint], ruled_out.shape)] = constraint
    return ruled_out


def score_table(
    adepts: Iterable[Candidate],
    mentors: Iterable[Candidate],
    history: History = NO_HISTORY,
    on: date = REFERENCE_DATE,
) -> Table:
    """The score and the ruling-out constraint of every adept–mentor pair, vectorised."""
    rows, columns = _sorted(adepts, Role.ADEPT), _sorted(mentors, Role.MENTOR)
    shape = (len(rows), len(columns))
    if not rows or not columns:
        return Table(rows, columns, np.zeros(shape), np.zeros(shape, dtype=np.int8))
    topics = _in_common([p.wants for p in rows], [p.offers for p in columns])
    wanted = np.array([len(p.wants) for p in rows], dtype=np.float64)[:, None]
    share = np.divide(topics, wanted, out=np.zeros(shape), where=wanted > 0)
    languages = _in_common([p.languages for p in rows], [p.languages for p in columns])
    departments = {name: i for i, name in enumerate({p.department for p in (*rows, *columns)})}
    cross = (
        np.array([departments[p.department] for p in rows])[:, None]
        != np.array([departments[p.department] for p in columns])[None, :]
    ).astype(np.float64)
    hours = _overlap_hours(rows, columns, on)
    score = points(share, hours, cross, languages)
    return Table(rows, columns, score, _rule_out(rows, columns, history, languages))
