"""Slack: every outbox message carries its key in the message's metadata, and a send nobody
confirmed (the dispatcher stopped between Slack's answer and marking the row) is reconciled
through ``conversations.history``: found there, the row is marked sent with that message's
ts; not found, it is sent; a calendar invitation whose message arrived but whose file did not
gets only the file."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from conversations.messages import File, Message, text
from conversations.ports import LEASE, TransientError
from conversations.records import OutboxItem, OutboxStatus, Pair, Person
from tests.e2e.conftest import SlackWorld

MENTOR, ADEPT, COORD = "UMENTOR", "UADEPT", "UCOORD"
ICS = File(name="möte.ics", mime_type="text/calendar", content=b"BEGIN:VCALENDAR\r\n")


async def _paired(world: SlackWorld) -> Pair:
    await world.command(
        COORD, 'program new "Vår 2027" --purpose onboarding --start 2026-11-02 --end 2027-04-30'
    )
    await world.command(COORD, "enroll <@UMENTOR|maja> as mentor")
    await world.command(COORD, "enroll <@UADEPT|åsa> as adept")
    await world.deliver()  # each agrees to the data use before they are paired
    await world.press(MENTOR, "enrolment.consent")
    await world.press(ADEPT, "enrolment.consent")
    await world.command(COORD, "pair <@UMENTOR|maja> <@UADEPT|åsa>")
    await world.deliver()
    with world.store.transaction() as repo:
        (pair,) = repo.find(Pair)
    return pair


def _person(world: SlackWorld, user: str) -> Person:
    with world.store.transaction() as repo:
        person = repo.first(Person, platform_user_id=user)
    assert person is not None
    return person


def _queue(world: SlackWorld, key: str, message: Message, **to: Any) -> OutboxItem:
    now = world.clock.now()
    with world.store.transaction() as repo:
        assert repo.enqueue(
            OutboxItem(
                key=key,
                kind="notice",
                payload=message.model_dump(mode="json"),
                due_at=now,
                created_at=now,
                **to,
            )
        )
        row = repo.first(OutboxItem, key=key)
    assert row is not None
    return row


async def _dies_after_slack_took_it(world: SlackWorld, key: str) -> OutboxItem:
    """A dispatcher claims the row, marks it sending and posts it; it dies before marking."""
    (row,) = world.store.claim_due(world.clock.now(), 1, "dead", LEASE)  # type: ignore[attr-defined]
    assert row.key == key
    assert world.store.mark_sending(row.id or 0, "dead", world.clock.now(), LEASE)  # type: ignore[attr-defined]
    await world.adapter.delivery.send(row, Message.model_validate(row.payload))
    return row


def _stored(world: SlackWorld, key: str) -> OutboxItem:
    with world.store.transaction() as repo:
        row = repo.first(OutboxItem, key=key)
    assert row is not None
    return row


def _metadata(call: Any) -> Any:
    metadata = call.args.get("metadata")
    return json.loads(metadata) if isinstance(metadata, str) else metadata


async def test_every_outbox_message_carries_its_key_in_its_metadata(world: SlackWorld) -> None:
    await _paired(world)
    posts = world.fake.of("chat.postMessage")
    outbox_posts = [c for c in posts if c.args.get("metadata")]
    with world.store.transaction() as repo:
        keys = {o.key for o in repo.find(OutboxItem, status=OutboxStatus.SENT)}
    assert {_metadata(c)["event_payload"]["outbox_key"] for c in outbox_posts} == keys
    assert {_metadata(c)["event_type"] for c in outbox_posts} == {"mentorbot_outbox"}
    assert world.fake.all_problems() == []  # metadata as chat.postMessage's schema has it
    with world.store.transaction() as repo:
        sent = repo.find(OutboxItem, status=OutboxStatus.SENT)
    assert all(o.platform_channel and o.platform_message_id for o in sent)


async def test_a_message_slack_has_is_found_and_marked_not_sent_again(world: SlackWorld) -> None:
    await _paired(world)
    mentor = _person(world, MENTOR)
    _queue(world, "notice:1", text("Ert möte är bokat"), person_id=mentor.id)
    began = world.clock.now()
    await _dies_after_slack_took_it(world, "notice:1")
    posts = len(world.fake.of("chat.postMessage"))

    world.clock.advance(LEASE)
    report = await world.dispatcher.deliver_due()
    assert report.reconciled == 1 and report.sent == 0
    assert len(world.fake.of("chat.postMessage")) == posts  # nothing posted twice
    (history,) = world.fake.of("conversations.history")
    assert history.args["channel"] == "DUMENTOR" and history.args["include_all_metadata"] is True
    assert float(history.args["oldest"]) == (began - timedelta(minutes=5)).timestamp()
    row = _stored(world, "notice:1")
    ts = world.fake.history.messages["DUMENTOR"][-1]["ts"]
    assert (row.status, row.platform_message_id, row.platform_channel) == ("sent", ts, "DUMENTOR")
    assert world.fake.posted_keys()["notice:1"] == 1
    assert world.fake.all_problems() == []


async def test_a_message_slack_never_got_is_sent_after_the_takeover(world: SlackWorld) -> None:
    pair = await _paired(world)
    row = _queue(world, "pair-notice:1", text("Dags att ses"), pair_id=pair.id)
    (claimed,) = world.store.claim_due(world.clock.now(), 1, "dead", LEASE)  # type: ignore[attr-defined]
    assert world.store.mark_sending(claimed.id or 0, "dead", world.clock.now(), LEASE)  # type: ignore[attr-defined]

    world.clock.advance(LEASE)
    report = await world.dispatcher.deliver_due()
    assert (report.sent, report.resent, report.reconciled) == (1, 1, 0)
    group = "G" + "".join(sorted([MENTOR, ADEPT]))
    assert [c.args["channel"] for c in world.fake.of("conversations.history")] == [group]
    assert world.fake.posted_keys()["pair-notice:1"] == 1
    assert _stored(world, "pair-notice:1").platform_channel == group
    assert row.id == _stored(world, "pair-notice:1").id


async def test_an_invitation_whose_file_did_not_follow_gets_only_its_file(
    world: SlackWorld,
) -> None:
    await _paired(world)
    adept = _person(world, ADEPT)
    message = text("Mötet är bokat").model_copy(update={"files": (ICS,)})
    _queue(world, "meeting:1", message, person_id=adept.id)
    world.fake.fail("files.completeUploadExternal", "internal_error", status=500)
    # The dispatcher posts the message, the file fails, and it dies before retrying.
    (row,) = world.store.claim_due(world.clock.now(), 1, "dead", LEASE)  # type: ignore[attr-defined]
    assert world.store.mark_sending(row.id or 0, "dead", world.clock.now(), LEASE)  # type: ignore[attr-defined]
    with pytest.raises(TransientError):
        await world.adapter.delivery.send(row, message)
    # Another process (nothing remembered) takes it over.
    world.adapter.delivery._posted.clear()  # what a new process would not know
    world.clock.advance(LEASE)
    report = await world.dispatcher.deliver_due()
    assert report.sent == 1 and report.resent == 1
    assert world.fake.posted_keys()["meeting:1"] == 1  # the message once
    channel = "D" + ADEPT
    message_ts = next(
        m["ts"]
        for m in world.fake.history.messages[channel]
        if (m.get("metadata") or {}).get("event_payload", {}).get("outbox_key") == "meeting:1"
    )
    assert world.fake.history.files_after(channel, message_ts) == ["möte.ics"]  # the file once


async def test_an_invitation_whose_file_was_rate_limited_is_finished_before_the_next_message(
    world: SlackWorld,
) -> None:
    """Slack took the message and refused its file with a 429: the row may be in Slack in
    part, so whoever tries it next (here a process that remembers nothing) shares only the
    file, and the chat's next message waits until then."""
    await _paired(world)
    adept = _person(world, ADEPT)
    message = text("Mötet är bokat").model_copy(update={"files": (ICS,)})
    _queue(world, "meeting:3", message, person_id=adept.id)
    _queue(world, "notice:4", text("Hej"), person_id=adept.id)
    world.fake.fail(
        "files.getUploadURLExternal", "ratelimited", status=429, headers={"Retry-After": "120"}
    )
    first = await world.dispatcher.deliver_due()
    assert first.rate_limited == 1 and first.released == 1
    posted = world.fake.posted_keys()
    assert (posted["meeting:3"], posted["notice:4"]) == (1, 0)
    row = _stored(world, "meeting:3")
    assert row.status == OutboxStatus.PENDING and row.sending_since is not None

    world.adapter.delivery._posted.clear()  # what a new process would not know
    world.clock.set(row.next_attempt_at or world.clock.now())
    again = await world.dispatcher.deliver_due()
    assert again.sent == 2
    posted = world.fake.posted_keys()
    assert (posted["meeting:3"], posted["notice:4"]) == (1, 1)
    channel = "D" + ADEPT
    keys = {
        (m.get("metadata") or {}).get("event_payload", {}).get("outbox_key"): m["ts"]
        for m in world.fake.history.messages[channel]
    }
    assert world.fake.history.files_after(channel, keys["meeting:3"]) == ["möte.ics"]
    assert float(keys["notice:4"]) > max(
        float(m["ts"]) for m in world.fake.history.messages[channel] if m.get("files")
    )


