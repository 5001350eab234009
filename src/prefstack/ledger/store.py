"""The event store: an append-only, hash-chained ledger of events on SQLite or PostgreSQL.

Events are stored generically (kind, effective date, recording instant, JSON payload); what
the kinds mean is for :mod:`prefstack.ledger.events` and :mod:`prefstack.ledger.replay`.

Storage. One row per event in ``ledger_events`` (``seq`` is the 1-based append position,
UNIQUE; ``event_id`` a uuid4 hex, unique index), every value kept exactly as text: dates
``YYYY-MM-DD``, instants in UTC with microseconds, the payload as canonical JSON. A single
row in ``ledger_head`` holds the number of events and the hash of the last one; every append
moves it in the same transaction, so that removing events from the end of the ledger is
detected too. Removing them and setting the head back as well leaves a chain that verifies:
that is caught only by a receipt kept outside the database (:mod:`prefstack.ledger.receipts`,
checked with :meth:`EventStore.head` and :meth:`EventStore.hash_at`).

Writers. :meth:`EventStore.append` is optimistic: the caller states the version (number of
events) it based its decision on, and the append fails with :class:`ConcurrencyError`, storing
nothing, if another writer got there first. On SQLite a write transaction starts with
``BEGIN IMMEDIATE`` (writers queue, waiting up to :data:`BUSY_TIMEOUT_MS`); on PostgreSQL the
head row is locked ``FOR UPDATE``. The UNIQUE ``seq`` constraint is the last guard: a
duplicate position is refused by the database and reported as :class:`ConcurrencyError`.

Durability. SQLite runs in WAL mode with ``synchronous=FULL``: an append that returned is on
disk, and a process killed mid-append leaves the ledger as it was before that append.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import getpass
import json
import types
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Literal, NamedTuple, Self

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

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

events_table = sa.Table(
    "ledger_events",
    metadata,
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("event_id", sa.String(32), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("effective_date", sa.String(10), nullable=False),
    sa.Column("recorded_at", _INSTANT, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("recorded_by", sa.Text, nullable=False),
    sa.UniqueConstraint("seq", name="uq_ledger_events_seq"),
    sa.CheckConstraint("seq >= 1", name="ck_ledger_events_seq_positive"),
    sa.Index("ix_ledger_events_event_id", "event_id", unique=True),
)

head_table = sa.Table(
    "ledger_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.CheckConstraint("id = 1", name="ck_ledger_head_single_row"),
)

meta_table = sa.Table(
    "ledger_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
"""Facts about the ledger as a whole, outside the hash chain: ``company``, the issuer named by
the first ledger file imported (``ledger export`` writes it back)."""


class ConcurrencyError(LedgerError):
    """The ledger is not at the version the caller expected: nothing was appended.

    Another writer appended first; re-read the ledger, decide again and retry.
    """

    def __init__(self, expected: int, actual: int) -> None:
        self.expected = expected
        self.actual = actual
        why = "another writer appended first" if actual > expected else "it holds fewer events than expected"
        super().__init__(
            f"the ledger is at version {actual}, not at the expected version {expected}: "
            f"{why}; nothing was appended (re-read and retry)"
        )


class StoreUnavailable(LedgerError):
    """The database could not be reached or stayed locked; nothing was appended."""


class IntegrityProblem(LedgerError):
    """Stored events are not what the ledger wrote (see :meth:`EventStore.verify`)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"seq {p.seq} {p.kind}: {p.message}" for p in self.problems))


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
    """Where the hash chain breaks. ``event_id`` is None where the event is gone (``removed``)."""

    seq: int
    event_id: str | None
    kind: ProblemKind
    message: str


@dataclasses.dataclass(frozen=True)
class VerifyReport:
    """The outcome of :meth:`EventStore.verify`.

    ``events_checked`` counts the events found intact, in order, from the start of the
    ledger; ``problems`` names the first break (what follows a break cannot be trusted).
    """

    ok: bool
    events_checked: int
    problems: list[Problem]

    def raise_if_broken(self) -> None:
        """Raise :class:`IntegrityProblem` naming the problems, if there are any."""
        if self.problems:
            raise IntegrityProblem(self.problems)


