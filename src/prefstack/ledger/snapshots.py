"""Snapshots: a company's ledger folded once and kept, so that a question or an append on a long
ledger does not fold every event again.

A snapshot is the :func:`~prefstack.ledger.replay.fold` of a company's whole stream, before it
is finished for a date, serialized by :func:`dumps` and stored beside the stream
(:meth:`~prefstack.ledger.store.LedgerStream.save_snapshot`) with what it was made from:

- the stream's head (its number of events and the hash of the last one): a snapshot answers only
  while the head is the same, so an append, however it was made, retires it;
- a fingerprint of the code and of the company's terms files (:func:`fingerprint`): a snapshot
  made by another prefstack, or before a terms file was edited, is never read;
- the date the fold was made to, and whether an event was judged on that date itself
  (``reads_as_of``).

It is derived data, a cache: deleting it loses nothing, and every answer read from it equals a
fold from the start (``tests/ledger/test_snapshots.py`` checks state, appends and refusals both
ways). It is read only for the latest state of the stream (no ``--known-at``) and a date on or
after its last event; an earlier date folds from the start.

The format is Python's pickle, read with an unpickler that builds only prefstack's own classes
and the few standard ones a state holds (:data:`ALLOWED`), so a store cannot make a reader run
anything else. A series' terms are not written: they are the registry's, named by series id.
"""

from __future__ import annotations

import copyreg
import dataclasses
import enum
import functools
import hashlib
import io
import math
import operator
import pickle
import zlib
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import pydantic

from prefstack.instruments import registry
from prefstack.ledger.replay import LedgerState
from prefstack.memo import without_cyclic_gc
from prefstack.terms import SeriesTerms, load_terms

FORMAT = 1
"""The snapshot format; a change of what a state holds changes the code, and so the fingerprint."""


class NotSnapshotable(Exception):
    """A state that cannot be kept as a snapshot (terms that are not the registry's)."""


@functools.cache
def _code_digest() -> str:
    digest = hashlib.sha256(f"prefstack-snapshot/{FORMAT}".encode())
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def fingerprint(company: str) -> str:
    """What a snapshot of ``company`` (an issuer id) depends on besides its events: prefstack's
    code and every data file of the company's folder in the registry (terms, sections,
    interpretations, capital structure)."""
    digest = hashlib.sha256(_code_digest().encode())
    found = registry.issuer(company, "company")
    root = resources.files("prefstack.instruments").joinpath("issuers", found.id)
    with resources.as_file(root) as folder:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _terms_by_id(terms: SeriesTerms) -> tuple[Any, tuple[str]]:
    if load_terms(terms.series) is not terms:
        raise NotSnapshotable(f"the terms of Series {terms.series} are not the registry's")
    return load_terms, (terms.series,)


def _fraction(numerator: object, denominator: object) -> Fraction:
    """A Fraction from its terms, written in lowest terms with a positive denominator (pickle's own
    form of a Fraction is text, and parsing it again took most of a large snapshot's reading);
    terms of any other form are not a snapshot prefstack wrote."""
    if (
        isinstance(numerator, int)
        and isinstance(denominator, int)
        and not isinstance(numerator, bool)
        and not isinstance(denominator, bool)
        and denominator > 0
        and math.gcd(numerator, denominator) == 1
    ):
        value = object.__new__(Fraction)
        value._numerator = numerator  # type: ignore[attr-defined]
        value._denominator = denominator  # type: ignore[attr-defined]
        return value
    raise pickle.UnpicklingError(f"a snapshot holds the Fraction {numerator!r}/{denominator!r}, not in lowest terms")


def _without_caches(state: LedgerState) -> tuple[Any, ...]:
    fields = {**vars(state), "section5_cache": {}}
    return copyreg.__newobj__, (LedgerState,), fields  # type: ignore[attr-defined]


