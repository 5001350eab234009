"""Alternatives of the readings of F/G §5(d)-(g) (the baskets of §5(d)(i), the expiry of Options, splits
and stock dividends, distributions in other securities, the Original Issuance Date), each computed
by hand: Series F at $24.00 with 20,000,000 shares of Common Stock outstanding unless said."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from importlib import resources
from pathlib import Path

from prefstack.books import Books
from prefstack.clauses.antidilution import (
    Action,
    CommonStockIssuance,
    ConversionPriceState,
    OptionExpiry,
    OptionIssuance,
    OtherDistribution,
    Purpose,
    SeriesWaiver,
    StockDividendOnCommon,
    StockSplit,
    conversion_price_history,
)
from prefstack.interpretations.readings import parse, under
from prefstack.terms import load_terms

COVERED = {
    ("AD-SPLIT-DIVIDEND-EXACT", "round-cent"),
    ("AD-BASKET-EXCESS", "whole-issue"),
    ("AD-CAP-ADJUSTMENT", "every-cap"),
    ("AD-CAP-ADJUSTMENT", "keep-counted"),
    ("AD-95-PERCENT-CONDITION", "exercise-price"),
    ("AD-EXPIRY-BASIS", "keep-consideration"),
    ("AD-OTHER-DISTRIBUTION", "whole-shares"),
    ("AD-ORIGINAL-ISSUANCE-DATE", "one-date"),
    ("AD-ORIGINAL-ISSUANCE-DATE", "same-day-counts"),
    ("AD-ORIGINAL-ISSUANCE-DATE", "scale-before"),
    ("AD-RESERVED-EMPLOYEE", "pooled"),
    ("AD-EXPIRY-BASIS", "add-back"),
    ("AD-WAIVER", "late-counts"),
}

ISSUED = dt.date(2000, 8, 2)
"""Series F's Original Issuance Date."""


def _day(n: int) -> dt.date:
    return dt.date(2001, 1, 1) + dt.timedelta(days=n)


def _fold(actions: Sequence[Action], **choices: str) -> ConversionPriceState:
    with under(parse(choices, "test")):
        return conversion_price_history(
            load_terms("F"),
            original_issuance_date=ISSUED,
            initial_common_outstanding=Fraction(20_000_000),
            actions=actions,
        )


def _price(actions: Sequence[Action], **choices: str) -> tuple[Fraction, Fraction]:
    state = _fold(actions, **choices)
    return state.conversion_price, state.carried_forward


def _issue(
    ident: str, on: dt.date, shares: int, per_share: str, fmv: str, purpose: Purpose = "none"
) -> CommonStockIssuance:
    return CommonStockIssuance(
        id=ident,
        date=on,
        shares=Fraction(shares),
        purpose=purpose,
        cash_consideration=Fraction(per_share) * shares,
        property_consideration=Fraction(0),
        accrued_interest_or_dividends_in_cash=Fraction(0),
        fair_market_value_per_share=Fraction(fmv),
    )


def _option(ident: str, shares: int, received: int, exercise_total: int, purpose: Purpose = "none") -> OptionIssuance:
    return OptionIssuance(
        id=ident,
        date=_day(1),
        max_shares=Fraction(shares),
        consideration_received=Fraction(received),
        min_additional_consideration=Fraction(exercise_total),
        purpose=purpose,
        fair_market_value_per_share=Fraction(10),
    )


def test_split_and_stock_dividend_prices_rounded_to_the_cent() -> None:
    """AD-SPLIT-DIVIDEND-EXACT=round-cent: a 7-for-1 split makes $24.00 exactly 24/7 = 3.428571...,
    or $3.43 to the cent; a dividend of 2,000,000 shares on 20,000,000 makes it 24 x 20/22 =
    21.8181..., or $21.82."""
    split = [StockSplit(_day(1), Fraction(7))]
    dividend = [StockDividendOnCommon(_day(1), Fraction(2_000_000))]
    assert _price(split) == (Fraction(24, 7), 0)
    assert _price(split, **{"AD-SPLIT-DIVIDEND-EXACT": "round-cent"}) == (Fraction("3.43"), 0)
    assert _price(dividend) == (Fraction(240, 11), 0)
    assert _price(dividend, **{"AD-SPLIT-DIVIDEND-EXACT": "round-cent"}) == (Fraction("21.82"), 0)


