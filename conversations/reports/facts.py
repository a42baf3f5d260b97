"""What a report on one programme needs, read from the store once (through the caller's
workspace-scoped repo, as `status` reads it) and kept as plain facts: the rows, the series and
the summary are pure functions of these.

Only what a report may show is kept. Meetings lose their place; goals are reduced to their
position, outcome and the adept's self-ratings (never their text); agreements to the moment
both accepted; reviews to the closing reviews' feedback to the programme. Journal entries,
check-ins and preparations are not read at all.

A pair's phases over time come from the audit trail (``pair.phase`` when a pair moves on, a
closing review saved: the first one opens the closing phase) with its introduction and end
from the pair itself; audit entries never hold any text people wrote.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from conversations.ports import Repo
from conversations.records import (
    Agreement,
    AuditEntry,
    Enrolment,
    EnrolmentStatus,
    Goal,
    GoalRating,
    Meeting,
    Pair,
    Person,
    Phase,
    Programme,
    Review,
    Role,
)


@dataclass(frozen=True)
class GoalFacts:
    position: int  # 1..3
    status: str  # draft, confirmed, achieved, partly, not-achieved
    ratings: tuple[int, ...]  # the adept's self-ratings (1..5), oldest first


@dataclass(frozen=True)
class PairFacts:
    pair: Pair
    meetings: tuple[Meeting, ...]  # without their place
    goals: tuple[GoalFacts, ...]  # by position
    agreement_accepted_at: datetime | None  # when both had first accepted an agreement
    history: tuple[tuple[datetime, Phase], ...]  # phase changes, oldest first

    def phase_at(self, moment: datetime) -> Phase | None:
        """The pair's phase at ``moment``; None before it was introduced."""
        current: Phase | None = None
        for at, phase in self.history:
            if at > moment:
                break
            current = phase
        return current


@dataclass(frozen=True)
class Member:
    """One enrolment: a person in the programme in one role."""

    person_id: int
    role: Role
    left: bool  # erased their data (forget-me)


@dataclass(frozen=True)
class ProgrammeFacts:
    programme: Programme
    now: datetime
    names: dict[int, str]  # display names of the programme's people and coordinators
    members: tuple[Member, ...]
    pairs: tuple[PairFacts, ...]  # by id
    # The closing reviews' "feedback to the programme", as written (non-empty ones only), and
    # how many people wrote them. The summary shows them without names.
    feedback: tuple[str, ...]
    feedback_authors: int


def load_facts(repo: Repo, programme: Programme, now: datetime) -> ProgrammeFacts:
    """Everything a report on ``programme`` shows, as of ``now``."""
    enrolments = repo.find(Enrolment, programme_id=programme.id)
    pairs = sorted(repo.find(Pair, programme_id=programme.id), key=lambda p: p.id or 0)
    pair_ids = [p.id for p in pairs]
    meetings = defaultdict(list)
    for meeting in repo.find(Meeting, pair_id=pair_ids):
        meetings[meeting.pair_id].append(meeting.model_copy(update={"place": ""}))
    goals = repo.find(Goal, pair_id=pair_ids)
    ratings = defaultdict(list)
    for rating in sorted(
        repo.find(GoalRating, goal_id=[g.id for g in goals]), key=lambda r: (r.rated_at, r.id)
    ):
        ratings[rating.goal_id].append(rating.rating)
    goal_facts = defaultdict(list)
    for goal in sorted(goals, key=lambda g: g.position):
        goal_facts[goal.pair_id].append(
            GoalFacts(goal.position, goal.status, tuple(ratings[goal.id or 0]))
        )
    accepted = defaultdict(list)
    for agreement in repo.find(Agreement, pair_id=pair_ids):
        if agreement.mentor_accepted_at and agreement.adept_accepted_at:
            both = max(agreement.mentor_accepted_at, agreement.adept_accepted_at)
            accepted[agreement.pair_id].append(both)
    changes = _phase_changes(repo, pairs)
    reviews = repo.find(Review, pair_id=pair_ids, kind="closing")
    written = [(r.person_id, str(r.answers.get("feedback") or "").strip()) for r in reviews]
    written = [(who, text) for who, text in written if text]
    people = {m.person_id for m in enrolments} | {i for p in pairs for i in p.member_ids()}
    named = repo.find(Person, id=sorted(people)) + repo.find(Person, is_coordinator=True)
    return ProgrammeFacts(
        programme=programme,
        now=now,
        names={p.id or 0: p.display_name for p in named},
        members=tuple(
            Member(e.person_id, e.role, e.status == EnrolmentStatus.LEFT)
            for e in sorted(enrolments, key=lambda e: e.id or 0)
        ),
        pairs=tuple(
            PairFacts(
                pair=pair.model_copy(update={"end_note": ""}),  # the coordinator's words
                meetings=tuple(sorted(meetings[pair.id or 0], key=lambda m: m.starts_at)),
                goals=tuple(goal_facts[pair.id or 0]),
                agreement_accepted_at=min(accepted[pair.id or 0], default=None),
                history=_history(pair, changes[pair.id or 0]),
            )
            for pair in pairs
        ),
        feedback=tuple(text for _, text in written),
        feedback_authors=len({who for who, _ in written}),
    )


def _phase_changes(repo: Repo, pairs: list[Pair]) -> dict[int, list[tuple[datetime, Phase]]]:
    """The phase changes the audit trail recorded, by pair id."""
    by_subject = {f"pair:{p.id}": p.id or 0 for p in pairs}
    found: dict[int, list[tuple[datetime, Phase]]] = defaultdict(list)
    entries = repo.find(AuditEntry, subject=list(by_subject), action=["pair.phase", "review.saved"])
    for entry in entries:
        pair_id = by_subject[entry.subject]
        if entry.action == "pair.phase" and entry.detail.get("phase") in set(Phase):
            found[pair_id].append((entry.at, Phase(entry.detail["phase"])))
        elif entry.action == "review.saved" and entry.detail.get("kind") == "closing":
            found[pair_id].append((entry.at, Phase.CLOSING))
    return found


def _history(
    pair: Pair, changes: list[tuple[datetime, Phase]]
) -> tuple[tuple[datetime, Phase], ...]:
    """Introduced, the recorded changes, the end; and the pair's phase now, since it last
    changed (so the history ends where the pair is, whatever the trail holds)."""
    events = [(pair.introduced_at, Phase.INTRO), *changes]
    if pair.ended_at is not None:
        end = Phase.COMPLETED if pair.end_reason == "completed" else Phase.ENDED_EARLY
        events.append((pair.ended_at, end))
    events = [e for e in events if e[0] < pair.phase_since]
    events.append((pair.phase_since, pair.phase))
    events.sort(key=lambda e: e[0])
    return tuple(events)
