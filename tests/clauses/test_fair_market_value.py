"""F/G §3(c): Fair Market Value of securities (averages over the 30-day window, OTC,
no active market, restricted securities)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from prefstack.clauses.fair_market_value import (
    OverTheCounterBasis,
    average_closing_price,
    averaging_window,
    board_determined_value,
    no_active_market_value,
    over_the_counter_average_price,
    restricted_security_value,
)
from prefstack.errors import InputError
from prefstack.terms import load_terms

F = load_terms("F")
G = load_terms("G")


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


@pytest.mark.clause("F §3(c)(i)(A)")
def test_window_is_thirty_calendar_days_ending_three_days_before_closing_f_3_c_i_a() -> None:
    """F §3(c)(i)(A), FMV-WINDOW: closing 2000-08-02 -> last day 2000-07-30 (3 days prior),
    first day 2000-07-30 - 29 days = 2000-07-01 (30 days, both ends included)."""
    assert averaging_window(F, dt.date(2000, 8, 2)) == (dt.date(2000, 7, 1), dt.date(2000, 7, 30))
    assert averaging_window(G, dt.date(2001, 3, 1)) == (dt.date(2001, 1, 28), dt.date(2001, 2, 26))


@pytest.mark.clause("F §3(c)(i)(A)")
def test_average_closing_price_on_nasdaq_days_of_july_2000_f_3_c_i_a() -> None:
    """F §3(c)(i)(A): July 2000 window (07-01..07-30) holds the Nasdaq sessions 3, 5-7, 10-14,
    17-21, 24-28 (July 4 closed; 1-2 and 29-30 weekends): 19 days. With price = day of month
    the sum is 3 + (5+6+7) + 60 + 95 + 130 = 306, so the average is 306/19."""
    prices = {dt.date(2000, 7, d): Fraction(d) for d in range(1, 32) if dt.date(2000, 7, d).weekday() < 5}
    del prices[dt.date(2000, 7, 4)]
    prices[dt.date(2000, 6, 30)] = Fraction(1000)  # outside the window: ignored
    result = average_closing_price(prices, dt.date(2000, 8, 2), F)
    assert result.value == Fraction(306, 19)
    assert result.inputs["trading_days"] == 19
    assert result.clause == "F §3(c)(i)(A)"
    assert "FMV-WINDOW" in result.interpretations


@pytest.mark.clause("F §3(c)(i)(A)")
def test_missing_closing_price_names_the_date_f_3_c_i_a() -> None:
    """F §3(c)(i)(A): a trading day of the window without a closing price is an error naming it."""
    prices = {d: Fraction(10) for d in _weekdays(dt.date(2000, 7, 1), dt.date(2000, 7, 30))}
    del prices[dt.date(2000, 7, 4)]
    del prices[dt.date(2000, 7, 12)]
    with pytest.raises(InputError, match="2000-07-12") as err:
        average_closing_price(prices, dt.date(2000, 8, 2), F)
    assert err.value.clause == "F §3(c)(i)(A)"


@pytest.mark.clause("G §3(c)(i)(A)")
def test_price_on_a_day_without_trading_is_refused_g_3_c_i_a() -> None:
    """G §3(c)(i)(A): a price given for 2000-07-04 (Nasdaq closed) inside the window is refused."""
    prices = {d: Fraction(10) for d in _weekdays(dt.date(2000, 7, 1), dt.date(2000, 7, 30))}
    with pytest.raises(InputError, match="2000-07-04, which is not a trading day"):
        average_closing_price(prices, dt.date(2000, 8, 2), G)


@pytest.mark.clause("G §3(c)(i)(B)")
def test_explicit_trading_days_and_otc_basis_g_3_c_i_b() -> None:
    """G §3(c)(i)(B): OTC average over the same window with the trading days given; weekdays of
    2001-01-28..2001-02-26 are 21 days; prices 2 on the first 11 and 4 on the last 10 average
    (22 + 40) / 21 = 62/21."""
    days = _weekdays(dt.date(2001, 1, 28), dt.date(2001, 2, 26))
    assert len(days) == 21
    prices = {d: Fraction(2 if i < 11 else 4) for i, d in enumerate(days)}
    result = over_the_counter_average_price(
        prices, dt.date(2001, 3, 1), G, basis=OverTheCounterBasis.CLOSING_BID, trading_days=_weekdays
    )
    assert result.value == Fraction(62, 21)
    assert result.clause == "G §3(c)(i)(B)"
    assert result.inputs["price_basis"] == "closing bid"
    assert "FMV-OTC-BASIS" in result.interpretations


@pytest.mark.clause("F §3(c)(i)(C)", "F §3(c)(ii)")
def test_no_market_and_restricted_discount_f_3_c_i_c_and_ii() -> None:
    """F §3(c)(i)(C) and (ii): an agreed value of $12.50 with a 20% restricted discount is
    12.50 x 0.80 = $10.00."""
    base = no_active_market_value(F, value=Fraction("12.50"), determined_on=dt.date(2001, 5, 1))
    assert base.clause == "F §3(c)(i)(C)"
    discounted = restricted_security_value(F, market_value=base, discount=Fraction("0.2"))
    assert discounted.value == Fraction(10)
    assert discounted.clause == "F §3(c)(ii)"
    with pytest.raises(InputError, match="discount"):
        restricted_security_value(F, market_value=base, discount=Fraction(1))


@pytest.mark.clause("F §3(c)")
def test_board_value_and_floats_refused_f_3_c() -> None:
    """F §3(c): other property at the Board's good-faith value; a float is refused."""
    assert board_determined_value(F, value=Fraction(5000), description="a building").value == Fraction(5000)
    with pytest.raises(InputError):
        no_active_market_value(F, value=12.5, determined_on=dt.date(2001, 5, 1))  # type: ignore[arg-type]


@pytest.mark.clause("F §3(c)(i)(B)")
def test_otc_average_for_series_f_f_3_c_i_b() -> None:
    """F §3(c)(i)(B): closing bid 3 on the 11 weekdays 2001-01-29..02-12 and 6 on the 10 after,
    to 2001-02-26 (closing 2001-03-01): (33 + 60) / 21 = 31/7."""
    days = _weekdays(dt.date(2001, 1, 28), dt.date(2001, 2, 26))
    prices = {d: Fraction(3 if i < 11 else 6) for i, d in enumerate(days)}
    result = over_the_counter_average_price(
        prices, dt.date(2001, 3, 1), F, basis=OverTheCounterBasis.CLOSING_BID, trading_days=_weekdays
    )
    assert result.value == Fraction(31, 7)
    assert result.clause == "F §3(c)(i)(B)"


@pytest.mark.clause("G §3(c)", "G §3(c)(i)(C)", "G §3(c)(ii)")
def test_no_market_restricted_and_board_value_for_series_g() -> None:
    """G §3(c)(i)(C) and (ii): an agreed value of $8.00 with a 25% restricted discount is
    8.00 x 0.75 = $6.00; G §3(c): other property at the Board's good-faith value."""
    base = no_active_market_value(G, value=Fraction(8), determined_on=dt.date(2001, 5, 1))
    assert base.clause == "G §3(c)(i)(C)"
    discounted = restricted_security_value(G, market_value=base, discount=Fraction(1, 4))
    assert (discounted.value, discounted.clause) == (Fraction(6), "G §3(c)(ii)")
    board = board_determined_value(G, value=Fraction(7500), description="a license")
    assert (board.value, board.clause) == (Fraction(7500), "G §3(c)")