def test_an_issue_crossing_the_business_relationship_cap_loses_the_exclusion_whole() -> None:
    """AD-BASKET-EXCESS=whole-issue, F §5(d)(i)(C)(8) (cap 1,000,000): 800,000 shares at $10 (FMV $10)
    are excluded; then 300,000 at $10. prefstack excludes the 200,000 that fit: 100,000 Additional
    Shares for $1,000,000, 24 x (20,800,000 + 1,000,000 / 24) / 20,900,000 = 23.933... -> $23.93.
    The whole issue losing the exclusion: 300,000 Additional Shares for $3,000,000, 24 x
    (20,800,000 + 3,000,000 / 24) / 21,100,000 = 502,200,000 / 21,100,000 = 23.800... -> $23.80,
    and the basket keeps its room (800,000 counted)."""
    actions = [
        _issue("a", _day(1), 800_000, "10", "10", "business_relationship"),
        _issue("b", _day(2), 300_000, "10", "10", "business_relationship"),
    ]
    assert _price(actions) == (Fraction("23.93"), 0)
    whole = _fold(actions, **{"AD-BASKET-EXCESS": "whole-issue"})
    assert (whole.conversion_price, whole.basket_usage["business_relationship"].used) == (Fraction("23.80"), 800_000)


def test_which_caps_a_split_adjusts() -> None:
    """AD-CAP-ADJUSTMENT after a 2-for-1 split (price $12.00, 40,000,000 outstanding).
    every-cap: 3,000,000 high-yield shares at $5 (FMV $5, F §5(d)(i)(C)(9), cap 2,000,000 not
    adjusted by prefstack): 1,000,000 Additional for $5,000,000, 12 x (40,000,000 + 5,000,000 / 12)
    / 41,000,000 = 485 / 41 = 11.829... -> $11.83; with the cap doubled to 4,000,000 all are
    excluded and the price stays $12.00.
    keep-counted: 800,000 partner shares before the split, 1,300,000 after at $5: prefstack doubles
    both the cap and the 800,000 counted (room 400,000): 900,000 Additional for $4,500,000, 12 x
    (41,600,000 + 375,000) / 42,500,000 = 11.8517... -> $11.85; keeping the 800,000 (room
    1,200,000): 100,000 Additional for $500,000, 12 x (41,600,000 + 41,666.67) / 41,700,000 =
    11.9832... -> $11.98, a reduction of $.02, carried."""
    split = StockSplit(_day(1), Fraction(2))
    high_yield = [split, _issue("h", _day(2), 3_000_000, "5", "5", "high_yield_debt")]
    assert _price(high_yield) == (Fraction("11.83"), 0)
    assert _price(high_yield, **{"AD-CAP-ADJUSTMENT": "every-cap"}) == (12, 0)
    partner = [
        _issue("a", _day(0), 800_000, "10", "10", "business_relationship"),
        split,
        _issue("b", _day(2), 1_300_000, "5", "5", "business_relationship"),
    ]
    assert _price(partner) == (Fraction("11.85"), 0)
    assert _price(partner, **{"AD-CAP-ADJUSTMENT": "keep-counted"}) == (12, Fraction("0.02"))


def test_the_ninety_five_percent_test_on_an_options_exercise_price() -> None:
    """AD-95-PERCENT-CONDITION=exercise-price: Options on 500,000 shares to a business partner
    (F §5(d)(i)(C)(8)), $1 a share received and $9 to exercise, FMV $10. prefstack tests the $10
    a share of §5(d)(v)(B) against $9.50: excluded, $24.00 stays. Testing the $9 exercise price:
    not excluded, deemed issued for $5,000,000: 24 x (20,000,000 + 5,000,000 / 24) / 20,500,000 =
    485 / 20.5 = 23.658... -> $23.66."""
    grant = [_option("p", 500_000, 500_000, 4_500_000, "business_relationship")]
    assert _price(grant) == (24, 0)
    assert _price(grant, **{"AD-95-PERCENT-CONDITION": "exercise-price"}) == (Fraction("23.66"), 0)


