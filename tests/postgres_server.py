"""A throwaway PostgreSQL server for the test suite, on 127.0.0.1 in a temporary directory.

The server binaries are found on PATH (``initdb``, ``pg_ctl``) or under
``/usr/lib/postgresql/<version>/bin``. PostgreSQL refuses to run as root: when the suite
runs as root, the server runs as the ``postgres`` system user (which must exist). Whatever
stops the server from starting raises :class:`PostgresUnavailable` with the reason.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
START_ATTEMPTS = 3


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says why."""


def find_bindir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres`` (newest version wins)."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.name.split(".")],
        reverse=True,
    )
    candidates += [Path(v) for v in versions]
    for bindir in candidates:
        if all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or under /usr/lib/postgresql/*/bin; "
        "`make postgres` installs them"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """A running server; :meth:`stop` shuts it down and removes its files."""

    bindir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    @property
    def admin_conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres"

    def _command(self, *args: str) -> list[str]:
        prefix = ["runuser", "-u", self.run_as, "--"] if self.run_as else []
        return [*prefix, *args]

    def _run(self, *args: str) -> None:
        result = subprocess.run(self._command(*args), capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr.strip()}")

    def initdb(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.root / "data"),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "start",
            "-D",
            str(self.root / "data"),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
        )

    def stop(self) -> None:
        with contextlib.suppress(PostgresUnavailable, subprocess.TimeoutExpired):
            self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.root / "data"), "-m", "fast", "-w")
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        log = self.root / "server.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def start_server() -> PostgresServer:
    """Start a fresh server on a free port of 127.0.0.1, or raise :class:`PostgresUnavailable`."""
    bindir = find_bindir()
    run_as: str | None = None
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise PostgresUnavailable(
                "the tests run as root, which PostgreSQL refuses, and there is no 'postgres' system user "
                "to run the server as"
            ) from None
        if shutil.which("runuser") is None:
            raise PostgresUnavailable(
                "the tests run as root and 'runuser' is missing to start PostgreSQL as 'postgres'"
            )
        run_as = SUPERUSER
    last_problem = ""
    for _attempt in range(START_ATTEMPTS):
        # Directly under the system temp dir, which the 'postgres' user can traverse.
        root = Path(tempfile.mkdtemp(prefix="prefstack-pg-"))
        if owner is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        server = PostgresServer(bindir=bindir, root=root, port=free_port(), run_as=run_as)
        try:
            server.initdb()
            server.start()
        except PostgresUnavailable as exc:
            last_problem = f"{exc}\n{server.log_tail()}"
            server.stop()
            time.sleep(0.2)
            continue
        return server
    raise PostgresUnavailable(f"PostgreSQL did not start after {START_ATTEMPTS} attempts: {last_problem}")
