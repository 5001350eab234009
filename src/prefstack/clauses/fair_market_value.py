"""Fair Market Value of securities: F §3(c) and G §3(c).

The certificates value property other than cash at its Fair Market Value, determined in good
faith by the Board, except that securities are valued as follows (F/G §3(c)(i)-(ii)):

- (i)(A) traded on an exchange or the Nasdaq National Market: the average of the closing
  prices over the thirty (30) day period ending three (3) days prior to the closing;
- (i)(B) actively traded over-the-counter: the average of the closing bid or sale prices
  (whichever is applicable) over the same period;
- (i)(C) no active public market: the value mutually determined by the Board and a majority of
  the series;
- (ii) securities under investment letter or similar restrictions: an appropriate discount from
  the value under (i), mutually determined the same way.

Section 5 uses the same Fair Market Value for Common Stock (F/G §5(c)(iii), §5(d)) and
liquidation uses it for distributions in kind (F/G §3(a)). Values that people determine
(the Board, the holders) are inputs here; the arithmetic of the market averages is computed.
Reading of the averaging window: interpretation FMV-WINDOW.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from fractions import Fraction

from prefstack.calendars import nasdaq_trading_days
from prefstack.citations import for_series
from prefstack.clause_registry import implements
from prefstack.errors import InputError
from prefstack.explain import Explained, Scalar
from prefstack.interpretations import reading
from prefstack.interpretations.readings import chosen
from prefstack.terms.schema import SeriesTerms

__all__ = [
    "OverTheCounterBasis",
    "TradingDays",
    "average_closing_price",
    "averaging_window",
    "board_determined_value",
    "nasdaq_trading_days",
    "no_active_market_value",
    "over_the_counter_average_price",
    "restricted_security_value",
]

TradingDays = Callable[[dt.date, dt.date], Sequence[dt.date]]
"""Gives the trading days from a first to a last date, both included, in order."""


class OverTheCounterBasis(Enum):
    """Which over-the-counter price is "applicable" under F/G §3(c)(i)(B) (an input)."""

    CLOSING_BID = "closing bid"
    CLOSING_SALE = "closing sale"


@implements("F §3(c)(i)(A)", "G §3(c)(i)(A)")
def averaging_window(terms: SeriesTerms, closing_date: dt.date) -> tuple[dt.date, dt.date]:
    """First and last calendar day of the "thirty (30) day period ending three (3) days prior
    to the closing" (F/G §3(c)(i)(A)), both included (interpretation FMV-WINDOW)."""
    fmv = terms.fair_market_value
    # FMV-WINDOW=fourth-day: the period ends the day before the third day prior to the closing
    before = fmv.days_before_closing.value + (1 if chosen("FMV-WINDOW") == "fourth-day" else 0)
    last = closing_date - dt.timedelta(days=before)
    first = last - dt.timedelta(days=fmv.averaging_days.value - 1)
    return first, last


def _trading_day_window(
    terms: SeriesTerms, closing_date: dt.date, trading_days: TradingDays, field: str, clause: str
) -> list[dt.date]:
    """FMV-WINDOW=trading-days: the thirty trading days ending on the third trading day before the
    closing (the counts of the terms, read as trading days)."""
    fmv = terms.fair_market_value
    wanted = fmv.averaging_days.value + fmv.days_before_closing.value
    # three calendar days for each trading day wanted, and two weeks more, hold them across any closure
    span = dt.timedelta(days=3 * wanted + 14)
    before = list(trading_days(closing_date - span, closing_date - dt.timedelta(days=1)))
    if len(before) < wanted:
        raise InputError(field, clause, f"fewer than {wanted} trading days before {closing_date}")
    end = len(before) - fmv.days_before_closing.value
    return before[end - fmv.averaging_days.value + 1 : end + 1]


