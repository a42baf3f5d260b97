"""Single Slack payloads over real HTTP: signatures, retries, each kind of interaction."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from conversations.ports import PermanentError, TransientError
from conversations.records import AuditEntry, OutboxItem, Person, Receipt


def _counts(world: Any) -> tuple[int, int, int, int]:
    with world.store.transaction() as repo:
        return (
            len(repo.find(Person)),
            len(repo.find(Receipt)),
            len(repo.find(OutboxItem)),
            len(repo.find(AuditEntry)),
        )


def _command_body(world: Any, text: str) -> str:
    return urlencode(
        {
            "team_id": world.team,
            "user_id": "UCOORD",
            "command": "/mentor",
            "text": text,
            "response_url": f"{world.fake.url}/respond/x",
            "trigger_id": "t.1",
        }
    )


def _texts(call: Any) -> str:
    blocks = call.args.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return json.dumps(blocks, ensure_ascii=False) + str(call.args.get("text", ""))


async def test_bad_signature_gets_401_and_changes_nothing(world: Any) -> None:
    before = _counts(world)
    sent = await world.post(
        _command_body(world, 'program new "X"'),
        "application/x-www-form-urlencoded",
        secret="not-the-secret",
        expect_handled=False,
    )
    assert sent.status == 401
    assert _counts(world) == before
    assert world.fake.calls == []


async def test_timestamp_older_than_five_minutes_gets_401_and_changes_nothing(world: Any) -> None:
    before = _counts(world)
    body, _ = world.event_body(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DUCOORD",
            "user": "UCOORD",
            "text": "help",
        }
    )
    sent = await world.post(body, "application/json", age=6 * 60, expect_handled=False)
    assert sent.status == 401
    assert _counts(world) == before
    assert world.fake.calls == []


async def test_retried_event_changes_nothing_the_second_time(world: Any) -> None:
    await world.dm("UMENTOR", "hjälp", event_id="EvRETRY1")
    after_first = _counts(world)
    posts = len(world.fake.of("chat.postMessage"))
    assert posts == 1
    sent = await world.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DUMENTOR",
            "user": "UMENTOR",
            "text": "hjälp",
        },
        event_id="EvRETRY1",
        retry=1,
    )
    assert sent.status == 200
    assert _counts(world) == after_first
    assert len(world.fake.of("chat.postMessage")) == posts


async def test_help_is_ephemeral_and_in_each_persons_language(world: Any) -> None:
    await world.command("UCOORD", "help")  # en-US in Slack
    await world.command("UMENTOR", "hjälp")  # sv-SE in Slack
    english, swedish = world.fake.of("response_url")
    assert english.args["response_type"] == "ephemeral"
    assert "What I can do for you" in _texts(english)
    assert "Det här kan jag hjälpa dig med" in _texts(swedish)
    assert "/mentor reflect" in _texts(english)  # the help names the slash command
    assert world.fake.all_problems() == []


async def test_first_contact_takes_name_locale_and_time_zone_from_users_info(world: Any) -> None:
    await world.command("UCOORD", "help")
    await world.command("UCOORD", "home")
    assert [c.args["user"] for c in world.fake.of("users.info")] == ["UCOORD"]
    assert world.fake.of("users.info")[0].args["include_locale"] is True
    with world.store.transaction() as repo:
        person = repo.first(Person, platform_user_id="UCOORD")
    assert person is not None
    assert (person.display_name, person.locale, person.timezone) == (
        "Kim Koordinator",
        "en",
        "Europe/London",
    )
    assert person.is_coordinator


async def test_mentions_in_a_slash_command_reach_the_core_as_user_ids(world: Any) -> None:
    await world.command(
        "UCOORD", 'program new "Vår 2027" --purpose onboarding --start 2026-11-02 --end 2027-05-31'
    )
    await world.command("UCOORD", "enroll <@UMENTOR|maja> as mentor")
    with world.store.transaction() as repo:
        mentor = repo.first(Person, platform_user_id="UMENTOR")
    assert mentor is not None
    assert mentor.workspace == world.team


async def test_typed_command_in_a_dm_is_answered_in_the_dm(world: Any) -> None:
    await world.dm("UMENTOR", "hjälp")
    (post,) = world.fake.of("chat.postMessage")
    assert post.args["channel"] == "DUMENTOR"
    assert "Det här kan jag hjälpa dig med" in _texts(post)


async def test_bot_messages_and_edits_are_ignored(world: Any) -> None:
    before = _counts(world)
    await world.event(
        {"type": "message", "channel_type": "im", "channel": "DX", "bot_id": "B1", "text": "hej"}
    )
    await world.event(
        {"type": "message", "subtype": "message_changed", "channel_type": "im", "channel": "DX"}
    )
    assert _counts(world) == before
    assert [c.method for c in world.fake.calls] == ["auth.test"]  # bolt's own, once


async def test_a_form_asked_for_in_a_dm_is_offered_as_a_button_that_opens_a_modal(
    world: Any,
) -> None:
    await world.dm("UMENTOR", "inställningar")
    (offer,) = world.fake.of("chat.postMessage")
    blocks = (
        json.loads(offer.args["blocks"])
        if isinstance(offer.args["blocks"], str)
        else offer.args["blocks"]
    )
    button = next(e for b in blocks if b["type"] == "actions" for e in b["elements"])
    await world.click(
        "UMENTOR", button, where={"channel": {"id": "DUMENTOR"}, "container": {"type": "message"}}
    )
    (opened,) = world.fake.of("views.open")
    assert opened.args["view"]["callback_id"] == "settings"
    assert world.fake.all_problems() == []


async def test_modal_field_errors_come_back_in_the_ack_and_nothing_is_saved(world: Any) -> None:
    await world.command("UMENTOR", "inställningar")
    (opened,) = world.fake.of("views.open")
    view = {**opened.args["view"], "id": "VSET1", "hash": "h1"}
    before = _counts(world)
    sent = await world.submit(
        "UMENTOR", view, {"timezone": "Mars/Olympus", "reflection_time": "25:99"}
    )
    assert sent.status == 200
    answer = sent.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"timezone", "reflection_time"}
    assert "Mars/Olympus" in answer["errors"]["timezone"]
    assert _counts(world) == before

    sent = await world.submit("UMENTOR", view, {"language": "en", "timezone": "Europe/Helsinki"})
    assert sent.status == 200
    assert sent.body in ("", "null")  # a plain ack closes the modal
    with world.store.transaction() as repo:
        mentor = repo.first(Person, platform_user_id="UMENTOR")
    assert mentor is not None
    assert (mentor.locale, mentor.timezone) == ("en", "Europe/Helsinki")
    saved = world.fake.of("chat.postMessage")[-1]
    assert saved.args["channel"] == "DUMENTOR"
    assert "Saved." in _texts(saved)

    again = await world.submit("UMENTOR", view, {"language": "sv", "timezone": "Europe/Stockholm"})
    assert again.status == 200  # a double submit of the same view is harmless
    with world.store.transaction() as repo:
        mentor = repo.first(Person, platform_user_id="UMENTOR")
    assert mentor is not None
    assert mentor.locale == "en"


async def test_app_home_shows_the_dashboard(world: Any) -> None:
    await world.open_home("UMENTOR")
    (published,) = world.fake.of("views.publish")
    assert published.args["user_id"] == "UMENTOR"
    assert published.args["view"]["type"] == "home"
    await world.event({"type": "app_home_opened", "user": "UMENTOR", "tab": "messages"})
    assert len(world.fake.of("views.publish")) == 1
    assert world.fake.all_problems() == []


async def test_home_tab_buttons_refresh_the_home_tab(world: Any) -> None:
    await world.open_home("UCOORD")
    view = world.fake.of("views.publish")[0].args["view"]
    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    journal = next(b for b in buttons if b["action_id"].startswith("journal.view"))
    await world.click(
        "UCOORD",
        journal,
        where={"view": {"id": "VHOME", "type": "home"}, "container": {"type": "view"}},
    )
    assert world.fake.of("chat.postMessage")[-1].args["channel"] == "DUCOORD"
    assert len(world.fake.of("views.publish")) == 2


async def test_slack_errors_never_crash_a_handler_and_permanent_ones_are_recorded(
    world: Any,
) -> None:
    world.fake.fail("chat.postMessage", "account_inactive")
    sent = await world.dm("UMENTOR", "hjälp")
    assert sent.status == 200
    with world.store.transaction() as repo:
        failed = repo.find(AuditEntry, action="slack.call_failed")
    assert [e.detail["error"] for e in failed] == ["account_inactive"]

    world.fake.fail("users.info", "ratelimited", status=429, headers={"Retry-After": "3"})
    sent = await world.command("UADEPT", "hjälp")
    assert sent.status == 200
    assert len(world.fake.of("response_url")) == 1  # answered, with the profile left for later


async def test_a_reply_that_cannot_be_delivered_is_reported_to_the_coordinator(
    world: Any,
) -> None:
    await world.command(
        "UCOORD", 'program new "Vår 2027" --purpose onboarding --start 2026-11-02 --end 2027-04-30'
    )
    await world.command("UCOORD", "enroll <@UMENTOR|maja> as mentor")
    world.fake.fail("chat.postMessage", "account_inactive")
    sent = await world.dm("UMENTOR", "hjälp")
    assert sent.status == 200
    with world.store.transaction() as repo:
        coordinator = repo.first(Person, platform_user_id="UCOORD")
        notes = repo.find(OutboxItem, kind="delivery-failed-coordinator")
    assert coordinator is not None
    assert [n.person_id for n in notes] == [coordinator.id]
    told = str(notes[0].payload)
    assert "A message to Maja Mentor could not be delivered: they are no longer in the" in told
    assert "account_inactive" not in told  # Slack's code is for operators (the log), not kim


async def test_delivery_maps_slack_failures_to_the_cores_errors(world: Any) -> None:
    await world.command("UMENTOR", "hjälp")
    with world.store.transaction() as repo:
        mentor = repo.first(Person, platform_user_id="UMENTOR")
    assert mentor is not None
    item = OutboxItem(
        id=1,
        key="k",
        person_id=mentor.id,
        kind="notice",
        payload={},
        due_at=world.clock.now(),
        created_at=world.clock.now(),
    )
    from conversations.messages import text

    world.fake.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "7"})
    with pytest.raises(TransientError) as transient:
        await world.adapter.delivery.send(item, text("hej"))
    assert transient.value.retry_after == 7.0
    world.fake.fail("chat.postMessage", "fatal_error", status=503)
    with pytest.raises(TransientError):
        await world.adapter.delivery.send(item, text("hej"))
    world.fake.fail("chat.postMessage", "user_not_found")
    with pytest.raises(PermanentError):
        await world.adapter.delivery.send(item, text("hej"))
    delivered = await world.adapter.delivery.send(item, text("hej"))
    assert delivered.message_id and delivered.conversation == "DUMENTOR"
    assert world.fake.of("chat.postMessage")[-1].args["channel"] == "DUMENTOR"


async def test_after_uninstall_nothing_more_is_sent_to_the_workspace(world: Any) -> None:
    await world.command("UMENTOR", "hjälp")
    await world.event({"type": "app_uninstalled"})
    with world.store.transaction() as repo:
        mentor = repo.first(Person, platform_user_id="UMENTOR")
    assert mentor is not None
    item = OutboxItem(
        id=1,
        key="k",
        person_id=mentor.id,
        kind="notice",
        payload={},
        due_at=world.clock.now(),
        created_at=world.clock.now(),
    )
    from conversations.messages import text

    posts = len(world.fake.of("chat.postMessage"))
    with pytest.raises(PermanentError):
        await world.adapter.delivery.send(item, text("hej"))
    assert len(world.fake.of("chat.postMessage")) == posts


async def test_revoked_user_tokens_alone_do_not_stop_the_bot(world: Any) -> None:
    await world.event({"type": "tokens_revoked", "tokens": {"oauth": ["UMENTOR"], "bot": []}})
    assert not world.adapter.workspaces.is_revoked(world.team)
    await world.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["BBOT"]}})
    assert world.adapter.workspaces.is_revoked(world.team)


@pytest.mark.parametrize(
    "entry",
    [
        "Å" * 10_000,
        "🌱👩🏽‍💻 " * 2_000,
        ("Idag övade jag på att ge återkoppling <!channel> & <https://evil.example|länk> " * 200)[
            :10_000
        ],
    ],
    ids=["10000-chars", "emoji", "swedish-and-markup"],
)
async def test_long_answers_fit_slack_and_are_escaped(world: Any, entry: str) -> None:
    await world.dm("UMENTOR", "reflektera")
    await world.dm("UMENTOR", entry)
    await world.dm("UMENTOR", "dagbok")
    assert world.fake.all_problems() == []
    for call in world.fake.of("chat.postMessage"):
        blocks = (
            call.args["blocks"]
            if isinstance(call.args["blocks"], list)
            else json.loads(call.args["blocks"])
        )
        mrkdwn = [call.args["text"]] + [
            b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b
        ]
        assert not any("<!channel>" in t or "<https://" in t for t in mrkdwn)


async def test_health_check_answers_beside_the_slack_endpoint(world: Any) -> None:
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(world.url.replace("/slack/events", "/healthz")) as response,
    ):
        assert response.status == 200
        assert await response.json() == {"status": "ok"}