class Head(NamedTuple):
    """The ledger head: how many events were appended, and the hash of the last one."""

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
    except ValueError as exc:
        raise IntegrityProblem(
            [Problem(row.seq, row.event_id, "edited", f"stored event {row.event_id} cannot be read: {exc}")]
        ) from exc
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


def _check_row(
    rows: Sequence[_Written], index: int, prev_hash: str, position_of: Mapping[str, int], head_version: int
) -> Problem | None:
    """The problem at ``rows[index]`` given the hash of the intact event before it, or None."""
    row = rows[index]
    expected_seq = index + 1
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


def _check_chain(rows: Sequence[_Written], head_version: int, head_hash: str) -> VerifyReport:
    """Recompute the hash chain of ``rows`` (in seq order) against the ledger head."""
    position_of: dict[str, int] = {}
    for position, row in enumerate(rows):
        position_of.setdefault(row.hash, position)
    prev_hash = GENESIS
    for index in range(len(rows)):
        problem = _check_row(rows, index, prev_hash, position_of, head_version)
        if problem is not None:
            return VerifyReport(ok=False, events_checked=index, problems=[problem])
        prev_hash = rows[index].hash
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
    return VerifyReport(ok=True, events_checked=count, problems=[])


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
        mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise LedgerError(f"SQLite refused write-ahead logging (journal_mode is {mode!r})")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = bool(conn.get_execution_options().get(_WRITE, False))
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class EventStore:
    """An append-only, hash-chained event ledger at a SQLAlchemy URL.

    ``"sqlite:///path.sqlite"`` or ``"postgresql+psycopg://user@host:port/db"``; the tables
    are created if missing. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, url: str) -> None:
        self._engine = _make_engine(url)
        self._postgres = self._engine.dialect.name == "postgresql"
        try:
            self._create()
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

    def _create(self) -> None:
        with self._transaction(write=True) as conn:
            if self._postgres:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_CREATE_LOCK)))
            metadata.create_all(conn)
            columns = {c["name"] for c in sa.inspect(conn).get_columns(events_table.name)}
            if "recorded_by" not in columns:
                raise StoreUnavailable(
                    "the ledger was written by an earlier prefstack that did not record who entered each event: "
                    "export it with that version (`prefstack ledger export`) and import the file into a new store"
                )
            if conn.execute(sa.select(head_table.c.id)).first() is not None:
                return
            last = conn.execute(
                sa.select(events_table.c.seq, events_table.c.hash).order_by(events_table.c.seq.desc()).limit(1)
            ).first()
            version, head_hash = (0, GENESIS) if last is None else (int(last.seq), str(last.hash))
            conn.execute(head_table.insert().values(id=1, version=version, head_hash=head_hash))

    def version(self) -> int:
        """The number of events in the ledger."""
        with self._transaction(write=False) as conn:
            return int(conn.execute(sa.select(head_table.c.version).where(head_table.c.id == 1)).scalar_one())

    def company(self) -> str | None:
        """The company this ledger is of, if a ledger file named it."""
        with self._transaction(write=False) as conn:
            value = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "company")).scalar()
        return None if value is None else str(value)

    def head(self) -> Head:
        """The ledger head: the number of events appended and the hash of the last one
        (:data:`GENESIS` for an empty ledger)."""
        with self._transaction(write=False) as conn:
            row = conn.execute(
                sa.select(head_table.c.version, head_table.c.head_hash).where(head_table.c.id == 1)
            ).one()
        return Head(int(row.version), str(row.head_hash))

    def hash_at(self, seq: int) -> str | None:
        """The stored hash of the event at ``seq``, or None where no event is stored there.

        The hash is read as stored, not recomputed: compare it with a receipt only after
        :meth:`verify` found the chain intact."""
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise InvalidEvent("seq", f"must be an int, not {type(seq).__name__}")
        with self._transaction(write=False) as conn:
            found = conn.execute(sa.select(events_table.c.hash).where(events_table.c.seq == seq)).scalar_one_or_none()
        return None if found is None else str(found)

    def append(
        self, events: Sequence[NewEvent], *, expected_version: int, company: str | None = None
    ) -> list[StoredEvent]:
        """Append ``events`` in one transaction, if the ledger is at ``expected_version``.

        ``company``, where given, must be the company the store already names (or it becomes the
        store's company when it names none): one store holds the ledger of one company.

        Raises :class:`ConcurrencyError` if it is not (another writer appended first),
        :class:`InvalidEvent` if an event cannot be stored exactly; either way nothing is stored.
        """
        if isinstance(expected_version, bool) or not isinstance(expected_version, int) or expected_version < 0:
            raise InvalidEvent("expected_version", f"must be a non-negative int, not {expected_version!r}")
        prepared: list[_Prepared] = []
        for index, event in enumerate(events):
            if not isinstance(event, NewEvent):
                raise InvalidEvent(f"events[{index}]", f"must be a NewEvent, not {type(event).__name__}")
            prepared.append(event.prepared)
        try:
            with self._transaction(write=True) as conn:
                stored = self._append_in(conn, prepared, expected_version)
                if company is not None:
                    self._claim_company(conn, company)
                return stored
        except sa_exc.IntegrityError as exc:
            raise ConcurrencyError(expected_version, self.version()) from exc

    @staticmethod
    def _claim_company(conn: Connection, company: str) -> None:
        held = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "company")).scalar()
        if held is None:
            conn.execute(meta_table.insert().values(key="company", value=company))
        elif held != company:
            raise InvalidEvent(
                "company",
                f"this store holds the ledger of {held!r}, not {company!r}: one store holds one company's ledger "
                "(nothing was appended)",
            )

    def _append_in(self, conn: Connection, prepared: Sequence[_Prepared], expected_version: int) -> list[StoredEvent]:
        head = conn.execute(
            sa.select(head_table.c.version, head_table.c.head_hash).where(head_table.c.id == 1).with_for_update()
        ).one()
        if int(head.version) != expected_version:
            raise ConcurrencyError(expected_version, int(head.version))
        if not prepared:
            return []
        now = format_instant(datetime.datetime.now(datetime.UTC))
        prev_hash = str(head.head_hash)
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
        conn.execute(events_table.insert(), [row._asdict() for row in written])
        moved = conn.execute(
            head_table.update()
            .where(head_table.c.id == 1, head_table.c.version == expected_version)
            .values(version=expected_version + len(written), head_hash=prev_hash)
        )
        if moved.rowcount != 1:
            actual = conn.execute(sa.select(head_table.c.version).where(head_table.c.id == 1)).scalar_one()
            raise ConcurrencyError(expected_version, int(actual))
        return [_decode(row) for row in written]

    def read(
        self, *, known_at: datetime.datetime | None = None, kinds: Collection[str] | None = None
    ) -> list[StoredEvent]:
        """The events in seq order: those recorded at or before ``known_at`` (what the ledger
        said then) if given, and only of the given ``kinds`` if given.

        Reading does not recompute hashes (:meth:`verify` does); a row that cannot be decoded
        raises :class:`IntegrityProblem`.
        """
        query = sa.select(*events_table.c).order_by(events_table.c.seq)
        if known_at is not None:
            query = query.where(events_table.c.recorded_at <= format_instant(known_at, field="known_at"))
        if kinds is not None:
            if isinstance(kinds, str):
                raise InvalidEvent("kinds", f"must be a collection of kinds, not the single string {kinds!r}")
            wanted = sorted(set(kinds))
            if not wanted:
                return []
            query = query.where(events_table.c.kind.in_(wanted))
        with self._transaction(write=False) as conn:
            rows = conn.execute(query).all()
        return [_decode(_Written(*row)) for row in rows]

    def verify(self) -> VerifyReport:
        """Recompute the hash chain and name the first event that is not as the ledger wrote it:
        ``edited`` (values changed), ``removed`` (missing from the chain), ``reordered`` (moved to
        another seq), ``inserted`` (not appended by the ledger)."""
        with self._transaction(write=False) as conn:
            head = conn.execute(
                sa.select(head_table.c.version, head_table.c.head_hash).where(head_table.c.id == 1)
            ).one()
            rows = [_Written(*row) for row in conn.execute(sa.select(*events_table.c).order_by(events_table.c.seq))]
        return _check_chain(rows, int(head.version), str(head.head_hash))
