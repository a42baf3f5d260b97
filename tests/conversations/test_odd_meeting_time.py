"""A meeting at night or on a weekend is booked only after the person confirms the time."""

from __future__ import annotations

from conversations.records import Meeting
from tests.conversations.harness import Bot, paired


def test_a_weekend_meeting_is_asked_about_and_booked_when_confirmed(bot: Bot) -> None:
    paired(bot)
    told = len(bot.received("anna"))
    asked = bot.say("bo", "möte 2027-01-16 10:00 Caféet").messages[0].plain_text()
    assert "Stämmer tiden? Inget är bokat än." in asked
    assert bot.record(Meeting) == [] and len(bot.received("anna")) == told
    booked = bot.press("bo", "meeting.confirm_odd").messages[0].plain_text()
    assert "Bokat: lördag 16 januari 2027 10:00" in booked
    assert [m.place for m in bot.record(Meeting)] == ["Caféet"]
    assert "bokade ett möte" in bot.texts_to("anna", 0)
    again = bot.press("bo", "meeting.confirm_odd").messages[0].plain_text()
    assert "gäller inte längre" in again and len(bot.record(Meeting)) == 1


def test_a_meeting_at_night_from_the_form_offers_another_time(bot: Bot) -> None:
    paired(bot)
    asked = bot.fill("bo", "meeting.book", {"when": "2027-01-14 22:00"})
    assert "Stämmer tiden?" in asked.messages[0].plain_text()
    other = bot.button("bo", "meeting.book")
    assert other.label == "Välj en annan tid"
    bot.fill("bo", "meeting.book", {"when": "2027-01-14 10:00"}, other.value)
    assert len(bot.record(Meeting)) == 1


def test_a_time_at_night_for_the_partner_in_another_zone_is_asked_about_too(bot: Bot) -> None:
    paired(bot)
    bot.fill("anna", "settings.open", {"timezone": "America/New_York"})
    asked = bot.say("bo", "möte 2027-01-14 10:00").messages[0].plain_text()
    assert "är torsdag 14 januari 2027 04:00 för anna" in asked and "Inget är bokat än" in asked
    assert bot.record(Meeting) == []
    bot.press("bo", "meeting.confirm_odd")
    assert len(bot.record(Meeting)) == 1
