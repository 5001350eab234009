"""F/G §5(d)-(h), (j): adjustments of the Conversion Price, worked by hand.

Unless said otherwise: 20,000,000 shares of Common Stock outstanding, Series F at $24.00."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.clauses.antidilution import (
    Action,
    AdditionalReservedEmployeeShares,
    Combination,
    CommonStockIssuance,
    ConversionPriceState,
    OptionExercise,
    OptionExpiry,
    OptionIssuance,
    OptionShareCountChange,
    OtherDistribution,
    PartOfTransaction,
    Purpose,
    Reclassification,
    SeriesWaiver,
    StockDividendOnCommon,
    StockSplit,
    certificates_due,
    conversion_price_history,
)
from prefstack.clauses.liquidation import TransactionKind
from prefstack.errors import InputError
from prefstack.terms import SeriesTerms, load_terms

F = load_terms("F")
G = load_terms("G")
OUTSTANDING = Fraction(20_000_000)


def day(n: int) -> dt.date:
    return dt.date(2001, 1, 1) + dt.timedelta(days=n)


ISSUED = dt.date(2000, 8, 2)
"""The Original Issuance Date the fold counts from in these tests (F §1(b)): before every day(n)."""


def issue(
    ident: str, n: int, shares: int, per_share: str, fmv: str, purpose: Purpose = "none"
) -> CommonStockIssuance:
    return CommonStockIssuance(
        id=ident,
        date=day(n),
        shares=Fraction(shares),
        purpose=purpose,
        cash_consideration=Fraction(per_share) * shares,
        property_consideration=Fraction(0),
        accrued_interest_or_dividends_in_cash=Fraction(0),
        fair_market_value_per_share=Fraction(fmv),
    )


def option(
    ident: str, n: int, shares: int, received: int, exercise_total: int, fmv: str, purpose: Purpose = "none"
) -> OptionIssuance:
    return OptionIssuance(
        id=ident,
        date=day(n),
        max_shares=Fraction(shares),
        consideration_received=Fraction(received),
        min_additional_consideration=Fraction(exercise_total),
        purpose=purpose,
        fair_market_value_per_share=Fraction(fmv),
    )


def run(actions: Sequence[Action], terms: SeriesTerms = F, outstanding: Fraction = OUTSTANDING) -> ConversionPriceState:
    return conversion_price_history(
        terms, original_issuance_date=ISSUED, initial_common_outstanding=outstanding, actions=actions
    )


# §5(d)(iv): the formula ----------------------------------------------------------------


@pytest.mark.clause("F §5(d)(iv)")
def test_acceptance_f_issue_below_95_percent_of_fmv_f_5_d_iv() -> None:
    """F §5(d)(iv): 1,000,000 Additional Shares for $25,000,000 cash; FMV $30, 95% = $28.50 >
    $24, so $28.50 is used: 24 x (20,000,000 + 25,000,000 / 28.50) / 21,000,000
    = 24 x (20,000,000 + 877,192.98...) / 21,000,000 = 23.8596... -> $23.86."""
    state = run([issue("i1", 1, 1_000_000, "25", "30")])
    assert state.adjustments[0].facts["exact_new_price"] == Fraction(1360, 57)  # 23.8596...
    assert state.conversion_price == Fraction("23.86")
    assert state.adjustments[0].clause == "F §5(d)(iv)"
    assert state.carried_forward == 0


@pytest.mark.clause("G §5(d)(iv)")
def test_acceptance_g_issue_below_conversion_price_g_5_d_iv() -> None:
    """G §5(d)(iv): the greater of $28.50 and $36.00 is $36.00:
    36 x (20,000,000 + 25,000,000 / 36) / 21,000,000 = (720,000,000 + 25,000,000) / 21,000,000
    = 745 / 21 = 35.476... -> $35.48."""
    state = run([issue("i1", 1, 1_000_000, "25", "30")], terms=G)
    assert state.adjustments[0].facts["exact_new_price"] == Fraction(745, 21)
    assert state.conversion_price == Fraction("35.48")
    assert state.adjustments[0].clause == "G §5(d)(iv)"


@pytest.mark.clause("F §5(d)(ii)")
def test_no_adjustment_at_or_above_the_greater_of_f_5_d_ii() -> None:
    """F §5(d)(ii), AD-GREATER-OF: $28.50 a share equals 95% of $30: not less, no adjustment."""
    state = run([issue("i1", 1, 1_000_000, "28.50", "30")])
    assert state.conversion_price == 24
    assert state.adjustments == ()
    assert state.decisions[0].explained.clause == "F §5(d)(ii)"
    assert state.common_outstanding == OUTSTANDING + 1_000_000


@pytest.mark.clause("F §5(d)(iv)")
def test_carry_forward_two_small_reductions_f_5_d_iv() -> None:
    """F §5(d)(iv), AD-CARRY-FORWARD: 10,000 shares for nothing (FMV $10):
    24 x 20,000,000 / 20,010,000 = 23.98800... -> 23.99, reduction $.01 < $.03: carried.
    Then 20,000 for nothing: 24 x 20,010,000 / 20,030,000 = 23.97603... -> 23.98, reduction
    $.02; $.02 + $.01 = $.03: the price becomes 24 - .03 = $23.97."""
    first = run([issue("a", 1, 10_000, "0", "10")])
    assert (first.conversion_price, first.carried_forward) == (24, Fraction("0.01"))
    assert first.adjustments == ()
    both = run([issue("a", 1, 10_000, "0", "10"), issue("b", 2, 20_000, "0", "10")])
    assert both.conversion_price == Fraction("23.97")
    assert both.carried_forward == 0
    assert both.adjustments[0].facts["reduction"] == Fraction("0.02")


# §5(d)(i): exclusion baskets -----------------------------------------------------------


@pytest.mark.clause("F §5(d)(i)", "F §5(d)(i)(C)", "F §5(d)(i)(C)(8)")
def test_business_relationship_basket_reached_over_two_issues_f_5_d_i_c_8() -> None:
    """F §5(d)(i)(C)(8), AD-BASKET-EXCESS: 800,000 shares at $10 (FMV $10, 95% met): excluded.
    Then 300,000 at $10: 200,000 excluded (cap 1,000,000), 100,000 Additional Shares for
    $1,000,000; greater of $9.50 and $24 is $24:
    24 x (20,800,000 + 1,000,000 / 24) / 20,900,000 = 500,200,000 / 20,900,000 = 23.933... -> $23.93."""
    state = run(
        [
            issue("a", 1, 800_000, "10", "10", "business_relationship"),
            issue("b", 2, 300_000, "10", "10", "business_relationship"),
        ]
    )
    assert state.conversion_price == Fraction("23.93")
    assert state.adjustments[0].facts["additional_shares"] == 100_000
    usage = state.basket_usage["business_relationship"]
    assert (usage.used, usage.cap) == (1_000_000, 1_000_000)


@pytest.mark.clause("F §5(d)(i)(C)(8)")
def test_business_relationship_below_95_percent_is_not_excluded_f_5_d_i_c_8() -> None:
    """F §5(d)(i)(C)(8), AD-95-PERCENT-CONDITION: 100,000 at $9 with FMV $10 ($9 < $9.50): all
    are Additional Shares: 24 x (20,000,000 + 900,000 / 24) / 20,100,000 = 480,900,000 /
    20,100,000 = 23.925... -> $23.93; nothing is counted against the basket."""
    state = run([issue("a", 1, 100_000, "9", "10", "business_relationship")])
    assert state.conversion_price == Fraction("23.93")
    assert state.basket_usage["business_relationship"].used == 0


@pytest.mark.clause("F §5(d)(i)(C)(9)")
def test_high_yield_basket_excess_f_5_d_i_c_9() -> None:
    """F §5(d)(i)(C)(9): 1,500,000 then 700,000 at $10 (FMV $10): 200,000 over the 2,000,000
    cap: 24 x (21,500,000 + 2,000,000 / 24) / 21,700,000 = 518,000,000 / 21,700,000
    = 23.870... -> $23.87."""
    state = run(
        [issue("a", 1, 1_500_000, "10", "10", "high_yield_debt"), issue("b", 2, 700_000, "10", "10", "high_yield_debt")]
    )
    assert state.conversion_price == Fraction("23.87")
    assert state.basket_usage["high_yield_debt"].used == 2_000_000


@pytest.mark.clause("G §5(d)(i)(C)(10)", "G §5(d)(v)(A)(2)")
def test_business_anywhere_basket_excess_is_carried_g_5_d_i_c_10() -> None:
    """G §5(d)(i)(C)(10): 300,000 shares for $10 each in property, cap 288,371: 11,629
    Additional Shares for $116,290; G at $36: 36 x (20,000,000 + 116,290 / 36) / 20,011,629
    = (720,000,000 + 116,290) / 20,011,629 = 35.9823... -> $35.98: reduction $.02, carried."""
    action = CommonStockIssuance(
        id="m",
        date=day(1),
        shares=Fraction(300_000),
        purpose="business_anywhere_merger",
        cash_consideration=Fraction(0),
        property_consideration=Fraction(3_000_000),
        accrued_interest_or_dividends_in_cash=Fraction(0),
        fair_market_value_per_share=Fraction(10),
    )
    state = run([action], terms=G)
    assert state.decisions[0].explained.inputs["additional_shares"] == 11_629
    assert (state.conversion_price, state.carried_forward) == (36, Fraction("0.02"))


@pytest.mark.clause("F §5(d)(i)(C)(11)", "F §5(d)(i)(C)(12)")
def test_atcom_cap_exactly_reached_and_acquisition_at_95_percent_f_5_d_i_c_11_12() -> None:
    """F §5(d)(i)(C)(12) and (11): 2,654,826 Atcom shares for nothing are all excluded; an
    acquisition of 5,000,000 shares at $9.50 with FMV $10 meets "at least 95%": excluded."""
    state = run(
        [issue("a", 1, 2_654_826, "0", "10", "atcom_merger"), issue("b", 2, 5_000_000, "9.50", "10", "acquisition")]
    )
    assert state.conversion_price == 24
    assert state.carried_forward == 0
    assert state.basket_usage["atcom_merger"].used == ATCOM_USED


ATCOM_USED = 2_654_826


@pytest.mark.clause("F §5(d)(i)(D)", "F §5(d)(i)(D)(i)")
def test_reserved_employee_options_within_and_over_the_cap_f_5_d_i_d() -> None:
    """F §5(d)(i)(A), (D), AD-RESERVED-EMPLOYEE: options on 4,000,000 shares at $1 to employees
    are within the 5,000,000 Reserved Employee Shares (not Options); options on 1,500,000 more:
    500,000 over the cap are Options deemed issued for $500,000:
    24 x (20,000,000 + 500,000 / 24) / 20,500,000 = 480,500,000 / 20,500,000 = 23.439... -> $23.44."""
    grants = [
        option("e1", 1, 4_000_000, 0, 4_000_000, "10", "reserved_employee"),
        option("e2", 2, 1_500_000, 0, 1_500_000, "10", "reserved_employee"),
    ]
    state = run(grants)
    assert state.conversion_price == Fraction("23.44")
    assert state.adjustments[0].clause == "F §5(d)(iv)"


@pytest.mark.clause("F §5(d)(i)(D)(i)")
def test_approved_additional_reserved_employee_shares_f_5_d_i_d_i() -> None:
    """F §5(d)(i)(D)(i): a majority of Series F approves 500,000 more Reserved Employee Shares
    before the second grant: no excess, no adjustment. A Series G approval does not count for F."""
    approve_f = AdditionalReservedEmployeeShares(day(1), "F", Fraction(500_000), Fraction(30_000), Fraction(50_000))
    approve_g = AdditionalReservedEmployeeShares(day(1), "G", Fraction(500_000), Fraction(30_000), Fraction(50_000))
    grants = [
        option("e1", 1, 4_000_000, 0, 4_000_000, "10", "reserved_employee"),
        option("e2", 2, 1_500_000, 0, 1_500_000, "10", "reserved_employee"),
    ]
    assert run([approve_f, *grants]).conversion_price == 24
    assert run([approve_g, *grants]).conversion_price == Fraction("23.44")


@pytest.mark.clause("F §5(d)(i)(C)(8)")
def test_cap_of_basket_8_adjusted_for_split_f_5_d_i_c_8() -> None:
    """F §5(d)(i)(C)(8), AD-CAP-ADJUSTMENT: 800,000 partner shares, then a 2-for-1 split (cap
    2,000,000; used 1,600,000; price $12); then 500,000 partner shares at $5 (FMV $5): 400,000
    excluded, 100,000 Additional for $500,000: 12 x (41,600,000 + 500,000 / 12) / 41,700,000
    = 499,700,000 / 41,700,000 = 11.9832... -> $11.98, reduction $.02: carried."""
    state = run(
        [
            issue("a", 1, 800_000, "10", "10", "business_relationship"),
            StockSplit(day(2), Fraction(2)),
            issue("b", 3, 500_000, "5", "5", "business_relationship"),
        ]
    )
    usage = state.basket_usage["business_relationship"]
    assert (usage.used, usage.cap) == (2_000_000, 2_000_000)
    assert state.decisions[-1].explained.inputs["additional_shares"] == 100_000
    assert (state.conversion_price, state.carried_forward) == (12, Fraction("0.02"))


@pytest.mark.clause("F §5(d)(i)(C)(4)")
def test_distribution_on_common_must_be_recorded_as_split_or_dividend_f_5_d_i_c_4() -> None:
    """F §5(d)(i)(C)(4): an issue with that purpose is refused; §5(e)/(f) actions handle it."""
    with pytest.raises(InputError, match="StockDividendOnCommon"):
        run([issue("a", 1, 10, "0", "10", "distribution_on_common")])


# §5(d)(ii): the series' waiver ---------------------------------------------------------


@pytest.mark.clause("F §5(d)(ii)")
def test_waiver_by_a_majority_before_the_issue_f_5_d_ii() -> None:
    """F §5(d)(ii), AD-WAIVER: 25,001 of 50,000 votes agree before the issue: no adjustment;
    exactly half is not a majority; a waiver after the issue, or by Series G, does not help F."""
    sale = issue("i1", 2, 1_000_000, "25", "30")
    majority = SeriesWaiver(day(1), "F", "i1", Fraction(25_001), Fraction(50_000))
    half = SeriesWaiver(day(1), "F", "i1", Fraction(25_000), Fraction(50_000))
    late = SeriesWaiver(day(2), "F", "i1", Fraction(50_000), Fraction(50_000))
    other = SeriesWaiver(day(1), "G", "i1", Fraction(20_000), Fraction(20_000))
    assert run([majority, sale]).conversion_price == 24
    assert run([half, sale]).conversion_price == Fraction("23.86")
    assert run([sale, late]).conversion_price == Fraction("23.86")
    assert run([other, sale]).conversion_price == Fraction("23.86")
    assert run([other, sale], terms=G).conversion_price == 36  # G waived its own adjustment


# §5(d)(iii): Options and Convertible Securities ----------------------------------------


OPT = option("w", 1, 1_000_000, 1_000_000, 9_000_000, "10")
"""A warrant on 1,000,000 shares: $1,000,000 received + $9,000,000 on exercise = $10 a share."""


@pytest.mark.clause("F §5(d)(iii)", "F §5(d)(v)(B)", "F §5(d)(v)(B)(1)", "F §5(d)(v)(B)(2)")
def test_deemed_issue_of_option_shares_f_5_d_iii() -> None:
    """F §5(d)(iii), (v)(B): (1,000,000 + 9,000,000) / 1,000,000 = $10 < $24:
    24 x (20,000,000 + 10,000,000 / 24) / 21,000,000 = 490,000,000 / 21,000,000 = 23.333... -> $23.33.
    Exercise of 400,000 shares: no adjustment (§5(d)(iii)(A)); 400,000 more outstanding."""
    state = run([OPT, OptionExercise("w", day(2), Fraction(400_000))])
    assert state.conversion_price == Fraction("23.33")
    assert len(state.adjustments) == 1
    assert state.common_outstanding == OUTSTANDING + 400_000


@pytest.mark.clause("F §5(d)(iii)(B)")
def test_full_expiry_after_partial_exercise_readjusts_f_5_d_iii_b() -> None:
    """F §5(d)(iii)(B), AD-EXPIRY-BASIS: 400,000 exercised, the other 600,000 expire. As if the
    warrant had been on 400,000 shares for $4,000,000: 24 x (20,000,000 + 4,000,000 / 24) /
    20,400,000 = 484,000,000 / 20,400,000 = 23.7254... -> $23.73 (a readjustment upwards)."""
    state = run([OPT, OptionExercise("w", day(2), Fraction(400_000)), OptionExpiry("w", day(3), None)])
    assert state.conversion_price == Fraction("23.73")
    last = state.adjustments[-1]
    assert (last.clause, last.price_before, last.price_after) == (
        "F §5(d)(iii)(B)",
        Fraction("23.33"),
        Fraction("23.73"),
    )


@pytest.mark.clause("F §5(d)(iii)(B)")
def test_partial_expiry_readjusts_f_5_d_iii_b() -> None:
    """F §5(d)(iii)(B): 400,000 exercised, 300,000 of the other 600,000 expire: as if on 700,000
    shares for $7,000,000: 24 x (20,000,000 + 7,000,000 / 24) / 20,700,000 = 487,000,000 /
    20,700,000 = 23.5265... -> $23.53. The rest expiring later gives $23.73 as above."""
    partial = [OPT, OptionExercise("w", day(2), Fraction(400_000)), OptionExpiry("w", day(3), Fraction(300_000))]
    assert run(partial).conversion_price == Fraction("23.53")
    assert run([*partial, OptionExpiry("w", day(4), None)]).conversion_price == Fraction("23.73")


@pytest.mark.clause("F §5(d)(iii)(B)")
def test_expiry_unexercised_restores_the_price_f_5_d_iii_b() -> None:
    """F §5(d)(iii)(B): expiring unexercised in full, the warrant is as if never issued: $24."""
    state = run([OPT, OptionExpiry("w", day(5), None)])
    assert state.conversion_price == 24
    with pytest.raises(InputError, match="unexercised"):
        run([OPT, OptionExpiry("w", day(5), Fraction(1_000_001))])


@pytest.mark.clause("F §5(d)(iii)(C)")
def test_share_count_change_readjusts_f_5_d_iii_c() -> None:
    """F §5(d)(iii)(C), AD-COUNT-CHANGE-BASIS: the warrant's own anti-dilution raises it to
    1,200,000 shares for the same $9,000,000: (1,000,000 + 9,000,000) / 1,200,000 = $8.33...;
    24 x (20,000,000 + 10,000,000 / 24) / 21,200,000 = 490,000,000 / 21,200,000 = 23.113... -> $23.11."""
    state = run([OPT, OptionShareCountChange("w", day(2), Fraction(1_200_000), Fraction(9_000_000))])
    assert state.conversion_price == Fraction("23.11")
    assert state.adjustments[-1].clause == "F §5(d)(iii)(C)"


@pytest.mark.clause("F §5(d)(iii)(A)")
def test_unknown_option_and_over_exercise_refused_f_5_d_iii_a() -> None:
    """F §5(d)(iii)(A): an exercise must name an issued option and stay within its shares."""
    with pytest.raises(InputError, match="no Option"):
        run([OptionExercise("nope", day(1), Fraction(1))])
    with pytest.raises(InputError, match="still issuable"):
        run([OPT, OptionExercise("w", day(2), Fraction(1_000_001))])


# §5(e)-(h) -----------------------------------------------------------------------------


@pytest.mark.clause("F §5(e)")
def test_split_and_combination_f_5_e() -> None:
    """F §5(e), AD-SPLIT-DIVIDEND-EXACT: 3-for-1 split: 24 / 3 = $8; then 1-for-2 combination:
    8 x 2 = $16; a 7-for-1 split gives 24/7 exactly (not rounded)."""
    state = run([StockSplit(day(1), Fraction(3)), Combination(day(2), Fraction(2))])
    assert [a.price_after for a in state.adjustments] == [8, 16]
    assert state.common_outstanding == 30_000_000
    assert run([StockSplit(day(1), Fraction(7))]).conversion_price == Fraction(24, 7)


@pytest.mark.clause("F §5(f)")
def test_stock_dividend_f_5_f() -> None:
    """F §5(f): 2,000,000 shares as a dividend on 20,000,000: 24 x 20,000,000 / 22,000,000 = 240/11."""
    state = run([StockDividendOnCommon(day(1), Fraction(2_000_000))])
    assert state.conversion_price == Fraction(240, 11)
    assert state.adjustments[0].clause == "F §5(f)"


@pytest.mark.clause("F §5(g)", "F §5(j)")
def test_other_distribution_entitlement_and_certificate_f_5_g_j() -> None:
    """F §5(g), §5(j): half a warrant per share of Common Stock at $24: 1,000 / 24 x 1/2 = 125/6
    warrants per preferred share; no price change. A later 2-for-1 split gives a §5(j)
    certificate: $12, 1,000 / 12 = 250/3 shares and the 125/6 warrants."""
    state = run([OtherDistribution(day(1), "warrants", Fraction(1, 2)), StockSplit(day(2), Fraction(2))])
    assert state.entitlements[0].amount_per_preferred_share == Fraction(125, 6)
    assert state.entitlements[0].clause == "F §5(g)"
    [cert] = certificates_due(F, state, as_of=day(2), furnished_through=day(1))
    assert cert.common_shares_per_preferred_share == Fraction(250, 3)
    assert cert.other_property_per_share == (("warrants", Fraction(125, 6)),)
    assert cert.to_dict()["conversion_price_after"] == "12.00"
    assert "F §5(e)" in cert.to_text()
    assert certificates_due(F, state, as_of=day(2), furnished_through=day(2)) == []


@pytest.mark.clause("F §5(h)", "G §5(h)", "G §3(d)")
def test_reclassification_f_5_h_and_g_3_d_exception() -> None:
    """F §5(h): each share of Common Stock becomes 2 new shares: 1,000 / 24 x 2 = 250/3 per
    preferred share. G §5(h) "except as provided in Section 3": a merger after which the prior
    stockholders hold 49.9% (< 50%) is deemed a liquidation under G §3(d), judged from those facts
    by G's terms, and creates no entitlement; Series F has no such clause, so its holders get
    1,000 / 24 x 1 = 125/3 Acquirer shares per preferred share. At 50% G §3(d) does not apply and
    G gets 1,000 / 36 x 1 = 250/9."""
    change = Reclassification(day(1), "recapitalization", (("Class A Common", Fraction(2)),))
    state = run([change])
    assert state.entitlements[0].amount_per_preferred_share == Fraction(250, 3)
    facts = PartOfTransaction("merger-1", TransactionKind.MERGER, Fraction("0.499"))
    merger = Reclassification(day(1), "merger", (("Acquirer stock", Fraction(1)),), facts)
    g_state = run([merger], terms=G)
    assert g_state.entitlements == ()
    assert g_state.decisions[0].explained.clause == "G §3(d)"
    assert g_state.decisions[0].explained.inputs["transaction"] == "merger-1"
    assert run([merger]).entitlements[0].amount_per_preferred_share == Fraction(125, 3)
    at_half = Reclassification(
        day(1), "merger", (("Acquirer stock", Fraction(1)),), replace(facts, prior_stockholders_share=Fraction(1, 2))
    )
    assert run([at_half], terms=G).entitlements[0].amount_per_preferred_share == Fraction(250, 9)
    partial = Reclassification(
        day(1),
        "sale of a division",
        (("Acquirer stock", Fraction(1)),),
        PartOfTransaction("sale-1", TransactionKind.ASSET_DISPOSITION, Fraction("0.1"), all_or_substantially_all=False),
    )
    assert run([partial], terms=G).entitlements[0].amount_per_preferred_share == Fraction(250, 9)


@pytest.mark.clause("F §5(c)(ii)")
def test_par_value_flag_f_5_c_ii() -> None:
    """F §5(c)(ii): a 3,000-for-1 split takes $24 to $0.008, below the $.01 par value."""
    state = run([StockSplit(day(1), Fraction(3000))])
    assert state.conversion_price == Fraction("0.008")
    assert state.below_par_value and state.adjustments[0].below_par_value


@pytest.mark.clause("F §5(d)")
def test_actions_out_of_date_order_refused_f_5_d() -> None:
    """F §5(d): actions are applied in date order."""
    with pytest.raises(InputError, match="date order"):
        run([StockSplit(day(2), Fraction(2)), StockSplit(day(1), Fraction(2))])


@pytest.mark.clause("F §5(d)")
def test_as_of_ignores_later_actions_f_5_d() -> None:
    """F §5(d): as of day 1 only the first issue counts."""
    actions = [issue("a", 1, 1_000_000, "25", "30"), StockSplit(day(2), Fraction(2))]
    assert conversion_price_history(
        F, original_issuance_date=ISSUED, initial_common_outstanding=OUTSTANDING, actions=actions, as_of=day(1)
    ).conversion_price == Fraction("23.86")


# Properties ----------------------------------------------------------------------------

_MONEY = st.integers(min_value=0, max_value=4000).map(lambda c: Fraction(c, 100))


@st.composite
def _histories(draw: st.DrawFn) -> list[Action]:
    """Random histories of issues, options (exercised, expiring, changed), splits, combinations
    and dividends, in date order."""
    actions: list[Action] = []
    options: dict[str, Fraction] = {}
    for n in range(draw(st.integers(min_value=1, max_value=8))):
        kind = draw(
            st.sampled_from(["issue", "option", "exercise", "expiry", "change", "split", "combine", "dividend"])
        )
        when = day(n)
        if kind == "issue":
            shares = draw(st.integers(min_value=1, max_value=3_000_000))
            actions.append(
                CommonStockIssuance(
                    id=f"i{n}",
                    date=when,
                    shares=Fraction(shares),
                    purpose=draw(st.sampled_from(["none", "business_relationship", "high_yield_debt"])),
                    cash_consideration=draw(_MONEY) * shares,
                    property_consideration=Fraction(0),
                    accrued_interest_or_dividends_in_cash=Fraction(0),
                    fair_market_value_per_share=draw(_MONEY) + 1,
                )
            )
        elif kind == "option":
            shares = draw(st.integers(min_value=1, max_value=3_000_000))
            actions.append(
                OptionIssuance(
                    id=f"o{n}",
                    date=when,
                    max_shares=Fraction(shares),
                    consideration_received=draw(_MONEY) * shares,
                    min_additional_consideration=draw(_MONEY) * shares,
                    purpose="none",
                    fair_market_value_per_share=draw(_MONEY) + 1,
                )
            )
            options[f"o{n}"] = Fraction(shares)
        elif kind in ("exercise", "expiry", "change") and options:
            ident = draw(st.sampled_from(sorted(options)))
            left = options[ident]
            if left == 0:
                continue
            if kind == "exercise":
                used = Fraction(draw(st.integers(min_value=1, max_value=int(left))))
                actions.append(OptionExercise(ident, when, used))
                options[ident] = left - used
            elif kind == "expiry":
                gone = Fraction(draw(st.integers(min_value=1, max_value=int(left))))
                actions.append(OptionExpiry(ident, when, gone))
                options[ident] = left - gone
            else:
                new = Fraction(draw(st.integers(min_value=0, max_value=3_000_000)))
                actions.append(OptionShareCountChange(ident, when, new, draw(_MONEY) * new))
                options[ident] = new
        elif kind == "split":
            actions.append(StockSplit(when, Fraction(draw(st.integers(min_value=2, max_value=4)))))
        elif kind == "combine":
            actions.append(Combination(when, Fraction(draw(st.integers(min_value=2, max_value=4)))))
        elif kind == "dividend":
            actions.append(StockDividendOnCommon(when, Fraction(draw(st.integers(min_value=1, max_value=2_000_000)))))
    return actions


@pytest.mark.clause("F §5(d)(iv)", "F §5(e)", "F §5(f)")
@settings(max_examples=150, deadline=None)
@given(_histories())
def test_price_rises_only_by_combination_or_readjustment_f_5_d_e(actions: list[Action]) -> None:
    """F §5(d)(iv), (e), (f): issues, splits and dividends only lower the price; it rises only
    on a combination (§5(e)) or a readjustment on expiry or change (§5(d)(iii)(B)-(C))."""
    state = run(actions)
    for adjustment in state.adjustments:
        if adjustment.price_after > adjustment.price_before:
            assert adjustment.clause in ("F §5(e)", "F §5(d)(iii)(B)", "F §5(d)(iii)(C)")
            if adjustment.clause == "F §5(e)":
                assert adjustment.action == "combination"
    assert state.conversion_price > 0


@pytest.mark.clause("F §5(d)(iii)(B)")
@settings(max_examples=150, deadline=None)
@given(
    _histories(),
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=1, max_value=3_000_000),
    _MONEY,
)
def test_expired_unexercised_option_equals_history_without_it_f_5_d_iii_b(
    actions: list[Action], position: int, expiry_after: int, shares: int, per_share: Fraction
) -> None:
    """F §5(d)(iii)(B): an option that expires unexercised leaves the price (and the amount
    carried forward) as if it had never been issued, from its expiry on."""
    position = min(position, len(actions))
    expiry_at = min(position + expiry_after, len(actions))
    when = actions[position - 1].date if position else day(0)
    extra = OptionIssuance(
        id="X",
        date=when,
        max_shares=Fraction(shares),
        consideration_received=Fraction(0),
        min_additional_consideration=per_share * shares,
        purpose="none",
        fair_market_value_per_share=Fraction(30),
    )
    expiry_date = actions[expiry_at - 1].date if expiry_at else when
    expiry = OptionExpiry("X", expiry_date, None)
    with_it = [*actions[:position], extra, *actions[position:expiry_at], expiry, *actions[expiry_at:]]
    assert run(with_it).conversion_price == run(actions).conversion_price
    assert run(with_it).carried_forward == run(actions).carried_forward
    assert run(with_it).basket_usage == run(actions).basket_usage


@pytest.mark.clause("F §5(d)", "G §5(d)")
@settings(max_examples=100, deadline=None)
@given(_histories())
def test_result_depends_only_on_the_inputs_f_5_d(actions: list[Action]) -> None:
    """F §5(d): the fold is deterministic: the same inputs give an equal state, for F and G."""
    assert run(actions) == run(list(actions))
    assert run(actions, terms=G) == run(tuple(actions), terms=G)


@pytest.mark.clause("F §5(d)")
@settings(max_examples=100, deadline=None)
@given(_histories(), st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=8))
def test_the_incremental_fold_equals_the_whole_fold_on_every_prefix_f_5_d(
    actions: list[Action], steps: list[int]
) -> None:
    """The fold a replay continues as actions are appended (IncrementalFold) gives exactly the state
    of folding the same actions from the start: for growing prefixes (one action or several at a
    time), for a shorter prefix asked for afterwards, and for F and G."""
    from prefstack.clauses.antidilution import IncrementalFold

    for terms in (F, G):
        fold = IncrementalFold(terms, original_issuance_date=ISSUED, initial_common_outstanding=OUTSTANDING)
        seen = 0
        lengths = [*sorted({min(len(actions), sum(steps[: i + 1])) for i in range(len(steps))}), len(actions)]
        for length in lengths:
            prefix = actions[:length]
            assert fold.state_after(prefix) == run(prefix, terms=terms), (terms.series, length)
            seen = length
        for length in (seen // 2, 0):
            assert fold.state_after(actions[:length]) == run(actions[:length], terms=terms)
        # After answering shorter prefixes it still continues (or restarts) correctly.
        assert fold.state_after(actions) == run(actions, terms=terms)


def test_the_incremental_fold_keeps_nothing_from_a_refused_action_f_5_d() -> None:
    """A refused action (an Option exercised beyond its shares) leaves the fold as it was: the next
    question is answered as if the refused list had never been asked about."""
    from prefstack.clauses.antidilution import IncrementalFold

    fold = IncrementalFold(F, original_issuance_date=ISSUED, initial_common_outstanding=OUTSTANDING)
    good = [OPT]
    assert fold.state_after(good) == run(good)
    with pytest.raises(InputError):
        fold.state_after([*good, OptionExercise("w", day(2), Fraction(1_000_001))])
    later = [*good, OptionExercise("w", day(2), Fraction(400_000))]
    assert fold.state_after(later) == run(later)


@pytest.mark.clause("F §5(d)(iii)(B)", "F §5(d)(iii)(C)", "G §5(d)(iii)(B)")
@settings(max_examples=150, deadline=None)
@given(_histories(), _histories())
def test_a_readjustment_resumed_from_a_checkpoint_equals_one_replayed_from_the_start_f_5_d_iii_b(
    first: list[Action], second: list[Action]
) -> None:
    """F/G §5(d)(iii)(B)-(C): a readjustment replays the earlier actions with the Option on its new
    basis; resumed from the checkpoint before the Option's issue, it gives exactly the state of a
    replay from the start, for F and G (two random histories one after the other, so that Options
    of the first expire or change after other readjustments)."""
    offset = (first[-1].date - day(0)).days + 1 if first else 0
    later = [replace(a, date=day(offset + i)) for i, a in enumerate(second)]
    actions = [*first, *(_renamed(a, "b") for a in later)]
    for terms in (F, G):
        resumed = run(actions, terms=terms)
        with _replaying_from_the_start():
            from_start = run(actions, terms=terms)
        assert resumed == from_start


@contextlib.contextmanager
def _replaying_from_the_start() -> Iterator[None]:
    """Readjustments replay every earlier action (the reference), for the duration."""
    from prefstack.clauses import antidilution

    antidilution.RESUME_READJUSTMENTS = False
    try:
        yield
    finally:
        antidilution.RESUME_READJUSTMENTS = True


def _renamed(action: Action, prefix: str) -> Action:
    """``action`` with its ids prefixed, so that two histories can follow one another."""
    for name in ("id", "issuance_id"):
        if hasattr(action, name):
            action = replace(action, **{name: prefix + getattr(action, name)})
    return action


@pytest.mark.clause("F §5(d)(iii)(B)")
def test_a_long_ledger_of_expiring_options_readjusts_the_same_resumed_or_from_the_start_f_5_d_iii_b() -> None:
    """The benchmark's ledger of daily issues and conversions with Options expiring three days
    after their issue (about 600 events, 34 expiries): every series' Conversion Price
    history is the same whether each readjustment resumes from a checkpoint or replays from the start."""
    import sys
    from pathlib import Path

    from prefstack.ledger import section5, service

    sys.path.insert(0, str(Path(__file__).parents[2]))
    from benchmarks.antidilution import mixed_ledger

    placed = mixed_ledger(600)

    def histories() -> dict[str, ConversionPriceState]:
        state = service.validate(placed)
        assert state is not None
        return {s: section5.conversion_price_state(state, s) for s in state.series}

    resumed = histories()
    with _replaying_from_the_start():
        from_start = histories()
    assert resumed == from_start
    expiries = [d for s in resumed.values() for d in s.decisions if d.action.startswith("expiry")]
    expired = sum(1 for p in placed if p.event.kind == "option_expired")
    assert expired > 30 and len(expiries) == 2 * expired  # every expiry readjusted, in both series


def _cheap_options(ident: str, n: int, shares: int = 2_000_000) -> OptionIssuance:
    """Options on ``shares`` at $1 a share against a Fair Market Value of $30: an adjustment."""
    return OptionIssuance(
        id=ident,
        date=day(n),
        max_shares=Fraction(shares),
        consideration_received=Fraction(0),
        min_additional_consideration=Fraction(shares),
        purpose="none",
        fair_market_value_per_share=Fraction(30),
    )


@pytest.mark.clause("F §5(d)(iii)(A)", "F §5(d)(iii)(B)", "G §5(d)(iii)(B)")
@pytest.mark.parametrize(
    "actions",
    [
        # Nested: y issued, z issued, z expires (checkpoints before y and z), then y expires: the
        # checkpoint before z holds y on its old basis and must not be resumed from.
        [
            _cheap_options("y", 1),
            _cheap_options("z", 3),
            OptionExpiry("z", day(5), None),
            OptionExpiry("y", day(7), None),
        ],
        # x exercised after the checkpoint before y was taken, y expires; then z is issued and expires:
        # resuming before y must see x as it was then, not as the later replay left it.
        [
            _cheap_options("x", 0),
            _cheap_options("y", 1),
            OptionExercise("x", day(2), Fraction(500_000)),
            OptionExpiry("y", day(3), None),
            _cheap_options("z", 4),
            OptionExercise("x", day(5), Fraction(1_500_000)),
            OptionExpiry("z", day(6), None),
        ],
        # Part of w expires, then v, then the rest of w.
        [
            _cheap_options("w", 0),
            _cheap_options("v", 2),
            OptionExpiry("w", day(3), Fraction(500_000)),
            OptionExpiry("v", day(4), None),
            OptionExpiry("w", day(5), None),
        ],
    ],
    ids=["nested expiries", "exercise between readjustments", "partial expiries"],
)
def test_readjustments_resumed_from_checkpoints_in_hand_built_histories_f_5_d_iii_b(actions: list[Action]) -> None:
    """F/G §5(d)(iii)(A)-(B): histories where a checkpoint would be stale (an earlier Option's basis
    changed since, or an exercise recorded after it) give the state of a replay from the start."""
    for terms in (F, G):
        resumed = run(actions, terms=terms)
        with _replaying_from_the_start():
            assert resumed == run(actions, terms=terms)
        assert len(resumed.adjustments) >= 2  # the deemed issues adjusted the price and were readjusted


def _full_ratchet_terms() -> SeriesTerms:
    """Series F's terms with a full ratchet in place of the weighted average (a certificate's
    ``adjustment_formula`` feature); everything else as F."""
    from prefstack.terms.schema import parse_terms

    data = F.model_dump(mode="json")
    data["conversion"]["adjustment_formula"] = {"value": "full_ratchet", "cite": "F §5(d)(iv)"}
    return parse_terms(data, "full ratchet")


@pytest.mark.clause("F §5(d)(iv)")
def test_a_full_ratchet_lowers_the_conversion_price_to_the_issue_price() -> None:
    """adjustment_formula full_ratchet: 1,000,000 shares for $15,000,000 cash ($15 a share, FMV
    $30) against a Conversion Price of $24: the price falls to $15.00 (the weighted average of
    F §5(d)(iv) would give 24 x (20,000,000 + 15,000,000 / 28.50) / 21,000,000 = $23.46). A
    second issue at $16 (above the new $15) changes nothing; one at $10.005 rounds half up to
    $10.01."""
    terms = _full_ratchet_terms()
    first = run([issue("i1", 1, 1_000_000, "15", "30")], terms=terms)
    assert first.conversion_price == Fraction(15)
    assert run([issue("i1", 1, 1_000_000, "15", "30")]).conversion_price == Fraction("23.46")
    second = run([issue("i1", 1, 1_000_000, "15", "30"), issue("i2", 2, 1_000_000, "16", "30")], terms=terms)
    assert second.conversion_price == Fraction(15) and len(second.adjustments) == 1
    third = run([issue("i1", 1, 1_000_000, "15", "30"), issue("i3", 3, 200, "10.005", "30")], terms=terms)
    assert third.conversion_price == Fraction("10.01")
    assert "full ratchet" in third.adjustments[-1].explained.formula


def test_an_adjustment_formula_no_clause_implements_is_refused_naming_it() -> None:
    """A terms file asking for an adjustment formula prefstack does not implement is refused."""
    from prefstack.errors import TermsError
    from prefstack.terms.schema import parse_terms

    data = F.model_dump(mode="json")
    data["conversion"]["adjustment_formula"] = {"value": "broad_based_weighted_average", "cite": "F §5(d)(iv)"}
    with pytest.raises(TermsError, match="adjustment_formula"):
        parse_terms(data, "t")
