"""Helpers shared by the tests (their fixtures are in conftest.py): the result of an in-process
run of the command line, and SQL on a store's database for inspection and tampering."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


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
