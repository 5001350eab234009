"""Replay benchmark: ledgers of 25,000, 50,000 and 100,000 events replayed side by side.

The synthetic ledger (:func:`benchmarks.synthetic.dividend_ledger`) grows with its length the
way a real one does: more holders of Series F (each with a dividend election for every Payment
Date), daily closing prices and a Payment Date outcome per quarter. The figures printed are the
replay time to the last date and an as-of query in the middle, and the ratio of each to the
25,000-event ledger: linear growth gives about 2x and 4x.
"""

from __future__ import annotations

import datetime as dt
import time

from benchmarks.synthetic import DIVIDEND_END, dividend_ledger
from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import Placed, replay
from prefstack.report import state_report

END = DIVIDEND_END


def synthetic_ledger(events: int) -> list[Placed]:
    return parse_ledger(dividend_ledger(events), "synthetic")


def _time(fn: object) -> float:
    assert callable(fn)
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run() -> list[str]:
    lines = ["replay (F dividends, elections and prices; times in seconds, one run each)"]
    base: tuple[float, float] | None = None
    for size in (25_000, 50_000, 100_000):
        placed = synthetic_ledger(size)
        full = _time(lambda placed=placed: state_report(replay(placed, END)))
        middle = _time(lambda placed=placed: state_report(replay(placed, dt.date(2003, 1, 1))))
        if base is None:
            base = (full, middle)
        lines.append(
            f"  {len(placed):>7} events: replay to {END} {full:7.2f} s ({full / base[0]:4.2f}x)   "
            f"as-of 2003-01-01 {middle:7.2f} s ({middle / base[1]:4.2f}x)   {len(placed) / full:8.0f} events/s"
        )
    lines.append("  linear growth reads about 2x and 4x; quadratic would read about 4x and 16x")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
