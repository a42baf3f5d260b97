"""Who a request names and who sends it, over the real endpoint: only Slack's own mentions
name people, named people get their Slack profile, and an Enterprise Grid organisation that
installed the bot org-wide is one workspace whichever of its workspaces a request comes from."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from conversations.records import Enrolment, Meeting, Person, Programme
from tests.e2e.conftest import FakeSlack, SlackWorld, running_world
from tests.e2e.test_slack_trust import PROGRAMME, paired, texts

# 10. Only real mentions name people ----------------------------------------------------------


async def test_a_name_typed_without_autocomplete_is_not_taken_for_a_person(
    world: SlackWorld,
) -> None:
    await world.command("UCOORD", f'program new "Vår 2027" {PROGRAMME}')
    await world.command("UCOORD", "enroll @anna as mentor")  # UCOORD reads English
    assert "@-autocomplete" in texts(world, "UCOORD")
    await world.dm("UCOORD", "enroll <@UMENTOR|maja> @anna as mentor")
    await world.command("UMENTOR", "pair @anna @bo")  # not a coordinator; reads Swedish
    assert "@-förslag" in texts(world, "UMENTOR")
    with world.store.transaction() as repo:
        assert [p.platform_user_id for p in repo.find(Person)] == ["UCOORD"]  # nobody else
        assert repo.find(Enrolment) == []


async def test_an_at_sign_in_a_meeting_place_or_a_mentioned_person_still_works(
    world: SlackWorld,
) -> None:
    await paired(world)  # every person named with Slack's autocomplete
    with world.store.transaction() as repo:
        assert len(repo.find(Enrolment)) == 2
    await world.command("UADEPT", "möte 2026-11-10 14:00 @kontoret plan 3")
    with world.store.transaction() as repo:
        assert [m.place for m in repo.find(Meeting)] == ["@kontoret plan 3"]


# 11. People named by mention get their Slack name, language and time zone --------------------


async def test_people_named_by_mention_are_shown_and_stored_with_their_slack_profile(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.add_user("UNORA", "Nora Newyork", locale="en-US", tz="America/New_York")
    async with running_world(fake_slack, tmp_path) as world:
        await world.command("UCOORD", f'program new "Vår 2027" {PROGRAMME}')
        await world.command("UCOORD", "enroll <@UNORA|nora> as mentor")
        assert "Enrolled Nora Newyork as mentor" in texts(world, "UCOORD")
        await world.command("UCOORD", "enroll <@UADEPT|åsa> as adept")
        # Each is asked to agree to the data use in their working hours: 09:00 in New York.
        world.clock.advance(timedelta(hours=6))
        await world.deliver()
        await world.press("UNORA", "enrolment.consent")
        await world.press("UADEPT", "enrolment.consent")
        await world.command("UCOORD", "pair <@UNORA|nora> <@UADEPT|åsa>")
        assert "Paired Nora Newyork (mentor) with Åsa Adept (adept)" in texts(world, "UCOORD")
        await world.deliver()
        # They speak different languages: each reads the introduction in their own DM, and no
        # group DM speaks only one of them.
        group = [
            c for c in world.fake.of("chat.postMessage") if str(c.args["channel"]).startswith("G")
        ]
        assert not group
        to_nora, to_asa = texts(world, "UNORA"), texts(world, "UADEPT")
        assert "Meet your mentoring partner" in to_nora and "Möt din" not in to_nora
        assert "Möt din mentorpartner" in to_asa
        for told in (to_nora, to_asa):
            assert "*Nora Newyork* (mentor)" in told and "*Åsa Adept* (adept)" in told
        with world.store.transaction() as repo:
            nora = repo.first(Person, platform_user_id="UNORA")
        assert nora is not None
        assert (nora.display_name, nora.locale, nora.timezone) == (
            "Nora Newyork",
            "en",
            "America/New_York",
        )
        looked_up = [c.args["user"] for c in world.fake.of("users.info")]
        assert looked_up.count("UNORA") == 1  # named twice, asked once


async def test_naming_people_creates_nobody_for_someone_who_may_not_enrol_them(
    world: SlackWorld,
) -> None:
    await world.command("UMENTOR", "enroll <@UADEPT|åsa> as adept")  # not a coordinator
    assert "Bara programkoordinatorer" in texts(world, "UMENTOR")
    with world.store.transaction() as repo:
        assert repo.first(Person, platform_user_id="UADEPT") is None


# 12. Enterprise Grid: an org-wide install is one workspace -------------------------------------

GRID = "E0GRID"
ORG_WIDE = {"enterprise_id": GRID, "is_enterprise_install": "true"}


async def test_an_org_wide_grid_install_is_one_workspace_for_commands_events_and_buttons(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with running_world(fake_slack, tmp_path, coordinators=[f"slack:{GRID}:UCOORD"]) as world:
        await world.command(
            "UCOORD", f'program new "Grid-programmet" {PROGRAMME}', team="TONE", extra=ORG_WIDE
        )
        await world.command(
            "UCOORD", "enroll <@UMENTOR|maja> as mentor", team="TTWO", extra=ORG_WIDE
        )
        await world.dm(
            "UMENTOR",
            "hem",
            team="TTWO",
            extra={"enterprise_id": GRID, "is_enterprise_install": True},
        )
        button = {"action_id": "home~0", "value": ""}
        where = {"channel": {"id": "DUMENTOR"}, "container": {"type": "message"}}
        org = {"enterprise": {"id": GRID, "name": "Grid"}, "is_enterprise_install": True}
        await world.click("UMENTOR", button, where=where, team="TONE", extra=org)
        with world.store.transaction() as repo:
            programmes = repo.find(Programme)
            people = repo.find(Person)
        assert [(p.name, p.workspace) for p in programmes] == [("Grid-programmet", GRID)]
        assert sorted((p.platform_user_id, p.workspace) for p in people) == [
            ("UCOORD", GRID),
            ("UMENTOR", GRID),
        ]


async def test_a_workspace_level_install_in_a_grid_is_keyed_by_its_team(
    world: SlackWorld,
) -> None:
    await world.command(
        "UMENTOR",
        "hjälp",
        team="TONE",
        extra={"enterprise_id": GRID, "is_enterprise_install": "false"},
    )
    with world.store.transaction() as repo:
        assert [p.workspace for p in repo.find(Person)] == ["TONE"]
