"""A snapshot's history (each holder's paid dividends and dividend elections) is its second part,
read only when a reader first asks for it: a question at the head answers without it, and a
state read from a snapshot holds, once asked, the same history as the fold it was written from."""

from __future__ import annotations

import datetime as dt
import io
import pickle
import zlib
from fractions import Fraction
from importlib import resources

import pytest
from benchmarks.synthetic import DIVIDEND_END, dividend_ledger

from prefstack.ledger import snapshots
from prefstack.ledger.files import parse_ledger, read_ledger
from prefstack.ledger.replay import (
    LedgerState,
    Placed,
    StateIsReadOnly,
    deferred_of,
    finish,
    fold,
    paid_dividend,
)
from prefstack.report import state_report

COMPANY = "cais-internet"
EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")
LAST = dt.date(2002, 8, 1)
"""The example's last event."""


def _example() -> list[Placed]:
    with resources.as_file(EXAMPLE) as path:
        return read_ledger(path).events


def _folded() -> LedgerState:
    return fold(_example(), LAST, company=COMPANY)


def _unread(state: LedgerState) -> list[list[str]]:
    """For the state and each of its series: the fields of its history not read yet."""
    owners = (state, *state.series.values())
    return [sorted(o._DEFERRABLE - vars(o).keys()) if deferred_of(o) is not None else [] for o in owners]


SERIES_HISTORY = ["conversions", "payments", "unpaid_dividends"]
UNREAD = [["elections"], SERIES_HISTORY, SERIES_HISTORY]


def test_a_question_at_the_head_reads_no_history() -> None:
    read = snapshots.loads(snapshots.dumps(_folded()))
    assert _unread(read) == UNREAD
    report = state_report(finish(read, LAST))
    assert _unread(read) == UNREAD  # the state report needs holdings, not history
    assert report == state_report(finish(_folded(), LAST))


def test_the_history_read_on_first_use_is_the_folds() -> None:
    """The example's first Series F dividend: Microsoft's 40,000 shares paid in PIK on
    2000-09-15 for the period from the 2000-08-02 issue: 40,000 x $1,000 x 7% = $2,800,000 a
    year; 44 days (2000-08-02 to 2000-09-15) of it at actual/360: $2,800,000 x 44 / 360 =
    $342,222.22..., in shares at $1,000: 342.22... = 3080/9 shares."""
    folded = _folded()
    read = snapshots.loads(snapshots.dumps(folded))
    first = read.series["F"].payments[dt.date(2000, 9, 15)][0]
    assert _unread(read) == [UNREAD[0], ["conversions", "unpaid_dividends"], UNREAD[2]]  # one field read
    assert (first.holder, first.shares, first.pik_shares) == ("Microsoft Corporation", 40_000, Fraction(3080, 9))
    assert Fraction(40_000 * 1_000 * 7, 100) * Fraction(44, 360) / 1_000 == Fraction(3080, 9)
    assert paid_dividend(read, "F", first) == paid_dividend(folded, "F", first)
    assert read.series["F"].payments == folded.series["F"].payments
    assert read.series["G"].payments == folded.series["G"].payments
    # Microsoft's election for 2001-09-15, received 2001-08-31: half PIK, half Common Stock
    election = read.elections[("F", "Microsoft Corporation", dt.date(2001, 9, 15))]
    assert election.date == dt.date(2001, 8, 31) and (election.election.pik, election.election.common) == (
        Fraction(1, 2),
        Fraction(1, 2),
    )
    assert read.elections == folded.elections
    assert snapshots.same_fold(read, folded) and _unread(read) == [[], [], []]


def test_a_history_read_after_the_state_is_sealed_is_read_only() -> None:
    state = finish(snapshots.loads(snapshots.dumps(_folded())), LAST)
    payments = state.series["F"].payments
    with pytest.raises(StateIsReadOnly):
        payments[dt.date(2099, 3, 15)] = []
    with pytest.raises(StateIsReadOnly):
        payments[dt.date(2000, 9, 15)].append(payments[dt.date(2000, 9, 15)][0])
    with pytest.raises(StateIsReadOnly):
        del state.elections[("F", "Microsoft Corporation", dt.date(2001, 9, 15))]


def test_a_snapshot_written_again_from_a_state_whose_history_was_not_read_copies_it() -> None:
    blob = snapshots.dumps(_folded())
    again = snapshots.dumps(snapshots.loads(blob))
    assert _parts(again)[1] == _parts(blob)[1]  # the history part, byte for byte
    read = snapshots.loads(again)
    assert snapshots.same_fold(read, _folded())


