"""Dividends: F §2 and G §2, and the Series F Schedule 1.

Series F (F §2): $70 per share per annum, cumulative, payable quarterly on the Payment
Dates; each quarter the holder elects cash, PIK Preferred Shares, Common Stock or a
combination (F §2(b)); a PIK dividend is 1.75% of the total value held including earlier
PIK shares; Common Stock is priced at the average closing price of the 25 Nasdaq trading
days ending on the last trading day before the Payment Date, and is refused unless the
F §2(c) registration condition holds.

Series G (G §2): 6% per annum on $1,000 plus all accrued and unpaid dividends, 1.5% a
quarter, paid in additional shares of Series G, accruing whether or not declared or
legally payable (G §2(b)).

Everything is exact (``Fraction``); the only roundings are the cash cent (DIV-CASH-CENTS),
whole shares of Common Stock (DIV-F-COMMON-FRACTIONS) and the display of Schedule 1.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from prefstack.calendars import (
    actual_actual_years,
    is_full_quarter,
    nasdaq_trading_days,
    payment_dates,
    quarter_around,
    thirty_360_days,
    trading_days_ending_before,
)
from prefstack.citations import for_series
from prefstack.clause_registry import implements
from prefstack.errors import AuthorizedSharesExceeded, InputError
from prefstack.explain import Explained, display
from prefstack.interpretations import reading
from prefstack.interpretations.readings import DEFAULT, chosen, pick
from prefstack.memo import per_terms
from prefstack.numeric import Rounding, exact, floor_whole, round_to, rounded_units, to_decimal_string
from prefstack.terms.schema import SeriesTerms

FORMS = ("cash", "pik", "common")


# --------------------------------------------------------------------------- rates


def _day_count(terms: SeriesTerms, start: dt.date, end: dt.date) -> tuple[int, Fraction, int | str, str]:
    """The days of a partial period, the fraction of a year they make, what they are divided by and
    the convention's name, under the reading of DIV-DAYCOUNT the question is asked under: actual
    days over the terms' basis (prefstack's reading: actual/360 for F and G), 30/360, actual/365,
    actual/actual (each year's days over that year's length), or the actual days over four times
    the actual days of the quarter the period falls in."""
    basis = terms.dividends.day_count_basis.value
    days = (end - start).days
    match chosen("DIV-DAYCOUNT"):
        case "default":
            return days, Fraction(days, basis), basis, f"actual/{basis}"
        case "thirty-360":
            counted = thirty_360_days(start, end)
            return counted, Fraction(counted, 360), 360, "30/360"
        case "actual-365":
            return days, Fraction(days, 365), 365, "actual/365"
        case "actual-actual":
            return days, actual_actual_years(start, end), "the actual days of each year", "actual/actual"
        case "quarter-days":
            first, last = quarter_around(terms, start)
            year_of_quarters = 4 * (last - first).days
            return days, Fraction(days, year_of_quarters), year_of_quarters, "actual/(4 x quarter)"
        case other:
            raise AssertionError(f"DIV-DAYCOUNT alternative {other!r} is registered but not computed")


def _within_quarter(terms: SeriesTerms, start: dt.date, end: dt.date, uncapped: Fraction) -> Fraction:
    """The rate of a partial period inside one quarter under the reading of DIV-INTRA-QUARTER-CAP:
    the day-count rate capped at the quarter's (prefstack's reading), uncapped, or the quarterly
    rate pro rata of the quarter's actual days."""
    quarterly = terms.dividends.quarterly_rate.value
    match chosen("DIV-INTRA-QUARTER-CAP"):
        case "default":
            return min(uncapped, quarterly)
        case "no-cap":
            return uncapped
        case "pro-rata-quarter":
            first, last = quarter_around(terms, start)
            return quarterly * Fraction((end - start).days, (last - first).days)
        case other:
            raise AssertionError(f"DIV-INTRA-QUARTER-CAP alternative {other!r} is registered but not computed")


@per_terms
@implements("F §2(a)", "F §2(b)", "F Sched. 1", "G §2(a)")
def dividend_rate(terms: SeriesTerms, start: dt.date, end: dt.date) -> Explained:
    """The dividend of the period ``start``-``end`` as a fraction of the value it accrues on.

    A full quarter (one Payment Date to the next) is the quarterly rate (F §2(b) 1.75%,
    G §2(a) 1.5%). A shorter period is the annual rate times actual days / 360
    (DIV-DAYCOUNT), capped at the quarterly rate for a period inside one quarter
    (DIV-INTRA-QUARTER-CAP). Memoized: every holder of a quarter shares one rate.
    """
    div = terms.dividends
    if end <= start:
        raise InputError(
            "period", div.annual_rate.cite, f"a dividend period must end after it starts ({start} to {end})"
        )
    first_period = end == div.first_payment_date.value
    first = [reading("DIV-G-FIRST-PERIOD")] if first_period else []
    if not is_full_quarter(terms, start, end) and end <= div.first_payment_date.value:
        fixed = _first_period_rate(terms, start, end)
        if fixed is not None:
            return fixed
    if is_full_quarter(terms, start, end):
        return Explained(
            name="dividend_rate",
            value=div.quarterly_rate.value,
            clause=div.quarterly_rate.cite,
            inputs={"period_start": start, "period_end": end, "full_quarter": True},
            formula="quarterly rate of a full quarter",
            interpretations=first,
        )
    days, years, basis, convention = _day_count(terms, start, end)
    uncapped = div.annual_rate.value * years
    capped = _within_quarter(terms, start, end, uncapped)
    return Explained(
        name="dividend_rate",
        value=capped,
        clause=div.day_count_basis.cite,
        inputs={
            "period_start": start,
            "period_end": end,
            "days": days,
            "day_count_basis": basis,
            **({} if chosen("DIV-DAYCOUNT") == DEFAULT else {"day count (DIV-DAYCOUNT)": convention}),
            "annual_rate": div.annual_rate.value,
            "quarterly_rate_cap": div.quarterly_rate.value,
        },
        formula="min(annual_rate x days / day_count_basis, quarterly_rate)",
        interpretations=[reading("DIV-DAYCOUNT"), reading("DIV-INTRA-QUARTER-CAP"), *first],
    )


