"""The matching engine on a whole pool: 1,000 adepts × 1,000 mentors, and optimal vs. greedy.

    python bench/matching.py [--adepts 1000] [--mentors 1000] [--runs 5]

Pools come from ``tests/conversations/matching_cohorts.py`` (seeded): 30 topics, Swedish,
English and a few other languages, 15 time zones (half the people in Stockholm), eight
departments, a tenth of the adepts reporting to a mentor, do-not-pair lists and past pairs.

Each measurement runs in a fresh process (``--child``), so the first ``match`` is cold (time
zones read, caches empty):

* ``time``: ``match`` on the big pool, mentors' capacity 1–3: the first call, then ``--runs``
  more (median and worst); the process's peak RSS (``VmHWM``) before and after;
* ``worst``: the same with every mentor's capacity 3 (the most columns: 3,000);
* ``memory``: one ``match`` under tracemalloc (peak of Python and numpy allocations);
* ``greedy``: total score and pairs of ``match`` and of the greedy baseline (best pair first),
  on the big pool and on the 200 × 120 pool the tests use (seed 2027), and the greedy's time.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time as timer
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the pools and the greedy baseline live with the tests

from conversations.matching import match  # noqa: E402
from tests.conversations.matching_cohorts import Pool, greedy, random_pool  # noqa: E402

BIG_SEED, SMALL_SEED = 1000, 2027
CHILDREN = ("time", "worst", "memory", "greedy")


def peak_rss_mb() -> float:
    """The process's peak RSS: ``VmHWM`` (Linux; starts afresh at exec), else ``getrusage``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(pool: Pool) -> tuple[float, int]:
    started = timer.perf_counter()
    result = match(pool.adepts, pool.mentors, pool.history)
    return timer.perf_counter() - started, len(result.proposals)


def child(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    capacity = 3 if kind == "worst" else None
    pool = random_pool(BIG_SEED, args.adepts, args.mentors, max_capacity=3)
    if capacity is not None:
        pool = Pool(
            pool.adepts,
            tuple(type(m)(**{**_fields(m), "capacity": capacity}) for m in pool.mentors),
            pool.history,
        )
    if kind in ("time", "worst"):
        before = peak_rss_mb()
        first, pairs = timed(pool)
        after = peak_rss_mb()
        runs = [timed(pool)[0] for _ in range(args.runs)]
        return {
            "first": first,
            "median": statistics.median(runs),
            "worst": max(runs),
            "pairs": pairs,
            "places": sum(m.capacity for m in pool.mentors),
            "rss_before": before,
            "rss_after": after,
        }
    if kind == "memory":
        tracemalloc.start()
        match(pool.adepts, pool.mentors, pool.history)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"tracemalloc_peak": peak / 2**20}
    small = random_pool(SMALL_SEED, 200, 120)
    figures: dict[str, Any] = {}
    for name, each in (("big", pool), ("small", small)):
        optimal = match(each.adepts, each.mentors, each.history)
        started = timer.perf_counter()
        baseline = greedy(each.adepts, each.mentors, each.history)
        figures[name] = {
            "optimal_score": optimal.total_score,
            "optimal_pairs": len(optimal.proposals),
            "greedy_score": baseline.total_score,
            "greedy_pairs": len(baseline.proposals),
            "greedy_time": timer.perf_counter() - started,
        }
    return figures


def _fields(person: Any) -> dict[str, Any]:
    return {name: getattr(person, name) for name in person.__dataclass_fields__}


def run_child(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind]
    command += ["--adepts", str(args.adepts), "--mentors", str(args.mentors)]
    command += ["--runs", str(args.runs)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--adepts", type=int, default=1000)
    parser.add_argument("--mentors", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", choices=CHILDREN, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args)))
        return
    size = f"{args.adepts} × {args.mentors}"
    t, w, m, g = (run_child(kind, args) for kind in CHILDREN)
    print(f"- match {size}, capacity 1–3, first call of a process: {t['first']:.2f} s")
    print(f"- match {size}, capacity 1–3, median of {args.runs} more: {t['median']:.2f} s")
    print(f"- match {size}, capacity 1–3, worst of {args.runs} more: {t['worst']:.2f} s")
    print(f"- match {size}, capacity 3 (most columns), first call: {w['first']:.2f} s")
    print(f"- match {size}, capacity 3, worst of {args.runs} more: {w['worst']:.2f} s")
    print(f"- match {size} tracemalloc peak: {m['tracemalloc_peak']:.0f} MB")
    print(f"- process max RSS before match (imports and pool): {t['rss_before']:.0f} MB")
    print(f"- process max RSS after match: {t['rss_after']:.0f} MB")
    print(f"- pairs proposed {size} (of {t['places']} places): {t['pairs']} pairs")
    for name, label in (("small", "200 × 120"), ("big", size)):
        f = g[name]
        print(f"- optimal total score {label}: {f['optimal_score']:.2f} points")
        print(f"- greedy total score {label}: {f['greedy_score']:.2f} points")
        print(f"- optimal/greedy score {label}: {f['optimal_score'] / f['greedy_score']:.4f} ratio")
        print(f"- optimal pairs {label}: {f['optimal_pairs']} pairs")
        print(f"- greedy pairs {label}: {f['greedy_pairs']} pairs")
    print(f"- greedy {size} time: {g['big']['greedy_time']:.2f} s")


if __name__ == "__main__":
    main()
