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
class Group:
    """People a command names through something the adapter looked up for it: a channel's or
    a user group's members, or the rows of a file (``label`` as the command wrote it, or the
    file's name). ``members`` are platform user ids, as the values of ``mentions``;
    ``unresolved`` the rows that named nobody; ``problem`` (a
    ``conversations.people_lists.GroupProblem``) why nobody could be read at all, ``size``
    how many there were when that is the reason."""

    label: str
    members: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()
    problem: str = ""
    size: int = 0
    file: bool = False  # a file's rows (not a name in the command's words)


@dataclass(frozen=True)
class Command:
    """A command line: `/mentor goals` in Slack, `goals` typed to the bot, or the console."""

    text: str
    # Mentions the adapter already resolved: "@name" token -> platform user id.
    mentions: dict[str, str] = field(default_factory=dict)
    # Channels, user groups and files the adapter expanded to the people in them.
    groups: tuple[Group, ...] = ()


@dataclass(frozen=True)
class TextReceived:
    """A typed direct message. Either a command or the answer to an open question."""

    text: str
    mentions: dict[str, str] = field(default_factory=dict)
    groups: tuple[Group, ...] = ()


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
