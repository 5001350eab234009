"""The values of a holder's figures in the state report: accrued but unpaid dividends
(:func:`prefstack.clauses.dividends.accrued_unpaid`), the Liquidation Value
(:func:`prefstack.clauses.liquidation.liquidation_value_per_share`) and votes
(:func:`prefstack.clauses.voting.votes`), without their explanations (see :mod:`prefstack.kernels`).
Exact: the clauses' own arithmetic functions, in the same order. A state of thousands of holders
that nobody asked to explain spent most of its time building the explanations."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from prefstack.clauses.dividends import accrual_value, accrues_between
from prefstack.clauses.liquidation import liquidation_value_per_share_value
from prefstack.clauses.voting import holder_votes
from prefstack.terms import SeriesTerms


def accrued_unpaid_value(
    terms: SeriesTerms, shares: Fraction, accrual_start: dt.date, as_of: dt.date, arrears: Fraction
) -> Fraction:
    """The value of :func:`~prefstack.clauses.dividends.accrued_unpaid`."""
    current = Fraction(0)
    if accrues_between(accrual_start, as_of):
        current = accrual_value(terms, shares, accrual_start, as_of, arrears)
    return arrears + current


def liquidation_value(
    terms: SeriesTerms, shares: Fraction, accrued_unpaid: Fraction, issue_price_adjustment: Fraction
) -> Fraction:
    """The Liquidation Value of a holding of ``shares`` with ``accrued_unpaid`` dividends: the value
    of :func:`~prefstack.clauses.liquidation.liquidation_value_per_share` times the shares:
    (preference per share + accrued / shares) x shares, written as preference per share x shares +
    accrued, the same exact value without dividing by the shares (0 for no shares, as the per-share
    form gives)."""
    if not shares:
        return Fraction(0)
    return liquidation_value_per_share_value(terms, Fraction(0), issue_price_adjustment) * shares + accrued_unpaid


def votes_value(
    terms: SeriesTerms, shares: Fraction, conversion_price: Fraction, issue_price_adjustment: Fraction
) -> int:
    """The value of :func:`~prefstack.clauses.voting.votes`: the whole shares of Common Stock."""
    return holder_votes(terms, shares, conversion_price, issue_price_adjustment)
