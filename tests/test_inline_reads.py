"""Which readers' turns run on the event loop (``bot.inline_reads``)."""

from __future__ import annotations

import logging

import pytest

from bot.inline_reads import THREADED_TURNS, InlineReads
from conversations.events import Command


def test_a_slow_route_goes_to_a_worker_thread_for_a_while_then_is_tried_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="mentorbot.app")
    inline = InlineReads(slow_s=0.005)
    home, help_ = Command(text="home"), Command(text="help")
    inline.took(home, 0.004)
    inline.took(help_, 0.001)
    assert inline.allows(home) and inline.allows(help_)  # both quick

    inline.took(Command(text="HOME"), 0.050)  # one slow turn of the route, in any case
    assert [inline.allows(home) for _ in range(THREADED_TURNS)] == [False] * THREADED_TURNS
    assert inline.allows(help_)  # another route is not held back
    assert inline.allows(Command(text="home"))  # tried on the loop again
    assert "event=inline_read_slow kind=Command ms=50.0" in caplog.text
    assert "home" not in caplog.text.lower()  # the person's word is not logged
