"""Fixtures of the web service's tests (see webservice.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Protocol

import pytest
from webservice import Service, make_store, running


class Serve(Protocol):
    def __call__(self, db: str) -> str: ...


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start the service over a store (its base URL); stopped after the test."""
    with ExitStack() as stack:
        yield lambda db: stack.enter_context(running(db))


@pytest.fixture
def service(serve: Serve, tmp_path: Path) -> Service:
    """The service over a fresh store of the small ledger (the administrator has a password)."""
    db = f"sqlite:///{tmp_path / 'web.sqlite'}"
    tokens = make_store(db, tmp_path, passwords=True)
    return Service(serve(db), db, tokens)
