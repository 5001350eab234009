"""The decisions of the OCF interchange (``decisions.yaml``): where OCF's objects and prefstack's
ledger do not meet one to one, what prefstack chose, with the alternatives and why. They are
choices of the interchange, not readings of a certificate, so they are kept apart from the
certificates' interpretations; code that follows one names it through :func:`decision`."""

from __future__ import annotations

import functools
from importlib import resources

import yaml

__all__ = ["decision", "decisions"]


@functools.cache
def decisions() -> dict[str, dict[str, object]]:
    """Every decision of the interchange by id, as written in ``decisions.yaml``."""
    text = resources.files("prefstack.ocf").joinpath("decisions.yaml").read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, list)
    found: dict[str, dict[str, object]] = {}
    for item in loaded:
        assert isinstance(item, dict) and isinstance(item.get("id"), str), item
        for key in ("clauses", "question", "reading", "alternatives", "why"):
            if key not in item:
                raise KeyError(f"OCF decision {item['id']}: no {key!r}")
        found[item["id"]] = item
    return found


def decision(ident: str) -> str:
    """The id of a decision of the interchange; raises ``KeyError`` naming it if unknown."""
    if ident not in decisions():
        raise KeyError(f"OCF decision {ident!r} is not in decisions.yaml")
    return ident
