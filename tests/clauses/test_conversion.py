"""F/G §5(a)-(c): conversion ratio, whole shares and cash for fractions, dividends on
conversion, the cut-offs of the Conversion Rights (F §6(j), G §6(i)), timing, reserve."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from prefstack.clauses.conversion import (
    ConversionMoment,
    ConversionRightsTerminated,
    below_par_value,
    check_reserve,
    common_shares_required,
    conversion_ratio,
    conversion_rights_end_for_liquidation,
    conversion_rights_end_for_redemption,
    conversion_timing,
    convert,
    ensure_conversion_allowed,
)
from prefstack.errors import InputError
from prefstack.terms import load_terms

F = load_terms("F")
G = load_terms("G")
DAY = dt.date(2001, 3, 1)


@pytest.mark.clause("F §5(a)", "G §5(a)")
def test_conversion_ratio_is_issue_price_over_conversion_price_f_g_5_a() -> None:
    """F §5(a): 1,000 / 24 = 125/3 = 41.666...; G §5(a): 1,000 / 36 = 250/9."""
    assert conversion_ratio(F, F.conversion.initial_conversion_price.value).value == Fraction(125, 3)
    assert conversion_ratio(G, G.conversion.initial_conversion_price.value).value == Fraction(250, 9)
    assert conversion_ratio(G, Fraction(36)).clause == "G §5(a)"


@pytest.mark.clause("F §5(a)", "F §5(b)")
def test_acceptance_250_series_f_shares_at_23_86_f_5_b() -> None:
    """F §5(a)-(b): 250 x 1,000 / 23.86 = 250,000 / 23.86 = 10,477.787...: 10,477 shares of
    Common Stock; the fraction 0.787... x 23.86 = 250,000 - 10,477 x 23.86
    = 250,000 - 249,981.22 = $18.78 in cash."""
    result = convert(
        F,
        shares=Fraction(250),
        conversion_price=Fraction("23.86"),
        conversion_date=DAY,
        accrued_unpaid_dividends=Fraction(0),
        funds_legally_available=Fraction(0),
        common_fair_market_value=None,
    )
    assert result.common_shares.value == 10_477
    assert result.cash_for_fraction.value == Fraction("18.78")
    assert result.cash_for_fraction.clause == "F §5(b)"
    assert result.cash_for_fraction.inputs["exact"] == Fraction("18.78")
    assert "CONV-FRACTION-AGGREGATE" in result.common_shares.interpretations
    assert result.total_common_shares == 10_477


@pytest.mark.clause("G §5(b)")
def test_cash_for_fraction_rounded_half_up_to_the_cent_g_5_b() -> None:
    """G §5(b), CONV-CASH-CENTS: at a price of 36/7 (after a 7-for-1 split) one share gives
    1,000 x 7 / 36 = 194.444...: 194 shares; fraction 4/9 x 36/7 = 16/7 = 2.2857... -> $2.29."""
    result = convert(
        G,
        shares=Fraction(1),
        conversion_price=Fraction(36, 7),
        conversion_date=DAY,
        accrued_unpaid_dividends=Fraction(0),
        funds_legally_available=Fraction(0),
        common_fair_market_value=None,
    )
    assert result.common_shares.value == 194
    assert result.cash_for_fraction.inputs["exact"] == Fraction(16, 7)
    assert result.cash_for_fraction.value == Fraction("2.29")


@pytest.mark.clause("F §5(c)(iii)")
def test_dividends_paid_in_cash_when_funds_suffice_f_5_c_iii() -> None:
    """F §5(c)(iii): $1,234.56 accrued, $5,000 available: all in cash, no shares."""
    result = convert(
        F,
        shares=Fraction(10),
        conversion_price=Fraction(24),
        conversion_date=DAY,
        accrued_unpaid_dividends=Fraction("1234.56"),
        funds_legally_available=Fraction(5000),
        common_fair_market_value=None,
    )
    assert result.dividends.cash.value == Fraction("1234.56")
    assert result.dividends.common_shares.value == 0
    assert result.common_shares.value == 416  # 10,000 / 24 = 416.67


@pytest.mark.clause("F §5(c)(iii)")
def test_dividend_shortfall_paid_in_common_at_fair_market_value_f_5_c_iii() -> None:
    """F §5(c)(iii), CONV-DIVIDEND-SHARE-FRACTION: $1,234.567 accrued, $1,000 available:
    $1,000 cash; 234.567 / 17.50 = 13.4038...: 13 shares; fraction 0.4038... x 17.50
    = 234.567 - 13 x 17.50 = 234.567 - 227.50 = 7.067 -> $7.07."""
    result = convert(
        F,
        shares=Fraction(250),
        conversion_price=Fraction("23.86"),
        conversion_date=DAY,
        accrued_unpaid_dividends=Fraction("1234.567"),
        funds_legally_available=Fraction(1000),
        common_fair_market_value=Fraction("17.50"),
    )
    assert result.dividends.cash.value == Fraction(1000)
    assert result.dividends.common_shares.value == 13
    assert result.dividends.cash_for_fraction.value == Fraction("7.07")
    assert result.total_common_shares == 10_477 + 13
    assert result.dividends.common_shares.clause == "F §5(c)(iii)"


@pytest.mark.clause("G §5(c)(iii)")
def test_dividend_shortfall_without_fair_market_value_is_an_error_g_5_c_iii() -> None:
    """G §5(c)(iii): Common Stock at Fair Market Value needs that value."""
    with pytest.raises(InputError, match="common_fair_market_value") as err:
        convert(
            G,
            shares=Fraction(1),
            conversion_price=Fraction(36),
            conversion_date=DAY,
            accrued_unpaid_dividends=Fraction(10),
            funds_legally_available=Fraction(0),
            common_fair_market_value=None,
        )
    assert err.value.clause == "G §5(c)(iii)"


@pytest.mark.clause("F §5(a)")
def test_bad_inputs_refused_f_5_a() -> None:
    """F §5(a): zero shares and a zero Conversion Price are refused."""
    kwargs = dict(
        conversion_date=DAY,
        accrued_unpaid_dividends=Fraction(0),
        funds_legally_available=Fraction(0),
        common_fair_market_value=None,
    )
    with pytest.raises(InputError, match="shares"):
        convert(F, shares=Fraction(0), conversion_price=Fraction(24), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="conversion_price"):
        convert(F, shares=Fraction(1), conversion_price=Fraction(0), **kwargs)  # type: ignore[arg-type]


@pytest.mark.clause("F §5(a)")
def test_liquidation_cutoff_is_the_day_before_payment_f_5_a() -> None:
    """F §5(a), CONV-LIQUIDATION-CUTOFF: payment fixed for 2003-06-10 -> rights end at the
    close of business on 2003-06-09."""
    end = conversion_rights_end_for_liquidation(F, dt.date(2003, 6, 10))
    assert end.value == dt.date(2003, 6, 9)
    assert end.clause == "F §5(a)"


@pytest.mark.clause("F §6(j)", "G §6(i)")
def test_redemption_cutoff_is_five_days_before_f_6_j_g_6_i() -> None:
    """F §6(j) / G §6(i): Redemption Date 2005-08-02 -> close of business 2005-07-28."""
    f_end = conversion_rights_end_for_redemption(F, dt.date(2005, 8, 2))
    g_end = conversion_rights_end_for_redemption(G, dt.date(2005, 8, 2))
    assert f_end.value == g_end.value == dt.date(2005, 7, 28)
    assert (f_end.clause, g_end.clause) == ("F §6(j)", "G §6(i)")


def test_conversion_after_a_cutoff_is_refused_naming_the_clause() -> None:
    """F §6(j), G §5(a), CONV-CUTOFF-SAME-DAY: the cut-off day is in time, the next is not;
    a default in paying the Redemption Price keeps the rights."""
    redemption = dt.date(2005, 8, 2)
    ensure_conversion_allowed(
        F,
        conversion_date=dt.date(2005, 7, 28),
        liquidation_payment_date=None,
        redemption_date=redemption,
        redemption_payment_defaulted=False,
    )
    with pytest.raises(ConversionRightsTerminated, match=r"F §6\(j\)"):
        ensure_conversion_allowed(
            F,
            conversion_date=dt.date(2005, 7, 29),
            liquidation_payment_date=None,
            redemption_date=redemption,
            redemption_payment_defaulted=False,
        )
    ensure_conversion_allowed(
        F,
        conversion_date=dt.date(2005, 7, 30),
        liquidation_payment_date=None,
        redemption_date=redemption,
        redemption_payment_defaulted=True,
    )
    with pytest.raises(ConversionRightsTerminated, match=r"G §5\(a\)"):
        ensure_conversion_allowed(
            G,
            conversion_date=dt.date(2003, 6, 10),
            liquidation_payment_date=dt.date(2003, 6, 10),
            redemption_date=None,
            redemption_payment_defaulted=False,
        )


@pytest.mark.clause("F §5(c)(i)", "F §5(c)(v)")
def test_conditional_conversion_effective_immediately_prior_to_closing_f_5_c_v() -> None:
    """F §5(c)(v): surrendered 2001-05-01, conditioned on the offering closing 2001-05-15:
    converted immediately prior to that closing; unconditional: close of business on
    surrender (F §5(c)(i)); not closed: not converted."""
    timing = conversion_timing(
        F,
        surrender_date=dt.date(2001, 5, 1),
        conditioned_on_underwritten_offering=True,
        offering_closing_date=dt.date(2001, 5, 15),
    )
    assert timing.date == dt.date(2001, 5, 15)
    assert timing.moment is ConversionMoment.IMMEDIATELY_PRIOR_TO_OFFERING_CLOSING
    assert timing.explained.clause == "F §5(c)(v)"
    plain = conversion_timing(
        F, surrender_date=dt.date(2001, 5, 1), conditioned_on_underwritten_offering=False, offering_closing_date=None
    )
    assert (plain.date, plain.moment) == (dt.date(2001, 5, 1), ConversionMoment.CLOSE_OF_BUSINESS)
    with pytest.raises(InputError, match="not converted"):
        conversion_timing(
            F, surrender_date=dt.date(2001, 5, 1), conditioned_on_underwritten_offering=True, offering_closing_date=None
        )


@pytest.mark.clause("F §5(c)(ii)", "G §5(c)(ii)")
def test_reserve_shortfall_f_g_5_c_ii() -> None:
    """F/G §5(c)(ii), CONV-RESERVE-WHOLE: F 40,000 x 1,000 / 24 = 1,666,666.67 -> 1,666,666;
    G 20,000 x 1,000 / 36 = 555,555.56 -> 555,555; together 2,222,221 against 2,000,000
    authorized and unissued: shortfall 222,221."""
    f_req = common_shares_required(F, outstanding_preferred_shares=Fraction(40_000), conversion_price=Fraction(24))
    g_req = common_shares_required(G, outstanding_preferred_shares=Fraction(20_000), conversion_price=Fraction(36))
    assert (f_req.common_shares.value, g_req.common_shares.value) == (1_666_666, 555_555)
    check = check_reserve([f_req, g_req], authorized_unissued_common=Fraction(2_000_000))
    assert check.shortfall.value == Fraction(222_221)
    assert not check.sufficient
    assert check_reserve([f_req], authorized_unissued_common=Fraction(2_000_000)).sufficient


@pytest.mark.clause("F §5(c)(ii)")
def test_below_par_value_flag_f_5_c_ii() -> None:
    """F §5(c)(ii): par value of the Common Stock is $.01 (F §1(b))."""
    assert below_par_value(F, Fraction("0.009")).value is True
    assert below_par_value(F, Fraction("0.01")).value is False


@pytest.mark.clause("G §5(c)(i)", "G §5(c)(v)")
def test_conversion_timing_g_5_c_i_and_v() -> None:
    """G §5(c)(i): unconditional, the conversion is made at the close of business on the day of
    surrender (2001-07-02); G §5(c)(v): conditioned on an offering closing 2001-07-20, immediately
    prior to that closing."""
    plain = conversion_timing(
        G, surrender_date=dt.date(2001, 7, 2), conditioned_on_underwritten_offering=False, offering_closing_date=None
    )
    assert (plain.date, plain.moment) == (dt.date(2001, 7, 2), ConversionMoment.CLOSE_OF_BUSINESS)
    assert plain.explained.clause == "G §5(c)(i)"
    conditional = conversion_timing(
        G,
        surrender_date=dt.date(2001, 7, 2),
        conditioned_on_underwritten_offering=True,
        offering_closing_date=dt.date(2001, 7, 20),
    )
    assert (conditional.date, conditional.moment) == (
        dt.date(2001, 7, 20),
        ConversionMoment.IMMEDIATELY_PRIOR_TO_OFFERING_CLOSING,
    )
    assert conditional.explained.clause == "G §5(c)(v)"
