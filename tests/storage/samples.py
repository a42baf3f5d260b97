"""Sample records for the storage tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from conversations import records as rec

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def person(n: int = 1, **changes: Any) -> rec.Person:
    fields: dict[str, Any] = {
        "platform": "slack",
        "workspace": "T1",
        "platform_user_id": f"U{n}",
        "display_name": f"Person {n}",
        "created_at": T0,
    }
    return rec.Person(**(fields | changes))


def pair(mentor: int, adept: int, phase: rec.Phase, **changes: Any) -> rec.Pair:
    fields: dict[str, Any] = {
        "programme_id": 1,
        "mentor_id": mentor,
        "adept_id": adept,
        "phase": phase,
        "phase_since": T0,
        "introduced_at": T0,
        "midpoint_on": date(2026, 4, 15),
        "ends_on": date(2026, 9, 1),
    }
    return rec.Pair(**(fields | changes))


def outbox_item(key: str, due_at: datetime = T0, **changes: Any) -> rec.OutboxItem:
    fields: dict[str, Any] = {
        "key": key,
        "person_id": 1,
        "kind": "reflection-prompt",
        "payload": {"text": key},
        "due_at": due_at,
        "created_at": T0,
    }
    return rec.OutboxItem(**(fields | changes))


def one_of_each() -> list[rec.Record]:
    """One record of every class in ALL_RECORDS, every field set to a non-default value."""
    later = T0 + timedelta(days=1)
    day = date(2026, 6, 30)
    return [
        person(
            7,
            locale="en",
            timezone="America/New_York",
            country="US",
            reflection_weekday=2,
            reflection_time=time(9, 15),
            work_start=time(7, 0),
            work_end=time(15, 30),
            work_days=[1, 2, 3],
            paused_until=day,
            is_coordinator=True,
            erased_at=later,
        ),
        rec.Programme(
            name="Spring",
            purposes=[rec.Purpose.CAREER, rec.Purpose.LEADERSHIP],
            starts_on=date(2026, 3, 1),
            ends_on=day,
            cadence_days=7,
            meeting_minutes=45,
            template="new-managers",
            topics=["Budget", "Ledarskap"],
            status="closed",
            created_by=1,
            created_at=T0,
        ),
        rec.Enrolment(
            programme_id=1,
            person_id=2,
            role=rec.Role.ADEPT,
            wants_to_learn="x",
            can_offer="y",
            department="IT",
            manager="M",
            languages=["sv", "en"],
            capacity=2,
            consent_at=T0,
            status="left",
            created_at=T0,
            wants_topics=["Budget"],
            offers_topics=["Ledarskap"],
            manager_id=9,
            avoid=[3, 4],
        ),
        rec.Invitation(
            programme_id=1,
            person_id=2,
            role=rec.Role.MENTOR,
            invited_by=1,
            status=rec.InvitationStatus.DECLINED,
            sent_at=T0,
            reminded_at=later,
            answered_at=later,
        ),
        rec.MatchProposal(
            programme_id=1,
            run="abc",
            mentor_id=1,
            adept_id=2,
            score=61.5,
            reason={"shared_topics": 1, "shared_languages": ["sv"]},
            status=rec.ProposalStatus.APPROVED,
            created_at=T0,
            decided_at=later,
        ),
        rec.Pair(
            programme_id=1,
            mentor_id=1,
            adept_id=2,
            phase=rec.Phase.ENDED_EARLY,
            phase_since=T0,
            introduced_at=T0,
            midpoint_on=date(2026, 4, 15),
            ends_on=day,
            paused_until=day,
            ended_at=later,
            end_reason="ended-early",
            end_note="moved",
        ),
        rec.Goal(
            pair_id=1,
            position=2,
            text="Lead",
            progress_signal="feedback",
            target_date=day,
            status="confirmed",
            mentor_comment="ok",
            created_at=T0,
            confirmed_at=later,
        ),
        rec.GoalRating(goal_id=1, rating=4, context="midpoint", rated_at=T0),
        rec.Agreement(
            pair_id=1,
            number=2,
            cadence_days=14,
            meeting_minutes=60,
            confidentiality="c",
            ethics="e",
            mentor_responsibilities="m",
            adept_responsibilities="a",
            no_fault_exit=False,
            ends_on=day,
            proposed_by=1,
            created_at=T0,
            mentor_accepted_at=T0,
            adept_accepted_at=later,
            superseded_at=later,
        ),
        rec.Meeting(
            pair_id=1,
            starts_at=later,
            minutes=30,
            place="Café",
            status="held",
            booked_by=2,
            created_at=T0,
            is_first=True,
        ),
        rec.CheckIn(
            pair_id=1,
            meeting_id=3,
            author_id=2,
            met=False,
            raised="r",
            will_try="w",
            usefulness=5,
            created_at=T0,
        ),
        rec.Preparation(pair_id=1, meeting_id=3, author_id=2, challenge="c", created_at=T0),
        rec.Reflection(person_id=2, prompt_key="p1", text="åäö ✓", week="2026-W10", created_at=T0),
        rec.Review(
            pair_id=1,
            person_id=2,
            kind="closing",
            answers={"score": 4, "texts": ["a", "b"], "nested": {"ok": True}},
            created_at=T0,
        ),
        rec.ConversationState(person_id=2, awaiting="journal", data={"step": 2}, updated_at=T0),
        outbox_item(
            "k-all",
            pair_id=1,
            programme_id=1,
            status="failed",
            attempts=3,
            next_attempt_at=later,
            sent_at=later,
            platform_message_id="m1",
            error="boom",
        ),
        rec.Receipt(key="slack:Ev1", created_at=T0),
        rec.AuditEntry(
            at=T0, actor_id=None, action="pair.end", subject="pair:1", detail={"reason": "moved"}
        ),
        rec.PlanWake(subject="programme:77", wake_at=later, changed=True),
        rec.WorkspaceRemoval(
            platform="slack", organisation="T9", removed_at=T0, purge_at=later, purged_at=later
        ),
    ]
