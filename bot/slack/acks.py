"""Slack's HTTP response sent the moment a listener acks.

bolt runs a listener as a task and looks every 10 ms whether it has acked
(``AsyncioListenerRunner.run``), so every ack, however quick, reached Slack 10-20 ms late: more
than the whole answer of a bare app that acks empty and answers through ``response_url``. With
the answer itself in the ack (``bot.slack.commands``) that wait is the person's. Here the
request's ``ack`` is an ``EagerAck`` that says when it is called, and ``dispatch`` returns its
response then, while bolt's own dispatch runs on (it returns the same response a moment later
and nobody waits for it). A request that bolt answers without a listener's ack (a refused
installation, an unhandled request, an event bolt acks itself) is answered as bolt answers it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger("mentorbot.slack.http")


class EagerAck(AsyncAck):
    """bolt's ack, which also settles ``given`` once called (a future: waiting for it costs
    no task of its own)."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.given: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = await super().__call__(*args, **kwargs)
        if not self.given.done():
            self.given.set_result(None)
        return response


_running: set[asyncio.Task[BoltResponse]] = set()  # dispatches still running


async def dispatch(app: AsyncApp, request: AsyncBoltRequest) -> BoltResponse:
    """bolt's response to ``request``, as soon as a listener acks (or bolt answers)."""
    ack = EagerAck()
    request.context["ack"] = ack
    task = asyncio.ensure_future(app.async_dispatch(request))
    _running.add(task)  # held until done, even if this request's handler is cancelled
    task.add_done_callback(_running.discard)
    either: set[asyncio.Future[Any]] = {task, ack.given}
    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    if task.done() or ack.response is None:
        return await task
    task.add_done_callback(_failed_late)
    return ack.response


def _failed_late(task: asyncio.Task[BoltResponse]) -> None:
    """A dispatch that failed after its response went: logged (by type), never raised."""
    if not task.cancelled() and task.exception() is not None:
        log.error("event=slack_dispatch_failed error=%s", type(task.exception()).__name__)
