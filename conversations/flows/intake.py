"""The invitation's answer and the intake form.

A person invited with `invite` gets the invitation (accept / decline); accepting opens the
intake form (role, topics from the programme's list plus free text, department, manager,
languages, time zone, a mentor's capacity, people they would rather not be paired with, and
consent to the programme's data use); submitting it enrols them with ``consent_at`` set. A
person enrolled by hand with `enroll` is asked for consent instead (``flows/consent``).
"""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError

from conversations.flows.consent import consent_request, programme_facts, send_welcome
from conversations.i18n import Texts
from conversations.invitation_reminders import INVITATION_KIND, REMINDER_KIND
from conversations.messages import Choice, Form, FormField, Message, Reply, Section
from conversations.parsing import ParseError, parse_zone
from conversations.records import (
    Enrolment,
    EnrolmentStatus,
    Invitation,
    InvitationStatus,
    OutboxItem,
    OutboxStatus,
    Person,
    Programme,
    ProgrammeStatus,
    Role,
)
from conversations.refs import InvitationRef
from conversations.routes import Action, ButtonRoute, FormId, FormRoute, Routes
from conversations.turn import Turn, button, validate

ROLE_WORDS = {
    "mentor": Role.MENTOR,
    "adept": Role.ADEPT,
    "mentee": Role.ADEPT,
    "adepter": Role.ADEPT,
}
# The programme's topics when `program new` named none: keys of ``topic.<key>``, stored as
# the key, so a Swedish adept and an English mentor share a topic.
DEFAULT_TOPICS = (
    "leadership",
    "feedback",
    "conflicts",
    "career",
    "communication",
    "planning",
    "networking",
    "balance",
)
TOPIC_FIELDS = ("topic_1", "topic_2", "topic_3")
MAX_PEOPLE_FIELD = 300
LANGUAGE_NAMES = {"svenska": "sv", "swedish": "sv", "engelska": "en", "english": "en"}


def topic_choices(t: Texts, programme: Programme) -> tuple[Choice, ...]:
    if programme.topics:
        return tuple(Choice(value=topic, label=topic) for topic in programme.topics)
    return tuple(Choice(value=key, label=t("topic." + key)) for key in DEFAULT_TOPICS)


def invitation_message(
    t: Texts,
    programme: Programme,
    coordinator: Person,
    invitation: Invitation,
    *,
    reminder: bool = False,
) -> Message:
    facts = programme_facts(t, programme, coordinator, invitation.role)
    ref = InvitationRef(invitation.id or 0).encode()
    sections = [Section(text=t("invitation.body", **facts)), Section(text=t("invitation.how"))]
    if reminder:
        sections.insert(0, Section(text=t("invitation.reminder")))
    return Message(
        title=t("invitation.title", programme=programme.name),
        sections=tuple(sections),
        buttons=(
            button(t, "button.accept_invitation", Action.ACCEPT_INVITATION, ref, "primary"),
            button(t, "button.decline_invitation", Action.DECLINE_INVITATION, ref),
        ),
        note=t("consent.use"),
    )


# Invited: accept (the intake form) or decline ----------------------------------------------


def _my_invitation(turn: Turn, value: str) -> tuple[Invitation, Programme] | Reply:
    ref = InvitationRef.decode(value)
    invitation = turn.repo.get(Invitation, ref.invitation) if ref else None
    if invitation is None or invitation.person_id != turn.person.id:
        return turn.say("error.stale_button")
    programme = turn.repo.get(Programme, invitation.programme_id)
    if programme is None or programme.status != ProgrammeStatus.OPEN:
        return turn.say("invitation.closed")
    if invitation.status == InvitationStatus.ENROLLED:
        return _enrolled_instead(turn, invitation, programme)
    if invitation.status != InvitationStatus.INVITED:
        return turn.say("invitation.answered")
    return invitation, programme


def _enrolled_instead(turn: Turn, invitation: Invitation, programme: Programme) -> Reply:
    """An invitation a coordinator closed by enrolling its person by hand: said so, with the
    consent question that replaced it while that still waits for an answer."""
    reply = turn.say("invitation.enrolled", programme=programme.name)
    enrolment = turn.repo.first(
        Enrolment,
        programme_id=programme.id,
        person_id=turn.person.id,
        status=EnrolmentStatus.ACTIVE,
    )
    if enrolment is not None and enrolment.consent_at is None:
        coordinator = turn.repo.get(Person, invitation.invited_by) or turn.person
        reply.messages.append(consent_request(turn.t, programme, coordinator, enrolment))
    return reply


