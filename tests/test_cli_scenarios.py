"""`prefstack breakpoints` and `prefstack scenarios` on the example ledger with the bundled CAIS
capital structure on 2002-06-30: exact breakpoints with their reasons, the payouts table (CSV and
Parquet, in cents) at hand-computed exit values, the charts, and the refusals of a grid that is not
whole cents or goes past the largest exit value."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
ON = ["--on", "2002-06-30", "--ledger", EXAMPLE, "--capital-structure", "company"]


def test_breakpoints_json_exact_with_reasons(cli: Any) -> None:
    """F §1(b)(iii), §3(a): the senior rank is paid in full at C $15,000,000 + D $10,000,000 + 8% x
    $10,000,000 x 923 / 365 + E $5,000,000 = $30,000,000 + 147,680,000/73 = $32,023,013.6986...;
    F and G at that plus their full amounts $43,442,976.34 and $22,586,176.36 (to the cent; the exact
    amounts differ by less than a cent) = $98,052,166.40; then the options are exercised, D reaches
    its cap, C converts, the Qwest Warrant is exercised and D converts (CAPSTRUCT-CONVERSION-CHOICE)."""
    result = json.loads(cli("breakpoints", *ON, "--format", "json").stdout)
    points = result["breakpoints"]
    assert [p["reason"] for p in points] == [
        "senior preferences of rank 1 (Series C, Series D, Series E) paid in full",
        "parity preferences (F, G) paid in full",
        "Management options exercised",
        "Series D reaches its participation cap",
        "Series C converts",
        "Qwest Warrant exercised",
        "Series D converts",
    ]
    first = points[0]
    assert Fraction(first["exit_value_exact"]) == 30_000_000 + Fraction(147_680_000, 73)
    assert first["exit_value"] == "32023013.70" and first["clause"] == "F §1(b)"
    assert abs(
        Fraction(points[1].get("exit_value_exact", points[1]["exit_value"])) - Fraction("98052166.40")
    ) < Fraction(1, 100)
    assert [s["converted_or_exercised"] for s in result["stretches"]][:2] == [[], ["Management options"]]
    table = cli("breakpoints", *ON).stdout
    assert "Series C converts" in table and "$645,475,258.80" in table


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_scenarios_csv_parquet_and_charts(cli: Any, tmp_path: Path) -> None:
    """Exit values 0, $45,000,000 and $90,000,000 (--steps 2). At $45,000,000 the senior rank takes
    its 3,202,301,370 cents in full (C 1,500,000,000; D 1,202,301,370; E 500,000,000) and F and G
    share the other 4,500,000,000 - 3,202,301,370 = 1,297,698,630 by their full amounts to the cent
    (4,344,297,634 : 2,258,617,636): F's quota 1,297,698,630 x 4,344,297,634 / 6,602,915,270 =
    853,803,033.57 -> 853,803,034; G 443,895,596 (quota ...596.43). At $90,000,000: F 3,814,516,378 and
    G 1,983,182,252 (tests/kernels). The Common Stock gets nothing at either; the Parquet file holds
    the same figures; the charts are written, the HTML page fetching nothing."""
    out = tmp_path / "s.csv"
    png, page = tmp_path / "c.png", tmp_path / "c.html"
    shown = cli(
        "scenarios", "--from", "0", "--to", "90000000", "--steps", "2", *ON, "--out", str(out),
        "--chart", str(png), "--chart", str(page),
    ).stdout  # fmt: skip
    assert "3 rows (1 date(s) x 3 exit values)" in shown
    rows = rows_of(out)
    assert [r["exit_value_cents"] for r in rows] == ["0", "4500000000", "9000000000"]
    middle = rows[1]
    assert (middle["Series C"], middle["Series D"], middle["Series E"]) == ("1500000000", "1202301370", "500000000")
    assert (middle["F"], middle["G"], middle["Common Stock"]) == ("853803034", "443895596", "0")
    assert middle["F / Microsoft Corporation"] == "853803034"
    assert (rows[2]["F"], rows[2]["G"]) == ("3814516378", "1983182252")
    parquet = tmp_path / "s.parquet"
    cli("scenarios", "--from", "0", "--to", "90000000", "--steps", "2", *ON, "--out", str(parquet))
    table = pq.read_table(parquet).to_pylist()
    assert [r["F"] for r in table] == [0, 853803034, 3814516378]
    assert str(table[1]["on"]) == "2002-06-30"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text(encoding="utf-8")
    assert "<svg" in text and "<script src" not in text and "https://" not in text
    assert "Series C converts" not in text  # no breakpoint of C below $90,000,000
    assert "parity preferences (F, G) paid in full" not in text  # at $98 million: past the chart
    assert "senior preferences of rank 1" in text


def test_scenarios_with_two_dates(cli: Any, tmp_path: Path) -> None:
    """--dates adds 2003-06-30: the table has each date's rows; on the later date D's dividend has
    accrued a year more (8% of $10,000,000 over 365 days = $800,000), so at $45,000,000 D takes
    1,202,301,370 + 80,000,000 = 1,282,301,370 cents."""
    out = tmp_path / "s.csv"
    cli("scenarios", "--from", "0", "--to", "90000000", "--steps", "2", *ON, "--dates", "2003-06-30", "--out", str(out))
    rows = rows_of(out)
    assert [r["on"] for r in rows] == ["2002-06-30"] * 3 + ["2003-06-30"] * 3
    assert rows[4]["Series D"] == "1282301370"


def test_capital_structures_as_a_dimension_of_the_grid(cli: Any, tmp_path: Path) -> None:
    """--capital-structure given twice (the bundled file, then none): each variant's rows, after a
    capital_structure column, equal a run of that variant alone. Without the senior classes, at
    $45,000,000 F and G share all of it by their full amounts ($43,442,976.3447... : $22,586,176.3612...):
    F's quota 4,500,000,000 x 43,442,976.3447... / 66,029,152.7059... = 2,960,713,344.63... cents ->
    2,960,713,345 (the exact engine's $29,607,133.45: `waterfall --proceeds 45000000`)."""
    both, company, alone = tmp_path / "both.csv", tmp_path / "company.csv", tmp_path / "none.csv"
    grid = ["--from", "0", "--to", "90000000", "--steps", "2", "--on", "2002-06-30", "--ledger", EXAMPLE]
    shown = cli(
        "scenarios", *grid, "--capital-structure", "company", "--capital-structure", "none", "--out", str(both)
    ).stdout  # fmt: skip
    assert "6 rows (1 date(s) x 2 capital structures x 3 exit values)" in shown
    cli("scenarios", *grid, "--capital-structure", "company", "--out", str(company))
    cli("scenarios", *grid, "--capital-structure", "none", "--out", str(alone))
    rows = rows_of(both)
    assert [r["capital_structure"] for r in rows] == ["company"] * 3 + ["none"] * 3
    for variant, single in (("company", rows_of(company)), ("none", rows_of(alone))):
        mine = [
            {k: v for k, v in r.items() if k != "capital_structure" and v != ""}
            for r in rows
            if r["capital_structure"] == variant
        ]
        assert mine == [{k: v for k, v in r.items() if v != ""} for r in single]
    assert rows[4]["F"] == "2960713345" and rows[4]["Series C"] == ""  # no senior class in that variant
    refused = cli(
        "scenarios",
        *grid,
        "--capital-structure",
        "none",
        "--capital-structure",
        "none",
        "--out",
        str(tmp_path / "x.csv"),
        ok=False,
    )
    assert refused.returncode == 2 and "--capital-structure" in refused.stderr


def test_a_grid_not_in_whole_cents_or_too_large_is_refused(cli: Any, tmp_path: Path) -> None:
    """$1 in 3 steps is 33 1/3 cents a step: refused naming --steps; $100,000,000,000.01 is above the
    largest exit value: refused naming --to. Nothing is written."""
    out = tmp_path / "s.csv"
    refused = cli("scenarios", "--from", "0", "--to", "1", "--steps", "3", *ON, "--out", str(out), ok=False)
    assert refused.returncode == 2 and "--steps" in refused.stderr
    refused = cli(
        "scenarios", "--from", "0", "--to", "100000000000.01", "--steps", "1", *ON, "--out", str(out), ok=False
    )
    assert refused.returncode == 2 and "--to" in refused.stderr and "largest exit value" in refused.stderr
    assert not out.exists()


def test_dask_engine_gives_the_local_files(cli: Any, tmp_path: Path, dask_scheduler: str) -> None:
    """--engine dask --scheduler ADDRESS on a Dask scheduler and worker listening on 127.0.0.1
    (processes of their own): a grid of 20,001 exit values ($0 to $3,000,000,000 by $150,000) on two
    dates and two capital structures is computed by the cluster's worker (a task per date's chunk)
    and the CSV file is byte for byte the local run's."""
    local, spread = tmp_path / "local.csv", tmp_path / "dask.csv"
    grid = ["--from", "0", "--to", "3000000000", "--steps", "20000", *ON, "--dates", "2003-06-30"]
    grid += ["--capital-structure", "none"]  # and a second capital structure: exit values x dates x variants
    cli("scenarios", *grid, "--out", str(local))
    cli("scenarios", *grid, "--out", str(spread), "--engine", "dask", "--scheduler", dask_scheduler)
    assert spread.read_bytes() == local.read_bytes()
    assert len(local.read_text(encoding="utf-8").splitlines()) == 1 + 2 * 2 * 20_001
    refused = cli("scenarios", *grid, "--out", str(tmp_path / "x.csv"), "--engine", "dask", ok=False)
    assert refused.returncode == 2 and "--scheduler" in refused.stderr
