"""Checkpoints: a company's ledger folded to the end of each calendar quarter and kept, so that a
question on a date before the ledger's last event folds the events of one quarter, not the
whole ledger.

The snapshot (:mod:`prefstack.ledger.snapshots`) answers a question on or after the last event;
any earlier date was replayed from the first event (seconds on a register of tens of thousands
of events). ``prefstack ledger snapshot`` now also writes a checkpoint at each quarter end
(31 March, 30 June, 30 September, 31 December) before the ledger's last event: the fold of every
event effective on or before that day, not finished, in the snapshot's format, with the head of
the stream it was made from (its version and that event's hash) and the fingerprint of the code
and terms. Quarter ends, because that is when holders, auditors and the Company most often ask
(quarterly statements) and because they bound the events folded after a checkpoint to one
quarter's.

A question as of ``day`` (the latest knowledge, prefstack's readings) reads the checkpoint of the
latest quarter end on or before ``day`` and folds onto it the events effective after that quarter
end and on or before ``day`` (:func:`~prefstack.ledger.replay.resume`), then finishes the state
on ``day``. It is read only where that gives what a fold from the first event gives:

- the events the checkpoint was made from are stored as they were (the hash stored at its version
  is the one it names; the whole chain is verified before any read, as always);
- it was made by this code with these terms files (the fingerprint);
- every event appended since it was made is effective after its quarter end, and none is one a
  fold reads before it starts (a void, a liquidation, a merger or sale, an event carrying an id:
  :func:`~prefstack.ledger.replay.read_before_folding`); the events stored when it was made were
  all read by the first pass of the fold it was made by, so they are folded on whatever their kind;
- the ledger held no void when it was made (none is made then: a void removes its event from
  every fold, whatever the dates);
- the fold judged no event on its own date (``reads_as_of``).

Otherwise the question is replayed from the start, as before; the answer is the same either way
(``tests/ledger/test_checkpoints.py``). Checkpoints are made by one fold of the whole ledger:
the first quarter end by :func:`~prefstack.ledger.replay.fold`, each later one by continuing it
with the next quarter's events (:func:`~prefstack.ledger.replay.resume`, ``prescanned``); they
stop at the first quarter end whose fold read its own date (an insolvency judged on it).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence

from prefstack.collector import without_cyclic_gc
from prefstack.ledger import events as ev
from prefstack.ledger import snapshots
from prefstack.ledger.replay import LedgerState, Placed, fold, order, resume

QUARTER_END_MONTHS = ((3, 31), (6, 30), (9, 30), (12, 31))
"""The days a checkpoint is made on: the ends of the calendar quarters."""


def quarter_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The quarter ends on or after ``first`` and strictly before ``last`` (a question on or after
    the last event is the snapshot's)."""
    found = []
    for year in range(first.year, last.year + 1):
        for month, day in QUARTER_END_MONTHS:
            end = dt.date(year, month, day)
            if first <= end < last:
                found.append(end)
    return found


def quarterly_folds(placed: Sequence[Placed], company: str | None) -> list[tuple[dt.date, bytes]]:
    """The fold of ``placed`` (a whole ledger) to the end of each quarter end before its last
    event, each as a snapshot's bytes (:func:`~prefstack.ledger.snapshots.dumps`), in order; they
    stop where the next cannot be made by resuming the one before (see the module's text). None
    for a ledger holding a void: the event it voids is left out of every fold, whatever its date,
    so a quarter's events alone cannot be folded onto a checkpoint."""
    if not placed or any(isinstance(p.event, ev.EventVoided) for p in placed):
        return []
    ordered = order(placed)
    dates = [p.effective_date for p in ordered]
    made: list[tuple[dt.date, bytes]] = []
    state: LedgerState | None = None
    start = 0
    with without_cyclic_gc():
        for end in quarter_ends(dates[0], dates[-1]):
            stop = bisect.bisect_right(dates, end)
            if state is None:
                state = fold(placed, end, company=company)
            elif stop > start and not resume(state, ordered[start:stop], prescanned=True):
                break
            if state.reads_as_of:
                break
            folded_to = state.as_of
            state.as_of = end  # no event read the fold's date: the fold to ``end`` differs in its date alone
            made.append((end, snapshots.dumps(state)))
            state.as_of = folded_to
            start = stop
    return made
