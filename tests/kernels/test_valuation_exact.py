"""The fair-value kernels compute in floats (a model estimate: exponentials, square roots, random
normals); this proves the lattice's float arithmetic equal, to the cent, to the same model computed
exactly: a reference lattice written here in 50-digit Decimal arithmetic on every node (no node
skipped), from the exact accretion of the terms and the ledger (``valuation.accretion``: Fractions), not
from the kernel's float arrays. It covers PIK accretion, the holder's cash election (coupons), the
§6(j) cut-off, the change of control with G's deemed liquidation and a deal premium, and the
redemption paid in stock. The instrument's own float arrays (conversion cash, Redemption Prices,
dividends) are checked against the exact accretion to the cent on every day of the share's life."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Context, Decimal
from fractions import Fraction
from importlib import resources

import numpy as np
import pytest

from prefstack.books import Books
from prefstack.kernels.valuation import Market, lattice_value
from prefstack.valuation import DAYS_PER_YEAR, ValuationInputs, accretion, dividend_form, instrument

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
ON = dt.date(2002, 6, 30)
D = Context(prec=50)
CENT = Decimal("0.005")


def inputs(series: str) -> ValuationInputs:
    return Books("sqlite:///:memory:", ledger=EXAMPLE).valuation_inputs(ON, series)


def dec(value: Fraction | int | float | np.floating) -> Decimal:
    value = Fraction(float(value)) if isinstance(value, (float, np.floating)) else Fraction(value)  # a float exactly
    return D.divide(Decimal(value.numerator), Decimal(value.denominator))


def exact_lattice(
    got: ValuationInputs, market: Market, steps: int, form: str = "pik", in_stock: bool = False
) -> Decimal:
    """The kernel's model, node by node, in Decimal: a CRR lattice, Tsiveriotis-Fernandes (the
    redemption and cash dividends discounted at rate + spread, what conversion delivers at the rate),
    conversion tested on every node, dividends added after a step's decision, a change of control at
    each step's nodes with probability 1 - e^(-lambda dt)."""
    terms = got.terms
    acc = accretion(got, dividend_form(terms, form))
    days = lambda d: Fraction((d - got.on).days)  # noqa: E731
    pay = [days(d) / DAYS_PER_YEAR for d in acc.pay_dates]
    maturity = days(got.redemption_date) / DAYS_PER_YEAR
    cutoff = days(got.redemption_date - dt.timedelta(days=terms.redeemable().conversion_cutoff_days.value))
    conversion_end = cutoff / DAYS_PER_YEAR
    ratio = terms.issue_price / got.conversion_price
    liquidation = terms.liquidation
    deemed = liquidation.deemed_liquidation_below is not None and liquidation.participates_as_converted.value
    s, vol, r, q, spread = (
        dec(x) for x in (market.spot, market.volatility, market.rate, market.dividend_yield, market.credit_spread)
    )
    hazard, premium = dec(market.change_of_control), dec(market.deal_premium)
    dt_ = maturity / steps
    ddt = dec(dt_)
    up = D.exp(D.multiply(vol, D.sqrt(ddt)))
    down = D.divide(1, up)
    growth = D.exp((r - q) * ddt)
    p = D.divide(growth - down, up - down)
    disc_e = D.exp(-r * ddt)
    disc_d = D.exp(-(r + spread) * ddt)
    stay = D.exp(-hazard * ddt)

    def interval(t: Fraction) -> int:
        return sum(1 for x in pay if x <= t)

    def cash_at(t: Fraction) -> Fraction:  # the accrued dividends conversion pays in cash at t
        k = interval(t)
        start = pay[k - 1] if k else Fraction(0)
        return acc.accrued_start[k] + acc.accrual_per_day[k] * (t - start) * DAYS_PER_YEAR

    def par_at(t: Fraction) -> Fraction:
        return acc.held[interval(t)] * terms.issue_price

    coupons = [0] * (steps + 1)
    for when, amount in zip(pay, acc.cash_dividends or (), strict=False):
        i = min(math.ceil(when / dt_), steps)
        coupons[i] += dec(amount) * D.exp((r + spread) * dec(i * dt_ - when))
    redemption = dec(acc.redemption_amount)
    debt = [Decimal(0) if in_stock else redemption] * (steps + 1)
    equity = [redemption if in_stock else Decimal(0)] * (steps + 1)
    for i in range(steps, -1, -1):
        t = i * dt_
        nodes = [s * D.power(up, i - 2 * j) for j in range(i + 1)]
        if i < steps:
            debt = [disc_d * (p * debt[j] + (1 - p) * debt[j + 1]) for j in range(i + 1)]
            equity = [disc_e * (p * equity[j] + (1 - p) * equity[j + 1]) for j in range(i + 1)]
            if hazard:
                units, cash = dec(ratio * acc.held[interval(t)]), dec(cash_at(t))
                event = []
                for node in nodes:
                    price = node * (1 + premium)
                    paid = dec(par_at(t)) + cash  # the day's Redemption Price (F/G §6(c))
                    if t <= conversion_end:
                        paid = max(paid, units * price + cash)
                    if deemed:
                        paid = max(paid, dec(par_at(t) * liquidation.preference_multiple.value) + cash + units * price)
                    event.append(paid)
                debt = [x * stay for x in debt]
                equity = [e * stay + (1 - stay) * v for e, v in zip(equity, event, strict=True)]
        units = ratio * acc.held[interval(t)]
        if t <= conversion_end and units > 0:
            cash = dec(cash_at(t))
            for j, node in enumerate(nodes):
                conv = dec(units) * node
                if conv > debt[j] + equity[j] - cash:
                    equity[j], debt[j] = conv + cash, Decimal(0)
        if coupons[i]:
            debt = [x + coupons[i] for x in debt]
    return debt[0] + equity[0]


