"""Alternatives of the readings of F/G §5(b)-(c) (the Common Stock reserved for conversion, the
dividends paid in Common Stock on conversion), each computed by hand."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from prefstack.clauses.conversion import common_shares_required, convert
from prefstack.interpretations.readings import parse, under
from prefstack.terms import load_terms

COVERED = {
    ("CONV-RESERVE-WHOLE", "round-up"),
    ("CONV-DIVIDEND-SHARE-FRACTION", "fraction-unpaid"),
}

F, G = load_terms("F"), load_terms("G")


def test_the_reserve_rounded_up_to_the_next_whole_share() -> None:
    """CONV-RESERVE-WHOLE=round-up: F 40,000 x 1,000 / 24 = 1,666,666.67 -> 1,666,667 (prefstack:
    1,666,666); G 20,000 x 1,000 / 36 = 555,555.56 -> 555,556 (prefstack: 555,555)."""
    for terms, shares, price, whole in ((F, 40_000, 24, 1_666_666), (G, 20_000, 36, 555_555)):
        asked = {"outstanding_preferred_shares": Fraction(shares), "conversion_price": Fraction(price)}
        assert common_shares_required(terms, **asked).common_shares.value == whole
        with under(parse({"CONV-RESERVE-WHOLE": "round-up"}, "test")):
            assert common_shares_required(terms, **asked).common_shares.value == whole + 1


def test_the_fraction_of_a_dividend_share_left_unpaid() -> None:
    """CONV-DIVIDEND-SHARE-FRACTION=fraction-unpaid: 250 shares of Series F converted at $23.86 with
    $1,234.567 accrued and $1,000 legally available: $1,000 in cash, and 234.567 / 17.50 =
    13.4038... shares of Common Stock: 13 issued either way; prefstack pays the fraction,
    234.567 - 13 x 17.50 = 7.067 -> $7.07; under the alternative it waits for funds: $0.00 now."""

    def settle() -> object:
        return convert(
            F,
            shares=Fraction(250),
            conversion_price=Fraction("23.86"),
            conversion_date=dt.date(2001, 3, 1),
            accrued_unpaid_dividends=Fraction("1234.567"),
            funds_legally_available=Fraction(1000),
            common_fair_market_value=Fraction("17.50"),
        ).dividends

    settled: Any = settle()
    assert (settled.cash.value, settled.common_shares.value, settled.cash_for_fraction.value) == (
        1000,
        13,
        Fraction("7.07"),
    )
    with under(parse({"CONV-DIVIDEND-SHARE-FRACTION": "fraction-unpaid"}, "test")):
        waiting: Any = settle()
    assert (waiting.cash.value, waiting.common_shares.value, waiting.cash_for_fraction.value) == (1000, 13, 0)
