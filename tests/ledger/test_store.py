"""The event store (prefstack.ledger.store) on SQLite and PostgreSQL: one company's stream.

Every test runs on both backends through the ``store_url`` fixture; tampering is done
through raw SQL, the way someone with access to the database could. The store treats a
company's key as opaque text: these tests use the stream of ``acme`` (streams of several
companies in one store are tested in ``test_store_companies.py``).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import prefstack
from helpers import run_together, sql
from prefstack.ledger import (
    GENESIS,
    JSON,
    ConcurrencyError,
    EventStore,
    IntegrityProblem,
    InvalidEvent,
    LedgerError,
    LedgerStream,
    NewEvent,
    StoredEvent,
    StoreUnavailable,
    canonical_json,
    event_hash,
)
from prefstack.ledger import store as store_module
from prefstack.ledger.hashing import hash_written_event

UTC = datetime.UTC
D = datetime.date(2024, 3, 15)
T0 = datetime.datetime(2024, 3, 15, 9, 30, tzinfo=UTC)
WRITER = Path(__file__).with_name("ledger_writer.py")
COMPANY = "acme"


def note(n: int, **extra: object) -> NewEvent:
    return NewEvent("note", D, {"n": n, **extra})  # type: ignore[dict-item]


@pytest.fixture
def store(store_url: str) -> Iterator[LedgerStream]:
    with EventStore(store_url) as opened:
        yield opened.stream(COMPANY)


def writer_env() -> dict[str, str]:
    src = str(Path(prefstack.__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


# --- round trip ------------------------------------------------------------------------


def test_append_and_read_round_trip_keeps_payload_exact(store: LedgerStream, raw: sa.Engine) -> None:
    """Payload strings (decimal money, unicode), big ints, nesting come back exactly, in seq order,
    each event chained to the one before it; the row holds the canonical JSON text."""
    payload: dict[str, JSON] = {
        "amount": "1234.5600",
        "price": "1/3",
        "holder": "Zoë Ünal €",
        "shares": 2**80,
        "flags": [True, False, None],
        "nested": {"b": ["0.10", {"z": 1}], "a": ""},
    }
    paris = datetime.timezone(datetime.timedelta(hours=2))
    events = [
        NewEvent("issue", datetime.date(2023, 12, 31), payload, T0.astimezone(paris)),
        NewEvent("convert", D, {"shares": "10"}, T0 + datetime.timedelta(microseconds=1)),
    ]
    stored = store.append(events, expected_version=0)
    assert [e.seq for e in stored] == [1, 2]
    assert store.version() == 2
    back = store.read()
    assert back == stored
    first, second = back
    assert first.payload == payload
    assert first.payload["amount"] == "1234.5600"
    assert first.payload["holder"] == "Zoë Ünal €"
    assert first.kind == "issue"
    assert first.effective_date == datetime.date(2023, 12, 31)
    assert first.recorded_at == T0 and first.recorded_at.tzinfo == UTC
    assert len(first.event_id) == 32 and first.event_id != second.event_id
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    for e in back:
        assert e.hash == event_hash(
            e.seq,
            e.event_id,
            e.kind,
            e.effective_date,
            e.recorded_at,
            e.payload,
            e.prev_hash,
            recorded_by=e.recorded_by,
        )
    rows = sql(raw, "SELECT seq, effective_date, recorded_at, payload FROM ledger_events ORDER BY seq")
    assert rows[0] == (1, "2023-12-31", "2024-03-15T09:30:00.000000+00:00", canonical_json(payload))
    assert rows[1][2] == "2024-03-15T09:30:00.000001+00:00"
    assert '"amount":"1234.5600"' in rows[0][3]


def test_recorded_at_defaults_to_the_append_instant_in_utc(store: LedgerStream) -> None:
    before = datetime.datetime.now(UTC)
    (stored,) = store.append([note(1)], expected_version=0)
    after = datetime.datetime.now(UTC)
    assert stored.recorded_at.tzinfo == UTC
    assert before - datetime.timedelta(microseconds=1) <= stored.recorded_at <= after
    assert store.read() == [stored]


def test_reopening_keeps_events_and_appends_continue_the_chain(store_url: str) -> None:
    with EventStore(store_url) as opened:
        opened.stream(COMPANY).append([note(1), note(2)], expected_version=0)
    with EventStore(store_url) as reopened:
        again = reopened.stream(COMPANY)
        assert again.version() == 2
        (third,) = again.append([note(3)], expected_version=2)
        assert third.seq == 3
        assert third.prev_hash == again.read()[1].hash
        assert again.verify().ok


def test_empty_store(store: LedgerStream) -> None:
    assert store.version() == 0
    assert store.read() == []
    report = store.verify()
    assert report.ok and report.events_checked == 0 and report.problems == []
    assert store.append([], expected_version=0) == []
    with pytest.raises(ConcurrencyError):
        store.append([], expected_version=1)


# --- optimistic concurrency ------------------------------------------------------------


def test_stale_expected_version_is_refused_and_nothing_stored(store: LedgerStream) -> None:
    stored = store.append([note(1), note(2)], expected_version=0)
    with pytest.raises(ConcurrencyError) as info:
        store.append([note(3)], expected_version=1)
    assert (info.value.expected, info.value.actual, info.value.company) == (1, 2, COMPANY)
    assert str(info.value) == (
        "the ledger of acme is at version 2, not at the expected version 1: another writer appended first; "
        "nothing was appended (re-read and retry)"
    )
    with pytest.raises(ConcurrencyError) as ahead:
        store.append([note(3)], expected_version=5)
    assert ahead.value.actual == 2
    assert store.version() == 2
    assert store.read() == stored


def test_duplicate_seq_from_a_writer_that_bypassed_the_head_is_a_concurrency_error(
    store: LedgerStream, raw: sa.Engine
) -> None:
    """The UNIQUE seq constraint is the last guard: a row already at the next seq makes the
    append fail as a ConcurrencyError, and the transaction leaves everything as it was."""
    stored = store.append([note(1)], expected_version=0)
    sql(
        raw,
        "INSERT INTO ledger_events (company, seq, event_id, kind, effective_date, recorded_at, payload, prev_hash, "
        "hash, recorded_by) VALUES ('acme', 2, 'intruder', 'note', '2024-01-01', "
        "'2024-01-01T00:00:00.000000+00:00', '{}', :p, :p, 'x')",
        p="f" * 64,
    )
    with pytest.raises(ConcurrencyError):
        store.append([note(2)], expected_version=1)
    assert store.version() == 1
    assert [e.event_id for e in store.read()] == [stored[0].event_id, "intruder"]


def _append_with_retry(store: LedgerStream, event: NewEvent, attempts: int = 1000) -> int:
    conflicts = 0
    for _ in range(attempts):
        try:
            store.append([event], expected_version=store.version())
            return conflicts
        except ConcurrencyError:
            conflicts += 1
    raise AssertionError(f"not appended after {attempts} attempts")


def _assert_each_once(store: LedgerStream, writers: list[str], count: int) -> None:
    events = store.read()
    seen = [(e.payload["writer"], e.payload["n"]) for e in events]
    assert sorted(seen) == sorted((w, n) for w in writers for n in range(count))
    assert [e.seq for e in events] == list(range(1, len(writers) * count + 1))
    for w in writers:  # each writer's events in the order it appended them
        assert [n for (x, n) in seen if x == w] == list(range(count))
    assert store.version() == len(writers) * count
    report = store.verify()
    assert report.ok, report.problems
    assert report.events_checked == len(writers) * count


def test_two_threads_appending_at_once_lose_and_duplicate_nothing(store: LedgerStream) -> None:
    count = 25
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def write(name: str) -> None:
        try:
            barrier.wait()
            for n in range(count):
                _append_with_retry(store, NewEvent("note", D, {"writer": name, "n": n}))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures
    _assert_each_once(store, ["a", "b"], count)


def test_two_processes_appending_at_once_lose_and_duplicate_nothing(store: LedgerStream, store_url: str) -> None:
    count = 25
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), "concurrent", store_url, name, str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=writer_env(),
        )
        for name in ("p", "q")
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:  # start both together
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            out, _ = p.communicate(timeout=120)
            assert p.returncode == 0
            assert out.startswith("done")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    _assert_each_once(store, ["p", "q"], count)


# --- refused input ---------------------------------------------------------------------


def test_floats_are_refused_naming_the_key(store: LedgerStream) -> None:
    with pytest.raises(InvalidEvent) as info:
        NewEvent("issue", D, {"amount": 1.5})  # type: ignore[dict-item]
    assert info.value.field == "payload['amount']"
    assert "float" in str(info.value)
    with pytest.raises(InvalidEvent) as nested:
        NewEvent("issue", D, {"legs": [{"price": "1"}, {"price": 0.1}]})  # type: ignore[dict-item]
    assert nested.value.field == "payload['legs'][1]['price']"


def test_a_payload_changed_after_the_event_was_made_changes_nothing_stored(store: LedgerStream) -> None:
    """An event is checked once, when it is made, and keeps its own copy of the payload: a float put
    into the caller's mapping afterwards reaches neither the event nor the store."""
    store.append([note(1)], expected_version=0)
    payload: dict[str, object] = {"amount": "2.00"}
    event = NewEvent("issue", D, payload)  # type: ignore[arg-type]
    payload["fee"] = 0.25  # changed after the event was made
    assert dict(event.payload) == {"amount": "2.00"}
    with pytest.raises(TypeError):
        event.payload["fee"] = "0.25"  # type: ignore[index]
    stored = store.append([note(2), event], expected_version=1)
    assert stored[1].payload == {"amount": "2.00"}
    assert store.read()[2].payload == {"amount": "2.00"}
    assert store.verify().ok
    assert store.verify().ok


