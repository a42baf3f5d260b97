"""The App Home tab: the person's dashboard (the core's answer to ``HomeOpened``) as a Home
view, within Slack's 100 blocks."""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.slack.limits import VIEW_BLOCKS
from bot.slack.messages import fit, message_blocks
from conversations.messages import Message


def home_view(messages: Iterable[Message], *, lang: str = "en") -> View:
    """The App Home tab: the dashboard message(s), within the 100-block limit."""
    blocks: list[Block] = []
    for message in messages:
        blocks.extend(message_blocks(message, lang=lang, limit=VIEW_BLOCKS))
    if not blocks:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=" ")))
    return View(type="home", blocks=fit(blocks, VIEW_BLOCKS, lang))
