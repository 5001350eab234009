"""The event ledger: an append-only, hash-chained store of what happened and when it was known.

:mod:`prefstack.ledger.events` names the events after the certificates and validates them;
:mod:`prefstack.ledger.replay` folds them into the state as of any date;
:mod:`prefstack.ledger.files` reads and writes ledger files (YAML, JSON);
:mod:`prefstack.ledger.store` keeps events generically on SQLite or PostgreSQL, one stream (its own
version and hash chain) per company;
:mod:`prefstack.ledger.hashing` defines the canonical JSON and the hash chain that make
every change to stored events detectable (:meth:`EventStore.verify`);
:mod:`prefstack.ledger.receipts` anchors the ledger outside the database (receipts of appends,
optionally signed with Ed25519), for what the chain alone cannot show.
"""

from prefstack.ledger.hashing import (
    GENESIS,
    JSON,
    InvalidEvent,
    LedgerError,
    canonical_json,
    event_hash,
)
from prefstack.ledger.store import (
    ConcurrencyError,
    EventStore,
    IntegrityProblem,
    LedgerStream,
    LegacyStoreError,
    NewEvent,
    Problem,
    StoredEvent,
    StoreReport,
    StoreUnavailable,
    StreamHead,
    VerifyReport,
)

__all__ = [
    "GENESIS",
    "JSON",
    "ConcurrencyError",
    "EventStore",
    "IntegrityProblem",
    "InvalidEvent",
    "LedgerError",
    "LedgerStream",
    "LegacyStoreError",
    "NewEvent",
    "Problem",
    "StoreReport",
    "StoreUnavailable",
    "StoredEvent",
    "StreamHead",
    "VerifyReport",
    "canonical_json",
    "event_hash",
]
