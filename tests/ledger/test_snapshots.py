"""Snapshots of a company's fold (prefstack.ledger.snapshots): every answer read or appended from
a snapshot equals a replay from the start; a snapshot of another head, code or terms is never
read; a snapshot cannot make a reader build anything but prefstack's own objects."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import pickle
import re
import zlib
from dataclasses import replace
from fractions import Fraction
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa

from helpers import Prefstack, sql
from prefstack.ledger import service, snapshots
from prefstack.ledger.events import parse_event
from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import LedgerRuleError, Placed, replay
from prefstack.ledger.store import Snapshot, snapshots_table
from prefstack.report import state_report

COMPANY = "cais-internet"
EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")


def _example() -> list[Placed]:
    with resources.as_file(EXAMPLE) as path:
        return read_ledger(path).events


def _report(state: object) -> str:
    return json.dumps(state_report(state), default=str, sort_keys=True)  # type: ignore[arg-type]


def _event(data: dict[str, object]) -> Placed:
    return Placed(parse_event(data, "test"), "test")


@pytest.fixture
def db(store_url: str) -> str:
    """A store holding the bundled example, on SQLite and on PostgreSQL."""
    url = store_url
    with service.open_store(url) as store:
        service.append(store, _example(), company=COMPANY, recorded_by="test")
    return url


def _stored_snapshot(db: str) -> Snapshot | None:
    with service.open_store(db) as store:
        return store.stream(COMPANY).snapshot()


def _replayed(db: str, day: dt.date) -> str:
    with service.open_store(db) as store:
        placed = service.placed_from_store(store.stream(COMPANY).read())
    return _report(replay(placed, day, company=COMPANY))


def _last(db: str) -> dt.date:
    with service.open_store(db) as store:
        return max(e.effective_date for e in store.stream(COMPANY).read())


def test_an_append_keeps_the_fold_at_the_new_head_and_it_answers_as_a_replay_does(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = _stored_snapshot(db)
    with service.open_store(db) as store:
        head = store.stream(COMPANY).head()
    assert found is not None and (found.version, found.head_hash) == head
    assert found.as_of == _last(db) and found.fingerprint == snapshots.fingerprint(COMPANY)
    expected = {day: _replayed(db, day) for day in (found.as_of, found.as_of + dt.timedelta(days=400))}
    monkeypatch.setattr(service, "load_ledger", _not_called)  # the events are not even read
    for day, replayed in expected.items():
        whose, state = service.state_on(None, db, None, day)
        assert whose == COMPANY and _report(state) == replayed


def test_a_state_read_from_the_snapshot_is_a_new_one_each_time_and_read_only(db: str) -> None:
    day = _last(db)
    _, first = service.state_on(None, db, None, day)
    _, second = service.state_on(None, db, None, day)
    assert first is not second and _report(first) == _report(second)
    with pytest.raises(Exception, match="read-only"):
        first.closing_prices[day] = 1  # type: ignore[index]


def test_an_earlier_date_or_a_known_at_is_replayed_not_read_from_the_snapshot(db: str) -> None:
    day = dt.date(2001, 6, 30)
    assert _report(service.state_on(None, db, None, day)[1]) == _replayed(db, day)
    with service.open_store(db) as store:
        recorded = [e.recorded_at for e in store.stream(COMPANY).read()]
    known_at = sorted(recorded)[len(recorded) // 2]
    _, state = service.state_on(None, db, None, _last(db), known_at)
    assert state.events_applied < len(recorded)  # what the ledger said then, not the snapshot's


def test_a_later_event_is_folded_on_from_the_snapshot_and_equals_a_replay(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _stored_snapshot(db)
    assert before is not None
    later = _last(db) + dt.timedelta(days=3)
    price = _event({"kind": "closing_price", "date": later.isoformat(), "price": "7.25"})
    monkeypatch.setattr(service, "validated_fold", _not_called)
    monkeypatch.setattr(service, "load_ledger", _not_called)
    with service.open_store(db) as store:
        service.append(store, [price], company=COMPANY, recorded_by="test")
    assert _stored_snapshot(db) == before  # one event after it: the snapshot is not written again
    _, state = service.state_on(None, db, None, later)  # the snapshot and the one event stored after it
    assert state.closing_prices[later] == Fraction("7.25")
    monkeypatch.undo()
    assert _report(state) == _replayed(db, later)


def test_the_snapshot_is_written_again_when_the_events_after_it_reach_the_limit(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "TAIL_LIMIT", 3)
    first = _stored_snapshot(db)
    assert first is not None
    last = _last(db)
    versions = []
    for offset in range(1, 4):
        day = (last + dt.timedelta(days=offset)).isoformat()
        with service.open_store(db) as store:
            service.append(store, [_event({"kind": "closing_price", "date": day, "price": "5"})], company=COMPANY)
        found = _stored_snapshot(db)
        assert found is not None
        versions.append(found.version)
    assert versions == [first.version, first.version, first.version + 3]  # rewritten at the third event after it
    day = last + dt.timedelta(days=3)
    assert _report(service.state_on(None, db, None, day)[1]) == _replayed(db, day)


def test_a_back_dated_event_is_validated_by_a_replay_from_the_start(db: str) -> None:
    early = _event({"kind": "closing_price", "date": "1999-01-04", "price": "40"})  # before every stored event
    with service.open_store(db) as store:
        service.append(store, [early], company=COMPANY, recorded_by="test")
        head = store.stream(COMPANY).head()
    found = _stored_snapshot(db)
    assert found is not None and (found.version, found.head_hash) == head
    day = _last(db)
    _, state = service.state_on(None, db, None, day)
    assert state.closing_prices[dt.date(1999, 1, 4)] == 40 and _report(state) == _replayed(db, day)


def test_an_event_that_cannot_apply_is_refused_the_same_from_the_snapshot_and_from_the_start(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = (_last(db) + dt.timedelta(days=1)).isoformat()
    with service.open_store(db) as store:
        service.append(store, [_event({"kind": "closing_price", "date": later, "price": "2"})], company=COMPANY)
        version = store.stream(COMPANY).version()
    twice = _event({"kind": "closing_price", "date": later, "price": "3"})  # a second close of the same day, after it
    messages = []
    for from_snapshot in (True, False):
        if from_snapshot:
            monkeypatch.setattr(service, "validated_fold", _not_called)
        else:
            monkeypatch.undo()
            _write(db, snapshots_table.delete())
        with service.open_store(db) as store, pytest.raises(LedgerRuleError) as refused:
            service.append(store, [twice], company=COMPANY, recorded_by="test")
        messages.append(str(refused.value))
        with service.open_store(db) as store:
            assert store.stream(COMPANY).version() == version  # nothing stored
    assert messages[0] == messages[1] and "already recorded" in messages[0]


def _write(db: str, statement: sa.Executable) -> None:
    engine = sa.create_engine(db)
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    finally:
        engine.dispose()


def _not_called(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("replayed from the start, not folded on from the snapshot")


def test_a_snapshot_of_another_head_or_another_fingerprint_is_never_read(db: str) -> None:
    found = _stored_snapshot(db)
    assert found is not None
    poisoned = zlib.compress(pickle.dumps({"not": "a state"}))
    day = found.as_of
    for change in ({"version": found.version - 1}, {"fingerprint": "0" * 64}, {"head_hash": "f" * 64}):
        _write(db, snapshots_table.update().values(blob=poisoned, **change))
        assert _report(service.state_on(None, db, None, day)[1]) == _replayed(db, day)


def test_a_snapshot_naming_anything_but_prefstack_and_plain_values_is_refused() -> None:
    buffer = io.BytesIO()
    pickle.Pickler(buffer, protocol=5).dump(os.system)
    no_values = pickle.dumps([])
    with pytest.raises(pickle.UnpicklingError, match=r"may not name posix\.system"):
        snapshots.loads(snapshots.framed(no_values, buffer.getvalue()))
    with pytest.raises(pickle.UnpicklingError, match=r"may not name posix\.system"):
        snapshots.loads(snapshots.framed(buffer.getvalue(), pickle.dumps({"a": 1})))  # in the table too
    with pytest.raises(pickle.UnpicklingError, match="not a ledger state"):
        snapshots.loads(snapshots.framed(no_values, pickle.dumps({"a": 1})))


class _NamesValue(pickle.Pickler):
    """Writes every int as a reference to the snapshot's table of values, as :func:`snapshots.dumps`
    writes a Fraction."""

    def persistent_id(self, obj: object) -> object:
        return obj if type(obj) is int else None


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ([(1, 0)], "holds 1/0, not a Fraction"),
        ([(2, 4)], "holds 2/4, not a Fraction"),  # not in lowest terms
        ([(1, -3)], "holds 1/-3, not a Fraction"),
        ([("1", 3)], "holds '1'/3, not a Fraction"),
        ([(True, 1)], "holds True/1, not a Fraction"),
        ([(1, 2, 3)], "holds (1, 2, 3), not a Fraction, a date or a string"),
        ([7], "holds 7, not a Fraction, a date or a string"),
        ([dt.datetime(2001, 1, 1)], "not a Fraction, a date or a string"),  # a date and time is not a date
    ],
)
def test_a_snapshot_whose_table_of_values_holds_anything_but_fractions_dates_and_strings_is_refused(
    table: list[tuple[object, object]], problem: str
) -> None:
    with pytest.raises(pickle.UnpicklingError, match=re.escape(problem)):
        snapshots.loads(snapshots.framed(pickle.dumps(table), pickle.dumps({"a": 1})))


def test_a_snapshot_naming_a_value_its_table_does_not_hold_is_refused() -> None:
    body = io.BytesIO()
    _NamesValue(body, protocol=5).dump([5])  # value number 5 of a table of one
    with pytest.raises(pickle.UnpicklingError, match="not a snapshot prefstack wrote"):
        snapshots.loads(snapshots.framed(pickle.dumps([(1, 3)]), body.getvalue()))


def test_a_snapshot_writes_each_value_once_and_the_state_read_back_shares_it() -> None:
    """The example's fold names the same Fractions, dates and strings many times (share counts,
    rates, amounts, dates, holders' names): the snapshot's table holds each value once (a Fraction
    by its numerator and denominator, in lowest terms), and the fold read back, history and all,
    holds one object per value, equal to the fold written."""
    import gc

    from prefstack.ledger.replay import fold, undeferred

    events = _example()
    state = fold(events, max(p.event.date for p in events), company=COMPANY)
    blob = snapshots.dumps(state)
    raw = zlib.decompress(blob)
    table = pickle.loads(raw[8 : 8 + int.from_bytes(raw[:8], "big")])
    assert len(table) == len(set(table))  # each value once
    fractions = [entry for entry in table if type(entry) is tuple]
    assert fractions and all((Fraction(n, d).numerator, Fraction(n, d).denominator) == (n, d) for n, d in fractions)
    assert dt.date(2000, 9, 15) in table and "Microsoft Corporation" in table  # a Payment Date, a holder
    assert {type(entry) for entry in table} == {tuple, dt.date, str}
    read = undeferred(snapshots.loads(blob))
    assert snapshots.same_fold(read, state)
    reached = [o for o in gc.get_referents(*_walk(read))]
    for kind in (Fraction, dt.date):
        referred = [o for o in reached if type(o) is kind]
        assert referred and len({id(o) for o in referred}) == len(set(referred)) <= len(table)
    names = [o for o in reached if type(o) is str and o == "Microsoft Corporation"]
    assert len(names) > 1 and len({id(o) for o in names}) == 1


def _walk(state: object) -> list[object]:
    """Every object reachable from ``state`` (containers and records) but the series' terms, which
    are the registry's, not the snapshot's."""
    import gc

    from prefstack.terms import SeriesTerms

    seen: dict[int, object] = {id(state): state}
    todo = [state]
    while todo:
        for child in gc.get_referents(todo.pop()):
            if id(child) not in seen and not isinstance(child, (type, str, int, SeriesTerms)):
                seen[id(child)] = child
                todo.append(child)
    return list(seen.values())


def test_a_fold_with_terms_not_the_registrys_is_not_kept() -> None:
    from prefstack.ledger.replay import fold
    from prefstack.terms import load_terms

    state = fold(_example(), dt.date(2001, 1, 1), company=COMPANY)
    f = state.series["F"]
    object.__setattr__(f, "terms", load_terms("F").model_copy())
    with pytest.raises(snapshots.NotSnapshotable, match="Series F"):
        snapshots.dumps(state)


def test_ledger_snapshot_folds_the_ledger_again_after_an_upgrade_retired_its_snapshot(
    prefstack: Prefstack, store_url: str, raw: sa.Engine
) -> None:
    """An upgrade of prefstack (another fingerprint) retires the snapshot; reads then replay until
    `prefstack ledger snapshot` (or the next append) keeps a new one."""
    with resources.as_file(EXAMPLE) as path:
        assert prefstack("ledger", "import", str(path), "--db", store_url).code == 0
    sql(raw, "UPDATE ledger_snapshots SET fingerprint = :old", old="0" * 64)
    with service.open_store(store_url) as store:
        stream = store.stream(COMPANY)
        head = stream.head()
        assert service._resumed(stream, head) is None  # retired: not read
    made = prefstack("ledger", "snapshot", "--db", store_url)
    assert made.code == 0, made.err
    assert f"snapshot of the ledger of {COMPANY} (CAIS Internet, Inc.) at seq {head.version}" in made.out
    found = _stored_snapshot(store_url)
    assert found is not None and (found.version, found.head_hash) == head
    assert found.fingerprint == snapshots.fingerprint(COMPANY)
    day = found.as_of
    assert _report(service.state_on(None, store_url, None, day)[1]) == _replayed(store_url, day)


def test_ledger_snapshot_of_a_company_with_no_events_is_refused(prefstack: Prefstack, store_url: str) -> None:
    with resources.as_file(EXAMPLE) as path:
        assert prefstack("ledger", "import", str(path), "--db", store_url).code == 0
    refused = prefstack("ledger", "snapshot", "--db", store_url, "--company", "northwind-networks")
    assert refused.code != 0 and "holds no ledger of northwind-networks" in refused.err


def test_ledger_snapshot_refuses_a_store_whose_chain_does_not_verify_even_for_forensics(
    prefstack: Prefstack, store_url: str, raw: sa.Engine
) -> None:
    with resources.as_file(EXAMPLE) as path:
        assert prefstack("ledger", "import", str(path), "--db", store_url).code == 0
    before = _stored_snapshot(store_url)
    sql(raw, "UPDATE ledger_events SET payload = replace(payload, '40000', '30000') WHERE seq = 524")
    for args in (("ledger", "snapshot"), ("--allow-unverified", "ledger", "snapshot")):
        refused = prefstack(*args, "--db", store_url)
        assert refused.code == 2 and "does not verify" in refused.err
    assert _stored_snapshot(store_url) == before  # nothing written


def test_a_fold_of_a_file_and_of_the_store_are_the_same_and_name_events_by_seq(db: str) -> None:
    """The snapshot an import keeps is the fold of the file's events; it equals the fold of the same
    events read back from the store (the state names an event `event #SEQ` either way)."""
    from prefstack.ledger.replay import fold

    with service.open_store(db) as store:
        stored = service.placed_from_store(store.stream(COMPANY).read())
    day = max(p.effective_date for p in stored)
    from_file, from_store = fold(_example(), day, company=COMPANY), fold(stored, day, company=COMPANY)
    assert snapshots.same_fold(from_file, from_store)
    ids = [getattr(a, "id", None) for a in from_store.section5_actions]
    assert ids == [getattr(a, "id", None) for a in from_file.section5_actions]
    assert any(isinstance(i, str) and i.startswith("event #") for i in ids)
    found = _stored_snapshot(db)
    assert found is not None and snapshots.same_fold(snapshots.loads(found.blob), from_store)


def test_ledger_verify_compares_the_snapshot_with_its_events_and_finds_one_changed_outside_prefstack(
    prefstack: Prefstack, store_url: str, raw: sa.Engine
) -> None:
    with resources.as_file(EXAMPLE) as path:
        assert prefstack("ledger", "import", str(path), "--db", store_url).code == 0
    verified = prefstack("ledger", "verify", "--db", store_url)
    assert verified.code == 0 and "the snapshot at seq 554 equals the fold of its events" in verified.out
    # A writer of the database changes a holding in the snapshot (a valid one, with the right head).
    found = _stored_snapshot(store_url)
    assert found is not None
    state = snapshots.loads(found.blob)
    f = state.series["F"]
    holder = sorted(f.holdings)[0]
    f.holdings[holder] = replace(f.holdings[holder], shares=f.holdings[holder].shares + 1)
    forged = snapshots.dumps(state)
    _write(store_url, snapshots_table.update().values(blob=forged))
    refused = prefstack("ledger", "verify", "--db", store_url)
    assert refused.code == 2 and "at seq 554 does not equal the fold of its events" in refused.err
    assert prefstack("ledger", "snapshot", "--db", store_url).code == 0  # written again from the events
    again = prefstack("ledger", "verify", "--db", store_url)
    assert again.code == 0 and "equals the fold of its events" in again.out


def test_ledger_verify_folds_once_through_the_snapshot_and_on_over_the_events_after_it(
    prefstack: Prefstack, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The snapshot at seq 554 and one event after it: verify compares the fold of the first 554
    events with the snapshot, then folds the 555th on and validates it, without a second fold."""
    with resources.as_file(EXAMPLE) as path:
        assert prefstack("ledger", "import", str(path), "--db", store_url).code == 0
    later = (_last(store_url) + dt.timedelta(days=2)).isoformat()
    added = prefstack(
        "ledger", "add", "--kind", "closing_price", "--date", later, "--field", "price=2.5", "--db", store_url
    )
    assert added.code == 0, added.err
    monkeypatch.setattr(service, "validate", _not_called)  # no fold of the whole ledger from the start
    verified = prefstack("ledger", "verify", "--db", store_url)
    assert verified.code == 0, verified.err
    assert "555 events, hash chain intact, every event applies; the snapshot at seq 554 equals" in verified.out


