"""Documents as the Company's notices: the company_details and holder_address ledger kinds (and
their refusals), the letterhead, date, addressee, signature block and clause of every kind,
--all-holders batches (a folder of PDFs, one merged PDF), PNG output, and the history chart's
data (steps on the dates of the events, dollar axes, a caption)."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import yaml

from prefstack.documents import file_stem
from prefstack.documents.charts import chart_data, history_png
from prefstack.ledger import events as ev
from prefstack.ledger.replay import LedgerRuleError, place, replay

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
MICROSOFT_ADDRESS = ("One Microsoft Way", "Redmond, Washington 98052-6399")
COMPANY_ADDRESS = ("1255 22nd Street, N.W., Fourth Floor", "Washington, D.C. 20037")
SIGNATURE = ("By: Michael G. Plantamura", "Secretary")

COMPANY = {
    "kind": "company_details",
    "date": "2000-06-01",
    "name": "CAIS Internet, Inc.",
    "address": ["100 Main Street", "Washington, D.C. 20037"],
    "officer_name": "Jane Officer",
    "officer_title": "Secretary",
}
ISSUE = {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"}


def ledger_file(tmp_path: Path, *events: dict[str, Any]) -> str:
    path = tmp_path / "ledger.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": list(events)}))
    return str(path)


def three_holders(tmp_path: Path) -> str:
    """Series F held by A, B and C (transfers from A); only A and B have addresses on record."""
    return ledger_file(
        tmp_path,
        {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
        COMPANY,
        ISSUE,
        {
            "kind": "transfer",
            "date": "2000-09-01",
            "series": "F",
            "from_holder": "A",
            "to_holder": "B",
            "shares": "10000",
        },
        {
            "kind": "transfer",
            "date": "2000-09-01",
            "series": "F",
            "from_holder": "A",
            "to_holder": "C/../x",
            "shares": "5000",
        },
        {"kind": "holder_address", "date": "2000-08-02", "holder": "A", "address": ["1 A Street", "Alphaville"]},
        {"kind": "holder_address", "date": "2000-09-01", "holder": "B", "address": ["2 B Road", "Betatown"]},
        {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
        {
            "kind": "common_issued",
            "date": "2001-01-10",
            "shares": "1000000",
            "purpose": "none",
            "cash_consideration": "25000000",
            "fair_market_value_per_share": "30.00",
        },
    )


def pdf_pages(path: Path) -> int:
    return len(pdfium.PdfDocument(str(path)))


# ----------------------------------------------------------------------------- the ledger kinds


@pytest.mark.parametrize(
    ("event", "field", "problem"),
    [
        ({"kind": "holder_address", "date": "2000-09-01", "holder": "A", "address": []}, "address", "at least 1"),
        ({"kind": "holder_address", "date": "2000-09-01", "holder": "A", "address": ["  "]}, "address.0", "empty"),
        (
            {"kind": "holder_address", "date": "2000-09-01", "holder": "A", "address": ["1 Road", "\x1b[2Jtown"]},
            "address.1",
            "control characters",
        ),
        (
            {"kind": "holder_address", "date": "2000-09-01", "holder": "A", "address": ["x" * 201]},
            "address.0",
            "at most 200",
        ),
        (
            {"kind": "holder_address", "date": "2000-09-01", "holder": "A", "address": ["line"] * 7},
            "address",
            "at most 6",
        ),
        ({**COMPANY, "address": ["100 Main St\u2028Evil"]}, "address.0", "control characters"),
        ({**COMPANY, "officer_name": "Jane\x00"}, "officer_name", "control characters"),
        ({**COMPANY, "officer_title": ""}, "officer_title", "empty"),
        ({**COMPANY, "name": "n" * 201}, "name", "at most 200"),
        ({k: v for k, v in COMPANY.items() if k != "officer_name"}, "officer_name", "Field required"),
    ],
)
def test_company_and_address_events_refuse_bad_input_naming_the_field(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, event: dict[str, Any], field: str, problem: str
) -> None:
    result = cli("state", "--ledger", ledger_file(tmp_path, ISSUE, event), "--as-of", "2001-01-01", ok=False)
    assert result.returncode == 2, result.stderr
    assert f"({event['kind']}).{field}:" in result.stderr and problem in result.stderr
    assert result.stderr.rstrip().endswith("(ledger format)")  # how a value is written is not a clause
    assert "Traceback" not in result.stderr


def test_an_address_for_someone_who_holds_nothing_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = {"kind": "holder_address", "date": "2000-09-01", "holder": "Microsoft Corp", "address": ["1 Way"]}
    result = cli("state", "--ledger", ledger_file(tmp_path, ISSUE, bad), "--as-of", "2001-01-01", ok=False)
    assert result.returncode == 2 and "holder" in result.stderr and "F §5(k)" in result.stderr
    assert "holders: A" in result.stderr


def test_a_later_company_details_or_address_replaces_the_earlier_from_its_date() -> None:
    def parse(data: dict[str, Any]) -> ev.LedgerEvent:
        return ev.parse_event(data, "test")

    placed = place(
        [
            parse(COMPANY),
            parse(ISSUE),
            parse({"kind": "holder_address", "date": "2000-08-02", "holder": "A", "address": ["Old 1"]}),
            parse({"kind": "holder_address", "date": "2001-03-01", "holder": "A", "address": ["New 1", "New 2"]}),
            parse({**COMPANY, "date": "2001-02-01", "officer_name": "John Newer", "officer_title": "President"}),
        ]
    )
    before, after = replay(placed, dt.date(2001, 1, 31)), replay(placed, dt.date(2001, 3, 1))
    assert before.company is not None and before.company.officer_name == "Jane Officer"
    assert after.company is not None and (after.company.officer_name, after.company.officer_title) == (
        "John Newer",
        "President",
    )
    assert before.addresses["A"].address == ("Old 1",) and after.addresses["A"].address == ("New 1", "New 2")
    assert replay(placed, dt.date(2000, 5, 31)).company is None


def test_holder_address_before_any_holding_is_a_rule_error() -> None:
    placed = place(
        [ev.parse_event({"kind": "holder_address", "date": "2000-01-01", "holder": "A", "address": ["x"]}, "t")]
    )
    with pytest.raises(LedgerRuleError, match="holds no shares"):
        replay(placed, dt.date(2000, 1, 2))


def test_the_ledger_schema_and_ledger_add_know_the_new_kinds(cli) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads(cli("schema", "ledger").stdout)
    kinds = {d["properties"]["kind"]["const"] for d in schema["$defs"].values() if "kind" in d.get("properties", {})}
    assert {"company_details", "holder_address"} <= kinds
    holder_address = next(
        d for d in schema["$defs"].values() if d.get("properties", {}).get("kind", {}).get("const") == "holder_address"
    )
    assert holder_address["properties"]["address"]["maxItems"] == 6
    assert set(holder_address["required"]) >= {"kind", "date", "holder", "address"}
    fields = cli("ledger", "add", "--kind", "company_details").stdout
    assert "officer_name" in fields and "officer_title" in fields and "F §5(k)" in fields


# ----------------------------------------------------------------------------- every kind as a notice


def _html(cli, tmp_path: Path, name: str, *args: str) -> str:  # type: ignore[no-untyped-def]
    out = tmp_path / f"{name}.html"
    cli("document", *args, "--ledger", EXAMPLE, "--out", str(out))
    return out.read_text()


KINDS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # kind: (arguments, date of the document, clause sent under)
    "dividend": (
        ("dividend-statement", "--holder", "Microsoft Corporation", "--payment-date", "2001-09-15"),
        "September 15, 2001",
        "sent under F §2(a)-(b)",
    ),
    "adjustment": (
        ("certificate-of-adjustment", "--series", "F", "--as-of", "2002-12-31", "--holder", "Microsoft Corporation"),
        "December 31, 2002",
        "sent under F §5(j)",
    ),
    "conversion": (
        (
            "conversion-statement",
            "--series",
            "F",
            "--holder",
            "Microsoft Corporation",
            "--shares",
            "250",
            "--on",
            "2002-01-10",
        ),
        "January 10, 2002",
        "sent under F §5(a)-(c)",
    ),
    "redemption": (
        (
            "redemption-notice",
            "--series",
            "F",
            "--redemption-date",
            "2005-08-02",
            "--place",
            "the transfer agent",
            "--holder",
            "Microsoft Corporation",
            "--dated",
            "2005-06-20",
        ),
        "June 20, 2005",
        "sent under F §6(e)",
    ),
    "record": (
        ("record-date-notice", "--event", "split-2002", "--holder", "Microsoft Corporation"),
        "July 22, 2002",
        "sent under F §5(k)",
    ),
    "history": (
        ("history", "--series", "F", "--from", "2000-08-02", "--to", "2002-06-30", "--holder", "Microsoft Corporation"),
        "June 30, 2002",
        "a report from the ledger",
    ),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_carries_letterhead_date_addressee_signature_and_clause(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, kind: str
) -> None:
    args, date_line, clause = KINDS[kind]
    page = _html(cli, tmp_path, kind, *args)
    for needle in (*COMPANY_ADDRESS, "Microsoft Corporation", *MICROSOFT_ADDRESS, date_line, *SIGNATURE, clause):
        assert needle in page, (kind, needle)
    assert page.index("Re: ") < page.index("By: Michael G. Plantamura") < page.index("Annex:")
    assert 'class="missing"' not in page and "NOTICE-SIGNATORY" in page  # nothing marked as not on record


def test_a_holder_without_an_address_and_a_ledger_without_company_details(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """NOTICE-ADDRESS: the document is produced and says the address is missing; with no
    company_details the letterhead is the certificates' name only and no officer is invented."""
    bare = ledger_file(tmp_path, {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000}, ISSUE)
    out = tmp_path / "r.html"
    cli(
        "document", "redemption-notice", "--series", "F", "--redemption-date", "2005-08-02", "--place", "the office",
        "--holder", "A", "--ledger", bare, "--out", str(out),
    )  # fmt: skip
    page = out.read_text()
    assert "no address on record in the ledger" in page
    assert "no signing officer on record in the ledger" in page
    assert "CAIS Internet, Inc." in page and "principal office: no address on record in the ledger" in page
    head = page.split('<div class="letterhead">')[1].split("</div>\n</div>")[0]
    assert "Street" not in head and "Washington" not in head


