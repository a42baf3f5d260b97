"""Commands everyone has: help, home, settings, pause/resume, my data, forget me."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

from conversations.i18n import SUPPORTED, Texts
from conversations.messages import Button, Choice, Fact, Form, FormField, Message, Reply, Section
from conversations.parsing import (
    CommandLine,
    ParseError,
    parse_date,
    parse_time,
    parse_weekdays,
    parse_zone,
)
from conversations.ports import Repo
from conversations.records import (
    Agreement,
    CheckIn,
    ConversationState,
    Enrolment,
    Goal,
    GoalRating,
    Meeting,
    OutboxItem,
    Pair,
    Person,
    Phase,
    Preparation,
    Programme,
    Record,
    Reflection,
    Review,
    Role,
)
from conversations.turn import Turn, button, validate

OPEN_PHASES = [p for p in Phase if p.is_open]


def plain(body: str) -> Message:
    return Message(sections=(Section(text=body),))


def open_pairs_of(repo: Repo, person_id: int | None) -> list[Pair]:
    pairs = repo.find(Pair, mentor_id=person_id, phase=OPEN_PHASES)
    pairs += repo.find(Pair, adept_id=person_id, phase=OPEN_PHASES)
    return sorted(pairs, key=lambda p: p.id or 0)


def has_pair(repo: Repo, person: Person) -> bool:
    return bool(open_pairs_of(repo, person.id))


def current_pair(turn: Turn, value: str = "") -> Pair | None:
    """The pair a button/command refers to: by id in ``value`` (must be the actor's own), else
    the actor's only (or newest) open pair."""
    if value.split(":")[0].isdigit():
        pair = turn.repo.get(Pair, int(value.split(":")[0]))
        if pair is None or turn.person.id not in pair.member_ids():
            return None
        return pair
    pairs = open_pairs_of(turn.repo, turn.person.id)
    return pairs[-1] if pairs else None


def no_pair_reply(turn: Turn) -> Reply:
    return turn.say("error.no_pair")


def pair_closed_reply(turn: Turn, pair: Pair) -> Reply:
    return turn.say(
        "error.pair_ended",
        date=turn.t.date(turn.t.local(pair.ended_at).date()) if pair.ended_at else "",
    )


# help ---------------------------------------------------------------------------------------

HELP_ORDER = {
    "everyone": [
        "home",
        "settings",
        "pause",
        "resume",
        "reflect",
        "journal",
        "my-data",
        "forget-me",
        "help",
    ],
    "pair": ["meeting", "goals", "agreement", "checkin", "review"],
    "coordinator": ["program", "enroll", "pair", "end", "status", "coordinators"],
}


def help_message(turn: Turn, unknown: str = "") -> Message:
    t = turn.t
    prefix = turn.config.command_prefixes.get(turn.person.platform, "")
    sections = []
    if unknown:
        sections.append(Section(text=t("help.unknown", word=unknown[:40])))
    groups = ["everyone"]
    if has_pair(turn.repo, turn.person):
        groups.insert(0, "pair")
    if turn.person.is_coordinator:
        groups.append("coordinator")
    for group in groups:
        lines = [
            f"`{(prefix + ' ') if prefix else ''}{t('usage.' + name)}` — {t('help.' + name)}"
            for name in HELP_ORDER[group]
        ]
        sections.append(Section(text=f"*{t('help.group.' + group)}*\n" + "\n".join(lines)))
    return Message(title=t("help.title"), sections=tuple(sections), note=t("help.note"))


def help_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return turn.show(help_message(turn))


def help_button(turn: Turn, value: str) -> Reply:
    return turn.show(help_message(turn))


def unknown_command(turn: Turn, word: str) -> Reply:
    return turn.show(help_message(turn, unknown=word or "?"))


# home ---------------------------------------------------------------------------------------


def home_message(turn: Turn) -> Message:
    from conversations.flows import agreement as agreement_flow
    from conversations.flows import goals as goals_flow

    t = turn.t
    repo = turn.repo
    me = turn.person
    sections: list[Section] = [Section(text=t("home.hello", name=me.display_name))]
    buttons: list[Button] = []
    if me.paused_until and me.paused_until >= turn.today:
        sections.append(Section(text=t("home.paused", date=t.date(me.paused_until))))
        buttons.append(button(t, "button.resume", "resume"))
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
            for m in repo.find(Meeting, pair_id=pair.id, status="booked")
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
            Fact(label=t("home.agreement"), value=agreement_flow.status_line(t, repo, pair))
        )
        facts.append(Fact(label=t("home.ends"), value=t.date(pair.ends_on)))
        sections.append(Section(text=f"*{t('home.your_pair')}*", facts=tuple(facts)))
        step = pair.phase.value
        if pair.phase == Phase.GOALS and goals and any(g.status == "draft" for g in goals):
            step = "goals_review"  # drafted, waiting for the mentor
        sections.append(Section(text=t(f"home.next_step.{step}.{role or Role.ADEPT}")))
        pid = str(pair.id)
        pair_buttons = [
            button(t, "button.book_meeting", "meeting.book", pid),
            *(
                [button(t, "button.checkin", "checkin.open", pid)]
                if pair.phase != Phase.INTRO
                else []
            ),
            button(t, "button.goals", "goals.view", pid),
            button(t, "button.agreement", "agreement.view", pid),
        ]
        if len(pairs) > 1:  # say which pair each button is for
            pair_buttons = [
                b.model_copy(update={"label": f"{b.label} ({partner.display_name})"})
                for b in pair_buttons
            ]
        buttons.extend(pair_buttons)
    if not pairs:
        enrolled = repo.find(Enrolment, person_id=me.id, status="active")
        had_pair = bool(repo.find(Pair, mentor_id=me.id) or repo.find(Pair, adept_id=me.id))
        if had_pair:
            sections.append(Section(text=t("home.completed")))
        elif enrolled or not me.is_coordinator:
            sections.append(Section(text=t("home.waiting" if enrolled else "home.not_enrolled")))
    if me.is_coordinator:
        from conversations.flows import coordinator

        sections.extend(coordinator.health_sections(turn))
    buttons.append(button(t, "button.reflect", "reflect.open"))
    buttons.append(button(t, "button.journal", "journal.view"))
    if not (me.paused_until and me.paused_until >= turn.today):
        buttons.append(button(t, "button.pause", "pause.open"))
    buttons.append(button(t, "button.settings", "settings.open"))
    return Message(title=t("home.title"), sections=tuple(sections), buttons=tuple(buttons))


