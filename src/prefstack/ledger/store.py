"""The event store: append-only, hash-chained ledgers of events on SQLite or PostgreSQL.

One store holds many ledgers: one *stream* per company, keyed by the company's issuer id
(``cais-internet``; see :mod:`prefstack.instruments.registry`). Each stream has its own
version (its sequence numbers start at 1), its own head and its own hash chain: appending to
one company's stream never changes another's version, chain or receipts. The store treats the
key as opaque text in the form of an issuer id; resolving a legal name or a ledger file to the
key is :mod:`prefstack.ledger.service`'s. Events are stored generically (kind, effective date,
recording instant, JSON payload); what the kinds mean is for :mod:`prefstack.ledger.events` and
:mod:`prefstack.ledger.replay`.

Storage. One row per event in ``ledger_events``: its ``company`` (the stream), ``seq`` (the
1-based append position in that stream; UNIQUE with ``company``), ``event_id`` (a uuid4 hex,
unique in the store) and every value kept exactly as text: dates ``YYYY-MM-DD``, instants in
UTC with microseconds, the payload as canonical JSON. One row per stream in ``ledger_streams``
holds its number of events and the hash of its last one; every append moves it in the same
transaction, so that removing events from the end of a stream is detected too. Removing them
and setting the head back as well leaves a chain that verifies: that is caught only by a
receipt kept outside the database (:mod:`prefstack.ledger.receipts`, checked with
:meth:`LedgerStream.head` and :meth:`LedgerStream.hash_at`). The company is not part of an
event's hash (so that the events of a store migrated from one ledger keep their hashes); an
event moved to another stream breaks both chains, and a receipt names its company.

Writers. :meth:`LedgerStream.append` is optimistic: the caller states the version of the stream
(its number of events) it based its decision on, and the append fails with
:class:`ConcurrencyError`, storing nothing, if another writer appended to that stream first; the
caller may state the head's hash too (the head it validated against and verified), and a head of
another hash at that version (changed outside prefstack since) fails with :class:`IntegrityProblem`.
On SQLite a write transaction starts with ``BEGIN IMMEDIATE`` (writers queue, waiting up to
:data:`BUSY_TIMEOUT_MS`); on PostgreSQL the stream's head row is locked ``FOR UPDATE``, so
writers of different companies do not wait for each other. The UNIQUE ``(company, seq)``
constraint is the last guard: a duplicate position is refused by the database and reported as
:class:`ConcurrencyError`.

Migration. A store written before streams existed holds one ledger: ``ledger_events`` without
a ``company`` column, a single-row ``ledger_head`` and, in ``ledger_meta``, the ``company`` the
first imported file named (a legal name) or nothing. Opening it migrates it in place, in one
transaction: its events become the stream of its company (the one ``ledger_meta`` names,
resolved through the registry, else the issuer of the series its events name, else the
``legacy_company`` the caller gives), with the same sequence numbers, ids, values and hashes, and
its head becomes that stream's head. A store whose company cannot be told is refused and left
as it was. Opening a migrated store again changes nothing.

Durability. SQLite runs in WAL mode with ``synchronous=FULL``: an append that returned is on
disk, and a process killed mid-append leaves the ledger as it was before that append.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import getpass
import json
import os
import re
import sqlite3
import time
import types
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Literal, NamedTuple, Self

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from prefstack import early
from prefstack.collector import without_cyclic_gc
from prefstack.early import EarlyReport
from prefstack.errors import SnapshotUnreadable
from prefstack.forked import Pending, Then, beside
from prefstack.ledger.hashing import (
    GENESIS,
    JSON,
    InvalidEvent,
    LedgerError,
    canonical_json,
    format_date,
    format_instant,
    hash_written_event,
    parse_instant,
)
from prefstack.text_policy import checked_text

BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another writer's transaction before giving up."""

_WRITE = "prefstack_ledger_write"
_PG_CREATE_LOCK = 0x7072_6566_6C65_6467  # pg_advisory_xact_lock key serializing table creation

metadata = sa.MetaData()

_INSTANT = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")

COMPANY_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
"""The form of a stream's key: an issuer id (lower-case letters, digits and hyphens)."""

