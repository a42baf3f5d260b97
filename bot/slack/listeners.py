"""Bolt listeners: each acks, turns a Slack payload into a neutral event, hands it to the
core, and shows the reply the Slack way. No programme logic lives here.

Slack's 3-second rule, as handled here (``Timing`` holds the numbers):

* Slash commands, buttons and events are acked first; the core runs after.
* A modal can only be opened with the interaction's ``trigger_id``, which expires three seconds
  after the click. Before the turn, ``users.info`` (first contact only) is waited on for at most
  ``profile_wait``; the turn then gets what is left of ``answer_within`` (2 s from the start).
  If it is not done by then, a small "one moment" modal is opened with the trigger at once and
  replaced (``views.update``) by the form, or by the answer, when the turn ends. A profile that
  came too late is filled in after the turn.
* A modal submission is answered in its ack (field errors must go back in it). The turn runs
  with the bare actor (no ``users.info`` first, no workspace bookkeeping first) and gets
  ``answer_within``; if it takes longer, the modal is closed with a plain ack and the outcome
  (messages, or the fields' errors with "nothing was saved") goes to the person's DM.
* Any failure in a listener is logged by type and the person is told something went wrong; a
  submission is always acked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.actions import REOPEN, neutral_action
from bot.slack.activity import Activity
from bot.slack.actors import Actors, Known
from bot.slack.api_errors import classify
from bot.slack.delivery import SlackDelivery
from bot.slack.home import home_view
from bot.slack.limits import BUTTON_VALUE, clip
from bot.slack.messages import message_payload
from bot.slack.modals import (
    answer_view,
    field_errors,
    form_identity,
    form_values,
    loading_view,
    modal_view,
)
from bot.slack.mrkdwn import incoming, mention_tokens
from bot.slack.people import bare_actor, find_person
from bot.slack.words import words
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
from conversations.messages import Button, Form, Message, Reply, Section, text
from conversations.ports import Clock, PermanentError, Repo, Store
from conversations.records import AuditEntry, Person

log = logging.getLogger("mentorbot.slack")

RESPONSE_URL_LIMIT = 5  # Slack accepts five responses per response_url

Ack = Callable[..., Awaitable[Any]]
Respond = Callable[..., Awaitable[Any]]


class Core(Protocol):
    """What the adapter needs of ``conversations.engine.Engine``."""

    clock: Clock
    config: CoreConfig

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply: ...

    def ensure_person(self, repo: Repo, actor: Actor) -> Person: ...


@dataclass(frozen=True)
class Timing:
    """Seconds a listener gives its slow parts, inside Slack's three."""

    answer_within: float = 2.0  # the turn, before a loading modal or a plain ack
    profile_wait: float = 0.5  # users.info at first contact, before the turn


@dataclass
class Who:
    """The person behind an interaction, and their profile lookup if it is still running."""

    team: str
    known: Known
    lookup: asyncio.Future[Actor] | None = None