def test_a_history_changed_by_a_reader_of_a_fold_is_written_again() -> None:
    """A fold read from a snapshot and continued (an election appended) writes its history anew."""
    state = snapshots.loads(snapshots.dumps(_folded()))
    key = ("F", "Microsoft Corporation", dt.date(2002, 9, 15))
    recorded = state.elections[("F", "Microsoft Corporation", dt.date(2001, 9, 15))]
    state.elections[key] = recorded
    read = snapshots.loads(snapshots.dumps(state))
    assert read.elections[key] == recorded and len(read.elections) == len(_folded().elections) + 1


def _parts(blob: bytes) -> tuple[bytes, bytes]:
    first = zlib.decompressobj()
    first.decompress(blob)
    return blob[: len(blob) - len(first.unused_data)], first.unused_data


def _fields(history: bytes) -> dict[str, dict[str, object]]:
    """A snapshot's history: each field's bytes, for the state and each series."""
    found: dict[str, dict[str, object]] = pickle.loads(zlib.decompress(history))
    return found


def test_a_snapshot_without_its_history_or_with_another_is_refused() -> None:
    head, history = _parts(snapshots.dumps(_folded()))
    with pytest.raises(pickle.UnpicklingError, match="its history is missing"):
        snapshots.loads(head)
    empty = {"payments": pickle.dumps({}), "unpaid_dividends": pickle.dumps({}), "conversions": pickle.dumps([])}
    forged = head + zlib.compress(pickle.dumps({"state": {"elections": pickle.dumps({})}, "series": {"F": empty}}), 1)
    read = snapshots.loads(forged)  # no G
    with pytest.raises(pickle.UnpicklingError, match="history is not the one prefstack wrote"):
        read.series["F"].payments  # noqa: B018 - the history is read on first use
    assert history  # the real one is there, and reads
    assert snapshots.loads(head + history).series["G"].payments


def test_a_history_field_of_another_kind_is_refused() -> None:
    """Each field of the history is pickled on its own and read on its own: a field that reads as
    another kind of value (a list where the payments are a dict) is refused when it is read, and
    the fields beside it still read."""
    head, history = _parts(snapshots.dumps(_folded()))
    fields = _fields(history)
    fields["series"]["F"]["payments"] = pickle.dumps([])  # type: ignore[index]
    read = snapshots.loads(head + zlib.compress(pickle.dumps(fields), 1))
    with pytest.raises(pickle.UnpicklingError, match="history is not the one prefstack wrote"):
        read.series["F"].payments  # noqa: B018 - the history is read on first use
    assert read.elections == _folded().elections


def test_a_snapshot_written_again_copies_each_field_of_its_history_not_read() -> None:
    """Read the elections alone (as folding a dividend election on does) and write the snapshot
    again: the fields not read are copied as they were written, byte for byte, the elections
    written anew, and the snapshot reads back as the fold."""
    blob = snapshots.dumps(_folded())
    state = snapshots.loads(blob)
    assert state.elections == _folded().elections
    assert _unread(state) == [[], SERIES_HISTORY, SERIES_HISTORY]
    again = snapshots.dumps(state)
    before, after = _fields(_parts(blob)[1]), _fields(_parts(again)[1])
    assert after["series"] == before["series"]  # every series field as it was written
    read = snapshots.loads(again)
    assert snapshots.same_fold(read, _folded())


def test_equal_elections_on_record_are_one_record() -> None:
    """A fold keeps one record per day received and portions (replay's ``_on_record``), so a
    snapshot writes each once and its history reads each once; each holder's election is still its
    own entry, equal to what its event says. A synthetic dividend ledger of 3,000 events: every
    holder elects for every Payment Date, on a few days, in a few forms."""
    placed = parse_ledger(dividend_ledger(3_000), "synthetic")
    folded = fold(placed, DIVIDEND_END, company=COMPANY)
    elections = [p.event for p in placed if p.event.kind == "dividend_election"]
    records = list(folded.elections.values())
    assert len(records) == len(elections) > 100
    assert len({id(r) for r in records}) == len(set(records)) < len(records) / 10
    for event in elections:
        record = folded.elections[(event.series, event.holder, event.payment_date)]
        assert record.date == event.date
        assert (record.election.cash, record.election.pik, record.election.common) == (
            event.cash,
            event.pik,
            event.common,
        )
    read = snapshots.loads(snapshots.dumps(folded))
    assert read.elections == folded.elections
    assert len({id(r) for r in read.elections.values()}) == len(set(records))


