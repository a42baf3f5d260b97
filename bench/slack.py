"""Signed Slack slash commands on loopback: mentorbot against a bare slack-bolt app acking the
same command, in the same run, on SQLite and PostgreSQL with 1 and 2 workers.

    python bench/slack.py [--backends sqlite,postgres] [--workers 1,2] [--before DIR]
                          [--people 200] [--scale 1.0] [--json FILE]
                          [--reads-on-event-loop auto|always|never]

Processes, all on 127.0.0.1:

* the Slack side (``bench/slack_client.py``): a fake Slack Web API, the ``response_url``
  every command names, and the client that signs and sends the commands and times them;
* per worker, ``mentorbot serve`` (the real CLI: migrations, app.yaml's coordinators, the
  Slack HTTP adapter, the scheduler and dispatcher in the process) on its own database, with
  ``SLACK_API_URL`` at the fake; with ``--before DIR``, the same from another source tree
  (e.g. ``git archive <commit>`` unpacked there) on a database of its own: before and after
  in one run;
* per worker, two bare slack-bolt ``AsyncApp``s behind bolt's own aiohttp adapter whose
  ``/mentor`` listener answers with a fixed text: **bare** in its ack (the issue's "bare
  slack-bolt app acking the same command", and how mentorbot answers), **bare-respond** with
  an empty ack and then through ``response_url``. bolt sends an ack up to 10 ms after the
  listener gives it (it looks every 10 ms), so bare-respond's answer reaches the loopback
  ``response_url`` before its own ack: a head start that a real ``response_url`` (a TLS
  request to hooks.slack.com) does not give.

Each database holds a coordinator and ``--people`` people (default 200) in one open
programme, paired two by two (active pairs), so ``help`` lists everything a pair member may
use. Two workers share their variant's database (one SQLite file, or one PostgreSQL
database); the client sends to them in turn.

After a warm-up (every person once on every worker) the bench waits until the workers are
idle: a new ``mentorbot serve`` first delivers the seeded pairs' overdue nudges. Then,
measured per variant, interleaved in rounds (bare, bare-respond, mentorbot, before; the
order rotates), with mentorbot's p50 over each bare app's printed per level:
``/mentor help`` from the people in turn, 1, 8 and 32 at a time (closed loop) and at 50
requests per second (open loop); and 8 at a time with every fifth command a write
(``pause 1w`` / ``resume`` in turn for that person). Each command is timed from sending it to
its answer (what the person waits for: at the ``response_url``, or the HTTP response itself
when the ack carries the answer) and to the HTTP ack; and the workers' CPU time (user +
system, ``/proc/<pid>/stat``) per request. Errors:
an HTTP status other than 200, no answer within 10 s, an answer saying something went wrong,
and the workers' log lines of a crashed handler or a locked database.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time as timer
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pg_server, as bench/matching.py imports tests/

from bench.measures import percentile  # noqa: E402
from bench.slack_workers import (  # noqa: E402
    BAD_LINES,
    BARE_MODES,
    PG_OPTIONS,
    SECRET,
    Worker,
    seed,
    start_workers,
)
from tests.pg_server import running_server  # noqa: E402

LEVELS = (  # name, concurrency, rate, requests at --scale 1, every n-th a write
    ("1 concurrent", 1, 0, 300, 0),
    ("8 concurrent", 8, 0, 1500, 0),
    ("32 concurrent", 32, 0, 1500, 0),
    ("50 requests/s", 0, 50, 1500, 0),
    ("8 concurrent, 1 in 5 a write", 8, 0, 1000, 5),
)
ROUNDS = 3


# Measuring -------------------------------------------------------------------------------


def summary(results: list[dict[str, Any]], wall: float) -> dict[str, Any]:
    answers = [r["answer"] for r in results if r["answer"] is not None]
    acks = [r["ack"] for r in results if r["ack"] is not None]
    helps = [r["answer"] for r in results if r["answer"] is not None and r["text"] == "help"]
    writes = [r["answer"] for r in results if r["answer"] is not None and r["text"] != "help"]
    return {
        "requests": len(results),
        "per_second": len(results) / wall if wall else 0.0,
        "mean": 1000 * statistics.fmean(answers) if answers else float("nan"),
        "p50": 1000 * statistics.median(answers) if answers else float("nan"),
        "p99": 1000 * percentile(answers, 0.99),
        "help_p50": 1000 * statistics.median(helps) if helps else float("nan"),
        "write_p50": 1000 * statistics.median(writes) if writes else float("nan"),
        "write_p99": 1000 * percentile(writes, 0.99),
        "ack_p50": 1000 * statistics.median(acks) if acks else float("nan"),
        "ack_p99": 1000 * percentile(acks, 0.99),
        "not_200": sum(1 for r in results if r["status"] != 200),
        "unanswered": sum(1 for r in results if r["answer"] is None),
        "in_ack": sum(1 for r in results if r.get("in_ack")),
        "crash_answers": sum(1 for r in results if r.get("crash")),
        "slowest": sorted(
            ([round(1000 * r["answer"], 1), round(r["sent"], 3)] for r in results if r["answer"]),
            reverse=True,
        )[:20],  # answer ms, sent at (Unix time): do the slow ones come together?
    }


def cpu_seconds(workers: list[Worker]) -> float:
    """User + system CPU time the workers' processes have used (``/proc/<pid>/stat``)."""
    total = 0
    for worker in workers:
        fields = Path(f"/proc/{worker.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


class Side:
    """The Slack side's process and our end of its pipe."""

    def __init__(self) -> None:
        from bench import slack_client

        context = multiprocessing.get_context("spawn")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=slack_client.main, args=(theirs, SECRET), daemon=True)
        self.process.start()
        self.api: str = self.ask(None)

    def ask(self, job: dict[str, Any] | None) -> Any:
        if job is not None:
            self.pipe.send(job)
        while not self.pipe.poll(1):
            if not self.process.is_alive():
                raise SystemExit(f"the Slack side stopped (exit code {self.process.exitcode})")
        return self.pipe.recv()

    def close(self) -> None:
        self.pipe.send(None)
        self.process.join(timeout=10)


