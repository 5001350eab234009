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

A question at the head needs the holdings and the current figures, not the history: each
holder's paid dividends (:class:`~prefstack.ledger.replay.PaidDividend`, per Payment Date),
dividend elections, dividends recorded as not legally available and conversions, which are most
of a long ledger's fold (the fields named ``_DEFERRABLE`` in the state's classes). They are
written after the rest, as a second compressed part, each field pickled on its own, and each is
read only when a reader first asks for it (:func:`~prefstack.ledger.replay.defer`): a question
about the paid dividends does not read the elections, and a dividend election folded on reads
neither (it is kept beside the elections until they are read:
:func:`~prefstack.ledger.replay.put_entry`). A snapshot written again from a state read from one
copies each field of its history not read since as it is.

It is derived data, a cache: deleting it loses nothing, and every answer read from it equals a
fold from the start (``tests/ledger/test_snapshots.py`` checks state, appends and refusals both
ways). It is read only for the latest state of the stream (no ``--known-at``) and a date on or
after its last event; an earlier date starts from the checkpoint of its quarter where there is
one (:mod:`prefstack.ledger.checkpoints`, the same format), else folds from the start.

The format is Python's pickle, read with an unpickler that builds only prefstack's own classes
and the few standard ones a state holds (:data:`ALLOWED`), so a store cannot make a reader run
anything else. A series' terms are not written: they are the registry's, named by series id.
"""

from __future__ import annotations

import copyreg
import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import io
import math
import pickle
import zlib
from collections.abc import Callable, Sequence
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import pydantic

from prefstack.collector import without_cyclic_gc
from prefstack.errors import SnapshotUnreadable
from prefstack.instruments import registry
from prefstack.ledger.replay import (
    LedgerState,
    SeriesState,
    defer,
    deferred_of,
    put_before_reading,
    undeferred,
)
from prefstack.terms import SeriesTerms, load_terms

T = TypeVar("T")

_DECODING_ERRORS = (
    pickle.UnpicklingError,
    EOFError,
    IndexError,
    KeyError,
    AttributeError,
    TypeError,
    ValueError,
    OverflowError,
    zlib.error,
)
"""What reading bytes that are not a snapshot prefstack wrote raises: cut short (EOFError),
naming a value the table does not hold (IndexError), a class it may not name or a record that
does not validate, and so on. Each is refused as :class:`SnapshotUnreadable`."""


def _decoded(read: Callable[[], T]) -> T:
    """``read()``, where it reads a snapshot's bytes: what it raises for bytes prefstack did not
    write, :class:`SnapshotUnreadable`."""
    try:
        return read()
    except SnapshotUnreadable:
        raise
    except _DECODING_ERRORS as exc:
        raise SnapshotUnreadable(f"not a snapshot prefstack wrote: {type(exc).__name__}: {exc}") from exc


FORMAT = 3
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


def _fraction(numerator: int, denominator: int) -> Fraction:
    """A Fraction from the terms of one already in lowest terms (pickle writes a Fraction as text,
    and parsing it again took most of a large snapshot's loading)."""
    value = object.__new__(Fraction)
    value._numerator = numerator  # type: ignore[attr-defined]
    value._denominator = denominator  # type: ignore[attr-defined]
    return value


def _fraction_checked(numerator: object, denominator: object) -> Fraction:
    """A Fraction of the table of a snapshot: two whole numbers, in lowest terms, the denominator
    positive (anything else is a snapshot prefstack did not write)."""
    if (
        isinstance(numerator, int)
        and isinstance(denominator, int)
        and not isinstance(numerator, bool)
        and not isinstance(denominator, bool)
        and denominator > 0
        and math.gcd(numerator, denominator) == 1
    ):
        return _fraction(numerator, denominator)
    raise SnapshotUnreadable(f"a snapshot's table holds {numerator!r}/{denominator!r}, not a Fraction")


_LEFT_OUT = frozenset({"_deferred", "_put", *LedgerState._DEFERRABLE, *SeriesState._DEFERRABLE})
"""What the first part of a snapshot does not hold: the history (written in the second part),
where a state read from a snapshot reads its own history from, and the entries put in a field of
it not read yet (:func:`~prefstack.ledger.replay.put_entry`, written with the field)."""


def _without_caches(state: LedgerState) -> tuple[Any, ...]:
    fields = {k: v for k, v in vars(state).items() if k not in _LEFT_OUT}
    fields["section5_cache"] = {}
    return copyreg.__newobj__, (LedgerState,), fields  # type: ignore[attr-defined]


def _without_history(series: SeriesState) -> tuple[Any, ...]:
    fields = {k: v for k, v in vars(series).items() if k not in _LEFT_OUT}
    return copyreg.__newobj__, (SeriesState,), fields  # type: ignore[attr-defined]


Value = Fraction | dt.date | str
"""A value of a snapshot's table: each distinct Fraction, date and string is written once (:class:`_Pickler`)."""
Key = tuple[int, int] | dt.date | str
"""How the table looks a value up (:func:`_key`)."""


class _Pickler(pickle.Pickler):
    """Writes each distinct Fraction once: every Fraction of the state is written as its number in
    a table of the distinct values (a pickle "persistent id"), and the table is written before the
    state. A large register's fold holds 360,000 Fractions of 18,000 values (the same share counts,
    rates and amounts for many holders); reading each value once made its snapshot a third faster
    to read, and the state read back shares them (Fractions never change). A value is looked up
    by its numerator and denominator (a Fraction is kept in lowest terms, so equal values have
    equal pairs): hashing the pair of ints is far cheaper than hashing the Fraction, which
    computes a modular inverse each time, and a state names its Fractions millions of times.

    Dates and strings are written the same way, each distinct one once: the dividend elections of
    a 100,000-event ledger name the same few hundred dates and 4,700 holders' names 47,000 times,
    each mention a new object after a fold (each event parsed on its own): reading each of them once
    read the history of that ledger's checkpoint in 38 ms instead of 47 ms (the state read back
    shares them too: dates and strings never change)."""

    def __init__(self, file: io.BytesIO, values: Sequence[Value] = ()) -> None:
        super().__init__(file, protocol=5)
        self.dispatch_table = {
            **copyreg.dispatch_table,
            SeriesTerms: _terms_by_id,
            LedgerState: _without_caches,
            SeriesState: _without_history,
        }
        self.values: dict[Key, int] = {_key(value): number for number, value in enumerate(values)}

    def persistent_id(self, obj: object) -> int | None:
        kind = type(obj)
        if kind is Fraction:
            key: Key = (obj.numerator, obj.denominator)  # type: ignore[attr-defined]
        elif kind is str or kind is dt.date:
            key = obj  # type: ignore[assignment]
        else:
            return None
        number = self.values.get(key)
        if number is None:
            number = self.values[key] = len(self.values)
        return number


def _key(value: Value) -> Key:
    """How the table looks a value up: a Fraction by its numerator and denominator, a date or a
    string as it is."""
    return (value.numerator, value.denominator) if isinstance(value, Fraction) else value


def _table_value(entry: object) -> Value:
    """A value of the table of a snapshot from what the table holds (the keys :class:`_Pickler`
    numbered, :func:`_key`): a Fraction's numerator and denominator, a date or a string; anything
    else is a snapshot prefstack did not write."""
    kind = type(entry)
    if kind is str or kind is dt.date:
        return entry  # type: ignore[return-value]
    if kind is tuple and len(entry) == 2:  # type: ignore[arg-type]
        return _fraction_checked(*entry)  # type: ignore[misc]
    raise SnapshotUnreadable(f"a snapshot's table holds {entry!r}, not a Fraction, a date or a string")


def dumps(state: LedgerState) -> bytes:
    """``state`` (a fold, not finished) as bytes: its memo of §5 answers left out (it is rebuilt
    as questions are asked; the §5 folds themselves are kept, to be continued), its series' terms
    named by series id, its Fractions, dates and strings by their number in the table of distinct
    values written first (:class:`_Pickler`), its history (:data:`_LEFT_OUT`) in a second part
    after the rest, each field of it pickled on its own (:class:`_History`). Where the state was
    read from a snapshot, each field of that history not read since is copied as it was written
    (nothing changes a field without reading it, or putting an entry beside it:
    :func:`~prefstack.ledger.replay.put_entry`), and the table keeps the numbers those fields name;
    where none was read, the whole second part is. Raises :class:`NotSnapshotable` for a state
    whose terms are not the registry's."""
    history = _history_read_with(state)
    body = io.BytesIO()
    pickler = _Pickler(body, history.values if history is not None else ())
    with without_cyclic_gc():
        pickler.dump(state)
        owners: list[tuple[str | None, LedgerState | SeriesState]] = [(None, state), *state.series.items()]
        unread = {
            (series, name): history.field_bytes(series, name)
            for series, owner in owners
            for name in owner._DEFERRABLE
            if history is not None
            and _reads_from(owner, history)
            and name not in vars(owner)
            and not put_before_reading(owner, name)
        }
        if history is not None and len(unread) == sum(len(owner._DEFERRABLE) for _, owner in owners):
            rest = history.blob
        else:
            fields: dict[str, Any] = {"state": {}, "series": {series: {} for series in state.series}}
            for series, owner in owners:
                for name in sorted(owner._DEFERRABLE):
                    written = unread.get((series, name))
                    if written is None:
                        # each field's own pickler, numbering values on in the one table of the snapshot
                        one = io.BytesIO()
                        field_pickler = _Pickler(one)
                        field_pickler.values = pickler.values
                        field_pickler.dump(getattr(owner, name))
                        written = one.getvalue()
                    (fields["state"] if series is None else fields["series"][series])[name] = written
            rest = zlib.compress(pickle.dumps(fields, protocol=5), 1)
    table = list(pickler.values)
    return framed(pickle.dumps(table, protocol=5), body.getvalue()) + rest


class _History:
    """The second part of a snapshot (its history): every deferred field of the state and of each
    series pickled on its own (the values it names are those of the first part's table, which it
    keeps), all compressed together. The part is decompressed when a reader first asks for a field,
    and each field read when first asked for: a dividend statement needs the paid dividends, not
    every holder's elections."""

    def __init__(self, blob: bytes, values: list[Value], series: frozenset[str]) -> None:
        self.blob = blob
        self.values = values
        self.series = series
        self._fields: dict[str, Any] | None = None

    def fields(self) -> dict[str, Any]:
        """Each field's bytes, by ``{"state": {name: ...}, "series": {series: {name: ...}}}``."""
        if self._fields is None:
            found = _decoded(lambda: _Unpickler(io.BytesIO(zlib.decompress(self.blob))).load())
            if not (
                isinstance(found, dict)
                and set(found) == {"state", "series"}
                and _written(LedgerState, found["state"])
                and isinstance(found["series"], dict)
                and set(found["series"]) == self.series
                and all(_written(SeriesState, fields) for fields in found["series"].values())
            ):
                raise SnapshotUnreadable("a snapshot's history is not the one prefstack wrote")
            self._fields = found
        return self._fields

    def field_bytes(self, series: str | None, name: str) -> bytes:
        """The field ``name`` of the state (``series`` None) or of a series, as it was written."""
        fields = self.fields()
        written: bytes = (fields["state"] if series is None else fields["series"][series])[name]
        return written

    def value(self, series: str | None, name: str) -> object:
        """The field ``name`` of the state (``series`` None) or of a series, read."""
        kind = LedgerState if series is None else SeriesState
        written = self.field_bytes(series, name)
        with without_cyclic_gc():
            found = _decoded(lambda: _Unpickler(io.BytesIO(written), self.values).load())
        if type(found) is not dict(_deferrable(kind))[name]:
            raise SnapshotUnreadable("a snapshot's history is not the one prefstack wrote")
        return found


def _written(kind: type[LedgerState] | type[SeriesState], fields: object) -> bool:
    """Whether ``fields`` are the deferred fields of ``kind``, each as bytes."""
    return (
        isinstance(fields, dict)
        and set(fields) == kind._DEFERRABLE
        and all(type(written) is bytes for written in fields.values())
    )


def _deferrable(kind: type[LedgerState] | type[SeriesState]) -> list[tuple[str, type]]:
    """Each deferred field of ``kind`` with the type of its value (a dict or a list: its default's)."""
    found = []
    for f in dataclasses.fields(kind):
        if f.name in kind._DEFERRABLE:
            assert callable(f.default_factory), f"{kind.__name__}.{f.name} is a dict or list field"
            found.append((f.name, type(f.default_factory())))
    return found


class _Part:
    """Where a state read from a snapshot reads its deferred fields from (:class:`_History`): the
    state's own (``series`` None) or one series'."""

    def __init__(self, history: _History, series: str | None) -> None:
        self.history = history
        self.series = series

    def value(self, name: str) -> object:
        return self.history.value(self.series, name)


def _reads_from(owner: LedgerState | SeriesState, history: _History) -> bool:
    """Whether ``owner`` reads the fields it has not read yet from ``history``."""
    part = deferred_of(owner)
    return isinstance(part, _Part) and part.history is history


def _history_read_with(state: LedgerState) -> _History | None:
    """The history ``state`` and its series were read with, where some field of it is still unread
    (None where none is, or where they were read from more than one)."""
    owners = (state, *state.series.values())
    histories = {id(p.history): p.history for p in map(deferred_of, owners) if isinstance(p, _Part)}
    return next(iter(histories.values())) if len(histories) == 1 else None


def framed(table: bytes, body: bytes) -> bytes:
    """The first part of a snapshot's bytes: the pickled table of values, then the pickled state
    without its history, compressed (the table's length first, eight bytes big-endian). The second
    part, the history compressed, follows it."""
    return zlib.compress(len(table).to_bytes(8, "big") + table + body, 1)


ALLOWED: dict[str, frozenset[str]] = {
    "builtins": frozenset({"set", "frozenset", "object", "tuple", "list", "dict", "bytes", "bytearray"}),
    "copyreg": frozenset({"_reconstructor", "__newobj__"}),
    "datetime": frozenset({"date", "datetime", "timedelta", "timezone"}),
    "decimal": frozenset({"Decimal"}),
    "collections": frozenset({"OrderedDict"}),
}
"""The standard classes a snapshot may build (all plain values)."""

_RECORDS = (tuple, enum.Enum, pydantic.BaseModel)
"""Besides dataclasses, the kinds of prefstack class a snapshot may build: named tuples, enums and
the ledger's event models. Building one runs no more than its validation."""


def _prefstack_builders() -> frozenset[object]:
    """The prefstack objects a snapshot may name that are not records: the function that builds a
    series' terms again, and the §5 fold and its views. (Fractions are not named: they are built
    from the snapshot's table of values, as its dates and strings are.)"""
    from prefstack.clauses.antidilution import IncrementalFold, Records

    return frozenset({load_terms, IncrementalFold, Records})


class _Unpickler(pickle.Unpickler):
    """Builds only plain values and prefstack's records: a snapshot (a row any writer of the store
    can change) cannot make a reader call anything else, such as a function of prefstack that
    opens a store or writes a file."""

    def __init__(self, file: io.BytesIO, values: list[Value] | None = None) -> None:
        super().__init__(file)
        # The Fraction numbered ``pid`` in the snapshot's table of values (:class:`_Pickler`), by
        # the list's own C method: a large register's state names them half a million times. A
        # number the table does not hold raises, and :func:`loads` says so; a negative one names
        # a value of the table all the same (the table is the snapshot's own, nothing else).
        self.persistent_load = (values or []).__getitem__  # type: ignore[method-assign]

    def find_class(self, module: str, name: str) -> Any:
        if module == "prefstack" or module.startswith("prefstack."):
            found = super().find_class(module, name)
            record = isinstance(found, type) and (dataclasses.is_dataclass(found) or issubclass(found, _RECORDS))
            if record or found in _prefstack_builders():
                return found
        elif name in ALLOWED.get(module, frozenset()):
            return super().find_class(module, name)
        raise SnapshotUnreadable(f"a snapshot may not name {module}.{name}")


def loads(blob: bytes) -> LedgerState:
    """The fold :func:`dumps` wrote, its history left to be read when a reader first asks for it;
    :class:`SnapshotUnreadable` for bytes it did not write."""
    with without_cyclic_gc():  # hundreds of thousands of objects and no cycles to find
        first = zlib.decompressobj()
        raw = _decoded(lambda: first.decompress(blob))
        size = int.from_bytes(raw[:8], "big")
        table = _decoded(lambda: _Unpickler(io.BytesIO(raw[8 : 8 + size])).load())
        if type(table) is not list:
            raise SnapshotUnreadable(f"a snapshot's table of values is a {type(table).__name__}, not a list")
        values = [_table_value(entry) for entry in table]
        state = _decoded(lambda: _Unpickler(io.BytesIO(raw[8 + size :]), values).load())
    if not isinstance(state, LedgerState):
        raise SnapshotUnreadable(f"a snapshot holds a {type(state).__name__}, not a ledger state")
    if not first.eof or not first.unused_data:
        raise SnapshotUnreadable("not a snapshot prefstack wrote: its history is missing")
    _only_its_fields(state)
    held = vars(state)["series"]
    if type(held) is not dict or not all(type(series) is str for series in held):
        raise SnapshotUnreadable(f"a snapshot's series are a {type(held).__name__}, not a dict by series id")
    history = _History(first.unused_data, values, frozenset(held))
    for series, owner in held.items():
        if not isinstance(owner, SeriesState):
            raise SnapshotUnreadable(f"a snapshot holds a {type(owner).__name__} for Series {series}")
        _only_its_fields(owner)
    for series, owner in ((None, state), *held.items()):
        defer(owner, _Part(history, series))
    return state


def _only_its_fields(owner: LedgerState | SeriesState) -> None:
    """Refuse a state or series read from a snapshot's first part that holds anything but the
    fields the first part keeps (every field but its history): a forged entry such as ``_put``
    would otherwise be read as entries put beside its history, unchecked."""
    kept = {f.name for f in dataclasses.fields(owner)} - owner._DEFERRABLE
    found = set(vars(owner))
    if found != kept:
        said = [f"holds {', '.join(sorted(found - kept))}"] if found - kept else []
        said += [f"lacks {', '.join(sorted(kept - found))}"] if kept - found else []
        raise SnapshotUnreadable(f"a snapshot's {type(owner).__name__} {'; '.join(said)}")


def _comparable(state: LedgerState) -> dict[str, object]:
    """What a fold holds, for comparison: every field but the memo of §5 answers, with each
    series' §5 fold by its own fields (a fold object compares by identity)."""
    fields = {k: v for k, v in vars(undeferred(state)).items() if k != "section5_cache"}
    fields["section5_folds"] = {key: vars(fold) for key, fold in state.section5_folds.items()}
    return fields


def same_fold(first: LedgerState, second: LedgerState) -> bool:
    """Whether two folds (not finished) hold the same: a snapshot and a fold of its events."""
    return _comparable(first) == _comparable(second)
