"""What each reading of the certificates is worth: ``prefstack interpretations --impact``.

For every implemented alternative of every interpretation (:mod:`prefstack.interpretations.readings`)
the company's books are answered again under that alternative alone, and each holder's figures are
compared with prefstack's reading: shares, accrued but unpaid dividends, Conversion Price,
Liquidation Value and votes, and what converting all its shares on the date would give (Common
Stock, cash for the fraction, accrued dividends in cash); and, given the proceeds of a liquidation
on the date, what each holder of each class is paid (F/G §3, on the capital structure given). A
point whose alternative changes nothing for this ledger says so. Points are listed largest first:
by the largest change of a money figure, then of shares.

Only the alternatives the ledger's figures can touch are computed again: the figures under
prefstack's readings are computed once while collecting the interpretations the clauses consult
(:func:`~prefstack.interpretations.readings.consulting`); an interpretation none of them asked for
computes the same under every alternative, and its alternatives are listed as not consulted.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from fractions import Fraction

from prefstack.answers import Figure, optional
from prefstack.books import Books
from prefstack.citations import for_series
from prefstack.errors import InputError, PrefstackError
from prefstack.figures import MONEY, PRICE, SHARES
from prefstack.instruments.capital_structure import LoadedStructure
from prefstack.interpretations import registry
from prefstack.interpretations.readings import consulting, parse
from prefstack.queries import ConversionQuote, WaterfallAnswer
from prefstack.report import HolderState, StateAnswer

__all__ = ["Change", "Figures", "Impact", "Liquidation", "Point", "changes_between", "figures_of", "impact"]

_FIGURES: tuple[tuple[str, str], ...] = (
    ("shares_outstanding", "shares"),
    ("accrued_unpaid_dividends", "money"),
    ("conversion_price", "price"),
    ("liquidation_value", "money"),
    ("votes", "count"),
)
"""The holder's figures compared, and the kind of each (money and shares are ranked)."""

_PLACES = {"shares": SHARES, "money": MONEY, "price": PRICE, "count": 0}


@dataclass(frozen=True)
class Change:
    """One figure of one holder that the alternative changes."""

    series: str
    holder: str
    figure: str
    kind: str
    """``money``, ``shares``, ``price`` or ``count`` (votes)."""
    default: Figure
    alternative: Figure
    difference: Figure
    """The alternative's figure less prefstack's."""
    clause: str
    """The section the figure is computed under, in the holder's certificate (for a class without one,
    a liquidation payment: §3 of every certificate of the books)."""


@dataclass(frozen=True)
class Point:
    """One interpretation's implemented alternative, and what it changes on the date."""

    interpretation: str
    alternative: str
    clauses: tuple[str, ...]
    text: str
    """The alternative, as the registry describes it."""
    largest_money: Figure
    """The largest change of a money figure (accrued dividends, Liquidation Value, cash on conversion,
    a liquidation payment), in dollars."""
    largest_shares: Figure
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Impact:
    """``prefstack interpretations --impact``: the points that change a figure, largest first, and
    those that change nothing for this ledger on the date."""

    as_of: dt.date
    points: tuple[Point, ...]
    unchanged: tuple[str, ...]
    """``ID=ALT`` of every implemented alternative that changes no figure on the date, though the
    figures consult its interpretation."""
    not_consulted: tuple[str, ...]
    """``ID=ALT`` of every implemented alternative whose interpretation no computation of the figures
    asked for (so no figure can change under it): not computed again."""
    refused: tuple[str, ...]
    """``ID=ALT: why`` of every alternative under which the books cannot be answered (it needs a fact
    the ledger does not record, or refuses what the ledger holds)."""
    proceeds: Figure | None = optional()  # noqa: RUF009 (a dataclasses.field: JSON leaves it out when None)
    """The cash of the liquidation whose payments are compared (left out: none compared)."""


def _selectable() -> Iterator[tuple[str, str, str, tuple[str, ...]]]:
    for interpretation in sorted(registry().values(), key=lambda i: i.id):
        for alternative, text in interpretation.selectable:
            yield interpretation.id, alternative, text, interpretation.clauses


def _holders(answer: StateAnswer) -> dict[tuple[str, str], HolderState]:
    return {(s.series, h.holder): h for s in answer.series for h in s.holders}


def _value(holder: HolderState | None, figure: str) -> Fraction:
    if holder is None:
        return Fraction(0)
    found = getattr(holder, figure)
    return Fraction(found.value if isinstance(found, Figure) else found)


