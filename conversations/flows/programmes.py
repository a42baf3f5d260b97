"""`program new | list | close`: a coordinator creates programmes (name, purposes, dates,
cadence, meeting length, template), lists them and closes them."""

from __future__ import annotations

from datetime import timedelta

from conversations.flows.meetings import MAX_MINUTES, MIN_MINUTES
from conversations.messages import Message, Reply, Section
from conversations.parsing import CommandLine, ParseError, int_option, parse_date
from conversations.programme_choice import chosen_programme, my_programmes
from conversations.records import OPEN_PHASES, Pair, Programme, ProgrammeStatus, Purpose
from conversations.routes import Audience, CommandRoute, Routes
from conversations.turn import Turn

MAX_NAME = 80
PURPOSE_ALIASES = {
    "retention": Purpose.RETENTION,
    "personalomsättning": Purpose.RETENTION,
    "behålla": Purpose.RETENTION,
    "career": Purpose.CAREER,
    "karriär": Purpose.CAREER,
    "karriarutveckling": Purpose.CAREER,
    "karriärutveckling": Purpose.CAREER,
    "onboarding": Purpose.ONBOARDING,
    "introduktion": Purpose.ONBOARDING,
    "competence": Purpose.COMPETENCE,
    "kompetens": Purpose.COMPETENCE,
    "kompetensutveckling": Purpose.COMPETENCE,
    "culture": Purpose.CULTURE,
    "kultur": Purpose.CULTURE,
    "förändring": Purpose.CULTURE,
    "recruitment": Purpose.RECRUITMENT,
    "rekrytering": Purpose.RECRUITMENT,
    "leadership": Purpose.LEADERSHIP,
    "ledarskap": Purpose.LEADERSHIP,
    "ledarutveckling": Purpose.LEADERSHIP,
}


SUBCOMMANDS = ("new", "ny", "skapa", "list", "lista", "close", "stäng", "avsluta")


def accepts_program(turn: Turn, line: CommandLine) -> bool:
    return bool(line.args) and line.args[0].lower() in SUBCOMMANDS


def program_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    sub = line.args[0].lower() if line.args else ""
    if sub in ("new", "ny", "skapa"):
        return _program_new(turn, line)
    if sub in ("list", "lista", ""):
        return _program_list(turn)
    if sub in ("close", "stäng", "avsluta"):
        return _program_close(turn, line)
    return turn.say("usage.program.full")


def _program_new(turn: Turn, line: CommandLine) -> Reply:
    t = turn.t
    if len(line.args) < 2 or not line.args[1].strip():
        return turn.say("program.need_name")
    name = line.args[1].strip()
    if len(name) > MAX_NAME:
        return turn.say(
            "error.too_long_named", field=t("program.name"), n=len(name), limit=MAX_NAME
        )
    purposes: list[Purpose] = []
    for word in (
        (line.options.get("purpose") or line.options.get("syfte") or "")
        .replace(";", ",")
        .split(",")
    ):
        if not word.strip():
            continue
        purpose = PURPOSE_ALIASES.get(word.strip().lower())
        if purpose is None:
            return turn.say(
                "program.bad_purpose",
                value=word.strip(),
                options=", ".join(t("purpose." + p) + f" ({p})" for p in Purpose),
            )
        purposes.append(purpose)
    if not purposes:
        return turn.say(
            "program.need_purpose",
            options=", ".join(f"{p.value} ({t('purpose.' + p)})" for p in Purpose),
        )
    try:
        start = parse_date(line.options.get("start") or "today", turn.today)
        end = (
            parse_date(line.options.get("end") or "", turn.today)
            if line.options.get("end")
            else start + timedelta(days=182)
        )
    except ParseError as exc:
        return turn.say(exc.key, **exc.values)
    if end <= turn.today:
        return turn.say("program.ends_in_past")
    if end <= start + timedelta(days=27):
        return turn.say("program.too_short")
    template = line.options.get("template", "general")
    if template not in ("general", "new-managers"):
        return turn.say("program.bad_template")
    cadence = int_option(line, "cadence", turn.config.cadence_days)
    length = int_option(line, "length", turn.config.meeting_minutes)
    if (
        cadence is None
        or not 1 <= cadence <= 60
        or length is None
        or not MIN_MINUTES <= length <= MAX_MINUTES
    ):
        return turn.say("program.bad_numbers", min=MIN_MINUTES, max=MAX_MINUTES)
    if any(p.name.lower() == name.lower() for p in my_programmes(turn)):
        return turn.say("program.exists", name=name)
    programme = turn.repo.add(
        Programme(
            name=name,
            purposes=purposes,
            starts_on=start,
            ends_on=end,
            cadence_days=cadence,
            meeting_minutes=length,
            template=template,
            created_by=turn.person.id or 0,
            created_at=turn.now,
        )
    )
    turn.audit("programme.created", f"programme:{programme.id}")
    return turn.say(
        "program.created",
        name=name,
        id=programme.id,
        start=t.date(start),
        end=t.date(end),
        purposes=", ".join(t("purpose." + p) for p in purposes),
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
            "program", ("programme",), Audience.COORDINATOR, program_command, accepts_program
        ),
    ),
)
