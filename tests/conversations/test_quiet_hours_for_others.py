"""Right time, right calendar: what someone else causes waits for the recipient's working
hours, working days and their country's public holidays; answers to one's own action do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from conversations.events import Actor, Command
from conversations.i18n import Texts
from conversations.memory import InMemoryStore
from conversations.records import OutboxItem, Person
from tests.conversations.harness import Bot, consent, make_bot, paired

SV = Texts("sv")


def arrive(bot: Bot, who: str, profile_zone: str) -> Person:
    """``who`` writes to the bot for the first time, their profile giving a time zone."""
    actor = Actor(platform="local", platform_user_id=who, display_name=who, timezone=profile_zone)
    bot.engine.handle(actor, Command(text="help"))
    return bot.record(Person, platform_user_id=who)[0]


def rows_to(bot: Bot, person: Person, since: datetime) -> list[OutboxItem]:
    return [r for r in bot.record(OutboxItem, person_id=person.id) if r.created_at >= since]


def test_a_new_york_mentors_welcome_at_three_in_the_night_arrives_at_their_eight() -> None:
    bot = make_bot(InMemoryStore())
    night = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)  # 03:00 in New York, 09:00 in Stockholm
    bot.clock.set(night)
    anna = arrive(bot, "anna", "America/New_York")
    assert anna.country == "US"  # their holidays follow their profile's time zone
    bot.say(
        "kim", 'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-04-04'
    )
    reply = bot.say("kim", "enroll @anna as mentor")
    assert reply.messages  # the coordinator's own answer comes at once
    (welcome,) = rows_to(bot, anna, night)
    assert welcome.due_at == datetime(2027, 1, 11, 13, 0, tzinfo=UTC)  # 08:00 in New York
    assert not bot.received("anna")
    bot.advance(timedelta(hours=5))
    assert [d.at for d in bot.received("anna")] == [welcome.due_at]


def test_a_meeting_booked_on_saturday_reaches_the_swedish_partner_on_monday_morning() -> None:
    bot = make_bot(InMemoryStore())
    paired(bot)
    saturday = datetime(2027, 1, 16, 10, 0, tzinfo=UTC)  # 11:00 in Stockholm
    bot.clock.set(saturday)
    anna = bot.record(Person, platform_user_id="anna")[0]
    reply = bot.say("bo", "meeting 2027-01-20 10:00 Kontoret")
    assert reply.messages  # bo's own confirmation comes at once
    booked = SV("meeting.partner_booked", name="bo", when="", minutes=60, place="")[:20]
    rows = rows_to(bot, anna, saturday)
    assert rows and all(r.due_at == datetime(2027, 1, 18, 7, 0, tzinfo=UTC) for r in rows)
    assert any(booked in str(r.payload) for r in rows)  # Monday 08:00 in Stockholm


def test_independence_day_holds_a_us_persons_notice_but_not_a_swedish_persons() -> None:
    bot = make_bot(InMemoryStore())
    fourth = datetime(2028, 7, 4, 14, 0, tzinfo=UTC)  # Tuesday: 10:00 New York, 16:00 Sweden
    bot.clock.set(fourth)
    amy = arrive(bot, "amy", "America/New_York")
    bo = arrive(bot, "bo", "Europe/Stockholm")
    assert (amy.country, bo.country) == ("US", "SE")
    bot.say("kim", 'program new "Sommar" --purpose onboarding --start 2028-07-03 --end 2028-10-01')
    bot.say("kim", "enroll @amy as mentor")
    bot.say("kim", "enroll @bo as adept")
    consent(bot, "amy", "bo")
    bot.say("kim", "pair @amy @bo")
    bot.say("bo", "pause 2028-07-10")
    bot.say("amy", "pause 2028-07-10")
    # amy's still waits (its row keeps the message until delivered); bo's went at once.
    (to_amy,) = [r for r in rows_to(bot, amy, fourth) if "pausat" in str(r.payload)]
    assert to_amy.due_at == datetime(2028, 7, 5, 12, 0, tzinfo=UTC)  # Wednesday 08:00 EDT
    to_bo = [d.at for d in bot.received("bo") if "pausat" in d.message.plain_text()]
    assert to_bo == [fourth]


def test_a_pairs_introduction_waits_for_both_members_working_hours() -> None:
    bot = make_bot(InMemoryStore())
    bot.say(
        "kim", 'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-04-04'
    )
    bot.say("anna", "help")
    bot.fill("anna", "settings.open", {"timezone": "America/New_York"}, value="")
    bot.say("kim", "enroll @anna as mentor")
    bot.say("kim", "enroll @bo as adept")
    consent(bot, "anna", "bo")
    bot.say("kim", "pair @anna @bo")  # Monday 08:00 in Stockholm is 02:00 in New York
    with bot.store.transaction() as repo:
        (intro,) = [o for o in repo.find(OutboxItem, kind="intro") if o.person_id is None]
    assert intro.due_at.astimezone(ZoneInfo("America/New_York")).hour == 8
