"""The replay order's content key (prefstack.ledger.replay._content) orders events as
``json.dumps(data, sort_keys=True)`` does, the order same-day events of one kind have always been
replayed in: checked on arbitrary JSON data (Hypothesis: nested objects, integers beyond 64 bits,
non-ASCII, control characters and DEL) and on the bundled example ledger's events."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import _content

_SCALARS = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=12)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _old(data: Any) -> str:
    return json.dumps(data, sort_keys=True)


@settings(max_examples=400, deadline=None)
@given(st.lists(_DATA, min_size=2, max_size=6))
def test_the_content_key_orders_as_the_json_text_with_sorted_keys(values: list[Any]) -> None:
    # compare the orders (indices sorted by each key), and equal texts where and only where equal
    by_old = sorted(range(len(values)), key=lambda i: (_old(values[i]), i))
    by_new = sorted(range(len(values)), key=lambda i: (_content(values[i]), i))
    assert by_new == by_old
    for i, first in enumerate(values):
        for second in values[i + 1 :]:
            assert (_content(first) == _content(second)) == (_old(first) == _old(second))


def test_the_content_key_is_the_compact_json_with_every_character_outside_ascii_escaped() -> None:
    data = {"holder": "Société Générale", "b": [1, 2**70], "a": "x\x7fy\n"}
    text = '{"a":"x\\u007fy\\n","b":[1,1180591620717411303424],"holder":"Soci\\u00e9t\\u00e9 G\\u00e9n\\u00e9rale"}'
    assert _content(data) == text == json.dumps(data, sort_keys=True, separators=(",", ":"))
    assert _content({"kind": "closing_price", "price": "3.5"}) == '{"kind":"closing_price","price":"3.5"}'


def test_the_example_ledger_replays_in_the_order_of_its_sorted_json() -> None:
    with resources.as_file(resources.files("prefstack.data").joinpath("example_ledger.yaml")) as path:
        placed = read_ledger(path).events

    def old_key(p: Any) -> tuple[Any, ...]:  # the key before: the date, the kind's rank, json.dumps
        return (p.effective_date, p.sort_key()[1], _old(p.event.model_dump(mode="json")))

    old = sorted(placed, key=old_key)
    assert [p.seq for p in sorted(placed, key=lambda p: p.sort_key())] == [p.seq for p in old]
