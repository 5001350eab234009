"""The ``prefstack`` command line."""

from __future__ import annotations

import datetime as dt
import gc
import sys
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any

import typer

from prefstack import answers, output
from prefstack.arguments import parse_date, parse_exact, series_name
from prefstack.clauses.dividends import pik_schedule
from prefstack.errors import InputError, PrefstackError
from prefstack.figures import count_text, exact_of, figure_text
from prefstack.interpretations import registry
from prefstack.launch import DB_ENV, DEFAULT_DB
from prefstack.numeric import to_decimal_string
from prefstack.output import Column, Format, console, emit, explanation_text, table, to_json
from prefstack.terms import load_terms, series_names

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from prefstack.books import Books
    from prefstack.documents import Document
    from prefstack.instruments.capital_structure import LoadedStructure
    from prefstack.ledger.replay import Placed
    from prefstack.ledger.store import Head, LedgerStream, StoredEvent
    from prefstack.schedules import ScheduleQuestion


def _plain_type_names() -> None:
    """Help shows plain type names (TEXT, INTEGER, TEXT ... for a repeatable option, nothing for a
    flag) rather than Python's (``<str>``, ``<list[str]>``, ``<bool>``)."""
    from typer import core

    for cls in (getattr(core, "TyperOption", None), getattr(core, "TyperArgument", None)):
        original = getattr(cls, "display_type", None)
        if cls is None or original is None:
            continue

        def display_type(self: Any, ctx: Any, _original: Any = original) -> str:
            shown = str(_original(self, ctx))
            inner = shown[1:-1] if shown.startswith("<") and shown.endswith(">") else shown
            repeat = inner.startswith("list[") and inner.endswith("]")
            if repeat:
                inner = inner[5:-1]
            plain = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "bool": "", "Path": "PATH"}.get(inner, inner)
            return f"{plain} ..." if repeat and plain else plain

        cls.display_type = display_type


_plain_type_names()

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="The certificates of designation of the CAIS Internet Series F and G preferred stock, as software.",
)


CapitalStructureOption = Annotated[
    str | None,
    typer.Option(
        "--capital-structure",
        help="Every class of the company: a capital-structure FILE, 'company' (the bundled file of the "
        "ledger's company) or 'none' (the ledger's series and Common Stock only; also when omitted). "
        "The output names it.",
    ),
]
DbOption = Annotated[str, typer.Option("--db", help="SQLAlchemy URL of the store", envvar=DB_ENV)]
CompanyOption = Annotated[
    str | None,
    typer.Option(
        "--company",
        help="The company whose ledger to use: its issuer id (cais-internet) or legal name. Omitted: the store's "
        "only company (refused, listing them, when the store holds several); with a ledger FILE, the file's company",
        show_default=False,
    ),
]

_READINGS: tuple[tuple[str, str], ...] = ()
"""The reading set of this command's question (``--reading``, ``--readings``; empty: prefstack's)."""
_COMPARE: tuple[tuple[str, str], ...] = ()
"""The reading set the question is asked under a second time, to compare (``--compare-reading``)."""
_WEIGH = True
"""Whether documents say what each alternative reading would change (``--no-alternatives``: not)."""
COMPARABLE = frozenset(answers.COMPARABLE)
"""The questions ``--compare-reading`` answers twice."""


@app.callback()
def _everywhere(
    ctx: typer.Context,
    allow_unverified: Annotated[
        bool,
        typer.Option(
            "--allow-unverified",
            help="Answer even from a store whose hash chain does not verify (forensics only)",
        ),
    ] = False,
    reading: Annotated[
        list[str] | None,
        typer.Option(
            "--reading",
            help="Answer under an alternative reading of an open point, ID=ALT (repeatable; "
            "`prefstack interpretations` lists the implemented alternatives)",
        ),
    ] = None,
    readings_file: Annotated[
        str | None,
        typer.Option("--readings", help="A reading set: a YAML file of ID: ALT lines (--reading adds to it)"),
    ] = None,
    no_alternatives: Annotated[
        bool,
        typer.Option(
            "--no-alternatives",
            help="Documents leave out what each alternative reading would change (faster for large batches)",
        ),
    ] = False,
    compare_reading: Annotated[
        list[str] | None,
        typer.Option(
            "--compare-reading",
            help="Answer the question also under this reading, ID=ALT (repeatable), and show where the "
            "two answers differ",
        ),
    ] = None,
) -> None:
    """Options for every command (before the command's name)."""
    global _READINGS, _COMPARE, _WEIGH
    from pathlib import Path

    from prefstack.interpretations import readings
    from prefstack.ledger import service

    service.ALLOW_UNVERIFIED = allow_unverified
    _WEIGH = not no_alternatives
    chosen = readings.read_file(Path(readings_file)) if readings_file is not None else {}
    given = readings.parse_options(reading or [])
    _READINGS = readings.parse({**chosen, **given}, "--reading" if given else "--readings")
    compared = readings.parse_options(compare_reading or [], "--compare-reading")
    _COMPARE = readings.parse({**dict(_READINGS), **compared}, "--compare-reading") if compared else ()
    output.COMPARISON = None
    if _COMPARE and ctx.invoked_subcommand not in COMPARABLE:
        raise InputError(
            "--compare-reading",
            readings.CLAUSE,
            f"--compare-reading goes with a question: {', '.join(sorted(COMPARABLE))}",
        )
    if (_READINGS or _COMPARE) and ctx.invoked_subcommand == "ledger":
        raise InputError(
            "--reading",
            readings.CLAUSE,
            "a reading set changes the answers to questions, not the ledger: give it to a question, not to `ledger`",
        )
    if _READINGS:
        chosen_text = ", ".join(f"{ident}={alternative}" for ident, alternative in _READINGS)
        print(f"note: answered under {chosen_text}, not prefstack's reading", file=sys.stderr)
        # The whole command computes under the set: the questions asked of Books (which apply it
        # themselves) and those computed from the terms alone (`schedule`).
        ctx.with_resource(readings.under(_READINGS))


def _series(text: str) -> str:
    return series_name(text)


@app.command()
def schedule(
    series: Annotated[str, typer.Argument(help="A series id (F, G, H, ...)")],
    issue_date: Annotated[
        str | None, typer.Option(help="Original issue date (F default: F Sched. 1's 2000-08-02)")
    ] = None,
    shares: Annotated[str | None, typer.Option(help="Shares issued (F default: F Sched. 1's 40,000)")] = None,
    through: Annotated[str | None, typer.Option(help="Last date of the schedule (F default: 2005-08-02)")] = None,
    conversion_price: Annotated[str | None, typer.Option(help="Conversion Price (default: the initial one)")] = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, csv or xlsx")] = Format.table,
    out: Annotated[str | None, typer.Option("--out", help="With --format xlsx: the workbook (FILE.xlsx)")] = None,
    explain: Annotated[bool, typer.Option(help="Show every input and clause behind one row")] = False,
    row: Annotated[
        str | None, typer.Option(help="With --explain: the row's date (default: the first dividend)")
    ] = None,
) -> None:
    """A PIK dividend schedule in the form of F Sched. 1 (every dividend paid in shares)."""
    from prefstack.schedules import CLI_FIELDS, explained_row, pik_record, schedule_question

    asked = schedule_question(series, issue_date, shares, through, conversion_price, CLI_FIELDS)
    terms = asked.terms
    if explain:
        explained, warnings = explained_row(asked, row, {"explain": "--explain", "row": "--row"})
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if format in (Format.csv, Format.xlsx):
            raise InputError("--format", "output format", "--explain writes a tree: give --format table or json")
        if format is Format.json:
            print(to_json(explained.to_dict()))
        else:
            print(explained.to_text())
        return
    if not asked.pays_in_shares:
        _cash_schedule(asked, format, out)
        return
    result = pik_schedule(
        terms, issue_date=asked.start, shares=asked.shares, through=asked.end, conversion_price=asked.conversion_price
    )
    records = [pik_record(r) for r in result.rows]
    source = "F Sched. 1" if terms.schedule_assumption is not None else terms.dividends.quarterly_rate.cite
    title = f"Series {terms.series}: PIK dividend schedule ({source})"
    emit(records, records, SCHEDULE_COLUMNS, title, format, out=out)


CASH_SCHEDULE_COLUMNS = (
    Column("date", "date", "date"),
    Column("period from", "period_start", "date"),
    Column("cash dividend", "cash", "money"),
    Column("cash to date", "cash_to_date", "money"),
)


def _cash_schedule(asked: ScheduleQuestion, format: Format, out: str | None) -> None:
    """A series paying its dividends in cash only has a cash schedule: each Payment Date's dividend
    on the shares, paid when due, in cents (its §2(a)-(b); DIV-CASH-CENTS)."""
    from prefstack.schedules import cash_records

    terms = asked.terms
    records = cash_records(asked)
    cite = terms.dividends.annual_rate.cite
    title = f"Series {terms.series}: cash dividend schedule on {to_decimal_string(asked.shares)} shares ({cite})"
    emit(records, records, CASH_SCHEDULE_COLUMNS, title, format, out=out)


SCHEDULE_COLUMNS = (
    Column("date", "date", "date"),
    Column("incremental shares", "incremental_shares", "shares"),
    Column("total shares", "total_shares", "shares"),
    Column("conversion ratio", "conversion_ratio", "ratio"),
    Column("equivalent common", "equivalent_common", "shares"),
)