def _average_over_window(
    terms: SeriesTerms,
    prices: Mapping[dt.date, Fraction],
    closing_date: dt.date,
    trading_days: TradingDays,
    *,
    name: str,
    section: str,
    field: str,
    extra_interpretations: Sequence[str] = (),
) -> Explained:
    clause = for_series(terms.series, section)
    window = chosen("FMV-WINDOW")
    if window == "trading-days":
        days = _trading_day_window(terms, closing_date, trading_days, field, clause)
        first, last = days[0], days[-1]
    else:
        first, last = averaging_window(terms, closing_date)
        days = list(trading_days(first, last))
    if not days:
        raise InputError(field, clause, f"no trading day falls in the averaging period {first} to {last}")
    day_set = set(days)
    for day, price in prices.items():
        if first <= day <= last and day not in day_set:
            raise InputError(field, clause, f"a price is given for {day}, which is not a trading day")
        if not isinstance(price, Fraction):
            raise InputError(field, clause, f"the price for {day} must be an exact Fraction, not {price!r}")
        if price < 0:
            raise InputError(field, clause, f"the price for {day} is negative ({price})")
    missing = [d for d in days if d not in prices]
    if missing:
        listed = ", ".join(d.isoformat() for d in missing)
        raise InputError(field, clause, f"no closing price for trading day(s) {listed} in the period {first} to {last}")
    inputs: dict[str, Scalar] = {
        "closing_date": closing_date,
        "period_first_day": first,
        "period_last_day": last,
        "trading_days": len(days),
    }
    if window == "calendar-weighted":
        counted = _carried_over(prices, first, last, days, trading_days, field, clause)
        inputs["calendar_days"] = len(counted)
        formula = "sum over the calendar days of the period of the latest closing price on or before each / days"
    else:
        counted = [prices[d] for d in days]
        formula = "sum of the prices on the trading days of the period / number of those trading days"
    total = sum(counted, Fraction(0))
    inputs["sum_of_prices"] = total
    return Explained(
        name=name,
        value=total / len(counted),
        clause=clause,
        inputs=inputs,
        formula=formula,
        interpretations=(reading("FMV-WINDOW"), *extra_interpretations),
    )


def _carried_over(
    prices: Mapping[dt.date, Fraction],
    first: dt.date,
    last: dt.date,
    days: Sequence[dt.date],
    trading_days: TradingDays,
    field: str,
    clause: str,
) -> list[Fraction]:
    """FMV-WINDOW=calendar-weighted: each calendar day of the period weighs the closing price of the
    latest trading day on or before it (a period starting on a day without trading carries in the
    price of the trading day before it, which must then be given)."""
    latest = None
    if days[0] != first:
        earlier = list(trading_days(first - dt.timedelta(days=14), first - dt.timedelta(days=1)))
        if not earlier or earlier[-1] not in prices:
            wanted = earlier[-1].isoformat() if earlier else f"the trading day before {first}"
            raise InputError(
                field, clause, f"no closing price for {wanted}, carried over the first days of the period {first}"
            )
        latest = prices[earlier[-1]]
    trading = set(days)
    counted = []
    day = first
    while day <= last:
        if day in trading:
            latest = prices[day]
        assert latest is not None  # the first day is a trading day or carries the one before
        counted.append(latest)
        day += dt.timedelta(days=1)
    return counted


@implements("F §3(c)(i)(A)", "G §3(c)(i)(A)")
def average_closing_price(
    closing_prices: Mapping[dt.date, Fraction],
    closing_date: dt.date,
    terms: SeriesTerms,
    *,
    trading_days: TradingDays = nasdaq_trading_days,
) -> Explained:
    """Value of a security traded on an exchange or the Nasdaq National Market (F/G §3(c)(i)(A)).

    The average of the closing prices on the trading days of the thirty calendar days ending
    three calendar days before ``closing_date`` (interpretation FMV-WINDOW). Prices outside
    the period are ignored; a missing price for a trading day in it, or a price for a day in
    it that is not a trading day, is an error naming the date.
    """
    return _average_over_window(
        terms,
        closing_prices,
        closing_date,
        trading_days,
        name="fair_market_value_per_share",
        section="§3(c)(i)(A)",
        field="closing_prices",
    )