def test_elections_folded_onto_a_checkpoint_are_put_beside_its_unread_elections() -> None:
    """A quarter's dividend elections folded onto the checkpoint of the quarter before do not read
    the elections of the earlier Payment Dates (replay's ``put_entry``): the field stays unread, and
    read afterwards holds the same entries in the same order as a fold from the start, with each
    new election for a key already on record replacing it in its place; the fold written again and
    read back equals that fold. A synthetic dividend ledger of 3,000 events: the checkpoint of
    2002-12-31, then its elections for 2003-03-15 up to the eve, 2003-03-14."""
    from prefstack.ledger import checkpoints
    from prefstack.ledger.replay import put_entry, resume

    placed = parse_ledger(dividend_ledger(3_000), "synthetic")
    quarter, eve = dt.date(2002, 12, 31), dt.date(2003, 3, 14)
    tail = [p for p in placed if quarter < p.effective_date <= eve]
    assert sum(p.event.kind == "dividend_election" for p in tail) > 10
    blob = dict(checkpoints.quarterly_folds(placed, COMPANY))[quarter]
    state = snapshots.loads(blob)
    assert resume(state, tail, prescanned=True)
    assert _unread(state)[0] == ["elections"]  # not read: the new elections wait beside it
    again = snapshots.dumps(state)  # written with them
    from_start = fold(placed, eve, company=COMPANY)
    assert list(state.elections.items()) == list(from_start.elections.items())  # read now, the same order
    assert snapshots.same_fold(state, from_start)
    assert snapshots.same_fold(snapshots.loads(again), from_start)
    # a second election for a key on record replaces it where it stands, read or not
    key, first = next(iter(from_start.elections.items()))
    later = snapshots.loads(blob)
    other = next(r for r in from_start.elections.values() if r != first)
    put_entry(later, "elections", key, other)
    assert next(iter(later.elections)) == key and later.elections[key] == other
    sealed = finish(snapshots.loads(blob), quarter)
    with pytest.raises(StateIsReadOnly):
        put_entry(sealed, "elections", key, other)


def test_a_field_another_thread_read_meanwhile_is_the_one_returned() -> None:
    """A reader whose attribute lookup missed a deferred field that another thread then read (the
    last one, so the state no longer names where its history comes from) gets the field that
    thread set, not an error and not a second copy."""
    from prefstack.ledger.replay import undeferred

    state = undeferred(snapshots.loads(snapshots.dumps(_folded())))
    assert deferred_of(state) is None and "_put" not in vars(state)
    assert type(state).__getattr__(state, "elections") is state.elections
    with pytest.raises(AttributeError):
        type(state).__getattr__(state, "no_such_field")


def test_writing_a_snapshot_again_reads_no_field_of_its_history_not_read_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fields not read are copied as bytes, not read and pickled again (which would give the
    same bytes, so comparing the bytes alone cannot tell): writing the snapshot again of a state
    whose history was not read, or was read in part, reads no other field."""
    blob = snapshots.dumps(_folded())
    untouched, in_part = snapshots.loads(blob), snapshots.loads(blob)
    assert in_part.elections == _folded().elections  # the elections read, the series' fields not

    def refused(self: object, series: str | None, name: str) -> object:
        raise AssertionError(f"read {series}.{name} to write the snapshot again")

    monkeypatch.setattr(snapshots._History, "value", refused)
    again = snapshots.dumps(untouched)
    assert _parts(again)[1] == _parts(blob)[1]
    in_part_again = snapshots.dumps(in_part)
    assert _unread(untouched) == UNREAD and _unread(in_part) == [[], SERIES_HISTORY, SERIES_HISTORY]
    monkeypatch.undo()
    assert snapshots.same_fold(snapshots.loads(again), _folded())
    assert snapshots.same_fold(snapshots.loads(in_part_again), _folded())


def test_entries_put_beside_a_field_cannot_come_from_the_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries put beside an unread field (``_put``) are the fold's own, never read from a snapshot:
    a first part whose state holds one (here written by a dumps told not to leave it out), or holds
    anything else but its fields, or lacks one, is refused when loaded, naming what it holds or
    lacks, before any reader could take the entry as the fold's."""
    forged_put = _folded()
    vars(forged_put)["_put"] = {"elections": {("F", "Someone", LAST): 7}}
    monkeypatch.setattr(snapshots, "_LEFT_OUT", snapshots._LEFT_OUT - {"_put"})
    with_put = snapshots.dumps(forged_put)
    vars(forged_put).pop("_put")
    vars(forged_put)["stray"] = 1
    with_stray = snapshots.dumps(forged_put)
    vars(forged_put).pop("stray")
    vars(forged_put.series["G"]).pop("holdings")
    without_holdings = snapshots.dumps(forged_put)
    monkeypatch.undo()
    # the state's series missing, or not a dict of series by id: refused, not a traceback
    history = _parts(snapshots.dumps(_folded()))[1]
    for forged, said in (
        (None, "LedgerState lacks series"),
        (5, "series are a int"),
        (["F"], "series are a list"),
        ({7: _folded().series["F"]}, "series are a dict, not a dict by series id"),
        ({"F": 5}, "holds a int for Series F"),
    ):
        other = _folded()
        if forged is None:
            vars(other).pop("series")
        else:
            vars(other)["series"] = forged
        body = io.BytesIO()
        pickler = snapshots._Pickler(body)
        pickler.dump(other)
        blob = snapshots.framed(pickle.dumps(list(pickler.values)), body.getvalue()) + history
        with pytest.raises(snapshots.SnapshotUnreadable, match=said):
            snapshots.loads(blob)
    with pytest.raises(snapshots.SnapshotUnreadable, match=r"LedgerState holds _put\)"):
        snapshots.loads(with_put)
    with pytest.raises(snapshots.SnapshotUnreadable, match=r"LedgerState holds stray"):
        snapshots.loads(with_stray)
    with pytest.raises(snapshots.SnapshotUnreadable, match=r"SeriesState lacks holdings"):
        snapshots.loads(without_holdings)
    assert snapshots.same_fold(snapshots.loads(snapshots.dumps(_folded())), _folded())  # a real one reads