@app.command()
def interpretations(
    format: Annotated[Format, typer.Option("--format", help="table, json, csv or xlsx")] = Format.table,
    out: Annotated[str | None, typer.Option("--out", help="With --format xlsx: the workbook (FILE.xlsx)")] = None,
    impact: Annotated[
        bool, typer.Option("--impact", help="What each implemented alternative changes in the ledger's figures")
    ] = False,
    as_of: Annotated[str | None, typer.Option(help="With --impact: the date, YYYY-MM-DD")] = None,
    proceeds: Annotated[
        str | None,
        typer.Option(help="With --impact: also compare what each holder is paid from a liquidation of this cash"),
    ] = None,
    capital_structure: CapitalStructureOption = None,
    jobs: Annotated[
        int | None,
        typer.Option(help="With --impact: answer the alternatives in this many processes (default 1)", min=1),
    ] = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: Annotated[str | None, typer.Option("--ledger", help="Read a ledger file instead of the store")] = None,
) -> None:
    """Every point the certificates leave open, with the reading prefstack takes; with --impact, what
    each implemented alternative would change in the ledger's figures on a date, largest first."""
    if impact:
        _impact(as_of, proceeds, capital_structure, jobs or 1, db, company, ledger, format, out)
        return
    given_options = ((as_of, "--as-of"), (proceeds, "--proceeds"), (capital_structure, "--capital-structure"))
    for given, option in (*given_options, (jobs, "--jobs")):
        if given is not None:
            raise InputError(option, "interpretations", f"{option} goes with --impact")
    entries = sorted(registry().values(), key=lambda i: i.id)
    if format is not Format.table:
        result = [i.to_dict() for i in entries]
        records = [
            {
                **i.to_dict(),
                "clauses": ", ".join(i.clauses),
                "alternatives": " | ".join(i.alternatives),
                "selectable": ", ".join(alt for alt, _ in i.selectable),
            }
            for i in entries
        ]
        emit(result, records, INTERPRETATION_COLUMNS, "Interpretations of the certificates", format, out=out)
        return
    shown = console()
    for entry in entries:
        shown.print(f"[bold]{entry.id}[/bold]  ({', '.join(entry.clauses)})")
        shown.print(f"  question: {entry.question}")
        shown.print(f"  reading:  {entry.reading}")
        implemented = {text: alt for alt, text in entry.selectable}
        for alternative in entry.alternatives:
            if alternative in implemented:  # --reading ID=ALT computes it
                shown.print(f"  not:      {alternative} [--reading {entry.id}={implemented[alternative]}]")
            else:
                shown.print(f"  not:      {alternative}")
        shown.print(f"  why:      {entry.why}\n")


def _impact(
    as_of: str | None,
    proceeds: str | None,
    capital_structure: str | None,
    jobs: int,
    db: str,
    company: str | None,
    ledger: str | None,
    format: Format,
    out: str | None,
) -> None:
    from prefstack.impact import Liquidation, impact

    if as_of is None:
        raise InputError("--as-of", "interpretations", "--impact needs the date: --as-of YYYY-MM-DD")
    if _READINGS:
        raise InputError(
            "--reading", "interpretations", "--impact compares every alternative with prefstack's readings"
        )
    if proceeds is None and capital_structure is not None:
        raise InputError("--capital-structure", "interpretations", "--capital-structure goes with --proceeds")
    liquidation = (
        None
        if proceeds is None
        else Liquidation(
            parse_exact(proceeds, "--proceeds", "F §3(a)"), _capital_structure(capital_structure, db, ledger, company)
        )
    )
    found = impact(_books(db, ledger, company), parse_date(as_of, "--as-of", "interpretations"), liquidation, jobs)
    result = _json_of(found)
    records = [
        {"point": f"{p['interpretation']}={p['alternative']}", **c} for p in result["points"] for c in p["changes"]
    ]
    title = f"What each implemented alternative reading changes on {result['as_of']}"
    if "proceeds" in result:
        title += f" (and in a liquidation of {figure_text(result, 'proceeds', 'money')} that day)"
    if format is not Format.table:
        emit(result, records, IMPACT_COLUMNS, title, format, out=out)
        return
    shown = console()
    shown.print(f"[bold]{title}[/bold] (largest change of a money figure first)")
    for point in result["points"]:
        shown.print(
            f"\n[bold]{point['interpretation']}={point['alternative']}[/bold] ({', '.join(point['clauses'])}): "
            f"{point['text']}\n  largest change: {figure_text(point, 'largest_money', 'money')}, "
            f"{figure_text(point, 'largest_shares', 'shares')} shares"
        )
        columns = IMPACT_COLUMNS[1:]
        rows = [{c.header: _impact_text(change, c) for c in columns} for change in point["changes"]]
        shown.print(table("", rows, [c.header for c in columns], right=["prefstack", "alternative", "difference"]))
    unchanged = ", ".join(result["unchanged"]) or "none"
    shown.print(f"\nNo figure changes on {result['as_of']} under: {unchanged}")
    untouched = ", ".join(result["not_consulted"]) or "none"
    shown.print(f"\nNo figure of this ledger on {result['as_of']} consults the readings of: {untouched}")
    for refusal in result["refused"]:
        shown.print(f"Not answered under {refusal}")


def _impact_text(change: dict[str, Any], column: Column) -> str:
    """A cell of the impact table: a compared figure shown as its kind (money, shares, price, votes)."""
    if column.key not in ("default", "alternative", "difference"):
        return figure_text(change, column.key, column.kind)
    return figure_text(change, column.key, change["kind"])


IMPACT_COLUMNS = (
    Column("point", "point"),
    Column("series", "series"),
    Column("holder", "holder"),
    Column("figure", "figure"),
    Column("prefstack", "default"),
    Column("alternative", "alternative"),
    Column("difference", "difference"),
    Column("clause", "clause"),
)
"""The columns of ``--impact`` (CSV and workbooks write each compared figure as JSON does)."""


INTERPRETATION_COLUMNS = (
    Column("id", "id"),
    Column("clauses", "clauses"),
    Column("question", "question"),
    Column("reading", "reading"),
    Column("alternatives", "alternatives"),
    Column("selectable (--reading ID=ALT)", "selectable"),
    Column("why", "why"),
)


@app.command()
def where(
    citation: Annotated[str, typer.Argument(help="A section, e.g. 'F §5(d)(iv)', 'G §2(c)' or 'F Sched. 1'")],
    format: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
    tests: Annotated[
        str | None,
        typer.Option("--tests", help="The tests folder to search (default: the tests/ of the checkout, if any)"),
    ] = None,
) -> None:
    """The code implementing a section (and its sub-sections), its interpretations and its tests."""
    from pathlib import Path

    from prefstack.clause_registry import default_tests_folder
    from prefstack.clause_registry import where as find

    if format in (Format.csv, Format.xlsx):
        raise InputError("--format", "output format", "where answers as a table or as json")
    folder = default_tests_folder() if tests is None else Path(tests)
    if folder is not None and not folder.is_dir():
        raise InputError("--tests", "option", f"{tests!r} is not a folder")
    result = find(citation, folder)
    if format is Format.json:
        print(to_json(result))
        return
    _print_where(result)


def _print_where(result: dict[str, Any]) -> None:
    shown = console()
    asked = result["citation"]
    shown.print(f"[bold]{asked}[/bold]: {result['certificate']}")
    subsections = len(result["sections"]) - 1
    if subsections:
        first, last = result["sections"][1], result["sections"][-1]
        span = first if subsections == 1 else f"{first} to {last}"
        plural = "s" if subsections > 1 else ""
        shown.print(f"and its {subsections} sub-section{plural} ({span}): the sections column says which")
    code = result["code"]
    enclosing = [c["sections"][0] for c in code if c["relation"] == "enclosing section"]
    if not code:
        shown.print(f"\nNo code is registered under {asked}{' or its sub-sections' if subsections else ''}.")
    else:
        title = f"\nCode implementing {asked} ({len(code)})"
        if enclosing:
            title = f"\nNo code is registered under {asked} itself; the code of the enclosing {enclosing[0]}"
        shown.print(title)
        shown.print(_where_table([("\n".join(c["sections"]), c["function"], f"{c['file']}:{c['line']}") for c in code]))
    readings = result["interpretations"]
    shown.print(f"\nInterpretations ({len(readings)})" if readings else f"\nNo interpretation names {asked}.")
    if readings:
        rows = [{"id": i["id"], "sections": ", ".join(i["sections"]), "question": i["question"]} for i in readings]
        shown.print(table("", rows, ["id", "sections", "question"]))
    if result["tests"] is None:
        shown.print(f"\nTests: {result['note']}")
        return
    checks = result["tests"]
    if not checks:
        shown.print(f"\nNo test in {result['tests_folder']} is marked @pytest.mark.clause({asked!r}).")
        return
    shown.print(f"\nTests marked @pytest.mark.clause ({len(checks)})")
    shown.print(
        _where_table(
            [("\n".join(t["sections"]), t["test"].split("::", 1)[-1], f"{t['file']}:{t['line']}") for t in checks],
            "test",
        )
    )


def _where_table(rows: list[tuple[str, str, str]], what: str = "function") -> Any:
    """Sections (one a line), then the function or test and its file:line, in full."""
    from rich.table import Table

    out = Table()
    out.add_column("sections", no_wrap=True)
    out.add_column(what, no_wrap=True)
    out.add_column("where", no_wrap=True)
    for row in rows:
        out.add_row(*row)
    return out


@app.command()
def terms(series: Annotated[str, typer.Argument(help="A series id (F, G, H, ...)")]) -> None:
    """The terms of a series as validated data, each with its citation (JSON)."""
    loaded = load_terms(_series(series))
    print(to_json(loaded.model_dump(mode="json")))


# ----------------------------------------------------------------------------- ledger

ledger_app = typer.Typer(
    no_args_is_help=True, help="The event ledgers, one per company: import, add, export, verify, companies."
)
schema_app = typer.Typer(no_args_is_help=True, help="JSON Schemas of prefstack's file formats.")
app.add_typer(ledger_app, name="ledger")
app.add_typer(schema_app, name="schema")


def _ensure_sqlite_folder(db: str) -> None:
    from pathlib import Path

    prefix = "sqlite:///"
    if db.startswith(prefix) and not db.startswith(prefix + "/") and db != prefix + ":memory:":
        Path(db[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)


def _parse_known_at(text: str | None) -> dt.datetime | None:
    from prefstack.ledger.files import parse_recorded_at

    return parse_recorded_at(text, "--known-at") if text is not None else None


@schema_app.command("output")
def schema_output(
    name: Annotated[str, typer.Argument(help="The command: state, convert, waterfall, redemption, votes, ...")],
) -> None:
    """The JSON Schema of a command's --format json output (the figure convention included)."""
    from prefstack.output_schemas import OUTPUTS, output_schema

    if name not in OUTPUTS:
        raise InputError("name", "output format", f"no output schema named {name!r} (known: {', '.join(OUTPUTS)})")
    print(to_json(output_schema(name)))


@schema_app.command("ledger")
def schema_ledger() -> None:
    """The JSON Schema of a ledger file."""
    from prefstack.ledger.events import ledger_json_schema

    print(to_json(ledger_json_schema()))


ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Who enters the events (recorded with each; default: the operating-system user)",
        show_default=False,
    ),
]


