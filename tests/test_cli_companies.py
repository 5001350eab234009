"""The command line on a store holding the ledgers of two companies: --company, the company of a
ledger file, `ledger companies`, verify naming the company, and a store written before streams.

Besides the bundled issuers (CAIS Internet, Northwind Networks), Acme Test Corp. (``acme-test``,
no series of its own) is added for these tests by replacing ``registry.issuers``. The commands
therefore run in this process (``prefstack.cli.main`` with its arguments), as in test_tamper.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from helpers import Prefstack
from prefstack.instruments import registry

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
CAIS = "cais-internet (CAIS Internet, Inc.)"
ACME = "acme-test (Acme Test Corp.)"
ACME_EVENTS = [
    {"kind": "common_authorized", "date": "2010-01-04", "shares": 1000000},
    {"kind": "common_outstanding", "date": "2010-01-04", "shares": 250000},
    {"kind": "closing_price", "date": "2010-01-04", "price": "2.50"},
]


def snapshot_ok(seq: int) -> str:
    """What `ledger verify` adds to a ledger's line when its snapshot, kept at ``seq``, checks out."""
    return f"; the snapshot at seq {seq} equals the fold of its events"


@pytest.fixture(autouse=True)
def acme(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A second issuer in the registry, for this test only."""
    known = dict(registry.issuers())
    known["acme-test"] = registry.Issuer("acme-test", "Acme Test Corp.", ())
    monkeypatch.setattr(registry, "issuers", lambda: known)
    yield


def ledger_file(path: Path, events: list[dict[str, Any]], company: str | None = "Acme Test Corp.") -> str:
    doc: dict[str, Any] = {"format": "prefstack-ledger/1", "events": events}
    if company is not None:
        doc["company"] = company
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def rows(db: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM ledger_events ORDER BY company, seq"))]
    finally:
        engine.dispose()


@pytest.fixture
def both(tmp_path: Path, prefstack: Prefstack) -> str:
    """A store holding the example (CAIS, 554 events, receipt cais.json) and Acme's 3 events."""
    db = f"sqlite:///{tmp_path / 'both.sqlite'}"
    first = prefstack("ledger", "import", EXAMPLE, "--db", db, "--receipt", str(tmp_path / "cais.json"))
    assert first.code == 0, first.err
    assert first.out.startswith(f"imported 554 events; the ledger of {CAIS} now holds 554\n")
    acme_file = ledger_file(tmp_path / "acme.yaml", ACME_EVENTS)
    second = prefstack("ledger", "import", acme_file, "--db", db, "--receipt", str(tmp_path / "acme.json"))
    assert second.code == 0, second.err
    assert second.out.startswith(f"imported 3 events; the ledger of {ACME} now holds 3\n")
    assert 'receipt: company="Acme Test Corp." seq=3 head_hash=' in second.out
    return db


def test_two_companies_each_have_their_own_stream(both: str, tmp_path: Path, prefstack: Prefstack) -> None:
    listed = prefstack("ledger", "companies", "--db", both, "--format", "json")
    assert listed.code == 0
    companies = json.loads(listed.out)["companies"]
    cais_receipt = json.loads((tmp_path / "cais.json").read_text())
    acme_receipt = json.loads((tmp_path / "acme.json").read_text())
    assert companies == [
        {"company": "acme-test", "name": "Acme Test Corp.", "version": 3, "head_hash": acme_receipt["head_hash"]},
        {
            "company": "cais-internet",
            "name": "CAIS Internet, Inc.",
            "version": 554,
            "head_hash": cais_receipt["head_hash"],
        },
    ]
    table = prefstack("ledger", "companies", "--db", both).out
    assert "Ledgers in the store (2)" in table and "acme-test" in table and "Acme Test Corp." in table
    # Acme's events are numbered from 1 in their own stream; CAIS's receipt still holds.
    log = json.loads(prefstack("ledger", "log", "--db", both, "--company", "acme-test", "--format", "json").out)
    assert log["company"] == "Acme Test Corp."
    assert [(r["seq"], r["kind"]) for r in log["events"]] == [
        (1, "common_authorized"),
        (2, "common_outstanding"),
        (3, "closing_price"),
    ]
    verified = prefstack(
        "ledger",
        "verify",
        "--db",
        both,
        "--receipt",
        str(tmp_path / "cais.json"),
        "--receipt",
        str(tmp_path / "acme.json"),
    )
    assert verified.code == 0, verified.out + verified.err
    assert verified.out.splitlines() == [
        f"receipt {tmp_path / 'cais.json'}: the event at seq 554 has the hash the receipt records",
        f"receipt {tmp_path / 'acme.json'}: the event at seq 3 has the hash the receipt records",
        f"ok: {ACME}: 3 events, hash chain intact, every event applies, the ledger extends 1 receipt(s)"
        + snapshot_ok(3),
        f"ok: {CAIS}: 554 events, hash chain intact, every event applies, the ledger extends 1 receipt(s)"
        + snapshot_ok(554),
    ]
    one = prefstack("ledger", "verify", "--db", both, "--company", "CAIS Internet, Inc.")
    assert one.out == f"ok: {CAIS}: 554 events, hash chain intact, every event applies{snapshot_ok(554)}\n"
    # Each company's ledger is its own: Acme's export holds Acme's events, CAIS's state its F and G.
    exported = yaml.safe_load(prefstack("ledger", "export", "--db", both, "--company", "acme-test").out)
    assert exported["company"] == "Acme Test Corp."
    assert [(e["kind"], e["date"]) for e in exported["events"]] == [(e["kind"], e["date"]) for e in ACME_EVENTS]
    acme_state = prefstack("state", "--as-of", "2010-12-31", "--db", both, "--company", "acme-test", "--format", "json")
    assert acme_state.code == 0, acme_state.err
    assert json.loads(acme_state.out)["series"] == []
    assert json.loads(acme_state.out)["common_stock"]["outstanding"] in (250000, "250000")
    cais_state = prefstack(
        "state", "--as-of", "2002-06-30", "--db", both, "--company", "cais-internet", "--format", "json"
    )
    assert [s["series"] for s in json.loads(cais_state.out)["series"]] == ["F", "G"]


def test_appending_to_one_company_leaves_the_other_and_its_receipts_as_they_were(
    both: str, tmp_path: Path, prefstack: Prefstack
) -> None:
    cais_before = [r for r in rows(both) if r[0] == "cais-internet"]
    added = prefstack(
        "ledger", "add", "--kind", "closing_price", "--date", "2010-01-05", "--field", "price=2.60",
        "--db", both, "--company", "acme-test", "--receipt", str(tmp_path / "acme4.json"),
    )  # fmt: skip
    assert added.code == 0, added.err
    assert added.out.splitlines()[0].startswith("added event #4 (closing_price on 2010-01-05)")
    assert [r for r in rows(both) if r[0] == "cais-internet"] == cais_before
    assert json.loads((tmp_path / "acme4.json").read_text())["seq"] == 4
    voided = prefstack("ledger", "void", "--seq", "4", "--reason", "typo", "--db", both, "--company", "acme-test")
    assert voided.code == 0 and "voided event #4 with event #5" in voided.out
    assert [r for r in rows(both) if r[0] == "cais-internet"] == cais_before
    verified = prefstack("ledger", "verify", "--db", both, "--receipt", str(tmp_path / "cais.json"))
    assert verified.code == 0 and f"ok: {ACME}: 5 events" in verified.out


def test_without_company_a_store_of_several_companies_is_refused_listing_them(
    both: str, tmp_path: Path, prefstack: Prefstack
) -> None:
    listing = f"the store holds the ledgers of 2 companies ({ACME}, {CAIS}): name one with --company (store)"
    before = rows(both)
    for args in (
        ["state", "--as-of", "2002-06-30"],
        ["ledger", "log"],
        ["ledger", "export"],
        ["ledger", "add", "--kind", "closing_price", "--date", "2010-01-05", "--field", "price=2.60"],
        ["ledger", "void", "--seq", "1", "--reason", "x"],
        ["convert", "--series", "F", "--holder", "Microsoft Corporation", "--shares", "250", "--on", "2002-01-10"],
    ):
        refused = prefstack(*args, "--db", both)
        assert (refused.code, refused.out, refused.err) == (2, "", f"error: --company: {listing}\n"), args
    assert rows(both) == before


def test_an_unknown_company_or_one_without_a_ledger_in_the_store_is_refused(
    tmp_path: Path, prefstack: Prefstack
) -> None:
    db = f"sqlite:///{tmp_path / 'cais.sqlite'}"
    assert prefstack("ledger", "import", EXAMPLE, "--db", db).code == 0
    before = rows(db)
    unknown = prefstack("state", "--as-of", "2002-06-30", "--db", db, "--company", "Initech")
    assert unknown.code == 2
    assert unknown.err.startswith("error: --company: no issuer 'Initech'; prefstack knows cais-internet (CAIS Internet")
    absent = prefstack("state", "--as-of", "2002-06-30", "--db", db, "--company", "acme-test")
    assert absent.code == 2
    assert absent.err == (
        f"error: --company: the store holds no ledger of {ACME}: it holds the ledgers of {CAIS} (store)\n"
    )
    void = prefstack("ledger", "void", "--seq", "1", "--reason", "x", "--db", db, "--company", "acme-test")
    assert void.code == 2 and "the store holds no ledger of acme-test" in void.err
    assert rows(db) == before
    # Without --company, the store's only company is used.
    alone = prefstack("state", "--as-of", "2002-06-30", "--db", db, "--format", "json")
    assert alone.code == 0 and [s["series"] for s in json.loads(alone.out)["series"]] == ["F", "G"]
    # `ledger add` may start a company's stream, naming it.
    started = prefstack(
        "ledger", "add", "--kind", "closing_price", "--date", "2010-01-05", "--field", "price=2.60",
        "--db", db, "--company", "Acme Test Corp.",
    )  # fmt: skip
    assert started.code == 0 and started.out.startswith("added event #1 (closing_price on 2010-01-05)")
    assert 'receipt: company="Acme Test Corp." seq=1 ' in started.out


def test_a_company_given_that_disagrees_with_the_file_is_refused_and_nothing_is_appended(
    both: str, tmp_path: Path, prefstack: Prefstack
) -> None:
    before = rows(both)
    named = prefstack("ledger", "import", EXAMPLE, "--db", both, "--company", "acme-test")
    assert named.code == 2
    assert named.err == (
        f"error: --company: {EXAMPLE} names the company {CAIS}, not {ACME}: nothing was read or appended "
        "(ledger format)\n"
    )
    # A file naming no company but series of CAIS is CAIS's ledger.
    issue = {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "10"}
    inferred = ledger_file(tmp_path / "inferred.yaml", [issue], company=None)
    by_series = prefstack("ledger", "import", inferred, "--db", both, "--company", "acme-test")
    assert by_series.code == 2
    assert by_series.err.startswith(f"error: --company: {inferred} holds the events of {CAIS}, not {ACME}")
    # A file of one company's events that names another is refused by the replay.
    mixed = ledger_file(tmp_path / "mixed.yaml", [issue])
    wrong = prefstack("ledger", "import", mixed, "--db", both)
    assert wrong.code == 2
    assert "Series F is a series of CAIS Internet, Inc., but this ledger is Acme Test Corp.'s" in wrong.err
    # A file naming nothing needs --company; with it, it is appended to that company's stream.
    bare = ledger_file(tmp_path / "bare.yaml", [{"kind": "closing_price", "date": "2010-01-05", "price": "2.7"}], None)
    unnamed = prefstack("ledger", "import", bare, "--db", both)
    assert unnamed.code == 2
    assert unnamed.err.startswith(f"error: {bare}.company: the file names no company and none of its events names")
    assert rows(both) == before
    given = prefstack("ledger", "import", bare, "--db", both, "--company", "acme-test")
    assert given.code == 0 and f"the ledger of {ACME} now holds 4" in given.out


def test_a_ledger_file_read_instead_of_the_store_is_its_own_companys(
    both: str, tmp_path: Path, prefstack: Prefstack
) -> None:
    acme_file = ledger_file(tmp_path / "acme.yaml", ACME_EVENTS)
    deadlines = prefstack("calendar", "--from", "2010-01-01", "--to", "2010-12-31", "--ledger", acme_file)
    assert deadlines.code == 0, deadlines.err  # Acme has no series, so no deadline of F or G
    named = prefstack(
        "calendar", "--from", "2010-01-01", "--to", "2010-12-31", "--ledger", acme_file, "--company", "acme-test"
    )
    assert named.code == 0, named.err
    refused = prefstack("state", "--as-of", "2010-12-31", "--ledger", acme_file, "--company", "cais-internet")
    assert refused.code == 2
    assert refused.err.startswith(f"error: --company: {acme_file} names the company {ACME}, not {CAIS}")
    structure = prefstack(
        "state", "--as-of", "2002-06-30", "--db", both, "--company", "cais-internet", "--capital-structure", "company"
    )
    assert structure.code == 0, structure.err


def test_verify_names_the_company_of_a_tampered_stream_and_the_other_still_answers(
    both: str, prefstack: Prefstack
) -> None:
    engine = sa.create_engine(both)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE ledger_events SET payload = :p WHERE company = 'acme-test' AND seq = 2"),
                {"p": '{"shares":250001}'},
            )
    finally:
        engine.dispose()
    verify = prefstack("ledger", "verify", "--db", both)
    assert verify.code == 1
    (line,) = verify.out.splitlines()
    assert line.startswith("edited: event #2 of acme-test: event ")
    assert "does not match its hash: its stored values were changed" in line
    assert prefstack("ledger", "verify", "--db", both, "--company", "cais-internet").code == 0
    reading = prefstack("state", "--as-of", "2010-12-31", "--db", both, "--company", "acme-test")
    assert reading.code == 2
    assert reading.err.startswith(
        "error: --db: the hash chain of the ledger of acme-test does not verify (1 problem(s)"
    )
    other = prefstack("state", "--as-of", "2002-06-30", "--db", both, "--company", "cais-internet")
    assert other.code == 0


