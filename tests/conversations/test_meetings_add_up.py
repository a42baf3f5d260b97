"""Meetings that add up: check-ins that disagree are reconciled by asking both, a meeting nobody
checked in on is "unconfirmed" after a few days, and the held/missed counts are right."""

from __future__ import annotations

from datetime import timedelta

from conversations.records import Meeting, MeetingStatus, Pair, Phase
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


def test_goal_setting_opens_when_the_first_meeting_has_taken_place_not_at_booking(
    bot: Bot,
) -> None:
    paired(bot)
    bot.fill("bo", "meeting.book", {"when": "2027-01-12 10:00"})
    assert bot.record(Pair)[0].phase == Phase.INTRO
    assert "goals-invitation" not in bot.kinds_to("bo")
    home = bot.say("bo", "hem").messages[0].plain_text()
    assert "Målsättningen börjar när ert första möte har ägt rum" in home
    bot.advance(timedelta(days=1, hours=5))  # the meeting is over
    meeting = bot.record(Meeting)[0]
    bot.fill("bo", "checkin.open", {"met": "no"}, f"1:{meeting.id}")
    assert bot.record(Pair)[0].phase == Phase.INTRO  # a meeting that did not happen opens nothing
    bot.fill("bo", "meeting.book", {"when": "2027-01-19 10:00"})
    bot.advance(timedelta(days=7))
    second = max(bot.record(Meeting), key=lambda m: m.starts_at)
    bot.fill(
        "anna", "checkin.open", {"met": "yes", "raised": "Vad jag vill lära mig"}, f"1:{second.id}"
    )
    assert bot.record(Pair)[0].phase == Phase.GOALS
    assert "goals-invitation" in bot.kinds_to("bo")
    assert bot.button("bo", "goals.draft")
