"""A typed command waiting for a choice (which programme, which pair), kept on the person's own
conversation state. A button carries the command's token: a newer command makes it stale, and
a second press finds nothing (the command is taken when it runs)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from conversations.parsing import CommandLine
from conversations.records import ConversationState
from conversations.turn import Turn

PARKED_COMMAND = "parked_command"  # ConversationState.data: a command waiting for a choice


def park_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> str:
    """Keep ``line`` until the person chooses; the token their buttons carry."""
    parked = {"word": line.word, "args": line.args, "options": line.options, "mentions": mentions}
    state = turn.repo.first(ConversationState, person_id=turn.person.id)
    if state is None:
        state = turn.repo.add(ConversationState(person_id=turn.person.id or 0, updated_at=turn.now))
    data = {**state.data, PARKED_COMMAND: parked}
    turn.repo.update(state.model_copy(update={"data": data, "updated_at": turn.now}))
    return _token(parked)


def take_command(turn: Turn, token: str) -> tuple[CommandLine, dict[str, str]] | None:
    """The parked command and its mentions, forgotten as they are taken; None when the token
    is not the parked command's (stale, already run, or someone else's)."""
    state = turn.repo.first(ConversationState, person_id=turn.person.id)
    parked = state.data.get(PARKED_COMMAND) if state is not None else None
    if state is None or not isinstance(parked, dict) or not token or _token(parked) != token:
        return None
    data = {k: v for k, v in state.data.items() if k != PARKED_COMMAND}
    turn.repo.update(state.model_copy(update={"data": data, "updated_at": turn.now}))
    line = CommandLine(
        word=str(parked["word"]),
        args=[str(a) for a in parked["args"]],
        options={str(k): str(v) for k, v in dict(parked["options"]).items()},
    )
    mentions = {str(k): str(v) for k, v in dict(parked["mentions"]).items()}
    return line, mentions


def _token(parked: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parked, sort_keys=True).encode()).hexdigest()[:12]
