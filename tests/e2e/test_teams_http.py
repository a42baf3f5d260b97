"""Single Teams activities over real HTTP: installing, typing, pressing, retries."""

from __future__ import annotations

from typing import Any

from conversations.records import AuditEntry, OutboxItem, Person, Receipt
from tests.e2e.teams_world import BOT_ID, COORD, MENTOR, TENANT, TeamsWorld


def _counts(world: TeamsWorld) -> tuple[int, int, int, int]:
    with world.store.transaction() as repo:
        return (
            len(repo.find(Person)),
            len(repo.find(Receipt)),
            len(repo.find(OutboxItem)),
            len(repo.find(AuditEntry)),
        )


async def test_installing_greets_the_person_once_in_their_language(teams: TeamsWorld) -> None:
    assert (await teams.install(MENTOR)).status < 300
    assert (await teams.install(MENTOR)).status < 300  # conversationUpdate and installationUpdate
    sent = teams.fake.sent(MENTOR.conversation)
    assert len(sent) == 1
    assert "Det här kan jag hjälpa dig med" in teams.text_of(MENTOR)  # sv-SE: Swedish
    with teams.store.transaction() as repo:
        person = repo.first(Person, platform_user_id=MENTOR.aad)
    assert person is not None
    assert (person.workspace, person.display_name, person.locale, person.timezone) == (
        TENANT,
        "Maja Mentor",
        "sv",
        "Europe/Stockholm",
    )
    assert teams.fake.problems == []


async def test_a_typed_command_is_answered_with_a_card(teams: TeamsWorld) -> None:
    posted = await teams.say(COORD, "help")
    assert posted.status < 300
    (call,) = teams.fake.sent(COORD.conversation)
    assert call.cards()
    assert "program" in teams.text_of(COORD)
    assert teams.fake.problems == []


async def test_a_retried_activity_changes_nothing(teams: TeamsWorld) -> None:
    await teams.say(
        COORD, 'program new "Vår" --start 2026-11-02 --end 2027-04-30', activity_id="f:same"
    )
    before, sent = _counts(teams), len(teams.fake.calls)
    again: Any = await teams.say(
        COORD, 'program new "Vår" --start 2026-11-02 --end 2027-04-30', activity_id="f:same"
    )
    assert again.status < 300
    assert _counts(teams) == before
    assert len(teams.fake.calls) == sent


async def test_installation_update_greets_too_but_only_once(teams: TeamsWorld) -> None:
    installed = teams.activity(MENTOR, "installationUpdate", action="add")
    assert (await teams.post(installed)).status < 300
    await teams.install(MENTOR)
    assert len(teams.fake.sent(MENTOR.conversation)) == 1


async def test_the_bot_alone_added_to_a_team_greets_nobody(teams: TeamsWorld) -> None:
    added = teams.activity(MENTOR, "conversationUpdate", membersAdded=[{"id": BOT_ID}])
    added["conversation"] = {"id": "19:team", "conversationType": "channel", "tenantId": TENANT}
    assert (await teams.post(added)).status < 300
    assert teams.fake.calls == []
    with teams.store.transaction() as repo:
        assert repo.find(Person) == []


async def test_a_pressed_card_is_updated_and_a_second_press_says_it_is_stale(
    teams: TeamsWorld,
) -> None:
    await teams.say(MENTOR, "hem")
    card_id, _, button = teams.find_action(MENTOR, lambda r: r.get("k") == "b", "a button")
    first = await teams.submit(MENTOR, card_id, dict(button["data"]))
    assert first.status < 300
    (update,) = teams.fake.updates(MENTOR.conversation)
    assert update.activity_id == card_id
    assert "actions" not in update.cards()[0]  # nothing left to press
    before, sent = _counts(teams), len(teams.fake.sent())
    again = await teams.submit(MENTOR, card_id, dict(button["data"]))  # a double click
    assert again.status < 300
    assert _counts(teams) == before
    assert len(teams.fake.sent()) == sent  # no second answer
    stale = teams.fake.updates(MENTOR.conversation)[-1]
    assert "redan använt" in str(stale.body)


async def test_a_request_that_is_not_an_activity_is_refused(teams: TeamsWorld) -> None:
    assert (await teams.post({"no": "type"})).status == 400


async def test_an_english_teams_locale_gets_english_and_its_time_zone(teams: TeamsWorld) -> None:
    await teams.install(COORD)  # locale en-US, Europe/London
    assert "What I can do for you" in teams.text_of(COORD)
    with teams.store.transaction() as repo:
        person = repo.first(Person, platform_user_id=COORD.aad)
    assert person is not None
    assert (person.locale, person.timezone, person.is_coordinator) == ("en", "Europe/London", True)
