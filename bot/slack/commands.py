"""Slash commands (``/mentor …``): the typed words as the core's ``Command``.

The listener acks at once (Slack wants it within three seconds), then runs the turn; the
answer goes back through the command's ``response_url`` (only the person sees it; a file that
comes with it, which an ephemeral answer cannot carry, is shared in their DM) and a form opens
as a modal with the command's ``trigger_id``.
"""

from __future__ import annotations

from typing import Any

from bot.slack.activity import Activity
from bot.slack.actors import workspace_of
from bot.slack.groups import group_refs
from bot.slack.mrkdwn import incoming
from bot.slack.replies import RESPONSE_URL_LIMIT, Ack, Replies, Respond, ephemeral
from bot.slack.turns import Turns
from conversations.events import Command


def command_event(body: dict[str, Any]) -> Command:
    """A slash command's payload as the core's event (mentions as ``@U123`` tokens)."""
    words, mentions = incoming(str(body.get("text") or ""))
    return Command(text=words, mentions=mentions)


class SlashCommands:
    def __init__(self, turns: Turns, replies: Replies, activity: Activity) -> None:
        self._turns = turns
        self._replies = replies
        self._activity = activity

    async def slash_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        async with self._activity.track():
            deadline = self._turns.deadline()
            team, user = workspace_of(body), str(body.get("user_id") or "")
            trigger = str(body.get("trigger_id") or "")
            respond = self._replies.response_urls.responder(body, respond)
            event = command_event(body)
            raw = str(body.get("text") or "")
            # Most commands: the person and the turn in one go (one worker thread); an invite of
            # a channel or user group first asks Slack who is in it.
            quick = (
                None
                if group_refs(raw)
                else await self._turns.known_turn(
                    team, user, event, trigger=trigger, deadline=deadline
                )
            )
            who = quick[0] if quick is not None else await self._turns.who(team, user, deadline)
            known = who.known
            try:
                if quick is not None:
                    _, reply, loading = quick
                else:
                    expanded = await self._turns.with_groups(who, event, raw)
                    if expanded is not event:  # Slack's lookups took time: no trigger left
                        event, trigger = expanded, ""
                    refused = await self._turns.people_named(who, event, deadline)
                    if refused is not None:  # it named someone with a typed @word
                        reply, loading = refused, None
                    else:
                        reply, loading = await self._turns.turn(
                            known, event, trigger=trigger, deadline=deadline
                        )
                await self._replies.show_form(reply, loading, trigger, known)
                for message in reply.messages[:RESPONSE_URL_LIMIT]:
                    await self._replies.safely(
                        "response_url", ephemeral(respond, message, known.lang)
                    )
                await self._replies.files_to_dm(known, reply.messages[:RESPONSE_URL_LIMIT])
                await self._replies.post_dm(known, reply.messages[RESPONSE_URL_LIMIT:])
            except Exception as error:
                await self._replies.failed("slash_command", error, known)
            await self._turns.after(who)
