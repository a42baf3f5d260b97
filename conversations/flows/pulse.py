"""The relationship pulse: one private question to each pair member, 30 days after the
introduction and every 60 days after (``conversations.planner.pulses``): how useful is your
mentoring right now, 1–5, and an optional comment.

Saved as a ``Review`` of kind ``pulse`` (``answers``: round, rating, comment). The comment is
the writer's own: no coordinator view reads it. Coordinators see the programme's average,
and a pair with a 1 or 2 from either member in its latest round is on their follow-up list,
never which member said what (``conversations.attention``)."""

from __future__ import annotations

from conversations.i18n import Texts
from conversations.messages import Form, FormField, Message, Reply, Section
from conversations.records import Pair, Review
from conversations.refs import PulseRef
from conversations.routes import Action, ButtonRoute, FormId, FormRoute, Routes
from conversations.turn import Turn, button, rating_field, validate

PULSE = "pulse"  # Review.kind
MAX_COMMENT = 1000


def pulse_message(t: Texts, pair_id: int, round_: int) -> Message:
    return Message(
        sections=(Section(text=t("pulse.question")),),
        buttons=(
            button(
                t,
                "button.answer_pulse",
                Action.ANSWER_PULSE,
                PulseRef(pair_id, round_).encode(),
                "primary",
            ),
        ),
        note=t("pulse.private"),
    )


def pulse_form(t: Texts, ref: PulseRef) -> Form:
    return Form(
        form_id=FormId.PULSE,
        title=t("pulse.title"),
        submit_label=t("button.send"),
        intro=t("pulse.private"),
        context=ref.encode(),
        fields=(
            rating_field("rating", t("pulse.rating")),
            FormField(
                name="comment",
                label=t("pulse.comment"),
                kind="multiline",
                required=False,
                max_length=MAX_COMMENT,
                hint=t("pulse.comment_hint"),
            ),
        ),
    )


def _mine(turn: Turn, value: str) -> tuple[PulseRef, Pair] | Reply:
    ref = PulseRef.decode(value)
    pair = turn.repo.get(Pair, ref.pair) if ref is not None else None
    if ref is None or pair is None or turn.person.id not in pair.member_ids():
        return turn.say("error.stale_button")
    if not pair.phase.is_open:
        return turn.say("pulse.closed")
    answered = [
        r
        for r in turn.repo.find(Review, pair_id=pair.id, person_id=turn.person.id, kind=PULSE)
        if r.answers.get("round") == ref.round
    ]
    if answered:
        return turn.say("pulse.already")
    return ref, pair


def pulse_pressed(turn: Turn, value: str) -> Reply:
    found = _mine(turn, value)
    return found if isinstance(found, Reply) else Reply(form=pulse_form(turn.t, found[0]))


def pulse_submitted(turn: Turn, values: dict[str, str], context: str) -> Reply:
    found = _mine(turn, context)
    if isinstance(found, Reply):
        return found
    ref, pair = found
    form = pulse_form(turn.t, ref)
    clean, errors = validate(form, values, turn.t, turn.now)
    if errors:
        return Reply(form=form, errors=errors)
    answers = {"round": ref.round, "rating": clean["rating"], "comment": clean["comment"] or ""}
    turn.repo.add(
        Review(
            pair_id=pair.id or 0,
            person_id=turn.person.id or 0,
            kind=PULSE,
            answers=answers,
            created_at=turn.now,
        )
    )
    turn.audit("pulse.answered", f"pair:{pair.id}", round=ref.round)
    low = clean["rating"] <= 2
    return turn.say("pulse.thanks_low" if low else "pulse.thanks")


ROUTES = Routes(
    buttons=(ButtonRoute(Action.ANSWER_PULSE, pulse_pressed),),
    forms=(FormRoute(FormId.PULSE, pulse_submitted),),
)
