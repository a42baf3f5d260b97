"""A whole pair's journey, enrolment to closing, through Slack payloads alone.

Only signed HTTP requests go in (slash commands, DMs, button presses, modal submissions, App
Home opens); everything the bot says comes out as Web API calls recorded by the fake Slack,
which validates each against Slack's method schemas and Block Kit limits. Time moves on the
injected clock; nudges are queued by the scheduler's own step and sent by the real dispatcher
through ``SlackDelivery``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.slack.manifest import bot_scopes
from conversations.planner import PlanRules
from conversations.records import Agreement, CheckIn, Goal, Pair, Person, Phase, Reflection, Review
from scheduler.runner import Scheduler

MENTOR, ADEPT, COORD = "UMENTOR", "UADEPT", "UCOORD"
METHODS = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "schemas" / "slack-web-api" / "methods"
)


def _weekday_morning(day: date) -> datetime:
    """09:00 UTC on ``day``, or on the next Monday if ``day`` falls on a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


async def _tick(world: Any, when: datetime) -> None:
    """Move the clock, queue whatever became due, deliver it."""
    world.clock.set(when)
    scheduler = Scheduler(
        world.store, world.dispatcher, world.clock, PlanRules(), world.engine.config
    )
    scheduler.queue()
    await world.deliver()


def _pair(world: Any) -> Pair:
    with world.store.transaction() as repo:
        (pair,) = repo.find(Pair)
    return pair


