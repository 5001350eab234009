"""Helpers shared by the tests (their fixtures are in conftest.py): the result of an in-process
run of the command line, and SQL on a store's database for inspection and tampering."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from prefstack import forked

X = TypeVar("X")
Y = TypeVar("Y")


@dataclass
class Run:
    """``prefstack ARGS`` run in this process (the ``prefstack`` fixture): exit status and output."""

    code: int
    out: str
    err: str


Prefstack = Callable[..., Run]


def sql(engine: sa.Engine, statement: str, **params: object) -> list[tuple[Any, ...]]:
    """Run one statement in its own transaction; the rows it returns, if any."""
    with engine.begin() as conn:
        result = conn.execute(sa.text(statement), params)
        return [tuple(row) for row in result] if result.returns_rows else []


def edit_share_count(url: str) -> None:
    """Tamper with the store at ``url`` holding the example ledger: its Series F issue of 40,000
    shares (seq 524) changed to 40,001 in place, its hash left as it was."""
    engine = sa.create_engine(url)
    try:
        (payload,) = sql(engine, "SELECT payload FROM ledger_events WHERE seq = 524")[0]
        sql(engine, "UPDATE ledger_events SET payload = :p WHERE seq = 524", p=payload.replace('"40000"', '"40001"'))
    finally:
        engine.dispose()


def no_child_left() -> bool:
    """Whether this process has no child process left to reap (none forked and forgotten)."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def in_two_halves(compute: Callable[[Sequence[X]], list[Y]], items: Sequence[X]) -> list[Y]:
    """``compute(items)``, its second half computed in a child forked beside this process while this
    one computes the first (``prefstack.forked.beside``: where no child can be forked, here, in
    turn): for the slow exact engine checked against a kernel on thousands of inputs."""
    half = len(items) // 2

    def second() -> list[Y]:
        return compute(items[half:])

    with forked.beside(second, lambda: second) as pending:
        first = compute(items[:half])
        return first + pending.result()


def run_together(target: Callable[[], None], count: int, timeout: float = 60.0) -> None:
    """Run ``target`` on ``count`` threads at once (each typically waits on a barrier first) and
    join them, each within ``timeout`` seconds."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
