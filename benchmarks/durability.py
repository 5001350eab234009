"""Durability of the event store under concurrent writers and kill -9, on SQLite and PostgreSQL.

Several writer processes append events at once for a fixed time, each retrying on the store's
optimistic version check; meanwhile the harness kills writers with SIGKILL at random moments and
starts new ones in their place. Each writer prints an acknowledgement only after its append has
returned. At the end the store is read and checked:

- acknowledged: appends whose writer printed the acknowledgement;
- stored: events in the store (an append in flight at a kill may be stored unacknowledged);
- lost: acknowledged but not stored (must be 0);
- duplicated: one writer's event stored more than once (must be 0);
- chain: the hash chain verifies and sequence numbers run 1..version without a gap.

``run()`` (``make bench``) uses 8 writers for 30 s with 50 kills on each backend; the test suite
runs :func:`measure` with a few writers for a few seconds (tests/ledger/test_durability.py).
Every loop is bounded in count and time; PostgreSQL listens on 127.0.0.1 only.
"""

from __future__ import annotations

import datetime
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

WRITER_SECONDS_LIMIT = 600
"""A writer stops by itself after this long, whatever happens to the harness."""


@dataclass(frozen=True)
class Figures:
    backend: str
    writers: int
    seconds: float
    kills: int
    acknowledged: int
    stored: int
    lost: int
    duplicated: int
    chain_valid: bool
    conflicts_retried: int

    def line(self) -> str:
        return (
            f"{self.backend}: {self.writers} writers for {self.seconds:.0f} s, {self.kills} kill -9: "
            f"{self.acknowledged} acknowledged, {self.stored} stored, {self.lost} lost, "
            f"{self.duplicated} duplicated, chain {'valid' if self.chain_valid else 'BROKEN'} "
            f"({self.acknowledged / self.seconds:.0f} acknowledged appends/s, "
            f"{self.conflicts_retried} version conflicts retried)"
        )


def _writer(url: str, name: str) -> None:
    """Append events ``{"writer": name, "n": n}`` forever (bounded by WRITER_SECONDS_LIMIT),
    printing ``ack n`` after each append returned and ``conflict`` for each retried version check."""
    from prefstack.ledger import ConcurrencyError, EventStore, NewEvent

    deadline = time.monotonic() + WRITER_SECONDS_LIMIT
    with EventStore(url) as opened:
        store = opened.stream("bench")
        print("ready", flush=True)
        n = 0
        while time.monotonic() < deadline:
            event = NewEvent("note", datetime.date(2024, 1, 1), {"writer": name, "n": n, "text": "x" * 100})
            try:
                store.append([event], expected_version=store.version())
            except ConcurrencyError:
                print("conflict", flush=True)
                continue
            print(f"ack {n}", flush=True)
            n += 1


def _start(url: str, name: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "writer", url, name],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        raise RuntimeError(f"writer {name} did not start (exit {proc.poll()}): {line!r}")
    return proc


@dataclass
class _Running:
    proc: subprocess.Popen[str]
    name: str
    buffer: str = ""


def _drain(running: _Running, acknowledged: set[tuple[str, int]], conflicts: list[int], final: bool) -> None:
    """Read what the writer printed; only whole lines count (a torn last line was not acknowledged)."""
    stdout = running.proc.stdout
    assert stdout is not None
    fd = stdout.fileno()
    while True:
        ready, _, _ = select.select([fd], [], [], 0 if not final else 0.5)
        if not ready:
            return
        chunk = os.read(fd, 65536).decode()
        if not chunk:
            return
        running.buffer += chunk
        *lines, running.buffer = running.buffer.split("\n")
        for line in lines:
            if line.startswith("ack "):
                acknowledged.add((running.name, int(line[4:])))
            elif line == "conflict":
                conflicts[0] += 1


def measure(url: str, backend: str, *, writers: int, seconds: float, kills: int, seed: int = 20241123) -> Figures:
    """Run ``writers`` concurrent writers for ``seconds``, killing ``kills`` of them with SIGKILL at
    random moments (each replaced at once), then check the store."""
    from prefstack.ledger import EventStore

    rng = random.Random(seed)
    with EventStore(url):
        pass  # create the schema once, before the writers race to
    kill_times = sorted(rng.uniform(0.1, seconds * 0.9) for _ in range(kills))
    acknowledged: set[tuple[str, int]] = set()
    conflicts = [0]
    counter = 0

    def fresh() -> _Running:
        nonlocal counter
        counter += 1
        name = f"w{counter}"
        return _Running(_start(url, name), name)

    running = [fresh() for _ in range(writers)]
    started = time.monotonic()
    done_kills = 0
    try:
        # Runs for ``seconds`` and until every kill is made (a slow start of a replacement writer on a
        # loaded machine must not skip the kills still due).
        while (elapsed := time.monotonic() - started) < seconds or done_kills < kills:
            for r in running:
                _drain(r, acknowledged, conflicts, final=False)
            while done_kills < kills and kill_times[done_kills] <= elapsed:
                victim = rng.randrange(len(running))
                target = running[victim]
                os.kill(target.proc.pid, signal.SIGKILL)
                target.proc.wait(timeout=30)
                _drain(target, acknowledged, conflicts, final=True)
                assert target.proc.stdout is not None
                target.proc.stdout.close()
                running[victim] = fresh()
                done_kills += 1
            time.sleep(0.01)
    finally:
        for r in running:
            r.proc.send_signal(signal.SIGKILL)
            r.proc.wait(timeout=30)
            _drain(r, acknowledged, conflicts, final=True)
            assert r.proc.stdout is not None
            r.proc.stdout.close()
    elapsed = time.monotonic() - started
    with EventStore(url) as opened:
        store = opened.stream("bench")
        report = store.verify()
        events = store.read()
        version = store.version()
    keys = Counter((str(e.payload["writer"]), int(str(e.payload["n"]))) for e in events)
    contiguous = [e.seq for e in events] == list(range(1, version + 1))
    return Figures(
        backend=backend,
        writers=writers,
        seconds=elapsed,
        kills=done_kills,
        acknowledged=len(acknowledged),
        stored=len(events),
        lost=len(acknowledged - set(keys)),
        duplicated=sum(count - 1 for count in keys.values() if count > 1),
        chain_valid=report.ok and contiguous,
        conflicts_retried=conflicts[0],
    )


def _postgres_url(server: object) -> str:
    import sqlalchemy as sa

    admin_url = str(server.admin_url)  # type: ignore[attr-defined]
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql('CREATE DATABASE "durability"')
    admin.dispose()
    return sa.make_url(admin_url).set(database="durability").render_as_string(hide_password=False)


def run() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory(prefix="prefstack-durability-") as tmp:
        figures = measure(f"sqlite:///{Path(tmp) / 'ledger.sqlite'}", "SQLite", writers=8, seconds=30, kills=50)
        lines.append(figures.line())
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from postgres_server import PostgresUnavailable, start_server  # type: ignore[import-not-found]

    try:
        server = start_server()
    except PostgresUnavailable as exc:
        lines.append(f"PostgreSQL: not measured ({exc})")
        return lines
    try:
        lines.append(measure(_postgres_url(server), "PostgreSQL", writers=8, seconds=30, kills=50).line())
    finally:
        server.stop()
    return lines


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "writer":
        _writer(sys.argv[2], sys.argv[3])
    else:
        for text in run():
            print(text)
