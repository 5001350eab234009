"""Reading never changes the state: replay seals what it builds, readers are pure, and the
dispatch over event kinds is exhaustive (an unhandled kind is an error, never counted as applied)."""

from __future__ import annotations

import datetime as dt
import json
import typing
from fractions import Fraction as Fr
from importlib import resources
from pathlib import Path
from typing import Literal

import pytest

from prefstack import queries
from prefstack.ledger import events as ev
from prefstack.ledger.files import read_ledger_file
from prefstack.ledger.replay import Holding, Placed, StateIsReadOnly, _apply, holding_accrued_unpaid, replay
from prefstack.report import state_report

AS_OF = dt.date(2002, 6, 30)
LATER = dt.date(2003, 6, 30)
"""Four Payment Dates later: 2002-09-15, 2002-12-15, 2003-03-15, 2003-06-15."""


def _example_state():  # type: ignore[no-untyped-def]
    return replay(read_ledger_file(Path(str(resources.files("prefstack.data").joinpath("example_ledger.yaml")))), AS_OF)


def _report(state) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(state_report(state), sort_keys=True)


def test_accrued_dividends_on_a_later_date_do_not_rewrite_the_state() -> None:
    """DIV-ACCRUED-UNPAID: the example's Microsoft holding owes $126,340.19 on 2002-06-30 with no
    unpaid Payment Date. Asking for its accrued dividends on 2003-06-30 answers for that date
    (four quarters with no payment recorded become arrears there) and leaves the state as it was:
    still $126,340.19 and no unpaid dates (it used to become $3,032,164.53 with four unpaid dates)."""
    state = _example_state()
    f = state.series["F"]
    holding = f.holdings["Microsoft Corporation"]
    before = _report(state)
    later = holding_accrued_unpaid(f, holding, LATER)
    now = holding_accrued_unpaid(f, holding, AS_OF)
    assert later.value > now.value
    assert f.holdings["Microsoft Corporation"] is holding
    figures = state_report(state)["series"][0]["holders"][0]
    assert figures["accrued_unpaid_dividends"] == "126340.19" and figures["unpaid_payment_dates"] == []
    assert f.unpaid_payment_dates == [dt.date(2001, 12, 15)]
    assert _report(state) == before


def test_every_question_leaves_the_state_unchanged() -> None:
    """Every query of the query layer, asked of one state, leaves its report byte for byte the same."""
    state = _example_state()
    before = _report(state)
    queries.conversion_quote(state, "F", "Microsoft Corporation", Fr(250), None)
    queries.liquidation(state, Fr(90_000_000), [])
    queries.redemption(state, "F", Fr(20_000_000))
    queries.voting(state)
    queries.certificates_of_adjustment(state)
    assert _report(state) == before


def test_a_sealed_state_refuses_every_change() -> None:
    """After replay, attributes, mappings and lists of the state and its holdings are read-only."""
    state = _example_state()
    f = state.series["F"]
    with pytest.raises(StateIsReadOnly):
        state.as_of = LATER
    with pytest.raises(StateIsReadOnly):
        f.pik_shares_issued = Fr(0)
    with pytest.raises(StateIsReadOnly):
        f.holdings["Someone"] = Holding("F", "Someone", Fr(1))
    with pytest.raises(StateIsReadOnly):
        del f.holdings["Microsoft Corporation"]
    with pytest.raises(StateIsReadOnly):
        f.unpaid_payment_dates.append(LATER)
    with pytest.raises(StateIsReadOnly):
        state.closing_prices.clear()
    with pytest.raises(AttributeError):  # frozen dataclass
        f.holdings["Microsoft Corporation"].shares = Fr(1)  # type: ignore[misc]


class _Unhandled(ev._Event):
    kind: Literal["unhandled"] = "unhandled"


def test_an_event_kind_without_a_handler_is_an_error_not_applied() -> None:
    """Exhaustive dispatch: replay's match ends in assert_never, so a kind it does not handle raises
    instead of being counted as applied (mypy --strict rejects such a kind at type-check time)."""
    state = replay([], AS_OF)
    with pytest.raises(AssertionError):
        _apply(state, Placed(_Unhandled(date=AS_OF), "event 1"))  # type: ignore[arg-type]


def test_every_kind_of_the_union_has_an_order_and_a_clause() -> None:
    """Every event class of the LedgerEvent union has its place among the events of a date."""
    union = typing.get_args(typing.get_args(ev.LedgerEvent)[0])
    kinds = {cls.model_fields["kind"].default for cls in union}
    assert kinds == set(ev.KIND_ORDER)