def settle(workers: list[Worker], idle_share: float = 0.02, most_s: float = 120.0) -> None:
    """Wait until the workers are idle (together under ``idle_share`` of a CPU over a second),
    at most ``most_s``: a new ``mentorbot serve`` first sends the seeded pairs' overdue nudges
    (its scheduler and dispatcher run in the process), about 0.2 s of CPU a second for ~10 s
    here, which would otherwise be counted against the first requests measured."""
    began = timer.monotonic()
    while timer.monotonic() - began < most_s:
        used = cpu_seconds(workers)
        timer.sleep(1.0)
        if cpu_seconds(workers) - used < idle_share:
            break
    print(f"  (workers idle after {timer.monotonic() - began:.0f} s)", flush=True)


def measure(
    side: Side, workers: dict[str, list[Worker]], people: int, scale: float, levels: list[str]
) -> dict[str, dict[str, Any]]:
    variants = list(workers)
    for variant in variants:  # warm-up: every person once on every worker, not counted
        count = people * len(workers[variant])
        targets = [w.url for w in workers[variant]]
        side.ask({"targets": targets, "count": count, "people": people, "concurrency": 4})
    settle([worker for group in workers.values() for worker in group])
    measured: dict[str, dict[str, Any]] = {}
    for level, concurrency, rate, requests, writes in LEVELS:
        if levels and not any(chosen in level for chosen in levels):
            continue
        collected: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
        walls = dict.fromkeys(variants, 0.0)
        cpus = dict.fromkeys(variants, 0.0)
        for round_ in range(ROUNDS):
            for variant in variants[round_ % len(variants) :] + variants[: round_ % len(variants)]:
                job = {
                    "targets": [w.url for w in workers[variant]],
                    "count": max(1, int(requests * scale / ROUNDS)),
                    "people": people,
                    "concurrency": concurrency,
                    "rate": rate,
                    "writes": writes,
                }
                cpu_before = cpu_seconds(workers[variant])
                outcome = side.ask(job)
                cpus[variant] += cpu_seconds(workers[variant]) - cpu_before
                collected[variant] += outcome["results"]
                walls[variant] += outcome["wall"]
        print(f"  ({level}: load average {os.getloadavg()[0]:.2f})", flush=True)
        for variant in variants:
            measured[f"{level} | {variant}"] = summary(collected[variant], walls[variant])
            measured[f"{level} | {variant}"]["cpu_ms_per_request"] = (
                1000 * cpus[variant] / max(1, len(collected[variant]))
            )
            print(f"  {level:30} {variant:12} {fmt(measured[f'{level} | {variant}'])}", flush=True)
        for variant in variants:
            if variant in BARE_MODES:
                continue
            for bare in BARE_MODES:
                ratio = (
                    measured[f"{level} | {variant}"]["p50"] / measured[f"{level} | {bare}"]["p50"]
                )
                measured[f"{level} | {variant}/{bare} p50"] = ratio
                print(f"  {level:30} {variant}/{bare} p50: {ratio:.2f}", flush=True)
    return measured


