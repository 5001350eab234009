"""Each series counts from its own Original Issuance Date (F §1(b), G §1(b)): §5(d)(i)(C),
§5(d)(iii)-(iv), §5(e) and §5(f) apply only to actions "after the Original Issuance Date"
(interpretation AD-ORIGINAL-ISSUANCE-DATE). Series G is first issued on 2000-06-15, Series F on
2000-08-02; 20,000,000 shares of Common Stock are outstanding from 2000-06-01."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction as Fr
from pathlib import Path
from typing import Any

import pytest
import yaml

from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import replay
from prefstack.ledger.section5 import conversion_price_state
from prefstack.queries import voting

BASE: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "20000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
]
BETWEEN = "2000-07-01"
"""After G's Original Issuance Date, before F's."""
AFTER_BOTH = "2001-01-10"


def _state(*events: dict[str, Any], as_of: dt.date = dt.date(2001, 2, 1)):  # type: ignore[no-untyped-def]
    return replay(parse_ledger({"format": "prefstack-ledger/1", "events": [*BASE, *events]}, "test"), as_of)


def _split(day: str) -> dict[str, Any]:
    return {"kind": "stock_split", "date": day, "new_shares_per_old_share": "2"}


def _sale(day: str, ident: str, shares: str, cash: str, purpose: str = "none") -> dict[str, Any]:
    return {
        "kind": "common_issued",
        "date": day,
        "id": ident,
        "shares": shares,
        "purpose": purpose,
        "cash_consideration": cash,
        "fair_market_value_per_share": "30.00",
    }


@pytest.mark.clause("F §5(d)", "G §5(d)", "G §5(e)")
def test_split_between_the_two_dates_adjusts_g_only() -> None:
    """F/G §5(e): a 2-for-1 split on 2000-07-01 halves G's $36.00 to $18.00 (after G's date) and
    leaves F at $24.00 (before F's date); F's votes stay 40,000 x $1,000 / $24 = 1,666,666 (F §4),
    not the 3,333,333 a $12.00 price would give. The Common Stock outstanding doubles for both."""
    state = _state(_split(BETWEEN))
    f, g = conversion_price_state(state, "F"), conversion_price_state(state, "G")
    assert g.conversion_price == 18 and f.conversion_price == 24
    assert f.common_outstanding == g.common_outstanding == 40_000_000
    assert [a.clause for a in g.adjustments] == ["G §5(e)"] and f.adjustments == ()
    votes = {s.series: s.holders[0].votes for s in voting(state).series}
    assert votes == {"F": 1_666_666, "G": 20_000 * 1000 // 18}
    assert any("AD-ORIGINAL-ISSUANCE-DATE" in d.explained.interpretations for d in f.decisions)


@pytest.mark.clause("F §5(e)", "G §5(e)")
def test_split_after_both_dates_adjusts_both() -> None:
    """F/G §5(e): a 2-for-1 split on 2001-01-10 halves both: F $24.00 -> $12.00, G $36.00 -> $18.00."""
    state = _state(_split(AFTER_BOTH))
    assert conversion_price_state(state, "F").conversion_price == 12
    assert conversion_price_state(state, "G").conversion_price == 18


@pytest.mark.clause("G §5(d)(iv)")
def test_additional_shares_between_the_dates_adjust_g_only() -> None:
    """G §5(d)(iv) on 2000-07-01: 1,000,000 shares for $25,000,000, FMV $30 (95% = $28.50 < $36):
    36 x (20,000,000 + 25,000,000/36) / 21,000,000 = 35.476... -> $35.48. F is not yet issued:
    it stays at $24.00 and starts from 21,000,000 shares outstanding."""
    state = _state(_sale(BETWEEN, "early", "1000000", "25000000"))
    assert conversion_price_state(state, "G").conversion_price == Fr("35.48")
    f = conversion_price_state(state, "F")
    assert f.conversion_price == 24 and f.common_outstanding == 21_000_000


@pytest.mark.clause("F §5(d)(iv)", "G §5(d)(iv)")
def test_additional_shares_after_both_dates_adjust_both() -> None:
    """F §5(d)(iv) on 2001-01-10 (the same sale): 24 x (20,000,000 + 25,000,000/28.50) / 21,000,000
    = 23.857... -> $23.86; G -> $35.48 as above."""
    state = _state(_sale(AFTER_BOTH, "late", "1000000", "25000000"))
    assert conversion_price_state(state, "F").conversion_price == Fr("23.86")
    assert conversion_price_state(state, "G").conversion_price == Fr("35.48")


@pytest.mark.clause("F §5(d)(i)(C)(10)", "G §5(d)(i)(C)(10)")
def test_each_series_counts_its_own_basket() -> None:
    """F/G §5(d)(i)(C)(10) (Business Anywhere merger, 288,371 shares in the aggregate, no 95% test):
    200,000 shares at $20 on 2000-07-01 and 200,000 more at $20 on 2001-01-10.
    G counts both: the second has 288,371 - 200,000 = 88,371 of room, so 111,629 are Additional
    Shares: 36 x (20,200,000 + 111,629 x 20 / 36) / (20,200,000 + 111,629) = 35.9120... -> $35.91.
    F counts only the second (its basket is empty on its own date): all 200,000 excluded, F stays
    $24.00, with 200,000 of its basket used."""
    state = _state(
        _sale(BETWEEN, "ba-1", "200000", "4000000", "business_anywhere_merger"),
        _sale(AFTER_BOTH, "ba-2", "200000", "4000000", "business_anywhere_merger"),
    )
    g, f = conversion_price_state(state, "G"), conversion_price_state(state, "F")
    exact = Fr(36) * (20_200_000 + Fr(111_629 * 20, 36)) / (20_200_000 + 111_629)
    assert round(exact, 2) == Fr("35.91")
    assert g.conversion_price == Fr("35.91")
    assert f.conversion_price == 24
    basket = f.basket_usage["business_anywhere_merger"]
    assert basket.used == 200_000
    g_basket = g.basket_usage["business_anywhere_merger"]
    assert g_basket.used == 288_371


@pytest.mark.clause("F §5(d)(iii)", "G §5(d)(iii)")
def test_option_before_f_date_is_never_deemed_issued_for_f() -> None:
    """F §5(d)(iii): an Option for 1,000,000 shares at $25 issued 2000-07-01 is deemed issued for G
    (G: $36 -> $35.48, the same arithmetic as a sale) but not for F; its expiry on 2001-01-10
    readjusts G back to $36.00 (§5(d)(iii)(B)) and leaves F at $24.00 with nothing to readjust."""
    option = {
        "kind": "option_issued",
        "date": BETWEEN,
        "id": "opt",
        "security": "option",
        "max_shares": "1000000",
        "consideration_received": "0",
        "min_additional_consideration": "25000000",
        "purpose": "none",
        "fair_market_value_per_share": "30.00",
    }
    before = _state(option, as_of=dt.date(2001, 1, 1))
    assert conversion_price_state(before, "G").conversion_price == Fr("35.48")
    assert conversion_price_state(before, "F").conversion_price == 24
    after = _state(option, {"kind": "option_expired", "date": AFTER_BOTH, "option": "opt"})
    assert conversion_price_state(after, "G").conversion_price == 36
    assert conversion_price_state(after, "F").conversion_price == 24


def test_cli_state_shows_prices_per_series(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same split through `prefstack state --ledger`: F $24, G $18 on 2000-12-31."""
    path = tmp_path / "l.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": [*BASE, _split(BETWEEN)]}))
    report = json.loads(cli("state", "--ledger", str(path), "--as-of", "2000-12-31", "--format", "json").stdout)
    prices = {s["series"]: s["conversion_price"] for s in report["series"]}
    assert prices == {"F": "24.00", "G": "18.00"}


