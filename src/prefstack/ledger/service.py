"""Ledger operations used by the command line and the API: load, validate, append, verify.

Every append is validated by replaying the whole ledger with the new events before anything
is written; the write itself carries the version the validation was made against, so a
concurrent writer makes it fail cleanly (:class:`~prefstack.ledger.store.ConcurrencyError`)
rather than store events validated against a state that no longer exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from prefstack.ledger.events import LedgerEvent, event_from_stored
from prefstack.ledger.files import read_ledger_file
from prefstack.ledger.replay import LedgerState, Placed, replay
from prefstack.ledger.store import EventStore, NewEvent, StoredEvent


def placed_from_store(stored: Sequence[StoredEvent]) -> list[Placed]:
    return [
        Placed(
            event_from_stored(s.kind, s.effective_date, s.payload, f"event #{s.seq}"), f"event #{s.seq}", s.recorded_at
        )
        for s in stored
    ]


def load(source: str | None, db: str, known_at: dt.datetime | None = None) -> list[Placed]:
    """Events from a ledger file (``source``) or else from the store at ``db``."""
    if source is not None:
        placed = read_ledger_file(Path(source))
        return [p for p in placed if known_at is None or p.recorded_at is None or p.recorded_at <= known_at]
    with EventStore(db) as store:
        return placed_from_store(store.read(known_at=known_at))


def validate(placed: Sequence[Placed]) -> LedgerState | None:
    """Replay everything to the last effective date: raises on the first event that cannot apply."""
    if not placed:
        return None
    last = max(p.event.date for p in placed)
    return replay(placed, last)


def to_new_event(p: Placed) -> NewEvent:
    return NewEvent(
        kind=p.event.kind, effective_date=p.event.date, payload=p.event.payload(), recorded_at=p.recorded_at
    )


def append(store: EventStore, new: Sequence[Placed]) -> list[StoredEvent]:
    """Validate ``new`` against the stored ledger and append it atomically."""
    version = store.version()
    existing = placed_from_store(store.read())
    validate([*existing, *new])
    return store.append([to_new_event(p) for p in new], expected_version=version)


def events_of(placed: Sequence[Placed]) -> list[LedgerEvent]:
    return [p.event for p in placed]
