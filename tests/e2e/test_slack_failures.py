"""Failures inside the adapter: each still answers Slack and the person, and says no more than
an error code."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.slack.replies
from conversations.messages import Form, FormField, Message, Reply, text
from conversations.ports import PermanentError
from conversations.records import AuditEntry, OutboxItem, Person
from tests.e2e.conftest import (
    FakeSlack,
    LockableStore,
    ScriptedCore,
    SlackWorld,
    make_store,
    running_world,
)


def _texts(call: Any) -> str:
    blocks = call.args.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return json.dumps(blocks, ensure_ascii=False) + str(call.args.get("text", ""))


def _notice(world: SlackWorld, person: Person, key: str) -> OutboxItem:
    return OutboxItem(
        id=1,
        key=key,
        person_id=person.id,
        kind="notice",
        payload={},
        due_at=world.clock.now(),
        created_at=world.clock.now(),
    )


def _person(world: SlackWorld, user: str) -> Person:
    with world.store.transaction() as repo:
        person = repo.first(Person, platform_user_id=user)
    assert person is not None
    return person


async def test_a_form_too_large_for_a_modal_is_refused_with_a_message(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with running_world(fake_slack, tmp_path, core=ScriptedCore) as world:
        huge = Form(
            form_id="checkin",
            title="Incheckning",
            fields=(FormField(name="raised", label="Vad tog ni upp?"),),
            submit_label="Spara",
            context="x" * 4000,  # comes back with the submission, so it cannot be cut
        )
        world.core.replies["incheckning"] = Reply(form=huge)
        sent = await world.command("UMENTOR", "incheckning")
        assert sent.status == 200
        assert world.fake.of("views.open") == []
        dm = world.fake.of("chat.postMessage")[-1]
        assert dm.args["channel"] == "DUMENTOR"
        assert "kunde inte öppnas" in _texts(dm)


async def test_a_reply_that_cannot_be_rendered_does_not_stop_the_rest(
    fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = bot.slack.replies.message_payload

    def payload(message: Message, *, lang: str = "en") -> dict[str, Any]:
        if message.plain_text().startswith("BOOM"):
            raise ValueError("cannot render")
        return real(message, lang=lang)

    monkeypatch.setattr(bot.slack.replies, "message_payload", payload)
    async with running_world(fake_slack, tmp_path, core=ScriptedCore) as world:
        world.core.replies["två"] = Reply(messages=[text("BOOM"), text("and the rest")])
        sent = await world.command("UMENTOR", "två")
        assert sent.status == 200
        (answered,) = world.fake.of("response_url")
        assert "and the rest" in _texts(answered)


async def test_a_locked_database_still_gets_the_person_an_answer(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    store = LockableStore(make_store(tmp_path))
    async with running_world(fake_slack, tmp_path, store=store) as world:
        await world.command("UMENTOR", "hjälp")
        store.lock()
        sent = await world.command("UMENTOR", "hjälp")
        assert sent.status == 200
        answer = world.fake.of("response_url")[-1]
        assert "gick fel" in _texts(answer)  # the core's "something went wrong"
    store.close()


async def test_a_submission_is_acked_even_when_the_database_is_locked(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    store = LockableStore(make_store(tmp_path))
    async with running_world(fake_slack, tmp_path, store=store) as world:
        await world.command("UMENTOR", "inställningar")
        view = {**world.fake.of("views.open")[0].args["view"], "id": "V1", "hash": "h1"}
        store.lock()
        sent = await asyncio.wait_for(world.submit("UMENTOR", view, {"language": "en"}), 2.5)
        assert sent.status == 200
        assert sent.body in ("", "null")  # the modal closes ...
        dm = world.fake.of("chat.postMessage")[-1]
        assert dm.args["channel"] == "DUMENTOR"  # ... and the person is told in the DM
        assert "gick fel" in _texts(dm)
    store.close()


async def test_a_failure_that_cannot_be_recorded_does_not_stop_the_rest(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    store = LockableStore(make_store(tmp_path))
    async with running_world(
        fake_slack,
        tmp_path,
        store=store,
        core=ScriptedCore,
    ) as world:
        world.core.replies["två"] = Reply(messages=[text("first"), text("second")])
        await world.dm("UMENTOR", "hjälp")
        world.fake.fail("chat.postMessage", "account_inactive")
        world.fake.on("chat.postMessage", store.lock)  # the audit entry cannot be written
        sent = await world.dm("UMENTOR", "två")
        assert sent.status == 200
        assert "second" in _texts(world.fake.of("chat.postMessage")[-1])
    store.close()


async def test_every_send_to_a_removed_workspace_fails_with_one_stable_reason(
    world: SlackWorld,
) -> None:
    await world.command("UMENTOR", "hjälp")
    await world.command("UADEPT", "hjälp")
    mentor, adept = _person(world, "UMENTOR"), _person(world, "UADEPT")
    expected = f"workspace_revoked: {world.team}"

    # Slack says so first (the uninstall event has not arrived) ...
    world.fake.fail("chat.postMessage", "token_revoked")
    with pytest.raises(PermanentError) as from_slack:
        await world.adapter.delivery.send(_notice(world, mentor, "a"), text("hej"))
    assert str(from_slack.value) == expected

    # ... then the bot knows it: every row, every person, the same reason.
    await world.event({"type": "app_uninstalled"})
    reasons = set()
    for person, key in ((mentor, "b"), (adept, "c"), (adept, "d")):
        with pytest.raises(PermanentError) as known:
            await world.adapter.delivery.send(_notice(world, person, key), text("hej"))
        reasons.add(str(known.value))
    assert reasons == {expected}


async def test_a_reinstall_seen_by_another_process_lets_sends_resume(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with running_world(fake_slack, tmp_path) as first:
        await first.command("UMENTOR", "hjälp")  # this process sees the workspace installed
        async with running_world(
            fake_slack, tmp_path, store=first.store, clock=first.clock
        ) as second:
            await second.event({"type": "app_uninstalled"})  # handled by the other process
        assert first.adapter.workspaces.is_revoked(first.team)

        first.clock.advance(timedelta(minutes=2))
        await first.command("UMENTOR", "hjälp")  # reinstalled: talking to this process again
        assert not first.adapter.workspaces.is_revoked(first.team)
        delivered = await first.adapter.delivery.send(
            _notice(first, _person(first, "UMENTOR"), "k"), text("hej")
        )
        assert delivered.message_id
    close = getattr(first.store, "close", None)
    if close is not None:
        close()


async def test_a_person_who_was_forgotten_gets_their_slack_profile_again(
    world: SlackWorld,
) -> None:
    await world.command("UMENTOR", "glöm-mig")
    await world.press("UMENTOR", "forget.confirm")
    with world.store.transaction() as repo:  # the erased shell no longer answers to the id
        assert repo.first(Person, platform_user_id="UMENTOR") is None
        assert [p.erased_at is not None for p in repo.find(Person, display_name="—")] == [True]
    assert len(world.fake.of("users.info")) == 1

    await world.command("UMENTOR", "hjälp")  # back again: a fresh start, with their profile
    assert len(world.fake.of("users.info")) == 2
    mentor = _person(world, "UMENTOR")
    assert mentor.erased_at is None
    assert mentor.display_name == "Maja Mentor"


async def test_failures_reach_the_audit_log_as_codes_only(world: SlackWorld) -> None:
    world.fake.fail("chat.postMessage", "<p>Journal: I feel stuck with my manager</p>")
    await world.dm("UMENTOR", "hjälp")
    with world.store.transaction() as repo:
        failed = repo.find(AuditEntry, action="slack.call_failed")
    assert [e.detail["error"] for e in failed] == ["http_200"]
