"""Mid-point review (re-rate goals, adjust the plan or the agreement: METHOD.md art. 4 §5) and
closing review (goals achieved, what each learned, feedback, a new mentor: art. 4 §7, art. 2)."""

from __future__ import annotations

from datetime import date, timedelta

from conversations.flows.goals import current_goals, latest_rating
from conversations.i18n import Texts
from conversations.messages import Choice, Form, FormField, Message, Reply, Section, text
from conversations.pairs import current_pair, end_pair, no_pair_reply, pair_closed_reply
from conversations.parsing import CommandLine
from conversations.ports import Repo
from conversations.records import GoalRating, Pair, Phase, Programme, Review, Role
from conversations.refs import PairRef
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

OUTCOMES = ("achieved", "partly", "not-achieved")
CLOSING_WINDOW = timedelta(days=14)


def review_message(t: Texts, pair: Pair, kind: str) -> Message:
    action = Action.MIDPOINT_REVIEW if kind == "midpoint" else Action.CLOSING_REVIEW
    return Message(
        title=t(f"review.{kind}.title"),
        sections=(Section(text=t(f"review.{kind}.prompt")),),
        buttons=(
            button(t, f"button.review_{kind}", action, PairRef(pair.id or 0).encode(), "primary"),
        ),
    )


def review_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    pair = current_pair(turn)
    if pair is None:
        return no_pair_reply(turn)
    kind = "closing" if turn.today >= closing_opens(pair) else "midpoint"
    if line.args and line.args[0].lower() in CLOSING_WORDS:
        kind = "closing"
    elif line.args and line.args[0].lower() in MIDPOINT_WORDS:
        kind = "midpoint"
    return turn.show(review_message(turn.t, pair, kind))


CLOSING_WORDS = ("closing", "avslut", "slut")
MIDPOINT_WORDS = ("midpoint", "halvtid", "mitt")


def accepts_review(turn: Turn, line: CommandLine) -> bool:
    return len(line.args) == 1 and line.args[0].lower() in CLOSING_WORDS + MIDPOINT_WORDS


def first_rating(repo: Repo, goal_id: int) -> int | None:
    ratings = sorted(repo.find(GoalRating, goal_id=goal_id), key=lambda r: r.rated_at)
    return ratings[0].rating if ratings else None


def _midpoint_notice(
    t: Texts, name: str, then_and_now: list[tuple[str, int | None, int]]
) -> Message:
    lines = [
        t("review.rating_then_now", goal=goal, then=then if then is not None else "—", now=now)
        for goal, then, now in then_and_now
    ]
    sections = [Section(text=t("review.partner_notice", name=name))]
    if lines:
        sections.append(Section(text="\n".join(lines)))
    return Message(sections=tuple(sections))


def midpoint_form(turn: Turn, pair: Pair) -> Form:
    t = turn.t
    fields: list[FormField] = []
    if pair.role_of(turn.person.id or 0) == Role.ADEPT:
        for goal in current_goals(turn.repo, pair.id or 0):
            rating = latest_rating(turn.repo, goal)
            fields.append(
                rating_field(
                    f"rate_{goal.id}",
                    t("review.rate_goal", goal=goal.text[:60]),
                    initial=str(rating.rating) if rating else "",
                )
            )
    fields += [
        FormField(
            name="working",
            label=t("review.working"),
            kind="multiline",
            max_length=turn.config.max_text_length,
        ),
        FormField(
            name="adjust",
            label=t("review.adjust"),
            kind="choice",
            initial="keep",
            choices=(
                Choice(value="keep", label=t("review.adjust.keep")),
                Choice(value="goals", label=t("review.adjust.goals")),
                Choice(value="agreement", label=t("review.adjust.agreement")),
            ),
        ),
    ]
    return Form(
        form_id=FormId.MIDPOINT_REVIEW,
        title=t("review.midpoint.title"),
        submit_label=t("button.save"),
        context=PairRef(pair.id or 0).encode(),
        intro=t("review.midpoint.prompt"),
        fields=tuple(fields),
    )


