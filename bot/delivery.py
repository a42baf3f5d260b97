"""Routes each outbox row to the platform its recipient is on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from bot.platforms import Platform
from conversations.messages import Message
from conversations.ports import PermanentError, Store
from conversations.records import OutboxItem, Pair, Person


class PlatformDelivery:
    """A ``Delivery`` that forwards to the ``Delivery`` of the recipient's platform."""

    def __init__(self, store: Store, platforms: Iterable[Platform]) -> None:
        self._store = store
        self._deliveries = {platform.name: platform.delivery for platform in platforms}

    def _platform(self, item: OutboxItem) -> str:
        with self._store.transaction() as repo:
            person_id = item.person_id
            if person_id is None and item.pair_id is not None:
                pair = repo.get(Pair, item.pair_id)
                person_id = pair.mentor_id if pair else None
            person = repo.get(Person, person_id) if person_id is not None else None
            if person is None:
                raise PermanentError("recipient is gone")
            return person.platform

    async def send(self, item: OutboxItem, message: Message) -> str | None:
        platform = await asyncio.to_thread(self._platform, item)
        delivery = self._deliveries.get(platform)
        if delivery is None:
            raise PermanentError(f"no adapter for platform {platform!r} in this process")
        return await delivery.send(item, message)
