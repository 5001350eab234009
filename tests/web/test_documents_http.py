"""Documents over HTTP: ``GET /api/companies/{c}/documents/{kind}.{pdf|png|html}``.

Each kind answers the bytes ``prefstack document KIND ... --out FILE`` writes for the same
arguments on the same store. Compared byte for byte: the HTML text, and the PDF (WeasyPrint's
output for the same HTML is the same bytes: it writes no time of its own; the command's second
run is checked to be the same bytes, so the comparison cannot pass by accident of a cache), and
the PNG of the history chart and of one document's pages.

The ledger is conftest's (webservice.py): A holds 40,000 and B 10,000 Series F shares, C 20,000
Series G shares; F's dividend of 2000-09-15 was paid (A in kind, B in cash); the Common Stock split
2-for-1 on 2000-11-01 (``split-2000``).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner
from webservice import COMPANY, Service

from prefstack.errors import InputError

BASE = f"/api/companies/{COMPANY}/documents"

# kind -> (the query's parameters, the command's options): the same arguments, A's copy
CASES: dict[str, tuple[dict[str, str], list[str]]] = {
    "dividend-statement": (
        {"payment_date": "2000-09-15", "holder": "A"},
        ["--payment-date", "2000-09-15", "--holder", "A"],
    ),
    "certificate-of-adjustment": (
        {"series": "F", "as_of": "2000-12-31", "holder": "A"},
        ["--series", "F", "--as-of", "2000-12-31", "--holder", "A"],
    ),
    "conversion-statement": (
        {"series": "F", "holder": "A", "shares": "100", "on": "2000-12-31"},
        ["--series", "F", "--holder", "A", "--shares", "100", "--on", "2000-12-31"],
    ),
    "redemption-notice": (
        {"series": "F", "redemption_date": "2001-06-01", "place": "New York", "holder": "A"},
        ["--series", "F", "--redemption-date", "2001-06-01", "--place", "New York", "--holder", "A"],
    ),
    "record-date-notice": ({"event": "split-2000", "holder": "A"}, ["--event", "split-2000", "--holder", "A"]),
    "history": (
        {"series": "F", "from": "2000-08-02", "to": "2000-12-31", "holder": "A"},
        ["--series", "F", "--from", "2000-08-02", "--to", "2000-12-31", "--holder", "A"],
    ),
}


def cli_bytes(service: Service, tmp_path: Path, kind: str, options: list[str], suffix: str) -> bytes:
    """What ``prefstack document KIND OPTIONS --out FILE.suffix`` writes on the service's store."""
    from prefstack.cli import app

    out = tmp_path / f"cli-{kind}{suffix}"
    args = ["document", kind, *options, "--out", str(out), "--db", service.db, "--company", COMPANY]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.mark.parametrize("kind", list(CASES))
def test_each_kind_answers_the_bytes_the_command_writes(service: Service, tmp_path: Path, kind: str) -> None:
    params, options = CASES[kind]
    with service.client("admin") as client:
        html = client.get(f"{BASE}/{kind}.html", params=params)
        pdf = client.get(f"{BASE}/{kind}.pdf", params=params)
    assert html.status_code == pdf.status_code == 200, (html.text, pdf.text)
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert html.content == cli_bytes(service, tmp_path, kind, options, ".html")
    first = cli_bytes(service, tmp_path, kind, options, ".pdf")
    assert first == cli_bytes(service, tmp_path, kind, options, ".pdf")  # the command's own PDF is stable
    assert pdf.content == first


def test_the_pngs_are_the_commands(service: Service, tmp_path: Path) -> None:
    # history.png is the chart the command writes (not the document's page); another kind's PNG is
    # its PDF's pages rendered one under the other
    with service.client("auditor") as client:
        chart = client.get(f"{BASE}/history.png", params=CASES["history"][0])
        page = client.get(f"{BASE}/record-date-notice.png", params=CASES["record-date-notice"][0])
    assert chart.headers["content-type"] == page.headers["content-type"] == "image/png"
    assert chart.content == cli_bytes(service, tmp_path, "history", CASES["history"][1], ".png")
    assert page.content == cli_bytes(service, tmp_path, "record-date-notice", CASES["record-date-notice"][1], ".png")


