"""prefstack's extension to the Open Cap Table Format, carried in OCF's ``comments``.

OCF has no fields for what the certificates add (PIK dividends, holder elections, notices,
redemption events, the exact figures behind a rounded OCF number, the ledger's own record of who
entered an event and when). prefstack writes them as one comment string on the OCF object they
belong to: the prefix :data:`PREFIX` (``prefstack-ocf-ext/1:``) followed by a JSON object of
:data:`EXTENSION_SCHEMA`. Other comments are left alone; an object carries at most one such comment.
The version in the prefix changes when the JSON changes incompatibly; an import refuses a version it
does not know, naming the object.
"""

from __future__ import annotations

import json
from typing import Any

from prefstack.errors import InputError

PREFIX = "prefstack-ocf-ext/1:"
"""How a comment holding prefstack's extension starts."""
PREFIX_FAMILY = "prefstack-ocf-ext/"
"""The start of a comment of any version of the extension."""
CLAUSE = "OCF extension"
"""The 'clause' of a fault in the extension (a fault of the interchange format, not of a certificate)."""

ROLES = ("package", "event", "derived", "stakeholder", "stock_class", "tranche")

EXTENSION_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://prefstack.invalid/schema/ocf-extension-1.json",
    "title": "prefstack OCF extension (prefstack-ocf-ext/1)",
    "description": (
        "The JSON after the prefix 'prefstack-ocf-ext/1:' of one string of an OCF object's comments "
        "(the manifest's comments for the package). Numbers are exact strings ('1000.00', '2/3')."
    ),
    "type": "object",
    "required": ["role"],
    "oneOf": [
        {
            "properties": {
                "role": {"const": "package"},
                "company": {"type": "string", "description": "The issuer's legal name in prefstack's registry"},
                "as_of": {"type": "string", "format": "date"},
                "terms": {
                    "type": "object",
                    "description": "series id -> the designation of the certificate whose terms prefstack holds",
                    "additionalProperties": {"type": "string"},
                },
                "readings": {
                    "type": "object",
                    "description": "The reading set the package's figures were computed under (interpretation id -> "
                    "alternative; empty: prefstack's readings)",
                    "additionalProperties": {"type": "string"},
                },
                "interpretations": {
                    "type": "array",
                    "description": "The ids of the interpretations whose reading the package's figures rest on "
                    "(prefstack interpretations)",
                    "items": {"type": "string"},
                },
                "events": {
                    "type": "array",
                    "description": "Every ledger event that no OCF transaction carries (elections, notices, "
                    "dividend payments, closing prices, voids and the events they void, ...), as ledger events "
                    "(prefstack schema ledger) with their position in the ledger (seq)",
                    "items": {"$ref": "#/$defs/placed_event"},
                },
                "capital_structure": {
                    "description": "The capital-structure file (prefstack schema capital-structure), or null",
                    "type": ["object", "null"],
                },
            },
            "required": [
                "role",
                "company",
                "as_of",
                "terms",
                "readings",
                "interpretations",
                "events",
                "capital_structure",
            ],
            "additionalProperties": False,
        },
        {
            "properties": {
                "role": {"const": "event"},
                "event": {"$ref": "#/$defs/placed_event"},
            },
            "required": ["role", "event"],
            "additionalProperties": False,
        },
        {
            "properties": {
                "role": {"const": "derived"},
                "from_seq": {"type": "integer", "minimum": 1},
                "clause": {"type": "string"},
                "exact": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "required": ["role", "from_seq", "clause", "exact"],
            "additionalProperties": False,
        },
        {
            "properties": {"role": {"const": "stakeholder"}, "holder": {"type": "string"}, "name": {"type": "string"}},
            "required": ["role", "holder", "name"],
            "additionalProperties": False,
        },
        {
            "properties": {
                "role": {"const": "stock_class"},
                "series": {"type": ["string", "null"]},
                "class_name": {"type": "string"},
                "exact": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "required": ["role", "series", "class_name", "exact"],
            "additionalProperties": False,
        },
        {
            "properties": {"role": {"const": "tranche"}, "name": {"type": "string"}},
            "required": ["role", "name"],
            "additionalProperties": False,
        },
    ],
    "$defs": {
        "placed_event": {
            "type": "object",
            "required": ["seq", "event"],
            "additionalProperties": False,
            "properties": {
                "seq": {"type": "integer", "minimum": 1, "description": "The event's position in the ledger"},
                "event": {
                    "type": "object",
                    "description": "One ledger event as a ledger file writes it (kind, date, its fields, "
                    "recorded_at, recorded_by)",
                    "required": ["kind", "date"],
                },
            },
        }
    },
}
"""The JSON Schema of the extension's JSON (docs/ocf.md prints it; a test validates every comment)."""


def comment(data: dict[str, Any]) -> str:
    """The comment string carrying ``data`` (keys sorted, so that an export is reproducible)."""
    return PREFIX + json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def find(obj: dict[str, Any], where: str) -> dict[str, Any] | None:
    """The extension carried by the OCF object ``obj`` (None: it carries none); ``where`` names the
    object in errors. A comment of another version, malformed JSON or two extensions are refused."""
    comments = obj.get("comments", [])
    if not isinstance(comments, list):
        raise InputError(f"{where}.comments", CLAUSE, "must be a list of strings")
    found: dict[str, Any] | None = None
    for i, text in enumerate(comments):
        if not isinstance(text, str) or not text.startswith(PREFIX_FAMILY):
            continue
        if not text.startswith(PREFIX):
            raise InputError(
                f"{where}.comments[{i}]",
                CLAUSE,
                f"an extension of another version ({text[:30]!r}); this prefstack reads {PREFIX!r}",
            )
        if found is not None:
            raise InputError(f"{where}.comments[{i}]", CLAUSE, "a second prefstack extension on one object")
        try:
            data = json.loads(text[len(PREFIX) :])
        except (ValueError, RecursionError) as exc:
            raise InputError(f"{where}.comments[{i}]", CLAUSE, f"the extension is not JSON ({exc})") from exc
        if not isinstance(data, dict) or data.get("role") not in ROLES:
            raise InputError(
                f"{where}.comments[{i}]", CLAUSE, f"the extension is an object whose role is one of {', '.join(ROLES)}"
            )
        found = data
    return found


def require(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    """``data[key]`` of type ``kind``, or an error naming the field."""
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise InputError(f"{where}.{key}", CLAUSE, f"the extension needs {key} ({kind.__name__})")
    return value
