"""Liquidation preference: F §3, G §3 and G §3(d)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.citations import cite
from prefstack.clauses.liquidation import (
    JuniorHolding,
    NonCashProceeds,
    ParityHolding,
    SeniorClass,
    Tier,
    TransactionKind,
    apportion_cents,
    is_deemed_liquidation,
    is_deemed_liquidation_for_g,
    liquidation_value_per_share,
    waterfall,
)
from prefstack.errors import InputError, TermsError
from prefstack.numeric import Rounding, round_to
from prefstack.terms import load_terms

F_TERMS = load_terms("F")
G_TERMS = load_terms("G")
ON = dt.date(2003, 1, 15)
ONE = Fraction(1)

# Senior: Series C $5,000,000 and Series D $3,000,000, neither participating.
SENIOR = [
    SeniorClass("Series C", Fraction(5_000_000), participates=False, as_converted_common=Fraction(0)),
    SeniorClass("Series D", Fraction(3_000_000), participates=False, as_converted_common=Fraction(0)),
]
# Holder A: 2,400 Series F shares, $35 accrued -> Liquidation Value $1,035, full amount $2,484,000;
# 2,400 x 1,000 / 24 = 100,000 shares of Common Stock as converted.
# Holder B: 3,600 Series G shares, $30 accrued -> $1,030, full amount $3,708,000;
# 3,600 x 1,000 / 36 = 100,000 shares of Common Stock as converted.
LV_F = liquidation_value_per_share(F_TERMS, Fraction(35), issue_price_adjustment=ONE)
LV_G = liquidation_value_per_share(G_TERMS, Fraction(30), issue_price_adjustment=ONE)
PARITY = [
    ParityHolding("F", "A", Fraction(2400), LV_F, Fraction(100_000), participates=True),
    ParityHolding("G", "B", Fraction(3600), LV_G, Fraction(100_000), participates=True),
]
JUNIOR = [JuniorHolding("Common Stock", "Founders", Fraction(200_000))]


def test_liquidation_value_is_issue_price_plus_accrued_f_3a() -> None:
    """F §3(a): $1,000.00 + $35.123 accrued = $1,035.123; G §3(a) the same for G."""
    value = liquidation_value_per_share(F_TERMS, Fraction("35.123"), issue_price_adjustment=ONE)
    assert value.value == Fraction("1035.123")
    assert value.clause == "F §3(a)"
    assert LV_G.value == Fraction(1030) and LV_G.clause == "G §3(a)"


def test_liquidation_value_adjusted_for_a_split_g_3a() -> None:
    """G §3(a): after a two-for-one split of the preferred the Original Issue Price is
    $1,000 x 1/2 = $500; with $12.50 accrued the Liquidation Value is $512.50."""
    value = liquidation_value_per_share(G_TERMS, Fraction("12.50"), issue_price_adjustment=Fraction(1, 2))
    assert value.value == Fraction("512.50")
    assert "LIQ-ISSUE-PRICE-ADJUSTMENT" in value.interpretations


def test_liquidation_value_refuses_floats_and_negatives_f_3a() -> None:
    """F §3(a): inputs must be exact and accrued dividends cannot be negative."""
    with pytest.raises(InputError, match="accrued_unpaid_per_share"):
        liquidation_value_per_share(F_TERMS, 35.0, issue_price_adjustment=ONE)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="F §3\\(a\\)"):
        liquidation_value_per_share(F_TERMS, Fraction(-1), issue_price_adjustment=ONE)


@pytest.mark.clause("F §1(b)")
def test_proceeds_below_senior_amount_f_1b() -> None:
    """F §1(b)(iii): $4,000,000 against $8,000,000 of senior preferences, shared ratably
    (LIQ-SENIOR-RATABLE): C 4,000,000 x 5/8 = 2,500,000; D x 3/8 = 1,500,000; F, G and
    Common nothing."""
    result = waterfall(Fraction(4_000_000), [], SENIOR, PARITY, JUNIOR, ON)
    assert result.paid_to("Series C", "Series C") == 2_500_000
    assert result.paid_to("Series D", "Series D") == 1_500_000
    assert result.paid_to("F", "A") == 0
    assert result.paid_to("G", "B") == 0
    assert result.paid_to("Common Stock", "Founders") == 0
    assert result.total_paid.value == 4_000_000


def test_parity_shortfall_half_f_3a_g_3a() -> None:
    """F §3(a), G §3(a): proceeds $11,096,000 leave 11,096,000 - 8,000,000 = 3,096,000 for
    the parity tier, half of its 6,192,000: A 2,484,000 / 2 = 1,242,000; B 3,708,000 / 2 =
    1,854,000; Common nothing."""
    result = waterfall(Fraction(11_096_000), [], SENIOR, PARITY, JUNIOR, ON)
    assert result.paid_to("F", "A") == 1_242_000
    assert result.paid_to("G", "B") == 1_854_000
    assert result.paid_to("Common Stock", "Founders") == 0
    parity = [p for p in result.payouts if p.tier is Tier.PARITY]
    assert {p.amount.clause for p in parity} == {"F §3(a)", "G §3(a)"}


def test_parity_shortfall_in_cents_f_3a() -> None:
    """F §3(a): $1,000,000 left for the parity tier. A: 1,000,000 x 2,484,000 / 6,192,000 =
    401,162.7906...; B: 598,837.2093... To the cent (LIQ-CENTS, nearest for two
    holdings): 401,162.79 + 598,837.21 = 1,000,000.00."""
    result = waterfall(Fraction(9_000_000), [], SENIOR, PARITY, JUNIOR, ON)
    assert result.paid_to("F", "A") == Fraction("401162.79")
    assert result.paid_to("G", "B") == Fraction("598837.21")
    assert result.total_paid.value == 9_000_000


@pytest.mark.clause("F §3(b)", "G §3(b)")
def test_above_preferences_participation_as_converted_f_3b_g_3b() -> None:
    """F §3(b), G §3(b): proceeds 15,192,000 = 8,000,000 senior + 6,192,000 parity +
    1,000,000 left, shared on 100,000 + 100,000 + 200,000 = 400,000 shares as converted:
    A and B 250,000 each, Common 500,000. A gets 2,484,000 + 250,000 = 2,734,000."""
    result = waterfall(Fraction(15_192_000), [], SENIOR, PARITY, JUNIOR, ON)
    assert result.paid_to("F", "A") == 2_734_000
    assert result.paid_to("G", "B") == 3_958_000
    assert result.paid_to("Common Stock", "Founders") == 500_000
    assert result.paid_to("Series C", "Series C") == 5_000_000
    assert result.tier_totals[Tier.AS_CONVERTED].value == 1_000_000


def test_participating_senior_shares_the_rest_f_3b() -> None:
    """F §3(b) "(and all other holders of Senior Securities ... the terms of which so
    require)": Series E, $1,000,000 preference, participating on 100,000 shares. Proceeds
    8,000,000 + 1,000,000 + 6,192,000 + 1,000,000 = 16,192,000; the 1,000,000 left is
    shared on 500,000 shares: A, B and E 200,000 each, Common 400,000."""
    series_e = SeniorClass("Series E", Fraction(1_000_000), participates=True, as_converted_common=Fraction(100_000))
    senior = [*SENIOR, series_e]
    result = waterfall(Fraction(16_192_000), [], senior, PARITY, JUNIOR, ON)
    assert result.paid_to("Series E", "Series E") == 1_200_000
    assert result.paid_to("F", "A") == 2_484_000 + 200_000
    assert result.paid_to("Common Stock", "Founders") == 400_000


def test_non_cash_deal_valued_under_3c() -> None:
    """F §3(c)(i)(A): $10,000,000 cash plus 200,000 listed acquirer shares at a 30-day
    average closing price of $25.96 = 5,192,000; proceeds 15,192,000 as in the cash case,
    so the payouts are the same, and the valuation is reported."""
    stock = NonCashProceeds(
        "200,000 shares of Acquirer common stock",
        Fraction(200_000) * Fraction("25.96"),
        "F §3(c)(i)(A)",
        "average closing price over the 30 days ending 3 days before the closing",
    )
    result = waterfall(Fraction(10_000_000), [stock], SENIOR, PARITY, JUNIOR, ON)
    assert result.proceeds.value == 15_192_000
    assert result.paid_to("F", "A") == 2_734_000
    assert result.paid_to("Common Stock", "Founders") == 500_000
    (part,) = result.proceeds.parts
    assert part.clause == "F §3(c)(i)(A)" and part.value == 5_192_000
    assert "30 days" in str(part.inputs["method"])


def test_non_cash_refuses_a_clause_outside_3c() -> None:
    """F §3(c): a valuation must cite a clause of §3(c)."""
    with pytest.raises(InputError, match="valuation_clause"):
        NonCashProceeds("bonds", Fraction(1), "F §5(d)(v)", "board")


def test_fractional_proceeds_round_half_up_once() -> None:
    """LIQ-CENTS: proceeds of $9,000,000 cash plus property worth $1/3 round to
    9,000,000.33; all of it is paid out."""
    extra = NonCashProceeds("a right", Fraction(1, 3), "G §3(c)", "good-faith determination of the Board")
    result = waterfall(Fraction(9_000_000), [extra], SENIOR, PARITY, JUNIOR, ON)
    assert result.total_paid.value == Fraction("9000000.33")


def test_senior_and_parity_only_are_paid_before_junior_g_3a() -> None:
    """G §3(a): "before any distribution or payment ... to the holders of any Junior
    Securities": with proceeds below senior + parity, Common gets nothing."""
    result = waterfall(Fraction(14_191_999), [], SENIOR, PARITY, JUNIOR, ON)
    assert result.paid_to("Common Stock", "Founders") == 0


