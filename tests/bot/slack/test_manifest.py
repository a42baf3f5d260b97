import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from bot.settings import Settings, SlackSettings
from bot.slack.manifest import METHOD_SCOPES, bot_scopes, slack_manifest

SCHEMAS = Path(__file__).resolve().parents[3] / ".." / "shared" / "schemas"
MANIFEST_SCHEMAS = SCHEMAS / "slack-manifest"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"

pytestmark = pytest.mark.skipif(
    not MANIFEST_SCHEMAS.is_dir(), reason=f"Slack manifest schema not found at {MANIFEST_SCHEMAS}"
)


def _validator() -> Draft7Validator:
    entry = json.loads((MANIFEST_SCHEMAS / "manifest.schema.json").read_text(encoding="utf-8"))
    registry: Registry = Registry()
    for local in MANIFEST_SCHEMAS.glob("manifest.schema.*.json"):
        contents = json.loads(local.read_text(encoding="utf-8"))
        registry = registry.with_resource(REMOTE + local.name, DRAFT7.create_resource(contents))
    # Only the 1.x schema is stored; the entry also points at 2.x, which our manifests (major
    # version 1) can never match: register it as "matches nothing" so validation stays offline.
    never = REMOTE + "manifest.schema.2.0.0.json"
    if never not in registry:
        registry = registry.with_resource(never, DRAFT7.create_resource(False))
    return Draft7Validator(entry, registry=registry)


def _manifest(**slack: object) -> dict[str, object]:
    settings = Settings(slack=SlackSettings(**slack))  # type: ignore[arg-type]
    return yaml.safe_load(slack_manifest(settings))  # type: ignore[no-any-return]


@pytest.mark.parametrize("socket_mode", [True, False], ids=["socket-mode", "http"])
def test_manifest_is_valid_against_slacks_schema(socket_mode: bool) -> None:
    manifest = _manifest(socket_mode=socket_mode, public_url="https://mentor.example.org")
    errors = sorted(_validator().iter_errors(manifest), key=str)
    assert [e.message for e in errors] == []


def test_the_schema_check_catches_a_broken_manifest() -> None:
    manifest = _manifest()
    manifest["features"]["slash_commands"][0]["command"] = "mentor"  # type: ignore[index]
    manifest["settings"]["socket_mode"] = True  # type: ignore[index]
    assert len(list(_validator().iter_errors(manifest))) > 0


def test_socket_mode_needs_no_request_urls() -> None:
    text = json.dumps(_manifest(socket_mode=True))
    assert "request_url" not in text
    assert '"url"' not in text
    assert _manifest(socket_mode=True)["settings"]["socket_mode_enabled"] is True  # type: ignore[index]


def test_http_mode_points_everything_at_slack_events() -> None:
    manifest = _manifest(socket_mode=False, public_url="https://mentor.example.org/")
    settings = manifest["settings"]
    url = "https://mentor.example.org/slack/events"
    assert settings["event_subscriptions"]["request_url"] == url  # type: ignore[index]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}  # type: ignore[index]
    assert manifest["features"]["slash_commands"][0]["url"] == url  # type: ignore[index]


def test_manifest_uses_the_configured_command_and_app_home() -> None:
    manifest = _manifest(command="/mentorskap", app_name="Mentorskap")
    features = manifest["features"]
    assert features["slash_commands"][0]["command"] == "/mentorskap"  # type: ignore[index]
    assert features["app_home"] == {  # type: ignore[index]
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {  # type: ignore[index]
        "app_home_opened",
        "message.im",
        "app_uninstalled",
        "tokens_revoked",
    }


def test_the_bot_may_read_back_what_it_sent_to_a_person_and_to_a_pair() -> None:
    """Reconciling an unconfirmed send reads the DM's or the pair's group DM's history."""
    assert set(METHOD_SCOPES["conversations.history"]) == {"im:history", "mpim:history"}
    assert {"im:history", "mpim:history"} <= set(bot_scopes())


def test_scopes_are_only_those_the_methods_and_events_need() -> None:
    assert bot_scopes() == [
        "channels:read",
        "chat:write",
        "commands",
        "files:read",
        "files:write",
        "groups:read",
        "im:history",
        "im:write",
        "mpim:history",
        "mpim:write",
        "usergroups:read",
        "users:read",
        "users:read.email",
    ]
    methods = SCHEMAS / "slack-web-api" / "methods"
    for method, scopes in METHOD_SCOPES.items():
        spec = json.loads((methods / f"{method}.json").read_text(encoding="utf-8"))
        needs = set((spec.get("scope") or {}).get("bot") or [])
        assert set(scopes) <= needs or (not scopes and not needs), method