@implements("G §2(a)")
def _first_period_rate(terms: SeriesTerms, start: dt.date, end: dt.date) -> Explained | None:
    """The rate of a period inside a first period shorter than a quarter (ending on or before the
    first Payment Date) where an alternative of DIV-G-FIRST-PERIOD fixes it, else None (the day
    count, prefstack's reading). A series whose certificate has its own schedule of the first period
    (F Sched. 1: a 44-day stub at actual/360) keeps it. ``full-quarter``: the first Payment Date pays
    the quarterly rate whatever the issue date (an accrual before it stays the day count);
    ``none``: nothing accrues or is paid until the first full quarter."""
    if terms.schedule_assumption is not None:
        return None
    div = terms.dividends
    match chosen("DIV-G-FIRST-PERIOD"):
        case "default":
            return None
        case "full-quarter":
            if end != div.first_payment_date.value:
                return None
            value, formula = div.quarterly_rate.value, "quarterly rate, whatever the issue date (DIV-G-FIRST-PERIOD)"
        case "none":
            value, formula = Fraction(0), "nothing before the first full quarter (DIV-G-FIRST-PERIOD=none)"
        case other:
            raise AssertionError(f"DIV-G-FIRST-PERIOD alternative {other!r} is registered but not computed")
    return Explained(
        name="dividend_rate",
        value=value,
        clause=div.first_payment_date.cite,
        inputs={"period_start": start, "period_end": end, "first_payment_date": div.first_payment_date.value},
        formula=formula,
        interpretations=[reading("DIV-G-FIRST-PERIOD")],
    )


@implements("F §2(a)", "G §2(a)")
def accrual_base_value(terms: SeriesTerms, shares: Fraction, arrears: Fraction) -> Fraction:
    """The value of :func:`accrual_base` (shared with :mod:`prefstack.kernels.dividends`)."""
    base = shares * terms.original_issue_price.value
    return base + arrears if terms.dividends.compounds_arrears.value else base


@implements("F §2(a)", "G §2(a)")
def accrual_base(terms: SeriesTerms, shares: Fraction, arrears: Fraction) -> Explained:
    """The value on which dividends accrue: shares x Original Issue Price, plus for Series G
    the accrued and unpaid dividends (G §2(a)); F arrears do not bear dividends (F §2(a))."""
    price = terms.original_issue_price.value
    compounds = terms.dividends.compounds_arrears.value
    return Explained(
        name="accrual_base",
        value=accrual_base_value(terms, shares, arrears),
        clause=terms.dividends.compounds_arrears.cite,
        inputs={
            "shares": shares,
            "original_issue_price": price,
            "accrued_unpaid": arrears,
            "arrears_bear_dividends": compounds,
        },
        formula="shares x original_issue_price" + (" + accrued_unpaid" if compounds else ""),
    )


@implements("F §2(a)", "G §2(a)")
def period_dividend(
    terms: SeriesTerms, shares: Fraction, start: dt.date, end: dt.date, arrears: Fraction = Fraction(0)
) -> Explained:
    """The dividend (in dollars) accruing on ``shares`` over ``start``-``end``."""
    _non_negative(shares, "shares", terms.dividends.annual_rate.cite)
    _non_negative(arrears, "accrued_unpaid", terms.dividends.annual_rate.cite)
    rate = dividend_rate(terms, start, end)
    base = accrual_base(terms, shares, arrears)
    assert isinstance(rate.value, Fraction) and isinstance(base.value, Fraction)
    return Explained(
        name="dividend",
        value=base.value * rate.value,
        clause=terms.dividends.annual_rate.cite,
        formula="accrual_base x dividend_rate",
        parts=[base, rate],
    )


# --------------------------------------------------------------------------- forms of payment


@dataclass(frozen=True)
class Election:
    """The holder's election of the form of a quarterly dividend (F §2(b), noticed under F §2(e)).

    Portions of the dividend paid in each form; they are exact and sum to one.
    """

    cash: Fraction
    pik: Fraction
    common: Fraction

    @classmethod
    def only(cls, form: str) -> Election:
        """The whole dividend in one form (one shared, frozen value per form)."""
        return _single_form(form)

    @classmethod
    def of(cls, cash: Fraction, pik: Fraction, common: Fraction) -> Election:
        """The election of these portions; the whole dividend in one form is that form's shared
        value (:meth:`only`), which :meth:`check` recognises at once."""
        if cash == 1 and not pik and not common:
            return _single_form("cash")
        if pik == 1 and not cash and not common:
            return _single_form("pik")
        if common == 1 and not cash and not pik:
            return _single_form("common")
        return cls(cash, pik, common)

    @classmethod
    def parse(cls, data: Mapping[str, object], terms: SeriesTerms) -> Election:
        """Parse ``{"cash": "0.5", "pik": "0.5"}`` (missing forms are zero) and check it."""
        clause = terms.dividends.forms.cite
        unknown = set(data) - set(FORMS)
        if unknown:
            raise InputError("election", clause, f"unknown forms {sorted(unknown)}; the forms are {', '.join(FORMS)}")
        portions = {f: exact(data.get(f, "0"), field=f"election.{f}", clause=clause) for f in FORMS}
        election = cls(**portions)
        election.check(terms)
        return election

    def check(self, terms: SeriesTerms) -> None:
        """Refuse portions outside 0..1, a form the series does not pay, or portions that do not
        add up to one."""
        _check_election(terms, self)

    def to_dict(self) -> dict[str, str]:
        return {f: to_decimal_string(getattr(self, f)) for f in FORMS}


