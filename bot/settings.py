"""One settings object, from app.yaml and environment variables. Only bot/ reads either."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from conversations.config import CoreConfig

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "app.yaml"
log = logging.getLogger("mentorbot.settings")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = "sqlite:///var/mentorbot.db"


class SchedulerSettings(_Section):
    tick_seconds: int = 60
    catch_up_hours: int = 12
    max_nudges_per_week: int = 6
    max_subjects_per_tick: int = 1200

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
    global_per_second: float = 20.0
    global_burst: float = 3.0
    per_conversation_seconds: float = 1.0
    max_attempts: int = 6
    lease_seconds: float = 30.0  # a dispatcher's hold on a row; a dead one's rows: taken over


class LocalSettings(_Section):
    start_as: str = "koordinator"


class SlackSettings(_Section):
    command: str = "/mentor"
    app_name: str = "Mentorbot"
    description: str = "Runs your mentoring programme in direct messages."
    socket_mode: bool = True
    public_url: str = "https://example.org"


class TeamsSettings(_Section):
    app_name: str = "Mentorbot"
    description: str = "Runs your mentoring programme in a chat with you."
    # Serve POST /api/messages without MICROSOFT_APP_ID (no authentication): the Bot
    # Framework Emulator on this machine only.
    emulator: bool = False
    # Pacing of what the bot sends to Teams, under Teams' limits (per bot and conversation:
    # 7 messages a second, 60 in 30 seconds; per tenant: 50 requests a second).
    messages_per_second: float = 15.0
    per_conversation_seconds: float = 0.6
    # The manifest's identity: the Azure Bot's app id is MICROSOFT_APP_ID; these describe
    # the app in Teams' store listing.
    developer_name: str = "Mentorbot"
    website_url: str = "https://example.org"
    privacy_url: str = "https://example.org/privacy"
    terms_url: str = "https://example.org/terms"
    version: str = "1.0.0"


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = 3978


class Secrets(BaseSettings):
    """Environment variables (never in app.yaml)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = ""
    microsoft_app_id: str = ""
    microsoft_app_password: str = ""
    microsoft_app_tenant_id: str = ""
    microsoft_app_type: str = "SingleTenant"
    database_url: str = ""
    port: int | None = None


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
        return self.secrets.port or self.server.port

    @property
    def slack_http_enabled(self) -> bool:
        return bool(self.secrets.slack_signing_secret and self.secrets.slack_bot_token)

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
