"""Consent before anything else: the question a person enrolled by hand is asked (agree /
decline), and their answer. Until they agree nothing else of the programme reaches them and
they are not paired. Enrolments made before consent existed (``consent_at`` empty, perhaps
already paired) are asked the same question by a coordinator's `consent ask`
(``flows/enrolment``); their pair goes on meanwhile, with the question at the top of their
Home, and declining ends it (the partner is told). An accepted invitation's intake form
(``flows/intake``) records consent itself.
"""

from __future__ import annotations

from functools import partial

from conversations.flows import intro
from conversations.i18n import Texts
from conversations.messages import Message, Reply, Section, text
from conversations.pairs import end_pair, open_pairs_of
from conversations.records import (
    AuditEntry,
    Enrolment,
    EnrolmentStatus,
    OutboxItem,
    Pair,
    Person,
    Programme,
    Role,
)
from conversations.refs import EnrolmentRef
from conversations.routes import Action, ButtonRoute, Routes
from conversations.turn import Turn, button

CONSENT_KIND = "consent"  # the outbox kind of the question


def programme_facts(
    t: Texts, programme: Programme, coordinator: Person, role: Role
) -> dict[str, str]:
    """What an invitation or a consent question says of the programme, in the reader's words."""
    return {
        "coordinator": coordinator.display_name,
        "programme": programme.name,
        "start": t.date(programme.starts_on),
        "end": t.date(programme.ends_on),
        "role": t("role." + role),
        "purposes": ", ".join(t("purpose." + p) for p in programme.purposes),
    }


def consent_request(
    t: Texts, programme: Programme, coordinator: Person, enrolment: Enrolment
) -> Message:
    facts = programme_facts(t, programme, coordinator, enrolment.role)
    ref = EnrolmentRef(enrolment.id or 0).encode()
    return Message(
        title=t("consent.title", programme=programme.name),
        sections=(Section(text=t("consent.body", **facts)), Section(text=t("consent.use"))),
        buttons=(
            button(t, "button.consent", Action.CONSENT, ref, "primary"),
            button(t, "button.decline_consent", Action.DECLINE_CONSENT, ref),
        ),
    )


def ask_consent(turn: Turn, programme: Programme, enrolment: Enrolment) -> None:
    """Send the question (not held until the programme's start: they are asked now, so that
    they can be paired by then). The caller is the coordinator who asks."""
    ask = partial(consent_request, programme=programme, coordinator=turn.person)
    turn.send(enrolment.person_id, partial(ask, enrolment=enrolment), kind=CONSENT_KIND)
    turn.audit(ASKED, _subject(enrolment), person=enrolment.person_id)


ASKED = "consent.requested"  # the audit entry of each question sent (its outbox row's copy
# of the message is cleared once delivered, so the audit trail is what remembers it)


def _subject(enrolment: Enrolment) -> str:
    return f"enrolment:{enrolment.id}"


def consent_asked(turn: Turn, enrolment: Enrolment) -> bool:
    """Whether the question about this enrolment was ever sent (or waits to be): the audit
    trail says so; a question queued before it did is found in the outbox, if still there."""
    if turn.repo.first(AuditEntry, action=ASKED, subject=_subject(enrolment)) is not None:
        return True
    ref = EnrolmentRef(enrolment.id or 0).encode()
    return any(
        ref in row.button_values()
        for row in turn.repo.find(OutboxItem, person_id=enrolment.person_id, kind=CONSENT_KIND)
    )


def send_welcome(turn: Turn, programme: Programme, person: Person, role: Role) -> None:
    """The programme's welcome, once they have agreed (held until its start date)."""
    welcome = partial(
        intro.welcome_message, programme=programme, role=role, purposes=programme.purposes
    )
    turn.send(person.id or 0, welcome, programme_id=programme.id)


def _open_pairs(turn: Turn, programme: Programme) -> list[Pair]:
    return [p for p in open_pairs_of(turn.repo, turn.person.id) if p.programme_id == programme.id]


def _unanswered(turn: Turn, value: str) -> tuple[Enrolment, Programme] | Reply:
    """The caller's own enrolment a consent button is about, still waiting for the answer; or
    the reply when it is stale or already answered."""
    ref = EnrolmentRef.decode(value)
    enrolment = turn.repo.get(Enrolment, ref.enrolment) if ref else None
    programme = turn.repo.get(Programme, enrolment.programme_id) if enrolment else None
    if enrolment is None or programme is None or enrolment.person_id != turn.person.id:
        return turn.say("error.stale_button")
    if enrolment.consent_at is not None or enrolment.status != EnrolmentStatus.ACTIVE:
        return turn.say("consent.answered")
    return enrolment, programme


def consent_button(turn: Turn, value: str) -> Reply:
    found = _unanswered(turn, value)
    if isinstance(found, Reply):
        return found
    enrolment, programme = found
    turn.repo.update(enrolment.model_copy(update={"consent_at": turn.now}))
    turn.audit("enrolment.consented", f"programme:{programme.id}", person=turn.person.id)
    if not _open_pairs(turn, programme):  # already paired: they had their welcome long ago
        send_welcome(turn, programme, turn.person, enrolment.role)
    return turn.say("consent.done", programme=programme.name, role=turn.t("role." + enrolment.role))


def decline_consent_button(turn: Turn, value: str) -> Reply:
    found = _unanswered(turn, value)
    if isinstance(found, Reply):
        return found
    enrolment, programme = found
    turn.repo.update(enrolment.model_copy(update={"status": EnrolmentStatus.DECLINED}))
    turn.audit("enrolment.declined", f"programme:{programme.id}", person=turn.person.id)
    # Paired before consent existed: not taking part ends the pair; the partner is told.
    for pair in _open_pairs(turn, programme):
        end_pair(turn, pair, "ended-early", by_coordinator=False)
        if pair.introduced_at > turn.now:
            continue  # never introduced: withdrawn, the partner never heard of it
        partner = pair.partner_of(turn.person.id or 0)
        left = partial(_partner_left, programme=programme.name)
        turn.send(partner, left, programme_id=programme.id)
    return turn.say("consent.declined", programme=programme.name)


def _partner_left(t: Texts, programme: str) -> Message:
    return text(t("consent.partner_left", programme=programme))


ROUTES = Routes(
    buttons=(
        ButtonRoute(Action.CONSENT, consent_button),
        ButtonRoute(Action.DECLINE_CONSENT, decline_consent_button),
    ),
)
