"""More implemented alternatives of the liquidation, capital-structure and notice readings: the G §3(d)
deemed-liquidation payout and threshold, the PIK adjustment of the Original Issue Price (F/G §3(a)), the
reserve for conversion of in-the-money options (F/G §5(c)(ii)), the notices of F/G §5(j)-(k) and the
signature of the documents. Each figure is computed by hand in its test's docstring, default beside
alternative."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from prefstack.books import Books
from prefstack.clauses.liquidation import JuniorHolding, ParityHolding
from prefstack.clauses.liquidation_structure import StructureWaterfall, capital_structure_waterfall
from prefstack.clauses.notices import certificate_of_adjustment_deadline
from prefstack.compliance import calendar
from prefstack.instruments.capital_structure import parse_capital_structure
from prefstack.interpretations.readings import parse, under
from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import LedgerRuleError, LedgerState, replay
from prefstack.terms import load_terms

COVERED: set[tuple[str, str]] = {
    ("LIQ-G-DEEMED-PAYOUT", "series-alone"),
    ("LIQ-G-DEEMED-PAYOUT", "liquidation-value-only"),
    ("LIQ-G-DEEMED-THRESHOLD", "voting-power"),
    ("LIQ-ISSUE-PRICE-ADJUSTMENT", "pik-dilutes"),
    ("CAPSTRUCT-RESERVE", "in-the-money"),
    ("CAPSTRUCT-OPTION-EXERCISE", "treasury-stock"),
    ("CAPSTRUCT-OPTION-EXERCISE", "net-exercise"),
    ("NOTICE-MERGER-SCOPE", "assets-only"),
    ("NOTICE-PROMPTLY", "reasonable-time"),
    ("NOTICE-SIGNATORY", "secretary"),
    ("NOTICE-SIGNATORY", "chairman-and-ceo"),
}

EXAMPLE = Path(str(resources.files("prefstack.data").joinpath("example_ledger.yaml")))
ON = dt.date(2002, 6, 30)
CENT = Fraction(1, 100)


def _example_with(*events: dict[str, Any], readings: dict[str, str], as_of: dt.date = ON) -> LedgerState:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["events"] += list(events)
    with under(parse(readings, "test")):
        return replay(parse_ledger(doc, "t"), as_of)


def _merger_of_g(share: str, **more: Any) -> dict[str, Any]:
    return {
        "kind": "merger_or_sale",
        "date": ON.isoformat(),
        "id": "merger",
        "transaction": "merger",
        "description": "merger with Acquirer, Inc.",
        "prior_stockholders_voting_share": share,
        **more,
    }


def _g_paid(state: LedgerState) -> dict[str, Fraction]:
    deemed = state.series["G"].deemed_liquidation
    assert deemed is not None
    return {p.tier.value: p.paid for p in deemed.waterfall.payouts if p.security == "G"}


# ----------------------------------------------------------------------- G §3(d): the deemed payout


@pytest.mark.clause("G §3(d)", "G §3(a)", "G §3(b)")
def test_deemed_liquidation_payout_of_g_without_f_or_without_participation() -> None:
    """LIQ-G-DEEMED-PAYOUT on the bundled example, a merger of 2002-06-30 at 49.9% with $100,000,000.
    Default: the whole waterfall: F's $43,442,976.34 and G's $22,586,176.36 Liquidation Values, then
    the rest $33,970,847.30 as converted among F (43,316.636... x 1,000 / 24), G (22,529.851... x
    1,000 / 36) and 22,067,995 common: G's share $867,799.62.
    ``series-alone``: F is left out: G takes $22,586,176.36, then the rest 100,000,000 - 22,586,176.36 =
    $77,413,823.64 is shared by G's 625,829.21 shares as converted and the 22,067,995 common:
    77,413,823.64 x 625,829.21 / 22,693,824.21 = $2,134,846.56 (to the cent).
    ``liquidation-value-only``: the default waterfall, G paid its $22,586,176.36 only."""
    default = _g_paid(_example_with(_merger_of_g("0.499", consideration="100000000"), readings={}))
    assert default["parity preference"] == Fraction("22586176.36")
    assert default["as-converted participation"] == Fraction("867799.62")

    alone_state = _example_with(
        _merger_of_g("0.499", consideration="100000000"), readings={"LIQ-G-DEEMED-PAYOUT": "series-alone"}
    )
    alone = _g_paid(alone_state)
    assert alone["parity preference"] == Fraction("22586176.36")
    before = _example_with(readings={})
    g_converted = before.series["G"].shares_outstanding * 1000 / 36
    rest = Fraction(100_000_000) - Fraction("22586176.36")
    assert rest == Fraction("77413823.64")
    exact = rest * g_converted / (g_converted + 22_067_995)
    assert abs(alone["as-converted participation"] - exact) <= CENT
    assert alone["as-converted participation"] == Fraction("2134846.56")
    assert alone_state.series["F"].shares_outstanding == before.series["F"].shares_outstanding  # F goes on

    only = _g_paid(
        _example_with(
            _merger_of_g("0.499", consideration="100000000"),
            readings={"LIQ-G-DEEMED-PAYOUT": "liquidation-value-only"},
        )
    )
    assert only == {"parity preference": Fraction("22586176.36")}


@pytest.mark.clause("G §3(d)")
def test_deemed_liquidation_measured_by_voting_power() -> None:
    """LIQ-G-DEEMED-THRESHOLD=voting-power: a merger after which the prior stockholders hold 60% of the
    survivor's voting securities but 40% of its voting power. Default (securities): 0.6 >= 0.5, not a
    deemed liquidation, G keeps its shares. Voting power: 0.4 < 0.5, deemed: G is paid its
    $22,586,176.36 Liquidation Value and retired. Without the voting power the ledger is refused,
    naming prior_stockholders_voting_power and G §3(d)."""
    merger = _merger_of_g("0.6", consideration="100000000", prior_stockholders_voting_power="0.4")
    kept = _example_with(merger, readings={})
    assert kept.series["G"].deemed_liquidation is None and kept.series["G"].shares_outstanding > 0
    power = _example_with(merger, readings={"LIQ-G-DEEMED-THRESHOLD": "voting-power"})
    assert power.series["G"].shares_outstanding == 0
    assert _g_paid(power)["parity preference"] == Fraction("22586176.36")
    at_half = _merger_of_g("0.4", consideration="100000000", prior_stockholders_voting_power="0.5")
    assert _example_with(at_half, readings={"LIQ-G-DEEMED-THRESHOLD": "voting-power"}).series["G"].shares_outstanding
    with pytest.raises(LedgerRuleError, match=r"prior_stockholders_voting_power.*G §3\(d\)"):
        _example_with(_merger_of_g("0.6", consideration="1"), readings={"LIQ-G-DEEMED-THRESHOLD": "voting-power"})


# ------------------------------------------------------ F/G §3(a): the Original Issue Price after PIK


@pytest.mark.clause("F §3(a)", "G §3(a)")
def test_pik_shares_adjust_the_original_issue_price() -> None:
    """LIQ-ISSUE-PRICE-ADJUSTMENT=pik-dilutes: the bundled example on 2000-09-15, after its first PIK
    dividends: G 20,000 + 300 PIK = 20,300 shares, F 40,000 + 3,080/9 PIK = 363,080/9 shares, nothing
    accrued on the Payment Date. A liquidation for $100,000,000: default, every share at $1,000.00:
    G $20,300,000.00 and F 363,080/9 x 1,000 = $40,342,222.22. Adjusted: G's price 1,000 x 20,000 /
    20,300 = $985.2216..., F's 1,000 x 40,000 / (363,080/9) = 1,000 x 9,000/9,077: G 20,300 x 1,000 x
    200/203 = $20,000,000.00 and F $40,000,000.00, the PIK shares adding nothing."""
    on = dt.date(2000, 9, 15)
    paid = {}
    for alternative in ("default", "pik-dilutes"):
        readings = {} if alternative == "default" else {"LIQ-ISSUE-PRICE-ADJUSTMENT": alternative}
        books = Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE), readings=parse(readings, "test"))
        answer = books.waterfall(on, Fraction(100_000_000))
        paid[alternative] = {p.security: p.amount.value for p in answer.payouts if p.tier == "parity preference"}
    assert paid["default"] == {"F": Fraction("40342222.22"), "G": Fraction(20_300_000)}
    assert Fraction(363_080, 9) * 1000 == Fraction("40342222.22") + Fraction(2, 900)
    assert paid["pik-dilutes"] == {"F": Fraction(40_000_000), "G": Fraction(20_000_000)}
    assert 20_300 * 1000 * Fraction(20_000, 20_300) == 20_000_000


# ------------------------------------------------------------------ F/G §5(c)(ii): in-the-money options


def test_reserve_counts_only_options_in_the_money(cli: Any) -> None:
    """CAPSTRUCT-RESERVE=in-the-money on 2002-06-30 over the bundled capital structure: prefstack counts
    F and G's 2,430,688, C 750,000, D 400,000, E 200,000, the options 3,031,495 (strike $5.00) and the
    warrant 500,000 (strike $40.00): 7,312,183. The Fair Market Value of the Common Stock from the
    closing prices (§3(c)(i)(A)) is below $40.00 and above $5.00: the warrant is out of the money and
    not counted: 7,312,183 - 500,000 = 6,812,183."""
    args = ["state", "--as-of", "2002-06-30", "--ledger", str(EXAMPLE), "--capital-structure", "company"]
    args += ["--format", "json"]
    reserve = json.loads(cli(*args).stdout)["common_stock"]["reserve_for_conversion"]
    assert reserve["required"] == "7312183.00"
    money = json.loads(cli("--reading", "CAPSTRUCT-RESERVE=in-the-money", *args).stdout)
    reserve = money["common_stock"]["reserve_for_conversion"]
    assert reserve["required"] == "6812183.00" and "Qwest Warrant" not in reserve["covers"]
    assert "Management options" in reserve["covers"]


# ------------------------------------------------ F §3(b): options exercised without cash (net shares)


def _net_exercise_run(proceeds: int, readings: dict[str, str]) -> StructureWaterfall:
    """Series F holder A: 1,000 shares, Liquidation Value $1,000, 40,000 shares of Common as converted;
    860,000 shares of Common Stock; options for 100,000 shares at $10 and a warrant for 50,000 at $20;
    Series C, D and E with no shares."""
    tranches = [("option", "Options", "100000", "10"), ("warrant", "Warrant", "50000", "20")]
    document = {
        "format": "prefstack-capital-structure/1",
        "company": "CAIS Internet, Inc.",
        "source": "tests",
        "classes": [
            *(
                {"kind": "preferred", "name": name, "rank": 1, "shares_outstanding": "0",
                 "original_issue_price": "1000", "liquidation_preference": {"multiple": "1"},
                 "participating": False, "participation_cap": None, "conversion": None,
                 "cumulative_dividend": None, "votes_with_common": False, "source": "test", "illustrative": True}
                for name in ("Series C", "Series D", "Series E")
            ),
            {"kind": "certificate", "name": "Series F", "series": "F", "rank": 2, "source": "F terms"},
            {"kind": "certificate", "name": "Series G", "series": "G", "rank": 2, "source": "G terms"},
        ],
        "common": {"name": "Common Stock", "authorized": "ledger", "outstanding": "ledger", "source": "ledger",
                   "illustrative": False},
        "options_and_warrants": [
            {"kind": kind, "name": name, "count": count, "strike_price": strike, "exercisable_for": "Common Stock",
             "source": "test", "illustrative": True}
            for kind, name, count, strike in tranches
        ],
    }  # fmt: skip
    structure = parse_capital_structure(document, "test")
    parity = [ParityHolding("F", "A", Fraction(1000), Fraction(1000), Fraction(40_000), True)]
    common = [JuniorHolding("Common Stock", "holders of Common Stock", Fraction(860_000))]
    with under(parse(readings, "test")):
        return capital_structure_waterfall(structure, Fraction(proceeds), [], [], parity, common, dt.date(2003, 1, 15))


def _net_exercise_paid(result: StructureWaterfall) -> dict[str, Fraction]:
    out: dict[str, Fraction] = {}
    for p in result.waterfall.payouts:
        out[p.security] = out.get(p.security, Fraction(0)) + p.paid
    return {k: v for k, v in out.items() if v}


@pytest.mark.clause("F §3(b)")
def test_options_counted_by_their_net_shares_at_the_distributions_own_value() -> None:
    """CAPSTRUCT-OPTION-EXERCISE, $16,000,000. After F's $1,000,000, $15,000,000 is shared as converted.
    Default (cash exercise when in the money): the options pay 100,000 x $10 = $1,000,000 in; $16,000,000
    over 1,000,000 shares is $16 a share, above $10 (the warrant at $20 stays out: with it, 16,000,000 +
    1,000,000 over 1,050,000 is $16.19, below $20): F 1,000,000 + 40,000 x 16 = $1,640,000, Common
    860,000 x 16 = $13,760,000, the options 100,000 x 16 = $1,600,000, $17,000,000 in all.
    ``treasury-stock`` / ``net-exercise``: V = 16 is the fixed point: the options' net shares 100,000 x
    (16 - 10) / 16 = 37,500, and 15,000,000 / (900,000 + 37,500) = $16 a share; no cash: F $1,640,000,
    Common $13,760,000, the options 37,500 x 16 = $600,000 (= 1,600,000 less the 1,000,000 not paid
    in), $16,000,000 in all. The warrant: 20 > 16, not exercised."""
    default = _net_exercise_run(16_000_000, {})
    assert _net_exercise_paid(default) == {"F": 1_640_000, "Common Stock": 13_760_000, "Options": 1_600_000}
    assert default.waterfall.proceeds.value == 17_000_000 and default.chosen == frozenset({"Options"})
    assert Fraction(15_000_000 + 1_000_000 + 50_000 * 20, 1_050_000) < 20
    for alternative in ("treasury-stock", "net-exercise"):
        result = _net_exercise_run(16_000_000, {"CAPSTRUCT-OPTION-EXERCISE": alternative})
        assert _net_exercise_paid(result) == {"F": 1_640_000, "Common Stock": 13_760_000, "Options": 600_000}
        assert result.waterfall.proceeds.value == 16_000_000
        assert [(t.name, t.count, t.strike_price) for t in result.tranches] == [("Options", 37_500, 0)]
    assert Fraction(15_000_000, 900_000 + 37_500) == 16 and 100_000 * Fraction(16 - 10, 16) == 37_500


# --------------------------------------------------------------------------- notices: F/G §5(j)-(k)


def _small_ledger_deadlines(events: list[dict[str, Any]], readings: dict[str, str]) -> list[tuple[str, Any, str]]:
    base: list[dict[str, Any]] = [
        {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
        {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "300"},
        {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "200"},
    ]
    placed = parse_ledger({"format": "prefstack-ledger/1", "events": [*base, *events]}, "t")
    with under(parse(readings, "test")):
        state = replay(placed, dt.date(2001, 2, 28))
        found = calendar(state, placed, dt.date(2001, 1, 1), dt.date(2001, 2, 28), dt.date(2001, 2, 28))
    return [(d.clause, d.date, d.status) for d in found if "certificate" in d.what]


@pytest.mark.clause("F §5(j)", "G §5(j)")
def test_certificate_of_adjustment_within_a_reasonable_time() -> None:
    """NOTICE-PROMPTLY=reasonable-time: a dilutive issue on 2001-01-10 adjusts both prices; F's
    certificate is sent 2001-01-15, G's never. Default (ten days): due 2001-01-20, F met, G missed.
    A reasonable time: no date by which a certificate is late, so the calendar lists neither and
    the clause gives no deadline (2002-07-01 + 10 = 2002-07-11 by default)."""
    events: list[dict[str, Any]] = [
        {"kind": "common_issued", "date": "2001-01-10", "shares": "1000000", "purpose": "none",
         "cash_consideration": "25000000", "fair_market_value_per_share": "30.00"},
        {"kind": "notice_sent", "date": "2001-01-15", "series": "F", "notice": "certificate_of_adjustment",
         "reference": "2001-01-10"},
    ]  # fmt: skip
    assert _small_ledger_deadlines(events, {}) == [
        ("F §5(j)", dt.date(2001, 1, 20), "met"),
        ("G §5(j)", dt.date(2001, 1, 20), "missed"),
    ]
    assert _small_ledger_deadlines(events, {"NOTICE-PROMPTLY": "reasonable-time"}) == []
    terms = load_terms("F")
    default = certificate_of_adjustment_deadline(terms, dt.date(2002, 7, 1))
    assert default is not None and default.value == dt.date(2002, 7, 11)
    with under(parse({"NOTICE-PROMPTLY": "reasonable-time"}, "test")):
        assert certificate_of_adjustment_deadline(terms, dt.date(2002, 7, 1)) is None


@pytest.mark.clause("G §5(k)")
def test_merger_notice_not_owed_for_a_sale_of_subsidiaries_stock() -> None:
    """NOTICE-MERGER-SCOPE=assets-only: a sale of substantially all of the Subsidiaries' stock
    effective 2002-07-20, no notice sent, judged 2002-07-01. Default (the Company's business): G
    §5(k)(iv)(B) notice 20 days before, due 2002-06-30, missed. Assets only: no notice owed; a sale of
    substantially all of the Company's own assets still owes it (due 2002-06-30, missed)."""
    sale = {"kind": "merger_or_sale", "date": "2002-07-20", "id": "facts", "description": "recorded facts",
            "transaction": "subsidiary_stock_sale", "all_or_substantially_all": True,
            "prior_stockholders_voting_share": "0.6"}  # fmt: skip
    assets = {**sale, "transaction": "asset_sale"}
    due = dt.date(2002, 6, 30)

    def owed(event: dict[str, Any], readings: dict[str, str]) -> list[tuple[str, dt.date, str]]:
        doc = yaml.safe_load(EXAMPLE.read_text())
        doc["events"].append(event)
        placed = parse_ledger(doc, "t")
        with under(parse(readings, "test")):
            state = replay(placed, dt.date(2002, 7, 1))
            found = calendar(state, placed, dt.date(2002, 6, 1), dt.date(2002, 7, 31), dt.date(2002, 7, 1))
        return [(d.clause, d.date, d.status) for d in found if "sale" in d.what]

    assert owed(sale, {}) == [("G §5(k)", due, "missed")]
    assert owed(sale, {"NOTICE-MERGER-SCOPE": "assets-only"}) == []
    assert owed(assets, {"NOTICE-MERGER-SCOPE": "assets-only"}) == [("G §5(k)", due, "missed")]


# ---------------------------------------------------------------- documents: who signs for the Company


def _notice_ledger(tmp_path: Path, title: str) -> str:
    events = [
        {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
        {"kind": "company_details", "date": "2000-06-01", "name": "CAIS Internet, Inc.",
         "address": ["100 Main Street", "Washington, D.C. 20037"], "officer_name": "Jane Officer",
         "officer_title": title},
        {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
        {"kind": "holder_address", "date": "2000-08-02", "holder": "A", "address": ["1 A Street", "Town"]},
    ]  # fmt: skip
    path = tmp_path / f"ledger-{len(title)}.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": events}))
    return str(path)