def test_the_consideration_kept_when_half_an_option_expires() -> None:
    """AD-EXPIRY-BASIS=keep-consideration: an Option on 1,000,000 shares, $2,000,000 received and
    $3,000,000 to exercise: deemed issued for $5,000,000, 24 x (20,000,000 + 5,000,000 / 24) /
    21,000,000 = 23.095... -> $23.10. Half expires: replayed on 500,000 shares for $1,000,000 +
    $1,500,000, 24 x (20,000,000 + 2,500,000 / 24) / 20,500,000 = 23.536... -> $23.54; keeping the
    whole $2,000,000 received: for $3,500,000, 24 x (20,000,000 + 3,500,000 / 24) / 20,500,000 =
    23.585... -> $23.59. Adding back half the reduction made at the issue: 23.10 + .90 / 2 = $23.55."""
    grant = _option("o", 1_000_000, 2_000_000, 3_000_000)
    assert _price([grant]) == (Fraction("23.10"), 0)
    expiry = [grant, OptionExpiry("o", _day(5), Fraction(500_000))]
    assert _price(expiry) == (Fraction("23.54"), 0)
    assert _price(expiry, **{"AD-EXPIRY-BASIS": "keep-consideration"}) == (Fraction("23.59"), 0)
    # add-back: half of the $.90 taken off at the issue (24.00 - 23.10) is given back, nothing replayed
    assert _price(expiry, **{"AD-EXPIRY-BASIS": "add-back"}) == (Fraction("23.10") + Fraction("0.90") / 2, 0)


def test_a_distribution_of_warrants_on_whole_shares_only() -> None:
    """AD-OTHER-DISTRIBUTION=whole-shares: half a warrant per share of Common Stock; a share of
    Series F converts into 1,000 / 24 = 41.666... shares: 125/6 warrants (prefstack), or on the 41
    whole shares 20.5."""
    distribution = [OtherDistribution(_day(1), "warrants", Fraction(1, 2))]
    assert _fold(distribution).entitlements[0].amount_per_preferred_share == Fraction(125, 6)
    whole = _fold(distribution, **{"AD-OTHER-DISTRIBUTION": "whole-shares"})
    assert whole.entitlements[0].amount_per_preferred_share == Fraction(41, 2)


def test_actions_on_and_before_the_original_issuance_date() -> None:
    """AD-ORIGINAL-ISSUANCE-DATE.
    same-day-counts: 1,000,000 shares for nothing on 2000-08-02 itself only join the Common Stock
    outstanding (prefstack), or adjust: 24 x 20,000,000 / 21,000,000 = 22.857... -> $22.86.
    scale-before: a 2-for-1 split on 2000-07-01, then 1,500,000 partner shares at $10 (FMV $10):
    prefstack's cap is still 1,000,000, so 500,000 are Additional for $5,000,000, 24 x (40,000,000
    + 5,000,000 / 24) / 40,500,000 = 23.827... -> $23.83; the cap scaled to 2,000,000 takes them
    all."""
    same_day = [_issue("a", ISSUED, 1_000_000, "0", "10")]
    assert _price(same_day) == (24, 0)
    assert _price(same_day, **{"AD-ORIGINAL-ISSUANCE-DATE": "same-day-counts"}) == (Fraction("22.86"), 0)
    before = [
        StockSplit(dt.date(2000, 7, 1), Fraction(2)),
        _issue("b", _day(1), 1_500_000, "10", "10", "business_relationship"),
    ]
    assert _price(before) == (Fraction("23.83"), 0)
    assert _price(before, **{"AD-ORIGINAL-ISSUANCE-DATE": "scale-before"}) == (24, 0)


