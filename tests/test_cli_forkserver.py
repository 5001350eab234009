"""The tests' fork server (cli_forkserver.py) runs a command as ``subprocess.run`` would: its exit
status, output, standard input, environment and folder; a command past its time, or a wait
interrupted, is killed and the next command gets its own answers."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_forkserver import ForkServer
from helpers import no_child_left

ENTRY = [sys.executable, "-c", "from prefstack.launch import main; main()"]


@pytest.fixture(scope="module")
def server() -> Iterator[ForkServer]:
    started = ForkServer()
    try:
        yield started
    finally:
        started.stop()


@pytest.mark.parametrize(
    "args",
    [["--help"], ["schedule", "F"], ["no-such-command"], ["state", "--on", "not-a-date"]],
)
def test_a_command_answers_as_in_a_new_interpreter(server: ForkServer, args: list[str]) -> None:
    """The same status, stdout and stderr as ``python -c ... ARGS`` started afresh (0, 0, 2, 2)."""
    forked = server.run(args, None, timeout=120)
    fresh = subprocess.run([*ENTRY, *args], capture_output=True, text=True, timeout=120)
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)


def test_stdin_environment_and_folder_are_the_callers(
    server: ForkServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``users add --password-stdin`` reads the password from the caller's input and writes the user
    into the store PREFSTACK_DB names (set after the server started), relative to the caller's folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PREFSTACK_DB", "sqlite:///here.sqlite")
    done = server.run(["users", "add", "carol", "--password-stdin"], "a long enough password\n", timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "added user carol (password)\n"
    assert (tmp_path / "here.sqlite").exists()


def test_a_command_past_its_time_or_interrupted_is_killed_and_the_next_answers(server: ForkServer) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        server.run(["schedule", "F"], None, timeout=0.001)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(KeyboardInterrupt):
            server.run(["schedule", "F"], None, timeout=120)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    after = server.run(["--help"], None, timeout=120)
    assert after.returncode == 0 and "Usage" in after.stdout
    assert no_child_left()  # the server and its commands are not this process's children
