"""What Teams sends, as the core's events and actor: pure functions, ``activity -> Event``.

* ``message`` with text: the same words as Slack's ``/mentor …``, typed (``TextReceived``).
* ``message`` with a ``value`` (an ``Action.Submit`` on one of our cards): the routing key in
  ``value[ROUTE]`` says whether it was a button (``ButtonPressed``) or a form
  (``FormSubmitted``, the inputs beside it by field name).
* The person: tenant id and AAD object id; name, locale and time zone from the activity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.teams.text import incoming
from conversations.events import Actor, ButtonPressed, Event, FormSubmitted, TextReceived

TEAMS = "teams"  # a person's stored platform
ROUTE = "mentorbot"  # the key in an Action.Submit's data that carries our routing

BUTTON = "b"
FORM = "f"


@dataclass(frozen=True)
class Route:
    """What one card's ``Action.Submit`` carries besides the inputs."""

    kind: str  # BUTTON or FORM
    action: str = ""  # a button's action, or a form's id
    value: str = ""  # a button's value, or a form's context
    title: str = ""  # the card's title, to say what was answered when the card is updated
    label: str = ""  # a button's label

    def encode(self) -> dict[str, Any]:
        data = {"k": self.kind, "a": self.action, "v": self.value, "t": self.title}
        if self.label:
            data["l"] = self.label
        return {ROUTE: data}

    @classmethod
    def decode(cls, value: Any) -> Route | None:
        if not isinstance(value, Mapping):
            return None
        data = value.get(ROUTE)
        if not isinstance(data, Mapping) or data.get("k") not in (BUTTON, FORM):
            return None
        return cls(
            kind=str(data["k"]),
            action=str(data.get("a") or ""),
            value=str(data.get("v") or ""),
            title=str(data.get("t") or ""),
            label=str(data.get("l") or ""),
        )


def tenant_of(activity: Mapping[str, Any]) -> str:
    conversation = activity.get("conversation") or {}
    channel_data = activity.get("channelData") or activity.get("channel_data") or {}
    tenant = (channel_data.get("tenant") or {}).get("id") or conversation.get("tenantId")
    return str(tenant or "")


def actor_of(activity: Mapping[str, Any]) -> Actor | None:
    """The person who sent the activity (tenant + AAD object id), with the name, locale and
    time zone the activity gives; None when it names no AAD user."""
    sender = activity.get("from") or activity.get("from_property") or {}
    aad = str(sender.get("aadObjectId") or sender.get("aad_object_id") or "")
    tenant = tenant_of(activity)
    if not aad or not tenant:
        return None
    return Actor(
        platform=TEAMS,
        workspace=tenant,
        platform_user_id=aad,
        display_name=str(sender.get("name") or ""),
        locale=str(activity.get("locale") or "") or None,
        timezone=known_zone(activity.get("localTimezone") or activity.get("local_timezone")),
    )


def known_zone(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def message_event(activity: Mapping[str, Any]) -> Event | None:
    """A ``message`` activity as the core's event: a card's submit, or typed text; None for
    anything else (an empty message, a submit that is not ours)."""
    value = activity.get("value")
    if value is not None:
        return submit_event(value)
    typed, mentions = incoming(str(activity.get("text") or ""), activity.get("entities") or ())
    if not typed:
        return None
    return TextReceived(text=typed, mentions=mentions)


def submit_event(value: Any) -> Event | None:
    """An ``Action.Submit``'s data (our routing key plus the inputs) as the core's event."""
    route = Route.decode(value)
    if route is None:
        return None
    if route.kind == BUTTON:
        return ButtonPressed(action=route.action, value=route.value)
    values = {
        str(name): _text(v)
        for name, v in value.items()
        if name != ROUTE and not name.startswith("_")
    }
    return FormSubmitted(form_id=route.action, values=values, context=route.value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def event_key(activity: Mapping[str, Any]) -> str | None:
    """The turn's key: Teams retries an activity with the same id."""
    activity_id = activity.get("id")
    return f"teams:{activity_id}" if activity_id else None


def card_key(activity: Mapping[str, Any]) -> str | None:
    """The turn's key for a card's submit: the card's own id, so a card counts once however
    often it is submitted (a double click, a retry). A form refused with errors saves nothing,
    its key included, so the corrected card can be sent again."""
    card = activity.get("replyToId") or activity.get("reply_to_id")
    conversation = (activity.get("conversation") or {}).get("id") or ""
    return f"teams:card:{conversation}:{card}" if card else event_key(activity)