def test_series_f_and_g_must_participate_g_3b() -> None:
    """G §3(b) requires Series G to share on an as-converted basis."""
    with pytest.raises(InputError, match="G §3\\(b\\)"):
        ParityHolding("G", "B", Fraction(1), LV_G, Fraction(0), participates=False)


def test_assets_left_with_nobody_to_share_them_f_3b() -> None:
    """F §3(b): remaining assets need holders on an as-converted basis."""
    parity = [
        ParityHolding("Series H", "H", Fraction(1), Fraction(10), Fraction(0), participates=False),
        ParityHolding("F", "A", Fraction(1), Fraction(10), Fraction(0), participates=True),
    ]
    with pytest.raises(InputError, match="as-converted"):
        waterfall(Fraction(100), [], [], parity, [], ON)


# --- G §3(d) -----------------------------------------------------------------------


def test_g_deemed_liquidation_below_half_g_3d() -> None:
    """G §3(d): prior stockholders holding 49.9% of the survivor: deemed a liquidation."""
    result = is_deemed_liquidation_for_g(TransactionKind.MERGER, Fraction(499, 1000))
    assert result.value is True
    assert result.clause == "G §3(d)"


def test_g_not_deemed_liquidation_at_half_g_3d() -> None:
    """G §3(d): "unless ... hold at least 50%": exactly 50% is not a deemed liquidation."""
    assert is_deemed_liquidation(G_TERMS, TransactionKind.ASSET_DISPOSITION, Fraction(1, 2)).value is False


