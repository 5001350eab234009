"""The dividend kernels (prefstack.kernels.dividends) equal the clause functions they stand in for:
the value of period_dividend and the PIK shares of pay_dividend, for every registered series."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.clauses.dividends import Election, pay_dividend, period_dividend
from prefstack.kernels.dividends import period_value, pik_value
from prefstack.terms import load_terms

SERIES = ("F", "G", "H")
START = dt.date(2000, 6, 15)

shares = st.fractions(min_value=0, max_value=10**7, max_denominator=10**6)
arrears = st.fractions(min_value=0, max_value=10**9, max_denominator=10**4)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.sampled_from(SERIES),
    shares,
    arrears,
    st.integers(min_value=0, max_value=3_000),
    st.integers(min_value=1, max_value=120),
)
def test_period_value_is_the_value_of_period_dividend(
    series: str, held: Fraction, owed: Fraction, offset: int, days: int
) -> None:
    terms = load_terms(series)
    start = START + dt.timedelta(days=offset)
    end = start + dt.timedelta(days=days)
    assert period_value(terms, held, start, end, owed) == period_dividend(terms, held, start, end, owed).value


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.sampled_from(SERIES), st.fractions(min_value=0, max_value=10**9, max_denominator=10**6), st.data())
def test_pik_value_is_the_pik_shares_of_pay_dividend(series: str, value: Fraction, data: st.DataObject) -> None:
    terms = load_terms(series)
    offered = terms.dividends.forms.value
    forms = [f for f in ("cash", "pik") if f in offered]
    portions = [Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(1)]
    pik = data.draw(st.sampled_from(portions)) if "pik" in forms else Fraction(0)
    if "cash" not in forms:
        pik = Fraction(1)
    election = Election.of(1 - pik, pik, Fraction(0))
    dividend = period_dividend(terms, Fraction(1), START, START + dt.timedelta(days=1), Fraction(0))
    scaled = type(dividend)(dividend.name, value, dividend.clause)  # an explained dividend of that value
    payment = pay_dividend(terms, dividend=scaled, payment_date=dt.date(2000, 9, 15), election=election)
    expected = None if payment.pik_shares is None else payment.pik_shares.value
    assert pik_value(terms, value, election) == expected