def close_for_enrolment(turn: Turn, programme: Programme, person: Person) -> bool:
    """A coordinator enrolled ``person`` by hand (`enroll`): their open invitation to
    ``programme``, if any, is closed (the consent question replaces it), and what of it still
    waits in the outbox is not sent. True if one was closed."""
    invitation = turn.repo.first(
        Invitation,
        programme_id=programme.id,
        person_id=person.id,
        status=InvitationStatus.INVITED,
    )
    if invitation is None:
        return False
    turn.repo.update(invitation.model_copy(update={"status": InvitationStatus.ENROLLED}))
    drop_reminder(turn, invitation)
    turn.audit("invitation.closed_by_enrolment", f"programme:{programme.id}", person=person.id)
    return True


def intake_form(t: Texts, programme: Programme, invitation: Invitation, me: Person) -> Form:
    topics = topic_choices(t, programme)
    return Form(
        form_id=FormId.INTAKE,
        title=t("intake.title"),
        intro=t("intake.intro", programme=programme.name, use=t("consent.use")),
        submit_label=t("intake.submit"),
        context=InvitationRef(invitation.id or 0).encode(),
        fields=(
            FormField(
                name="role",
                label=t("intake.role"),
                kind="choice",
                initial=invitation.role,
                choices=tuple(Choice(value=r, label=t("role." + r)) for r in Role),
            ),
            FormField(
                name="topic_1",
                label=t("intake.topic"),
                kind="choice",
                required=False,
                choices=topics,
                group="topics",
            ),
            *(
                FormField(
                    name=name,
                    label=t("intake.topic_more"),
                    kind="choice",
                    required=False,
                    choices=topics,
                    group="topics",
                )
                for name in TOPIC_FIELDS[1:]
            ),
            FormField(
                name="details",
                label=t("intake.details"),
                kind="multiline",
                required=False,
                max_length=500,
            ),
            FormField(
                name="department", label=t("intake.department"), required=False, max_length=100
            ),
            FormField(
                name="manager",
                label=t("intake.manager"),
                required=False,
                max_length=MAX_PEOPLE_FIELD,
            ),
            FormField(
                name="languages",
                label=t("intake.languages"),
                initial=me.locale,
                max_length=60,
                hint=t("intake.languages_hint"),
            ),
            FormField(
                name="timezone", label=t("intake.timezone"), initial=me.timezone, max_length=64
            ),
            FormField(
                name="capacity",
                label=t("intake.capacity"),
                kind="number",
                required=False,
                initial="1",
                shown_if=("role", Role.MENTOR),
            ),
            FormField(
                name="avoid",
                label=t("intake.avoid"),
                required=False,
                max_length=MAX_PEOPLE_FIELD,
            ),
            FormField(name="consent", label=t("intake.consent"), kind="bool"),
        ),
    )


def drop_reminder(turn: Turn, invitation: Invitation) -> None:
    """The invitation was answered (or closed): what of it still waits in the outbox is not
    sent (its one reminder, and the invitation itself when it was answered from Home before
    it arrived in the person's working hours)."""
    ref = InvitationRef(invitation.id or 0).encode()
    for item in turn.repo.find(
        OutboxItem,
        person_id=invitation.person_id,
        kind=[REMINDER_KIND, INVITATION_KIND],
        status=OutboxStatus.PENDING,
    ):
        if ref in item.button_values():
            turn.repo.delete(OutboxItem, item.id or 0)


def accept_button(turn: Turn, value: str) -> Reply:
    found = _my_invitation(turn, value)
    if isinstance(found, Reply):
        return found
    invitation, programme = found
    return Reply(form=intake_form(turn.t, programme, invitation, turn.person))


def decline_button(turn: Turn, value: str) -> Reply:
    found = _my_invitation(turn, value)
    if isinstance(found, Reply):
        return found
    invitation, programme = found
    turn.repo.update(
        invitation.model_copy(update={"status": InvitationStatus.DECLINED, "answered_at": turn.now})
    )
    drop_reminder(turn, invitation)
    turn.audit("invitation.declined", f"programme:{programme.id}", person=turn.person.id)
    return turn.say("invitation.declined", programme=programme.name)


def _people(turn: Turn, raw: str | None) -> list[Person] | str:
    """People named in a form as ``@name, @other`` (their handle or display name); the first
    unknown one as typed, for the error."""
    found: list[Person] = []
    for token in (raw or "").replace(",", " ").split():
        wanted = token.removeprefix("@").lower()
        match = next(
            (
                p
                for p in turn.repo.find(
                    Person, platform=turn.person.platform, workspace=turn.person.workspace
                )
                if p.erased_at is None
                and wanted in (p.platform_user_id.lower(), p.display_name.lower())
            ),
            None,
        )
        if match is None:
            return token
        found.append(match)
    return found


