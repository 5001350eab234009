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


def explanation_text(item: Mapping[str, object], indent: int = 0) -> str:
    """An explanation (``Explained.to_dict()``) as indented lines: name = value [clause], then its
    formula, inputs, interpretations and parts."""
    pad = "  " * indent
    lines = [f"{pad}{item['name']} = {item['value']}    [{item['clause']}]"]
    if "formula" in item:
        lines.append(f"{pad}  formula: {item['formula']}")
    inputs = item.get("inputs", {})
    assert isinstance(inputs, Mapping)
    lines += [f"{pad}  input {key} = {value}" for key, value in inputs.items()]
    interpretations = item.get("interpretations", [])
    assert isinstance(interpretations, list)
    lines += [f"{pad}  interpretation {ident}" for ident in interpretations]
    parts = item.get("parts", [])
    assert isinstance(parts, list)
    lines += [explanation_text(part, indent + 1) for part in parts]
    return "\n".join(lines)


def console() -> Console:
    return Console(width=160, highlight=False, soft_wrap=False)
