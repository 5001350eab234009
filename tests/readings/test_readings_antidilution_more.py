"""More alternatives of the readings of F/G §5(b)-(h) (the dividend shares' fraction taken with the
conversion's, the outstanding count fully diluted, a basket lost once its cap is crossed, the 95%
condition tested on exercise, employee options counted when exercised, a §5(g) distribution
recomputed on readjustment, a reclassification expressed in the price) and of the order of the
events of one day, each computed by hand: Series F at $24.00 with 20,000,000 shares of
Common Stock outstanding unless said."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from prefstack.books import Books
from prefstack.clauses.antidilution import (
    Action,
    CommonStockIssuance,
    ConversionPriceState,
    OptionExercise,
    OptionExpiry,
    OptionIssuance,
    OtherDistribution,
    Purpose,
    Reclassification,
    conversion_price_history,
)
from prefstack.clauses.conversion import convert
from prefstack.errors import InputError
from prefstack.interpretations.readings import parse, under
from prefstack.terms import load_terms

COVERED = {
    ("CONV-DIVIDEND-SHARE-FRACTION", "add-to-conversion"),
    ("AD-OUTSTANDING", "fully-diluted"),
    ("AD-BASKET-EXCESS", "every-issue"),
    ("LEDGER-SAME-DAY-ORDER", "recorded-order"),
    ("LEDGER-SAME-DAY-ORDER", "splits-before-conversions"),
    ("AD-95-PERCENT-CONDITION", "exercise-date"),
    ("AD-RESERVED-EMPLOYEE", "at-exercise"),
    ("AD-OTHER-DISTRIBUTION", "recompute"),
    ("AD-RECLASSIFICATION", "change-price"),
}

F = load_terms("F")
ISSUED = dt.date(2000, 8, 2)
"""Series F's Original Issuance Date."""

_SOURCE = resources.files("prefstack.data").joinpath("example_ledger.yaml").read_text(encoding="utf-8")
HEAD = _SOURCE[: _SOURCE.index("events:")] + (
    "events:\n"
    "- {kind: common_authorized, date: '2000-06-01', recorded_at: '2000-06-01T17:00:00Z', shares: 200000000}\n"
    "- {kind: common_outstanding, date: '2000-06-01', recorded_at: '2000-06-01T17:00:00Z', shares: 20000000}\n"
    "- {kind: preferred_issued, date: '2000-08-02', recorded_at: '2000-08-02T17:00:00Z', series: F,"
    " holder: Microsoft Corporation, shares: '40000', id: f-issue}\n"
)


def _issue(
    ident: str, day: int, shares: int, per_share: str, fmv: str, purpose: Purpose = "none"
) -> CommonStockIssuance:
    return CommonStockIssuance(
        id=ident,
        date=dt.date(2001, 1, 1) + dt.timedelta(days=day),
        shares=Fraction(shares),
        purpose=purpose,
        cash_consideration=Fraction(per_share) * shares,
        property_consideration=Fraction(0),
        accrued_interest_or_dividends_in_cash=Fraction(0),
        fair_market_value_per_share=Fraction(fmv),
    )


def _fold(actions: list[Action], **choices: str) -> ConversionPriceState:
    with under(parse(choices, "test")):
        return conversion_price_history(
            F, original_issuance_date=ISSUED, initial_common_outstanding=Fraction(20_000_000), actions=actions
        )


def _books(tmp_path: Path, lines: list[str], **choices: str) -> Books:
    ledger = tmp_path / "more.yaml"
    ledger.write_text(HEAD + "".join(line + "\n" for line in lines), encoding="utf-8")
    return Books("sqlite:///unused.sqlite", ledger=str(ledger), readings=parse(choices, "test"))


def _f_price(books: Books, on: dt.date) -> Fraction:
    (f,) = [s for s in books.state(on).series if s.series == "F"]
    return Fraction(f.conversion_price.value)


def _convert_250(**asked: Any) -> Any:
    return convert(
        F,
        shares=Fraction(250),
        conversion_price=Fraction("23.86"),
        conversion_date=dt.date(2001, 3, 1),
        accrued_unpaid_dividends=asked.pop("accrued", Fraction(0)),
        funds_legally_available=asked.pop("funds", Fraction(0)),
        common_fair_market_value=asked.pop("fmv", None),
        **asked,
    )


