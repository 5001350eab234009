"""Checkpoints (prefstack.ledger.checkpoints): the fold to each quarter end, kept by `ledger
snapshot`, answers a question on a date before the ledger's last event exactly as a replay from
the first event does, without the replay; a checkpoint that no longer describes the stored
events is never read."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import pytest
from benchmarks.synthetic import register_ledger

from prefstack.errors import InputError
from prefstack.ledger import checkpoints, service, snapshots
from prefstack.ledger.events import parse_event
from prefstack.ledger.files import parse_ledger, read_ledger
from prefstack.ledger.replay import Placed, fold, replay
from prefstack.report import state_report

COMPANY = "cais-internet"
EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")


def _example() -> list[Placed]:
    with resources.as_file(EXAMPLE) as path:
        return read_ledger(path).events


def _register() -> list[Placed]:
    """A small register: 40 Series F and 15 Series G holders, 8 conversions, elections, dividend
    payments and closing prices from 2000 to 2005 (no event with an id, no void)."""
    return parse_ledger(register_ledger(40, 15, 8), "register")


def _report(state: object) -> str:
    return json.dumps(state_report(state), default=str, sort_keys=True)  # type: ignore[arg-type]


def _store(url: str, placed: list[Placed]) -> str:
    with service.open_store(url) as store:
        service.append(store, placed, company=COMPANY, recorded_by="test")
        service.make_snapshot(store.stream(COMPANY))
    return url


def _replayed(db: str, day: dt.date) -> str:
    with service.open_store(db) as store:
        placed = service.placed_from_store(store.stream(COMPANY).read())
    return _report(replay(placed, day, company=COMPANY))


def _answered(db: str, day: dt.date) -> str:
    return _report(service.state_on(None, db, COMPANY, day)[1])


def _counting_replays(monkeypatch: pytest.MonkeyPatch) -> list[dt.date]:
    """The dates the service replays a ledger to from now on (a question a checkpoint answers adds none)."""
    replays: list[dt.date] = []
    real_replay = service.replay

    def counted(placed: list[Placed], as_of: dt.date, **kwargs: object) -> object:
        replays.append(as_of)
        return real_replay(placed, as_of, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "replay", counted)
    return replays


def _not_called(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("replayed from the start, not folded on from a checkpoint")


def test_quarter_ends_are_the_calendar_quarters_before_the_last_event() -> None:
    assert checkpoints.quarter_ends(dt.date(2000, 6, 1), dt.date(2001, 3, 31)) == [
        dt.date(2000, 6, 30),
        dt.date(2000, 9, 30),
        dt.date(2000, 12, 31),
    ]  # 2001-03-31 is the last event's own date: the snapshot's question, not a checkpoint's
    assert checkpoints.quarter_ends(dt.date(2000, 7, 1), dt.date(2000, 9, 30)) == []


@pytest.mark.parametrize("ledger", [_example, _register], ids=["example", "register"])
def test_each_checkpoint_is_the_fold_to_its_quarter_end(ledger: object) -> None:
    assert callable(ledger)
    placed = ledger()
    made = checkpoints.quarterly_folds(placed, COMPANY)
    last = max(p.effective_date for p in placed)
    assert [day for day, _ in made] == checkpoints.quarter_ends(min(p.effective_date for p in placed), last)
    for day, blob in made:
        assert snapshots.same_fold(snapshots.loads(blob), fold(placed, day, company=COMPANY)), day


def test_a_ledger_with_a_void_gets_no_checkpoints() -> None:
    placed = _example()
    void = parse_event({"kind": "void", "date": "2002-08-01", "voids_seq": 3, "reason": "entered twice"}, "test")
    assert checkpoints.quarterly_folds([*placed, Placed(void, "test")], COMPANY) == []


@pytest.mark.parametrize("ledger", [_example, _register], ids=["example", "register"])
def test_a_date_before_the_last_event_is_answered_from_its_quarter_as_a_replay_answers_it(
    store_url: str, ledger: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert callable(ledger)
    db = _store(store_url, ledger())
    with service.open_store(db) as store:
        made = store.stream(COMPANY).checkpoint_dates()
    assert len(made) >= 8
    # on a quarter end, the day after it, in the middle of a quarter and the day before the next
    days = [made[0], made[1] + dt.timedelta(days=1), made[2] + dt.timedelta(days=45), made[-1] - dt.timedelta(days=1)]
    expected = {day: _replayed(db, day) for day in days}
    monkeypatch.setattr(service, "load_ledger", _not_called)
    for day in days:
        assert _answered(db, day) == expected[day], day


def test_a_later_append_keeps_the_checkpoints_and_a_backdated_one_retires_them(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _store(store_url, _example())
    with service.open_store(db) as store:
        made = store.stream(COMPANY).checkpoint_dates()
    day = made[3] + dt.timedelta(days=20)  # 2001-04-20, between two quarter ends
    later = parse_event({"kind": "closing_price", "date": "2002-08-02", "price": "3.25"}, "test")
    with service.open_store(db) as store:
        service.append(store, [Placed(later, "test")], company=COMPANY, recorded_by="test")
    expected = _replayed(db, day)
    with monkeypatch.context() as patched:
        patched.setattr(service, "load_ledger", _not_called)
        assert _answered(db, day) == expected  # an event after every checkpoint: still read
    # a new address of a holder recorded late, effective 2001-01-10, before the checkpoints of
    # 2001-03-31 on: they no longer hold every event to their date, and the question is replayed
    moved = {"holder": "3Com Corporation", "address": ["1 Main Street", "Marlborough, Massachusetts 01752"]}
    backdated = parse_event({"kind": "holder_address", "date": "2001-01-10", **moved}, "test")
    with service.open_store(db) as store:
        service.append(store, [Placed(backdated, "test")], company=COMPANY, recorded_by="test")
    expected = _replayed(db, day)
    replays = _counting_replays(monkeypatch)
    assert _answered(db, day) == expected
    assert replays == [day]


def test_ledger_verify_compares_each_checkpoint_with_the_fold_of_its_events(store_url: str) -> None:
    db = _store(store_url, _example())
    with service.open_store(db) as store:
        stream = store.stream(COMPANY)
        said = service.verify_stream(stream, stream.verify())
        assert said.endswith("; 9 quarterly checkpoint(s) equal the folds of their events"), said
        # the checkpoint of 2001-03-31 replaced by that of 2000-12-31 (a changed row): refused, named
        import dataclasses

        made = [c for c in map(stream.checkpoint_on_or_before, stream.checkpoint_dates()) if c is not None]
        swapped = [dataclasses.replace(c, blob=made[2].blob) if c.as_of == dt.date(2001, 3, 31) else c for c in made]
        assert stream.save_checkpoints(swapped)
        with pytest.raises(InputError, match="checkpoint of the ledger of cais-internet on 2001-03-31 does not equal"):
            service.verify_stream(stream, stream.verify())


def test_a_checkpoint_of_other_events_or_another_fingerprint_is_never_read(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _store(store_url, _example())
    day = dt.date(2001, 5, 1)
    expected = _replayed(db, day)
    with service.open_store(db) as store:
        stream = store.stream(COMPANY)
        found = stream.checkpoint_on_or_before(day)
        assert found is not None and found.as_of == dt.date(2001, 3, 31)
        # the same checkpoints, said to be made by other code: refused, the question replayed
        import dataclasses

        other = [
            dataclasses.replace(c, fingerprint="0" * 64)
            for c in (stream.checkpoint_on_or_before(d) for d in stream.checkpoint_dates())
            if c is not None
        ]
        assert stream.save_checkpoints(other)
    replays = _counting_replays(monkeypatch)
    assert _answered(db, day) == expected
    assert replays == [day]
