"""Teams: a booked, moved or cancelled meeting's calendar invitation is attached to what each
member is told (after its card, inline as a ``data:`` URL); the fake Bot Connector reads every
attached invitation back, and a retried row does not send its card twice."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from conversations.records import OutboxItem, OutboxStatus
from tests.e2e.teams_world import ADEPT, COORD, MENTOR, TeamsPerson, TeamsWorld
from tests.invitations import Invitation, english_words_in, read_invitation

STOCKHOLM = ZoneInfo("Europe/Stockholm")


async def _paired(teams: TeamsWorld) -> None:
    await teams.install(COORD)
    await teams.say(
        COORD, 'program new "Vår 2027" --purpose onboarding --start 2026-11-02 --end 2027-04-30'
    )
    await teams.say(COORD, "enroll <at>Maja Mentor</at> as mentor", mentions=[MENTOR])
    await teams.say(COORD, "enroll <at>Åsa Adept</at> as adept", mentions=[ADEPT])
    await teams.deliver()  # each agrees to the data use before anything else
    await teams.press(MENTOR, "enrolment.consent")
    await teams.press(ADEPT, "enrolment.consent")
    await teams.say(COORD, "pair <at>Maja Mentor</at> <at>Åsa Adept</at>", mentions=[MENTOR, ADEPT])
    await teams.deliver()
    await teams.say(ADEPT, "hem")
    await teams.say(MENTOR, "hem")


def _invitations(teams: TeamsWorld, person: TeamsPerson) -> list[Invitation]:
    files = teams.files_of(person)
    assert all(kind == "text/calendar" and name.endswith(".ics") for name, kind, _ in files)
    return [read_invitation(content) for _, _, content in files]


async def test_each_member_gets_the_invitation_attached_booked_moved_and_cancelled(
    teams: TeamsWorld,
) -> None:
    await _paired(teams)
    await teams.say(ADEPT, "möte 2026-11-10 14:00 Kaféet")
    await teams.deliver()
    ((name, _, content),) = teams.files_of(ADEPT)
    assert name == "möte-2026-11-10.ics"
    booked = read_invitation(content)
    assert (booked.method, booked.sequence, booked.location) == ("REQUEST", 0, "Kaféet")
    assert booked.start.astimezone(STOCKHOLM).time() == time(14, 0)
    assert english_words_in(f"{booked.words}\n{name}") == set()
    # The file follows the card that says what happened, in the same chat.
    sent = teams.fake.sent(ADEPT.conversation)
    at = next(i for i, call in enumerate(sent) if call.files())
    assert "Bokat: tisdag 10 november 2026 14:00" in str(sent[at - 1].cards())

    await teams.press(MENTOR, "meeting.move", {"when": "2026-11-12 09:30"})
    await teams.deliver()
    await teams.press(ADEPT, "meeting.cancel")
    await teams.press(ADEPT, "meeting.cancel_confirm")
    await teams.deliver()
    for person in (ADEPT, MENTOR):
        assert [(i.uid, i.sequence, i.method) for i in _invitations(teams, person)] == [
            (booked.uid, 0, "REQUEST"),
            (booked.uid, 1, "REQUEST"),
            (booked.uid, 2, "CANCEL"),
        ]
    assert teams.fake.problems == []


async def test_a_row_whose_file_failed_sends_only_the_file_again(teams: TeamsWorld) -> None:
    await _paired(teams)
    teams.fake.fail(MENTOR.conversation, 503, after=1)  # the notice's card goes, its file fails
    await teams.say(ADEPT, "möte 2026-11-10 14:00")
    await teams.deliver()
    failed = [c for c in teams.fake.calls if c.status == 503]
    assert len(failed) == 1 and failed[0].files()  # it was the file that failed
    teams.clock.advance(timedelta(minutes=5))
    await teams.deliver()
    with teams.store.transaction() as repo:
        statuses = {r.status for r in repo.find(OutboxItem)}
    assert statuses == {OutboxStatus.SENT}
    notices = [
        c for c in teams.fake.sent(MENTOR.conversation) if "bokade ett möte" in str(c.cards())
    ]
    assert len(notices) == 1
    (invitation,) = _invitations(teams, MENTOR)
    assert invitation.summary == "Mentorsmöte med Åsa Adept"
    assert teams.fake.problems == []
