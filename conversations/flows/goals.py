"""Goal setting (METHOD.md, article 4 §5): the adept drafts 1–3 goals (what, how progress
shows, target date, a 1–5 self-rating now); the mentor confirms or comments."""

from __future__ import annotations

import hashlib

from conversations.i18n import Texts
from conversations.messages import Choice, Fact, Form, FormField, Message, Reply, Section, text
from conversations.pairs import current_pair, no_pair_reply, pair_closed_reply
from conversations.parsing import CommandLine
from conversations.phases import advance
from conversations.ports import Repo
from conversations.records import Goal, GoalRating, Pair, Role
from conversations.refs import GoalsRef, PairRef
from conversations.routes import (
    Action,
    Audience,
    ButtonRoute,
    CommandRoute,
    FormId,
    FormRoute,
    Routes,
)
from conversations.turn import Turn, button, rating_field, validate

MAX_GOALS = 3
PARTS = ("text", "signal", "date", "rating")


def current_goals(repo: Repo, pair_id: int) -> list[Goal]:
    return sorted(repo.find(Goal, pair_id=pair_id), key=lambda g: g.position)


def goals_token(goals: list[Goal]) -> str:
    """Changes whenever what the adept wrote changes (not on a mentor's comment): a confirm
    button for goals that have since been revised is stale."""
    raw = "|".join(
        f"{g.position}:{g.text}:{g.progress_signal}:{g.target_date}:{g.status}" for g in goals
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:10]


def goals_summary(t: Texts, goals: list[Goal]) -> str:
    if not goals:
        return t("goals.none_short")
    confirmed = all(g.status != "draft" for g in goals)
    return t("goals.summary_confirmed" if confirmed else "goals.summary_draft", n=len(goals))


def latest_rating(repo: Repo, goal: Goal) -> GoalRating | None:
    ratings = sorted(repo.find(GoalRating, goal_id=goal.id), key=lambda r: r.rated_at)
    return ratings[-1] if ratings else None


def goals_message(turn: Turn, t: Texts, pair: Pair, goals: list[Goal]) -> Message:
    sections = []
    for goal in goals:
        rating = latest_rating(turn.repo, goal)
        facts = [
            Fact(label=t("goals.signal"), value=goal.progress_signal),
            Fact(label=t("goals.target"), value=t.date(goal.target_date)),
            Fact(label=t("goals.rating_now"), value=f"{rating.rating}/5" if rating else "—"),
            Fact(label=t("goals.status"), value=t("goals.status." + goal.status)),
        ]
        if goal.mentor_comment:
            facts.append(Fact(label=t("goals.mentor_comment"), value=goal.mentor_comment))
        sections.append(Section(text=f"*{goal.position}. {goal.text}*", facts=tuple(facts)))
    if not sections:
        sections.append(Section(text=t("goals.none")))
    return Message(title=t("goals.title"), sections=tuple(sections))


def goals_form(turn: Turn, pair: Pair) -> Form:
    t = turn.t
    existing = {g.position: g for g in current_goals(turn.repo, pair.id or 0)}
    fields: list[FormField] = []
    for n in range(1, MAX_GOALS + 1):
        goal = existing.get(n)
        required = n == 1
        rating = latest_rating(turn.repo, goal) if goal else None
        group = "" if required else f"goal{n}"
        block = [
            FormField(
                name=f"goal{n}_text",
                label=t("goals.field.text", n=n),
                kind="multiline",
                required=required,
                max_length=500,
                initial=goal.text if goal else "",
                hint=t("goals.hint.text") if n == 1 else "",
            ),
            FormField(
                name=f"goal{n}_signal",
                label=t("goals.field.signal", n=n),
                required=required,
                max_length=300,
                initial=goal.progress_signal if goal else "",
                hint=t("goals.hint.signal") if n == 1 else "",
            ),
            FormField(
                name=f"goal{n}_date",
                label=t("goals.field.date", n=n),
                kind="date",
                required=required,
                max_length=20,
                initial=goal.target_date.isoformat() if goal else pair.ends_on.isoformat(),
            ),
            rating_field(
                f"goal{n}_rating",
                t("goals.field.rating", n=n),
                required=required,
                initial=str(rating.rating) if rating else "",
            ),
        ]
        fields += [f.model_copy(update={"group": group}) for f in block]
    return Form(
        form_id=FormId.GOALS,
        title=t("goals.form_title"),
        submit_label=t("button.save_goals"),
        context=PairRef(pair.id or 0).encode(),
        intro=t("goals.form_intro"),
        fields=tuple(fields),
    )