class SlackListeners:
    def __init__(
        self,
        core: Core,
        store: Store,
        client: AsyncWebClient,
        delivery: SlackDelivery,
        workspaces: Workspaces,
        activity: Activity,
        timing: Timing | None = None,
    ) -> None:
        self._core = core
        self._store = store
        self._client = client
        self._delivery = delivery
        self._workspaces = workspaces
        self._activity = activity
        self._actors = Actors(client, store, core.config.default_locale)
        self.timing = timing or Timing()

    # Listeners ---------------------------------------------------------------------------

    async def slash_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        async with self._activity.track():
            deadline = self._deadline()
            who = await self._who(
                str(body.get("team_id") or ""), str(body.get("user_id") or ""), deadline
            )
            known = who.known
            try:
                words_in, mentions = incoming(str(body.get("text") or ""))
                reply, loading = await self._turn(
                    known,
                    Command(text=words_in, mentions=mentions),
                    trigger=str(body.get("trigger_id") or ""),
                    deadline=deadline,
                )
                await self._show_form(reply, loading, str(body.get("trigger_id") or ""), known)
                for message in reply.messages[:RESPONSE_URL_LIMIT]:
                    await self._safely("response_url", _ephemeral(respond, message, known.lang))
                await self._post_dm(known, reply.messages[RESPONSE_URL_LIMIT:])
            except Exception as error:
                await self._failed("slash_command", error, known)
            await self._after(who)

    async def direct_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._activity.track():
            if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
                return
            typed, mentions = incoming(str(event.get("text") or ""))
            if not typed or "user" not in event:
                return
            team = str(body.get("team_id") or event.get("team") or "")
            who = await self._who(team, str(event["user"]), self._deadline())
            known = who.known
            try:
                reply = await self._handle(
                    known.actor, TextReceived(text=typed, mentions=mentions), key=_event_key(body)
                )
                if not reply.duplicate:
                    messages = list(reply.messages)
                    if reply.form is not None:
                        messages.append(_form_offer(reply.form, typed))
                    channel = str(event.get("channel") or "")
                    for message in messages:
                        await self._post(channel, message, known)
            except Exception as error:
                await self._failed("direct_message", error, known)
            await self._after(who)

    async def button(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        async with self._activity.track():
            deadline = self._deadline()
            user = str((body.get("user") or {}).get("id") or "")
            who = await self._who(_team(body), user, deadline)
            known = who.known
            try:
                pressed = (body.get("actions") or [{}])[0]
                action = neutral_action(str(pressed.get("action_id") or ""))
                value = str(
                    pressed.get("value")
                    or (pressed.get("selected_option") or {}).get("value")
                    or ""
                )
                event: Event = (
                    Command(text=value, mentions=mention_tokens(value))
                    if action == REOPEN
                    else ButtonPressed(action=action, value=value)
                )
                key = f"slack:action:{_team(body)}:{user}:{pressed.get('action_ts', '')}"
                view = body.get("view") or {}
                push = view.get("type") == "modal"
                trigger = str(body.get("trigger_id") or "")
                reply, loading = await self._turn(
                    known, event, key=key, trigger=trigger, deadline=deadline, push=push
                )
                await self._show_form(reply, loading, trigger, known, push=push)
                if not reply.duplicate:
                    await self._answer_in_place(body, respond, known, reply.messages)
                    if view.get("type") == "home":
                        await self._publish_home(known)
            except Exception as error:
                await self._failed("button", error, known)
            await self._after(who)

    async def view_submission(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        async with self._activity.track():
            acked = False

            async def answer(**kwargs: Any) -> None:
                nonlocal acked
                if not acked:
                    acked = True
                    await ack(**kwargs)

            team, user = _team(body), str((body.get("user") or {}).get("id") or "")
            known = Known(bare_actor(team, user), self._actors.default_locale)
            try:
                form_id, context = form_identity(str(view.get("private_metadata") or ""))
                values = form_values((view.get("state") or {}).get("values") or {})
                key = f"slack:view:{view.get('id', '')}:{view.get('hash', '')}"
                event = FormSubmitted(form_id=form_id, values=values, context=context)
                turn = asyncio.ensure_future(
                    asyncio.to_thread(self._turn_and_lang, known.actor, event, key)
                )
                await asyncio.wait({turn}, timeout=self.timing.answer_within)
                if not turn.done():
                    await answer()  # closes the modal; the outcome follows in the DM
                    log.info("event=slack_submission_late form=%s", form_id[:50])
                reply, lang = await turn
                known = Known(known.actor, lang)
                if acked:
                    if not reply.duplicate:
                        await self._post_dm(known, _late_outcome(reply, lang))
                else:
                    await self._answer_submission(answer, reply, values, known)
            except Exception as error:
                await answer()
                await self._failed("view_submission", error, known)
            finally:
                await answer()
            # After the answer: the workspace bookkeeping and, at first contact, the profile.
            await self._after(await self._who(team, user, deadline=None))

    async def home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._activity.track():
            if event.get("tab") != "home":
                return
            who = await self._who(
                str(body.get("team_id") or ""), str(event.get("user") or ""), self._deadline()
            )
            try:
                await self._publish_home(who.known, key=_event_key(body))
            except Exception as error:
                log.error("event=slack_listener_failed listener=home error=%s", _kind(error))
            await self._after(who)

    async def app_uninstalled(self, body: dict[str, Any]) -> None:
        async with self._activity.track():
            await self._revoke(str(body.get("team_id") or ""), "app_uninstalled")

    async def tokens_revoked(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._activity.track():
            if (event.get("tokens") or {}).get("bot"):
                await self._revoke(str(body.get("team_id") or ""), "tokens_revoked")

    # The person and the turn -------------------------------------------------------------

    def _deadline(self) -> float:
        return asyncio.get_running_loop().time() + self.timing.answer_within

    async def _who(self, team: str, user: str, deadline: float | None) -> Who:
        """The person (database), and at first contact their Slack profile, waited on until
        ``deadline`` for at most ``profile_wait`` (``None``: not waited on at all). Never
        raises: with the database unreachable they are taken as a first contact."""
        try:
            known, missing = await asyncio.to_thread(self._actors.known, team, user)
        except Exception as error:
            log.warning("event=slack_person_lookup_failed user=%s error=%s", user, _kind(error))
            known, missing = Known(bare_actor(team, user), self._actors.default_locale), True
        who = Who(team, known)
        if not missing:
            return who
        lookup = asyncio.ensure_future(self._actors.profile(known.actor))
        if deadline is not None:
            left = deadline - asyncio.get_running_loop().time()
            wait = min(self.timing.profile_wait, left)
            if wait > 0:
                await asyncio.wait({lookup}, timeout=wait)
        if lookup.done():
            who.known = self._actors.with_profile(known, lookup.result())
        else:
            who.lookup = lookup
        return who

    async def _after(self, who: Who) -> None:
        """Slow bookkeeping after the answer: the workspace is installed, and a profile that
        arrived after the turn is stored (``Engine.ensure_person`` fills it in)."""
        try:
            await asyncio.to_thread(self._workspaces.seen, who.team)
        except Exception as error:
            log.warning("event=slack_workspace_seen_failed error=%s", _kind(error))
        if who.lookup is None:
            return
        actor = await who.lookup
        if not actor.display_name:
            return
        try:
            await asyncio.to_thread(self._fill_profile, actor)
        except Exception as error:
            log.warning(
                "event=slack_profile_not_saved user=%s error=%s",
                actor.platform_user_id,
                _kind(error),
            )

    def _fill_profile(self, actor: Actor) -> None:
        """Store a late profile. A language or time zone the person already changed from the
        defaults (e.g. in the settings form they just submitted) is theirs and stays."""
        config = self._core.config
        with self._store.transaction() as repo:
            person = find_person(repo, actor.workspace or "", actor.platform_user_id)
            if person is None:
                return
            if person.locale != config.default_locale:
                actor = replace(actor, locale=None)
            if person.timezone != config.default_timezone:
                actor = replace(actor, timezone=None)
            self._core.ensure_person(repo, actor)

    async def _handle(self, actor: Actor, event: Event, *, key: str | None = None) -> Reply:
        return await asyncio.to_thread(self._core.handle, actor, event, event_key=key)

    def _turn_and_lang(self, actor: Actor, event: Event, key: str) -> tuple[Reply, str]:
        """One turn, then the person's language (one thread, inside the submission's time)."""
        reply = self._core.handle(actor, event, event_key=key)
        try:
            with self._store.transaction() as repo:
                person = find_person(repo, actor.workspace or "", actor.platform_user_id)
        except Exception as error:
            log.warning("event=slack_person_lookup_failed error=%s", _kind(error))
            person = None
        return reply, person.locale if person is not None else self._actors.default_locale

    async def _turn(
        self,
        known: Known,
        event: Event,
        *,
        trigger: str,
        deadline: float,
        key: str | None = None,
        push: bool = False,
    ) -> tuple[Reply, str | None]:
        """The turn, and the id of a loading modal opened with ``trigger`` if the turn was
        not done by ``deadline`` (the trigger would have expired by the time it is)."""
        turn = asyncio.ensure_future(self._handle(known.actor, event, key=key))
        if not trigger:
            return await turn, None
        left = deadline - asyncio.get_running_loop().time()
        await asyncio.wait({turn}, timeout=max(0.0, left))
        loading: str | None = None
        if not turn.done():
            log.info("event=slack_turn_slow loading_modal=true")
            loading = await self._open_view(trigger, loading_view(lang=known.lang).to_dict(), push)
        return await turn, loading

    # Showing replies ---------------------------------------------------------------------

    async def _show_form(
        self, reply: Reply, loading: str | None, trigger: str, known: Known, *, push: bool = False
    ) -> None:
        """Open the reply's form (or fill the loading modal with it, or with the answer)."""
        if reply.form is None or reply.duplicate:
            if loading is not None:
                view = answer_view(reply.messages, lang=known.lang).to_dict()
                await self._update_view(loading, view)
            return
        form_view = self._modal(reply.form, known)
        if form_view is None:
            message = text(words(known.lang)["form_unavailable"])
            if loading is not None:
                await self._update_view(loading, answer_view([message], lang=known.lang).to_dict())
            await self._post_dm(known, [message])
        elif loading is not None:
            await self._update_view(loading, form_view)
        else:
            await self._open_view(trigger, form_view, push)

    def _modal(self, form: Form, known: Known) -> dict[str, Any] | None:
        """The form as a modal, or None (logged) when Slack could not show it."""
        try:
            return modal_view(form, lang=known.lang).to_dict()
        except Exception as error:
            log.warning(
                "event=slack_form_not_shown form=%s error=%s", form.form_id[:50], _kind(error)
            )
            return None

    async def _open_view(self, trigger: str, view: dict[str, Any], push: bool) -> str | None:
        """Open (or push onto a modal) ``view``; its id, or None when Slack refused."""
        if push:
            response = await self._safely(
                "views.push", lambda: self._client.views_push(trigger_id=trigger, view=view)
            )
        else:
            response = await self._safely(
                "views.open", lambda: self._client.views_open(trigger_id=trigger, view=view)
            )
        try:
            return str(response["view"]["id"]) if response is not None else None
        except (KeyError, TypeError):
            return None

    async def _update_view(self, view_id: str, view: dict[str, Any]) -> None:
        await self._safely(
            "views.update", lambda: self._client.views_update(view_id=view_id, view=view)
        )

    async def _answer_submission(
        self, answer: Ack, reply: Reply, values: dict[str, str], known: Known
    ) -> None:
        if reply.errors:
            await answer(response_action="errors", errors=field_errors(values, reply.errors))
            return
        messages = list(reply.messages)
        if reply.form is not None and not reply.duplicate:
            view = self._modal(reply.form, known)
            if view is not None:
                await answer(response_action="update", view=view)
            else:
                messages.append(text(words(known.lang)["form_unavailable"]))
        await answer()
        if not reply.duplicate:
            await self._post_dm(known, messages)

    async def _publish_home(self, known: Known, *, key: str | None = None) -> None:
        reply = await self._handle(known.actor, HomeOpened(), key=key)
        if reply.duplicate:
            return
        await self._safely(
            "views.publish",
            lambda: self._client.views_publish(
                user_id=known.actor.platform_user_id,
                view=home_view(reply.messages, lang=known.lang),
            ),
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
                    _ephemeral(respond, message, known.lang, replace_original=False),
                )
            await self._post_dm(known, messages[RESPONSE_URL_LIMIT:])
        else:
            await self._post_dm(known, messages)

    async def _post_dm(self, known: Known, messages: Sequence[Message]) -> None:
        if not messages:
            return
        channel = await self._safely(
            "conversations.open",
            lambda: self._delivery.conversation([known.actor.platform_user_id]),
            known,
        )
        if channel:
            for message in messages:
                await self._post(str(channel), message, known)

    async def _post(self, channel: str, message: Message, known: Known) -> None:
        await self._safely(
            "chat.postMessage",
            lambda: self._client.chat_postMessage(
                channel=channel, **message_payload(message, lang=known.lang)
            ),
            known,
        )

    async def _failed(self, listener: str, error: Exception, known: Known) -> None:
        """A listener's own failure: logged by type (never its text), and the person told."""
        log.error("event=slack_listener_failed listener=%s error=%s", listener, _kind(error))
        await self._post_dm(known, [text(words(known.lang)["error"])])

    async def _revoke(self, team: str, reason: str) -> None:
        try:
            await asyncio.to_thread(self._workspaces.revoke, team, reason)
        except Exception as error:
            log.error("event=slack_revoke_failed team=%s error=%s", team, _kind(error))

    async def _safely(
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
                        _kind(unrecorded),
                    )
            return None

    def _record_failure(self, what: str, reason: str, known: Known | None) -> None:
        now = self._core.clock.now()
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


def _kind(error: BaseException) -> str:
    """What a log line may say about an exception: its type, never its text."""
    return type(error).__name__


def _team(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or (body.get("user") or {}).get("team_id") or "")


def _event_key(body: dict[str, Any]) -> str | None:
    event_id = body.get("event_id")
    return f"slack:{event_id}" if event_id else None


def _ephemeral(
    respond: Respond, message: Message, lang: str, **extra: Any
) -> Callable[[], Awaitable[Any]]:
    """A response_url answer only the person sees, rendered when it is sent."""
    return lambda: respond(
        response_type="ephemeral", **extra, **message_payload(message, lang=lang)
    )


def _late_outcome(reply: Reply, lang: str) -> list[Message]:
    """A submission answered after its modal was closed: what the person sees in their DM."""
    messages = list(reply.messages)
    if reply.errors:
        listed = "\n".join(f"• {error}" for error in reply.errors.values())
        messages.append(Message(title=words(lang)["not_saved"], sections=(Section(text=listed),)))
    elif reply.form is not None:
        messages.append(text(words(lang)["form_later"]))
    return messages


def _form_offer(form: Form, command_text: str) -> Message:
    """A form asked for in a DM (no trigger_id there): a button that opens it. The button
    runs the typed command again; a command too long for a button value is cut visibly."""
    sections = (Section(text=form.intro),) if form.intro else ()
    button = Button(
        label=form.title, action=REOPEN, value=clip(command_text, BUTTON_VALUE), style="primary"
    )
    return Message(title=form.title, sections=sections, buttons=(button,))
