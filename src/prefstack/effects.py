"""Each ledger event's effect on the figures: what recording it changed.

The effect of the event ``seq`` is the state on its effective date as the ledger stood just before
it was recorded (version ``seq - 1``: the events recorded before it) against the same state just
after (version ``seq``), compared figure by figure as ``interpretations --impact`` compares a
reading's figures with prefstack's (:func:`prefstack.impact.changes_between`): each holder's
shares, accrued but unpaid dividends, Conversion Price, Liquidation Value and votes, with the
clause of each.

The versions are the ledger's order of recording (``seq``), not the instants it records
(``recorded_at``): an imported ledger file keeps its own instants, which need not follow the order
of the store, and the events of one import share one instant; ``known_at`` could not tell such
events apart. A void's effect is the event it takes back undone; an event voided later still shows
what recording it did.
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass, replace
from fractions import Fraction

from prefstack.answers import Figure
from prefstack.books import Books
from prefstack.errors import InputError
from prefstack.impact import Figures, changes_between

__all__ = ["EffectChange", "EventEffect", "event_effect"]


@dataclass(frozen=True)
class EffectChange:
    """One figure of one holder that recording the event changed."""

    series: str
    holder: str
    figure: str
    kind: str
    """``money``, ``shares``, ``price`` or ``count`` (votes)."""
    before: Figure
    after: Figure
    difference: Figure
    """After less before."""
    clause: str


@dataclass(frozen=True)
class EventEffect:
    """The effect of the event ``seq`` on the figures of its effective date."""

    seq: int
    kind: str
    effective_date: dt.date
    recorded_at: str
    recorded_by: str
    voided: bool
    version_before: int
    version_after: int
    changes: tuple[EffectChange, ...]


def _figures(books: Books, day: dt.date) -> Figures:
    # the state's figures only (no conversion quotes, no liquidation): empty maps compare equal
    return books.state(day), typing.cast("dict[tuple[str, str], typing.Any]", {}), {}


def event_effect(books: Books, seq: int) -> EventEffect:
    """The effect of the stored event ``seq`` of ``books`` (a store's ledger, as it stands now) on
    the figures of its effective date: before (version ``seq - 1``) and after (version ``seq``).
    A ``seq`` the ledger does not hold is refused (field ``seq``)."""
    trail = books.audit_trail()
    found = [e for e in trail.events if e.seq == seq]
    if not found:
        raise InputError(
            "seq", "ledger format", f"the ledger holds no event #{seq} (its version is {len(trail.events)})"
        )
    (event,) = found
    before = _figures(replace(books, version=seq - 1), event.effective_date)
    after = _figures(replace(books, version=seq), event.effective_date)
    changes = tuple(
        EffectChange(c.series, c.holder, c.figure, c.kind, c.default, c.alternative, c.difference, c.clause)
        for c in changes_between(before, after)
    )
    assert all(Fraction(c.after.value) - Fraction(c.before.value) == Fraction(c.difference.value) for c in changes)
    return EventEffect(
        event.seq,
        event.kind,
        event.effective_date,
        event.recorded_at,
        event.recorded_by,
        event.voided,
        seq - 1,
        seq,
        changes,
    )
