"""Routes each outbox row to the platform its recipient is on.

A row for a pair whose members are on different platforms (one on Slack, one on Teams) is
sent to each member on their own platform, as a row for that person; a member whose part went
out is not sent it again when another member's part is retried (remembered in this process).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from bot.platforms import Platform
from conversations.messages import Message
from conversations.ports import UNKNOWN, Delivered, Delivery, PermanentError, Reconciled, Store
from conversations.records import OutboxItem, Pair, Person


def recipients_of(store: Store, item: OutboxItem) -> list[Person]:
    """The people an outbox row is for: its person, or its pair's members (those still in
    the database). Each platform's delivery filters them further (erased, on that platform)."""
    with store.read() as repo:
        if item.person_id is not None:
            ids = [item.person_id]
        elif item.pair_id is not None:
            pair = repo.get(Pair, item.pair_id)
            if pair is None:
                raise PermanentError(f"pair {item.pair_id} is gone")
            ids = list(pair.member_ids())
        else:
            raise PermanentError("outbox item has no recipient")
        found = [repo.get(Person, person_id) for person_id in ids]
    return [p for p in found if p is not None]


class PlatformDelivery:
    """A ``Delivery`` that forwards to the ``Delivery`` of the recipient's platform."""

    def __init__(self, store: Store, platforms: Iterable[Platform]) -> None:
        self._store = store
        self._deliveries = {platform.name: platform.delivery for platform in platforms}
        self._parts: dict[tuple[int, int], Delivered] = {}  # (row, person) -> what went out

    def _recipients(self, item: OutboxItem) -> list[tuple[int, str]]:
        """(person id, platform) of each recipient: the person, or the pair's members."""
        found = [(p.id or 0, p.platform) for p in recipients_of(self._store, item)]
        if not found:
            raise PermanentError("recipient is gone")
        return found

    def _delivery(self, platform: str) -> Delivery:
        delivery = self._deliveries.get(platform)
        if delivery is None:
            raise PermanentError(f"no adapter for platform {platform!r} in this process")
        return delivery

    async def send(self, item: OutboxItem, message: Message) -> Delivered:
        recipients = await asyncio.to_thread(self._recipients, item)
        platforms = {platform for _, platform in recipients}
        if len(platforms) == 1:
            return await self._delivery(platforms.pop()).send(item, message)
        first: Delivered | None = None
        for person_id, platform in recipients:  # a pair across platforms
            part = (item.id or 0, person_id)
            if part not in self._parts:
                alone = item.model_copy(update={"person_id": person_id, "pair_id": None})
                self._parts[part] = await self._delivery(platform).send(alone, message)
            first = first or self._parts[part]
        for person_id, _ in recipients:
            self._parts.pop((item.id or 0, person_id), None)
        return Delivered(first.message_id if first else None)

    async def reconcile(self, item: OutboxItem) -> Reconciled:
        """Asked of the recipients' platform; a pair across platforms is unknown (one part
        may have arrived and the other not)."""
        recipients = await asyncio.to_thread(self._recipients, item)
        platforms = {platform for _, platform in recipients}
        if len(platforms) != 1:
            return UNKNOWN
        return await self._delivery(platforms.pop()).reconcile(item)
