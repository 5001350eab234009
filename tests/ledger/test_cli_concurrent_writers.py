"""Concurrent `ledger add` writers: each append that finds the ledger moved on is validated again
against the new head and retried (a bounded number of times), so concurrent users see no conflict
error; nothing is lost or stored twice and the chain verifies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from prefstack.ledger.store import EventStore

WRITERS = 6
EACH = 4


def test_concurrent_cli_writers_all_succeed(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    base = tmp_path / "base.yaml"
    base.write_text(
        yaml.safe_dump(
            {
                "format": "prefstack-ledger/1",
                "company": "CAIS Internet, Inc.",
                "events": [{"kind": "common_outstanding", "date": "2000-06-01", "shares": 1}],
            }
        )
    )
    run = [sys.executable, "-c", "from prefstack.launch import main; main()"]
    subprocess.run([*run, "ledger", "import", str(base), "--db", db], check=True, capture_output=True)
    procs = []
    for writer in range(WRITERS):
        commands = [
            [*run, "ledger", "add", "--db", db, "--kind", "closing_price", "--date", f"2001-0{writer + 1}-{day:02d}",
             "--field", f"price={writer + 1}.{day:02d}"]
            for day in range(10, 10 + EACH)
        ]  # fmt: skip
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", _SEQUENTIAL, repr(commands)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "ConcurrencyError" not in err and "another writer" not in err
    with EventStore(db) as opened:
        store = opened.stream("cais-internet")
        assert store.version() == 1 + WRITERS * EACH
        assert store.verify().ok
        prices = {(e.effective_date.isoformat(), e.payload["price"]) for e in store.read() if e.kind == "closing_price"}
    assert len(prices) == WRITERS * EACH


_SEQUENTIAL = """
import ast, subprocess, sys
for command in ast.literal_eval(sys.argv[1]):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        sys.exit(done.returncode)
"""
