"""`enroll`, `pair`, `end` and `consent ask`: a coordinator enrols people in a programme as
mentor or adept, pairs a mentor with an adept (the introduction follows), ends a pair, and asks
for consent those enrolled before it was asked for."""

from __future__ import annotations

from conversations.flags import Flag, FlagKind, FlagTable
from conversations.flows.consent import ask_consent, consent_asked
from conversations.flows.intake import ROLE_WORDS, close_for_enrolment
from conversations.flows.pairing import (
    broken_rules,
    create_pair,
    enrolment_of,
    open_places,
    rules_text,
)
from conversations.messages import Reply, text
from conversations.pairs import end_pair
from conversations.parsing import CommandLine, int_option
from conversations.people import resolve_person
from conversations.programme_choice import (
    PROGRAMME_FLAG,
    my_programmes,
    named_programme,
    pick_programme,
)
from conversations.records import OPEN_PHASES, Enrolment, EnrolmentStatus, Pair, Person, Role
from conversations.routes import Audience, CommandRoute, Routes
from conversations.turn import Turn

COMPLETED_WORDS = ("completed", "klar", "slutförd", "slutfört")
EARLY_WORDS = ("ended-early", "avbruten", "avbrutet")
OPTION_LIMITS = {"wants": 500, "offers": 500, "department": 100}
MAX_END_NOTE = 300
ENROLL_FLAGS = FlagTable(
    (
        PROGRAMME_FLAG,
        Flag("capacity", "kapacitet", FlagKind.COUNT),
        Flag("offers", "erbjuder", FlagKind.TEXT),
        Flag("wants", "vill-lära", FlagKind.TEXT),
        Flag("department", "avdelning", FlagKind.TEXT),
    )
)
CONSENT_FLAGS = FlagTable((PROGRAMME_FLAG,))
ASK_WORDS = ("ask", "fråga")
PAIR_FLAGS = FlagTable((PROGRAMME_FLAG, Flag("force", "tvinga", FlagKind.SWITCH)))


def names_someone(turn: Turn, line: CommandLine) -> bool:
    """``registrera @anna som mentor``: a command about people names them."""
    return any(a.startswith("@") and len(a) > 1 for a in line.args)


def enroll_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    # enroll @a [@b …] as mentor|adept [--program X] [--capacity N] [--offers …] [--wants …] [--department …]
    args = [a for a in line.args if a.lower() not in ("as", "som")]
    people = list(dict.fromkeys(a for a in args if a.startswith("@")))
    roles = [ROLE_WORDS[a.lower()] for a in args if a.lower() in ROLE_WORDS]
    capacity = int_option(line, "capacity", 1)
    if not people or len(roles) != 1 or capacity is None or not 1 <= capacity <= 10:
        return turn.say("usage.enroll.full", options=ENROLL_FLAGS.usage(turn.t, required=False))
    for option, limit in OPTION_LIMITS.items():
        value = line.options.get(option, "")
        if len(value) > limit:
            field = turn.t(f"enroll.{option}_field")
            return turn.say("error.too_long_named", field=field, n=len(value), limit=limit)
    programme = pick_programme(turn, line, mentions)
    if isinstance(programme, Reply):
        return programme
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
        enrolment = turn.repo.add(
            Enrolment(
                programme_id=programme.id or 0,
                person_id=person.id or 0,
                role=role,
                capacity=capacity if role == Role.MENTOR else 1,
                wants_to_learn=line.options.get("wants", ""),
                can_offer=line.options.get("offers", ""),
                department=line.options.get("department", ""),
                created_at=turn.now,
            )
        )
        turn.audit(
            "person.enrolled", f"programme:{programme.id}", person=person.id, role=role.value
        )
        # Consent first: nothing else of the programme reaches them until they agree (not
        # held until its start: they are asked now, so they can be paired by then).
        ask_consent(turn, programme, enrolment)
        lines.append(
            turn.t(
                "enroll.asked",
                name=person.display_name,
                role=turn.t("role." + role),
                programme=programme.name,
            )
        )
        if close_for_enrolment(turn, programme, person):
            lines.append(turn.t("enroll.invitation_closed", name=person.display_name))
    return turn.show(text("\n".join(lines)))


