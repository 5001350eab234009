"""A certificate no code names: Series H of Northwind Networks, Inc., a synthetic second issuer
added as data only (``instruments/issuers/northwind-networks/``: issuer.yaml, series-h/terms.yaml,
sections.yaml and the certificate's text) with its example ledger
``prefstack/data/northwind_ledger.yaml``. Every question goes through the real command line.

The ledger (every figure illustrative): Alder Ventures LP buys 1,500,000 and Birch Capital
Partners 1,000,000 shares at $10.00 on 2024-01-10; 10,000,000 Common outstanding. Dividends are 8%
a year of $10.00 in cash, actual days over 360, not compounding (H §2(a)): $0.20 a share a full
quarter. The 2024-06-15 dividend is not paid (no funds legally available); the others are. On
2024-10-01 1,000,000 Common are issued at $8.00: the full ratchet of H §5(d)(iv) lowers the
Conversion Price from $10.00 to $8.00 (a ratio of 10/8 = 1.25). On 2024-11-01 Birch converts
200,000 shares into 200,000 x 1.25 = 250,000 Common.

As of 2024-12-31 every holder's accrued and unpaid dividend per share is the unpaid quarter
($0.20) plus 2024-12-15 to 2024-12-31 (16 days: 16/360 x $0.80 = $0.035555...):
$0.20 + $0.0355... = 53/225 a share (0.235555...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

LEDGER = str(resources.files("prefstack.data").joinpath("northwind_ledger.yaml"))
AS_OF = "2024-12-31"
PER_SHARE_ACCRUED = Fraction(20, 100) + Fraction(16, 360) * Fraction(80, 100)
ALDER, BIRCH = "Alder Ventures LP", "Birch Capital Partners"
SHARES = {ALDER: Fraction(1_500_000), BIRCH: Fraction(800_000)}
"""Series H held on 2024-12-31 (Birch converted 200,000 of its 1,000,000)."""
COMMON = Fraction(11_250_000)
"""10,000,000 opening + 1,000,000 issued at $8.00 + 250,000 on Birch's conversion."""
LIQUIDATION_VALUE = {h: n * (Fraction(3, 2) * 10 + PER_SHARE_ACCRUED) for h, n in SHARES.items()}
"""H §3(a): 1.5 x $10.00 plus the accrued dividends, a share."""

Json = Callable[..., Any]


@pytest.fixture
def ask(cli: Any) -> Json:
    def run(*args: str) -> Any:
        return json.loads(cli(*args, "--ledger", LEDGER, "--format", "json").stdout)

    return run


def test_the_registry_knows_the_second_issuer_from_data_alone() -> None:
    from prefstack.instruments.registry import issuer, issuer_of_series
    from prefstack.terms import load_terms

    northwind = issuer("Northwind Networks, Inc.")
    assert northwind.id == "northwind-networks" and northwind.series == ("H",)
    assert issuer_of_series("F").id == "cais-internet" and issuer("cais-internet").series == ("F", "G")
    h = load_terms("H")
    assert h.redemption is None and h.dividends.forms.value == ("cash",)
    assert h.liquidation.preference_multiple.value == Fraction(3, 2)
    assert h.conversion.adjustment_formula.value == "full_ratchet"


@pytest.mark.clause("H §2(a)")
@pytest.mark.clause("H §4")
@pytest.mark.clause("H §5(d)(iv)")
def test_state(ask: Json) -> None:
    """Shares, accrued dividends, Conversion Price, Liquidation Value and votes of each holder."""
    state = ask("state", "--as-of", AS_OF)
    (series,) = state["series"]  # only the company's own series: no F or G
    assert series["series"] == "H" and series["conversion_price"] == "8.00"
    assert series["conversion_price_clause"] == "H §5(d)(iv)" and series["adjustments"] == 1
    assert state["common_stock"]["outstanding"] == "11250000"
    holders = {h["holder"]: h for h in series["holders"]}
    for holder, shares in SHARES.items():
        row = holders[holder]
        assert Fraction(row["shares_outstanding"]) == shares
        assert Fraction(row["accrued_unpaid_dividends_exact"]) == shares * PER_SHARE_ACCRUED
        assert row["unpaid_payment_dates"] == ["2024-06-15"]
        assert Fraction(row["liquidation_value_exact"]) == LIQUIDATION_VALUE[holder]
        assert row["votes"] == shares * Fraction(10, 8)  # whole votes as converted (H §4)
    # 1,500,000 x 53/225 = 353,333.33; 800,000 x 53/225 = 188,444.44
    assert holders[ALDER]["accrued_unpaid_dividends"] == "353333.33"
    assert holders[BIRCH]["accrued_unpaid_dividends"] == "188444.44"
    # 1,500,000 x 15 + 353,333.33 = 22,853,333.33; 800,000 x 15 + 188,444.44 = 12,188,444.44
    assert holders[ALDER]["liquidation_value"] == "22853333.33"
    assert holders[BIRCH]["liquidation_value"] == "12188444.44"