def test_a_snapshot_that_cannot_be_read_is_refused_naming_the_store_until_it_is_written_again(
    prefstack: Prefstack, store_url: str
) -> None:
    """A snapshot row changed outside prefstack (its head and fingerprint still the ledger's, its
    bytes cut short): every command that would read it refuses, exit 2, one line naming the store
    and the way out (before, a question answered "Aborted." and an append raised); `ledger
    snapshot` writes it again from the events, and the question is answered as a replay answers it."""
    with resources.as_file(EXAMPLE) as path:
        assert prefstack("ledger", "import", str(path), "--db", store_url).code == 0
    found = _stored_snapshot(store_url)
    assert found is not None
    _write(store_url, snapshots_table.update().values(blob=found.blob[: len(found.blob) // 3]))
    day = found.as_of.isoformat()
    refusal = "a snapshot or checkpoint kept in the store cannot be read"
    asked = prefstack("state", "--as-of", day, "--db", store_url)
    assert asked.code == 2 and asked.err.startswith(f"error: --db: {refusal}") and asked.out == "", asked.err
    assert "`prefstack ledger snapshot` writes them again" in asked.err
    price = ("ledger", "add", "--kind", "closing_price", "--date", day, "--field", "price=2.5")
    added = prefstack(*price, "--db", store_url)
    assert added.code == 2 and refusal in added.err
    assert prefstack("ledger", "verify", "--db", store_url).code == 2
    assert prefstack("ledger", "snapshot", "--db", store_url).code == 0
    again = prefstack("state", "--as-of", day, "--db", store_url, "--format", "json")
    assert again.code == 0
    assert _report(service.state_on(None, store_url, None, found.as_of)[1]) == _replayed(store_url, found.as_of)
    assert prefstack(*price, "--db", store_url).code == 0


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [("ledger_snapshots", "blob", "text, not bytes"), ("ledger_snapshots", "as_of", b"2002-08-01"),
     ("ledger_checkpoints", "version", "many"), ("ledger_snapshots", "version", float("inf")),
     ("ledger_snapshots", "blob", 12), ("ledger_checkpoints", "blob", 10**6)],
)
def test_a_snapshot_or_checkpoint_row_holding_another_type_is_refused_as_the_stores(
    prefstack: Prefstack, tmp_path: Path, table: str, column: str, value: object
) -> None:
    """SQLite keeps any value in any column: a snapshot or checkpoint row holding text where
    prefstack writes bytes or a whole number, or a blob where it writes a date, is refused as a
    snapshot whose bytes prefstack did not write (exit 2, naming the store), not a traceback."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'typed.sqlite'}"
    with resources.as_file(EXAMPLE) as path:
        assert prefstack("ledger", "import", str(path), "--db", url).code == 0
    assert prefstack("ledger", "snapshot", "--db", url).code == 0
    with sqlite3.connect(tmp_path / "typed.sqlite") as conn:
        conn.execute(f"UPDATE {table} SET {column} = ?", (value,))
    day = "2002-08-01" if table == "ledger_snapshots" else "2001-06-30"
    asked = prefstack("state", "--as-of", day, "--db", url)
    assert asked.code == 2 and asked.out == "", asked.err
    assert asked.err.startswith("error: --db: a snapshot or checkpoint kept in the store cannot be read (the ")
    assert "row holds a value of another type than prefstack writes" in asked.err


def test_a_checkpoint_date_that_is_not_one_is_refused_by_ledger_verify(prefstack: Prefstack, tmp_path: Path) -> None:
    """Listed by ``ledger verify``, a checkpoint whose date is not a date is refused as the store's
    (exit 2), not a ValueError traceback."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'dated.sqlite'}"
    with resources.as_file(EXAMPLE) as path:
        assert prefstack("ledger", "import", str(path), "--db", url).code == 0
    assert prefstack("ledger", "snapshot", "--db", url).code == 0
    with sqlite3.connect(tmp_path / "dated.sqlite") as conn:
        conn.execute("UPDATE ledger_checkpoints SET as_of = 'garbage' WHERE as_of = '2001-06-30'")
    checked = prefstack("ledger", "verify", "--db", url)
    assert checked.code == 2, (checked.out, checked.err)
    assert "a snapshot or checkpoint kept in the store cannot be read (the checkpoint row holds" in checked.err
