"""Documents rendered over HTTP: ``GET /api/companies/{c}/documents/{kind}.{pdf|png|html}``.

Every kind ``prefstack document ...`` renders (dividend statement, certificate of adjustment,
conversion statement, redemption notice, record-date notice, history), with the command's options
as query parameters of the same names (``--payment-date``: ``payment_date``; ``--from``: ``from``;
``--all-holders``: ``all_holders=true``), read and checked in the same order as the command's,
made by the same methods of the query layer (:class:`prefstack.books.Books`) and written by the
same functions (:mod:`prefstack.documents`): the bytes are those the command writes to
``--out FILE.pdf`` (``.png``, ``.html``). With ``all_holders`` the answer is the command's merged
PDF (``--all-holders --out FILE.pdf``); the command's other batch, a folder of PDFs, has no single
answer over HTTP (422 for ``.html`` and ``.png``).

A refusal of the question is 422 with its field, clause and problem; an option of the command
(``--payment-date``), as the field or in the problem's text, is named as the query parameter
(``payment_date``), and the command's ``--out`` as the URL's ``format``.

Who: an administrator or auditor renders any document of any holder; a holder only its own copy
(no ``holder``, or its own: the holder's; another holder, or ``all_holders``: 403 with an empty
body, before any other parameter is read). An optional parameter left blank (a page's form sends
its empty fields) is not given. A document addressed to all the holders (the command
without ``--holder``) is never a holder's: a holder's question is narrowed to its own copy, as
every other question a holder asks about "me".

``GET /companies/{c}/documents`` is the page listing them, a form for each kind
(administrators and auditors).
"""

import datetime as dt
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response

from prefstack.arguments import parse_date, parse_exact, series_name
from prefstack.books import Books
from prefstack.errors import InputError
from prefstack.web.access import READERS, Access, Caller, Refused

__all__ = ["FORMATS", "KINDS", "add_page", "register"]

KINDS: tuple[str, ...] = (
    "dividend-statement",
    "certificate-of-adjustment",
    "conversion-statement",
    "redemption-notice",
    "record-date-notice",
    "history",
)
FORMATS: tuple[str, ...] = ("pdf", "png", "html")
_MEDIA = {"pdf": "application/pdf", "png": "image/png", "html": "text/html; charset=utf-8"}
_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""A document's HTML (its own inline styles and embedded charts; no script) served from the service."""

Documents = Sequence[tuple[str | None, Any]]


def _parameter(field: str) -> str:
    """The query parameter of a field the command names as its option."""
    if field == "--out":
        return "format"
    if field.startswith("--"):
        return field[2:].replace("-", "_")
    return field


def _asked(question: Callable[[], Response]) -> Response:
    """``question()``; a refusal naming a command's option (as its field, or in its problem's text)
    names the query parameter instead."""
    try:
        return question()
    except InputError as exc:
        problem = re.sub(r"--[a-z][a-z-]*", lambda m: _parameter(m.group(0)), exc.problem)
        raise InputError(_parameter(exc.field), exc.clause, problem) from exc


def _given(value: str | None) -> str | None:
    """An optional parameter: a blank one (a page's form sends its empty fields) is not given."""
    return None if value is None or value == "" else value


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InputError("format", "documents", f"{fmt!r}: ask .pdf, .png or .html")
    return fmt


def _addressed(who: Access, holder: str | None, all_holders: bool) -> str | None:
    """The holder the document is addressed to: a holder's own (another, or every holder: 403);
    the one an administrator or auditor names (None: to all the holders, as the command)."""
    holder = _given(holder)
    if who.holder is None:
        return holder
    if all_holders or (holder is not None and holder != who.holder):
        raise Refused(403)
    return who.holder


def _one_or_all(holder: str | None, all_holders: bool, clause: str) -> None:
    if all_holders and holder is not None:
        raise InputError("all_holders", clause, "give holder or all_holders, not both")


