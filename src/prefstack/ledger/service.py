"""Ledger operations used by the command line and the API: load, validate, append, verify.

Every append is validated by replaying the whole ledger with the new events before anything
is written; the write itself carries the version the validation was made against, so a
concurrent writer makes it fail cleanly (:class:`~prefstack.ledger.store.ConcurrencyError`)
rather than store events validated against a state that no longer exists.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Sequence
from pathlib import Path

from prefstack.errors import InputError
from prefstack.ledger import section5
from prefstack.ledger.events import LedgerEvent, event_from_stored
from prefstack.ledger.files import read_ledger_file
from prefstack.ledger.replay import LedgerState, Placed, replay
from prefstack.ledger.store import ConcurrencyError, EventStore, NewEvent, StoredEvent


def placed_from_store(stored: Sequence[StoredEvent]) -> list[Placed]:
    return [
        Placed(
            event_from_stored(s.kind, s.effective_date, s.payload, f"event #{s.seq}"), f"event #{s.seq}", s.recorded_at
        )
        for s in stored
    ]


ALLOW_UNVERIFIED = False
"""Set by ``prefstack --allow-unverified``: answer from a store whose hash chain does not verify
(forensics only); every other read refuses such a store."""


def require_store(db: str) -> None:
    """Only the commands that create a store (``ledger import``, ``run``) may create one: a ``--db``
    naming a SQLite file that does not exist is refused, so a typo never answers from an empty ledger."""
    prefix = "sqlite:///"
    if db.startswith(prefix) and db != prefix + ":memory:" and not Path(db[len(prefix) :]).is_file():
        raise InputError(
            "--db",
            "store",
            f"no store at {db[len(prefix) :]}: create one with `prefstack ledger import FILE` or `prefstack run`",
        )


def load(source: str | None, db: str, known_at: dt.datetime | None = None) -> list[Placed]:
    """Events from a ledger file (``source``) or else from the store at ``db``, whose hash chain is
    verified first (a store that does not verify is refused unless ``ALLOW_UNVERIFIED``)."""
    if source is not None:
        placed = read_ledger_file(Path(source))
        return [p for p in placed if known_at is None or p.recorded_at is None or p.recorded_at <= known_at]
    require_store(db)
    with EventStore(db) as store:
        report = store.verify()
        if not report.ok and not ALLOW_UNVERIFIED:
            first = report.problems[0]
            raise InputError(
                "--db",
                "store",
                f"the ledger's hash chain does not verify ({len(report.problems)} problem(s); "
                f"first: seq {first.seq} {first.kind}: {first.message}); "
                "run `prefstack ledger verify`, or pass --allow-unverified to read it anyway",
            )
        return placed_from_store(store.read(known_at=known_at))


def validate(placed: Sequence[Placed]) -> LedgerState | None:
    """Replay everything to the last effective date and fold every series' §5 actions (which replay
    leaves to the readers): raises on the first event that cannot apply, so that every stored
    ledger also answers every question."""
    if not placed:
        return None
    last = max(p.effective_date for p in placed)
    state = replay(placed, last)
    for series in state.series:
        try:
            section5.conversion_price_state(state, series, last)
        except InputError as exc:
            raise InputError(exc.field, exc.clause, f"{exc.problem} (the Conversion Price of Series {series})") from exc
    return state


def to_new_event(p: Placed) -> NewEvent:
    return NewEvent(
        kind=p.event.kind, effective_date=p.event.date, payload=p.event.payload(), recorded_at=p.recorded_at
    )


APPEND_ATTEMPTS = 20
"""How many times an append is validated again against a ledger that another writer moved on."""


def append(store: EventStore, new: Sequence[Placed], *, attempts: int = APPEND_ATTEMPTS) -> list[StoredEvent]:
    """Validate ``new`` against the stored ledger and append it atomically. When another writer
    appended first (:class:`ConcurrencyError`), read the new head, validate again and retry, up to
    ``attempts`` times; only then is the conflict reported."""
    for attempt in range(1, attempts + 1):
        version = store.version()
        existing = placed_from_store(store.read())
        validate([*existing, *new])
        try:
            return store.append([to_new_event(p) for p in new], expected_version=version)
        except ConcurrencyError:
            if attempt == attempts:
                raise
            time.sleep(random.uniform(0, 0.01 * attempt))  # back off a little, differently per writer
    raise AssertionError("unreachable: the last attempt returns or raises")


def events_of(placed: Sequence[Placed]) -> list[LedgerEvent]:
    return [p.event for p in placed]
