"""`my-data` and `forget-me`: a person's right to see and to erase what the bot keeps."""

from __future__ import annotations

import json

from conversations.messages import Message, Reply, Section, text
from conversations.pairs import end_pair, open_pairs_of
from conversations.parsing import CommandLine
from conversations.records import (
    Agreement,
    CheckIn,
    ConversationState,
    Enrolment,
    EnrolmentStatus,
    Goal,
    GoalRating,
    Invitation,
    Meeting,
    OutboxItem,
    OutboxStatus,
    Pair,
    Person,
    Preparation,
    Record,
    Reflection,
    Review,
)
from conversations.refs import PersonRef
from conversations.routes import Action, Audience, ButtonRoute, CommandRoute, Routes
from conversations.turn import Turn, button


def my_data_command(turn: Turn, line: CommandLine, mentions: dict[str, str]) -> Reply:
    """Everything the bot stores about the person, as JSON they can keep."""
    repo, me = turn.repo, turn.person
    pairs = repo.find(Pair, mentor_id=me.id) + repo.find(Pair, adept_id=me.id)
    pair_ids = [p.id for p in pairs]
    goals = repo.find(Goal, pair_id=pair_ids)
    export = {
        "person": me.model_dump(mode="json", exclude={"version"}),
        "enrolments": [e.model_dump(mode="json") for e in repo.find(Enrolment, person_id=me.id)],
        "invitations": [i.model_dump(mode="json") for i in repo.find(Invitation, person_id=me.id)],
        "pairs": [p.model_dump(mode="json") for p in pairs],
        "goals": [g.model_dump(mode="json") for g in goals],
        # Each goal's self-ratings over time (first, after updates, mid-point, last).
        "goal_ratings": [
            r.model_dump(mode="json")
            for r in sorted(
                repo.find(GoalRating, goal_id=[g.id for g in goals]),
                key=lambda r: (r.goal_id, r.rated_at),
            )
        ],
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
                        Action.CONFIRM_FORGET,
                        PersonRef(turn.person.id or 0).encode(),
                        style="danger",
                    ),
                ),
            )
        ]
    )


def forget_confirm_button(turn: Turn, value: str) -> Reply:
    """Erase what the person wrote and ended their pairs; keep only an anonymous shell so
    counts and the audit trail stay consistent."""
    me = turn.person
    ref = PersonRef.decode(value)
    if ref is None or ref.person != me.id:
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
    for item in repo.find(OutboxItem, person_id=me.id, status=OutboxStatus.PENDING):
        repo.delete(OutboxItem, item.id or 0)
    for pair in open_pairs_of(repo, me.id):
        end_pair(turn, pair, "ended-early", "erased", by_coordinator=False)
        if pair.introduced_at > turn.now:
            continue  # not introduced yet (its programme has not started): nothing to tell
        turn.send(
            pair.partner_of(me.id or 0),
            lambda t: text(t("forget.partner_notice")),
            programme_id=pair.programme_id,
        )
    for pair in repo.find(Pair, mentor_id=me.id):  # the mentor's comments on the goals
        for goal in repo.find(Goal, pair_id=pair.id):
            if goal.mentor_comment:
                repo.update(goal.model_copy(update={"mentor_comment": ""}))
    for pair in repo.find(Pair, adept_id=me.id):  # the adept wrote the goals
        for goal in repo.find(Goal, pair_id=pair.id):
            for rating in repo.find(GoalRating, goal_id=goal.id):
                repo.delete(GoalRating, rating.id or 0)
            repo.delete(Goal, goal.id or 0)
    blank: dict[str, object] = {
        "wants_to_learn": "",
        "can_offer": "",
        "department": "",
        "manager": "",
        "status": EnrolmentStatus.LEFT,
        # The intake form's answers too: topics, languages, manager, do-not-pair list.
        "wants_topics": [],
        "offers_topics": [],
        "languages": [],
        "manager_id": None,
        "avoid": [],
    }
    for enrolment in repo.find(Enrolment, person_id=me.id):
        repo.update(enrolment.model_copy(update=blank))
    reply_text = turn.t("forget.done")
    # The shell no longer answers to their identity: writing again starts a new, empty
    # person, and a coordinator naming them finds nobody.
    turn.person = repo.update(
        me.model_copy(
            update={
                "display_name": "—",
                "platform_user_id": erased_identity(me),
                "erased_at": turn.now,
                "paused_until": None,
                "is_coordinator": False,
                "coordinator_via": "",
            }
        )
    )
    turn.audit("person.erased", f"person:{me.id}")
    return Reply(messages=[text(reply_text)])


def erased_identity(person: Person) -> str:
    return f"erased:{person.id}"


ROUTES = Routes(
    commands=(
        CommandRoute("my-data", ("mina-data",), Audience.EVERYONE, my_data_command),
        CommandRoute("forget-me", ("glöm-mig", "glom-mig"), Audience.EVERYONE, forget_me_command),
    ),
    buttons=(ButtonRoute(Action.CONFIRM_FORGET, forget_confirm_button),),
)
