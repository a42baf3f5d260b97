"""A booked, moved or cancelled meeting comes with a calendar invitation (.ics) for each member,
in their own language, that calendar programs read back to the right local times."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.messages import File
from conversations.records import Meeting, MeetingStatus
from tests.conversations.harness import Bot, paired
from tests.invitations import Invitation, english_words_in, read_invitation

STOCKHOLM, NEW_YORK = ZoneInfo("Europe/Stockholm"), ZoneInfo("America/New_York")


def _file(bot: Bot, who: str, since: int = 0) -> File:
    """The newest file ``who`` got."""
    files = [f for d in bot.received(who, since) for f in d.message.files]
    assert files, f"{who} got no file"
    return files[-1]


def _invitation(bot: Bot, who: str, since: int = 0) -> Invitation:
    return read_invitation(_file(bot, who, since).content)


def _local(invitation: Invitation, zone: ZoneInfo) -> tuple[str, time]:
    start = invitation.start.astimezone(zone)
    return start.date().isoformat(), start.time()


def test_a_booked_meeting_comes_with_an_invitation_for_each_member(bot: Bot) -> None:
    paired(bot)
    bot.fill("anna", "settings.open", {"language": "en"})
    booked = bot.say("bo", "möte 2027-01-14 10:00 Kaféet på plan 3").messages[0]
    (file,) = booked.files
    assert (file.name, file.mime_type) == ("möte-2027-01-14.ics", "text/calendar")
    assert file.title == "Kalenderfil: mentorsmöte torsdag 14 januari 2027 10:00"
    assert "lägga in mötet i din kalender" in booked.note
    mine = read_invitation(file.content)
    (meeting,) = bot.record(Meeting)
    assert (mine.method, mine.status, mine.sequence) == ("REQUEST", "CONFIRMED", 0)
    assert mine.uid == f"meeting-{meeting.id}.local@mentorbot"
    assert mine.tzid == "Europe/Stockholm"  # the organiser's: bo booked it
    assert _local(mine, STOCKHOLM) == ("2027-01-14", time(10, 0))
    assert mine.end - mine.start == timedelta(minutes=60)
    assert mine.stamp == bot.clock.now()
    assert mine.location == "Kaféet på plan 3"
    assert (mine.organiser, sorted(mine.attendees)) == ("bo", ["anna", "bo"])
    assert mine.alarm_before == timedelta(minutes=15)
    assert mine.summary == "Mentorsmöte med anna"
    assert english_words_in(f"{mine.words}\n{file.name}\n{file.title}") == set()

    theirs_file = _file(bot, "anna")
    assert theirs_file.name == "meeting-2027-01-14.ics"
    theirs = read_invitation(theirs_file.content)
    assert (theirs.uid, theirs.sequence, theirs.start) == (mine.uid, 0, mine.start)
    assert theirs.summary == "Mentoring meeting with bo"
    assert "Move or cancel" in theirs.description


def test_moving_keeps_the_event_and_raises_its_sequence_and_cancelling_removes_it(
    bot: Bot,
) -> None:
    paired(bot)
    bot.say("bo", "möte 2027-01-14 10:00 Kaféet")
    booked = _invitation(bot, "anna")

    # The partner moves it: both get the same event, one revision on, organised by bo still.
    before = len(bot.transcript)
    moved = bot.fill("anna", "meeting.move", {"when": "2027-01-15 13:00", "place": "Rum 4"})
    assert "Flyttat till fredag 15 januari 2027 13:00" in moved.messages[0].plain_text()
    told = bot.texts_to("bo", before)
    assert "anna flyttade ert möte torsdag 14 januari 2027 10:00 till fredag 15 januari" in told
    for who in ("anna", "bo"):
        again = _invitation(bot, who, before)
        assert (again.uid, again.sequence, again.method) == (booked.uid, 1, "REQUEST")
        assert _local(again, STOCKHOLM) == ("2027-01-15", time(13, 0))
        assert (again.location, again.organiser) == ("Rum 4", "bo")

    # Moved again by bo: the next revision.
    before = len(bot.transcript)
    bot.fill("bo", "meeting.move", {"when": "2027-01-15 14:00"})
    assert _invitation(bot, "anna", before).sequence == 2

    # Cancelled: asked first, then both get a cancellation of the same event.
    asked = bot.press("bo", "meeting.cancel").messages[0]
    assert "Avboka mötet fredag 15 januari 2027 14:00? anna får besked" in asked.plain_text()
    assert bot.record(Meeting)[0].status == MeetingStatus.BOOKED and not asked.files
    before = len(bot.transcript)
    done = bot.press("bo", "meeting.cancel_confirm").messages[0]
    assert "Avbokat: mötet fredag 15 januari 2027 14:00." in done.plain_text()
    assert "ta bort mötet ur din kalender" in done.note and not done.buttons
    assert "bo avbokade ert möte fredag 15 januari 2027 14:00." in bot.texts_to("anna", before)
    for who in ("anna", "bo"):
        cancelled = _invitation(bot, who, before)
        assert (cancelled.method, cancelled.status) == ("CANCEL", "CANCELLED")
        assert (cancelled.uid, cancelled.sequence) == (booked.uid, 3)
        assert cancelled.alarm_before is None
    assert _file(bot, "bo", before).name == "avbokat-möte-2027-01-15.ics"
    (meeting,) = bot.record(Meeting)
    assert (meeting.status, meeting.sequence) == (MeetingStatus.CANCELLED, 3)


def test_stockholm_and_new_york_read_their_own_local_times_across_daylight_saving(
    bot: Bot,
) -> None:
    """2027: the United States move their clocks on 14 March, the EU on 28 March. In between,
    New York is five hours behind Stockholm instead of six."""
    paired(bot)
    bot.fill("anna", "settings.open", {"language": "en", "timezone": "America/New_York"})
    bot.clock.set(datetime(2027, 1, 11, 15, 0, tzinfo=UTC))  # working hours for both

    def both(since: int) -> tuple[Invitation, Invitation]:
        return _invitation(bot, "anna", since), _invitation(bot, "bo", since)

    # Before either change: anna (New York) books 10:00 her time, 16:00 for bo.
    before = len(bot.transcript)
    bot.say("anna", "meeting 2027-03-11 10:00")
    hers, his = both(before)
    assert hers.tzid == his.tzid == "America/New_York"  # anna organises it
    assert _local(hers, NEW_YORK) == ("2027-03-11", time(10, 0))
    assert _local(his, STOCKHOLM) == ("2027-03-11", time(16, 0))

    # Moved into the weeks between the two changes: 10:00 in New York is 15:00 in Stockholm.
    before = len(bot.transcript)
    bot.fill("anna", "meeting.move", {"when": "2027-03-18 10:00"})
    hers, his = both(before)
    assert _local(hers, NEW_YORK) == ("2027-03-18", time(10, 0))
    assert _local(his, STOCKHOLM) == ("2027-03-18", time(15, 0))
    assert hers.start.utcoffset() == timedelta(hours=-4)  # already daylight time there

    # bo moves it past the EU change, typing his own time: six hours apart again.
    before = len(bot.transcript)
    bot.fill("bo", "meeting.move", {"when": "2027-04-01 16:00"})
    hers, his = both(before)
    assert hers.tzid == "America/New_York" and his.sequence == 2
    assert _local(hers, NEW_YORK) == ("2027-04-01", time(10, 0))
    assert _local(his, STOCKHOLM) == ("2027-04-01", time(16, 0))
    assert his.end - his.start == timedelta(minutes=60)


def test_an_invitation_holds_no_private_text(bot: Bot) -> None:
    paired(bot)
    bot.fill("bo", "meeting.book", {"when": "2027-01-12 10:00"})
    bot.advance(timedelta(days=1, hours=5))  # the meeting is over
    bot.fill("anna", "checkin.open", {"met": "yes", "raised": "Hemlig-incheckning"})
    bot.say("bo", "reflektera")
    bot.type("bo", "Hemlig-dagbok om chefen")
    bot.say("bo", "möte 2027-01-19 10:00")
    bot.fill("anna", "meeting.move", {"when": "2027-01-19 11:00"})
    files = [f for d in bot.transcript for f in d.message.files]
    assert len(files) == 6  # booked twice and moved once, one for each member
    for file in files:
        text = read_invitation(file.content).text
        assert "Hemlig" not in text and "chefen" not in text


def test_ending_a_pair_cancels_its_coming_meetings_in_both_calendars(bot: Bot) -> None:
    paired(bot)
    bot.fill("anna", "settings.open", {"language": "en"})
    bot.say("bo", "möte 2027-01-14 10:00 Kaféet")
    booked = _invitation(bot, "bo")
    before = len(bot.transcript)
    bot.say("kim", "avsluta @anna @bo avbruten")

    (meeting,) = bot.record(Meeting)
    assert (meeting.status, meeting.sequence) == (MeetingStatus.CANCELLED, 1)
    for who in ("anna", "bo"):
        cancelled = _invitation(bot, who, before)
        assert (cancelled.method, cancelled.uid, cancelled.sequence) == (
            "CANCEL",
            booked.uid,
            1,
        )
    assert "ta bort mötet ur din kalender" in "\n".join(
        d.message.note for d in bot.received("bo", before)
    )
    assert "remove the meeting from your calendar" in "\n".join(
        d.message.note for d in bot.received("anna", before)
    )


def test_ending_a_pair_leaves_its_past_meetings_as_they_were(bot: Bot) -> None:
    paired(bot)
    bot.say("bo", "möte 2027-01-14 10:00 Kaféet")
    bot.clock.advance(timedelta(days=30))
    before = len(bot.transcript)
    bot.say("kim", "avsluta @anna @bo avbruten")
    (meeting,) = bot.record(Meeting)
    assert meeting.status == MeetingStatus.BOOKED
    assert not [f for d in bot.received("bo", before) for f in d.message.files]
