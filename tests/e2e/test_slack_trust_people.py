"""Who a request names and who sends it, over the real endpoint: only Slack's own mentions
name people, named people get their Slack profile, and an Enterprise Grid organisation that
installed the bot org-wide is one workspace whichever of its workspaces a request comes from."""

from __future__ import annotations

from pathlib import Path

from conversations.records import Person, Programme
from tests.e2e.conftest import FakeSlack, SlackWorld, running_world
from tests.e2e.test_slack_trust import PROGRAMME

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
