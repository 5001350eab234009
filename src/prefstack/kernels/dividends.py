"""The values of :func:`prefstack.clauses.dividends.period_dividend` and of the PIK shares of
:func:`prefstack.clauses.dividends.pay_dividend`, without their explanations (see
:mod:`prefstack.kernels`). Exact: the same Fraction arithmetic, in the same order."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from prefstack.clauses.dividends import Election, accrual_base_value, dividend_rate, pik_shares_value, portion_of
from prefstack.memo import per_terms
from prefstack.terms import SeriesTerms


def period_value(terms: SeriesTerms, shares: Fraction, start: dt.date, end: dt.date, arrears: Fraction) -> Fraction:
    """The dividend accruing on ``shares`` (and, where the terms compound them, ``arrears``) over
    ``start``-``end``: the accrual base times the (memoized) dividend rate of the period. Where the
    arrears do not compound, the base is the shares times the Original Issue Price, and the value
    is the shares times the dividend of one share (:func:`_rates`): the same exact product, one
    multiplication fewer for each holder."""
    rate, per_share = _rates(terms, start, end)
    if terms.dividends.compounds_arrears.value:
        return accrual_base_value(terms, shares, arrears) * rate
    return shares * per_share


@per_terms
def _rates(terms: SeriesTerms, start: dt.date, end: dt.date) -> tuple[Fraction, Fraction]:
    """The dividend rate of the period ``start``-``end`` and the dividend of one share on its
    Original Issue Price alone (:func:`accrual_base_value` of one share and no arrears, times the rate)."""
    rate = dividend_rate(terms, start, end).value
    assert isinstance(rate, Fraction)
    return rate, accrual_base_value(terms, Fraction(1), Fraction(0)) * rate


def pik_value(
    terms: SeriesTerms, dividend: Fraction, election: Election, carried: Fraction = Fraction(0)
) -> Fraction | None:
    """The PIK shares paying the PIK portion of ``dividend`` (None where the election has none),
    with the fraction ``carried`` from earlier quarters (DIV-FRACTIONAL-PIK=whole-carry)."""
    if not election.pik:
        return None
    return pik_shares_value(terms, portion_of(dividend, election.pik), carried)