def _view(turn: Turn, pair: Pair) -> Reply:
    t = turn.t
    goals = current_goals(turn.repo, pair.id or 0)
    message = goals_message(turn, t, pair, goals)
    role = pair.role_of(turn.person.id or 0)
    buttons = []
    if role == Role.ADEPT and pair.phase.is_open:
        buttons.append(
            button(
                t,
                "button.draft_goals" if not goals else "button.edit_goals",
                Action.DRAFT_GOALS,
                PairRef(pair.id or 0).encode(),
                "primary",
            )
        )
    if role == Role.MENTOR and goals and any(g.status == "draft" for g in goals):
        buttons.append(
            button(
                t,
                "button.confirm_goals",
                Action.CONFIRM_GOALS,
                GoalsRef(pair.id or 0, goals_token(goals)).encode(),
                "primary",
            )
        )
        buttons.append(
            button(t, "button.comment_goals", Action.COMMENT_GOALS, PairRef(pair.id or 0).encode())
        )
    return turn.show(message.model_copy(update={"buttons": tuple(buttons)}))


def goals_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    pair = current_pair(turn)
    if pair is None:
        return no_pair_reply(turn)
    return _view(turn, pair)


def view_button(turn: Turn, value: str) -> Reply:
    pair = current_pair(turn, PairRef.decode(value))
    if pair is None:
        return no_pair_reply(turn)
    return _view(turn, pair)


def draft_button(turn: Turn, value: str) -> Reply:
    pair = current_pair(turn, PairRef.decode(value))
    if pair is None:
        return no_pair_reply(turn)
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    if pair.role_of(turn.person.id or 0) != Role.ADEPT:
        return turn.say("goals.adept_drafts")
    return Reply(form=goals_form(turn, pair))


def goals_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    pair = current_pair(turn, PairRef.decode(context))
    if pair is None:
        return no_pair_reply(turn)
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    if pair.role_of(turn.person.id or 0) != Role.ADEPT:
        return turn.say("goals.adept_drafts")
    form = goals_form(turn, pair)
    clean, errors = validate(form, values, turn.t, turn.now)
    # Goal 2 and 3 are optional, but a goal that is started must be complete.
    for n in range(2, MAX_GOALS + 1):
        names = [f"goal{n}_{part}" for part in PARTS]
        given = [
            name
            for name in names
            if (values.get(name) or "").strip()
            and not (name.endswith("_date") and values.get(f"goal{n}_text", "").strip() == "")
        ]
        if given:
            for name in names:
                if clean.get(name) is None and name not in errors:
                    errors[name] = turn.t("error.required")
    for n in range(1, MAX_GOALS + 1):
        target = clean.get(f"goal{n}_date")
        if target is not None and target < turn.today and f"goal{n}_date" not in errors:
            errors[f"goal{n}_date"] = turn.t("goals.date_in_past")
    if errors:
        return Reply(form=form, errors=errors)
    existing = {g.position: g for g in current_goals(turn.repo, pair.id or 0)}
    saved: list[Goal] = []
    for n in range(1, MAX_GOALS + 1):
        text = clean.get(f"goal{n}_text")
        old = existing.get(n)
        if not text:
            if old is not None:
                turn.repo.delete(Goal, old.id or 0)
            continue
        fields = {
            "text": text,
            "progress_signal": clean[f"goal{n}_signal"],
            "target_date": clean[f"goal{n}_date"],
            "status": "draft",
            "confirmed_at": None,
        }
        goal = (
            turn.repo.update(old.model_copy(update=fields))
            if old
            else turn.repo.add(
                Goal(pair_id=pair.id or 0, position=n, created_at=turn.now, **fields)
            )
        )
        rating = latest_rating(turn.repo, goal)
        if rating is None or rating.rating != clean[f"goal{n}_rating"]:
            turn.repo.add(
                GoalRating(
                    goal_id=goal.id or 0,
                    rating=clean[f"goal{n}_rating"],
                    context="start" if old is None else "update",
                    rated_at=turn.now,
                )
            )
        saved.append(goal)
    turn.audit("goals.drafted", f"pair:{pair.id}", count=len(saved))
    token = goals_token(current_goals(turn.repo, pair.id or 0))
    adept_name = turn.person.display_name

    def to_mentor(t: Texts) -> Message:
        message = goals_message(turn, t, pair, current_goals(turn.repo, pair.id or 0))
        return message.model_copy(
            update={
                "title": t("goals.mentor_review_title", name=adept_name),
                "buttons": (
                    button(
                        t,
                        "button.confirm_goals",
                        Action.CONFIRM_GOALS,
                        GoalsRef(pair.id or 0, token).encode(),
                        "primary",
                    ),
                    button(
                        t,
                        "button.comment_goals",
                        Action.COMMENT_GOALS,
                        PairRef(pair.id or 0).encode(),
                    ),
                ),
            }
        )

    turn.send(pair.mentor_id, to_mentor, kind="goals-review", programme_id=pair.programme_id)
    return turn.say("goals.saved", n=len(saved))