async def test_an_invitation_delivered_whole_is_found_whole(world: SlackWorld) -> None:
    await _paired(world)
    adept = _person(world, ADEPT)
    message = text("Mötet är bokat").model_copy(update={"files": (ICS,)})
    _queue(world, "meeting:2", message, person_id=adept.id)
    await _dies_after_slack_took_it(world, "meeting:2")
    uploads = len(world.fake.of("files.completeUploadExternal"))
    world.clock.advance(LEASE)
    report = await world.dispatcher.deliver_due()
    assert report.reconciled == 1
    assert len(world.fake.of("files.completeUploadExternal")) == uploads
    assert Counter(world.fake.posted_keys())["meeting:2"] == 1


async def test_a_5xx_slack_refused_with_is_sent_once_more(world: SlackWorld) -> None:
    await _paired(world)
    mentor = _person(world, MENTOR)
    _queue(world, "notice:2", text("Hej"), person_id=mentor.id)
    world.fake.fail("chat.postMessage", "fatal_error", status=503)  # refused: not posted

    first = await world.dispatcher.deliver_due()
    assert first.retried == 1
    row = _stored(world, "notice:2")
    assert row.sending_since is not None  # a 5xx may or may not have posted it
    world.clock.set(row.next_attempt_at or world.clock.now())
    again = await world.dispatcher.deliver_due()
    assert (again.sent, again.resent) == (1, 1)
    assert world.fake.posted_keys()["notice:2"] == 1
    assert world.fake.of("conversations.history")[-1].args["channel"] == "DUMENTOR"


