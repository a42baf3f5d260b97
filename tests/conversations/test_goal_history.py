"""Goals and reviews with history: a comment belongs to its goal, the mid-point review's
ratings (then and now) are shared within the pair, and `mina-data` shows the rating history."""

from __future__ import annotations

import json

from conversations.events import ButtonPressed
from conversations.records import Goal
from tests.conversations.harness import Bot, first_meeting_held, paired

TWO_GOALS = {
    "goal1_text": "Leda möten",
    "goal1_signal": "Två möten",
    "goal1_target": "2027-04-01",
    "goal1_rating": "2",
    "goal2_text": "Ge feedback",
    "goal2_signal": "Varje vecka",
    "goal2_target": "2027-04-01",
    "goal2_rating": "3",
}


def with_goals(bot: Bot) -> list[Goal]:
    paired(bot)
    first_meeting_held(bot)
    bot.fill("bo", "goals.draft", TWO_GOALS)
    goals = sorted(bot.record(Goal), key=lambda g: g.position)
    assert [g.text for g in goals] == ["Leda möten", "Ge feedback"]
    return goals


def to_active(bot: Bot) -> None:
    bot.press("anna", "goals.confirm")
    bot.fill("bo", "agreement.propose", {})
    bot.press("anna", "agreement.accept")


def test_a_mentors_comment_belongs_to_the_goal_it_was_written_on(bot: Bot) -> None:
    goals = with_goals(bot)
    before = len(bot.transcript)
    bot.fill("anna", "goals.comment", {"goal": str(goals[1].id), "comment": "Konkret!"})
    comments = {g.text: g.mentor_comment for g in bot.record(Goal)}
    assert comments == {"Leda möten": "", "Ge feedback": "Konkret!"}
    assert "ditt mål ”Ge feedback”" in bot.texts_to("bo", before)


def test_the_mid_point_review_shares_the_ratings_then_and_now_within_the_pair(bot: Bot) -> None:
    goals = with_goals(bot)
    to_active(bot)
    bot.say("bo", "utvärdering halvtid")
    before = len(bot.transcript)
    answers = {f"rate_{goals[0].id}": "4", f"rate_{goals[1].id}": "3", "working": "Bra"}
    bot.fill("bo", "review.midpoint", answers)
    to_anna = bot.texts_to("anna", before)
    assert "Leda möten: 2 i början, 4 nu" in to_anna
    assert "Ge feedback: 3 i början, 3 nu" in to_anna
    assert "Bra" not in to_anna.split("halvtidsutvärderingen")[1]  # the rest stays private


def test_my_data_shows_each_goals_rating_history(bot: Bot) -> None:
    goals = with_goals(bot)
    to_active(bot)
    bot.say("bo", "utvärdering halvtid")
    bot.fill("bo", "review.midpoint", {f"rate_{goals[0].id}": "4", "working": "Bra"})
    export = json.loads(bot.say("bo", "mina-data").messages[0].sections[1].text)
    history = [(r["goal_id"], r["context"], r["rating"]) for r in export["goal_ratings"]]
    assert (goals[0].id, "start", 2) in history and (goals[0].id, "midpoint", 4) in history
    assert history.index((goals[0].id, "start", 2)) < history.index((goals[0].id, "midpoint", 4))


def test_commenting_before_any_goal_is_written_says_there_are_none(bot: Bot) -> None:
    paired(bot)
    reply = bot.act("anna", ButtonPressed(action="goals.comment", value="1"))
    assert reply.form is None  # a choice of no goals is no form (Slack refuses an empty menu)
    assert "Inga mål än" in reply.messages[0].plain_text()
