"""`program new | list | close`: a coordinator creates programmes (``programme_setup``), lists
them and closes them (only once no pair is open)."""

from __future__ import annotations

from conversations.flows.programme_setup import PROGRAM_FLAGS, program_new, programme_submitted
from conversations.messages import Message, Reply, Section
from conversations.parsing import CommandLine
from conversations.programme_choice import chosen_programme, my_programmes
from conversations.records import OPEN_PHASES, Pair, ProgrammeStatus
from conversations.routes import Audience, CommandRoute, FormId, FormRoute, Routes
from conversations.turn import Turn

SUBCOMMANDS = ("new", "ny", "skapa", "list", "lista", "close", "stäng", "avsluta")


def accepts_program(turn: Turn, line: CommandLine) -> bool:
    return bool(line.args) and line.args[0].lower() in SUBCOMMANDS


def program_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    sub = line.args[0].lower() if line.args else ""
    if sub in ("new", "ny", "skapa"):
        return program_new(turn, line)
    if sub in ("list", "lista", ""):
        return _program_list(turn)
    if sub in ("close", "stäng", "avsluta"):
        return _program_close(turn, line)
    return turn.say(
        "usage.program.full",
        flags=PROGRAM_FLAGS.usage(turn.t, required=True),
        options=PROGRAM_FLAGS.usage(turn.t, required=False),
    )


def _program_list(turn: Turn) -> Reply:
    t = turn.t
    programmes = my_programmes(turn, status=None)
    if not programmes:
        return turn.say("program.none")
    lines = [
        t(
            "program.line",
            id=p.id,
            name=p.name,
            start=t.date(p.starts_on, "medium"),
            end=t.date(p.ends_on, "medium"),
            status=t("program.status." + p.status),
            purposes=", ".join(t("purpose." + x) for x in p.purposes),
        )
        for p in programmes
    ]
    return turn.show(
        Message(title=t("program.list_title"), sections=(Section(text="\n".join(lines)),))
    )


def _program_close(turn: Turn, line: CommandLine) -> Reply:
    wanted = line.args[1] if len(line.args) > 1 else ""
    programme = chosen_programme(
        turn, CommandLine(word="program", options={"program": wanted} if wanted else {})
    )
    if programme is None:
        return turn.say("program.not_found")
    open_pairs = turn.repo.find(Pair, programme_id=programme.id, phase=list(OPEN_PHASES))
    if open_pairs:
        return turn.say("program.close_open_pairs", n=len(open_pairs))
    turn.repo.update(programme.model_copy(update={"status": ProgrammeStatus.CLOSED}))
    turn.audit("programme.closed", f"programme:{programme.id}")
    return turn.say("program.closed", name=programme.name)


ROUTES = Routes(
    commands=(
        CommandRoute(
            "program",
            ("programme",),
            Audience.COORDINATOR,
            program_command,
            accepts_program,
            flags=PROGRAM_FLAGS,
        ),
    ),
    forms=(FormRoute(FormId.PROGRAMME, programme_submitted, Audience.COORDINATOR),),
)
