"""Which programme a coordinator's command means: every open programme (coordinators work
together), ``--program <id or name>``, else the newest. Below the coordinator's flows."""

from __future__ import annotations

from conversations.flags import Flag, FlagKind
from conversations.parsing import CommandLine
from conversations.records import Programme, ProgrammeStatus
from conversations.turn import Turn

PROGRAMME_FLAG = Flag(
    "program", "program", FlagKind.PROGRAMME, also=("programme", "program-id", "programme-id")
)


def my_programmes(turn: Turn, status: str | None = ProgrammeStatus.OPEN) -> list[Programme]:
    """The programmes a coordinator manages: every programme (coordinators work together)."""
    where: dict[str, object] = {"status": status} if status else {}
    return sorted(turn.repo.find(Programme, **where), key=lambda p: p.id or 0)


def named_programme(turn: Turn, wanted: str) -> Programme | None:
    """The open programme with this id or name (any case), or None."""
    for programme in my_programmes(turn):
        if str(programme.id) == wanted or programme.name.lower() == wanted.lower():
            return programme
    return None


def chosen_programme(turn: Turn, line: CommandLine) -> Programme | None:
    """--program <id or name>, else the coordinator's newest open programme."""
    wanted = line.options.get("program")
    if wanted:
        return named_programme(turn, wanted)
    programmes = my_programmes(turn)
    return programmes[-1] if programmes else None
