"""Transactions judged from recorded facts: F/G §6(b)(i)-(vi) Mandatory Redemption Events and the
G §3(d) deemed liquidation (Series G paid and retired alone; Series F unaffected), G §5(k)(iv)
notices; the `transaction` question asks the same rules without recording."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction as Fr
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from prefstack.compliance import calendar
from prefstack.ledger.files import parse_ledger, read_ledger_file
from prefstack.ledger.replay import LedgerRuleError, replay
from prefstack.report import state_report

EXAMPLE = Path(str(resources.files("prefstack.data").joinpath("example_ledger.yaml")))
ON = dt.date(2002, 6, 30)


def _merger(share: str, **more: Any) -> dict[str, Any]:
    return {
        "kind": "merger_or_sale",
        "date": ON.isoformat(),
        "id": "merger",
        "transaction": "merger",
        "description": "merger with Acquirer, Inc.",
        "prior_stockholders_voting_share": share,
        **more,
    }


def _with(*events: dict[str, Any], as_of: dt.date = ON):  # type: ignore[no-untyped-def]
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["events"] += list(events)
    return replay(parse_ledger(doc, "t"), as_of)


def _judged(state, series: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    report = state_report(state)
    (row,) = next(s for s in report["series"] if s["series"] == series)["transactions_judged"]
    return dict(row)


@pytest.mark.clause("G §3(d)")
def test_merger_at_49_9_percent_is_deemed_a_liquidation_of_g_alone() -> None:
    """G §3(d): prior stockholders keep 49.9% (< 50%): deemed a liquidation of Series G. With
    $100,000,000 of consideration the whole waterfall is run (LIQ-G-DEEMED-PAYOUT): F's $43,442,976.34
    and G's $22,586,176.36 Liquidation Values are covered, and the rest, $33,970,847.30, is shared as
    converted by F (43,316.636... x 1,000 / 24), G (22,529.851... x 1,000 / 36) and the 22,067,995
    common shares. G is paid its $22,586,176.36 and its share of the rest, then retired; F keeps its
    shares and Liquidation Value. Both series have a Mandatory Redemption Event under §6(b)(i)."""
    before = replay(read_ledger_file(EXAMPLE), ON)
    state = _with(_merger("0.499", consideration="100000000"))
    g, f = state.series["G"], state.series["F"]
    assert g.shares_outstanding == 0 and g.deemed_liquidation is not None
    assert f.holdings["Microsoft Corporation"] == before.series["F"].holdings["Microsoft Corporation"]
    paid = {p.tier.value: p.paid for p in g.deemed_liquidation.waterfall.payouts if p.security == "G"}
    assert paid["parity preference"] == Fr("22586176.36")
    f_conv = before.series["F"].shares_outstanding * 1000 / 24
    g_conv = before.series["G"].shares_outstanding * 1000 / 36
    rest = Fr(100_000_000) - Fr("43442976.34") - Fr("22586176.36")
    assert rest == Fr("33970847.30")
    exact_share = rest * g_conv / (f_conv + g_conv + 22_067_995)
    assert abs(paid["as-converted participation"] - exact_share) <= Fr(1, 100)
    f_row, g_row = _judged(state, "F"), _judged(state, "G")
    assert (f_row["mandatory_redemption_event"], f_row["deemed_liquidation"]) == (True, False)
    assert (g_row["mandatory_redemption_event"], g_row["deemed_liquidation"]) == (True, True)
    assert (f_row["clause"], g_row["deemed_liquidation_clause"]) == ("F §6(b)(i)", "G §3(d)")


def test_merger_at_50_percent_is_neither() -> None:
    """G §3(d) "at least 50%": 50% is not deemed a liquidation; F/G §6(b)(i) "less than 50%": no event."""
    state = _with(_merger("0.5", consideration="100000000"))
    assert state.series["G"].deemed_liquidation is None and state.series["G"].shares_outstanding > 0
    for series in ("F", "G"):
        row = _judged(state, series)
        assert row["mandatory_redemption_event"] is False and row["deemed_liquidation"] is False


def test_deemed_liquidation_needs_the_consideration() -> None:
    with pytest.raises(LedgerRuleError, match=r"consideration: a deemed liquidation of Series G.*\(G §3\(d\)\)"):
        _with(_merger("0.4"))


def test_an_agreement_to_merge_is_an_event_but_not_a_liquidation() -> None:
    """§6(b)(vi): entering into an agreement to merge at 40% is itself an event; nothing is paid yet."""
    state = _with(_merger("0.4", agreement_only=True))
    row = _judged(state, "G")
    assert row["mandatory_redemption_event"] is True and row["clause"] == "G §6(b)(vi)"
    assert state.series["G"].shares_outstanding > 0


@pytest.mark.parametrize(
    ("event", "is_event", "clause"),
    [
        ({"kind": "merger_or_sale", "transaction": "asset_sale", "prior_stockholders_voting_share": "0.3",
          "all_or_substantially_all": True, "consideration": "90000000"}, True, "§6(b)(ii)"),
        ({"kind": "merger_or_sale", "transaction": "asset_sale", "prior_stockholders_voting_share": "0.3",
          "all_or_substantially_all": False}, False, "§6(b)(ii)"),
        ({"kind": "control_acquisition", "acquirers": ["Someone Else"], "voting_power_after": "0.51"}, True,
         "§6(b)(iii)"),
        ({"kind": "control_acquisition", "acquirers": ["Ulysses G. Auger, Sr.", "Ulysses G. Auger, II"],
          "voting_power_after": "0.6"}, False, "§6(b)(iii)"),
        ({"kind": "control_acquisition", "acquirers": ["Someone Else"], "voting_power_after": "0.5"}, False,
         "§6(b)(iii)"),
        ({"kind": "board_turnover", "period_start_year": 2000, "board_size": 7, "continuing_directors": 3}, True,
         "§6(b)(iv)"),
        ({"kind": "board_turnover", "period_start_year": 2000, "board_size": 7, "continuing_directors": 4}, False,
         "§6(b)(iv)"),
        ({"kind": "insolvency", "insolvency": "A"}, True, "§6(b)(v)(A)"),
    ],
)  # fmt: skip
def test_each_mandatory_redemption_event_from_its_facts(event: dict[str, Any], is_event: bool, clause: str) -> None:
    """F/G §6(b)(ii)-(v): a sale of substantially all assets leaving prior holders 30%; an acquisition
    above 50% by anyone but the four named persons (50% exactly is not "more than"); continuing
    directors no longer a majority (3 of 7) at the end of three years; an assignment for creditors."""
    state = _with({"date": "2002-06-01", "id": "facts", "description": "recorded facts", **event})
    for series in ("F", "G"):
        row = _judged(state, series)
        assert row["mandatory_redemption_event"] is is_event
        assert row["clause"] == f"{series} {clause}"


def test_receiver_without_consent_becomes_an_event_on_the_61st_day() -> None:
    """§6(b)(v)(C): a receiver appointed without consent on 2002-03-01, not vacated: an event from the
    61st day, 2002-05-01 (RED-RECEIVER-60-DAYS); vacated on 2002-03-31, never."""
    receiver = {
        "kind": "insolvency",
        "date": "2002-03-01",
        "id": "receiver",
        "insolvency": "C",
        "description": "receiver appointed",
        "appointed_with_consent": False,
    }
    assert _judged(_with(receiver, as_of=dt.date(2002, 4, 30)), "F")["mandatory_redemption_event"] is False
    assert _judged(_with(receiver, as_of=dt.date(2002, 5, 1)), "F")["mandatory_redemption_event"] is True
    vacated = {**receiver, "vacated_or_stayed_on": "2002-03-31"}
    assert _judged(_with(vacated, as_of=dt.date(2002, 6, 30)), "F")["mandatory_redemption_event"] is False


def test_series_vote_otherwise_names_the_fact_event() -> None:
    """§6(b): a majority of Series F's voting power votes that the merger (an agreement, event (vi))
    shall not be a Mandatory Redemption Event: Microsoft holds all of it."""
    vote = {
        "kind": "series_consent",
        "date": "2002-07-01",
        "series": "F",
        "matter": "waive_redemption_event",
        "holders_consenting": ["Microsoft Corporation"],
        "reference": "merger",
    }
    state = _with(_merger("0.4", agreement_only=True), vote, as_of=dt.date(2002, 7, 1))
    assert _judged(state, "F")["series_voted_otherwise"] is True


@pytest.mark.clause("G §5(k)(iv)", "G §5(k)(B)")
def test_g_5k_iv_notice_of_a_merger_is_due_20_days_before() -> None:
    """G §5(k)(iv): notice of a merger at least 20 days before it becomes effective: due 2002-06-10 for a
    merger effective 2002-06-30; F §5(k)(iv) names dissolution only, so Series F has no such deadline."""
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["events"].append(_merger("0.6"))
    placed = parse_ledger(doc, "t")
    state = replay(placed, ON)
    deadlines = [d for d in calendar(state, placed, dt.date(2002, 6, 1), ON, ON) if "merger" in d.what]
    assert [(d.clause, d.date, d.status) for d in deadlines] == [("G §5(k)", dt.date(2002, 6, 10), "missed")]


def test_cli_transaction_question_and_state(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ["transaction", "--kind", "merger", "--on", "2002-06-30", "--consideration", "100000000"]
    asked = json.loads(
        cli(*args, "--prior-stockholders-share", "0.499", "--ledger", str(EXAMPLE), "--format", "json").stdout
    )
    rows = {r["series"]: r for r in asked["series"]}
    assert rows["G"]["deemed_liquidation"] is True and rows["F"]["deemed_liquidation"] is False
    assert rows["G"]["payouts"][0]["amount"] == "22586176.36"
    at_half = json.loads(
        cli(*args, "--prior-stockholders-share", "0.5", "--ledger", str(EXAMPLE), "--format", "json").stdout
    )
    assert {r["series"]: r["deemed_liquidation"] for r in at_half["series"]} == {"F": False, "G": False}
    assert not any(r["mandatory_redemption_event"] for r in at_half["series"])
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["events"].append(_merger("0.499", consideration="100000000"))
    path = tmp_path / "merged.yaml"
    path.write_text(yaml.safe_dump(doc))
    report = json.loads(cli("state", "--ledger", str(path), "--as-of", "2002-06-30", "--format", "json").stdout)
    g = next(s for s in report["series"] if s["series"] == "G")
    assert g["deemed_liquidation"]["clause"] == "G §3(d)" and g["holders"] == []
