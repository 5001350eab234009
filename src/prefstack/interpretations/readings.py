"""Reading sets: which alternative of each interpretation the clause functions compute under.

By default every clause computes prefstack's reading of each open point. A reading set names, for
some interpretations, one of their implemented alternatives (``--reading DIV-DAYCOUNT=actual-365``
on a question, or a YAML file of ``ID: ALT`` lines, ``--readings FILE``); the clause code asks
:func:`chosen` and computes that alternative. The set is held in a context variable for the
duration of one question (:func:`under`), so that two questions asked at once (the web service)
never see each other's readings.

A reading set naming an interpretation that does not exist, an alternative it does not have, or one
it describes but prefstack does not implement, is refused with an error naming it. Only questions
are asked under a reading set: the ledger is validated, folded and kept (its snapshot) under the
default readings alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

from prefstack.datafiles import load_data
from prefstack.errors import InputError
from prefstack.interpretations import DEFAULT, registry

__all__ = [
    "DEFAULT",
    "ReadingSet",
    "active",
    "chosen",
    "consulted_set",
    "consulting",
    "parse",
    "pick",
    "read_file",
    "under",
]

T = TypeVar("T")

ReadingSet = tuple[tuple[str, str], ...]
"""Chosen alternatives as (interpretation id, alternative id), sorted; the default ones left out."""

_CHOSEN: ContextVar[ReadingSet] = ContextVar("prefstack_readings", default=())
_CONSULTED: ContextVar[set[str] | None] = ContextVar("prefstack_consulted", default=None)
"""While :func:`consulting`: the interpretations whose reading a computation asked for."""
CLAUSE = "interpretations"
"""What an error in a reading set cites: the interpretation registry (``prefstack interpretations``)."""


def active() -> ReadingSet:
    """The reading set the current question is asked under (empty: the default readings)."""
    return _CHOSEN.get()


def chosen(ident: str) -> str:
    """The alternative of interpretation ``ident`` the current question computes: an alternative's
    id, or :data:`DEFAULT` (prefstack's reading). Under a reading set ``ident`` must be registered
    (every implemented alternative is computed by a test, so a misspelt id fails there)."""
    seen = _CONSULTED.get()
    if seen is not None:
        seen.add(ident)
    active_set = _CHOSEN.get()
    if not active_set:  # prefstack's readings (the clauses' hot paths ask this thousands of times a replay)
        return DEFAULT
    if ident not in registry():
        raise KeyError(f"interpretation {ident!r} is not in the registry")
    for name, alternative in active_set:
        if name == ident:
            return alternative
    return DEFAULT


def pick(ident: str, computed: Mapping[str, T]) -> T:
    """What ``computed`` gives for the alternative of ``ident`` the question is asked under
    (``default``: prefstack's reading): a clause whose alternatives differ only in a value (a
    rounding mode) names each one's value. An alternative the registry implements but
    ``computed`` does not name is an error, never a silent default."""
    alternative = chosen(ident)
    if alternative not in computed:
        raise AssertionError(f"{ident} alternative {alternative!r} is registered but not computed")
    return computed[alternative]


def parse(choices: Mapping[str, str], field: str) -> ReadingSet:
    """``choices`` (interpretation id -> alternative id) checked against the registry, as a reading
    set; ``field`` is the option or file an error names."""
    found = registry()
    out: dict[str, str] = {}
    for ident, alternative in choices.items():
        interpretation = found.get(ident)
        if interpretation is None:
            raise InputError(field, CLAUSE, f"no interpretation {ident!r} (`prefstack interpretations` lists them)")
        implemented = dict(interpretation.selectable)
        if alternative == DEFAULT:
            continue
        if alternative not in implemented:
            offered = ", ".join([DEFAULT, *implemented])
            raise InputError(
                field,
                CLAUSE,
                f"{ident} has no implemented alternative {alternative!r} (implemented: {offered}; "
                f"the others are described in the registry, not computed)",
            )
        out[ident] = alternative
    return tuple(sorted(out.items()))


def parse_options(values: list[str], field: str = "--reading") -> dict[str, str]:
    """``ID=ALT`` options as a mapping; a malformed one or an id given twice is refused."""
    out: dict[str, str] = {}
    for value in values:
        ident, sep, alternative = value.partition("=")
        if not sep or not ident.strip() or not alternative.strip():
            raise InputError(field, CLAUSE, f"write a reading as ID=ALTERNATIVE, not {value!r}")
        if ident.strip() in out:
            raise InputError(field, CLAUSE, f"{ident.strip()} is given twice")
        out[ident.strip()] = alternative.strip()
    return out


def read_file(path: Path, field: str = "--readings") -> dict[str, str]:
    """A reading-set file: a YAML mapping of interpretation id to alternative id."""
    try:
        data = load_data(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(field, CLAUSE, f"cannot read {path}: {exc.strerror}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise InputError(field, CLAUSE, f"{path}: a reading set is a mapping of interpretation id to alternative id")
    return dict(data)


def json_schema() -> dict[str, object]:
    """The JSON Schema of a reading-set file (``--readings``): each interpretation, with ``default``
    (prefstack's reading) and the ids of its implemented alternatives."""
    properties = {
        i.id: {"enum": [DEFAULT, *(alt for alt, _ in i.selectable)], "description": i.question}
        for i in sorted(registry().values(), key=lambda i: i.id)
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "prefstack reading set",
        "description": "The alternative reading of each open point a question is computed under (ID: ALT).",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }


@contextlib.contextmanager
def under(readings: ReadingSet) -> Iterator[None]:
    """Compute under ``readings`` (checked by :func:`parse`) until the block ends."""
    token = _CHOSEN.set(readings)
    try:
        yield
    finally:
        _CHOSEN.reset(token)


def consulted_set() -> set[str] | None:
    """The set :func:`consulting` is filling (None: nobody is asking)."""
    return _CONSULTED.get()


@contextlib.contextmanager
def consulting() -> Iterator[set[str]]:
    """Collect the interpretations whose reading the computations in the block ask for (:func:`chosen`,
    and :func:`prefstack.memo.per_terms` for a remembered answer). An interpretation nobody asked
    for cannot change what the block computed: the clauses compute the same under any of its
    alternatives. Inside an outer collection, the outer one sees the same interpretations."""
    outer = _CONSULTED.get()
    found: set[str] = set()
    token = _CONSULTED.set(found)
    try:
        yield found
    finally:
        _CONSULTED.reset(token)
        if outer is not None:
            outer.update(found)
