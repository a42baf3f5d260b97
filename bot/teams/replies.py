"""Showing the core's reply in Teams: each message as one or more Adaptive Cards (and, after
them, each file it comes with as an attachment), a form as a card with inputs, and, after a
card's submit, that card updated in place (``update_activity``:
``PUT …/activities/{id}``) so that it cannot be sent twice by accident: done, refused with
the errors under the fields (values kept), or used before (stale)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.teams.activities import Route
from bot.teams.cards import CONTENT_TYPE, Card, form_card, message_cards, stale_card, used_card
from bot.teams.files import file_activities
from bot.teams.words import words
from conversations.i18n import normalise_locale
from conversations.messages import Form, Message, Reply, Section

log = logging.getLogger("mentorbot.teams")


def card_activity(card: Card, *, activity_id: str | None = None) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        id=activity_id,
        attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
    )


def message_activities(message: Message, lang: str) -> list[Activity]:
    """One message as the activities that show it: its cards, then one per file."""
    cards = [card_activity(card) for card in message_cards(message, lang=lang)]
    return cards + [a for file in message.files for a in file_activities(file, lang)]


def reply_activities(reply: Reply, lang: str) -> list[Activity]:
    """Everything a reply shows, in order: its messages, then its form."""
    shown = [a for message in reply.messages for a in message_activities(message, lang)]
    if reply.form is not None:
        shown.append(card_activity(form_card(reply.form, lang=lang)))
    return shown


async def rendered(reply: Reply, lang: str) -> list[Activity]:
    """``reply_activities``; with files off the event loop (fitting a chart into an activity
    redraws it: a few hundred milliseconds)."""
    if any(message.files for message in reply.messages):
        return await asyncio.to_thread(reply_activities, reply, lang)
    return reply_activities(reply, lang)


class Replies:
    async def answer(self, turn_context: TurnContext, reply: Reply, lang: str) -> None:
        for activity in await rendered(reply, lang):
            await turn_context.send_activity(activity)

    async def answer_card(
        self,
        turn_context: TurnContext,
        card_id: str,
        route: Route,
        reply: Reply,
        values: Mapping[str, str],
        lang: str,
    ) -> None:
        """A card was submitted: update it, then show what the core answered."""
        if reply.duplicate:
            await self._update(turn_context, card_id, stale_card(route, lang=lang))
            return
        if reply.errors:
            form = reply.form
            if form is not None and card_id:
                shown = form_card(form, lang=lang, values=values, errors=reply.errors)
                await self._update(turn_context, card_id, shown)
            else:
                await self.answer(turn_context, _errors_as_message(reply, form, lang), lang)
            return
        await self._update(turn_context, card_id, used_card(route, lang=lang))
        await self.answer(turn_context, reply, lang)

    async def _update(self, turn_context: TurnContext, card_id: str, card: Card) -> None:
        if not card_id:
            return
        try:
            await turn_context.update_activity(card_activity(card, activity_id=card_id))
        except Exception as error:  # the card stays as it was; the answer still follows
            log.warning("event=teams_card_update_failed error=%s", type(error).__name__)

    async def failed(
        self, turn_context: TurnContext, where: str, error: Exception, locale: str | None
    ) -> None:
        log.error("event=teams_listener_failed listener=%s error=%s", where, type(error).__name__)
        lang = normalise_locale(locale, "en")
        try:
            message = Message(sections=(Section(text=words(lang)["error"]),))
            await self.answer(turn_context, Reply(messages=[message]), lang)
        except Exception as again:
            log.warning("event=teams_error_not_shown error=%s", type(again).__name__)


def _errors_as_message(reply: Reply, form: Form | None, lang: str) -> Reply:
    listed = "\n".join(f"• {error}" for error in reply.errors.values())
    title = form.title if form is not None else ""
    message = Message(
        title=title, sections=(Section(text=words(lang)["fix_fields"]), Section(text=listed))
    )
    return Reply(messages=[*reply.messages, message], form=form)
