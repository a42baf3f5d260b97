"""SIGKILL the dispatcher a hundred times while it delivers, and count duplicates and losses.

    python bench/outbox_kills.py [--kills 100] [--messages 400] [--seed 1]

The test suite asserts the same with 100 kills over 300 messages
(tests/e2e/test_slack_exactly_once.py); this prints every figure. Harness:
``tests/e2e/kills.py``: a fake Slack Web API on loopback (the e2e tests' ``FakeSlack``:
history, metadata), an outbox of ``--messages`` rows in a SQLite file (DMs to 24 people, a
tenth to 6 pairs' group DMs, a tenth with a calendar file), dispatcher processes
(``tests.e2e.outbox_worker``: the real ``Dispatcher`` and ``SlackDelivery``; lease 1 s; each
one forked by a warm zygote) killed with SIGKILL after 1-8 of their Slack calls each (seeded),
half of the time before Slack's answer reaches them, half right after. Two runs: one
dispatcher (replaced after each kill) and two sharing the outbox (the killed one replaced, the
other working on).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the harness lives with the tests

from tests.e2e.conftest import FakeSlack  # noqa: E402
from tests.e2e.kills import KillRun, Plan, Result  # noqa: E402


async def one_run(plan: Plan) -> Result:
    fake = FakeSlack()
    await fake.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            return await KillRun(fake, Path(folder), plan).run()
    finally:
        await fake.stop()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    failed = False
    for dispatchers in (1, 2):
        plan = Plan(
            dispatchers=dispatchers,
            kills=args.kills,
            messages=args.messages,
            seed=args.seed + dispatchers,
            deadline_seconds=900.0,
        )
        result = await one_run(plan)
        print(f"## {dispatchers} dispatcher{'s' if dispatchers > 1 else ''}")
        print(f"- kills: {result.kills} kills")
        for point, count in sorted(result.kill_points.items()):
            print(f"  - {point}: {count}")
        print(f"- processes started: {result.processes} processes")
        print(f"- wall time: {result.seconds:.1f} s")
        print(f"- CPU time of the dispatchers and their zygote: {result.cpu_seconds:.1f} s")
        print(f"- CPU time of the test process (fake Slack): {result.test_cpu_seconds:.1f} s")
        print(f"- messages accepted by Slack: {result.posted} messages (of {plan.messages})")
        print(f"- history reads (reconciliations): {result.history_reads} calls")
        print(f"- duplicates: {sum(n - 1 for n in result.duplicates.values())} messages")
        print(f"- undelivered: {len(result.undelivered)} messages")
        print(f"- file problems: {len(result.file_problems)} files")
        print(f"- processes that did not end as planned: {len(result.exits)} processes")
        problems = [*result.duplicates, *result.undelivered, *result.file_problems, *result.exits]
        for problem in problems[:20]:
            print(f"  - {problem}")
        failed |= bool(problems)
        failed |= result.kills < args.kills
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    asyncio.run(main())
