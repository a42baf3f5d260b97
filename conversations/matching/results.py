"""What matching proposes: pairs with their reasons, and the unmatched with why (structured;
``conversations.matching.wording`` puts them in words)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from conversations.records import Role


class Constraint(IntEnum):
    """A hard constraint that rules a mentor–adept pair out. The order is the order in which an
    unmatched person's why counts them: a pair ruled out twice counts under the first."""

    LANGUAGE = 1  # no language in common
    SAME_PERSON = 2  # one person on both sides of the pool
    MENTOR_MANAGES = 3  # the mentor is the adept's manager
    ADEPT_MANAGES = 4  # the adept is the mentor's manager (the mentor reports to them)
    AVOID = 5  # on either one's do-not-pair list
    HISTORY = 6  # they have been a pair before


class WhyKind(StrEnum):
    """Why someone is left without a partner."""

    NOBODY = "nobody"  # the other side of the pool is empty
    NO_LANGUAGE = "no_language"  # nobody on the other side speaks a language they speak
    EXCLUDED = "excluded"  # everyone on the other side is ruled out (``Unmatched.excluded``)
    TAKEN = "taken"  # an adept: every mentor who could take them is full; a mentor: every
    # adept they could take is paired with another mentor


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a pair fits: what the score was made of."""

    shared_topics: int  # of the adept's wants, how many the mentor offers
    wanted_topics: int  # how many topics the adept wants
    shared_languages: tuple[str, ...]  # language codes both speak, sorted
    overlap_hours: float  # working hours in common on the reference date
    cross_department: bool  # from different departments


@dataclass(frozen=True, slots=True)
class Proposal:
    mentor_id: int
    adept_id: int
    score: float  # 0–100, see conversations.matching.scoring
    reason: Reason


@dataclass(frozen=True, slots=True)
class Unmatched:
    """Someone left without a partner, and why. ``excluded`` (for ``EXCLUDED``) counts the
    people on the other side by the first constraint that rules each out, so the counts add
    up to the size of the other side. ``candidates`` (for ``TAKEN``) is how many on the other
    side they could have been paired with."""

    person_id: int
    role: Role
    why: WhyKind
    excluded: tuple[tuple[Constraint, int], ...] = ()
    candidates: int = 0


@dataclass(frozen=True, slots=True)
class Result:
    proposals: tuple[Proposal, ...]  # by adept id
    unmatched: tuple[Unmatched, ...]  # adepts first, then mentors, each by id

    @property
    def total_score(self) -> float:
        return sum(proposal.score for proposal in self.proposals)