def closing_form(turn: Turn, pair: Pair) -> Form:
    t = turn.t
    fields: list[FormField] = []
    role = pair.role_of(turn.person.id or 0)
    outcomes = tuple(Choice(value=o, label=t("goals.status." + o)) for o in OUTCOMES)
    if role == Role.ADEPT:
        for goal in current_goals(turn.repo, pair.id or 0):
            fields.append(
                FormField(
                    name=f"goal_{goal.id}",
                    label=t("review.goal_outcome", goal=goal.text[:60]),
                    kind="choice",
                    choices=outcomes,
                    initial="achieved",
                )
            )
    fields += [
        FormField(
            name="learned",
            label=t("review.learned"),
            kind="multiline",
            max_length=turn.config.max_text_length,
        ),
        # The one free text of a review meant for the coordinators: shown to them in the
        # programme's summary, without names (conversations/reports/summary.py).
        FormField(
            name="feedback",
            label=t("review.feedback"),
            hint=t("review.feedback_hint"),
            kind="multiline",
            required=False,
            max_length=turn.config.max_text_length,
        ),
    ]
    if role == Role.ADEPT:
        fields.append(
            FormField(
                name="new_mentor",
                label=t("review.new_mentor"),
                kind="choice",
                initial="no",
                choices=(
                    Choice(value="yes", label=t("word.yes")),
                    Choice(value="no", label=t("word.no")),
                ),
            )
        )
    return Form(
        form_id=FormId.CLOSING_REVIEW,
        title=t("review.closing.title"),
        submit_label=t("button.save"),
        context=PairRef(pair.id or 0).encode(),
        intro=t("review.closing.prompt"),
        fields=tuple(fields),
    )


def _open(turn: Turn, value: str, kind: str) -> Reply:
    pair, refusal = _checked(turn, value, kind)
    if pair is None:
        return refusal or no_pair_reply(turn)
    return Reply(form=midpoint_form(turn, pair) if kind == "midpoint" else closing_form(turn, pair))


def midpoint_button(turn: Turn, value: str) -> Reply:
    return _open(turn, value, "midpoint")


def closing_button(turn: Turn, value: str) -> Reply:
    return _open(turn, value, "closing")


def _checked(turn: Turn, context: str, kind: str) -> tuple[Pair | None, Reply | None]:
    """The pair, if this review is open for the person now; else the reply saying why not."""
    pair = current_pair(turn, PairRef.decode(context))
    if pair is None:
        return None, no_pair_reply(turn)
    if not pair.phase.is_open:
        return None, pair_closed_reply(turn, pair)
    if turn.repo.first(Review, pair_id=pair.id, person_id=turn.person.id, kind=kind):
        return None, turn.say(f"review.{kind}.already")
    if kind == "midpoint" and pair.phase not in (Phase.ACTIVE, Phase.CLOSING):
        return None, turn.say("review.midpoint.not_yet")
    opens = closing_opens(pair)
    if kind == "closing" and turn.today < opens:
        return None, turn.say("review.closing.not_yet", date=turn.t.date(opens))
    return pair, None


def closing_opens(pair: Pair) -> date:
    """The closing review opens two weeks before the pair's end date."""
    return pair.ends_on - CLOSING_WINDOW


def midpoint_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    pair, refusal = _checked(turn, context, "midpoint")
    if pair is None:
        return refusal or no_pair_reply(turn)
    form = midpoint_form(turn, pair)
    clean, errors = validate(form, values, turn.t, turn.now)
    if errors:
        return Reply(form=form, errors=errors)
    # Shared within the pair: each goal's rating then (the first) and now.
    then_and_now: list[tuple[str, int | None, int]] = []
    for goal in current_goals(turn.repo, pair.id or 0):
        rating = clean.get(f"rate_{goal.id}")
        if rating is not None:
            first = first_rating(turn.repo, goal.id or 0)
            then_and_now.append((goal.text[:60], first, rating))
            turn.repo.add(
                GoalRating(
                    goal_id=goal.id or 0, rating=rating, context="midpoint", rated_at=turn.now
                )
            )
    turn.repo.add(
        Review(
            pair_id=pair.id or 0,
            person_id=turn.person.id or 0,
            kind="midpoint",
            answers={"working": clean["working"], "adjust": clean["adjust"]},
            created_at=turn.now,
        )
    )
    turn.audit("review.saved", f"pair:{pair.id}", kind="midpoint")
    t = turn.t
    name = turn.person.display_name
    turn.send(
        pair.partner_of(turn.person.id or 0),
        lambda t: _midpoint_notice(t, name, then_and_now),
        programme_id=pair.programme_id,
    )
    if clean["adjust"] == "agreement":
        return Reply(
            messages=[
                Message(
                    sections=(Section(text=t("review.midpoint.saved_amend")),),
                    buttons=(
                        button(
                            t,
                            "button.amend_agreement",
                            Action.PROPOSE_AGREEMENT,
                            PairRef(pair.id or 0).encode(),
                            "primary",
                        ),
                    ),
                )
            ]
        )
    if clean["adjust"] == "goals":
        action = (
            Action.DRAFT_GOALS
            if pair.role_of(turn.person.id or 0) == Role.ADEPT
            else Action.VIEW_GOALS
        )
        return Reply(
            messages=[
                Message(
                    sections=(Section(text=t("review.midpoint.saved_goals")),),
                    buttons=(
                        button(
                            t, "button.goals", action, PairRef(pair.id or 0).encode(), "primary"
                        ),
                    ),
                )
            ]
        )
    return turn.say("review.midpoint.saved")


