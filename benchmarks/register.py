"""A register of realistic size through the command line, against the goals.

5,000 Series F and 2,000 Series G holders, 1,000 conversions, about 54,000 events in all
(:func:`benchmarks.synthetic.register_ledger`). Each command runs in its own process and is
measured for wall time and that process's peak memory: ``ledger import`` of the YAML file into
a fresh SQLite store (one run), then ``state --as-of`` on the store and ``ledger add`` of one more
closing price (the median of :data:`REPEATS` runs, each append to a fresh copy of the store),
each also through the command line alone, without the entry point's early check, side by side.
Each figure is printed beside the one measured before this work began and the goal, with PASS
or FAIL; a missed goal is reported, never raised.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks import _cli
from benchmarks.synthetic import kind_counts, register_ledger
from prefstack.ledger.files import dump_ledger

F_HOLDERS = 5_000
G_HOLDERS = 2_000
CONVERSIONS = 1_000
TIMEOUT = 600.0
GOAL_PEAK_MB = 500.0
NEXT_PRICE = ("2005-07-01", "12.34")
"""The event ``ledger add`` appends: the close of the first trading day after the register."""


@dataclass(frozen=True)
class Figures:
    """What a command measured before the work began (as reported then) and its goal."""

    seconds_before: str
    peak_before: str
    goal_seconds: float


BEFORE = {
    "import": Figures("176 s", "4.5 GB", 10.0),
    "state": Figures("143 s", "4.7 GB", 1.0),
    "add": Figures("134 s", "n/m", 0.5),
}
"""n/m: not measured."""

LAST = {"import": ("7.88 s", "430 MB"), "state": ("0.91 s", "104 MB"), "add": ("0.70 s", "103 MB")}
"""Each figure as last reported, before the chain was checked from the command's first instant
(another run, on a machine then faster: ``prefstack --help`` took 0.28 s; compare the side-by-side
figures of one run, printed below the table)."""

_ROW = "  {:<40} {:>9} {:>7} {:>7} {:>8} {:<4}  {:>7} {:>7} {:>7} {:>8} {:<4}"
HEADER = _ROW.format("command", "time", "last", "before", "goal", "", "peak", "last", "before", "goal", "")


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _report(name: str, label: str, measured: _cli.Measured) -> list[str]:
    figures = BEFORE[name]
    time_ok = measured.ok and measured.seconds < figures.goal_seconds
    memory_ok = measured.ok and measured.peak_mb < GOAL_PEAK_MB
    seconds = "TIMEOUT" if measured.timed_out else f"{measured.seconds:.2f} s"
    lines = [
        _ROW.format(
            label,
            seconds,
            LAST[name][0],
            figures.seconds_before,
            f"< {figures.goal_seconds:g} s",
            _verdict(time_ok),
            f"{measured.peak_mb:,.0f} MB",
            LAST[name][1],
            figures.peak_before,
            f"< {GOAL_PEAK_MB:,.0f} MB",
            _verdict(memory_ok),
        )
    ]
    if not measured.ok:
        lines.append(f"    the command did not complete: {measured.status()}")
    return lines


def run() -> list[str]:
    document = register_ledger(F_HOLDERS, G_HOLDERS, CONVERSIONS)
    counts = kind_counts(document)
    total = sum(counts.values())
    last = max(str(event["date"]) for event in document["events"])
    lines = [
        f"register via the CLI: {F_HOLDERS:,} Series F and {G_HOLDERS:,} Series G holders, "
        f"{CONVERSIONS:,} conversions: {total:,} events, last date {last}; one run each",
        "  events: " + ", ".join(f"{kind} {n:,}" for kind, n in counts.most_common()),
    ]
    with tempfile.TemporaryDirectory(prefix="prefstack-bench-register-") as tmp:
        path = Path(tmp) / "register.yaml"
        path.write_text(dump_ledger(document, "yaml"), encoding="utf-8")
        db = f"sqlite:///{Path(tmp) / 'register.sqlite'}"
        startup = _cli.prefstack("--help", timeout=TIMEOUT)
        lines.append(
            f"  for scale: `prefstack --help` (start-up alone) {startup.seconds:.2f} s, peak {startup.peak_mb:,.0f} MB"
        )
        lines.append(
            "  before: measured before this work began; last: as last reported, before the chain was checked "
            "from the command's first instant (n/m: not measured); peak: the command's maximum RSS"
        )
        lines.append(HEADER)
        imported = _cli.prefstack("ledger", "import", str(path), "--db", db, timeout=TIMEOUT)
        lines += _report("import", f"ledger import (YAML, {path.stat().st_size / 2**20:.1f} MB)", imported)
        if not imported.ok:
            lines.append("  state and ledger add: not run (the import did not complete)")
            return lines
        question = ("state", "--db", db, "--as-of", last, "--format", "json")
        date, price = NEXT_PRICE
        event = ("ledger", "add", "--kind", "closing_price", "--date", date, "--field", f"price={price}")
        runs = _runs(Path(tmp), question, event)
        lines += _report("state", f"state --as-of {last} --format json", runs[_cli.ENTRY, "state"])
        lines += _report("add", f"ledger add closing_price {date}", runs[_cli.ENTRY, "add"])
        lines += _side_by_side(runs)
        lines += _earlier_date(db)
    return lines


REPEATS = 5
"""Each of ``state`` and ``ledger add`` is run this many times per entry point, alternately; the
run of median time is reported."""


def _runs(tmp: Path, question: tuple[str, ...], event: tuple[str, ...]) -> dict[tuple[str, str], _cli.Measured]:
    """The median run (by time) of ``question`` and of ``event`` (an append, each time to a fresh copy
    of the register's store) through the program's entry point and through the command line alone,
    :data:`REPEATS` times each, alternately."""
    store = tmp / "register.sqlite"
    found: dict[tuple[str, str], list[_cli.Measured]] = {}
    for _ in range(REPEATS):
        for entry in (_cli.ENTRY, _cli.COMMAND_LINE_ONLY):
            found.setdefault((entry, "state"), []).append(_cli.prefstack(*question, timeout=TIMEOUT, entry=entry))
            copy = tmp / "register-append.sqlite"
            shutil.copyfile(store, copy)
            appended = _cli.prefstack(*event, "--db", f"sqlite:///{copy}", timeout=TIMEOUT, entry=entry)
            found.setdefault((entry, "add"), []).append(appended)
            copy.unlink()
    return {key: _median(measured) for key, measured in found.items()}


def _median(measured: list[_cli.Measured]) -> _cli.Measured:
    """The run of median time; a run that did not complete, where any did not."""
    failed = [m for m in measured if not m.ok]
    return failed[0] if failed else sorted(measured, key=lambda m: m.seconds)[len(measured) // 2]


def _side_by_side(runs: dict[tuple[str, str], _cli.Measured]) -> list[str]:
    """The same ``state`` and ``ledger add`` run through the command line alone (``prefstack.cli``:
    the chain checked in a child forked where the command reads the store, and no freezing at
    exit), against the table's runs through the program's entry point (``prefstack.launch``)."""
    if not all(m.ok for m in runs.values()):
        return ["  side by side: did not complete (" + ", ".join(m.status() for m in runs.values()) + ")"]
    parts = []
    for name, label in (("state", "state"), ("add", "ledger add")):
        alone, entry = runs[_cli.COMMAND_LINE_ONLY, name], runs[_cli.ENTRY, name]
        parts.append(
            f"{label} {alone.seconds:.2f} s against {entry.seconds:.2f} s ({alone.seconds / entry.seconds:.2f}x)"
        )
    return [
        f"  state and ledger add: the median of {REPEATS} runs each (each append to a fresh copy of the store); "
        "side by side, alternately, through the command line alone (the chain checked from where the store is "
        "read, no freeze at exit): " + "; ".join(parts)
    ]


MIDDLE = "2003-01-01"
"""An as-of date in the middle of the register, before its last event."""


def _earlier_date(db: str) -> list[str]:
    """``state --as-of`` a date before the last event, replayed (no checkpoints yet) and then from
    the checkpoint of its quarter once ``ledger snapshot`` has kept them, side by side."""
    question = ("state", "--db", db, "--as-of", MIDDLE, "--format", "json")
    replayed = _cli.prefstack(*question, timeout=TIMEOUT)
    snapshot = _cli.prefstack("ledger", "snapshot", "--db", db, timeout=TIMEOUT)
    checkpointed = _cli.prefstack(*question, timeout=TIMEOUT)
    if not (replayed.ok and snapshot.ok and checkpointed.ok):
        statuses = ", ".join(m.status() for m in (replayed, snapshot, checkpointed))
        return [f"  state --as-of {MIDDLE}: did not complete ({statuses})"]
    return [
        f"  an earlier date: state --as-of {MIDDLE} replayed {replayed.seconds:.2f} s "
        f"(peak {replayed.peak_mb:,.0f} MB); "
        f"`ledger snapshot` (snapshot and quarterly checkpoints) {snapshot.seconds:.2f} s "
        f"(peak {snapshot.peak_mb:,.0f} MB); then from the checkpoint of 2002-12-31 {checkpointed.seconds:.2f} s "
        f"(peak {checkpointed.peak_mb:,.0f} MB): {replayed.seconds / checkpointed.seconds:.1f}x faster"
    ]


if __name__ == "__main__":
    print("\n".join(run()), flush=True)