def test_one_original_issuance_date_for_both_series(tmp_path: Path) -> None:
    """AD-ORIGINAL-ISSUANCE-DATE=one-date, on a ledger: Series G issued 2000-06-15, Series F
    2000-08-02, and 1,000,000 shares of Common Stock for nothing on 2000-07-01 (20,000,000
    outstanding). G adjusts either way: 36 x 20,000,000 / 21,000,000 = 34.2857... -> $34.29. F,
    not yet issued, keeps $24.00 (prefstack); counting from G's date it adjusts: 24 x 20 / 21 =
    22.857... -> $22.86."""
    source = resources.files("prefstack.data").joinpath("example_ledger.yaml").read_text(encoding="utf-8")
    head = source[: source.index("events:")]
    lines = [
        head + "events:",
        "- {kind: common_authorized, date: '2000-06-01', recorded_at: '2000-06-01T17:00:00Z', shares: 200000000}",
        "- {kind: common_outstanding, date: '2000-06-01', recorded_at: '2000-06-01T17:00:00Z', shares: 20000000}",
        "- {kind: preferred_issued, date: '2000-06-15', recorded_at: '2000-06-15T17:00:00Z', series: G,"
        " holder: 3Com Corporation, shares: '20000', id: g-issue}",
        "- {kind: common_issued, date: '2000-07-01', recorded_at: '2000-07-01T17:00:00Z', id: gift, shares: '1000000',"
        " purpose: none, cash_consideration: '0', fair_market_value_per_share: '10'}",
        "- {kind: preferred_issued, date: '2000-08-02', recorded_at: '2000-08-02T17:00:00Z', series: F,"
        " holder: Microsoft Corporation, shares: '40000', id: f-issue}",
    ]
    ledger = tmp_path / "two_dates.yaml"
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def prices(**choices: str) -> dict[str, Fraction]:
        books = Books("sqlite:///unused.sqlite", ledger=str(ledger), readings=parse(choices, "test"))
        return {s.series: Fraction(s.conversion_price.value) for s in books.state(dt.date(2000, 9, 1)).series}

    assert prices() == {"F": 24, "G": Fraction("34.29")}
    assert prices(**{"AD-ORIGINAL-ISSUANCE-DATE": "one-date"}) == {"F": Fraction("22.86"), "G": Fraction("34.29")}


def test_the_employee_baskets_pooled() -> None:
    """AD-RESERVED-EMPLOYEE=pooled: Options on 4,000,000 and then 1,500,000 shares at $1 to employees
    under plans (F §5(d)(i)(D)(i), cap 5,000,000). prefstack: 500,000 over the cap are deemed issued
    for $500,000, 24 x (20,000,000 + 500,000 / 24) / 20,500,000 = 23.439... -> $23.44. Pooled with
    the 3,031,495 of (D)(ii), the cap is 8,031,495 and all 5,500,000 are excluded: $24.00."""
    grants = [
        _option("e1", 4_000_000, 0, 4_000_000, "reserved_employee"),
        _option("e2", 1_500_000, 0, 1_500_000, "reserved_employee"),
    ]
    assert _price(grants) == (Fraction("23.44"), 0)
    assert _price(grants, **{"AD-RESERVED-EMPLOYEE": "pooled"}) == (24, 0)


def test_a_waiver_received_after_the_issue() -> None:
    """AD-WAIVER=late-counts: 1,000,000 shares at $25 (FMV $30) on 2001-01-03 adjust $24.00 to 24 x
    (20,000,000 + 25,000,000 / 28.50) / 21,000,000 = 23.859... -> $23.86; a waiver by all of Series F
    received on 2001-01-04 comes too late for prefstack, and under the alternative undoes it: $24.00.
    Then Options on 1,000,000 shares for $10 each (FMV $30) adjust by (21,000,000 + 10,000,000 /
    28.50) / 22,000,000: $23.86 -> 23.155... -> $23.16 (prefstack), or $24.00 -> 23.291... ->
    $23.29; when they all expire the price is replayed without them, and the replay still knows
    the late waiver: back to $23.86 and $24.00."""
    sale = _issue("i1", _day(2), 1_000_000, "25", "30")
    late = SeriesWaiver(_day(3), "F", "i1", Fraction(50_000), Fraction(50_000))
    grant = OptionIssuance("w", _day(4), Fraction(1_000_000), Fraction(0), Fraction(10_000_000), "none", Fraction(30))
    expiry = OptionExpiry("w", _day(5), None)
    alternative = {"AD-WAIVER": "late-counts"}
    assert _price([sale, late]) == (Fraction("23.86"), 0)
    assert _price([sale, late], **alternative) == (24, 0)
    assert _price([sale, late, grant]) == (Fraction("23.16"), 0)
    assert _price([sale, late, grant], **alternative) == (Fraction("23.29"), 0)
    assert _price([sale, late, grant, expiry]) == (Fraction("23.86"), 0)
    assert _price([sale, late, grant, expiry], **alternative) == (24, 0)
