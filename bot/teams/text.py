"""Teams' text, both ways.

Outgoing: the core's text is plain text with ``*bold*`` and ``_italic_`` markers. An Adaptive
Card's ``TextBlock`` reads a small subset of Markdown (emphasis, links, lists), so the
characters that make emphasis and links (``* _ ~ [ ]`` and the backslash) are escaped: no
link with a hidden target can be smuggled in through what a person typed (a bare address stays
visible text), and angle brackets are replaced so that no ``<at>…</at>`` mention or other tag
survives. The core's ``*bold*`` becomes ``**bold**``.

Incoming: a message's text carries mentions as ``<at>Name</at>`` with the people in the
activity's ``entities`` (``type: mention``). ``incoming`` turns that into the plain text the
core reads, with each mention as an ``@<AAD object id>`` token.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

# Characters Teams' card Markdown acts on (emphasis, links): each is backslash-escaped.
_MARKDOWN = re.compile(r"([\\*_\[\]~])")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_ANGLE = str.maketrans({"<": "‹", ">": "›"})  # no HTML tag (<at>, <a>) reaches the card
_AT = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")


def escape(text: str) -> str:
    """Any text made safe for a TextBlock: shown exactly as written, markup inert."""
    return _MARKDOWN.sub(r"\\\1", text.translate(_ANGLE))


def markdown(text: str) -> str:
    """The core's text for a TextBlock: ``*bold*`` and ``_italic_`` kept, everything else
    escaped (``escape``)."""
    parts: list[str] = []
    last = 0
    for match in _emphasis(text):
        parts.append(escape(text[last : match[0]]))
        marker = "**" if match[2] == "*" else "_"
        parts.append(f"{marker}{escape(match[3])}{marker}")
        last = match[1]
    parts.append(escape(text[last:]))
    return "".join(parts)


def _emphasis(text: str) -> list[tuple[int, int, str, str]]:
    found = [(m.start(), m.end(), "*", m.group(1)) for m in _BOLD.finditer(text)]
    found += [(m.start(), m.end(), "_", m.group(1)) for m in _ITALIC.finditer(text)]
    found.sort()
    kept: list[tuple[int, int, str, str]] = []
    for item in found:
        if not kept or item[0] >= kept[-1][1]:
            kept.append(item)
    return kept


def incoming(text: str, entities: Iterable[Mapping[str, Any]] = ()) -> tuple[str, dict[str, str]]:
    """A message's text -> (plain text, mentions ``{"@<aad id>": "<aad id>"}``). The bot's own
    mention (``@Mentorbot`` in a group) is dropped; other tags are removed."""
    by_name: dict[str, str] = {}
    for entity in entities:
        if entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned") or {}
        aad = str(mentioned.get("aadObjectId") or "")
        tagged = _AT.search(str(entity.get("text") or ""))
        name = html.unescape(tagged.group(1)) if tagged else str(mentioned.get("name") or "")
        by_name[name.strip()] = aad
    mentions: dict[str, str] = {}

    def plain(match: re.Match[str]) -> str:
        name = html.unescape(_TAG.sub("", match.group(1))).strip()
        aad = by_name.get(name, "")
        if not aad:  # the bot itself, or someone Teams did not resolve
            return ""
        mentions[f"@{aad}"] = aad
        return f"@{aad}"

    replaced = _AT.sub(plain, text)
    plain_text = html.unescape(_TAG.sub("", replaced))
    lines = (" ".join(line.split()) for line in plain_text.strip().splitlines())
    return "\n".join(lines).strip(), mentions
