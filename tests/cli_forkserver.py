"""A fork server for the tests' ``prefstack`` commands: one process imports the program's modules
once, then forks a new process for each command the tests run.

Each command still runs in a process of its own, started as ``python -c "from prefstack.launch
import main; main()" ARGS`` would be: its own argument list, environment, working folder, standard
input, output and error (files here, read back whole), its exit status (a signal as a negative
status, as :mod:`subprocess` gives it) and its interpreter's normal exit (``atexit``, buffers
flushed, an uncaught exception's traceback on standard error and status 1). What it is spared is
the interpreter's start and the import of hundreds of modules (about half a second a command on
a 2-core machine, several minutes over the suite).

Run as a script, this is the server: it reads one request a line on standard input (JSON: args,
env, cwd and the paths of the command's stdin, stdout and stderr), forks, answers the child's pid
(``{"pid": N}``) at once and its exit status (``{"status": S}``) when it ends. It runs as a
process of its own, not the tests' child (it forks and its first process exits), and exits when
its requests end. It never runs a
command in its own process, so every child starts from the same freshly imported modules. The
modules it imports start no thread: :func:`prefstack.forked.beside` forks only a process with no
other thread, and the server checks that before its first fork.

:class:`ForkServer` is the tests' side: it starts the server, sends a request, waits up to the
timeout (then kills the command, as :func:`subprocess.run` does) and returns the command's
outputs.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# what the children import anyway, imported once: every prefstack module (NumPy among them) and
# the libraries commands import when they need them (not Dask, whose import starts threads)
PRELOAD = ("pkgutil", "yaml", "sqlalchemy", "jsonschema", "typer")


def _preload() -> None:
    import importlib
    import pkgutil
    import threading

    import prefstack

    for name in PRELOAD:
        importlib.import_module(name)
    for module in pkgutil.walk_packages(prefstack.__path__, "prefstack."):
        importlib.import_module(module.name)
    if threading.active_count() != 1:
        raise SystemExit(f"the fork server's imports started threads: {threading.enumerate()}")


def _serve() -> None:
    """The server's loop. A child leaves it by raising (``SystemExit`` from the command, or any
    exception, reported by the interpreter as for ``python -c``) or by returning from ``main``,
    and then exits as a fresh interpreter would; the server never returns from it."""
    if os.fork():
        # the tests' process reaps this one at once; the server, its child, is nobody's child there
        # (a test that checks that its process leaves no child behind sees none)
        os._exit(0)
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    replies = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    _preload()
    os.write(replies, json.dumps({"pid": os.getpid()}).encode() + b"\n")
    while True:
        line = requests.readline()
        if not line:
            os._exit(0)
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            requests.close()
            os.close(replies)
            _become(request)
            from prefstack.launch import main

            main()
            return
        os.write(replies, json.dumps({"pid": pid}).encode() + b"\n")
        _, status = os.waitpid(pid, 0)
        os.write(replies, json.dumps({"status": os.waitstatus_to_exitcode(status)}).encode() + b"\n")


def _become(request: dict[str, object]) -> None:
    """In the child: the command's standard streams, environment, folder and arguments."""
    stdin = request["stdin"]
    for fd, path, flags in (
        (0, stdin if isinstance(stdin, str) else os.devnull, os.O_RDONLY),
        (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
    ):
        assert isinstance(path, str)
        opened = os.open(path, flags, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    env = request["env"]
    assert isinstance(env, dict)
    os.environ.clear()
    os.environ.update(env)
    cwd = request["cwd"]
    assert isinstance(cwd, str)
    os.chdir(cwd)
    args = request["args"]
    assert isinstance(args, list)
    sys.argv = ["-c", *args]


class ForkServer:
    """The tests' handle on a running server (one per test session)."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="prefstack-forkserver-")
        self._log = Path(self._folder.name) / "server.log"
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, __file__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                bufsize=0,
            )
        self._process.wait()  # the server forked its own process and left
        self._buffer = b""
        ready = self._reply(120)
        assert ready is not None, f"the fork server did not start: {self._log.read_text(errors='replace')}"
        self._pid = ready["pid"]

    def _reply(self, timeout: float) -> dict[str, int] | None:
        """The server's next answer, or None after ``timeout`` seconds."""
        assert self._process.stdout is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._process.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self._process.stdout.fileno(), 4096)
            if not chunk:
                raise AssertionError(f"the fork server exited: {self._log.read_text(errors='replace')}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        answer: dict[str, int] = json.loads(line)
        return answer

    def run(self, args: list[str], input: str | None, timeout: float) -> subprocess.CompletedProcess[str]:
        """Run ``prefstack ARGS`` in a new child, as :func:`subprocess.run` with ``capture_output``
        and ``text`` would; :class:`subprocess.TimeoutExpired` after ``timeout`` seconds."""
        assert self._process.stdin is not None
        with tempfile.TemporaryDirectory(prefix="prefstack-command-") as folder:
            streams = {name: str(Path(folder) / name) for name in ("stdin", "stdout", "stderr")}
            if input is None:
                del streams["stdin"]
            else:
                Path(streams["stdin"]).write_text(input)
            request = {"args": args, "env": dict(os.environ), "cwd": os.getcwd(), "stdin": None, **streams}
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            started = self._reply(60)
            assert started is not None, "the fork server did not fork"
            try:
                finished = self._reply(timeout)
            except BaseException:
                # interrupted (a test's own time limit, Ctrl-C): the command killed and its status
                # read, as subprocess.run does, so that the next request gets its own answers
                self._end(started["pid"])
                raise
            if finished is None:
                self._end(started["pid"])
                raise subprocess.TimeoutExpired(args, timeout)
            # read as subprocess.run(text=True) decodes: the locale's encoding, universal newlines
            stdout, stderr = (Path(streams[name]).read_text() for name in ("stdout", "stderr"))
        return subprocess.CompletedProcess(args, finished["status"], stdout, stderr)

    def _end(self, pid: int) -> None:
        """Kill the command ``pid`` and read its status off the server's answers."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if self._reply(60) is None:
            raise AssertionError(f"the fork server did not answer for command {pid}: {self._log.read_text()}")

    def stop(self) -> None:
        """Close the server's requests; it exits, and its answers' pipe ends (or it is killed)."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.close()
        if select.select([self._process.stdout], [], [], 30)[0]:
            os.read(self._process.stdout.fileno(), 4096)
        else:
            os.kill(self._pid, signal.SIGKILL)
        self._process.stdout.close()
        self._folder.cleanup()


if __name__ == "__main__":
    _serve()
