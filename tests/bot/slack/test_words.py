"""The Slack adapter's own words exist in both languages."""

from bot.slack.words import _WORDS


def test_swedish_and_english_have_the_same_words() -> None:
    assert set(_WORDS["sv"]) == set(_WORDS["en"])