def fmt(s: dict[str, Any]) -> str:
    return (
        f"answer mean {s['mean']:6.1f} p50 {s['p50']:6.1f} ms p99 {s['p99']:6.1f} ms | ack p50 {s['ack_p50']:5.1f} "
        f"p99 {s['ack_p99']:6.1f} ms | {s['per_second']:5.0f}/s | writes p50 "
        f"{s['write_p50']:.1f} p99 {s['write_p99']:.1f} ms | CPU {s['cpu_ms_per_request']:.2f} "
        f"ms/request | in ack {s['in_ack']} | errors: not 200 {s['not_200']}, "
        f"unanswered {s['unanswered']}, crash answers {s['crash_answers']}"
    )


def run_config(
    backend: str, count: int, trees: dict[str, Path], args: argparse.Namespace, pg: Any, side: Side
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-slack-") as scratch:
        folder = Path(scratch)
        workers: dict[str, list[Worker]] = {}
        try:
            for variant, tree in trees.items():
                if backend == "sqlite":
                    url = f"sqlite:///{folder / variant}.db"
                else:
                    url = pg.create_database()
                if variant not in BARE_MODES:
                    seed(url, args.people)
                yaml = ""
                if variant == "mentorbot" and args.reads_on_event_loop:
                    yaml = f"database:\n  reads_on_event_loop: {args.reads_on_event_loop}\n"
                workers[variant] = start_workers(variant, tree, url, count, side.api, folder, yaml)
            for group in workers.values():
                for worker in group:
                    worker.wait_ready()
            print(f"{backend}, {count} worker(s): load average {os.getloadavg()}", flush=True)
            levels = [level for level in args.levels.split(",") if level]
            measured = measure(side, workers, args.people, args.scale, levels)
        finally:
            logs = {v: [w.stop() for w in group] for v, group in workers.items()}
            if args.keep_logs:
                kept = args.keep_logs / f"{backend}-{count}"
                kept.mkdir(parents=True, exist_ok=True)
                for log in folder.glob("*.log"):
                    shutil.copy(log, kept / log.name)
        for variant, stopped in logs.items():
            bad = {line: sum(s[line] for s in stopped) for line in BAD_LINES}
            measured[f"log | {variant}"] = bad
            print(f"  worker log lines, {variant}: {bad}", flush=True)
    measured["load_average_after"] = os.getloadavg()
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--before", type=Path, help="source tree of the code to compare with")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--scale", type=float, default=1.0, help="share of the requests")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--levels", default="", help="only the levels naming one of these")
    parser.add_argument("--keep-logs", type=Path, help="copy the workers' logs here")
    parser.add_argument(
        "--reads-on-event-loop",
        choices=("auto", "always", "never"),
        help="database.reads_on_event_loop for the mentorbot variant (not --before's)",
    )
    args = parser.parse_args()
    trees = {**dict.fromkeys(BARE_MODES, ROOT), "mentorbot": ROOT}
    if args.before:
        trees["before"] = args.before.resolve()
    side = Side()
    print(
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {os.getloadavg()}")
    results: dict[str, Any] = {"started": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"}
    backends = args.backends.split(",")
    with running_server(PG_OPTIONS) if "postgres" in backends else _nothing() as pg:
        for backend in backends:
            for count in (int(n) for n in args.workers.split(",")):
                key = f"{backend}, {count} worker(s)"
                results[key] = run_config(backend, count, trees, args, pg, side)
    results["finished"] = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    side.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
