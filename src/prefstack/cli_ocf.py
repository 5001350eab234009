"""``prefstack ocf``: the Open Cap Table Format in and out (docs/ocf.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from prefstack.arguments import parse_date
from prefstack.errors import InputError
from prefstack.launch import DB_ENV, DEFAULT_DB

if TYPE_CHECKING:
    from prefstack.instruments.capital_structure import CapitalStructure

ocf_app = typer.Typer(no_args_is_help=True, help="Open Cap Table Format packages: export and import (docs/ocf.md).")

DbOption = Annotated[str, typer.Option("--db", help="SQLAlchemy URL of the store", envvar=DB_ENV)]


@ocf_app.command("export")
def ocf_export(
    company: Annotated[str, typer.Option("--company", help="The company: its issuer id or legal name")],
    as_of: Annotated[str, typer.Option("--as-of", help="The date of the cap table, YYYY-MM-DD")],
    out: Annotated[str, typer.Option("--out", help="A folder to write the package in, or FILE.zip")],
    formation_date: Annotated[
        str,
        typer.Option(
            "--formation-date", help="The issuer's formation date (OCF requires it; no prefstack file has it)"
        ),
    ],
    country_of_formation: Annotated[
        str, typer.Option("--country-of-formation", help="The issuer's country of formation, ISO 3166-1 (US)")
    ],
    subdivision: Annotated[
        str | None, typer.Option("--subdivision-of-formation", help="Its state or province code (DE)")
    ] = None,
    db: DbOption = DEFAULT_DB,
    ledger: Annotated[str | None, typer.Option("--ledger", help="Read a ledger file instead of the store")] = None,
    capital_structure: Annotated[
        str,
        typer.Option(
            "--capital-structure",
            help="A capital-structure FILE, 'company' (the bundled file of the company, when prefstack has one) "
            "or 'none'",
        ),
    ] = "company",
) -> None:
    """Write the company's cap table as of --as-of as an OCF package (every file validates against the
    OCF schemas); what OCF cannot hold travels in prefstack's extension (docs/ocf.md)."""
    from prefstack.cli import _books
    from prefstack.instruments.capital_structure import load_capital_structure
    from prefstack.instruments.registry import issuer
    from prefstack.ocf.export import IssuerFacts, check_country
    from prefstack.ocf.package import write_package

    day = parse_date(as_of, "--as-of", "OCF manifest as_of")
    facts = IssuerFacts(
        parse_date(formation_date, "--formation-date", "OCF Issuer formation_date"),
        check_country(country_of_formation, "--country-of-formation"),
        subdivision,
    )
    wanted = issuer(company, "--company")
    structure = None
    if capital_structure == "company":
        structure = bundled_structure(wanted.name)
        if structure is None:
            print(f"note: prefstack bundles no capital structure for {wanted.name}: its series and Common Stock only")
    elif capital_structure != "none":
        structure = load_capital_structure(Path(capital_structure)).structure
    files = _books(db, ledger, wanted.id).ocf_package(day, structure, facts, dt.datetime.now(dt.UTC))
    write_package(files, Path(out))
    transactions = len(files["Transactions.ocf.json"]["items"])
    print(f"wrote the OCF package of {wanted.name} as of {day} to {out}: {transactions} transactions")


def bundled_structure(company: str) -> CapitalStructure | None:
    """The capital structure prefstack bundles for ``company`` (its legal name); None where it bundles none."""
    from prefstack.instruments.capital_structure import bundled_for_company, bundled_names

    return bundled_for_company(company, "--capital-structure").structure if company in bundled_names() else None


@ocf_app.command("import")
def ocf_import(
    package: Annotated[str, typer.Argument(help="An OCF package: a folder or FILE.zip")],
    company: Annotated[str, typer.Option("--company", help="The company: its issuer id or legal name")],
    db: DbOption = DEFAULT_DB,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be stored; store nothing")] = False,
    capital_structure_out: Annotated[
        str | None,
        typer.Option(
            "--capital-structure-out",
            help="Where to write the capital-structure file the package carries (required when it carries one "
            "that is not the company's bundled file)",
        ),
    ] = None,
) -> None:
    """Read an OCF package into the company's ledger (a new ledger: the company's stream must be empty):
    validated whole, then appended all at once, or nothing at all."""
    for line in import_package(
        Path(package), company, db, dry_run=dry_run, capital_structure_out=capital_structure_out
    ):
        print(line)


def import_package(
    package: Path, company: str, db: str, *, dry_run: bool, capital_structure_out: str | None = None
) -> list[str]:
    """``prefstack ocf import``: what it prints, line by line. Every problem is a
    :class:`~prefstack.errors.PrefstackError`, raised before anything is stored."""
    from prefstack.instruments.registry import issuer
    from prefstack.ledger import service
    from prefstack.ocf.importer import read_ledger_of
    from prefstack.ocf.package import read_package

    imported = read_ledger_of(read_package(package), company)
    checked = service.validated_fold(imported.placed, imported.company)
    structure_text = None
    if imported.structure is not None and bundled_structure(issuer(imported.company).name) != imported.structure:
        if capital_structure_out is None:
            raise InputError(
                "--capital-structure-out",
                "capital structure format",
                "the package carries a capital structure that is not the company's bundled one: name the file "
                "to write it to",
            )
        import yaml

        structure_text = yaml.safe_dump(imported.structure.model_dump(mode="json"), sort_keys=False)
    lines = [f"note: {note}" for note in imported.notes]
    kinds: dict[str, int] = {}
    for p in imported.placed:
        kinds[p.event.kind] = kinds.get(p.event.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    if dry_run:
        return [*lines, f"would import {len(imported.placed)} events ({summary}); nothing stored (--dry-run)"]
    from prefstack.cli import _ensure_sqlite_folder

    _ensure_sqlite_folder(db)
    with service.open_store(db, imported.company) as store:
        stored = service.append_to_empty(
            store, imported.placed, company=imported.company, what="an OCF package", validated=checked
        )
    lines.append(
        f"imported {len(stored)} events ({summary}) into the ledger of {service.company_label(imported.company)}"
    )
    if structure_text is not None and capital_structure_out is not None:
        Path(capital_structure_out).write_text(structure_text, encoding="utf-8")
        lines.append(f"wrote the package's capital structure to {capital_structure_out}")
    return lines
