"""`status`: each programme's health for its coordinators, in counts and dates only: journal,
check-in and review texts are never shown here (nor on Home, which shows the same); then what
needs them, by name (``conversations.attention``), each pair with buttons to remind, pause or
end it (``flows/followup``)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

from conversations.attention import attention_messages, concerns, pulse_line
from conversations.delivery_status import delivery_summary
from conversations.flags import FlagTable
from conversations.meeting_counts import count_meetings
from conversations.messages import Message, Reply, Section
from conversations.parsing import CommandLine
from conversations.programme_choice import PROGRAMME_FLAG, my_programmes, named_programme
from conversations.records import (
    CheckIn,
    Enrolment,
    EnrolmentStatus,
    Meeting,
    Pair,
    Programme,
    Reflection,
    Role,
)
from conversations.routes import Audience, CommandRoute, Routes
from conversations.turn import Turn

STATUS_FLAGS = FlagTable((PROGRAMME_FLAG,))


def health_sections(turn: Turn, programmes: list[Programme] | None = None) -> list[Section]:
    """Counts and dates per programme, counted from its start date (what happened before it
    is not the programme's). Never any journal, check-in or review text."""
    t = turn.t
    repo = turn.repo
    sections: list[Section] = []
    for programme in my_programmes(turn) if programmes is None else programmes:
        started = datetime.combine(programme.starts_on, time(0), tzinfo=t.tz)
        enrolments = repo.find(Enrolment, programme_id=programme.id, status=EnrolmentStatus.ACTIVE)
        roles = Counter(e.role for e in enrolments)
        pairs = repo.find(Pair, programme_id=programme.id)
        phases = Counter(p.phase for p in pairs)
        pair_ids = [p.id for p in pairs]
        meetings = count_meetings(
            [m for m in repo.find(Meeting, pair_id=pair_ids) if m.starts_at >= started], turn.now
        )
        checkins = [c for c in repo.find(CheckIn, pair_id=pair_ids) if c.created_at >= started]
        members = {m for p in pairs for m in p.member_ids()}
        # Journal entries written during the programme by its members: a count, never a text.
        reflections = [
            r
            for r in repo.find(Reflection, person_id=list(members))
            if started <= r.created_at and t.local(r.created_at).date() <= programme.ends_on
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
            t("status.meetings", n=meetings.held)
            + t("status.meetings_more", missed=meetings.missed, unconfirmed=meetings.unconfirmed),
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
            and turn.now - max(p.phase_since, started)
            > timedelta(days=turn.config.stuck_phase_days)
        ]
        pulse = pulse_line(t, repo, programme)
        if pulse is not None:
            lines.append(pulse)
        if stuck:
            lines.append(t("status.stuck", n=len(stuck), days=turn.config.stuck_phase_days))
        header = t(
            "status.programme",
            name=programme.name,
            purposes=", ".join(t("purpose." + x) for x in programme.purposes),
            start=t.date(programme.starts_on, "medium"),
            end=t.date(programme.ends_on, "medium"),
        )
        if started > turn.now:
            lines.insert(0, t("status.not_started", start=t.date(programme.starts_on)))
        sections.append(Section(text=f"*{header}*\n" + "\n".join(lines)))
    if not sections:
        sections.append(Section(text=t("program.none")))
    return sections


def status_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    """Every open programme, or the one ``--program`` names."""
    wanted = line.options.get("program")
    chosen = named_programme(turn, wanted) if wanted else None
    if wanted and chosen is None:
        return turn.say("program.not_found")
    programmes = [chosen] if chosen else my_programmes(turn)
    followup = [
        message
        for programme in programmes
        for message in attention_messages(
            turn.t, programme, concerns(turn.repo, programme, turn.now, turn.config)
        )
    ]
    turn.audit("status.viewed", f"programme:{chosen.id}" if chosen else "")
    return turn.show(
        Message(
            title=turn.t("status.title"),
            sections=tuple(health_sections(turn, programmes)),
            note=turn.t("status.privacy"),
        ),
        *followup,
    )


ROUTES = Routes(
    commands=(
        CommandRoute("status", ("läge",), Audience.COORDINATOR, status_command, flags=STATUS_FLAGS),
    ),
)