def confirm_button(turn: Turn, value: str) -> Reply:
    ref = GoalsRef.decode(value)
    pair = current_pair(turn, ref)
    if pair is None:
        return no_pair_reply(turn)
    if not pair.phase.is_open:
        return pair_closed_reply(turn, pair)
    if pair.role_of(turn.person.id or 0) != Role.MENTOR:
        return turn.say("goals.mentor_confirms")
    goals = current_goals(turn.repo, pair.id or 0)
    if not goals:
        return turn.say("goals.none")
    if all(g.status != "draft" for g in goals):
        confirmed = max((g.confirmed_at for g in goals if g.confirmed_at), default=turn.now)
        return turn.say(
            "goals.already_confirmed", date=turn.t.date(confirmed.astimezone(turn.t.tz).date())
        )
    if ref is None or ref.token != goals_token(goals):
        reply = _view(turn, pair)
        return Reply(messages=[text(turn.t("goals.changed_since")), *reply.messages])
    for goal in goals:
        turn.repo.update(goal.model_copy(update={"status": "confirmed", "confirmed_at": turn.now}))
    turn.audit("goals.confirmed", f"pair:{pair.id}")
    mentor_name = turn.person.display_name
    turn.send(
        pair.adept_id,
        lambda t: text(t("goals.confirmed_notice", name=mentor_name)),
        programme_id=pair.programme_id,
    )
    advance(turn, pair)
    return turn.say("goals.confirmed", n=len(goals))


def comment_form(turn: Turn, pair: Pair) -> Form:
    """The mentor's comment, on one goal: it belongs to the goal it was written on."""
    t = turn.t
    goals = current_goals(turn.repo, pair.id or 0)
    return Form(
        form_id=FormId.GOALS_COMMENT,
        title=t("goals.comment_title"),
        submit_label=t("button.send"),
        context=PairRef(pair.id or 0).encode(),
        fields=(
            FormField(
                name="goal",
                label=t("goals.comment_goal"),
                kind="choice",
                initial=str(goals[0].id) if goals else "",
                choices=tuple(
                    Choice(value=str(g.id), label=f"{g.position}. {g.text[:60]}") for g in goals
                ),
            ),
            FormField(
                name="comment", label=t("goals.comment_label"), kind="multiline", max_length=1000
            ),
        ),
    )


def comment_button(turn: Turn, value: str) -> Reply:
    pair = current_pair(turn, PairRef.decode(value))
    if pair is None:
        return no_pair_reply(turn)
    if pair.role_of(turn.person.id or 0) != Role.MENTOR:
        return turn.say("goals.mentor_confirms")
    if not current_goals(turn.repo, pair.id or 0):
        return turn.say("goals.none")  # nothing to comment on yet
    return Reply(form=comment_form(turn, pair))


def comment_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    pair = current_pair(turn, PairRef.decode(context))
    if pair is None:
        return no_pair_reply(turn)
    if pair.role_of(turn.person.id or 0) != Role.MENTOR:
        return turn.say("goals.mentor_confirms")
    form = comment_form(turn, pair)
    clean, errors = validate(form, values, turn.t, turn.now)
    if errors:
        return Reply(form=form, errors=errors)
    goal = next(
        (g for g in current_goals(turn.repo, pair.id or 0) if str(g.id) == clean["goal"]), None
    )
    if goal is None:
        return turn.say("goals.changed_since")
    turn.repo.update(goal.model_copy(update={"mentor_comment": clean["comment"]}))
    name, comment, about = turn.person.display_name, clean["comment"], goal.text[:60]
    turn.send(
        pair.adept_id,
        lambda t: Message(
            sections=(
                Section(text=t("goals.comment_notice_on", name=name, goal=about)),
                Section(text=comment),
            ),
            buttons=(
                button(
                    t,
                    "button.edit_goals",
                    Action.DRAFT_GOALS,
                    PairRef(pair.id or 0).encode(),
                    "primary",
                ),
            ),
        ),
        programme_id=pair.programme_id,
    )
    return turn.say("goals.comment_sent")


ROUTES = Routes(
    commands=(CommandRoute("goals", ("mål", "mal"), Audience.PAIR, goals_command),),
    buttons=(
        ButtonRoute(Action.DRAFT_GOALS, draft_button),
        ButtonRoute(Action.CONFIRM_GOALS, confirm_button),
        ButtonRoute(Action.COMMENT_GOALS, comment_button),
        ButtonRoute(Action.VIEW_GOALS, view_button),
    ),
    forms=(
        FormRoute(FormId.GOALS, goals_submitted),
        FormRoute(FormId.GOALS_COMMENT, comment_submitted),
    ),
)
