"""``prefstack register``: a transfer agent's register of the preferred stock in and out (docs/register.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from prefstack.arguments import parse_date
from prefstack.cli_ocf import DbOption
from prefstack.errors import InputError
from prefstack.launch import DEFAULT_DB

register_app = typer.Typer(no_args_is_help=True, help="A transfer agent's register (CSV or Excel): import and export.")


@register_app.command("import")
def register_import(
    file: Annotated[str, typer.Argument(help="The register: FILE.csv or FILE.xlsx")],
    company: Annotated[str, typer.Option("--company", help="The company: its issuer id or legal name")],
    db: DbOption = DEFAULT_DB,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be stored; store nothing")] = False,
) -> None:
    """Read the register's rows into preferred_issued and holder_address events and append them to the
    company's ledger, validated against it, all or nothing; every unreadable row is reported."""
    for line in import_register(Path(file), company, db, dry_run=dry_run):
        print(line)


def import_register(path: Path, company: str, db: str, *, dry_run: bool) -> list[str]:
    """``prefstack register import``: what it prints, line by line."""
    from prefstack.instruments.registry import issuer
    from prefstack.ledger import service
    from prefstack.register import read_register

    whose = issuer(company, "--company").id
    register = read_register(path)
    lines = [f"note: {note}" for note in register.notes]
    try:
        service.require_store(db)
        with service.open_store(db, whose) as store:
            held = store.stream(whose).version()
    except InputError:  # no store yet (a SQLite file that does not exist): nothing is held
        held = 0
    if held:  # a register gives the holdings from the start: on top of a ledger they would count twice
            raise InputError(
                "--company",
                "register format",
                f"the ledger of {service.company_label(whose)} already holds {held} events: a register is imported "
                "into an empty ledger",
            )
    if dry_run:
        lines += [f"would store: {p.event.kind} {p.event.date} {p.event.payload()}" for p in register.placed]
        return [*lines, f"would import {len(register.placed)} events; nothing stored (--dry-run)"]
    from prefstack.cli import _ensure_sqlite_folder

    validated = None
    try:
        service.require_store(db)
    except InputError:
        validated = service.validated_fold(register.placed, whose)
    _ensure_sqlite_folder(db)
    with service.open_store(db, whose) as store:
        stored = service.append_to_empty(store, register.placed, company=whose, what="a register", validated=validated)
    return [*lines, f"imported {len(stored)} events into the ledger of {service.company_label(whose)}"]


@register_app.command("export")
def register_export(
    company: Annotated[str, typer.Option("--company", help="The company: its issuer id or legal name")],
    as_of: Annotated[str, typer.Option("--as-of", help="The date of the register, YYYY-MM-DD")],
    out: Annotated[str, typer.Option("--out", help="FILE.csv or FILE.xlsx")],
    db: DbOption = DEFAULT_DB,
    ledger: Annotated[str | None, typer.Option("--ledger", help="Read a ledger file instead of the store")] = None,
) -> None:
    """Write the register as of --as-of: one row per holder and series with its shares, in the columns
    register import reads."""
    from prefstack.cli import _books
    from prefstack.register import write_register

    day = parse_date(as_of, "--as-of", "register format")
    rows = _books(db, ledger, company).register(day)
    write_register(rows, Path(out))
    print(f"wrote {len(rows)} rows to {out}")
