"""Writing results for people and programs: JSON, CSV and Rich tables."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from enum import StrEnum

from rich.console import Console
from rich.table import Table


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def to_json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def to_csv(rows: Sequence[Mapping[str, str]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row[c] for c in columns})
    return buffer.getvalue()


def table(title: str, rows: Sequence[Mapping[str, str]], columns: Sequence[str], right: Sequence[str] = ()) -> Table:
    out = Table(title=title, title_justify="left")
    for column in columns:
        out.add_column(column, justify="right" if column in right else "left")
    for row in rows:
        out.add_row(*[row[c] for c in columns])
    return out


def console() -> Console:
    return Console(width=160, highlight=False, soft_wrap=False)