CASES = [
    ("F", "pik", Market(8.90, 0.8, 0.05, 0.0, 0.03), False),
    ("F", "cash", Market(8.90, 0.8, 0.05, 0.0, 0.03), False),
    ("F", "cash=1/2", Market(20.0, 0.6, 0.04, 0.01, 0.05), False),
    ("F", "pik", Market(8.90, 0.8, 0.05, 0.0, 0.05), True),
    ("G", "pik", Market(8.90, 0.8, 0.05, 0.0, 0.03, change_of_control=0.5, deal_premium=0.25), False),
    ("F", "cash", Market(8.90, 0.8, 0.05, 0.0, 0.03, change_of_control=2), False),
]


@pytest.mark.parametrize(("series", "form", "market", "in_stock"), CASES)
def test_the_float_lattice_equals_the_exact_model_to_the_cent(
    series: str, form: str, market: Market, in_stock: bool
) -> None:
    got = inputs(series)
    steps = 120
    exact = exact_lattice(got, market, steps, form, in_stock)
    kernel = lattice_value(instrument(got, form, in_stock), market, steps)
    assert abs(dec(kernel) - exact) < CENT, (float(exact), kernel)


@pytest.mark.parametrize(("series", "form"), [("F", "pik"), ("F", "cash"), ("F", "cash=1/3"), ("G", "pik")])
def test_the_instruments_float_arrays_equal_the_exact_accretion_to_the_cent(series: str, form: str) -> None:
    """On every day from the valuation date to the Redemption Date: what conversion delivers in cash
    (the accrued dividends), the Redemption Price of the holding and the shares of Common Stock, from
    the kernel's float arrays, equal the exact accretion's to the cent (the shares to 1e-9); each cash
    dividend too."""
    got = inputs(series)
    acc = accretion(got, dividend_form(got.terms, form))
    share = instrument(got, form)
    ratio = got.terms.issue_price / got.conversion_price
    pay_days = [(d - got.on).days for d in acc.pay_dates]
    for day in range((got.redemption_date - got.on).days + 1):
        k = sum(1 for x in pay_days if x <= day)
        start = pay_days[k - 1] if k else 0
        cash = acc.accrued_start[k] + acc.accrual_per_day[k] * (day - start)
        (units_f,), (cash_f,) = share.terms_on(np.array([day / DAYS_PER_YEAR]))
        assert abs(dec(cash_f) - dec(cash)) < CENT, day
        assert abs(units_f - float(ratio * acc.held[k])) < 1e-9, day
        price = share.redemption_prices(np.array([day / DAYS_PER_YEAR]))[0]
        assert abs(dec(price) - dec(acc.held[k] * got.terms.issue_price + cash)) < CENT, day
    assert abs(dec(share.redemption) - dec(acc.redemption_amount)) < CENT
    for float_amount, exact_amount in zip(
        share.coupons if share.coupons is not None else (), acc.cash_dividends or (), strict=True
    ):
        assert abs(dec(float_amount) - dec(exact_amount)) < CENT
