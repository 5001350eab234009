"""``prefstack interpretations --impact``: what each implemented alternative changes in the figures
of a ledger on a date, by the arithmetic written in each test; the points that change nothing are
named; the largest change of money comes first."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from importlib import resources
from typing import Any

from prefstack.books import Books
from prefstack.impact import impact

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
MICROSOFT = "Microsoft Corporation"


def _books() -> Books:
    return Books("sqlite:///unused.sqlite", ledger=EXAMPLE)


def _change(point: Any, holder: str, figure: str) -> Fraction:
    found = [c for c in point.changes if c.holder == holder and c.figure == figure]
    assert len(found) == 1, (holder, figure, point.changes)
    return Fraction(found[0].difference.value)


def test_before_any_pik_issue_only_the_day_count_of_a_partial_period_matters() -> None:
    """2000-07-01: Series G (20,000 shares issued 2000-06-15) has accrued 16 days. 30/360 counts
    16 days too (30 x 1 + (1 - 15)), and no PIK share was issued yet, so only actual/365 changes a
    figure: $20,000,000 x 6% x 16 x (1/365 - 1/360) = -$730.59 of accrued dividends and of
    Liquidation Value, nothing else."""
    found = impact(_books(), dt.date(2000, 7, 1))
    assert found.unchanged == ("DIV-DAYCOUNT=thirty-360", "DIV-FRACTIONAL-PIK=round-cents")
    (point,) = found.points
    assert (point.interpretation, point.alternative) == ("DIV-DAYCOUNT", "actual-365")
    expected = 20_000_000 * Fraction(6, 100) * 16 * (Fraction(1, 365) - Fraction(1, 360))
    assert _change(point, "3Com Corporation", "accrued_unpaid_dividends") == expected
    assert _change(point, "3Com Corporation", "liquidation_value") == expected
    assert {c.figure for c in point.changes} == {"accrued_unpaid_dividends", "liquidation_value"}
    assert point.largest_money.value == -expected  # the largest change, as a magnitude


def test_on_the_first_payment_date_thirty_360_issues_one_days_pik_fewer() -> None:
    """2000-09-15, F's first Payment Date (PIK): 30/360 counts 43 days where actual counts 44, so
    Microsoft receives 40,000 x 7% x 1/360 = 7.777... PIK shares fewer, a Liquidation Value
    $7,777.78 lower (each share $1,000, nothing accrued on the Payment Date itself), and
    floor(40,334.44... x 1,000 / 24) - floor(40,342.22... x 1,000 / 24) = 1,680,601 - 1,680,925
    = -324 votes."""
    found = impact(_books(), dt.date(2000, 9, 15))
    point = next(p for p in found.points if (p.interpretation, p.alternative) == ("DIV-DAYCOUNT", "thirty-360"))
    fewer = -Fraction(40_000 * 7, 100 * 360)
    assert _change(point, MICROSOFT, "shares_outstanding") == fewer
    assert _change(point, MICROSOFT, "liquidation_value") == fewer * 1000
    assert _change(point, MICROSOFT, "votes") == -324
    order = [Fraction(p.largest_money.value) for p in found.points]
    assert order == sorted(order, reverse=True)  # largest change of money first


def test_the_command_line_writes_the_impact_as_json_and_as_a_table(cli: Any) -> None:
    asked = ["interpretations", "--impact", "--as-of", "2000-07-01", "--ledger", EXAMPLE]
    data = json.loads(cli(*asked, "--format", "json").stdout)
    assert data["unchanged"] == ["DIV-DAYCOUNT=thirty-360", "DIV-FRACTIONAL-PIK=round-cents"]
    assert [(p["interpretation"], p["alternative"]) for p in data["points"]] == [("DIV-DAYCOUNT", "actual-365")]
    assert data["points"][0]["largest_money"] == "730.59"
    shown = cli(*asked).stdout
    assert "DIV-DAYCOUNT=actual-365" in shown and "-$730.59" in shown
    assert "No figure changes on 2000-07-01 under: DIV-DAYCOUNT=thirty-360, DIV-FRACTIONAL-PIK=round-cents" in shown


def test_impact_needs_a_date_and_no_reading_set(cli: Any) -> None:
    missing = cli("interpretations", "--impact", "--ledger", EXAMPLE, ok=False)
    assert missing.returncode == 2 and "--as-of" in missing.stderr
    under = cli(
        "--reading", "DIV-DAYCOUNT=thirty-360", "interpretations", "--impact", "--as-of", "2001-01-01", ok=False
    )
    assert under.returncode == 2 and "compares every alternative" in under.stderr
