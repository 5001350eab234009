"""Voting rights (F §4, G §4) and series-majority consents."""

from __future__ import annotations

from fractions import Fraction

import pytest

from prefstack.clauses.voting import ConsentPurpose, series_majority, series_voting_power, votes, votes_by_holder
from prefstack.errors import InputError
from prefstack.terms import load_terms

F_TERMS = load_terms("F")
G_TERMS = load_terms("G")
ONE = Fraction(1)


@pytest.mark.clause("F §4")
def test_votes_whole_shares_of_common_f_4() -> None:
    """F §4: 1,000 shares x $1,000 / $24.00 = 41,666.67 shares of Common Stock: 41,666 votes."""
    price = F_TERMS.conversion.initial_conversion_price.value
    result = votes(F_TERMS, Fraction(1000), price, issue_price_adjustment=ONE)
    assert result.value == 41_666
    assert result.clause == "F §4"
    assert result.inputs["fraction dropped"] == Fraction(2, 3)


@pytest.mark.clause("G §4")
def test_votes_g_4() -> None:
    """G §4: 1,000 shares x $1,000 / $36 = 27,777.78: 27,777 votes."""
    result = votes(G_TERMS, Fraction(1000), Fraction(36), issue_price_adjustment=ONE)
    assert result.value == 27_777 and result.clause == "G §4"


def test_votes_after_an_adjusted_conversion_price_f_4() -> None:
    """F §4 "(as adjusted from time to time pursuant to Section 5)": 100.5 shares (with
    PIK) at $20.50: 100.5 x 1,000 / 20.50 = 4,902.44: 4,902 votes."""
    result = votes(F_TERMS, Fraction("100.5"), Fraction("20.50"), issue_price_adjustment=ONE)
    assert result.value == 4_902


@pytest.mark.clause("F §4")
def test_votes_fraction_dropped_per_holder_not_per_share_f_4() -> None:
    """F §4 (VOTE-AS-CONVERTED): "all of the shares ... held by such holder": 3 shares at
    $24: 3 x 41.666... = 125 votes, not 3 x 41 = 123."""
    result = votes_by_holder(F_TERMS, {"A": Fraction(3), "B": Fraction(1)}, Fraction(24), issue_price_adjustment=ONE)
    assert result["A"].value == 125
    assert result["B"].value == 41
    assert series_voting_power(F_TERMS, result).value == 166


def test_votes_refuse_bad_inputs_f_4() -> None:
    """F §4: the Conversion Price must be positive and shares exact."""
    with pytest.raises(InputError, match="conversion_price"):
        votes(F_TERMS, Fraction(1), Fraction(0), issue_price_adjustment=ONE)
    with pytest.raises(InputError, match="shares_held"):
        votes(F_TERMS, 1.5, Fraction(24), issue_price_adjustment=ONE)  # type: ignore[arg-type]


@pytest.mark.clause("F §3(c)(i)(C)", "F §3(c)(ii)", "F §5(d)(i)(D)", "F §5(d)(ii)", "F §6(b)")
@pytest.mark.parametrize(
    ("purpose", "section"),
    [
        (ConsentPurpose.WAIVER_OF_ADJUSTMENT, "§5(d)(ii)"),
        (ConsentPurpose.RESERVED_EMPLOYEE_SHARES, "§5(d)(i)(D)"),
        (ConsentPurpose.MANDATORY_REDEMPTION_VOTE, "§6(b)"),
        (ConsentPurpose.FAIR_MARKET_VALUE_NO_MARKET, "§3(c)(i)(C)"),
        (ConsentPurpose.FAIR_MARKET_VALUE_RESTRICTED, "§3(c)(ii)"),
    ],
)
def test_series_majority_more_than_half_of_all_outstanding(purpose: ConsentPurpose, section: str) -> None:
    """F §5(d)(ii), §5(d)(i)(D), §6(b), §3(c)(i)(C), §3(c)(ii) (VOTE-SERIES-MAJORITY):
    41,667 of 83,332 outstanding votes is more than half; 41,666 is exactly half and is
    not, even if nobody else voted."""
    yes = series_majority(F_TERMS, 41_667, 83_332, purpose)
    half = series_majority(F_TERMS, 41_666, 83_332, purpose)
    assert yes.value is True and half.value is False
    assert yes.clause == f"F {section}"


@pytest.mark.clause("G §6(b)")
def test_series_majority_refuses_more_votes_than_outstanding_g_6b() -> None:
    """G §6(b): votes for cannot exceed the voting power of the series."""
    with pytest.raises(InputError, match="G §6\\(b\\)"):
        series_majority(G_TERMS, 11, 10, ConsentPurpose.MANDATORY_REDEMPTION_VOTE)
