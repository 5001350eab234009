"""The ``prefstack`` command line."""

from __future__ import annotations

import datetime as dt
import sys
from fractions import Fraction
from typing import Annotated

import typer

from prefstack.clauses.dividends import ScheduleRow, pik_schedule
from prefstack.errors import InputError, PrefstackError
from prefstack.interpretations import registry
from prefstack.numeric import exact
from prefstack.output import Format, console, table, to_csv, to_json
from prefstack.terms import load_terms
from prefstack.terms.schema import ScheduleAssumption

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="The certificates of designation of the CAIS Internet Series F and G preferred stock, as software.",
)

SCHEDULE_COLUMNS = ("date", "incremental_shares", "total_shares", "conversion_ratio", "equivalent_common")


def parse_date(text: str, field: str, clause: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(field, clause, f"{text!r} is not a date (YYYY-MM-DD)") from exc


def parse_exact(text: str, field: str, clause: str) -> Fraction:
    return exact(text, field=field, clause=clause)


def _series(text: str) -> str:
    series = text.upper()
    if series not in ("F", "G"):
        raise InputError("SERIES", "F §1(a)", f"unknown series {text!r}; prefstack knows F and G")
    return series


@app.command()
def schedule(
    series: Annotated[str, typer.Argument(help="F or G")],
    issue_date: Annotated[
        str | None, typer.Option(help="Original issue date (F default: F Sched. 1's 2000-08-02)")
    ] = None,
    shares: Annotated[str | None, typer.Option(help="Shares issued (F default: F Sched. 1's 40,000)")] = None,
    through: Annotated[str | None, typer.Option(help="Last date of the schedule (F default: 2005-08-02)")] = None,
    conversion_price: Annotated[str | None, typer.Option(help="Conversion Price (default: the initial one)")] = None,
    format: Annotated[Format, typer.Option("--format", help="table, json or csv")] = Format.table,
    explain: Annotated[bool, typer.Option(help="Show every input and clause behind one row")] = False,
    row: Annotated[
        str | None, typer.Option(help="With --explain: the row's date (default: the first dividend)")
    ] = None,
) -> None:
    """A PIK dividend schedule in the form of F Sched. 1 (every dividend paid in shares)."""
    terms = load_terms(_series(series))
    assumption = terms.schedule_assumption
    if assumption is None and (issue_date is None or shares is None or through is None):
        raise InputError(
            "--issue-date/--shares/--through",
            "G §2(a)",
            f"Series {terms.series} has no schedule in its certificate; give --issue-date, --shares and --through",
        )
    start = parse_date(issue_date, "--issue-date", "F Sched. 1") if issue_date else _assumed(assumption, "closing_date")
    end = parse_date(through, "--through", "F Sched. 1") if through else _assumed(assumption, "through")
    held = parse_exact(shares, "--shares", "F Sched. 1") if shares else _assumed_shares(assumption)
    price = parse_exact(conversion_price, "--conversion-price", "F §5(a)") if conversion_price else None
    result = pik_schedule(terms, issue_date=start, shares=held, through=end, conversion_price=price)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if explain:
        chosen = _pick_row(result.rows, row)
        out = chosen.explain()
        if format is Format.json:
            print(to_json(out.to_dict()))
        else:
            print(out.to_text())
        return
    rows = [r.rounded() for r in result.rows]
    if format is Format.json:
        print(to_json(rows))
    elif format is Format.csv:
        sys.stdout.write(to_csv(rows, SCHEDULE_COLUMNS))
    else:
        title = f"Series {terms.series}: PIK dividend schedule ({'F Sched. 1' if terms.series == 'F' else 'G §2(a)'})"
        console().print(table(title, rows, SCHEDULE_COLUMNS, right=SCHEDULE_COLUMNS[1:]))


def _assumed(assumption: ScheduleAssumption | None, name: str) -> dt.date:
    assert assumption is not None
    value = getattr(assumption, name).value
    assert isinstance(value, dt.date)
    return value


def _assumed_shares(assumption: ScheduleAssumption | None) -> Fraction:
    assert assumption is not None
    return assumption.shares.value


def _pick_row(rows: tuple[ScheduleRow, ...], wanted: str | None) -> ScheduleRow:
    if wanted is None:
        return rows[1] if len(rows) > 1 else rows[0]
    day = parse_date(wanted, "--row", "F Sched. 1")
    for candidate in rows:
        if candidate.date == day:
            return candidate
    dates = ", ".join(r.date.isoformat() for r in rows)
    raise InputError("--row", "F Sched. 1", f"no row dated {day}; the rows are {dates}")


@app.command()
def interpretations(
    format: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
) -> None:
    """Every point the certificates leave open, with the reading prefstack takes."""
    entries = sorted(registry().values(), key=lambda i: i.id)
    if format is Format.json:
        print(to_json([i.to_dict() for i in entries]))
        return
    out = console()
    for entry in entries:
        out.print(f"[bold]{entry.id}[/bold]  ({', '.join(entry.clauses)})")
        out.print(f"  question: {entry.question}")
        out.print(f"  reading:  {entry.reading}")
        for alternative in entry.alternatives:
            out.print(f"  not:      {alternative}")
        out.print(f"  why:      {entry.why}\n")


@app.command()
def terms(series: Annotated[str, typer.Argument(help="F or G")]) -> None:
    """The terms of a series as validated data, each with its citation (JSON)."""
    loaded = load_terms(_series(series))
    print(to_json(loaded.model_dump(mode="json")))


def main() -> None:
    """Entry point: usage errors are Typer's; prefstack's own errors print one line, exit 2."""
    try:
        app()
    except PrefstackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
