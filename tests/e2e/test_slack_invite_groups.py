"""`/mentor invite` of a whole channel, a user group, or a CSV file attached to the bot's DM,
through Slack: the adapter asks the fake Web API who is in it (real slack-sdk client, every
call checked against the method's published schema and the manifest's scopes), leaves out
bots, deactivated accounts and the coordinator, and the core invites the rest. Refusals (a
private channel, an unknown group, too many people) come back in the coordinator's language
with nothing changed."""

from __future__ import annotations

import html
import json
import time
from typing import Any

from bot.slack.manifest import bot_scopes
from conversations.records import Invitation, Person
from tests.e2e.conftest import METHODS, SlackWorld
from tests.e2e.slack_directory import SharedFile

COORD = "UCOORD"
SPRING = 'program new "Spring 2027" --purpose onboarding --start 2026-11-02 --end 2027-04-30'


def _answers(world: SlackWorld, since: int) -> str:
    """What the bot answered the coordinator after call number ``since``."""
    texts = [
        json.dumps(call.args.get("blocks") or call.args.get("text"), ensure_ascii=False)
        for call in world.fake.calls[since:]
        if (call.method == "response_url" and call.args.get("_user") == COORD)
        or (call.method == "chat.postMessage" and call.args.get("channel") == f"D{COORD}")
    ]
    return html.unescape("\n".join(texts).replace("\\n", "\n"))


def _invited(world: SlackWorld) -> set[str]:
    with world.store.transaction() as repo:
        ids = {p.id: p.platform_user_id for p in repo.find(Person)}
        return {ids[i.person_id] for i in repo.find(Invitation)}


async def _say(world: SlackWorld, text: str) -> str:
    since = len(world.fake.calls)
    await world.command(COORD, text)
    return _answers(world, since)


def _people(world: SlackWorld, *names: str) -> list[str]:
    for name in names:
        world.fake.add_user("U" + name.upper(), name, locale="en-US")
        world.fake.users["U" + name.upper()]["profile"]["email"] = f"{name.lower()}@example.org"
    return ["U" + name.upper() for name in names]


async def test_a_channels_and_a_user_groups_members_are_invited_without_bots_or_the_coordinator(
    world: SlackWorld,
) -> None:
    fake = world.fake
    adepts = _people(world, "Bo", "Cia", "Dan")
    (gone, robot) = _people(world, "Gone", "Robot")
    fake.users[gone]["deleted"] = True
    fake.users[robot]["is_bot"] = True
    fake.directory.channels["C0EKONOMI"] = [COORD, "UBOT", *adepts, gone, robot]
    fake.directory.usergroups["S0CHEFER"] = _people(world, "Anna", "Erik")
    await _say(world, SPRING)

    said = await _say(world, "invite <#C0EKONOMI|ekonomi> as adept")
    assert "Invited 3 people as adept to Spring 2027: Bo, Cia, Dan." in said, said
    said = await _say(world, "invite <!subteam^S0CHEFER|@chefer> as mentor")
    assert "Invited 2 people as mentor to Spring 2027: Anna, Erik." in said, said
    assert _invited(world) == {"UBO", "UCIA", "UDAN", "UANNA", "UERIK"}

    await world.deliver()
    assert "An invitation to Spring 2027" in world.texts_shown_to("UCIA")
    assert not world.texts_shown_to(gone) and not world.texts_shown_to(robot)
    assert fake.all_problems() == []
    _assert_scopes_granted(world)


async def test_a_private_channel_an_unknown_group_and_a_big_channel_are_answered_clearly(
    world: SlackWorld,
) -> None:
    fake = world.fake
    fake.directory.channels["C0SECRET"] = _people(world, "Hemlig")
    fake.directory.private.add("C0SECRET")
    fake.directory.channels["C0ALLA"] = [COORD, *(f"UMANY{i:04d}" for i in range(1200))]
    await _say(world, SPRING)

    said = await _say(world, "invite <#C0SECRET|secret> as adept")
    assert "I can't see who is in #secret: it is private and I am not a member." in said, said
    said = await _say(world, "invite <!subteam^S0NONE|@nobody> as adept")
    assert "I can't find @nobody." in said, said
    said = await _say(world, "invite <#C0ALLA|all> as adept")
    assert "#all has 1200 members; one invitation takes at most 200." in said, said
    assert len(fake.of("conversations.members")) == 1 + 2  # the big one: two pages
    assert not fake.of("users.info") or all(
        not str(c.args.get("user")).startswith("UMANY") for c in fake.of("users.info")
    )  # too many: nobody in it looked up one by one
    fake.directory.usergroups["S0CHEFER"] = _people(world, "Anna")
    fake.fail("usergroups.users.list", "missing_scope")
    said = await _say(world, "invite <!subteam^S0CHEFER|@chefer> as mentor")
    assert "I'm not allowed to read @chefer: the app lacks a permission" in said, said
    fake.fail("users.info", "ratelimited", status=429, headers={"Retry-After": "1"})
    said = await _say(world, "invite <!subteam^S0CHEFER|@chefer> as mentor")
    assert "I couldn't get the people of @chefer just now." in said, said
    assert _invited(world) == set()
    assert fake.all_problems() == []


async def test_a_csv_file_in_the_dm_invites_its_rows_and_names_those_not_found(
    world: SlackWorld,
) -> None:
    fake = world.fake
    _people(world, "Bo", "Dan")
    fake.directory.files["F0001"] = SharedFile(
        "people.csv", b"Name;E-mail\nBo;bo@example.org\nX;nobody@example.org\nDan;UDAN\n"
    )
    fake.directory.files["F0002"] = SharedFile("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    await _say(world, SPRING)

    since = len(fake.calls)
    await world.event(_file_message("invite as adept", fake.directory.message_files("F0001")))
    said = _answers(world, since)
    assert "Invited 2 people as adept to Spring 2027: Bo, Dan." in said, said
    assert "1 row named nobody I could find: nobody@example.org." in said, said
    assert _invited(world) == {"UBO", "UDAN"}
    assert fake.directory.files["F0001"].downloads == 1

    since = len(fake.calls)
    await world.event(_file_message("invite as adept", fake.directory.message_files("F0002")))
    assert "I can't read photo.png as a CSV file" in _answers(world, since)

    since = len(fake.calls)
    await world.dm(COORD, "invite --file people.csv as adept")  # no file attached
    assert "I got no file with that." in _answers(world, since)
    assert fake.all_problems() == []
    _assert_scopes_granted(world)


def _file_message(text: str, files: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": f"D{COORD}",
        "user": COORD,
        "text": text,
        "files": files,
        "ts": f"{time.time():.6f}",
    }


def _assert_scopes_granted(world: SlackWorld) -> None:
    granted = set(bot_scopes())
    for method in {c.method for c in world.fake.calls} - {"response_url", "upload", "download"}:
        spec = json.loads((METHODS / f"{method}.json").read_text(encoding="utf-8"))
        needs = set((spec.get("scope") or {}).get("bot") or [])
        assert not needs or needs & granted, f"{method} needs one of {sorted(needs)}"