@functools.cache
def _single_form(form: str) -> Election:
    if form not in FORMS:
        raise InputError("election", "F §2(b)", f"unknown form {form!r}; the forms are {', '.join(FORMS)}")
    return Election(**{f: Fraction(1 if f == form else 0) for f in FORMS})


def _check_election(terms: SeriesTerms, election: Election) -> None:
    """:meth:`Election.check`."""
    offered = terms.dividends.forms.value
    for form in FORMS:
        if election is _single_form(form):  # the whole dividend in one form: only the form is in question
            if form in offered:
                return
            break
    clause = terms.dividends.forms.cite
    for form in FORMS:
        portion = getattr(election, form)
        if portion < 0 or portion > 1:
            raise InputError(f"election.{form}", clause, f"a portion must be between 0 and 1, not {portion}")
        if portion and form not in terms.dividends.forms.value:
            raise InputError(
                f"election.{form}", clause, f"Series {terms.series} dividends cannot be paid in {form}"
            )
    total = election.cash + election.pik + election.common
    if total != 1:
        raise InputError("election", clause, f"the portions must add up to 1, not {to_decimal_string(total)}")


@implements("F §2(b)", "G §2(a)")
def pik_shares(terms: SeriesTerms, dividend_value: Fraction, carried: Fraction = Fraction(0)) -> Explained:
    """PIK Preferred Shares paying ``dividend_value``: the value over the Original Issue Price
    (F §2(b): 1.75% of the total value held; G §2(a): additional shares). Exact and
    possibly fractional (DIV-FRACTIONAL-PIK). ``carried``: the fraction of a share carried from the
    holder's earlier quarters (only under DIV-FRACTIONAL-PIK=whole-carry)."""
    price = terms.original_issue_price.value
    clause = terms.dividends.forms.cite
    rounding = pick(
        "DIV-FRACTIONAL-PIK",
        {
            "default": "",
            "round-cents": ", rounded half-up to two decimals (DIV-FRACTIONAL-PIK=round-cents)",
            "whole-cash": ", whole shares (rounded down), the fraction paid in cash (DIV-FRACTIONAL-PIK=whole-cash)",
            "whole-carry": " + carried_fraction, whole shares (rounded down), the fraction carried to the next "
            "quarter (DIV-FRACTIONAL-PIK=whole-carry)",
        },
    )
    return Explained(
        name="pik_shares",
        value=pik_shares_value(terms, dividend_value, carried),
        clause=clause,
        inputs={
            "dividend_value": dividend_value,
            "original_issue_price": price,
            **({"carried_fraction": carried} if carried else {}),
        },
        formula="dividend_value / original_issue_price" + rounding,
        interpretations=[reading("DIV-FRACTIONAL-PIK")],
    )


@implements("F §2(b)", "G §2(a)")
def pik_shares_value(terms: SeriesTerms, dividend_value: Fraction, carried: Fraction = Fraction(0)) -> Fraction:
    """The value of :func:`pik_shares` (shared with the kernels): exact (prefstack's reading of
    DIV-FRACTIONAL-PIK), rounded half-up to two decimals under its alternative ``round-cents``,
    rounded down to whole shares under ``whole-cash`` (:func:`pik_fraction_cash` pays the rest), or
    under ``whole-carry`` the whole shares of the value plus the fraction ``carried`` from earlier
    quarters (:func:`pik_fraction_carried` is the fraction carried on)."""
    shares = dividend_value / terms.original_issue_price.value
    match chosen("DIV-FRACTIONAL-PIK"):
        case "default":
            return shares
        case "round-cents":
            units, _ = rounded_units(shares, 2, Rounding.HALF_UP)
            return Fraction(units, 100)
        case "whole-cash":
            return Fraction(math.floor(shares))
        case "whole-carry":
            return Fraction(math.floor(shares + carried))
        case other:
            raise AssertionError(f"DIV-FRACTIONAL-PIK alternative {other!r} is registered but not computed")


@implements("F §2(b)", "G §2(a)")
def pik_fraction_carried(terms: SeriesTerms, dividend_value: Fraction, carried: Fraction) -> Fraction:
    """The fraction of a PIK share carried to the holder's next quarter after a PIK issue paying
    ``dividend_value`` with ``carried`` carried in: under DIV-FRACTIONAL-PIK=whole-carry the exact
    shares plus ``carried`` less the whole shares issued; none under the other readings."""
    match chosen("DIV-FRACTIONAL-PIK"):
        case "default" | "round-cents" | "whole-cash":
            return Fraction(0)
        case "whole-carry":
            return dividend_value / terms.original_issue_price.value + carried - pik_shares_value(
                terms, dividend_value, carried
            )
        case other:
            raise AssertionError(f"DIV-FRACTIONAL-PIK alternative {other!r} is registered but not computed")


@implements("F §2(b)", "G §2(a)")
def pik_fraction_cash(terms: SeriesTerms, dividend_value: Fraction) -> Explained | None:
    """Cash paid for the fraction of a PIK share that :func:`pik_shares` does not issue: none under
    prefstack's reading of DIV-FRACTIONAL-PIK, ``round-cents`` and ``whole-carry`` (the PIK shares pay
    the whole dividend, round it, or carry the fraction); under ``whole-cash`` the fraction of a share
    times the Original Issue Price, rounded half-up to the cent, once per holder (as DIV-CASH-CENTS)."""
    match chosen("DIV-FRACTIONAL-PIK"):
        case "default" | "round-cents" | "whole-carry":
            return None
        case "whole-cash":
            price = terms.original_issue_price.value
            clause = terms.dividends.forms.cite
            exact_shares = dividend_value / price
            fraction = exact_shares - math.floor(exact_shares)
            return Explained(
                name="cash_for_pik_fraction",
                value=Fraction(round_to(fraction * price, 2, Rounding.HALF_UP, clause).value),
                clause=clause,
                inputs={"exact_pik_shares": exact_shares, "fraction": fraction, "original_issue_price": price},
                formula="fraction x original_issue_price, half-up to the cent (DIV-FRACTIONAL-PIK=whole-cash)",
                interpretations=[reading("DIV-FRACTIONAL-PIK")],
            )
        case other:
            raise AssertionError(f"DIV-FRACTIONAL-PIK alternative {other!r} is registered but not computed")