def test_a_history_field_cut_short_or_not_a_pickle_is_refused_as_the_stores_when_first_read() -> None:
    """A field of the history that is cut short, or not a pickle at all, or a table of values that
    is not a list, is refused as a snapshot prefstack did not write (an error naming the store and
    how to write it again), not as whatever reading the bytes raised (an EOFError, which the command
    line took for an interrupted input and answered "Aborted.")."""
    head, history = _parts(snapshots.dumps(_folded()))
    fields = _fields(history)
    for written, said in ((b"", "EOFError"), (b"\x80\x05junk", "not a snapshot prefstack wrote")):
        fields["series"]["F"]["payments"] = written  # type: ignore[index]
        read = snapshots.loads(head + zlib.compress(pickle.dumps(fields), 1))
        with pytest.raises(snapshots.SnapshotUnreadable, match=said) as refused:
            read.series["F"].payments  # noqa: B018 - the history is read on first use
        assert refused.value.field == "--db" and "`prefstack ledger snapshot` writes them again" in str(refused.value)
        assert isinstance(refused.value, pickle.UnpicklingError)
    assert read.series["G"].payments == _folded().series["G"].payments  # the fields beside it still read
    not_a_list = snapshots.framed(pickle.dumps(7), pickle.dumps({"a": 1}))
    with pytest.raises(snapshots.SnapshotUnreadable, match="table of values is a int, not a list"):
        snapshots.loads(not_a_list)
    with pytest.raises(snapshots.SnapshotUnreadable, match="not a snapshot prefstack wrote"):
        snapshots.loads(b"not even compressed")


def test_two_threads_reading_a_field_first_get_the_one_object_with_the_entries_put_beside_it() -> None:
    """Two readers of an unread field, both reading it from the history at once: the one that
    finishes first sets the field (with the entries put beside it) and, as it was the last field,
    drops where the history comes from and the entries put; the other, finishing after, gets that
    same object, not a second copy and not one without the entries put."""
    import threading

    from prefstack.ledger.replay import put_entry

    folded = _folded()
    key, first = next(iter(folded.elections.items()))
    other = next(r for r in folded.elections.values() if r != first)
    state = snapshots.loads(snapshots.dumps(folded))
    put_entry(state, "elections", key, other)
    real = deferred_of(state)
    assert real is not None
    both_reading, early_done = threading.Barrier(2, timeout=10), threading.Event()

    class Slow:
        def value(self, name: str) -> object:
            both_reading.wait()
            if threading.current_thread().name == "late":
                assert early_done.wait(10)
            return real.value(name)  # type: ignore[union-attr]

    vars(state)["_deferred"] = Slow()
    got: dict[str, object] = {}

    def read() -> None:
        got[threading.current_thread().name] = state.elections

    threads = {name: threading.Thread(target=read, name=name) for name in ("early", "late")}
    for thread in threads.values():
        thread.start()
    threads["early"].join(10)
    assert "early" in got and "_deferred" not in vars(state) and "_put" not in vars(state)
    early_done.set()
    threads["late"].join(10)
    assert got["late"] is got["early"] is state.elections
    assert state.elections[key] == other and len(state.elections) == len(folded.elections)