def test_more_dividend_shares_added_before_the_whole_part() -> None:
    """CONV-DIVIDEND-SHARE-FRACTION=add-to-conversion: 250 Series F shares at $23.86, $1,234.567
    accrued, $1,000 legally available, FMV $17.50. prefstack: 10,477 conversion shares and $18.78;
    234.567 / 17.50 = 13.40382... -> 13 dividend shares and 7.067 -> $7.07. Added together:
    10,477.78709... + 13.40382... = 10,491.19091...: 10,491 shares, so 14 dividend shares, and the
    fraction 0.19091... paid at the Conversion Price: 18.78 + 7.067 / 17.50 x 23.86 - 23.86 =
    18.78 + 9.635... - 23.86 = 4.5553... -> $4.56, no cash at the Fair Market Value."""
    asked = {"accrued": Fraction("1234.567"), "funds": Fraction(1000), "fmv": Fraction("17.50")}
    default = _convert_250(**asked)
    assert (
        default.common_shares.value,
        default.cash_for_fraction.value,
        default.dividends.common_shares.value,
        default.dividends.cash_for_fraction.value,
    ) == (10_477, Fraction("18.78"), 13, Fraction("7.07"))
    with under(parse({"CONV-DIVIDEND-SHARE-FRACTION": "add-to-conversion"}, "test")):
        added = _convert_250(**asked)
    assert (
        added.common_shares.value,
        added.cash_for_fraction.value,
        added.dividends.common_shares.value,
        added.dividends.cash_for_fraction.value,
        added.dividends.cash.value,
    ) == (10_477, Fraction("4.56"), 14, 0, 1000)
    assert added.total_common_shares == 10_491


def test_more_the_outstanding_count_fully_diluted(tmp_path: Path) -> None:
    """AD-OUTSTANDING=fully-diluted: 40,000 Series F shares are convertible into 40,000,000 / 24 =
    1,666,666.67 -> 1,666,666 shares. 1,000,000 shares of Common Stock at $10 (FMV $10, so the greater
    figure is $24.00): prefstack 24 x (20,000,000 + 10,000,000 / 24) / 21,000,000 = 490,000,000 /
    21,000,000 = 23.333... -> $23.33; fully diluted 24 x (21,666,666 + 10,000,000 / 24) / 22,666,666
    = 529,999,984 / 22,666,666 = 23.382... -> $23.38. On a ledger the replay gives the count; the
    fold given an issue without it refuses."""
    line = (
        "- {kind: common_issued, date: '2001-01-03', recorded_at: '2001-01-03T17:00:00Z', id: sale,"
        " shares: '1000000', purpose: none, cash_consideration: '10000000', fair_market_value_per_share: '10'}"
    )
    on = dt.date(2001, 2, 1)
    assert _f_price(_books(tmp_path, [line]), on) == Fraction("23.33")
    assert _f_price(_books(tmp_path, [line], **{"AD-OUTSTANDING": "fully-diluted"}), on) == Fraction("23.38")

    def fold(as_converted: Fraction | None) -> Fraction:
        sale = CommonStockIssuance(
            "sale",
            dt.date(2001, 1, 3),
            Fraction(1_000_000),
            "none",
            Fraction(10_000_000),
            Fraction(0),
            Fraction(0),
            Fraction(10),
            preferred_as_converted=as_converted,
        )
        with under(parse({"AD-OUTSTANDING": "fully-diluted"}, "test")):
            return conversion_price_history(
                F, original_issuance_date=ISSUED, initial_common_outstanding=Fraction(20_000_000), actions=[sale]
            ).conversion_price

    assert fold(Fraction(1_666_666)) == Fraction("23.38")
    with pytest.raises(InputError) as refused:
        fold(None)
    assert refused.value.field == "preferred_as_converted"


