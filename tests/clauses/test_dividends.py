"""Dividends, F §2 and G §2: hand-computed cases with the arithmetic written out."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as Fr

import pytest

from prefstack.calendars import trading_days_ending_before
from prefstack.clauses.dividends import (
    Election,
    accrued_unpaid,
    check_authorized,
    common_stock_price,
    dividend_rate,
    pay_dividend,
    period_dividend,
    pik_schedule,
)
from prefstack.errors import AuthorizedSharesExceeded, InputError
from prefstack.terms import load_terms

F = load_terms("F")
G = load_terms("G")
D = dt.date


@pytest.mark.clause("G §2(a)")
def test_g_schedule_hand_computed_g_2a() -> None:
    """G §2(a): 20,000 shares issued 2000-06-15, 1.5% a quarter in additional shares.

    2000-09-15: 20,000 x 1.5% = 300.00            -> 20,300.00
    2000-12-15: 20,300 x 1.5% = 304.50            -> 20,604.50
    2001-03-15: 20,604.50 x 1.5% = 309.0675       -> 20,913.5675
    Conversion ratio 1,000 / 36 = 27.777...; equivalent 20,300 x 27.777... = 563,888.89.
    After 20 full quarters: 20,000 x 1.015^20 = 26,937.1007... (2005-06-15).
    """
    sched = pik_schedule(G, issue_date=D(2000, 6, 15), shares=Fr(20000), through=D(2005, 6, 15))
    rows = sched.rows
    assert [r.incremental_shares.value for r in rows[1:4]] == [Fr(300), Fr("304.5"), Fr("309.0675")]
    assert rows[3].total_shares.value == Fr("20913.5675")
    assert rows[1].rounded() == {
        "date": "2000-09-15",
        "incremental_shares": "300.00",
        "total_shares": "20300.00",
        "conversion_ratio": "27.77778",
        "equivalent_common": "563888.89",
    }
    assert len(rows) == 21
    assert rows[-1].total_shares.value == 20000 * Fr("1.015") ** 20
    assert rows[-1].rounded()["total_shares"] == "26937.10"
    assert sched.warnings == ()


@pytest.mark.clause("G §2(a)")
def test_g_first_period_stub_accrues_actual_over_360() -> None:
    """G §2(a), DIV-G-FIRST-PERIOD: issued 2000-06-26, first payment 2000-09-15 (81 days).

    1,000 shares x $1,000 x 6% x 81/360 = $13,500 -> 13.5 additional shares.
    """
    sched = pik_schedule(G, issue_date=D(2000, 6, 26), shares=Fr(1000), through=D(2000, 9, 15))
    assert sched.rows[1].incremental_shares.value == Fr("13.5")


@pytest.mark.clause("F §3(a)")
def test_f_mid_quarter_accrued_unpaid_dividend() -> None:
    """DIV-ACCRUED-UNPAID, F §3(a): 1,000 F shares, last Payment Date 2001-03-15, as of 2001-04-14.

    30 days: 1,000 x $1,000 x 7% x 30/360 = $5,833.333...; no arrears.
    With one unpaid quarter of arrears (1,000 x $17.50 = $17,500) the F arrears do not bear
    dividends: $17,500 + $5,833.33... = $23,333.33...
    """
    got = accrued_unpaid(F, Fr(1000), D(2001, 3, 15), D(2001, 4, 14), Fr(0))
    assert got.value == Fr(70000 * 30, 360)
    assert got.value == Fr(17500, 3)
    with_arrears = accrued_unpaid(F, Fr(1000), D(2001, 3, 15), D(2001, 4, 14), Fr(17500))
    assert with_arrears.value == Fr(17500) + Fr(17500, 3)


@pytest.mark.clause("G §2(a)", "G §3(a)")
def test_g_mid_quarter_accrued_unpaid_compounds_arrears() -> None:
    """G §2(a): 6% on $1,000 plus accrued and unpaid. 100 G shares, $1,500 of arrears, 45 days.

    Base = 100 x 1,000 + 1,500 = 101,500; 101,500 x 6% x 45/360 = 761.25; total 2,261.25.
    """
    got = accrued_unpaid(G, Fr(100), D(2001, 3, 15), D(2001, 4, 29), Fr(1500))
    assert got.value == Fr("2261.25")


@pytest.mark.clause("F §2(a)", "F §2(b)")
def test_accrual_is_capped_at_the_full_quarter() -> None:
    """DIV-INTRA-QUARTER-CAP: 2001-06-15 to 2001-09-14 is 91 days: 7% x 91/360 = 1.769% > 1.75%."""
    assert dividend_rate(F, D(2001, 6, 15), D(2001, 9, 14)).value == Fr("0.0175")
    assert dividend_rate(F, D(2001, 6, 15), D(2001, 9, 15)).value == Fr("0.0175")
    assert dividend_rate(F, D(2001, 6, 15), D(2001, 7, 15)).value == Fr(7, 100) * Fr(30, 360)


def closing_prices_around_labor_day_2001() -> dict[dt.date, Fr]:
    """$10.00 every trading day, except $12.50 on 2001-08-31 (the Friday before Labor Day)."""
    days = trading_days_ending_before(D(2001, 9, 15), 40)
    return {d: (Fr("12.50") if d == D(2001, 8, 31) else Fr(10)) for d in days}


@pytest.mark.clause("F §2(b)", "F §2(c)")
def test_common_stock_dividend_priced_over_25_trading_days_straddling_closures() -> None:
    """F §2(b), §2(c): Payment Date 2001-09-15. The window is the 25 Nasdaq trading days ending
    on 2001-09-10 (the market was closed 2001-09-03, Labor Day, and 2001-09-11 to 09-14).

    Window: 2001-08-06 ... 2001-09-10 (25 sessions, skipping 09-03).
    Average = (24 x 10.00 + 12.50) / 25 = 252.50 / 25 = $10.10.
    1,000 shares, full quarter: 1,000 x $1,000 x 1.75% = $17,500 in Common Stock:
    17,500 / 10.10 = 1,732.673...: 1,732 shares, cash 0.673267... x 10.10 = $6.80.
    """
    prices = closing_prices_around_labor_day_2001()
    price = common_stock_price(F, D(2001, 9, 15), prices)
    assert price.inputs["first_trading_day"] == D(2001, 8, 6)
    assert price.inputs["last_trading_day"] == D(2001, 9, 10)
    assert price.value == Fr("10.10")
    dividend = period_dividend(F, Fr(1000), D(2001, 6, 15), D(2001, 9, 15))
    assert dividend.value == 17500
    paid = pay_dividend(
        F,
        dividend=dividend,
        payment_date=D(2001, 9, 15),
        election=Election.only("common"),
        closing_prices=prices,
        registration_effective=True,
    )
    assert paid.common_shares is not None and paid.common_shares.value == 1732
    assert paid.cash_for_fraction is not None and paid.cash_for_fraction.value == Fr("6.80")
    assert paid.pik_shares is None and paid.cash is None


@pytest.mark.clause("F §2(c)")
def test_common_stock_dividend_refused_without_registration_f_2c() -> None:
    """F §2(c): no dividend in Common Stock unless prior dividend shares are registered."""
    dividend = period_dividend(F, Fr(1000), D(2001, 6, 15), D(2001, 9, 15))
    with pytest.raises(InputError, match=r"election.common: .*registration statement.*\(F §2\(c\)\)"):
        pay_dividend(
            F,
            dividend=dividend,
            payment_date=D(2001, 9, 15),
            election=Election.only("common"),
            closing_prices=closing_prices_around_labor_day_2001(),
            registration_effective=False,
        )


def test_missing_closing_price_is_named() -> None:
    """F §2(b): every trading day of the window needs its closing price."""
    prices = closing_prices_around_labor_day_2001()
    del prices[D(2001, 8, 20)]
    with pytest.raises(InputError, match=r"closing_prices: no closing price for 1 trading day\(s\).*2001-08-20"):
        common_stock_price(F, D(2001, 9, 15), prices)


@pytest.mark.clause("F §2(b)")
def test_combination_election_f_2b() -> None:
    """F §2(b): half cash, a quarter PIK, a quarter Common Stock on 2,000 shares for a full quarter.

    Dividend 2,000 x $17.50 = $35,000: cash $17,500.00; PIK 8,750 / 1,000 = 8.75 shares;
    Common 8,750 / 10.10 = 866.336...: 866 shares and 0.3366... x 10.10 = $3.40.
    """
    dividend = period_dividend(F, Fr(2000), D(2001, 6, 15), D(2001, 9, 15))
    election = Election.parse({"cash": "0.5", "pik": "1/4", "common": "0.25"}, F)
    paid = pay_dividend(
        F,
        dividend=dividend,
        payment_date=D(2001, 9, 15),
        election=election,
        closing_prices=closing_prices_around_labor_day_2001(),
        registration_effective=True,
    )
    assert paid.cash is not None and paid.cash.value == 17500
    assert paid.pik_shares is not None and paid.pik_shares.value == Fr("8.75")
    assert paid.common_shares is not None and paid.common_shares.value == 866
    assert paid.cash_for_fraction is not None and paid.cash_for_fraction.value == Fr("3.40")


@pytest.mark.clause("F §2(b)")
def test_cash_stub_dividend_rounds_half_up_once_per_holder() -> None:
    """DIV-CASH-CENTS: 3 shares, 2000-08-02 to 2000-09-15 (44 days): 3 x 1,000 x 7% x 44/360 = 25.666... -> $25.67."""
    dividend = period_dividend(F, Fr(3), D(2000, 8, 2), D(2000, 9, 15))
    paid = pay_dividend(F, dividend=dividend, payment_date=D(2000, 9, 15), election=Election.only("cash"))
    assert dividend.value == Fr(77, 3)
    assert paid.cash is not None and paid.cash.value == Fr("25.67")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cash": "0.5"}, r"election: the portions must add up to 1, not 0.5 \(F §2\(b\)\)"),
        ({"stock": "1"}, r"election: unknown forms \['stock'\]"),
        ({"cash": "1.5", "pik": "-0.5"}, r"election.cash: a portion must be between 0 and 1"),
        ({"cash": 0.5, "pik": "0.5"}, r"election.cash: must be written as an exact number"),
    ],
)
def test_bad_elections_are_refused(data: dict[str, object], message: str) -> None:
    """F §2(b): an election names known forms, exact portions, adding up to one."""
    with pytest.raises(InputError, match=message):
        Election.parse(data, F)


@pytest.mark.clause("G §2(a)")
def test_series_g_cannot_elect_cash() -> None:
    """G §2(a): Series G dividends are payable in additional shares only."""
    with pytest.raises(InputError, match=r"election.cash: Series G dividends cannot be paid in cash \(G §2\(a\)\)"):
        Election.parse({"cash": "1"}, G)


@pytest.mark.clause("F §1(a)")
def test_pik_over_authorized_states_the_excess() -> None:
    """F §1(a): 56,617 authorized. 56,000 issued + 617.2 PIK = 56,617.2: 0.2 too many."""
    check_authorized(F, Fr(56000), Fr(617))
    with pytest.raises(
        AuthorizedSharesExceeded, match=r"56617.2 shares, 0.2 more than the 56617 authorized \(F §1\(a\)\)"
    ):
        check_authorized(F, Fr(56000), Fr("617.2"))


@pytest.mark.clause("G §1(a)")
def test_g_shares_over_authorized_state_the_excess() -> None:
    """G §1(a): 28,051 authorized. 28,000 issued + 51 is allowed; + 51.5 is 0.5 too many."""
    check_authorized(G, Fr(28000), Fr(51))
    with pytest.raises(
        AuthorizedSharesExceeded, match=r"28051.5 shares, 0.5 more than the 28051 authorized \(G §1\(a\)\)"
    ):
        check_authorized(G, Fr(28000), Fr("51.5"))