def test_naive_datetimes_are_refused_naming_the_field(store: LedgerStream) -> None:
    with pytest.raises(InvalidEvent) as info:
        NewEvent("issue", D, {}, datetime.datetime(2024, 1, 1, 12, 0))
    assert info.value.field == "recorded_at"
    assert "naive" in str(info.value)
    with pytest.raises(InvalidEvent) as known:
        store.read(known_at=datetime.datetime(2024, 1, 1))
    assert known.value.field == "known_at"
    with pytest.raises(InvalidEvent) as as_date:
        NewEvent("issue", datetime.datetime(2024, 1, 1, tzinfo=UTC), {})
    assert as_date.value.field == "effective_date"
    assert store.version() == 0 and store.read() == []


def test_other_bad_input_is_refused(store: LedgerStream) -> None:
    with pytest.raises(InvalidEvent, match="kind"):
        NewEvent("", D, {})
    with pytest.raises(InvalidEvent, match="payload"):
        NewEvent("x", D, {"when": datetime.date(2024, 1, 1)})  # type: ignore[dict-item]
    with pytest.raises(InvalidEvent, match="expected_version"):
        store.append([note(1)], expected_version=-1)
    with pytest.raises(InvalidEvent, match="kinds"):
        store.read(kinds="note")
    with pytest.raises(LedgerError):
        EventStore("mysql://nobody@localhost/x")
    assert store.version() == 0


