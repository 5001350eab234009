"""Alternatives of the reading of the reserve for conversion over a capital structure (F/G §5(c)(ii)),
checked on the bundled example through the command line."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

COVERED = {("CAPSTRUCT-RESERVE", "f-g-only"), ("CONV-RESERVE-WHOLE", "with-dividends")}

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))


def test_the_reserve_counting_only_the_certificates_series(cli: Any) -> None:
    """CAPSTRUCT-RESERVE=f-g-only on 2002-06-30 over the bundled capital structure: prefstack counts
    F and G's 2,430,688 shares of Common Stock, C 750,000, D 400,000, E 200,000, the options
    3,031,495 and the warrant 500,000: 7,312,183; counting only F and G: 2,430,688, as without a
    capital structure."""
    args = ["state", "--as-of", "2002-06-30", "--ledger", EXAMPLE, "--capital-structure", "company", "--format", "json"]
    reserve = json.loads(cli(*args).stdout)["common_stock"]["reserve_for_conversion"]
    assert reserve["required"] == "7312183.00"
    assert 2_430_688 + 750_000 + 400_000 + 200_000 + 3_031_495 + 500_000 == 7_312_183
    alone = json.loads(cli("--reading", "CAPSTRUCT-RESERVE=f-g-only", *args).stdout)
    reserve = alone["common_stock"]["reserve_for_conversion"]
    assert reserve["required"] == "2430688.00" and reserve["covers"] == ["F", "G"]


def test_the_reserve_with_the_shares_for_accrued_dividends(cli: Any) -> None:
    """CONV-RESERVE-WHOLE=with-dividends on 2002-06-30: each series' reserve is the whole part of its
    shares x 1,000 / its Conversion Price plus its accrued but unpaid dividends / the Fair Market Value
    of the Common Stock that day (the 30-day average of the closing prices, §3(c)(i)(A)); prefstack's
    reading counts the conversion shares alone (2,430,688 for F and G)."""
    import datetime as dt
    import math
    from fractions import Fraction
    from pathlib import Path

    from prefstack.books import Books
    from prefstack.ledger.files import read_ledger
    from prefstack.ledger.replay import replay
    from prefstack.ledger.section5 import fair_market_value_on

    day = dt.date(2002, 6, 30)
    answer = Books("sqlite:///unused.sqlite", ledger=EXAMPLE).state(day)
    folded = replay(read_ledger(Path(EXAMPLE)).events, day)
    expected = 0
    for series in answer.series:
        shares = sum((Fraction(h.shares_outstanding.value) for h in series.holders), Fraction(0))
        accrued = sum((Fraction(h.accrued_unpaid_dividends.value) for h in series.holders), Fraction(0))
        found = fair_market_value_on(folded, day, series.series)
        assert found is not None and accrued > 0
        price = Fraction(series.conversion_price.value)
        expected += math.floor(shares * 1000 / price + accrued / Fraction(found.value))
    args = ["state", "--as-of", "2002-06-30", "--ledger", EXAMPLE, "--format", "json"]
    assert json.loads(cli(*args).stdout)["common_stock"]["reserve_for_conversion"]["required"] == "2430688.00"
    shown = json.loads(cli("--reading", "CONV-RESERVE-WHOLE=with-dividends", *args).stdout)
    required = Fraction(shown["common_stock"]["reserve_for_conversion"]["required"])
    assert required == expected > 2_430_688
