"""Socket Mode: the same app, reached over a WebSocket the bot opens (no public URL)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.slack.socket import run_socket_mode


async def test_socket_mode_delivers_events_to_the_same_listeners(world: Any) -> None:
    stop = asyncio.Event()
    running = asyncio.ensure_future(run_socket_mode(world.adapter.app, "xapp-test-token", stop))
    try:
        body, _ = world.event_body(
            {
                "type": "message",
                "channel_type": "im",
                "channel": "DUMENTOR",
                "user": "UMENTOR",
                "text": "hjälp",
            }
        )
        await world.fake.socket_envelopes.put(
            {
                "envelope_id": "env-1",
                "type": "events_api",
                "accepts_response_payload": False,
                "payload": json.loads(body),
            }
        )
        ack = await asyncio.wait_for(world.fake.socket_acks.get(), timeout=10)
        assert ack["envelope_id"] == "env-1"
        await world.adapter.activity.wait_finished(1)
        (opened,) = world.fake.of("apps.connections.open")
        assert opened.problems == []
        (post,) = world.fake.of("chat.postMessage")
        assert post.args["channel"] == "DUMENTOR"
        assert world.fake.all_problems() == []
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)
