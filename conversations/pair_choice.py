"""Which pair a typed command means, for a member of several pairs (a mentor with two adepts):
never guessed. The command is parked and the person gets a button per partner, which runs it
again for that pair (the engine's ``Action.CHOOSE_PAIR``); a check-in written for one adept
must never reach another."""

from __future__ import annotations

from conversations.messages import Button, Message, Reply, Section
from conversations.parked_commands import park_command
from conversations.parsing import CommandLine
from conversations.records import Pair
from conversations.refs import PairChoiceRef
from conversations.routes import Action
from conversations.turn import Turn


def ask_pair(
    turn: Turn, pairs: list[Pair], line: CommandLine, word: str, mentions: dict[str, str]
) -> Reply:
    """Park ``line`` and ask which of ``pairs`` it is for (``word``: the command as the person
    knows it)."""
    token = park_command(turn, line, mentions)
    t = turn.t
    me = turn.person.id or 0
    return turn.show(
        Message(
            sections=(Section(text=t("pair.choose", command=word)),),
            buttons=tuple(
                Button(
                    label=turn.person_by_id(p.partner_of(me)).display_name,
                    action=Action.CHOOSE_PAIR,
                    value=PairChoiceRef(p.id or 0, token).encode(),
                )
                for p in pairs
            ),
        )
    )
