"""What each reading is worth, on the bundled example: ``prefstack interpretations --impact`` as a
command in its own process, against the goal of seconds, not minutes (every implemented
alternative answered once, each from a replay of the ledger, beside prefstack's reading from the
store's snapshot); and, for scale, one ``state`` of the same store in the same run."""

from __future__ import annotations

import datetime as dt
import tempfile
from importlib import resources
from pathlib import Path

from benchmarks import _cli
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
    return [
        f"the bundled example as of {AS_OF}: {alternatives} implemented alternative readings{changing}",
        f"  interpretations --impact: {impact.seconds:.2f} s, peak {impact.peak_mb:,.0f} MB "
        f"(goal: seconds, under {GOAL_SECONDS:.0f} s: {verdict})",
        f"  for scale, one state of the same store: {state.seconds:.2f} s; ratio {impact.seconds / state.seconds:.1f}x",
    ]


if __name__ == "__main__":
    print("\n".join(run()), flush=True)
