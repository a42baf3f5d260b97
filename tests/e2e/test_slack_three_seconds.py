"""Slack's three seconds: a slow core or a slow ``users.info`` never keeps Slack waiting.

Slowness is a gate the test opens (``GatedCore``, ``FakeSlack.hold``), never a clock: with the
turn's budget set to zero, "slower than the budget" is certain while the gate is shut.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.slack.turns import Timing
from conversations.events import ButtonPressed, Command, FormSubmitted
from conversations.records import Person
from tests.e2e.conftest import IN_TIME, SlackWorld


def _person(world: SlackWorld, user: str) -> Person:
    with world.store.transaction() as repo:
        person = repo.first(Person, platform_user_id=user)
    assert person is not None
    return person


def _texts(call: Any) -> str:
    blocks = call.args.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return json.dumps(blocks, ensure_ascii=False) + str(call.args.get("text", ""))


async def _settings_view(world: SlackWorld, user: str) -> dict[str, Any]:
    await world.command(user, "inställningar")
    opened = world.fake.of("views.open")[-1]
    return {**opened.args["view"], "id": "VSET1", "hash": "h1"}


async def test_a_slow_submission_closes_the_modal_in_time_and_answers_in_the_dm(
    slow: SlackWorld,
) -> None:
    view = await _settings_view(slow, "UMENTOR")
    slow.core.close(FormSubmitted)
    slow.adapter.listeners.timing = Timing(answer_within=0.0)

    sent = await asyncio.wait_for(
        slow.submit("UMENTOR", view, {"language": "en"}, wait=False), IN_TIME
    )
    assert sent.status == 200
    assert sent.body in ("", "null")  # a plain ack: the modal closes
    assert _person(slow, "UMENTOR").locale == "sv"  # the turn has not run yet

    slow.core.open()
    await slow.settle()
    assert _person(slow, "UMENTOR").locale == "en"
    dm = slow.fake.of("chat.postMessage")[-1]
    assert dm.args["channel"] == "DUMENTOR"
    assert "Saved." in _texts(dm)
    assert slow.fake.all_problems() == []


async def test_a_slow_refused_submission_says_in_the_dm_that_nothing_was_saved(
    slow: SlackWorld,
) -> None:
    view = await _settings_view(slow, "UMENTOR")
    slow.core.close(FormSubmitted)
    slow.adapter.listeners.timing = Timing(answer_within=0.0)

    sent = await asyncio.wait_for(
        slow.submit("UMENTOR", view, {"timezone": "Mars/Olympus"}, wait=False), IN_TIME
    )
    assert sent.body in ("", "null")
    slow.core.open()
    await slow.settle()
    dm = slow.fake.of("chat.postMessage")[-1]
    assert dm.args["channel"] == "DUMENTOR"
    assert "Inget sparades" in _texts(dm)
    assert "Mars/Olympus" in _texts(dm)
    assert _person(slow, "UMENTOR").timezone == "Europe/Stockholm"


async def test_a_submission_does_not_wait_for_users_info(world: SlackWorld) -> None:
    view = await _settings_view(world, "UMENTOR")
    held = world.fake.hold("users.info")
    try:
        # Åsa's first contact is a submission: answered before Slack tells us who she is.
        sent = await asyncio.wait_for(world.submit("UADEPT", view, {}, wait=False), IN_TIME)
        assert sent.status == 200
        assert sent.body in ("", "null")
    finally:
        held.set()
    await world.settle()
    adept = _person(world, "UADEPT")
    assert (adept.display_name, adept.timezone) == ("Åsa Adept", "Europe/Stockholm")


async def test_first_contact_is_answered_without_waiting_for_a_slow_users_info(
    world: SlackWorld,
) -> None:
    world.adapter.listeners.timing = Timing(profile_wait=0.0)
    held = world.fake.hold("users.info")
    try:
        await world.command("UCOORD", "help", wait=False)
        await world.fake.wait_for(
            lambda calls: any(c.method == "response_url" for c in calls), IN_TIME
        )
        assert world.fake.of("users.info") == []  # still unanswered
    finally:
        held.set()
    await world.settle()
    coordinator = _person(world, "UCOORD")  # the profile is stored when it comes
    assert (coordinator.display_name, coordinator.locale, coordinator.timezone) == (
        "Kim Koordinator",
        "en",
        "Europe/London",
    )


async def test_a_slow_command_opens_a_loading_modal_and_then_the_form(slow: SlackWorld) -> None:
    await slow.command("UMENTOR", "hjälp")
    slow.core.close(Command)
    slow.adapter.listeners.timing = Timing(answer_within=0.0)

    await slow.command("UMENTOR", "inställningar", wait=False)
    await slow.fake.wait_for(
        lambda calls: any(c.method == "views.open" for c in calls), IN_TIME
    )  # while the turn is still running: the trigger is used in time
    (loading,) = slow.fake.of("views.open")
    assert loading.args["trigger_id"]
    assert "submit" not in loading.args["view"]
    assert slow.fake.of("views.update") == []

    slow.core.open()
    await slow.settle()
    (update,) = slow.fake.of("views.update")
    assert update.args["view_id"] == loading.answer["view"]["id"]
    assert update.args["view"]["callback_id"] == "settings"
    assert len(slow.fake.of("views.open")) == 1
    assert slow.fake.all_problems() == []


async def test_a_slow_button_without_a_form_shows_its_answer_in_the_loading_modal(
    slow: SlackWorld,
) -> None:
    await slow.dm("UMENTOR", "hem")
    posts = len(slow.fake.of("chat.postMessage"))
    slow.core.close(ButtonPressed)
    slow.adapter.listeners.timing = Timing(answer_within=0.0)

    button, where = slow.find_button("UMENTOR", "journal.view")
    click = asyncio.ensure_future(slow.click("UMENTOR", button, where=where))
    await slow.fake.wait_for(lambda calls: any(c.method == "views.open" for c in calls), IN_TIME)
    slow.core.open()
    await click
    (update,) = slow.fake.of("views.update")
    assert update.args["view_id"] == slow.fake.of("views.open")[0].answer["view"]["id"]
    assert update.args["view"]["type"] == "modal"
    assert len(slow.fake.of("chat.postMessage")) > posts  # and in the DM where it was pressed
    assert slow.fake.all_problems() == []
