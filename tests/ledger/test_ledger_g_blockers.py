"""Series G dividend blockers in the ledger (G §2(c), (d); DB-ARREARS)."""

from __future__ import annotations

import datetime as dt

import pytest

from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import LedgerRuleError, Placed, replay

D = dt.date
BASE: list[dict[str, object]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "200"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "300"},
]


def ledger(*events: dict[str, object]) -> list[Placed]:
    return parse_ledger({"format": "prefstack-ledger/1", "events": [*BASE, *events]}, "t")


F_PAID = {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"}
G_PAID = {"kind": "dividend_payment", "date": "2000-09-15", "series": "G", "outcome": "paid"}
G_UNPAID = {"kind": "dividend_payment", "date": "2000-09-15", "series": "G", "outcome": "not_legally_available"}


@pytest.mark.clause("G §2(c)")
def test_parity_dividend_with_series_g_paid_the_same_day_is_allowed() -> None:
    """G §2(c): G's 2000-09-15 dividend (200 x 1.5% = 3 shares) is paid contemporaneously, so the
    Series F dividend of the same Payment Date may be paid, whatever order they were recorded in."""
    for events in ((F_PAID, G_PAID), (G_PAID, F_PAID)):
        state = replay(ledger(*events), D(2000, 9, 30))
        assert state.series["G"].holdings["C"].shares == 203
        assert state.series["F"].payments[D(2000, 9, 15)]


@pytest.mark.clause("G §2(c)", "G §2(c)(i)")
def test_parity_dividend_refused_while_series_g_is_in_arrears() -> None:
    """G §2(c)(i): G unpaid on 2000-09-15 ($3,000 of arrears: 200 x $1,000 x 1.5%), so no Series F
    dividend may be paid that day; a Payment Date with no G event at all counts as unpaid too."""
    with pytest.raises(LedgerRuleError, match=r"refused while Series G dividends of 3000 are in arrears.*G §2\(c\)"):
        replay(ledger(G_UNPAID, F_PAID), D(2000, 9, 30))
    with pytest.raises(LedgerRuleError, match=r"G §2\(c\)"):
        replay(ledger(F_PAID), D(2000, 9, 30))


@pytest.mark.clause("G §2(a)", "G §2(c)")
def test_paying_the_g_arrears_lifts_the_blocker() -> None:
    """G §2(a), (c): G's arrears paid in shares on 2000-12-15 (before F's dividend that day), then
    the Series F dividends may be paid; F's own unpaid 2000-09-15 dividend is paid in PIK (F §2(d))."""
    events = [
        G_UNPAID,
        {**F_PAID, "outcome": "not_legally_available"},
        {"kind": "dividend_payment", "date": "2000-12-15", "series": "G", "outcome": "paid"},
        {"kind": "arrears_paid", "date": "2000-12-15", "series": "G"},
        {"kind": "arrears_paid", "date": "2000-12-15", "series": "F"},
        {"kind": "dividend_payment", "date": "2000-12-15", "series": "F", "outcome": "paid"},
    ]
    state = replay(ledger(*events), D(2000, 12, 31))
    assert state.series["F"].payments[D(2000, 12, 15)]
    assert state.series["G"].holdings["C"].arrears == 0 and state.series["F"].holdings["A"].arrears == 0


@pytest.mark.clause("G §2(c)(iii)")
def test_parity_redemption_refused_while_series_g_is_in_arrears() -> None:
    """G §2(c)(iii): no Parity Securities redeemed while G is in arrears."""
    events = [
        G_UNPAID,
        {"kind": "redemption_notice", "date": "2000-10-01", "series": "F", "redemption_date": "2000-11-01"},
        {"kind": "redemption", "date": "2000-11-01", "series": "F", "funds": "100000"},
    ]
    with pytest.raises(LedgerRuleError, match=r"G §2\(c\)\(iii\)"):
        replay(ledger(*events), D(2000, 11, 2))


@pytest.mark.clause("G §2(d)(i)", "G §2(d)(ii)")
def test_junior_distribution_refused_but_stock_dividend_on_common_allowed() -> None:
    """G §2(d)(i)-(ii): a dividend payable solely in Junior Securities (a stock dividend on the
    common) is allowed in arrears; another distribution on the common is refused."""
    stock_dividend = {"kind": "stock_dividend", "date": "2000-10-02", "shares": "1000000"}
    replay(ledger(G_UNPAID, stock_dividend), D(2000, 10, 3))
    other = {"kind": "other_distribution", "date": "2000-10-02", "securities": "rights", "amount_per_common_share": "1"}
    with pytest.raises(LedgerRuleError, match=r"G §2\(d\)\(ii\)"):
        replay(ledger(G_UNPAID, other), D(2000, 10, 3))