@pytest.mark.clause("H §5(a)")
@pytest.mark.clause("H §5(c)(iii)")
def test_convert(ask: Json) -> None:
    """100,000 shares of Alder at $8.00: 125,000 Common; its accrued dividends, 100,000 x 53/225 =
    $23,555.56, are paid on conversion (H §5(c)(iii))."""
    answer = ask("convert", "--series", "H", "--holder", ALDER, "--shares", "100000", "--on", AS_OF)
    assert answer["common_shares"] == 125_000 and answer["cash_for_fraction"] == "0.00"
    assert Fraction(answer["accrued_unpaid_dividends_exact"]) == 100_000 * PER_SHARE_ACCRUED
    assert answer["clauses"]["common_shares"] == "H §5(b)"


@pytest.mark.clause("H §4")
def test_votes(ask: Json) -> None:
    votes = ask("votes", "--as-of", AS_OF)
    (series,) = votes["series"]
    # 1,875,000 + 800,000 x 1.25 = 2,875,000 votes
    assert series["voting_power"] == 2_875_000 and series["voting_power_clause"] == "H §4"
    assert {h["holder"]: h["votes"] for h in series["holders"]} == {ALDER: 1_875_000, BIRCH: 1_000_000}


def _paid(waterfall: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(p["security"], p["holder"]): (p["tier"], p["amount"]) for p in waterfall["payouts"]}


@pytest.mark.clause("H §3(a)")
@pytest.mark.clause("H §3(b)")
def test_waterfall_pays_the_preference_when_it_is_worth_more(ask: Json) -> None:
    """$30,000,000 is short of the two Liquidation Values (35,041,777.78): Series H takes it all,
    ratably to its full amounts (H §3(a)); converting would give it only 2,875,000 / 14,125,000 of
    $30,000,000 = $6,106,194.69, so it does not convert."""
    paid = _paid(ask("waterfall", "--proceeds", "30000000", "--on", AS_OF))
    total = sum(LIQUIDATION_VALUE.values(), Fraction(0))
    alder = Fraction(30_000_000) * LIQUIDATION_VALUE[ALDER] / total
    assert paid[("H", ALDER)][0] == "parity preference"
    assert abs(Fraction(paid[("H", ALDER)][1]) - alder) <= Fraction(1, 100)
    assert Fraction(paid[("H", ALDER)][1]) + Fraction(paid[("H", BIRCH)][1]) == 30_000_000
    assert paid[("Common Stock", "holders of Common Stock")][1] == "0.00"


@pytest.mark.clause("H §3(b)")
@pytest.mark.clause("H §5(a)")
def test_waterfall_converts_a_non_participating_series_when_converting_pays_more(ask: Json) -> None:
    """$300,000,000: as converted, H's 2,875,000 of 14,125,000 shares take $61,061,946.90, more than
    its Liquidation Values ($35,041,777.78), so it converts and takes no preference
    (LIQ-NONPARTICIPATING-CONVERSION): Alder 1,875,000 / 14,125,000 x 300,000,000 = 39,823,008.85,
    Birch 1,000,000 / 14,125,000 x 300,000,000 = 21,238,938.05, Common 11,250,000 / 14,125,000 x
    300,000,000 = 238,938,053.10."""
    result = ask("waterfall", "--proceeds", "300000000", "--on", AS_OF)
    paid = _paid(result)
    assert paid[("H", ALDER)] == ("as-converted participation", "39823008.85")
    assert paid[("H", BIRCH)] == ("as-converted participation", "21238938.05")
    assert paid[("Common Stock", "holders of Common Stock")][1] == "238938053.10"
    assert result["total_paid"] == "300000000.00"