def home_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return turn.show(home_message(turn))


def home_button(turn: Turn, value: str) -> Reply:
    return turn.show(home_message(turn))


# settings -----------------------------------------------------------------------------------


def settings_form(turn: Turn) -> Form:
    t = turn.t
    p = turn.person
    weekdays = tuple(Choice(value=str(i), label=t.weekday(i)) for i in range(7))
    return Form(
        form_id="settings",
        title=t("settings.title"),
        submit_label=t("button.save"),
        intro=t("settings.intro"),
        fields=(
            FormField(
                name="language",
                label=t("settings.language"),
                kind="choice",
                initial=p.locale,
                choices=tuple(
                    Choice(value=code, label=t("language." + code)) for code in SUPPORTED
                ),
            ),
            FormField(
                name="timezone",
                label=t("settings.timezone"),
                initial=p.timezone,
                max_length=64,
                hint=t("settings.timezone_hint"),
            ),
            FormField(
                name="reflection_day",
                label=t("settings.reflection_day"),
                kind="choice",
                initial=str(p.reflection_weekday),
                choices=weekdays,
            ),
            FormField(
                name="reflection_time",
                label=t("settings.reflection_time"),
                initial=p.reflection_time.strftime("%H:%M"),
                max_length=5,
                hint="14:00",
            ),
            FormField(
                name="work_start",
                label=t("settings.work_start"),
                initial=p.work_start.strftime("%H:%M"),
                max_length=5,
                hint="08:00",
            ),
            FormField(
                name="work_end",
                label=t("settings.work_end"),
                initial=p.work_end.strftime("%H:%M"),
                max_length=5,
                hint="17:00",
            ),
            FormField(
                name="work_days",
                label=t("settings.work_days"),
                initial=_days_text(p.work_days),
                max_length=20,
                hint=t("settings.work_days_hint"),
            ),
        ),
    )