def _recorded_by(by: str | None) -> str | None:
    """``--by`` checked under the names policy (None: the store records the operating-system user)."""
    from prefstack.ledger.hashing import InvalidEvent
    from prefstack.ledger.store import check_recorded_by

    if by is None:
        return None
    try:
        return check_recorded_by(by)
    except InvalidEvent as exc:
        raise InputError("--by", "ledger format", exc.problem) from exc


@schema_app.command("readings")
def schema_readings() -> None:
    """The JSON Schema of a reading-set file (--readings): interpretation ids and their alternatives."""
    from prefstack.interpretations.readings import json_schema

    print(to_json(json_schema()))


@schema_app.command("capital-structure")
def schema_capital_structure() -> None:
    """The JSON Schema of a capital-structure file (every class of a company)."""
    from prefstack.instruments.capital_structure import capital_structure_json_schema

    print(to_json(capital_structure_json_schema()))


@schema_app.command("sections")
def schema_sections() -> None:
    """The JSON Schema of a certificate's sections.yaml (the sections its citations may name)."""
    from prefstack.citations import sections_json_schema

    print(to_json(sections_json_schema()))


@schema_app.command("terms")
def schema_terms() -> None:
    """The JSON Schema of a series' terms file (what `prefstack terms F` prints validates against it)."""
    from prefstack.terms.schema import terms_json_schema

    print(to_json(terms_json_schema()))


ReceiptOption = Annotated[
    str | None, typer.Option("--receipt", help="Also write the receipt of the append to FILE (JSON)")
]
SignKeyOption = Annotated[
    str | None,
    typer.Option("--sign-key", help="Sign the receipt with this Ed25519 private key (PEM, from `ledger keygen`)"),
]


class _ReceiptPlan:
    """What an appending command does with its receipt, checked before anything is appended:
    where to write it (``--receipt``) and the key that signs it (``--sign-key``)."""

    def __init__(self, receipt: str | None, sign_key: str | None) -> None:
        from pathlib import Path

        from prefstack.ledger import receipts

        self.path = None if receipt is None else Path(receipt)
        if self.path is not None:
            receipts.check_writable(self.path, "--receipt")
        self.key = None if sign_key is None else receipts.load_private_key(Path(sign_key), "--sign-key")

    def issue(self, stream: LedgerStream, stored: Sequence[StoredEvent]) -> None:
        """Print the receipt of the append to ``stream`` that stored ``stored`` (and write it, if
        asked); the receipt names the stream's company (its legal name)."""
        from prefstack.ledger import receipts, service

        seq, head_hash = (stored[-1].seq, stored[-1].hash) if stored else service.verified_head(stream)
        receipt = receipts.issue(seq, head_hash, company=service.company_name(stream.company), sign_key=self.key)
        print(receipt.line())
        if self.path is not None:
            receipts.write_receipt(receipt, self.path, "--receipt")


@ledger_app.command("import")
def ledger_import(
    file: Annotated[str, typer.Argument(help="A ledger file, YAML or JSON")],
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    by: ByOption = None,
    receipt: ReceiptOption = None,
    sign_key: SignKeyOption = None,
) -> None:
    """Validate every event of FILE against the stored ledger of the file's company (its
    ``company:``, else the issuer of the series its events name, else --company) and append them
    all to that company's stream, or none; print the receipt of the append."""
    from pathlib import Path

    from prefstack.ledger import service
    from prefstack.ledger.files import read_ledger

    recorded_by = _recorded_by(by)
    read = read_ledger(Path(file))
    whose = service.required_file_company(read, company, file)
    validated = None
    plan = _ReceiptPlan(receipt, sign_key)
    try:
        service.require_store(db)
    except InputError:
        validated = service.validated_fold(read.events, whose)  # a new store is created only for a ledger that replays
    _ensure_sqlite_folder(db)
    with service.open_store(db, whose) as store:
        stored = service.append(store, read.events, company=whose, recorded_by=recorded_by, validated=validated)
        stream = store.stream(whose)
        print(
            f"imported {len(stored)} events; the ledger of {service.company_label(whose)} now holds {stream.version()}"
        )
        plan.issue(stream, stored)


@ledger_app.command("add")
def ledger_add(
    kind: Annotated[str, typer.Option(help="Event kind (see `prefstack schema ledger`)")],
    date: Annotated[str | None, typer.Option(help="Effective date YYYY-MM-DD")] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="NAME=VALUE, repeatable (none: list the kind's fields)")
    ] = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    by: ByOption = None,
    receipt: ReceiptOption = None,
    sign_key: SignKeyOption = None,
) -> None:
    """Validate one event and append it to the store; print the receipt of the append."""
    from prefstack.ledger import service
    from prefstack.ledger.events import parse_event
    from prefstack.ledger.fieldlist import event_data
    from prefstack.ledger.replay import Placed

    if not field:
        _print_fields_of(kind)
        return
    if date is None:
        raise InputError("--date", "ledger format", "give the event's effective date (YYYY-MM-DD)")
    answers = []
    for item in field:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError("--field", "ledger format", f"{item!r} is not NAME=VALUE")
        answers.append((name, value))
    # Lists and booleans are written in YAML (holders_consenting=[A, B], effective=true);
    # everything else stays a string, so numbers are never read as floats (the web form's too).
    event = parse_event(event_data(kind, date, answers, "--field"), "--field")
    recorded_by = _recorded_by(by)
    plan = _ReceiptPlan(receipt, sign_key)
    service.require_store(db)
    with service.open_store(db, company) as store:
        whose = service.store_company(store, company, appending=True)
        stored = service.append(store, [Placed(event, "new event")], company=whose, recorded_by=recorded_by)
        print(f"added event #{stored[0].seq} ({kind} on {date}), recorded by {stored[0].recorded_by}")
        plan.issue(store.stream(whose), stored)


