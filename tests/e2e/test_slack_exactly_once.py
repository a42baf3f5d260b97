"""Exactly once on Slack, with real deaths: dispatcher processes SIGKILLed at random points
(before or after Slack answers one of their calls) while they deliver a few hundred messages
to a fake Slack; after recovery no message was sent twice and none is missing. One
dispatcher restarted after each kill, and two sharing the outbox (the survivor and the
replacement take over the dead one's rows). The hundred-kill runs are bench/outbox_kills.py;
here 20 kills each, to keep the suite fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import FakeSlack
from tests.e2e.kills import KillRun, Plan

KILLS = 20


@pytest.mark.parametrize(
    ("dispatchers", "seed"), [(1, 20261201), (2, 20261202)], ids=["one", "two-sharing"]
)
async def test_sigkilled_dispatchers_send_every_message_exactly_once(
    fake_slack: FakeSlack, tmp_path: Path, dispatchers: int, seed: int
) -> None:
    plan = Plan(dispatchers=dispatchers, kills=KILLS, messages=120, seed=seed)
    result = await KillRun(fake_slack, tmp_path, plan).run()
    print(result.summary())  # noqa: T201  (shown with -s or -rA)
    assert result.kills == KILLS, f"only {result.kills} kills: the run ended first"
    assert result.duplicates == {}
    assert result.undelivered == []
    assert result.file_problems == []
    assert result.posted == plan.messages
    # Some deaths fell in the crash window and were reconciled by reading the history.
    assert result.kill_points["chat.postMessage before answer"] > 0
    assert result.history_reads > 0
    assert fake_slack.all_problems() == []
