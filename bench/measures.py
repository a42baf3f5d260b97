"""What the benchmarks make of their timings."""

from __future__ import annotations


def percentile(values: list[float], share: float) -> float:
    """The value ``share`` of the way up ``values`` (nearest rank, no interpolation: a value
    that was measured); NaN for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")