@pytest.mark.clause("H §3(b)")
def test_the_conversion_breakpoint_one_cent_either_side(ask: Json) -> None:
    """H converts exactly when 2,875,000 / 14,125,000 x X > 35,041,777.77... (exact), that is above
    X* = total Liquidation Value x 14,125,000 / 2,875,000; at the whole cent a cent below X* it keeps its
    preference, one cent above it converts."""
    total = sum(LIQUIDATION_VALUE.values(), Fraction(0))
    threshold = total * Fraction(14_125_000, 2_875_000)
    below = (threshold * 100).__floor__() - 1  # in cents
    above = (threshold * 100).__ceil__() + 1
    assert (below, above) == (17_216_177_776, 17_216_177_779)  # X* = $172,161,777.777...
    for cents, tier in ((below, "parity preference"), (above, "as-converted participation")):
        paid = _paid(ask("waterfall", "--proceeds", f"{cents // 100}.{cents % 100:02d}", "--on", AS_OF))
        assert paid[("H", ALDER)][0] == tier, cents


@pytest.mark.clause("H §2(a)")
@pytest.mark.clause("H §5(j)")
def test_calendar(ask: Json) -> None:
    """Each Payment Date's dividend (the unpaid 2024-06-15 one missed) and the certificate of
    adjustment of the 2024-10-01 ratchet, due within 10 days and sent on 2024-10-08."""
    rows = ask("calendar", "--from", "2024-01-01", "--to", AS_OF)
    status = {(r["date"], r["clause"]): r["status"] for r in rows}
    assert status[("2024-03-15", "H §2(a)")] == "met"
    assert status[("2024-06-15", "H §2(a)")] == "missed"
    assert status[("2024-09-15", "H §2(a)")] == "met" and status[("2024-12-15", "H §2(a)")] == "met"
    assert status[("2024-10-11", "H §5(j)")] == "met"
    assert not any(r["clause"].startswith(("F ", "G ", "H §6")) for r in rows)


@pytest.mark.clause("H §5(j)")
@pytest.mark.clause("H §2(b)")
def test_documents(cli: Any, tmp_path: Path) -> None:
    """The certificate of adjustment and a dividend statement of Series H render with its clauses
    and the company's own details."""
    adjustment, statement = tmp_path / "adjustment.html", tmp_path / "statement.html"
    cli(
        "document",
        "certificate-of-adjustment",
        "--series",
        "H",
        "--as-of",
        AS_OF,
        "--out",
        str(adjustment),
        "--ledger",
        LEDGER,
    )
    cli(
        "document",
        "dividend-statement",
        "--series",
        "H",
        "--payment-date",
        "2024-09-15",
        "--holder",
        ALDER,
        "--out",
        str(statement),
        "--ledger",
        LEDGER,
    )
    text = adjustment.read_text()
    assert "Northwind Networks, Inc." in text and "H §5(d)(iv)" in text and "CAIS" not in text
    # 2024-06-15 to 2024-09-15, a full quarter: 1,500,000 x $0.20 = $300,000.00 in cash
    assert "$300,000.00" in statement.read_text()


@pytest.mark.clause("H §2(a)")
@pytest.mark.clause("H §2(b)")
def test_schedule_of_a_cash_paying_series(cli: Any) -> None:
    """2,500,000 shares issued 2024-01-10, each dividend paid when due: 2024-01-10 to 03-15 is 65
    days, 65/360 x $0.80 x 2,500,000 = $361,111.11; each full quarter 2% x $10.00 x 2,500,000 =
    $500,000.00; the stub 2024-12-15 to 2025-01-10 is 26 days, 26/360 x $0.80 x 2,500,000 =
    $144,444.44; $2,005,555.55 in all (the cents as paid)."""
    rows = json.loads(
        cli(
            "schedule",
            "H",
            "--issue-date",
            "2024-01-10",
            "--shares",
            "2500000",
            "--through",
            "2025-01-10",
            "--format",
            "json",
        ).stdout
    )
    assert [(r["date"], r["cash"]) for r in rows] == [
        ("2024-03-15", "361111.11"),
        ("2024-06-15", "500000.00"),
        ("2024-09-15", "500000.00"),
        ("2024-12-15", "500000.00"),
        ("2025-01-10", "144444.44"),
    ]
    assert rows[-1]["cash_to_date"] == "2005555.55" and Fraction(rows[0]["dividend"]) == Fraction(65 * 2_000_000, 360)
    assert rows[0]["explain"]["cash"]["interpretations"] == ["DIV-CASH-CENTS"]


