"""F/G §5(d)-(g): the same adjustments worked by hand for each series, Series F from $24.00 and
Series G from $36.00 (the clauses are the same words in both certificates).

Unless said otherwise: 20,000,000 shares of Common Stock outstanding, Fair Market Value $10."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction

import pytest

from prefstack.clauses.antidilution import (
    Action,
    AdditionalReservedEmployeeShares,
    CommonStockIssuance,
    ConversionPriceState,
    OptionExercise,
    OptionExpiry,
    OptionIssuance,
    OptionShareCountChange,
    OtherDistribution,
    Purpose,
    SeriesWaiver,
    StockDividendOnCommon,
    conversion_price_history,
)
from prefstack.errors import InputError
from prefstack.ledger.section5 import excluded_issue
from prefstack.terms import SeriesTerms, load_terms

F = load_terms("F")
G = load_terms("G")
SERIES = pytest.mark.parametrize("terms", [F, G], ids=["F", "G"])
ISSUED = dt.date(2000, 8, 2)


def day(n: int) -> dt.date:
    return dt.date(2001, 1, 1) + dt.timedelta(days=n)


def issue(
    ident: str,
    n: int,
    shares: int,
    cash: str,
    purpose: Purpose = "none",
    fmv: str = "10",
    *,
    accrued: str = "0",
    prop: str = "0",
    portion: Fraction | None = None,
) -> CommonStockIssuance:
    return CommonStockIssuance(
        id=ident,
        date=day(n),
        shares=Fraction(shares),
        purpose=purpose,
        cash_consideration=Fraction(cash),
        property_consideration=Fraction(prop),
        accrued_interest_or_dividends_in_cash=Fraction(accrued),
        fair_market_value_per_share=Fraction(fmv),
        allocated_portion=portion,
    )


def option(
    ident: str, n: int, shares: int, received: int, exercise_total: int, purpose: Purpose = "none"
) -> OptionIssuance:
    return OptionIssuance(
        id=ident,
        date=day(n),
        max_shares=Fraction(shares),
        consideration_received=Fraction(received),
        min_additional_consideration=Fraction(exercise_total),
        purpose=purpose,
        fair_market_value_per_share=Fraction(10),
    )


def run(actions: Sequence[Action], terms: SeriesTerms) -> ConversionPriceState:
    return conversion_price_history(
        terms, original_issuance_date=ISSUED, initial_common_outstanding=Fraction(20_000_000), actions=actions
    )


def price(terms: SeriesTerms, f: str, g: str) -> Fraction:
    return Fraction(f if terms.series == "F" else g)


@pytest.mark.clause(
    "F §5(d)(i)", "G §5(d)(i)", "F §5(d)(i)(C)", "G §5(d)(i)(C)", "F §5(d)(i)(C)(1)", "G §5(d)(i)(C)(1)",
    "F §5(d)(i)(C)(6)", "G §5(d)(i)(C)(6)",
)  # fmt: skip
@SERIES
def test_dividend_and_conversion_shares_are_excluded_but_counted_outstanding(terms: SeriesTerms) -> None:
    """§5(d)(i)(C)(1), (6): 600,000 shares as a dividend on preferred and 400,000 on conversion are
    not Additional Shares (no adjustment) but are outstanding: a later sale of 1,000,000 shares for
    $25,000,000 (FMV $30, 95% = $28.50) divides by 21,000,000 + 1,000,000.
    F: 24 x (21,000,000 + 25,000,000/28.50) / 22,000,000 = 23.8660... -> $23.87.
    G: 36 x (21,000,000 + 25,000,000/36) / 22,000,000 = 35.50 exactly."""
    dividend = excluded_issue("pik-common", day(1), 600_000, "dividend_on_preferred")
    converted = excluded_issue("conversion", day(2), 400_000, "conversion_of_preferred")
    excluded = run([dividend, converted], terms)
    assert excluded.conversion_price == terms.conversion.initial_conversion_price.value
    assert excluded.adjustments == () and excluded.common_outstanding == 21_000_000
    state = run([dividend, converted, issue("sale", 3, 1_000_000, "25000000", fmv="30")], terms)
    assert state.conversion_price == price(terms, "23.87", "35.50")
    assert state.adjustments[0].facts["common_outstanding_before"] == 21_000_000


@pytest.mark.clause("F §5(d)(i)(C)(4)", "G §5(d)(i)(C)(4)", "F §5(d)(i)(C)(5)", "G §5(d)(i)(C)(5)")
@SERIES
def test_distribution_on_common_refused_and_exercise_shares_excluded(terms: SeriesTerms) -> None:
    """§5(d)(i)(C)(4): an issue recorded as a distribution on Common Stock is refused (it is a §5(e)-(f)
    action). (C)(5): 500,000 shares issued on exercise of Options for nothing are excluded, with no
    cap; an Option cannot itself be issued "upon exercise of Options"."""
    with pytest.raises(InputError, match=rf"purpose: .* \({terms.series} §5\(d\)\(i\)\(C\)\(4\)\)"):
        run([issue("d", 1, 100, "0", "distribution_on_common")], terms)
    state = run([issue("x", 1, 500_000, "0", "exercise_of_options")], terms)
    assert state.adjustments == () and state.common_outstanding == 20_500_000
    assert state.basket_usage["exercise_of_options"].used == 500_000
    with pytest.raises(InputError, match=rf"\({terms.series} §5\(d\)\(i\)\(C\)\(5\)\)"):
        run([option("o", 1, 100, 0, 0, "exercise_of_options")], terms)


@pytest.mark.clause("F §5(d)(i)(C)(8)", "G §5(d)(i)(C)(8)", "F §5(d)(i)(C)(9)", "G §5(d)(i)(C)(9)")
@pytest.mark.parametrize(("purpose", "shares", "cap"), [("business_relationship", 1_200_000, 1_000_000),
                                                        ("high_yield_debt", 2_200_000, 2_000_000)])  # fmt: skip
@SERIES
def test_capped_baskets_at_95_percent_leave_the_excess_as_additional_shares(
    terms: SeriesTerms, purpose: Purpose, shares: int, cap: int
) -> None:
    """§5(d)(i)(C)(8) (cap 1,000,000) and (9) (cap 2,000,000): shares at $10 with FMV $10 (95% met);
    200,000 over the cap are Additional Shares at $10:
    F: 24 x (20,000,000 + 2,000,000/24) / 20,200,000 = 23.8613... -> $23.86;
    G: 36 x (20,000,000 + 2,000,000/36) / 20,200,000 = 35.7425... -> $35.74."""
    state = run([issue("b", 1, shares, str(10 * shares), purpose)], terms)
    assert state.basket_usage[purpose].used == cap
    assert state.adjustments[0].facts["additional_shares"] == 200_000
    assert state.conversion_price == price(terms, "23.86", "35.74")


@pytest.mark.clause("F §5(d)(i)(C)(11)", "G §5(d)(i)(C)(11)")
@SERIES
def test_acquisition_excluded_only_at_95_percent_of_fair_market_value(terms: SeriesTerms) -> None:
    """§5(d)(i)(C)(11): 100,000 shares for an acquisition at $9.50 (= 95% of $10) are excluded; at
    $9.49 they are Additional Shares:
    F: 24 x (20,000,000 + 949,000/24) / 20,100,000 = 23.9278... -> $23.93;
    G: 36 x (20,000,000 + 949,000/36) / 20,100,000 = 35.8680... -> $35.87."""
    at_95 = run([issue("a", 1, 100_000, "950000", "acquisition")], terms)
    assert at_95.adjustments == ()
    below = run([issue("a", 1, 100_000, "949000", "acquisition")], terms)
    assert below.conversion_price == price(terms, "23.93", "35.87")
    assert below.adjustments[0].facts["ninety_five_percent_condition_met"] is False


@pytest.mark.clause("F §5(d)(i)(C)(12)", "G §5(d)(i)(C)(12)")
@SERIES
def test_atcom_cap_then_additional_shares_for_nothing(terms: SeriesTerms) -> None:
    """§5(d)(i)(C)(12): 2,854,826 shares for nothing under the Atcom merger: 2,654,826 excluded, the
    other 200,000 are Additional Shares for $0: F: 24 x 20,000,000 / 20,200,000 = 23.7623... -> $23.76;
    G: 36 x 20,000,000 / 20,200,000 = 35.6435... -> $35.64."""
    state = run([issue("atcom", 1, 2_854_826, "0", "atcom_merger")], terms)
    assert state.basket_usage["atcom_merger"].used == 2_654_826
    assert state.conversion_price == price(terms, "23.76", "35.64")


@pytest.mark.clause(
    "F §5(d)(i)(D)", "G §5(d)(i)(D)", "F §5(d)(i)(D)(i)", "G §5(d)(i)(D)(i)", "F §5(d)(iii)", "G §5(d)(iii)",
)  # fmt: skip
@SERIES
def test_reserved_employee_options_over_the_cap_unless_more_are_approved(terms: SeriesTerms) -> None:
    """§5(d)(i)(D)(i): Options on 5,500,000 shares at $1 to employees; 5,000,000 are Reserved
    Employee Shares, 500,000 are deemed issued Additional Shares at $1 (§5(d)(iii)):
    F: 24 x (20,000,000 + 500,000/24) / 20,500,000 = 23.4390... -> $23.44;
    G: 36 x (20,000,000 + 500,000/36) / 20,500,000 = 35.1463... -> $35.15.
    With 500,000 more approved beforehand by a majority of the series (51 of 100 votes) all are
    excluded; an approval by the other series does not count."""
    grant = option("esop", 2, 5_500_000, 0, 5_500_000, "reserved_employee")
    assert run([grant], terms).conversion_price == price(terms, "23.44", "35.15")
    mine = AdditionalReservedEmployeeShares(day(1), terms.series, Fraction(500_000), Fraction(51), Fraction(100))
    approved = run([mine, grant], terms)
    assert approved.adjustments == () and approved.basket_usage["reserved_employee"].used == 5_500_000
    other = AdditionalReservedEmployeeShares(
        day(1), "G" if terms.series == "F" else "F", Fraction(500_000), Fraction(51), Fraction(100)
    )
    assert run([other, grant], terms).conversion_price == price(terms, "23.44", "35.15")


@pytest.mark.clause("F §5(d)(i)(D)(ii)", "G §5(d)(i)(D)(ii)")
@SERIES
def test_existing_management_options_excluded_up_to_3_031_495(terms: SeriesTerms) -> None:
    """§5(d)(i)(D)(ii): 3,131,495 shares issued at $1 on exercise of management Options outstanding at
    the date of the certificate; 3,031,495 are excluded, 100,000 are Additional Shares at $1:
    F: 24 x (20,000,000 + 100,000/24) / 20,100,000 = 23.8855... -> $23.89;
    G: 36 x (20,000,000 + 100,000/36) / 20,100,000 = 35.8258... -> $35.83."""
    state = run([issue("mgmt", 1, 3_131_495, "3131495", "reserved_employee_existing_options")], terms)
    assert state.basket_usage["reserved_employee_existing_options"].used == 3_031_495
    assert state.conversion_price == price(terms, "23.89", "35.83")


@pytest.mark.clause("F §5(d)(ii)", "G §5(d)(ii)")
@SERIES
def test_greater_of_and_a_waiver_by_the_series_alone(terms: SeriesTerms) -> None:
    """§5(d)(ii): with FMV $30 (95% = $28.50) the greater figure is F $28.50, G $36.00; an issue at
    that price is not adjusted. An issue of 1,000,000 at $20 is, unless a majority of the series
    (51 of 100) agreed in writing before it; a waiver by the other series does not count:
    F: 24 x (20,000,000 + 20,000,000/28.50) / 21,000,000 = 23.6591... -> $23.66;
    G: 36 x (20,000,000 + 20,000,000/36) / 21,000,000 = 35.2380... -> $35.24."""
    at = price(terms, "28.50", "36")
    assert run([issue("at", 1, 1_000_000, str(at * 1_000_000), fmv="30")], terms).adjustments == ()
    sale = issue("sale", 2, 1_000_000, "20000000", fmv="30")
    assert run([sale], terms).conversion_price == price(terms, "23.66", "35.24")
    waiver = SeriesWaiver(day(1), terms.series, "sale", Fraction(51), Fraction(100))
    waived = run([waiver, sale], terms)
    assert waived.conversion_price == terms.conversion.initial_conversion_price.value
    assert waived.decisions[-1].explained.inputs["waiver_votes_for"] == 51
    other = SeriesWaiver(day(1), "G" if terms.series == "F" else "F", "sale", Fraction(51), Fraction(100))
    assert run([other, sale], terms).conversion_price == price(terms, "23.66", "35.24")


@pytest.mark.clause(
    "F §5(d)(iii)(A)", "G §5(d)(iii)(A)", "F §5(d)(iii)(B)", "G §5(d)(iii)(B)", "F §5(d)(v)(B)", "G §5(d)(v)(B)",
    "F §5(d)(v)(B)(1)", "G §5(d)(v)(B)(1)", "F §5(d)(v)(B)(2)", "G §5(d)(v)(B)(2)",
)  # fmt: skip
@SERIES
def test_option_deemed_issued_exercised_in_part_then_the_rest_expires(terms: SeriesTerms) -> None:
    """§5(d)(v)(B): an Option on 1,000,000 shares for $1,000,000 plus $9,000,000 on exercise is $10 a
    share: F: 24 x (20,000,000 + 10,000,000/24) / 21,000,000 = 23.3333... -> $23.33;
    G: 36 x (20,000,000 + 10,000,000/36) / 21,000,000 = 34.7619... -> $34.76.
    §5(d)(iii)(A): 400,000 exercised: no adjustment. §5(d)(iii)(B): the other 600,000 expire: as if
    issued for 400,000 shares for $4,000,000: F: 24 x (20,000,000 + 4,000,000/24) / 20,400,000
    = 23.7254... -> $23.73; G: 36 x (20,000,000 + 4,000,000/36) / 20,400,000 = 35.4901... -> $35.49."""
    granted = option("w", 1, 1_000_000, 1_000_000, 9_000_000)
    assert run([granted], terms).conversion_price == price(terms, "23.33", "34.76")
    exercised = run([granted, OptionExercise("w", day(2), Fraction(400_000))], terms)
    assert exercised.conversion_price == price(terms, "23.33", "34.76")
    assert exercised.common_outstanding == 20_400_000
    expired = run([granted, OptionExercise("w", day(2), Fraction(400_000)), OptionExpiry("w", day(3), None)], terms)
    assert expired.conversion_price == price(terms, "23.73", "35.49")
    assert expired.adjustments[-1].clause == f"{terms.series} §5(d)(iii)(B)"


@pytest.mark.clause("F §5(d)(iii)(C)", "G §5(d)(iii)(C)")
@SERIES
def test_option_share_count_change_readjusts(terms: SeriesTerms) -> None:
    """§5(d)(iii)(C): the Option above, unexercised, becomes one on 1,250,000 shares for the same
    $9,000,000 on exercise: as if issued for 1,250,000 shares for $10,000,000 ($8 a share):
    F: 24 x (20,000,000 + 10,000,000/24) / 21,250,000 = 23.0588... -> $23.06;
    G: 36 x (20,000,000 + 10,000,000/36) / 21,250,000 = 34.3529... -> $34.35."""
    granted = option("w", 1, 1_000_000, 1_000_000, 9_000_000)
    change = OptionShareCountChange("w", day(2), Fraction(1_250_000), Fraction(9_000_000))
    state = run([granted, change], terms)
    assert state.conversion_price == price(terms, "23.06", "34.35")
    assert state.adjustments[-1].clause == f"{terms.series} §5(d)(iii)(C)"


@pytest.mark.clause(
    "F §5(d)(v)(A)", "G §5(d)(v)(A)", "F §5(d)(v)(A)(1)", "G §5(d)(v)(A)(1)", "F §5(d)(v)(A)(2)", "G §5(d)(v)(A)(2)",
    "F §5(d)(v)(A)(3)", "G §5(d)(v)(A)(3)",
)  # fmt: skip
@SERIES
def test_consideration_cash_less_accrued_plus_property_times_the_portion(terms: SeriesTerms) -> None:
    """§5(d)(v)(A): 1,000,000 shares at FMV $30 for a consideration of $25,000,000 reached three ways:
    (1) $26,000,000 cash of which $1,000,000 pays accrued dividends; (2) $20,000,000 cash and property
    worth $5,000,000; (3) $50,000,000 for the shares and warrants together, half allotted to the shares.
    Each gives F 24 x (20,000,000 + 25,000,000/28.50) / 21,000,000 = 23.8596... -> $23.86 and
    G 36 x (20,000,000 + 25,000,000/36) / 21,000,000 = 35.4761... -> $35.48."""
    ways = [
        issue("cash", 1, 1_000_000, "26000000", fmv="30", accrued="1000000"),
        issue("property", 1, 1_000_000, "20000000", fmv="30", prop="5000000"),
        issue("unit", 1, 1_000_000, "50000000", fmv="30", portion=Fraction(1, 2)),
    ]
    for way in ways:
        state = run([way], terms)
        assert state.adjustments[0].facts["consideration"] == 25_000_000, way.id
        assert state.conversion_price == price(terms, "23.86", "35.48"), way.id
    with pytest.raises(InputError, match=rf"allocated_portion: 3/2 is more than the whole \({terms.series} §5"):
        run([issue("unit", 1, 1, "1", portion=Fraction(3, 2))], terms)


@pytest.mark.clause("F §5(f)", "G §5(f)")
@SERIES
def test_stock_dividend_on_common(terms: SeriesTerms) -> None:
    """§5(f): 2,000,000 shares as a dividend on 20,000,000: F 24 x 20/22 = 240/11; G 36 x 20/22 = 360/11."""
    state = run([StockDividendOnCommon(day(1), Fraction(2_000_000))], terms)
    assert state.conversion_price == terms.conversion.initial_conversion_price.value * Fraction(20, 22)
    assert state.conversion_price == (Fraction(240, 11) if terms.series == "F" else Fraction(360, 11))


@pytest.mark.clause("F §5(g)", "G §5(g)")
@SERIES
def test_other_distribution_entitles_each_preferred_share(terms: SeriesTerms) -> None:
    """§5(g): half a warrant per share of Common Stock: 1,000 / 24 x 1/2 = 125/6 (F) and
    1,000 / 36 x 1/2 = 125/9 (G) warrants per preferred share; the price is unchanged."""
    state = run([OtherDistribution(day(1), "warrants", Fraction(1, 2))], terms)
    assert state.entitlements[0].amount_per_preferred_share == (
        Fraction(125, 6) if terms.series == "F" else Fraction(125, 9)
    )
    assert state.entitlements[0].clause == f"{terms.series} §5(g)"
    assert state.adjustments == ()