Payments = dict[tuple[str, str], Fraction]
Figures = tuple[StateAnswer, dict[tuple[str, str], ConversionQuote | InputError], Payments]
"""The state, each holding's conversion on the date, and what each holder of each class is paid
from the proceeds of a liquidation (empty without proceeds)."""

_CONVERSION_FIGURES: tuple[tuple[str, str], ...] = (
    ("conversion_common_shares", "count"),
    ("conversion_cash_for_fraction", "money"),
    ("conversion_dividend_cash", "money"),
)
"""What converting every share of the holding on the date gives: the Common Stock, the cash for
the fraction of a share and the accrued dividends paid in cash (§5(b), §5(c)(iii))."""


def _converted(quote: ConversionQuote | InputError | None, figure: str) -> Fraction:
    if quote is None or isinstance(quote, InputError):
        return Fraction(0)  # no conversion (none held, or a cut-off): nothing on conversion
    match figure:
        case "conversion_common_shares":
            return Fraction(quote.common_shares)
        case "conversion_cash_for_fraction":
            return Fraction(quote.cash_for_fraction.value)
        case "conversion_dividend_cash":
            return Fraction(quote.dividend_settlement.cash.value)
        case other:
            raise AssertionError(f"no conversion figure {other!r}")


_SECTIONS = {
    "shares_outstanding": "§2(a)",
    "accrued_unpaid_dividends": "§3(a)",
    "conversion_price": "§5(a)",
    "liquidation_value": "§3(a)",
    "votes": "§4",
    "conversion_common_shares": "§5(b)",
    "conversion_cash_for_fraction": "§5(b)",
    "conversion_dividend_cash": "§5(c)(iii)",
    "liquidation_payment": "§3",
}
"""The section of each compared figure, the same in every certificate (F and G number them alike;
the citations are checked against each certificate's sections)."""


def _clause(series: str, figure: str, certificates: list[str]) -> str:
    section = _SECTIONS[figure]
    if series in certificates:
        return for_series(series, section)
    return ", ".join(for_series(name, section) for name in certificates)


def changes_between(default: Figures, other: Figures) -> list[Change]:
    """Every figure of every holder that differs between ``default`` and ``other`` (figures of the
    same date, :func:`figures_of`), ``other``'s less ``default``'s, with the clause of each: what an
    alternative reading changes (``--impact``), or what one ledger event changed (the books before
    and after it was recorded)."""
    before, after = _holders(default[0]), _holders(other[0])
    certificates = [s.series for s in default[0].series]
    found = []
    for key in sorted(set(before) | set(after) | set(default[2]) | set(other[2])):
        compared_figures = [
            (figure, kind, _value(before.get(key), figure), _value(after.get(key), figure)) for figure, kind in _FIGURES
        ] + [
            (figure, kind, _converted(default[1].get(key), figure), _converted(other[1].get(key), figure))
            for figure, kind in _CONVERSION_FIGURES
        ]
        if key in default[2] or key in other[2]:
            paid = (default[2].get(key, Fraction(0)), other[2].get(key, Fraction(0)))
            compared_figures.append(("liquidation_payment", "money", *paid))
        for figure, kind, old, new in compared_figures:
            if old != new:
                places = _PLACES[kind]
                compared = Figure(old, places), Figure(new, places), Figure(new - old, places)
                found.append(Change(key[0], key[1], figure, kind, *compared, _clause(key[0], figure, certificates)))
    return found


def _largest(changes: list[Change], kind: str) -> Fraction:
    return max((abs(Fraction(c.difference.value)) for c in changes if c.kind == kind), default=Fraction(0))


def _payments(answer: WaterfallAnswer) -> Payments:
    paid: Payments = {}
    for row in answer.payouts:
        key = (row.security, row.holder)
        paid[key] = paid.get(key, Fraction(0)) + Fraction(row.amount.value)
    return paid


@dataclass(frozen=True)
class Liquidation:
    """The liquidation whose payments ``--impact`` compares: its proceeds in cash on the date, on a
    capital structure (None: the ledger's series and Common Stock only)."""

    proceeds: Fraction
    structure: LoadedStructure | None = None


