"""Documents the certificates call for, rendered from one HTML template to HTML, PDF or PNG.

Each document shows its figures with the clause behind each, the ledger events and inputs it
rests on, and the interpretations applied. Kinds: dividend payment statement (F §2),
certificate of adjustment (F/G §5(j)), conversion statement (F/G §5(a)-(c)), redemption
notice (F §6(e), G §6(d)), notice of record date (F/G §5(k)), and the history charts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2

from prefstack.errors import InputError
from prefstack.interpretations import registry


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    clause: str


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    text_columns: tuple[int, ...] = (0,)
    """Columns (from 0) aligned as text; the others are figures, aligned right."""


@dataclass(frozen=True)
class Image:
    title: str
    data: str
    """Base64 PNG, embedded in the page (no network)."""


COMPANY_NAME = "CAIS Internet, Inc."
"""The Company's name as the certificates give it ("FIRST: The name of the Company is CAIS
Internet, Inc."); the letterhead falls back to it, and to nothing more, when the ledger holds no
``company_details``."""

NO_ADDRESS = "no address on record in the ledger"
NO_OFFICER = "no signing officer on record in the ledger"


@dataclass(frozen=True)
class Letterhead:
    """The Company's block at the head of a document and under its signature."""

    name: str = COMPANY_NAME
    address: tuple[str, ...] = ()
    officer_name: str | None = None
    officer_title: str | None = None

    @property
    def on_record(self) -> bool:
        return bool(self.address)


@dataclass(frozen=True)
class Addressee:
    """Whom a document is sent to and where; ``address`` None means the ledger holds none, which
    the document says in place of an address (interpretation NOTICE-ADDRESS)."""

    name: str
    address: tuple[str, ...] | None
    note: str | None = None


@dataclass
class Document:
    """What a document says; :func:`render_html` lays it out as a notice from the Company: the
    letterhead, the date, the addressee, a subject line with the clause it is sent under, the
    body, figures and tables, the signature block, then an annex with the ledger events and
    inputs it rests on and the readings of the certificates applied."""

    title: str
    subtitle: str
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)
    interpretations: list[str] = field(default_factory=list)
    dated: dt.date | None = None
    clause: str = ""
    """The clause the document is sent under (shown in its subject line)."""
    addressee: Addressee | None = None
    company: Letterhead = field(default_factory=Letterhead)
    caption: str = ""
    """A line under the images saying what they plot."""
    alternatives: list[str] = field(default_factory=list)
    """What each implemented alternative of a reading it relies on would change in its figures
    (or the readings it was computed under, when not prefstack's); made by the query layer."""

    @property
    def clause_text(self) -> str:
        if self.clause:
            return f"sent under {self.clause}"
        return "a report from the ledger, not a notice the certificates require"


def _environment() -> jinja2.Environment:
    folder = Path(str(resources.files(__package__).joinpath("templates")))
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True, undefined=jinja2.StrictUndefined)


def _readings(doc: Document) -> list[dict[str, str]]:
    known = registry()
    return [
        {"id": i, "clauses": ", ".join(known[i].clauses), "reading": known[i].reading}
        for i in sorted(set(doc.interpretations))
    ]


def render_html(doc: Document | Sequence[Document]) -> str:
    """One document, or several in one HTML file, each starting on a new page (a merged batch)."""
    docs = [doc] if isinstance(doc, Document) else list(doc)
    if not docs:
        raise InputError("--out", "documents", "no documents to write")
    return (
        _environment()
        .get_template("document.html")
        .render(
            title=docs[0].title if len(docs) == 1 else f"{len(docs)} documents: {docs[0].title}",
            documents=[{"doc": d, "interpretations": _readings(d)} for d in docs],
            no_address=NO_ADDRESS,
            no_officer=NO_OFFICER,
        )
    )


def pdf_bytes(doc: Document | Sequence[Document]) -> bytes:
    import weasyprint

    data = weasyprint.HTML(string=render_html(doc)).write_pdf()
    assert isinstance(data, bytes)
    return data


def png_bytes(doc: Document | Sequence[Document], dpi: int = 108) -> bytes:
    """The PDF's pages as one PNG, one under the other (WeasyPrint writes no PNG; pypdfium2
    renders the PDF's pages at ``dpi`` dots per inch)."""
    import io

    import pypdfium2 as pdfium
    from PIL import Image as PILImage

    pdf = pdfium.PdfDocument(pdf_bytes(doc))
    pages = [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in pdf]
    gap = 12
    width = max(p.width for p in pages)
    sheet = PILImage.new("RGB", (width, sum(p.height for p in pages) + gap * (len(pages) - 1)), (128, 128, 128))
    top = 0
    for page in pages:
        sheet.paste(page, (0, top))
        top += page.height + gap
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    return buffer.getvalue()


def write(doc: Document | Sequence[Document], out: Path) -> Path:
    """Write ``doc`` (or several, merged) as HTML, PDF or PNG, chosen by the suffix of ``out``."""
    if out.suffix == ".html":
        out.write_text(render_html(doc), encoding="utf-8")
    elif out.suffix == ".pdf":
        out.write_bytes(pdf_bytes(doc))
    elif out.suffix == ".png":
        out.write_bytes(png_bytes(doc))
    else:
        raise InputError("--out", "documents", f"{out.name}: write .html, .pdf or .png")
    return out


def file_stem(holder: str, taken: set[str]) -> str:
    """A file name for a holder's document: letters, digits and dashes only (a holder's name may
    hold anything a name may, slashes and dots included), unique among ``taken``."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", holder).strip("-").lower()[:80] or "holder"
    candidate, n = stem, 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}", n + 1
    taken.add(candidate)
    return candidate


def write_batch(docs: Sequence[tuple[str, Document]], out: Path) -> list[Path]:
    """``--all-holders``: one PDF per holder into the folder ``out``, or, when ``out`` ends in
    .pdf, one merged PDF with each holder's document starting on a new page."""
    if not docs:
        raise InputError("--all-holders", "documents", "no holders to write documents for")
    if out.suffix == ".pdf":
        return [write([d for _, d in docs], out)]
    if out.suffix:
        raise InputError("--out", "documents", f"{out.name}: with --all-holders give a folder or a .pdf file")
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    return [write(d, out / f"{file_stem(holder, taken)}.pdf") for holder, d in docs]
