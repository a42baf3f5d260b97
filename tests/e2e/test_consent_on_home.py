"""Before consent, Home shows the question with its buttons on both platforms: Slack's App
Home tab (Block Kit through views.publish) and Teams' `hem` card; pressed there, the answer is
saved and Home says what comes next. Never "your coordinator will pair you soon" before."""

from __future__ import annotations

import json

from conversations.records import Enrolment
from tests.e2e.conftest import SlackWorld
from tests.e2e.teams_world import ADEPT, COORD, TeamsWorld

WAITING = "Din koordinator parar snart ihop dig"
QUESTION = "Innan något annat"


def _home_blocks(world: SlackWorld, user: str) -> str:
    view = world.fake.of("views.publish")[-1]
    assert view.args["user_id"] == user
    return json.dumps(view.args["view"]["blocks"], ensure_ascii=False)


async def test_slack_app_home_shows_the_consent_question_and_takes_the_answer(
    world: SlackWorld,
) -> None:
    await world.command(
        "UCOORD", 'program new "Vår 2027" --purpose onboarding --start 2026-11-02 --end 2027-04-30'
    )
    await world.command("UCOORD", "enroll <@UADEPT|åsa> as adept")
    await world.open_home("UADEPT")
    home = _home_blocks(world, "UADEPT")
    assert QUESTION in home and WAITING not in home
    assert "Jag godkänner" in home and "Nej tack" in home

    await world.press("UADEPT", "enrolment.consent")  # the newest: the one on Home
    with world.store.transaction() as repo:
        (enrolment,) = repo.find(Enrolment)
    assert enrolment.consent_at is not None
    home = _home_blocks(world, "UADEPT")  # Home was published again after the press
    assert WAITING in home and QUESTION not in home
    assert world.fake.all_problems() == []


async def test_teams_home_card_shows_the_consent_question_and_takes_the_answer(
    teams: TeamsWorld,
) -> None:
    await teams.install(COORD)
    await teams.say(
        COORD, 'program new "Vår 2027" --purpose onboarding --start 2026-11-02 --end 2027-04-30'
    )
    await teams.say(COORD, "enroll <at>Åsa Adept</at> as adept", mentions=[ADEPT])
    await teams.say(ADEPT, "hem")
    _, home = teams.cards_of(ADEPT)[0]
    shown = json.dumps(home, ensure_ascii=False)
    assert QUESTION in shown and WAITING not in shown

    await teams.press(ADEPT, "enrolment.consent")  # on the Home card
    await teams.say(ADEPT, "hem")
    shown = json.dumps(teams.cards_of(ADEPT)[0][1], ensure_ascii=False)
    assert WAITING in shown and QUESTION not in shown
    assert teams.fake.problems == []
