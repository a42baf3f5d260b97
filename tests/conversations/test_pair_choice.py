"""A mentor with two adepts who types a pair command is asked which pair it is for: a check-in
or a meeting meant for one adept never lands with the other."""

from __future__ import annotations

from conversations.records import CheckIn, Meeting, Pair, Person
from tests.conversations.harness import Bot, consent, paired


def two_adepts(bot: Bot) -> dict[str, int]:
    paired(bot)
    bot.say("kim", "enroll @cia as adept")
    consent(bot, "cia")
    bot.say("kim", "pair @anna @cia --force")  # anna's capacity is one: the coordinator says so
    names = {p.id: p.platform_user_id for p in bot.record(Person)}
    return {names[p.adept_id]: p.id or 0 for p in bot.record(Pair)}


def test_a_mentor_in_two_pairs_is_asked_which_pair_a_typed_command_is_for(bot: Bot) -> None:
    pairs = two_adepts(bot)
    assert set(pairs) == {"bo", "cia"}
    asked = bot.say("anna", "möte 2027-01-14 10:00 Kontoret")
    (message,) = asked.messages
    assert "Vilket gäller `möte`?" in message.plain_text()
    assert sorted(b.label for b in message.buttons) == ["bo", "cia"]
    assert bot.record(Meeting) == []  # nothing booked until she says which
    booked = bot.press(
        "anna", "pair.choose", bot.button("anna", "pair.choose", f"{pairs['bo']}:").value
    )
    assert "Bokat" in booked.messages[0].plain_text()
    (meeting,) = bot.record(Meeting)
    assert meeting.pair_id == pairs["bo"]
    again = bot.press("anna", "pair.choose", f"{pairs['cia']}:x")
    assert bot.record(Meeting) == [meeting] and again.messages  # stale: nothing more happens


def test_a_check_in_typed_by_a_mentor_of_two_goes_to_the_pair_she_chose(bot: Bot) -> None:
    pairs = two_adepts(bot)
    bot.fill("bo", "meeting.book", {"when": "2027-01-12 10:00"})
    bot.fill("cia", "meeting.book", {"when": "2027-01-12 13:00"})
    bot.advance(__import__("datetime").timedelta(days=1, hours=8))
    bot.say("anna", "incheckning")
    opened = bot.press(
        "anna", "pair.choose", bot.button("anna", "pair.choose", f"{pairs['bo']}:").value
    )
    assert opened.form is not None
    bot.fill("anna", "checkin.open", {"met": "yes", "raised": "Bo och jag"}, opened.form.context)
    (checkin,) = bot.record(CheckIn)
    assert checkin.pair_id == pairs["bo"]
    assert "Bo och jag" not in bot.texts_to("cia")
