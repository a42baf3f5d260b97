"""An invitation counts as reminded once its one reminder has reached the person: the
dispatcher marks it when the platform took the row, not when the row was queued, and not
when the platform refused it."""

from __future__ import annotations

import random
from datetime import date

from conversations.invitation_counts import invitation_counts
from conversations.invitation_reminders import REMINDER_KIND
from conversations.memory import InMemoryStore, ManualClock
from conversations.messages import Button, Message
from conversations.records import Invitation, OutboxItem, Role
from conversations.refs import InvitationRef
from scheduler.dispatcher import DeliveryLimits, Dispatcher
from tests.scheduler.world import ClockSleeper, FakePlatform, add_person, add_programme, gone, utc

T0 = utc(2026, 5, 4, 8)


def invited_and_reminder_queued(store: InMemoryStore, who: str) -> tuple[int, int]:
    with store.transaction() as repo:
        kim = add_person(repo, f"kim-{who}", is_coordinator=True)
        person = add_person(repo, who)
        programme = add_programme(repo, kim, date(2026, 6, 1), date(2026, 9, 1))
        invitation = repo.add(
            Invitation(
                programme_id=programme.id or 0,
                person_id=person.id or 0,
                role=Role.ADEPT,
                invited_by=kim.id or 0,
                sent_at=T0,
            )
        )
        ref = InvitationRef(invitation.id or 0).encode()
        reminder = Message(
            title="A reminder",
            buttons=(
                Button(label="Yes", action="invitation.accept", value=ref),
                Button(label="No", action="invitation.decline", value=ref),
            ),
        )
        repo.enqueue(
            OutboxItem(
                key=f"reminder-{who}",
                person_id=person.id,
                kind=REMINDER_KIND,
                payload=reminder.model_dump(mode="json"),
                due_at=T0,
                created_at=T0,
            )
        )
        return programme.id or 0, invitation.id or 0


async def test_a_delivered_reminder_marks_its_invitation_and_a_refused_one_does_not() -> None:
    store = InMemoryStore()
    clock = ManualClock(T0)
    delivered, _ = invited_and_reminder_queued(store, "bo")
    refused, _ = invited_and_reminder_queued(store, "cia")
    platform = FakePlatform(clock, errors={"reminder-cia": [gone()]})
    dispatcher = Dispatcher(
        store,
        platform,
        clock,
        DeliveryLimits(),
        store=store,
        sleep=ClockSleeper(clock),
        rng=random.Random(7),
    )
    with store.transaction() as repo:
        assert invitation_counts(repo, delivered).reminded == 0  # queued is not reminded
    await dispatcher.deliver_due()
    with store.transaction() as repo:
        assert invitation_counts(repo, delivered).reminded == 1
        assert invitation_counts(repo, refused).reminded == 0
        (bo,) = [i for i in repo.find(Invitation) if i.programme_id == delivered]
    assert bo.reminded_at is not None and bo.reminded_at >= T0  # when it went, by the clock