# --- reading ---------------------------------------------------------------------------


def test_known_at_reads_what_the_ledger_said_then(store: LedgerStream) -> None:
    """An event recorded later (even with an earlier effective date) is not known before it
    was recorded; the bound is inclusive and works across time zones."""
    t1, t2, t3 = T0, T0 + datetime.timedelta(days=1), T0 + datetime.timedelta(days=2)
    store.append(
        [
            NewEvent("issue", datetime.date(2024, 1, 1), {"n": 1}, t1),
            NewEvent("issue", datetime.date(2024, 1, 2), {"n": 2}, t2),
            NewEvent("correction", datetime.date(2023, 6, 1), {"n": 3}, t3),
        ],
        expected_version=0,
    )
    assert [e.payload["n"] for e in store.read(known_at=t2)] == [1, 2]
    assert [e.payload["n"] for e in store.read(known_at=t2 - datetime.timedelta(microseconds=1))] == [1]
    assert store.read(known_at=t1 - datetime.timedelta(seconds=1)) == []
    new_york = datetime.timezone(datetime.timedelta(hours=-5))
    assert [e.payload["n"] for e in store.read(known_at=t3.astimezone(new_york))] == [1, 2, 3]
    assert [e.payload["n"] for e in store.read()] == [1, 2, 3]


def test_read_filters_kinds_in_seq_order(store: LedgerStream) -> None:
    store.append(
        [NewEvent(k, D, {"i": i}) for i, k in enumerate(["issue", "convert", "issue", "redeem"])],
        expected_version=0,
    )
    assert [(e.seq, e.kind) for e in store.read(kinds={"issue", "redeem"})] == [
        (1, "issue"),
        (3, "issue"),
        (4, "redeem"),
    ]
    assert store.read(kinds=[]) == []
    assert store.read(kinds=["nothing"]) == []


# --- tampering -------------------------------------------------------------------------


@pytest.fixture
def five(store: LedgerStream) -> list[StoredEvent]:
    stored = store.append([note(n, amount=f"{n}.00") for n in range(1, 6)], expected_version=0)
    assert store.verify().ok
    return stored


def test_verify_names_an_edited_payload(store: LedgerStream, raw: sa.Engine, five: list[StoredEvent]) -> None:
    sql(raw, "UPDATE ledger_events SET payload = :p WHERE seq = 3", p='{"amount":"300.00","n":3}')
    report = store.verify()
    assert not report.ok
    assert report.events_checked == 2
    (problem,) = report.problems
    assert (problem.seq, problem.event_id, problem.kind) == (3, five[2].event_id, "edited")
    assert five[2].event_id in problem.message


