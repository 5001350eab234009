"""F §6(d): the Company may pay the Redemption Price in Common Stock having an aggregate Fair Market
Value equal to it — as a ledger event and as the `redemption --in-common` question, one rule."""

from __future__ import annotations

import datetime as dt
import json
import math
from fractions import Fraction as Fr
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from prefstack.calendars import nasdaq_trading_days
from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import LedgerRuleError, replay
from prefstack.ledger.section5 import conversion_price_state
from prefstack.output_schemas import output_schema

ON = "2000-10-16"
PRICES = [
    {"kind": "closing_price", "date": d.isoformat(), "price": "5.00"}
    for d in nasdaq_trading_days(dt.date(2000, 6, 1), dt.date(2000, 10, 16))
]
BASE: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    *PRICES,
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
    {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
    {"kind": "redemption_notice", "date": "2000-09-20", "series": "F", "redemption_date": ON},
]
REDEEM_IN_COMMON = {"kind": "redemption", "date": ON, "series": "F", "funds": "100", "in_common": True}

# A holds 40,000 + 40,000 x 7% x 44/360 PIK shares; 31 days accrue from 2000-09-15 to 2000-10-16.
SHARES = 40_000 + 40_000 * Fr(7, 100) * Fr(44, 360)
PRICE_PER_SHARE = 1000 + 1000 * Fr(7, 100) * Fr(31, 360)
TOTAL = SHARES * PRICE_PER_SHARE
WHOLE = math.floor(TOTAL / 5)
CASH = round((TOTAL / 5 - WHOLE) * 5 * 100) / Fr(100)


@pytest.mark.clause("F §6(d)")
def test_event_redeems_every_share_for_common_stock() -> None:
    """F §6(d), §3(c)(i)(A): Fair Market Value $5.00 (every closing price of the window). A's
    Redemption Price is 40,342.22... x $1,006.0277... (= $1,000 + 7% x 31/360 of $1,000) = $40,585,396.17;
    / $5.00 = 8,117,079.23... -> 8,117,079 whole shares and $1.17 for the fraction. The preferred is
    retired; the Common Stock outstanding rises by 8,117,079, excluded from Additional Shares
    (RED-F-COMMON-EXCLUDED), so the Conversion Price stays $24.00."""
    events = [*BASE, REDEEM_IN_COMMON]
    state = replay(parse_ledger({"format": "prefstack-ledger/1", "events": events}, "t"), dt.date(2000, 10, 31))
    f = state.series["F"]
    (part,) = f.common_stock_redemptions
    assert part.shares_redeemed == SHARES and part.redemption_price.value == TOTAL
    assert part.payment.shares_of_common.value == WHOLE == 8_117_079
    assert Fr("1.17") == CASH
    assert part.payment.cash_for_fraction.value == CASH
    assert f.holdings["A"].shares == 0
    cp = conversion_price_state(state, "F")
    assert cp.common_outstanding == 20_000_000 + WHOLE and cp.conversion_price == 24


def test_funds_must_cover_the_cash_for_fractions() -> None:
    short = {**REDEEM_IN_COMMON, "funds": "1"}
    with pytest.raises(LedgerRuleError, match=r"funds: the cash for the fractions .* fall short \(F §6\(d\)\)"):
        replay(parse_ledger({"format": "prefstack-ledger/1", "events": [*BASE, short]}, "t"), dt.date(2000, 10, 31))


def test_series_g_has_no_such_right() -> None:
    """G §6 has no counterpart of F §6(d): a G redemption in common is refused, citing G §6."""
    events = [
        {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
        *PRICES,
        {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "100"},
        {"kind": "redemption_notice", "date": "2000-09-20", "series": "G", "redemption_date": ON},
        {**REDEEM_IN_COMMON, "series": "G"},
    ]
    with pytest.raises(LedgerRuleError, match=r"in_common: .*no clause letting the Company pay .*\(G §6\)"):
        replay(parse_ledger({"format": "prefstack-ledger/1", "events": events}, "t"), dt.date(2000, 10, 31))


def test_question_gives_the_same_figures(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "l.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": BASE}))
    args = ["redemption", "--series", "F", "--on", ON, "--in-common", "--ledger", str(path), "--format", "json"]
    result = json.loads(cli(*args).stdout)
    jsonschema.validate(result, output_schema("redemption"))
    (holder,) = result["holders"]
    assert result["fair_market_value"] == "5.00" and holder["common_shares"] == WHOLE
    assert Fr(holder["cash_for_fraction"]) == CASH and Fr(holder["redemption_price_exact"]) == TOTAL
    refused = cli("redemption", "--series", "G", "--on", ON, "--in-common", "--ledger", str(path), ok=False)
    assert refused.returncode == 2 and "G §6" in refused.stderr
