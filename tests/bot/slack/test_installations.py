"""Which token reaches which workspace's people (OAuth mode): slack-sdk's installation store
on the bot's own database, asked by workspace key, Enterprise Grid org-wide installs included."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.actors import workspace_of
from bot.slack.clients import NotInstalled, SlackClients
from bot.slack.installations import SqlInstallations, installation_key
from storage.store import SqlStore
from tests.databases import new_database_url

CLIENT = "1111.2222"


@pytest.fixture
def installations(tmp_path: Path) -> SqlInstallations:
    url = new_database_url(tmp_path)  # the tables come from migration 0007, not create_all
    return SqlInstallations(CLIENT, SqlStore(url).engine)


def installed(
    store: SqlInstallations,
    *,
    team: str | None,
    enterprise: str | None = None,
    org_wide: bool = False,
    token: str,
    at: int = 1,
) -> None:
    store.save(
        Installation(
            app_id="A0001",
            enterprise_id=enterprise,
            team_id=team,
            bot_token=token,
            bot_id="BBOT",
            bot_user_id="UBOT",
            user_id="UINSTALLER",
            is_enterprise_install=org_wide,
            installed_at=datetime(2026, 11, 2, 8, at, tzinfo=UTC).timestamp(),
        )
    )


def test_each_workspace_gets_the_token_of_its_own_newest_installation(
    installations: SqlInstallations,
) -> None:
    installed(installations, team="TA", token="xoxb-a-old", at=1)
    installed(installations, team="TA", token="xoxb-a-new", at=2)
    installed(installations, team="TB", token="xoxb-b", at=1)
    assert installations.token("TA") == "xoxb-a-new"
    assert installations.token("TB") == "xoxb-b"
    assert installations.token("TC") is None
    assert installations.token("") is None


def test_an_org_wide_grid_install_is_found_by_enterprise_id_and_only_as_org_wide(
    installations: SqlInstallations,
) -> None:
    installed(installations, team=None, enterprise="EGRID", org_wide=True, token="xoxb-org")
    # A workspace of another Grid installed on its own: its team, not its organisation.
    installed(installations, team="T9", enterprise="EOTHER", token="xoxb-t9")
    assert installations.token("EGRID") == "xoxb-org"
    assert installations.token("T9") == "xoxb-t9"
    assert installations.token("EOTHER") is None  # that organisation did not install org-wide
    # The key a request of the org-wide install carries is the enterprise id.
    body = {"team_id": "T1", "enterprise_id": "EGRID", "is_enterprise_install": True}
    assert workspace_of(body) == "EGRID"
    org = Installation(user_id="U", enterprise_id="EGRID", team_id=None, is_enterprise_install=True)
    assert installation_key(org) == "EGRID"


def test_forgetting_a_workspace_removes_its_installations_only(
    installations: SqlInstallations,
) -> None:
    installed(installations, team="TA", token="xoxb-a")
    installed(installations, team=None, enterprise="EGRID", org_wide=True, token="xoxb-org")
    installations.forget("EGRID")
    assert installations.token("EGRID") is None
    assert installations.token("TA") == "xoxb-a"
    assert installations.find_installation(enterprise_id=None, team_id="TA") is not None


async def test_a_workspace_without_installation_gets_no_client_not_another_ones(
    installations: SqlInstallations,
) -> None:
    installed(installations, team="TA", token="xoxb-a")
    clients = SlackClients(AsyncWebClient(base_url="http://127.0.0.1:9/api/"), installations)
    assert (await clients.of("TA")).token == "xoxb-a"
    with pytest.raises(NotInstalled, match="workspace_not_installed: TB"):
        await clients.of("TB")
    single = SlackClients(AsyncWebClient(token="xoxb-one"))
    assert (await single.of("TB")).token == "xoxb-one"  # one workspace: its one token
