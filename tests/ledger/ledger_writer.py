"""A separate writer process for the ledger tests (not a test module).

``ledger_writer.py concurrent URL NAME COUNT [COMPANY]``: print ``ready``, wait for a line on
stdin, then append COUNT events (payload ``{"writer": NAME, "n": i}``) to the stream of COMPANY
(default ``acme``), each re-read and retried on :class:`ConcurrencyError` (bounded), and print
``done <conflicts>``.

``ledger_writer.py stream URL``: append events to the stream of ``acme`` one at a time, forever,
printing the seq of each event once its append has returned (i.e. been acknowledged).
"""

from __future__ import annotations

import datetime
import sys

from prefstack.ledger import JSON, ConcurrencyError, EventStore, NewEvent

MAX_ATTEMPTS = 1000


COMPANY = "acme"


def concurrent(url: str, name: str, count: int, company: str = COMPANY) -> None:
    conflicts = 0
    with EventStore(url) as opened:
        store = opened.stream(company)
        print("ready", flush=True)
        sys.stdin.readline()
        for n in range(count):
            event = NewEvent("note", datetime.date(2024, 1, 1), {"writer": name, "n": n})
            for _attempt in range(MAX_ATTEMPTS):
                try:
                    store.append([event], expected_version=store.version())
                    break
                except ConcurrencyError:
                    conflicts += 1
            else:
                raise SystemExit(f"{name}: event {n} not appended after {MAX_ATTEMPTS} attempts")
    print(f"done {conflicts}", flush=True)


def stream(url: str) -> None:
    with EventStore(url) as opened:
        store = opened.stream(COMPANY)
        version = store.version()
        n = 0
        while True:
            payload: dict[str, JSON] = {"n": n, "text": "x" * 200, "amount": f"{n}.25"}
            (stored,) = store.append([NewEvent("note", datetime.date(2024, 1, 1), payload)], expected_version=version)
            version = stored.seq
            print(stored.seq, flush=True)
            n += 1


if __name__ == "__main__":
    mode, url, *rest = sys.argv[1:]
    if mode == "concurrent":
        concurrent(url, rest[0], int(rest[1]), *rest[2:3])
    elif mode == "stream":
        stream(url)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
