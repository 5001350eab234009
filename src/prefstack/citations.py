"""Citations of the certificates, as checked data.

A citation is written ``"F §5(d)(iv)"``, ``"G §2(c)"`` or ``"F Sched. 1"``: the certificate
(``F`` for the Series F certificate of designation, ``G`` for Series G) and a section path.
:data:`SECTIONS` lists every section each certificate has; :func:`cite` refuses any other,
so a citation that points nowhere is an error at load time, never a typo in a report.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from prefstack.errors import CitationError

Certificate = Literal["F", "G"]

CERTIFICATE_TITLES: dict[str, str] = {
    "F": "Certificate of Designation of Series F Convertible Participating Preferred Stock of CAIS Internet, Inc.",
    "G": "Certificate of Designation of Series G Convertible Preferred Stock of CAIS Internet, Inc.",
}


def _expand(prefix: str, labels: str) -> list[str]:
    return [f"{prefix}({label})" for label in labels.split()]


def _common_sections() -> list[str]:
    """Sections with the same numbering in both certificates."""
    s: list[str] = ["Preamble", "§1", "§1(a)", "§1(b)", "§2", "§2(a)", "§2(b)", "§2(c)", "§2(d)"]
    s += ["§3", "§3(a)", "§3(b)", "§3(c)", "§3(c)(i)", "§3(c)(ii)"]
    s += _expand("§3(c)(i)", "A B C")
    s += ["§4", "§5"]
    s += _expand("§5", "a b c d e f g h i j k")
    s += _expand("§5(c)", "i ii iii iv v")
    s += _expand("§5(d)", "i ii iii iv v")
    s += _expand("§5(d)(i)", "A B C D E")
    s += _expand("§5(d)(i)(C)", "1 2 3 4 5 6 7 8 9 10 11 12")
    s += _expand("§5(d)(i)(D)", "i ii")
    s += _expand("§5(d)(iii)", "A B C")
    s += _expand("§5(d)(v)", "A B")
    s += _expand("§5(d)(v)(A)", "1 2 3")
    s += _expand("§5(d)(v)(B)", "1 2")
    s += _expand("§5(k)", "i ii iii iv A B")
    s += ["§6"]
    s += _expand("§6(b)", "i ii iii iv v vi")
    s += _expand("§6(b)(v)", "A B C D E")
    return s


def _sections() -> dict[str, frozenset[str]]:
    f = _common_sections()
    f += ["§2(e)"]
    f += _expand("§6", "a b c d e f g h i j k")
    f += ["Sched. 1"]
    g = _common_sections()
    g += _expand("§2(c)", "i ii iii iv") + _expand("§2(d)", "i ii iii iv")
    g += ["§3(d)"]
    g += _expand("§6", "a b c d e f g h i j")
    return {"F": frozenset(f), "G": frozenset(g)}


SECTIONS: dict[str, frozenset[str]] = _sections()
"""Every section of each certificate that a citation may name."""

_PATTERN = re.compile(r"^(?P<doc>[FG]) (?P<section>§\d+(?:\([A-Za-z0-9]+\))*|Sched\. 1|Preamble)$")


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