def test_a_receipt_of_another_company_than_the_one_verified_is_refused(
    both: str, tmp_path: Path, prefstack: Prefstack
) -> None:
    refused = prefstack(
        "ledger", "verify", "--db", both, "--company", "cais-internet", "--receipt", str(tmp_path / "acme.json")
    )
    assert refused.code == 2
    assert refused.err == (
        f"error: {tmp_path / 'acme.json'}.company: the receipt is of the ledger of {ACME}, not of --company {CAIS} "
        "(receipt format)\n"
    )


def test_an_empty_store_lists_no_company_and_asks_for_one(tmp_path: Path, prefstack: Prefstack) -> None:
    db = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    from prefstack.ledger import EventStore

    EventStore(db).close()
    assert prefstack("ledger", "companies", "--db", db).out == "The store holds no ledger yet.\n"
    assert json.loads(prefstack("ledger", "companies", "--db", db, "--format", "json").out) == {"companies": []}
    add = prefstack(
        "ledger", "add", "--kind", "closing_price", "--date", "2010-01-05", "--field", "price=2.6", "--db", db
    )
    assert add.code == 2
    assert add.err == (
        "error: --company: the store holds no ledger yet: name the company with --company (an issuer id or legal "
        "name) (store)\n"
    )


NORTHWIND = str(resources.files("prefstack.data").joinpath("northwind_ledger.yaml"))