@ledger_app.command("void")
def ledger_void(
    event_id: Annotated[str | None, typer.Argument(help="The id of the event to void")] = None,
    seq: Annotated[
        int | None, typer.Option("--seq", help="Or its sequence number (see `prefstack ledger log`)")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why it is voided (recorded with the void)")] = None,
    date: Annotated[str | None, typer.Option(help="The void's date (default: today)")] = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    by: ByOption = None,
    receipt: ReceiptOption = None,
    sign_key: SignKeyOption = None,
) -> None:
    """Void a stored event, named by its id or its sequence number: it is treated as never recorded
    from now on; nothing is edited in place, and the void records who made it and why."""
    from prefstack.ledger import service
    from prefstack.ledger.events import parse_event
    from prefstack.ledger.replay import Placed

    if (event_id is None) == (seq is None):
        raise InputError("--seq", "ledger format", "name the event to void by its id or by --seq N, not both")
    if reason is None:
        raise InputError("--reason", "ledger format", "say why the event is voided")
    data: dict[str, object] = {
        "kind": "void",
        "date": date if date is not None else dt.date.today().isoformat(),
        "reason": reason,
        **({"voids": event_id} if event_id is not None else {"voids_seq": seq}),
    }
    event = parse_event(data, "void")
    recorded_by = _recorded_by(by)
    plan = _ReceiptPlan(receipt, sign_key)
    service.require_store(db)
    with service.open_store(db, company) as store:
        whose = service.store_company(store, company)
        stored = service.append(store, [Placed(event, "new void")], company=whose, recorded_by=recorded_by)
        target = event_id if event_id is not None else f"#{seq}"
        print(f"voided event {target} with event #{stored[0].seq}, recorded by {stored[0].recorded_by}")
        plan.issue(store.stream(whose), stored)


LOG_COLUMNS = (
    Column("seq", "seq", "count"),
    Column("recorded at (UTC)", "recorded_at"),
    Column("by", "recorded_by"),
    Column("kind", "kind"),
    Column("effective", "effective_date", "date"),
    Column("id", "id"),
    Column("clause", "clause"),
    Column("status", "status"),
)


@ledger_app.command("log")
def ledger_log(
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, csv or xlsx")] = Format.table,
    out: XlsxOption = None,
) -> None:
    """The audit trail: every stored event in the order it was recorded, who recorded it, its
    effective date and clause, and whether a later void took it back (and why)."""
    result = _json_of(_books(db, None, company).audit_trail())
    emit(
        result, result["events"], LOG_COLUMNS, f"Ledger of {result['company'] or 'an unnamed company'}", format, out=out
    )


def _print_fields_of(kind: str) -> None:
    """The fields an event kind takes, with their types and the clause it rests on (the web
    page's form asks for the same list, :func:`prefstack.ledger.fieldlist.event_fields`)."""
    from prefstack.ledger.fieldlist import event_fields

    clause, fields = event_fields(kind, "--kind")
    rows = [
        {"field": f.name, "type": f.type, "required": "yes" if f.required else "no", "meaning": f.meaning}
        for f in fields
    ]
    out = console()
    out.print(f"Fields of a {kind} event ({clause}); give each as --field NAME=VALUE, with --date:")
    out.print(table("", rows, ("field", "type", "required", "meaning")))


@ledger_app.command("export")
def ledger_export(
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    format: Annotated[str, typer.Option("--format", help="yaml or json")] = "yaml",
    known_at: Annotated[str | None, typer.Option(help="Only events recorded by this time")] = None,
) -> None:
    """The stored ledger as a ledger file (recorded times included)."""
    from prefstack.ledger import service
    from prefstack.ledger.files import dump_ledger, ledger_document

    if format not in ("yaml", "json"):
        raise InputError("--format", "ledger format", "must be yaml or json")
    whose, placed = service.load_ledger(None, db, company, _parse_known_at(known_at))
    sys.stdout.write(dump_ledger(ledger_document(placed, service.company_name(whose)), format))


@ledger_app.command("snapshot")
def ledger_snapshot(db: DbOption = DEFAULT_DB, company: CompanyOption = None) -> None:
    """Fold the company's whole ledger and keep it as the ledger's snapshot, from which the latest
    state and the next append start, and keep its fold to each quarter end before the last event
    (checkpoints), from which a question on an earlier date starts. Appends and imports keep the
    snapshot themselves (not the checkpoints); run this after upgrading prefstack or changing a
    terms file, which retire both, and on a long ledger whose past dates are asked about."""
    from prefstack.ledger import service

    service.require_store(db)
    with service.open_store(db, company) as store:
        whose = service.store_company(store, company)
        stream = store.stream(whose)
        made = service.make_snapshot(stream)
        quarters = stream.checkpoint_dates()
    print(
        f"snapshot of the ledger of {service.company_label(whose)} at seq {made.version} "
        f"(events to {made.as_of}): {len(made.blob) / 2**20:.1f} MB; "
        + (
            f"{len(quarters)} quarterly checkpoint(s), {quarters[0]} to {quarters[-1]}"
            if quarters
            else "no quarterly checkpoints (no quarter end before the last event, or a void in the ledger)"
        )
    )


@ledger_app.command("verify")
def ledger_verify(
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    receipt: Annotated[
        list[str] | None,
        typer.Option("--receipt", help="A receipt FILE the ledger must still extend, repeatable"),
    ] = None,
    public_key: Annotated[
        str | None,
        typer.Option("--public-key", help="Each --receipt must be signed by this Ed25519 public key (PEM)"),
    ] = None,
) -> None:
    """Check the hash chain of every company's ledger in the store (with --company, of that one),
    that every event still applies and that the ledgers still extend every --receipt (each checked
    against the ledger of the company it names; one naming none, against --company's or the store's
    only company's), and, with --public-key, that each is signed by that key; exit 1 on any problem."""
    from pathlib import Path

    from prefstack.instruments.registry import issuer
    from prefstack.ledger import receipts, service

    given = [(name, receipts.read_receipt(Path(name))) for name in receipt or []]
    key = None if public_key is None else receipts.load_public_key(Path(public_key), "--public-key")
    if key is not None and not given:
        raise InputError("--public-key", receipts.CLAUSE, "checks the signatures of receipts: give --receipt FILE too")
    service.require_store(db)
    with service.open_store(db, company) as store:
        only = None if company is None else service.store_company(store, company)
        targets = []
        for name, held in given:
            whose = (
                service.store_company(store, company)
                if held.company is None
                else issuer(held.company, f"{name}.company").id
            )
            if only is not None and whose != only:
                raise InputError(
                    f"{name}.company",
                    receipts.CLAUSE,
                    f"the receipt is of the ledger of {service.company_label(whose)}, not of --company "
                    f"{service.company_label(only)}",
                )
            targets.append((name, held, whose))
        report = store.verify(only)
        for problem in report.problems:
            print(f"{problem.kind}: event #{problem.seq} of {problem.company}: {problem.message}")
        broken = not report.ok
        extends = dict.fromkeys(report.streams, 0)
        for name, held, whose in targets:
            stream = store.stream(whose)

            def stored(stream: LedgerStream = stream, seq: int = held.seq) -> tuple[Head, str | None]:
                head = stream.head()
                return head, stream.hash_at(seq) if seq <= head.version else None

            checked = report.streams.get(whose)
            # read after the chain was verified: where it verified, what is read must be its own
            head, stored_hash = (
                stored() if checked is None or not checked.ok else service.after_verifying(stream, checked, stored)
            )
            found = [receipts.extension_problem(held, head.version, stored_hash)]
            if key is not None:
                found.insert(0, receipts.signature_problem(held, key, str(public_key)))
            problems = [p for p in found if p is not None]
            for p in problems:
                print(f"receipt {name}: {p}")
            if not problems:
                signed = "" if key is None else f", signed by {public_key}"
                print(f"receipt {name}: the event at seq {held.seq} has the hash the receipt records{signed}")
                extends[whose] = extends.get(whose, 0) + 1
            broken = broken or bool(problems)
        if broken:
            raise typer.Exit(1)
        if not report.streams:
            print("ok: the store holds no ledger yet")
        for whose, checked in report.streams.items():
            label = service.company_label(whose)
            try:
                snapshot = service.verify_stream(store.stream(whose), checked)
            except InputError as exc:
                raise InputError(exc.field, exc.clause, f"{exc.problem} (the ledger of {label})") from exc
            extended = f", the ledger extends {extends[whose]} receipt(s)" if extends[whose] else ""
            print(
                f"ok: {label}: {checked.events_checked} events, hash chain intact, every event applies{extended}; "
                f"{snapshot}"
            )


@ledger_app.command("companies")
def ledger_companies(
    db: DbOption = DEFAULT_DB,
    format: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
) -> None:
    """The companies whose ledgers the store holds (one stream each): the issuer id, legal name,
    version (the number of events) and head hash (the hash of the last event) of each. The chains
    are not checked here: `prefstack ledger verify` does."""
    from prefstack.instruments.registry import issuers
    from prefstack.ledger import service

    if format in (Format.csv, Format.xlsx):
        raise InputError("--format", "output format", "ledger companies answers as a table or as json")
    service.require_store(db)
    with service.open_store(db) as store:
        heads = store.companies()
    known = issuers()
    rows = [
        {
            "company": h.company,
            "name": known[h.company].name if h.company in known else None,
            "version": h.version,
            "head_hash": h.head_hash,
        }
        for h in heads
    ]
    if format is Format.json:
        print(to_json({"companies": rows}))
        return
    if not rows:
        print("The store holds no ledger yet.")
        return
    shown = [
        {
            "company": str(r["company"]),
            "name": str(r["name"] or "(not in the registry)"),
            "version": str(r["version"]),
            "head_hash": str(r["head_hash"]),
        }
        for r in rows
    ]
    console().print(
        table(
            f"Ledgers in the store ({len(rows)})",
            shown,
            ("company", "name", "version", "head_hash"),
            right=("version",),
        )
    )


@ledger_app.command("keygen")
def ledger_keygen(
    private: Annotated[str, typer.Option("--private", help="Where to write the private key (PEM, mode 0600)")],
    public: Annotated[str, typer.Option("--public", help="Where to write the public key (PEM)")],
) -> None:
    """Make an Ed25519 key pair for signing receipts (--sign-key) and checking them (verify --public-key)."""
    from pathlib import Path

    from prefstack.ledger import receipts

    key = receipts.generate_keys(Path(private), Path(public))
    print(f"wrote the private key to {private} (mode 0600: keep it away from the database)")
    print(f"wrote the public key to {public}")
    print(f"public key: {receipts.public_key_hex(key)}")


# ----------------------------------------------------------------------------- state


@app.command()
def state(
    as_of: Annotated[str, typer.Option(help="The date, YYYY-MM-DD")],
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: Annotated[str | None, typer.Option(help="Read a ledger file instead of the store")] = None,
    known_at: Annotated[
        str | None, typer.Option(help="What the ledger said at this time (ISO 8601, UTC offset)")
    ] = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, csv or xlsx")] = Format.table,
    out: Annotated[str | None, typer.Option("--out", help="With --format xlsx: the workbook (FILE.xlsx)")] = None,
    explain: Annotated[bool, typer.Option(help="Include the explanation of every figure")] = False,
    show_exact: Annotated[
        bool, typer.Option("--exact", help="Show the exact value beside every rounded figure")
    ] = False,
    capital_structure: CapitalStructureOption = None,
) -> None:
    """For each series and holder: shares, accrued and unpaid dividends, conversion price and
    ratio, liquidation value and votes; common shares outstanding (with --capital-structure, the
    reserve for conversion counts every convertible class, option and warrant)."""
    from prefstack.books import Books

    day = parse_date(as_of, "--as-of", "F §3(a)")
    books = Books(db, company, ledger, _parse_known_at(known_at), readings=_READINGS)
    structure = _capital_structure(capital_structure, db, ledger, company)
    report = _ask(books, lambda b: b.state(day, structure=structure, explain=explain), format)
    if format is Format.table:
        _print_state(report, explain, show_exact)
        return
    emit(report, _state_records(report), STATE_COLUMNS, f"State as of {report['as_of']}", format, out=out)


STATE_COLUMNS = (
    Column("series", "series"),
    Column("holder", "holder"),
    Column("name on record", "name"),
    Column("shares", "shares_outstanding", "shares"),
    Column("accrued dividends", "accrued_unpaid_dividends", "money"),
    Column("Conversion Price", "conversion_price", "price"),
    Column("conversion ratio", "conversion_ratio", "ratio"),
    Column("Liquidation Value", "liquidation_value", "money"),
    Column("votes", "votes", "count"),
)


def _state_records(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"series": s["series"], **h} for s in report["series"] for h in s["holders"]]


def _print_state(report: dict[str, Any], explain: bool, exact: bool) -> None:
    out = console()
    common = report["common_stock"]
    out.print(f"[bold]State as of {report['as_of']}[/bold] ({report['events_applied']} events applied)")
    outstanding = (
        "not recorded" if common["outstanding"] is None else figure_text(common, "outstanding", "common", exact)
    )
    authorized = count_text(common["authorized"]) if common["authorized"] is not None else "not recorded"
    out.print(f"Common Stock outstanding: {outstanding}   authorized: {authorized}")
    renamed = any(h["name"] != h["holder"] for series in report["series"] for h in series["holders"])
    # The name on record shows only where a holder_name event gives one that differs from the id.
    columns = tuple(c for c in STATE_COLUMNS[1:] if renamed or c.key != "name")
    headers = [c.header for c in columns]
    for series in report["series"]:
        rows = [{c.header: figure_text(h, c.key, c.kind, exact) for c in columns} for h in series["holders"]]
        shares = figure_text(series, "shares_outstanding", "shares", exact)
        price = figure_text(series, "conversion_price", "price", exact)
        title = (
            f"Series {series['series']}: {shares} shares outstanding, Conversion Price {price} "
            f"({series['conversion_price_clause']}; {series['adjustments']} adjustments)"
        )
        carried = series["carried_forward"]
        if exact_of(carried, "amount"):
            amount = figure_text(carried, "amount", "money", exact)
            title += f", {amount} of reductions carried forward ({carried['clause']})"
        out.print(title)
        out.print(table("", rows, headers, right=headers[1:]))
        _print_transactions_judged(series)
        if explain:
            for adjustment in series.get("adjustment_explanations", []):
                out.print(explanation_text(adjustment, indent=1))
            for decision in carried["explain"]:
                out.print(explanation_text(decision, indent=1))
            for holder in series["holders"]:
                out.print(f"  {holder['holder']}:")
                for item in holder["explain"].values():
                    out.print(explanation_text(item, indent=2))


