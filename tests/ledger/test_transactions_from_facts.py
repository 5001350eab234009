"""Corporate transactions recorded as facts and judged by prefstack: every F/G §6(b)(i)-(vi) fact
type, the G §3(d) deemed liquidation at 50% and 49.9% for each kind of transaction it names (Series
G paid and retired alone, Series F's figures unchanged), a §5(h) reclassification naming the merger
it is part of, the G §5(k)(iv) notice (met, missed, pending), and the verdicts typed by hand that
are refused. Ledger files go through the real command line."""

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
from prefstack.errors import InputError
from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import LedgerRuleError, LedgerState, replay
from prefstack.ledger.section5 import conversion_price_state
from prefstack.report import state_report

EXAMPLE = Path(str(resources.files("prefstack.data").joinpath("example_ledger.yaml")))
ON = dt.date(2002, 6, 30)

# A small ledger: Series F's Conversion Price stays $24.00, Series G's $36.00 (no §5 adjustments).
SMALL = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "20000"},
]


def _example(*events: dict[str, Any], as_of: dt.date = ON) -> LedgerState:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["events"] += list(events)
    return replay(parse_ledger(doc, "t"), as_of)


def _small(*events: dict[str, Any], as_of: dt.date) -> LedgerState:
    return replay(parse_ledger({"format": "prefstack-ledger/1", "events": [*SMALL, *events]}, "t"), as_of)


def _fact(kind: str, day: str = "2002-06-01", **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "date": day, "id": "facts", "description": "recorded facts", **fields}


def _row(state: LedgerState, series: str) -> dict[str, Any]:
    report = state_report(state)
    (row,) = next(s for s in report["series"] if s["series"] == series)["transactions_judged"]
    return dict(row)


def _series_figures(state: LedgerState, series: str) -> dict[str, Any]:
    """A series' part of the state report without the judgments (its holdings and figures)."""
    section = next(s for s in state_report(state)["series"] if s["series"] == series)
    return {k: v for k, v in section.items() if k not in ("transactions_judged", "mandatory_redemption_events")}


# ----------------------------------------------------------------- G §3(d): 50% and 49.9%


@pytest.mark.clause("G §3(d)")
@pytest.mark.parametrize(
    "sale",
    [
        {"transaction": "merger"},
        {"transaction": "consolidation"},
        {"transaction": "asset_sale", "all_or_substantially_all": True},
        {"transaction": "subsidiary_stock_sale", "all_or_substantially_all": True},
    ],
)
def test_g_3d_deemed_at_49_9_percent_not_at_50_for_each_transaction_it_names(sale: dict[str, Any]) -> None:
    """G §3(d): deemed a liquidation of Series G "unless the stockholders ... hold at least 50%": 0.5 >= 0.5
    is not deemed (G stays outstanding); 0.499 < 0.5 is (G retired). F/G §6(b)(i)/(ii) "less than 50%":
    no event at 0.5, an event at 0.499. Series F has no deemed-liquidation clause (F §3) at either."""
    facts = _fact("merger_or_sale", ON.isoformat(), consideration="100000000", **sale)
    at_half = _example({**facts, "prior_stockholders_voting_share": "0.5"})
    below = _example({**facts, "prior_stockholders_voting_share": "0.499"})
    clause = "§6(b)(i)" if sale["transaction"] in ("merger", "consolidation") else "§6(b)(ii)"
    for series in ("F", "G"):
        assert (_row(at_half, series)["mandatory_redemption_event"], _row(at_half, series)["clause"]) == (
            False,
            f"{series} {clause}",
        )
        assert _row(below, series)["mandatory_redemption_event"] is True
    assert _row(at_half, "G")["deemed_liquidation"] is False and at_half.series["G"].shares_outstanding > 0
    assert _row(below, "G")["deemed_liquidation"] is True and below.series["G"].shares_outstanding == 0
    whose = "survivor" if clause == "§6(b)(i)" else "acquirer"
    assert _row(below, "G")["facts"][f"prior stockholders' voting power of the {whose}"] == "0.499"
    assert _row(below, "F")["deemed_liquidation"] is False and _row(below, "F")["deemed_liquidation_clause"] == "F §3"


