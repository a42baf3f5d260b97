"""Generated pools for the matching engine's tests and bench/matching.py, and the baselines
the engine is compared with: the greedy one (best pair first) and brute force."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

import numpy as np

from conversations.matching import REFERENCE_DATE, Candidate, History, Proposal, Result, fit
from conversations.matching.candidates import NO_HISTORY
from conversations.matching.scoring import score_table
from conversations.records import Role

TOPICS = (
    "leadership",
    "feedback",
    "negotiation",
    "career-change",
    "public-speaking",
    "data",
    "python",
    "cloud",
    "security",
    "sales",
    "marketing",
    "finance",
    "law",
    "hr",
    "onboarding",
    "product",
    "design",
    "research",
    "writing",
    "management",
    "strategy",
    "operations",
    "procurement",
    "ethics",
    "wellbeing",
    "parenting",
    "remote-work",
    "mentoring-others",
    "presenting",
    "networking",
)
DEPARTMENTS = ("IT", "HR", "Sales", "Finance", "Legal", "Research", "Support", "Operations")
ZONES = (
    *("Europe/Stockholm",) * 8,
    "Europe/London",
    "Europe/Helsinki",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
)


@dataclass(frozen=True)
class Pool:
    adepts: tuple[Candidate, ...]
    mentors: tuple[Candidate, ...]
    history: History


def _languages(rng: random.Random) -> frozenset[str]:
    spoken = {
        code for code, chance in (("sv", 0.8), ("en", 0.7), ("fi", 0.1)) if rng.random() < chance
    }
    if rng.random() < 0.05:
        spoken.add(rng.choice(("de", "ar", "es")))
    return frozenset(spoken or {rng.choice(("sv", "en", "de"))})


def _person(
    rng: random.Random, person_id: int, role: Role, topics: tuple[int, int], capacity: int = 1
) -> Candidate:
    start = time(rng.randint(6, 10), rng.choice((0, 0, 30)))
    end = time((start.hour + rng.choice((6, 8, 8, 9))) % 24, start.minute)
    return Candidate(
        person_id=person_id,
        role=role,
        wants=frozenset(rng.sample(TOPICS, rng.randint(*topics))),
        languages=_languages(rng),
        time_zone=rng.choice(ZONES),
        work_start=start,
        work_end=end,
        department=rng.choice(DEPARTMENTS),
        capacity=capacity,
    )


def random_pool(
    seed: int, adepts: int, mentors: int, *, max_capacity: int = 3, conflicts: float = 1.0
) -> Pool:
    """A pool with managers, do-not-pair lists and past pairs among the people (seeded);
    ``conflicts`` scales how often (1: a tenth of the adepts report to a mentor, ...)."""
    rng = random.Random(seed)
    adept_list = [_person(rng, i + 1, Role.ADEPT, (1, 5)) for i in range(adepts)]
    mentor_list = [
        _person(rng, adepts + j + 1, Role.MENTOR, (2, 8), rng.randint(1, max_capacity))
        for j in range(mentors)
    ]
    adept_ids = [p.person_id for p in adept_list]
    mentor_ids = [p.person_id for p in mentor_list]
    if mentor_ids:
        for i, adept in enumerate(adept_list):
            changes = _fields(adept)
            if rng.random() < 0.1 * conflicts:
                changes["manager_id"] = rng.choice(mentor_ids)
            if rng.random() < 0.05 * conflicts:
                changes["avoid"] = frozenset(rng.sample(mentor_ids, min(2, len(mentor_ids))))
            adept_list[i] = Candidate(**changes)
    if adept_ids:
        for j, mentor in enumerate(mentor_list):
            changes = _fields(mentor)
            if rng.random() < 0.03 * conflicts:
                changes["manager_id"] = rng.choice(adept_ids)
            if rng.random() < 0.03 * conflicts:
                changes["avoid"] = frozenset({rng.choice(adept_ids)})
            mentor_list[j] = Candidate(**changes)
    past = (
        {
            (rng.choice(mentor_ids), rng.choice(adept_ids))
            for _ in range(int(adepts * conflicts) // 20 + 1)
        }
        if adept_ids and mentor_ids
        else set()
    )
    return Pool(tuple(adept_list), tuple(mentor_list), History.of(past))


def _fields(person: Candidate) -> dict[str, object]:
    return {name: getattr(person, name) for name in Candidate.__dataclass_fields__}


def greedy(
    adepts: Sequence[Candidate],
    mentors: Sequence[Candidate],
    history: History = NO_HISTORY,
    on: date = REFERENCE_DATE,
) -> Result:
    """The baseline: take the best allowed pair left (ties by adept id, then mentor id) while
    the adept is free and the mentor has a place, until none is left."""
    table = score_table(adepts, mentors, history, on)
    rows, columns = np.nonzero(table.allowed)
    order = np.lexsort((columns, rows, -table.score[rows, columns]))
    places = [mentor.capacity for mentor in table.mentors]
    taken: set[int] = set()
    proposals = []
    for i, j in zip(rows[order].tolist(), columns[order].tolist(), strict=True):
        if i in taken or not places[j]:
            continue
        taken.add(i)
        places[j] -= 1
        adept, mentor = table.adepts[i], table.mentors[j]
        reason = fit(adept, mentor, history, on).reason
        proposals.append(Proposal(mentor.person_id, adept.person_id, table.score[i, j], reason))
    return Result(tuple(sorted(proposals, key=lambda p: p.adept_id)), ())


def brute_force(
    adepts: Sequence[Candidate], mentors: Sequence[Candidate], history: History = NO_HISTORY
) -> tuple[int, float]:
    """The best (pairs, total score) over every assignment there is, by plain enumeration with
    ``fit`` (the one-pair score, not the vectorised table)."""
    fits = {(a.person_id, m.person_id): fit(a, m, history) for a in adepts for m in mentors}
    options = [
        [None, *(m for m in mentors if not fits[a.person_id, m.person_id].ruled_out)]
        for a in adepts
    ]
    best = (0, 0.0)
    for choice in itertools.product(*options):
        load: dict[int, int] = {}
        for mentor in choice:
            if mentor is not None:
                load[mentor.person_id] = load.get(mentor.person_id, 0) + 1
        if any(load[m.person_id] > m.capacity for m in mentors if m.person_id in load):
            continue
        pairs = [(a, m) for a, m in zip(adepts, choice, strict=True) if m is not None]
        total = sum(fits[a.person_id, m.person_id].score for a, m in pairs)
        if (len(pairs), total) > best:
            best = (len(pairs), total)
    return best
