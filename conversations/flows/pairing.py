"""Making a pair, whoever proposed it (`pair` by hand, an approved `match` proposal, `rematch`),
and the rules of matching one pair may break: one place for both, so a pair made by hand and
one the engine proposed are introduced the same way and judged by the same rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from conversations.flows import intro
from conversations.i18n import SUPPORTED
from conversations.matching import Candidate, Constraint, History, fit
from conversations.matching.candidates import MAX_CAPACITY
from conversations.records import (
    OPEN_PHASES,
    Enrolment,
    EnrolmentStatus,
    Pair,
    Person,
    Phase,
    Programme,
    Role,
)
from conversations.turn import Turn

# The key of each broken rule's wording (``pair.rule.<key>``); the same person on both sides
# is refused before any rule is looked at.
RULE_KEYS: dict[Constraint, str] = {
    Constraint.LANGUAGE: "language",
    Constraint.MENTOR_MANAGES: "manager",
    Constraint.ADEPT_MANAGES: "report",
    Constraint.AVOID: "avoid",
    Constraint.HISTORY: "history",
}


def enrolment_of(turn: Turn, programme_id: int | None, person_id: int | None) -> Enrolment | None:
    return turn.repo.first(
        Enrolment, programme_id=programme_id, person_id=person_id, status=EnrolmentStatus.ACTIVE
    )


def candidate(person: Person, enrolment: Enrolment, *, places: int | None = None) -> Candidate:
    """How the matching engine sees an enrolled person. Someone who never named their
    languages (enrolled by hand) is not ruled out for language: they count as speaking the
    bot's languages, theirs first; ``places``: a mentor's capacity left in this round."""
    topics = enrolment.wants_topics if enrolment.role == Role.ADEPT else enrolment.offers_topics
    capacity = enrolment.capacity if places is None else places
    return Candidate(
        person_id=person.id or 0,
        role=enrolment.role,
        wants=frozenset(topics),
        languages=frozenset(enrolment.languages or [person.locale, *SUPPORTED]),
        time_zone=person.timezone,
        work_start=person.work_start,
        work_end=person.work_end,
        department=enrolment.department.strip().lower(),
        manager_id=enrolment.manager_id,
        capacity=max(1, min(capacity, MAX_CAPACITY)),
        avoid=frozenset(enrolment.avoid),
    )


def history(turn: Turn) -> History:
    """Every pair the workspace has had, open or ended, in any programme: never the same two
    people twice."""
    return History.of((p.mentor_id, p.adept_id) for p in turn.repo.find(Pair))


def broken_rules(
    turn: Turn, programme: Programme, mentor: Person, adept: Person
) -> tuple[Constraint, ...]:
    """The hard constraints of matching that pairing these two would break."""
    mentor_enrolment = enrolment_of(turn, programme.id, mentor.id)
    adept_enrolment = enrolment_of(turn, programme.id, adept.id)
    if mentor_enrolment is None or adept_enrolment is None:
        return ()
    found = fit(
        candidate(adept, adept_enrolment),
        candidate(mentor, mentor_enrolment, places=1),
        history(turn),
        on=programme.starts_on,
    )
    return tuple(c for c in found.ruled_out if c in RULE_KEYS)


def rules_text(turn: Turn, rules: tuple[Constraint, ...], mentor: Person, adept: Person) -> str:
    return "; ".join(
        turn.t("pair.rule." + RULE_KEYS[c], mentor=mentor.display_name, adept=adept.display_name)
        for c in rules
    )


def open_places(turn: Turn, programme: Programme, mentor_id: int, capacity: int) -> int:
    current = turn.repo.find(
        Pair, programme_id=programme.id, mentor_id=mentor_id, phase=list(OPEN_PHASES)
    )
    return capacity - len(current)


def create_pair(
    turn: Turn, programme: Programme, mentor: Person, adept: Person
) -> tuple[Pair, datetime | None]:
    """A new pair, introduced to both (on the programme's start date if it has not started:
    ``held``, when, else None); its clocks start then."""
    start = max(turn.today, programme.starts_on)
    ends_on = max(programme.ends_on, start + timedelta(days=28))
    midpoint = start + (ends_on - start) / 2
    # Before the programme starts, the pair is introduced on its start date (in both members'
    # working hours), and its clocks (deadlines, a stalled phase) start then, not now.
    held = turn.held_until([mentor, adept], programme.id)
    pair = turn.repo.add(
        Pair(
            programme_id=programme.id or 0,
            mentor_id=mentor.id or 0,
            adept_id=adept.id or 0,
            phase=Phase.INTRO,
            phase_since=held or turn.now,
            introduced_at=held or turn.now,
            midpoint_on=midpoint,
            ends_on=ends_on,
        )
    )
    turn.audit("pair.created", f"pair:{pair.id}", programme=programme.id)
    intro.introduce(turn, pair, programme, mentor, adept)
    return pair, held
