"""Bolt listeners: each acks, turns a Slack payload into a neutral event, hands it to the
core, and shows the reply the Slack way. No programme logic lives here.

Slack's 3-second rule: slash commands and buttons are acked first and the core runs after;
a modal submission is answered in its ack (field errors must go back in it), which the core's
one SQL transaction allows. Modals are opened right after the core answers, while the
interaction's trigger_id is still valid.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.activity import Activity
from bot.slack.actors import Actors, Known
from bot.slack.api_errors import classify
from bot.slack.delivery import SlackDelivery
from bot.slack.limits import BUTTON_VALUE
from bot.slack.mrkdwn import incoming, mention_tokens
from bot.slack.render import (
    clip,
    field_errors,
    form_identity,
    form_values,
    home_view,
    message_payload,
    modal_view,
    neutral_action,
)
from bot.slack.workspaces import Workspaces
from conversations.config import CoreConfig
from conversations.delivery_status import report_failure
from conversations.events import (
    Actor,
    ButtonPressed,
    Command,
    Event,
    FormSubmitted,
    HomeOpened,
    TextReceived,
)
from conversations.messages import Button, Form, Message, Reply, Section
from conversations.ports import Clock, PermanentError, Store
from conversations.records import AuditEntry, Person

log = logging.getLogger("mentorbot.slack")

# A button the adapter adds itself: a typed command whose answer is a form (a DM cannot open
# a modal, a click can) offers it as a button that runs the same command again.
REOPEN = "slack.command"
RESPONSE_URL_LIMIT = 5  # Slack accepts five responses per response_url

Ack = Callable[..., Awaitable[Any]]
Respond = Callable[..., Awaitable[Any]]


class Core(Protocol):
    """What the adapter needs of ``conversations.engine.Engine``."""

    clock: Clock
    config: CoreConfig

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply: ...


class SlackListeners:
    def __init__(
        self,
        core: Core,
        store: Store,
        client: AsyncWebClient,
        delivery: SlackDelivery,
        workspaces: Workspaces,
        activity: Activity,
    ) -> None:
        self._core = core
        self._store = store
        self._client = client
        self._delivery = delivery
        self._workspaces = workspaces
        self._activity = activity
        self._actors = Actors(client, store, core.config.default_locale)

    # Listeners ---------------------------------------------------------------------------

    async def slash_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        async with self._activity.track():
            text, mentions = incoming(str(body.get("text") or ""))
            known = await self._who(str(body.get("team_id") or ""), str(body["user_id"]))
            reply = await self._handle(known.actor, Command(text=text, mentions=mentions))
            if reply.form is not None:
                await self._open_modal(str(body.get("trigger_id") or ""), reply.form, known)
            shown = reply.messages[:RESPONSE_URL_LIMIT]
            for message in shown:
                await self._safely(
                    "response_url",
                    respond(response_type="ephemeral", **message_payload(message, lang=known.lang)),
                )
            await self._post_dm(known, reply.messages[RESPONSE_URL_LIMIT:])

    async def direct_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._activity.track():
            if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
                return
            text, mentions = incoming(str(event.get("text") or ""))
            if not text or "user" not in event:
                return
            team = str(body.get("team_id") or event.get("team") or "")
            known = await self._who(team, str(event["user"]))
            reply = await self._handle(
                known.actor, TextReceived(text=text, mentions=mentions), key=_event_key(body)
            )
            if reply.duplicate:
                return
            messages = list(reply.messages)
            if reply.form is not None:
                messages.append(_form_offer(reply.form, text))
            channel = str(event["channel"])
            for message in messages:
                await self._post(channel, message, known)

    async def button(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        async with self._activity.track():
            pressed = body["actions"][0]
            action = neutral_action(str(pressed.get("action_id") or ""))
            value = str(
                pressed.get("value") or (pressed.get("selected_option") or {}).get("value") or ""
            )
            event: Event = (
                Command(text=value, mentions=mention_tokens(value))
                if action == REOPEN
                else ButtonPressed(action=action, value=value)
            )
            known = await self._who(_team(body), str(body["user"]["id"]))
            key = f"slack:action:{_team(body)}:{body['user']['id']}:{pressed.get('action_ts', '')}"
            reply = await self._handle(known.actor, event, key=key)
            if reply.duplicate:
                return
            view = body.get("view") or {}
            if reply.form is not None:
                await self._open_modal(
                    str(body.get("trigger_id") or ""),
                    reply.form,
                    known,
                    push=view.get("type") == "modal",
                )
            await self._answer_in_place(body, respond, known, reply.messages)
            if view.get("type") == "home":
                await self._publish_home(known)

    async def view_submission(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        async with self._activity.track():
            form_id, context = form_identity(str(view.get("private_metadata") or ""))
            values = form_values((view.get("state") or {}).get("values") or {})
            known = await self._who(_team(body), str(body["user"]["id"]))
            key = f"slack:view:{view.get('id', '')}:{view.get('hash', '')}"
            reply = await self._handle(
                known.actor, FormSubmitted(form_id=form_id, values=values, context=context), key=key
            )
            if reply.errors:
                await ack(response_action="errors", errors=field_errors(values, reply.errors))
                return
            if reply.form is not None and not reply.duplicate:
                await ack(
                    response_action="update", view=modal_view(reply.form, lang=known.lang).to_dict()
                )
            else:
                await ack()
            if not reply.duplicate:
                await self._post_dm(known, reply.messages)

    async def home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._activity.track():
            if event.get("tab") != "home":
                return
            known = await self._who(str(body.get("team_id") or ""), str(event["user"]))
            await self._publish_home(known, key=_event_key(body))

    async def app_uninstalled(self, body: dict[str, Any]) -> None:
        async with self._activity.track():
            await asyncio.to_thread(
                self._workspaces.revoke, str(body.get("team_id") or ""), "app_uninstalled"
            )

    async def tokens_revoked(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._activity.track():
            if (event.get("tokens") or {}).get("bot"):
                await asyncio.to_thread(
                    self._workspaces.revoke, str(body.get("team_id") or ""), "tokens_revoked"
                )

    # Showing replies ---------------------------------------------------------------------

    async def _who(self, team: str, user: str) -> Known:
        await asyncio.to_thread(self._workspaces.seen, team)
        return await self._actors.resolve(team, user)

    async def _handle(self, actor: Actor, event: Event, *, key: str | None = None) -> Reply:
        return await asyncio.to_thread(self._core.handle, actor, event, event_key=key)

    async def _open_modal(
        self, trigger_id: str, form: Form, known: Known, *, push: bool = False
    ) -> None:
        view = modal_view(form, lang=known.lang)
        if push:
            await self._safely(
                "views.push", self._client.views_push(trigger_id=trigger_id, view=view)
            )
        else:
            await self._safely(
                "views.open", self._client.views_open(trigger_id=trigger_id, view=view)
            )

    async def _publish_home(self, known: Known, *, key: str | None = None) -> None:
        reply = await self._handle(known.actor, HomeOpened(), key=key)
        if reply.duplicate:
            return
        view = home_view(reply.messages, lang=known.lang)
        await self._safely(
            "views.publish",
            self._client.views_publish(user_id=known.actor.platform_user_id, view=view),
        )

    async def _answer_in_place(
        self, body: dict[str, Any], respond: Respond, known: Known, messages: Sequence[Message]
    ) -> None:
        """After a button: in the DM where it was pressed; ephemerally in a group DM (only the
        presser sees it); from the Home tab or a modal, in the person's DM."""
        channel = str((body.get("channel") or {}).get("id") or "")
        if channel.startswith("D"):
            for message in messages:
                await self._post(channel, message, known)
        elif channel and body.get("response_url"):
            for message in messages[:RESPONSE_URL_LIMIT]:
                await self._safely(
                    "response_url",
                    respond(
                        response_type="ephemeral",
                        replace_original=False,
                        **message_payload(message, lang=known.lang),
                    ),
                )
            await self._post_dm(known, messages[RESPONSE_URL_LIMIT:])
        else:
            await self._post_dm(known, messages)

    async def _post_dm(self, known: Known, messages: Sequence[Message]) -> None:
        if not messages:
            return
        channel = await self._safely(
            "conversations.open",
            self._delivery.conversation([known.actor.platform_user_id]),
            known,
        )
        if channel:
            for message in messages:
                await self._post(str(channel), message, known)

    async def _post(self, channel: str, message: Message, known: Known) -> None:
        await self._safely(
            "chat.postMessage",
            self._client.chat_postMessage(
                channel=channel, **message_payload(message, lang=known.lang)
            ),
            known,
        )

    async def _safely(
        self, what: str, call: Awaitable[Any], known: Known | None = None
    ) -> Any | None:
        """Run one Slack call; a failure is logged, never raised. A permanent one is audited
        and, when it kept a reply from reaching a person, reported to their coordinator."""
        try:
            return await call
        except Exception as error:
            failure = classify(error)
            log.warning("event=slack_call_failed call=%s error=%s", what, failure)
            if isinstance(failure, PermanentError):
                await asyncio.to_thread(self._record_failure, what, str(failure), known)
            return None

    def _record_failure(self, what: str, reason: str, known: Known | None) -> None:
        now = self._core.clock.now()
        with self._store.transaction() as repo:
            person = None
            if known is not None:
                actor = known.actor
                person = repo.first(
                    Person,
                    platform=actor.platform,
                    workspace=actor.workspace,
                    platform_user_id=actor.platform_user_id,
                )
            repo.add(
                AuditEntry(
                    at=now,
                    actor_id=person.id if person else None,
                    action="slack.call_failed",
                    subject=what,
                    detail={"error": reason},
                )
            )
            if person is not None:  # once a day per person and call is enough
                key = f"slack-reply:{person.id}:{what}:{now.date().isoformat()}"
                report_failure(repo, key=key, error=reason, now=now, person_id=person.id)


def _team(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or (body.get("user") or {}).get("team_id") or "")


def _event_key(body: dict[str, Any]) -> str | None:
    event_id = body.get("event_id")
    return f"slack:{event_id}" if event_id else None


def _form_offer(form: Form, command_text: str) -> Message:
    """A form asked for in a DM (no trigger_id there): a button that opens it."""
    sections = (Section(text=form.intro),) if form.intro else ()
    button = Button(
        label=form.title, action=REOPEN, value=clip(command_text, BUTTON_VALUE), style="primary"
    )
    return Message(title=form.title, sections=sections, buttons=(button,))
