"""Redemption (F/G §6) and liquidation (F/G §3) recorded in the ledger."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as Fr

import pytest

from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import LedgerRuleError, Placed, replay

D = dt.date
BASE: list[dict[str, object]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "300"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "B", "shares": "100"},
]


def ledger(*events: dict[str, object]) -> list[Placed]:
    return parse_ledger({"format": "prefstack-ledger/1", "events": [*BASE, *events]}, "t")


def test_redemption_notice_outside_20_to_60_days_is_refused() -> None:
    """F §6(e): 19 days before the Redemption Date is too late."""
    with pytest.raises(LedgerRuleError, match=r"redemption_date: .*19 days before.*\(F §6\(e\)\)"):
        replay(
            ledger({"kind": "redemption_notice", "date": "2005-07-14", "series": "F", "redemption_date": "2005-08-02"}),
            D(2005, 8, 2),
        )


def test_redemption_shortfall_then_later_funds() -> None:
    """F §6(a), (h), (i). Nothing paid since 2000-08-02, so on 2005-08-02 each share is owed
    $1,000 + arrears of 20 Payment Dates (the 44-day stub $8.5555... and 19 x $17.50 = $332.50) and
    48 days to 2005-08-02 (7% x 48/360 x $1,000 = $9.3333...) = $1,350.3888... a share; 400 shares
    owe $540,155.55... With $270,077.78 (about half), shares are redeemed pro rata by value:
    A 3/4, B 1/4 of what is paid; the rest remains outstanding. Later funds redeem the rest first."""
    events = [
        {"kind": "redemption_notice", "date": "2005-06-20", "series": "F", "redemption_date": "2005-08-02"},
        {"kind": "redemption", "date": "2005-08-02", "series": "F", "funds": "270077.78"},
    ]
    state = replay(ledger(*events), D(2005, 8, 2))
    f = state.series["F"]
    price = 1000 + Fr(7 * 44 * 1000, 100 * 360) + 19 * Fr("17.50") + Fr(7 * 48 * 1000, 100 * 360)
    assert price == Fr(24307, 18)
    result = f.redemptions[0]
    assert result.shortfall and result.redeemable_on_demand
    paid = result.total_paid.value
    assert paid == Fr("270077.78")
    remaining = f.holdings["A"].shares + f.holdings["B"].shares
    assert 0 < remaining < 400
    # Pro rata (F §6(h)): A holds 3x B, exactly up to each holder's cash being rounded to the cent
    # (RED-CENTS): at most half a cent for A and three half cents for B, $0.02 of value in all.
    assert abs(f.holdings["A"].shares - 3 * f.holdings["B"].shares) * price <= Fr(2, 100)
    later = replay(
        ledger(*events, {"kind": "redemption", "date": "2005-09-01", "series": "F", "funds": "400000"}), D(2005, 9, 1)
    )
    assert later.series["F"].holdings["A"].shares == 0 and later.series["F"].holdings["B"].shares == 0
    assert later.series["F"].obligation is not None and later.series["F"].obligation.total_shares == 0


def test_conversion_after_the_redemption_cut_off_is_refused() -> None:
    """F §6(j): conversion rights end at the close of business on the fifth day before the
    Redemption Date: 2005-07-28 for 2005-08-02; a conversion on 2005-07-29 is refused."""
    notice = {"kind": "redemption_notice", "date": "2005-06-20", "series": "F", "redemption_date": "2005-08-02"}
    ok = {"kind": "conversion", "date": "2005-07-28", "series": "F", "holder": "A", "shares": "10"}
    late = {"kind": "conversion", "date": "2005-07-29", "series": "F", "holder": "A", "shares": "10"}
    replay(ledger(notice, ok), D(2005, 7, 30))
    with pytest.raises(LedgerRuleError, match=r"F §6\(j\)"):
        replay(ledger(notice, late), D(2005, 7, 30))


def test_liquidation_pays_the_proceeds_and_retires_the_preferred() -> None:
    """F §3(a)-(b): $100,000,000 on 2001-02-01 with a $1,000,000 senior class. F's 400 shares are
    owed about $1,000 + $31.11 each (about $412,444); the rest goes as converted to the 20,000,000
    common and the 16,666.66... common that F's shares convert into, so F shares it too.
    Every cent of the proceeds is paid; afterwards no preferred is outstanding and a conversion
    after the cut-off (the first full day before the payment) is refused."""
    liquidation = {
        "kind": "liquidation",
        "date": "2001-02-01",
        "proceeds": "100000000",
        "senior": [{"name": "Series C", "preference_amount": "1000000"}],
    }
    state = replay(ledger(liquidation), D(2001, 2, 1))
    assert state.liquidation is not None
    assert state.liquidation.total_paid.value == 100_000_000
    assert state.series["F"].shares_outstanding == 0
    late = {"kind": "conversion", "date": "2001-02-01", "series": "F", "holder": "A", "shares": "1"}
    with pytest.raises(LedgerRuleError):
        replay(ledger(liquidation, late), D(2001, 2, 2))


def test_mandatory_redemption_event_and_the_series_vote_otherwise() -> None:
    """F §6(b): a merger leaving prior holders under 50% is a Mandatory Redemption Event unless a
    majority of the Series F voting power votes otherwise. A holds 300 of 400 shares (75% of the
    votes): A's vote carries it; B's 25% alone does not."""
    from prefstack.report import state_report

    event = {
        "kind": "merger_or_sale",
        "date": "2001-03-01",
        "transaction": "merger",
        "id": "merger",
        "description": "merger; prior stockholders keep 40%",
        "prior_stockholders_voting_share": "0.4",
    }
    vote_b = {
        "kind": "series_consent",
        "date": "2001-03-05",
        "series": "F",
        "matter": "waive_redemption_event",
        "holders_consenting": ["B"],
        "reference": "merger",
    }
    report = state_report(replay(ledger(event, vote_b), D(2001, 3, 10)))
    (recorded,) = report["series"][0]["mandatory_redemption_events"]
    assert (recorded["id"], recorded["clause"], recorded["kind"]) == ("merger", "F §6(b)(i)", "merger_or_sale")
    assert recorded["series_voted_otherwise"] is False
    vote_a = {**vote_b, "holders_consenting": ["A"]}
    report = state_report(replay(ledger(event, vote_a), D(2001, 3, 10)))
    assert report["series"][0]["mandatory_redemption_events"][0]["series_voted_otherwise"] is True
    assert report["series"][0]["consents"][0]["clause"] == "F §6(b)"
    bad = {**vote_a, "reference": "nothing"}
    with pytest.raises(LedgerRuleError, match=r"reference: name the id of a recorded transaction .*\(F §6\(b\)\)"):
        replay(ledger(event, bad), D(2001, 3, 10))
    at_half = {**event, "prior_stockholders_voting_share": "0.5"}
    with pytest.raises(LedgerRuleError, match=r"reference: .*Mandatory Redemption Event of Series F \(known: \[\]\)"):
        replay(ledger(at_half, vote_a), D(2001, 3, 10))


def test_a_mandatory_redemption_event_typed_as_a_verdict_is_refused() -> None:
    """F §6(b): the user no longer says which of (i)-(vi) happened; the kind is refused when read,
    naming the fact events to record instead (nothing is replayed)."""
    from prefstack.errors import InputError

    flag = {"kind": "mandatory_redemption_event", "date": "2001-03-01", "series": "F", "clause": "i",
            "description": "merger"}  # fmt: skip
    with pytest.raises(InputError, match=r"\(mandatory_redemption_event\)\.kind: .*merger_or_sale, "
                       r"control_acquisition, board_turnover or insolvency.*\(F §6\(b\)\)"):  # fmt: skip
        ledger(flag)


def test_liquidation_with_non_cash_proceeds_and_a_bad_valuation_clause() -> None:
    """F/G §3(c): property valued under G §3(c)(i)(A) is distributed with the cash; a clause outside
    §3(c) is refused when the event is read, naming the field."""
    from prefstack.errors import InputError

    liquidation = {
        "kind": "liquidation",
        "date": "2001-02-01",
        "proceeds": "1000000",
        "non_cash": [{"description": "Acquirer shares", "value": "2000000", "clause": "G §3(c)(i)(A)"}],
    }
    state = replay(ledger(liquidation), D(2001, 2, 1))
    assert state.liquidation is not None and state.liquidation.total_paid.value == 3_000_000
    bad = {**liquidation, "non_cash": [{"description": "x", "value": "1", "clause": "F §5(a)"}]}
    with pytest.raises(InputError, match=r"non_cash.0.clause.*not one of the valuation clauses"):
        ledger(bad)
