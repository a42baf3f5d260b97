"""Coordinator basics: create a programme, enrol, pair by hand, end a pair, status (counts
only: journal, check-in and review texts are never shown here)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import partial

from conversations.delivery_status import delivery_summary
from conversations.events import Actor
from conversations.flows import intro
from conversations.flows.meetings import MAX_MINUTES, MIN_MINUTES
from conversations.messages import Message, Reply, Section, text
from conversations.pairs import end_pair
from conversations.parsing import CommandLine, ParseError, parse_date
from conversations.people import new_person
from conversations.records import (
    OPEN_PHASES,
    CheckIn,
    Enrolment,
    EnrolmentStatus,
    Meeting,
    MeetingStatus,
    Pair,
    Person,
    Phase,
    Programme,
    ProgrammeStatus,
    Purpose,
    Reflection,
    Role,
)
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
COMPLETED_WORDS = ("completed", "klar", "slutförd", "slutfört")
EARLY_WORDS = ("ended-early", "avbruten", "avbrutet")
ROLE_WORDS = {
    "mentor": Role.MENTOR,
    "adept": Role.ADEPT,
    "mentee": Role.ADEPT,
    "adepter": Role.ADEPT,
}


def resolve_person(
    turn: Turn, token: str, mentions: dict[str, str], *, create: bool = False
) -> Person | None:
    """'@anna' (console) or a platform mention -> the person. Only ``enroll`` and
    ``coordinators add`` create people they have not met; elsewhere a typo finds nobody."""
    if not token.startswith("@") or len(token) < 2:
        return None
    user_id = mentions.get(token, token[1:])
    me = turn.person
    found = turn.repo.first(
        Person, platform=me.platform, workspace=me.workspace, platform_user_id=user_id
    )
    if found is not None or not create:
        return found
    actor = Actor(platform=me.platform, workspace=me.workspace, platform_user_id=user_id)
    return turn.repo.add(new_person(turn.config, actor, turn.now))


def my_programmes(turn: Turn, status: str | None = ProgrammeStatus.OPEN) -> list[Programme]:
    """The programmes a coordinator manages: every programme (coordinators work together)."""
    where: dict[str, object] = {"status": status} if status else {}
    return sorted(turn.repo.find(Programme, **where), key=lambda p: p.id or 0)


def chosen_programme(turn: Turn, line: CommandLine) -> Programme | None:
    """--program <id or name>, else the coordinator's newest open programme."""
    wanted = (
        line.options.get("program")
        or line.options.get("programme")
        or line.options.get("program-id")
    )
    programmes = my_programmes(turn)
    if wanted:
        for programme in programmes:
            if str(programme.id) == wanted or programme.name.lower() == wanted.lower():
                return programme
        return None
    return programmes[-1] if programmes else None


# program ------------------------------------------------------------------------------------


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
    cadence = _int_option(line, "cadence", turn.config.cadence_days)
    length = _int_option(line, "length", turn.config.meeting_minutes)
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


def _int_option(line: CommandLine, name: str, default: int) -> int | None:
    raw = line.options.get(name)
    if raw is None:
        return default
    return int(raw) if raw.isdigit() else None


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


# enroll -------------------------------------------------------------------------------------


def enroll_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    # enroll @a [@b …] as mentor|adept [--program X] [--capacity N] [--offers …] [--wants …] [--department …]
    args = [a for a in line.args if a.lower() not in ("as", "som")]
    people = list(dict.fromkeys(a for a in args if a.startswith("@")))
    roles = [ROLE_WORDS[a.lower()] for a in args if a.lower() in ROLE_WORDS]
    capacity = _int_option(line, "capacity", 1)
    if not people or len(roles) != 1 or capacity is None or not 1 <= capacity <= 10:
        return turn.say("usage.enroll.full")
    programme = chosen_programme(turn, line)
    if programme is None:
        return turn.say("program.none_open")
    role = roles[0]
    lines = []
    for token in people:
        person = resolve_person(turn, token, mentions, create=True)
        if person is None or person.erased_at is not None:
            lines.append(turn.t("enroll.unknown", who=token))
            continue
        existing = turn.repo.first(
            Enrolment, programme_id=programme.id, person_id=person.id, status=EnrolmentStatus.ACTIVE
        )
        if existing is not None:
            lines.append(
                turn.t(
                    "enroll.already", name=person.display_name, role=turn.t("role." + existing.role)
                )
            )
            continue
        turn.repo.add(
            Enrolment(
                programme_id=programme.id or 0,
                person_id=person.id or 0,
                role=role,
                capacity=capacity if role == Role.MENTOR else 1,
                wants_to_learn=line.options.get("wants", "")[:500],
                can_offer=line.options.get("offers", "")[:500],
                department=line.options.get("department", "")[:100],
                created_at=turn.now,
            )
        )
        turn.audit(
            "person.enrolled", f"programme:{programme.id}", person=person.id, role=role.value
        )
        welcome = partial(
            intro.welcome_message, programme=programme, role=role, purposes=programme.purposes
        )
        turn.send(person.id or 0, welcome, programme_id=programme.id)
        lines.append(
            turn.t(
                "enroll.done",
                name=person.display_name,
                role=turn.t("role." + role),
                programme=programme.name,
            )
        )
    return turn.show(text("\n".join(lines)))


