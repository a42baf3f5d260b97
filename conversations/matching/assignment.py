"""``match``: proposals for the whole pool at once, optimally.

The problem is an assignment: each adept gets at most one mentor, each mentor at most
``capacity`` adepts, and no pair that a hard constraint rules out. Each mentor becomes
``capacity`` identical columns of the score table (fewer when fewer adepts could take them),
and scipy's ``linear_sum_assignment`` (a shortest-augmenting-path solver) picks the assignment
of largest total gain. A pair that is ruled out gains nothing, so it is never preferred to
leaving both people unmatched, and is dropped if the solver fills a row with it.

What is maximised: **the number of pairs first, then the total score**. Every allowed pair
gains a constant ``bonus`` larger than any total score (100 points × the most pairs there can
be, plus one), so one more pair always wins over any gain in score: nobody is left out to
give others a better fit. Among assignments with as many pairs, the total score is the
largest there is.

Deterministic: people are sorted by id before the table is built and the solver is
deterministic, so the same pool gives the same proposals in whatever order it is given; ties
between equally good assignments go to whichever the solver reaches first over the id-sorted
table. A person left unmatched is listed with why (``WhyKind``): since the number of pairs is
maximal, an adept who could have had a mentor is unmatched only because each such mentor is
full, and a mentor only because each adept they could take has another mentor.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from conversations.matching.candidates import NO_HISTORY, Candidate, History
from conversations.matching.results import Constraint, Proposal, Result, Unmatched, WhyKind
from conversations.matching.scoring import MAX_SCORE, REFERENCE_DATE, Table, reason, score_table
from conversations.records import Role


def assign(table: Table) -> list[tuple[int, int]]:
    """The optimal (row, column) pairs of ``table``: most pairs, then highest total score."""
    allowed = table.allowed
    rows = np.flatnonzero(allowed.any(axis=1))
    columns = np.flatnonzero(allowed.any(axis=0))
    if rows.size == 0:
        return []
    sub = allowed[np.ix_(rows, columns)]
    capacity = np.array([table.mentors[j].capacity for j in columns], dtype=np.int64)
    places = np.minimum(capacity, sub.sum(axis=0))  # no more places than adepts who could come
    bonus = MAX_SCORE * (min(rows.size, int(places.sum())) + 1)
    gain = np.where(sub, table.score[np.ix_(rows, columns)] + bonus, 0.0)
    slots = np.repeat(np.arange(columns.size), places)
    chosen_rows, chosen_slots = linear_sum_assignment(gain[:, slots], maximize=True)
    picked: NDArray[np.int64] = slots[chosen_slots]
    keep = sub[chosen_rows, picked]
    return sorted(
        zip(rows[chosen_rows[keep]].tolist(), columns[picked[keep]].tolist(), strict=True)
    )


def _why(
    person: Candidate, ruled_out: NDArray[np.int8], role: Role
) -> Unmatched:  # ruled_out: this person against everyone on the other side
    if ruled_out.size == 0:
        return Unmatched(person.person_id, role, WhyKind.NOBODY)
    candidates = int((ruled_out == 0).sum())
    if candidates:
        return Unmatched(person.person_id, role, WhyKind.TAKEN, candidates=candidates)
    if (ruled_out == Constraint.LANGUAGE).all():
        return Unmatched(person.person_id, role, WhyKind.NO_LANGUAGE)
    counts = np.bincount(ruled_out, minlength=len(Constraint) + 1)
    excluded = tuple((c, int(counts[c])) for c in Constraint if counts[c])
    return Unmatched(person.person_id, role, WhyKind.EXCLUDED, excluded=excluded)


def match(
    adepts: Iterable[Candidate],
    mentors: Iterable[Candidate],
    history: History = NO_HISTORY,
    *,
    on: date = REFERENCE_DATE,
) -> Result:
    """Propose pairs for the whole pool: the most pairs, then the highest total score, never a
    pair a hard constraint rules out and never more adepts than a mentor's capacity. ``on`` is
    the date whose working hours are compared (time zones and daylight saving on that date).
    Raises ``ValueError`` for someone in the wrong list or listed twice."""
    table = score_table(adepts, mentors, history, on)
    pairs = assign(table)
    proposals = tuple(
        Proposal(
            table.mentors[j].person_id,
            table.adepts[i].person_id,
            float(table.score[i, j]),
            reason(table.adepts[i], table.mentors[j], on),
        )
        for i, j in pairs
    )
    paired_rows = {i for i, _ in pairs}
    paired_columns = {j for _, j in pairs}
    unmatched = tuple(
        _why(adept, table.ruled_out[i, :], Role.ADEPT)
        for i, adept in enumerate(table.adepts)
        if i not in paired_rows
    ) + tuple(
        _why(mentor, table.ruled_out[:, j], Role.MENTOR)
        for j, mentor in enumerate(table.mentors)
        if j not in paired_columns
    )
    return Result(proposals, unmatched)
