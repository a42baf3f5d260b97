"""What can happen to the bot: neutral events produced by the platform adapters."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """Who caused an event, as the platform knows them. The engine finds or creates the
    person; the profile hints are used only when the person is new."""

    platform: str
    platform_user_id: str
    workspace: str = ""  # the organisation: Slack team/enterprise, Teams tenant; "local"
    display_name: str = ""
    locale: str | None = None
    timezone: str | None = None

    def __post_init__(self) -> None:
        if self.platform == "local" and not self.workspace:
            object.__setattr__(self, "workspace", "local")  # the console is one workspace


@dataclass(frozen=True)
class Command:
    """A command line: `/mentor goals` in Slack, `goals` typed to the bot, or the console."""

    text: str
    # Mentions the adapter already resolved: "@name" token -> platform user id.
    mentions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TextReceived:
    """A typed direct message. Either a command or the answer to an open question."""

    text: str
    mentions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ButtonPressed:
    action: str
    value: str = ""


@dataclass(frozen=True)
class FormSubmitted:
    form_id: str
    values: dict[str, str]
    context: str = ""


@dataclass(frozen=True)
class HomeOpened:
    """The person opened their dashboard (Slack App Home)."""


Event = Command | TextReceived | ButtonPressed | FormSubmitted | HomeOpened