def test_f_has_no_deemed_liquidation_f_3() -> None:
    """F §3 has no clause like G §3(d) (LIQ-F-NO-DEEMED): not a liquidation for F even at 10%."""
    result = is_deemed_liquidation(F_TERMS, TransactionKind.MERGER, Fraction(1, 10))
    assert result.value is False
    assert result.clause == "F §3"
    assert "LIQ-F-NO-DEEMED" in result.interpretations
    assert "F §6(b)" in result.formula


# --- the cent apportionment --------------------------------------------------------


def test_apportion_cents_example() -> None:
    """LIQ-CENTS: 10 cents on weights 1, 1, 1: quotas 3.33 each; the tie at the last cent
    goes to the first listed: 4, 3, 3."""
    assert apportion_cents(10, [ONE, ONE, ONE]) == [4, 3, 3]
    assert apportion_cents(0, [ONE, ONE]) == [0, 0]


weights = st.lists(st.fractions(min_value=0, max_value=10**6, max_denominator=1000), min_size=1, max_size=6).filter(
    lambda ws: sum(ws) > 0
)


@settings(max_examples=150, deadline=None)
@given(weights, st.integers(min_value=0, max_value=10**9))
def test_apportion_cents_house_monotone_and_divisor_rule(ws: list[Fraction], total: int) -> None:
    """LIQ-CENTS: the cents add up; one more cent takes nothing from anyone; and there is
    a common divisor: every weight / (cents + 1/2) <= every weight / (cents - 1/2)."""
    now = apportion_cents(total, ws)
    after = apportion_cents(total + 1, ws)
    assert sum(now) == total and sum(after) == total + 1
    assert all(b >= a for a, b in zip(now, after, strict=True))
    if total:
        half = Fraction(1, 2)
        top = max(w / (a + half) for w, a in zip(ws, now, strict=True))
        bottom = min((w / (a - half) for w, a in zip(ws, now, strict=True) if a > 0), default=None)
        assert bottom is None or top <= bottom


