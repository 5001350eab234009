"""A fold, a snapshot read back and a state report hold no reference cycles, so reference counting
alone frees them: the command line runs with Python's cyclic garbage collector off
(:func:`prefstack.cli.main`), and this is what makes that safe for its memory."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from importlib import resources

import pytest

from prefstack.ledger import snapshots
from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import finish, fold, replay
from prefstack.report import state_report

EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")
COMPANY = "cais-internet"
AFTER_THE_LAST_EVENT = dt.date(2006, 12, 31)


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def _cycles_left_by(build: Callable[[], object]) -> int:
    """How many objects that only a reference cycle kept alive ``build`` left behind once its
    result is dropped (:func:`gc.collect` finds and counts them)."""
    gc.collect()
    result = build()
    assert result is not None
    del result
    return gc.collect()


def _events() -> list:  # type: ignore[type-arg]
    with resources.as_file(EXAMPLE) as path:
        return read_ledger(path).events


def test_a_replay_and_its_state_report_leave_no_cycles(collector_off: None) -> None:
    events = _events()
    replay(events, AFTER_THE_LAST_EVENT, company=COMPANY)  # fills the memo of pure functions first
    assert _cycles_left_by(lambda: state_report(replay(events, AFTER_THE_LAST_EVENT, company=COMPANY))) == 0


def test_a_snapshot_read_back_and_finished_leaves_no_cycles(collector_off: None) -> None:
    events = _events()
    blob = snapshots.dumps(fold(events, max(p.event.date for p in events), company=COMPANY))
    state_report(finish(snapshots.loads(blob), AFTER_THE_LAST_EVENT))
    assert _cycles_left_by(lambda: state_report(finish(snapshots.loads(blob), AFTER_THE_LAST_EVENT))) == 0


def test_the_check_sees_a_cycle_when_there_is_one(collector_off: None) -> None:
    def cyclic() -> object:
        a: list[object] = []
        a.append(a)
        return a

    assert _cycles_left_by(cyclic) == 1