def _print_transactions_judged(series: dict[str, Any]) -> None:
    """Each recorded transaction judged for the series (F/G §6(b), G §3(d)): the clause, the verdict,
    the facts and the test; then what a deemed liquidation paid."""
    out = console()
    for row in series["transactions_judged"]:
        verdict = ("a" if row["mandatory_redemption_event"] else "not a") + " Mandatory Redemption Event"
        voted = "; the series voted otherwise" if row["series_voted_otherwise"] else ""
        out.print(
            f"  {row['date']} {row['kind']} {row['id']!r} ({row['description']}): {verdict} under {row['clause']}"
            f"{voted}",
            markup=False,
        )
        out.print(f"      facts: {_facts_text(row['facts'])}", markup=False)
        out.print(f"      test: {row['why']}", markup=False)
        if row["deemed_liquidation"] is not None:
            deemed = "deemed a liquidation" if row["deemed_liquidation"] else "not deemed a liquidation"
            out.print(f"    {deemed} under {row['deemed_liquidation_clause']}", markup=False)
            out.print(f"      facts: {_facts_text(row['explain'][-1].get('inputs', {}))}", markup=False)
            out.print(f"      test: {row['deemed_liquidation_why']}", markup=False)
    deemed_liquidation = series["deemed_liquidation"]
    if deemed_liquidation is not None:
        for payout in deemed_liquidation["payouts"]:
            out.print(
                f"  paid in the deemed liquidation of {deemed_liquidation['date']} ({deemed_liquidation['clause']}): "
                f"{payout['holder']} {figure_text(payout, 'amount', 'money')} ({payout['tier']}, {payout['clause']})",
                markup=False,
            )


def _facts_text(facts: dict[str, str]) -> str:
    return "; ".join(f"{k} = {v}" for k, v in facts.items())


# ----------------------------------------------------------------------------- questions


LedgerOption = Annotated[str | None, typer.Option("--ledger", help="Read a ledger file instead of the store")]
XlsxOption = Annotated[str | None, typer.Option("--out", help="With --format xlsx: the workbook to write (FILE.xlsx)")]


def _books(db: str, ledger: str | None, company: str | None) -> Books:
    from prefstack.books import Books

    return Books(db, company, ledger, readings=_READINGS, weigh_alternatives=_WEIGH)


def _ask(books: Books, question: Callable[[Books], object], format: Format) -> dict[str, Any]:
    """The JSON answer of ``question`` asked of ``books``; with ``--compare-reading``, asked again
    under the compared reading, and where the two answers differ is shown: as a table before the
    answer, or in the JSON beside it (``{"answer": ..., "differences": ...}``)."""
    answer = _json_of(question(books))
    if not _COMPARE:
        return answer
    import dataclasses

    from prefstack.answers import differences

    other = _json_of(question(dataclasses.replace(books, readings=_COMPARE)))
    found = differences(answer, other)
    under = ", ".join(f"{ident}={alternative}" for ident, alternative in _COMPARE)
    if format is Format.json:
        output.COMPARISON = {"compared_under": under, "alternative": other, "differences": found}
    elif format is Format.table:
        shown = console()
        shown.print(f"[bold]Compared under {under}:[/bold] {len(found)} figure(s) differ")
        if found:
            rows = [
                {"figure": d["path"], "answer": str(d["default"]), f"under {under}": str(d["alternative"])}
                for d in found
            ]
            shown.print(table("", rows, list(rows[0]), right=list(rows[0])[1:]))
    else:
        raise InputError("--compare-reading", "interpretations", "compare readings with --format table or json")
    return answer


def _json_of(answer: object) -> dict[str, Any]:
    """An answer of the query layer as the JSON ``--format json`` prints, which the tables, CSV and
    workbooks are made from too."""
    from prefstack.answers import json_ready

    return json_ready(answer)


CertificatesOption = Annotated[
    str | None,
    typer.Option(
        help="The preferred shares on each certificate surrendered, comma-separated, adding up to --shares "
        "(§5(c)(i); read by CONV-FRACTION-AGGREGATE=per-certificate)"
    ),
]


def _certificates(text: str | None, series: str) -> list[Fraction] | None:
    """``--certificates 100,150``: the shares on each certificate surrendered."""
    if text is None:
        return None
    return [parse_exact(part.strip(), "--certificates", f"{series} §5(c)(i)") for part in text.split(",")]


@app.command()
def convert(
    series: Annotated[str, typer.Option(help="A series id (F, G, H, ...)")],
    holder: Annotated[str, typer.Option(help="The holder converting")],
    shares: Annotated[str, typer.Option(help="Shares of preferred to convert")],
    on: Annotated[str, typer.Option(help="Conversion Date (§5(c)(i))")],
    funds: Annotated[str | None, typer.Option(help="Cash legally available for accrued dividends (§5(c)(iii))")] = None,
    certificates: CertificatesOption = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, csv or xlsx")] = Format.table,
    out: XlsxOption = None,
) -> None:
    """F/G §5(a)-(c): common shares, cash for the fraction and the accrued dividend settlement."""
    name = _series(series)
    day = parse_date(on, "--on", "F §5(c)(i)")
    converted = parse_exact(shares, "--shares", f"{name} §5(a)")
    cash = parse_exact(funds, "--funds", f"{name} §5(c)(iii)") if funds is not None else None
    held = _certificates(certificates, name)
    quote = _ask(_books(db, ledger, company), lambda b: b.convert(day, name, holder, converted, cash, held), format)
    dividends = quote["dividend_settlement"]
    clauses = quote["clauses"]
    record = {
        **{k: v for k, v in quote.items() if k not in ("dividend_settlement", "clauses", "explain")},
        **{f"dividends_{k}": v for k, v in dividends.items()},
    }
    if format is not Format.table:
        emit(quote, [record], CONVERT_COLUMNS, f"Conversion of Series {name}", format, out=out)
        return
    lines = [
        ("Shares converted", figure_text(quote, "shares_converted", "shares"), f"{name} §5(a)"),
        ("Conversion Price", figure_text(quote, "conversion_price", "price"), clauses["conversion_price"]),
        ("Shares of Common Stock", figure_text(quote, "common_shares", "count"), clauses["common_shares"]),
        ("Cash for the fraction", figure_text(quote, "cash_for_fraction", "money"), clauses["cash_for_fraction"]),
        (
            "Accrued dividends on the shares",
            figure_text(quote, "accrued_unpaid_dividends", "money"),
            clauses["accrued_unpaid_dividends"],
        ),
        ("  settled in cash", figure_text(dividends, "cash", "money"), clauses["dividend_settlement"]),
        ("  settled in Common Stock", figure_text(dividends, "common_shares", "count"), clauses["dividend_settlement"]),
        (
            "  cash for that fraction",
            figure_text(dividends, "cash_for_fraction", "money"),
            clauses["dividend_settlement"],
        ),
    ]
    shown = console()
    shown.print(f"{holder} converts Series {name} shares on {quote['conversion_date']}")
    shown.print(
        table(
            "",
            [{"figure": a, "amount": b, "clause": c} for a, b, c in lines],
            ("figure", "amount", "clause"),
            right=("amount",),
        )
    )


CONVERT_COLUMNS = (
    Column("series", "series"),
    Column("holder", "holder"),
    Column("conversion date", "conversion_date", "date"),
    Column("shares converted", "shares_converted", "shares"),
    Column("Conversion Price", "conversion_price", "price"),
    Column("shares of Common Stock", "common_shares", "count"),
    Column("cash for the fraction", "cash_for_fraction", "money"),
    Column("accrued dividends", "accrued_unpaid_dividends", "money"),
    Column("dividends in cash", "dividends_cash", "money"),
    Column("dividends in Common Stock", "dividends_common_shares", "count"),
    Column("dividends' cash for the fraction", "dividends_cash_for_fraction", "money"),
)
WATERFALL_COLUMNS = (
    Column("tier", "tier"),
    Column("security", "security"),
    Column("holder", "holder"),
    Column("amount", "amount", "money"),
    Column("clause", "clause"),
    Column("note", "note"),
)
VOTES_COLUMNS = (
    Column("series", "series"),
    Column("holder", "holder"),
    Column("votes", "votes", "count"),
    Column("clause", "clause"),
    Column("note", "note"),
)


def _capital_structure(value: str | None, db: str, ledger: str | None, company: str | None) -> LoadedStructure | None:
    """The capital structure ``--capital-structure`` names (None: the ledger's series and Common only)."""
    from pathlib import Path

    from prefstack.instruments.capital_structure import bundled_for_company, load_capital_structure

    if value is None or value == "none":
        return None
    if value == "company":
        from prefstack.ledger import service

        whose = service.load_ledger(ledger, db, company).company
        return bundled_for_company(service.company_name(whose), "--capital-structure")
    return load_capital_structure(Path(value))