def test_a_redemption_notice_dated_outside_its_window_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "document", "redemption-notice", "--series", "F", "--redemption-date", "2005-08-02", "--place", "x",
        "--dated", "2005-07-20", "--ledger", EXAMPLE, "--out", str(tmp_path / "r.pdf"), ok=False,
    )  # fmt: skip
    assert result.returncode == 2 and "--dated" in result.stderr and "F §6(e)" in result.stderr
    assert "2005-06-03 and 2005-07-13" in result.stderr


def test_holder_and_all_holders_together_are_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "document", "certificate-of-adjustment", "--series", "F", "--as-of", "2002-12-31", "--holder", "A",
        "--all-holders", "--ledger", EXAMPLE, "--out", str(tmp_path / "x"), ok=False,
    )  # fmt: skip
    assert result.returncode == 2 and "--all-holders" in result.stderr


# ----------------------------------------------------------------------------- batches and PNG


def _holders_in_state(cli, ledger: str, as_of: str, series: str) -> list[str]:  # type: ignore[no-untyped-def]
    report = json.loads(cli("state", "--ledger", ledger, "--as-of", as_of, "--format", "json").stdout)
    found = next(s for s in report["series"] if s["series"] == series)
    return sorted(h["holder"] for h in found["holders"] if Fraction(h["shares_outstanding_exact"]) > 0)


