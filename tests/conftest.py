"""Shared fixtures."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    """Run the real ``prefstack`` command line in a subprocess; fail unless it exits 0."""

    def run(*args: str, ok: bool = True, input: str | None = None) -> CliResult:
        proc = subprocess.run(
            [sys.executable, "-c", "from prefstack.cli import main; main()", *args],
            capture_output=True,
            text=True,
            input=input,
            timeout=120,
        )
        result = CliResult(proc.returncode, proc.stdout, proc.stderr)
        if ok and proc.returncode != 0:
            raise AssertionError(f"prefstack {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
        return result

    return run
