"""The README's tour runs as written: every `prefstack ...` line of its first shell block, in order,
in a fresh folder where `prefstack run` (what `make run` runs) has loaded the example into the
default store. Any non-zero exit fails the test, naming the line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tour_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## A five-minute tour", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the tour has a ```sh block"
    lines = [line.strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line.startswith("prefstack ")]


def test_the_tour_has_the_commands_a_new_user_needs() -> None:
    lines = tour_lines()
    assert len(lines) >= 30
    for command in ("schedule", "ledger import", "state", "convert", "waterfall", "redemption", "calendar", "document"):
        assert any(line.startswith(f"prefstack {command}") for line in lines), command


def test_every_tour_command_runs_as_written(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    data = tmp_path / "src" / "prefstack" / "data"
    data.mkdir(parents=True)
    for ledger in ("example_ledger.yaml", "northwind_ledger.yaml"):
        shutil.copy(ROOT / "src" / "prefstack" / "data" / ledger, data)
    bindir = Path(sys.executable).parent
    assert (bindir / "prefstack").exists(), "the prefstack command is installed beside this Python"
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "160"}

    def run(line: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", f"set -o pipefail; {line}"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    setup = run("prefstack run")
    assert setup.returncode == 0, setup.stderr
    failures = []
    for line in tour_lines():
        done = run(line)
        if done.returncode != 0 or "Traceback" in done.stderr:
            failures.append(f"{line}\n  exit {done.returncode}: {done.stderr.strip()[-500:]}")
    assert not failures, "README tour lines that fail:\n" + "\n".join(failures)
    for written in (
        "state.xlsx",
        "deadlines.ics",
        "d.pdf",
        "adjustment.pdf",
        "adjustments.pdf",
        "conversion.pdf",
        "r.pdf",
        "r.png",
        "n.pdf",
    ):
        assert (tmp_path / written).stat().st_size > 0, written
    assert [p.name for p in (tmp_path / "statements").iterdir()] == ["microsoft-corporation.pdf"]
