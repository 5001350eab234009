"""The interpretation registry.

Wherever the certificates leave a point open, prefstack does not settle it silently in
code: the point is recorded here with the clause, the question, the reading prefstack
takes, the alternatives it did not take, and why. Code that depends on a reading names
it with :func:`reading` (which fails for an unknown id), and explanations list the ids.

The registry is a set of YAML files in this package, one per section of the
certificates (``dividends.yaml``, ``conversion.yaml``, ...), so that each clause module
and its readings sit side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from prefstack.citations import cite
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

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "clauses": list(self.clauses),
            "question": self.question,
            "reading": self.reading,
            "alternatives": list(self.alternatives),
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
    return Interpretation(
        id=str(entry["id"]),
        clauses=checked,
        question=str(entry["question"]).strip(),
        reading=str(entry["reading"]).strip(),
        alternatives=tuple(str(a).strip() for a in alternatives),
        why=str(entry["why"]).strip(),
    )


@cache
def registry() -> dict[str, Interpretation]:
    """Every interpretation, by id, from the YAML files of this package."""
    found: dict[str, Interpretation] = {}
    folder = resources.files(__name__)
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(item.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise TermsError(f"{item.name}: must be a list of interpretations")
        for entry in data:
            interp = _parse(entry, item.name)
            if interp.id in found:
                raise TermsError(f"{item.name}: interpretation id {interp.id!r} is defined twice")
            found[interp.id] = interp
    return found


def reading(ident: str) -> str:
    """The id of a registered interpretation; raises ``KeyError`` naming it if unknown."""
    if ident not in registry():
        raise KeyError(f"interpretation {ident!r} is not in the registry")
    return ident
