"""Export and import of a synthetic ledger with what the CAIS example lacks: a transfer, Options
issued, exercised and expired, a void, and a redemption (F §6(a)): every file validates against the
OCF schemas, the redemption is a derived TX_STOCK_REPURCHASE at the Redemption Price, and the round
trip gives back the same events and state."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Any

from ocf_schemas import errors, needs_ocf
from test_ocf_export import FACTS, WHEN, ext

from prefstack.answers import json_ready
from prefstack.books import Books
from prefstack.ledger.files import dump_ledger, ledger_document, parse_ledger
from prefstack.ocf.export import export_package
from prefstack.ocf.importer import read_ledger_of
from prefstack.ocf.package import read_package, write_package

EVENTS: list[dict[str, object]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "300"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "B", "shares": "100"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "Z", "shares": "5", "id": "mistake"},
    {"kind": "void", "date": "2000-09-01", "voids": "mistake", "reason": "entered in error"},
    {"kind": "transfer", "date": "2001-03-15", "series": "F", "from_holder": "A", "to_holder": "C", "shares": "60"},
    {
        "kind": "option_issued",
        "date": "2001-04-02",
        "id": "opt-1",
        "security": "option",
        "max_shares": "1000",
        "consideration_received": "0",
        "min_additional_consideration": "30000",
        "purpose": "none",
        "fair_market_value_per_share": "20",
    },
    {"kind": "option_exercised", "date": "2002-04-02", "option": "opt-1", "shares": "200"},
    {"kind": "option_expired", "date": "2003-04-02", "option": "opt-1"},
    {"kind": "redemption_notice", "date": "2005-06-20", "series": "F", "redemption_date": "2005-08-02"},
    {"kind": "redemption", "date": "2005-08-02", "series": "F", "funds": "1000000"},
]
AS_OF = dt.date(2005, 12, 31)


def files() -> dict[str, dict[str, Any]]:
    placed = parse_ledger({"format": "prefstack-ledger/1", "events": EVENTS}, "t")
    return export_package(placed, "cais-internet", AS_OF, None, FACTS, WHEN)


@needs_ocf
def test_every_file_validates() -> None:
    for name, doc in files().items():
        assert errors(doc) == [], name


def test_the_transactions_of_a_transfer_options_a_void_and_a_redemption() -> None:
    items = files()["Transactions.ocf.json"]["items"]
    kinds = [t["object_type"] for t in items]
    # The voided issue to Z and the void travel in the manifest's extension only: two issues, not three
    assert kinds.count("TX_STOCK_ISSUANCE") == 2
    transfer = next(t for t in items if t["object_type"] == "TX_STOCK_TRANSFER")
    assert (transfer["security_id"], transfer["quantity"]) == ("series-F/A", "60")
    assert transfer["resulting_security_ids"] == ["series-F/C"]
    grant = next(t for t in items if t["object_type"] == "TX_EQUITY_COMPENSATION_ISSUANCE")
    # $30,000 of additional consideration for 1,000 shares: $30 a share
    assert (grant["quantity"], grant["exercise_price"]["amount"]) == ("1000", "30")
    expired = next(t for t in items if t["object_type"] == "TX_EQUITY_COMPENSATION_CANCELLATION")
    assert expired["quantity"] == "800"  # 1,000 - 200 exercised: the rest expires (§5(d)(iii)(B))
    # F §6(a): nothing was paid since 2000-08-02, so each share is owed $1,000 + the 44-day stub
    # (7% x 44/360 x $1,000 = $8.5555...) + 19 quarters x $17.50 = $332.50 + 48 days to 2005-08-02
    # (7% x 48/360 x $1,000 = $9.3333...) = $1,350.3888... = 24,307/18; $1,000,000 redeems all 400 shares
    # ($540,155.55...): A 240, B 100, C 60
    price = 1000 + Fraction(7 * 44 * 1000, 100 * 360) + 19 * Fraction("17.50") + Fraction(7 * 48 * 1000, 100 * 360)
    assert price == Fraction(24307, 18)
    repurchases = {t["security_id"]: t for t in items if t["object_type"] == "TX_STOCK_REPURCHASE"}
    assert {k: t["quantity"] for k, t in repurchases.items()} == {
        "series-F/A": "240",
        "series-F/B": "100",
        "series-F/C": "60",
    }
    assert repurchases["series-F/A"]["price"]["amount"] == "1350.3888888889"
    assert ext(repurchases["series-F/A"])["exact"]["price"] == "24307/18"
    stakeholders = [s["id"] for s in files()["Stakeholders.ocf.json"]["items"]]
    assert "Z" not in stakeholders  # the holder of the voided issue alone


def test_round_trip(tmp_path: Path) -> None:
    placed = parse_ledger({"format": "prefstack-ledger/1", "events": EVENTS}, "t")
    write_package(files(), tmp_path / "p.zip")
    imported = read_ledger_of(read_package(tmp_path / "p.zip"), "cais-internet")
    assert imported.notes == []
    assert [p.event for p in imported.placed] == [p.event for p in placed]
    paths = []
    for name, events in (("before", placed), ("after", imported.placed)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(dump_ledger(ledger_document(events, "CAIS Internet, Inc."), "yaml"), encoding="utf-8")
        paths.append(path)
    for day in (dt.date(2003, 4, 2), dt.date(2005, 8, 1), dt.date(2005, 8, 2)):
        before, after = (json_ready(Books("sqlite:///unused.sqlite", ledger=str(p)).state(day)) for p in paths)
        assert before == after, day
