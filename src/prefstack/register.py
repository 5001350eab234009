"""A transfer agent's register of the preferred stock, in and out (``prefstack register``).

A register is a CSV file (UTF-8, a header row) or an Excel workbook (its first sheet, a header row)
with one row per certificate. Its columns (docs/register.md), in any order:

========================  =========  ==========================================================
column                    required   read into
========================  =========  ==========================================================
``holder``                yes        the holder id of a ``preferred_issued`` event
``series``                yes        its series (``F``, or ``Series F``)
``shares``                yes        its shares (digits, a decimal or a fraction such as ``2/3``)
``issue_date``            yes        its date (YYYY-MM-DD)
``certificate_number``    no         its id: ``certificate-<series>-<number>`` (unique in the ledger)
``address``               no         a ``holder_address`` event on the issue date (lines split at ``;``)
``legends``               no         its note: ``legends: <text>``
``tax_id``                no         not stored: prefstack has no field for tax ids (reported)
========================  =========  ==========================================================

Every row that cannot be read is reported with its row number (the header is row 1), all of them
at once, and nothing is stored; the rows read are appended through the ledger service, validated
against the stored ledger, all or nothing. ``register export`` writes the same columns: one row per
holder and series with its shares as of a date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from prefstack.errors import InputError, PrefstackError
from prefstack.ledger.events import parse_event
from prefstack.ledger.replay import Placed
from prefstack.numeric import exact, to_decimal_string
from prefstack.terms.schema import series_names

CLAUSE = "register format"
COLUMNS = ("holder", "address", "tax_id", "certificate_number", "series", "shares", "issue_date", "legends")
REQUIRED = ("holder", "series", "shares", "issue_date")
MAX_ROWS = 100_000
MAX_BYTES = 32 * 1024 * 1024
LEGENDS = "legends: "
CERTIFICATE = "certificate-"


@dataclass
class Register:
    """A register read: the events of its rows and what was read but not stored."""

    placed: list[Placed]
    notes: list[str] = field(default_factory=list)


def _rows(path: Path) -> list[list[object]]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(str(path), CLAUSE, f"cannot be read: {exc.strerror}") from exc
    if size > MAX_BYTES:
        raise InputError(str(path), CLAUSE, f"has {size:,} bytes; a register is at most {MAX_BYTES:,}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(str(path), CLAUSE, f"is not UTF-8 text (byte {exc.start})") from exc
        except OSError as exc:
            raise InputError(str(path), CLAUSE, f"cannot be read: {exc.strerror}") from exc
        try:
            return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise InputError(str(path), CLAUSE, f"is not CSV ({exc})") from exc
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    raise InputError(str(path), CLAUSE, "a register is a .csv or an .xlsx file")


def _xlsx_rows(path: Path) -> list[list[object]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError(str(path), CLAUSE, f"is not a readable Excel workbook ({exc})") from exc
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise ValueError(f"{value!r} is not text, a whole number or a date (write it as text to keep it exact)")


def _series(text: str) -> str:
    series = text.removeprefix("Series ").strip().upper()
    if series not in series_names():
        raise ValueError(f"{text!r} is no series prefstack has terms for ({', '.join(series_names())})")
    return series


def _shares(text: str) -> Fraction:
    value = exact(text, field="shares", clause=CLAUSE)
    if value <= 0:
        raise ValueError("shares must be positive")
    return value


def read_register(path: Path) -> Register:
    """The events of the register at ``path``; every unreadable row is reported, all at once."""
    rows = _rows(path)
    if not rows:
        raise InputError(str(path), CLAUSE, f"has no header row ({', '.join(COLUMNS)})")
    if len(rows) > MAX_ROWS + 1:
        raise InputError(str(path), CLAUSE, f"has more than {MAX_ROWS:,} rows")
    header = [str(h).strip().lower() if h is not None else "" for h in rows[0]]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InputError(
            f"{path} row 1", CLAUSE, f"unknown column {unknown[0]!r}; the columns are {', '.join(COLUMNS)}"
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"{path} row 1", CLAUSE, f"missing column {missing[0]!r}")
    if len(set(header)) != len(header):
        raise InputError(f"{path} row 1", CLAUSE, "a column is named twice")
    problems: list[str] = []
    documents: list[tuple[dict[str, Any], str]] = []
    tax_ids = 0
    for number, row in enumerate(rows[1:], 2):
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row):
            continue
        where = f"{path} row {number}"
        try:
            if len(row) > len(header):
                raise ValueError(f"{len(row)} cells for {len(header)} columns")
            cells = dict(zip(header, [_text(c) for c in row], strict=False))
            documents += _row_events(cells, where)
            tax_ids += cells.get("tax_id") is not None
        except (ValueError, PrefstackError) as exc:
            problems.append(f"row {number}: {exc}")
    if problems:
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise InputError(str(path), CLAUSE, "; ".join(problems[:20]) + more + "; nothing was stored")
    if not documents:
        raise InputError(str(path), CLAUSE, "has no rows")
    placed = []
    for seq, (doc, where) in enumerate(documents, 1):
        placed.append(Placed(parse_event(doc, where), where, None, seq=seq))
    notes = [f"{tax_ids} tax id(s) read and not stored (prefstack has no field for tax ids)"] if tax_ids else []
    return Register(placed, notes)


def _row_events(cells: dict[str, str | None], where: str) -> list[tuple[dict[str, Any], str]]:
    for column in REQUIRED:
        if cells.get(column) is None:
            raise ValueError(f"{column} is empty")
    holder, day = cells["holder"], cells["issue_date"]
    assert holder is not None and day is not None  # checked above
    try:
        dt.date.fromisoformat(day)
    except ValueError as exc:
        raise ValueError(f"issue_date {day!r} is not a date (YYYY-MM-DD)") from exc
    series = _series(str(cells["series"]))
    issue: dict[str, Any] = {
        "kind": "preferred_issued",
        "date": day,
        "series": series,
        "holder": holder,
        "shares": to_decimal_string(_shares(str(cells["shares"]))),
    }
    if cells.get("certificate_number"):
        issue["id"] = f"{CERTIFICATE}{series}-{cells['certificate_number']}"
    if cells.get("legends"):
        issue["note"] = LEGENDS + str(cells["legends"])
    parse_event(issue, where)  # each field checked here, so that the row's number is reported
    out = [(issue, where)]
    if cells.get("address"):
        lines = [line.strip() for line in str(cells["address"]).split(";") if line.strip()]
        address = {"kind": "holder_address", "date": day, "holder": holder, "address": lines}
        parse_event(address, where)
        out.append((address, where))
    return out


def register_rows(state: Any, placed: Sequence[Placed]) -> list[dict[str, str]]:
    """The register as of ``state``'s date: one row per holder and series with shares, in the columns
    of :data:`COLUMNS` (the certificate numbers and legends of the holder's issues joined by ``;``)."""
    from prefstack.ledger.events import PreferredIssued

    issues: dict[tuple[str, str], list[PreferredIssued]] = {}
    for item in placed:
        event = item.event
        if isinstance(event, PreferredIssued) and event.date <= state.as_of:
            issues.setdefault((event.series, event.holder), []).append(event)
    rows = []
    for series, s in state.series.items():
        for holder, holding in sorted(s.holdings.items()):
            if not holding.shares:
                continue
            own = issues.get((series, holder), [])
            address = state.addresses.get(holder)
            rows.append(
                {
                    "holder": state.holder_name(holder),
                    "address": "; ".join(address.address) if address is not None else "",
                    "tax_id": "",
                    "certificate_number": "; ".join(
                        e.id.removeprefix(f"{CERTIFICATE}{series}-")
                        for e in own
                        if e.id and e.id.startswith(CERTIFICATE)
                    ),
                    "series": series,
                    "shares": to_decimal_string(holding.shares),
                    "issue_date": min(e.date for e in own).isoformat() if own else "",
                    "legends": "; ".join(
                        e.note.removeprefix(LEGENDS) for e in own if e.note and e.note.startswith(LEGENDS)
                    ),
                }
            )
    return rows


def write_register(rows: list[dict[str, str]], out: Path) -> None:
    try:
        if out.suffix.lower() == ".xlsx":
            from openpyxl import Workbook

            book = Workbook()
            sheet = book.active
            sheet.append(list(COLUMNS))
            for row in rows:
                sheet.append([row[c] for c in COLUMNS])
            book.save(out)
            return
        if out.suffix.lower() != ".csv":
            raise InputError("--out", CLAUSE, "a register is written as FILE.csv or FILE.xlsx")
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise InputError("--out", CLAUSE, f"{out} cannot be written: {exc.strerror}") from exc
