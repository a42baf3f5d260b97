"""The Bot Framework ``ActivityHandler``: each activity translated (``bot.teams.activities``),
handed to the core, and the reply rendered (``bot.teams.replies``). Nothing else happens here.

* ``message``: typed text (``TextReceived``) or a card's ``Action.Submit`` (``ButtonPressed``,
  ``FormSubmitted``). Teams retries an activity with the same id: that id (a card's own id
  for a submit) is the turn's key, so a retry changes nothing.
* ``conversationUpdate`` (someone added) and ``installationUpdate`` (``add``): the person's
  conversation reference is stored, and they are greeted once with the core's help.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.schema import Activity, ChannelAccount

from bot.teams.activities import Route, actor_of, card_key, event_key, message_event, tenant_of
from bot.teams.references import Reference, References
from bot.teams.replies import Replies
from bot.teams.turns import Turns
from conversations.events import Command, FormSubmitted

log = logging.getLogger("mentorbot.teams")

GREETING = "help"  # what a person is shown once, when the app is added for them


def wire(activity: Activity) -> dict[str, Any]:
    """The activity as Teams sent it (camelCase JSON), for the pure translations."""
    serialized: dict[str, Any] = activity.serialize()
    if activity.entities:  # msrest leaves out what its Entity model does not name
        serialized["entities"] = [
            {**(entity.additional_properties or {}), "type": entity.type}
            for entity in activity.entities
        ]
    return serialized


def reference_of(activity: dict[str, Any]) -> Reference | None:
    """The person's 1:1 conversation with the bot, from an activity they caused there."""
    conversation = activity.get("conversation") or {}
    kind = conversation.get("conversationType") or "personal"
    sender = activity.get("from") or {}
    if kind != "personal" or not sender.get("aadObjectId") or not conversation.get("id"):
        return None
    return Reference(
        tenant_id=tenant_of(activity),
        aad_object_id=str(sender["aadObjectId"]),
        conversation_id=str(conversation["id"]),
        service_url=str(activity.get("serviceUrl") or ""),
        user_id=str(sender.get("id") or ""),
        bot_id=str((activity.get("recipient") or {}).get("id") or ""),
        channel_id=str(activity.get("channelId") or "msteams"),
    )


class TeamsListeners(ActivityHandler):  # type: ignore[misc]
    def __init__(self, turns: Turns, replies: Replies, references: References) -> None:
        self._turns = turns
        self._replies = replies
        self._references = references

    async def _remember(self, activity: dict[str, Any]) -> None:
        reference = reference_of(activity)
        if reference is not None and reference.service_url and reference.tenant_id:
            await asyncio.to_thread(self._references.remember, reference)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = wire(turn_context.activity)
        actor = actor_of(activity)
        if actor is None:
            log.info("event=teams_message_ignored reason=no_aad_user")
            return
        await self._remember(activity)
        event = message_event(activity)
        if event is None:
            return
        route = Route.decode(activity.get("value"))
        key = card_key(activity) if route is not None else event_key(activity)
        try:
            reply, lang = await self._turns.handle(actor, event, key)
            if route is None:
                if not reply.duplicate:
                    await self._replies.answer(turn_context, reply, lang)
                return
            card = str(activity.get("replyToId") or "")
            values = event.values if isinstance(event, FormSubmitted) else {}
            await self._replies.answer_card(turn_context, card, route, reply, values, lang)
        except Exception as error:
            await self._replies.failed(turn_context, "message", error, actor.locale)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        activity = wire(turn_context.activity)
        bot_id = (activity.get("recipient") or {}).get("id")
        if all(member.id == bot_id for member in members_added):
            return  # only the bot itself
        await self._greet(turn_context, activity)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._greet(turn_context, wire(turn_context.activity))

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        log.info("event=teams_app_removed tenant=%s", tenant_of(wire(turn_context.activity)))

    async def _greet(self, turn_context: TurnContext, activity: dict[str, Any]) -> None:
        """Store the reference; greet the person once ever (the key is theirs, not the
        activity's), in their language."""
        actor = actor_of(activity)
        kind = (activity.get("conversation") or {}).get("conversationType") or "personal"
        if actor is None or kind != "personal":
            return  # the app has personal scope only: a team or group chat is not greeted
        await self._remember(activity)
        try:
            key = f"teams:welcome:{actor.workspace}:{actor.platform_user_id}"
            reply, lang = await self._turns.handle(actor, Command(text=GREETING), key)
            if not reply.duplicate:
                await self._replies.answer(turn_context, reply, lang)
        except Exception as error:
            await self._replies.failed(turn_context, "greeting", error, actor.locale)
