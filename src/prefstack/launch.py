"""The ``prefstack`` program's entry point: start verifying the store the command names, then run
the command line (:func:`prefstack.cli.main`).

Before anything else is imported, :func:`early_store` reads off the command line the store a
command will read or append to (``--db``, else ``PREFSTACK_DB``, else :data:`DEFAULT_DB`) and
``--company``, and :func:`prefstack.early.start` forks a child that verifies that store's hash
chains while this process imports its libraries and works out its answer (see
:mod:`prefstack.early`: the child's report is used only where it is certainly the one the command
would compute). This reading of the command line is only a guess made early: the command line is
parsed by the command's own parser as always, and a wrong guess costs nothing but the child's
work.

At the end, whatever the outcome, a child nobody claimed is stopped, and the objects this process
leaves are moved out of the cyclic collector's reach (:func:`gc.freeze`): the interpreter's last
collection at exit would only walk hundreds of thousands of objects that hold no cycles (the
collector is off during the command for the same reason: :func:`prefstack.cli.main`); each is
still freed as its module is torn down.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from prefstack import early

__all__ = ["DEFAULT_DB", "EARLY", "NOT_EARLY", "early_store", "main"]

DEFAULT_DB = "sqlite:///var/prefstack.sqlite"
"""The store a command uses where neither ``--db`` nor ``PREFSTACK_DB`` names one."""

DB_ENV = "PREFSTACK_DB"
"""The environment variable that names the store where ``--db`` does not."""

EARLY: frozenset[tuple[str, ...]] = frozenset(
    {
        ("state",),
        ("convert",),
        ("waterfall",),
        ("dividends",),
        ("transaction",),
        ("redemption",),
        ("votes",),
        ("calendar",),
        ("breakpoints",),
        ("scenarios",),
        ("value",),
        ("opm",),
        ("ledger", "add"),
        ("ledger", "void"),
        ("ledger", "log"),
        ("ledger", "export"),
        ("document", "dividend-statement"),
        ("document", "certificate-of-adjustment"),
        ("document", "conversion-statement"),
        ("document", "redemption-notice"),
        ("document", "record-date-notice"),
        ("document", "history"),
        ("certificate", "adjustment"),
        ("ocf", "export"),
        ("register", "export"),
    }
)
"""The commands that read or append to one company's ledger in the store, and so verify its
chain first (:func:`prefstack.ledger.service.while_verifying`): each starts the early check."""

NOT_EARLY: Mapping[tuple[str, ...], str] = {
    ("interpretations",): "reads a ledger only with --impact, and replays it under every alternative reading",
    ("serve",): "the web service runs threads and verifies the chain for each request",
    ("run",): "creates the store and loads the example into it before it reads",
    ("ledger", "import"): "creates the store; an import is made into an empty ledger",
    ("ledger", "snapshot"): "verifies the chain and every event itself, before it writes the snapshot",
    ("ledger", "verify"): "verifies every stream itself, with every problem named",
    ("ledger", "companies"): "lists the streams' heads without verifying them",
    ("users", "add"): "reads the accounts, not a ledger",
    ("users", "role"): "reads the accounts, not a ledger",
    ("users", "token"): "reads the accounts, not a ledger",
    ("ocf", "import"): "reads a package and appends it to an empty ledger",
    ("register", "import"): "reads a register and appends it to an empty ledger",
}
"""The other commands that take ``--db``, and why they start no early check (every command with a
``--db`` option is in one of the two: ``tests/test_launch.py``)."""

_GLOBAL_FLAGS = frozenset({"--allow-unverified", "--no-alternatives"})
_GLOBAL_VALUED = frozenset({"--reading", "--readings", "--compare-reading"})
"""The options of every command, given before its name (:func:`prefstack.cli._everywhere`)."""


def _value(args: Sequence[str], name: str) -> str | None:
    """The last value given to option ``name`` in ``args`` (``name VALUE`` or ``name=VALUE``), as
    the command's parser takes it; None where it is not given."""
    found = None
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            found = args[index + 1]
        elif arg.startswith(name + "="):
            found = arg[len(name) + 1 :]
    return found


def _command(args: Sequence[str]) -> tuple[tuple[str, ...], list[str]] | None:
    """The command an argument list names (one of :data:`EARLY`) and the arguments after it;
    None where the command is another one, or where the global options before it cannot be
    read."""
    index = 0
    while index < len(args) and args[index].startswith("--"):
        option = args[index].partition("=")[0]
        if option in _GLOBAL_FLAGS or "=" in args[index]:
            index += 1
        elif option in _GLOBAL_VALUED:
            index += 2
        else:
            return None
    for length in (2, 1):
        path = tuple(args[index : index + length])
        if len(path) == length and path in EARLY:
            return path, list(args[index + length :])
    return None


def early_store(args: Sequence[str], environ: Mapping[str, str]) -> tuple[str, str | None] | None:
    """The store (its URL) and ``--company`` of a command line (``args``, without the program's
    name) that reads or appends to a ledger in a store that exists: a command of :data:`EARLY`,
    not reading a ledger file (``--ledger``), not asking for help. None for anything else, or for a
    SQLite file that is not there (a command never creates one it is only to read)."""
    found = _command(args)
    if found is None:
        return None
    _, rest = found
    if "--help" in rest or _value(rest, "--ledger") is not None:
        return None
    url = _value(rest, "--db") or environ.get(DB_ENV) or DEFAULT_DB
    company = _value(rest, "--company")
    sqlite = "sqlite:///"
    if url.startswith(sqlite):
        path = url[len(sqlite) :].partition("?")[0]
        if path in ("", ":memory:") or not Path(path).is_file():
            return None
    elif not url.startswith("postgresql"):
        return None
    return url, company


def main() -> None:
    """Run ``prefstack`` (see the module): the early check, the command, and then the exit."""
    store = early_store(sys.argv[1:], os.environ)
    if store is not None:
        early.start(*store)
    try:
        from prefstack.cli import main as run_command

        run_command()
    finally:
        early.release()
        gc.freeze()
