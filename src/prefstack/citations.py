"""Citations of the certificates, as checked data.

A citation is written ``"F §5(d)(iv)"``, ``"G §2(c)"`` or ``"F Sched. 1"``: the certificate's id
(``F`` for the Series F certificate of designation, ``G`` for Series G) and a section path.
Each certificate's sections are data, a ``sections.yaml`` beside its terms under
``instruments/issuers/<issuer>/<series>/``; :data:`SECTIONS` holds them, and :func:`cite`
refuses any other section, so a citation that points nowhere is an error at load time, never a
typo in a report.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from prefstack.datafiles import load_data
from prefstack.errors import CitationError

Certificate = str

CAPITAL_STRUCTURE = "capital structure"
"""What a figure of a generic class cites: the company's capital-structure file, which describes
the class by its economic terms (no certificate of it is at hand)."""
"""A certificate's id as citations write it (``F``, ``G``): the ``certificate`` of its sections file."""

SECTIONS_FILE = "sections.yaml"
"""Each certificate's sections, in ``instruments/issuers/<issuer>/<series>/``."""


@dataclass(frozen=True)
class _Certificate:
    title: str
    sections: frozenset[str]


def series_folders(issuers: Traversable | None = None) -> Iterator[tuple[str, Traversable]]:
    """Each series folder of each issuer (``issuers/<issuer>/<series>/``, in name order) with its
    path for messages; ``issuers`` defaults to the package's ``instruments/issuers``."""
    if issuers is None:
        issuers = resources.files("prefstack.instruments").joinpath("issuers")
    for issuer in sorted(issuers.iterdir(), key=lambda p: p.name):
        if issuer.is_dir():
            for series in sorted(issuer.iterdir(), key=lambda p: p.name):
                if series.is_dir():
                    yield f"{issuer.name}/{series.name}", series


