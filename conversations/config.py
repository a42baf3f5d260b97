"""The core's own settings: a plain model that bot/settings.py fills from app.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class CoreConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    default_locale: str = "sv"
    default_timezone: str = "Europe/Stockholm"
    default_country: str = "SE"
    # People who are coordinators, re-applied at every start (removed here -> no longer a
    # coordinator): "platform:workspace:user_id" (e.g. "slack:T0123:U0456"); the console's
    # people as "local:name".
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
    invitation_reminder_days: int = 4  # one reminder to an invitation left unanswered

    @field_validator("coordinators")
    @classmethod
    def _coordinators_name_their_workspace(cls, entries: list[str]) -> list[str]:
        """A user id alone would match that id in every workspace: refuse it at start."""
        for entry in entries:
            parts = entry.split(":")
            if parts[0] == "local" and len(parts) == 2 and parts[1]:
                continue
            if len(parts) == 3 and all(parts):
                continue
            if len(parts) == 2 and all(parts):
                raise ValueError(
                    f"coordinator {entry!r} names no workspace; write "
                    f"{parts[0]}:<workspace id>:{parts[1]} (Slack: the team id, T…; "
                    "Teams: the tenant id), so that it cannot match the same id elsewhere"
                )
            raise ValueError(
                f"coordinator {entry!r} is not platform:workspace:user_id (or local:name)"
            )
        return entries