@app.command(name="waterfall")
def waterfall_command(
    proceeds: Annotated[str, typer.Option(help="Cash available for distribution (add property with --non-cash)")],
    on: Annotated[str, typer.Option(help="The date fixed for the liquidation payment")],
    senior: Annotated[
        list[str] | None,
        typer.Option(
            help="Senior class: NAME=AMOUNT[:participates:AS_CONVERTED], repeatable; with a capital structure it "
            "replaces the class of that name or joins the senior rank ahead of F and G"
        ),
    ] = None,
    non_cash: Annotated[
        list[str] | None, typer.Option(help="Property other than cash: DESCRIPTION=VALUE@F §3(c)(i)(A), repeatable")
    ] = None,
    capital_structure: CapitalStructureOption = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, csv or xlsx")] = Format.table,
    out: XlsxOption = None,
) -> None:
    """F/G §3: each class and holder's amount, with the tier that paid it and the clause."""
    from prefstack.queries import parse_non_cash, parse_senior

    structure = _capital_structure(capital_structure, db, ledger, company)
    day, cash = parse_date(on, "--on", "F §3(a)"), parse_exact(proceeds, "--proceeds", "F §3(a)")
    seniors, others = [parse_senior(x) for x in senior or []], [parse_non_cash(x) for x in non_cash or []]
    result = _ask(_books(db, ledger, company), lambda b: b.waterfall(day, cash, seniors, others, structure), format)
    used = result["capital_structure"]
    title = (
        f"Liquidation on {result['on']}: cash {figure_text(result, 'proceeds', 'money')}, in all "
        f"{figure_text(result, 'total_distributed', 'money')}, paid {figure_text(result, 'total_paid', 'money')}"
    )
    if format is not Format.table:
        emit(result, result["payouts"], WATERFALL_COLUMNS, title, format, out=out)
        return
    emit(result, result["payouts"], WATERFALL_COLUMNS, f"{title}\nCapital structure: {used['used']}", format)
    shown = console()
    for line in used["overrides"]:
        shown.print(line)
    if used["illustrative"]:
        shown.print(f"Illustrative figures (no instrument available): {', '.join(used['illustrative'])}")
    for choice in used["choices"]:
        shown.print(
            f"{choice['class']}: {choice['choice']} (converted or exercised: "
            f"{figure_text(choice, 'paid_if_chosen', 'money')}; otherwise: "
            f"{figure_text(choice, 'paid_if_not_chosen', 'money')}; {choice['clause']}, CAPSTRUCT-CONVERSION-CHOICE)"
        )
    if used["choices"]:
        shown.print(f"Exercise price paid in: {figure_text(used, 'exercise_cash', 'money')}")
    if result.get("class_holders"):
        columns = CLASS_HOLDER_COLUMNS
        rows = [{c.header: figure_text(r, c.key, c.kind) for c in columns} for r in result["class_holders"]]
        headers = [c.header for c in columns]
        title = "Paid to the holders the capital structure lists (CAPSTRUCT-HOLDER-PAYOUTS)"
        shown.print(table(title, rows, headers, right=["in all"]))


CLASS_HOLDER_COLUMNS = (
    Column("security", "security"),
    Column("holder", "holder"),
    Column("in all", "amount", "money"),
    Column("clause", "clause"),
)


@app.command(name="dividends")
def dividends_command(
    payment_date: Annotated[str, typer.Option(help="The Payment Date, YYYY-MM-DD")],
    series: Annotated[str | None, typer.Option(help="F or G (default: every series)")] = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, csv or xlsx")] = Format.table,
    out: XlsxOption = None,
) -> None:
    """F §2 / G §2: each holder's dividend for a Payment Date: its form and why, PIK shares, cash,
    Common Stock at the 25-trading-day price, cash for the fraction; or that it went unpaid."""
    day = parse_date(payment_date, "--payment-date", "F §2(a)")
    which = _series(series) if series is not None else None
    result = _ask(_books(db, ledger, company), lambda b: b.dividends(day, which), format)
    outcomes = "; ".join(f"Series {s['series']}: {s['outcome']}" for s in result["series"])
    title = f"Dividends of the Payment Date {result['payment_date']} ({outcomes})"
    records = [h for s in result["series"] for h in s["holders"]]
    emit(result, records, DIVIDEND_COLUMNS, title, format, out=out)


DIVIDEND_COLUMNS = (
    Column("series", "series"),
    Column("holder", "holder"),
    Column("status", "status"),
    Column("dividend", "dividend", "money"),
    Column("PIK shares", "pik_shares", "shares"),
    Column("cash", "cash", "money"),
    Column("Common Stock", "common_shares", "count"),
    Column("price (25 trading days)", "common_price", "price"),
    Column("cash for the fraction", "cash_for_fraction", "money"),
    Column("form", "form_summary"),
    Column("clause", "clause"),
)


@app.command(name="transaction")
def transaction_command(
    kind: Annotated[
        str,
        typer.Option(
            help="merger, consolidation, asset_sale, subsidiary_stock_sale, control_acquisition, board_turnover "
            "or insolvency"
        ),
    ],
    on: Annotated[str, typer.Option(help="The date it takes effect")],
    prior_stockholders_share: Annotated[
        str | None, typer.Option(help="Merger or sale: share (0-1) of the survivor held by the prior stockholders")
    ] = None,
    all_or_substantially_all: Annotated[
        bool | None, typer.Option("--all-or-substantially-all/--part-of-the-assets", help="Sale: its scope")
    ] = None,
    consideration: Annotated[str | None, typer.Option(help="Cash available to the stockholders")] = None,
    acquirer: Annotated[list[str] | None, typer.Option(help="Control acquisition: a member of the group")] = None,
    voting_power_after: Annotated[str | None, typer.Option(help="Control acquisition: share after (0-1)")] = None,
    agreement_only: Annotated[bool, typer.Option(help="Only an agreement to do it (§6(b)(vi))")] = False,
    period_start_year: Annotated[
        int | None, typer.Option(help="Board turnover: first of the three consecutive calendar years")
    ] = None,
    board_size: Annotated[int | None, typer.Option(help="Board turnover: directors in office at the end")] = None,
    continuing_directors: Annotated[
        int | None, typer.Option(help="Board turnover: continuing directors among them (§6(b)(iv))")
    ] = None,
    insolvency: Annotated[str | None, typer.Option(help="Insolvency: A, B, C, D or E of §6(b)(v)")] = None,
    appointed_with_consent: Annotated[
        bool | None,
        typer.Option("--with-consent/--without-consent", help="Insolvency C: whether the Company consented"),
    ] = None,
    vacated_or_stayed_on: Annotated[
        str | None, typer.Option(help="Insolvency C: when the appointment was vacated or stayed")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Judge the facts as of this date (default --on; the 60-day rule of (v)(C))")
    ] = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, csv or xlsx")] = Format.table,
    out: XlsxOption = None,
) -> None:
    """F/G §6(b) and G §3(d): would this transaction be a Mandatory Redemption Event of each series,
    and a deemed liquidation of Series G (with G's payout)? Nothing is recorded."""
    from prefstack.proposals import judged_on, proposed_transaction

    facts: dict[str, object] = {
        "prior_stockholders_voting_share": prior_stockholders_share,
        "all_or_substantially_all": all_or_substantially_all,
        "consideration": consideration,
        "acquirers": acquirer or [],
        "voting_power_after": voting_power_after,
        "period_start_year": period_start_year,
        "board_size": board_size,
        "continuing_directors": continuing_directors,
        "insolvency": insolvency,
        "appointed_with_consent": appointed_with_consent,
        "vacated_or_stayed_on": vacated_or_stayed_on,
    }
    event = proposed_transaction(kind, on, facts, agreement_only, "--kind")
    judge_on = judged_on(event, as_of, "--as-of")
    result = _ask(_books(db, ledger, company), lambda b: b.proposed_transaction(event, judge_on), format)
    title = f"A {kind} on {result['on']} (nothing recorded)"
    emit(result, result["series"], TRANSACTION_COLUMNS, title, format, out=out)
    if format is Format.table:
        _print_transaction_reasons(result)


def _print_transaction_reasons(result: dict[str, Any]) -> None:
    """After the table: the series not judged and why, each series' facts and test, and what a deemed
    liquidation would pay."""
    for skipped in result["not_judged"]:
        console().print(f"  Series {skipped['series']}: not judged: {skipped['why']}", markup=False)
    for row in result["series"]:
        facts = _facts_text(row["facts"])
        console().print(f"  Series {row['series']}: facts: {facts}; test: {row['why']}", markup=False)
        for payout in row["payouts"]:
            console().print(
                f"  Series {row['series']} paid in the deemed liquidation: {payout['holder']} "
                f"{figure_text(payout, 'amount', 'money')} ({payout['tier']}, {row['deemed_liquidation_clause']})"
            )


TRANSACTION_COLUMNS = (
    Column("series", "series"),
    Column("Mandatory Redemption Event", "mandatory_redemption_event"),
    Column("under", "clause"),
    Column("deemed liquidation", "deemed_liquidation"),
    Column("under ", "deemed_liquidation_clause"),
)


@app.command(name="redemption")
def redemption_command(
    on: Annotated[str, typer.Option(help="The Redemption Date")],
    series: Annotated[str, typer.Option(help="The series to redeem (a series id: F, G, ...)")],
    funds: Annotated[str | None, typer.Option(help="Funds legally available for the redemption")] = None,
    in_common: Annotated[
        bool, typer.Option("--in-common", help="Pay the Redemption Price in Common Stock (F §6(d))")
    ] = False,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, csv or xlsx")] = Format.table,
    out: XlsxOption = None,
) -> None:
    """F §6 / G §6: shares redeemed pro rata, cash paid, and any shortfall; with --in-common, the
    Redemption Price paid in Common Stock at its Fair Market Value (F §6(d))."""
    name = _series(series)
    books, day = _books(db, ledger, company), parse_date(on, "--on", f"{name} §6(a)")
    if in_common:
        paid = _ask(books, lambda b: b.redemption_in_common(day, name), format)
        title = (
            f"Series {name} redemption on {paid['redemption_date']} in Common Stock at its Fair Market Value "
            f"{figure_text(paid, 'fair_market_value', 'price')} ({paid['fair_market_value_clause']})"
        )
        emit(paid, paid["holders"], REDEMPTION_IN_COMMON_COLUMNS, title, format, out=out)
        return
    if funds is None:
        raise InputError("--funds", f"{name} §6(a)", "give the funds legally available (or --in-common)")
    available = parse_exact(funds, "--funds", f"{name} §6(a)")
    result = _ask(books, lambda b: b.redemption(day, name, available), format)
    title = (
        f"Series {name} redemption on {result['redemption_date']}: funds {figure_text(result, 'funds', 'money')}, "
        f"paid {figure_text(result, 'total_paid', 'money')}"
        f"{' (shortfall: the rest is redeemable on demand)' if result['shortfall'] else ''}"
    )
    emit(result, result["holders"], REDEMPTION_COLUMNS, title, format, out=out)