@pytest.mark.parametrize(
    "args",
    [
        ("redemption-notice", "--series", "F", "--redemption-date", "2005-08-02", "--place", "the transfer agent"),
        ("certificate-of-adjustment", "--series", "F", "--as-of", "2005-08-02"),
    ],
)
def test_all_holders_writes_one_pdf_per_holder_or_one_merged_pdf(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, args: tuple[str, ...]
) -> None:
    ledger = three_holders(tmp_path)
    holders = _holders_in_state(cli, ledger, "2005-08-02", "F")
    assert holders == ["A", "B", "C/../x"]
    folder = tmp_path / "out"
    cli("document", *args, "--all-holders", "--ledger", ledger, "--out", str(folder))
    written = sorted(folder.iterdir())
    assert len(written) == len(holders) and all(p.suffix == ".pdf" and p.stat().st_size > 0 for p in written)
    assert not (tmp_path / "x.pdf").exists()  # a name with a path in it stays in the folder
    merged = tmp_path / "all.pdf"
    cli("document", *args, "--all-holders", "--ledger", ledger, "--out", str(merged))
    assert pdf_pages(merged) >= len(holders)
    text = " ".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(str(merged)))
    assert "1 A Street" in text and "2 B Road" in text and "no address on record in the ledger" in text


def test_dividend_statements_for_all_holders_paid(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ledger = three_holders(tmp_path)
    folder = tmp_path / "dividends"
    result = cli(
        "document", "dividend-statement", "--payment-date", "2000-09-15", "--all-holders", "--ledger", ledger,
        "--out", str(folder),
    )  # fmt: skip
    assert len(list(folder.glob("*.pdf"))) == len(_holders_in_state(cli, ledger, "2000-09-15", "F")) == 3
    assert "3 holders: 3 PDFs" in result.stdout


def test_file_names_of_hostile_holder_names_stay_in_the_folder() -> None:
    taken: set[str] = set()
    names = [file_stem(n, taken) for n in ("../../etc/passwd", "A", "a", "\x1b[31m", "..")]
    assert names == ["etc-passwd", "a", "a-2", "31m", "holder"]


@pytest.mark.parametrize("kind", ["dividend", "record"])
def test_documents_render_to_png(cli, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    args = KINDS[kind][0]
    out = tmp_path / f"{kind}.png"
    cli("document", *args, "--ledger", EXAMPLE, "--out", str(out))
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


# ----------------------------------------------------------------------------- the history chart


def _example_placed() -> list[Any]:
    from prefstack.ledger.files import read_ledger_file

    return list(read_ledger_file(Path(EXAMPLE)))


def test_chart_steps_sit_on_the_dates_of_the_events_that_changed_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    placed = _example_placed()
    start, end = dt.date(2000, 8, 2), dt.date(2002, 6, 30)
    data = chart_data(placed, "F", start, end)
    # Series F shares change on the PIK Payment Dates and the conversion (2001-03-15 was paid in cash).
    pik = {dt.date(2000, 9, 15), dt.date(2000, 12, 15), dt.date(2001, 6, 15), dt.date(2001, 9, 15)}
    later = {dt.date(2002, 1, 10), dt.date(2002, 3, 15), dt.date(2002, 6, 15)}
    steps = [d for d, _ in data.shares]
    assert steps[0] == start and steps[-1] == end
    assert set(steps[1:-1]) == pik | later
    kinds_on = {p.event.date: set() for p in placed}
    for p in placed:
        kinds_on[p.event.date].add(p.event.kind)
    assert all(kinds_on[d] & {"dividend_payment", "arrears_paid", "conversion"} for d in steps[1:-1])
    assert not any(d.day == 31 or (d.month in (2, 4, 11) and d.day == 30) for d in steps[1:-1])  # not month ends
    assert data.shares[0][1] == 40000 and data.shares[-1][1] == data.shares[-2][1]
    assert [v for _, v in data.price] == [Fraction(24), Fraction(24)]  # no adjustment up to 2002-06-30

    drawn: list[tuple[list[Any], list[float], dict[str, Any]]] = []
    import matplotlib.axes

    original = matplotlib.axes.Axes.plot

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        drawn.append((list(args[0]), list(args[1]), kwargs))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "plot", spy)
    png = history_png(data)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    shares_drawn, value_drawn, price_drawn = drawn
    assert shares_drawn[2]["drawstyle"] == "steps-post" and price_drawn[2]["drawstyle"] == "steps-post"
    assert shares_drawn[0] == steps and price_drawn[0] == [d for d, _ in data.price]
    assert shares_drawn[1] == [float(v) for _, v in data.shares]
    assert "drawstyle" not in value_drawn[2]  # the liquidation value accrues: a line


def test_chart_money_axes_and_caption(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefstack.documents import charts

    assert charts._dollars(1234567.0, None) == "$1,234,567"
    assert charts._price(23.86, None) == "$23.86"
    data = chart_data(_example_placed(), "G", dt.date(2000, 6, 15), dt.date(2001, 6, 30), holder="3Com Corporation")
    for part in ("Series G", "3Com Corporation", "liquidation value", "Conversion Price", "as of 2001-06-30"):
        assert part in data.caption
    assert "Source: ledger events" in data.caption
    formatters: list[Any] = []
    import matplotlib.axis
    from matplotlib.ticker import FuncFormatter

    original = matplotlib.axis.Axis.set_major_formatter

    def spy(self: Any, formatter: Any) -> Any:
        formatters.append(formatter)
        return original(self, formatter)

    monkeypatch.setattr(matplotlib.axis.Axis, "set_major_formatter", spy)
    history_png(data)
    labels = [f(1234567.0, None) for f in formatters if isinstance(f, FuncFormatter)]
    assert labels == ["1,234,567", "$1,234,567", "$1,234,567.00"]
