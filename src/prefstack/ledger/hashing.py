"""Canonical JSON and the hash chain of the event ledger.

Every stored event carries the SHA-256 of a canonical JSON document made of its append
position (``seq``), its id, kind, effective date, recording instant, who recorded it, its payload
and the hash of
the event before it (``prev_hash``; the first event points to :data:`GENESIS`). Changing,
removing, inserting or reordering any stored event therefore breaks the chain at that event.

Canonical JSON: keys sorted, no whitespace, non-ASCII characters written as themselves
(``ensure_ascii=False``). Only ``str``, ``int``, ``bool``, ``None``, lists and objects with
string keys are accepted; floats are refused, because money is written as decimal strings
and a binary float would not be exact.

Dates are written ``YYYY-MM-DD``; instants are written in UTC with microseconds,
``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``, a fixed width, so that text order is time order.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import TypeAlias

from prefstack.errors import PrefstackError

JSON: TypeAlias = str | int | bool | list["JSON"] | dict[str, "JSON"] | None
"""A value the ledger stores exactly: no floats."""

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event of every ledger."""


class LedgerError(PrefstackError):
    """Base class of the errors of the event ledger."""


class InvalidEvent(LedgerError, ValueError):
    """An event cannot be stored as given; ``field`` names the offending field or payload key."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _check_json(value: object, path: str) -> None:
    """Refuse anything in ``value`` that canonical JSON does not hold exactly."""
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        raise InvalidEvent(
            path, f"float {value!r} is refused: write money and quantities as decimal strings, e.g. '{value!r}'"
        )
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidEvent(f"{path}[{key!r}]", f"object keys must be strings, not {type(key).__name__}")
            _check_json(item, f"{path}[{key!r}]")
        return
    raise InvalidEvent(
        path, f"{type(value).__name__} is not a JSON value (str, int, bool, None, list or dict of those)"
    )


def canonical_json(obj: object, *, field: str = "payload") -> str:
    """Return ``obj`` as canonical JSON text (sorted keys, no whitespace, UTF-8 characters kept).

    Raises :class:`InvalidEvent` naming the key (``field`` is the name of ``obj`` itself)
    if ``obj`` holds a float or anything else that is not a JSON value.
    """
    _check_json(obj, field)
    return _CANONICAL.encode(obj)


def format_date(value: datetime.date, *, field: str = "effective_date") -> str:
    """Write a calendar date as ``YYYY-MM-DD``; a datetime is refused (it is not a date)."""
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise InvalidEvent(field, f"must be a datetime.date, not {type(value).__name__}")
    return value.isoformat()


def format_instant(value: datetime.datetime, *, field: str = "recorded_at") -> str:
    """Write a timezone-aware instant in UTC, fixed width with microseconds; naive ones are refused."""
    if not isinstance(value, datetime.datetime):
        raise InvalidEvent(field, f"must be a datetime.datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidEvent(field, f"naive datetime {value.isoformat()} is refused: give a timezone-aware UTC instant")
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def parse_instant(text: str) -> datetime.datetime:
    """Read an instant written by :func:`format_instant`: one naming no UTC offset is not one (it
    would be read in the machine's time zone) and raises :class:`ValueError`."""
    found = datetime.datetime.fromisoformat(text)
    if found.tzinfo is None:
        raise ValueError(f"the instant {text!r} names no UTC offset")
    return found.astimezone(datetime.UTC)


def event_hash(
    seq: int,
    event_id: str,
    kind: str,
    effective_date: datetime.date,
    recorded_at: datetime.datetime,
    payload: Mapping[str, JSON],
    prev_hash: str,
    *,
    recorded_by: str,
) -> str:
    """SHA-256 (hex) of the canonical JSON of one event and the hash of the event before it.

    The hashed document is ``canonical_json({"seq": ..., "event_id": ..., "kind": ...,
    "effective_date": "YYYY-MM-DD", "recorded_at": <UTC instant>, "recorded_by": ...,
    "payload": {...}, "prev_hash": ...})``.
    """
    return hash_written_event(
        seq,
        event_id,
        kind,
        format_date(effective_date),
        format_instant(recorded_at),
        canonical_json(dict(payload)),
        prev_hash,
        recorded_by=recorded_by,
    )


_encode_string: Callable[[str], str] = json.encoder.encode_basestring
"""What ``_CANONICAL.encode`` does with a string (``ensure_ascii=False``), called directly (no
wrapper: it is called for six strings of every event each time a chain is verified)."""


def hash_written_event(
    seq: int,
    event_id: str,
    kind: str,
    effective_date: str,
    recorded_at: str,
    payload_json: str,
    prev_hash: str,
    *,
    recorded_by: str,
) -> str:
    """:func:`event_hash` of an event already written as text (the form the store keeps).

    ``payload_json`` is used byte for byte, so any change to the stored text changes the hash.
    The document is assembled in canonical key order; it equals :func:`canonical_json` of the
    whole event whenever ``payload_json`` is canonical.
    """
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise InvalidEvent("seq", f"must be an int, not {type(seq).__name__}")
    document = (
        f'{{"effective_date":{_encode_string(effective_date)},"event_id":{_encode_string(event_id)},'
        f'"kind":{_encode_string(kind)},"payload":{payload_json},"prev_hash":{_encode_string(prev_hash)},'
        f'"recorded_at":{_encode_string(recorded_at)},"recorded_by":{_encode_string(recorded_by)},"seq":{seq}}}'
    )
    return hashlib.sha256(document.encode("utf-8")).hexdigest()
