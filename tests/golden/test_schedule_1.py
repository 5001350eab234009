"""F Sched. 1 reproduced exactly: every row of every column, to the places printed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from prefstack.clauses.dividends import pik_schedule
from prefstack.terms import load_terms

HERE = Path(__file__).parent
SPEC = HERE.parents[2] / "shared" / "spec" / "series-f-certificate.txt"
COLUMNS = ("date", "incremental_shares", "total_shares", "conversion_ratio", "equivalent_common")


def golden_rows() -> list[dict[str, str]]:
    rows = []
    for line in (HERE / "schedule_1.txt").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        day, inc, total, ratio, equiv = line.split()
        # The issue-date row prints the shares issued in the "incremental" column.
        rows.append(
            {
                "date": day,
                "incremental_shares": inc.replace(",", ""),
                "total_shares": total.replace(",", ""),
                "conversion_ratio": ratio,
                "equivalent_common": equiv.replace(",", ""),
            }
        )
    return rows


def computed_rows() -> list[dict[str, str]]:
    terms = load_terms("F")
    schedule = pik_schedule(
        terms,
        issue_date=dt.date(2000, 8, 2),
        shares=terms.schedule_assumption.shares.value,  # type: ignore[union-attr]
        through=dt.date(2005, 8, 2),
    )
    return [r.rounded() for r in schedule.rows]


@pytest.mark.clause("F Sched. 1")
def test_f_sched_1_every_row_every_column() -> None:
    """F Sched. 1: all 22 rows x 5 columns equal the certificate's table (half-up to the places shown)."""
    golden = golden_rows()
    computed = computed_rows()
    assert len(computed) == len(golden) == 22
    for got, want in zip(computed[1:], golden[1:], strict=True):
        assert got == want
    # The issue-date row: 40,000 issued, no dividend.
    assert computed[0]["total_shares"] == golden[0]["total_shares"] == "40000.00"
    assert computed[0]["incremental_shares"] == "0.00"
    assert {k: computed[0][k] for k in COLUMNS[2:]} == {k: golden[0][k] for k in COLUMNS[2:]}


@pytest.mark.skipif(not SPEC.exists(), reason="the certificate text is not beside the checkout")
def test_golden_file_matches_the_certificate_text() -> None:
    """The golden file is the certificate's own F Sched. 1, not a transcription error."""
    text = SPEC.read_text()
    table = text[text.index("Schedule 1") :]
    numbers = re.findall(
        r"(\d{1,2})/(\d{1,2})/(\d{4})\s+([\d,]+\.\d\d)\s+([\d,]+\.\d\d)\s+([\d.]+)\s+([\d,]+\.\d\d)", table
    )
    assert len(numbers) == 22
    for (m, d, y, inc, total, ratio, equiv), want in zip(numbers, golden_rows(), strict=True):
        assert dt.date(int(y), int(m), int(d)).isoformat() == want["date"]
        assert (inc.replace(",", ""), total.replace(",", ""), ratio, equiv.replace(",", "")) == (
            want["incremental_shares"],
            want["total_shares"],
            want["conversion_ratio"],
            want["equivalent_common"],
        )


def test_cli_schedule_f_json_csv_table_agree(cli) -> None:  # type: ignore[no-untyped-def]
    """`prefstack schedule F --format json|csv|table` print the same figures as the certificate."""
    as_json = json.loads(cli("schedule", "F", "--format", "json").stdout)
    golden = golden_rows()
    assert [r["date"] for r in as_json] == [r["date"] for r in golden]
    assert [{c: r[c] for c in COLUMNS} for r in as_json[1:]] == golden[1:]
    assert [c for c in as_json[0] if not c.endswith("_exact")] == list(COLUMNS)
    # Each rounded figure keeps its exact value beside it: 40,000 x 7% x 44/360 = 342.2222... shares.
    assert Fraction(as_json[1]["incremental_shares_exact"]) == Fraction(40_000 * 7 * 44, 100 * 360)
    csv_rows = list(csv.DictReader(io.StringIO(cli("schedule", "F", "--format", "csv").stdout)))
    assert [r["date"] for r in csv_rows] == [r["date"] for r in golden]
    assert {c: csv_rows[1][c] for c in COLUMNS} == {
        "date": "2000-09-15",
        "incremental_shares": "342.22",
        "total_shares": "40342.22",
        "conversion_ratio": "41.66667",
        "equivalent_common": "1680925.93",
    }
    assert [csv_rows[-1][c] for c in COLUMNS] == ["2005-08-02", "523.54", "56617.20", "41.66667", "2359049.92"]
    shown = cli("schedule", "F", "--format", "table")
    for want in golden[1:]:
        line = next(x for x in shown.stdout.splitlines() if want["date"] in x)
        for column in COLUMNS[1:]:
            # The table prints thousands separators, as F Sched. 1 does.
            assert f"{Decimal(want[column]):,}" in line


