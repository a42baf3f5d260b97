"""Events API: messages typed in the bot's DM (``message.im``), the Home tab being opened
(``app_home_opened``), and the workspace removing the bot (``app_uninstalled``,
``tokens_revoked``). Slack retries an event it thinks was not received; the event's id is the
turn's key, so a retry is recognised and not applied twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from bot.slack.actions import REOPEN
from bot.slack.activity import Activity
from bot.slack.actors import workspace_of
from bot.slack.clients import SlackClients
from bot.slack.limits import BUTTON_VALUE, clip
from bot.slack.mrkdwn import incoming
from bot.slack.replies import Replies, kind
from bot.slack.turns import Turns
from bot.slack.workspaces import Workspaces
from conversations.events import HomeOpened, TextReceived
from conversations.messages import Button, Form, Message, Section

log = logging.getLogger("mentorbot.slack")
FILE_SHARE = "file_share"  # a message with files attached


def text_event(event: dict[str, Any]) -> TextReceived | None:
    """A ``message`` event as the core's event; None for what is not a person typing to the
    bot in its DM (another channel, the bot's own or an edited message, nothing typed). A
    message with files attached (``file_share``) is read by its text; the files are read only
    by an ``invite`` (``bot.slack.groups``)."""
    subtype = event.get("subtype")
    if (
        event.get("channel_type") != "im"
        or subtype not in (None, FILE_SHARE)
        or event.get("bot_id")
    ):
        return None
    typed, mentions = incoming(str(event.get("text") or ""))
    if not typed or "user" not in event:
        return None
    return TextReceived(text=typed, mentions=mentions)


def event_key(body: dict[str, Any]) -> str | None:
    event_id = body.get("event_id")
    return f"slack:{event_id}" if event_id else None


def form_offer(form: Form, command_text: str) -> Message:
    """A form asked for in a DM (no trigger_id there): a button that opens it. The button
    runs the typed command again; a command too long for a button value is cut visibly."""
    sections = (Section(text=form.intro),) if form.intro else ()
    button = Button(
        label=form.title, action=REOPEN, value=clip(command_text, BUTTON_VALUE), style="primary"
    )
    return Message(title=form.title, sections=sections, buttons=(button,))


class EventListeners:
    def __init__(
        self,
        turns: Turns,
        replies: Replies,
        workspaces: Workspaces,
        activity: Activity,
        clients: SlackClients | None = None,
    ) -> None:
        self._clients = clients
        self._turns = turns
        self._replies = replies
        self._workspaces = workspaces
        self._activity = activity

    async def direct_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._activity.track():
            typed = text_event(event)
            if typed is None:
                return
            deadline = self._turns.deadline()
            who = await self._turns.who(workspace_of(body), str(event["user"]), deadline)
            known = who.known
            try:
                raw, files = str(event.get("text") or ""), event.get("files") or []
                typed = await self._turns.with_groups(who, typed, raw, files)
                reply = await self._turns.people_named(who, typed, deadline)
                if reply is None:  # (not: it named someone with a typed @word)
                    reply = await self._turns.handle(known.actor, typed, key=event_key(body))
                if not reply.duplicate:
                    messages = list(reply.messages)
                    if reply.form is not None:
                        messages.append(form_offer(reply.form, typed.text))
                    channel = str(event.get("channel") or "")
                    for message in messages:
                        await self._replies.post(channel, message, known)
            except Exception as error:
                await self._replies.failed("direct_message", error, known)
            await self._turns.after(who)

    async def home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._activity.track():
            if event.get("tab") != "home":
                return
            team, user = workspace_of(body), str(event.get("user") or "")
            who = await self._turns.who(team, user, self._turns.deadline())
            try:
                reply = await self._turns.handle(who.known.actor, HomeOpened(), key=event_key(body))
                await self._replies.publish_home(who.known, reply)
            except Exception as error:
                log.error("event=slack_listener_failed listener=home error=%s", kind(error))
            await self._turns.after(who)

    async def app_uninstalled(self, body: dict[str, Any]) -> None:
        async with self._activity.track():
            await self._revoke(workspace_of(body), "app_uninstalled")

    async def tokens_revoked(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._activity.track():
            if (event.get("tokens") or {}).get("bot"):
                await self._revoke(workspace_of(body), "tokens_revoked")

    async def _revoke(self, team: str, reason: str) -> None:
        """Stop sending to the workspace at once, forget its installations (OAuth mode) and
        schedule the purge of its records."""
        log.info("event=slack_workspace_removed workspace=%s reason=%s", team, reason)
        steps: list[Callable[[], None]] = [lambda: self._workspaces.revoke(team, reason)]
        if self._clients is not None:  # first: without its token nothing can be sent there
            clients = self._clients
            steps.insert(0, lambda: clients.forget(team))
        for step in steps:
            try:
                await asyncio.to_thread(step)
            except Exception as error:
                log.error("event=slack_revoke_failed team=%s error=%s", team, kind(error))
