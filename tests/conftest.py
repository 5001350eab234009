"""Shared fixtures: a PostgreSQL server for the session, and a fresh ledger database per test.

``pg_url`` starts a real PostgreSQL server on 127.0.0.1 (see ``postgres_server.py``) and stops
it when the session ends. Where no server can be started the PostgreSQL tests are skipped with
the reason, except in CI (``CI=true``), where they fail: CI must run them.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cli_forkserver import ForkServer
from helpers import Prefstack, Run
from postgres_server import PostgresUnavailable, start_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every citation of a ``clause`` marker names a section the certificate has."""
    from prefstack.citations import cite
    from prefstack.errors import CitationError

    for item in items:
        for marker in item.iter_markers("clause"):
            if not marker.args or marker.kwargs:
                raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.clause takes one or more citations")
            for text in marker.args:
                try:
                    cite(text)
                except (CitationError, AttributeError) as exc:
                    raise pytest.UsageError(f"{item.nodeid}: {exc}") from exc


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

_database_names = itertools.count(1)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required when CI=true: {reason}")
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The superuser URL of a PostgreSQL server started for this session."""
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        _unavailable(str(exc))
        raise AssertionError("unreachable") from exc
    try:
        yield server.admin_url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_admin(pg_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL for each test, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        return
    admin: sa.Engine = request.getfixturevalue("pg_admin")
    name = f"ledger_test_{os.getpid()}_{next(_database_names)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def dask_scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a Dask scheduler and one worker (two threads, under its nanny), each a process of its own
    listening on 127.0.0.1, started for the tests of a module that spread work over a cluster and
    stopped and reaped after them (the tests of forking find no child of this process left). The
    test process imports no Dask: a cluster run in it leaves Dask's threads behind once closed,
    and a process with another thread forks no child (``forked.beside``)."""
    folder = tmp_path_factory.mktemp("dask")
    address_file = folder / "scheduler.json"
    common = ["--host", "127.0.0.1", "--no-dashboard"]
    scheduler = [sys.executable, "-m", "distributed.cli.dask_scheduler", *common, "--port", "0"]
    # with its nanny, as a cluster's workers run (it starts the worker with one BLAS thread)
    worker = [sys.executable, "-m", "distributed.cli.dask_worker", *common, "--nthreads", "2"]
    started: list[subprocess.Popen[bytes]] = []
    logs: dict[str, Any] = {}
    try:
        logs.update({name: (folder / f"{name}.log").open("wb") for name in ("scheduler", "worker")})
        started.append(
            subprocess.Popen(
                [*scheduler, "--scheduler-file", str(address_file)],
                stdout=logs["scheduler"],
                stderr=subprocess.STDOUT,
            )
        )
        address = _when_ready(lambda: json.loads(address_file.read_text())["address"], started[0], address_file)
        started.append(
            subprocess.Popen(
                [*worker, address],
                stdout=logs["worker"],
                stderr=subprocess.STDOUT,
            )
        )
        worker_log = folder / "worker.log"
        _when_ready(lambda: "Registered to:" in worker_log.read_text() or None, started[1], worker_log)
        assert address.startswith("tcp://127.0.0.1:")
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs.values():
            log.close()


def _when_ready(ready: Callable[[], Any], process: subprocess.Popen[bytes], log: Path) -> Any:
    """What ``ready`` gives once it gives something (a server's file written, its log saying so),
    asked every tenth of a second for up to 60 seconds; the process's exit, or the time, fails."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args} exited {process.returncode}: {log.read_text(errors='replace')}")
        try:
            found = ready()
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            found = None
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{process.args} not ready after 60 s: {log.read_text(errors='replace')}")


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def _fork_server() -> Iterator[ForkServer]:
    server = ForkServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cli(_fork_server: ForkServer) -> Callable[..., CliResult]:
    """Run the real ``prefstack`` command line in a process of its own (forked from a server that
    imported the program once: ``cli_forkserver.py``); fail unless it exits 0."""

    def run(*args: str, ok: bool = True, input: str | None = None) -> CliResult:
        proc = _fork_server.run(list(args), input, timeout=120)
        result = CliResult(proc.returncode, proc.stdout, proc.stderr)
        if ok and proc.returncode != 0:
            raise AssertionError(f"prefstack {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
        return result

    return run


@pytest.fixture
def raw(store_url: str) -> Iterator[sa.Engine]:
    """A plain connection to the test's store database, for tampering and inspection."""
    engine = sa.create_engine(store_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def prefstack(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Prefstack:
    """Run ``prefstack ARGS`` in this process and return its exit status and output; an uncaught
    exception fails the test. Reading a store whose chain does not verify is refused, as for users."""
    from prefstack.cli import main
    from prefstack.ledger import service

    monkeypatch.setattr(service, "ALLOW_UNVERIFIED", False)  # restored after the test

    def run(*args: str) -> Run:
        monkeypatch.setattr(sys, "argv", ["prefstack", *args])
        capsys.readouterr()
        collecting = gc.isenabled()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            # a command turns the cyclic collector off for the rest of its process (cli.main), which
            # here is the test run's: on again as it was
            (gc.enable if collecting else gc.disable)()
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run
