"""`help`: the commands a person may use, in their language, derived from the routes every
flow declares (the engine hands them over on the turn). On top of the other flows."""

from __future__ import annotations

from conversations.messages import Message, Reply, Section
from conversations.pairs import has_pair
from conversations.parsing import CommandLine
from conversations.routes import Action, Audience, ButtonRoute, CommandRoute, Routes
from conversations.turn import Turn


def help_message(turn: Turn, unknown: str = "") -> Message:
    t = turn.t
    prefix = turn.config.command_prefixes.get(turn.person.platform, "")
    sections = []
    if unknown:
        sections.append(Section(text=t("help.unknown", word=unknown[:40])))
    groups = [Audience.EVERYONE]
    if has_pair(turn.repo, turn.person):
        groups.insert(0, Audience.PAIR)
    if turn.person.is_coordinator:
        groups.append(Audience.COORDINATOR)
    for group in groups:
        # In the order the flows declare them (conversations.engine.FLOWS).
        lines = [
            f"`{(prefix + ' ') if prefix else ''}{t('usage.' + c.name)}` — {t('help.' + c.name)}"
            for c in turn.commands
            if c.audience == group
        ]
        sections.append(Section(text=f"*{t('help.group.' + group)}*\n" + "\n".join(lines)))
    return Message(title=t("help.title"), sections=tuple(sections), note=t("help.note"))


def help_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return turn.show(help_message(turn))


def help_button(turn: Turn, value: str) -> Reply:
    return turn.show(help_message(turn))


def unknown_command(turn: Turn, word: str) -> Reply:
    return turn.show(help_message(turn, unknown=word or "?"))


ROUTES = Routes(
    commands=(CommandRoute("help", ("hjälp", "hjalp", "?"), Audience.EVERYONE, help_command),),
    buttons=(ButtonRoute(Action.HELP, help_button),),
)
