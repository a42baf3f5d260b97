"""``SharedSession``: one kept-alive aiohttp session per event loop, for every HTTP call to
Slack of this process (Web API calls and answers to ``response_url``).

slack-sdk's ``AsyncWebClient`` without a session, and bolt's ``respond``, make a new aiohttp
session for every call, and with it a new connection (on Slack: a TCP and TLS handshake) to the
same host. A session belongs to the event loop it was made in: it is made again for another
loop (tests run one per test) and closed by ``close`` (the adapter's shutdown).
"""

from __future__ import annotations

import asyncio

import aiohttp


class SharedSession:
    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> aiohttp.ClientSession:
        """This loop's session (made now if it has none, or it was closed)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout)
            )
            self._loop = loop
        return self._session

    async def close(self) -> None:
        """Close the session (if this loop made it: another loop's went with that loop)."""
        session, self._session = self._session, None
        if session is not None and not session.closed and self._loop is asyncio.get_running_loop():
            await session.close()
