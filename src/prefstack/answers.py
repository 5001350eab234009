"""Typed answers of the query layer, and the one way they become JSON.

A question asked of the ledger (:mod:`prefstack.books`) answers with frozen dataclasses whose
figures are :class:`Figure` values: exact numbers with the number of places they are shown to.
The command line, the documents and the web API read the same answer. :func:`json_ready` writes
any answer as the JSON every command prints with ``--format json`` (the figure convention of
:mod:`prefstack.figures` and the schemas of :mod:`prefstack.output_schemas`): each field under its
own name (``class_`` as ``class``), in the order the dataclass declares it; a
:class:`Figure` as its rounded string with an ``_exact`` sibling where rounding changed it; dates
as ISO 8601; tuples as arrays; a field marked :func:`optional` left out where it is None.

Only what an answer can hold is written: any other type is a :class:`TypeError` naming the field,
never a guess.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from prefstack.figures import json_figure

__all__ = ["Figure", "differences", "json_ready", "optional"]

_OMIT_IF_NONE = "omit_if_none"


@dataclasses.dataclass(frozen=True, slots=True)
class Figure:
    """An exact quantity (a Fraction or a whole number) and the places it is shown to in JSON
    (half-up; :data:`prefstack.figures.MONEY`, ``SHARES``, ``PRICE``, ``RATIO``, ``COMMON``)."""

    value: Fraction | int
    places: int


def optional() -> Any:
    """A dataclass field of an answer that JSON leaves out where it is None (an explanation
    nobody asked for, the capital structure of a question asked without one)."""
    return dataclasses.field(default=None, metadata={_OMIT_IF_NONE: True})


def json_ready(answer: object) -> dict[str, Any]:
    """``answer`` (a dataclass of this layer) as JSON-ready data."""
    return _ready(answer, {})


_Shown = dict[tuple[int, str], tuple[Figure, dict[str, str]]]
"""The figures written so far by one :func:`json_ready`, by (the Figure's identity, its name): a
figure shared by many records (the Conversion Price and ratio of every holder of a series) is
rounded and written once. The Figure is kept beside what it wrote, so its identity stays its own
while the memo lives."""


def _ready(answer: object, shown: _Shown) -> dict[str, Any]:
    if not dataclasses.is_dataclass(answer) or isinstance(answer, type):
        raise TypeError(f"an answer is a dataclass instance, not {type(answer).__name__}")
    out: dict[str, Any] = {}
    for attribute, name, omit_if_none in _fields(type(answer)):
        value = getattr(answer, attribute)
        if value is None and omit_if_none:
            continue
        if type(value) is Figure:
            key = (id(value), name)
            found = shown.get(key)
            if found is None:
                found = shown[key] = (value, json_figure(name, value.value, value.places))
            out.update(found[1])
        else:
            out[name] = _value(value, f"{type(answer).__name__}.{attribute}", shown)
    return out


@functools.cache
def _fields(kind: type) -> tuple[tuple[str, str, bool], ...]:
    """Each field of an answer's type, in order: its attribute, its name in JSON and whether JSON
    leaves it out when None (once per type: a state of thousands of holders writes each holder's
    answer)."""
    fields = dataclasses.fields(kind)
    return tuple((f.name, _json_name(f.name), bool(f.metadata.get(_OMIT_IF_NONE))) for f in fields)


def _json_name(attribute: str) -> str:
    """``class_`` is written ``class``: one trailing underscore is how an answer names a field after
    a word Python keeps for itself (PEP 8)."""
    return attribute[:-1] if attribute.endswith("_") and not attribute.endswith("__") else attribute


def _value(value: object, where: str, shown: _Shown) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dt.date):  # a datetime is a date too: both as ISO 8601
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_value(v, where, shown) for v in value]
    if isinstance(value, Mapping):  # an explanation (Explained.to_dict) or facts: JSON-ready already
        return {str(k): _value(v, where, shown) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _ready(value, shown)
    raise TypeError(f"{where}: an answer cannot hold a {type(value).__name__} ({value!r}); give it as a Figure")


COMPARABLE = ("convert", "dividends", "redemption", "state", "transaction", "votes", "waterfall")
"""The questions answered twice to compare two reading sets (the command line's ``--compare-reading``,
the web service's ``compare``): their answers are matched record by record (:func:`differences`)."""


def differences(default: Any, other: Any, path: str = "") -> list[dict[str, Any]]:
    """Where two JSON answers of one question differ (:func:`json_ready` of each), leaf by leaf:
    ``{"path": ..., "default": ..., "alternative": ...}``. A list of records is matched by each
    record's ``series`` and ``holder`` where it has them (``holders[Microsoft Corporation]``), else
    by position; explanations (``explain``) are left out: their figures are the answer's."""
    if isinstance(default, dict) and isinstance(other, dict):
        found: list[dict[str, Any]] = []
        for key in [*default, *(k for k in other if k not in default)]:
            if key in ("explain", "adjustment_explanations"):
                continue
            found += differences(default.get(key), other.get(key), f"{path}.{key}" if path else key)
        return found
    if isinstance(default, list) and isinstance(other, list):
        left, right = _keyed(default), _keyed(other)
        if left is not None and right is not None:
            keys = [*left, *(k for k in right if k not in left)]
            return [d for k in keys for d in differences(left.get(k), right.get(k), f"{path}[{k}]")]
        if len(default) == len(other):
            pairs = enumerate(zip(default, other, strict=True))
            return [d for i, (a, b) in pairs for d in differences(a, b, f"{path}[{i}]")]
    if default == other:
        return []
    return [{"path": path, "default": default, "alternative": other}]


def _keyed(records: list[Any]) -> dict[str, Any] | None:
    """Records by their ``series`` and ``holder`` (joined by a space), None where they have neither
    or two share one key."""
    keys = []
    for record in records:
        if not isinstance(record, dict) or not ({"series", "holder"} & set(record)):
            return None
        keys.append(" ".join(str(record[k]) for k in ("series", "holder") if k in record))
    if len(set(keys)) != len(keys):
        return None
    return dict(zip(keys, records, strict=True))
