"""`program new | list | close`: a coordinator creates programmes (``programme_setup``), lists
them and closes them (after a confirmation, and only once no pair is open); closing one sends
its summary (``conversations.reports.summary``) to the coordinator."""

from __future__ import annotations

from conversations.flows.programme_setup import PROGRAM_FLAGS, program_new, programme_submitted
from conversations.invitation_counts import counts_line, invitation_counts
from conversations.messages import Message, Reply, Section
from conversations.parsing import CommandLine
from conversations.programme_choice import my_programmes, named_programme, pick_programme
from conversations.records import OPEN_PHASES, Pair, Programme, ProgrammeStatus
from conversations.refs import ProgrammeRef
from conversations.reports.facts import load_facts
from conversations.reports.summary import summary_message
from conversations.routes import (
    Action,
    Audience,
    ButtonRoute,
    CommandRoute,
    FormId,
    FormRoute,
    Routes,
)
from conversations.turn import Turn, button

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
        return _program_close(turn, line, mentions)
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
    lines = []
    for p in programmes:
        lines.append(
            t(
                "program.line",
                id=p.id,
                name=p.name,
                start=t.date(p.starts_on, "medium"),
                end=t.date(p.ends_on, "medium"),
                status=t("program.status." + p.status),
                purposes=", ".join(t("purpose." + x) for x in p.purposes),
            )
        )
        counts = invitation_counts(turn.repo, p.id or 0)
        if counts.invited:
            lines.append(counts_line(t, counts))
    return turn.show(
        Message(title=t("program.list_title"), sections=(Section(text="\n".join(lines)),))
    )


def _program_close(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    """``program close [id or name]``: which one (asked when several are open), then a
    question with a button: nothing is closed by the command itself."""
    if len(line.args) > 1:
        named = named_programme(turn, line.args[1])
        if named is None:
            return turn.say("program.not_found")
        picked: Programme | Reply = named
    else:
        picked = pick_programme(turn, line, mentions)
    if isinstance(picked, Reply):
        return picked
    refused = _open_pairs(turn, picked)
    if refused is not None:
        return refused
    t = turn.t
    return turn.show(
        Message(
            sections=(
                Section(
                    text=t(
                        "program.close_confirm",
                        name=picked.name,
                        start=t.date(picked.starts_on, "medium"),
                        end=t.date(picked.ends_on, "medium"),
                    )
                ),
            ),
            buttons=(
                button(
                    t,
                    "button.close_programme",
                    Action.CLOSE_PROGRAMME,
                    ProgrammeRef(picked.id or 0).encode(),
                    "danger",
                ),
            ),
        )
    )


def _open_pairs(turn: Turn, programme: Programme) -> Reply | None:
    open_pairs = turn.repo.find(Pair, programme_id=programme.id, phase=list(OPEN_PHASES))
    return turn.say("program.close_open_pairs", n=len(open_pairs)) if open_pairs else None


def close_confirmed(turn: Turn, value: str) -> Reply:
    ref = ProgrammeRef.decode(value)
    programme = turn.repo.get(Programme, ref.programme) if ref is not None else None
    if programme is None:
        return turn.say("error.stale_button")
    if programme.status == ProgrammeStatus.CLOSED:
        return turn.say("program.already_closed", name=programme.name)
    refused = _open_pairs(turn, programme)  # paired since the question was asked
    if refused is not None:
        return refused
    closed = turn.repo.update(programme.model_copy(update={"status": ProgrammeStatus.CLOSED}))
    turn.audit("programme.closed", f"programme:{programme.id}")
    # The end-of-programme summary (its purposes, the closing reviews' feedback without
    # names): to the coordinator who closed it, and to its creator if someone else.
    facts = load_facts(turn.repo, closed, turn.now)
    if closed.created_by != turn.person.id:
        turn.send(
            closed.created_by,
            lambda t: summary_message(facts, t.lang),
            kind="programme-summary",
            programme_id=closed.id,
        )
    done = turn.say("program.closed", name=programme.name)
    return turn.show(*done.messages, summary_message(facts, turn.t.lang))


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
    buttons=(ButtonRoute(Action.CLOSE_PROGRAMME, close_confirmed, Audience.COORDINATOR),),
    forms=(FormRoute(FormId.PROGRAMME, programme_submitted, Audience.COORDINATOR),),
)