def pair_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    people = [a for a in line.args if a.startswith("@")]
    if len(people) != 2:
        return turn.say("usage.pair.full")
    programme = chosen_programme(turn, line)
    if programme is None:
        return turn.say("program.none_open")
    mentor = resolve_person(turn, people[0], mentions)
    adept = resolve_person(turn, people[1], mentions)
    if mentor is None or adept is None:
        return turn.say("enroll.unknown", who=people[0] if mentor is None else people[1])
    if mentor.id == adept.id:
        return turn.say("usage.pair.full")
    for person, role in ((mentor, Role.MENTOR), (adept, Role.ADEPT)):
        enrolment = turn.repo.first(
            Enrolment, programme_id=programme.id, person_id=person.id, status=EnrolmentStatus.ACTIVE
        )
        if enrolment is None or enrolment.role != role:
            return turn.say(
                "pair.not_enrolled", name=person.display_name, role=turn.t("role." + role)
            )
    if turn.repo.first(Pair, programme_id=programme.id, adept_id=adept.id, phase=list(OPEN_PHASES)):
        return turn.say("pair.adept_taken", name=adept.display_name)
    enrolment = turn.repo.first(
        Enrolment, programme_id=programme.id, person_id=mentor.id, status=EnrolmentStatus.ACTIVE
    )
    capacity = enrolment.capacity if enrolment else 1
    current = turn.repo.find(
        Pair, programme_id=programme.id, mentor_id=mentor.id, phase=list(OPEN_PHASES)
    )
    if len(current) >= capacity and "force" not in line.options:
        return turn.say("pair.mentor_full", name=mentor.display_name, n=capacity)
    start = max(turn.today, programme.starts_on)
    ends_on = max(programme.ends_on, start + timedelta(days=28))
    midpoint = start + (ends_on - start) / 2
    pair = turn.repo.add(
        Pair(
            programme_id=programme.id or 0,
            mentor_id=mentor.id or 0,
            adept_id=adept.id or 0,
            phase=Phase.INTRO,
            phase_since=turn.now,
            introduced_at=turn.now,
            midpoint_on=midpoint,
            ends_on=ends_on,
        )
    )
    turn.audit("pair.created", f"pair:{pair.id}", programme=programme.id)
    intro.introduce(turn, pair, programme, mentor, adept)
    return turn.say(
        "pair.done", mentor=mentor.display_name, adept=adept.display_name, programme=programme.name
    )


# end ----------------------------------------------------------------------------------------


def end_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    # end @a [@b] completed|ended-early [reason...]: with two people, only their pair.
    people = [a for a in line.args if a.startswith("@")]
    reasons = [a.lower() for a in line.args if a.lower() in COMPLETED_WORDS + EARLY_WORDS]
    if not 1 <= len(people) <= 2 or len(reasons) != 1:
        return turn.say("usage.end.full")
    reason = "completed" if reasons[0] in COMPLETED_WORDS else "ended-early"
    note = " ".join(a for a in line.args if not a.startswith("@") and a.lower() not in reasons)[
        :300
    ]
    persons = [resolve_person(turn, token, mentions) for token in people]
    if any(p is None for p in persons):
        return turn.say("end.no_pair", who=" ".join(people))
    ids = {p.id for p in persons if p is not None}
    programmes = [p.id for p in my_programmes(turn)]
    pairs = [
        p
        for p in turn.repo.find(Pair, phase=list(OPEN_PHASES), programme_id=programmes)
        if ids <= set(p.member_ids())
    ]
    if not pairs:
        return turn.say("end.no_pair", who=" ".join(people))
    if len(pairs) > 1:
        names = ", ".join(
            f"@{turn.person_by_id(p.mentor_id).platform_user_id} @{turn.person_by_id(p.adept_id).platform_user_id}"
            for p in pairs
        )
        return turn.say("end.which", n=len(pairs), pairs=names)
    end_pair(turn, pairs[0], reason, note)
    return turn.say("end.done", n=1, reason=turn.t("end.reason." + reason))