def test_more_every_issue_of_the_basket_lost_once_the_cap_is_crossed() -> None:
    """AD-BASKET-EXCESS=every-issue, F §5(d)(i)(C)(8) (cap 1,000,000): 800,000 shares at $10 (FMV $10)
    are excluded ($24.00 stays); then 300,000 at $10. prefstack excludes the 200,000 that fit: $23.93.
    Under the alternative the second issue crosses the cap and the first becomes Additional too: the
    replay gives 24 x (20,000,000 + 8,000,000 / 24) / 20,800,000 = 488,000,000 / 20,800,000 =
    23.4615... -> $23.46 (readjusted on the second issue's date), then the 300,000 adjust it:
    (23.46 x 20,800,000 + 3,000,000) / 21,100,000 = 490,968,000 / 21,100,000 = 23.2686... -> $23.27;
    nothing is counted against the basket, and a later 100,000 at $10 (which would fit) are
    Additional too: (23.27 x 21,100,000 + 1,000,000) / 21,200,000 = 491,997,000 / 21,200,000 =
    23.2074... -> $23.21."""
    first = _issue("a", 1, 800_000, "10", "10", "business_relationship")
    second = _issue("b", 2, 300_000, "10", "10", "business_relationship")
    third = _issue("c", 3, 100_000, "10", "10", "business_relationship")
    choice = {"AD-BASKET-EXCESS": "every-issue"}
    assert _fold([first]).conversion_price == 24 and _fold([first], **choice).conversion_price == 24
    assert _fold([first, second]).conversion_price == Fraction("23.93")
    lost = _fold([first, second], **choice)
    assert (lost.conversion_price, lost.basket_usage["business_relationship"].used) == (Fraction("23.27"), 0)
    assert [(a.price_before, a.price_after) for a in lost.adjustments] == [
        (24, Fraction("23.46")),
        (Fraction("23.46"), Fraction("23.27")),
    ]
    assert _fold([first, second, third], **choice).conversion_price == Fraction("23.21")


CONVERT_250 = (
    "- {kind: conversion, date: '2001-01-10', recorded_at: '2001-01-10T17:00:00Z', series: F,"
    " holder: Microsoft Corporation, shares: '250'%s}"
)
SPLIT = "- {kind: stock_split, date: '2001-01-10', recorded_at: '2001-01-10T17:00:00Z', new_shares_per_old_share: '2'}"


def _common(books: Books) -> Fraction:
    outstanding = books.state(dt.date(2001, 2, 1)).common_stock.outstanding
    assert outstanding is not None
    return Fraction(outstanding.value)


def test_more_a_split_and_a_conversion_on_one_day(tmp_path: Path) -> None:
    """LEDGER-SAME-DAY-ORDER=splits-before-conversions: 250 Series F shares converted and a 2-for-1
    split on 2001-01-10. prefstack converts first, at $24.00: 250,000 / 24 = 10,416.67 -> 10,416
    shares, then the split doubles 20,010,416: 40,020,832, whichever is recorded first. Splits
    first, at $12.00: 250,000 / 12 = 20,833.33 -> 20,833 shares on 40,000,000: 40,020,833.
    recorded-order keeps the order of the kinds: 40,020,832 either way."""
    conversion = CONVERT_250 % ""
    split_first = {"LEDGER-SAME-DAY-ORDER": "splits-before-conversions"}
    recorded = {"LEDGER-SAME-DAY-ORDER": "recorded-order"}
    assert _common(_books(tmp_path, [conversion, SPLIT])) == 40_020_832
    assert _common(_books(tmp_path, [SPLIT, conversion])) == 40_020_832
    assert _common(_books(tmp_path, [conversion, SPLIT], **split_first)) == 40_020_833
    assert _common(_books(tmp_path, [SPLIT, conversion], **split_first)) == 40_020_833
    assert _common(_books(tmp_path, [SPLIT, conversion], **recorded)) == 40_020_832


def test_more_two_issues_of_one_day_in_the_order_recorded(tmp_path: Path) -> None:
    """LEDGER-SAME-DAY-ORDER=recorded-order: on 2001-01-03, issue a (1,000,000 shares at $25, FMV $30)
    is recorded before issue b (1,000,000 at $10, FMV $10). prefstack orders them by content (b's
    cash_consideration '10000000' before a's '25000000'): b, 24 x 20,000,000 + 10,000,000 =
    490,000,000 / 21,000,000 = 23.333 -> $23.33; then a, greater of 28.50 and 23.33 is 28.50:
    23.33 x (21,000,000 + 25,000,000 / 28.50) / 22,000,000 = 23.1998... -> $23.20. In the order
    recorded: a, 24 x (20,000,000 + 25,000,000 / 28.50) / 21,000,000 = 23.8596... -> $23.86; then b,
    (23.86 x 21,000,000 + 10,000,000) / 22,000,000 = 511,060,000 / 22,000,000 = 23.23 -> $23.23."""
    issue = (
        "- {kind: common_issued, date: '2001-01-03', recorded_at: '2001-01-03T17:00:00Z', id: %s,"
        " shares: '1000000', purpose: none, cash_consideration: '%s', fair_market_value_per_share: '%s'}"
    )
    lines = [issue % ("a", "25000000", "30"), issue % ("b", "10000000", "10")]
    on = dt.date(2001, 2, 1)
    assert _f_price(_books(tmp_path, lines), on) == Fraction("23.20")
    assert _f_price(_books(tmp_path, lines, **{"LEDGER-SAME-DAY-ORDER": "recorded-order"}), on) == Fraction("23.23")
    assert _f_price(_books(tmp_path, lines[::-1], **{"LEDGER-SAME-DAY-ORDER": "recorded-order"}), on) == Fraction(
        "23.20"
    )