def figures_of(books: Books, as_of: dt.date, liquidation: Liquidation | None = None) -> Figures:
    """The figures :func:`changes_between` compares: the state of ``books`` on ``as_of``, each
    holding's conversion on that date and (with ``liquidation``) what each holder is paid."""
    state, conversions = books.state_and_conversions(as_of)
    if liquidation is None:
        return state, conversions, {}
    answer = books.waterfall(as_of, liquidation.proceeds, structure=liquidation.structure)
    return state, conversions, _payments(answer)


_Question = tuple[Books, dt.date, Liquidation | None, Figures]
"""What every alternative is compared on: the books, the date, the liquidation, prefstack's figures."""

_FORKED: _Question | None = None
"""The question, for worker processes forked to answer it (they inherit it, nothing is pickled)."""


Answer = list[Change] | str
"""The changes under one alternative, or why the books cannot be answered under it (an alternative
that needs a fact this ledger does not record refuses, naming the field and the clause)."""


def _changes_under(question: _Question, ident: str, alternative: str) -> Answer:
    books, as_of, liquidation, default = question
    readings = parse({ident: alternative}, "--impact")
    try:
        other = figures_of(Books(books.db, books.company, books.ledger, books.known_at, readings), as_of, liquidation)
    except PrefstackError as refused:
        return str(refused)
    return changes_between(default, other)


def _forked_changes(choice: tuple[str, str]) -> Answer:
    assert _FORKED is not None, "a worker of impact() is forked after the question is set"
    return _changes_under(_FORKED, *choice)


def _all_changes(
    question: _Question, choices: list[tuple[str, str]], jobs: int, progress: Progress | None = None
) -> list[Answer]:
    """The changes under each alternative, in order: one after another, or with ``jobs`` > 1 in that
    many forked worker processes (each alternative replays the ledger on its own; the replays are
    independent). Where processes cannot be forked, one after another. ``progress`` is told how many
    are answered, in order."""
    global _FORKED
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    told = progress or (lambda done, total: None)
    told(0, len(choices))
    answers: list[Answer] = []
    if jobs == 1 or len(choices) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for ident, alternative in choices:
            answers.append(_changes_under(question, ident, alternative))
            told(len(answers), len(choices))
        return answers
    _FORKED = question
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(jobs, len(choices)), mp_context=context) as pool:
            for answer in pool.map(_forked_changes, choices):
                answers.append(answer)
                told(len(answers), len(choices))
        return answers
    finally:
        _FORKED = None


Progress = Callable[[int, int], None]
"""Told ``(done, total)``: how many of the alternatives computed again are answered, of how many."""


def impact(
    books: Books,
    as_of: dt.date,
    liquidation: Liquidation | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
) -> Impact:
    """Each implemented alternative's changes to the figures of ``books`` on ``as_of`` (and, with
    ``liquidation``, to what each holder is paid from its proceeds on that date); ``jobs``: how many
    processes answer the alternatives (the result is the same); ``progress``, where given, is told
    ``(0, total)`` once prefstack's figures are computed and ``(done, total)`` after each alternative."""
    if books.readings:
        raise ValueError("the impact of each reading is measured against prefstack's readings: give books without")
    with consulting() as consulted:
        default = figures_of(books, as_of, liquidation)
    selectable = list(_selectable())
    asked = [(ident, alternative) for ident, alternative, _, _ in selectable if ident in consulted]
    answers = dict(
        zip(asked, _all_changes((books, as_of, liquidation, default), asked, jobs, progress), strict=True)
    )
    points = []
    unchanged = []
    not_consulted = []
    refused = []
    for ident, alternative, text, clauses in selectable:
        if ident not in consulted:
            not_consulted.append(f"{ident}={alternative}")
            continue
        changes = answers[(ident, alternative)]
        if isinstance(changes, str):
            refused.append(f"{ident}={alternative}: {changes}")
            continue
        if not changes:
            unchanged.append(f"{ident}={alternative}")
            continue
        points.append(
            Point(
                ident,
                alternative,
                clauses,
                text,
                Figure(_largest(changes, "money"), MONEY),
                Figure(_largest(changes, "shares"), SHARES),
                tuple(changes),
            )
        )
    points.sort(key=lambda p: (-Fraction(p.largest_money.value), -Fraction(p.largest_shares.value), p.interpretation))
    proceeds = None if liquidation is None else Figure(liquidation.proceeds, MONEY)
    return Impact(as_of, tuple(points), tuple(unchanged), tuple(not_consulted), tuple(refused), proceeds)
