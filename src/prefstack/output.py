"""Writing results for people and programs: JSON, CSV and Rich tables."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from prefstack.errors import InputError

if TYPE_CHECKING:  # Rich is imported where a table is drawn: a command printing JSON or a line needs none of it
    from rich.console import Console
    from rich.table import Table


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@dataclass(frozen=True)
class Column:
    """A column of a tabular result: its header for people, its key in the JSON records and how
    its figures are shown (:data:`prefstack.figures.KINDS`)."""

    header: str
    key: str
    kind: str = "text"


def _exact_keys(records: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> set[str]:
    return {c.key for c in columns for r in records if f"{c.key}_exact" in r}


def records_csv(records: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> str:
    """CSV of JSON records: each column's JSON figure (to its places), and ``<key>_exact`` beside
    every column where some figure was rounded."""
    exact = _exact_keys(records, columns)
    names = [name for c in columns for name in ([c.key, f"{c.key}_exact"] if c.key in exact else [c.key])]
    rows = []
    for r in records:
        row = {c.key: "" if r[c.key] is None else str(r[c.key]) for c in columns}
        row.update({f"{k}_exact": str(r.get(f"{k}_exact", r[k])) for k in exact})
        rows.append(row)
    return to_csv(rows, names)


_XLSX_FORMATS = {
    "money": '"$"#,##0.00',
    "price": '"$"#,##0.00',
    "shares": "#,##0.00",
    "common": "#,##0",
    "ratio": "0.00000",
    "count": "#,##0",
}


def sheet_name(title: str) -> str:
    """A worksheet name from a title: the characters Excel refuses in a name (``[]:*?/\\``) become
    ``-``, and it is cut to Excel's 31 characters (the whole title is the workbook's title)."""
    cleaned = "".join("-" if c in "[]:*?/\\" else c for c in title).strip("' ")
    return cleaned[:31].rstrip() or "prefstack"


def write_xlsx(path: str, sheets: Sequence[tuple[str, Sequence[Mapping[str, Any]], Sequence[Column]]]) -> None:
    """A workbook with one sheet per ``(title, records, columns)``: numbers as numbers (rounded as
    in JSON, formatted with separators) and an "(exact)" text column beside every rounded one."""
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, records, columns in sheets:
        sheet = book.create_sheet(sheet_name(title))
        exact = _exact_keys(records, columns)
        headers: list[tuple[str, Column, bool]] = []
        for c in columns:
            headers.append((c.header, c, False))
            if c.key in exact:
                headers.append((f"{c.header} (exact)", c, True))
        sheet.append([h for h, _, _ in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r in records:
            values: list[object] = []
            for _, c, is_exact in headers:
                raw = r.get(c.key)
                if is_exact:
                    values.append(str(r.get(f"{c.key}_exact", raw)))
                elif raw is None or c.kind in ("text", "date"):
                    values.append(raw)
                else:
                    values.append(Decimal(str(raw)) if not isinstance(raw, int) else raw)
            sheet.append(values)
        for index, (_, c, is_exact) in enumerate(headers, 1):
            number_format = _XLSX_FORMATS.get(c.kind)
            width = 14
            for row in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                for cell in row:
                    if number_format and not is_exact:
                        cell.number_format = number_format
                    width = max(width, len(str(cell.value or "")) + 2)
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(width, 60)
    book.properties.title = " / ".join(title for title, _, _ in sheets)[:255]
    book.save(path)


COMPARISON: dict[str, Any] | None = None
"""With ``--compare-reading``: the same question answered under the compared reading and where the
answers differ; the JSON printed is then ``{"answer": ..., "compared_under": ..., "alternative":
..., "differences": [...]}`` (set by the command line for its one question)."""


def emit(
    result: object,
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    title: str,
    format: Format,
    *,
    out: str | None = None,
    exact: bool = False,
) -> None:
    """Write a tabular result as a table for people, JSON, CSV (standard output) or XLSX (``out``)."""
    from prefstack.figures import figure_text

    if format is Format.json:
        print(to_json(result if COMPARISON is None else {"answer": result, **COMPARISON}))
    elif format is Format.csv:
        sys.stdout.write(records_csv(records, columns))
    elif format is Format.xlsx:
        if out is None or not out.endswith(".xlsx"):
            raise InputError("--out", "output format", "--format xlsx writes a workbook: give --out FILE.xlsx")
        write_xlsx(out, [(title, records, columns)])
    else:
        headers = [c.header for c in columns]
        rows = [{c.header: figure_text(r, c.key, c.kind, exact) for c in columns} for r in records]
        shown = console()
        shown.print(title)
        shown.print(table("", rows, headers, right=[c.header for c in columns if c.kind not in ("text", "date")]))


def to_json(data: object) -> str:
    """``data`` as JSON, indented by two, non-ASCII characters as they are: ``json.dumps(data,
    indent=2, ensure_ascii=False)``, character for character. Data made of plain JSON types only
    (every answer of the query layer: figures are strings, whole quantities integers) is written by
    orjson, in a fifteenth of the time (the state of 7,000 holders is 5 MB); ``tests/test_to_json.py``
    proves the two texts equal on any such data. Anything else (a float, which orjson writes in
    another form, ``1e16`` for ``1e+16``; a subclass; a type :mod:`json` refuses), an integer
    beyond 64 bits or a lone surrogate is written, or refused, by :mod:`json` as before."""
    if _plain(data):
        import orjson

        try:
            return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
        except orjson.JSONEncodeError:
            pass
    return json.dumps(data, indent=2, ensure_ascii=False)


_SCALARS = frozenset({str, int, bool, type(None)})
_CONTAINERS = frozenset({dict, list, tuple})


def _plain(data: object) -> bool:
    """Whether ``data`` holds nothing but strings, ints, booleans, None, and dicts (with string
    keys), lists and tuples of them: the types whose JSON orjson and :mod:`json` write alike.
    Iterative, so that no depth is too deep to check."""
    pending: list[Any] = [data]
    while pending:
        item = pending.pop()
        kind = type(item)
        values: Iterable[Any]
        if kind is dict:
            if any(type(key) is not str for key in item):
                return False
            values = item.values()
        elif kind is list or kind is tuple:
            values = item
        else:
            return kind in _SCALARS
        for value in values:
            kind = type(value)
            if kind in _CONTAINERS:
                pending.append(value)
            elif kind not in _SCALARS:
                return False
    return True


def to_csv(rows: Sequence[Mapping[str, str]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row[c] for c in columns})
    return buffer.getvalue()


def table(title: str, rows: Sequence[Mapping[str, str]], columns: Sequence[str], right: Sequence[str] = ()) -> Table:
    from rich.table import Table

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
    from rich.console import Console

    return Console(width=160, highlight=False, soft_wrap=False)