async def test_a_pair_from_enrolment_to_closing_through_slack(world: Any) -> None:
    fake = world.fake

    # The coordinator sets up the programme with the slash command.
    await world.command(
        COORD, 'program new "Vår 2027" --purpose onboarding --start 2026-11-02 --end 2027-04-30'
    )
    await world.command(COORD, "enroll <@UMENTOR|maja> as mentor")
    await world.command(COORD, "enroll <@UADEPT|åsa> as adept")
    await world.deliver()  # each agrees to the data use before anything else
    await world.press(MENTOR, "enrolment.consent")
    await world.press(ADEPT, "enrolment.consent")
    await world.deliver()
    assert "Vår 2027" in world.texts_shown_to(MENTOR)  # the welcome, in the mentor's DM
    await world.command(COORD, "pair <@UMENTOR|maja> <@UADEPT|åsa>")
    await world.deliver()

    # The pair is introduced in a group DM with both, and each gets their own next step.
    group_opens = [c for c in fake.of("conversations.open") if "," in str(c.args.get("users"))]
    assert [sorted(str(c.args["users"]).split(",")) for c in group_opens] == [[ADEPT, MENTOR]]
    group = group_opens[0].answer["channel"]["id"]
    assert any(c.args["channel"] == group for c in fake.of("chat.postMessage"))
    assert any(c.args["channel"] == f"D{MENTOR}" for c in fake.of("chat.postMessage"))
    assert any(c.args["channel"] == f"D{ADEPT}" for c in fake.of("chat.postMessage"))

    # Both people's profiles came from users.info at first contact (they were mentioned first).
    await world.dm(ADEPT, "hem")
    await world.dm(MENTOR, "hem")
    with world.store.transaction() as repo:
        adept = repo.first(Person, platform_user_id=ADEPT)
    assert adept is not None
    assert (adept.display_name, adept.locale) == ("Åsa Adept", "sv")

    # First meeting: the adept books it from the button in the group DM (modal opened at once).
    booked = await world.press(
        ADEPT, "meeting.book", {"when": "2026-11-10 14:00", "place": "Kaféet på plan 3"}
    )
    assert booked.status == 200
    await world.deliver()
    assert _pair(world).phase == Phase.INTRO  # goals come after the first meeting, held

    # After the meeting the scheduler prompts a check-in; saying they met opens goal setting; the mentor logs it in a modal.
    await _tick(world, datetime(2026, 11, 10, 15, 30, tzinfo=UTC))  # the meeting ended at 14:00 UTC
    await world.press(
        MENTOR, "checkin.open", {"met": "yes", "raised": "Agenda, återkoppling", "usefulness": "5"}
    )
    with world.store.transaction() as repo:
        assert len(repo.find(CheckIn)) == 1
    await world.deliver()
    assert _pair(world).phase == Phase.GOALS

    # Goals: the adept drafts them in a modal, the mentor confirms from the DM.
    await world.press(
        ADEPT,
        "goals.draft",
        {
            "goal1_text": "Leda mitt första teammöte med tydlig agenda & uppföljning",
            "goal1_signal": "Teamet säger att mötena känns meningsfulla",
            "goal1_rating": "2",
        },
    )
    await world.deliver()
    await world.press(MENTOR, "goals.confirm")
    await world.deliver()
    with world.store.transaction() as repo:
        assert [g.status for g in repo.find(Goal)] == ["confirmed"]
    assert _pair(world).phase == Phase.AGREEMENT

    # Agreement: the mentor proposes (that is the mentor's acceptance), the adept accepts.
    await world.press(MENTOR, "agreement.propose", {"cadence": "14"})
    await world.deliver()
    await world.press(ADEPT, "agreement.accept")
    await world.deliver()
    with world.store.transaction() as repo:
        (agreement,) = repo.find(Agreement)
    assert agreement.accepted
    assert _pair(world).phase == Phase.ACTIVE

    # A typed journal entry, answered in the DM (the prompt sets what the next message answers).
    await world.dm(ADEPT, "reflektera")
    await world.dm(
        ADEPT, "Jag märkte att jag pratar för mycket på mötena. 🙈 Nästa gång: fråga först."
    )
    with world.store.transaction() as repo:
        assert len(repo.find(Reflection)) == 1

    # Mid-point review, prompted by the scheduler on the pair's mid-point date.
    pair = _pair(world)
    await _tick(world, _weekday_morning(pair.midpoint_on))
    await world.press(ADEPT, "review.midpoint", {"working": "Bra rytm", "rate_1": "3"})
    await world.press(MENTOR, "review.midpoint", {"working": "Hon tar mer plats nu"})
    with world.store.transaction() as repo:
        assert len(repo.find(Review, kind="midpoint")) == 2

    # The App Home tab is each person's dashboard.
    await world.open_home(ADEPT)
    home = fake.of("views.publish")[-1]
    assert home.args["user_id"] == ADEPT
    dashboard = world.texts_shown_to(ADEPT).split("\n")[0]
    assert "Maja Mentor" in dashboard  # their pair
    await world.open_home(COORD)
    assert "Vår 2027" in world.texts_shown_to(COORD).split("\n")[0]  # their programme's health
    # A button on the Home tab works like any other (the adept logs a check-in there); a
    # missing answer is shown inside the modal, and nothing is saved until it is fixed.
    refused = await world.press(ADEPT, "checkin.open", {"met": "yes", "will_try": "Fråga först"})
    assert refused.json()["response_action"] == "errors"
    assert set(refused.json()["errors"]) == {"raised"}
    with world.store.transaction() as repo:
        assert len(repo.find(CheckIn)) == 1
    modal = fake.of("views.open")[-1].answer["view"]
    await world.submit(
        ADEPT, modal, {"met": "yes", "raised": "Mötesledning", "will_try": "Fråga först"}
    )
    with world.store.transaction() as repo:
        assert len(repo.find(CheckIn)) == 2

    # Closing: prompted a week before the end date; both review, and the pair is completed.
    await _tick(world, _weekday_morning(pair.ends_on - timedelta(days=7)))
    await world.press(
        ADEPT, "review.closing", {"learned": "Att fråga innan jag svarar", "goal_1": "achieved"}
    )
    await world.deliver()
    await world.press(MENTOR, "review.closing", {"learned": "Att vänta in"})
    await world.deliver()
    final = _pair(world)
    assert final.phase == Phase.COMPLETED
    assert final.end_reason == "completed"

    # Everything the bot sent was a valid Web API call with valid Block Kit, within limits.
    assert fake.all_problems() == []
    assert {c.method for c in fake.calls} <= {
        "auth.test",
        "users.info",
        "conversations.open",
        "chat.postMessage",
        "views.open",
        "views.push",
        "views.publish",
        "response_url",
        "files.getUploadURLExternal",  # the calendar invitations
        "upload",
        "files.completeUploadExternal",
    }

    # The manifest asks for every bot scope these calls need (and `scope.bot` names it).
    granted = set(bot_scopes())
    for method in {c.method for c in fake.calls} - {"response_url", "upload"}:
        spec = json.loads((METHODS / f"{method}.json").read_text(encoding="utf-8"))
        needs = set((spec.get("scope") or {}).get("bot") or [])
        assert not needs or needs & granted, f"{method} needs one of {sorted(needs)}"
