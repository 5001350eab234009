"""Documents the certificates call for, rendered from one HTML template to HTML, PDF or PNG.

Each document shows its figures with the clause behind each, the ledger events and inputs it
rests on, and the interpretations applied. Kinds: dividend payment statement (F §2),
certificate of adjustment (F/G §5(j)), conversion statement (F/G §5(a)-(c)), redemption
notice (F §6(e), G §6(d)), notice of record date (F/G §5(k)), and the history charts.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Image:
    title: str
    data: str
    """Base64 PNG, embedded in the page (no network)."""


@dataclass
class Document:
    """What a document says; :func:`render_html` lays it out."""

    title: str
    subtitle: str
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)
    interpretations: list[str] = field(default_factory=list)
    company: str = "CAIS Internet, Inc."


def _environment() -> jinja2.Environment:
    folder = Path(str(resources.files(__package__).joinpath("templates")))
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True, undefined=jinja2.StrictUndefined)


def render_html(doc: Document) -> str:
    known = registry()
    readings = [
        {"id": i, "clauses": ", ".join(known[i].clauses), "reading": known[i].reading}
        for i in sorted(set(doc.interpretations))
    ]
    return (
        _environment()
        .get_template("document.html")
        .render(
            title=doc.title,
            subtitle=doc.subtitle,
            company=doc.company,
            footer=f"prefstack · {doc.title}",
            paragraphs=doc.paragraphs,
            figures=doc.figures,
            tables=doc.tables,
            images=doc.images,
            basis=doc.basis,
            interpretations=readings,
        )
    )


def write(doc: Document, out: Path) -> Path:
    """Write ``doc`` as HTML or PDF, chosen by the suffix of ``out``."""
    html = render_html(doc)
    if out.suffix == ".html":
        out.write_text(html, encoding="utf-8")
    elif out.suffix == ".pdf":
        import weasyprint

        weasyprint.HTML(string=html).write_pdf(str(out))
    else:
        raise InputError("--out", "documents", f"{out.name}: write .html or .pdf")
    return out
