"""Which workspace a request belongs to."""

from __future__ import annotations

import pytest

from bot.slack.actors import user_of, workspace_of

GRID = {"enterprise_id": "E1", "is_enterprise_install": "true"}


@pytest.mark.parametrize(
    ("body", "workspace"),
    [
        ({"team_id": "T1", "user_id": "U1"}, "T1"),  # a slash command
        ({"team_id": "T1", **GRID}, "E1"),  # … from an org-wide install
        ({"team_id": "T1", "enterprise_id": "E1", "is_enterprise_install": "false"}, "T1"),
        ({"team_id": "T2", "enterprise_id": "E1", "is_enterprise_install": True}, "E1"),  # event
        (
            {
                "team_id": "T2",
                "enterprise_id": "E1",
                "authorizations": [{"enterprise_id": "E1", "is_enterprise_install": True}],
            },
            "E1",
        ),
        ({"team": {"id": "T3"}, "user": {"id": "U1", "team_id": "T3"}}, "T3"),  # a button
        ({"team": None, "user": {"id": "U1", "team_id": "T3"}}, "T3"),
        (
            {"team": None, "enterprise": {"id": "E1"}, "is_enterprise_install": True},
            "E1",
        ),
        ({"event": {"team": "T4"}}, "T4"),
        ({"team": ["odd"], "user": "U1", "is_enterprise_install": "true"}, ""),
    ],
)
def test_the_workspace_key_is_the_team_or_an_org_wide_installs_enterprise(
    body: dict[str, object], workspace: str
) -> None:
    assert workspace_of(body) == workspace


def test_the_acting_user_of_a_payload() -> None:
    assert user_of({"user": {"id": "U1"}}) == "U1"
    assert user_of({"user": "U2"}) == "U2"
    assert user_of({"user": ["U3"]}) == ""
