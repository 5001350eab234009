"""The §5 state's records are views of the fold's lists, made in constant time (antidilution.Records):
a view keeps showing what the fold held when it was taken, however the fold grows afterwards."""

from __future__ import annotations

import pytest

from prefstack.clauses.antidilution import Records


def test_a_view_shows_the_records_of_its_moment_as_a_tuple_would() -> None:
    items = ["a", "b"]
    view = Records(items)
    items.append("c")  # the fold goes on
    assert len(view) == 2 and list(view) == ["a", "b"] and view == ("a", "b") and view == ["a", "b"]
    assert view[-1] == "b" and view[0] == "a" and view[0:5] == ("a", "b") and view[::-1] == ("b", "a")
    assert view != ("a", "b", "c") and Records(items) == ("a", "b", "c") and Records(items, 2) == view
    assert hash(view) == hash(("a", "b")) and repr(view) == "('a', 'b')"
    assert "c" not in view and view.index("b") == 1 and view.count("a") == 1
    with pytest.raises(IndexError):
        view[2]
    with pytest.raises(IndexError):
        view[-3]
    with pytest.raises(TypeError):
        view[0] = "z"  # type: ignore[index]
