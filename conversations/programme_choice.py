"""Which programme a coordinator's command means. Below the coordinator's flows.

Every open programme is every coordinator's (they work together). ``--program <id or name>``
names one; with a single open programme that one; with several the command is not guessed:
it is parked on the coordinator's own conversation state and they get a button per programme,
which runs the parked command again with the programme chosen (the engine's
``Action.CHOOSE_PROGRAMME``)."""

from __future__ import annotations

from conversations.flags import Flag, FlagKind
from conversations.messages import Button, Message, Reply, Section
from conversations.parked_commands import park_command, take_command
from conversations.parsing import CommandLine
from conversations.records import Programme, ProgrammeStatus
from conversations.refs import ProgrammeChoiceRef
from conversations.routes import Action
from conversations.turn import Turn

PROGRAMME_FLAG = Flag(
    "program", "program", FlagKind.PROGRAMME, also=("programme", "program-id", "programme-id")
)
MAX_CHOICES = 10  # buttons; with more open programmes, --program names one


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


def pick_programme(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Programme | Reply:
    """The open programme ``line`` is about: ``--program`` (or the one chosen with a button
    for this command), else the only one. With several,
    the answer is a question with a button per programme (never the newest by default); with
    none, or an unknown ``--program``, the reason why."""
    wanted = line.options.get("program")
    if wanted:
        found = named_programme(turn, wanted)
        return found if found is not None else turn.say("program.not_found")
    programmes = my_programmes(turn)
    if not programmes:
        return turn.say("program.none_open")
    if len(programmes) == 1:
        return programmes[0]
    return _ask(turn, programmes, line, mentions)


def _ask(
    turn: Turn, programmes: list[Programme], line: CommandLine, mentions: dict[str, str]
) -> Reply:
    token = park_command(turn, line, mentions)
    t = turn.t
    newest = sorted(programmes, key=lambda p: p.id or 0, reverse=True)[:MAX_CHOICES]
    return turn.show(
        Message(
            sections=(Section(text=t("program.choose", n=len(programmes))),),
            buttons=tuple(
                Button(
                    label=t(
                        "program.choice",
                        name=p.name,
                        start=t.date(p.starts_on, "medium"),
                        end=t.date(p.ends_on, "medium"),
                    ),
                    action=Action.CHOOSE_PROGRAMME,
                    value=ProgrammeChoiceRef(p.id or 0, token).encode(),
                )
                for p in newest
            ),
        )
    )


def take_parked(turn: Turn, value: str) -> tuple[CommandLine, dict[str, str], str] | None:
    """The parked command, its mentions and the chosen programme's id; the parked command is
    forgotten (a second press finds nothing). None for a stale or foreign button."""
    ref = ProgrammeChoiceRef.decode(value)
    taken = take_command(turn, ref.token) if ref is not None else None
    if ref is None or taken is None:
        return None
    return taken[0], taken[1], str(ref.programme)
