"""A load test of the web service on 127.0.0.1: concurrent readers and writers, on SQLite and PostgreSQL.

``prefstack serve`` runs in its own process over a store holding the small ledger of the web tests
(tests/web/webservice.py: Series F and G of CAIS Internet, 11 events) with an auditor, a holder and
an administrator. Meanwhile, from this process (asyncio, one HTTP connection per client):

- **readers** (at least 50) ask questions one after another: the state, a holder's positions (as
  the holder), the dividends of a Payment Date, a waterfall, the votes, the audit trail;
- **writers** (at least 8) append closing prices (F §2(b)) one after another, each on a date of its
  own, without a version (the service appends at the ledger's head, retrying a version conflict),
  each under an ``Idempotency-Key``; every fifth is sent twice with its key, as a client that lost
  the first answer would: the second must be answered from the kept answer and store nothing.

Both stop issuing requests after the time given (30 s) or a bounded count, whichever is first;
each request has a timeout. At the end the audit trail is read and checked:

- acknowledged: appends answered 201 (a replayed answer is not counted twice);
- stored: the writers' events in the ledger;
- lost: acknowledged but not stored (must be 0);
- duplicated: a write stored more than once (must be 0; the ledger's rule of one closing price per
  date refuses a second as well, so this also counts on the service not to store what it refused).

It prints requests/s, p50/p99 latency (reads and writes apart) and those counts. The load is
generated on the same machine as the service: the figures are those of both sharing its cores.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

READERS = 50
WRITERS = 8
SECONDS = 30.0
MAX_REQUESTS_PER_CLIENT = 20_000
"""No client sends more than this many requests, however fast the service answers."""
REQUEST_TIMEOUT = 60.0
SERVER_START_TIMEOUT = 120.0
COMPANY = "cais-internet"
FIRST_DAY = dt.date(2001, 1, 2)
"""The writers' closing prices are on this date and the days after it, one date per write."""

READS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("auditor", "state", {"as_of": "2000-12-31"}),
    ("holder", "positions", {"as_of": "2000-12-31"}),
    ("auditor", "dividends", {"payment_date": "2000-09-15"}),
    ("auditor", "waterfall", {"proceeds": "30000000", "on": "2000-12-31"}),
    ("auditor", "votes", {"as_of": "2000-12-31"}),
    ("auditor", "ledger", {}),
)
"""What readers ask, in turn (each reader starts at its own place in the list)."""


@dataclass
class Figures:
    backend: str
    readers: int
    writers: int
    seconds: float
    reads: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    acknowledged: set[str] = field(default_factory=set)
    replayed: int = 0
    stored: int = 0
    lost: int = 0
    duplicated: int = 0
    elapsed: float = 0.0
    """From the first request to the last answer (the requests in flight at the end are waited for)."""

    def lines(self) -> list[str]:
        total = len(self.reads) + len(self.writes)
        errors = ", ".join(f"{n} {what}" for what, n in sorted(self.errors.items())) or "none"
        return [
            f"{self.backend}: {self.readers} readers and {self.writers} writers for {self.seconds:.0f} s: "
            f"{total} requests answered in {self.elapsed:.1f} s, {total / self.elapsed:.1f} requests/s",
            f"  reads:  {len(self.reads)}, p50 {_ms(self.reads, 50)}, p99 {_ms(self.reads, 99)}",
            f"  writes: {len(self.writes)} (with {self.replayed} idempotent replays), "
            f"p50 {_ms(self.writes, 50)}, p99 {_ms(self.writes, 99)}",
            f"  events acknowledged {len(self.acknowledged)}, stored {self.stored}, lost {self.lost}, "
            f"duplicated {self.duplicated}; unexpected answers: {errors}",
        ]


def _ms(samples: list[float], percentile: int) -> str:
    if len(samples) < 2:
        return "n/a"
    cut = statistics.quantiles(samples, n=100, method="inclusive")[percentile - 1]
    return f"{cut * 1000:.0f} ms"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tests_on_path() -> None:
    tests = Path(__file__).resolve().parents[1] / "tests"
    for folder in (tests, tests / "web"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))


def prepare(db: str) -> dict[str, str]:
    """The store at ``db`` with the small ledger and three users: each one's API token."""
    _tests_on_path()
    from webservice import LEDGER, ledger_file  # type: ignore[import-not-found]

    from prefstack.ledger import service
    from prefstack.ledger.files import read_ledger
    from prefstack.web.accounts import Accounts

    with tempfile.TemporaryDirectory(prefix="prefstack-web-load-") as tmp:
        read = read_ledger(ledger_file(Path(tmp) / "small.yaml", LEDGER))
    with service.open_store(db) as store:
        service.append(store, read.events, company=COMPANY, recorded_by="setup")
    tokens = {}
    with Accounts(db) as accounts:
        for name, role, holder in (
            ("auditor", "auditor", None),
            ("holder", "holder", "A"),
            ("writer", "administrator", None),
        ):
            accounts.add_user(name, None)
            accounts.set_role(name, COMPANY, role, holder)
            tokens[name] = accounts.new_token(name)
    return tokens


