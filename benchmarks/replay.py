"""Replay benchmark: ledgers of 25,000, 50,000 and 100,000 events replayed side by side.

The synthetic ledger (:func:`benchmarks.synthetic.dividend_ledger`) grows with its length the
way a real one does: more holders of Series F (each with a dividend election for every Payment
Date), daily closing prices and a Payment Date outcome per quarter. The figures printed are the
replay time to the last date (alone, and with the state report), an as-of query in the middle,
and the ratio of each to the 25,000-event ledger: linear growth gives about 2x and 4x. For the
largest ledger, the state on its last date answered from its snapshot (the fold kept as bytes,
:mod:`prefstack.ledger.snapshots`) is timed against the goal of 50 ms, and so is the state on two
earlier dates from the checkpoint of their quarter (:mod:`prefstack.ledger.checkpoints`): a
quarter end itself, and the eve of the next Payment Date, after that quarter's elections (the
most events a checkpoint leaves to fold), each beside a replay to the same date and the figure
last reported (``last``). Each other figure is printed beside the one measured before the
snapshot kept its history apart (``before``). The answers from a snapshot or a checkpoint are the
median of :data:`REPEATS` runs, each printed with its range (a single run of about 35 ms varies by
a few milliseconds); the replays are one run each.
"""

from __future__ import annotations

import datetime as dt
import gc
import time

from benchmarks.synthetic import DIVIDEND_END, dividend_ledger
from prefstack.collector import without_cyclic_gc
from prefstack.ledger import checkpoints, snapshots
from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import LedgerState, Placed, finish, fold, replay, resume
from prefstack.report import state_report

END = DIVIDEND_END
GOAL_EVENTS_PER_SECOND = 50_000
GOAL_SNAPSHOT_SECONDS = 0.05
BEFORE_EVENTS_PER_SECOND = 33_497
BEFORE_SNAPSHOT_SECONDS = 0.226
"""The figures of the code before snapshots kept their history apart (and before the replay work
beside it), measured on a quiet machine: printed beside today's."""
LAST_FROM_CHECKPOINT = {dt.date(2002, 12, 31): 0.009, dt.date(2003, 3, 14): 0.135}
"""The state from a checkpoint as last reported, before a snapshot's history was read field by
field, the elections on record were shared (:func:`prefstack.ledger.replay._on_record`) and new
elections were kept beside the unread ones (:func:`prefstack.ledger.replay.put_entry`)."""


def synthetic_ledger(events: int) -> list[Placed]:
    return parse_ledger(dividend_ledger(events), "synthetic")


def _time(fn: object) -> float:
    assert callable(fn)
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


REPEATS = 5
"""Each answer from a snapshot or a checkpoint is timed this many times (each after a collection);
the median is the figure, printed with the fastest and the slowest."""


def _timed(fn: object) -> tuple[float, str]:
    """The median of :data:`REPEATS` timings of ``fn``, and the range as text."""
    runs = []
    for _ in range(REPEATS):
        gc.collect()  # the garbage of what ran before is not the question's: collected before it is timed
        runs.append(_time(fn))
    runs.sort()
    return runs[len(runs) // 2], f"median of {REPEATS}: {runs[0] * 1000:.0f}-{runs[-1] * 1000:.0f} ms"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _from_snapshot(placed: list[Placed]) -> tuple[float, str, int]:
    """Seconds to answer the state on the last date from the ledger's snapshot (:func:`_timed`),
    and its size."""
    with without_cyclic_gc():
        blob = snapshots.dumps(fold(placed, END))
    seconds, spread = _timed(lambda: finish(snapshots.loads(blob), END))
    return seconds, spread, len(blob)


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
    seconds, spread, size = _from_snapshot(placed)
    verdict = _verdict(seconds < GOAL_SNAPSHOT_SECONDS)
    lines.append(
        f"  the state on {END} from the snapshot of the {len(placed):,}-event ledger ({size / 2**20:.1f} MB): "
        f"{seconds * 1000:.0f} ms ({spread}; before: {BEFORE_SNAPSHOT_SECONDS * 1000:.0f} ms), "
        f"goal {GOAL_SNAPSHOT_SECONDS * 1000:.0f} ms: {verdict}"
    )
    lines += _from_checkpoint(placed)
    return lines


def _from_checkpoint(placed: list[Placed]) -> list[str]:
    """An as-of date before the last event, from the checkpoint of its quarter (the fold to the
    quarter end kept by ``ledger snapshot``, :mod:`prefstack.ledger.checkpoints`) and the events of
    the quarter to the date, against replaying the ledger to that date."""
    made = dict(checkpoints.quarterly_folds(placed, None))
    lines = []
    for day in (dt.date(2002, 12, 31), dt.date(2003, 3, 14)):  # a quarter end; the eve of the next Payment Date
        quarter = max(d for d in made if d <= day)
        tail = [p for p in placed if quarter < p.effective_date <= day]

        def answer(quarter: dt.date = quarter, tail: list[Placed] = tail, day: dt.date = day) -> LedgerState:
            with without_cyclic_gc():
                state = snapshots.loads(made[quarter])
                assert not tail or resume(state, tail, prescanned=True)
                return finish(state, day)

        seconds, spread = _timed(answer)
        replayed = _time(lambda day=day: replay(placed, day))
        lines.append(
            f"  the state on {day} from the checkpoint of {quarter} ({len(made[quarter]) / 2**20:.1f} MB) and "
            f"{len(tail):,} events after it: {seconds * 1000:.0f} ms "
            f"({spread}; last: {LAST_FROM_CHECKPOINT[day] * 1000:.0f} ms, one run), "
            f"replayed {replayed * 1000:.0f} ms "
            f"({replayed / seconds:.0f}x); goal {GOAL_SNAPSHOT_SECONDS * 1000:.0f} ms: "
            f"{_verdict(seconds < GOAL_SNAPSHOT_SECONDS)}"
        )
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
