"""`prefstack dividends --payment-date D`: each holder's dividend for a Payment Date, its form and
why, PIK shares, cash, Common Stock with its price, cash for the fraction (F §2, G §2)."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction as Fr
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from prefstack.output_schemas import output_schema

BASE: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "20000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "B", "shares": "10000"},
    {
        "kind": "dividend_election",
        "date": "2000-09-01",
        "series": "F",
        "holder": "B",
        "payment_date": "2000-09-15",
        "cash": "1",
    },
    {"kind": "wire_account_notice", "date": "2000-09-05", "series": "F", "holder": "B", "payment_date": "2000-09-15"},
    {"kind": "dividend_payment", "date": "2000-09-15", "series": "G", "outcome": "paid"},
    {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
    {"kind": "dividend_payment", "date": "2000-12-15", "series": "G", "outcome": "not_legally_available"},
    {"kind": "dividend_payment", "date": "2000-12-15", "series": "F", "outcome": "not_legally_available"},
]


def _ledger(tmp_path: Path) -> str:
    path = tmp_path / "dividends.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": BASE}))
    return str(path)


def test_dividends_of_a_payment_date(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """2000-09-15. F §2(a), F Sched. 1: the 44-day stub is 7% x 44/360 of $1,000 a share.
    A (40,000 shares, no election: PIK by default, F §2(d)): $342,222.22..., i.e. 342.22... PIK shares.
    B (10,000 shares, cash elected 14 days before, F §2(e)): 10,000 x $1,000 x 7% x 44/360 = $85,555.56 cash.
    G §2(a): C's 20,000 shares x $1,000 x 1.5% (a full quarter from 2000-06-15) = $300,000, 300 PIK shares."""
    path = _ledger(tmp_path)
    result = json.loads(cli("dividends", "--payment-date", "2000-09-15", "--ledger", path, "--format", "json").stdout)
    jsonschema.validate(result, output_schema("dividends"))
    rows = {(h["series"], h["holder"]): h for s in result["series"] for h in s["holders"]}
    stub = Fr(7, 100) * Fr(44, 360)
    a, b, c = rows[("F", "A")], rows[("F", "B")], rows[("G", "C")]
    assert Fr(a["dividend_exact"]) == 40_000 * 1000 * stub and a["pik_shares"] == "342.22" and a["cash"] == "0.00"
    assert a["form_reason"].startswith("no election") and a["form_summary"] == "PIK all (default)"
    # Cash is paid to the cent (DIV-CASH-CENTS): the dividend is exact, the cash 85,555.56.
    assert Fr(b["dividend_exact"]) == 10_000 * 1000 * stub
    assert b["cash"] == "85555.56" and "cash_exact" not in b and b["pik_shares"] == "0.00"
    assert b["form_summary"] == "cash all (elected)" and "2000-09-01" in b["form_reason"]
    assert c["dividend"] == "300000.00" and c["pik_shares"] == "300.00" and c["clause"] == "G §2(a)"
    assert {s["series"]: s["outcome"] for s in result["series"]} == {"F": "paid", "G": "paid"}
    table = cli("dividends", "--payment-date", "2000-09-15", "--ledger", path).stdout
    assert "$85,555.56" in table and "342.22" in table
    as_csv = cli("dividends", "--payment-date", "2000-09-15", "--ledger", path, "--format", "csv").stdout
    rows_csv = list(csv.DictReader(io.StringIO(as_csv)))
    assert {r["holder"]: r["cash"] for r in rows_csv} == {"A": "0.00", "B": "85555.56", "C": "0.00"}


def test_an_unpaid_payment_date(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """2000-12-15, not legally available: the quarter accrues unpaid. A: 40,000 + 342.22... PIK shares
    of 2000-09-15, x $1,000 x 1.75% = $706,000 + $5,988.89 = $705,988.89 of arrears (F §2(a))."""
    path = _ledger(tmp_path)
    result = json.loads(cli("dividends", "--payment-date", "2000-12-15", "--ledger", path, "--format", "json").stdout)
    jsonschema.validate(result, output_schema("dividends"))
    f = result["series"][0]
    assert f["outcome"] == "not_legally_available"
    a = next(h for h in f["holders"] if h["holder"] == "A")
    shares = 40_000 + 40_000 * Fr(7, 100) * Fr(44, 360)
    assert a["status"] == "unpaid" and Fr(a["dividend_exact"]) == shares * 1000 * Fr(175, 10_000)
    assert a["pik_shares"] is None and a["cash"] is None


def test_not_a_payment_date_is_a_clear_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    refused = cli("dividends", "--payment-date", "2000-10-01", "--ledger", _ledger(tmp_path), ok=False)
    assert refused.returncode == 2 and "2000-10-01 is not a Payment Date" in refused.stderr
    assert "Traceback" not in refused.stderr
