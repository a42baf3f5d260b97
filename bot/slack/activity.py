"""How many Slack interactions are being handled, and how many are done.

Slack gets its answer (the ack) before the slow work ends, so "the HTTP response arrived" does
not mean "the bot is done". Tests and a graceful shutdown wait on this instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Activity:
    def __init__(self) -> None:
        self.started = 0
        self.finished = 0
        self._changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    @asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self.started += 1
        try:
            yield
        finally:
            self.finished += 1
            async with self._condition():
                self._condition().notify_all()

    async def wait_finished(self, count: int, timeout: float = 10.0) -> None:
        """Return once ``count`` interactions in all have finished (raises TimeoutError)."""
        condition = self._condition()
        async with condition:
            await asyncio.wait_for(condition.wait_for(lambda: self.finished >= count), timeout)

    async def idle(self, timeout: float = 10.0) -> None:
        """Return once every interaction that has started has finished."""
        await self.wait_finished(self.started, timeout)