def load_certificates(issuers: Traversable | None = None) -> dict[str, _Certificate]:
    """Every certificate prefstack has the sections of, by id, from ``issuers`` (default: the
    package's ``instruments/issuers`` folder); a malformed sections file is a :class:`CitationError`."""
    found: dict[str, _Certificate] = {}
    for path, series in series_folders(issuers):
        listing = series.joinpath(SECTIONS_FILE)
        if listing.is_file():
            where = f"{path}/{SECTIONS_FILE}"
            data = load_data(listing.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or set(data) != {"certificate", "title", "sections"}:
                raise CitationError(f"{where}: needs exactly certificate, title and sections")
            ident, title, sections = data["certificate"], data["title"], data["sections"]
            if not isinstance(ident, str) or not _ID.fullmatch(ident):
                raise CitationError(
                    f"{where}: certificate: {ident!r} is not an id (a capital letter, then letters or digits)"
                )
            if ident in found:
                raise CitationError(f"{where}: certificate {ident!r} is listed twice")
            if not isinstance(title, str) or not isinstance(sections, list) or not sections:
                raise CitationError(f"{where}: title is text and sections a list of sections")
            bad = [x for x in sections if not isinstance(x, str) or not _SECTION.fullmatch(x)]
            if bad or len(set(sections)) != len(sections):
                raise CitationError(f"{where}: sections: {bad[:3] or 'a section listed twice'} (e.g. '§5(d)(iv)')")
            found[ident] = _Certificate(title, frozenset(sections))
    return found


def sections_json_schema() -> dict[str, object]:
    """The JSON Schema of a certificate's sections.yaml (what :func:`load_certificates` accepts)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://prefstack.invalid/schema/sections.json",
        "title": "The sections of a certificate of designation",
        "description": "A citation '<certificate> <section>' may name only a section listed here.",
        "type": "object",
        "additionalProperties": False,
        "required": ["certificate", "title", "sections"],
        "properties": {
            "certificate": {
                "type": "string",
                "pattern": f"^{_ID.pattern}$",
                "description": "The certificate's id as citations write it (F, G), unique among the issuers",
            },
            "title": {"type": "string", "minLength": 1},
            "sections": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"type": "string", "pattern": f"^(?:{_SECTION.pattern})$"},
                "description": "Every section: Preamble, §N with (a)(i)(A)(1) levels, Sched. N",
            },
        },
    }


_ID = re.compile(r"[A-Z][A-Za-z0-9]{0,15}")
_SECTION = re.compile(r"§\d+(?:\([A-Za-z0-9]+\))*|Sched\. \d+|Preamble")

_CERTIFICATES = load_certificates()

CERTIFICATE_TITLES: dict[str, str] = {ident: c.title for ident, c in _CERTIFICATES.items()}
"""The title of each certificate, by id."""

SECTIONS: dict[str, frozenset[str]] = {ident: c.sections for ident, c in _CERTIFICATES.items()}
"""Every section of each certificate that a citation may name."""

_PATTERN = re.compile(r"^(?P<doc>[A-Z][A-Za-z0-9]{0,15}) (?P<section>§\d+(?:\([A-Za-z0-9]+\))*|Sched\. \d+|Preamble)$")


@dataclass(frozen=True, order=True)
class Citation:
    """One section of one certificate."""

    doc: str
    section: str

    def __str__(self) -> str:
        return f"{self.doc} {self.section}"

    @property
    def title(self) -> str:
        return CERTIFICATE_TITLES[self.doc]


def cite(text: str) -> Citation:
    """Parse and check a citation such as ``"F §5(d)(iv)"``.

    Raises :class:`CitationError` when the text is not a citation or names a section the
    certificate does not have.
    """
    match = _PATTERN.match(text.strip())
    if match is None:
        raise CitationError(
            f"{text!r} is not a citation: write the certificate and section, e.g. 'F §5(d)(iv)' or 'F Sched. 1'"
        )
    doc, section = match.group("doc"), match.group("section")
    if doc not in SECTIONS:
        raise CitationError(f"{text!r} cites a certificate prefstack has no sections of (it has {', '.join(SECTIONS)})")
    if section not in SECTIONS[doc]:
        raise CitationError(f"{text!r} cites a section that the Series {doc} certificate does not have")
    return Citation(doc, section)


@functools.cache
def for_series(series: str, section: str) -> str:
    """The citation text of ``section`` in the certificate of ``series`` (checked; memoized)."""
    return str(cite(f"{series} {section}"))


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}


def section_order(citation: Citation) -> tuple[object, ...]:
    """A sort key putting sections in the certificate's order: ``§5(d)(ii)`` before ``§5(d)(iv)``
    and ``§5(d)(i)(C)(9)`` before ``(C)(10)``; the Preamble first and F Sched. 1 last."""
    if citation.section == "Preamble":
        return (citation.doc, 0)
    if citation.section == "Sched. 1":
        return (citation.doc, 2)
    number = re.match(r"§(\d+)", citation.section)
    assert number is not None
    key: list[tuple[int, int]] = [(0, int(number.group(1)))]
    for depth, label in enumerate(re.findall(r"\(([A-Za-z0-9]+)\)", citation.section)):
        if label.isdigit():
            key.append((0, int(label)))
        elif label.islower() and depth >= 1 and label in _ROMAN:
            key.append((0, _ROMAN[label]))
        else:
            key.append((1, ord(label)))
    return (citation.doc, 1, tuple(key))


def within(citation: Citation) -> list[Citation]:
    """``citation`` and every sub-section of it the certificate has, in the certificate's order."""
    found = [
        Citation(citation.doc, section)
        for section in SECTIONS[citation.doc]
        if section == citation.section or section.startswith(citation.section + "(")
    ]
    return sorted(found, key=section_order)


def enclosing(citation: Citation) -> list[Citation]:
    """The sections that contain ``citation``, nearest first (``F §5(d)(i)`` -> ``F §5(d)``, ``F §5``)."""
    path = citation.section
    out: list[Citation] = []
    while (cut := path.rfind("(")) > 0:
        path = path[:cut]
        if path in SECTIONS[citation.doc]:
            out.append(Citation(citation.doc, path))
    return out


def close_citations(text: str, limit: int = 5) -> list[str]:
    """The citations nearest to ``text`` as written (for an error message's "did you mean")."""
    import difflib

    written = text.strip()
    every = [f"{doc} {section}" for doc in sorted(SECTIONS) for section in SECTIONS[doc]]
    match = _PATTERN.match(written)
    same_section = (
        [f"{doc} {match.group('section')}" for doc in sorted(SECTIONS) if match.group("section") in SECTIONS[doc]]
        if match is not None
        else []
    )
    near = difflib.get_close_matches(written, every, n=limit, cutoff=0.6)
    return list(dict.fromkeys([*same_section, *near]))[:limit]
