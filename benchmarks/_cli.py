"""Run the ``prefstack`` command line in a child process and measure it: wall time and the
child's own peak resident memory, under a timeout.

The peak comes from ``os.wait4``'s resource usage of that one child. On Linux a process's
``ru_maxrss`` also counts the memory of the process it was forked from (the high-water mark of
the copied address space is kept through ``exec``), so a child forked straight from the
benchmark, which holds a large generated ledger, would report at least the benchmark's own
size. The command is therefore started by a small launcher (a bare Python that imports
nothing of prefstack), which spawns it, kills it at the timeout, waits for it and writes its
figures to a file.

Not a benchmark itself (its name starts with ``_``, so ``python -m benchmarks`` skips it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
"""This checkout's sources: the child runs the code of the tree the benchmark is in."""

DEFAULT_TIMEOUT = 600.0

_LAUNCHER = """
import json, os, signal, sys, time
result_file, timeout, command = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
timed_out = []
def kill(signum, frame):
    timed_out.append(True)
    os.kill(pid, signal.SIGKILL)
started = time.perf_counter()
pid = os.posix_spawn(command[0], command, os.environ)
signal.signal(signal.SIGALRM, kill)
signal.setitimer(signal.ITIMER_REAL, timeout)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
signal.setitimer(signal.ITIMER_REAL, 0)
with open(result_file, "w") as f:
    json.dump({"status": status, "maxrss_kb": usage.ru_maxrss, "seconds": seconds, "timed_out": bool(timed_out)}, f)
"""


@dataclass(frozen=True)
class Measured:
    """One command's run: its exit status (None when it was killed at the timeout), wall
    seconds, peak resident memory in MB, and the end of what it printed."""

    args: tuple[str, ...]
    returncode: int | None
    seconds: float
    peak_mb: float
    timed_out: bool
    stdout_tail: str
    stderr_tail: str

    @property
    def ok(self) -> bool:
        return not self.timed_out and self.returncode == 0

    def status(self) -> str:
        """``ok``, ``TIMEOUT after N s`` or ``exit N: last line of stderr``, for a report line."""
        if self.timed_out:
            return f"TIMEOUT after {self.seconds:.0f} s"
        if self.returncode != 0:
            last = self.stderr_tail.strip().splitlines()[-1:] or [""]
            return f"exit {self.returncode}: {last[0][:200]}"
        return "ok"


def _tail(path: Path, limit: int = 2000) -> str:
    if not path.exists():
        return ""
    return path.read_bytes()[-limit:].decode("utf-8", "replace")


ENTRY = "prefstack.launch"
"""The ``prefstack`` program's entry point (its console script)."""
COMMAND_LINE_ONLY = "prefstack.cli"
"""The command line without the entry point around it: no hash chain checked from the command's
first instant (the check starts where the command reads the store), no freezing at exit."""


def prefstack(*args: str, timeout: float = DEFAULT_TIMEOUT, entry: str = ENTRY) -> Measured:
    """Run ``prefstack ARGS`` (this checkout's code) in a child process and measure it.

    ``entry``: the module whose ``main`` runs it (:data:`ENTRY`, or :data:`COMMAND_LINE_ONLY` to
    measure what the entry point adds). At the timeout the command is killed (SIGKILL) and reported
    as timed out, with the peak memory it had reached (of the command's process and the children
    it waited for, whichever was largest).
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    command = [sys.executable, "-c", f"from {entry} import main; main()", *args]
    with tempfile.TemporaryDirectory(prefix="prefstack-cli-") as tmp:
        result_file = Path(tmp) / "result.json"
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            launcher = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(result_file), str(timeout), *command],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
            try:
                # The launcher kills the command at the timeout; this is only a safety net.
                launcher.wait(timeout + 60)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)
                launcher.wait()
        if not result_file.exists():
            raise RuntimeError(f"the launcher of prefstack {' '.join(args)} wrote no result: {_tail(err_path)}")
        result = json.loads(result_file.read_text())
        timed_out = bool(result["timed_out"])
        return Measured(
            args=tuple(args),
            returncode=None if timed_out else os.waitstatus_to_exitcode(result["status"]),
            seconds=float(result["seconds"]),
            peak_mb=result["maxrss_kb"] / 1024,  # ru_maxrss is in kilobytes on Linux
            timed_out=timed_out,
            stdout_tail=_tail(out_path),
            stderr_tail=_tail(err_path),
        )