# --- waterfall properties ----------------------------------------------------------

money = st.fractions(min_value=0, max_value=10**7, max_denominator=1000)
shares = st.fractions(min_value=1, max_value=10**5, max_denominator=100)


@st.composite
def cap_tables(draw: st.DrawFn) -> tuple[list[SeniorClass], list[ParityHolding], list[JuniorHolding]]:
    senior = []
    for i in range(draw(st.integers(0, 2))):
        participates = draw(st.booleans())
        senior.append(SeniorClass(f"S{i}", draw(money), participates, draw(shares) if participates else Fraction(0)))
    parity = []
    for i in range(draw(st.integers(1, 3))):
        series = draw(st.sampled_from(["F", "G", "Series H"]))
        participates = series in ("F", "G") or draw(st.booleans())
        parity.append(
            ParityHolding(
                series if i else "F",
                f"P{i}",
                draw(shares),
                draw(st.fractions(min_value=1000, max_value=1200, max_denominator=10**4)),
                draw(shares) if participates or i == 0 else Fraction(0),
                participates or i == 0,
            )
        )
    junior = [JuniorHolding("Common Stock", f"J{i}", draw(shares)) for i in range(draw(st.integers(0, 2)))]
    return senior, parity, junior


@pytest.mark.clause("F §3", "G §3")
@settings(max_examples=120, deadline=None)
@given(cap_tables(), st.integers(min_value=0, max_value=5 * 10**10))
def test_waterfall_pays_out_exactly_the_proceeds(table: tuple, cents: int) -> None:  # type: ignore[type-arg]
    """F §3(b): all remaining assets are distributed: the cents paid add up to the proceeds."""
    senior, parity, junior = table
    result = waterfall(Fraction(cents, 100), [], senior, parity, junior, ON)
    assert sum(p.paid for p in result.payouts) == Fraction(cents, 100)
    assert result.total_paid.value == Fraction(cents, 100)
    assert all((p.paid * 100).denominator == 1 and p.paid >= 0 for p in result.payouts)


@settings(max_examples=120, deadline=None)
@given(cap_tables(), st.integers(min_value=0, max_value=5 * 10**10), st.integers(min_value=1, max_value=10**9))
def test_no_holder_gets_less_when_proceeds_rise(table: tuple, cents: int, more: int) -> None:  # type: ignore[type-arg]
    """F §3, G §3 with LIQ-CENTS: raising the proceeds never lowers anyone's payout."""
    senior, parity, junior = table
    low = waterfall(Fraction(cents, 100), [], senior, parity, junior, ON).by_holder()
    high = waterfall(Fraction(cents + more, 100), [], senior, parity, junior, ON).by_holder()
    assert all(high[key] >= low[key] for key in low)


