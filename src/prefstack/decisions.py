"""The decisions of a part of prefstack that are not readings of a certificate: where the Open Cap
Table Format and the ledger do not meet one to one (``ocf/decisions.yaml``), and what the fair-value
model assumes where the certificates leave a holder or the Company a choice
(``valuation_decisions.yaml``). Each is written like an interpretation (id, clauses, question,
reading, alternatives, why), but none changes a figure the certificates give, so they are kept
apart from the certificates' interpretations (``prefstack interpretations``) and are not
selectable; code that follows one names it through :func:`decision`."""

from __future__ import annotations

import functools
from importlib import resources

import yaml

__all__ = ["PARTS", "decision", "decisions"]

PARTS = {"ocf": ("prefstack.ocf", "decisions.yaml"), "valuation": ("prefstack", "valuation_decisions.yaml")}
"""Each part's file of decisions: its package and its name."""


@functools.cache
def decisions(part: str) -> dict[str, dict[str, object]]:
    """Every decision of ``part`` (a key of :data:`PARTS`) by id, as written in its file."""
    package, name = PARTS[part]
    loaded = yaml.safe_load(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
    assert isinstance(loaded, list)
    found: dict[str, dict[str, object]] = {}
    for item in loaded:
        assert isinstance(item, dict) and isinstance(item.get("id"), str), item
        for key in ("clauses", "question", "reading", "alternatives", "why"):
            if key not in item:
                raise KeyError(f"{part} decision {item['id']}: no {key!r}")
        found[item["id"]] = item
    return found


def decision(part: str, ident: str) -> str:
    """The id of a decision of ``part``; raises ``KeyError`` naming it if unknown."""
    if ident not in decisions(part):
        raise KeyError(f"{part} decision {ident!r} is not in {PARTS[part][1]}")
    return ident
