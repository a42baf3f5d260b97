"""The matching engine: optimal proposals, hard constraints, and the reasons a coordinator reads."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date, time

import numpy as np
import pytest

from conversations.matching import (
    Candidate,
    Constraint,
    History,
    Reason,
    Result,
    Unmatched,
    WhyKind,
    describe,
    fit,
    match,
    score_table,
)
from conversations.matching.scoring import overlap_hours
from conversations.records import Role
from tests.conversations.matching_cohorts import brute_force, greedy, random_pool

SV, EN = frozenset({"sv"}), frozenset({"en"})


def adept(person_id: int, *topics: str, **fields: object) -> Candidate:
    return Candidate(person_id, Role.ADEPT, frozenset(topics), **{"languages": SV, **fields})


def mentor(person_id: int, *topics: str, **fields: object) -> Candidate:
    return Candidate(person_id, Role.MENTOR, frozenset(topics), **{"languages": SV, **fields})


def pairs(result: Result) -> set[tuple[int, int]]:
    return {(p.mentor_id, p.adept_id) for p in result.proposals}


# Optimal ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(80))
def test_small_pools_get_the_brute_force_optimum(seed: int) -> None:
    rng = random.Random(seed)
    pool = random_pool(
        seed, rng.randint(1, 5), rng.randint(1, 4), max_capacity=2, conflicts=rng.choice((0, 3, 6))
    )
    result = match(pool.adepts, pool.mentors, pool.history)
    best_pairs, best_score = brute_force(pool.adepts, pool.mentors, pool.history)
    assert len(result.proposals) == best_pairs
    assert math.isclose(result.total_score, best_score, abs_tol=1e-9)


def test_one_more_pair_wins_over_a_better_fit_for_one() -> None:
    # Alone, adept 1 fits mentor 10 best; but adept 2 can only have mentor 10.
    adepts = [adept(1, "a", "b"), adept(2, "a", languages=EN)]
    mentors = [mentor(10, "a", "b", languages=SV | EN), mentor(11)]
    result = match(adepts, mentors)
    assert pairs(result) == {(11, 1), (10, 2)}
    assert result.unmatched == ()


def test_the_200_by_120_pool_beats_the_greedy_baseline(
    record_property: Callable[[str, object], None],
) -> None:
    pool = random_pool(2027, 200, 120)
    optimal = match(pool.adepts, pool.mentors, pool.history)
    baseline = greedy(pool.adepts, pool.mentors, pool.history)
    # Both figures go to the test report (bench/matching.py writes them to bench/RESULTS.md).
    figures = {
        "optimal_pairs": len(optimal.proposals),
        "optimal_score": round(float(optimal.total_score), 2),
        "greedy_pairs": len(baseline.proposals),
        "greedy_score": round(float(baseline.total_score), 2),
    }
    for name, value in figures.items():
        record_property(name, value)
    assert len(optimal.proposals) >= len(baseline.proposals), figures
    assert optimal.total_score > baseline.total_score, figures
    assert figures == {
        "optimal_pairs": 200,
        "optimal_score": 16265.0,
        "greedy_pairs": 200,
        "greedy_score": 15770.83,
    }


def test_the_same_pool_in_another_order_gets_the_same_proposals() -> None:
    pool = random_pool(5, 60, 40)
    first = match(pool.adepts, pool.mentors, pool.history)
    shuffled = random.Random(1)
    adepts, mentors = list(pool.adepts), list(pool.mentors)
    shuffled.shuffle(adepts)
    shuffled.shuffle(mentors)
    assert match(adepts, mentors, pool.history) == first


def test_a_mentor_takes_no_more_adepts_than_their_capacity() -> None:
    adepts = [adept(i, "a") for i in range(1, 6)]
    result = match(adepts, [mentor(10, "a", capacity=2), mentor(11, "b", capacity=1)])
    load = [p.mentor_id for p in result.proposals]
    assert load.count(10) == 2 and load.count(11) == 1
    assert [u.why for u in result.unmatched] == [WhyKind.TAKEN] * 2


# Hard constraints -----------------------------------------------------------------------------


def test_a_mentor_is_never_proposed_to_their_own_direct_report() -> None:
    result = match([adept(1, "a", manager_id=10)], [mentor(10, "a")])
    assert result.proposals == ()
    assert result.unmatched[0] == Unmatched(
        1, Role.ADEPT, WhyKind.EXCLUDED, ((Constraint.MENTOR_MANAGES, 1),)
    )
    assert describe(result.unmatched[0], "en") == "every mentor is ruled out: 1 is their manager"
    assert describe(result.unmatched[1], "en") == "every adept is ruled out: 1 reports to them"


def test_a_mentor_is_never_proposed_to_their_own_manager() -> None:
    result = match([adept(1, "a")], [mentor(10, "a", manager_id=1)])
    assert result.proposals == ()
    assert result.unmatched[0].excluded == ((Constraint.ADEPT_MANAGES, 1),)
    assert (
        describe(result.unmatched[0], "sv") == "alla mentorer är uteslutna: 1 rapporterar till hen"
    )
    assert describe(result.unmatched[1], "sv") == "alla adepter är uteslutna: 1 är hens chef"


def test_the_manager_rule_holds_even_when_it_leaves_someone_unmatched() -> None:
    # The best pair by far is manager and report: the adept gets the other mentor instead.
    result = match(
        [adept(1, "a", "b", "c", manager_id=10)],
        [mentor(10, "a", "b", "c", languages=SV | EN), mentor(11, department="X")],
    )
    assert pairs(result) == {(11, 1)}


@pytest.mark.parametrize("on_whose_list", ["adept", "mentor"])
def test_a_do_not_pair_list_counts_from_either_side(on_whose_list: str) -> None:
    lists = {"adept": {"avoid": frozenset({10})}, "mentor": {}}
    mentors_list = {"mentor": {"avoid": frozenset({1})}, "adept": {}}
    result = match(
        [adept(1, "a", **lists[on_whose_list])], [mentor(10, "a", **mentors_list[on_whose_list])]
    )
    assert result.proposals == ()
    assert result.unmatched[0].excluded == ((Constraint.AVOID, 1),)


@pytest.mark.parametrize("past", [(10, 1), (1, 10)])
def test_the_same_two_people_are_never_paired_twice_in_either_role(past: tuple[int, int]) -> None:
    result = match([adept(1, "a")], [mentor(10, "a")], History.of([past]))
    assert result.proposals == ()
    assert describe(result.unmatched[0], "en") == (
        "every mentor is ruled out: 1 has been paired with them before"
    )


def test_someone_on_both_sides_is_not_paired_with_themselves() -> None:
    result = match([adept(7, "a")], [mentor(7, "a")])
    assert result.proposals == ()
    assert result.unmatched[0].excluded == ((Constraint.SAME_PERSON, 1),)


# Score ----------------------------------------------------------------------------------------


def test_a_perfect_pair_scores_100_and_parts_add_up() -> None:
    perfect = fit(
        adept(1, "a", "b", languages=SV | EN, department="HR"),
        mentor(10, "a", "b", "c", languages=SV | EN, department="IT"),
    )
    assert perfect.score == 100 and perfect.ruled_out == ()
    # Half the topics (25), 5 of 6 full hours (20.83), same department (0), one language (5).
    partial = fit(adept(1, "a", "b"), mentor(10, "a", work_start=time(12), work_end=time(17)))
    assert partial.score == pytest.approx(25 + 25 * 5 / 6 + 0 + 5)


def test_the_table_for_everyone_equals_the_score_of_each_pair() -> None:
    pool = random_pool(11, 40, 30, conflicts=4)
    table = score_table(pool.adepts, pool.mentors, pool.history)
    for i, a in enumerate(table.adepts):
        for j, m in enumerate(table.mentors):
            one = fit(a, m, pool.history)
            assert table.score[i, j] == one.score
            assert table.ruled_out[i, j] == (one.ruled_out[0] if one.ruled_out else 0)
    assert np.count_nonzero(table.ruled_out) > 0


@pytest.mark.parametrize(
    ("adept_hours", "mentor_hours", "on", "hours"),
    [
        # Stockholm and New York, 09–17 each: 2 h in winter, 3 h when only the USA is on summer time.
        (("Europe/Stockholm", 9, 17), ("America/New_York", 9, 17), date(2027, 1, 13), 2),
        (("Europe/Stockholm", 9, 17), ("America/New_York", 9, 17), date(2027, 3, 20), 3),
        # Los Angeles' afternoon is Sydney's next morning.
        (("America/Los_Angeles", 9, 17), ("Australia/Sydney", 9, 17), date(2027, 1, 13), 3),
        (("Asia/Tokyo", 9, 17), ("America/New_York", 9, 17), date(2027, 1, 13), 0),
        # A night shift past midnight.
        (("Europe/Stockholm", 22, 6), ("Europe/Stockholm", 5, 13), date(2027, 1, 13), 1),
    ],
)
def test_working_hours_in_common_across_time_zones_and_daylight_saving(
    adept_hours: tuple[str, int, int], mentor_hours: tuple[str, int, int], on: date, hours: int
) -> None:
    zone_a, start_a, end_a = adept_hours
    zone_m, start_m, end_m = mentor_hours
    a = adept(1, time_zone=zone_a, work_start=time(start_a), work_end=time(end_a))
    m = mentor(10, time_zone=zone_m, work_start=time(start_m), work_end=time(end_m))
    assert overlap_hours(a, m, on) == hours
    table = score_table([a], [m], on=on)
    assert table.score[0, 0] == fit(a, m, on=on).score


# Reasons and whys, in Swedish and English ------------------------------------------------------


def test_a_proposal_says_why_in_the_readers_language() -> None:
    result = match([adept(1, "a", "b", "c", "d")], [mentor(10, "a", "b", "c", work_start=time(12))])
    reason = result.proposals[0].reason
    assert reason == Reason(3, 4, ("sv",), 5.0, False)
    assert (
        describe(reason, "sv") == "delar 3 av 4 ämnen, båda talar svenska, 5 h gemensam arbetstid"
    )
    assert describe(reason, "en") == "shares 3 of 4 topics, both speak Swedish, 5 h overlap"


def test_a_reason_names_every_shared_language_half_hours_and_departments() -> None:
    reason = Reason(1, 1, ("en", "sv"), 4.5, True)
    assert describe(reason, "sv") == (
        "delar 1 av 1 ämne, båda talar engelska och svenska, 4,5 h gemensam arbetstid, "
        "olika avdelningar"
    )
    assert describe(reason, "en") == (
        "shares 1 of 1 topic, both speak English and Swedish, 4.5 h overlap, different departments"
    )
    assert describe(Reason(0, 0, ("de",), 0.0, False), "en") == (
        "no topics asked for, both speak German, no working hours in common"
    )
    assert describe(Reason(0, 0, ("de",), 0.0, False), "sv") == (
        "inga ämnen önskade, båda talar tyska, ingen gemensam arbetstid"
    )


def test_the_unmatched_are_listed_with_why_in_both_languages() -> None:
    everyone_excluded = match(
        [adept(1, "a", manager_id=10, avoid=frozenset({11}))],
        [mentor(10, "a"), mentor(11, "a"), mentor(12, "a"), mentor(13, "a", languages=EN)],
        History.of([(12, 1)]),
    ).unmatched[0]
    assert everyone_excluded.excluded == (
        (Constraint.LANGUAGE, 1),
        (Constraint.MENTOR_MANAGES, 1),
        (Constraint.AVOID, 1),
        (Constraint.HISTORY, 1),
    )
    assert describe(everyone_excluded, "en") == (
        "every mentor is ruled out: 1 shares no language with them, 1 is their manager, "
        "1 is on a do-not-pair list, and 1 has been paired with them before"
    )
    assert describe(everyone_excluded, "sv") == (
        "alla mentorer är uteslutna: 1 har inget språk gemensamt med hen, 1 är hens chef, "
        "1 får inte paras ihop med hen och 1 har varit hens par förut"
    )
    no_language = match([adept(1, languages=EN)], [mentor(10), mentor(11)]).unmatched
    assert [describe(u, "en") for u in no_language] == [
        "no mentor speaks a language they speak",
        "no adept speaks a language they speak",
        "no adept speaks a language they speak",
    ]
    assert describe(no_language[0], "sv") == "ingen mentor har något språk gemensamt med hen"


def test_who_could_have_had_a_partner_is_told_the_places_went_to_others() -> None:
    full = match([adept(1, "a"), adept(2, "a"), adept(3, "a")], [mentor(10, "a", capacity=2)])
    assert full.unmatched == (Unmatched(3, Role.ADEPT, WhyKind.TAKEN, candidates=1),)
    assert describe(full.unmatched[0], "en") == (
        "no mentor with capacity left: the one mentor who could take them is full"
    )
    assert describe(full.unmatched[0], "sv") == (
        "ingen mentor med plats kvar: den enda mentor som kan ta hen är full"
    )
    spare = match([adept(1, "a"), adept(2, "a")], [mentor(10, "a"), mentor(11), mentor(12)])
    assert [(u.person_id, u.candidates) for u in spare.unmatched] == [(12, 2)]
    assert describe(spare.unmatched[0], "en") == (
        "all 2 adepts they could take are paired with other mentors"
    )
    assert describe(spare.unmatched[0], "sv") == "alla 2 adepter hen kan ta har fått andra mentorer"


def test_an_empty_side_leaves_everyone_on_the_other_unmatched() -> None:
    assert [describe(u, "sv") for u in match([adept(1)], []).unmatched] == [
        "inga mentorer i urvalet"
    ]
    assert [describe(u, "en") for u in match([], [mentor(10)]).unmatched] == [
        "no adepts in the pool"
    ]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_why_and_constraint_has_its_words(language: str) -> None:
    for role in Role:
        for why in WhyKind:
            excluded = tuple((c, 2) for c in Constraint) if why is WhyKind.EXCLUDED else ()
            text = describe(Unmatched(1, role, why, excluded, candidates=2), language)
            assert "matching." not in text and "{" not in text, text


# Input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"capacity": 0},
        {"capacity": 4},
        {"time_zone": "Mars/Olympus"},
        {"work_start": time(9), "work_end": time(9)},
    ],
)
def test_a_profile_the_engine_cannot_use_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        mentor(10, **fields)


def test_someone_in_the_wrong_list_or_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="role"):
        match([mentor(10)], [])
    with pytest.raises(ValueError, match="twice"):
        match([adept(1), adept(1)], [mentor(10)])
