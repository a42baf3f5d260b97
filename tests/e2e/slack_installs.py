"""Many Slack workspaces on one bot: settings for OAuth mode, and installing a workspace the
way a browser does (``GET /slack/install`` → Slack's consent page → ``GET
/slack/oauth_redirect?code=…&state=…`` with the state cookie), against the fake Slack."""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlparse

import aiohttp

from bot.settings import PrivacySettings, Secrets, Settings, SlackSettings
from tests.e2e.conftest import BOT_TOKEN, SECRET, FakeSlack, SlackWorld

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret"
PUBLIC_URL = "https://mentor.example.org"


def oauth_settings(fake: FakeSlack, *, retention_days: int = 30) -> Settings:
    """Many workspaces: client id and secret, no bot token. The single-workspace token is
    withdrawn from the fake, so any call made with it is a problem."""
    fake.tokens.pop(BOT_TOKEN, None)
    return Settings(
        slack=SlackSettings(command="/mentor", public_url=PUBLIC_URL),
        privacy=PrivacySettings(retention_days_after_uninstall=retention_days),
        secrets=Secrets(
            slack_client_id=CLIENT_ID,
            slack_client_secret=CLIENT_SECRET,
            slack_signing_secret=SECRET,
            slack_api_url=fake.url + "/api/",
        ),
    )


@dataclass
class Installed:
    status: int  # the redirect's answer to the browser
    token: str  # the bot token Slack issued
    authorize_url: str  # where /slack/install sent the browser
    page: str  # what the browser shows at the end


async def install(
    world: SlackWorld,
    team: str | None,
    *,
    enterprise: str | None = None,
    org_wide: bool = False,
    code: str | None = None,
    state: str | None = None,
    language: str = "sv-SE,sv;q=0.9,en;q=0.8",
) -> Installed:
    """Install the app into ``team`` (or, ``org_wide``, into ``enterprise``'s organisation)
    through the bot's install link and Slack's redirect, as a browser does (``state``:
    another state than the one the install link gave, as a forged redirect would carry)."""
    base = world.url.removesuffix("/slack/events")
    code = code or f"code-{team or enterprise}"
    token = world.fake.grant(code, team=team, enterprise=enterprise, org_wide=org_wide)
    async with aiohttp.ClientSession() as browser:
        async with browser.get(base + "/slack/install", allow_redirects=False) as started:
            assert started.status == 302, started.status
            authorize_url = started.headers["Location"]
            # The state cookie is ``Secure`` (the bot is served over HTTPS), which aiohttp
            # keeps off plain http: the browser's part, done by hand.
            cookie = SimpleCookie(started.headers["Set-Cookie"])
        state = state or parse_qs(urlparse(authorize_url).query)["state"][0]
        async with browser.get(
            base + "/slack/oauth_redirect",
            params={"code": code, "state": state},
            headers={
                "Cookie": "; ".join(f"{k}={m.value}" for k, m in cookie.items()),
                "Accept-Language": language,
            },
            allow_redirects=False,
        ) as finished:
            page = await finished.text()
            return Installed(finished.status, token, authorize_url, page)
