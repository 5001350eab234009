"""The fields of each event kind, as ``prefstack ledger add --kind K`` lists them and as the web
page's form asks for them, and an event built from ``NAME=VALUE`` answers the way both read them.

The list comes from the ledger's JSON Schema (:func:`prefstack.ledger.events.ledger_json_schema`):
every property of the kind but ``kind``, ``date`` and ``recorded_at`` (the date is asked apart;
``recorded_at`` is the store's), with a plain type name, whether it is required and its meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from prefstack.errors import InputError

__all__ = ["EventField", "event_data", "event_fields", "event_kinds", "type_name"]


@dataclass(frozen=True)
class EventField:
    """One field of an event kind."""

    name: str
    type: str
    required: bool
    meaning: str


def event_kinds() -> list[str]:
    """Every event kind a ledger may record now (retired kinds left out), sorted."""
    from prefstack.ledger.events import KIND_ORDER, RETIRED_KINDS

    return sorted(k for k in KIND_ORDER if k not in RETIRED_KINDS)


def event_fields(kind: str, field: str = "--kind") -> tuple[str, list[EventField]]:
    """The clause the kind rests on and its fields (refused, naming ``field``, for no such kind)."""
    from prefstack.ledger.events import KIND_ORDER, clause_of, ledger_json_schema, refuse_retired

    refuse_retired({"kind": kind}, field)
    if kind not in KIND_ORDER:
        raise InputError(field, "ledger format", f"no event kind {kind!r} (kinds: {', '.join(sorted(KIND_ORDER))})")
    schema = ledger_json_schema()
    definition = next(
        d for d in schema["$defs"].values() if d.get("properties", {}).get("kind", {}).get("const") == kind
    )
    required = set(definition.get("required", []))
    fields = [
        EventField(
            name=name,
            type=type_name(prop),
            required=name in required,
            meaning="" if "pattern" in prop else str(prop.get("description", "")),
        )
        for name, prop in definition["properties"].items()
        if name not in ("kind", "date", "recorded_at")
    ]
    return clause_of(kind), fields


def type_name(prop: dict[str, Any]) -> str:
    """A JSON Schema property as a plain type name: text, exact number, date, yes/no, list of text..."""
    if "anyOf" in prop:
        names = [type_name(p) for p in prop["anyOf"] if p.get("type") != "null"]
        return " or ".join(names)
    if "enum" in prop:
        return "one of " + ", ".join(str(v) for v in prop["enum"])
    if "const" in prop:
        return str(prop["const"])
    if prop.get("format") == "date":
        return "date (YYYY-MM-DD)"
    if "pattern" in prop:
        return 'exact number ("1000.00", "2/3")'
    kind = prop.get("type")
    if kind == "array":
        return "list of " + type_name(prop.get("items", {}))
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    return {"string": "text", "boolean": "yes/no (true or false)", "integer": "whole number"}.get(str(kind), str(kind))


def event_data(kind: str, date: str, answers: Iterable[tuple[str, str]], field: str) -> dict[str, object]:
    """The event ``{kind, date, NAME: VALUE...}`` from ``NAME=VALUE`` answers: lists and booleans
    are read as YAML (``holders_consenting=[A, B]``, ``effective=true``), everything else stays a
    string, so numbers are never read as floats. A name given twice is refused, naming ``field``."""
    from prefstack.ledger.files import load_text

    data: dict[str, object] = {"kind": kind, "date": date}
    for name, value in answers:
        if name in data:
            raise InputError(field, "ledger format", f"{name!r} is given twice")
        data[name] = (
            load_text(value, ".yaml", f"{field} {name}") if value[:1] in "[{" or value in ("true", "false") else value
        )
    return data
