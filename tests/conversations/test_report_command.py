"""`report`: the coordinator gets the programme's table (CSV) and chart (PNG) as two files in
the chat, named in their language; a closed programme can be reported on too, and closing a
programme sends its summary."""

from __future__ import annotations

from datetime import timedelta

from conversations.records import AuditEntry
from tests.conversations.harness import Bot, consent

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _programme(bot: Bot, lang: str = "sv") -> None:
    if lang == "en":
        bot.say("kim", "settings")  # created; English chosen below
    bot.say(
        "kim",
        'program new "Vår 2027" --purpose leadership --start 2027-01-11 --end 2027-06-15',
    )
    bot.say("kim", "enroll @anna as mentor")
    bot.say("kim", "enroll @bo @cia as adept")
    consent(bot, "anna", "bo", "cia")
    bot.say("kim", "pair @anna @bo")
    bot.advance(timedelta(days=3))


def test_report_comes_as_a_csv_and_a_chart_named_in_swedish(bot: Bot) -> None:
    _programme(bot)
    reply = bot.say("kim", "rapport")
    (message,) = reply.messages
    csv, chart = message.files
    assert csv.name == "rapport-vår-2027-2027-01-14.csv" and csv.mime_type == "text/csv"
    assert chart.name == "rapport-vår-2027-2027-01-14.png" and chart.mime_type == "image/png"
    assert chart.content.startswith(PNG_MAGIC)
    table = csv.content.decode("utf-8-sig")
    assert "anna" in table and "bo" in table and "cia" in table  # cia: never paired
    assert "3 deltagare och 1 par" in message.plain_text()
    (entry,) = bot.record(AuditEntry, action="report.made")
    assert entry.subject.startswith("programme:")


def test_report_names_a_closed_programme(bot: Bot) -> None:
    _programme(bot)
    bot.say("kim", "avsluta @anna @bo klar")
    bot.say("kim", "program stäng")
    reply = bot.press("kim", "programme.close")
    assert "Sammanfattning: Vår 2027" in "\n".join(m.plain_text() for m in reply.messages)
    reply = bot.say("kim", "rapport vår 2027")
    assert [f.name.rsplit(".", 1)[1] for f in reply.messages[0].files] == ["csv", "png"]


def test_report_of_an_unknown_programme_says_so(bot: Bot) -> None:
    _programme(bot)
    reply = bot.say("kim", "report Höst 2031")
    assert reply.messages[0].files == ()
    assert bot.record(AuditEntry, action="report.made") == []