# status -------------------------------------------------------------------------------------


def health_sections(turn: Turn) -> list[Section]:
    """Counts and dates per programme. Never any journal, check-in or review text."""
    t = turn.t
    repo = turn.repo
    sections: list[Section] = []
    for programme in my_programmes(turn):
        enrolments = repo.find(Enrolment, programme_id=programme.id, status=EnrolmentStatus.ACTIVE)
        roles = Counter(e.role for e in enrolments)
        pairs = repo.find(Pair, programme_id=programme.id)
        phases = Counter(p.phase for p in pairs)
        pair_ids = [p.id for p in pairs]
        held = [m for m in repo.find(Meeting, pair_id=pair_ids) if m.status == MeetingStatus.HELD]
        checkins = repo.find(CheckIn, pair_id=pair_ids)
        members = {m for p in pairs for m in p.member_ids()}
        # Journal entries written during the programme by its members: a count, never a text.
        reflections = [
            r
            for r in repo.find(Reflection, person_id=list(members))
            if programme.starts_on <= r.created_at.date() <= programme.ends_on
        ]
        last = max((c.created_at for c in checkins), default=None)
        delivery = delivery_summary(repo, programme.id or 0)
        lines = [
            t(
                "status.enrolled",
                mentors=t("status.mentors", n=roles.get(Role.MENTOR, 0)),
                adepts=t("status.adepts", n=roles.get(Role.ADEPT, 0)),
            ),
            t("status.pairs", n=len(pairs))
            + ": "
            + (", ".join(f"{t('phase.' + ph)} {n}" for ph, n in sorted(phases.items())) or "—"),
            t("status.meetings", n=len(held)),
            t("status.checkins", n=len(checkins)),
            t("status.reflections", n=len(reflections)),
            t("status.last_checkin", date=t.date(last.astimezone(t.tz).date()) if last else "—"),
            t(
                "status.delivery",
                sent=delivery.sent,
                pending=delivery.pending + delivery.sending,
                failed=delivery.failed,
                skipped=delivery.skipped,
            ),
        ]
        stuck = [
            p
            for p in pairs
            if p.phase.is_open
            and turn.now - p.phase_since > timedelta(days=turn.config.stuck_phase_days)
        ]
        if stuck:
            lines.append(t("status.stuck", n=len(stuck), days=turn.config.stuck_phase_days))
        header = t(
            "status.programme",
            name=programme.name,
            purposes=", ".join(t("purpose." + x) for x in programme.purposes),
            start=t.date(programme.starts_on, "medium"),
            end=t.date(programme.ends_on, "medium"),
        )
        sections.append(Section(text=f"*{header}*\n" + "\n".join(lines)))
    if not sections:
        sections.append(Section(text=t("program.none")))
    return sections


def status_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return turn.show(
        Message(
            title=turn.t("status.title"),
            sections=tuple(health_sections(turn)),
            note=turn.t("status.privacy"),
        )
    )


def coordinators_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    people = [a for a in line.args if a.startswith("@")]
    if not line.args or line.args[0].lower() not in ("add", "lägg-till", "ny") or not people:
        return turn.say("usage.coordinators.full")
    names = []
    for token in people:
        person = resolve_person(turn, token, mentions, create=True)
        if person is None:
            continue
        if not person.is_coordinator:
            turn.repo.update(person.model_copy(update={"is_coordinator": True}))
            turn.audit("coordinator.added", f"person:{person.id}")
            turn.send(person.id or 0, lambda t: text(t("coordinators.welcome")))
        names.append(person.display_name)
    return turn.say("coordinators.added", names=", ".join(names))


ROUTES = Routes(
    commands=(
        CommandRoute("program", ("programme",), Audience.COORDINATOR, program_command),
        CommandRoute("enroll", ("enrol", "registrera"), Audience.COORDINATOR, enroll_command),
        CommandRoute("pair", ("para", "matcha-par"), Audience.COORDINATOR, pair_command),
        CommandRoute("end", ("avsluta",), Audience.COORDINATOR, end_command),
        CommandRoute("status", ("läge",), Audience.COORDINATOR, status_command),
        CommandRoute(
            "coordinators", ("koordinatorer",), Audience.COORDINATOR, coordinators_command
        ),
    ),
)