def test_g_liquidated_alone_f_holdings_and_figures_unchanged() -> None:
    """G §3(d), LIQ-G-DEEMED-PAYOUT: a merger at 49.9% with $100,000,000 pays Series G its Liquidation Value
    $22,586,176.36 (G §3(a)) plus its as-converted share of what is left after F's and G's preferences,
    $100,000,000 - $43,442,976.34 - $22,586,176.36 = $33,970,847.30 (G §3(b)), and retires it: no G holder,
    no G shares. Series F is not liquidated: every F figure (shares, accrued dividends, Conversion Price,
    ratio, Liquidation Value, votes) is exactly what it is without the merger."""
    merger = _fact("merger_or_sale", ON.isoformat(), transaction="merger", prior_stockholders_voting_share="0.499",
                   consideration="100000000")  # fmt: skip
    before, after = _example(), _example(merger)
    assert _series_figures(after, "F") == _series_figures(before, "F")
    g = _series_figures(after, "G")
    assert g["holders"] == [] and g["shares_outstanding"] == "0.00"
    payouts = {p["tier"]: p["amount"] for p in g["deemed_liquidation"]["payouts"]}
    assert payouts["parity preference"] == "22586176.36"
    f_conv = before.series["F"].shares_outstanding * 1000 / 24
    g_conv = before.series["G"].shares_outstanding * 1000 / 36
    share = Fr("33970847.30") * g_conv / (f_conv + g_conv + 22_067_995)
    assert abs(Fr(payouts["as-converted participation"]) - share) <= Fr(1, 100)
    g_report = next(s for s in state_report(after)["series"] if s["series"] == "G")
    assert [r["id"] for r in g_report["mandatory_redemption_events"]] == ["facts"]


def test_a_sale_of_part_of_the_assets_is_neither() -> None:
    """F/G §6(b)(ii) and G §3(d) need "all or substantially all": a sale of a division leaving prior
    holders 10% of the buyer is no event and no deemed liquidation."""
    state = _example(_fact("merger_or_sale", transaction="asset_sale", prior_stockholders_voting_share="0.1",
                           all_or_substantially_all=False))  # fmt: skip
    for series in ("F", "G"):
        row = _row(state, series)
        assert (row["mandatory_redemption_event"], row["deemed_liquidation"]) == (False, False)


# ----------------------------------------------------------------- F/G §6(b)(i)-(vi) from facts


