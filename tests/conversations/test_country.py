"""A person's public-holiday calendar follows their country: from their profile's time zone
when they are new, and settable in `settings`."""

from __future__ import annotations

from conversations.countries import country_of_zone
from conversations.events import Actor, Command, FormSubmitted
from conversations.memory import InMemoryStore
from conversations.records import Person
from tests.conversations.harness import make_bot


def test_a_new_persons_country_is_the_one_their_profiles_time_zone_lies_in() -> None:
    bot = make_bot(InMemoryStore())
    for who, zone in (
        ("amy", "America/New_York"),
        ("bo", "Europe/Stockholm"),
        ("ravi", "Asia/Kolkata"),
    ):
        actor = Actor(platform="local", platform_user_id=who, display_name=who, timezone=zone)
        bot.engine.handle(actor, Command(text="help"))
    countries = {p.platform_user_id: p.country for p in bot.record(Person)}
    assert countries == {"amy": "US", "bo": "SE", "ravi": "IN"}
    assert country_of_zone("UTC") is None  # no one country: the configured default stays


def test_country_is_set_in_settings_by_code_or_name_and_shown_by_name() -> None:
    bot = make_bot(InMemoryStore())
    bot.say("bo", "help")
    opened = bot.say("bo", "settings")
    assert opened.form is not None
    (field,) = [f for f in opened.form.fields if f.name == "country"]
    assert field.initial == "SE" and "Sverige" in field.hint
    values = {f.name: f.initial for f in opened.form.fields}
    refused = bot.act("bo", FormSubmitted(form_id="settings", values=values | {"country": "XX"}))
    assert "XX" in refused.errors["country"]
    bot.act("bo", FormSubmitted(form_id="settings", values=values | {"country": "usa"}))
    assert bot.record(Person, platform_user_id="bo")[0].country == "US"
    bot.act("bo", FormSubmitted(form_id="settings", values=values | {"country": "no"}))
    assert bot.record(Person, platform_user_id="bo")[0].country == "NO"
    again = bot.say("bo", "settings")
    assert again.form is not None
    assert "Norge" in next(f.hint for f in again.form.fields if f.name == "country")


def test_moving_time_zone_in_settings_moves_the_holidays_unless_a_country_is_chosen() -> None:
    bot = make_bot(InMemoryStore())
    bot.say("mike", "help")
    opened = bot.say("mike", "settings")
    assert opened.form is not None
    values = {f.name: f.initial for f in opened.form.fields}
    bot.act(
        "mike", FormSubmitted(form_id="settings", values=values | {"timezone": "America/New_York"})
    )
    assert bot.record(Person, platform_user_id="mike")[0].country == "US"
    moved = values | {"timezone": "Europe/Oslo", "country": "SE"}  # chose Sweden anyway
    bot.act("mike", FormSubmitted(form_id="settings", values=moved))
    assert bot.record(Person, platform_user_id="mike")[0].country == "SE"
