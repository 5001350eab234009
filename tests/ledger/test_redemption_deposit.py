"""F §6(f)-(i): a deposit of the Redemption Price redeems the called shares on the Redemption Date;
a short deposit redeems pro rata; money for shares converted before the cut-off comes back
(RED-DEPOSIT-REDEEMS)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as Fr
from typing import Any

import pytest

from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import LedgerRuleError, replay
from prefstack.numeric import Rounding, round_to

ON = dt.date(2000, 12, 8)
BASE: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "30000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "B", "shares": "10000"},
    {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
    {"kind": "redemption_notice", "date": "2000-11-10", "series": "F", "redemption_date": ON.isoformat()},
]
PIK = Fr(7, 100) * Fr(44, 360)  # the 2000-09-15 stub paid in PIK shares
PRICE = 1000 + 1000 * Fr(7, 100) * Fr(84, 360)  # $1,000 + 84 days (2000-09-15 to 2000-12-08) at 7%/360
A_SHARES, B_SHARES = 30_000 * (1 + PIK), 10_000 * (1 + PIK)


def cents(x: Fr) -> Fr:
    return Fr(round_to(x, 2, Rounding.HALF_UP, "F §6(a)").value)


def deposit(amount: Fr, day: str = "2000-12-01", redemption_date: str = ON.isoformat()) -> dict[str, Any]:
    return {
        "kind": "redemption_deposit",
        "date": day,
        "series": "F",
        "redemption_date": redemption_date,
        "amount": str(amount),
        "depositary": "Trust Company",
        "depositary_capital_and_surplus": "900000000",
    }


def _state(*events: dict[str, Any], as_of: dt.date = ON):  # type: ignore[no-untyped-def]
    return replay(parse_ledger({"format": "prefstack-ledger/1", "events": [*BASE, *events]}, "t"), as_of)


FULL = cents(A_SHARES * PRICE) + cents(B_SHARES * PRICE)


def test_a_full_deposit_redeems_every_share_on_the_redemption_date() -> None:
    """Redemption Price $1,016.33... a share (F §6(a)); A's 30,256.67 shares and B's 10,085.56 cost
    $30,750,858.89 and $10,250,286.30 (each to the cent). Deposited on 2000-12-01, it redeems on
    2000-12-08: the day before, the shares are still outstanding; on the day, none is, and a second
    redemption for that date is refused."""
    assert cents(A_SHARES * PRICE) == Fr("30750858.89") and cents(B_SHARES * PRICE) == Fr("10250286.30")
    before = _state(deposit(FULL), as_of=dt.date(2000, 12, 7))
    assert before.series["F"].shares_outstanding == A_SHARES + B_SHARES
    state = _state(deposit(FULL))
    f = state.series["F"]
    assert f.shares_outstanding == 0 and f.redemptions[0].total_paid.value == FULL
    assert not f.redemptions[0].shortfall
    again = {"kind": "redemption", "date": ON.isoformat(), "series": "F", "funds": "1000"}
    with pytest.raises(LedgerRuleError, match="the deposit for 2000-12-08 already redeemed"):
        _state(deposit(FULL), again)


def test_a_short_deposit_redeems_pro_rata_and_later_funds_finish() -> None:
    """Half the Redemption Price deposited: each holder redeems half its shares (funds applied / price,
    F §6(h)); the rest stays outstanding, redeemable on demand (F §6(i)); later funds redeem it."""
    half = cents(FULL / 2)
    f = _state(deposit(half)).series["F"]
    result = f.redemptions[0]
    assert result.shortfall and result.total_paid.value == half
    assert f.shares_outstanding > 0
    paid = {h.holder: h for h in result.holders}
    assert paid["A"].shares_redeemed.value == paid["A"].cash_paid.value / PRICE
    later = {"kind": "redemption", "date": "2001-01-10", "series": "F", "funds": "50000000"}
    after = _state(deposit(half), later, as_of=dt.date(2001, 1, 10)).series["F"]
    assert after.shares_outstanding == 0 and not after.redemptions[-1].shortfall


def test_money_for_shares_converted_before_the_cutoff_comes_back() -> None:
    """F §6(f), (j): B converts all its shares on 2000-12-01 (the cut-off is 2000-12-03); the deposit
    made for both redeems A's shares and returns B's $10,250,286.30 to the Company as unused funds."""
    conversion = {"kind": "conversion", "date": "2000-12-01", "series": "F", "holder": "B", "shares": str(B_SHARES)}
    f = _state(deposit(FULL), conversion).series["F"]
    result = f.redemptions[0]
    assert [h.holder for h in result.holders] == ["A"]
    assert result.unused_funds.value == cents(B_SHARES * PRICE)


def test_a_deposit_must_be_on_time_and_for_a_called_date() -> None:
    with pytest.raises(LedgerRuleError, match=r"date: the deposit is due on or before the Redemption Date"):
        _state(deposit(FULL, day="2000-12-09"), as_of=dt.date(2000, 12, 31))
    with pytest.raises(LedgerRuleError, match=r"redemption_date: no Redemption Notice names 2000-12-22"):
        _state(deposit(FULL, redemption_date="2000-12-22"), as_of=dt.date(2000, 12, 31))


def test_cli_state_after_a_deposit(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Through `prefstack state --ledger`: no Series F share is outstanding on the Redemption Date."""
    import json

    import yaml

    path = tmp_path / "deposit.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": [*BASE, deposit(FULL)]}))
    before = json.loads(cli("state", "--ledger", str(path), "--as-of", "2000-12-07", "--format", "json").stdout)
    after = json.loads(cli("state", "--ledger", str(path), "--as-of", "2000-12-08", "--format", "json").stdout)
    assert before["series"][0]["shares_outstanding"] == "40342.22"
    assert after["series"][0]["shares_outstanding"] == "0.00" and after["series"][0]["holders"] == []