def test_verify_names_an_event_edited_and_rehashed(
    store: LedgerStream, raw: sa.Engine, five: list[StoredEvent]
) -> None:
    """Someone who recomputes the edited event's hash still breaks the link from the next one."""
    e = five[2]
    forged = canonical_json({"amount": "300.00", "n": 3})
    digest = hash_written_event(
        3,
        e.event_id,
        e.kind,
        e.effective_date.isoformat(),
        e.recorded_at.isoformat(timespec="microseconds"),
        forged,
        e.prev_hash,
        recorded_by=e.recorded_by,
    )
    sql(raw, "UPDATE ledger_events SET payload = :p, hash = :h WHERE seq = 3", p=forged, h=digest)
    (problem,) = store.verify().problems
    assert (problem.seq, problem.event_id, problem.kind) == (3, e.event_id, "edited")


@pytest.mark.parametrize("seq", [1, 3])
def test_verify_names_a_deleted_row(store: LedgerStream, raw: sa.Engine, five: list[StoredEvent], seq: int) -> None:
    sql(raw, "DELETE FROM ledger_events WHERE seq = :s", s=seq)
    report = store.verify()
    (problem,) = report.problems
    assert (problem.seq, problem.event_id, problem.kind) == (seq, None, "removed")
    assert f"seq {seq}" in problem.message
    assert report.events_checked == seq - 1


def test_verify_names_a_deleted_last_row(store: LedgerStream, raw: sa.Engine, five: list[StoredEvent]) -> None:
    """The ledger head remembers how many events were appended, so cutting the tail shows."""
    sql(raw, "DELETE FROM ledger_events WHERE seq = 5")
    (problem,) = store.verify().problems
    assert (problem.seq, problem.event_id, problem.kind) == (5, None, "removed")


