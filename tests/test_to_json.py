"""``to_json`` writes plain JSON data by orjson and everything else by :mod:`json`: the text is the
same character for character as ``json.dumps(data, indent=2, ensure_ascii=False)`` either way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.output import _plain, to_json


def _reference(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)  # control characters, quotes, U+2028 ...
_scalars = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | _text
_plain_data = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.lists(inner, max_size=5).map(tuple) | st.dictionaries(_text, inner, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(_plain_data)
def test_plain_data_is_written_as_json_writes_it(data: Any) -> None:
    assert _plain(data)
    assert to_json(data) == _reference(data)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    st.recursive(
        _scalars | st.floats(allow_nan=True, allow_infinity=True),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
        max_leaves=20,
    )
)
def test_data_with_floats_is_written_as_json_writes_it(data: Any) -> None:
    assert to_json(data) == _reference(data)


@pytest.mark.parametrize(
    "data",
    [
        1e16,  # orjson would write 1e16, json 1e+16
        {"a": [1, 2.5]},
        {1: "a key that is not a string"},
        {"big": 2**64},  # beyond orjson's 64 bits: json writes it
        ["\ud800"],  # a lone surrogate
    ],
)
def test_what_orjson_would_write_otherwise_is_left_to_json(data: object) -> None:
    assert to_json(data) == _reference(data)


def test_only_plain_types_are_plain() -> None:
    import datetime as dt
    import enum

    class Kind(enum.StrEnum):
        a = "a"

    assert _plain({"a": [1, "x", None, True, ("y", {"z": -3})]})
    assert not _plain({"a": [1, 2.0]})
    assert not _plain({"a": Kind.a})  # a str subclass
    assert not _plain([dt.date(2005, 6, 30)])  # json refuses it; orjson would write it
    assert not _plain({("a",): 1})
    with pytest.raises(TypeError):
        to_json({"a": dt.date(2005, 6, 30)})  # refused as json refuses it, not written by orjson


GOLDEN = sorted((Path(__file__).parent / "golden" / "state").glob("*.json"))


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda p: p.name)
def test_a_state_answer_is_written_as_before(golden: Path) -> None:
    """Real answers: the golden states of the bundled example (with every explanation), written by
    :mod:`json` when they were made, are written again character for character."""
    text = golden.read_text(encoding="utf-8").removesuffix("\n")
    data = json.loads(text)
    assert _plain(data)
    assert to_json(data) == text