def test_notices_signed_by_the_secretary_or_the_chairman(cli: Any, tmp_path: Path) -> None:
    """NOTICE-SIGNATORY: a Redemption Notice for holder A's 40,000 shares of Series F. With Jane Officer,
    Secretary, on record: default and ``secretary`` sign "By: Jane Officer / Secretary";
    ``chairman-and-ceo`` is refused, naming officer_title. With Jane Officer, Chairman of the Board and
    Chief Executive Officer, on record: ``chairman-and-ceo`` signs with that title and ``secretary`` is
    refused."""
    out = tmp_path / "notice.html"
    asked = ["document", "redemption-notice", "--series", "F", "--redemption-date", "2005-08-02"]
    asked += ["--place", "the office", "--holder", "A", "--out", str(out)]
    secretary = _notice_ledger(tmp_path, "Secretary")
    for readings in ([], ["--reading", "NOTICE-SIGNATORY=secretary"]):
        cli(*readings, *asked, "--ledger", secretary)
        page = out.read_text()
        assert "By: Jane Officer" in page and "<div>Secretary</div>" in page
        out.unlink()
    refused = cli("--reading", "NOTICE-SIGNATORY=chairman-and-ceo", *asked, "--ledger", secretary, ok=False)
    assert refused.returncode == 2 and not out.exists()
    assert "officer_title" in refused.stderr and "F §5(j)" in refused.stderr

    chairman = _notice_ledger(tmp_path, "Chairman of the Board and Chief Executive Officer")
    cli("--reading", "NOTICE-SIGNATORY=chairman-and-ceo", *asked, "--ledger", chairman)
    page = out.read_text()
    assert "By: Jane Officer" in page and "<div>Chairman of the Board and Chief Executive Officer</div>" in page
    out.unlink()
    refused = cli("--reading", "NOTICE-SIGNATORY=secretary", *asked, "--ledger", chairman, ok=False)
    assert refused.returncode == 2 and "officer_title" in refused.stderr and not out.exists()
