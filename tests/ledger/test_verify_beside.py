"""The hash chain verified in a forked child while the command works out its answer
(:mod:`prefstack.forked`, :func:`prefstack.ledger.service.while_verifying`): the child really does
the work, a child that fails leaves the work to this process, a child nobody waits for is killed and
reaped, no child is forked beside another thread, and the outcome (answers, refusals, which error
comes first) is the same forked or not, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import gc
import os
import threading
import time
from collections.abc import Iterator
from importlib import resources

import pytest

from helpers import edit_share_count, no_child_left
from prefstack import forked
from prefstack.errors import InputError
from prefstack.ledger import service
from prefstack.ledger.files import read_ledger
from prefstack.ledger.store import EventStore

EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")
COMPANY = "cais-internet"
F_ISSUE = 524  # the Series F issue of 40,000 shares in the example

pytestmark = pytest.mark.skipif(not forked.can_fork(), reason="no child is forked on this machine")




def test_the_child_does_the_work_and_this_process_gets_its_result() -> None:
    parent = os.getpid()
    with forked.beside(os.getpid, lambda: os.getpid) as pending:
        assert pending.forked
        child = pending.result()
    assert child != parent  # computed in another process
    assert no_child_left()


def test_the_child_runs_no_cyclic_collection_and_this_process_still_does() -> None:
    was_enabled = gc.isenabled()  # off where an in-process command ran before (cli.main turns it off)
    gc.enable()
    try:
        with forked.beside(gc.isenabled, lambda: gc.isenabled) as pending:
            assert pending.forked
            assert pending.result() is False  # the child's: it leaves by os._exit, nothing to collect
        assert gc.isenabled()
    finally:
        (gc.enable if was_enabled else gc.disable)()
    assert no_child_left()


def test_a_child_that_fails_leaves_the_work_to_this_process() -> None:
    def broken() -> int:
        raise OSError("the database could not be opened in the child")

    with forked.beside(lambda: 42, lambda: broken) as pending:
        assert pending.forked
        assert pending.result() == 42  # the child exited 1 without a result: done here
    assert no_child_left()


def test_a_child_killed_before_it_answers_leaves_the_work_to_this_process() -> None:
    def killed() -> int:
        os.kill(os.getpid(), 9)
        return 0

    with forked.beside(lambda: 7, lambda: killed) as pending:
        assert pending.result() == 7


def test_a_child_nobody_waits_for_is_killed_and_reaped() -> None:
    started = time.monotonic()
    with (
        pytest.raises(RuntimeError, match="the command failed first"),
        forked.beside(lambda: 0, lambda: lambda: time.sleep(60) or 0),
    ):
        raise RuntimeError("the command failed first")
    assert time.monotonic() - started < 30
    assert no_child_left()


def test_no_child_beside_another_thread() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forked.can_fork()
        with forked.beside(os.getpid, lambda: os.getpid) as pending:
            assert not pending.forked
            assert pending.result() == os.getpid()  # done here, in turn
    finally:
        stop.set()
        thread.join()


# --- while_verifying on a real store ------------------------------------------------------


@pytest.fixture
def stream_store(store_url: str) -> Iterator[EventStore]:
    with EventStore(store_url) as store:
        service.append(store, read_ledger(EXAMPLE).events, company=COMPANY)  # type: ignore[arg-type]
        yield store




@pytest.fixture(params=["forked", "in turn"])
def fork(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param == "in turn":
        monkeypatch.setattr(forked, "can_fork", lambda: False)
    return bool(request.param == "forked")


def test_the_work_is_given_once_the_chain_verifies(stream_store: EventStore, fork: bool) -> None:
    stream = stream_store.stream(COMPANY)
    done = service.while_verifying(stream, stream.head, allow=False)
    assert done.verified
    assert done.get() == stream.head()
    assert no_child_left()


def test_a_chain_that_does_not_verify_is_refused_before_the_works_own_error(
    stream_store: EventStore, store_url: str, fork: bool
) -> None:
    edit_share_count(store_url)
    stream = stream_store.stream(COMPANY)

    def work() -> int:
        raise InputError("--field", "ledger format", "the work's own error")

    with pytest.raises(InputError, match=r"does not verify .*seq 524 edited"):
        service.while_verifying(stream, work, allow=False)
    assert no_child_left()


def test_the_works_error_is_raised_where_the_chain_verifies(stream_store: EventStore, fork: bool) -> None:
    stream = stream_store.stream(COMPANY)

    def work() -> int:
        raise InputError("--field", "ledger format", "the work's own error")

    done = service.while_verifying(stream, work, allow=False)
    assert done.verified
    with pytest.raises(InputError, match="the work's own error"):
        done.get()


def test_an_allowed_chain_that_does_not_verify_is_said_so(stream_store: EventStore, store_url: str, fork: bool) -> None:
    edit_share_count(store_url)
    stream = stream_store.stream(COMPANY)
    done = service.while_verifying(stream, stream.version, allow=True)
    assert not done.verified
    assert done.get() == 554  # the example's events


def test_the_state_is_the_same_forked_or_not(
    stream_store: EventStore, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state of the example on a date after its last event (from the snapshot) and on an earlier
    date (replayed), each computed with the chain verified in a child and in turn."""
    found = {}
    for mode in ("forked", "in turn"):
        if mode == "in turn":
            monkeypatch.setattr(forked, "can_fork", lambda: False)
        for day in (dt.date(2003, 12, 31), dt.date(2001, 6, 30)):
            whose, state = service.state_on(None, store_url, None, day)
            assert whose == COMPANY
            found[mode, day] = {name: s.shares_outstanding for name, s in state.series.items()}
    assert found["forked", dt.date(2003, 12, 31)] == found["in turn", dt.date(2003, 12, 31)]
    assert found["forked", dt.date(2001, 6, 30)] == found["in turn", dt.date(2001, 6, 30)]
    assert no_child_left()
