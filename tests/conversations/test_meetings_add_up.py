"""Meetings that add up: check-ins that disagree are reconciled by asking both, a meeting nobody
checked in on is "unconfirmed" after a few days, and the held/missed counts are right."""

from __future__ import annotations

from datetime import timedelta

from conversations.records import Meeting, MeetingStatus
from tests.conversations.harness import Bot, paired


def booked_and_over(bot: Bot) -> Meeting:
    paired(bot)
    bot.fill("bo", "meeting.book", {"when": "2027-01-12 10:00"})
    bot.advance(timedelta(days=1, hours=5))  # Tuesday 13:00: the meeting is over
    return bot.record(Meeting)[0]


def test_check_ins_that_disagree_ask_both_and_the_answer_settles_it(bot: Bot) -> None:
    meeting = booked_and_over(bot)
    value = f"1:{meeting.id}"
    bot.fill("anna", "checkin.open", {"met": "yes", "raised": "Mål"}, value)
    before = len(bot.transcript)
    bot.fill("bo", "checkin.open", {"met": "no"}, value)
    assert bot.record(Meeting)[0].status == MeetingStatus.DISPUTED
    assert "Träffades ni?" in bot.texts_to("anna", before)
    assert "Träffades ni?" in bot.texts_to("bo", before)
    settled = bot.press("bo", "meeting.settle", f"{meeting.id}:yes").messages[0].plain_text()
    assert "räknas som hållet" in settled
    assert bot.record(Meeting)[0].status == MeetingStatus.HELD
    assert "bekräftade att ni träffades" in bot.texts_to("anna", before)
    again = bot.press("anna", "meeting.settle", f"{meeting.id}:no").messages[0].plain_text()
    assert "redan avgjort" in again and bot.record(Meeting)[0].status == MeetingStatus.HELD
    status = bot.say("kim", "status").messages[0].plain_text()
    assert "1 hållet möte (0 blev inte av, 0 obekräftade" in status


def test_check_ins_that_agree_count_once(bot: Bot) -> None:
    meeting = booked_and_over(bot)
    value = f"1:{meeting.id}"
    bot.fill("anna", "checkin.open", {"met": "no"}, value)
    bot.fill("bo", "checkin.open", {"met": "no"}, value)
    assert bot.record(Meeting)[0].status == MeetingStatus.MISSED
    status = bot.say("kim", "status").messages[0].plain_text()
    assert "0 hållna möten (1 blev inte av, 0 obekräftade" in status


def test_a_meeting_nobody_checked_in_on_is_unconfirmed_after_three_days(bot: Bot) -> None:
    booked_and_over(bot)
    assert "0 obekräftade" in bot.say("kim", "status").messages[0].plain_text()
    bot.advance(timedelta(days=3, hours=1))
    assert "1 obekräftade" in bot.say("kim", "status").messages[0].plain_text()
