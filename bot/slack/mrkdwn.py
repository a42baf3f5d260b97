"""Slack's text format, both ways.

Outgoing: neutral text is plain text with ``*bold*`` and ``_italic_`` markers, which Slack's
mrkdwn already understands; everything else must be escaped (``&``, ``<``, ``>``) so that
nobody can ping ``@channel`` or forge a link through the bot.

Incoming: Slack escapes the same three characters and wraps mentions and links in angle
brackets (``<@U123|kim>``, ``<https://x|label>``). ``incoming`` turns that back into the plain
text the core reads, with each mention as an ``@U123`` token.
"""

from __future__ import annotations

import re

_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_SPECIAL = re.compile(r"<([^<>]*)>")


def escape(text: str) -> str:
    """User or core text made safe for mrkdwn and plain_text fields."""
    for raw, entity in _ENTITIES:
        text = text.replace(raw, entity)
    return text


def unescape(text: str) -> str:
    for raw, entity in reversed(_ENTITIES):
        text = text.replace(entity, raw)
    return text


def escaped_length(text: str) -> int:
    return len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


def incoming(text: str) -> tuple[str, dict[str, str]]:
    """Slack message or slash-command text -> (plain text, mentions ``{"@U123": "U123"}``)."""
    mentions: dict[str, str] = {}

    def plain(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            user_id = target[1:]
            mentions[f"@{user_id}"] = user_id
            return f"@{user_id}"
        if target.startswith("#"):  # a channel: its name if Slack gave one
            return f"#{label}" if label else target
        if target.startswith("!"):  # <!here>, <!channel>, <!date^…|fallback>
            special = target[1:].split("^")[0]
            return label or f"@{special}"
        return label or target.removeprefix("mailto:")

    replaced = _SPECIAL.sub(plain, text)
    return unescape(replaced).strip(), mentions


_TOKEN = re.compile(r"@([UW][A-Z0-9]{2,})\b")


def mention_tokens(text: str) -> dict[str, str]:
    """``@U123`` tokens already in neutral text, as the mentions the core expects."""
    return {f"@{user_id}": user_id for user_id in _TOKEN.findall(text)}