def test_more_the_ninety_five_percent_condition_tested_on_exercise(tmp_path: Path) -> None:
    """AD-95-PERCENT-CONDITION=exercise-date: Options on 500,000 shares for a business partner (F
    §5(d)(i)(C)(8)), nothing received and $10 a share on exercise ($5,000,000), FMV $10 when issued;
    exercised in full when the FMV is $12. prefstack tests them when issued: $10 >= 95% x $10 = $9.50,
    excluded, $24.00 stays and 500,000 count against the basket. On the date of exercise 95% x $12 =
    $11.40 > $10: the 500,000 are Additional Shares issued on the exercise for $5,000,000, greater of
    $11.40 and $24.00 is $24.00: 24 x (20,000,000 + 5,000,000 / 24) / 20,500,000 = 485,000,000 /
    20,500,000 = 23.6585... -> $23.66, and the basket counts none. At FMV $10 on exercise they pass:
    $24.00. Without a Fair Market Value of the day of exercise the alternative refuses."""
    grant = OptionIssuance(
        "p",
        dt.date(2001, 1, 2),
        Fraction(500_000),
        Fraction(0),
        Fraction(5_000_000),
        "business_relationship",
        Fraction(10),
    )

    def exercised(fmv: str | None, **choices: str) -> ConversionPriceState:
        on_exercise = None if fmv is None else Fraction(fmv)
        return _fold([grant, OptionExercise("p", dt.date(2001, 6, 1), Fraction(500_000), on_exercise)], **choices)

    choice = {"AD-95-PERCENT-CONDITION": "exercise-date"}
    default = exercised("12")
    assert (default.conversion_price, default.basket_usage["business_relationship"].used) == (24, 500_000)
    tested = exercised("12", **choice)
    assert (tested.conversion_price, tested.basket_usage["business_relationship"].used) == (Fraction("23.66"), 0)
    assert exercised("10", **choice).conversion_price == 24
    with pytest.raises(InputError) as refused:
        exercised(None, **choice)
    assert refused.value.field == "fair_market_value_per_share"
    lines = [
        "- {kind: option_issued, date: '2001-01-02', recorded_at: '2001-01-02T17:00:00Z', id: p, security: option,"
        " max_shares: '500000', consideration_received: '0', min_additional_consideration: '5000000',"
        " purpose: business_relationship, fair_market_value_per_share: '10'}",
        "- {kind: option_exercised, date: '2001-06-01', recorded_at: '2001-06-01T17:00:00Z', option: p,"
        " shares: '500000', fair_market_value_per_share: '12'}",
    ]
    on = dt.date(2001, 7, 1)
    assert _f_price(_books(tmp_path, lines), on) == 24
    assert _f_price(_books(tmp_path, lines, **choice), on) == Fraction("23.66")


def test_more_employee_options_counted_when_exercised() -> None:
    """AD-RESERVED-EMPLOYEE=at-exercise: employee options under plans (F §5(d)(i)(D)(i), cap 5,000,000)
    on 4,000,000 shares (e1) and then 1,500,000 (e2), $1 a share on exercise, FMV $10. prefstack
    counts them when granted: 500,000 of e2 over the cap are deemed issued for $500,000, 24 x
    (20,000,000 + 500,000 / 24) / 20,500,000 = 23.439... -> $23.44, and the exercises change nothing.
    Counted when exercised: nothing at the grants ($24.00); e2 exercised in full (FMV $10) fits;
    then e1's 4,000,000 find 3,500,000 of room: 500,000 are Additional Shares for $500,000 on
    21,500,000 outstanding, greater of $9.50 and $24.00: 24 x (21,500,000 + 500,000 / 24) / 22,000,000
    = 516,500,000 / 22,000,000 = 23.477... -> $23.48."""
    grants: list[Action] = [
        OptionIssuance(
            name, dt.date(2001, 1, 2), Fraction(n), Fraction(0), Fraction(n), "reserved_employee", Fraction(10)
        )
        for name, n in (("e1", 4_000_000), ("e2", 1_500_000))
    ]
    exercises: list[Action] = [
        OptionExercise("e2", dt.date(2001, 3, 1), Fraction(1_500_000), Fraction(10)),
        OptionExercise("e1", dt.date(2001, 4, 1), Fraction(4_000_000), Fraction(10)),
    ]
    choice = {"AD-RESERVED-EMPLOYEE": "at-exercise"}
    assert _fold(grants).conversion_price == Fraction("23.44")
    assert _fold(grants, **choice).conversion_price == 24
    assert _fold(grants + exercises).conversion_price == Fraction("23.44")
    assert _fold(grants + exercises[:1], **choice).conversion_price == 24
    assert _fold(grants + exercises, **choice).conversion_price == Fraction("23.48")


