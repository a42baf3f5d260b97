"""Pacing what the bot sends to Teams under Teams' limits: a global rate (per bot, per
tenant Teams allows 50 requests a second) and a minimum gap per conversation (Teams allows 7
messages a second and 60 in 30 seconds into one conversation). Waits on the event loop's
clock; 0 turns a limit off."""

from __future__ import annotations

import asyncio


class Pacing:
    def __init__(self, per_second: float = 0.0, per_conversation_seconds: float = 0.0) -> None:
        self._gap = 1.0 / per_second if per_second > 0 else 0.0
        self._per_conversation = per_conversation_seconds
        self._next = 0.0
        self._next_in: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, conversation: str) -> None:
        if not self._gap and not self._per_conversation:
            return
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            at = max(now, self._next, self._next_in.get(conversation, 0.0))
            self._next = at + self._gap
            self._next_in[conversation] = at + self._per_conversation
            if len(self._next_in) > 10_000:
                self._next_in = {k: v for k, v in self._next_in.items() if v > now}
        if at > now:
            await asyncio.sleep(at - now)
