"""`home`: what's next for me — my pairs, their phase and next step, and (for coordinators)
each programme's health. On top of the other flows: it shows their summaries and buttons."""

from __future__ import annotations

from conversations.flows import agreement as agreement_flow
from conversations.flows import goals as goals_flow
from conversations.flows import status
from conversations.flows.pending import pending_answers
from conversations.messages import Button, Fact, Message, Reply, Section
from conversations.pairs import member, open_pairs_of
from conversations.parsing import CommandLine
from conversations.records import (
    Enrolment,
    EnrolmentStatus,
    Meeting,
    MeetingStatus,
    Pair,
    Phase,
    Programme,
    Role,
)
from conversations.refs import PairRef
from conversations.routes import Action, Audience, ButtonRoute, CommandRoute, Routes
from conversations.turn import Turn, button


def home_message(turn: Turn) -> Message:
    t = turn.t
    repo = turn.repo
    me = turn.person
    sections: list[Section] = [Section(text=t("home.hello", name=me.display_name))]
    buttons: list[Button] = []
    if me.paused_until and me.paused_until >= turn.today:
        sections.append(Section(text=t("home.paused", date=t.date(me.paused_until))))
        buttons.append(button(t, "button.resume", Action.RESUME))
    # What waits for their answer comes first: consent before anything else of a programme.
    enrolments = repo.find(Enrolment, person_id=me.id, status=EnrolmentStatus.ACTIVE)
    pending = pending_answers(turn, enrolments)
    sections.extend(pending.sections)
    buttons.extend(pending.buttons)
    pairs = open_pairs_of(repo, me.id)
    for pair in pairs:
        role = pair.role_of(me.id or 0)
        partner = turn.person_by_id(pair.partner_of(me.id or 0))
        programme = repo.get(Programme, pair.programme_id)
        facts = [
            Fact(
                label=t("home.partner"),
                value=f"{partner.display_name} ({t('role.' + (Role.ADEPT if role == Role.MENTOR else Role.MENTOR))})",
            ),
            Fact(label=t("home.programme"), value=programme.name if programme else "—"),
            Fact(label=t("home.phase"), value=t("phase." + pair.phase)),
        ]
        upcoming = [
            m
            for m in repo.find(Meeting, pair_id=pair.id, status=MeetingStatus.BOOKED)
            if m.starts_at >= turn.now
        ]
        upcoming.sort(key=lambda m: m.starts_at)
        facts.append(
            Fact(
                label=t("home.next_meeting"),
                value=t.when(upcoming[0].starts_at) if upcoming else t("home.none_booked"),
            )
        )
        goals = goals_flow.current_goals(repo, pair.id or 0)
        facts.append(Fact(label=t("home.goals"), value=goals_flow.goals_summary(t, goals)))
        facts.append(
            Fact(label=t("home.agreement"), value=agreement_flow.status_line(t, repo, pair, me.id))
        )
        facts.append(Fact(label=t("home.ends"), value=t.date(pair.ends_on)))
        sections.append(Section(text=f"*{t('home.your_pair')}*", facts=tuple(facts)))
        step = pair.phase.value
        met_or_booked = bool(repo.find(Meeting, pair_id=pair.id))
        if pair.phase == Phase.INTRO and met_or_booked:
            step = "intro_booked"  # goals come once the first meeting has taken place
        if pair.phase == Phase.GOALS and goals and any(g.status == "draft" for g in goals):
            step = "goals_review"  # drafted, waiting for the mentor
        sections.append(Section(text=t(f"home.next_step.{step}.{role or Role.ADEPT}")))
        pid = PairRef(pair.id or 0).encode()
        pair_buttons = [
            button(t, "button.book_meeting", Action.BOOK_MEETING, pid),
            *(
                [button(t, "button.checkin", Action.OPEN_CHECKIN, pid)]
                if pair.phase != Phase.INTRO or met_or_booked
                else []
            ),
            button(t, "button.goals", Action.VIEW_GOALS, pid),
            button(t, "button.agreement", Action.VIEW_AGREEMENT, pid),
        ]
        if len(pairs) > 1:  # say which pair each button is for
            pair_buttons = [
                b.model_copy(update={"label": f"{b.label} ({partner.display_name})"})
                for b in pair_buttons
            ]
        buttons.extend(pair_buttons)
    if not pairs:
        enrolled = [
            e
            for e in enrolments
            if e.consent_at is not None  # asked, not answered: the question above says it
        ]
        had_pair = bool(repo.columns(Pair, ["id"], mentor_id=member(me.id)))
        if had_pair:
            sections.append(Section(text=t("home.completed")))
        elif enrolled:
            sections.append(Section(text=t("home.waiting")))
        elif not pending and not me.is_coordinator:
            sections.append(Section(text=t("home.not_enrolled")))
    if me.is_coordinator:
        sections.extend(status.health_sections(turn))
    buttons.append(button(t, "button.reflect", Action.OPEN_REFLECTION))
    buttons.append(button(t, "button.journal", Action.VIEW_JOURNAL))
    if not (me.paused_until and me.paused_until >= turn.today):
        buttons.append(button(t, "button.pause", Action.OPEN_PAUSE))
    buttons.append(button(t, "button.settings", Action.OPEN_SETTINGS))
    return Message(title=t("home.title"), sections=tuple(sections), buttons=tuple(buttons))


def home_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return turn.show(home_message(turn))


def home_button(turn: Turn, value: str) -> Reply:
    return turn.show(home_message(turn))


ROUTES = Routes(
    commands=(CommandRoute("home", ("hem",), Audience.EVERYONE, home_command),),
    buttons=(ButtonRoute(Action.HOME, home_button),),
)