@pytest.mark.clause(
    "F §6(b)(i)",
    "G §6(b)(i)",
    "F §6(b)(ii)",
    "G §6(b)(ii)",
    "F §6(b)(iii)",
    "G §6(b)(iii)",
    "F §6(b)(iv)",
    "G §6(b)(iv)",
    "F §6(b)(v)",
    "G §6(b)(v)",
    "G §6(b)(v)(B)",
    "G §6(b)(v)(C)",
    "G §6(b)(v)(D)",
    "G §6(b)(v)(E)",
    "F §6(b)(vi)",
    "G §6(b)(vi)",
)
@pytest.mark.parametrize(
    ("kind", "fields", "is_event", "clause"),
    [
        ("merger_or_sale", {"transaction": "consolidation", "prior_stockholders_voting_share": "0.3",
                            "consideration": "90000000"}, True, "§6(b)(i)"),
        ("merger_or_sale", {"transaction": "subsidiary_stock_sale", "prior_stockholders_voting_share": "0.7",
                            "all_or_substantially_all": True}, False, "§6(b)(ii)"),
        # (iii): a group with one outsider is not "the named persons"; one named person alone is excluded.
        ("control_acquisition", {"acquirers": ["Evans K. Anderson", "Someone Else"], "voting_power_after": "0.6"},
         True, "§6(b)(iii)"),
        ("control_acquisition", {"acquirers": ["William M. Caldwell, IV"], "voting_power_after": "0.9"}, False,
         "§6(b)(iii)"),
        # (iv): 4 continuing directors of 8 are not "at least a majority" (4 x 2 <= 8, RED-BOARD-CONTINUING).
        ("board_turnover", {"period_start_year": 2001, "board_size": 8, "continuing_directors": 4}, True,
         "§6(b)(iv)"),
        ("board_turnover", {"period_start_year": 2001, "board_size": 9, "continuing_directors": 5}, False,
         "§6(b)(iv)"),
        ("insolvency", {"insolvency": "B"}, True, "§6(b)(v)(B)"),
        ("insolvency", {"insolvency": "D"}, True, "§6(b)(v)(D)"),
        ("insolvency", {"insolvency": "E"}, True, "§6(b)(v)(E)"),
        ("insolvency", {"insolvency": "C", "appointed_with_consent": True}, True, "§6(b)(v)(C)"),
        # (vi): an agreement to do any of the above is itself the event.
        ("control_acquisition", {"acquirers": ["Someone Else"], "voting_power_after": "0.51", "agreement_only": True},
         True, "§6(b)(vi)"),
        ("board_turnover", {"period_start_year": 2001, "board_size": 7, "continuing_directors": 2,
                            "agreement_only": True}, True, "§6(b)(vi)"),
        ("insolvency", {"insolvency": "E", "agreement_only": True}, True, "§6(b)(vi)"),
        ("merger_or_sale", {"transaction": "merger", "prior_stockholders_voting_share": "0.5",
                            "agreement_only": True}, False, "§6(b)(vi)"),
    ],
)  # fmt: skip
def test_each_fact_type_judged_for_both_series(kind: str, fields: dict[str, Any], is_event: bool, clause: str) -> None:
    """F/G §6(b)(i)-(vi), each judged from its facts for every series with shares outstanding, and the
    verdict's facts and test carried with it."""
    state = _example(_fact(kind, **fields))
    for series in ("F", "G"):
        row = _row(state, series)
        assert (row["mandatory_redemption_event"], row["clause"]) == (is_event, f"{series} {clause}")
        assert row["facts"]
        listed = [e["id"] for e in next(s for s in state_report(state)["series"] if s["series"] == series)[
            "mandatory_redemption_events"]]  # fmt: skip
        assert listed == (["facts"] if is_event else [])


@pytest.mark.clause("F §6(b)(v)(C)", "G §6(b)(v)(C)")
def test_receiver_without_consent_the_60_day_rule_to_the_day() -> None:
    """F/G §6(b)(v)(C), RED-RECEIVER-60-DAYS: a receiver appointed without consent on 2002-03-01; the 60th
    day is 2002-03-01 + 60 = 2002-04-30. Vacated on 2002-04-30 (within 60 days): never an event. Vacated on
    2002-05-01 (the 61st day): an event on 2002-05-01, not on 2002-04-30."""
    receiver = _fact("insolvency", "2002-03-01", insolvency="C", appointed_with_consent=False)
    in_time = {**receiver, "vacated_or_stayed_on": "2002-04-30"}
    late = {**receiver, "vacated_or_stayed_on": "2002-05-01"}
    assert _row(_example(in_time, as_of=dt.date(2002, 6, 30)), "G")["mandatory_redemption_event"] is False
    assert _row(_example(late, as_of=dt.date(2002, 4, 30)), "G")["mandatory_redemption_event"] is False
    row = _row(_example(late, as_of=dt.date(2002, 5, 1)), "G")
    assert row["mandatory_redemption_event"] is True and row["facts"]["last day to vacate or stay"] == "2002-04-30"


def test_facts_that_cannot_be_judged_are_refused() -> None:
    """§6(b)(iv) judges the board within its three-year period; §6(b)(v)(C) needs the consent fact."""
    outside = r"\(board_turnover\)\.period_start_year: .*composition on 2004-01-01.*\(F §6\(b\)\(iv\)\)"
    with pytest.raises(InputError, match=outside):
        _example(_fact("board_turnover", "2004-01-01", period_start_year=2001, board_size=7, continuing_directors=3))
    consent = r"appointed_with_consent: say whether the Company consented.*\(F §6\(b\)\(v\)\(C\)\)"
    with pytest.raises(LedgerRuleError, match=consent):
        _example(_fact("insolvency", insolvency="C"))
    with pytest.raises(InputError, match=r"appointed_with_consent: .*a fact of a receiver or trustee \(C\)"):
        _example(_fact("insolvency", insolvency="A", appointed_with_consent=True))


