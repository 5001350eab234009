"""What each reading is worth, on the bundled example: ``prefstack interpretations --impact`` as a
command in its own process, against the goal of seconds, not minutes (every implemented
alternative whose interpretation the figures consult answered once, each from a replay of the
ledger); for scale, one ``state`` of the same store in the same run; and, on a synthetic ledger of
about 10,000 events of Series F dividends, the alternatives answered by one process and by two
(``--jobs 2``) side by side, with the same result."""

from __future__ import annotations

import datetime as dt
import tempfile
from importlib import resources
from pathlib import Path

import yaml

from benchmarks import _cli
from benchmarks.synthetic import dividend_ledger
from prefstack.books import Books
from prefstack.impact import impact as impact_of
from prefstack.interpretations import registry

AS_OF = "2003-12-31"
GOAL_SECONDS = 10.0
"""'Seconds, not minutes'."""


def run() -> list[str]:
    alternatives = sum(len(i.selectable) for i in registry().values())
    example = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
    with tempfile.TemporaryDirectory(prefix="prefstack-bench-impact-") as tmp:
        db = f"sqlite:///{Path(tmp) / 'example.sqlite'}"
        imported = _cli.prefstack("ledger", "import", example, "--db", db)
        if not imported.ok:
            return [f"ledger import of the example failed: {imported.status()}"]
        state = _cli.prefstack("state", "--db", db, "--as-of", AS_OF, "--format", "json")
        impact = _cli.prefstack("interpretations", "--impact", "--db", db, "--as-of", AS_OF, "--format", "json")
        if not impact.ok:
            return [f"interpretations --impact failed: {impact.status()}"]
    counted = Books("sqlite:///unused.sqlite", ledger=example)  # counted here, not timed
    found = impact_of(counted, dt.date.fromisoformat(AS_OF))
    verdict = "PASS" if impact.seconds < GOAL_SECONDS else "FAIL"
    changing = f"; {len(found.points)} change a figure, {len(found.unchanged)} none"
    changing += f", {len(found.not_consulted)} not consulted (not answered again)"
    return [
        f"the bundled example as of {AS_OF}: {alternatives} implemented alternative readings{changing}",
        f"  interpretations --impact: {impact.seconds:.2f} s, peak {impact.peak_mb:,.0f} MB "
        f"(goal: seconds, under {GOAL_SECONDS:.0f} s: {verdict})",
        f"  for scale, one state of the same store: {state.seconds:.2f} s; ratio {impact.seconds / state.seconds:.1f}x",
        *_in_parallel(),
    ]


def _in_parallel() -> list[str]:
    """The impact on a larger ledger, answered by one process and by two, side by side."""
    with tempfile.TemporaryDirectory(prefix="prefstack-bench-impact-jobs-") as tmp:
        ledger = Path(tmp) / "dividends.yaml"
        ledger.write_text(yaml.safe_dump(dividend_ledger(EVENTS), sort_keys=False), encoding="utf-8")
        asked = ["interpretations", "--impact", "--ledger", str(ledger), "--as-of", "2003-12-31", "--format", "json"]
        one = _cli.prefstack(*asked, "--jobs", "1")
        two = _cli.prefstack(*asked, "--jobs", "2")
    if not (one.ok and two.ok):
        return [f"  --jobs on {EVENTS:,} events failed: {one.status()} / {two.status()}"]
    same = "the same result" if one.stdout_tail == two.stdout_tail else "DIFFERENT results: FAIL"
    return [
        f"  a ledger of about {EVENTS:,} events of Series F dividends: --jobs 1 {one.seconds:.2f} s, "
        f"--jobs 2 {two.seconds:.2f} s ({one.seconds / two.seconds:.2f}x faster, {same})"
    ]


EVENTS = 10_000


if __name__ == "__main__":
    print("\n".join(run()), flush=True)
