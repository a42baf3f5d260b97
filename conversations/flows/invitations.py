"""`invite`: a coordinator invites people to a programme as mentor or adept: named by mention,
or every member of a channel or user group, or the rows of a file (the adapter expands those
into ``Turn.groups``; ``conversations.invitees`` makes one list of them). Only those who
accept are enrolled, through the intake form (``conversations.flows.intake``); declines and
non-answers are counted (``conversations.invitation_counts``), and one reminder goes
(``conversations.planner.invitations``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import partial

from conversations.flags import Flag, FlagKind, FlagTable
from conversations.flows.intake import ROLE_WORDS, invitation_message
from conversations.invitation_counts import counts_line, invitation_counts
from conversations.invitation_reminders import INVITATION_KIND, REMINDER_KIND
from conversations.invitees import invitees, unresolved_line
from conversations.messages import Reply, text
from conversations.parsing import CommandLine
from conversations.people import resolve_person
from conversations.programme_choice import PROGRAMME_FLAG, pick_programme
from conversations.records import Enrolment, EnrolmentStatus, Invitation, InvitationStatus
from conversations.routes import Audience, CommandRoute, Routes
from conversations.turn import Turn

# The file's path (the console); a platform that takes attached files ignores the value.
FILE_FLAG = Flag("file", "fil", FlagKind.TEXT)
INVITE_FLAGS = FlagTable((PROGRAMME_FLAG, FILE_FLAG))


def names_someone(turn: Turn, line: CommandLine) -> bool:
    return bool(turn.groups) or any(a.startswith(("@", "#")) and len(a) > 1 for a in line.args)


def invite_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    # invite @a [@b …] [#channel] [@user-group] [--file people.csv] as mentor|adept [--program X]
    args = [a for a in line.args if a.lower() not in ("as", "som")]
    roles = [ROLE_WORDS[a.lower()] for a in args if a.lower() in ROLE_WORDS]
    usage = turn.say("usage.invite.full", options=INVITE_FLAGS.usage(turn.t, required=False))
    if "file" in line.options and not any(group.file for group in turn.groups):
        return turn.say("invite.file_missing")
    found = invitees(turn, args, mentions)
    if isinstance(found, Reply):
        return found
    if len(roles) != 1 or not (found.tokens or found.from_groups):
        return usage
    t = turn.t
    if not found.tokens:
        nobody = [t("invite.nobody")]
        if found.unresolved:
            nobody.append(unresolved_line(turn, found.unresolved))
        return turn.show(text("\n".join(nobody)))
    # The people as named tokens: a command parked for the choice of programme runs again
    # with them (the channel, group or file is not read twice).
    role_words = [a for a in args if a.lower() in ROLE_WORDS]
    options = {k: v for k, v in line.options.items() if k != "file"}
    line = replace(line, args=[*found.tokens, *role_words], options=options)
    mentions = found.mentions
    programme = pick_programme(turn, line, mentions)
    if isinstance(programme, Reply):
        if found.unresolved:
            programme.messages.append(text(unresolved_line(turn, found.unresolved)))
        return programme
    role = roles[0]
    people = found.tokens
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
        turn.send(person.id or 0, build, kind=INVITATION_KIND)
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
    if found.unresolved:
        lines.append(unresolved_line(turn, found.unresolved))
    counts = invitation_counts(turn.repo, programme.id or 0)
    lines.append(counts_line(t, counts))
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