def closing_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    pair, refusal = _checked(turn, context, "closing")
    if pair is None:
        return refusal or no_pair_reply(turn)
    form = closing_form(turn, pair)
    clean, errors = validate(form, values, turn.t, turn.now)
    if errors:
        return Reply(form=form, errors=errors)
    achieved = 0
    for goal in current_goals(turn.repo, pair.id or 0):
        outcome = clean.get(f"goal_{goal.id}")
        if outcome is not None:
            turn.repo.update(goal.model_copy(update={"status": outcome}))
            achieved += outcome == "achieved"
    wants_new = clean.get("new_mentor") == "yes"
    turn.repo.add(
        Review(
            pair_id=pair.id or 0,
            person_id=turn.person.id or 0,
            kind="closing",
            answers={
                "learned": clean["learned"],
                "feedback": clean.get("feedback") or "",
                "new_mentor": wants_new,
            },
            created_at=turn.now,
        )
    )
    turn.audit("review.saved", f"pair:{pair.id}", kind="closing")
    reviews = turn.repo.find(Review, pair_id=pair.id, kind="closing")
    if len({r.person_id for r in reviews}) >= 2:
        goals = current_goals(turn.repo, pair.id or 0)
        done = sum(g.status == "achieved" for g in goals)
        ended = end_pair(turn, pair, "completed", by_coordinator=False)
        _ask_for_a_new_mentor(turn, ended, reviews)
        for member in ended.member_ids():
            turn.send(
                member,
                lambda t: text(t("closing.summary", achieved=done, n=len(goals))),
                programme_id=pair.programme_id,
            )
        return turn.say("review.closing.saved_last")
    if pair.phase != Phase.CLOSING:
        turn.repo.update(pair.model_copy(update={"phase": Phase.CLOSING, "phase_since": turn.now}))
    name = turn.person.display_name
    turn.send(
        pair.partner_of(turn.person.id or 0),
        lambda t: Message(
            sections=(Section(text=t("review.closing.partner_waiting", name=name)),),
            buttons=(
                button(
                    t,
                    "button.review_closing",
                    Action.CLOSING_REVIEW,
                    PairRef(pair.id or 0).encode(),
                    "primary",
                ),
            ),
        ),
        programme_id=pair.programme_id,
    )
    return turn.say("review.closing.saved_first")


def _ask_for_a_new_mentor(turn: Turn, pair: Pair, reviews: list[Review]) -> None:
    """When a pair completes and the adept asked for a new mentor, tell the coordinator
    (the request only: none of the review's texts)."""
    programme = turn.repo.get(Programme, pair.programme_id)
    if programme is None or not any(r.answers.get("new_mentor") for r in reviews):
        return
    adept = turn.person_by_id(pair.adept_id).display_name
    turn.send(
        programme.created_by,
        lambda t: text(t("review.new_mentor_request", name=adept, programme=programme.name)),
        programme_id=programme.id,
    )


ROUTES = Routes(
    commands=(
        CommandRoute(
            "review",
            ("utvärdering", "utvardering"),
            Audience.PAIR,
            review_command,
            accepts_review,
        ),
    ),
    buttons=(
        ButtonRoute(Action.MIDPOINT_REVIEW, midpoint_button),
        ButtonRoute(Action.CLOSING_REVIEW, closing_button),
    ),
    forms=(
        FormRoute(FormId.MIDPOINT_REVIEW, midpoint_submitted),
        FormRoute(FormId.CLOSING_REVIEW, closing_submitted),
    ),
)