class _Pickler(pickle.Pickler):
    """Writes each distinct Fraction once. The first Fraction of a value is written by its terms
    (:func:`_fraction`); every later one equal to it, as that first one taken out of a one-element
    tuple (``operator.getitem((first, ), 0)``: pickle's memo writes the first as a reference, and
    reading it calls only C code). A large register's fold holds 360,000 Fractions of 18,000
    values (the same share counts, rates and amounts for many holders): its snapshot reads a third
    faster and half as large, and the state read back shares the values (a Fraction never changes).
    Only Fractions reach Python code here (a pickler's ``dispatch_table``), so writing stays fast."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=5)
        self.written: dict[Fraction, tuple[tuple[Fraction], int]] = {}
        self.dispatch_table = {
            **copyreg.dispatch_table,
            SeriesTerms: _terms_by_id,
            LedgerState: _without_caches,
            Fraction: self._fraction_terms,
        }

    def _fraction_terms(self, value: Fraction) -> tuple[Any, ...]:
        """The first Fraction of a value by its terms; a later one as the first out of the same
        arguments, one tuple per value (pickle writes it once, then a reference to it, so that
        reading a repeated value builds nothing)."""
        found = self.written.get(value)
        if found is None:
            self.written[value] = ((value,), 0)
            return _fraction, (value.numerator, value.denominator)
        return operator.getitem, found


def dumps(state: LedgerState) -> bytes:
    """``state`` (a fold, not finished) as bytes: its memo of §5 answers left out (it is rebuilt
    as questions are asked; the §5 folds themselves are kept, to be continued), its series' terms
    named by series id, each distinct Fraction written once (:class:`_Pickler`). Raises
    :class:`NotSnapshotable` for a state whose terms are not the registry's."""
    buffer = io.BytesIO()
    pickler = _Pickler(buffer)
    with without_cyclic_gc():
        pickler.dump(state)
    return zlib.compress(buffer.getvalue(), 1)


ALLOWED: dict[str, frozenset[str]] = {
    "builtins": frozenset({"set", "frozenset", "object", "tuple", "list", "dict", "bytes", "bytearray"}),
    "copyreg": frozenset({"_reconstructor", "__newobj__"}),
    "datetime": frozenset({"date", "datetime", "timedelta", "timezone"}),
    "decimal": frozenset({"Decimal"}),
    "collections": frozenset({"OrderedDict"}),
    "_operator": frozenset({"getitem"}),  # a Fraction written before, out of a one-element tuple
}
"""The standard classes a snapshot may build (all plain values)."""

_RECORDS = (tuple, enum.Enum, pydantic.BaseModel)
"""Besides dataclasses, the kinds of prefstack class a snapshot may build: named tuples, enums and
the ledger's event models. Building one runs no more than its validation."""


def _prefstack_builders() -> frozenset[object]:
    """The prefstack objects a snapshot may name that are not records: the functions that build
    a Fraction and a series' terms again, and the §5 fold and its views."""
    from prefstack.clauses.antidilution import IncrementalFold, Records

    return frozenset({_fraction, load_terms, IncrementalFold, Records})


class _Unpickler(pickle.Unpickler):
    """Builds only plain values and prefstack's records: a snapshot (a row any writer of the store
    can change) cannot make a reader call anything else, such as a function of prefstack that
    opens a store or writes a file."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "prefstack" or module.startswith("prefstack."):
            found = super().find_class(module, name)
            record = isinstance(found, type) and (dataclasses.is_dataclass(found) or issubclass(found, _RECORDS))
            if record or found in _prefstack_builders():
                return found
        elif name in ALLOWED.get(module, frozenset()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"a snapshot may not name {module}.{name}")


def loads(blob: bytes) -> LedgerState:
    """The fold :func:`dumps` wrote."""
    with without_cyclic_gc():  # hundreds of thousands of objects and no cycles to find
        state = _Unpickler(io.BytesIO(zlib.decompress(blob))).load()
    if not isinstance(state, LedgerState):
        raise pickle.UnpicklingError(f"a snapshot holds a {type(state).__name__}, not a ledger state")
    return state


def _comparable(state: LedgerState) -> dict[str, object]:
    """What a fold holds, for comparison: every field but the memo of §5 answers, with each
    series' §5 fold by its own fields (a fold object compares by identity)."""
    fields = {k: v for k, v in vars(state).items() if k != "section5_cache"}
    fields["section5_folds"] = {key: vars(fold) for key, fold in state.section5_folds.items()}
    return fields


def same_fold(first: LedgerState, second: LedgerState) -> bool:
    """Whether two folds (not finished) hold the same: a snapshot and a fold of its events."""
    return _comparable(first) == _comparable(second)

