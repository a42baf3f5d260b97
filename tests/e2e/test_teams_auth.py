"""With ``MICROSOFT_APP_ID`` set, Teams' requests must carry a Bot Framework token signed with
a published key: no token, a malformed one or a forged one gets 401, and nothing is stored or
sent. The keys are published by a stand-in for Microsoft's OpenID metadata on loopback (a
thread: botbuilder reads them with a blocking call)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from conversations.memory import ManualClock
from conversations.records import AuditEntry, OutboxItem, Person, Receipt
from tests.e2e.conftest import START, make_store
from tests.e2e.teams_world import (
    COORD,
    TENANT,
    FakeConnector,
    TeamsWorld,
    running_teams,
    teams_config,
    teams_settings,
)

APP_ID = "5f0c8a4e-0000-4000-8000-0000000a99id"
ISSUER = "https://api.botframework.com"
KID = "key-1"


class Keys:
    """Microsoft's OpenID metadata and signing keys, served from a thread on loopback."""

    def __init__(self) -> None:
        self.published = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.url = ""
        jwk = json.loads(RSAAlgorithm.to_jwk(self.published.public_key()))
        keys = {"keys": [{**jwk, "kid": KID, "use": "sig", "endorsements": ["msteams"]}]}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    {"issuer": ISSUER, "jwks_uri": f"{outer.url}/keys"}
                    if self.path.endswith("openid")
                    else keys
                )
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Keys:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def token(self, service_url: str, *, key: Any = None) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": APP_ID,
            "serviceurl": service_url,
            "nbf": now - 60,
            "exp": now + 3600,
        }
        return jwt.encode(claims, key or self.published, algorithm="RS256", headers={"kid": KID})


@pytest.fixture
def keys() -> Iterator[Keys]:
    with Keys() as published:
        yield published


@pytest.fixture
async def guarded(
    fake_connector: FakeConnector, keys: Keys, tmp_path: Path
) -> AsyncIterator[TeamsWorld]:
    store = make_store(tmp_path)
    settings = teams_settings(
        microsoft_app_id=APP_ID, microsoft_app_password="secret", microsoft_app_tenant_id=TENANT
    )
    overrides = {
        "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": f"{keys.url}/openid",
        "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": f"{keys.url}/openid",
        "TO_CHANNEL_FROM_BOT_LOGIN_URL": f"{keys.url}/login",  # no token for replies: offline
    }
    config = teams_config(f"teams:{TENANT}:{COORD.aad}")
    try:
        async with running_teams(
            fake_connector,
            store,
            ManualClock(START),
            config,
            settings=settings,
            auth_overrides=overrides,
        ) as world:
            yield world
    finally:
        store.close()  # type: ignore[attr-defined]


def _counts(world: TeamsWorld) -> tuple[int, ...]:
    with world.store.transaction() as repo:
        return tuple(len(repo.find(cls)) for cls in (Person, Receipt, OutboxItem, AuditEntry))


def _command(world: TeamsWorld) -> dict[str, Any]:
    return world.activity(COORD, text='program new "Smugglat" --start 2026-11-02')


async def test_no_token_gets_401_and_changes_nothing(guarded: TeamsWorld) -> None:
    before = _counts(guarded)
    posted = await guarded.post(_command(guarded))
    assert posted.status == 401
    assert _counts(guarded) == before
    assert guarded.fake.calls == []


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer"])
async def test_a_malformed_token_gets_401_and_changes_nothing(
    guarded: TeamsWorld, header: str
) -> None:
    before = _counts(guarded)
    posted = await guarded.post(_command(guarded), headers={"Authorization": header})
    assert posted.status == 401
    assert _counts(guarded) == before
    assert guarded.fake.calls == []


async def test_a_forged_token_gets_401_and_changes_nothing(guarded: TeamsWorld, keys: Keys) -> None:
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = keys.token(guarded.fake.url, key=forger)  # the right claims, the wrong key
    before = _counts(guarded)
    posted = await guarded.post(_command(guarded), headers={"Authorization": f"Bearer {forged}"})
    assert posted.status == 401
    assert _counts(guarded) == before
    assert guarded.fake.calls == []


async def test_a_token_signed_with_the_published_key_is_let_in(
    guarded: TeamsWorld, keys: Keys
) -> None:
    token = keys.token(guarded.fake.url)
    posted = await guarded.post(_command(guarded), headers={"Authorization": f"Bearer {token}"})
    assert posted.status == 201
    with guarded.store.transaction() as repo:
        assert [p.platform_user_id for p in repo.find(Person)] == [COORD.aad]