def test_more_a_distribution_recomputed_when_the_past_price_is_readjusted() -> None:
    """AD-OTHER-DISTRIBUTION=recompute: Options on 1,000,000 shares at $10 (FMV $30, greater of $28.50
    and $24.00 is $28.50) adjust $24.00 to 24 x (20,000,000 + 10,000,000 / 28.50) / 21,000,000 =
    23.258... -> $23.26; then half a warrant per share of Common Stock: 1,000 / 23.26 x 1/2 =
    50,000 / 2,326 = 21.496... warrants per Series F share; then the Options expire unexercised and
    the price is replayed back to $24.00. prefstack keeps the warrants fixed at 50,000 / 2,326; under
    the alternative they are recomputed at $24.00 as if the Options never were: 1,000 / 24 x 1/2 =
    125/6 = 20.833..."""
    grant = OptionIssuance(
        "w", dt.date(2001, 1, 2), Fraction(1_000_000), Fraction(0), Fraction(10_000_000), "none", Fraction(30)
    )
    actions: list[Action] = [
        grant,
        OtherDistribution(dt.date(2001, 1, 3), "warrants", Fraction(1, 2)),
        OptionExpiry("w", dt.date(2001, 1, 5), None),
    ]
    default = _fold(actions)
    assert (default.conversion_price, default.entitlements[0].amount_per_preferred_share) == (
        24,
        Fraction(50_000, 2_326),
    )
    recomputed = _fold(actions, **{"AD-OTHER-DISTRIBUTION": "recompute"})
    assert (recomputed.conversion_price, recomputed.entitlements[0].amount_per_preferred_share) == (
        24,
        Fraction(125, 6),
    )
    assert _fold(actions[:2], **{"AD-OTHER-DISTRIBUTION": "recompute"}).entitlements[0].amount_per_preferred_share == (
        Fraction(50_000, 2_326)
    )


def test_more_a_reclassification_expressed_in_the_conversion_price() -> None:
    """AD-RECLASSIFICATION=change-price: each share of Common Stock becomes 2 Class A shares. prefstack
    keeps $24.00 and records 1,000 / 24 x 2 = 250/3 = 83.33... Class A shares per Series F share.
    The price expressing Class A is 24 / 2 = $12.00 (no entitlement), on 40,000,000 Class A shares:
    1,000,000 more at $5 (FMV $5) then give 12 x (40,000,000 + 5,000,000 / 12) / 41,000,000 =
    485,000,000 / 41,000,000 = 11.829... -> $11.83, where prefstack gives 24 x (20,000,000 +
    5,000,000 / 24) / 21,000,000 = 485,000,000 / 21,000,000 = 23.095... -> $23.10. Cash and Class A
    together cannot be one price: refused."""
    change = Reclassification(dt.date(2001, 1, 2), "recapitalization", (("Class A", Fraction(2)),))
    sale = _issue("s", 10, 1_000_000, "5", "5")
    choice = {"AD-RECLASSIFICATION": "change-price"}
    default = _fold([change])
    assert (default.conversion_price, default.entitlements[0].amount_per_preferred_share) == (24, Fraction(250, 3))
    priced = _fold([change], **choice)
    assert (priced.conversion_price, len(priced.entitlements)) == (12, 0)
    assert _fold([change, sale]).conversion_price == Fraction("23.10")
    assert _fold([change, sale], **choice).conversion_price == Fraction("11.83")
    mixed = Reclassification(dt.date(2001, 1, 2), "merger", (("Class A", Fraction(1)), ("cash", Fraction(3))))
    with pytest.raises(InputError) as refused:
        _fold([mixed], **choice)
    assert (refused.value.field, refused.value.clause) == ("per_common_share", "F §5(h)")