# ----------------------------------------------------------------- verdicts typed by hand are refused


def test_the_verdict_kinds_and_flags_are_refused_with_the_fact_events_named() -> None:
    """F/G §6(b) and G §3(d) are judged by prefstack: a mandatory_redemption_event and a reclassification's
    deemed_liquidation_under_g_3d flag are refused when read, naming what to record instead."""
    flag = {"kind": "mandatory_redemption_event", "date": "2002-06-01", "series": "G", "clause": "iii",
            "description": "control"}  # fmt: skip
    with pytest.raises(InputError, match=r"record the facts as merger_or_sale, control_acquisition.*\(G §6\(b\)\)"):
        _example(flag)
    reclass = {"kind": "reclassification", "date": "2002-06-01", "description": "merger", "per_common_share": [],
               "deemed_liquidation_under_g_3d": True}  # fmt: skip
    with pytest.raises(InputError, match=r"deemed_liquidation_under_g_3d: .*transaction field \(G §3\(d\)\)"):
        _example(reclass)


# ----------------------------------------------------------------- §5(h) reclassification in a merger


def _merger_and_reclassification(share: str, **reclass: Any) -> list[dict[str, Any]]:
    return [
        {"kind": "merger_or_sale", "date": "2001-01-10", "id": "merger", "transaction": "merger",
         "description": "merger into Acquirer", "prior_stockholders_voting_share": share,
         "consideration": "1000000000"},
        {"kind": "reclassification", "date": "2001-01-10", "description": "Common into Acquirer stock",
         "per_common_share": [{"description": "Acquirer stock", "amount": "2"}], "transaction": "merger", **reclass},
    ]  # fmt: skip


@pytest.mark.clause("F §5(h)", "G §5(h)", "G §3(d)")
def test_reclassification_in_a_merger_g_excepted_only_when_deemed() -> None:
    """F §5(h): each share of Common Stock becomes 2 Acquirer shares, so a Series F share converts into
    1,000 / 24 x 2 = 250/3 of them. G §5(h) "except as provided in Section 3": at 49.9% the merger it
    names is a deemed liquidation (G §3(d)), so G gets no entitlement (it is paid and retired instead);
    at 50% it is not, and a G share converts into 1,000 / 36 x 2 = 500/9 Acquirer shares."""
    day = dt.date(2001, 1, 10)
    below = _small(*_merger_and_reclassification("0.499"), as_of=day)
    f_entitled = conversion_price_state(below, "F", day).entitlements
    assert [e.amount_per_preferred_share for e in f_entitled] == [Fr(250, 3)]
    g_state = conversion_price_state(below, "G", day)
    assert g_state.entitlements == ()
    (decision,) = [d for d in g_state.decisions if d.explained.inputs.get("transaction") == "merger"]
    assert decision.explained.clause == "G §3(d)" and decision.explained.parts[0].value is True
    at_half = _small(*_merger_and_reclassification("0.5"), as_of=day)
    assert [e.amount_per_preferred_share for e in conversion_price_state(at_half, "G", day).entitlements] == [
        Fr(500, 9)
    ]


@pytest.mark.clause("G §3(d)", "G §5(h)")
def test_reclassification_naming_no_merger_is_refused() -> None:
    """G §3(d), §5(h): the transaction named must be a completed merger_or_sale of the same date."""
    day = dt.date(2001, 1, 31)
    merger, reclass = _merger_and_reclassification("0.499")
    with pytest.raises(LedgerRuleError, match=r"transaction: no merger_or_sale event has id 'other'.*\(G §3\(d\)\)"):
        _small(merger, {**reclass, "transaction": "other"}, as_of=day)
    with pytest.raises(LedgerRuleError, match=r"transaction: 'merger' takes effect on 2001-01-10, not on .*2001-01-11"):
        _small(merger, {**reclass, "date": "2001-01-11"}, as_of=day)
    with pytest.raises(LedgerRuleError, match=r"transaction: 'merger' is only an agreement"):
        _small({**merger, "agreement_only": True}, reclass, as_of=day)