@implements("F §3(c)(i)(B)", "G §3(c)(i)(B)")
def over_the_counter_average_price(
    prices: Mapping[dt.date, Fraction],
    closing_date: dt.date,
    terms: SeriesTerms,
    *,
    basis: OverTheCounterBasis,
    trading_days: TradingDays = nasdaq_trading_days,
    other_prices: Mapping[dt.date, Fraction] | None = None,
) -> Explained:
    """Value of a security actively traded over-the-counter (F/G §3(c)(i)(B)).

    The average of the closing bid or closing sale prices, ``basis`` saying which is
    applicable (an input, interpretation FMV-OTC-BASIS), over the same period as (i)(A).
    ``other_prices``: the prices of the other basis (the closing sale prices when ``basis`` is
    the closing bid, and the reverse), needed only by FMV-OTC-BASIS=closing-bid when ``basis`` is
    the closing sale, and by FMV-OTC-BASIS=bid-sale-mean.
    """
    clause = for_series(terms.series, "§3(c)(i)(B)")
    match chosen(reading("FMV-OTC-BASIS")):
        case "default":
            used, basis_words = prices, basis.value
        case "closing-bid":  # always the closing bid, whichever the caller says is applicable
            if basis is OverTheCounterBasis.CLOSING_BID:
                used = prices
            elif other_prices is None:
                raise InputError(
                    "other_prices", clause, "the closing bid prices are needed (FMV-OTC-BASIS=closing-bid)"
                )
            else:
                used = other_prices
            basis_words = "closing bid (FMV-OTC-BASIS=closing-bid)"
        case "bid-sale-mean":  # each day's mean of its closing bid and closing sale prices
            if other_prices is None:
                raise InputError(
                    "other_prices",
                    clause,
                    "both the closing bid and the closing sale prices are needed (FMV-OTC-BASIS=bid-sale-mean)",
                )
            for day, price in other_prices.items():
                if not isinstance(price, Fraction):
                    raise InputError("other_prices", clause, f"the price for {day} must be an exact Fraction")
            used = {d: (p + other_prices[d]) / 2 for d, p in prices.items() if d in other_prices}
            basis_words = "mean of closing bid and closing sale (FMV-OTC-BASIS=bid-sale-mean)"
        case other:
            raise AssertionError(f"FMV-OTC-BASIS alternative {other!r} is registered but not computed")
    result = _average_over_window(
        terms,
        used,
        closing_date,
        trading_days,
        name="fair_market_value_per_share",
        section="§3(c)(i)(B)",
        field="prices",
        extra_interpretations=(reading("FMV-OTC-BASIS"),),
    )
    return Explained(
        name=result.name,
        value=result.value,
        clause=result.clause,
        inputs={**result.inputs, "price_basis": basis_words},
        formula=result.formula,
        interpretations=result.interpretations,
    )


@implements("F §3(c)(i)(C)", "G §3(c)(i)(C)")
def no_active_market_value(terms: SeriesTerms, *, value: Fraction, determined_on: dt.date) -> Explained:
    """Value of a security with no active public market (F/G §3(c)(i)(C)).

    ``value`` is the fair market value mutually determined by the Board and the holders of at
    least a majority of the voting power of the series; prefstack records it, it cannot
    compute it.
    """
    clause = for_series(terms.series, "§3(c)(i)(C)")
    if not isinstance(value, Fraction) or value < 0:
        raise InputError("value", clause, f"must be a non-negative exact Fraction, not {value!r}")
    return Explained(
        name="fair_market_value_per_share",
        value=value,
        clause=clause,
        inputs={"determined_on": determined_on, "determined_by": "the Board and a majority of the series"},
        formula="as mutually determined by the Board and the holders of a majority of the series",
    )


@implements("F §3(c)(ii)", "G §3(c)(ii)")
def restricted_security_value(terms: SeriesTerms, *, market_value: Explained, discount: Fraction) -> Explained:
    """Value of a security subject to investment letter or similar restrictions (F/G §3(c)(ii)).

    ``market_value`` is the value under §3(c)(i)(A), (B) or (C); ``discount`` is the
    "appropriate discount" as a fraction of it (0 <= discount < 1), mutually determined by the
    Board and a majority of the series (an input).
    """
    clause = for_series(terms.series, "§3(c)(ii)")
    if not isinstance(discount, Fraction) or not 0 <= discount < 1:
        raise InputError(
            "discount", clause, f"must be an exact Fraction from 0 up to (not including) 1, not {discount!r}"
        )
    base = market_value.value
    if not isinstance(base, Fraction):
        raise InputError("market_value", clause, f"must be an exact value, not {base!r}")
    return Explained(
        name="fair_market_value_per_share",
        value=base * (1 - discount),
        clause=clause,
        inputs={"market_value": base, "discount": discount},
        parts=(market_value,),
        formula="market_value x (1 - discount)",
    )


@implements("F §3(c)", "G §3(c)")
def board_determined_value(terms: SeriesTerms, *, value: Fraction, description: str) -> Explained:
    """Fair Market Value of property other than securities: as determined in good faith by the
    Board (F/G §3(c)); prefstack records the Board's figure."""
    clause = for_series(terms.series, "§3(c)")
    if not isinstance(value, Fraction) or value < 0:
        raise InputError("value", clause, f"must be a non-negative exact Fraction, not {value!r}")
    return Explained(
        name="fair_market_value",
        value=value,
        clause=clause,
        inputs={"property": description, "determined_by": "the Board, in good faith"},
    )
