"""Questions asked of a ledger on the command line: convert (F/G §5), certificate of adjustment
(§5(j)), votes (§4), waterfall (§3), redemption (§6). Worked examples with the arithmetic."""

from __future__ import annotations

import json
from fractions import Fraction as Fr
from pathlib import Path

import pytest
import yaml

BASE = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "20000"},
]
SALE = {
    "kind": "common_issued",
    "date": "2001-01-10",
    "id": "big-sale",
    "shares": "1000000",
    "purpose": "none",
    "cash_consideration": "25000000",
    "fair_market_value_per_share": "30.00",
}


@pytest.fixture
def ledger(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(*events: dict[str, object]) -> str:
        path = tmp_path / f"ledger{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": [*BASE, *events]}))
        return str(path)

    return write


def test_convert_worked_example_of_the_issue(cli, ledger) -> None:  # type: ignore[no-untyped-def]
    """F §5(d)(iv): $24.00, 20,000,000 outstanding, FMV $30.00 (95% = $28.50), 1,000,000 Additional
    Shares for $25,000,000: 24 x (20,000,000 + 25,000,000/28.50) / 21,000,000 = 23.857... -> $23.86.
    F §5(a)-(b): 250 x 1,000 / 23.86 = 10,477.78... -> 10,477 shares, 0.787... x 23.86 = $18.78.
    F §5(c)(iii): no dividend was recorded as paid, so the 250 shares carry the unpaid 2000-09-15
    stub (7% x 44/360 x $1,000 = $8.5555... a share), the unpaid 2000-12-15 quarter ($17.50 a share) and
    26 days of accrual to 2001-01-10 (7% x 26/360 x $1,000 = $5.0555... a share): 250 x $31.1111... =
    $7,777.78, all paid in cash since funds are not limited."""
    path = ledger(SALE)
    quote = json.loads(
        cli(
            "convert",
            "--series",
            "F",
            "--holder",
            "A",
            "--shares",
            "250",
            "--on",
            "2001-01-10",
            "--ledger",
            path,
            "--format",
            "json",
        ).stdout
    )
    assert quote["conversion_price"] == "23.86"
    assert quote["common_shares"] == 10477
    assert quote["cash_for_fraction"] == "18.78"
    # Arrears of the two unpaid Payment Dates plus 26 days (2000-12-15 to 2001-01-10), on 250 shares:
    expected = 250 * (1000 * Fr(7, 100) * Fr(44, 360) + Fr("17.50") + 1000 * Fr(7, 100) * Fr(26, 360))
    assert Fr(quote["accrued_unpaid_dividends_exact"]) == expected
    assert quote["dividend_settlement"]["common_shares"] == 0


@pytest.mark.clause("F §5(j)", "G §5(j)", "G §5(d)(iv)")
def test_certificate_of_adjustment_and_g_price(cli, ledger) -> None:  # type: ignore[no-untyped-def]
    """§5(j): both series get a certificate. G: greater of 28.50 and 36 is 36:
    36 x (20,000,000 + 25,000,000/36) / 21,000,000 = 35.476... -> $35.48."""
    path = ledger(SALE)
    certificates = json.loads(
        cli("certificate", "adjustment", "--as-of", "2001-02-01", "--ledger", path, "--format", "json").stdout
    )
    text = json.dumps(certificates)
    assert "23.86" in text and "35.48" in text
    assert len(certificates) == 2
    shown = cli("certificate", "adjustment", "--as-of", "2001-02-01", "--ledger", path).stdout
    assert "Conversion Price after:  $23.86" in shown and "(F §5(j))" in shown


def test_state_explain_lists_each_adjustment(cli, ledger) -> None:  # type: ignore[no-untyped-def]
    report = json.loads(
        cli("state", "--as-of", "2001-02-01", "--ledger", ledger(SALE), "--format", "json", "--explain").stdout
    )
    f = report["series"][0]
    assert f["conversion_price"] == "23.86" and f["adjustments"] == 1
    assert f["adjustment_explanations"][0]["clause"] == "F §5(d)(iv)"


