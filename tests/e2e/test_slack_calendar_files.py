"""Slack: a booked, moved or cancelled meeting's calendar invitation is uploaded to each member's
DM (files_upload_v2, through the fake Web API's getUploadURLExternal → upload →
completeUploadExternal), and the uploaded bytes are an invitation calendar programs read."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from conversations.records import Meeting, OutboxItem, OutboxStatus
from tests.e2e.conftest import SlackWorld
from tests.invitations import Invitation, english_words_in, read_invitation

MENTOR, ADEPT, COORD = "UMENTOR", "UADEPT", "UCOORD"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


async def _paired(world: SlackWorld) -> None:
    await world.command(
        COORD, 'program new "Vår 2027" --purpose onboarding --start 2026-11-02 --end 2027-04-30'
    )
    await world.command(COORD, "enroll <@UMENTOR|maja> as mentor")
    await world.command(COORD, "enroll <@UADEPT|åsa> as adept")
    await world.deliver()  # each agrees to the data use before anything else
    await world.press(MENTOR, "enrolment.consent")
    await world.press(ADEPT, "enrolment.consent")
    await world.command(COORD, "pair <@UMENTOR|maja> <@UADEPT|åsa>")
    await world.deliver()


def _invitations(world: SlackWorld, user: str) -> list[Invitation]:
    return [read_invitation(u.content or b"") for u in world.fake.files.shared_in(f"D{user}")]


def _after_its_message(world: SlackWorld, channel: str) -> bool:
    """Every share in ``channel`` follows a message posted there."""
    posted = False
    for call in world.fake.calls:
        if call.method == "chat.postMessage" and call.args.get("channel") == channel:
            posted = True
        if call.method == "files.completeUploadExternal" and call.args["channel_id"] == channel:
            if not posted:
                return False
            posted = False
    return True


async def test_each_member_gets_the_invitation_in_their_dm_booked_moved_and_cancelled(
    world: SlackWorld,
) -> None:
    fake = world.fake
    await _paired(world)

    # Booked with the slash command: the answer is ephemeral, so the file goes to the DM.
    await world.command(ADEPT, "möte 2026-11-10 14:00 Kaféet på plan 3")
    await world.deliver()
    (mine,) = fake.files.shared_in(f"D{ADEPT}")
    assert (mine.filename, mine.title) == (
        "möte-2026-11-10.ics",
        "Kalenderfil: mentorsmöte tisdag 10 november 2026 14:00",
    )
    booked = read_invitation(mine.content or b"")
    assert (booked.method, booked.sequence, booked.location) == ("REQUEST", 0, "Kaféet på plan 3")
    assert booked.start.astimezone(STOCKHOLM).time() == time(14, 0)
    assert booked.summary == "Mentorsmöte med Maja Mentor"
    assert english_words_in(f"{booked.words}\n{mine.filename}\n{mine.title}") == set()
    (theirs,) = _invitations(world, MENTOR)
    assert (theirs.uid, theirs.summary) == (booked.uid, "Mentorsmöte med Åsa Adept")

    # Moved by the mentor from the button on their DM (a modal); cancelled by the adept.
    await world.press(MENTOR, "meeting.move", {"when": "2026-11-12 09:30"})
    await world.deliver()
    await world.press(ADEPT, "meeting.cancel")
    await world.press(ADEPT, "meeting.cancel_confirm")
    await world.deliver()
    for user in (ADEPT, MENTOR):
        shared = _invitations(world, user)
        assert [(i.uid, i.sequence, i.method) for i in shared] == [
            (booked.uid, 0, "REQUEST"),
            (booked.uid, 1, "REQUEST"),
            (booked.uid, 2, "CANCEL"),
        ]
        assert shared[1].start.astimezone(STOCKHOLM).time() == time(9, 30)
        assert shared[2].status == "CANCELLED"
    assert _after_its_message(world, f"D{MENTOR}")

    # Every call, the uploads' included, matched Slack's method specs; the scope is granted.
    assert fake.all_problems() == []
    for call in fake.of("files.getUploadURLExternal"):
        assert call.args["filename"].endswith(".ics") and call.args["length"] > 0


async def test_a_failed_upload_is_retried_without_posting_the_message_twice(
    world: SlackWorld,
) -> None:
    fake = world.fake
    await _paired(world)
    await world.command(ADEPT, "möte 2026-11-10 14:00")
    fake.fail("files.completeUploadExternal", "internal_error")  # the partner's notice
    await world.deliver()
    with world.store.transaction() as repo:
        (row,) = [r for r in repo.find(OutboxItem) if r.status == OutboxStatus.PENDING]
    assert row.attempts == 1 and row.error == "internal_error"

    world.clock.advance(timedelta(minutes=20))
    await world.deliver()
    notices = [
        c
        for c in fake.of("chat.postMessage")
        if c.args["channel"] == f"D{MENTOR}" and "bokade ett möte" in str(c.args.get("text"))
    ]
    assert len(notices) == 1
    (invitation,) = _invitations(world, MENTOR)
    with world.store.transaction() as repo:
        (meeting,) = repo.find(Meeting)
        sent = repo.get(OutboxItem, row.id or 0)
    assert sent is not None and sent.status == OutboxStatus.SENT
    assert invitation.uid.startswith(f"meeting-{meeting.id}.T0001@")


async def test_a_file_slack_refuses_for_good_is_reported_as_the_file_not_the_message(
    world: SlackWorld,
) -> None:
    fake = world.fake
    await _paired(world)
    await world.command(ADEPT, "möte 2026-11-10 14:00")
    fake.fail("files.getUploadURLExternal", "missing_scope")  # an app from before files:write
    await world.deliver()
    with world.store.transaction() as repo:
        failed = [r for r in repo.find(OutboxItem) if r.status == OutboxStatus.FAILED]
    assert [r.error for r in failed] == ["files_not_shared: missing_scope"]
    assert any(
        c.args["channel"] == f"D{MENTOR}" and "bokade ett möte" in str(c.args.get("text"))
        for c in fake.of("chat.postMessage")
    )
