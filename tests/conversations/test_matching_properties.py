"""Random pools (hypothesis): no proposal ever breaks a hard constraint or a capacity, everyone
is either proposed or listed with a why that is true, and tiny pools get the brute-force best.
A tenth of the fuzz tests' examples (the profile in tests/conftest.py): each example here is a
whole pool, and the "thorough" profile still raises it."""

from __future__ import annotations

import math
from collections import Counter
from datetime import time

from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.matching import Candidate, History, Result, WhyKind, fit, match
from conversations.records import Role
from tests.conversations.matching_cohorts import brute_force

IDS = st.integers(1, 12)  # one small id space for both sides: someone may be on both
ZONES = ("Europe/Stockholm", "America/New_York", "Asia/Tokyo", "Australia/Sydney")


# One person's profile, built once (strategies made inside a draw are slow to validate).
PROFILES = st.tuples(
    st.frozensets(st.sampled_from("abcde"), max_size=4),  # wants / offers
    st.frozensets(st.sampled_from(("sv", "en", "de")), max_size=2),  # languages
    st.sampled_from(ZONES),
    st.integers(0, 23),  # start hour
    st.integers(1, 23),  # hours worked (past midnight if need be)
    st.sampled_from(("IT", "HR", "Sales")),
    st.none() | IDS,  # manager
    st.integers(1, 3),  # capacity
    st.frozensets(IDS, max_size=3),  # do-not-pair
)


@st.composite
def candidates(draw: st.DrawFn, role: Role, most: int) -> list[Candidate]:
    people = []
    for person_id in draw(st.lists(IDS, max_size=most, unique=True)):
        wants, languages, zone, start, length, department, boss, capacity, avoid = draw(PROFILES)
        people.append(
            Candidate(
                person_id=person_id,
                role=role,
                wants=wants,
                languages=languages,
                time_zone=zone,
                work_start=time(start),
                work_end=time((start + length) % 24),
                department=department,
                manager_id=boss,
                capacity=capacity,
                avoid=avoid,
            )
        )
    return people


def pools(adepts: int, mentors: int) -> st.SearchStrategy[tuple[list[Candidate], ...]]:
    return st.tuples(candidates(Role.ADEPT, adepts), candidates(Role.MENTOR, mentors))


EXAMPLES = settings(max_examples=max(50, settings.default.max_examples // 10))
HISTORIES = st.builds(History.of, st.lists(st.tuples(IDS, IDS), max_size=8))


def check_everything_holds(
    adepts: list[Candidate], mentors: list[Candidate], history: History, result: Result
) -> None:
    by_id = {m.person_id: m for m in mentors}
    adepts_by_id = {a.person_id: a for a in adepts}
    for proposal in result.proposals:
        one = fit(adepts_by_id[proposal.adept_id], by_id[proposal.mentor_id], history)
        assert one.ruled_out == (), proposal
        assert proposal.score == one.score
    load = Counter(p.mentor_id for p in result.proposals)
    assert all(load[m] <= by_id[m].capacity for m in load)
    proposed = Counter(p.adept_id for p in result.proposals)
    assert all(count == 1 for count in proposed.values())
    left = {(u.role, u.person_id): u for u in result.unmatched}
    assert len(left) == len(result.unmatched)
    assert {a.person_id for a in adepts} == set(proposed) | {i for r, i in left if r == "adept"}
    assert not set(proposed) & {i for r, i in left if r == "adept"}
    assert {i for r, i in left if r == "mentor"} == set(by_id) - set(load)
    for (role, person_id), unmatched in left.items():
        others = mentors if role == Role.ADEPT else adepts
        fits = [
            fit(adepts_by_id[person_id], other, history)
            if role == Role.ADEPT
            else fit(other, by_id[person_id], history)
            for other in others
        ]
        allowed = [other for other, f in zip(others, fits, strict=True) if not f.ruled_out]
        if unmatched.why is WhyKind.TAKEN:
            assert len(allowed) == unmatched.candidates > 0
            if role == Role.ADEPT:  # nobody is left out while a mentor who could take them has room
                assert all(load[m.person_id] == m.capacity for m in allowed)
            else:
                assert all(a.person_id in proposed for a in allowed)
        elif unmatched.why is WhyKind.NOBODY:
            assert others == []
        else:
            assert others and allowed == []
            if unmatched.why is WhyKind.EXCLUDED:
                assert sum(count for _, count in unmatched.excluded) == len(others)
                assert Counter(f.ruled_out[0] for f in fits) == dict(unmatched.excluded)
            else:
                assert unmatched.why is WhyKind.NO_LANGUAGE
                assert all(f.reason.shared_languages == () for f in fits)


@EXAMPLES
@given(pools(10, 8), HISTORIES)
def test_no_proposal_ever_breaks_a_hard_constraint_or_a_capacity(
    pool: tuple[list[Candidate], list[Candidate]], history: History
) -> None:
    adepts, mentors = pool
    check_everything_holds(adepts, mentors, history, match(adepts, mentors, history))


@EXAMPLES
@given(pools(4, 3), HISTORIES)
def test_tiny_random_pools_get_the_brute_force_optimum(
    pool: tuple[list[Candidate], list[Candidate]], history: History
) -> None:
    adepts, mentors = pool
    result = match(adepts, mentors, history)
    best_pairs, best_score = brute_force(adepts, mentors, history)
    assert len(result.proposals) == best_pairs
    assert math.isclose(result.total_score, best_score, abs_tol=1e-9)
