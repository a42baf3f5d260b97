"""`help`: the commands a person may use, in their language, derived from the routes every
flow declares (the engine hands them over on the turn). On top of the other flows."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from conversations.i18n import Texts
from conversations.messages import Message, Reply, Section
from conversations.pairs import in_pair
from conversations.parsing import CommandLine
from conversations.routes import Action, Audience, ButtonRoute, CommandRoute, Routes
from conversations.turn import CommandInfo, Turn


def command_word(t: Texts, name: str) -> str:
    """A command as the reader types it, in their language (``mål``, not ``goals``)."""
    return t("usage." + name).split()[0]


def usage(t: Texts, command: CommandInfo) -> str:
    """How to use a command, its flags in the reader's language (``--slut``, not ``--end``)."""
    return t(
        "usage." + command.name,
        flags=command.flags.usage(t, required=True),
        options=command.flags.usage(t, required=False),
    )


def unknown_flag(turn: Turn, command: CommandInfo, flag: str) -> Reply:
    """A flag the command does not take is refused, never ignored: with the ones it takes."""
    t = turn.t
    word = command_word(t, command.name)
    if not command.flags.flags:
        return turn.say("flags.none", command=word, flag=flag[:40])
    return turn.say("flags.unknown", command=word, flag=flag[:40], valid=command.flags.words(t))


def usable(turn: Turn) -> list[CommandInfo]:
    """The commands the person may use now, in the flows' order."""
    groups = {Audience.EVERYONE}
    if in_pair(turn):
        groups.add(Audience.PAIR)
    if turn.person.is_coordinator:
        groups.add(Audience.COORDINATOR)
    return [c for c in turn.commands if c.audience in groups]


def closest(turn: Turn, word: str) -> CommandInfo | None:
    """The command a misspelt word most likely meant (``statsu`` -> ``status``), among those
    the person may use, or None when nothing is close."""
    words: dict[str, CommandInfo] = {}
    for route in usable(turn):
        for spelling in (route.name, *route.aliases, command_word(turn.t, route.name)):
            words.setdefault(spelling.lower(), route)
    found = difflib.get_close_matches(word.lower(), list(words), n=1, cutoff=0.75)
    return words[found[0]] if found else None


def help_message(turn: Turn, unknown: str = "") -> Message:
    t = turn.t
    prefix = turn.config.command_prefixes.get(turn.person.platform, "")
    sections = []
    if unknown:
        sections.append(Section(text=t("help.unknown", word=unknown[:40])))
    groups = [Audience.EVERYONE]
    if in_pair(turn):
        groups.insert(0, Audience.PAIR)
    if turn.person.is_coordinator:
        groups.append(Audience.COORDINATOR)
    listed = _command_list(t, prefix, tuple(groups), turn.commands)
    if not sections:
        return listed  # the same message each time: its rendering is kept with it
    return listed.model_copy(update={"sections": (*sections, *listed.sections)})


# The help message by language, prefix and groups: it depends on nothing else (not on the
# database), and building it was most of a ``help`` turn. Keyed by the commands' id, checked
# against the commands themselves. Being one object, it also keeps its rendering with it (a
# platform renderer may keep a message's rendering for as long as the message lives).
_LISTS: dict[tuple[int, str, str, tuple[Audience, ...]], tuple[object, Message]] = {}


def _command_list(
    t: Texts, prefix: str, groups: tuple[Audience, ...], commands: Sequence[CommandInfo]
) -> Message:
    key = (id(commands), t.lang, prefix, groups)
    cached = _LISTS.get(key)
    if cached is not None and cached[0] is commands:
        return cached[1]
    sections = []
    for group in groups:
        # In the order the flows declare them (conversations.engine.FLOWS).
        lines = [
            f"`{(prefix + ' ') if prefix else ''}{usage(t, c)}` — {t('help.' + c.name)}"
            for c in commands
            if c.audience == group
        ]
        sections.append(Section(text=f"*{t('help.group.' + group)}*\n" + "\n".join(lines)))
    message = Message(title=t("help.title"), sections=tuple(sections), note=t("help.note"))
    if len(_LISTS) < 256:  # languages x prefixes x groups: a handful
        _LISTS[key] = (commands, message)
    return message


def help_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return turn.show(help_message(turn))


def help_button(turn: Turn, value: str) -> Reply:
    return turn.show(help_message(turn))


def unknown_command(turn: Turn, word: str) -> Reply:
    guess = closest(turn, word) if len(word) >= 3 else None
    if guess is not None:
        prefix = turn.config.command_prefixes.get(turn.person.platform, "")
        command = f"{prefix} {command_word(turn.t, guess.name)}".strip()
        return turn.say("help.did_you_mean", word=word[:40], command=command)
    return turn.show(help_message(turn, unknown=word or "?"))


ROUTES = Routes(
    commands=(CommandRoute("help", ("hjälp", "hjalp", "?"), Audience.EVERYONE, help_command),),
    buttons=(ButtonRoute(Action.HELP, help_button),),
)
