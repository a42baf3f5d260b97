"""Routes each outbox row to the platform its recipient is on."""

from __future__ import annotations

import asyncio

from conversations.messages import Message
from conversations.ports import Delivery, PermanentError, Store
from conversations.records import OutboxItem, Pair, Person


class PlatformDelivery:
    """A ``Delivery`` that forwards to the adapter of the recipient's platform."""

    def __init__(self, store: Store, adapters: dict[str, Delivery]) -> None:
        self._store = store
        self._adapters = adapters

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
        adapter = self._adapters.get(platform)
        if adapter is None:
            raise PermanentError(f"no adapter for platform {platform!r} in this process")
        return await adapter.send(item, message)
