"""Event store throughput on SQLite: append 100,000 events in batches, read them back, and
check that reading grows linearly with the number of events (25k, 50k, 100k)."""

from __future__ import annotations

import datetime
import tempfile
import time
from pathlib import Path

from prefstack.ledger import JSON, EventStore, LedgerStream, NewEvent

TOTAL = 100_000
BATCH = 1_000
CHECKPOINTS = (25_000, 50_000, 100_000)


def _batch(start: int) -> list[NewEvent]:
    """Events shaped like the ledger's: a few decimal-string amounts and identifiers."""
    events = []
    for n in range(start, start + BATCH):
        payload: dict[str, JSON] = {
            "holder": f"holder-{n % 97}",
            "series": "F" if n % 2 else "G",
            "shares": str(n % 5000 + 1),
            "amount": f"{n}.{n % 100:02d}",
            "note": "benchmark event",
        }
        events.append(NewEvent("issue", datetime.date(2024, 1, 1) + datetime.timedelta(days=n % 365), payload))
    return events


def _timed_read(store: LedgerStream, repeat: int = 3) -> tuple[float, int]:
    """Best time of ``repeat`` full reads, and the number of events read."""
    best = float("inf")
    count = 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = len(store.read())
        best = min(best, time.perf_counter() - started)
    return best, count


def run() -> list[str]:
    """Append :data:`TOTAL` events in batches of :data:`BATCH`, timing reads at each checkpoint."""
    append_seconds = 0.0
    reads: dict[int, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="prefstack-bench-") as tmp,
        EventStore(f"sqlite:///{Path(tmp) / 'ledger.sqlite'}") as opened,
    ):
        store = opened.stream("bench")  # one company's stream
        version = 0
        for checkpoint in CHECKPOINTS:
            while version < checkpoint:
                events = _batch(version)
                started = time.perf_counter()
                store.append(events, expected_version=version)
                append_seconds += time.perf_counter() - started
                version += len(events)
            seconds, count = _timed_read(store)
            if count != checkpoint:
                raise AssertionError(f"read {count} events, expected {checkpoint}")
            reads[checkpoint] = seconds
        started = time.perf_counter()
        report = store.verify()
        verify_seconds = time.perf_counter() - started
        if not report.ok:
            raise AssertionError(f"the benchmark ledger does not verify: {report.problems}")
    base = CHECKPOINTS[0]
    lines = [
        f"append: {TOTAL:,} events in batches of {BATCH:,}: {append_seconds:.2f} s, "
        f"{TOTAL / append_seconds:,.0f} events/s",
        f"read:   {TOTAL:,} events (best of 3): {reads[TOTAL]:.2f} s, {TOTAL / reads[TOTAL]:,.0f} events/s",
        f"verify: {TOTAL:,} events: {verify_seconds:.2f} s, {TOTAL / verify_seconds:,.0f} events/s",
        "read time by ledger size (linear means ratio = size ratio):",
        f"  {'events':>8}  {'seconds':>8}  {'size ratio':>10}  {'time ratio':>10}",
    ]
    for checkpoint in CHECKPOINTS:
        seconds = reads[checkpoint]
        lines.append(f"  {checkpoint:>8,}  {seconds:>8.3f}  {checkpoint / base:>10.2f}  {seconds / reads[base]:>10.2f}")
    return lines
