"""Weekly reflection that stays fresh: the question follows the calendar, not the answers, and
the weekly cap never takes the reflection prompt's place."""

from __future__ import annotations

from datetime import date, time, timedelta

from conversations.config import CoreConfig
from conversations.memory import InMemoryStore
from conversations.planner import PlanRules, queue_due
from conversations.records import ConversationState, OutboxItem, OutboxStatus, Person
from tests.conversations.harness import Bot, consent, make_bot
from tests.scheduler.world import add_meeting, add_pair, add_person, add_programme, utc


def prompt_keys_week_by_week(bot: Bot, who: str, days: int) -> list[str]:
    """The prompt ``who`` was asked each week, in the order of the weeks (they never
    answer): the question their next typed message would answer, read as each prompt is
    queued."""
    person = bot.record(Person, platform_user_id=who)[0]
    asked: dict[str, str] = {}  # outbox key (its week) -> prompt key
    end = bot.clock.now() + timedelta(days=days)
    while bot.clock.now() < end:
        bot.advance(timedelta(hours=6), step=timedelta(hours=6))
        for row in bot.record(OutboxItem, person_id=person.id, kind="reflection-prompt"):
            if row.key not in asked:
                state = bot.record(ConversationState, person_id=person.id)[0]
                asked[row.key] = state.data["prompt_key"]
    return [asked[key] for key in sorted(asked)]


def test_unanswered_prompts_rotate_without_repeating_within_six_weeks() -> None:
    bot = make_bot(InMemoryStore())
    bot.say(
        "kim", 'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-06-13'
    )
    bot.say("kim", "enroll @anna as mentor")
    bot.say("kim", "enroll @bo as adept")
    consent(bot, "anna", "bo")
    bot.say("kim", "pair @anna @bo")
    adept = prompt_keys_week_by_week(bot, "bo", 7 * 21)  # five months, never answered
    assert len(adept) >= 16
    for week, key in enumerate(adept):
        assert key not in adept[max(0, week - 6) : week], (week, adept)
    assert all(key.startswith("adept.") for key in adept)


def test_a_mentor_is_asked_the_mentor_questions_and_reflect_asks_the_same_all_week() -> None:
    bot = make_bot(InMemoryStore())
    bot.say(
        "kim", 'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-04-04'
    )
    bot.say("kim", "enroll @anna as mentor")
    bot.say("kim", "enroll @bo as adept")
    consent(bot, "anna", "bo")
    bot.say("kim", "pair @anna @bo")
    mentor = prompt_keys_week_by_week(bot, "anna", 7 * 2 + 5)  # to Saturday of week 3
    assert all(key.startswith("mentor.") for key in mentor)
    assert len(mentor) == len(set(mentor)) == 3
    # The same week, a manual `reflect` (or a retried tick) asks the same question.
    anna = bot.record(Person, platform_user_id="anna")[0]
    bot.say("anna", "reflect")
    assert bot.record(ConversationState, person_id=anna.id)[0].data["prompt_key"] == mentor[-1]


def test_weekly_cap_skips_a_lower_nudge_not_the_reflection_prompt() -> None:
    """A cap of 2, a reminder and a check-in for each of two meetings before Thursday's
    reflection: one of them goes out, the others are capped, the reflection prompt is sent."""
    store = InMemoryStore()
    rules = PlanRules(max_nudges_per_week=2)
    config = CoreConfig()
    with store.transaction() as repo:
        kim = add_person(repo, "kim", is_coordinator=True)
        mia = add_person(repo, "mia", reflection_weekday=3, reflection_time=time(14, 0))
        ali = add_person(repo, "ali")
        programme = add_programme(repo, kim, date(2026, 5, 4), date(2026, 8, 28))
        pair = add_pair(repo, programme, mia, ali, utc(2026, 5, 4, 7))
        # Tuesday and Wednesday 10:00 in Stockholm, booked a week ahead.
        for day in (12, 13):
            add_meeting(repo, pair, utc(2026, 5, day, 8), utc(2026, 5, 4, 9))
    moment = utc(2026, 5, 10, 22)  # Monday 00:00 in Stockholm, week 20
    while moment < utc(2026, 5, 15, 22):
        with store.transaction() as repo:
            queue_due(repo, moment, rules, config)
        moment += timedelta(hours=1)
    with store.transaction() as repo:
        rows = [
            r
            for r in repo.find(OutboxItem, person_id=mia.id)
            if r.due_at.isocalendar().week == 20 and r.kind != "notice"
        ]
    sent = sorted(r.kind for r in rows if r.status != OutboxStatus.SKIPPED)
    capped = sorted(r.kind for r in rows if r.error == "weekly cap")
    assert "reflection-prompt" in sent
    assert len(sent) == 2
    assert len(capped) == 3 and "reflection-prompt" not in capped