class Server:
    """``prefstack serve`` over ``db`` on a free port of 127.0.0.1, in its own process."""

    def __init__(self, db: str, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        code = "import sys; from prefstack.launch import main; sys.argv[0] = 'prefstack'; sys.exit(main())"
        args = ["serve", "--db", db, "--host", "127.0.0.1", "--port", str(self.port)]
        with log.open("wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=out, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        import httpx

        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prefstack serve exited ({self.proc.returncode}): {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/openapi.json", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"prefstack serve did not answer in {SERVER_START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


async def _load(url: str, tokens: dict[str, str], figures: Figures, max_requests: int) -> None:
    import httpx

    started = time.monotonic()
    deadline = started + figures.seconds
    days = iter(range(10**9))  # one date per write, shared by the writers (one event loop: no race)
    base = f"/api/companies/{COMPANY}/"

    def client(user: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {tokens[user]}"}, timeout=REQUEST_TIMEOUT
        )

    async def reader(number: int) -> None:
        clients = {user: client(user) for user in ("auditor", "holder")}
        try:
            for n in range(max_requests):
                if time.monotonic() >= deadline:
                    return
                user, path, params = READS[(number + n) % len(READS)]
                started = time.perf_counter()
                try:
                    answer = await clients[user].get(base + path, params=params)
                except httpx.HTTPError as exc:
                    figures.errors[f"read {type(exc).__name__}"] += 1
                    continue
                if answer.status_code == 200:
                    figures.reads.append(time.perf_counter() - started)
                else:
                    figures.errors[f"read {answer.status_code}"] += 1
        finally:
            for c in clients.values():
                await c.aclose()

    async def write(session: httpx.AsyncClient, day: dt.date, key: str) -> bool:
        """One append (its retries under the same key where no answer came): whether acknowledged."""
        body = {"event": {"kind": "closing_price", "date": day.isoformat(), "price": "3.50"}}
        for _attempt in range(5):
            started = time.perf_counter()
            try:
                answer = await session.post(base + "events", json=body, headers={"Idempotency-Key": key})
            except httpx.HTTPError as exc:
                figures.errors[f"write {type(exc).__name__} (sent again)"] += 1
                continue
            if answer.status_code == 201:
                figures.writes.append(time.perf_counter() - started)
                if answer.headers.get("Idempotent-Replayed") == "true":
                    figures.replayed += 1
                return True
            if answer.status_code in (409, 503):  # the key's first request still answered; the store busy
                figures.errors[f"write {answer.status_code} (sent again)"] += 1
                await asyncio.sleep(0.05)
                continue
            figures.errors[f"write {answer.status_code}: {answer.text[:120]}"] += 1
            return False
        return False

    async def writer(number: int) -> None:
        async with client("writer") as session:
            for n in range(max_requests):
                if time.monotonic() >= deadline:
                    return
                day = FIRST_DAY + dt.timedelta(days=next(days))
                key = f"load-{number}-{n}"
                if await write(session, day, key):
                    figures.acknowledged.add(day.isoformat())
                    if n % 5 == 0:  # as a client that lost the answer: the same key and request again
                        await write(session, day, key)

    await asyncio.gather(*(reader(i) for i in range(figures.readers)), *(writer(i) for i in range(figures.writers)))
    figures.elapsed = time.monotonic() - started


def _check(url: str, tokens: dict[str, str], figures: Figures) -> None:
    import httpx

    trail = httpx.get(
        f"{url}/api/companies/{COMPANY}/ledger",
        headers={"Authorization": f"Bearer {tokens['auditor']}"},
        timeout=REQUEST_TIMEOUT,
    ).json()["events"]
    mine = Counter(e["effective_date"] for e in trail if e["recorded_by"] == "writer")
    figures.stored = sum(mine.values())
    figures.lost = len(figures.acknowledged - set(mine))
    figures.duplicated = sum(n - 1 for n in mine.values() if n > 1)


def measure(
    db: str,
    backend: str,
    *,
    readers: int = READERS,
    writers: int = WRITERS,
    seconds: float = SECONDS,
    max_requests: int = MAX_REQUESTS_PER_CLIENT,
) -> Figures:
    """Run the load on a fresh store at ``db`` (the service in its own process) and check the ledger."""
    tokens = prepare(db)
    figures = Figures(backend, readers, writers, seconds)
    with tempfile.TemporaryDirectory(prefix="prefstack-web-load-") as tmp:
        server = Server(db, Path(tmp) / "serve.log")
        try:
            server.wait_ready()
            asyncio.run(_load(server.url, tokens, figures, max_requests))
            _check(server.url, tokens, figures)
        finally:
            server.stop()
    return figures


def _postgres_url(server: object) -> str:
    import sqlalchemy as sa

    admin_url = str(server.admin_url)  # type: ignore[attr-defined]
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql('CREATE DATABASE "web_load"')
    admin.dispose()
    return sa.make_url(admin_url).set(database="web_load").render_as_string(hide_password=False)


def run() -> list[str]:
    lines = [f"(load and service share this machine's {os.cpu_count()} cores)"]
    with tempfile.TemporaryDirectory(prefix="prefstack-web-load-") as tmp:
        lines += measure(f"sqlite:///{Path(tmp) / 'web.sqlite'}", "SQLite").lines()
    _tests_on_path()
    from postgres_server import PostgresUnavailable, start_server  # type: ignore[import-not-found]

    try:
        server = start_server()
    except PostgresUnavailable as exc:
        lines.append(f"PostgreSQL: not measured ({exc})")
        return lines
    try:
        lines += measure(_postgres_url(server), "PostgreSQL").lines()
    finally:
        server.stop()
    return lines


if __name__ == "__main__":
    for text in run():
        print(text)