def test_verify_names_a_deleted_row_after_renumbering(
    store: LedgerStream, raw: sa.Engine, five: list[StoredEvent]
) -> None:
    sql(raw, "DELETE FROM ledger_events WHERE seq = 2")
    for seq in (3, 4, 5):
        sql(raw, "UPDATE ledger_events SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)
    sql(raw, "UPDATE ledger_streams SET version = 4 WHERE company = 'acme'")
    (problem,) = store.verify().problems
    assert (problem.seq, problem.event_id, problem.kind) == (2, None, "removed")
    assert five[2].event_id in problem.message


def _swap(raw: sa.Engine, a: int, b: int) -> None:
    sql(raw, "UPDATE ledger_events SET seq = 1000000 WHERE seq = :a", a=a)
    sql(raw, "UPDATE ledger_events SET seq = :a WHERE seq = :b", a=a, b=b)
    sql(raw, "UPDATE ledger_events SET seq = :b WHERE seq = 1000000", b=b)


@pytest.mark.parametrize(("a", "b"), [(3, 4), (1, 2), (2, 5)])
def test_verify_names_swapped_rows(
    store: LedgerStream, raw: sa.Engine, five: list[StoredEvent], a: int, b: int
) -> None:
    _swap(raw, a, b)
    report = store.verify()
    (problem,) = report.problems
    # The first broken place is seq a, which now holds the event appended as seq b.
    assert (problem.seq, problem.event_id, problem.kind) == (a, five[b - 1].event_id, "reordered")
    assert f"appended as seq {b}" in problem.message
    assert report.events_checked == a - 1


def test_verify_names_an_inserted_event(store: LedgerStream, raw: sa.Engine, five: list[StoredEvent]) -> None:
    """A forged event, hashed like the ledger would and linked to its predecessor, slipped in at
    seq 3 with the later events renumbered: the next event's link skips it."""
    for seq in (5, 4, 3):
        sql(raw, "UPDATE ledger_events SET seq = :new WHERE seq = :old", new=seq + 1, old=seq)
    e2 = five[1]
    forged_id = "f" * 32
    recorded = "2024-03-15T10:00:00.000000+00:00"
    digest = hash_written_event(3, forged_id, "note", "2024-03-15", recorded, '{"n":99}', e2.hash, recorded_by="x")
    sql(
        raw,
        "INSERT INTO ledger_events (company, seq, event_id, kind, effective_date, recorded_at, payload, prev_hash, "
        "hash, recorded_by) VALUES ('acme', 3, :i, 'note', '2024-03-15', :r, :payload, :p, :h, 'x')",
        payload='{"n":99}',
        i=forged_id,
        r=recorded,
        p=e2.hash,
        h=digest,
    )
    sql(raw, "UPDATE ledger_streams SET version = 6 WHERE company = 'acme'")
    (problem,) = store.verify().problems
    assert (problem.seq, problem.event_id, problem.kind) == (3, forged_id, "inserted")


def test_verify_names_an_event_appended_behind_the_ledger(
    store: LedgerStream, raw: sa.Engine, five: list[StoredEvent]
) -> None:
    e5 = five[4]
    digest = hash_written_event(
        6, "e" * 32, "note", "2024-03-15", "2024-03-15T10:00:00.000000+00:00", "{}", e5.hash, recorded_by="x"
    )
    sql(
        raw,
        "INSERT INTO ledger_events (company, seq, event_id, kind, effective_date, recorded_at, payload, prev_hash, "
        "hash, recorded_by) VALUES ('acme', 6, :i, 'note', '2024-03-15', '2024-03-15T10:00:00.000000+00:00', '{}', "
        ":p, :h, 'x')",
        i="e" * 32,
        p=e5.hash,
        h=digest,
    )
    (problem,) = store.verify().problems
    assert (problem.seq, problem.event_id, problem.kind) == (6, "e" * 32, "inserted")


def test_an_unreadable_row_is_reported_not_returned(
    store: LedgerStream, raw: sa.Engine, five: list[StoredEvent]
) -> None:
    sql(raw, "UPDATE ledger_events SET payload = :p WHERE seq = 2", p='{"amount": 2.5}')
    with pytest.raises(LedgerError, match="seq 2"):
        store.read()
    (problem,) = store.verify().problems
    assert (problem.seq, problem.kind) == (2, "edited")


# --- schema and connection -------------------------------------------------------------


def test_schema_guards_seq_and_event_id_and_orders_instants_bytewise(store: LedgerStream, raw: sa.Engine) -> None:
    """UNIQUE (company, seq) and a unique index on event_id are what stop two writers from storing
    the same position; instants are compared as text, so PostgreSQL must use the C collation."""
    inspector = sa.inspect(raw)
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("ledger_events")}
    assert ("company", "seq") in uniques
    assert {tuple(u["column_names"]) for u in inspector.get_unique_constraints("ledger_events")} == {("company", "seq")}
    assert sa.inspect(raw).get_pk_constraint("ledger_streams")["constrained_columns"] == ["company"]
    indexes = {i["name"]: i for i in inspector.get_indexes("ledger_events")}
    assert indexes["ix_ledger_events_event_id"]["unique"]
    assert indexes["ix_ledger_events_event_id"]["column_names"] == ["event_id"]
    columns = {c["name"]: c for c in inspector.get_columns("ledger_events")}
    assert set(columns) == {
        "company",
        "seq",
        "event_id",
        "kind",
        "effective_date",
        "recorded_at",
        "payload",
        "prev_hash",
        "hash",
        "recorded_by",
    }
    if raw.dialect.name == "postgresql":
        assert columns["recorded_at"]["type"].collation == "C"


def test_an_unreachable_database_is_reported_as_unavailable() -> None:
    with pytest.raises(StoreUnavailable, match="unavailable"):
        EventStore("postgresql+psycopg://nobody@127.0.0.1:1/ledger")


def test_verify_report_raises_the_problem_on_request(
    store: LedgerStream, raw: sa.Engine, five: list[StoredEvent]
) -> None:
    store.verify().raise_if_broken()  # intact: nothing raised
    sql(raw, "UPDATE ledger_events SET kind = 'redeem' WHERE seq = 4")
    with pytest.raises(IntegrityProblem, match="seq 4 edited") as info:
        store.verify().raise_if_broken()
    assert info.value.problems[0].event_id == five[3].event_id


def test_head_and_hash_at_read_what_is_stored(store: LedgerStream, raw: sa.Engine, five: list[StoredEvent]) -> None:
    """What a receipt is checked against: the head, and the stored hash at a seq (read, not recomputed)."""
    assert store.head() == (5, five[4].hash)
    assert [store.hash_at(seq) for seq in (1, 3, 5)] == [five[0].hash, five[2].hash, five[4].hash]
    assert store.hash_at(6) is None and store.hash_at(0) is None
    sql(raw, "DELETE FROM ledger_events WHERE seq = 5")
    sql(raw, "UPDATE ledger_streams SET version = 4, head_hash = :h WHERE company = 'acme'", h=five[3].hash)
    assert store.verify().ok  # the chain alone cannot tell
    assert store.head() == (4, five[3].hash) and store.hash_at(5) is None
    with pytest.raises(InvalidEvent, match="seq"):
        store.hash_at("5")  # type: ignore[arg-type]


