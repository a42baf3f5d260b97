from bot.slack.mrkdwn import escape, incoming, mention_tokens, unescape


def test_escape_makes_pings_and_links_inert() -> None:
    assert (
        escape("<!channel> & <https://evil|bank>")
        == "&lt;!channel&gt; &amp; &lt;https://evil|bank&gt;"
    )
    assert unescape(escape("a < b & c > d")) == "a < b & c > d"


def test_incoming_turns_slack_mentions_into_tokens() -> None:
    text, mentions = incoming("enroll <@U0AB12|kim> as mentor")
    assert text == "enroll @U0AB12 as mentor"
    assert mentions == {"@U0AB12": "U0AB12"}


def test_incoming_unescapes_entities_and_unwraps_links() -> None:
    text, mentions = incoming(
        "mål &amp; plan &lt;3 <https://example.org|sida> <mailto:a@b.se|a@b.se> <#C1|general>"
    )
    assert text == "mål & plan <3 sida a@b.se #general"
    assert mentions == {}


def test_incoming_special_mentions_become_plain_words() -> None:
    assert incoming("hej <!here> och <!channel>")[0] == "hej @here och @channel"


def test_mention_tokens_reads_neutral_text() -> None:
    assert mention_tokens("pair @U1AA @U2BB") == {"@U1AA": "U1AA", "@U2BB": "U2BB"}
