"""The hash chain of the store a command names, verified from the command's first instant.

Every command that reads or appends to a company's ledger recomputes the stream's whole hash chain
(:func:`prefstack.ledger.service.while_verifying`). Where it starts that check, the command has
spent most of its time already: starting Python, importing its libraries, parsing its command line,
opening the store. The check needs none of that but the store's URL, which the command line
names. So the program's entry point (:mod:`prefstack.launch`) reads the store's URL (and
``--company``) off the command line before anything else, and :func:`start` forks a child
that opens the store through an engine of its own and verifies its chains (:func:`verify_at`)
while this process imports and works out its answer. The reader that needs a stream's report
takes the child's (:func:`claim`) instead of starting its own check.

The child's report is only ever a shortcut to the one the reader would compute itself
(:meth:`~prefstack.ledger.store.LedgerStream.verify`), and the reader uses it only where it is
certainly that report:

- it was made from the store the command opened (the same URL, read off the same command line
  as the command's own parser reads it: where the early reading of the command line guessed
  wrong, the URLs differ and the child is stopped unused);
- it covers the reader's company (a ``--company`` given as a legal name, which only the
  registry resolves, makes the child verify every stream of the store);
- the stream's head is still the one the child verified (an append made since, by another
  writer, makes the reader verify the longer chain itself);
- the child finished (a child that failed for any reason, or was killed, leaves the check to
  the reader, in turn);
- what the reader read is the chain the child verified: the child read the events in a
  transaction of its own, earlier, so every event row, stored hash and head the reader read is
  checked against the hashes the child verified (each row also against its own hash), and an
  event edited in place in between, its hash left as it was, is refused as the reader's own check
  would refuse it (:func:`prefstack.ledger.service.covering`).

A child nobody claims is killed and reaped when the command ends (:func:`release`). Only the
commands that verify a ledger in one process that runs no other thread start one
(:data:`prefstack.launch.EARLY`); the web service (threads) never does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prefstack import forked

if TYPE_CHECKING:
    from prefstack.ledger.store import Head, VerifyReport

__all__ = ["EarlyReport", "claim", "release", "start", "started"]


@dataclass(frozen=True)
class EarlyReport:
    """What the early child found: each stream it verified, with the head it verified against
    (read in the same transaction as the events)."""

    reports: dict[str, VerifyReport]
    heads: dict[str, Head]


_started: tuple[str, forked.Beside[EarlyReport | None]] | None = None
"""The store's URL and the child verifying it, until claimed or released."""


def _nothing() -> EarlyReport | None:
    """What the early check gives where its child gave nothing: no report (the reader checks)."""
    return None


def start(url: str, company: str | None) -> bool:
    """Fork the child that verifies the store at ``url`` (the chain of ``company``, an issuer id,
    where the store holds a stream under that key; else every stream), where a child can be
    forked (:func:`prefstack.forked.can_fork`) and none is started yet; whether one was."""
    global _started
    if _started is not None or not forked.can_fork():
        return False

    def prepare() -> Callable[[], EarlyReport | None]:
        from prefstack.ledger.store import verify_at  # imported in the child, beside the parent's imports

        return lambda: verify_at(url, company)

    _started = (url, forked.Beside(_nothing, prepare, True))
    return True


def started() -> str | None:
    """The URL of the store an early child is verifying (None: no child, or it was claimed)."""
    return None if _started is None else _started[0]


def claim(url: str) -> forked.Beside[EarlyReport | None] | None:
    """The early child's work, for the reader of the store at ``url``: taken once (a second reader
    checks for itself). None where no child was started or it verifies another store (which is
    then stopped: a command opens one store)."""
    global _started
    if _started is None:
        return None
    started_url, child = _started
    _started = None
    if started_url != url:
        child.close()
        return None
    return child


def release() -> None:
    """Stop and reap an early child nobody claimed (at the end of the command)."""
    global _started
    if _started is not None:
        _started[1].close()
        _started = None