def test_an_empty_store_has_the_genesis_head(store: LedgerStream) -> None:
    assert store.head() == (0, GENESIS)


def test_the_stored_payload_is_pydantics_dump_without_kind_date_and_none_at_every_level() -> None:
    """The payload derived from an event's JSON data (computed once for the replay order) is what
    ``model_dump(exclude={"kind","date"}, exclude_none=True)`` gives, nested models included."""
    from pathlib import Path

    from prefstack.ledger.events import parse_event, payload_of
    from prefstack.ledger.files import read_ledger

    example = Path(__file__).parents[2] / "src" / "prefstack" / "data" / "example_ledger.yaml"
    events = [p.event for p in read_ledger(example).events]
    events.append(
        parse_event(
            {
                "kind": "merger_or_sale",
                "date": "2003-01-02",
                "transaction": "asset_sale",
                "description": "sale of the network",
                "prior_stockholders_voting_share": "0.4",
                "all_or_substantially_all": True,
                "non_cash": [{"description": "notes", "value": "1000", "clause": "F §3(c)(i)(A)"}],
                "senior": [{"name": "Series C", "preference_amount": "500"}],
            },
            "t",
        )
    )
    for event in events:
        expected = event.model_dump(mode="json", exclude={"kind", "date"}, exclude_none=True)
        assert payload_of(event.model_dump(mode="json")) == expected == event.payload()
    assert "consideration" not in events[-1].payload()  # a field that is none is left out


def test_the_rows_read_from_the_driver_are_the_rows_sqlalchemy_gives(store: LedgerStream) -> None:
    """Reading and verifying take the driver's tuples as they are (store._written_rows): on each
    backend they equal SQLAlchemy's rows, field by field and type by type, seq an int."""
    from prefstack.ledger import store as module

    store.append([note(1, text="é \"quoted\" \\ ☃"), note(2)], expected_version=0)
    query = sa.select(*module._EVENT_COLUMNS).where(module.events_table.c.company == COMPANY)
    with store._store._transaction(write=False) as conn:
        driver = module._written_rows(conn, query.order_by(module.events_table.c.seq))
        rows = [tuple(row) for row in conn.execute(query.order_by(module.events_table.c.seq))]
    assert [tuple(row) for row in driver] == rows and len(rows) == 2
    assert [[type(v) for v in row] for row in driver] == [[type(v) for v in row] for row in rows]
    assert [type(row.seq) for row in driver] == [int, int]
    assert store.verify().ok and [e.seq for e in store.read()] == [1, 2]


def test_verifying_pauses_the_collector_and_leaves_it_as_it_found_it(
    store: LedgerStream, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from prefstack.ledger import store as module

    store.append([note(1), note(2)], expected_version=0)
    seen: list[bool] = []
    real = module._check_stream

    def watched(*args: object) -> object:
        seen.append(gc.isenabled())
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "_check_stream", watched)
    was_enabled = gc.isenabled()  # off where an in-process command ran before (cli.main turns it off)
    try:
        gc.enable()
        assert store.verify().ok and gc.isenabled()
        gc.disable()
        assert store.verify().ok and not gc.isenabled()
    finally:
        (gc.enable if was_enabled else gc.disable)()
    assert seen == [False, False]  # paused while the rows were read and hashed


@pytest.mark.parametrize(
    ("column", "value", "at", "named"),
    [
        ("event_id", b"blob", 2, "event_id"),
        ("kind", b"note", 2, "kind"),
        ("recorded_by", b"someone", 2, "recorded_by"),
        ("prev_hash", b"x", 2, "prev_hash"),
        ("seq", "three", 3, "seq"),  # text in the integer column, on the last row
        ("effective_date", b"2024-03-15", 1, "effective_date"),
    ],
)
def test_a_stored_value_of_another_type_is_reported_edited_not_a_crash(
    tmp_path: Path, column: str, value: object, at: int, named: str
) -> None:
    """SQLite keeps a blob in any column and text that is not a number in an integer one: a writer
    of the database who stores one where the ledger writes text or a whole number gets that event
    reported as edited, naming the field, as any other change to it is (before, verifying raised a
    TypeError). (A number in a text column is stored as text, a numeral in seq as a number: those
    are changed values, reported as such.)"""
    import sqlite3

    path = tmp_path / "typed.sqlite"
    with EventStore(f"sqlite:///{path}") as opened:
        opened.stream(COMPANY).append([note(1), note(2), note(3)], expected_version=0)
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE ledger_events SET {column} = ? WHERE seq = ?", (value, at))
    with EventStore(f"sqlite:///{path}") as opened:
        report = opened.stream(COMPANY).verify()
    assert not report.ok and len(report.problems) == 1
    problem = report.problems[0]
    assert problem.kind == "edited" and problem.seq == at, problem
    assert f"holds {named} of another type than the ledger writes" in problem.message


