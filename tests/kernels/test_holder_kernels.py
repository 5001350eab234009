"""The holder kernels (prefstack.kernels.holders) equal the clause functions they stand in for: the
values of accrued_unpaid, liquidation_value_per_share x shares and votes, for every registered
series; and a state report without explanations holds, for every holder of the bundled example on
every quarter's end, the very figures of the report with them."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.clauses.dividends import accrued_unpaid
from prefstack.clauses.liquidation import liquidation_value_per_share
from prefstack.clauses.voting import votes
from prefstack.kernels.holders import accrued_unpaid_value, liquidation_value, votes_value
from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import replay
from prefstack.report import state_answer
from prefstack.terms import load_terms

SERIES = ("F", "G", "H")
START = dt.date(2000, 6, 15)

shares = st.fractions(min_value=0, max_value=10**7, max_denominator=10**6)
money = st.fractions(min_value=0, max_value=10**9, max_denominator=10**4)
factors = st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(3), Fraction(2, 3)])


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.sampled_from(SERIES),
    shares,
    money,
    st.integers(min_value=0, max_value=3_000),
    st.integers(min_value=-5, max_value=400),
)
def test_accrued_unpaid_value_is_the_value_of_accrued_unpaid(
    series: str, held: Fraction, arrears: Fraction, offset: int, days: int
) -> None:
    """Days of zero or fewer: the arrears alone (nothing accrues on or before the start)."""
    terms = load_terms(series)
    start = START + dt.timedelta(days=offset)
    end = start + dt.timedelta(days=days)
    assert (
        accrued_unpaid_value(terms, held, start, end, arrears) == accrued_unpaid(terms, held, start, end, arrears).value
    )


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.sampled_from(SERIES), shares, money, factors)
def test_liquidation_value_is_the_value_per_share_times_the_shares(
    series: str, held: Fraction, owed: Fraction, factor: Fraction
) -> None:
    terms = load_terms(series)
    per_share = owed / held if held else Fraction(0)
    expected = liquidation_value_per_share(terms, per_share, issue_price_adjustment=factor).value * held
    assert liquidation_value(terms, held, owed, factor) == expected


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.sampled_from(SERIES),
    shares,
    st.fractions(min_value=Fraction(1, 100), max_value=10**4, max_denominator=10**5),
    factors,
)
def test_votes_value_is_the_value_of_votes(series: str, held: Fraction, price: Fraction, factor: Fraction) -> None:
    terms = load_terms(series)
    assert votes_value(terms, held, price, factor) == votes(terms, held, price, issue_price_adjustment=factor).value


def test_a_hand_computed_case() -> None:
    """F, 100 shares, $50 of arrears, no accrual yet: Liquidation Value 100 x $1,000 + $50 = $100,050;
    at a Conversion Price of $15.21, votes = floor(100 x 1,000 / 15.21) = floor(6,574.62...) = 6,574."""
    terms = load_terms("F")
    assert accrued_unpaid_value(terms, Fraction(100), START, START, Fraction(50)) == 50
    assert liquidation_value(terms, Fraction(100), Fraction(50), Fraction(1)) == 100_050
    assert votes_value(terms, Fraction(100), Fraction("15.21"), Fraction(1)) == 6_574


EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")


@pytest.mark.parametrize("year", [2000, 2001, 2002, 2003, 2005])
def test_the_state_without_explanations_holds_the_figures_of_the_state_with_them(year: int) -> None:
    with resources.as_file(EXAMPLE) as path:
        events = read_ledger(path).events
    compared = 0
    for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
        state = replay(events, dt.date(year, month, day))
        explained, lean = state_answer(state, explain=True), state_answer(state, explain=False)
        for s, t in zip(explained.series, lean.series, strict=True):
            for a, b in zip(s.holders, t.holders, strict=True):
                assert a.explain is not None and b.explain is None
                assert (a.accrued_unpaid_dividends, a.liquidation_value, a.votes) == (
                    b.accrued_unpaid_dividends,
                    b.liquidation_value,
                    b.votes,
                )
                compared += 1
    assert compared >= 2  # the example's holders are there in every year asked
