"""Showing the core's replies the Slack way: messages in a DM or an ephemeral answer, forms as
modals (or in the loading modal opened while the core worked), the Home tab. Files that come
with a message are shared right after it; after an ephemeral answer (which cannot carry a file)
they are shared in the person's DM.

Every Slack call goes through ``Replies.safely``: a failure (rendering included) is logged by
its Slack error code or type, never raised. A permanent one is audited and, when it kept an
answer from reaching a person, reported to their coordinator (at most once a day per person
and call).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.slack.actors import Known
from bot.slack.api_errors import classify
from bot.slack.clients import SlackClients
from bot.slack.delivery import SlackDelivery
from bot.slack.files import files_of, share_files
from bot.slack.home import home_view
from bot.slack.messages import message_payload
from bot.slack.modals import answer_view, modal_view
from bot.slack.people import find_person
from bot.slack.response_urls import Respond as Respond
from bot.slack.response_urls import ResponseUrls
from bot.slack.words import words
from conversations.failure_notes import report_failure
from conversations.messages import File, Form, Message, Reply, text
from conversations.ports import Clock, PermanentError, Store
from conversations.records import AuditEntry

log = logging.getLogger("mentorbot.slack")

RESPONSE_URL_LIMIT = 5  # Slack accepts five responses per response_url

Ack = Callable[..., Awaitable[Any]]


def kind(error: BaseException) -> str:
    """What a log line may say about an exception: its type, never its text."""
    return type(error).__name__


def ephemeral_payload(message: Message, lang: str) -> dict[str, Any]:
    """An answer only the person sees, as sent to ``response_url`` or in a command's ack."""
    return {"response_type": "ephemeral", **message_payload(message, lang=lang)}


def ephemeral(
    respond: Respond, message: Message, lang: str, **extra: Any
) -> Callable[[], Awaitable[Any]]:
    """A response_url answer only the person sees, rendered when it is sent."""
    return lambda: respond(**extra, **ephemeral_payload(message, lang))