def test_questions_the_certificate_has_no_clause_for_are_refused(cli: Any) -> None:
    """No redemption for a series without one: the refusal names the term."""
    redemption = cli("redemption", "--series", "H", "--on", AS_OF, "--funds", "1000", "--ledger", LEDGER, ok=False)
    assert redemption.returncode == 2 and "has no mandatory redemption" in redemption.stderr


def test_a_ledger_mixing_two_companies_series_is_refused(tmp_path: Path) -> None:
    """One ledger holds one company's events: a Series F issue in Northwind's ledger is refused."""
    import yaml

    from prefstack.ledger.files import read_ledger
    from prefstack.ledger.replay import LedgerRuleError, replay

    data = yaml.safe_load(Path(LEDGER).read_text())
    data["events"].append(
        {"kind": "preferred_issued", "date": "2024-02-01", "series": "F", "holder": "X", "shares": "10"}
    )
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(yaml.safe_dump(data))
    import datetime as dt

    with pytest.raises(LedgerRuleError, match=r"Series F is a series of CAIS Internet, Inc\., but this ledger is"):
        replay(read_ledger(mixed).events, dt.date(2024, 12, 31))


@pytest.mark.clause("H §5(d)(iv)")
@pytest.mark.parametrize(
    ("formula", "price"),
    [
        ("full_ratchet", Fraction(8)),
        # 10 x (10,000,000 + 8,000,000 / 10) / (10,000,000 + 1,000,000) = 9.8181... -> $9.82
        ("weighted_average", Fraction("9.82")),
    ],
)
def test_the_terms_file_chooses_the_adjustment_formula(
    formula: str, price: Fraction, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same ledger under H's terms with either ``adjustment_formula``: the down round at $8.00
    gives the price the formula the terms name."""
    import datetime as dt

    from prefstack.ledger import replay as replay_module
    from prefstack.ledger import section5
    from prefstack.ledger.files import read_ledger
    from prefstack.terms import load_terms
    from prefstack.terms.schema import parse_terms

    data = load_terms("H").model_dump(mode="json")
    data["conversion"]["adjustment_formula"] = {"value": formula, "cite": "H §5(d)(iv)"}
    variant = parse_terms(data, "variant")
    monkeypatch.setattr(replay_module, "load_terms", lambda series: variant if series == "H" else load_terms(series))
    state = replay_module.replay(read_ledger(Path(LEDGER)).events, dt.date(2024, 10, 31))
    assert section5.conversion_price_state(state, "H").conversion_price == price


@pytest.mark.clause("H §3(b)")
def test_waterfall_over_the_bundled_capital_structure(ask: Json) -> None:
    """Northwind's capital-structure file adds 400,000 options at $6.00 and a 100,000-share warrant
    at $12.00 (illustrative). At $300,000,000 all are exercised and H converts: the exercise price,
    400,000 x 6 + 100,000 x 12 = $3,600,000, joins the proceeds, and $303,600,000 is shared by
    11,250,000 + 2,875,000 + 400,000 + 100,000 = 14,625,000 shares: H 2,875,000 / 14,625,000 x
    303,600,000 = $59,682,051.28 (Alder 1,875,000 of them: $38,923,076.92), the options
    $8,303,589.74 ($5,903,589.74 net of their exercise price)."""
    result = ask("waterfall", "--proceeds", "300000000", "--on", AS_OF, "--capital-structure", "company")
    used = result["capital_structure"]
    assert "northwind-networks/capital_structure.yaml" in used["used"]
    choices = {c["class"]: c for c in used["choices"]}
    assert choices["H"]["choice"] == "converts into Common Stock"
    assert Fraction(choices["H"]["paid_if_chosen_exact"]) == Fraction(2_875_000, 14_625_000) * 303_600_000
    assert used["exercise_cash"] == "3600000.00"
    paid = _paid(result)
    assert paid[("H", ALDER)][1] == "38923076.92"
    assert paid[("Employee plan options", "holders of Employee plan options")][1] == "8303589.74"
    assert choices["Employee plan options"]["paid_if_chosen"] == "5903589.74"


def test_a_merger_of_a_company_whose_certificate_has_no_redemption(tmp_path: Path) -> None:
    """H has no §6: a merger recorded in Northwind's ledger is judged under no Mandatory Redemption
    clause of H (none exists) and leaves every figure as it was; H has no deemed liquidation either."""
    import datetime as dt

    import yaml

    from prefstack.ledger.files import read_ledger
    from prefstack.ledger.replay import replay
    from prefstack.report import state_report

    data = yaml.safe_load(Path(LEDGER).read_text())
    merger = {
        "kind": "merger_or_sale",
        "date": "2024-12-20",
        "id": "m1",
        "description": "merger",
        "transaction": "merger",
        "prior_stockholders_voting_share": "0.3",
        "consideration": "100000000",
    }
    data["events"].append(merger)
    path = tmp_path / "merger.yaml"
    path.write_text(yaml.safe_dump(data))
    before = state_report(replay(read_ledger(Path(LEDGER)).events, dt.date(2024, 12, 31)))
    after = state_report(replay(read_ledger(path).events, dt.date(2024, 12, 31)))
    (series,) = after["series"]
    assert series["transactions_judged"] == [] and series["deemed_liquidation"] is None
    assert series["holders"] == before["series"][0]["holders"]


def test_the_transaction_question_says_why_h_is_not_judged(ask: Json) -> None:
    answer = ask(
        "transaction",
        "--kind",
        "merger",
        "--prior-stockholders-share",
        "0.3",
        "--on",
        "2024-12-20",
        "--consideration",
        "100000000",
    )
    assert answer["series"] == []
    assert answer["not_judged"] == [
        {"series": "H", "why": "Series H Convertible Preferred Stock has no mandatory redemption (no redemption terms)"}
    ]


def test_a_vote_on_a_redemption_event_h_cannot_have_is_refused(cli: Any, tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(Path(LEDGER).read_text())
    data["events"].append(
        {
            "kind": "series_consent",
            "date": "2024-12-20",
            "series": "H",
            "matter": "waive_redemption_event",
            "holders_consenting": [ALDER],
            "reference": "m1",
        }
    )
    path = tmp_path / "vote.yaml"
    path.write_text(yaml.safe_dump(data))
    refused = cli("state", "--ledger", str(path), "--as-of", AS_OF, ok=False)
    assert refused.returncode == 2
    assert "matter: Series H Convertible Preferred Stock has no mandatory redemption" in refused.stderr
    assert refused.stderr.rstrip().endswith("(H §6)")


def test_a_dividend_statement_finds_its_series_or_asks_for_it(cli: Any, tmp_path: Path) -> None:
    """Without --series the statement's series is the one that paid that day (H for Northwind);
    on the CAIS example both F and G paid on 2001-09-15, so --all-holders asks for --series."""
    out = tmp_path / "h.html"
    cli(
        "document",
        "dividend-statement",
        "--payment-date",
        "2024-09-15",
        "--holder",
        ALDER,
        "--out",
        str(out),
        "--ledger",
        LEDGER,
    )
    assert "Series H" in out.read_text()
    example = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
    both = cli(
        "document",
        "dividend-statement",
        "--payment-date",
        "2001-09-15",
        "--all-holders",
        "--out",
        str(tmp_path / "all"),
        "--ledger",
        example,
        ok=False,
    )
    assert both.returncode == 2 and "Series F and Series G paid dividends on 2001-09-15" in both.stderr
    redemption = cli("redemption", "--on", "2005-08-02", "--funds", "1", "--ledger", example, ok=False)
    assert redemption.returncode == 2 and "--series" in redemption.stderr