def _days_text(days: list[int]) -> str:
    if days and days == list(range(days[0], days[-1] + 1)):
        return f"{days[0] + 1}-{days[-1] + 1}" if len(days) > 1 else str(days[0] + 1)
    return ",".join(str(d + 1) for d in days)


def settings_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return Reply(form=settings_form(turn))


def settings_button(turn: Turn, value: str) -> Reply:
    return Reply(form=settings_form(turn))


def settings_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    form = settings_form(turn)
    clean, errors = validate(form, values, turn.t, turn.now)
    parsed: dict[str, object] = {}
    for name, parse in (
        ("timezone", lambda v: parse_zone(v).key),
        ("reflection_time", parse_time),
        ("work_start", parse_time),
        ("work_end", parse_time),
        ("work_days", parse_weekdays),
    ):
        if name in errors or clean.get(name) is None:
            continue
        try:
            parsed[name] = parse(clean[name])
        except ParseError as exc:
            errors[name] = turn.t(exc.key, **exc.values)
    start, end = parsed.get("work_start"), parsed.get("work_end")
    if isinstance(start, time) and isinstance(end, time) and start >= end:
        errors["work_start"] = errors["work_end"] = turn.t("error.work_hours")
    if errors:
        return Reply(form=form, errors=errors)
    person = turn.repo.update(
        turn.person.model_copy(
            update={
                "locale": clean["language"],
                "timezone": parsed["timezone"],
                "reflection_weekday": int(clean["reflection_day"]),
                "reflection_time": parsed["reflection_time"],
                "work_start": parsed["work_start"],
                "work_end": parsed["work_end"],
                "work_days": parsed["work_days"],
            }
        )
    )
    turn.person = person
    turn.audit("settings.changed", f"person:{person.id}")
    t = turn.t
    return turn.say(
        "settings.saved",
        day=t.weekday(person.reflection_weekday),
        time=t.time(person.reflection_time),
        tz=person.timezone,
    )


# pause / resume -----------------------------------------------------------------------------


def pause_form(turn: Turn) -> Form:
    t = turn.t
    return Form(
        form_id="pause",
        title=t("pause.title"),
        submit_label=t("button.pause"),
        intro=t("pause.intro"),
        fields=(
            FormField(
                name="until",
                label=t("pause.until"),
                kind="date",
                max_length=20,
                hint=t("pause.until_hint"),
            ),
        ),
    )


def _pause_until(turn: Turn, until_text: str) -> Reply:
    try:
        until = parse_date(until_text, turn.today)
    except ParseError as exc:
        return turn.say(exc.key, **exc.values)
    return _apply_pause(turn, until)


def _apply_pause(turn: Turn, until: date) -> Reply:
    if until < turn.today:
        return turn.say("pause.in_past")
    if until > turn.today + timedelta(days=366):
        return turn.say("pause.too_long")
    turn.person = turn.repo.update(turn.person.model_copy(update={"paused_until": until}))
    turn.audit("person.paused", f"person:{turn.person.id}", until=until.isoformat())
    name = turn.person.display_name

    def notice(t: Texts) -> Message:
        return plain(t("pause.partner_notice", name=name, date=t.date(until)))

    for pair in open_pairs_of(turn.repo, turn.person.id):
        turn.send(pair.partner_of(turn.person.id or 0), notice, programme_id=pair.programme_id)
    return Reply(
        messages=[
            Message(
                sections=(Section(text=turn.t("pause.done", date=turn.t.date(until))),),
                buttons=(button(turn.t, "button.resume", "resume"),),
            )
        ]
    )


def pause_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    if not line.args:
        return Reply(form=pause_form(turn))
    return _pause_until(turn, line.args[0])


def pause_button(turn: Turn, value: str) -> Reply:
    return Reply(form=pause_form(turn))


def pause_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    form = pause_form(turn)
    clean, errors = validate(form, values, turn.t, turn.now)
    if not errors and clean["until"] < turn.today:
        errors["until"] = turn.t("pause.in_past")
    if errors:
        return Reply(form=form, errors=errors)
    return _apply_pause(turn, clean["until"])


def resume_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    return resume_button(turn, "")


def resume_button(turn: Turn, value: str) -> Reply:
    if turn.person.paused_until is None or turn.person.paused_until < turn.today:
        return turn.say("resume.not_paused")
    turn.person = turn.repo.update(turn.person.model_copy(update={"paused_until": None}))
    turn.audit("person.resumed", f"person:{turn.person.id}")
    return turn.say("resume.done")


