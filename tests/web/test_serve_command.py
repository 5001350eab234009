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
