"""Every kind of ledger event has its handler in the replay: the LedgerEvent union's kinds are
exactly the kinds the ledger orders, each applies (or, for a void, is removed before replay), and
an object that is no event of the union is refused by the replay itself."""

from __future__ import annotations

import datetime as dt
import inspect
import typing

import pytest

from prefstack.ledger import events as ev
from prefstack.ledger import replay as replay_module
from prefstack.ledger.replay import Placed


def _kinds() -> dict[str, type]:
    (union, _field) = typing.get_args(ev.LedgerEvent)
    return {cls.model_fields["kind"].default: cls for cls in typing.get_args(union)}


def test_every_kind_of_the_union_is_ordered_and_dispatched_by_the_replay() -> None:
    kinds = _kinds()
    assert set(kinds) == set(ev.KIND_ORDER)
    source = inspect.getsource(replay_module._apply)
    for kind, cls in kinds.items():
        assert f"ev.{cls.__name__}()" in source, f"no case for {kind}"


def test_an_object_outside_the_union_fails_the_replay() -> None:
    state = replay_module.LedgerState(as_of=dt.date(2000, 1, 1), series={})
    with pytest.raises(AssertionError):
        replay_module._apply(state, Placed(object(), "test"))  # type: ignore[arg-type]
