"""G §2(c): while Series G's dividends are not paid in full, dividends declared on Series G and the
Parity Securities (Series F) are declared ratably in proportion to each one's accrued and unpaid
dividends (DB-RATABLE, DB-RATABLE-ARREARS)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as Fr
from typing import Any

import pytest

from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import LedgerRuleError, replay

BASE: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "20000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "30000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "B", "shares": "10000"},
    {"kind": "dividend_payment", "date": "2000-09-15", "series": "G", "outcome": "paid"},
    {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
    {"kind": "dividend_payment", "date": "2000-12-15", "series": "G", "outcome": "not_legally_available"},
    {"kind": "dividend_payment", "date": "2000-12-15", "series": "F", "outcome": "not_legally_available"},
]
DAY = dt.date(2001, 1, 10)
F_SHARES = 40_000 * (1 + Fr(7, 100) * Fr(44, 360))  # after the 2000-09-15 PIK stub
F_ARREARS = F_SHARES * 1000 * Fr(175, 10_000)  # the unpaid 2000-12-15 quarter: $705,988.89
G_ARREARS = 20_300 * 1000 * Fr(15, 1000)  # 20,300 shares after 2000-09-15 x $1,000 x 1.5% = $304,500


def _state(*events: dict[str, Any], as_of: dt.date = DAY):  # type: ignore[no-untyped-def]
    return replay(parse_ledger({"format": "prefstack-ledger/1", "events": [*BASE, *events]}, "t"), as_of)


def declare(amount: str) -> dict[str, Any]:
    return {"kind": "ratable_dividends", "date": DAY.isoformat(), "amount_declared": amount}


@pytest.mark.clause("G §2(c)")
def test_a_partial_declaration_is_shared_ratably() -> None:
    """Arrears: F $705,988.89 (1.75% of 40,342.22... shares x $1,000), G $304,500 (1.5% of 20,300 x
    $1,000); $505,244.44 declared: G gets 505,244.44 x 304,500 / 1,010,488.89 and F the rest, each
    paid in its own shares at $1,000; F's part goes to A and B in proportion to their arrears (3:1).
    G is still in arrears afterwards, so paying F's remaining arrears alone stays refused."""
    assert round(F_ARREARS, 2) == Fr("705988.89") and G_ARREARS == 304_500
    declared = Fr("505244.44")
    state = _state(declare(str(declared)))
    g_part = declared * G_ARREARS / (G_ARREARS + F_ARREARS)
    f_part = declared - g_part
    g, f = state.series["G"], state.series["F"]
    assert g.holdings["C"].shares == 20_300 + g_part / 1000
    assert g.holdings["C"].arrears == G_ARREARS - g_part
    a, b = f.holdings["A"], f.holdings["B"]
    assert a.shares == F_SHARES * 3 / 4 + f_part * 3 / 4 / 1000
    assert b.arrears == F_ARREARS / 4 - f_part / 4
    with pytest.raises(LedgerRuleError, match=r"G §2\(c\)"):
        _state(
            declare(str(declared)),
            {"kind": "arrears_paid", "date": "2001-01-11", "series": "F"},
            as_of=dt.date(2001, 1, 11),
        )


def test_a_declaration_of_everything_or_more_is_refused() -> None:
    total = G_ARREARS + F_ARREARS
    with pytest.raises(LedgerRuleError, match="record arrears_paid for each series instead"):
        _state(declare(str(total)))
    with pytest.raises(LedgerRuleError, match=r"amount_declared: .*exceeds"):
        _state(declare(str(total + 1)))


def test_cli_state_after_a_ratable_declaration(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Through `prefstack state --ledger`: C's G shares rise by its part / $1,000."""
    import json

    import yaml

    declared = Fr("505244.44")
    path = tmp_path / "ratable.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": [*BASE, declare(str(declared))]}))
    report = json.loads(cli("state", "--ledger", str(path), "--as-of", DAY.isoformat(), "--format", "json").stdout)
    g = next(s for s in report["series"] if s["series"] == "G")
    g_part = declared * G_ARREARS / (G_ARREARS + F_ARREARS)
    assert Fr(g["holders"][0]["shares_outstanding_exact"]) == 20_300 + g_part / 1000
