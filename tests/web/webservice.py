"""What the web service's tests share: a store holding a small ledger of CAIS Internet (Series F
and G) with one user of each role, and the real service (uvicorn on 127.0.0.1, on a free port, in
a thread) over it.

The ledger (the dividends test's, F §2, G §2): A holds 40,000 and B 10,000 shares of Series F,
issued 2000-08-02; C 20,000 of Series G, issued 2000-06-15; B elected cash for 2000-09-15; the
dividends of 2000-09-15 were paid, those of 2000-12-15 were not legally available; the Common
Stock split 2-for-1 on 2000-11-01 (F/G §5(e): each Conversion Price halved).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import uvicorn
import yaml

LEDGER: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "20000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "B", "shares": "10000"},
    {
        "kind": "dividend_election",
        "date": "2000-09-01",
        "series": "F",
        "holder": "B",
        "payment_date": "2000-09-15",
        "cash": "1",
    },
    {"kind": "wire_account_notice", "date": "2000-09-05", "series": "F", "holder": "B", "payment_date": "2000-09-15"},
    {"kind": "dividend_payment", "date": "2000-09-15", "series": "G", "outcome": "paid"},
    {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
    {"kind": "stock_split", "date": "2000-11-01", "id": "split-2000", "new_shares_per_old_share": "2"},
    {"kind": "dividend_payment", "date": "2000-12-15", "series": "G", "outcome": "not_legally_available"},
    {"kind": "dividend_payment", "date": "2000-12-15", "series": "F", "outcome": "not_legally_available"},
]
COMPANY = "cais-internet"
PASSWORD = "correct horse battery"
USERS: dict[str, tuple[str, str | None] | None] = {
    "admin": ("administrator", None),
    "auditor": ("auditor", None),
    "holder-a": ("holder", "A"),
    "holder-b": ("holder", "B"),
    "stranger": None,  # a user with no role in the company
}


def ledger_file(path: Path, events: list[dict[str, Any]] = LEDGER, company: str = "CAIS Internet, Inc.") -> Path:
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "company": company, "events": events}))
    return path


def make_store(db: str, tmp_path: Path, *, passwords: bool = False) -> dict[str, str]:
    """The store at ``db`` with :data:`LEDGER` imported and :data:`USERS`; each user's API token."""
    from prefstack.ledger import service
    from prefstack.ledger.files import read_ledger
    from prefstack.web.accounts import Accounts

    read = read_ledger(ledger_file(tmp_path / "small.yaml"))
    with service.open_store(db) as store:
        service.append(store, read.events, company=COMPANY, recorded_by="setup")
    tokens = {}
    with Accounts(db) as accounts:
        for name, role in USERS.items():
            accounts.add_user(name, PASSWORD if passwords and name == "admin" else None)
            if role is not None:
                accounts.set_role(name, COMPANY, role[0], role[1])
            tokens[name] = accounts.new_token(name)
    return tokens


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Serve(Protocol):
    """The ``serve`` fixture: start the service over the store at ``db``; its base URL."""

    def __call__(self, db: str) -> str: ...


@dataclass
class Service:
    url: str
    db: str
    tokens: dict[str, str]

    def client(self, user: str | None = None) -> httpx.Client:
        """A client signed in with ``user``'s API token (None: not signed in)."""
        headers = {} if user is None else {"Authorization": f"Bearer {self.tokens[user]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


@contextmanager
def running(db: str) -> Iterator[str]:
    """The service over the store at ``db`` in a uvicorn thread on a free port: its base URL;
    stopped on leaving."""
    from prefstack.web.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise AssertionError("the service did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
