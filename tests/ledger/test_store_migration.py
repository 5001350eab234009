"""A store written before one store held many ledgers is migrated in place when opened.

The old layout is built here with the schema and the row-writing rules of the store as it was
(prefstack before streams: ``ledger_events`` without ``company``, UNIQUE ``seq``, a single-row
``ledger_head``, ``ledger_meta.company`` holding the legal name of the first file imported);
the tables below are copied from that code. Opening the store with the current code must keep
every row, sequence number and hash, make the head the head of the company's stream, pass
``verify`` and every receipt issued before, and change nothing on a second opening. A store whose
company cannot be told is refused and left exactly as it was. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from helpers import run_together
from prefstack.ledger import GENESIS, EventStore, LegacyStoreError, NewEvent
from prefstack.ledger import receipts as receipt_rules
from prefstack.ledger.files import read_ledger
from prefstack.ledger.hashing import canonical_json, format_instant, hash_written_event
from prefstack.ledger.service import to_new_event
from prefstack.ledger.store import StreamHead

EXAMPLE = Path(str(resources.files("prefstack.data").joinpath("example_ledger.yaml")))
CAIS = "cais-internet"

# --- the store before streams (copied from its prefstack/ledger/store.py) ---------------------

old_metadata = sa.MetaData()
_INSTANT = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")
OLD_EVENTS = sa.Table(
    "ledger_events",
    old_metadata,
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
OLD_HEAD = sa.Table(
    "ledger_head",
    old_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.CheckConstraint("id = 1", name="ck_ledger_head_single_row"),
)
OLD_META = sa.Table(
    "ledger_meta",
    old_metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
COLUMNS = ("seq", "event_id", "kind", "effective_date", "recorded_at", "payload", "prev_hash", "hash", "recorded_by")

Event = tuple[str, str, dict[str, Any], str | None, str]  # kind, date, payload, recorded_at, recorded_by


def write_old_store(url: str, events: list[Event], company: str | None, *, head: bool = True) -> list[tuple[Any, ...]]:
    """A store as prefstack before streams wrote it: the rows (as stored), the head and the company."""
    now = format_instant(dt.datetime.now(dt.UTC))
    rows: list[dict[str, Any]] = []
    prev = GENESIS
    for seq, (kind, day, payload, recorded_at, by) in enumerate(events, 1):
        event_id = uuid.uuid4().hex
        text = canonical_json(payload)
        moment = now if recorded_at is None else recorded_at
        digest = hash_written_event(seq, event_id, kind, day, moment, text, prev, recorded_by=by)
        rows.append(dict(zip(COLUMNS, (seq, event_id, kind, day, moment, text, prev, digest, by), strict=True)))
        prev = digest
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            old_metadata.create_all(conn)
            if rows:
                conn.execute(OLD_EVENTS.insert(), rows)
            if head:
                conn.execute(OLD_HEAD.insert().values(id=1, version=len(rows), head_hash=prev))
            if company is not None:
                conn.execute(OLD_META.insert().values(key="company", value=company))
    finally:
        engine.dispose()
    return [tuple(r[c] for c in COLUMNS) for r in rows]


def example_events() -> list[Event]:
    """The bundled example as the store before streams wrote it (the same checked text)."""
    out: list[Event] = []
    for placed in read_ledger(EXAMPLE).events:
        prepared = to_new_event(placed, "Registrar Desk").prepared
        payload = json.loads(prepared.payload)
        out.append((prepared.kind, prepared.effective_date, payload, prepared.recorded_at, prepared.recorded_by))
    return out


def notes(count: int, **extra: Any) -> list[Event]:
    return [("note", "2024-03-15", {"n": n, **extra}, None, "x") for n in range(1, count + 1)]


def stored_rows(engine: sa.Engine, table: str = "ledger_events", where: str = "") -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(sa.text(f"SELECT {', '.join(COLUMNS)} FROM {table} {where} ORDER BY seq"))
        ]


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


# --- migration --------------------------------------------------------------------------------


def test_the_single_ledger_becomes_its_companys_stream_unchanged(store_url: str, raw: sa.Engine) -> None:
    """The bundled example as an old store named it: 554 events, the legal name in ledger_meta."""
    old = write_old_store(store_url, example_events(), "CAIS Internet, Inc.")
    head = old[-1][7]
    receipt = receipt_rules.issue(len(old), head, company="CAIS Internet, Inc.")  # issued before the migration
    with EventStore(store_url) as store:
        assert store.companies() == [StreamHead(CAIS, 554, head)]
        stream = store.stream(CAIS)
        report = store.verify()
        assert report.ok and report.events_checked == 554 and list(report.streams) == [CAIS]
        assert receipt_rules.extension_problem(receipt, stream.version(), stream.hash_at(receipt.seq)) is None
        read = stream.read()
        assert [(e.seq, e.event_id, e.hash, e.prev_hash, e.recorded_by) for e in read] == [
            (r[0], r[1], r[7], r[6], r[8]) for r in old
        ]
    assert stored_rows(raw, where=f"WHERE company = '{CAIS}'") == old
    assert stored_rows(raw) == old  # every row is the company's
    assert tables(raw) == {"ledger_events", "ledger_streams", "ledger_meta", "ledger_snapshots", "ledger_checkpoints"}
    with raw.connect() as conn:
        assert conn.execute(sa.text("SELECT key, value FROM ledger_meta")).all() == []
        # The snapshots' table is new and empty: the first append after the migration keeps one.
        assert conn.execute(sa.text("SELECT count(*) FROM ledger_snapshots")).scalar_one() == 0
    # Opening again is a no-op; the stream then grows from the old head.
    with EventStore(store_url) as store:
        assert store.companies() == [StreamHead(CAIS, 554, head)]
        (added,) = store.stream(CAIS).append(
            [NewEvent("closing_price", dt.date(2002, 7, 1), {"price": "3.10"})], expected_version=554
        )
        assert (added.seq, added.prev_hash) == (555, head)
        assert store.verify().ok
    assert stored_rows(raw, where="WHERE seq <= 554") == old


def test_without_a_named_company_the_series_the_events_name_tell_it(store_url: str, raw: sa.Engine) -> None:
    events = [*notes(2), ("preferred_issued", "2000-08-02", {"series": "F", "holder": "A", "shares": "10"}, None, "x")]
    old = write_old_store(store_url, events, None)
    with EventStore(store_url) as store:
        assert [h.company for h in store.companies()] == [CAIS]
        assert store.verify().ok
    assert stored_rows(raw) == old


def test_the_company_is_resolved_from_its_id_too(store_url: str, raw: sa.Engine) -> None:
    old = write_old_store(store_url, notes(3), CAIS)
    with EventStore(store_url) as store:
        assert store.companies() == [StreamHead(CAIS, 3, old[-1][7])]


def test_a_store_naming_no_company_and_no_series_is_refused_untouched_until_one_is_given(
    store_url: str, raw: sa.Engine
) -> None:
    old = write_old_store(store_url, notes(3), None)
    with pytest.raises(LegacyStoreError) as info:
        EventStore(store_url)
    assert info.value.field == "company"
    assert "give the company of its ledger with --company" in str(info.value)
    assert tables(raw) == {"ledger_events", "ledger_head", "ledger_meta"}  # nothing changed
    assert stored_rows(raw) == old
    with EventStore(store_url, legacy_company="acme") as store:
        assert store.companies() == [StreamHead("acme", 3, old[-1][7])]
        assert store.verify().ok
    assert stored_rows(raw) == old


@pytest.mark.parametrize(
    ("company", "events", "message"),
    [
        ("Other Co.", notes(1), "names its company 'Other Co.', which is no issuer prefstack knows"),
        (None, notes(1, series="Z"), "the store's events name Series Z, which is no series of an issuer"),
    ],
)
def test_a_store_whose_company_is_unknown_is_refused_untouched(
    store_url: str, raw: sa.Engine, company: str | None, events: list[Event], message: str
) -> None:
    old = write_old_store(store_url, events, company)
    with pytest.raises(LegacyStoreError, match=message) as info:
        EventStore(store_url, legacy_company="acme")  # a fallback does not override what the store says
    assert str(info.value).startswith("company: ") and "it was not migrated (nothing changed)" in str(info.value)
    assert tables(raw) == {"ledger_events", "ledger_head", "ledger_meta"}
    assert stored_rows(raw) == old


def test_an_empty_old_store_becomes_an_empty_store(store_url: str, raw: sa.Engine) -> None:
    write_old_store(store_url, [], None)
    with EventStore(store_url) as store:
        assert store.companies() == []
        assert store.verify().ok
    assert tables(raw) == {"ledger_events", "ledger_streams", "ledger_meta", "ledger_snapshots", "ledger_checkpoints"}


def test_a_missing_head_row_is_taken_from_the_last_event_as_before(store_url: str, raw: sa.Engine) -> None:
    old = write_old_store(store_url, notes(4), CAIS, head=False)
    with EventStore(store_url) as store:
        assert store.companies() == [StreamHead(CAIS, 4, old[-1][7])]
        assert store.verify().ok


def test_a_tampered_old_store_is_migrated_as_it_is_and_verify_still_names_the_event(
    store_url: str, raw: sa.Engine
) -> None:
    """The migration keeps what is stored, tampering included: verify reports it afterwards, naming
    the company; the rewound head of the old store is kept too."""
    old = write_old_store(store_url, notes(5), CAIS)
    with raw.begin() as conn:
        conn.execute(sa.text("UPDATE ledger_events SET payload = :p WHERE seq = 2"), {"p": '{"n":20}'})
    tampered = stored_rows(raw)
    with EventStore(store_url) as store:
        (problem,) = store.verify().problems
        assert (problem.company, problem.seq, problem.event_id, problem.kind) == (CAIS, 2, old[1][1], "edited")
    assert stored_rows(raw) == tampered


def test_migrating_twice_at_once_migrates_once(store_url: str, raw: sa.Engine) -> None:
    """Three writers opening the old store together: the first migrates it, the others find it migrated."""
    old = write_old_store(store_url, notes(30), CAIS)
    found: list[object] = []
    barrier = threading.Barrier(3)

    def open_it() -> None:
        barrier.wait()
        try:
            with EventStore(store_url) as store:
                found.append(store.companies())
        except BaseException as exc:
            found.append(exc)

    run_together(open_it, 3)
    assert found == [[StreamHead(CAIS, 30, old[-1][7])]] * 3
    assert stored_rows(raw) == old


def test_the_command_line_answers_from_a_migrated_store_as_before(store_url: str, cli: Any, tmp_path: Path) -> None:
    """The example in an old store, with the receipt its import printed: after the first command
    opens (and migrates) it, the receipt still holds, and the state is the ledger file's."""
    old = write_old_store(store_url, example_events(), "CAIS Internet, Inc.")
    receipt = tmp_path / "r554.json"
    receipt_rules.write_receipt(receipt_rules.issue(554, old[-1][7], company="CAIS Internet, Inc."), receipt)
    listed = json.loads(cli("ledger", "companies", "--db", store_url, "--format", "json").stdout)
    assert listed == {
        "companies": [{"company": CAIS, "name": "CAIS Internet, Inc.", "version": 554, "head_hash": old[-1][7]}]
    }
    verified = cli("ledger", "verify", "--db", store_url, "--receipt", str(receipt)).stdout
    assert verified.splitlines() == [
        f"receipt {receipt}: the event at seq 554 has the hash the receipt records",
        "ok: cais-internet (CAIS Internet, Inc.): 554 events, hash chain intact, every event applies, "
        "the ledger extends 1 receipt(s); no snapshot",  # a migrated store keeps one from its next append
    ]
    state = ("state", "--as-of", "2002-06-30", "--format", "json")
    assert json.loads(cli(*state, "--db", store_url).stdout) == json.loads(cli(*state, "--ledger", str(EXAMPLE)).stdout)
    exported = yaml.safe_load(cli("ledger", "export", "--db", store_url).stdout)
    assert exported["company"] == "CAIS Internet, Inc." and len(exported["events"]) == 554