# my data / forget me ------------------------------------------------------------------------


def my_data_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    """Everything the bot stores about the person, as JSON they can keep."""
    repo, me = turn.repo, turn.person
    pairs = repo.find(Pair, mentor_id=me.id) + repo.find(Pair, adept_id=me.id)
    pair_ids = [p.id for p in pairs]
    export = {
        "person": me.model_dump(mode="json", exclude={"version"}),
        "enrolments": [e.model_dump(mode="json") for e in repo.find(Enrolment, person_id=me.id)],
        "pairs": [p.model_dump(mode="json") for p in pairs],
        "goals": [g.model_dump(mode="json") for g in repo.find(Goal, pair_id=pair_ids)],
        "agreements": [a.model_dump(mode="json") for a in repo.find(Agreement, pair_id=pair_ids)],
        "meetings": [m.model_dump(mode="json") for m in repo.find(Meeting, pair_id=pair_ids)],
        "checkins": [c.model_dump(mode="json") for c in repo.find(CheckIn, author_id=me.id)],
        "preparations": [
            p.model_dump(mode="json") for p in repo.find(Preparation, author_id=me.id)
        ],
        "reviews": [r.model_dump(mode="json") for r in repo.find(Review, person_id=me.id)],
        "journal": [r.model_dump(mode="json") for r in repo.find(Reflection, person_id=me.id)],
    }
    body = json.dumps(export, ensure_ascii=False, indent=1)
    turn.audit("person.exported", f"person:{me.id}")
    return Reply(
        messages=[
            Message(
                title=turn.t("mydata.title"),
                sections=(Section(text=turn.t("mydata.intro")), Section(text=body)),
            )
        ]
    )


def forget_me_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    t = turn.t
    return Reply(
        messages=[
            Message(
                title=t("forget.title"),
                sections=(Section(text=t("forget.confirm_text")),),
                buttons=(
                    button(
                        t,
                        "button.forget_confirm",
                        "forget.confirm",
                        str(turn.person.id),
                        style="danger",
                    ),
                ),
            )
        ]
    )


def forget_confirm_button(turn: Turn, value: str) -> Reply:
    """Erase what the person wrote and ended their pairs; keep only an anonymous shell so
    counts and the audit trail stay consistent."""
    from conversations.flows.coordinator import end_pair

    me = turn.person
    if value != str(me.id):
        return turn.say("error.stale_button")
    if me.erased_at is not None:
        return turn.say("forget.already")
    repo = turn.repo
    mine: list[tuple[type[Record], str]] = [
        (Reflection, "person_id"),
        (CheckIn, "author_id"),
        (Preparation, "author_id"),
        (Review, "person_id"),
        (ConversationState, "person_id"),
    ]
    for cls, field in mine:
        for record in repo.find(cls, **{field: me.id}):
            repo.delete(cls, record.id or 0)
    for item in repo.find(OutboxItem, person_id=me.id, status="pending"):
        repo.delete(OutboxItem, item.id or 0)
    for pair in open_pairs_of(repo, me.id):
        end_pair(turn, pair, "ended-early", "erased", by_coordinator=False)
        turn.send(
            pair.partner_of(me.id or 0),
            lambda t: plain(t("forget.partner_notice")),
            programme_id=pair.programme_id,
        )
    for pair in repo.find(Pair, adept_id=me.id):  # the adept wrote the goals
        for goal in repo.find(Goal, pair_id=pair.id):
            for rating in repo.find(GoalRating, goal_id=goal.id):
                repo.delete(GoalRating, rating.id or 0)
            repo.delete(Goal, goal.id or 0)
    blank = {
        "wants_to_learn": "",
        "can_offer": "",
        "department": "",
        "manager": "",
        "status": "left",
    }
    for enrolment in repo.find(Enrolment, person_id=me.id):
        repo.update(enrolment.model_copy(update=blank))
    reply_text = turn.t("forget.done")
    turn.person = repo.update(
        me.model_copy(update={"display_name": "—", "erased_at": turn.now, "paused_until": None})
    )
    turn.audit("person.erased", f"person:{me.id}")
    return Reply(messages=[plain(reply_text)])