REDEMPTION_IN_COMMON_COLUMNS = (
    Column("holder", "holder"),
    Column("shares redeemed", "shares_redeemed", "shares"),
    Column("Redemption Price", "redemption_price", "money"),
    Column("Common Stock", "common_shares", "count"),
    Column("cash for the fraction", "cash_for_fraction", "money"),
    Column("clause", "clause"),
)
REDEMPTION_COLUMNS = (
    Column("holder", "holder"),
    Column("Redemption Price per share", "price_per_share", "price"),
    Column("shares redeemed", "shares_redeemed", "shares"),
    Column("cash paid", "cash_paid", "money"),
    Column("shares remaining", "shares_remaining", "shares"),
    Column("clause", "clause"),
)


@app.command(name="votes")
def votes_command(
    as_of: Annotated[str, typer.Option(help="The date, YYYY-MM-DD")],
    capital_structure: CapitalStructureOption = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, csv or xlsx")] = Format.table,
    out: XlsxOption = None,
) -> None:
    """F/G §4: votes of each holder and the voting power of each series."""
    structure = _capital_structure(capital_structure, db, ledger, company)
    day = parse_date(as_of, "--as-of", "F §4")
    result = _ask(_books(db, ledger, company), lambda b: b.votes(day, structure), format)
    powers = "; ".join(
        f"Series {s['series']} voting power {count_text(s['voting_power'])} ({s['voting_power_clause']})"
        for s in result["series"]
    )
    common = figure_text(result, "common_stock_votes", "common")
    title = f"Votes as of {result['as_of']}: {powers}; Common Stock {common}"
    rows = [h for s in result["series"] for h in s["holders"]]
    rows += [
        {
            "series": c["class"],
            "holder": f"holders of {c['class']}",
            "votes": c["votes"],
            "clause": c["clause"],
            "note": c["note"],
        }
        for c in result["classes"]
    ]
    rows = [{**r, "note": r.get("note", "")} for r in rows]
    if format is Format.table:
        title += f"\nCapital structure: {result['capital_structure']}"
    emit(result, rows, VOTES_COLUMNS, title, format, out=out)


@app.command(name="calendar")
def calendar_command(
    start: Annotated[str, typer.Option("--from", help="First date, YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="Last date, YYYY-MM-DD")],
    as_of: Annotated[str | None, typer.Option(help="Judge met/missed/pending as of this date (default: --to)")] = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
    format: Annotated[str, typer.Option("--format", help="table, json, csv, xlsx or ics")] = "table",
    out: XlsxOption = None,
) -> None:
    """Every deadline the certificates set, with its party, clause and whether it was met."""
    from prefstack.compliance import to_ics

    first = parse_date(start, "--from", "F §2(e)")
    last = parse_date(end, "--to", "F §2(e)")
    judged = parse_date(as_of, "--as-of", "F §2(e)") if as_of is not None else last
    if format not in ("table", "json", "csv", "xlsx", "ics"):
        raise InputError("--format", "output format", "must be table, json, csv, xlsx or ics")
    deadlines = _books(db, ledger, company).calendar(first, last, judged)
    if format == "ics":
        sys.stdout.write(to_ics(deadlines, dt.datetime.now(dt.UTC)))
        return
    records = [d.to_dict() for d in deadlines]
    title = f"Deadlines {first} to {last} (judged as of {judged})"
    emit(records, records, CALENDAR_COLUMNS, title, Format(format), out=out)


CALENDAR_COLUMNS = (
    Column("date", "date", "date"),
    Column("status", "status"),
    Column("party", "party"),
    Column("what", "what"),
    Column("clause", "clause"),
)


document_app = typer.Typer(
    no_args_is_help=True,
    help="Documents rendered to HTML, PDF or PNG (--out FILE.pdf); --all-holders: one per holder.",
)
app.add_typer(document_app, name="document")
OutOption = Annotated[
    str,
    typer.Option(
        "--out",
        help="FILE.pdf, FILE.html or FILE.png; with --all-holders a folder (one PDF per holder) or FILE.pdf (merged)",
    ),
]
AllHoldersOption = Annotated[
    bool, typer.Option("--all-holders", help="One document per holder of the series (see --out)")
]


def _write_document(doc: object, out: str) -> None:
    from pathlib import Path

    from prefstack.documents import Document, write

    assert isinstance(doc, Document)
    written = write(doc, Path(out))
    print(f"wrote {written}")


def _write_batch(docs: list[tuple[str, Any]], out: str) -> None:
    from pathlib import Path

    from prefstack.documents import write_batch

    written = write_batch(docs, Path(out))
    for path in written:
        print(f"wrote {path}")
    files = "1 merged PDF" if out.endswith(".pdf") else f"{len(written)} PDFs"
    print(f"{len(docs)} holders: {files}")


def _write_documents(docs: Sequence[tuple[str | None, Document]], out: str, *, batch: bool) -> None:
    """The documents the query layer made: one holder's (or the one to all the holders) to ``out``,
    or with ``batch`` (``--all-holders``) each holder's copy."""
    if batch:
        _write_batch([(h or "", d) for h, d in docs], out)
        return
    ((_, doc),) = docs
    _write_document(doc, out)


def _one_or_all(holder: str | None, all_holders: bool, clause: str) -> None:
    if all_holders and holder is not None:
        raise InputError("--all-holders", clause, "give --holder or --all-holders, not both")


@document_app.command("dividend-statement")
def document_dividend_statement(
    payment_date: Annotated[str, typer.Option(help="The Payment Date")],
    out: OutOption,
    holder: Annotated[str | None, typer.Option(help="The holder (or --all-holders)")] = None,
    all_holders: AllHoldersOption = False,
    series: Annotated[
        str | None,
        typer.Option(help="The series (default: the one series that paid the holder, or anyone, that day)"),
    ] = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
) -> None:
    """§2: the form, shares, cash and Common Stock (priced over 25 trading days) of a dividend."""
    _one_or_all(holder, all_holders, "F §2(a)")
    day = parse_date(payment_date, "--payment-date", "F §2(a)")
    given = _series(series) if series is not None else None
    docs = _books(db, ledger, company).dividend_statements(day, given, holder, every_holder=all_holders)
    _write_documents(docs, out, batch=all_holders)


@document_app.command("certificate-of-adjustment")
def document_certificate_of_adjustment(
    series: Annotated[str, typer.Option(help="A series id (F, G, H, ...)")],
    as_of: Annotated[str, typer.Option(help="The latest adjustment up to this date (the date of the certificate)")],
    out: OutOption,
    date: Annotated[str | None, typer.Option(help="A specific adjustment's date")] = None,
    holder: Annotated[str | None, typer.Option(help="A holder's copy (default: to all the holders)")] = None,
    all_holders: AllHoldersOption = False,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
) -> None:
    """F/G §5(j): the adjustment, the facts it rests on, and what a conversion now gives."""
    name = _series(series)
    _one_or_all(holder, all_holders, f"{name} §5(j)")
    day = parse_date(as_of, "--as-of", "F §5(j)")
    chosen = parse_date(date, "--date", "F §5(j)") if date else None
    docs = _books(db, ledger, company).adjustment_certificates(day, name, chosen, holder, every_holder=all_holders)
    _write_documents(docs, out, batch=all_holders)


@document_app.command("conversion-statement")
def document_conversion_statement(
    series: Annotated[str, typer.Option(help="A series id (F, G, H, ...)")],
    holder: Annotated[str, typer.Option(help="The holder converting")],
    shares: Annotated[str, typer.Option(help="Preferred shares converted")],
    on: Annotated[str, typer.Option(help="Conversion Date")],
    out: OutOption,
    funds: Annotated[str | None, typer.Option(help="Cash legally available for the accrued dividends")] = None,
    certificates: CertificatesOption = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
) -> None:
    """F/G §5(a)-(c): common shares, cash for the fraction and the dividend settlement (one holder's
    conversion of the shares it chose: there is no --all-holders)."""
    name = _series(series)
    day = parse_date(on, "--on", f"{name} §5(c)(i)")
    amount = parse_exact(funds, "--funds", f"{name} §5(c)(iii)") if funds is not None else None
    converted = parse_exact(shares, "--shares", f"{name} §5(a)")
    held = _certificates(certificates, name)
    books = _books(db, ledger, company)
    _write_document(books.conversion_statement(day, name, holder, converted, amount, held), out)


@document_app.command("redemption-notice")
def document_redemption_notice(
    series: Annotated[str, typer.Option(help="A series id (F, G, H, ...)")],
    redemption_date: Annotated[str, typer.Option(help="The Redemption Date")],
    place: Annotated[str, typer.Option(help="Where payment may be obtained (§6(e))")],
    out: OutOption,
    dated: Annotated[
        str | None, typer.Option(help="Date of the notice, 20 to 60 days before (default: the last such day)")
    ] = None,
    holder: Annotated[str | None, typer.Option(help="A holder's notice (default: to all the holders)")] = None,
    all_holders: AllHoldersOption = False,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
) -> None:
    """F §6(e) / G §6(d): shares to be redeemed from each holder, date, price and place."""
    from prefstack.terms import load_terms

    name = _series(series)
    clause = load_terms(name).redeemable().notice_min_days.cite
    _one_or_all(holder, all_holders, clause)
    day = parse_date(redemption_date, "--redemption-date", f"{name} §6(a)")
    notice_day = parse_date(dated, "--dated", clause) if dated is not None else None
    books = _books(db, ledger, company)
    docs = books.redemption_notices(day, name, place, notice_day, holder, every_holder=all_holders)
    _write_documents(docs, out, batch=all_holders)


@document_app.command("record-date-notice")
def document_record_date_notice(
    event: Annotated[str, typer.Option(help="The id of the split, dividend, distribution, reclassification...")],
    out: OutOption,
    dated: Annotated[
        str | None, typer.Option(help="Date of the notice (default: the last day it may be given)")
    ] = None,
    holder: Annotated[str | None, typer.Option(help="A holder's notice (default: to all the holders)")] = None,
    all_holders: AllHoldersOption = False,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
) -> None:
    """F/G §5(k): notice of a record date or of an effective date."""
    _one_or_all(holder, all_holders, "F §5(k)")
    notice_day = parse_date(dated, "--dated", "F §5(k)") if dated is not None else None
    docs = _books(db, ledger, company).record_date_notices(event, notice_day, holder, every_holder=all_holders)
    _write_documents(docs, out, batch=all_holders)


@document_app.command("history")
def document_history(
    series: Annotated[str, typer.Option(help="A series id (F, G, H, ...)")],
    start: Annotated[str, typer.Option("--from", help="First date")],
    end: Annotated[str, typer.Option("--to", help="Last date")],
    out: Annotated[
        str, typer.Option("--out", help="FILE.png (the chart), FILE.pdf or FILE.html; with --all-holders a folder")
    ],
    holder: Annotated[str | None, typer.Option(help="One holder's shares and value (default: all holders)")] = None,
    all_holders: AllHoldersOption = False,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
) -> None:
    """Charts: PIK share count, liquidation value and Conversion Price over time, stepping on the
    dates of the ledger events that changed them."""
    from pathlib import Path

    name = _series(series)
    _one_or_all(holder, all_holders, f"{name} §2(a)")
    first = parse_date(start, "--from", "F §2(b)")
    last = parse_date(end, "--to", "F §2(b)")
    if last < first:
        raise InputError("--to", "F §2(b)", f"{last} is before --from {first}")
    books = _books(db, ledger, company)
    if all_holders:
        _write_documents(books.histories(name, first, last), out, batch=True)
        return
    doc, png = books.history(name, first, last, holder)
    if out.endswith(".png"):
        Path(out).write_bytes(png)
        print(f"wrote {out}")
    else:
        _write_document(doc, out)


certificate_app = typer.Typer(no_args_is_help=True, help="Documents the certificates require.")
app.add_typer(certificate_app, name="certificate")


@certificate_app.command("adjustment")
def certificate_adjustment(
    as_of: Annotated[str, typer.Option(help="Certificates for adjustments up to this date")],
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
    format: Annotated[
        Format, typer.Option("--format", help="table (the certificates' text), json, csv or xlsx (one row each)")
    ] = Format.table,
    out: XlsxOption = None,
) -> None:
    """F/G §5(j): a certificate for every adjustment or readjustment of the Conversion Price."""
    from prefstack.explain import render

    certificates = _books(db, ledger, company).certificates_of_adjustment(parse_date(as_of, "--as-of", "F §5(j)"))
    if format is not Format.table:
        result = [c.to_dict() for c in certificates]
        records = [
            {**c.to_dict(), "facts": "; ".join(f"{k}: {render(v)}" for k, v in c.facts.items())} for c in certificates
        ]
        title = f"Certificates of adjustment up to {as_of} (F/G §5(j))"
        emit(result, records, ADJUSTMENT_COLUMNS, title, format, out=out)
        return
    texts = [c.to_text() for c in certificates]
    print("\n\n".join(texts) if texts else f"No adjustment of either Conversion Price up to {as_of} (F/G §5(j)).")


ADJUSTMENT_COLUMNS = (
    Column("series", "series"),
    Column("date", "date", "date"),
    Column("clause", "clause"),
    Column("Conversion Price before", "conversion_price_before", "price"),
    Column("Conversion Price after", "conversion_price_after", "price"),
    Column("Common per preferred share", "common_shares_per_preferred_share", "ratio"),
    Column("facts", "facts"),
)


# ----------------------------------------------------------------------------- the web service

users_app = typer.Typer(no_args_is_help=True, help="Users of the web service: add, role, token.")
app.add_typer(users_app, name="users")


@app.command()
def serve(
    db: DbOption = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="The address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on", min=1, max=65535)] = 8000,
) -> None:
    """The web service over the store (docs/web.md): every question over HTTP, for the users and
    roles `prefstack users` gives."""
    from prefstack.ledger import service
    from prefstack.web import serve as run_service

    service.require_store(db)
    # main() turns the cyclic collector off for a command that answers and exits; the service
    # lives on, and what it makes in cycles (an exception and its traceback, the server's own
    # structures) must be freed: on again (folds still pause it, without_cyclic_gc).
    gc.enable()
    run_service(db, host, port)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user's name (recorded with every write the user makes)")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input")
    ] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Add a user; without --password-stdin the user signs in with API tokens only (`users token`)."""
    from prefstack.web.accounts import Accounts

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    _ensure_sqlite_folder(db)
    with Accounts(db) as accounts:
        accounts.add_user(name, password)
    print(f"added user {name} ({'password' if password is not None else 'API tokens only'})")


@users_app.command("role")
def users_role(
    name: Annotated[str, typer.Argument(help="The user")],
    company: Annotated[str, typer.Option("--company", help="The company: its issuer id or legal name")],
    role: Annotated[str, typer.Option("--role", help="administrator, holder or auditor")],
    holder: Annotated[str | None, typer.Option("--holder", help="With --role holder: the holder id")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Give a user its role in a company (replacing the one it had there)."""
    from prefstack.instruments.registry import issuer
    from prefstack.ledger import service
    from prefstack.web.accounts import Accounts

    company_id = issuer(company, "--company").id
    service.require_store(db)
    with Accounts(db) as accounts:
        accounts.set_role(name, company_id, role, holder)
    whose = f" (holder {holder})" if holder is not None else ""
    print(f"{name} is {role}{whose} of {service.company_label(company_id)}")


