"""One settings object, from app.yaml and environment variables. Only bot/ reads either."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from conversations.config import CoreConfig

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "app.yaml"
log = logging.getLogger("mentorbot.settings")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = Field(
        "sqlite:///var/mentorbot.db",
        description="SQLAlchemy URL; a relative SQLite path is relative to app.yaml's folder. "
        "`DATABASE_URL` overrides it (e.g. `postgresql+psycopg://user:pw@host/mentorbot`).",
    )
    reads_on_event_loop: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Where a command that only reads (help, home, status …) runs its turn: on "
        "the event loop, or in a worker thread. `auto`: on the loop with SQLite (its reads are "
        "work in the process, and a thread only adds hand-overs of the GIL) and with a "
        "PostgreSQL server on this machine (a Unix socket, `localhost` or a loopback address: "
        "round trips well under a millisecond); in a thread with a server elsewhere (a read "
        "waits on the network, and the loop would wait with it). A turn that held the loop "
        "waiting over 50 ms sends its command to the threads for its next 100 turns. `always` "
        "puts readers on the loop with any server; `never` keeps every turn in a thread.",
    )


class SchedulerSettings(_Section):
    tick_seconds: int = Field(
        60, description="How often the scheduler wakes to look for due nudges (seconds)."
    )
    catch_up_hours: int = Field(
        12, description="Nudges missed during downtime are still sent if at most this late."
    )
    max_nudges_per_week: int = Field(
        6,
        description="At most this many nudges per person per ISO week (answers to commands "
        "do not count).",
    )
    max_subjects_per_tick: int = Field(
        1200,
        description="At most this many people, pairs and programmes planned per tick, the "
        "earliest due first (0: no bound).",
    )
    tick_budget_seconds: float = Field(
        0.8,
        ge=0,
        description="A tick plans its subjects in chunks and begins no chunk that would end "
        "after this many seconds; the rest wait, first in line, for the next tick (0: no "
        "budget).",
    )

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, values: Any) -> Any:
        """``max_queue_per_tick`` (a bound on nudges) was replaced by ``max_subjects_per_tick``;
        an app.yaml that still sets it starts, with a warning, instead of being refused."""
        if isinstance(values, dict) and "max_queue_per_tick" in values:
            values = {k: v for k, v in values.items() if k != "max_queue_per_tick"}
            log.warning(
                "event=setting_retired name=scheduler.max_queue_per_tick "
                "use=scheduler.max_subjects_per_tick"
            )
        return values


class DeliverySettings(_Section):
    global_per_second: float = Field(
        20.0, description="Outgoing messages per second, across all conversations."
    )
    global_burst: float = Field(
        3.0, description="How many messages may go out back to back before the rate applies."
    )
    per_conversation_seconds: float = Field(
        1.0, description="Seconds between two messages into the same conversation."
    )
    max_attempts: int = Field(
        6, description="Tries of a transient error (5xx, timeout) before a message fails."
    )
    lease_seconds: float = Field(
        30.0,
        description="Seconds a dispatcher holds the messages it claimed without renewing "
        "them; a stopped dispatcher's messages are taken over once this has run out.",
    )


class LocalSettings(_Section):
    start_as: str = Field("koordinator", description="The offline console starts as this person.")


class SlackSettings(_Section):
    command: str = Field("/mentor", description="The slash command's name.")
    app_name: str = Field("Mentorbot", description="The app's name in the manifest.")
    description: str = Field(
        "Runs your mentoring programme in direct messages.",
        description="The app's description in the manifest.",
    )
    socket_mode: bool = Field(
        True, description="Socket Mode in the manifest (run with `SLACK_APP_TOKEN`)."
    )
    public_url: str = Field(
        "https://example.org",
        description="Public base URL for HTTP mode (the manifest's request URLs).",
    )
    answer_within_seconds: float = Field(
        2.0,
        ge=0.0,
        le=2.5,
        description="Seconds a Slack turn may take inside Slack's 3 s for the ack: a slash "
        "command answered by then gets its answer in the ack itself (shown at once), a slower "
        "one an empty ack and its answer through `response_url`; a slower turn that shows a "
        "form opens a 'one moment' modal first, and a slower form submission closes its modal "
        "and answers in the DM.",
    )


class TeamsSettings(_Section):
    app_name: str = Field("Mentorbot", description="The app's name in the package.")
    description: str = Field(
        "Runs your mentoring programme in a chat with you.",
        description="The app's description in the package.",
    )
    emulator: bool = Field(
        False,
        description="Serve `POST /api/messages` without `MICROSOFT_APP_ID` and without "
        "authentication, for the Bot Framework Emulator on this machine only.",
    )
    # Pacing under Teams' limits (per bot and conversation: 7 messages a second, 60 in 30
    # seconds; per tenant: 50 requests a second).
    messages_per_second: float = Field(
        15.0, description="What the bot sends to Teams, per second (0: no limit)."
    )
    per_conversation_seconds: float = Field(
        0.6, description="Seconds between two messages into one Teams chat (0: no limit)."
    )
    developer_name: str = Field("Mentorbot", description="The store listing's developer.")
    website_url: str = Field("https://example.org", description="The store listing's website.")
    privacy_url: str = Field(
        "https://example.org/privacy", description="The store listing's privacy statement."
    )
    terms_url: str = Field(
        "https://example.org/terms", description="The store listing's terms of use."
    )
    version: str = Field("1.0.0", description="The package's version.")


class ServerSettings(_Section):
    host: str = Field("127.0.0.1", description="`mentorbot serve` listens on this address.")
    port: int = Field(3978, description="`mentorbot serve`'s port (`PORT` overrides it).")
    operations_port: int | None = Field(
        None,
        description="For a process without a web server of its own (`mentorbot scheduler`, "
        "`mentorbot run` over Socket Mode): serve `GET /healthz`, `/readyz` and `/metrics` "
        "on this port (0: any free port; unset: none).",
    )


class LoggingSettings(_Section):
    format: Literal["text", "json"] = Field(
        "text",
        description="`text`: `time level=… logger=… event=… key=value`; `json`: one JSON "
        "object per line with the same fields (ids and counts, never a message's text).",
    )


class MetricsSettings(_Section):
    enabled: bool = Field(True, description="Serve Prometheus metrics at `GET /metrics`.")


class PrivacySettings(_Section):
    retention_days_after_uninstall: int = Field(
        30,
        ge=0,
        description="Days a workspace's records are kept after it removed the app (Slack's "
        "`app_uninstalled` / `tokens_revoked`); then the scheduler deletes them. Installing "
        "again before then keeps them.",
    )


class Secrets(BaseSettings):
    """Environment variables (never in app.yaml)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    slack_bot_token: str = Field("", description="Slack's Bot User OAuth Token (`xoxb-…`).")
    slack_signing_secret: str = Field("", description="Slack's Signing Secret (HTTP mode).")
    slack_client_id: str = Field(
        "",
        description="Slack's Client ID: with `SLACK_CLIENT_SECRET` and `SLACK_SIGNING_SECRET` "
        "and no `SLACK_BOT_TOKEN`, many workspaces install the app through `/slack/install`.",
    )
    slack_client_secret: str = Field(
        "", description="Slack's Client Secret (OAuth installs into many workspaces)."
    )
    slack_app_token: str = Field(
        "", description="Slack's app-level token (`xapp-…`): `mentorbot run` uses Socket Mode."
    )
    slack_api_url: str = Field(
        "", description="Another base URL for Slack's Web API (tests, proxies)."
    )
    microsoft_app_id: str = Field("", description="The Azure Bot's app id (Teams).")
    microsoft_app_password: str = Field("", description="The Azure Bot's client secret.")
    microsoft_app_tenant_id: str = Field("", description="The Azure Bot's tenant id.")
    microsoft_app_type: str = Field(
        "SingleTenant", description="`SingleTenant`, `MultiTenant` or `UserAssignedMSI`."
    )
    database_url: str = Field("", description="Overrides `database.url`.")
    port: int | None = Field(None, description="Overrides `server.port`.")


