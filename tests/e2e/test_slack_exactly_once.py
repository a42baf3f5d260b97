"""Exactly once on Slack, with real deaths: dispatcher processes SIGKILLed 100 times at random
points (before or after Slack answers one of their calls) while they deliver 300 messages to
a fake Slack; after recovery no message was sent twice and none is missing. One dispatcher
restarted after each kill, and two sharing the outbox (the survivor and the replacement take
over the dead one's rows). Each dispatcher is a separate process forked by a warm zygote
(tests/e2e/zygote.py), which makes a hundred kills cheap: about 10 s of CPU per variant.
bench/outbox_kills.py prints the same runs' figures, over 400 messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import FakeSlack
from tests.e2e.kills import KillRun, Plan

KILLS = 100
MESSAGES = 300  # the last kill falls after about 200 of them were posted: a safe margin


@pytest.mark.parametrize(
    ("dispatchers", "seed"), [(1, 20261201), (2, 20261202)], ids=["one", "two-sharing"]
)
async def test_sigkilled_dispatchers_send_every_message_exactly_once(
    fake_slack: FakeSlack, tmp_path: Path, dispatchers: int, seed: int
) -> None:
    plan = Plan(dispatchers=dispatchers, kills=KILLS, messages=MESSAGES, seed=seed)
    result = await KillRun(fake_slack, tmp_path, plan).run()
    print(result.summary())  # noqa: T201  (shown with -s or -rA)
    assert result.kills == KILLS, f"only {result.kills} kills: the run ended first"
    assert result.exits == []  # each killed process died of SIGKILL, the others exited 0
    assert result.duplicates == {}
    assert result.undelivered == []
    assert result.file_problems == []
    assert result.posted == plan.messages
    # Some deaths fell in the crash window and were reconciled by reading the history.
    assert result.kill_points["chat.postMessage before answer"] > 0
    assert result.history_reads > 0
    assert fake_slack.all_problems() == []
