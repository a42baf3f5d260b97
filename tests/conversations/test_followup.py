"""`status` lists by name what needs the coordinator — the pair that never met, the person
never paired, a meeting that did not take place — with buttons that remind the pair, pause
it or end it (both asking for a reason first)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conversations.records import AuditEntry, Pair, Person
from conversations.refs import PairRef
from tests.conversations.harness import Bot, consent
from tests.conversations.reporting import book, check_in


def _programme(bot: Bot) -> dict[str, int]:
    bot.say(
        "kim", 'program new "Vår 2027" --purpose leadership --start 2027-01-11 --end 2027-06-15'
    )
    bot.say("kim", "enroll @anna @cecilia as mentor")
    bot.say("kim", "enroll @bo @david @gustav as adept")
    consent(bot, "anna", "cecilia", "bo", "david", "gustav")
    bot.say("kim", "pair @anna @bo")
    bot.say("kim", "pair @cecilia @david")
    book(bot, "david", "2027-01-13 10:00")
    bot.clock.set(datetime(2027, 1, 13, 13, 0, tzinfo=UTC))
    check_in(bot, "david", False)
    bot.advance(timedelta(days=12))
    names = {p.id: p.platform_user_id for p in bot.record(Person)}
    return {names[p.adept_id]: p.id or 0 for p in bot.record(Pair)}


def _status(bot: Bot) -> str:
    return "\n".join(m.plain_text() for m in bot.say("kim", "status").messages)


def test_status_names_the_pair_that_never_met_the_unpaired_and_a_missed_meeting(bot: Bot) -> None:
    _programme(bot)
    shown = _status(bot)
    assert "Behöver dig: Vår 2027" in shown
    assert "Utan par: gustav" in shown
    assert "anna & bo: inget första möte 14 dagar efter introduktionen" in shown
    assert "cecilia & david: 1 möte blev inte av (senast 13 januari 2027)" in shown
    reply = bot.say("kim", "status")
    labels = [[b.label for b in m.buttons] for m in reply.messages if m.buttons]
    assert labels == [["Påminn paret", "Pausa paret", "Avsluta paret"]] * 2


def test_remind_sends_each_member_their_next_step(bot: Bot) -> None:
    pairs = _programme(bot)
    bot.say("kim", "status")
    since = len(bot.transcript)
    reply = bot.press("kim", "followup.remind", PairRef(pairs["bo"]).encode())
    assert reply.messages[0].plain_text().startswith("anna och bo får en påminnelse")
    bot.advance(timedelta(hours=2))
    for who, partner in (("anna", "bo"), ("bo", "anna")):
        (got,) = [d for d in bot.received(who, since) if d.kind == "coordinator-reminder"]
        assert f"du och {partner} har inte haft ert första möte" in got.message.plain_text()
        assert [b.action for b in got.message.buttons] == ["meeting.book"]
    assert bot.received("cecilia", since) == []
    assert [e.action for e in bot.record(AuditEntry, subject=f"pair:{pairs['bo']}")][-1] == (
        "pair.reminded"
    )


def test_pause_asks_for_a_reason_and_tells_the_pair(bot: Bot) -> None:
    pairs = _programme(bot)
    bot.say("kim", "status")
    since = len(bot.transcript)
    ref = PairRef(pairs["bo"]).encode()
    refused = bot.fill("kim", "followup.pause", {"reason": ""}, ref)
    assert "reason" in refused.errors
    done = bot.fill(
        "kim", "followup.pause", {"until": "2027-02-28", "reason": "Bo är föräldraledig"}, ref
    )
    assert done.messages[0].plain_text() == "Paret är pausat till och med 28 februari 2027."
    (pair,) = bot.record(Pair, id=pairs["bo"])
    assert pair.paused_until is not None and pair.paused_until.isoformat() == "2027-02-28"
    bot.advance(timedelta(hours=2))
    assert "till och med 28 februari 2027: Bo är föräldraledig" in bot.texts_to("bo", since)
    assert "anna & bo" not in _status(bot)  # paused: off the list until it is over
    (entry,) = bot.record(AuditEntry, action="pair.paused")
    assert "föräldraledig" not in repr(entry)


def test_end_asks_how_and_why_and_ends_the_pair(bot: Bot) -> None:
    pairs = _programme(bot)
    bot.say("kim", "status")
    ref = PairRef(pairs["david"]).encode()
    bot.fill("kim", "followup.end", {"outcome": "ended-early", "reason": "Byter avdelning"}, ref)
    (pair,) = bot.record(Pair, id=pairs["david"])
    assert (pair.phase, pair.end_reason, pair.end_note) == (
        "ended_early",
        "ended-early",
        "Byter avdelning",
    )
    again = bot.press("kim", "followup.end", ref)
    assert again.messages[0].plain_text() == "Paret är redan avslutat eller finns inte längre."
    assert "Utan par (3): cecilia, david, gustav" in _status(bot)


def test_the_buttons_are_refused_to_a_pair_member(bot: Bot) -> None:
    pairs = _programme(bot)
    ref = PairRef(pairs["bo"]).encode()
    for action in ("followup.remind", "followup.pause", "followup.end"):
        reply = bot.press("bo", action, ref)
        assert reply.form is None
    (pair,) = bot.record(Pair, id=pairs["bo"])
    assert pair.paused_until is None and pair.phase.is_open
