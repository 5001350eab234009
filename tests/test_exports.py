"""CSV and XLSX exports of every tabular command say the same thing: the workbook holds, cell for
cell, the figures of the CSV (numbers as numbers with the figure convention's places, formatted
with separators, and an "(exact)" text column beside every rounded one)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))

TABULAR: dict[str, list[str]] = {
    "state": ["state", "--as-of", "2002-06-30", "--ledger", EXAMPLE],
    "schedule": ["schedule", "F"],
    "dividends": ["dividends", "--payment-date", "2001-09-15", "--ledger", EXAMPLE],
    "waterfall": ["waterfall", "--proceeds", "90000000", "--on", "2002-06-30", "--ledger", EXAMPLE],
    "calendar": ["calendar", "--from", "2001-01-01", "--to", "2001-12-31", "--ledger", EXAMPLE],
    "votes": ["votes", "--as-of", "2002-06-30", "--ledger", EXAMPLE],
    "interpretations": ["interpretations"],
    "certificate-adjustment": ["certificate", "adjustment", "--as-of", "2002-12-31", "--ledger", EXAMPLE],
    "convert": [
        "convert",
        "--series",
        "F",
        "--holder",
        "Microsoft Corporation",
        "--shares",
        "250",
        "--on",
        "2002-01-10",
        "--ledger",
        EXAMPLE,
    ],
    "redemption": ["redemption", "--series", "F", "--on", "2005-08-02", "--funds", "20000000", "--ledger", EXAMPLE],
}

MONEY_FORMAT = '"$"#,##0.00'


def _csv(cli: Any, args: list[str]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli(*args, "--format", "csv").stdout)))


@pytest.mark.parametrize("name", sorted(TABULAR))
def test_the_workbook_holds_the_csv_figures(cli: Any, tmp_path: Path, name: str) -> None:
    args = TABULAR[name]
    rows = _csv(cli, args)
    assert rows, "the example gives rows for every command"
    out = tmp_path / f"{name}.xlsx"
    cli(*args, "--format", "xlsx", "--out", str(out))
    sheet = load_workbook(out).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    headers, body = values[0], values[1:]
    assert len(body) == len(rows)
    assert len(headers) == len(rows[0])  # one workbook column per CSV column, exact columns included
    keys = list(rows[0])
    for record, cells in zip(rows, body, strict=True):
        for key, cell in zip(keys, cells, strict=True):
            text = record[key]
            if cell is None:
                assert text == "", (key, text)
            elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
                # The cell is the rounded figure: equal to the CSV to the cent (or the stated places).
                assert Decimal(text) == Decimal(str(cell)), (key, text, cell)
            else:
                assert str(cell) == text, (key, text, cell)


def test_money_cells_carry_a_dollar_format_and_exact_columns_stay_text(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "state.xlsx"
    cli(*TABULAR["state"], "--format", "xlsx", "--out", str(out))
    sheet = load_workbook(out).worksheets[0]
    headers = [c.value for c in sheet[1]]
    money = [i for i, h in enumerate(headers) if h is not None and "liquidation" in str(h).lower()]
    assert money, headers
    for index in money:
        cell = sheet.cell(2, index + 1)
        if str(headers[index]).endswith("(exact)"):
            assert isinstance(cell.value, str)
        else:
            assert isinstance(cell.value, (int, float)) and cell.number_format == MONEY_FORMAT


def test_xlsx_needs_a_workbook_path(cli: Any) -> None:
    result = cli(*TABULAR["calendar"], "--format", "xlsx", ok=False)
    assert result.returncode == 2 and "--format xlsx writes a workbook: give --out FILE.xlsx" in result.stderr


def test_calendar_refuses_an_unknown_format_naming_the_formats(cli: Any) -> None:
    result = cli(*TABULAR["calendar"], "--format", "pdf", ok=False)
    assert result.returncode == 2 and "must be table, json, csv, xlsx or ics" in result.stderr


def test_sheet_names_drop_the_characters_excel_refuses() -> None:
    from prefstack.output import sheet_name

    assert sheet_name("Waterfall on 2002-06-30: $90,000,000.00") == "Waterfall on 2002-06-30- $90,00"  # 31 characters
    assert sheet_name("a[b]c*d?e/f\\g") == "a-b-c-d-e-f-g"
    assert sheet_name("'' ") == "prefstack"
    assert len(sheet_name("x" * 100)) == 31


def test_schedule_explain_refuses_a_tabular_format(cli: Any) -> None:
    result = cli("schedule", "F", "--explain", "--format", "csv", ok=False)
    assert result.returncode == 2 and "--explain writes a tree: give --format table or json" in result.stderr