@implements("F §2(b)")
def cash_payment(terms: SeriesTerms, dividend_value: Fraction, *, shares: Fraction | None = None) -> Explained:
    """Cash paid for ``dividend_value``: rounded half-up to the cent once per holder
    (DIV-CASH-CENTS). Under its alternative ``per-share`` the amount per share (``dividend_value``
    over the ``shares`` it is paid on) is rounded half-up to the cent and multiplied by the shares;
    where the shares are fractional (PIK shares) that product is rounded half-up to the cent again."""
    clause = for_series(terms.series, "§2(b)")
    mode, words = pick(
        "DIV-CASH-CENTS",
        {
            "default": (Rounding.HALF_UP, "half-up to the cent"),
            "round-down": (Rounding.DOWN, "down to the cent (DIV-CASH-CENTS=round-down)"),
            "per-share": (Rounding.HALF_UP, "half-up to the cent per share, then the total (DIV-CASH-CENTS=per-share)"),
        },
    )
    if chosen("DIV-CASH-CENTS") == "per-share":
        if shares is None or shares <= 0:
            raise InputError("shares", clause, "the shares paid on are needed to round per share (DIV-CASH-CENTS)")
        per_share = Fraction(round_to(dividend_value / shares, 2, mode, clause).value)
        return Explained(
            name="cash",
            value=Fraction(round_to(per_share * shares, 2, mode, clause).value),
            clause=clause,
            inputs={"dividend_value": dividend_value, "shares": shares, "per_share": per_share, "rounding": words},
            formula="(dividend_value / shares, to the cent) x shares, to the cent",
            interpretations=[reading("DIV-CASH-CENTS")],
        )
    rounded = round_to(dividend_value, 2, mode, clause)
    return Explained(
        name="cash",
        value=Fraction(rounded.value),
        clause=clause,
        inputs={"dividend_value": dividend_value, "rounding": words},
        interpretations=[reading("DIV-CASH-CENTS")],
    )


