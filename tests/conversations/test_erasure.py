"""Erasure that is final: after `glöm-mig` the person writing again is a new, empty person;
texts they wrote on shared records are gone; coordinator commands naming them find nobody."""

from __future__ import annotations

import json

from conversations.records import Goal, Pair, Person
from tests.conversations.harness import Bot, first_meeting_held, paired


def erase(bot: Bot, who: str) -> None:
    bot.say(who, "glöm-mig")
    bot.press(who, "forget.confirm")


def with_goals(bot: Bot) -> None:
    paired(bot)
    first_meeting_held(bot)
    bot.fill(
        "bo",
        "goals.draft",
        {
            "goal1_text": "Leda",
            "goal1_signal": "Två möten",
            "goal1_target": "2027-04-01",
            "goal1_rating": "2",
        },
    )
    bot.fill("anna", "goals.comment", {"comment": "MARKER-COMMENT-ANNA bra start"})
    assert bot.record(Goal)[0].mentor_comment.startswith("MARKER-COMMENT-ANNA")


def test_writing_again_after_erasure_is_a_new_empty_person(bot: Bot) -> None:
    paired(bot)
    erase(bot, "bo")
    home = bot.say("bo", "hem").messages[0].plain_text()
    assert "inte med i något mentorprogram" in home and "avslutat" not in home
    export = bot.say("bo", "mina-data").messages[0].sections[1].text
    data = json.loads(export)
    assert data["pairs"] == [] and data["enrolments"] == [] and data["goals"] == []
    assert len(bot.record(Person, platform_user_id="bo")) == 1  # the old shell is detached


def test_coordinator_commands_naming_an_erased_person_find_nobody(bot: Bot) -> None:
    paired(bot)
    erase(bot, "bo")
    assert "har inget öppet par" in bot.say("kim", "avsluta @bo klar").messages[0].plain_text()
    bot.say("kim", "para @anna @bo")  # nobody to pair: bo is not enrolled any more
    assert len(bot.record(Pair)) == 1


def test_a_mentors_comments_on_the_goals_are_removed_with_the_mentor(bot: Bot) -> None:
    with_goals(bot)
    erase(bot, "anna")
    assert [g.mentor_comment for g in bot.record(Goal)] == [""]
