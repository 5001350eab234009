"""The query layer: :class:`prefstack.books.Books` answers each question from a store or a ledger file
alike, the state as typed answers (:mod:`prefstack.report`), and :func:`prefstack.answers.json_ready`
writes any answer as the JSON the commands print."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from typing import Any

import pytest

from prefstack.answers import Figure, json_ready, optional
from prefstack.books import Books
from prefstack.figures import MONEY, RATIO, SHARES
from prefstack.ledger import service
from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import replay
from prefstack.report import HolderState, StateAnswer, state_report

COMPANY = "cais-internet"
EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")
ON = dt.date(2003, 12, 31)


@dataclass(frozen=True)
class _Inner:
    amount: Figure
    dates: tuple[dt.date, ...]


@dataclass(frozen=True)
class _Outer:
    name: str
    shares: Figure
    ratio: Figure
    inner: _Inner
    facts: Mapping[str, Any]
    missing: int | None
    why: str | None = optional()


def test_json_ready_writes_figures_in_order_with_their_exact_value_where_rounded() -> None:
    answer = _Outer(
        name="a",
        shares=Figure(Fraction(10), SHARES),  # 10.00 is exact: no _exact sibling
        ratio=Figure(Fraction(1000, 3), RATIO),  # 333.333333... to five places, half-up: 333.33333
        inner=_Inner(Figure(Fraction(5, 8), MONEY), (dt.date(2001, 3, 31),)),  # 0.625 -> 0.63 (half-up)
        facts={"rate": "7%"},
        missing=None,
    )
    assert json_ready(answer) == {
        "name": "a",
        "shares": "10.00",
        "ratio": "333.33333",
        "ratio_exact": "1000/3",
        "inner": {"amount": "0.63", "amount_exact": "0.625", "dates": ["2001-03-31"]},
        "facts": {"rate": "7%"},
        "missing": None,
    }
    assert list(json_ready(answer)) == ["name", "shares", "ratio", "ratio_exact", "inner", "facts", "missing"]
    assert (
        json_ready(_Outer("a", Figure(1, SHARES), Figure(1, RATIO), answer.inner, {}, 3, "because"))["why"] == "because"
    )


@pytest.mark.parametrize("bad", [1.5, Decimal("1.5"), Fraction(3, 2)])
def test_json_ready_refuses_a_number_that_is_not_a_figure_naming_the_field(bad: object) -> None:
    answer = _Outer("a", Figure(1, SHARES), Figure(1, RATIO), _Inner(Figure(1, MONEY), ()), {}, bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"_Outer\.missing"):
        json_ready(answer)
    with pytest.raises(TypeError, match="dataclass instance"):
        json_ready({"not": "an answer"})


@pytest.fixture
def store(tmp_path: Any) -> str:
    url = f"sqlite:///{tmp_path / 'books.sqlite'}"
    with resources.as_file(EXAMPLE) as path, service.open_store(url) as opened:
        service.append(opened, read_ledger(path).events, company=COMPANY, recorded_by="test")
    return url


def test_the_state_from_a_store_and_from_the_ledger_file_is_the_same_typed_answer(store: str) -> None:
    with resources.as_file(EXAMPLE) as path:
        from_file = Books(store, ledger=str(path)).state(ON)
        replayed = state_report(replay(read_ledger(path).events, ON), explain=False)
    from_store = Books(store, COMPANY).state(ON)
    assert isinstance(from_store, StateAnswer) and from_store == from_file
    assert json_ready(from_store) == replayed


def test_each_holders_votes_are_the_whole_shares_of_common_its_shares_convert_into(store: str) -> None:
    """F §4: votes = floor(shares x $1,000 / Conversion Price), from the typed figures themselves."""
    answer = Books(store, COMPANY).state(ON)
    holders: list[HolderState] = [h for s in answer.series for h in s.holders]
    assert holders
    for h in holders:
        shares, price = h.shares_outstanding.value, h.conversion_price.value
        assert isinstance(shares, Fraction | int) and isinstance(price, Fraction | int)
        assert h.votes == math.floor(Fraction(shares) * 1000 / Fraction(price))
        assert h.conversion_ratio.value == Fraction(1000) / Fraction(price)


def test_a_question_through_the_books_equals_the_query_on_the_replayed_state(store: str) -> None:
    from prefstack.queries import voting

    with resources.as_file(EXAMPLE) as path:
        expected = voting(replay(read_ledger(path).events, ON), None)
    assert Books(store, COMPANY).votes(ON) == expected


def test_the_books_as_known_before_anything_was_recorded_hold_no_holders(store: str) -> None:
    before = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
    answer = Books(store, COMPANY, known_at=before).state(ON)
    assert all(not s.holders for s in answer.series)