def pair_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    people = [a for a in line.args if a.startswith("@")]
    if len(people) != 2:
        return turn.say("usage.pair.full")
    programme = pick_programme(turn, line, mentions)
    if isinstance(programme, Reply):
        return programme
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
    for person in (mentor, adept):
        enrolment = enrolment_of(turn, programme.id, person.id)
        if enrolment is not None and enrolment.consent_at is None:
            return turn.say("pair.no_consent", name=person.display_name)
    if turn.repo.first(Pair, programme_id=programme.id, adept_id=adept.id, phase=list(OPEN_PHASES)):
        return turn.say("pair.adept_taken", name=adept.display_name)
    forced = "force" in line.options
    mentor_enrolment = enrolment_of(turn, programme.id, mentor.id)
    capacity = mentor_enrolment.capacity if mentor_enrolment else 1
    if open_places(turn, programme, mentor.id or 0, capacity) <= 0 and not forced:
        return turn.say("pair.mentor_full", name=mentor.display_name, n=capacity)
    broken = broken_rules(turn, programme, mentor, adept)
    if broken and not forced:
        force = PAIR_FLAGS.flags[1].word(turn.t)
        return turn.say("pair.broken", rules=rules_text(turn, broken, mentor, adept), flag=force)
    if broken:
        turn.audit(
            "pair.forced", f"programme:{programme.id}", rules=[c.name.lower() for c in broken]
        )
    _, held = create_pair(turn, programme, mentor, adept)
    return turn.say(
        "pair.done_later" if held else "pair.done",
        mentor=mentor.display_name,
        adept=adept.display_name,
        programme=programme.name,
        start=turn.t.date(programme.starts_on),
    )


def accepts_consent(turn: Turn, line: CommandLine) -> bool:
    return bool(line.args) and line.args[0].lower() in ASK_WORDS


def consent_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    """``consent ask [--program X]``: the consent question, once, to everyone enrolled (in
    every open programme, or the one named) who has not agreed and was never asked, such as
    enrolments made before consent existed. Counts only in the answer and the audit."""
    if len(line.args) != 1 or line.args[0].lower() not in ASK_WORDS:
        return turn.say("usage.consent.full", options=CONSENT_FLAGS.usage(turn.t, required=False))
    wanted = line.options.get("program")
    chosen = named_programme(turn, wanted) if wanted else None
    if wanted and chosen is None:
        return turn.say("program.not_found")
    programmes = [chosen] if chosen else my_programmes(turn)
    if not programmes:
        return turn.say("program.none_open")
    lines = []
    for programme in programmes:
        asked = already = 0
        active = turn.repo.find(Enrolment, programme_id=programme.id, status=EnrolmentStatus.ACTIVE)
        for enrolment in active:
            person = turn.repo.get(Person, enrolment.person_id)
            if enrolment.consent_at is not None or person is None or person.erased_at:
                continue
            if consent_asked(turn, enrolment):
                already += 1
                continue
            ask_consent(turn, programme, enrolment)
            asked += 1
        consented = sum(1 for e in active if e.consent_at is not None)
        turn.audit("consent.asked", f"programme:{programme.id}", asked=asked, waiting=already)
        lines.append(
            turn.t(
                "consent.asked",
                programme=programme.name,
                asked=turn.t("consent.asked_n", n=asked),
                waiting=already,
                consented=consented,
            )
        )
    return turn.show(text("\n".join(lines)))


def end_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    # end @a [@b] completed|ended-early [reason...]: with two people, only their pair.
    people = [a for a in line.args if a.startswith("@")]
    reasons = [a.lower() for a in line.args if a.lower() in COMPLETED_WORDS + EARLY_WORDS]
    if not 1 <= len(people) <= 2 or len(reasons) != 1:
        return turn.say("usage.end.full")
    reason = "completed" if reasons[0] in COMPLETED_WORDS else "ended-early"
    note = " ".join(a for a in line.args if not a.startswith("@") and a.lower() not in reasons)
    if len(note) > MAX_END_NOTE:
        field = turn.t("end.note_field")
        return turn.say("error.too_long_named", field=field, n=len(note), limit=MAX_END_NOTE)
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


ROUTES = Routes(
    commands=(
        CommandRoute(
            "enroll",
            ("enrol", "registrera"),
            Audience.COORDINATOR,
            enroll_command,
            names_someone,
            flags=ENROLL_FLAGS,
        ),
        CommandRoute(
            "pair",
            ("para", "matcha-par"),
            Audience.COORDINATOR,
            pair_command,
            names_someone,
            flags=PAIR_FLAGS,
        ),
        CommandRoute("end", ("avsluta",), Audience.COORDINATOR, end_command, names_someone),
        CommandRoute(
            "consent",
            ("samtycke",),
            Audience.COORDINATOR,
            consent_command,
            accepts_consent,
            flags=CONSENT_FLAGS,
        ),
    ),
)
