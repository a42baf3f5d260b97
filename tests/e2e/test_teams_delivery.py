"""What the scheduler sends reaches Teams people through their stored conversation reference;
Teams' refusals and rate limits come back as the dispatcher's permanent and transient errors."""

from __future__ import annotations

from datetime import timedelta

from conversations.messages import Message, Section, text
from conversations.records import OutboxItem, OutboxStatus, Person
from tests.e2e.teams_world import ADEPT, COORD, MENTOR, TeamsWorld


def _person(world: TeamsWorld, aad: str) -> Person:
    with world.store.transaction() as repo:
        person = repo.first(Person, platform_user_id=aad)
    assert person is not None
    return person


def _queue(world: TeamsWorld, person: Person, n: int, kind: str = "test") -> None:
    with world.store.transaction() as repo:
        for i in range(n):
            repo.enqueue(
                OutboxItem(
                    key=f"{kind}:{person.id}:{i}",
                    person_id=person.id,
                    kind=kind,
                    payload=text(f"Påminnelse {i}").model_dump(mode="json"),
                    due_at=world.clock.now(),
                    created_at=world.clock.now(),
                )
            )


def _rows(world: TeamsWorld) -> list[OutboxItem]:
    with world.store.transaction() as repo:
        return repo.find(OutboxItem)


async def _enrolled(world: TeamsWorld) -> None:
    await world.install(COORD)
    await world.say(
        COORD, 'program new "Höst" --purpose onboarding --start 2026-11-02 --end 2027-04-30'
    )
    await world.say(COORD, "enroll <at>Maja Mentor</at> as mentor", mentions=[MENTOR])


async def test_a_nudge_reaches_a_person_through_their_stored_reference(teams: TeamsWorld) -> None:
    await teams.say(MENTOR, "hem")  # the reference is stored as they write
    mentor = _person(teams, MENTOR.aad)
    _queue(teams, mentor, 1, "nudge")
    await teams.deliver()
    assert teams.fake.created() == []  # no new chat: the one they wrote in
    assert "Påminnelse 0" in teams.text_of(MENTOR)
    assert [r.status for r in _rows(teams)] == [OutboxStatus.SENT]


async def test_a_person_the_app_is_not_installed_for_is_reported_to_the_coordinator_once(
    teams: TeamsWorld,
) -> None:
    teams.fake.fail(f"create:{MENTOR.aad}", 403, times=10)
    await _enrolled(teams)
    await teams.deliver()  # the welcome: Teams refuses to open a chat with the mentor
    await teams.deliver()  # the note it queued for the coordinator
    mentor = _person(teams, MENTOR.aad)
    (welcome,) = [r for r in _rows(teams) if r.person_id == mentor.id]
    assert welcome.status == OutboxStatus.FAILED
    (note,) = [r for r in _rows(teams) if r.kind == "delivery-failed-coordinator"]
    assert note.status == OutboxStatus.SENT
    told = teams.text_of(COORD)
    assert "the app is not installed for them. Install it for them" in told
    assert "teams_forbidden" not in told  # the code and its note are for operators
    await teams.deliver()  # nothing more to tell, nothing sent again
    notes = [r for r in _rows(teams) if r.kind == "delivery-failed-coordinator"]
    assert len(notes) == 1
    assert len([c for c in teams.fake.calls if c.path == "/v3/conversations"]) == 1  # tried once
    _queue(teams, mentor, 2, "nudge")  # later messages to the same person fail the same way
    await teams.deliver()
    await teams.deliver()
    failed = [r for r in _rows(teams) if r.person_id == mentor.id]
    assert [r.status for r in failed] == [OutboxStatus.FAILED] * 3
    notes = [r for r in _rows(teams) if r.kind == "delivery-failed-coordinator"]
    assert len(notes) == 1  # once per person, not once per message


async def test_a_429_storm_loses_nothing_and_sends_nothing_twice(teams: TeamsWorld) -> None:
    await teams.say(ADEPT, "hem")
    adept = _person(teams, ADEPT.aad)
    teams.fake.fail(ADEPT.conversation, 429, headers={"Retry-After": "2"}, times=8)
    teams.fake.fail(ADEPT.conversation, 503, times=2)
    _queue(teams, adept, 5)
    for _ in range(12):
        await teams.deliver()
        if all(r.status == OutboxStatus.SENT for r in _rows(teams)):
            break
        teams.clock.advance(timedelta(minutes=5))
    assert [r.status for r in _rows(teams)] == [OutboxStatus.SENT] * 5
    shown = [
        c.cards()[0] for c in teams.fake.sent(ADEPT.conversation) if "Påminnelse" in str(c.body)
    ]
    texts = sorted(str(card["body"]) for card in shown)
    assert len(texts) == 5 and len(set(texts)) == 5  # each once
    assert teams.fake.problems == []


async def test_a_long_message_cut_short_by_an_error_sends_only_the_rest_when_retried(
    teams: TeamsWorld,
) -> None:
    await teams.say(ADEPT, "hem")
    adept = _person(teams, ADEPT.aad)
    long = Message(sections=tuple(Section(text=f"Del {i}: " + "ord " * 2000) for i in range(8)))
    with teams.store.transaction() as repo:
        repo.enqueue(
            OutboxItem(
                key="long",
                person_id=adept.id,
                kind="test",
                payload=long.model_dump(mode="json"),
                due_at=teams.clock.now(),
                created_at=teams.clock.now(),
            )
        )
    teams.fake.fail(ADEPT.conversation, 503, after=1)  # the first card goes, the second fails
    before = len(teams.fake.sent(ADEPT.conversation))
    await teams.deliver()
    teams.clock.advance(timedelta(minutes=5))
    await teams.deliver()
    assert [r.status for r in _rows(teams) if r.key == "long"] == [OutboxStatus.SENT]
    parts = [str(c.body) for c in teams.fake.sent(ADEPT.conversation)[before:]]
    firsts = [p for p in parts if "Del 0:" in p]
    assert len(firsts) == 1  # not sent again
    assert all(any(f"Del {i}:" in p for p in parts) for i in range(8))
