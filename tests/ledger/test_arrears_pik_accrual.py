"""F §2(d), §2(b): arrears paid in PIK Preferred Shares between Payment Dates accrue from the last
Payment Date with the rest of the holding (interpretation DIV-ARREARS-PIK-ACCRUAL)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as Fr

import pytest

from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import holding_accrued_unpaid, replay

EVENTS = [
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
    {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "not_legally_available"},
    {"kind": "arrears_paid", "date": "2000-10-15", "series": "F"},
]


def _liquidation_value(day: dt.date) -> Fr:
    state = replay(parse_ledger({"format": "prefstack-ledger/1", "events": EVENTS}, "t"), day)
    f = state.series["F"]
    holding = f.holdings["A"]
    accrued = holding_accrued_unpaid(f, holding, day).value
    assert isinstance(accrued, Fr)
    return holding.shares * 1000 + accrued  # F §3(a): $1,000 a share plus accrued but unpaid dividends


def test_arrears_paid_in_shares_accrue_from_the_last_payment_date() -> None:
    """The 2000-09-15 stub goes unpaid: 40,000 x $1,000 x 7% x 44/360 = $342,222.22... of arrears.
    Paid on 2000-10-15 in 342.22... new shares. On 2000-10-15 the holding of 40,342.22... shares
    accrues from 2000-09-15 (30 days): the Liquidation Value is
    40,342.22... x $1,000 x (1 + 7% x 30/360), which exceeds what it would be had the arrears stayed
    cash-denominated (40,000 x $1,000 x (1 + 7% x 30/360) + $342,222.22...) by exactly the new shares'
    30 days: $342,222.22... x 7% x 30/360 = $1,996.30."""
    arrears = Fr(40_000 * 1000 * 7 * 44, 100 * 360)
    on = _liquidation_value(dt.date(2000, 10, 15))
    rate_30_days = Fr(7, 100) * Fr(30, 360)
    assert on == (40_000 + arrears / 1000) * 1000 * (1 + rate_30_days)
    jump = on - (40_000 * 1000 * (1 + rate_30_days) + arrears)
    assert jump == arrears * rate_30_days
    assert round(jump, 2) == Fr("1996.30")


def _refusal(events: list[dict[str, str]], day: dt.date) -> str:
    from prefstack.ledger.replay import LedgerRuleError

    with pytest.raises(LedgerRuleError) as refused:
        replay(parse_ledger({"format": "prefstack-ledger/1", "events": events}, "t"), day)
    return str(refused.value)


@pytest.mark.clause("F §2(d)", "G §2(a)", "H §2(b)")
def test_arrears_paid_in_shares_cite_the_series_own_clause_and_a_cash_only_series_is_refused() -> None:
    """Arrears paid in shares rest on F §2(d) for F and G §2(a) for G (each certificate's own words);
    Series H pays dividends only in cash (H §2(b)), so its arrears cannot be paid in shares."""
    g = [
        {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "B", "shares": "100"},
        {"kind": "arrears_paid", "date": "2000-07-01", "series": "G"},
    ]
    assert "(G §2(a))" in _refusal(g, dt.date(2000, 7, 1)) and "no accrued and unpaid dividends" in _refusal(
        g, dt.date(2000, 7, 1)
    )
    f = [EVENTS[0], {"kind": "arrears_paid", "date": "2000-08-10", "series": "F"}]
    assert "no accrued and unpaid dividends (F §2(d))" in _refusal(f, dt.date(2000, 8, 10))
    h = [
        {"kind": "preferred_issued", "date": "2024-01-10", "series": "H", "holder": "C", "shares": "1000"},
        {"kind": "arrears_paid", "date": "2024-07-01", "series": "H"},
    ]
    refused = _refusal(h, dt.date(2024, 7, 1))
    assert "dividends are paid only in cash, never in shares" in refused and "(H §2(b))" in refused
