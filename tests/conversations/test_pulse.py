"""The relationship pulse: 30 days after pairing and every 60 days after, each member gets one
private question (1–5, optional comment); a 1 or 2 puts the pair on the coordinator's
follow-up list, and the coordinator sees the programme's average, never who said what."""

from __future__ import annotations

from datetime import timedelta

from conversations.records import OutboxItem, Pair
from tests.conversations.harness import Bot, paired

COMMENT = "MARKER-PULSE-COMMENT-77aa"
STEP = timedelta(hours=3)


def _pulses(bot: Bot, who: str, since: int = 0) -> list[str]:
    return [d.message.plain_text() for d in bot.received(who, since) if d.kind == "pulse"]


def test_pulse_is_asked_at_30_days_and_every_60_after(bot: Bot) -> None:
    paired(bot)
    bot.advance(timedelta(days=29), STEP)
    assert _pulses(bot, "anna") == _pulses(bot, "bo") == []
    bot.advance(timedelta(days=2), STEP)
    for who in ("anna", "bo"):
        (asked,) = _pulses(bot, who)
        assert "hur användbart är ditt mentorskap just nu" in asked
    since = len(bot.transcript)
    bot.advance(timedelta(days=58), STEP)  # day 89: not yet
    assert _pulses(bot, "bo", since) == []
    bot.advance(timedelta(days=2), STEP)  # day 91
    assert len(_pulses(bot, "bo", since)) == 1
    keys = sorted(r.key for r in bot.record(OutboxItem, kind="pulse"))
    (pair,) = bot.record(Pair)
    assert [k.rsplit(":", 1)[0] for k in keys[::2]] == [f"pulse:{pair.id}:1", f"pulse:{pair.id}:2"]


def test_a_low_answer_flags_the_pair_and_the_coordinator_sees_only_the_average(bot: Bot) -> None:
    paired(bot)
    bot.advance(timedelta(days=31), STEP)
    low = bot.fill("bo", "pulse.answer", {"rating": "2", "comment": COMMENT})
    assert "inte vem av er som svarade" in low.messages[0].plain_text()
    bot.fill("anna", "pulse.answer", {"rating": "5"})
    again = bot.press("bo", "pulse.answer")
    assert again.form is None
    assert again.messages[0].plain_text() == "Du har redan svarat på den här frågan."
    status = "\n".join(m.plain_text() for m in bot.say("kim", "status").messages)
    assert "Relationspuls: 3,5 i snitt (1–5), 2 svar" in status
    assert "anna & bo: lågt svar (1–2) på relationspulsen" in status
    assert COMMENT not in status
    assert COMMENT not in bot.texts_to("kim") and COMMENT not in bot.texts_to("anna")


def test_a_pulse_needs_a_rating_from_1_to_5(bot: Bot) -> None:
    paired(bot)
    bot.advance(timedelta(days=31), STEP)
    refused = bot.fill("bo", "pulse.answer", {"rating": "7"})
    assert "rating" in refused.errors
