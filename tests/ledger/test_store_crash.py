"""A writer killed with SIGKILL mid-stream loses nothing it acknowledged and leaves a ledger
that verifies (SQLite in WAL mode with synchronous=FULL; PostgreSQL transactions)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

import prefstack
from prefstack.ledger import EventStore

WRITER = Path(__file__).with_name("ledger_writer.py")
ROUNDS = 3


def _writer_env() -> dict[str, str]:
    src = str(Path(prefstack.__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


def _kill_mid_stream(url: str, acknowledgements: int, rng: random.Random) -> list[int]:
    """Run a streaming writer, SIGKILL it after some acknowledgements, return every seq it
    acknowledged (printed after its append returned)."""
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), "stream", url],
        stdout=subprocess.PIPE,
        text=True,
        env=_writer_env(),
    )
    assert proc.stdout is not None
    acknowledged: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < acknowledgements:
            line = proc.stdout.readline()
            assert line, f"writer stopped early (exit {proc.poll()})"
            acknowledged.append(int(line))
            assert time.monotonic() < deadline, "writer too slow"
        time.sleep(rng.uniform(0, 0.005))  # land somewhere inside a later append
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        # Lines written before the kill were acknowledged too; a torn last line was not.
        rest = proc.stdout.read()
        acknowledged += [int(line) for line in rest.split("\n")[:-1]]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return acknowledged


def test_killed_writer_loses_no_acknowledged_event_and_the_ledger_verifies(store_url: str) -> None:
    rng = random.Random(20240315)
    acknowledged_so_far: list[int] = []
    for _round in range(ROUNDS):
        with EventStore(store_url) as opened:
            start = opened.stream("acme").version()
        acknowledged = _kill_mid_stream(store_url, rng.randint(20, 60), rng)
        assert acknowledged == list(range(start + 1, start + 1 + len(acknowledged)))
        acknowledged_so_far += acknowledged
        with EventStore(store_url) as opened:
            store = opened.stream("acme")
            report = store.verify()
            assert report.ok, report.problems
            events = store.read()
            seqs = [e.seq for e in events]
            assert seqs == list(range(1, store.version() + 1))
            assert set(acknowledged_so_far) <= set(seqs)
            # At most the one append in flight at the kill got committed without acknowledgement.
            assert store.version() - acknowledged_so_far[-1] in (0, 1)
            assert [e.payload["amount"] for e in events[:3]] == ["0.25", "1.25", "2.25"]
    if store_url.startswith("sqlite"):
        engine = sa.create_engine(store_url)
        try:
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        finally:
            engine.dispose()


def test_sqlite_store_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    # The settings are per connection: look through the store's own connections.
    with EventStore(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as store, store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() > 0
