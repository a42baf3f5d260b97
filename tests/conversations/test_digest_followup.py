"""The coordinator's weekly digest says what `status` says, by name — who is not paired, the
pair that never met, a meeting that did not take place — and stops for a programme with
nobody in it."""

from __future__ import annotations

from datetime import timedelta

from tests.conversations.harness import Bot
from tests.conversations.test_followup import _programme

STEP = timedelta(hours=3)


def _digests(bot: Bot, since: int = 0) -> list[str]:
    return [
        d.message.plain_text() for d in bot.received("kim", since) if d.kind == "coordinator-digest"
    ]


def test_the_digest_names_what_needs_the_coordinator(bot: Bot) -> None:
    _programme(bot)  # the programme's third week
    since = len(bot.transcript)
    bot.advance(timedelta(days=7), STEP)
    (digest,) = _digests(bot, since)
    assert "Behöver dig: Vår 2027" in digest
    assert "Utan par: gustav" in digest
    assert "anna & bo: inget första möte" in digest
    assert "cecilia & david: 1 möte blev inte av" in digest


def test_no_digest_for_a_programme_with_nobody_in_it(bot: Bot) -> None:
    bot.say("kim", 'program new "Tom" --purpose career --start 2027-01-11 --end 2027-06-15')
    bot.advance(timedelta(days=15), STEP)
    assert _digests(bot) == []
    bot.say("kim", "enroll @anna as mentor")
    bot.advance(timedelta(days=7), STEP)
    (digest,) = _digests(bot)
    assert "Utan par: anna" in digest
