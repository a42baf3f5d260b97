"""`invite`: a coordinator invites people to a programme as mentor or adept. Only those who
accept are enrolled, through the intake form (``conversations.flows.intake``); declines and
non-answers are counted (``conversations.invitation_counts``), and one reminder goes
(``conversations.planner.invitations``)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from conversations.flags import FlagTable
from conversations.flows.intake import REMINDER_KIND, ROLE_WORDS, invitation_message
from conversations.invitation_counts import invitation_counts
from conversations.messages import Reply, text
from conversations.parsing import CommandLine
from conversations.people import resolve_person
from conversations.programme_choice import PROGRAMME_FLAG, pick_programme
from conversations.records import Enrolment, EnrolmentStatus, Invitation, InvitationStatus
from conversations.routes import Audience, CommandRoute, Routes
from conversations.turn import Turn

INVITE_FLAGS = FlagTable((PROGRAMME_FLAG,))
MAX_PEOPLE = 200  # one command; a larger group: several


def names_someone(turn: Turn, line: CommandLine) -> bool:
    return any(a.startswith("@") and len(a) > 1 for a in line.args)


def invite_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    # invite @a [@b …] as mentor|adept [--program X]
    args = [a for a in line.args if a.lower() not in ("as", "som")]
    people = list(dict.fromkeys(a for a in args if a.startswith("@") and len(a) > 1))
    roles = [ROLE_WORDS[a.lower()] for a in args if a.lower() in ROLE_WORDS]
    if not people or len(roles) != 1 or len(people) > MAX_PEOPLE:
        return turn.say("usage.invite.full", options=INVITE_FLAGS.usage(turn.t, required=False))
    programme = pick_programme(turn, line, mentions)
    if isinstance(programme, Reply):
        return programme
    role = roles[0]
    t = turn.t
    lines: list[str] = []
    invited: list[str] = []
    for token in people:
        person = resolve_person(turn, token, mentions, create=True)
        if person is None or person.erased_at is not None:
            lines.append(t("enroll.unknown", who=token))
            continue
        enrolled = turn.repo.first(
            Enrolment, programme_id=programme.id, person_id=person.id, status=EnrolmentStatus.ACTIVE
        )
        if enrolled is not None:
            lines.append(t("invite.already_enrolled", name=person.display_name))
            continue
        pending = turn.repo.first(
            Invitation,
            programme_id=programme.id,
            person_id=person.id,
            status=InvitationStatus.INVITED,
        )
        if pending is not None:
            lines.append(t("invite.already_invited", name=person.display_name))
            continue
        invitation = turn.repo.add(
            Invitation(
                programme_id=programme.id or 0,
                person_id=person.id or 0,
                role=role,
                invited_by=turn.person.id or 0,
                sent_at=turn.now,
            )
        )
        turn.audit("invitation.sent", f"programme:{programme.id}", person=person.id, role=role)

        # Not held until the programme starts: people are asked before it, so they can be
        # matched by then. Nothing else of the programme reaches them before they accept.
        build = partial(
            invitation_message, programme=programme, coordinator=turn.person, invitation=invitation
        )
        turn.send(person.id or 0, build, kind="invitation")
        # One reminder, unless they answer first (answering removes it).
        turn.send(
            person.id or 0,
            partial(build, reminder=True),
            kind=REMINDER_KIND,
            after=timedelta(days=turn.config.invitation_reminder_days),
        )
        invited.append(person.display_name)
    if invited:
        lines.insert(
            0,
            t(
                "invite.done",
                n=len(invited),
                role=t("role." + role),
                programme=programme.name,
                names=", ".join(invited),
            ),
        )
    counts = invitation_counts(turn.repo, programme.id or 0)
    lines.append(
        t(
            "invite.counts",
            invited=counts.invited,
            accepted=counts.accepted,
            declined=counts.declined,
            unanswered=counts.unanswered,
        )
    )
    return turn.show(text("\n".join(lines)))


ROUTES = Routes(
    commands=(
        CommandRoute(
            "invite",
            ("bjud-in", "bjud"),
            Audience.COORDINATOR,
            invite_command,
            names_someone,
            flags=INVITE_FLAGS,
        ),
    ),
)