# ----------------------------------------------------------------- G §5(k)(iv) notice


def _merger_deadlines(*events: dict[str, Any], as_of: dt.date) -> list[tuple[str, dt.date, str]]:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["events"] += list(events)
    placed = parse_ledger(doc, "t")
    state = replay(placed, as_of)
    found = calendar(state, placed, dt.date(2002, 6, 1), dt.date(2002, 7, 31), as_of)
    return [(d.clause, d.date, d.status) for d in found if "merger" in d.what or "sale" in d.what]


@pytest.mark.clause("G §5(k)(iv)", "G §5(k)(B)")
def test_g_5k_iv_notice_met_pending_and_not_for_a_partial_sale() -> None:
    """G §5(k)(iv)(B): notice at least 20 days before a merger effective 2002-07-20: due 2002-06-30. Sent
    2002-06-25 (Series G, reference the merger's id): met. None sent, judged on 2002-06-15: pending; on
    2002-07-01: missed. A sale of part of the assets is no occasion (NOTICE-MERGER-SCOPE); a sale of
    substantially all of the Subsidiaries' stock is. Series F has none (F §5(k)(iv) names dissolution)."""
    merger = _fact("merger_or_sale", "2002-07-20", transaction="merger", prior_stockholders_voting_share="0.6")
    sent = {"kind": "notice_sent", "date": "2002-06-25", "series": "G", "notice": "effective_date",
            "reference": "facts"}  # fmt: skip
    due = dt.date(2002, 6, 30)
    assert _merger_deadlines(merger, sent, as_of=dt.date(2002, 7, 1)) == [("G §5(k)", due, "met")]
    assert _merger_deadlines(merger, as_of=dt.date(2002, 6, 15)) == [("G §5(k)", due, "pending")]
    assert _merger_deadlines(merger, as_of=dt.date(2002, 7, 1)) == [("G §5(k)", due, "missed")]
    partial = {**merger, "transaction": "asset_sale", "all_or_substantially_all": False}
    assert _merger_deadlines(partial, as_of=dt.date(2002, 7, 1)) == []
    subsidiaries = {**merger, "transaction": "subsidiary_stock_sale", "all_or_substantially_all": True}
    assert _merger_deadlines(subsidiaries, as_of=dt.date(2002, 7, 1)) == [("G §5(k)", due, "missed")]


# ----------------------------------------------------------------- the command line on ledger files