class Replies:
    def __init__(
        self,
        clients: SlackClients,
        delivery: SlackDelivery,
        store: Store,
        clock: Clock,
        response_urls: ResponseUrls | None = None,
    ) -> None:
        self.response_urls = response_urls or ResponseUrls(clients.base)
        self._clients = clients
        self._delivery = delivery
        self._store = store
        self._clock = clock

    # Forms and views ---------------------------------------------------------------------

    async def show_form(
        self, reply: Reply, loading: str | None, trigger: str, known: Known, *, push: bool = False
    ) -> None:
        """Open the reply's form (or fill the loading modal with it, or with the answer)."""
        if reply.form is None or reply.duplicate:
            if loading is not None:
                view = answer_view(reply.messages, lang=known.lang).to_dict()
                await self.update_view(known, loading, view)
            return
        form_view = self.modal(reply.form, known)
        if form_view is None:
            message = text(words(known.lang)["form_unavailable"])
            if loading is not None:
                view = answer_view([message], lang=known.lang).to_dict()
                await self.update_view(known, loading, view)
            await self.post_dm(known, [message])
        elif loading is not None:
            await self.update_view(known, loading, form_view)
        else:
            await self.open_view(known, trigger, form_view, push)

    def modal(self, form: Form, known: Known) -> dict[str, Any] | None:
        """The form as a modal, or None (logged) when Slack could not show it."""
        try:
            return modal_view(form, lang=known.lang).to_dict()
        except Exception as error:
            log.warning(
                "event=slack_form_not_shown form=%s error=%s", form.form_id[:50], kind(error)
            )
            return None

    async def open_view(
        self, known: Known, trigger: str, view: dict[str, Any], push: bool
    ) -> str | None:
        """Open (or push onto a modal) ``view``; its id, or None when Slack refused."""
        team = known.actor.workspace
        if push:
            response = await self.safely(
                "views.push",
                lambda: self._clients.call(
                    team, lambda c: c.views_push(trigger_id=trigger, view=view)
                ),
            )
        else:
            response = await self.safely(
                "views.open",
                lambda: self._clients.call(
                    team, lambda c: c.views_open(trigger_id=trigger, view=view)
                ),
            )
        try:
            return str(response["view"]["id"]) if response is not None else None
        except (KeyError, TypeError):
            return None

    async def update_view(self, known: Known, view_id: str, view: dict[str, Any]) -> None:
        await self.safely(
            "views.update",
            lambda: self._clients.call(
                known.actor.workspace, lambda c: c.views_update(view_id=view_id, view=view)
            ),
        )

    async def publish_home(self, known: Known, reply: Reply) -> None:
        """The core's answer to ``HomeOpened`` as the person's Home tab."""
        if reply.duplicate:
            return
        await self.safely(
            "views.publish",
            lambda: self._clients.call(
                known.actor.workspace,
                lambda c: c.views_publish(
                    user_id=known.actor.platform_user_id,
                    view=home_view(reply.messages, lang=known.lang),
                ),
            ),
        )

    # Messages ----------------------------------------------------------------------------

    async def answer_in_place(
        self, body: dict[str, Any], respond: Respond, known: Known, messages: Sequence[Message]
    ) -> None:
        """After a button: in the DM where it was pressed; ephemerally in a group DM (only the
        presser sees it); from the Home tab or a modal, in the person's DM."""
        channel = str((body.get("channel") or {}).get("id") or "")
        respond = self.response_urls.responder(body, respond)
        if channel.startswith("D"):
            for message in messages:
                await self.post(channel, message, known)
        elif channel and body.get("response_url"):
            for message in messages[:RESPONSE_URL_LIMIT]:
                await self.safely(
                    "response_url",
                    ephemeral(respond, message, known.lang, replace_original=False),
                )
            await self.files_to_dm(known, messages[:RESPONSE_URL_LIMIT])
            await self.post_dm(known, messages[RESPONSE_URL_LIMIT:])
        else:
            await self.post_dm(known, messages)

    async def dm_channel(self, known: Known) -> str | None:
        """The person's direct message with the bot (opened if need be)."""
        channel = await self.safely(
            "conversations.open",
            lambda: self._delivery.conversation(
                known.actor.workspace, [known.actor.platform_user_id]
            ),
            known,
        )
        return str(channel) if channel else None

    async def post_dm(self, known: Known, messages: Sequence[Message]) -> None:
        if not messages:
            return
        channel = await self.dm_channel(known)
        if channel:
            for message in messages:
                await self.post(channel, message, known)

    async def post(self, channel: str, message: Message, known: Known) -> None:
        posted = await self.safely(
            "chat.postMessage",
            lambda: self._clients.call(
                known.actor.workspace,
                lambda c: c.chat_postMessage(
                    channel=channel, **message_payload(message, lang=known.lang)
                ),
            ),
            known,
        )
        if posted is not None and message.files:
            await self.share(channel, message.files, known)

    async def files_to_dm(self, known: Known, messages: Sequence[Message]) -> None:
        """The files of messages answered ephemerally, shared in the person's DM."""
        files = files_of(messages)
        if not files:
            return
        channel = await self.dm_channel(known)
        if channel:
            await self.share(channel, files, known)

    async def share(self, channel: str, files: Sequence[File], known: Known) -> None:
        await self.safely(
            "files.upload",
            lambda: self._clients.call(
                known.actor.workspace, lambda c: share_files(c, channel, files)
            ),
            known,
        )

    async def failed(self, listener: str, error: Exception, known: Known) -> None:
        """A listener's own failure: logged by type (never its text), and the person told."""
        log.error("event=slack_listener_failed listener=%s error=%s", listener, kind(error))
        await self.post_dm(known, [text(words(known.lang)["error"])])

    # Failures ----------------------------------------------------------------------------

    async def safely(
        self, what: str, call: Callable[[], Awaitable[Any]], known: Known | None = None
    ) -> Any | None:
        """Build and run one Slack call; a failure (rendering included) is logged, never
        raised. A permanent one is audited and, when it kept a reply from reaching a person,
        reported to their coordinator."""
        try:
            return await call()
        except Exception as error:
            failure = classify(error)
            log.warning("event=slack_call_failed call=%s error=%s", what, failure)
            if isinstance(failure, PermanentError):
                try:
                    await asyncio.to_thread(self._record_failure, what, str(failure), known)
                except Exception as unrecorded:
                    log.error(
                        "event=slack_call_failure_not_recorded call=%s error=%s",
                        what,
                        kind(unrecorded),
                    )
            return None

    def _record_failure(self, what: str, reason: str, known: Known | None) -> None:
        now = self._clock.now()
        with self._store.transaction() as repo:
            person = None
            if known is not None:
                actor = known.actor
                person = find_person(repo, actor.workspace or "", actor.platform_user_id)
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