def test_the_two_bundled_companies_share_a_store_and_each_answers_as_its_own_file(
    store_url: str, prefstack: Prefstack
) -> None:
    """CAIS Internet's and Northwind Networks' bundled ledgers in one store (SQLite and PostgreSQL):
    each company's state from the store is the state from its file; each stream numbers from 1."""
    assert prefstack("ledger", "import", EXAMPLE, "--db", store_url).code == 0
    imported = prefstack("ledger", "import", NORTHWIND, "--db", store_url)
    assert imported.code == 0, imported.err
    assert imported.out.startswith(
        "imported 14 events; the ledger of northwind-networks (Northwind Networks, Inc.) now holds 14"
    )
    listed = json.loads(prefstack("ledger", "companies", "--db", store_url, "--format", "json").out)["companies"]
    assert [(c["company"], c["version"]) for c in listed] == [("cais-internet", 554), ("northwind-networks", 14)]
    for company, source, day in (
        ("cais-internet", EXAMPLE, "2002-06-30"),
        ("Northwind Networks, Inc.", NORTHWIND, "2025-06-30"),
    ):
        stored = prefstack("state", "--as-of", day, "--db", store_url, "--company", company, "--format", "json")
        from_file = prefstack("state", "--as-of", day, "--ledger", source, "--format", "json")
        assert stored.code == 0 and from_file.code == 0, stored.err + from_file.err
        assert json.loads(stored.out) == json.loads(from_file.out)
    log = json.loads(
        prefstack("ledger", "log", "--db", store_url, "--company", "northwind-networks", "--format", "json").out
    )
    assert [r["seq"] for r in log["events"]] == list(range(1, 15))
    verified = prefstack("ledger", "verify", "--db", store_url)
    assert verified.code == 0 and verified.out.splitlines() == [
        f"ok: {CAIS}: 554 events, hash chain intact, every event applies{snapshot_ok(554)}",
        "ok: northwind-networks (Northwind Networks, Inc.): 14 events, hash chain intact, every event applies"
        + snapshot_ok(14),
    ]