def test_all_holders_is_the_commands_merged_pdf(service: Service, tmp_path: Path) -> None:
    with service.client("admin") as client:
        merged = client.get(
            f"{BASE}/certificate-of-adjustment.pdf",
            params={"series": "F", "as_of": "2000-12-31", "all_holders": "true"},
        )
        as_html = client.get(
            f"{BASE}/certificate-of-adjustment.html",
            params={"series": "F", "as_of": "2000-12-31", "all_holders": "true"},
        )
    options = ["--series", "F", "--as-of", "2000-12-31", "--all-holders"]
    assert merged.status_code == 200
    assert merged.content == cli_bytes(service, tmp_path, "certificate-of-adjustment", options, ".pdf")
    # the command's other batch is a folder of PDFs: no single answer over HTTP
    assert as_html.status_code == 422 and as_html.json()["field"] == "format"


# ---------------------------------------------------------------- refusals: 422 with field and clause


def refusal_of_cli(service: Service, tmp_path: Path, kind: str, options: list[str]) -> InputError:
    """The refusal ``prefstack document KIND OPTIONS`` raises on the service's store."""
    from prefstack.cli import app

    args = ["document", kind, *options, "--out", str(tmp_path / "x.pdf"), "--db", service.db, "--company", COMPANY]
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, InputError), result.output
    return result.exception


def as_parameters(text: str) -> str:
    """A command's text with its options named as the query's parameters (--all-holders: all_holders)."""
    # spelled out for the options these refusals name (not the service's own rewriting)
    return text.replace("--all-holders", "all_holders").replace("--holder", "holder").replace("--from", "from")