@pytest.mark.parametrize(
    ("column", "value", "at"),
    [
        ("payload", b'{"text":"x"}', 2),
        ("effective_date", b"2024-03-15", 1),
        ("recorded_at", b"2024-03-15T00:00:00Z", 2),
        ("event_id", b"blob", 2),
        ("kind", b"note", 2),
        ("recorded_by", b"someone", 2),
        ("prev_hash", b"x", 2),
        ("hash", b"x", 3),
        ("seq", "three", 3),
    ],
)
def test_a_stored_value_of_another_type_read_unverified_is_refused_not_a_crash(
    tmp_path: Path, column: str, value: object, at: int
) -> None:
    """Read without verifying (what ``--allow-unverified`` reads, for forensics), an event row holding
    a value of another type than the ledger writes is refused as not what the ledger wrote, naming
    the field, not a TypeError (a blob payload) or a StoredEvent of bytes passed on."""
    import sqlite3

    path = tmp_path / "typed.sqlite"
    with EventStore(f"sqlite:///{path}") as opened:
        opened.stream(COMPANY).append([note(1), note(2), note(3)], expected_version=0)
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE ledger_events SET {column} = ? WHERE seq = ?", (value, at))
    with EventStore(f"sqlite:///{path}") as opened, pytest.raises(IntegrityProblem) as info:
        opened.stream(COMPANY).read()
    (problem,) = info.value.problems
    # a seq that is not a whole number is named as stored (a read does not know the row's position)
    assert problem.kind == "edited" and problem.seq == (0 if column == "seq" else at), problem
    assert f"holds {column} of another type than the ledger writes" in problem.message
    assert f"(seq {value if column == 'seq' else at})" in problem.message


@pytest.mark.parametrize(("column", "value"), [("version", "many"), ("version", b"\x03"), ("head_hash", b"x")])
def test_a_head_of_another_type_is_reported_not_a_crash(tmp_path: Path, column: str, value: object) -> None:
    """A stream's head holding text or a blob for its version, or a blob for its hash: reported by
    verifying as the stream's problem, and refused (not a ValueError) by every reader of the head."""
    import sqlite3

    path = tmp_path / "typed.sqlite"
    with EventStore(f"sqlite:///{path}") as opened:
        opened.stream(COMPANY).append([note(1), note(2)], expected_version=0)
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE ledger_streams SET {column} = ?", (value,))
    with EventStore(f"sqlite:///{path}") as opened:
        report = opened.verify()
        assert not report.ok
        (problem,) = report.problems
        assert problem.kind == "edited" and problem.company == COMPANY
        assert f"the ledger head holds {column} of another type than the ledger writes" in problem.message
        for reader in (opened.companies, opened.stream(COMPANY).head):
            with pytest.raises(IntegrityProblem, match=f"head holds {column} of another type"):
                reader()


def test_an_append_is_made_only_onto_the_head_it_was_validated_against(store_url: str) -> None:
    """At the version expected, a head whose hash is not the one the caller validated against (the
    head or its last event changed since) is refused, nothing appended; the right one is taken."""
    with EventStore(store_url) as store:
        stream = store.stream(COMPANY)
        first = stream.append([note(1), note(2)], expected_version=0, expected_hash=GENESIS)
        head = stream.head()
        assert head == (2, first[-1].hash)
        refused = f"acme seq 2 edited: the ledger head at seq 2 has the hash {head.head_hash}, not the"
        with pytest.raises(IntegrityProblem, match=refused):
            stream.append([note(3)], expected_version=2, expected_hash=first[0].hash)
        assert stream.version() == 2 and stream.verify().ok  # nothing appended
        third = stream.append([note(3)], expected_version=2, expected_hash=head.head_hash)
        assert third[0].prev_hash == head.head_hash and stream.verify().ok