class Settings(_Section):
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    bot: dict[str, Any] = Field(default_factory=dict)
    programme: dict[str, Any] = Field(default_factory=dict)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    local: LocalSettings = Field(default_factory=LocalSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    teams: TeamsSettings = Field(default_factory=TeamsSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    secrets: Secrets = Field(default_factory=Secrets)
    config_dir: Path = Field(default_factory=Path.cwd)

    @property
    def database_url(self) -> str:
        url = self.secrets.database_url or self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            url = prefix + str((self.config_dir / url[len(prefix) :]).resolve())
        return url

    @property
    def core(self) -> CoreConfig:
        values: dict[str, Any] = {**self.bot, **self.programme}
        values.setdefault("command_prefixes", {"slack": self.slack.command})
        return CoreConfig(**values)

    @property
    def port(self) -> int:
        return self.server.port if self.secrets.port is None else self.secrets.port

    @property
    def slack_http_enabled(self) -> bool:
        secrets = self.secrets
        return bool(secrets.slack_signing_secret and (secrets.slack_bot_token or self.slack_oauth))

    @property
    def slack_oauth(self) -> bool:
        """Many workspaces, each installing through OAuth: the client id and secret are set
        and no bot token (a bot token means the one workspace it belongs to)."""
        secrets = self.secrets
        return bool(
            secrets.slack_client_id and secrets.slack_client_secret and not secrets.slack_bot_token
        )

    @property
    def teams_enabled(self) -> bool:
        """Teams' credentials are set, or app.yaml serves the Bot Framework Emulator."""
        return bool(self.secrets.microsoft_app_id) or self.teams.emulator


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read app.yaml (or MENTORBOT_CONFIG, or ``path``) and the environment."""
    chosen = Path(path or os.environ.get("MENTORBOT_CONFIG") or DEFAULT_CONFIG)
    data: dict[str, Any] = {}
    if chosen.exists():
        data = yaml.safe_load(chosen.read_text(encoding="utf-8")) or {}
    data.update(overrides)
    data.setdefault("config_dir", chosen.resolve().parent)
    data.setdefault("secrets", Secrets())
    return Settings(**data)