@implements("F §2(b)")
def common_stock_price(
    terms: SeriesTerms,
    payment_date: dt.date,
    closing_prices: Mapping[dt.date, Fraction],
    *,
    paid_on: dt.date | None = None,
) -> Explained:
    """Average closing price of the Common Stock over the 25 Nasdaq trading days ending on the
    last trading day before the Payment Date (F §2(b); DIV-F-COMMON-PRICE-WINDOW). ``paid_on``: the
    day the dividend was actually paid, when later than the Payment Date (None: paid on it); read
    only under DIV-F-COMMON-PRICE-WINDOW=paid-late, whose window ends on the last trading day
    before it."""
    div = terms.dividends
    if div.common_price_trading_days is None:
        raise InputError("form", div.forms.cite, f"Series {terms.series} dividends are not paid in Common Stock")
    count = div.common_price_trading_days.value
    clause = div.common_price_trading_days.cite
    if paid_on is not None and paid_on < payment_date:
        raise InputError("paid_on", clause, f"paid_on {paid_on} is before the Payment Date {payment_date}")
    late: dict[str, dt.date] = {}
    match chosen("DIV-F-COMMON-PRICE-WINDOW"):
        case "default":
            window = trading_days_ending_before(payment_date, count)
        case "paid-late":  # before the day actually paid; a dividend without paid_on was paid on the Payment Date
            paid = payment_date if paid_on is None else paid_on
            window = trading_days_ending_before(paid, count)
            late = {"paid_on": paid}
        case "calendar-days":  # the trading days among the calendar days: only they have closing prices
            window = nasdaq_trading_days(payment_date - dt.timedelta(days=count), payment_date - dt.timedelta(days=1))
            if not window:
                raise InputError(
                    "payment_date", clause, f"no trading day in the {count} calendar days before {payment_date}"
                )
        case other:
            raise AssertionError(f"DIV-F-COMMON-PRICE-WINDOW alternative {other!r} is registered but not computed")
    missing = [d for d in window if d not in closing_prices]
    if missing:
        listed = ", ".join(d.isoformat() for d in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise InputError(
            "closing_prices", clause, f"no closing price for {len(missing)} trading day(s) in the window: {listed}"
        )
    total = sum((closing_prices[d] for d in window), Fraction(0))
    return Explained(
        name="average_closing_price",
        value=total / len(window),
        clause=clause,
        inputs={
            "payment_date": payment_date,
            **late,
            "trading_days": len(window),
            "first_trading_day": window[0],
            "last_trading_day": window[-1],
            "sum_of_closing_prices": total,
        },
        formula="sum of closing prices / trading days",
        interpretations=[reading("DIV-F-COMMON-PRICE-WINDOW")],
    )


@implements("F §2(b)")
def common_stock_dividend(
    terms: SeriesTerms, dividend_value: Fraction, price: Explained
) -> tuple[Explained, Explained]:
    """Whole shares of Common Stock for ``dividend_value`` at ``price``, and cash for the
    fraction (DIV-F-COMMON-FRACTIONS)."""
    assert isinstance(price.value, Fraction)
    clause = for_series(terms.series, "§2(b)")
    match chosen("DIV-F-COMMON-FRACTIONS"):
        case "default":
            average, priced = price.value, "average_closing_price"
        case "price-cents":
            average = Fraction(round_to(price.value, 2, Rounding.HALF_UP, clause).value)
            priced = "average_closing_price to the cent (DIV-F-COMMON-FRACTIONS=price-cents)"
        case "nearest" | "fractional":
            average, priced = price.value, "average_closing_price"
        case other:
            raise AssertionError(f"DIV-F-COMMON-FRACTIONS alternative {other!r} is registered but not computed")
    quantity = dividend_value / average
    floored, fraction = floor_whole(quantity)
    whole: int | Fraction = floored
    counted = f"floor(dividend_value / {priced})"
    if chosen("DIV-F-COMMON-FRACTIONS") == "nearest":  # half a share up, and no cash for a fraction
        whole, fraction = math.floor(quantity + Fraction(1, 2)), Fraction(0)
        counted = "dividend_value / average_closing_price to the nearest whole share (DIV-F-COMMON-FRACTIONS=nearest)"
    if chosen("DIV-F-COMMON-FRACTIONS") == "fractional":  # the exact shares, a fraction of one included
        whole, fraction = quantity, Fraction(0)
        counted = "dividend_value / average_closing_price, exact (DIV-F-COMMON-FRACTIONS=fractional)"
    shares = Explained(
        name="common_shares",
        value=whole,
        clause=clause,
        inputs={"dividend_value": dividend_value, "exact_shares": quantity},
        formula=counted,
        parts=[price],
        interpretations=[reading("DIV-F-COMMON-FRACTIONS")],
    )
    cash = Explained(
        name="cash_for_fraction",
        value=Fraction(round_to(fraction * average, 2, Rounding.HALF_UP, clause).value),
        clause=clause,
        inputs={"fraction_of_share": fraction, "average_closing_price": average},
        formula="fraction x average_closing_price, half-up to the cent",
        interpretations=[reading("DIV-F-COMMON-FRACTIONS")],
    )
    return shares, cash


@dataclass(frozen=True)
class DividendPayment:
    """What one holder receives for one Payment Date."""

    series: str
    payment_date: dt.date
    dividend: Explained
    election: Election
    pik_shares: Explained | None
    cash: Explained | None
    common_shares: Explained | None
    cash_for_fraction: Explained | None

    def figures(self) -> list[Explained]:
        return [f for f in (self.pik_shares, self.cash, self.common_shares, self.cash_for_fraction) if f is not None]

    def to_dict(self) -> dict[str, object]:
        return {
            "series": self.series,
            "payment_date": self.payment_date.isoformat(),
            "dividend_value": to_decimal_string(_fr(self.dividend)),
            "election": self.election.to_dict(),
            "pik_shares": to_decimal_string(_fr(self.pik_shares)) if self.pik_shares else "0",
            "cash": to_decimal_string(_fr(self.cash)) if self.cash else "0",
            "common_shares": to_decimal_string(_fr(self.common_shares)) if self.common_shares else "0",
            "cash_for_fraction": to_decimal_string(_fr(self.cash_for_fraction)) if self.cash_for_fraction else "0",
            "explain": [self.dividend.to_dict(), *[f.to_dict() for f in self.figures()]],
        }


@implements("F §2(b)", "F §2(c)", "G §2(a)")
def pay_dividend(
    terms: SeriesTerms,
    *,
    dividend: Explained,
    payment_date: dt.date,
    election: Election,
    closing_prices: Mapping[dt.date, Fraction] | None = None,
    registration_effective: bool | None = None,
    shares: Fraction | None = None,
    pik_carried: Fraction = Fraction(0),
    paid_on: dt.date | None = None,
) -> DividendPayment:
    """Split a holder's dividend into the forms elected (F §2(b)) and compute each part.

    A Common Stock portion needs the closing prices and the F §2(c) registration condition:
    unless every share of Common Stock previously issued as a dividend is covered by an
    effective resale registration statement, the Common Stock portion is refused. ``shares`` are
    the shares the dividend is on (needed only to round cash per share, DIV-CASH-CENTS=per-share);
    ``pik_carried`` the fraction of a PIK share carried in (DIV-FRACTIONAL-PIK=whole-carry);
    ``paid_on`` the day a dividend paid late was actually paid (DIV-F-COMMON-PRICE-WINDOW=paid-late).
    """
    election.check(terms)
    value = _fr(dividend)
    pik = pik_shares(terms, portion_of(value, election.pik), pik_carried) if election.pik else None
    pik_cash = pik_fraction_cash(terms, portion_of(value, election.pik)) if election.pik else None
    cash = cash_payment(terms, portion_of(value, election.cash), shares=shares) if election.cash else None
    common = fraction_cash = None
    if election.common:
        clause = for_series(terms.series, "§2(c)")
        if registration_effective is None:
            raise InputError("registration_effective", clause, "required when any part is paid in Common Stock")
        if not registration_effective:
            raise InputError(
                "election.common",
                clause,
                "no dividend may be paid in Common Stock this quarter: Common Stock previously issued as dividends "
                "is not all covered by an effective resale registration statement",
            )
        if closing_prices is None:
            raise InputError("closing_prices", for_series(terms.series, "§2(b)"), "required to price Common Stock")
        price = common_stock_price(terms, payment_date, closing_prices, paid_on=paid_on)
        common, fraction_cash = common_stock_dividend(terms, portion_of(value, election.common), price)
    if pik_cash is not None and fraction_cash is not None:
        fraction_cash = Explained(
            name="cash_for_fraction",
            value=_fr(fraction_cash) + _fr(pik_cash),
            clause=fraction_cash.clause,
            formula="cash for the fraction of Common Stock + cash for the fraction of a PIK share",
            parts=[fraction_cash, pik_cash],
        )
    elif pik_cash is not None:
        fraction_cash = pik_cash
    return DividendPayment(terms.series, payment_date, dividend, election, pik, cash, common, fraction_cash)


# --------------------------------------------------------------------------- authorized shares


@implements("F §2(d)", "G §2(a)")
def arrears_in_shares_clause(terms: SeriesTerms) -> str | None:
    """The clause under which the series' accrued dividends, when declared, are paid in shares of
    the series (F §2(d): "in the form of PIK Preferred Shares"; G §2(a)): its default form's where
    that is PIK, else its forms'; None where its dividends are never paid in shares (Series H)."""
    dividends = terms.dividends
    if "pik" not in dividends.forms.value:
        return None
    return dividends.default_form.cite if dividends.default_form.value == "pik" else dividends.forms.cite


@implements("F §1(a)", "G §1(a)")
def check_authorized(
    terms: SeriesTerms, issued_to_date: Fraction, new_shares: Fraction, outstanding: Fraction | None = None
) -> None:
    """Refuse an issue of shares of the series beyond its authorized number (F §1(a), G §1(a)).

    ``issued_to_date`` counts every share ever issued, converted and redeemed shares included,
    since those are retired and may not be reissued (F §5(c)(iv); DIV-AUTHORIZED-COUNT). Under its
    alternative ``outstanding`` the shares ``outstanding`` before the issue are counted instead.
    """
    match chosen(reading("DIV-AUTHORIZED-COUNT")):
        case "default":
            counted = issued_to_date
        case "outstanding":
            if outstanding is None:
                needed = "the shares outstanding are needed (DIV-AUTHORIZED-COUNT)"
                raise InputError("outstanding", terms.authorized_shares.cite, needed)
            counted = outstanding
        case other:
            raise AssertionError(f"DIV-AUTHORIZED-COUNT alternative {other!r} is registered but not computed")
    authorized = terms.authorized_shares.value
    would_be = counted + new_shares
    if would_be > authorized:
        authorized = _authorized_by_the_schedule(terms)
    if would_be > authorized:
        raise AuthorizedSharesExceeded(
            terms.series,
            terms.authorized_shares.cite,
            to_decimal_string(authorized),
            to_decimal_string(would_be),
            to_decimal_string(would_be - authorized),
        )


# --------------------------------------------------------------------------- accrued but unpaid


@implements("F §3(a)", "G §2(b)", "G §3(a)")
def accrues_between(accrual_start: dt.date, as_of: dt.date) -> bool:
    """Whether a dividend has accrued since ``accrual_start`` by ``as_of`` (:func:`accrued_unpaid`:
    arrears alone on the day accrual starts and before it; shared with the kernels). Under
    DIV-ACCRUED-UNPAID=payment-dates-only nothing accrues between Payment Dates: arrears alone."""
    match chosen("DIV-ACCRUED-UNPAID"):
        case "default" | "actual-365":
            return as_of > accrual_start
        case "payment-dates-only":
            return False
        case other:
            raise AssertionError(f"DIV-ACCRUED-UNPAID alternative {other!r} is registered but not computed")


@implements("F §3(a)", "G §2(b)", "G §3(a)")
def accrual_value(
    terms: SeriesTerms, shares: Fraction, accrual_start: dt.date, as_of: dt.date, arrears: Fraction
) -> Fraction:
    """The dividend accrued from ``accrual_start`` to ``as_of`` (shared with the kernels): the
    period's dividend (:func:`period_dividend`, prefstack's reading of DIV-ACCRUED-UNPAID), or under
    its alternative ``actual-365`` the accrual base x the annual rate x actual days / 365, day by day
    and uncapped (a Payment Date's dividend itself is unchanged, DIV-DAYCOUNT)."""
    base = accrual_base_value(terms, shares, arrears)
    match chosen("DIV-ACCRUED-UNPAID"):
        case "default" | "payment-dates-only":
            rate = dividend_rate(terms, accrual_start, as_of).value
            assert isinstance(rate, Fraction)
            return base * rate
        case "actual-365":
            return base * (terms.dividends.annual_rate.value * Fraction((as_of - accrual_start).days, 365))
        case other:
            raise AssertionError(f"DIV-ACCRUED-UNPAID alternative {other!r} is registered but not computed")


@implements("F §3(a)", "G §2(b)", "G §3(a)")
def accrued_unpaid(
    terms: SeriesTerms, shares: Fraction, accrual_start: dt.date, as_of: dt.date, arrears: Fraction
) -> Explained:
    """Accrued but unpaid dividends on ``shares`` at ``as_of`` (DIV-ACCRUED-UNPAID).

    ``arrears`` are the dividends of past Payment Dates that were not paid; to them is added
    the dividend accrued since ``accrual_start`` (the last Payment Date, or the issue date).
    """
    clause = for_series(terms.series, "§3(a)")
    parts: list[Explained] = [
        Explained(
            "arrears",
            arrears,
            terms.dividends.accrues_without_funds.cite,
            formula="dividends of past Payment Dates not paid (they accrue whether or not funds are legally available)",
        )
    ]
    current = Fraction(0)
    if accrues_between(accrual_start, as_of):
        if chosen("DIV-ACCRUED-UNPAID") == "actual-365":
            period = Explained(
                name="dividend",
                value=accrual_value(terms, shares, accrual_start, as_of, arrears),
                clause=terms.dividends.annual_rate.cite,
                inputs={"days": (as_of - accrual_start).days, "annual_rate": terms.dividends.annual_rate.value},
                formula="accrual_base x annual_rate x days / 365 (DIV-ACCRUED-UNPAID=actual-365)",
                parts=[accrual_base(terms, shares, arrears)],
            )
        else:
            period = period_dividend(terms, shares, accrual_start, as_of, arrears)
        current = _fr(period)
        parts.append(period)
    return Explained(
        name="accrued_unpaid_dividends",
        value=arrears + current,
        clause=clause,
        inputs={"shares": shares, "accrual_start": accrual_start, "as_of": as_of},
        formula="arrears + dividend accrued since accrual_start",
        parts=parts,
        interpretations=[reading("DIV-ACCRUED-UNPAID")],
    )


# --------------------------------------------------------------------------- Schedule 1


SCHEDULE_DISPLAY_CLAUSE = "F Sched. 1"
"""Every schedule is displayed in the form of F Sched. 1 (places and half-up rounding)."""


@implements("F Sched. 1", "G §2(a)")
def schedule_clause(terms: SeriesTerms) -> str:
    """The clause a PIK schedule of the series rests on: the certificate's own schedule where it has
    one (F Sched. 1), else the clause of its quarterly rate (G §2(a))."""
    schedule = terms.schedule_assumption
    return schedule.closing_date.cite if schedule is not None else terms.dividends.quarterly_rate.cite


@dataclass(frozen=True)
class ScheduleRow:
    """One row of a PIK schedule in the form of F Sched. 1."""

    date: dt.date
    incremental_shares: Explained
    total_shares: Explained
    conversion_ratio: Explained
    equivalent_common: Explained

    def rounded(self) -> dict[str, str]:
        """The row as F Sched. 1 prints it: half-up to 2, 2, 5 and 2 places."""
        clause = SCHEDULE_DISPLAY_CLAUSE
        return {
            "date": self.date.isoformat(),
            "incremental_shares": str(round_to(_fr(self.incremental_shares), 2, Rounding.HALF_UP, clause).value),
            "total_shares": str(round_to(_fr(self.total_shares), 2, Rounding.HALF_UP, clause).value),
            "conversion_ratio": str(round_to(_fr(self.conversion_ratio), 5, Rounding.HALF_UP, clause).value),
            "equivalent_common": str(round_to(_fr(self.equivalent_common), 2, Rounding.HALF_UP, clause).value),
        }

    def explain(self) -> Explained:
        return Explained(
            name=f"schedule row {self.date.isoformat()}",
            value=self.date,
            clause=self.total_shares.clause,
            parts=[self.incremental_shares, self.total_shares, self.conversion_ratio, self.equivalent_common],
        )


@dataclass(frozen=True)
class Schedule:
    series: str
    rows: tuple[ScheduleRow, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class CashScheduleRow:
    """One Payment Date of a cash dividend schedule: the period, the dividend on the shares held
    and the cash paid (half-up to the cent once, DIV-CASH-CENTS), and the cash paid so far."""

    date: dt.date
    period_start: dt.date
    dividend: Explained
    cash: Explained
    cash_to_date: Fraction

    def record(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat(),
            "period_start": self.period_start.isoformat(),
            "dividend": to_decimal_string(_fr(self.dividend)),
            "cash": str(round_to(_fr(self.cash), 2, Rounding.HALF_UP, self.cash.clause).value),
            "cash_to_date": str(round_to(self.cash_to_date, 2, Rounding.HALF_UP, self.cash.clause).value),
        }


@implements("F §2(a)", "F §2(b)")
def cash_schedule(
    terms: SeriesTerms, *, issue_date: dt.date, shares: Fraction, through: dt.date
) -> tuple[CashScheduleRow, ...]:
    """The dividends of a series paying in cash, Payment Date by Payment Date, on ``shares`` issued
    on ``issue_date``, each paid when due (so none accrues unpaid), with a last stub period to
    ``through`` when it is not a Payment Date: the cash counterpart of :func:`pik_schedule`."""
    if "cash" not in terms.dividends.forms.value:
        raise InputError(
            "series", terms.dividends.forms.cite, f"Series {terms.series} pays no dividend in cash: no cash schedule"
        )
    if shares <= 0:
        raise InputError("shares", terms.authorized_shares.cite, f"must be positive, not {to_decimal_string(shares)}")
    if through <= issue_date:
        raise InputError("through", terms.dividends.first_payment_date.cite, f"{through} is not after the issue date")
    ends = list(payment_dates(terms, issue_date, through))
    if not ends or ends[-1] != through:
        ends.append(through)
    rows = []
    paid = Fraction(0)
    start = issue_date
    for end in ends:
        dividend = period_dividend(terms, shares, start, end)
        cash = cash_payment(terms, _fr(dividend), shares=shares)
        paid += _fr(cash)
        rows.append(CashScheduleRow(end, start, dividend, cash, paid))
        start = end
    return tuple(rows)


@implements("F Sched. 1", "G §2(a)")
def pik_schedule(
    terms: SeriesTerms,
    *,
    issue_date: dt.date,
    shares: Fraction,
    through: dt.date,
    conversion_price: Fraction | None = None,
) -> Schedule:
    """The projection of F Sched. 1 for any series, issue date, holding and horizon: every
    dividend paid in PIK shares, compounded exactly, with a last stub period to ``through``
    when it is not a Payment Date (as the Schedule's 8/2/2005 row is)."""
    clause_ratio = for_series(terms.series, "§5(a)")
    forms = terms.dividends.forms
    if "pik" not in forms.value:
        raise InputError(
            "series",
            forms.cite,
            f"Series {terms.series} pays its dividends in {' or '.join(forms.value)} only: it has no PIK schedule",
        )
    if shares <= 0:
        raise InputError("shares", terms.authorized_shares.cite, f"must be positive, not {to_decimal_string(shares)}")
    if through < issue_date:
        raise InputError("through", terms.dividends.first_payment_date.cite, f"{through} is before the issue date")
    price = conversion_price if conversion_price is not None else terms.conversion.initial_conversion_price.value
    if price <= 0:
        raise InputError("conversion_price", clause_ratio, "must be positive")
    ratio = Explained(
        name="conversion_ratio",
        value=terms.original_issue_price.value / price,
        clause=clause_ratio,
        inputs={"original_issue_price": terms.original_issue_price.value, "conversion_price": price},
        formula="original_issue_price / conversion_price",
    )
    ends = list(payment_dates(terms, issue_date, through))
    if (not ends or ends[-1] != through) and through > issue_date:
        ends.append(through)
    clause = schedule_clause(terms)
    rows = [_row(issue_date, Fraction(0), shares, shares, ratio, clause)]
    total = shares
    start = issue_date
    warnings = []
    authorized = terms.authorized_shares.value
    carried = Fraction(0)
    for end in ends:
        dividend = period_dividend(terms, total, start, end)
        pik = pik_shares(terms, _fr(dividend), carried)
        carried = pik_fraction_carried(terms, _fr(dividend), carried)
        issued, formula = _fr(pik), "shares_held x dividend_rate (PIK)"
        if total + issued > authorized and chosen("DIV-F-SCHEDULE-AUTHORIZED") == "cap-with-cash":
            issued, formula = max(authorized - total, Fraction(0)), f"{formula}, capped at the authorized shares"
            cash = round_to((_fr(pik) - issued) * terms.original_issue_price.value, 2, Rounding.HALF_UP, clause)
            warnings.append(
                f"the PIK issue of {end.isoformat()} is capped at {display(issued)} shares, the "
                f"{display(authorized)} shares authorized by {terms.authorized_shares.cite}; the rest, "
                f"{display(_fr(pik) - issued)} shares, is paid in cash: ${cash.value} (DIV-F-SCHEDULE-AUTHORIZED)"
            )
        incremental = Explained(
            name="incremental_shares",
            value=issued,
            clause=pik.clause,
            inputs={"shares_held": total},
            formula=formula,
            parts=[dividend, pik],
        )
        previous = total
        total = total + issued
        rows.append(_row(end, incremental, previous, total, ratio, clause))
        start = end
    if total > authorized and total > _authorized_by_the_schedule(terms):
        warnings.append(
            f"the schedule's total of {display(total)} shares exceeds the {display(authorized)} "
            f"shares authorized by {terms.authorized_shares.cite} by {display(total - authorized)} "
            f"(interpretation {reading('DIV-F-SCHEDULE-AUTHORIZED')}); an actual PIK issue this large is refused"
        )
    return Schedule(terms.series, tuple(rows), tuple(warnings))


@implements("F §1(a)", "F Sched. 1")
def _authorized_by_the_schedule(terms: SeriesTerms) -> Fraction:
    """The shares of the series an issue may reach (asked only of an issue beyond its authorized
    number): the authorized number (prefstack's reading of DIV-F-SCHEDULE-AUTHORIZED, and ``cap-with-cash``);
    under ``schedule-authorizes``, where the certificate has its own schedule (F Sched. 1), that
    schedule's total as printed (half-up to two decimals: 56,617.20) where it is larger."""
    authorized = terms.authorized_shares.value
    match chosen("DIV-F-SCHEDULE-AUTHORIZED"):
        case "default" | "cap-with-cash":
            return authorized
        case "schedule-authorizes":
            schedule = terms.schedule_assumption
            if schedule is None:
                return authorized
            total, start = schedule.shares.value, schedule.closing_date.value
            ends = list(payment_dates(terms, start, schedule.through.value))
            if not ends or ends[-1] != schedule.through.value:
                ends.append(schedule.through.value)
            carried = Fraction(0)
            for end in ends:
                value = _fr(period_dividend(terms, total, start, end))
                total, carried = (
                    total + pik_shares_value(terms, value, carried),
                    pik_fraction_carried(terms, value, carried),
                )
                start = end
            printed = Fraction(round_to(total, 2, Rounding.HALF_UP, SCHEDULE_DISPLAY_CLAUSE).value)
            return max(authorized, printed)
        case other:
            raise AssertionError(f"DIV-F-SCHEDULE-AUTHORIZED alternative {other!r} is registered but not computed")


def _row(
    day: dt.date, incremental: Explained | Fraction, previous: Fraction, total: Fraction, ratio: Explained, clause: str
) -> ScheduleRow:
    if isinstance(incremental, Fraction):
        incremental = Explained("incremental_shares", incremental, clause, formula="none on the issue date")
        total_x = Explained("total_shares", total, clause, inputs={"shares_issued": total})
    else:
        total_x = Explained(
            "total_shares",
            total,
            clause,
            inputs={"previous_total": previous},
            formula="previous_total + incremental_shares",
        )
    equivalent = Explained(
        name="equivalent_common",
        value=total * _fr(ratio),
        clause=ratio.clause,
        formula="total_shares x conversion_ratio",
        parts=[ratio],
    )
    return ScheduleRow(day, incremental, total_x, ratio, equivalent)


# --------------------------------------------------------------------------- helpers


def _fr(explained: Explained | None) -> Fraction:
    if explained is not None and type(explained.value) is Fraction:
        return explained.value  # already exact: no copy
    if explained is None or not isinstance(explained.value, (Fraction, int)) or isinstance(explained.value, bool):
        raise TypeError(f"expected an exact quantity, got {explained!r}")
    return Fraction(explained.value)


@implements("F §2(b)")
def portion_of(value: Fraction, portion: Fraction) -> Fraction:
    """``portion`` of ``value``; the whole of it is the value itself (most holders elect one form).
    Shared with :mod:`prefstack.kernels.dividends`."""
    return value if portion == 1 else value * portion


def _non_negative(value: Fraction, field: str, clause: str) -> None:
    if value < 0:
        raise InputError(field, clause, f"must not be negative ({to_decimal_string(value)})")