def _languages(raw: str) -> list[str] | str:
    codes: list[str] = []
    for word in raw.replace(",", " ").split():
        code = LANGUAGE_NAMES.get(word.lower(), word.lower())
        try:
            Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            return word
        codes.append(code)
    return list(dict.fromkeys(codes))


def intake_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    found = _my_invitation(turn, context)
    if isinstance(found, Reply):
        return found
    invitation, programme = found
    t = turn.t
    form = intake_form(t, programme, invitation, turn.person)
    clean, errors = validate(form, values, t, turn.now)
    role = Role(clean.get("role") or invitation.role)
    capacity = clean.get("capacity") or 1
    if role == Role.MENTOR and not 1 <= capacity <= 3 and "capacity" not in errors:
        errors["capacity"] = t("intake.capacity_range")
    if "consent" not in errors and clean.get("consent") is not True:
        errors["consent"] = t("intake.consent_needed")
    manager = _people(turn, clean.get("manager"))
    if isinstance(manager, str) and "manager" not in errors:
        errors["manager"] = t("intake.unknown_person", who=manager)
    avoid = _people(turn, clean.get("avoid"))
    if isinstance(avoid, str) and "avoid" not in errors:
        errors["avoid"] = t("intake.unknown_person", who=avoid)
    languages = _languages(clean.get("languages") or "")
    if isinstance(languages, str) and "languages" not in errors:
        errors["languages"] = t("intake.bad_language", value=languages)
    timezone = clean.get("timezone") or turn.person.timezone
    try:
        parse_zone(timezone)
    except ParseError:
        errors.setdefault("timezone", t("intake.bad_timezone", value=timezone))
    if errors:
        return Reply(form=form, errors=errors)
    assert not isinstance(manager, str) and not isinstance(avoid, str)
    assert not isinstance(languages, str)
    topics = list(dict.fromkeys(clean[name] for name in TOPIC_FIELDS if clean.get(name)))
    details = clean.get("details") or ""
    answers: dict[str, Any] = {
        "role": role,
        "capacity": capacity if role == Role.MENTOR else 1,
        "wants_topics": topics if role == Role.ADEPT else [],
        "offers_topics": topics if role == Role.MENTOR else [],
        "wants_to_learn": details if role == Role.ADEPT else "",
        "can_offer": details if role == Role.MENTOR else "",
        "department": clean.get("department") or "",
        "manager_id": manager[0].id if manager else None,
        "avoid": [p.id or 0 for p in avoid if p.id != turn.person.id],
        "languages": languages,
        "consent_at": turn.now,
    }
    enrolled = turn.repo.first(
        Enrolment,
        programme_id=programme.id,
        person_id=turn.person.id,
        status=EnrolmentStatus.ACTIVE,
    )
    agreed_before = enrolled is not None and enrolled.consent_at is not None
    if enrolled is None:
        turn.repo.add(
            Enrolment(
                programme_id=programme.id or 0,
                person_id=turn.person.id or 0,
                created_at=turn.now,
                **answers,
            )
        )
    else:
        # A coordinator enrolled them by hand after inviting them: one enrolment a programme,
        # filled in with their own answers. Once they have agreed there (and may be paired),
        # its role, capacity and consent stay as they are.
        kept = ("role", "capacity", "consent_at") if agreed_before else ()
        answered = {k: v for k, v in answers.items() if k not in kept}
        role = turn.repo.update(enrolled.model_copy(update=answered)).role
    if timezone != turn.person.timezone:
        turn.repo.update(turn.person.model_copy(update={"timezone": timezone}))
    turn.repo.update(
        invitation.model_copy(update={"status": InvitationStatus.ACCEPTED, "answered_at": turn.now})
    )
    drop_reminder(turn, invitation)
    turn.audit("invitation.accepted", f"programme:{programme.id}", person=turn.person.id)
    if enrolled is None:
        turn.audit("person.enrolled", f"programme:{programme.id}", person=turn.person.id, role=role)
    if not agreed_before:  # welcomed when they agree, once
        send_welcome(turn, programme, turn.person, role)
    return turn.say("intake.done", programme=programme.name, role=t("role." + role))


ROUTES = Routes(
    buttons=(
        ButtonRoute(Action.ACCEPT_INVITATION, accept_button),
        ButtonRoute(Action.DECLINE_INVITATION, decline_button),
    ),
    forms=(FormRoute(FormId.INTAKE, intake_submitted),),
)
