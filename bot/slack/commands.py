"""Slash commands (``/mentor …``): the typed words as the core's ``Command``.

Slack wants the ack within three seconds, and shows what the ack carries at once. The turn
gets until ``Timing.answer_within`` (2 s by default, ``slack.answer_within_seconds``): an
answer of one message that is ready by then goes in the ack itself (ephemeral, the very
payload ``response_url`` would have got); otherwise the listener acks empty at the deadline and
the answer follows through the command's ``response_url`` (a reply of several messages, too:
the ack carries one). Only the person's own answer goes in the ack: what the turn has for
others is in the outbox. A file that comes with the answer, which an ephemeral answer cannot
carry, is shared in their DM, and a form opens as a modal with the command's ``trigger_id``
(a "one moment" modal first when the turn is slow: ``bot.slack.turns``). A turn that raises
is answered with the localized error, in the ack when there is still time.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from bot.slack.activity import Activity
from bot.slack.actors import workspace_of
from bot.slack.groups import group_refs
from bot.slack.mrkdwn import incoming
from bot.slack.replies import (
    RESPONSE_URL_LIMIT,
    Ack,
    Replies,
    Respond,
    ephemeral,
    ephemeral_payload,
    kind,
)
from bot.slack.turns import TurnFailed, Turns, Who
from bot.slack.words import words
from conversations.events import Command
from conversations.messages import Message, Reply, text

log = logging.getLogger("mentorbot.slack")


def command_event(body: dict[str, Any]) -> Command:
    """A slash command's payload as the core's event (mentions as ``@U123`` tokens)."""
    said, mentions = incoming(str(body.get("text") or ""))
    return Command(text=said, mentions=mentions)


@dataclass
class Turned:
    """A command's turn: whose, and their reply (``None`` when it raised: ``failed``)."""

    who: Who
    reply: Reply | None
    loading: str | None = None  # the "one moment" modal opened meanwhile
    trigger: str = ""  # still usable to open the reply's form
    failed: Exception | None = None


class SlashCommands:
    def __init__(self, turns: Turns, replies: Replies, activity: Activity) -> None:
        self._turns = turns
        self._replies = replies
        self._activity = activity

    async def slash_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        async with self._activity.track():
            deadline = self._turns.deadline()
            loop = asyncio.get_running_loop()
            work = asyncio.ensure_future(self._turn(body, deadline))
            await asyncio.wait({work}, timeout=max(0.0, deadline - loop.time()))
            acked = not work.done()
            if acked:  # too slow for the ack: the answer follows through response_url
                await ack()
            turned = await work
            known = turned.who.known
            respond = self._replies.response_urls.responder(body, respond)
            try:
                if turned.reply is None:
                    raise turned.failed or RuntimeError("no reply")
                reply = turned.reply
                messages = reply.messages[:RESPONSE_URL_LIMIT]
                if not acked:
                    acked = True
                    in_ack = self._in_ack(messages, known.lang)
                    if in_ack is None:
                        await ack()
                    else:
                        await ack(in_ack)
                        messages = messages[1:]
                await self._replies.show_form(reply, turned.loading, turned.trigger, known)
                for message in messages:
                    await self._replies.safely(
                        "response_url", ephemeral(respond, message, known.lang)
                    )
                await self._replies.files_to_dm(known, reply.messages[:RESPONSE_URL_LIMIT])
                await self._replies.post_dm(known, reply.messages[RESPONSE_URL_LIMIT:])
            except Exception as error:
                if acked:
                    await self._replies.failed("slash_command", error, known)
                else:
                    acked = True
                    log.error(
                        "event=slack_listener_failed listener=slash_command error=%s", kind(error)
                    )
                    await ack(ephemeral_payload(text(words(known.lang)["error"]), known.lang))
            finally:
                if not acked:
                    await ack()
            await self._turns.after(turned.who)

    def _in_ack(self, messages: list[Message], lang: str) -> dict[str, Any] | None:
        """The ack's body for an answer of one message (rendered here: a failure is logged
        and the answer goes to ``response_url``, which logs it too); else None."""
        if len(messages) != 1:
            return None
        try:
            return ephemeral_payload(messages[0], lang)
        except Exception as error:
            log.warning("event=slack_call_failed call=ack error=%s", kind(error))
            return None

    async def _turn(self, body: dict[str, Any], deadline: float) -> Turned:
        """The person and their turn (never raises: a turn that did is ``failed``)."""
        team, user = workspace_of(body), str(body.get("user_id") or "")
        trigger = str(body.get("trigger_id") or "")
        event = command_event(body)
        raw = str(body.get("text") or "")
        try:
            # Most commands: the person and the turn in one go (one worker thread); an invite
            # of a channel or user group first asks Slack who is in it.
            quick = (
                None
                if group_refs(raw)
                else await self._turns.known_turn(
                    team, user, event, trigger=trigger, deadline=deadline
                )
            )
        except TurnFailed as failed:
            return Turned(Who(team, failed.known), None, failed=failed.error)
        if quick is not None:
            who, reply, loading = quick
            return Turned(who, reply, loading, trigger)
        who = await self._turns.who(team, user, deadline)
        try:
            expanded = await self._turns.with_groups(who, event, raw)
            if expanded is not event:  # Slack's lookups took time: no trigger left
                event, trigger = expanded, ""
            refused = await self._turns.people_named(who, event, deadline)
            if refused is not None:  # it named someone with a typed @word
                return Turned(who, refused, None, trigger)
            reply, loading = await self._turns.turn(
                who.known, event, trigger=trigger, deadline=deadline
            )
            return Turned(who, reply, loading, trigger)
        except Exception as error:
            return Turned(who, None, failed=error)