async def test_an_error_after_slack_took_the_message_does_not_send_it_twice(
    world: SlackWorld,
) -> None:
    await _paired(world)
    mentor = _person(world, MENTOR)
    _queue(world, "notice:3", text("Hej"), person_id=mentor.id)

    async def lost_answer(call: Any) -> None:  # Slack posted it; the answer never arrives
        if call.method == "chat.postMessage":
            world.fake.before_answer = None
            raise RuntimeError("connection lost")

    world.fake.before_answer = lost_answer
    first = await world.dispatcher.deliver_due()
    assert first.retried == 1 and world.fake.posted_keys()["notice:3"] == 1
    world.clock.set(_stored(world, "notice:3").next_attempt_at or world.clock.now())
    again = await world.dispatcher.deliver_due()
    assert (again.reconciled, again.sent) == (1, 0)
    assert world.fake.posted_keys()["notice:3"] == 1
    assert _stored(world, "notice:3").status == OutboxStatus.SENT


async def test_a_message_under_a_long_history_is_found_page_by_page(world: SlackWorld) -> None:
    await _paired(world)
    mentor = _person(world, MENTOR)
    _queue(world, "notice:4", text("Hej"), person_id=mentor.id)
    await _dies_after_slack_took_it(world, "notice:4")
    for n in range(450):  # the person and the bot wrote a lot since
        world.fake.history.post("DUMENTOR", {"text": f"chatter {n}"}, world.fake.next_ts())

    world.clock.advance(LEASE)
    report = await world.dispatcher.deliver_due()
    assert report.reconciled == 1 and world.fake.posted_keys()["notice:4"] == 1
    reads = world.fake.of("conversations.history")
    assert (
        len(reads) == 3
        and reads[1].args["cursor"] == reads[0].answer["response_metadata"]["next_cursor"]
    )