@settings(max_examples=120, deadline=None)
@given(cap_tables(), st.fractions(min_value=0, max_value=1, max_denominator=10**6))
def test_parity_shortfall_shared_in_proportion_to_full_amounts(table: tuple, where: Fraction) -> None:  # type: ignore[type-arg]
    """F §3(a), G §3(a): proceeds between the senior amount and senior + parity: each
    parity holding gets the tier's cents x its full amount / all full amounts, within a
    cent (LIQ-CENTS, up to three holdings), and nothing goes to the as-converted tier. The
    full amounts are those "otherwise payable", each to the cent (LIQ-CENTS), so a fully funded
    holding is paid its own Liquidation Value to the cent.

    The proceeds are placed between the amounts as paid (each fixed amount to the cent): placed
    between the exact amounts instead, the cents that rounding leaves over when ``where`` is 1
    (a senior $1/3 paid as $0.33) rightly go on to the as-converted tier."""
    senior, parity, junior = table
    cents = [Fraction(round_to(s.preference_amount, 2, Rounding.HALF_UP, "F §3(a)").value) for s in senior]
    to_the_cent = [Fraction(round_to(p.full_amount, 2, Rounding.HALF_UP, "F §3(a)").value) for p in parity]
    proceeds = sum(cents, Fraction(0)) + where * sum(to_the_cent, Fraction(0))
    proceeds = Fraction(int(proceeds * 100), 100)
    result = waterfall(proceeds, [], senior, parity, junior, ON)
    tier = result.tier_totals[Tier.PARITY].value
    assert isinstance(tier, Fraction)
    paid = [p for p in result.payouts if p.tier is Tier.PARITY]
    for payable, payout in zip(to_the_cent, paid, strict=True):
        share = tier * payable / sum(to_the_cent, Fraction(0))
        assert abs(payout.paid - share) < Fraction(1, 100)
    assert result.tier_totals[Tier.AS_CONVERTED].value == 0


def test_payout_clauses_are_citations() -> None:
    """Every payout cites a section of the certificates."""
    result = waterfall(Fraction(15_192_000), [], SENIOR, PARITY, JUNIOR, ON)
    for payout in result.payouts:
        cite(payout.amount.clause)


def test_the_cent_that_rounding_leaves_over_goes_to_the_as_converted_tier() -> None:
    """LIQ-CENTS, F §3(a)-(b): each fixed amount is paid to the cent, so proceeds equal to the exact
    amounts can leave a cent over, which goes on to the participating tier.
    Senior $1/3 is paid $0.33; F holds 2 shares at 2,200,481/2,009 = $1,095.3116... each, in full
    4,400,962/2,009 = $2,190.6232... paid $2,190.62; a non-participating parity holding of 1 share at
    1,346,683/1,301 = $1,035.1138... is paid $1,035.11. Proceeds $3,226.07 (the exact sum 3,226.0703...
    to the cent) less 0.33 + 2,190.62 + 1,035.11 = 3,226.06 leave $0.01, all to F, the only
    participating holding."""
    senior = [SeniorClass("S0", Fraction(1, 3), participates=False, as_converted_common=Fraction(0))]
    parity = [
        ParityHolding(
            "F", "P0", Fraction(2), Fraction(2200481, 2009), as_converted_common=Fraction(1), participates=True
        ),
        ParityHolding(
            "Series H", "P1", Fraction(1), Fraction(1346683, 1301), as_converted_common=Fraction(0), participates=False
        ),
    ]
    result = waterfall(Fraction("3226.07"), [], senior, parity, [], ON)
    assert result.tier_totals[Tier.AS_CONVERTED].value == Fraction(1, 100)
    assert result.total_paid.value == Fraction("3226.07")
    by_holder = result.by_holder()
    assert sum(by_holder.values(), Fraction(0)) == Fraction("3226.07")
    p0 = sum((p.paid for p in result.payouts if p.holder == "P0"), Fraction(0))
    assert p0 == Fraction("2190.63")  # $2,190.62 in full plus the cent


@pytest.mark.clause("F §3(a)")
def test_a_preference_multiple_is_a_term_of_the_certificate() -> None:
    """liquidation.preference_multiple 1.5: a $1,000 share with $35 accrued has a Liquidation Value
    of 1.5 x 1,000 + 35 = $1,535 (F's own multiple of one gives $1,035); a multiple of zero is refused."""
    from prefstack.terms import load_terms
    from prefstack.terms.schema import parse_terms

    f = load_terms("F")
    data = f.model_dump(mode="json")
    data["liquidation"]["preference_multiple"] = {"value": "3/2", "cite": "F §3(a)"}
    richer = parse_terms(data, "1.5x")
    value = liquidation_value_per_share(richer, Fraction(35), issue_price_adjustment=Fraction(1))
    assert value.value == Fraction(1535) and "preference multiple" in value.formula
    assert liquidation_value_per_share(f, Fraction(35), issue_price_adjustment=Fraction(1)).value == Fraction(1035)
    data["liquidation"]["preference_multiple"] = {"value": "0", "cite": "F §3(a)"}
    with pytest.raises(TermsError, match="preference_multiple must be positive"):
        parse_terms(data, "zero")
