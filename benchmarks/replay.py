"""Replay benchmark: ledgers of 25,000, 50,000 and 100,000 events replayed side by side.

The synthetic ledger (:func:`benchmarks.synthetic.dividend_ledger`) grows with its length the
way a real one does: more holders of Series F (each with a dividend election for every Payment
Date), daily closing prices and a Payment Date outcome per quarter. The figures printed are the
replay time to the last date (alone, and with the state report), an as-of query in the middle,
and the ratio of each to the 25,000-event ledger: linear growth gives about 2x and 4x. For the
largest ledger, the state on its last date answered from its snapshot (the fold kept as bytes,
:mod:`prefstack.ledger.snapshots`) is timed against the goal of 50 ms. Each figure is printed beside
the one measured before the snapshot kept its history apart (``before``).
"""

from __future__ import annotations

import datetime as dt
import gc
import time

from benchmarks.synthetic import DIVIDEND_END, dividend_ledger
from prefstack.ledger import snapshots
from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import Placed, finish, fold, replay
from prefstack.memo import without_cyclic_gc
from prefstack.report import state_report

END = DIVIDEND_END
GOAL_EVENTS_PER_SECOND = 50_000
GOAL_SNAPSHOT_SECONDS = 0.05
BEFORE_EVENTS_PER_SECOND = 33_497
BEFORE_SNAPSHOT_SECONDS = 0.226
"""The figures of the code before snapshots kept their history apart (and before the replay work
beside it), measured on a quiet machine: printed beside today's."""


def synthetic_ledger(events: int) -> list[Placed]:
    return parse_ledger(dividend_ledger(events), "synthetic")


def _time(fn: object) -> float:
    assert callable(fn)
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _from_snapshot(placed: list[Placed]) -> tuple[float, int]:
    """Seconds to answer the state on the last date from the ledger's snapshot, and its size."""
    with without_cyclic_gc():
        blob = snapshots.dumps(fold(placed, END))
    gc.collect()  # the garbage of making the snapshot is not the question's: collected before it is timed
    return _time(lambda: finish(snapshots.loads(blob), END)), len(blob)


def run() -> list[str]:
    lines = ["replay (F dividends, elections and prices; times in seconds, one run each)"]
    base: tuple[float, float] | None = None
    placed: list[Placed] = []
    alone = 0.0
    for size in (25_000, 50_000, 100_000):
        placed = synthetic_ledger(size)
        alone = _time(lambda placed=placed: replay(placed, END))
        full = _time(lambda placed=placed: state_report(replay(placed, END)))
        middle = _time(lambda placed=placed: state_report(replay(placed, dt.date(2003, 1, 1))))
        if base is None:
            base = (full, middle)
        lines.append(
            f"  {len(placed):>7} events: replay to {END} {alone:6.2f} s ({len(placed) / alone:6.0f} events/s), "
            f"with the state report {full:6.2f} s ({full / base[0]:4.2f}x)   "
            f"as-of 2003-01-01 {middle:6.2f} s ({middle / base[1]:4.2f}x)"
        )
    lines.append("  linear growth reads about 2x and 4x; quadratic would read about 4x and 16x")
    rate = len(placed) / alone
    lines.append(
        f"  {len(placed):,} events: {rate:,.0f} events/s replayed (before: {BEFORE_EVENTS_PER_SECOND:,}), "
        f"goal {GOAL_EVENTS_PER_SECOND:,}: {_verdict(rate >= GOAL_EVENTS_PER_SECOND)}"
    )
    seconds, size = _from_snapshot(placed)
    verdict = _verdict(seconds < GOAL_SNAPSHOT_SECONDS)
    lines.append(
        f"  the state on {END} from the snapshot of the {len(placed):,}-event ledger ({size / 2**20:.1f} MB): "
        f"{seconds * 1000:.0f} ms (before: {BEFORE_SNAPSHOT_SECONDS * 1000:.0f} ms), "
        f"goal {GOAL_SNAPSHOT_SECONDS * 1000:.0f} ms: {verdict}"
        " (snapshots are kept at a ledger's head only: an as-of date before its last event replays)"
    )
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