def _bytes(docs: Documents, fmt: str, *, batch: bool) -> bytes:
    """What the command writes to ``--out FILE.{fmt}`` (written by the same function, into a
    folder of its own, and read back): one document, or (``batch``) the merged PDF."""
    from prefstack.documents import Document, write, write_batch

    if batch and fmt != "pdf":
        raise InputError("format", "documents", f".{fmt}: with all_holders the documents are one merged PDF: ask .pdf")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"document.{fmt}"
        if batch:
            write_batch([(h or "", d) for h, d in docs], out)
        else:
            ((_, doc),) = docs
            assert isinstance(doc, Document)
            write(doc, out)
        return out.read_bytes()


def _answer(data: bytes, kind: str, fmt: str) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{kind}.{fmt}"'}
    if fmt == "html":
        headers["Content-Security-Policy"] = _HTML_CSP
    return Response(data, media_type=_MEDIA[fmt], headers=headers)


def register(app: FastAPI, db: str, anyone: Callable[..., Access]) -> None:
    """The document routes on ``app`` (``anyone``: the dependency admitting every role of the
    company; a holder is narrowed to its own copy here)."""
    Who = Annotated[Access, Depends(anyone)]
    AllHolders = Annotated[bool, Query(description="One document per holder, merged in one PDF (--all-holders)")]

    def books(who: Access) -> Books:
        return Books(db, who.company, readings=who.readings)

    @app.get("/api/companies/{company}/documents/dividend-statement.{fmt}", tags=["documents"])
    def dividend_statement(
        who: Who,
        fmt: str,
        payment_date: str,
        holder: str | None = None,
        all_holders: AllHolders = False,
        series: str | None = None,
    ) -> Response:
        """``prefstack document dividend-statement``: F/G §2, a holder's dividend of a Payment Date."""
        to = _addressed(who, holder, all_holders)

        def make() -> Response:
            _format(fmt)
            _one_or_all(to, all_holders, "F §2(a)")
            day = parse_date(payment_date, "payment_date", "F §2(a)")
            given = series_name(s, "series") if (s := _given(series)) is not None else None
            docs = books(who).dividend_statements(day, given, to, every_holder=all_holders)
            return _answer(_bytes(docs, fmt, batch=all_holders), "dividend-statement", fmt)

        return _asked(make)

    @app.get("/api/companies/{company}/documents/certificate-of-adjustment.{fmt}", tags=["documents"])
    def certificate_of_adjustment(
        who: Who,
        fmt: str,
        series: str,
        as_of: str,
        date: str | None = None,
        holder: str | None = None,
        all_holders: AllHolders = False,
    ) -> Response:
        """``prefstack document certificate-of-adjustment``: F/G §5(j), the latest adjustment up to
        ``as_of`` (or the one on ``date``)."""
        to = _addressed(who, holder, all_holders)

        def make() -> Response:
            _format(fmt)
            name = series_name(series, "series")
            _one_or_all(to, all_holders, f"{name} §5(j)")
            day = parse_date(as_of, "as_of", "F §5(j)")
            chosen = parse_date(date, "date", "F §5(j)") if date else None
            docs = books(who).adjustment_certificates(day, name, chosen, to, every_holder=all_holders)
            return _answer(_bytes(docs, fmt, batch=all_holders), "certificate-of-adjustment", fmt)

        return _asked(make)

    @app.get("/api/companies/{company}/documents/conversion-statement.{fmt}", tags=["documents"])
    def conversion_statement(
        who: Who,
        fmt: str,
        series: str,
        shares: str,
        on: str,
        holder: str | None = None,
        funds: str | None = None,
        certificates: str | None = None,
    ) -> Response:
        """``prefstack document conversion-statement``: F/G §5(a)-(c), one holder's conversion
        (``holder`` required of an administrator or auditor; a holder's is its own)."""
        to = _addressed(who, holder, False)

        def make() -> Response:
            _format(fmt)
            name = series_name(series, "series")
            if to is None:
                raise InputError("holder", f"{name} §5(a)", "name the holder converting")
            day = parse_date(on, "on", f"{name} §5(c)(i)")
            cash, listed = _given(funds), _given(certificates)
            amount = parse_exact(cash, "funds", f"{name} §5(c)(iii)") if cash is not None else None
            converted = parse_exact(shares, "shares", f"{name} §5(a)")
            held = (
                None
                if listed is None
                else [parse_exact(p.strip(), "certificates", f"{name} §5(c)(i)") for p in listed.split(",")]
            )
            doc = books(who).conversion_statement(day, name, to, converted, amount, held)
            return _answer(_bytes([(to, doc)], fmt, batch=False), "conversion-statement", fmt)

        return _asked(make)

    @app.get("/api/companies/{company}/documents/redemption-notice.{fmt}", tags=["documents"])
    def redemption_notice(
        who: Who,
        fmt: str,
        series: str,
        redemption_date: str,
        place: str,
        dated: str | None = None,
        holder: str | None = None,
        all_holders: AllHolders = False,
    ) -> Response:
        """``prefstack document redemption-notice``: F §6(e) / G §6(d)."""
        to = _addressed(who, holder, all_holders)

        def make() -> Response:
            from prefstack.terms import load_terms

            _format(fmt)
            name = series_name(series, "series")
            clause = load_terms(name).redeemable().notice_min_days.cite
            _one_or_all(to, all_holders, clause)
            day = parse_date(redemption_date, "redemption_date", f"{name} §6(a)")
            notice_day = parse_date(d, "dated", clause) if (d := _given(dated)) is not None else None
            docs = books(who).redemption_notices(day, name, place, notice_day, to, every_holder=all_holders)
            return _answer(_bytes(docs, fmt, batch=all_holders), "redemption-notice", fmt)

        return _asked(make)

    @app.get("/api/companies/{company}/documents/record-date-notice.{fmt}", tags=["documents"])
    def record_date_notice(
        who: Who,
        fmt: str,
        event: str,
        dated: str | None = None,
        holder: str | None = None,
        all_holders: AllHolders = False,
    ) -> Response:
        """``prefstack document record-date-notice``: F/G §5(k), the notice of a record or effective date."""
        to = _addressed(who, holder, all_holders)

        def make() -> Response:
            _format(fmt)
            _one_or_all(to, all_holders, "F §5(k)")
            notice_day = parse_date(d, "dated", "F §5(k)") if (d := _given(dated)) is not None else None
            docs = books(who).record_date_notices(event, notice_day, to, every_holder=all_holders)
            return _answer(_bytes(docs, fmt, batch=all_holders), "record-date-notice", fmt)

        return _asked(make)

    @app.get("/api/companies/{company}/documents/history.{fmt}", tags=["documents"])
    def history(
        who: Who,
        fmt: str,
        series: str,
        start: Annotated[str, Query(alias="from")],
        end: Annotated[str, Query(alias="to")],
        holder: str | None = None,
        all_holders: AllHolders = False,
    ) -> Response:
        """``prefstack document history``: the PIK share count, Liquidation Value and Conversion Price
        of a series over time (``.png``: the chart, as the command writes it)."""
        to = _addressed(who, holder, all_holders)

        def make() -> Response:
            _format(fmt)
            name = series_name(series, "series")
            _one_or_all(to, all_holders, f"{name} §2(a)")
            first = parse_date(start, "from", "F §2(b)")
            last = parse_date(end, "to", "F §2(b)")
            if last < first:
                raise InputError("to", "F §2(b)", f"{last} is before from {first}")
            if all_holders:
                return _answer(_bytes(books(who).histories(name, first, last), fmt, batch=True), "history", fmt)
            doc, png = books(who).history(name, first, last, to)
            data = png if fmt == "png" else _bytes([(to, doc)], fmt, batch=False)
            return _answer(data, "history", fmt)

        return _asked(make)


def add_page(
    app: FastAPI,
    page_access: Callable[[Request, str, tuple[str, ...]], tuple[Caller, Access]],
    page: Callable[..., HTMLResponse],
) -> None:
    """``GET /companies/{c}/documents``: the documents an administrator or auditor renders, a form
    for each kind (its buttons ask the API's ``.pdf``, ``.html`` or ``.png``)."""

    @app.get("/companies/{company}/documents", include_in_schema=False)
    def documents_page(request: Request, company: str) -> HTMLResponse:
        caller, who = page_access(request, company, READERS)
        base = f"/api/companies/{quote(who.company)}/documents"
        today = dt.datetime.now(dt.UTC).date().isoformat()
        return page("documents.html", request, caller, who, base=base, today=today)
