"""A whole pair's journey, enrolment to closing, through Teams activities alone.

Only Bot Framework activities go in (typed messages with mentions, card submits, the app being
added); everything the bot says reaches the fake Bot Connector, which checks every card against
the Adaptive Card 1.5 schema. Time moves on the injected clock; nudges are queued by the
scheduler's own step and sent by the real dispatcher through ``TeamsDelivery``: to people who
never wrote to the bot, over a 1:1 chat it creates first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from conversations.planner import PlanRules
from conversations.records import Agreement, CheckIn, Goal, Pair, Person, Phase, Reflection, Review
from scheduler.runner import Scheduler
from tests.e2e.teams_world import ADEPT, COORD, MENTOR, TENANT, TeamsWorld


def _weekday_morning(day: date) -> datetime:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


async def _tick(world: TeamsWorld, when: datetime) -> None:
    world.clock.set(when)
    scheduler = Scheduler(
        world.store, world.dispatcher, world.clock, PlanRules(), world.engine.config
    )
    scheduler.queue()
    await world.deliver()


def _pair(world: TeamsWorld) -> Pair:
    with world.store.transaction() as repo:
        (pair,) = repo.find(Pair)
    return pair


async def test_a_pair_from_enrolment_to_closing_through_teams(teams: TeamsWorld) -> None:
    fake = teams.fake

    # The coordinator adds the app and sets up the programme by typing to the bot.
    await teams.install(COORD)
    await teams.say(
        COORD, 'program new "Vår 2027" --purpose onboarding --start 2026-11-02 --end 2027-04-30'
    )
    await teams.say(COORD, "enroll <at>Maja Mentor</at> as mentor", mentions=[MENTOR])
    await teams.say(COORD, "enroll <at>Åsa Adept</at> as adept", mentions=[ADEPT])
    await teams.deliver()
    # Neither had written to the bot: their 1:1 chats were created in the coordinator's tenant.
    created = fake.created()
    assert sorted(c.body["members"][0]["id"] for c in created) == sorted([MENTOR.aad, ADEPT.aad])
    assert all(c.body["channelData"]["tenant"]["id"] == TENANT for c in created)
    assert "Vår 2027" in teams.text_of(MENTOR)  # the consent question, in the mentor's chat
    await teams.press(MENTOR, "enrolment.consent")  # each agrees to the data use first
    await teams.press(ADEPT, "enrolment.consent")
    await teams.deliver()
    await teams.say(COORD, "pair <at>Maja Mentor</at> <at>Åsa Adept</at>", mentions=[MENTOR, ADEPT])
    await teams.deliver()
    assert len(fake.created()) == 2  # the stored references are used from now on

    # Both open the bot; their names, language and time zone come from the activity.
    await teams.say(ADEPT, "hem")
    await teams.say(MENTOR, "hem")
    with teams.store.transaction() as repo:
        adept = repo.first(Person, platform_user_id=ADEPT.aad)
    assert adept is not None
    assert (adept.display_name, adept.locale, adept.workspace) == ("Åsa Adept", "sv", TENANT)

    # First meeting: the adept books it from the button; the form comes as a card.
    await teams.press(ADEPT, "meeting.book", {"when": "2026-11-10 14:00", "place": "Kaféet"})
    await teams.deliver()
    assert _pair(teams).phase == Phase.INTRO  # goals come after the first meeting, held

    # After the meeting a check-in prompt comes through the stored reference; "we met" opens goals.
    sent_before = len(fake.sent(MENTOR.conversation))
    await _tick(teams, datetime(2026, 11, 10, 15, 30, tzinfo=UTC))
    assert len(fake.sent(MENTOR.conversation)) > sent_before
    await teams.press(
        MENTOR, "checkin.open", {"met": "yes", "raised": "Agenda, återkoppling", "usefulness": "5"}
    )
    with teams.store.transaction() as repo:
        assert len(repo.find(CheckIn)) == 1
    await teams.deliver()
    assert _pair(teams).phase == Phase.GOALS

    # Goals: the adept drafts, the mentor confirms.
    await teams.press(
        ADEPT,
        "goals.draft",
        {
            "goal1_text": "Leda mitt första teammöte med tydlig agenda & uppföljning",
            "goal1_signal": "Teamet säger att mötena känns meningsfulla",
            "goal1_rating": "2",
        },
    )
    await teams.deliver()
    await teams.press(MENTOR, "goals.confirm")
    await teams.deliver()
    with teams.store.transaction() as repo:
        assert [g.status for g in repo.find(Goal)] == ["confirmed"]
    assert _pair(teams).phase == Phase.AGREEMENT

    # Agreement: the mentor proposes (that is the mentor's acceptance), the adept accepts.
    await teams.press(MENTOR, "agreement.propose", {"cadence": "14"})
    await teams.deliver()
    await teams.press(ADEPT, "agreement.accept")
    await teams.deliver()
    with teams.store.transaction() as repo:
        (agreement,) = repo.find(Agreement)
    assert agreement.accepted
    assert _pair(teams).phase == Phase.ACTIVE

    # A typed journal entry: the prompt sets what the next message answers.
    await teams.say(ADEPT, "reflektera")
    await teams.say(ADEPT, "Jag märkte att jag pratar för mycket. 🙈 Nästa gång: fråga först.")
    with teams.store.transaction() as repo:
        assert len(repo.find(Reflection)) == 1

    # Mid-point review, prompted by the scheduler.
    pair = _pair(teams)
    await _tick(teams, _weekday_morning(pair.midpoint_on))
    await teams.press(ADEPT, "review.midpoint", {"working": "Bra rytm", "rate_1": "3"})
    await teams.press(MENTOR, "review.midpoint", {"working": "Hon tar mer plats nu"})
    with teams.store.transaction() as repo:
        assert len(repo.find(Review, kind="midpoint")) == 2

    # A refused form: the errors are shown on the same card, the values kept, nothing saved.
    await teams.say(ADEPT, "incheckning")
    refused = await teams.fill(ADEPT, {"met": "yes", "raised": "", "will_try": "Fråga först"})
    assert refused.status < 300
    card_id, card = teams.cards_of(ADEPT)[0]
    assert fake.updates(ADEPT.conversation)[-1].activity_id == card_id
    inputs = {e.get("id"): e for e in card["body"]}
    assert inputs["will_try"]["value"] == "Fråga först"
    assert any(e.get("color") == "Attention" for e in card["body"])
    with teams.store.transaction() as repo:
        assert len(repo.find(CheckIn)) == 1
    await teams.fill(ADEPT, {"raised": "Mötesledning"})
    with teams.store.transaction() as repo:
        assert len(repo.find(CheckIn)) == 2

    # Closing: prompted a week before the end date; both review, and the pair is completed.
    await _tick(teams, _weekday_morning(pair.ends_on - timedelta(days=7)))
    await teams.press(
        ADEPT, "review.closing", {"learned": "Att fråga innan jag svarar", "goal_1": "achieved"}
    )
    await teams.deliver()
    await teams.press(MENTOR, "review.closing", {"learned": "Att vänta in"})
    await teams.deliver()
    final = _pair(teams)
    assert final.phase == Phase.COMPLETED
    assert final.end_reason == "completed"

    # Every card was a valid Adaptive Card 1.5 under Teams' size limit.
    assert fake.problems == []
    assert all(c.status < 300 for c in fake.calls)
