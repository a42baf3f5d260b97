"""Either member can move or cancel a booked meeting until it begins, from the buttons on what
they were told; a change from an old form or question is refused rather than undoing a newer
one, and nobody outside the pair can change it."""

from __future__ import annotations

from datetime import timedelta

from conversations.events import FormSubmitted
from conversations.records import Meeting, MeetingStatus
from tests.conversations.harness import Bot, paired


def _booked(bot: Bot) -> Meeting:
    paired(bot)
    bot.say("bo", "möte 2027-01-14 10:00 Kaféet")
    (meeting,) = bot.record(Meeting)
    return meeting


def test_the_move_form_starts_from_the_meeting_as_it_is(bot: Bot) -> None:
    _booked(bot)
    form = bot.press("anna", "meeting.move").form
    assert form is not None and form.title == "Flytta mötet"
    assert "Mötet är nu torsdag 14 januari 2027 10:00" in form.intro
    initial = {f.name: f.initial for f in form.fields}
    assert initial == {"when": "2027-01-14 10:00", "minutes": "60", "place": "Kaféet"}


def test_a_move_that_changes_nothing_tells_nobody(bot: Bot) -> None:
    _booked(bot)
    before = len(bot.transcript)
    same = bot.fill("anna", "meeting.move", {}).messages[0]
    assert "Inget ändrades: mötet är redan torsdag 14 januari 2027 10:00" in same.plain_text()
    assert not same.files and bot.received("bo", before) == []
    assert bot.record(Meeting)[0].sequence == 0


def test_a_move_is_checked_like_a_booking(bot: Bot) -> None:
    _booked(bot)
    refused = bot.fill("anna", "meeting.move", {"when": "2027-01-10 10:00", "minutes": "30"})
    assert set(refused.errors) == {"when"}
    short = bot.fill("anna", "meeting.move", {"minutes": "45"})
    assert "minst en timme" in short.errors["minutes"]  # it is still the first meeting
    assert bot.record(Meeting)[0].sequence == 0


def test_a_move_to_a_night_time_is_asked_about_first(bot: Bot) -> None:
    _booked(bot)
    asked = bot.fill("bo", "meeting.move", {"when": "2027-01-14 22:00"}).messages[0]
    assert "Stämmer tiden? Mötet är inte flyttat än." in asked.plain_text()
    assert [b.action for b in asked.buttons] == ["meeting.confirm_odd", "meeting.move"]
    assert bot.record(Meeting)[0].starts_at.hour == 9  # 10:00 in Stockholm, unchanged
    moved = bot.press("bo", "meeting.confirm_odd").messages[0]
    assert "Flyttat till torsdag 14 januari 2027 22:00" in moved.plain_text() and moved.files
    (meeting,) = bot.record(Meeting)
    assert (meeting.starts_at.hour, meeting.sequence, meeting.is_first) == (21, 1, True)


def test_an_old_form_or_question_does_not_undo_a_newer_change(bot: Bot) -> None:
    meeting = _booked(bot)
    old_form = bot.press("anna", "meeting.move").form
    asked = bot.press("anna", "meeting.cancel").messages[0]
    bot.fill("bo", "meeting.move", {"when": "2027-01-15 10:00"})
    assert old_form is not None
    late = bot.act(
        "anna",
        FormSubmitted(
            form_id=old_form.form_id,
            values={"when": "2027-01-20 10:00", "minutes": "60", "place": ""},
            context=old_form.context,
        ),
    )
    assert "Mötet har ändrats sedan det här visades" in late.messages[0].plain_text()
    stale = bot.press("anna", "meeting.cancel_confirm", asked.buttons[0].value).messages[0]
    assert "det är nu fredag 15 januari 2027 10:00" in stale.plain_text()
    (now,) = bot.record(Meeting)
    assert (now.id, now.status, now.sequence) == (meeting.id, MeetingStatus.BOOKED, 1)


def test_a_cancelled_or_begun_meeting_cannot_be_changed(bot: Bot) -> None:
    _booked(bot)
    bot.press("bo", "meeting.cancel")
    bot.press("bo", "meeting.cancel_confirm")
    again = bot.press("anna", "meeting.move").messages[0].plain_text()
    assert "går inte att ändra längre" in again
    bot.say("bo", "möte 2027-01-12 10:00")
    assert [m.is_first for m in bot.record(Meeting)] == [True, True]  # the first after all
    bot.advance(timedelta(days=1, hours=3))  # it has begun
    late = bot.press("anna", "meeting.cancel").messages[0].plain_text()
    assert "går inte att ändra längre" in late
    assert bot.record(Meeting)[1].status == MeetingStatus.BOOKED


def test_nobody_outside_the_pair_can_change_a_meeting(bot: Bot) -> None:
    meeting = _booked(bot)
    value = str(meeting.id)
    assert "gäller inte längre" in bot.press("kim", "meeting.move", value).messages[0].plain_text()
    refused = bot.press("kim", "meeting.cancel_confirm", f"{meeting.id}:0").messages[0]
    assert "gäller inte längre" in refused.plain_text()
    assert bot.record(Meeting)[0].status == MeetingStatus.BOOKED
