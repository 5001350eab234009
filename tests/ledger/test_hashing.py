"""Canonical JSON and event hashes of the ledger (prefstack.ledger.hashing)."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.ledger.hashing import (
    GENESIS,
    InvalidEvent,
    canonical_json,
    event_hash,
    format_instant,
    hash_written_event,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
payloads = st.dictionaries(st.text(max_size=8), json_values, max_size=5)


def test_canonical_json_sorts_keys_without_whitespace_keeping_unicode() -> None:
    assert canonical_json({"b": [1, "é"], "a": {"y": None, "x": True}}) == '{"a":{"x":true,"y":null},"b":[1,"é"]}'
    assert canonical_json({"amount": "0.10"}) == '{"amount":"0.10"}'


def test_genesis_is_sixty_four_zeros() -> None:
    assert GENESIS == "0" * 64


@settings(max_examples=150)
@given(payloads)
def test_canonical_json_round_trips_exactly(payload: dict[str, Any]) -> None:
    text = canonical_json(payload)
    assert json.loads(text) == payload
    assert canonical_json(json.loads(text)) == text


@settings(max_examples=150)
@given(payloads, st.integers(min_value=1, max_value=10**9), st.text(min_size=1, max_size=10), st.dates())
def test_event_hash_is_sha256_of_the_canonical_event_document(
    payload: dict[str, Any], seq: int, kind: str, effective: datetime.date
) -> None:
    """The hash is sha256 over canonical_json of the whole event, payload nested in it."""
    recorded = datetime.datetime(2024, 3, 15, 9, 30, 0, 123, tzinfo=datetime.UTC)
    document = {
        "seq": seq,
        "event_id": "a" * 32,
        "kind": kind,
        "effective_date": effective.isoformat(),
        "recorded_at": "2024-03-15T09:30:00.000123+00:00",
        "recorded_by": "transfer.agent",
        "payload": payload,
        "prev_hash": GENESIS,
    }
    expected = hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
    assert (
        event_hash(seq, "a" * 32, kind, effective, recorded, payload, GENESIS, recorded_by="transfer.agent") == expected
    )


def test_event_hash_changes_with_every_field() -> None:
    base = (3, "a" * 32, "issue", datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC))
    by = "clerk"
    h = event_hash(*base, {"amount": "1.00"}, GENESIS, recorded_by=by)
    assert len(h) == 64 and int(h, 16) >= 0
    assert event_hash(4, *base[1:], {"amount": "1.00"}, GENESIS, recorded_by=by) != h
    assert event_hash(*base, {"amount": "1.0"}, GENESIS, recorded_by=by) != h
    assert event_hash(*base, {"amount": "1.00"}, "1" * 64, recorded_by=by) != h
    assert event_hash(*base, {"amount": "1.00"}, GENESIS, recorded_by="another clerk") != h  # who is hashed too
    written = (3, "a" * 32, "issue", "2024-01-02", format_instant(base[4]))
    assert hash_written_event(*written, '{"amount":"1.00"}', GENESIS, recorded_by=by) == h
    # The stored text is hashed byte for byte: non-canonical whitespace is a different event.
    assert hash_written_event(*written, '{"amount": "1.00"}', GENESIS, recorded_by=by) != h


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"a": 1.0}, "payload['a']"),
        ({"a": [1, {"b": float("nan")}]}, "payload['a'][1]['b']"),
        ({"a": {1: "x"}}, "payload['a'][1]"),
        ({"a": (1, 2)}, "payload['a']"),
        ({"a": b"x"}, "payload['a']"),
    ],
)
def test_non_json_values_are_refused_naming_the_key(value: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidEvent) as info:
        canonical_json(value)
    assert info.value.field == field


@settings(max_examples=100)
@given(payloads, st.floats(allow_nan=False))
def test_a_float_anywhere_is_refused(payload: dict[str, Any], number: float) -> None:
    with pytest.raises(InvalidEvent, match="float"):
        canonical_json({**payload, "zz": [payload, {"x": number}]})


def test_instants_are_written_in_utc_fixed_width() -> None:
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    assert format_instant(datetime.datetime(2024, 1, 1, 9, 0, tzinfo=tokyo)) == "2024-01-01T00:00:00.000000+00:00"
    assert format_instant(datetime.datetime(5, 1, 1, tzinfo=datetime.UTC)) == "0005-01-01T00:00:00.000000+00:00"
    with pytest.raises(InvalidEvent, match="naive"):
        format_instant(datetime.datetime(2024, 1, 1))
