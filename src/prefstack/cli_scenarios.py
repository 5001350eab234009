"""``prefstack breakpoints`` and ``prefstack scenarios``: F/G §3 over a whole range of exit values
(the vectorized waterfall, :mod:`prefstack.kernels.waterfall`), asked through the query layer
(:meth:`prefstack.books.Books.scenario_plan`). Registered on the main app by :func:`register`."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from prefstack.arguments import parse_date, parse_exact
from prefstack.errors import InputError
from prefstack.figures import money_text
from prefstack.launch import DB_ENV, DEFAULT_DB
from prefstack.output import Column, Format, console, emit
from prefstack.scenario_answers import breakpoints_json

if TYPE_CHECKING:
    from prefstack.instruments.capital_structure import LoadedStructure
    from prefstack.scenarios import ScenarioPlan

__all__ = ["register"]

# The options of the main app's commands, as prefstack.cli words them (not imported from it: it
# imports this module to register the commands).
CapitalStructureOption = Annotated[
    str | None,
    typer.Option(
        "--capital-structure",
        help="Every class of the company: a capital-structure FILE, 'company' (the bundled file of the "
        "ledger's company) or 'none' (the ledger's series and Common Stock only; also when omitted).",
    ),
]
DbOption = Annotated[str, typer.Option("--db", help="SQLAlchemy URL of the store", envvar=DB_ENV)]
CompanyOption = Annotated[
    str | None,
    typer.Option("--company", help="The company whose ledger to use: its issuer id or legal name", show_default=False),
]
LedgerOption = Annotated[str | None, typer.Option("--ledger", help="Read a ledger file instead of the store")]

BREAKPOINT_COLUMNS = (
    Column("exit value", "exit_value", "money"),
    Column("reason", "reason"),
    Column("clause", "clause"),
)


def _plan(
    on: str, capital_structure: str | None, db: str, company: str | None, ledger: str | None
) -> tuple[ScenarioPlan, LoadedStructure | None]:
    from prefstack.cli import _books, _capital_structure

    day = parse_date(on, "--on", "F §3(a)")
    structure = _capital_structure(capital_structure, db, ledger, company)
    return _books(db, ledger, company).scenario_plan(day, structure), structure


def breakpoints_command(
    on: Annotated[str, typer.Option(help="The date of the liquidation (YYYY-MM-DD)")],
    capital_structure: CapitalStructureOption = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
    format: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
) -> None:
    """F/G §3: the exit values where any class's payoff changes slope, exact, each with its reason
    (a preference paid in full, a class converting, a tranche exercised, a cap reached)."""
    if format not in (Format.table, Format.json):
        raise InputError("--format", "option", "breakpoints are written as a table or json")
    plan, structure = _plan(on, capital_structure, db, company, ledger)
    result = breakpoints_json(plan, structure)
    records = result["breakpoints"]
    title = f"Breakpoints of the waterfall on {plan.on.isoformat()} (CAPSTRUCT-CONVERSION-CHOICE equilibrium)"
    emit(result, records, BREAKPOINT_COLUMNS, title, format)
    if format is Format.table:
        shown = console()
        for s in plan.stretches:
            chosen = ", ".join(sorted(s.chosen)) or "none"
            shown.print(f"from {money_text(Fraction(s.start, 100))}: converted or exercised: {chosen}")


def scenarios_command(
    from_: Annotated[str, typer.Option("--from", help="The lowest exit value ($, whole cents)")],
    to: Annotated[str, typer.Option(help="The highest exit value ($, whole cents)")],
    steps: Annotated[int, typer.Option(help="Steps between them: --steps + 1 exit values, each whole cents")],
    on: Annotated[str, typer.Option(help="The date of the liquidation (YYYY-MM-DD)")],
    out: Annotated[str, typer.Option("--out", help="FILE.csv or FILE.parquet: the payouts, in cents")],
    dates: Annotated[str | None, typer.Option(help="More dates, D1,D2,...: each date's payouts too")] = None,
    chart: Annotated[
        list[str] | None, typer.Option(help="FILE.png or FILE.html: payout by class on --on, repeatable")
    ] = None,
    engine: Annotated[str, typer.Option(help="local (this process) or dask (the workers of --scheduler)")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="With --engine dask: the Dask scheduler's address (tcp://HOST:PORT)")
    ] = None,
    capital_structure: Annotated[
        list[str] | None,
        typer.Option(
            "--capital-structure",
            help="Every class of the company: a capital-structure FILE, 'company' or 'none' (as for "
            "breakpoints); given more than once, each is a variant of the grid (a capital_structure column)",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
) -> None:
    """F/G §3 at every exit value of a grid: each class's and named holder's payout in cents
    (CSV or Parquet), with a chart of payout by class against the exit value, breakpoints marked;
    the grid is exit values x dates x capital-structure variants."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from prefstack.cli import _books, _capital_structure
    from prefstack.scenario_files import dask_chunks, grid, on_dates, write_chart, write_table

    if engine not in ("local", "dask"):
        raise InputError("--engine", "option", f"local or dask, not {engine!r}")
    if (engine == "dask") != (scheduler is not None):
        raise InputError("--scheduler", "option", "give --scheduler ADDRESS with --engine dask, and only then")
    exits = grid(parse_exact(from_, "--from", "scenario grid"), parse_exact(to, "--to", "scenario grid"), steps)
    day = parse_date(on, "--on", "F §3(a)")
    more = [parse_date(d.strip(), "--dates", "F §3(a)") for d in dates.split(",")] if dates else []
    variants = capital_structure or ["none"]
    if len(set(variants)) < len(variants):
        raise InputError("--capital-structure", "option", "a capital structure is given twice")
    books = _books(db, ledger, company)
    top = int(exits[-1])
    plans = []
    for variant in variants:  # each capital structure's plan on each date (a dimension of the grid)
        structure = _capital_structure(variant, db, ledger, company)
        named = variant if len(variants) > 1 else ""
        for d in on_dates(day, more):
            plans.append(dataclasses.replace(books.scenario_plan(d, structure, top), variant=named))
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console()
    ) as progress:
        task = progress.add_task("exit values", total=exits.size * len(plans))
        chunks = None if scheduler is None else dask_chunks(plans, exits, scheduler)
        rows = write_table(Path(out), plans, exits, lambda n: progress.advance(task, n), chunks)
    shown = console()
    dated = f"{len(plans) // len(variants)} date(s)"
    if len(variants) > 1:
        dated += f" x {len(variants)} capital structures"
    shown.print(f"{rows:,} rows ({dated} x {exits.size:,} exit values) written to {out} (cents)")
    first = next(p for p in plans if p.on == day)
    for path in chart or []:
        title = f"Payout by class on {day.isoformat()}, exit values ${exits[0] / 100:,.2f} to ${exits[-1] / 100:,.2f}"
        write_chart(Path(path), first, exits, title)
        shown.print(f"chart written to {path}")


def register(app: typer.Typer) -> None:
    app.command(name="breakpoints")(breakpoints_command)
    app.command(name="scenarios")(scenarios_command)
