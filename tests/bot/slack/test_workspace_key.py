"""Which workspace a request belongs to, and which people a command names."""

from __future__ import annotations

import pytest

from bot.slack.actors import user_of, workspace_of
from bot.slack.mentions import mentioned_ids, typed_names
from conversations.events import Command, TextReceived

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


@pytest.mark.parametrize(
    ("typed", "mentions", "names"),
    [
        ("enroll @anna as mentor", {}, ["@anna"]),
        ("registrera @UMENTOR @anna som adept", {"@UMENTOR": "UMENTOR"}, ["@anna"]),
        ("pair @UMENTOR @UADEPT", {"@UMENTOR": "UMENTOR", "@UADEPT": "UADEPT"}, []),
        ("enroll \u202e@anna as mentor", {}, ["@anna"]),  # as the core reads it
        ("möte 2027-01-14 10:00 @kontoret", {}, []),  # not a command that names people
        ("Pratade med @anna om målen", {}, []),  # not a command at all
        ("coordinators add @@", {}, ["@@"]),
    ],
)
def test_only_mentions_name_people_in_commands_that_name_people(
    typed: str, mentions: dict[str, str], names: list[str]
) -> None:
    assert typed_names(Command(text=typed, mentions=mentions)) == names
    assert typed_names(TextReceived(text=typed, mentions=mentions)) == names


def test_the_people_a_command_names_by_mention_once_each() -> None:
    command = Command(
        text="pair @UMENTOR @UADEPT @UMENTOR",
        mentions={"@UMENTOR": "UMENTOR", "@UADEPT": "UADEPT"},
    )
    assert mentioned_ids(command) == ["UMENTOR", "UADEPT"]
    assert mentioned_ids(Command(text="help @UMENTOR", mentions={"@UMENTOR": "UMENTOR"})) == []
