"""Import benchmark through the command line: a ledger file of about 100,000 events (Series F
dividends, the replay benchmark's shape: holders, an election per holder per Payment Date,
daily closing prices, a payment outcome per Payment Date), written as YAML and as JSON.

Each ``prefstack ledger import FILE`` runs in its own process into a fresh SQLite store, and
then ``prefstack state --as-of <last date> --format json`` on the imported store; each line
gives the wall time, events per second (imports) and the child process's peak memory.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks import _cli
from benchmarks.synthetic import dividend_ledger
from prefstack.ledger.files import dump_ledger

EVENTS = 100_000
TIMEOUT = 600.0


def run() -> list[str]:
    document = dividend_ledger(EVENTS)
    count = len(document["events"])
    last = max(str(event["date"]) for event in document["events"])
    lines = [f"ledger import via the CLI: {count:,} events of Series F dividends (last date {last}), one run each"]
    with tempfile.TemporaryDirectory(prefix="prefstack-bench-import-") as tmp:
        imported_db: str | None = None
        for fmt in ("yaml", "json"):
            path = Path(tmp) / f"dividends.{fmt}"
            path.write_text(dump_ledger(document, fmt), encoding="utf-8")
            db = f"sqlite:///{Path(tmp) / f'{fmt}.sqlite'}"
            size_mb = path.stat().st_size / 2**20
            imported = _cli.prefstack("ledger", "import", str(path), "--db", db, timeout=TIMEOUT)
            rate = f"{count / imported.seconds:8,.0f} events/s" if imported.ok else " " * 17
            lines.append(
                f"  import {fmt.upper():<4} ({size_mb:4.1f} MB file): {imported.seconds:7.2f} s  {rate}  "
                f"peak {imported.peak_mb:6.0f} MB  {imported.status()}"
            )
            if imported.ok:
                imported_db = db
        # The two stores hold the same events: the state is measured once, on the last one imported.
        if imported_db is None:
            lines.append("  state: skipped (no import completed)")
        else:
            state = _cli.prefstack("state", "--db", imported_db, "--as-of", last, "--format", "json", timeout=TIMEOUT)
            lines.append(
                f"  state --as-of {last} --format json: {state.seconds:7.2f} s  "
                f"peak {state.peak_mb:6.0f} MB  {state.status()}"
            )
    return lines


if __name__ == "__main__":
    print("\n".join(run()), flush=True)
