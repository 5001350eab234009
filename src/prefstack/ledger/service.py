"""Ledger operations used by the command line and the API: load, validate, append, verify.

Every append is validated by replaying the whole ledger with the new events before anything
is written; the write itself carries the version the validation was made against, so a
concurrent writer makes it fail cleanly (:class:`~prefstack.ledger.store.ConcurrencyError`)
rather than store events validated against a state that no longer exists.
"""

from __future__ import annotations

import dataclasses
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
from prefstack.memo import without_cyclic_gc


def placed_from_store(stored: Sequence[StoredEvent]) -> list[Placed]:
    return [
        Placed(
            event_from_stored(s.kind, s.effective_date, s.payload, f"event #{s.seq}"),
            f"event #{s.seq}",
            s.recorded_at,
            seq=s.seq,
            recorded_by=s.recorded_by,
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
        require_verified(store, allow=ALLOW_UNVERIFIED)
        return placed_from_store(store.read(known_at=known_at))


def require_verified(store: EventStore, *, allow: bool) -> None:
    """Refuse a store whose hash chain does not verify (``allow``: read it anyway, for forensics)."""
    report = store.verify()
    if not report.ok and not allow:
        first = report.problems[0]
        raise InputError(
            "--db",
            "store",
            f"the ledger's hash chain does not verify ({len(report.problems)} problem(s); "
            f"first: seq {first.seq} {first.kind}: {first.message}); "
            "run `prefstack ledger verify`, or pass --allow-unverified to read it anyway",
        )


def company_of(db: str) -> str | None:
    """The company the store at ``db`` names (see :meth:`EventStore.company`)."""
    require_store(db)
    with EventStore(db) as store:
        return store.company()


def validate(placed: Sequence[Placed]) -> LedgerState | None:
    """Replay everything to the last effective date and fold every series' §5 actions (which replay
    leaves to the readers): raises on the first event that cannot apply, so that every stored
    ledger also answers every question."""
    if not placed:
        return None
    last = max(p.effective_date for p in placed)
    with without_cyclic_gc():
        state = replay(placed, last)
        for series in state.series:
            try:
                section5.conversion_price_state(state, series, last)
            except InputError as exc:
                raise InputError(
                    exc.field, exc.clause, f"{exc.problem} (the Conversion Price of Series {series})"
                ) from exc
    return state


def to_new_event(p: Placed, recorded_by: str | None = None) -> NewEvent:
    """The event to store: who recorded it is the ledger file's ``recorded_by`` where it names one
    (an export carries it), else ``recorded_by`` (``--by``; None: the operating-system user)."""
    return NewEvent(
        kind=p.event.kind,
        effective_date=p.event.date,
        payload=p.event.payload(),
        recorded_at=p.recorded_at,
        recorded_by=p.recorded_by if p.recorded_by is not None else recorded_by,
    )


def renumbered(new: Sequence[Placed], version: int) -> list[Placed]:
    """``new`` as it will be stored after ``version`` events: each at its sequence number, so that a
    void by ``voids_seq`` names the same event before and after the append."""
    return [dataclasses.replace(p, seq=version + i) for i, p in enumerate(new, 1)]


APPEND_ATTEMPTS = 20
"""How many times an append is validated again against a ledger that another writer moved on."""


def append(
    store: EventStore,
    new: Sequence[Placed],
    *,
    recorded_by: str | None = None,
    company: str | None = None,
    validated_alone: bool = False,
    attempts: int = APPEND_ATTEMPTS,
) -> list[StoredEvent]:
    """Validate ``new`` against the stored ledger and append it atomically, recorded by
    ``recorded_by`` (None: the operating-system user) except where an event names its own. When
    another writer appended first (:class:`ConcurrencyError`), read the new head, validate again
    and retry, up to ``attempts`` times; only then is the conflict reported.

    A void by sequence number in ``new`` names the stored event at that seq (``new`` itself is
    numbered from the head onwards). A store whose hash chain does not verify is refused, even
    with ``--allow-unverified`` (which is for reading only).

    ``validated_alone``: the caller has already validated ``new`` by itself (:func:`validate`), so
    an append to an empty ledger need not replay it again; the version check still guarantees
    that the ledger was empty when the events are written."""
    require_verified(store, allow=False)  # nothing is ever appended to a chain that does not verify
    for attempt in range(1, attempts + 1):
        version = store.version()
        if not (validated_alone and version == 0):
            existing = placed_from_store(store.read())
            validate([*existing, *renumbered(new, version)])
        try:
            with without_cyclic_gc():
                events = [to_new_event(p, recorded_by) for p in new]
                return store.append(events, expected_version=version, company=company)
        except ConcurrencyError:
            if attempt == attempts:
                raise
            time.sleep(random.uniform(0, 0.01 * attempt))  # back off a little, differently per writer
    raise AssertionError("unreachable: the last attempt returns or raises")


def events_of(placed: Sequence[Placed]) -> list[LedgerEvent]:
    return [p.event for p in placed]