def _ledger_file(tmp_path: Path, *events: dict[str, Any]) -> str:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["events"] += list(events)
    path = tmp_path / f"ledger{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_cli_state_judges_each_fact_event(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`state` on a ledger file with one event of each fact kind: JSON rows per series with clause, verdict,
    facts and test; the text lists them under each series."""
    path = _ledger_file(
        tmp_path,
        _fact("control_acquisition", "2002-03-01", id="augers", acquirers=["Ulysses G. Auger, Sr."],
              voting_power_after="0.6"),
        _fact("board_turnover", "2002-04-01", id="board", period_start_year=2000, board_size=7,
              continuing_directors=3),
        _fact("insolvency", "2002-05-01", id="plan", insolvency="E"),
        _fact("merger_or_sale", "2002-06-30", id="merger", transaction="merger",
              prior_stockholders_voting_share="0.499", consideration="100000000"),
    )  # fmt: skip
    report = json.loads(cli("state", "--ledger", path, "--as-of", "2002-06-30", "--format", "json").stdout)
    g = next(s for s in report["series"] if s["series"] == "G")
    verdicts = {r["id"]: (r["clause"], r["mandatory_redemption_event"]) for r in g["transactions_judged"]}
    assert verdicts == {
        "augers": ("G §6(b)(iii)", False),
        "board": ("G §6(b)(iv)", True),
        "plan": ("G §6(b)(v)(E)", True),
        "merger": ("G §6(b)(i)", True),
    }
    assert [e["id"] for e in g["mandatory_redemption_events"]] == ["board", "plan", "merger"]
    assert g["deemed_liquidation"]["clause"] == "G §3(d)"
    text = cli("state", "--ledger", path, "--as-of", "2002-06-30").stdout
    assert "'augers' (recorded facts): not a Mandatory Redemption Event under F §6(b)(iii)" in text
    assert "only named persons = True" in text and "continuing directors = 3" in text
    assert "deemed a liquidation under G §3(d)" in text and "not deemed a liquidation under F §3" in text
    assert "paid in the deemed liquidation of 2002-06-30 (G §3(d)): 3Com Corporation $22,586,176.36" in text


def test_cli_transaction_question_for_each_fact_kind(cli) -> None:  # type: ignore[no-untyped-def]
    """`transaction` asks without recording: a board of 7 with 3 continuing directors (§6(b)(iv)); a
    receiver without consent on 2002-03-01 asked as of 2002-04-30 (no event yet) and 2002-05-01 (the 61st
    day: an event); the Augers buying 60% (excluded, §6(b)(iii)); an asset sale of everything at 49.9%
    (G §3(d) deemed, §6(b)(ii) event)."""

    def ask(*args: str) -> dict[str, Any]:
        out = cli("transaction", *args, "--ledger", str(EXAMPLE), "--format", "json").stdout
        return {r["series"]: r for r in json.loads(out)["series"]}

    board = ask("--kind", "board_turnover", "--on", "2002-06-30", "--period-start-year", "2000", "--board-size", "7",
                "--continuing-directors", "3")  # fmt: skip
    assert (board["F"]["clause"], board["F"]["mandatory_redemption_event"]) == ("F §6(b)(iv)", True)
    receiver = ["--kind", "insolvency", "--insolvency", "C", "--without-consent", "--on", "2002-03-01"]
    assert ask(*receiver, "--as-of", "2002-04-30")["G"]["mandatory_redemption_event"] is False
    assert ask(*receiver, "--as-of", "2002-05-01")["G"]["mandatory_redemption_event"] is True
    augers = ask("--kind", "control_acquisition", "--acquirer", "Ulysses G. Auger, Sr.", "--acquirer",
                 "Ulysses G. Auger, II", "--voting-power-after", "0.6", "--on", "2002-06-30")  # fmt: skip
    assert augers["G"]["mandatory_redemption_event"] is False
    assert augers["G"]["facts"]["only named persons"] == "True"
    sale = ask("--kind", "asset_sale", "--all-or-substantially-all", "--prior-stockholders-share", "0.499",
               "--on", "2002-06-30", "--consideration", "100000000")  # fmt: skip
    assert (sale["G"]["clause"], sale["G"]["deemed_liquidation"], sale["F"]["deemed_liquidation"]) == (
        "G §6(b)(ii)",
        True,
        False,
    )
    text = cli("transaction", *receiver, "--as-of", "2002-05-01", "--ledger", str(EXAMPLE)).stdout
    assert "last day to vacate or stay = 2002-04-30" in text and "event on the 61st day" in text


def test_cli_refuses_a_verdict_typed_by_hand_and_stores_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """F §6(b): `ledger import` of a file with a mandatory_redemption_event and `ledger add` of one exit 2,
    naming the fact events; the store is as it was (its export unchanged)."""
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    cli("ledger", "import", str(EXAMPLE), "--db", db)
    before = cli("ledger", "export", "--db", db).stdout
    flag = {"kind": "mandatory_redemption_event", "date": "2002-06-01", "series": "F", "clause": "i",
            "description": "merger"}  # fmt: skip
    bad = tmp_path / "flag.yaml"
    bad.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": [flag]}))
    refused = cli("ledger", "import", str(bad), "--db", db, ok=False)
    assert refused.returncode == 2
    assert "mandatory_redemption_event" in refused.stderr and "merger_or_sale" in refused.stderr
    assert "(F §6(b))" in refused.stderr
    added = cli("ledger", "add", "--kind", "mandatory_redemption_event", "--db", db, ok=False)
    assert added.returncode == 2 and "control_acquisition" in added.stderr
    assert cli("ledger", "export", "--db", db).stdout == before