@pytest.mark.clause("F §1(a)")
def test_cli_schedule_f_warns_of_the_excess_over_authorized(cli) -> None:  # type: ignore[no-untyped-def]
    """F §1(a) authorizes 56,617 shares; F Sched. 1 ends at 56,617.20 (DIV-F-SCHEDULE-AUTHORIZED)."""
    result = cli("schedule", "F", "--explain")  # the warning belongs to the explanation, not every run
    assert "exceeds the 56617 shares authorized by F §1(a) by 0.198166525275" in result.stderr


def test_cli_schedule_explain_shows_inputs_and_clauses(cli) -> None:  # type: ignore[no-untyped-def]
    """`--explain`: the 2000-09-15 row is 40,000 x 7% x 44/360 = 342.22 shares (F Sched. 1, DIV-DAYCOUNT)."""
    text = cli("schedule", "F", "--explain").stdout
    for needle in (
        "schedule row 2000-09-15",
        "days = 44",
        "day_count_basis = 360",
        "annual_rate = 0.07",
        "F Sched. 1",
        "F §2(b)",
        "F §5(a)",
        "DIV-DAYCOUNT",
        "DIV-FRACTIONAL-PIK",
        "shares_held = 40000",
    ):
        assert needle in text
    as_json = json.loads(cli("schedule", "F", "--explain", "--row", "2005-08-02", "--format", "json").stdout)
    assert as_json["name"] == "schedule row 2005-08-02"
    assert {p["name"] for p in as_json["parts"]} == set(COLUMNS[1:])


@pytest.mark.clause("G §2(a)")
def test_cli_schedule_g_acceptance_command(cli) -> None:  # type: ignore[no-untyped-def]
    """`prefstack schedule G --issue-date 2000-06-15 --shares 20000 --through 2005-06-15 --format json`.

    G §2(a), 1.5% a quarter in additional shares: 20,000 -> 20,300.00 -> 20,604.50 -> ...;
    after 20 quarters 20,000 x 1.015^20 = 26,937.1001...; ratio 1,000 / 36 = 27.77778 (5 places);
    equivalent common 26,937.1001... x 1,000 / 36 = 748,252.78 (rounded once, from exact values).
    """
    rows = json.loads(
        cli(
            "schedule",
            "G",
            "--issue-date",
            "2000-06-15",
            "--shares",
            "20000",
            "--through",
            "2005-06-15",
            "--format",
            "json",
        ).stdout
    )
    assert [c for c in rows[0] if not c.endswith("_exact")] == list(COLUMNS)
    assert len(rows) == 21
    assert Fraction(rows[-1]["total_shares_exact"]) == 20_000 * Fraction(1015, 1000) ** 20
    assert {c: rows[1][c] for c in COLUMNS} == {
        "date": "2000-09-15",
        "incremental_shares": "300.00",
        "total_shares": "20300.00",
        "conversion_ratio": "27.77778",
        "equivalent_common": "563888.89",
    }
    assert rows[2]["total_shares"] == "20604.50"
    assert rows[-1]["date"] == "2005-06-15" and rows[-1]["total_shares"] == "26937.10"
    assert rows[-1]["equivalent_common"] == "748252.78"