@pytest.mark.parametrize(
    ("statement", "value", "why"),
    [
        ("UPDATE ledger_events SET payload = CAST(? AS TEXT) WHERE seq = 2", b"\xff\xfe", "cannot be read"),
        ("UPDATE ledger_events SET recorded_at = ? WHERE seq = 2", "0001-01-01T00:00:00+01:00", "cannot be read"),
        ("UPDATE ledger_events SET recorded_at = ? WHERE seq = 2", "2024-01-01T00:00:00", "names no UTC offset"),
        ("UPDATE ledger_events SET payload = ? WHERE seq = 2", '{"a":' * 100_000 + "1" + "}" * 100_000, "cannot be"),
    ],
    ids=["not-utf-8", "instant-out-of-range", "instant-without-offset", "payload-nested-too-deep"],
)
def test_stored_text_that_cannot_be_read_is_refused_not_a_crash(
    tmp_path: Path, statement: str, value: object, why: str
) -> None:
    """Read without verifying (what ``--allow-unverified`` reads), an event whose stored text the
    driver cannot decode, whose instant is out of range once in UTC or names no offset (it would be
    read in the machine's time zone), or whose payload is nested deeper than Python parses, is
    refused as not what the ledger wrote, not a driver error, OverflowError or RecursionError."""
    import sqlite3

    path = tmp_path / "text.sqlite"
    with EventStore(f"sqlite:///{path}") as opened:
        opened.stream(COMPANY).append([note(1), note(2), note(3)], expected_version=0)
    with sqlite3.connect(path) as conn:
        conn.execute(statement, (value,))
    with EventStore(f"sqlite:///{path}") as opened, pytest.raises(IntegrityProblem, match=why) as info:
        opened.stream(COMPANY).read()
    assert info.value.problems[0].kind == "edited"


def _rollback_journal_store(path: Path) -> None:
    """A SQLite file in SQLite's default (rollback) journal, as stores written before prefstack
    used write-ahead logging are, holding one table."""
    with contextlib.closing(sqlite3.connect(path)) as made:
        made.execute("CREATE TABLE earlier (a INTEGER)")
        made.commit()
        assert made.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_connections_switching_a_store_to_write_ahead_logging_at_once_wait_for_each_other(tmp_path: Path) -> None:
    """SQLite answers "database is locked" at once, not after its busy timeout, to a connection
    switching a rollback-journal store to write-ahead logging while another does: eight new
    connections set up by the store's connect hook at the same moment, forty times over (before
    the switch waited, a quarter to a half of such rounds failed), all set up, the file in
    write-ahead logging; then eight stores opened together on such a file all open."""
    for round_ in range(40):
        path = tmp_path / f"hook-{round_}.sqlite"
        _rollback_journal_store(path)
        barrier = threading.Barrier(8)
        failed: list[BaseException] = []

        def connect(gate: threading.Barrier = barrier, at: Path = path, out: list[BaseException] = failed) -> None:
            with contextlib.closing(sqlite3.connect(at, check_same_thread=False)) as conn:
                gate.wait()
                try:
                    store_module._sqlite_connect(conn, None)
                except BaseException as exc:
                    out.append(exc)

        run_together(connect, 8)
        assert failed == [], f"round {round_}"
        with contextlib.closing(sqlite3.connect(path)) as check:
            assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    path = tmp_path / "stores.sqlite"
    _rollback_journal_store(path)
    barrier = threading.Barrier(8)
    found: list[object] = []

    def open_it() -> None:
        barrier.wait()
        try:
            with EventStore(f"sqlite:///{path}") as opened:
                found.append(opened.stream(COMPANY).head())
        except BaseException as exc:
            found.append(exc)

    run_together(open_it, 8)
    assert found == [(0, GENESIS)] * 8


def test_a_store_kept_locked_past_the_busy_timeout_is_reported_unavailable_and_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The switch to write-ahead logging waits as long as any other wait for a lock, no longer:
    with another connection holding the file's exclusive lock, opening the store gives up after the
    busy timeout (made 300 ms here) with "database is locked", and the file is still in its rollback
    journal with its table as it was."""
    path = tmp_path / "locked.sqlite"
    _rollback_journal_store(path)
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 300)
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreUnavailable, match="database is locked"):
            EventStore(f"sqlite:///{path}")
        holder.execute("ROLLBACK")
    with contextlib.closing(sqlite3.connect(path)) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert [r[0] for r in check.execute("SELECT name FROM sqlite_master")] == ["earlier"]


def test_an_error_other_than_a_busy_database_is_raised_at_once_not_waited_on() -> None:
    """Only "database is locked" is tried again: any other error of the switch is the caller's at once."""

    class Refusing:
        calls = 0

        def execute(self, _sql: str) -> object:
            Refusing.calls += 1
            refused = sqlite3.OperationalError("disk I/O error")
            refused.sqlite_errorcode = sqlite3.SQLITE_IOERR  # as the sqlite3 module sets it
            raise refused

    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        store_module._switch_to_wal(Refusing())
    assert Refusing.calls == 1