events_table = sa.Table(
    "ledger_events",
    metadata,
    sa.Column("company", sa.String(64), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("event_id", sa.String(32), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("effective_date", sa.String(10), nullable=False),
    sa.Column("recorded_at", _INSTANT, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("recorded_by", sa.Text, nullable=False),
    sa.UniqueConstraint("company", "seq", name="uq_ledger_events_company_seq"),
    sa.CheckConstraint("seq >= 1", name="ck_ledger_events_seq_positive"),
    sa.Index("ix_ledger_events_event_id", "event_id", unique=True),
)

streams_table = sa.Table(
    "ledger_streams",
    metadata,
    sa.Column("company", sa.String(64), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.CheckConstraint("version >= 0", name="ck_ledger_streams_version"),
)
"""The head of each company's stream: its number of events and the hash of the last one."""

meta_table = sa.Table(
    "ledger_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
"""Facts about the store as a whole, outside the hash chains. Before streams it held the
``company`` of the store's single ledger; the migration moves that into the stream's key."""

snapshots_table = sa.Table(
    "ledger_snapshots",
    metadata,
    sa.Column("company", sa.String(64), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("as_of", sa.String(10), nullable=False),
    sa.Column("reads_as_of", sa.Boolean, nullable=False),
    sa.Column("blob", sa.LargeBinary, nullable=False),
)
"""The latest snapshot of each company's ledger (:mod:`prefstack.ledger.snapshots`): derived data,
outside the hash chains; it answers only while the stream's head is the one it names."""

checkpoints_table = sa.Table(
    "ledger_checkpoints",
    metadata,
    sa.Column("company", sa.String(64), primary_key=True),
    sa.Column("as_of", sa.String(10), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("blob", sa.LargeBinary, nullable=False),
)
"""Each company's ledger folded to the end of each calendar quarter, as it stood at one head
(:mod:`prefstack.ledger.checkpoints`): derived data, outside the hash chains, read for a question
on a date before the head's last event while the events it was made from are still stored as
they were."""

_legacy = sa.MetaData()
_legacy_events = sa.Table(
    "ledger_events_single",
    _legacy,
    *(sa.Column(c.name, c.type, nullable=False) for c in events_table.c if c.name != "company"),
)
"""The single ledger's events, renamed out of the way while a store is migrated."""
_legacy_head = sa.Table(
    "ledger_head",
    _legacy,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
)
"""The single ledger's head (one row, ``id = 1``) in a store written before streams."""


class ConcurrencyError(LedgerError):
    """A company's stream is not at the version the caller expected: nothing was appended.

    Another writer appended to that stream first; re-read it, decide again and retry.
    """

    def __init__(self, expected: int, actual: int, company: str | None = None) -> None:
        self.expected = expected
        self.actual = actual
        self.company = company
        why = "another writer appended first" if actual > expected else "it holds fewer events than expected"
        whose = "the ledger" if company is None else f"the ledger of {company}"
        super().__init__(
            f"{whose} is at version {actual}, not at the expected version {expected}: "
            f"{why}; nothing was appended (re-read and retry)"
        )


class StoreUnavailable(LedgerError):
    """The database could not be reached or stayed locked; nothing was appended."""


class IntegrityProblem(LedgerError):
    """Stored events are not what the ledger wrote (see :meth:`EventStore.verify`)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.text() for p in self.problems))


class LegacyStoreError(LedgerError):
    """A store written before streams whose company cannot be told: it was not migrated (nothing
    changed); ``field`` is ``company``."""

    def __init__(self, problem: str) -> None:
        self.field = "company"
        self.problem = problem
        super().__init__(f"company: {problem} (store format)")


def check_company(company: object, field: str = "company") -> str:
    """A stream's key: an issuer id; :class:`InvalidEvent` naming ``field`` otherwise."""
    if not isinstance(company, str) or not COMPANY_KEY.fullmatch(company):
        raise InvalidEvent(
            field,
            f"must be an issuer id (lower-case letters, digits and hyphens, at most 64 characters), not {company!r}",
        )
    return company


@dataclasses.dataclass(frozen=True)
class NewEvent:
    """An event to append. ``recorded_at`` None means the instant of the append (UTC).

    Refused with :class:`InvalidEvent` naming the field or payload key: an empty kind, an
    ``effective_date`` that is not a plain date, a naive ``recorded_at``, a payload holding a
    float or any other non-JSON value.
    """

    kind: str
    effective_date: datetime.date
    payload: Mapping[str, JSON]
    recorded_at: datetime.datetime | None = None
    recorded_by: str | None = None
    """Who entered the event; None means the operating-system user of the appending process."""
    prepared: _Prepared = dataclasses.field(init=False, repr=False, compare=False)
    """The event checked and written as the store keeps it, taken when the event is made: what is
    appended is what was checked (each event is checked once, not again on append)."""

    def __post_init__(self) -> None:
        prepared = _prepare(self)
        object.__setattr__(self, "prepared", prepared)
        # The event keeps its own copy of the payload, read back from the checked text: a later
        # change to the caller's mapping changes neither the event nor what is stored.
        object.__setattr__(self, "payload", types.MappingProxyType(json.loads(prepared.payload)))


@dataclasses.dataclass(frozen=True)
class StoredEvent:
    """An event as the ledger holds it: its append position, id and place in the hash chain."""

    seq: int
    event_id: str
    kind: str
    effective_date: datetime.date
    recorded_at: datetime.datetime
    payload: dict[str, JSON]
    prev_hash: str
    hash: str
    recorded_by: str


ProblemKind = Literal["edited", "removed", "reordered", "inserted"]


@dataclasses.dataclass(frozen=True)
class Problem:
    """Where the hash chain of a company's stream breaks. ``event_id`` is None where the event is
    gone (``removed``); ``company`` names the stream."""

    seq: int
    event_id: str | None
    kind: ProblemKind
    message: str
    company: str | None = None

    def text(self) -> str:
        """The problem on one line, naming the company."""
        whose = "" if self.company is None else f"{self.company} "
        return f"{whose}seq {self.seq} {self.kind}: {self.message}"


@dataclasses.dataclass(frozen=True)
class VerifyReport:
    """The outcome of verifying one company's stream (:meth:`LedgerStream.verify`).

    ``events_checked`` counts the events found intact, in order, from the start of the
    stream; ``problems`` names the first break (what follows a break cannot be trusted).
    """

    ok: bool
    events_checked: int
    problems: list[Problem]
    company: str | None = None
    chain: str = dataclasses.field(default="", repr=False, compare=False)
    """The hashes of a chain that verifies, in seq order, one after another (64 hexadecimal digits
    each; empty where it does not verify): what a reader checks the rows it read against
    (:func:`disagreement`)."""

    dates: str = dataclasses.field(default="", repr=False, compare=False)
    """The effective dates of a chain that verifies, in seq order, one after another (10 characters
    each, as stored; empty where it does not verify): which events a read chosen by date had to
    give (:func:`disagreement`)."""

    def date_at(self, seq: int) -> str:
        """The verified effective date, as stored, of the event at ``seq`` (1 to ``events_checked``)."""
        if not 1 <= seq <= self.events_checked or len(self.dates) != _DATE_DIGITS * self.events_checked:
            raise ValueError(f"no verified date at seq {seq} (a chain of {self.events_checked} events that verifies)")
        return self.dates[_DATE_DIGITS * (seq - 1) : _DATE_DIGITS * seq]

    def hash_at(self, seq: int) -> str:
        """The verified hash of the event at ``seq`` (1 to ``events_checked``; :data:`GENESIS` at 0)."""
        if not 0 <= seq <= self.events_checked or len(self.chain) != _HASH_DIGITS * self.events_checked:
            raise ValueError(f"no verified hash at seq {seq} (a chain of {self.events_checked} events that verifies)")
        return GENESIS if seq == 0 else self.chain[_HASH_DIGITS * (seq - 1) : _HASH_DIGITS * seq]

    def raise_if_broken(self) -> None:
        """Raise :class:`IntegrityProblem` naming the problems, if there are any."""
        if self.problems:
            raise IntegrityProblem(self.problems)


_HASH_DIGITS = len(GENESIS)
"""The length of an event's hash written in hexadecimal (SHA-256)."""
_DATE_DIGITS = len("2000-01-01")
"""The length of an effective date as stored (:func:`~prefstack.ledger.hashing.format_date`)."""


@dataclasses.dataclass(frozen=True)
class StoreReport:
    """The outcome of :meth:`EventStore.verify`: one :class:`VerifyReport` per company checked,
    in the order of the companies' ids."""

    streams: dict[str, VerifyReport]

    @property
    def ok(self) -> bool:
        """Whether every stream checked verifies."""
        return all(report.ok for report in self.streams.values())

    @property
    def events_checked(self) -> int:
        """The events found intact, over every stream checked."""
        return sum(report.events_checked for report in self.streams.values())

    @property
    def problems(self) -> list[Problem]:
        """The problems of every stream, each naming its company."""
        return [p for report in self.streams.values() for p in report.problems]

    def raise_if_broken(self) -> None:
        """Raise :class:`IntegrityProblem` naming the problems, if there are any."""
        if self.problems:
            raise IntegrityProblem(self.problems)


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """A company's ledger folded to the end of ``as_of`` (not finished) from the events stored at
    ``version`` (whose hash was ``head_hash``), by the code and terms of ``fingerprint``."""

    as_of: datetime.date
    version: int
    head_hash: str
    fingerprint: str
    blob: bytes


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """A company's ledger folded at one head (:mod:`prefstack.ledger.snapshots` writes and reads
    ``blob``): the head, the fingerprint of the code and terms it was made with, the date it was
    folded to and whether an event was judged on that date itself."""

    version: int
    head_hash: str
    fingerprint: str
    as_of: datetime.date
    reads_as_of: bool
    blob: bytes


class Head(NamedTuple):
    """The head of a stream: how many events were appended, and the hash of the last one."""

    version: int
    head_hash: str


class StreamHead(NamedTuple):
    """A company's stream as the store lists it (:meth:`EventStore.companies`)."""

    company: str
    version: int
    head_hash: str


class _Written(NamedTuple):
    """One event as text, the form in which it is stored and hashed."""

    seq: int
    event_id: str
    kind: str
    effective_date: str
    recorded_at: str
    payload: str
    prev_hash: str
    hash: str
    recorded_by: str


class _Prepared(NamedTuple):
    kind: str
    effective_date: str
    payload: str
    recorded_at: str | None
    recorded_by: str


def _prepare(event: NewEvent) -> _Prepared:
    """Check one event and write its values as text; raise :class:`InvalidEvent` naming the field."""
    if not isinstance(event.kind, str) or not event.kind:
        raise InvalidEvent("kind", f"must be a non-empty string, not {event.kind!r}")
    if not isinstance(event.payload, Mapping):
        raise InvalidEvent(
            "payload", f"must be a mapping of strings to JSON values, not {type(event.payload).__name__}"
        )
    recorded_at = None if event.recorded_at is None else format_instant(event.recorded_at, field="recorded_at")
    return _Prepared(
        kind=event.kind,
        effective_date=format_date(event.effective_date, field="effective_date"),
        payload=canonical_json(event.payload, field="payload"),
        recorded_at=recorded_at,
        recorded_by=check_recorded_by(operating_system_user() if event.recorded_by is None else event.recorded_by),
    )


MAX_RECORDED_BY = 200
"""The longest name accepted for who recorded an event."""


@functools.cache
def operating_system_user() -> str:
    """The login name of the process's user: who recorded an event when nobody is named."""
    try:
        return getpass.getuser()
    except (KeyError, OSError) as exc:  # no passwd entry and no LOGNAME/USER variable
        raise InvalidEvent("recorded_by", "the operating-system user is unknown: name who records the event") from exc


def check_recorded_by(value: object) -> str:
    """Who recorded an event: text under the text policy, at most 200 characters."""
    try:
        return checked_text(value, what="", limit=MAX_RECORDED_BY)
    except ValueError as exc:
        raise InvalidEvent("recorded_by", str(exc)) from exc


def _refuse_float(text: str) -> JSON:
    raise ValueError(f"float {text} in stored payload")


_PAYLOAD_DECODER = json.JSONDecoder(parse_float=_refuse_float)


def _load_payload(text: str) -> object:
    """Read a stored payload, which is canonical JSON: no whitespace around it, no floats in it."""
    value, end = _PAYLOAD_DECODER.raw_decode(text)
    if end != len(text):
        raise ValueError(f"stored payload has extra text after position {end}")
    return value


def _decode(row: _Written) -> StoredEvent:
    try:
        payload = _load_payload(row.payload)
        effective_date = datetime.date.fromisoformat(row.effective_date)
        recorded_at = parse_instant(row.recorded_at)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # TypeError: a stored value of another type (SQLite keeps any); OverflowError: an instant out of
        # range once in UTC; RecursionError: a payload nested deeper than any event's
        wrong = _wrongly_typed(row)
        if wrong:
            raise IntegrityProblem([_wrongly_typed_problem(row, wrong, row.seq)]) from exc
        raise IntegrityProblem(
            [Problem(row.seq, row.event_id, "edited", f"stored event {row.event_id} cannot be read: {exc}")]
        ) from exc
    if not (
        type(row.seq) is int
        and type(row.event_id) is str
        and type(row.kind) is str
        and type(row.prev_hash) is str
        and type(row.hash) is str
        and type(row.recorded_by) is str
    ):  # the fields taken as they are stored (a chain read under --allow-unverified is not checked)
        raise IntegrityProblem([_wrongly_typed_problem(row, _wrongly_typed(row), row.seq)])
    if not isinstance(payload, dict):
        raise IntegrityProblem(
            [Problem(row.seq, row.event_id, "edited", f"stored payload of event {row.event_id} is not a JSON object")]
        )
    return StoredEvent(
        seq=row.seq,
        event_id=row.event_id,
        kind=row.kind,
        effective_date=effective_date,
        recorded_at=recorded_at,
        payload=payload,
        prev_hash=row.prev_hash,
        hash=row.hash,
        recorded_by=row.recorded_by,
    )


def _intact_at(row: _Written, seq: int) -> bool:
    """Whether the stored hash of ``row`` is the hash of its content written at position ``seq``."""
    recomputed = hash_written_event(
        seq,
        row.event_id,
        row.kind,
        row.effective_date,
        row.recorded_at,
        row.payload,
        row.prev_hash,
        recorded_by=row.recorded_by,
    )
    return recomputed == row.hash


def _written_seq(rows: Sequence[_Written], index: int, position_of: Mapping[str, int]) -> int | None:
    """The position at which ``rows[index]`` was appended, counted along its chain of
    predecessors back to the genesis; None where the chain leads to an event no longer stored."""
    count = 1
    link = rows[index].prev_hash
    seen: set[int] = set()
    while link != GENESIS:
        position = position_of.get(link)
        if position is None or position in seen:
            return None
        seen.add(position)
        count += 1
        link = rows[position].prev_hash
    return count


def _edited(row: _Written, why: str) -> Problem:
    return Problem(row.seq, row.event_id, "edited", f"event {row.event_id} (seq {row.seq}) {why}")


_TYPES = {"seq": int}
"""The type of a stored field that is not text (:func:`_wrongly_typed`)."""


def _wrongly_typed(row: _Written) -> list[str]:
    """The fields of a stored row that are not of the type the ledger writes (SQLite keeps any
    value in any column: a writer of the database can put text in ``seq`` or a blob or NULL in a
    text column)."""
    return [name for name, value in zip(row._fields, row, strict=True) if type(value) is not _TYPES.get(name, str)]


def _wrongly_typed_problem(row: _Written, wrong: Sequence[str], expected_seq: object) -> Problem:
    """The problem of ``row`` holding the fields ``wrong`` of another type than the ledger writes,
    at ``expected_seq`` where its own seq is not a whole number."""
    seq = row.seq if type(row.seq) is int else expected_seq
    event_id = row.event_id if type(row.event_id) is str else None
    return Problem(
        seq if type(seq) is int else 0,
        event_id,
        "edited",
        f"event {event_id} (seq {seq!s}) holds {', '.join(wrong)} of another type than the ledger writes "
        "(seq a whole number, every other field text): its stored values were changed",
    )


def _stored_head(company: str, version: object, head_hash: object) -> Head:
    """A stream's head as stored, refused (:class:`IntegrityProblem`) where it holds a value of another
    type than the ledger writes (SQLite keeps any: text or a blob for the version)."""
    if type(version) is not int or type(head_hash) is not str:
        wrong = [
            name
            for name, value, kind in (("version", version, int), ("head_hash", head_hash, str))
            if type(value) is not kind
        ]
        raise IntegrityProblem(
            [
                Problem(
                    0,
                    None,
                    "edited",
                    f"the ledger head holds {', '.join(wrong)} of another type than the ledger writes (version a "
                    "whole number, head_hash text): its stored values were changed",
                    company=company,
                )
            ]
        )
    return Head(version, head_hash)


def _check_row(
    rows: Sequence[_Written], index: int, prev_hash: str, position_of: Mapping[str, int], head_version: int
) -> Problem | None:
    """The problem at ``rows[index]`` given the hash of the intact event before it, or None."""
    row = rows[index]
    expected_seq = index + 1
    wrong = _wrongly_typed(row)
    if wrong:
        return _wrongly_typed_problem(row, wrong, expected_seq)
    if row.seq > expected_seq:
        return Problem(
            expected_seq,
            None,
            "removed",
            f"seq {expected_seq}"
            + (f"..{row.seq - 1}" if row.seq - 1 > expected_seq else "")
            + f" missing: the ledger goes from seq {expected_seq - 1} to seq {row.seq} (event {row.event_id})",
        )
    if row.seq < expected_seq:
        return Problem(row.seq, row.event_id, "inserted", f"event {row.event_id} has seq {row.seq}; seqs start at 1")
    own_ok = _intact_at(row, row.seq)
    if own_ok and row.prev_hash == prev_hash:
        return None
    pred = -1 if row.prev_hash == GENESIS else position_of.get(row.prev_hash)
    written_at: int | None = row.seq if own_ok else None
    if written_at is None and pred is not None:
        candidate = _written_seq(rows, index, position_of)
        if candidate is not None and _intact_at(row, candidate):
            written_at = candidate
    if written_at is None:
        if pred is None:
            # The predecessor is gone and the event does not match its hash at its seq: was it
            # renumbered after events before it were removed?
            for seq in range(row.seq + 1, row.seq + max(head_version, len(rows)) + 1):
                if _intact_at(row, seq):
                    return Problem(
                        row.seq,
                        None,
                        "removed",
                        f"{seq - row.seq} event(s) removed before event {row.event_id}, which was appended as "
                        f"seq {seq} and now sits at seq {row.seq} (the later events were renumbered)",
                    )
        return _edited(row, "does not match its hash: its stored values were changed")
    if pred is None:
        if index == 0:
            return _edited(row, "is the first event but does not point to the genesis hash")
        before = rows[index - 1]
        return _edited(
            before,
            f"no longer has the hash that the next event {row.event_id} (seq {row.seq}) recorded for it: "
            "it was changed and re-hashed, or replaced",
        )
    if pred > index - 1:
        moved = rows[pred]
        return Problem(
            row.seq,
            row.event_id,
            "reordered",
            f"event {row.event_id} was appended as seq {written_at} but sits at seq {row.seq}, "
            f"before event {moved.event_id} (now seq {moved.seq}) that preceded it",
        )
    if pred < index - 1:
        intruder = rows[pred + 1]
        follows = "the genesis" if pred == -1 else f"event {rows[pred].event_id} (seq {rows[pred].seq})"
        return Problem(
            intruder.seq,
            intruder.event_id,
            "inserted",
            f"event {intruder.event_id} at seq {intruder.seq} is not in the chain: event {row.event_id} "
            f"(appended as seq {written_at}) directly follows {follows}",
        )
    return _edited(row, "does not match its hash at its position in the chain")


def _check_stream(company: str, rows: Sequence[_Written], head: Head) -> VerifyReport:
    """Recompute the hash chain of a company's ``rows`` (in seq order) against its head; every
    problem names the company."""
    found = _check_chain(rows, head.version, head.head_hash)
    problems = [dataclasses.replace(p, company=company) for p in found.problems]
    return dataclasses.replace(found, problems=problems, company=company)


def _intact_prefix(rows: Sequence[_Written], first: int = 1, prev: str = GENESIS) -> int:
    """How many of ``rows``, from the first, are as the ledger wrote them: numbered ``first``,
    ``first`` + 1, ... in turn, each pointing to the hash of the one before (the first to ``prev``:
    the genesis, or the hash of the event before ``first``) and matching its own hash. The
    condition :func:`_check_row` finds no problem in, without its diagnosis, in one loop: verifying
    a long intact chain is this loop alone."""
    for index, (seq, event_id, kind, effective, at, payload, prev_hash, stored, by) in enumerate(rows):
        if seq != first + index or prev_hash != prev:
            return index
        try:
            rehashed = hash_written_event(seq, event_id, kind, effective, at, payload, prev_hash, recorded_by=by)
        except (TypeError, InvalidEvent):  # a stored value of another type than the ledger writes
            return index  # named by _check_row
        if rehashed != stored:
            return index
        prev = stored
    return len(rows)


def _check_chain(rows: Sequence[_Written], head_version: int, head_hash: str) -> VerifyReport:
    """Recompute the hash chain of ``rows`` (in seq order) against the ledger head."""
    intact = _intact_prefix(rows)
    if intact < len(rows):  # name the first problem (:func:`_check_row`, from the first row not intact)
        position_of: dict[str, int] = {}
        for position, row in enumerate(rows):
            position_of.setdefault(row.hash, position)
        prev_hash = GENESIS if intact == 0 else rows[intact - 1].hash
        for index in range(intact, len(rows)):
            problem = _check_row(rows, index, prev_hash, position_of, head_version)
            if problem is not None:
                return VerifyReport(ok=False, events_checked=index, problems=[problem])
            prev_hash = rows[index].hash
    prev_hash = rows[-1].hash if rows else GENESIS
    count = len(rows)
    head_problem: Problem | None = None
    if head_version > count:
        head_problem = Problem(
            count + 1,
            None,
            "removed",
            f"the ledger head records {head_version} events but only {count} are stored: "
            f"seq {count + 1}" + (f"..{head_version}" if head_version > count + 1 else "") + " removed",
        )
    elif head_version < count:
        extra = rows[head_version]
        head_problem = Problem(
            extra.seq,
            extra.event_id,
            "inserted",
            f"the ledger head records {head_version} events but {count} are stored: event {extra.event_id} "
            f"(seq {extra.seq}) and any after it were not appended by the ledger",
        )
    elif head_hash != prev_hash:
        last = rows[-1] if rows else None
        head_problem = Problem(
            count,
            None if last is None else last.event_id,
            "edited",
            f"the ledger head records the hash {head_hash} for the last event, but the stored chain ends in "
            f"{prev_hash}: the last event was changed and re-hashed",
        )
    if head_problem is not None:
        return VerifyReport(ok=False, events_checked=count, problems=[head_problem])
    chain, dates = _columns(rows)
    return VerifyReport(ok=True, events_checked=count, problems=[], chain=chain, dates=dates)


def _columns(rows: Sequence[_Written]) -> tuple[str, str]:
    """The hashes and the effective dates of intact ``rows``, each column one string (the
    :class:`VerifyReport`'s ``chain`` and ``dates``; no dates where one is not written as
    :func:`~prefstack.ledger.hashing.format_date` writes them)."""
    dates = "".join([row.effective_date for row in rows])
    return "".join([row.hash for row in rows]), dates if len(dates) == _DATE_DIGITS * len(rows) else ""


@dataclasses.dataclass(eq=False)
class Reads:
    """What a reader read of one stream while it is watched (:meth:`LedgerStream.watching`): every
    event row, every stored hash asked for by seq and every head, as the store gave them. A chain
    verified in another transaction (in a child process beside the reader, or before it) vouches
    for these only where they are that chain's (:func:`disagreement`): an event edited in place
    between the two reads, its hash left as it was, is otherwise read unrefused."""

    rows: list[RowRead] = dataclasses.field(default_factory=list)
    hashes: list[tuple[int, str | None]] = dataclasses.field(default_factory=list)
    heads: list[Head] = dataclasses.field(default_factory=list)
    spans: list[Span] = dataclasses.field(default_factory=list)
    """Each read's seq range, which must have come back whole (no event of it deleted)."""


class Span(NamedTuple):
    """The seq range one watched read asked for, up to the head read with it (``last``), and the
    events that came back (their seqs): whole where they are ``first`` to ``last``, each once, or
    those of them effective after ``dated_after`` and on or before ``dated_through`` where the read
    was chosen by date (which the verified chain's dates say: :func:`disagreement`)."""

    first: int
    last: int
    seqs: tuple[object, ...]
    dated_after: str | None = None
    dated_through: str | None = None

    @classmethod
    def of(
        cls,
        rows: Sequence[_Written],
        first: int,
        through: int | None,
        head: Head,
        dated_after: str | None = None,
        dated_through: str | None = None,
    ) -> Span:
        last = head.version if through is None else min(through, head.version)
        return cls(first, last, tuple(row.seq for row in rows), dated_after, dated_through)

    @property
    def dated(self) -> bool:
        return self.dated_after is not None or self.dated_through is not None

    def expected(self, report: VerifyReport) -> tuple[int, ...]:
        """The seqs this read had to give, by the chain ``report`` verified (which holds ``last``)."""
        seqs = range(self.first, self.last + 1)
        if not self.dated:
            return tuple(seqs)
        if self.last > report.events_checked or len(report.dates) != _DATE_DIGITS * report.events_checked:
            raise ValueError(f"no verified dates to seq {self.last} (a chain of {report.events_checked} events)")
        dates, width = report.dates, _DATE_DIGITS
        after = "" if self.dated_after is None else self.dated_after  # below every date
        through = "~" if self.dated_through is None else self.dated_through  # above every date
        starts = range(width * (self.first - 1), width * self.last, width)
        return tuple(start // width + 1 for start in starts if after < dates[start : start + width] <= through)


def _chosen(
    row: _Written, recorded: str | None, kinds: list[str] | None, after_day: str | None, through_day: str | None
) -> bool:
    """Whether the conditions of :meth:`LedgerStream.read` choose ``row``, comparing its stored text
    as the database does (instants and dates are written at a fixed width, so that their text sorts
    as they do). A row holding a value of another type is chosen: decoding it refuses it."""
    if not (type(row.recorded_at) is str and type(row.effective_date) is str and type(row.kind) is str):
        return True
    return (
        (recorded is None or row.recorded_at <= recorded)
        and (kinds is None or row.kind in kinds)
        and (after_day is None or row.effective_date > after_day)
        and (through_day is None or row.effective_date <= through_day)
    )


class RowRead(NamedTuple):
    """An event row as a watched reader read it (:class:`Reads`): where, its stored hash and whether
    its values are those that hash was made of (checked as it is read, so that the row itself, its
    payload text, need not be kept until the chain is known)."""

    seq: object
    """As stored: a whole number, unless a writer of the database put something else there."""
    event_id: object
    hash: object
    matches_own_hash: bool

    @classmethod
    def of(cls, row: _Written) -> RowRead:
        return cls(row.seq, row.event_id, row.hash, _matches_own_hash(row))


class Disagreement(NamedTuple):
    """Something a reader read that is not the verified chain's (:func:`disagreement`)."""

    seq: int | None
    """Where (None: a row whose seq is not a whole number)."""
    what: str
    beyond: bool
    """Whether it lies after the verified chain's last event (appended since it was verified),
    rather than contradicting an event of it."""


def disagreement(report: VerifyReport, reads: Reads) -> Disagreement | None:
    """The first of ``reads`` that is not the chain ``report`` verified (which must verify),
    preferring a contradiction to a read past its end; None where everything read is that chain's:
    each row matches its own hash (its values are those the hash was made of) and that hash is the
    verified chain's at its seq; each read's seq range came back whole, to the head read with it;
    each stored hash and head read is the chain's at its seq."""
    if not report.ok:
        raise AssertionError("rows are checked against a chain that verifies")
    count = report.events_checked
    beyond: Disagreement | None = None
    for row in reads.rows:
        seq = row.seq
        if type(seq) is not int or seq < 1:
            return Disagreement(seq if type(seq) is int else None, f"an event row with seq {seq!r}", False)
        if seq > count:
            beyond = beyond or Disagreement(seq, f"event {row.event_id} (seq {seq}) after the verified chain", True)
        elif row.hash != report.hash_at(seq) or not row.matches_own_hash:
            return Disagreement(seq, f"event {row.event_id} (seq {seq}) is not the event verified there", False)
    for span in reads.spans:
        if span.last > count:
            continue  # read with a head after the verified chain's: beyond (the head is checked below)
        if span.dated and len(report.dates) != _DATE_DIGITS * count:
            return Disagreement(span.first, "events chosen by date from a chain whose dates were not kept", False)
        if span.seqs != span.expected(report):
            return Disagreement(
                span.first,
                f"seq {span.first} to {span.last} read as {len(span.seqs)} event(s), not those stored",
                False,
            )
    for seq, found in reads.hashes:
        if (1 <= seq <= count and found != report.hash_at(seq)) or (seq < 1 and found is not None):
            return Disagreement(seq, f"the hash stored at seq {seq} is not the verified chain's", False)
        if seq > count and found is not None:
            beyond = beyond or Disagreement(seq, f"a hash stored at seq {seq}, after the verified chain", True)
    for head in reads.heads:
        if head.version < 0:
            return Disagreement(head.version, f"a head of {head.version} events", False)
        if head.version > count:
            beyond = beyond or Disagreement(head.version, f"a head of {head.version} events", True)
        elif head.head_hash != report.hash_at(head.version):
            return Disagreement(head.version, f"the head at seq {head.version} is not the verified chain's", False)
    return beyond


def _matches_own_hash(row: _Written) -> bool:
    try:
        return _intact_at(row, row.seq)
    except (TypeError, InvalidEvent):  # a stored value of another type than the ledger writes
        return False


def _make_engine(url: str) -> Engine:
    try:
        parsed = sa.make_url(url)
    except sa_exc.ArgumentError as exc:
        raise LedgerError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise LedgerError("the SQLite ledger needs a file (sqlite:///path.sqlite), not an in-memory database")
        engine = sa.create_engine(parsed)
        sa_event.listen(engine, "connect", _sqlite_connect)
        sa_event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        return sa.create_engine(parsed)
    raise LedgerError(f"the ledger runs on SQLite or PostgreSQL, not {backend!r} ({parsed.render_as_string()})")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun explicitly (see _sqlite_begin), not by the sqlite3 module.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = _switch_to_wal(cursor)
        if str(mode).lower() != "wal":
            raise LedgerError(f"SQLite refused write-ahead logging (journal_mode is {mode!r})")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> object:
    """``PRAGMA journal_mode = WAL`` on a new connection, giving the journal mode SQLite answers.

    A store written in SQLite's default (rollback) journal is switched to write-ahead logging by
    the first connection to it. Connections switching it at the same moment get "database is
    locked" at once: the switch turns a read lock into a write lock, for which SQLite never waits
    on its busy timeout (the two could wait on each other for ever). So the switch is tried again,
    after pauses doubling from 1 ms to 50 ms, until :data:`BUSY_TIMEOUT_MS` have passed, as any
    other wait for a lock; then the last "database is locked" is raised. Errors other than a busy
    database are raised at once.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    while True:
        try:
            return cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            # sqlite_errorcode is SQLite's extended code; its low byte is the primary code.
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(2 * pause, 0.05)


def _sqlite_begin(conn: Connection) -> None:
    immediate = bool(conn.get_execution_options().get(_WRITE, False))
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_EVENT_COLUMNS = tuple(events_table.c[name] for name in _Written._fields)
"""The columns of an event as :class:`_Written` holds them (the stream's key left out)."""


def _unreadable_row(what: str, exc: Exception) -> SnapshotUnreadable:
    """A snapshot or checkpoint row holding a value of another type than prefstack writes (SQLite
    keeps any), refused as a snapshot is whose bytes prefstack did not write."""
    return SnapshotUnreadable(f"the {what} row holds a value of another type than prefstack writes: {exc}")


def _require_types(what: str, row: Any, **types: type) -> None:
    """Refuse a snapshot or checkpoint ``row`` (:func:`_unreadable_row`) whose fields are not of the
    ``types`` prefstack writes, exactly (a float for a whole number, an integer for bytes: SQLite
    keeps any)."""
    wrong = [name for name, kind in types.items() if type(getattr(row, name)) is not kind]
    if wrong:
        raise _unreadable_row(what, TypeError(f"{', '.join(wrong)} of another type than prefstack writes"))


def _written_rows(conn: Connection, query: sa.Select[Any]) -> list[_Written]:
    """The rows of ``query`` (a select of :data:`_EVENT_COLUMNS`) as the driver gives them: the
    columns are integers and text, which neither driver (sqlite3, psycopg) nor SQLAlchemy converts,
    so the driver's tuples are taken as they are, without a SQLAlchemy row made for each (a third
    of the time of reading the 54,000 events of a register to verify its chain)."""
    result = conn.execute(query)
    try:
        fetched = result.cursor.fetchall()
    except conn.dialect.loaded_dbapi.Error as exc:  # the driver's own, as SQLAlchemy does not fetch these
        if "decode" in str(exc):  # SQLite: text that is not UTF-8, which prefstack never writes
            raise IntegrityProblem(
                [Problem(0, None, "edited", f"a stored event holds text that cannot be read ({exc}): it was changed")]
            ) from exc
        raise StoreUnavailable(f"the ledger database is unavailable: {exc}") from exc
    finally:
        result.close()
    return list(map(_Written._make, fetched))


def _series_named(payloads: Sequence[str]) -> list[str]:
    """The series the stored payloads name (``series``), in order, each once."""
    named: dict[str, None] = {}
    for text in payloads:
        try:
            payload = _load_payload(text)
        except ValueError:
            continue  # an unreadable row is kept as it is; verify reports it after the migration
        series = payload.get("series") if isinstance(payload, dict) else None
        if isinstance(series, str):
            named.setdefault(series, None)
    return list(named)


def legacy_company(named: str | None, series: Sequence[str], fallback: str | None) -> str:
    """The company (issuer id) of a store written before streams: the one its ``ledger_meta``
    names (``named``, a legal name or id, resolved through the registry), else the issuer of the
    ``series`` its events name (all of one issuer), else ``fallback``. The evidence must agree;
    :class:`LegacyStoreError` (field ``company``) where it does not or where there is none."""
    from prefstack.errors import InputError
    from prefstack.instruments.registry import issuer, issuer_of_series

    stored = None
    if named is not None:
        try:
            stored = issuer(named, "company")
        except InputError as exc:
            raise LegacyStoreError(
                f"the store was written before one store held many ledgers and names its company {named!r}, "
                f"which is no issuer prefstack knows: {exc.problem}; it was not migrated (nothing changed)"
            ) from exc
    owners: dict[str, str] = {}
    for name in series:
        try:
            owners.setdefault(issuer_of_series(name).id, name)
        except InputError as exc:
            raise LegacyStoreError(
                f"the store's events name Series {name}, which is no series of an issuer prefstack knows; "
                "it was not migrated (nothing changed)"
            ) from exc
    if len(owners) > 1:
        listed = ", ".join(f"Series {s} of {c}" for c, s in owners.items())
        raise LegacyStoreError(
            f"the store's events name the series of several companies ({listed}); it was not migrated (nothing changed)"
        )
    inferred = next(iter(owners), None)
    if stored is not None and inferred is not None and stored.id != inferred:
        raise LegacyStoreError(
            f"the store names its company {named!r} but its events name Series {owners[inferred]} of {inferred}; "
            "it was not migrated (nothing changed)"
        )
    if stored is not None:
        return stored.id
    if inferred is not None:
        return inferred
    if fallback is not None:
        return check_company(fallback, "--company")
    raise LegacyStoreError(
        "the store was written before one store held many ledgers, names no company and none of its events names "
        "a series: give the company of its ledger with --company (an issuer id or legal name) to migrate it"
    )


class EventStore:
    """Append-only, hash-chained event ledgers at a SQLAlchemy URL: one stream per company.

    ``"sqlite:///path.sqlite"`` or ``"postgresql+psycopg://user@host:port/db"``; the tables
    are created if missing, and a store written before streams is migrated (see the module's
    documentation; ``legacy_company`` is the issuer id its single ledger gets when neither the
    store nor its events tell). Use as a context manager, or call :meth:`close`; reach a
    company's ledger with :meth:`stream`.
    """

    def __init__(self, url: str, *, legacy_company: str | None = None) -> None:
        self._url = url
        self._engine = _make_engine(url)
        self._postgres = self._engine.dialect.name == "postgresql"
        try:
            fallback = None if legacy_company is None else check_company(legacy_company, "legacy_company")
            self._create(fallback)
        except BaseException:
            self._engine.dispose()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                if write:
                    conn.execution_options(**{_WRITE: True})
                elif self._postgres:
                    conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
        except sa_exc.DatabaseError as exc:
            # Unreachable or locked (OperationalError), or not a database at all (a plain
            # DatabaseError: "file is not a database"); integrity errors keep their own type.
            if type(exc) not in (sa_exc.OperationalError, sa_exc.DatabaseError):
                raise
            raise StoreUnavailable(f"the ledger database is unavailable: {exc.orig}") from exc

    def _create(self, legacy: str | None) -> None:
        with self._transaction(write=True) as conn:
            if self._postgres:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_CREATE_LOCK)))
            inspector = sa.inspect(conn)
            if inspector.has_table(events_table.name):
                columns = {c["name"] for c in inspector.get_columns(events_table.name)}
                if "recorded_by" not in columns:
                    raise StoreUnavailable(
                        "the ledger was written by an earlier prefstack that did not record who entered each event: "
                        "export it with that version (`prefstack ledger export`) and import the file into a new store"
                    )
                if "company" not in columns:
                    self._migrate_single_ledger(conn, inspector, legacy)
            metadata.create_all(conn)

    @staticmethod
    def _migrate_single_ledger(conn: Connection, inspector: sa.Inspector, legacy: str | None) -> None:
        """Make the single ledger of a store written before streams the stream of its company, in
        the caller's transaction: same rows, values and hashes; its head becomes the stream's."""
        old = _legacy_events.c
        payloads = [
            str(p) for p in conn.execute(sa.select(sa.text("payload")).select_from(sa.table("ledger_events"))).scalars()
        ]
        named = None
        if inspector.has_table(meta_table.name):
            found = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "company")).scalar()
            named = None if found is None else str(found)
        head_row = None
        has_head = inspector.has_table(_legacy_head.name)
        if has_head:
            head_row = conn.execute(
                sa.select(_legacy_head.c.version, _legacy_head.c.head_hash).where(_legacy_head.c.id == 1)
            ).first()
        company = None
        if payloads or named is not None or (head_row is not None and int(head_row.version) != 0):
            company = legacy_company(named, _series_named(payloads), legacy)
        if any(i["name"] == "ix_ledger_events_event_id" for i in inspector.get_indexes(events_table.name)):
            conn.exec_driver_sql("DROP INDEX ix_ledger_events_event_id")
        conn.exec_driver_sql(f"ALTER TABLE ledger_events RENAME TO {_legacy_events.name}")
        metadata.create_all(conn)
        if company is not None:
            copy = [old[c.name] for c in _EVENT_COLUMNS]
            conn.execute(
                events_table.insert().from_select(
                    ["company", *(c.name for c in _EVENT_COLUMNS)],
                    sa.select(sa.literal(company, sa.String(64)), *copy),
                )
            )
            if head_row is None:  # a head was only ever missing before the first open: as then
                last = conn.execute(sa.select(old.seq, old.hash).order_by(old.seq.desc()).limit(1)).first()
                version, head_hash = (0, GENESIS) if last is None else (int(last.seq), str(last.hash))
            else:
                version, head_hash = int(head_row.version), str(head_row.head_hash)
            conn.execute(streams_table.insert().values(company=company, version=version, head_hash=head_hash))
            moved = conn.execute(
                sa.select(sa.func.count()).select_from(events_table).where(events_table.c.company == company)
            ).scalar_one()
            if moved != len(payloads):
                raise LedgerError(
                    f"migrating the store copied {moved} of its {len(payloads)} events; nothing was changed"
                )
            conn.execute(meta_table.delete().where(meta_table.c.key == "company"))
        _legacy_events.drop(conn)
        if has_head:
            _legacy_head.drop(conn)

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Connection]:
        """A transaction on the store's database, for the tables kept beside the ledgers (the web
        service's users, sessions and idempotency keys: :mod:`prefstack.web.accounts`); ``write``:
        a writer's (on SQLite it starts ``BEGIN IMMEDIATE``, as an append does)."""
        with self._transaction(write=write) as conn:
            yield conn

    @property
    def dialect(self) -> str:
        """The database's dialect: ``sqlite`` or ``postgresql``."""
        return str(self._engine.dialect.name)

    def stream(self, company: str) -> LedgerStream:
        """The ledger of ``company`` (an issuer id); a company without events has an empty stream."""
        return LedgerStream(self, check_company(company))

    def companies(self) -> list[StreamHead]:
        """Every company with a stream in the store (or with events stored under its key), with its
        head, in the order of their ids."""
        with self._transaction(write=False) as conn:
            heads = {
                str(r.company): StreamHead(str(r.company), *_stored_head(str(r.company), r.version, r.head_hash))
                for r in conn.execute(sa.select(streams_table))
            }
            for (key,) in conn.execute(sa.select(events_table.c.company).distinct()):
                heads.setdefault(str(key), StreamHead(str(key), 0, GENESIS))
        return [heads[key] for key in sorted(heads)]

    def verify(self, company: str | None = None) -> StoreReport:
        """Recompute the hash chain of every company's stream (or of ``company``'s only) and name,
        for each, the first event that is not as the ledger wrote it: ``edited`` (values changed),
        ``removed`` (missing from the chain), ``reordered`` (moved to another seq), ``inserted``
        (not appended by the ledger); every problem names its company. Events stored under a key
        with no head are reported as ``inserted``."""
        return StoreReport(self._verified(None if company is None else check_company(company)).reports)

    def _verified(self, wanted: str | None) -> EarlyReport:
        """:meth:`verify` of the stream ``wanted`` (None: every stream), with the head each was
        verified against, read in the same transaction as its events."""
        with self._transaction(write=False) as conn:
            query = sa.select(streams_table)
            if wanted is not None:
                query = query.where(streams_table.c.company == wanted)
            heads: dict[str, Head] = {}
            unreadable: dict[str, Problem] = {}
            for r in conn.execute(query):
                try:
                    heads[str(r.company)] = _stored_head(str(r.company), r.version, r.head_hash)
                except IntegrityProblem as exc:  # reported as the stream's problem, its events not read
                    unreadable[str(r.company)] = exc.problems[0]
            if wanted is None:
                keys = sorted(
                    set(heads)
                    | set(unreadable)
                    | {str(k) for (k,) in conn.execute(sa.select(events_table.c.company).distinct())}
                )
            else:
                keys = [wanted]
            reports = {}
            for key in keys:
                if key in unreadable:
                    reports[key] = VerifyReport(ok=False, events_checked=0, problems=[unreadable[key]], company=key)
                    continue
                query = sa.select(*_EVENT_COLUMNS).where(events_table.c.company == key).order_by(events_table.c.seq)
                with without_cyclic_gc():  # tens of thousands of rows and strings, no cycles
                    rows = _written_rows(conn, query)
                    reports[key] = _check_stream(key, rows, heads.setdefault(key, Head(0, GENESIS)))
        return EarlyReport(reports, heads)

    @classmethod
    def _at(cls, url: str) -> EventStore:
        """The store at ``url`` through an engine of its own, creating and migrating nothing: for a
        child process (which must not use connections it inherited), reading a store that exists."""
        engine = _make_engine(url)
        if engine.dialect.name == "sqlite" and not os.path.isfile(str(engine.url.database)):
            engine.dispose()  # connecting would create the file: a store that is not there is not read
            raise StoreUnavailable(f"no SQLite store at {url}")
        store = object.__new__(cls)
        store._url = url
        store._engine = engine
        store._postgres = engine.dialect.name == "postgresql"
        return store


def verify_at(url: str, company: str | None) -> EarlyReport:
    """The chains of the store at ``url``, for the early child (:mod:`prefstack.early`): of the
    stream of ``company`` where the store holds one under that key, else of every stream (a
    ``--company`` given by legal name). Nothing is created or migrated: a store that is not there
    or not of this layout raises, and the reader checks for itself."""
    store = EventStore._at(url)
    try:
        held = {head.company for head in store.companies()}
        return store._verified(company if company in held else None)
    finally:
        store.close()  # the child's own connections, closed before it leaves


class LedgerStream:
    """The ledger of one company in an :class:`EventStore`: its own version, head and hash chain."""

    def __init__(self, store: EventStore, company: str) -> None:
        self._store = store
        self.company = company
        self._watchers: list[Reads] = []

    @contextmanager
    def watching(self) -> Iterator[Reads]:
        """Record what this stream's readers read (:class:`Reads`) until the block ends, to check
        it against a chain verified elsewhere (:func:`disagreement`)."""
        reads = Reads()
        self._watchers.append(reads)
        try:
            yield reads
        finally:
            self._watchers.remove(reads)

    def __repr__(self) -> str:
        return f"LedgerStream({self.company!r})"

    def _head_in(self, conn: Connection, *, lock: bool = False) -> Head | None:
        query = sa.select(streams_table.c.version, streams_table.c.head_hash).where(
            streams_table.c.company == self.company
        )
        row = conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _stored_head(self.company, row.version, row.head_hash)

    def version(self) -> int:
        """The number of events in the company's stream."""
        return self.head().version

    def head(self) -> Head:
        """The stream's head: the number of events appended and the hash of the last one
        (:data:`GENESIS` for an empty stream)."""
        with self._store._transaction(write=False) as conn:
            head = self._head_in(conn)
        found = Head(0, GENESIS) if head is None else head
        for reads in self._watchers:
            reads.heads.append(found)
        return found

    def hash_at(self, seq: int) -> str | None:
        """The stored hash of the stream's event at ``seq``, or None where no event is stored there.

        The hash is read as stored, not recomputed: compare it with a receipt only after
        :meth:`verify` found the chain intact."""
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise InvalidEvent("seq", f"must be an int, not {type(seq).__name__}")
        with self._store._transaction(write=False) as conn:
            found = conn.execute(
                sa.select(events_table.c.hash).where(events_table.c.company == self.company, events_table.c.seq == seq)
            ).scalar_one_or_none()
        stored = None if found is None else str(found)
        for reads in self._watchers:
            reads.hashes.append((seq, stored))
        return stored

    def append(
        self, events: Sequence[NewEvent], *, expected_version: int, expected_hash: str | None = None
    ) -> list[StoredEvent]:
        """Append ``events`` to the company's stream in one transaction, if the stream is at
        ``expected_version`` (0 for a company with no events yet: the append starts its stream)
        and, where ``expected_hash`` is given, its head has that hash (the head the caller
        validated the events against, and verified).

        Raises :class:`ConcurrencyError` if it is not at that version (another writer appended to
        this stream first), :class:`IntegrityProblem` if its head has another hash at that version
        (the head or its last event was changed since: an append never moves it back),
        :class:`InvalidEvent` if an event cannot be stored exactly; in every case nothing is
        stored. Other companies' streams are neither read nor changed.
        """
        if isinstance(expected_version, bool) or not isinstance(expected_version, int) or expected_version < 0:
            raise InvalidEvent("expected_version", f"must be a non-negative int, not {expected_version!r}")
        prepared: list[_Prepared] = []
        for index, event in enumerate(events):
            if not isinstance(event, NewEvent):
                raise InvalidEvent(f"events[{index}]", f"must be a NewEvent, not {type(event).__name__}")
            prepared.append(event.prepared)
        try:
            with self._store._transaction(write=True) as conn:
                return self._append_in(conn, prepared, expected_version, expected_hash)
        except sa_exc.IntegrityError as exc:
            raise ConcurrencyError(expected_version, self.version(), self.company) from exc

    def _append_in(
        self, conn: Connection, prepared: Sequence[_Prepared], expected_version: int, expected_hash: str | None
    ) -> list[StoredEvent]:
        head = self._head_in(conn, lock=True)
        actual = 0 if head is None else head.version
        if actual != expected_version:
            raise ConcurrencyError(expected_version, actual, self.company)
        found = GENESIS if head is None else head.head_hash
        if expected_hash is not None and found != expected_hash:
            raise IntegrityProblem(
                [
                    Problem(
                        actual,
                        None,
                        "edited",
                        f"the ledger head at seq {actual} has the hash {found}, not the {expected_hash} the append was "
                        "validated against: it was changed since; nothing was appended (run `prefstack ledger verify`)",
                        company=self.company,
                    )
                ]
            )
        if not prepared:
            return []
        if head is None:
            # A new stream; a writer starting it at the same time fails on the primary key.
            conn.execute(streams_table.insert().values(company=self.company, version=0, head_hash=GENESIS))
            head = Head(0, GENESIS)
        now = format_instant(datetime.datetime.now(datetime.UTC))
        prev_hash = head.head_hash
        written: list[_Written] = []
        for offset, event in enumerate(prepared, start=1):
            seq = expected_version + offset
            event_id = uuid.uuid4().hex
            recorded_at = now if event.recorded_at is None else event.recorded_at
            digest = hash_written_event(
                seq,
                event_id,
                event.kind,
                event.effective_date,
                recorded_at,
                event.payload,
                prev_hash,
                recorded_by=event.recorded_by,
            )
            written.append(
                _Written(
                    seq,
                    event_id,
                    event.kind,
                    event.effective_date,
                    recorded_at,
                    event.payload,
                    prev_hash,
                    digest,
                    event.recorded_by,
                )
            )
            prev_hash = digest
        conn.execute(events_table.insert(), [{"company": self.company, **row._asdict()} for row in written])
        moved = conn.execute(
            streams_table.update()
            .where(streams_table.c.company == self.company, streams_table.c.version == expected_version)
            .values(version=expected_version + len(written), head_hash=prev_hash)
        )
        if moved.rowcount != 1:
            now_at = self._head_in(conn)
            raise ConcurrencyError(expected_version, 0 if now_at is None else now_at.version, self.company)
        return [_decode(row) for row in written]

    def snapshot(self) -> Snapshot | None:
        """The company's stored snapshot, whatever head it was made at (the caller compares)."""
        with self._store._transaction(write=False) as conn:
            row = conn.execute(
                sa.select(
                    snapshots_table.c.version,
                    snapshots_table.c.head_hash,
                    snapshots_table.c.fingerprint,
                    snapshots_table.c.as_of,
                    snapshots_table.c.reads_as_of,
                    snapshots_table.c.blob,
                ).where(snapshots_table.c.company == self.company)
            ).first()
        if row is None:
            return None
        _require_types("snapshot", row, version=int, head_hash=str, fingerprint=str, as_of=str, blob=bytes)
        try:
            return Snapshot(
                row.version,
                row.head_hash,
                row.fingerprint,
                datetime.date.fromisoformat(row.as_of),
                bool(row.reads_as_of),
                row.blob,
            )
        except ValueError as exc:
            raise _unreadable_row("snapshot", exc) from exc

    def save_snapshot(self, snapshot: Snapshot) -> bool:
        """Keep ``snapshot`` as the company's, replacing the one before, if the stream's head is
        still the one it was made at; False (nothing written) where another writer moved it on."""
        with self._store._transaction(write=True) as conn:
            head = self._head_in(conn, lock=True)
            if head is None or head != Head(snapshot.version, snapshot.head_hash):
                return False
            conn.execute(snapshots_table.delete().where(snapshots_table.c.company == self.company))
            conn.execute(
                snapshots_table.insert().values(
                    company=self.company,
                    version=snapshot.version,
                    head_hash=snapshot.head_hash,
                    fingerprint=snapshot.fingerprint,
                    as_of=snapshot.as_of.isoformat(),
                    reads_as_of=snapshot.reads_as_of,
                    blob=snapshot.blob,
                )
            )
        return True

    def checkpoint_on_or_before(self, day: datetime.date) -> Checkpoint | None:
        """The company's checkpoint of the latest date on or before ``day``, whatever head it was
        made at (the caller compares); None where there is none."""
        with self._store._transaction(write=False) as conn:
            row = conn.execute(
                sa.select(
                    checkpoints_table.c.as_of,
                    checkpoints_table.c.version,
                    checkpoints_table.c.head_hash,
                    checkpoints_table.c.fingerprint,
                    checkpoints_table.c.blob,
                )
                .where(checkpoints_table.c.company == self.company, checkpoints_table.c.as_of <= day.isoformat())
                .order_by(checkpoints_table.c.as_of.desc())
                .limit(1)
            ).first()
        if row is None:
            return None
        _require_types("checkpoint", row, as_of=str, version=int, head_hash=str, fingerprint=str, blob=bytes)
        try:
            return Checkpoint(
                datetime.date.fromisoformat(row.as_of), row.version, row.head_hash, row.fingerprint, row.blob
            )
        except ValueError as exc:
            raise _unreadable_row("checkpoint", exc) from exc

    def checkpoint_dates(self) -> list[datetime.date]:
        """The dates of the company's checkpoints, in order."""
        with self._store._transaction(write=False) as conn:
            found = conn.execute(
                sa.select(checkpoints_table.c.as_of)
                .where(checkpoints_table.c.company == self.company)
                .order_by(checkpoints_table.c.as_of)
            ).scalars()
            days = list(found)
        try:
            return [datetime.date.fromisoformat(day) for day in days]
        except (TypeError, ValueError) as exc:
            raise _unreadable_row("checkpoint", exc) from exc

    def save_checkpoints(self, checkpoints: Sequence[Checkpoint]) -> bool:
        """Keep ``checkpoints`` as the company's, replacing those before, if the stream's head is
        still the one they were made at; False (nothing written) where another writer moved it on."""
        with self._store._transaction(write=True) as conn:
            head = self._head_in(conn, lock=True)
            if head is None or any(head != Head(c.version, c.head_hash) for c in checkpoints):
                return False
            conn.execute(checkpoints_table.delete().where(checkpoints_table.c.company == self.company))
            for c in checkpoints:
                conn.execute(
                    checkpoints_table.insert().values(
                        company=self.company,
                        as_of=c.as_of.isoformat(),
                        version=c.version,
                        head_hash=c.head_hash,
                        fingerprint=c.fingerprint,
                        blob=c.blob,
                    )
                )
        return True

    def read(
        self,
        *,
        known_at: datetime.datetime | None = None,
        kinds: Collection[str] | None = None,
        after: int | None = None,
        through: int | None = None,
        dated_after: datetime.date | None = None,
        dated_through: datetime.date | None = None,
    ) -> list[StoredEvent]:
        """The stream's events in seq order: those recorded at or before ``known_at`` (what the
        ledger said then) if given, only of the given ``kinds`` if given, only those after seq
        ``after`` and up to seq ``through`` if given, and only those effective after
        ``dated_after`` and on or before ``dated_through`` if given.

        Reading does not recompute hashes (:meth:`verify` does); a row that cannot be decoded
        raises :class:`IntegrityProblem`. Where the stream is watched (:meth:`watching`), every
        event of the seq range is read with the head, in one transaction, and each is recorded and
        checked against its own hash, before the other conditions choose among them (as the
        database would, comparing the stored text): an event the conditions leave out because it
        was edited, or one deleted, is then found (:func:`disagreement`), as an edited one read is.
        """
        recorded = None if known_at is None else format_instant(known_at, field="known_at")
        wanted: list[str] | None = None
        if kinds is not None:
            if isinstance(kinds, str):
                raise InvalidEvent("kinds", f"must be a collection of kinds, not the single string {kinds!r}")
            wanted = sorted(set(kinds))
        after_day = None if dated_after is None else dated_after.isoformat()
        through_day = None if dated_through is None else dated_through.isoformat()
        query = sa.select(*_EVENT_COLUMNS).where(events_table.c.company == self.company).order_by(events_table.c.seq)
        if after is not None:
            query = query.where(events_table.c.seq > after)
        if through is not None:
            query = query.where(events_table.c.seq <= through)
        if self._watchers:
            # chosen by seq and date only, by the database: each event it leaves out is found by its
            # verified date (VerifyReport.dates), without reading them all; chosen by recording time
            # or kind too, here, from every event of the range
            by_date = recorded is None and wanted is None
            if by_date and after_day is not None:
                query = query.where(events_table.c.effective_date > after_day)
            if by_date and through_day is not None:
                query = query.where(events_table.c.effective_date <= through_day)
            with self._store._transaction(write=False) as conn:
                head = self._head_in(conn) or Head(0, GENESIS)
                rows = _written_rows(conn, query)
            first = 1 if after is None else max(after, 0) + 1  # seqs start at 1
            dated = (after_day, through_day) if by_date else (None, None)
            self._saw(rows, Span.of(rows, first, through, head, *dated), head)
            if not by_date:
                rows = [row for row in rows if _chosen(row, recorded, wanted, after_day, through_day)]
            return [_decode(row) for row in rows]
        if recorded is not None:
            query = query.where(events_table.c.recorded_at <= recorded)
        if after_day is not None:
            query = query.where(events_table.c.effective_date > after_day)
        if through_day is not None:
            query = query.where(events_table.c.effective_date <= through_day)
        if wanted is not None:
            if not wanted:
                return []
            query = query.where(events_table.c.kind.in_(wanted))
        with self._store._transaction(write=False) as conn:
            rows = _written_rows(conn, query)
        return [_decode(row) for row in rows]

    def _saw(self, rows: Sequence[_Written], span: Span, head: Head) -> None:
        """Record ``rows``, read as ``span`` with ``head``, for every watcher of the stream."""
        seen = list(map(RowRead.of, rows))
        for reads in self._watchers:
            reads.rows.extend(seen)
            reads.spans.append(span)
            reads.heads.append(head)

    def verify(self) -> VerifyReport:
        """Recompute the stream's hash chain (see :meth:`EventStore.verify`)."""
        return self._store.verify(self.company).streams[self.company]

    def verify_after(self, verified: VerifyReport) -> VerifyReport | None:
        """The report of the stream's chain as it is now, from ``verified`` (a report of it that
        verifies) and the events appended since, which are read with the head in one transaction
        and verified here: each matches its own hash and names the one before, the first the last
        of ``verified``, and the last is the head. The events of ``verified`` are not read again:
        what a reader read of them is checked against its hashes (:func:`disagreement`). None where
        the events since do not verify so (the caller verifies the whole chain, which names why)."""
        if not verified.ok:
            raise AssertionError("a chain is extended from a report that verifies")
        count = verified.events_checked
        query = (
            sa.select(*_EVENT_COLUMNS)
            .where(events_table.c.company == self.company, events_table.c.seq > count)
            .order_by(events_table.c.seq)
        )
        try:
            with self._store._transaction(write=False) as conn:
                head = self._head_in(conn) or Head(0, GENESIS)
                rows = _written_rows(conn, query)
        except IntegrityProblem:  # a head or event of another type: the whole chain verified names it
            return None
        if _intact_prefix(rows, count + 1, verified.hash_at(count)) < len(rows):
            return None
        if head != (count + len(rows), rows[-1].hash if rows else verified.hash_at(count)):
            return None
        chain, dates = _columns(rows)
        dated = len(verified.dates) == _DATE_DIGITS * count and len(dates) == _DATE_DIGITS * len(rows)
        return dataclasses.replace(
            verified,
            events_checked=head.version,
            chain=verified.chain + chain,
            dates=verified.dates + dates if dated else "",
        )

    def verify_beside(self) -> Pending[VerifyReport]:
        """:meth:`verify`, started in a child process while this one goes on where it can be
        (:func:`prefstack.forked.beside`): the report is :meth:`Beside.result`. The child reads the
        store through connections of its own. Where the command started a child verifying this
        store at its first instant (:mod:`prefstack.early`), that child's report is taken instead,
        where it is certainly this stream's report now (:meth:`_from_early`)."""
        store, company = self._store, self.company
        started = early.claim(store._url)
        if started is not None:
            return Then(started, self._from_early)

        def prepare() -> Callable[[], VerifyReport]:
            fresh = EventStore._at(store._url)

            def verify() -> VerifyReport:
                try:
                    return fresh.stream(company).verify()
                finally:
                    fresh.close()  # the child's own connections, closed before it leaves (a server sees a goodbye)

            return verify

        return beside(self.verify, prepare)

    def _from_early(self, found: EarlyReport | None) -> VerifyReport:
        """This stream's report from the early child's, where the child verified this stream at the
        head it has now; else (no report, another head: an append made since) verified here."""
        if found is not None:
            report = found.reports.get(self.company)
            if report is not None and found.heads.get(self.company) == self.head():
                return report
        return self.verify()
