"""The coordinator's toolkit through Slack, as a Swedish coordinator would use it: `/mentor
bjud-in` ten people by mention, eight accept with the invitation's button and the intake modal
(one declines, one never answers), `/mentor matcha` proposes four pairs, three are approved
with their buttons; weeks later `/mentor status` names the pair that never met, the people
without a partner and a missed meeting, and `/mentor rapport` uploads a CSV and a chart into
the coordinator's DM. The console version is ``tests/bot/local/test_coordinator_session.py``.

Only signed requests go in; what the bot says is read from the fake Web API's calls."""

from __future__ import annotations

import html
import json
from datetime import timedelta
from typing import Any

from conversations.planner import PlanRules
from conversations.records import (
    Enrolment,
    Invitation,
    InvitationStatus,
    Meeting,
    MeetingStatus,
    Pair,
    Person,
)
from scheduler.runner import Scheduler
from tests.e2e.conftest import SlackWorld

COORD = "UCOORD"
MENTORS = ("Anna", "Cecilia", "Erik", "Greta")
ADEPTS = ("Bo", "David", "Fia", "Hugo", "Ida", "Jon")
DECLINES, SILENT = "Greta", "Jon"
DEPARTMENT = {"Anna": "Ekonomi", "Cecilia": "Ekonomi", "Erik": "Produktion"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def uid(name: str) -> str:
    return "U" + name.upper()


def mentions(names: tuple[str, ...]) -> str:
    return " ".join(f"<@{uid(n)}|{n.lower()}>" for n in names)


async def _tick(world: SlackWorld, days: int) -> None:
    """Move the clock on, queue whatever became due, deliver it."""
    world.clock.advance(timedelta(days=days))
    Scheduler(world.store, world.dispatcher, world.clock, PlanRules(), world.engine.config).queue()
    await world.deliver()


def _buttons(world: SlackWorld, user: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every button ``user`` has been shown, newest first: (element, where)."""
    return [
        (element, where)
        for blocks, where in world.shown_to(user)
        for block in blocks
        if block.get("type") == "actions"
        for element in block.get("elements", [])
    ]


async def _press_labelled(world: SlackWorld, user: str, action: str, label: str) -> None:
    """Press the newest ``action`` button whose label is ``label``."""
    element, where = next(
        (e, w)
        for e, w in _buttons(world, user)
        if e["action_id"].rsplit("~", 1)[0] == action and e["text"]["text"] == label
    )
    await world.click(user, element, where=where)


def _pairs(world: SlackWorld) -> list[tuple[str, str]]:
    """(mentor, adept) Slack user ids of each pair, oldest first."""
    with world.store.transaction() as repo:
        ids = {p.id: p.platform_user_id for p in repo.find(Person)}
        found = sorted(repo.find(Pair), key=lambda p: p.id or 0)
    return [(ids[p.mentor_id], ids[p.adept_id]) for p in found]


def _response_text(world: SlackWorld, since: int) -> str:
    """What the bot answered the coordinator after call number ``since`` (as Slack got it)."""
    texts = [
        json.dumps(call.args.get("blocks") or call.args.get("text"), ensure_ascii=False)
        for call in world.fake.calls[since:]
        if (call.method == "response_url" and call.args.get("_user") == COORD)
        or (call.method == "chat.postMessage" and call.args.get("channel") == f"D{COORD}")
    ]
    return html.unescape("\n".join(texts).replace("\\n", "\n"))


async def test_invite_intake_match_approve_follow_up_and_report_through_slack(
    world: SlackWorld,
) -> None:
    fake = world.fake
    fake.add_user(COORD, "Kim Koordinator")  # a Swedish coordinator (sv-SE, Stockholm)
    for name in MENTORS + ADEPTS:
        fake.add_user(uid(name), name)

    await world.command(
        COORD, 'program ny "Vår 2027" --syfte introduktion --start 2026-11-02 --slut 2027-04-30'
    )
    await world.command(COORD, f"bjud-in {mentions(MENTORS)} som mentor")
    await world.command(COORD, f"bjud-in {mentions(ADEPTS)} som adept")
    await world.deliver()  # the invitations, each in the person's DM

    for name in MENTORS + ADEPTS:
        who = uid(name)
        if name == SILENT:
            continue
        if name == DECLINES:
            await world.press(who, "invitation.decline")
            continue
        # Accepting opens the intake modal (views.open); submitting it enrols them.
        intake = {
            "topic_1": "leadership",
            "department": DEPARTMENT.get(name, "IT"),
            "capacity": "2" if name == "Anna" else "1",
            "consent": "yes",
        }
        sent = await world.press(who, "invitation.accept", intake)
        assert sent.status == 200 and not sent.body, sent.body  # the modal closed: no errors
    await world.deliver()

    with world.store.transaction() as repo:
        invitations = repo.find(Invitation)
        consented = [e for e in repo.find(Enrolment) if e.consent_at is not None]
    assert len(invitations) == 10
    answered = [i.status for i in invitations]
    assert answered.count(InvitationStatus.ACCEPTED) == 8
    assert answered.count(InvitationStatus.DECLINED) == 1
    assert len(consented) == 8  # only those who accepted, each with the time of consent

    # `matcha`: four proposals (Anna takes two), one adept left over; three are approved.
    since = len(fake.calls)
    await world.command(COORD, "matcha")
    proposals = _response_text(world, since)
    assert proposals.count("(mentor) och") == 4, proposals
    assert "Utan partner:" in proposals
    for label in ("Godkänn 1", "Godkänn 2", "Godkänn 3"):
        await _press_labelled(world, COORD, "match.approve", label)
    await world.deliver()  # each pair's introduction
    pairs = _pairs(world)
    assert len(pairs) == 3, pairs
    (missed_mentor, missed_adept), (_, met_adept), (never_mentor, never_adept) = pairs

    # One pair books and does not meet; one meets; the third never books.
    await _tick(world, 1)
    await world.command(missed_adept, "möte 2026-11-05 10:00 Kontoret")
    await world.command(met_adept, "möte 2026-11-05 13:00 Kaféet")
    await world.deliver()
    await _tick(world, 3)
    for who, partner in ((missed_adept, missed_mentor), (missed_mentor, missed_adept)):
        views = len(fake.of("views.open"))
        await world.command(who, "incheckning")
        if len(fake.of("views.open")) == views:  # in two pairs: which one is it for?
            partner_name = fake.users[partner]["real_name"]
            await _press_labelled(world, who, "pair.choose", partner_name)
        assert len(fake.of("views.open")) == views + 1, f"no check-in form for {who}"
        await world.submit(who, fake.of("views.open")[-1].answer["view"], {"met": "no"})
    await world.command(met_adept, "incheckning")
    await world.submit(
        met_adept,
        fake.of("views.open")[-1].answer["view"],
        {"met": "yes", "raised": "Vi lärde känna varandra"},
    )
    await world.deliver()

    await _tick(world, 12)
    since = len(fake.calls)
    await world.command(COORD, "status")
    status = _response_text(world, since)
    name = {uid(n): n for n in MENTORS + ADEPTS}
    paired = {name[who] for pair in pairs for who in pair}
    unpaired = sorted(set(MENTORS + ADEPTS) - paired - {DECLINES, SILENT})
    assert f"{name[never_mentor]} & {name[never_adept]}: inget första möte" in status, status
    missed_line = next(line for line in status.splitlines() if "1 möte blev inte av" in line)
    assert name[missed_adept] in missed_line
    without = status.split("Utan par", 1)[1].split("\n", 1)[0]
    assert unpaired and all(n in without for n in unpaired), without
    with world.store.transaction() as repo:
        missed = [m for m in repo.find(Meeting) if m.status == MeetingStatus.MISSED]
    assert len(missed) == 1

    # `rapport`: the table and the chart, uploaded into the coordinator's DM.
    await world.command(COORD, "rapport")
    csv, chart = fake.files.shared_in(f"D{COORD}")
    assert csv.filename.endswith(".csv") and chart.filename.endswith(".png")
    table = (csv.content or b"").decode("utf-8-sig")
    assert table.count("\n") >= 9  # a header and a row per person in the programme
    assert all(n in table for n in paired | set(unpaired))
    assert (chart.content or b"").startswith(PNG_MAGIC)

    # Everything the bot sent was a valid Web API call with valid Block Kit, within limits.
    assert fake.all_problems() == []
