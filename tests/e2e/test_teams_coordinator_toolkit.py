"""The coordinator's toolkit through Teams, as a Swedish coordinator would use it: `bjud-in`
ten people by mention, eight accept with the invitation card's button and fill in the intake
form card (one declines, one never answers), `matcha` proposes four pairs, three are approved
with their buttons; weeks later `status` names the pair that never met, the people without a
partner and a missed meeting, and `rapport` sends a CSV and a chart into the coordinator's
chat. The console and Slack versions are ``tests/bot/local/test_coordinator_session.py`` and
``tests/e2e/test_slack_coordinator_toolkit.py``.

Only Bot Framework activities go in, over HTTP on loopback (typed messages with mentions,
card submits); what the bot says is read from the fake Bot Connector, which checks every card
against the Adaptive Card 1.5 schema, every attached file, and the activity size."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.teams.activities import ROUTE
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
from tests.e2e.teams_world import TeamsPerson, TeamsWorld, card_actions

# The coordinator app.yaml names (``teams_world.COORD``), reading Swedish here.
KIM = TeamsPerson("aad-coord", "Kim Koordinator")
MENTORS = ("Anna", "Cecilia", "Erik", "Greta")
ADEPTS = ("Bo", "David", "Fia", "Hugo", "Ida", "Jon")
DECLINES, SILENT = "Greta", "Jon"
DEPARTMENT = {"Anna": "Ekonomi", "Cecilia": "Ekonomi", "Erik": "Produktion"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PEOPLE = {name: TeamsPerson(f"aad-{name.lower()}", name) for name in MENTORS + ADEPTS}


def _at(names: tuple[str, ...]) -> str:
    return " ".join(f"<at>{n}</at>" for n in names)


async def _tick(world: TeamsWorld, days: int) -> None:
    """Move the clock on, queue whatever became due, deliver it."""
    world.clock.advance(timedelta(days=days))
    Scheduler(world.store, world.dispatcher, world.clock, PlanRules(), world.engine.config).queue()
    await world.deliver()


async def _press_labelled(world: TeamsWorld, person: TeamsPerson, action: str, label: str) -> None:
    """Press the newest ``action`` button whose title is ``label``."""
    for card_id, card in world.cards_of(person):
        for button in card_actions(card):
            route = (button.get("data") or {}).get(ROUTE) or {}
            if route.get("a") == action and button.get("title") == label:
                posted = await world.submit(person, card_id, dict(button["data"]))
                assert posted.status < 300, posted
                return
    raise AssertionError(f"{person.name} was never shown {action!r} {label!r}")


def _pairs(world: TeamsWorld) -> list[tuple[str, str]]:
    """(mentor, adept) names of each pair, oldest first."""
    with world.store.transaction() as repo:
        names = {p.id: p.display_name for p in repo.find(Person)}
        found = sorted(repo.find(Pair), key=lambda p: p.id or 0)
    return [(names[p.mentor_id], names[p.adept_id]) for p in found]


def _said_to(world: TeamsWorld, person: TeamsPerson, since: int) -> str:
    """The text of every card ``person`` was sent after call number ``since``."""
    texts = [
        block.get("text", "")
        for call in world.fake.calls[since:]
        if call.method == "POST" and call.conversation == person.conversation
        for card in call.cards()
        for block in _blocks(card)
    ]
    return "\n".join(texts).replace("\\", "")


def _blocks(card: dict[str, object]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for element in card.get("body") or []:  # type: ignore[attr-defined]
        found.append(element)
        if element.get("type") == "FactSet":
            found += [{"text": f"{f['title']} {f['value']}"} for f in element["facts"]]
        found += _blocks({"body": element.get("items") or []})
    return found


async def test_invite_intake_match_approve_follow_up_and_report_through_teams(
    teams: TeamsWorld,
) -> None:
    fake = teams.fake
    await teams.install(KIM)
    await teams.say(
        KIM, 'program ny "Vår 2027" --syfte introduktion --start 2026-11-02 --slut 2027-04-30'
    )
    mentors = [PEOPLE[n] for n in MENTORS]
    adepts = [PEOPLE[n] for n in ADEPTS]
    await teams.say(KIM, f"bjud-in {_at(MENTORS)} som mentor", mentions=mentors)
    await teams.say(KIM, f"bjud-in {_at(ADEPTS)} som adept", mentions=adepts)
    await teams.deliver()  # the invitations, each in a 1:1 chat the bot creates

    for name in MENTORS + ADEPTS:
        person = PEOPLE[name]
        if name == SILENT:
            continue
        if name == DECLINES:
            await teams.press(person, "invitation.decline")
            continue
        # Accepting shows the intake form as a card; its Action.Submit enrols them.
        intake = {
            "topic_1": "leadership",
            "department": DEPARTMENT.get(name, "IT"),
            "capacity": "2" if name == "Anna" else "1",
            "consent": "yes",
        }
        sent = await teams.press(person, "invitation.accept", intake)
        assert sent.status < 300, sent
        assert "Du är med i Vår 2027" in _said_to(teams, person, len(fake.calls) - 2), name
    await teams.deliver()

    with teams.store.transaction() as repo:
        invitations = repo.find(Invitation)
        consented = [e for e in repo.find(Enrolment) if e.consent_at is not None]
    answered = [i.status for i in invitations]
    assert len(invitations) == 10
    assert answered.count(InvitationStatus.ACCEPTED) == 8
    assert answered.count(InvitationStatus.DECLINED) == 1
    assert len(consented) == 8  # only those who accepted, each with the time of consent

    # `matcha`: four proposals (Anna takes two), one adept left over; three are approved.
    since = len(fake.calls)
    await teams.say(KIM, "matcha")
    proposals = _said_to(teams, KIM, since)
    assert proposals.count("(mentor) och") == 4, proposals
    assert "Utan partner:" in proposals
    for label in ("Godkänn 1", "Godkänn 2", "Godkänn 3"):
        await _press_labelled(teams, KIM, "match.approve", label)
    await teams.deliver()  # each pair's introduction
    pairs = _pairs(teams)
    assert len(pairs) == 3, pairs
    (missed_mentor, missed_adept), (_, met_adept), (never_mentor, never_adept) = pairs

    # One pair books and does not meet; one meets; the third never books.
    await _tick(teams, 1)
    await teams.say(PEOPLE[missed_adept], "möte 2026-11-05 10:00 Kontoret")
    await teams.say(PEOPLE[met_adept], "möte 2026-11-05 13:00 Kaféet")
    await teams.deliver()
    await _tick(teams, 3)
    for who, partner in ((missed_adept, missed_mentor), (missed_mentor, missed_adept)):
        person = PEOPLE[who]
        await teams.say(person, "incheckning")
        newest = teams.cards_of(person)[0][1]
        if any(
            (a.get("data") or {}).get(ROUTE, {}).get("a") == "pair.choose"
            for a in card_actions(newest)
        ):  # in two pairs: which one is it for?
            await _press_labelled(teams, person, "pair.choose", partner)
        posted = await teams.fill(person, {"met": "no"}, form_id="checkin")
        assert posted.status < 300, posted
    await teams.say(PEOPLE[met_adept], "incheckning")
    await teams.fill(
        PEOPLE[met_adept], {"met": "yes", "raised": "Vi lärde känna varandra"}, form_id="checkin"
    )
    await teams.deliver()

    await _tick(teams, 12)
    since = len(fake.calls)
    await teams.say(KIM, "status")
    status = _said_to(teams, KIM, since)
    paired = {who for pair in pairs for who in pair}
    unpaired = sorted(set(MENTORS + ADEPTS) - paired - {DECLINES, SILENT})
    assert f"{never_mentor} & {never_adept}: inget första möte" in status, status
    missed_line = next(line for line in status.splitlines() if "1 möte blev inte av" in line)
    assert missed_adept in missed_line
    without = status.split("Utan par", 1)[1].split("\n", 1)[0]
    assert unpaired and all(n in without for n in unpaired), without
    with teams.store.transaction() as repo:
        missed = [m for m in repo.find(Meeting) if m.status == MeetingStatus.MISSED]
    assert len(missed) == 1

    # `rapport`: the table and the chart, as files in the coordinator's chat after the card.
    since = len(fake.calls)
    await teams.say(KIM, "rapport")
    assert "Rapport" in _said_to(teams, KIM, since)
    files = [f for call in fake.sent(KIM.conversation)[-2:] for f in call.files()]
    (csv_name, csv_type, csv), (png_name, png_type, png) = files
    assert csv_name.endswith(".csv") and csv_type == "text/csv"
    assert png_name.endswith(".png") and png_type == "image/png"
    table = csv.decode("utf-8-sig")
    assert table.count("\n") >= 9  # a header and a row per person in the programme
    assert all(n in table for n in paired | set(unpaired))
    assert png.startswith(PNG_MAGIC)
    assert not any(f for p in PEOPLE.values() for f in teams.files_of(p) if f[1] != "text/calendar")

    # Every card was a valid Adaptive Card 1.5, every file readable, every activity in size.
    assert fake.problems == [], json.dumps(fake.problems[:5])
