"""What waits for the person's own answer before a programme can go on: the consent question
of an enrolment made by hand (or made before consent existed), and an invitation not yet
answered. Home shows them first, each with the same buttons as the message that asked, so
Home never says "your coordinator will pair you soon" while nothing can happen until they
answer. The buttons are answered by ``conversations.flows.intake``."""

from __future__ import annotations

from dataclasses import dataclass, field

from conversations.flows.consent import consent_request
from conversations.flows.intake import invitation_message
from conversations.messages import Button, Section
from conversations.records import (
    Enrolment,
    Invitation,
    InvitationStatus,
    Person,
    Programme,
    ProgrammeStatus,
)
from conversations.turn import Turn


@dataclass
class Pending:
    sections: list[Section] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sections)


def unconsented_enrolments(
    turn: Turn, enrolments: list[Enrolment]
) -> list[tuple[Enrolment, Programme]]:
    """Those of the caller's active ``enrolments`` in open programmes that still wait for
    their consent."""
    found = []
    for enrolment in enrolments:
        if enrolment.consent_at is not None:
            continue
        programme = turn.repo.get(Programme, enrolment.programme_id)
        if programme is not None and programme.status == ProgrammeStatus.OPEN:
            found.append((enrolment, programme))
    return sorted(found, key=lambda found: found[0].id or 0)


def open_invitations(turn: Turn) -> list[tuple[Invitation, Programme]]:
    found = []
    for invitation in turn.repo.find(
        Invitation, person_id=turn.person.id, status=InvitationStatus.INVITED
    ):
        programme = turn.repo.get(Programme, invitation.programme_id)
        if programme is not None and programme.status == ProgrammeStatus.OPEN:
            found.append((invitation, programme))
    return sorted(found, key=lambda found: found[0].id or 0)


def _coordinator(turn: Turn, person_id: int | None, programme: Programme) -> Person:
    """Who asked: the inviter, else the programme's creator (the name in the question)."""
    for candidate in (person_id, programme.created_by):
        person = turn.repo.get(Person, candidate) if candidate else None
        if person is not None:
            return person
    return turn.person


def pending_answers(turn: Turn, enrolments: list[Enrolment]) -> Pending:
    """The questions waiting for the caller, oldest first, as Home shows them: the question's
    words and its buttons (named by programme when more than one waits). ``enrolments``: the
    caller's active ones, as Home has read them."""
    t = turn.t
    pending = Pending()
    asked = [
        (consent_request(t, programme, _coordinator(turn, None, programme), e), programme)
        for e, programme in unconsented_enrolments(turn, enrolments)
    ]
    asked += [
        (
            invitation_message(t, programme, _coordinator(turn, i.invited_by, programme), i),
            programme,
        )
        for i, programme in open_invitations(turn)
    ]
    for message, programme in asked:
        words = "\n".join(s.text for s in message.sections)
        pending.sections.append(Section(text=f"*{message.title}*\n{words}"))
        for b in message.buttons:
            label = f"{b.label} ({programme.name})" if len(asked) > 1 else b.label
            pending.buttons.append(b.model_copy(update={"label": label}))
    return pending