@users_app.command("token")
def users_token(name: Annotated[str, typer.Argument(help="The user")], db: DbOption = DEFAULT_DB) -> None:
    """Make a new API token for a user and print it once (only its hash is stored)."""
    from prefstack.ledger import service
    from prefstack.web.accounts import Accounts

    service.require_store(db)
    with Accounts(db) as accounts:
        print(accounts.new_token(name))


# ----------------------------------------------------------------------------- the main job


@app.command()
def run(
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    as_of: Annotated[str, typer.Option(help="Date of the state report")] = "2002-06-30",
    receipt: ReceiptOption = None,
    sign_key: SignKeyOption = None,
) -> None:
    """The main job: load the example ledger into the store (if the stream of its company, CAIS
    Internet, is empty; the receipt of that append is printed), verify the ledger of --company (or
    of the store's only company), print the Series F Schedule 1, the Series G schedule and the
    state of both series."""
    from importlib import resources
    from pathlib import Path

    from prefstack.ledger import service
    from prefstack.ledger.files import read_ledger

    out = console()
    plan = _ReceiptPlan(receipt, sign_key)
    _ensure_sqlite_folder(db)
    example = Path(str(resources.files("prefstack.data").joinpath("example_ledger.yaml")))
    read = read_ledger(example)
    example_company = service.required_file_company(read, None, str(example))
    with service.open_store(db, company) as store:
        stream = store.stream(example_company)
        if stream.version() == 0:
            stored = service.append(store, read.events, company=example_company)
            out.print(f"Loaded the example ledger into {db}: {len(stored)} events")
            plan.issue(stream, stored)
        elif receipt is not None or sign_key is not None:
            out.print("The store already holds events: nothing was appended, so no receipt was issued")
        whose = service.store_company(store, company)
        report = store.verify(whose)
        if not report.ok:
            first = report.problems[0]
            raise InputError(
                "--db", "ledger format", f"the stored ledger of {first.company} fails verification: {first.message}"
            )
        out.print(f"Ledger verified: {report.events_checked} events, hash chain intact\n")
        verified = store.stream(whose)
        placed = service.after_verifying(
            verified, report.streams[whose], lambda: service.placed_from_store(verified.read())
        )
    for series, (issued_on, shares, through) in _run_schedules(placed).items():
        schedule(series, issued_on, shares, through, None, format=Format.table, out=None, explain=False, row=None)
    state(
        as_of=as_of,
        db=db,
        company=whose,
        ledger=None,
        known_at=None,
        format=Format.table,
        out=None,
        explain=False,
        show_exact=False,
    )


def _run_schedules(placed: Sequence[Placed]) -> dict[str, tuple[str | None, str | None, str | None]]:
    """The PIK schedule the main job prints for each series the ledger issues: the certificate's
    own schedule where its terms have one (F Sched. 1), else the ledger's first issue of the series
    through the Redemption Date of its fifth anniversary (§6(a))."""
    from prefstack.clauses.redemption import fifth_anniversary_redemption_date
    from prefstack.ledger.events import PreferredIssued

    found: dict[str, tuple[str | None, str | None, str | None]] = {}
    for series in series_names():
        issues = [p.event for p in placed if isinstance(p.event, PreferredIssued) and p.event.series == series]
        if not issues:
            continue
        terms = load_terms(series)
        if "pik" not in terms.dividends.forms.value or terms.redemption is None:
            continue  # no PIK schedule (cash dividends), or no Redemption Date to run it to
        if terms.schedule_assumption is not None:
            found[series] = (None, None, None)
            continue
        first = min(e.date for e in issues)
        shares = sum((e.shares for e in issues if e.date == first), Fraction(0))
        through = fifth_anniversary_redemption_date(terms, first).value
        assert isinstance(through, dt.date)
        found[series] = (first.isoformat(), to_decimal_string(shares), through.isoformat())
    return found


from prefstack.cli_ocf import ocf_app  # noqa: E402
from prefstack.cli_register import register_app  # noqa: E402

app.add_typer(ocf_app, name="ocf")
app.add_typer(register_app, name="register")


def main() -> None:
    """Entry point: usage errors are Typer's; prefstack's own errors print one line, exit 2.

    A command answers one question and exits, so the cyclic garbage collector stays off for the
    whole process (but for `serve`, which lives on): a fold, a snapshot and a report build
    hundreds of thousands of objects that hold no cycles (``tests/ledger/test_no_cycles.py``
    checks it), which reference counting frees, and every pass of the collector over them was
    wasted (a `state` of the 54,000-event register spent 0.4 s of its 2.2 s in them)."""
    gc.disable()
    try:
        app()
    except PrefstackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


from prefstack.cli_scenarios import register as _register_scenarios  # noqa: E402

_register_scenarios(app)

from prefstack.cli_value import register as _register_value  # noqa: E402

_register_value(app)
