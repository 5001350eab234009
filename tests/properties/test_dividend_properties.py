"""Properties of the dividend clauses (F §2, G §2)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as Fr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.clauses.dividends import accrued_unpaid, pik_schedule
from prefstack.terms import load_terms

TERMS = {"F": load_terms("F"), "G": load_terms("G")}
QUARTERLY = {"F": Fr("0.0175"), "G": Fr("0.015")}

issue_dates = st.dates(min_value=dt.date(2000, 6, 1), max_value=dt.date(2003, 12, 31))
holdings = st.integers(min_value=1, max_value=100_000).map(Fr)


@settings(max_examples=60, deadline=None)
@given(
    series=st.sampled_from(["F", "G"]),
    issue=issue_dates,
    shares=holdings,
    a=st.integers(0, 2000),
    b=st.integers(0, 2000),
)
def test_a_longer_horizon_never_lowers_the_total(series: str, issue: dt.date, shares: Fr, a: int, b: int) -> None:
    """F §2(b) / G §2(a): shares only accumulate; a later horizon never shows fewer."""
    terms = TERMS[series]
    near, far = sorted((issue + dt.timedelta(days=a), issue + dt.timedelta(days=b)))
    total_near = pik_schedule(terms, issue_date=issue, shares=shares, through=near).rows[-1].total_shares.value
    total_far = pik_schedule(terms, issue_date=issue, shares=shares, through=far).rows[-1].total_shares.value
    assert isinstance(total_near, Fr) and isinstance(total_far, Fr)
    assert total_far >= total_near


@pytest.mark.clause("F §2(b)", "G §2(a)")
@settings(max_examples=40, deadline=None)
@given(series=st.sampled_from(["F", "G"]), year=st.integers(2000, 2004), quarters=st.integers(1, 24), shares=holdings)
def test_full_quarters_compound_exactly(series: str, year: int, quarters: int, shares: Fr) -> None:
    """F §2(b) 1.75% / G §2(a) 1.5% a quarter on everything held: after n full quarters the
    holding is exactly shares x (1 + rate)^n, with no rounding anywhere."""
    terms = TERMS[series]
    issue = dt.date(year, 6, 15)
    end_month = 6 + 3 * quarters
    through = dt.date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 15)
    rows = pik_schedule(terms, issue_date=issue, shares=shares, through=through).rows
    assert len(rows) == quarters + 1
    assert rows[-1].total_shares.value == shares * (1 + QUARTERLY[series]) ** quarters


@settings(max_examples=60, deadline=None)
@given(series=st.sampled_from(["F", "G"]), shares=holdings, d1=st.integers(0, 91), d2=st.integers(0, 91))
def test_accrued_unpaid_never_falls_within_a_quarter(series: str, shares: Fr, d1: int, d2: int) -> None:
    """DIV-ACCRUED-UNPAID: between Payment Dates the accrued amount only grows, up to the quarter's dividend."""
    terms = TERMS[series]
    start = dt.date(2001, 6, 15)
    early, late = sorted((start + dt.timedelta(days=d1), start + dt.timedelta(days=d2)))
    a = accrued_unpaid(terms, shares, start, early, Fr(0)).value
    b = accrued_unpaid(terms, shares, start, late, Fr(0)).value
    assert isinstance(a, Fr) and isinstance(b, Fr)
    assert a <= b <= shares * 1000 * QUARTERLY[series]
