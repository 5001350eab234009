"""The interpretation registry.

Wherever the certificates leave a point open, prefstack does not settle it silently in
code: the point is recorded here with the clause, the question, the reading prefstack
takes, the alternatives it did not take, and why. Code that depends on a reading names
it with :func:`reading` (which fails for an unknown id), and explanations list the ids.

The registry is a set of YAML files: in this package, one per section, the points that several
certificates share (``dividends.yaml``, ``conversion.yaml``, ...), so that each clause module and
its readings sit side by side; and in each series' folder (``instruments/issuers/<issuer>/<series>/
interpretations.yaml``), the points of that certificate alone, beside its terms and sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.abc import Traversable

from prefstack.citations import cite, series_folders
from prefstack.datafiles import load_data
from prefstack.errors import TermsError

_FIELDS = {"id", "clauses", "question", "reading", "alternatives", "why"}


@dataclass(frozen=True)
class Interpretation:
    """One open point of the certificates and the reading prefstack takes."""

    id: str
    clauses: tuple[str, ...]
    question: str
    reading: str
    alternatives: tuple[str, ...]
    why: str
    selectable: tuple[tuple[str, str], ...] = ()
    """The alternatives prefstack implements, by id (``--reading ID=ALT``): (id, the alternative's
    text). An alternative written as text alone is described, not implemented."""

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "clauses": list(self.clauses),
            "question": self.question,
            "reading": self.reading,
            "alternatives": list(self.alternatives),
            "selectable": [alt for alt, _ in self.selectable],
            "why": self.why,
        }


def _parse(entry: object, source: str) -> Interpretation:
    if not isinstance(entry, dict):
        raise TermsError(f"{source}: each interpretation must be a mapping")
    keys = set(entry)
    if keys != _FIELDS:
        missing = sorted(_FIELDS - keys)
        extra = sorted(keys - _FIELDS)
        raise TermsError(f"{source}: interpretation {entry.get('id')!r} missing {missing} unknown {extra}")
    clauses = entry["clauses"]
    alternatives = entry["alternatives"]
    if not isinstance(clauses, list) or not clauses:
        raise TermsError(f"{source}: interpretation {entry['id']!r}: clauses must be a non-empty list")
    if not isinstance(alternatives, list) or not alternatives:
        raise TermsError(f"{source}: interpretation {entry['id']!r}: alternatives must be a non-empty list")
    checked = tuple(str(cite(str(c))) for c in clauses)
    texts, selectable = _alternatives(alternatives, f"{source}: interpretation {entry['id']!r}")
    return Interpretation(
        id=str(entry["id"]),
        clauses=checked,
        question=str(entry["question"]).strip(),
        reading=str(entry["reading"]).strip(),
        alternatives=texts,
        why=str(entry["why"]).strip(),
        selectable=selectable,
    )


_ALTERNATIVE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DEFAULT = "default"
"""The id of the reading prefstack takes, in a reading set (``--reading ID=default``)."""


def _alternatives(entries: list[object], where: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The texts of an interpretation's alternatives, and the implemented ones by id: an alternative
    is a text (described only) or ``{id: ..., text: ...}`` (implemented: a reading set may choose it)."""
    texts: list[str] = []
    selectable: list[tuple[str, str]] = []
    for alternative in entries:
        if isinstance(alternative, str):
            texts.append(alternative.strip())
            continue
        if not isinstance(alternative, dict) or set(alternative) != {"id", "text"}:
            raise TermsError(f"{where}: an alternative is a text or a mapping of id and text, not {alternative!r}")
        ident, text = str(alternative["id"]), str(alternative["text"]).strip()
        if not _ALTERNATIVE_ID.match(ident) or ident == DEFAULT:
            raise TermsError(f"{where}: alternative id {ident!r} must be lower-case words joined by '-', not 'default'")
        if ident in dict(selectable):
            raise TermsError(f"{where}: alternative id {ident!r} is given twice")
        texts.append(text)
        selectable.append((ident, text))
    return tuple(texts), tuple(selectable)


SERIES_FILE = "interpretations.yaml"
"""A certificate's own readings, beside its terms and sections (``issuers/<issuer>/<series>/``)."""


def files() -> list[tuple[str, Traversable]]:
    """The interpretation files: this package's (points several certificates share, one file per
    section), then each series folder's ``interpretations.yaml`` (points of that certificate alone)."""
    found = [
        (item.name, item)
        for item in sorted(resources.files(__name__).iterdir(), key=lambda p: p.name)
        if item.name.endswith(".yaml")
    ]
    for path, folder in series_folders():
        item = folder.joinpath(SERIES_FILE)
        if item.is_file():
            found.append((f"{path}/{SERIES_FILE}", item))
    return found


@cache
def registry() -> dict[str, Interpretation]:
    """Every interpretation, by id, from :func:`files`; an id defined twice is refused."""
    found: dict[str, Interpretation] = {}
    for name, item in files():
        data = load_data(item.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise TermsError(f"{name}: must be a list of interpretations")
        for entry in data:
            interp = _parse(entry, name)
            if interp.id in found:
                raise TermsError(f"{name}: interpretation id {interp.id!r} is defined twice")
            found[interp.id] = interp
    return found


def reading(ident: str) -> str:
    """The id of a registered interpretation; raises ``KeyError`` naming it if unknown."""
    if ident not in registry():
        raise KeyError(f"interpretation {ident!r} is not in the registry")
    return ident