def test_reductions_under_three_cents_are_carried_forward_in_state(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """F §5(d)(iv): 50,000 shares for $1,000,000 ($20 a share) on 2001-01-10, FMV $30 (95% = $28.50):
    24 x (20,000,000 + 1,000,000 / 28.50) / 20,050,000 = 23.98215... -> $23.98, a reduction of
    $0.02 < $.03: not made, carried forward. `state` shows $24.00 and $0.02 carried forward (F §5(d)(iv))
    in JSON and text; --explain shows the decision with the exact new price."""
    exact = Fr(24) * (20_000_000 + Fr(1_000_000) / Fr("28.50")) / 20_050_000
    assert round(exact, 2) == Fr("23.98")
    path = tmp_path / "c.yaml"
    events = [*BASE, _sale(AFTER_BOTH, "small", "50000", "1000000")]
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": events}))
    args = ("state", "--ledger", str(path), "--as-of", "2001-02-01")
    report = json.loads(cli(*args, "--format", "json").stdout)
    f = report["series"][0]
    assert f["conversion_price"] == "24.00" and f["adjustments"] == 0
    assert f["carried_forward"] == {"amount": "0.02", "clause": "F §5(d)(iv)", "minimum_reduction": "0.03"}
    explained = json.loads(cli(*args, "--format", "json", "--explain").stdout)["series"][0]["carried_forward"]
    assert len(explained["explain"]) == 1
    shown = explained["explain"][0]["inputs"]["exact_new_price"]  # "23.982149888437… (=182720/7619)"
    assert Fr(shown.split("(=")[1].rstrip(")")) == exact
    assert "$0.02 of reductions carried forward (F §5(d)(iv))" in cli(*args).stdout