@pytest.mark.parametrize(
    ("kind", "params", "options", "field", "clause"),
    [
        (
            "dividend-statement",
            {"payment_date": "2000-13-01", "holder": "A"},
            ["--payment-date", "2000-13-01", "--holder", "A"],
            "payment_date",
            "option",  # parse_date's clause for a text that is no date
        ),
        (
            "dividend-statement",  # the command's --payment-date, named as the query parameter
            {"payment_date": "2000-10-15", "holder": "A", "series": "F"},
            ["--payment-date", "2000-10-15", "--holder", "A", "--series", "F"],
            "payment_date",
            None,
        ),
        (
            "certificate-of-adjustment",
            {"series": "F", "as_of": "2000-12-31", "holder": "A", "all_holders": "true"},
            ["--series", "F", "--as-of", "2000-12-31", "--holder", "A", "--all-holders"],
            "all_holders",
            "F §5(j)",
        ),
        (
            "conversion-statement",
            {"series": "F", "holder": "A", "shares": "many", "on": "2000-12-31"},
            ["--series", "F", "--holder", "A", "--shares", "many", "--on", "2000-12-31"],
            "shares",
            "F §5(a)",
        ),
        (
            "history",
            {"series": "F", "from": "2000-12-31", "to": "2000-08-02"},
            ["--series", "F", "--from", "2000-12-31", "--to", "2000-08-02"],
            "to",
            "F §2(b)",
        ),
    ],
)
def test_a_refused_question_is_422_naming_the_field_and_clause_as_the_command(
    service: Service,
    tmp_path: Path,
    kind: str,
    params: dict[str, str],
    options: list[str],
    field: str,
    clause: str | None,
) -> None:
    with service.client("admin") as client:
        response = client.get(f"{BASE}/{kind}.pdf", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field
    if clause is not None:
        assert body["clause"] == clause
    # the command's refusal: the same field (named as its option), clause and problem
    refused = refusal_of_cli(service, tmp_path, kind, options)
    option = {"payment_date": "--payment-date", "all_holders": "--all-holders", "shares": "--shares", "to": "--to"}
    assert (refused.field, refused.clause) == (option[field], body["clause"])
    assert as_parameters(refused.problem) == body["problem"]


def test_an_unknown_format_is_refused(service: Service) -> None:
    with service.client("admin") as client:
        response = client.get(f"{BASE}/dividend-statement.docx", params=CASES["dividend-statement"][0])
    assert response.status_code == 422
    assert response.json() == {"field": "format", "clause": "documents", "problem": "'docx': ask .pdf, .png or .html"}


# ---------------------------------------------------------------- role x endpoint

OWN = {
    "dividend-statement": {"payment_date": "2000-09-15"},
    "certificate-of-adjustment": {"series": "F", "as_of": "2000-12-31"},
    "conversion-statement": {"series": "F", "shares": "100", "on": "2000-12-31"},
    "redemption-notice": {"series": "F", "redemption_date": "2001-06-01", "place": "New York"},
    "record-date-notice": {"event": "split-2000"},
    "history": {"series": "F", "from": "2000-08-02", "to": "2000-12-31"},
}
"""Each kind's question without a holder: an administrator's or auditor's names A below."""

# (user, whose copy is asked: "A", "B", "all" (all_holders), None (no holder)) -> status
CELLS = [
    ("admin", "A", 200),
    ("admin", "B", 200),
    ("auditor", "A", 200),
    ("auditor", "B", 200),
    ("holder-a", "A", 200),  # its own copy
    ("holder-a", None, 200),  # no holder: its own copy
    ("holder-a", "B", 403),  # another holder's
    ("holder-a", "all", 403),  # every holder's
    ("stranger", "A", 403),
    (None, "A", 401),
]


@pytest.fixture(scope="module")
def reads(tmp_path_factory: pytest.TempPathFactory) -> object:
    from contextlib import ExitStack

    from webservice import make_store, running

    folder = tmp_path_factory.mktemp("documents")
    db = f"sqlite:///{folder / 'web.sqlite'}"
    tokens = make_store(db, folder)
    with ExitStack() as stack:
        yield Service(stack.enter_context(running(db)), db, tokens)


@pytest.mark.parametrize("kind", list(OWN))
@pytest.mark.parametrize(("user", "whose", "status"), CELLS)
def test_role_x_document(reads: Service, kind: str, user: str | None, whose: str | None, status: int) -> None:
    params = dict(OWN[kind])
    if whose == "all":
        if kind == "conversion-statement":
            params["holder"] = "B"  # no batch of conversions: another holder's instead
        else:
            params["all_holders"] = "true"
    elif whose is not None:
        params["holder"] = whose
    with reads.client(user) as client:
        response = client.get(f"{BASE}/{kind}.html", params=params)
        assert response.status_code == status, response.text
        if status != 200:
            assert response.content == b""
            return
        # the copy answered is the one asked (a holder's with no holder named: its own, A's)
        with reads.client("admin") as admin:
            expected = admin.get(f"{BASE}/{kind}.html", params={**OWN[kind], "holder": whose or "A"})
        assert response.content == expected.content


def test_a_holders_refusal_comes_before_its_parameters_are_read(reads: Service) -> None:
    with reads.client("holder-a") as client:
        response = client.get(f"{BASE}/dividend-statement.pdf", params={"payment_date": "nonsense", "holder": "B"})
    assert (response.status_code, response.content) == (403, b"")


# ---------------------------------------------------------------- the page


def test_the_documents_page_lists_every_kind_with_a_form(reads: Service) -> None:
    from prefstack.web.documents import KINDS

    with reads.client("auditor") as client:
        page = client.get(f"/companies/{COMPANY}/documents")
    assert page.status_code == 200
    for kind in KINDS:
        assert f'id="document-form-{kind}"' in page.text
        for fmt in ("pdf", "html", "png"):
            assert f'formaction="{BASE}/{kind}.{fmt}"' in page.text
    with reads.client("holder-a") as client:
        assert client.get(f"/companies/{COMPANY}/documents").status_code == 403
    with httpx.Client(base_url=reads.url) as nobody:
        assert nobody.get(f"/companies/{COMPANY}/documents").status_code == 303


def test_a_forms_blank_optional_fields_are_not_given(reads: Service) -> None:
    # the page's form sends its empty fields: a blank `dated` is the command without --dated
    with reads.client("admin") as client:
        blank = client.get(
            f"{BASE}/record-date-notice.html", params={"event": "split-2000", "holder": "A", "dated": ""}
        )
        without = client.get(f"{BASE}/record-date-notice.html", params={"event": "split-2000", "holder": "A"})
    assert blank.status_code == 200 and blank.content == without.content
