"""The core's own settings: a plain model that bot/settings.py fills from app.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CoreConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    default_locale: str = "sv"
    default_timezone: str = "Europe/Stockholm"
    default_country: str = "SE"
    # People who are coordinators from the start, as "platform:user_id" or
    # "platform:workspace:user_id" (e.g. "local:kim", "slack:T0123:U0456").
    coordinators: list[str] = Field(default_factory=list)
    # What comes before a command in help texts, per platform (Slack: the slash command,
    # e.g. {"slack": "/mentor"}); nothing where commands are typed to the bot.
    command_prefixes: dict[str, str] = Field(default_factory=dict)
    # Programme defaults (a coordinator can override per programme).
    cadence_days: int = 14
    meeting_minutes: int = 60
    # Limits of what people may type.
    max_text_length: int = 2000
    max_journal_length: int = 4000
    # Phase deadlines (days).
    first_meeting_deadline_days: int = 10
    goals_deadline_days: int = 14
    agreement_deadline_days: int = 14
    stuck_phase_days: int = 21
    overdue_grace_days: int = 3