@pytest.mark.clause("F §5(d)(ii)")
def test_series_majority_waiver_prevents_the_adjustment(cli, ledger) -> None:  # type: ignore[no-untyped-def]
    """F §5(d)(ii): written notice from a majority of the Series F voting power, received before the
    issuance, that no adjustment be made: F stays at $24.00; G (no waiver) still goes to $35.48."""
    waiver = {
        "kind": "series_consent",
        "date": "2001-01-05",
        "series": "F",
        "matter": "waive_adjustment",
        "holders_consenting": ["A"],
        "reference": "big-sale",
    }
    report = json.loads(
        cli("state", "--as-of", "2001-02-01", "--ledger", ledger(waiver, SALE), "--format", "json").stdout
    )
    assert [s["conversion_price"] for s in report["series"]] == ["24.00", "35.48"]


def test_votes_are_whole_shares_on_conversion(cli, ledger) -> None:  # type: ignore[no-untyped-def]
    """F/G §4, after the sale (no dividends recorded as paid, so no PIK shares):
    A: floor(40,000 x 1,000 / 23.86) = floor(1,676,445.9...) = 1,676,445;
    C: floor(20,000 x 1,000 / 35.48) = floor(563,697.8...) = 563,697; the common: 21,000,000."""
    result = json.loads(cli("votes", "--as-of", "2001-02-01", "--ledger", ledger(SALE), "--format", "json").stdout)
    assert [s["voting_power"] for s in result["series"]] == [1676445, 563697]
    assert result["common_stock_votes"] == "21000000"


def test_waterfall_pays_exactly_the_proceeds(cli, ledger) -> None:  # type: ignore[no-untyped-def]
    """F/G §3(a): $50,000,000 with $10,000,000 senior. F full amount = 40,000 x (1,000 + arrears and
    accrual per share), G likewise; together they exceed the $40,000,000 left, so they share it
    ratably; nothing reaches the common. The total paid is the proceeds to the cent."""
    result = json.loads(
        cli(
            "waterfall",
            "--proceeds",
            "50000000",
            "--on",
            "2001-02-01",
            "--ledger",
            ledger(SALE),
            "--senior",
            "Series C=10000000",
            "--format",
            "json",
        ).stdout
    )
    paid = sum(Fr(p["amount"]) for p in result["payouts"])
    assert paid == 50_000_000 and result["total_paid"] == "50000000.00"
    senior = [p for p in result["payouts"] if p["security"] == "Series C"]
    assert Fr(senior[0]["amount"]) == 10_000_000


def test_redemption_with_a_shortfall(cli, ledger) -> None:  # type: ignore[no-untyped-def]
    """F §6(a), (i): 2005-08-02, nothing paid since issue: price = 1,000 + accrued per share; with
    $20,000,000 the Company redeems what it can (pro rata) and the rest stays outstanding."""
    result = json.loads(
        cli(
            "redemption",
            "--on",
            "2005-08-02",
            "--funds",
            "20000000",
            "--series",
            "F",
            "--ledger",
            ledger(),
            "--format",
            "json",
        ).stdout
    )
    assert result["shortfall"] is True and result["redeemable_on_demand"] is True
    assert result["total_paid"] == "20000000.00"
    holder = result["holders"][0]
    assert holder["cash_paid"] == "20000000.00"
    # The price per share is not a whole cent: the exact value is beside the figure to the cent.
    assert Fr(holder["price_per_share_exact"]) - Fr(holder["price_per_share"]) < Fr(1, 200)


def test_waterfall_with_non_cash_proceeds(cli, ledger) -> None:  # type: ignore[no-untyped-def]
    """F/G §3(c)(i)(A): $20,000,000 cash and acquirer shares valued at $30,000,000 (their 30-day average
    closing price ending three days before the closing, an input) are distributed as $50,000,000; the
    tiers pay exactly that, and the valuation clause is reported."""
    result = json.loads(
        cli(
            "waterfall",
            "--proceeds",
            "20000000",
            "--non-cash",
            "Acquirer shares=30000000@F §3(c)(i)(A)",
            "--on",
            "2001-02-01",
            "--ledger",
            ledger(SALE),
            "--format",
            "json",
        ).stdout
    )
    assert result["total_distributed"] == "50000000.00" and result["total_paid"] == "50000000.00"
    assert result["non_cash"][0]["clause"] == "F §3(c)(i)(A)"
    bad = cli(
        "waterfall",
        "--proceeds",
        "1",
        "--non-cash",
        "x=5@somewhere",
        "--on",
        "2001-02-01",
        "--ledger",
        ledger(SALE),
        ok=False,
    )
    assert bad.returncode == 2 and "--non-cash" in bad.stderr and "(F §3(c))" in bad.stderr
