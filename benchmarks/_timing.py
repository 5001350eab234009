"""Timing shared by the benchmarks (not a benchmark itself: its name starts with ``_``)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best(runs: int, work: Callable[[], object]) -> float:
    """The shortest of ``runs`` timings of ``work`` in seconds (the least disturbed by the machine)."""
    shortest = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        shortest = min(shortest, time.perf_counter() - started)
    return shortest
