"""Interactivity: a button pressed (``block_actions``) and a modal submitted
(``view_submission``), as the core's ``ButtonPressed`` and ``FormSubmitted``.

``button_event`` and ``submission_event`` are the translations (payload in, neutral event out);
the listeners around them handle Slack's timing:

* A button is acked first; the core runs after, and a form it answers with opens with the
  click's ``trigger_id`` (pushed onto the modal when the button was in one).
* A modal submission is answered in its ack (field errors must go back in it). The turn runs
  with the bare actor (no ``users.info`` first, no workspace bookkeeping first) and gets
  ``answer_within``; if it takes longer, the modal is closed with a plain ack and the outcome
  (messages, or the fields' errors with "nothing was saved") goes to the person's DM.
* Any failure is logged by type and the person is told something went wrong; a submission is
  always acked.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.slack.actions import REOPEN, neutral_action
from bot.slack.activity import Activity
from bot.slack.actors import Known, user_of, workspace_of
from bot.slack.modals import field_errors, form_identity, form_values
from bot.slack.mrkdwn import mention_tokens
from bot.slack.people import bare_actor
from bot.slack.replies import Ack, Replies, Respond
from bot.slack.turns import Turns
from bot.slack.words import words
from conversations.events import ButtonPressed, Command, Event, FormSubmitted, HomeOpened
from conversations.messages import Message, Reply, Section, text

log = logging.getLogger("mentorbot.slack")


def button_event(body: dict[str, Any]) -> Event:
    """A ``block_actions`` payload as the core's event: the pressed button's action and value
    (a select's chosen option), or, for the adapter's own "open the form" button, the command
    it runs again."""
    pressed = (body.get("actions") or [{}])[0]
    action = neutral_action(str(pressed.get("action_id") or ""))
    value = str(pressed.get("value") or (pressed.get("selected_option") or {}).get("value") or "")
    if action == REOPEN:
        return Command(text=value, mentions=mention_tokens(value))
    return ButtonPressed(action=action, value=value)


def submission_event(body: dict[str, Any]) -> FormSubmitted:
    """A ``view_submission`` payload as the core's event: the form's id and context from the
    modal's metadata, and what each field holds."""
    view = body.get("view") or {}
    form_id, context = form_identity(str(view.get("private_metadata") or ""))
    values = form_values((view.get("state") or {}).get("values") or {})
    return FormSubmitted(form_id=form_id, values=values, context=context)


class Interactivity:
    def __init__(self, turns: Turns, replies: Replies, activity: Activity) -> None:
        self._turns = turns
        self._replies = replies
        self._activity = activity

    async def button(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        async with self._activity.track():
            deadline = self._turns.deadline()
            team, user = workspace_of(body), user_of(body)
            who = await self._turns.who(team, user, deadline)
            known = who.known
            try:
                event = button_event(body)
                pressed = (body.get("actions") or [{}])[0]
                key = f"slack:action:{team}:{user}:{pressed.get('action_ts', '')}"
                view = body.get("view") or {}
                push = view.get("type") == "modal"
                trigger = str(body.get("trigger_id") or "")
                refused = await self._turns.people_named(who, event, deadline)  # a reopened command
                if refused is not None:
                    reply, loading = refused, None
                else:
                    reply, loading = await self._turns.turn(
                        known, event, key=key, trigger=trigger, deadline=deadline, push=push
                    )
                await self._replies.show_form(reply, loading, trigger, known, push=push)
                if not reply.duplicate:
                    await self._replies.answer_in_place(body, respond, known, reply.messages)
                    if view.get("type") == "home":
                        home = await self._turns.handle(known.actor, HomeOpened())
                        await self._replies.publish_home(known, home)
            except Exception as error:
                await self._replies.failed("button", error, known)
            await self._turns.after(who)

    async def view_submission(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        async with self._activity.track():
            acked = False

            async def answer(**kwargs: Any) -> None:
                nonlocal acked
                if not acked:
                    acked = True
                    await ack(**kwargs)

            team, user = workspace_of(body), user_of(body)
            known = Known(bare_actor(team, user), self._turns.default_locale)
            try:
                event = submission_event(body)
                # Whose submission it is belongs in its key: a forged one with another
                # workspace's (or person's) view id must not use up theirs.
                key = f"slack:view:{team}:{user}:{view.get('id', '')}:{view.get('hash', '')}"
                turn = asyncio.ensure_future(
                    asyncio.to_thread(self._turns.handle_then_lang, known.actor, event, key)
                )
                await asyncio.wait({turn}, timeout=self._turns.timing.answer_within)
                if not turn.done():
                    await answer()  # closes the modal; the outcome follows in the DM
                    log.info("event=slack_submission_late form=%s", event.form_id[:50])
                reply, lang = await turn
                known = Known(known.actor, lang)
                if acked:
                    if not reply.duplicate:
                        await self._replies.post_dm(known, _late_outcome(reply, lang))
                else:
                    await self._answer_submission(answer, reply, event.values, known)
            except Exception as error:
                await answer()
                await self._replies.failed("view_submission", error, known)
            finally:
                await answer()
            # After the answer: the workspace bookkeeping and, at first contact, the profile.
            await self._turns.after(await self._turns.who(team, user, deadline=None))

    async def _answer_submission(
        self, answer: Ack, reply: Reply, values: dict[str, str], known: Known
    ) -> None:
        if reply.errors:
            await answer(response_action="errors", errors=field_errors(values, reply.errors))
            return
        messages = list(reply.messages)
        if reply.form is not None and not reply.duplicate:
            view = self._replies.modal(reply.form, known)
            if view is not None:
                await answer(response_action="update", view=view)
            else:
                messages.append(text(words(known.lang)["form_unavailable"]))
        await answer()
        if not reply.duplicate:
            await self._replies.post_dm(known, messages)


def _late_outcome(reply: Reply, lang: str) -> list[Message]:
    """A submission answered after its modal was closed: what the person sees in their DM."""
    messages = list(reply.messages)
    if reply.errors:
        listed = "\n".join(f"• {error}" for error in reply.errors.values())
        messages.append(Message(title=words(lang)["not_saved"], sections=(Section(text=listed),)))
    elif reply.form is not None:
        messages.append(text(words(lang)["form_later"]))
    return messages
