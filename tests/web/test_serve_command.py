"""`prefstack serve` itself: the command in a subprocess answers on 127.0.0.1 and stops."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from webservice import COMPANY, free_port, make_store


def test_prefstack_serve_answers_on_127_0_0_1(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'web.sqlite'}"
    tokens = make_store(db, tmp_path)
    port = free_port()
    entry = "from prefstack.launch import main; main()"
    command = [sys.executable, "-c", entry, "serve", "--db", db, "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                document = httpx.get(f"http://127.0.0.1:{port}/openapi.json")
                break
            except httpx.ConnectError:
                assert process.poll() is None and time.monotonic() < deadline, "prefstack serve did not start"
                time.sleep(0.1)
        assert document.json()["info"]["title"] == "prefstack"
        headers = {"Authorization": f"Bearer {tokens['auditor']}"}
        votes = httpx.get(
            f"http://127.0.0.1:{port}/api/companies/{COMPANY}/votes", params={"as_of": "2000-12-31"}, headers=headers
        )
        assert votes.status_code == 200 and [s["series"] for s in votes.json()["series"]] == ["F", "G"]
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_prefstack_serve_refuses_a_store_that_does_not_exist(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'missing.sqlite'}"
    command = [sys.executable, "-c", "from prefstack.launch import main; main()", "serve", "--db", missing]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no store at" in done.stderr
    assert not (tmp_path / "missing.sqlite").exists()


def test_prefstack_serve_runs_with_the_cyclic_collector_on(tmp_path: Path) -> None:
    """A command that answers and exits runs with the collector off (cli.main); the service lives
    on, so what it makes in cycles must be collected: `serve` turns it on before it listens."""
    db = f"sqlite:///{tmp_path / 'web.sqlite'}"
    make_store(db, tmp_path)
    probe = (
        "import gc, sys, prefstack.web as web\n"
        "web.serve = lambda db, host, port: print('collector on' if gc.isenabled() else 'collector off')\n"
        "from prefstack.launch import main\n"
        "sys.argv = ['prefstack', 'serve', '--db', sys.argv[1]]\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, db], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "collector on"
