"""The query layer: every question asked of a company's books, in one place.

:class:`Books` names where a company's ledger is read (a store, or a ledger file) and as known at
which time; each method answers one question on a date. The command line asks through it, and so
will the web service: neither reaches into the projection (:mod:`prefstack.ledger.replay`) itself.
How the state on a date is found (from the stream's snapshot, or by replay) is
:func:`prefstack.ledger.service.state_on`'s business, not the caller's.

The answers are typed: frozen dataclasses whose figures are exact
:class:`~prefstack.answers.Figure` values, beside the clauses and explanations they rest on
(:class:`~prefstack.report.StateAnswer` and the answers of :mod:`prefstack.queries`), written as
the JSON the commands print by :func:`prefstack.answers.json_ready`; the certificates of
adjustment, the calendar's deadlines and the documents are the clauses' and the documents' own
objects.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from prefstack.errors import InputError
from prefstack.interpretations.readings import ReadingSet, consulted_set, under

if TYPE_CHECKING:
    from prefstack.clauses.antidilution import CertificateOfAdjustment
    from prefstack.clauses.liquidation import NonCashProceeds, SeniorClass
    from prefstack.compliance import Deadline
    from prefstack.documents import Document
    from prefstack.instruments.capital_structure import CapitalStructure, LoadedStructure
    from prefstack.ledger.events import LedgerEvent
    from prefstack.ledger.replay import LedgerState, Placed
    from prefstack.ocf.export import IssuerFacts
    from prefstack.queries import (
        AuditTrail,
        ConversionQuote,
        DividendsAnswer,
        RedemptionAnswer,
        RedemptionInCommonAnswer,
        TransactionAnswer,
        VotesAnswer,
        WaterfallAnswer,
    )
    from prefstack.report import StateAnswer
    from prefstack.scenarios import ScenarioPlan
    from prefstack.valuation import ValuationInputs

__all__ = ["Books"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


def _itself(state: LedgerState) -> LedgerState:
    return state


def _under_readings(method: Callable[Concatenate[Books, P], R]) -> Callable[Concatenate[Books, P], R]:
    """Answer under the books' reading set, the whole question (its state and its answer) inside it."""

    def answered(books: Books, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with under(books.readings):
            return method(books, *args, **kwargs)

    functools.update_wrapper(answered, method)
    return answered


Documents = list[tuple[str | None, "Document"]]


def _weighed(method: Callable[Concatenate[Books, P], Documents]) -> Callable[Concatenate[Books, P], Documents]:
    """A question answered by documents: under prefstack's readings, each document also says, for
    every implemented alternative of a reading it relies on, which of its figures that alternative
    would change and to what (the documents made again under it); under another reading set, it
    says which readings it was computed under."""

    def weighed(books: Books, /, *args: P.args, **kwargs: P.kwargs) -> Documents:
        made = method(books, *args, **kwargs)
        if not books.weigh_alternatives:
            return made
        if books.readings:
            under_text = ", ".join(f"{ident}={alternative}" for ident, alternative in books.readings)
            note = f"Computed under {under_text}, not prefstack's reading."
            return [(h, dataclasses.replace(d, alternatives=[note])) for h, d in made]

        def again(other: ReadingSet) -> Documents:
            return method(dataclasses.replace(books, readings=other), *args, **kwargs)

        return _with_alternatives(made, again)

    functools.update_wrapper(weighed, method)
    return weighed


def _with_alternatives(made: Documents, again: Callable[[ReadingSet], Documents]) -> Documents:
    from prefstack.errors import PrefstackError
    from prefstack.interpretations import registry

    relied = {i for _, d in made for i in d.interpretations}
    notes: dict[int, list[str]] = {index: [] for index in range(len(made))}
    for interpretation in sorted(registry().values(), key=lambda i: i.id):
        if interpretation.id not in relied:
            continue
        for alternative, text in interpretation.selectable:
            point = f"{interpretation.id}={alternative}"
            try:
                other = dict(again(((interpretation.id, alternative),)))
            except PrefstackError as exc:
                for index, (_, d) in enumerate(made):
                    if interpretation.id in d.interpretations:
                        notes[index].append(f"Under {point} ({text}) this document could not be made: {exc}")
                continue
            for index, (holder, d) in enumerate(made):
                changed = _changed_figures(d, other.get(holder))
                if interpretation.id in d.interpretations and changed:
                    notes[index].append(f"Under {point} ({text}): {'; '.join(changed)}.")
    return [(h, dataclasses.replace(d, alternatives=notes[i] or d.alternatives)) for i, (h, d) in enumerate(made)]


def _changed_figures(document: Document, other: Document | None) -> list[str]:
    if other is None:
        return ["no such document"]
    values = {f.label: f.value for f in other.figures}
    return [
        f"{f.label} {values[f.label]} instead of {f.value}"
        for f in document.figures
        if f.label in values and values[f.label] != f.value
    ]


@dataclass(frozen=True)
class Books:
    """The books of one company: its ledger in the store ``db`` (``company``: an issuer id or legal
    name; None: the store's only company), or in the ledger file ``ledger``; ``known_at``: as the
    ledger stood at that instant (None: everything recorded)."""

    db: str
    company: str | None = None
    ledger: str | None = None
    known_at: dt.datetime | None = None
    readings: ReadingSet = ()
    """The reading set every answer is computed under (:mod:`prefstack.interpretations.readings`;
    checked by its ``parse``); empty: prefstack's readings. Under another set the ledger is
    replayed, never read from its snapshot (which is the fold under prefstack's readings)."""
    weigh_alternatives: bool = True
    """Whether documents say what each implemented alternative of their readings would change (each
    alternative replays the ledger once more: a batch of thousands of holders may do without)."""
    version: int | None = None
    """As the ledger stood at that version: its events of ``seq`` up to ``version`` only, in the
    order they were recorded (None: every event). Such books are always replayed (a snapshot is the
    fold of the whole ledger); the effect of the event ``seq`` is the difference between the books
    at ``seq - 1`` and at ``seq``."""

    def _on(self, day: dt.date) -> LedgerState:
        return self._answer_on(day, _itself)

    def _answer_on(self, day: dt.date, question: Callable[[LedgerState], T]) -> T:
        """``question`` answered on the state on ``day``; of a store's ledger, while its hash chain
        is verified beside it (:func:`prefstack.ledger.service.answer_on`)."""
        from prefstack.ledger import service

        if self.version is not None:
            from prefstack.ledger.replay import replay

            whose, placed = self._events()
            return question(replay(placed, day, company=whose))
        return service.answer_on(
            self.ledger,
            self.db,
            self.company,
            day,
            self.known_at,
            # the readings a question consults are collected from a fold, not from a snapshot
            replay_always=bool(self.readings) or consulted_set() is not None,
            question=question,
        )[1]

    def _events(self) -> tuple[str | None, list[Placed]]:
        """The company (an issuer id) and its events, for the questions that replay them whole."""
        from prefstack.ledger import service

        found = service.load_ledger(self.ledger, self.db, self.company, self.known_at)
        if self.version is None:
            return found.company, found.placed
        if self.version < 0:
            raise InputError("version", "ledger format", f"{self.version} is no ledger version (0 or more)")
        return found.company, [p for p in found.placed if p.seq is not None and p.seq <= self.version]

    @_under_readings
    def state(self, as_of: dt.date, *, structure: LoadedStructure | None = None, explain: bool = False) -> StateAnswer:
        """Each series and holder on ``as_of``: shares, accrued dividends, Conversion Price and
        ratio, Liquidation Value, votes; Common Stock and the reserve for conversion (§5(c)(ii)),
        counting every class of ``structure`` where one is given."""
        from prefstack.report import state_answer

        return self._answer_on(as_of, lambda state: state_answer(state, structure, explain=explain))

    @_under_readings
    def state_and_conversions(
        self, as_of: dt.date
    ) -> tuple[StateAnswer, dict[tuple[str, str], ConversionQuote | InputError]]:
        """The state on ``as_of`` and, from the same state, what converting each holder's every share
        on that date would give (with the funds to pay its accrued dividends in cash), or why it
        cannot convert (a cut-off, F/G §5(a), §6(j)): the figures ``interpretations --impact``
        compares."""
        from prefstack.queries import conversion_quote
        from prefstack.report import state_answer

        state = self._on(as_of)
        answer = state_answer(state, explain=False)
        quotes: dict[tuple[str, str], ConversionQuote | InputError] = {}
        for series in answer.series:
            for holder in series.holders:
                shares = Fraction(holder.shares_outstanding.value)
                try:
                    quotes[(series.series, holder.holder)] = conversion_quote(
                        state, series.series, holder.holder, shares, None
                    )
                except InputError as exc:
                    if exc.field in ("--certificates", "--db"):
                        # a reading that needs the certificates surrendered, which a holding does not
                        # record (CONV-FRACTION-AGGREGATE=per-certificate), or a snapshot kept in the
                        # store that cannot be read: the question is refused, not one holder's quote
                        raise
                    quotes[(series.series, holder.holder)] = exc
        return answer, quotes

    @_under_readings
    def convert(
        self,
        on: dt.date,
        series: str,
        holder: str,
        shares: Fraction,
        funds: Fraction | None,
        certificates: Sequence[Fraction] | None = None,
    ) -> ConversionQuote:
        """F/G §5(a)-(c): what converting ``shares`` of ``holder`` on ``on`` gives (``certificates``:
        the shares on each certificate surrendered)."""
        from prefstack.queries import conversion_quote

        return self._answer_on(on, lambda state: conversion_quote(state, series, holder, shares, funds, certificates))

    @_under_readings
    def waterfall(
        self,
        on: dt.date,
        proceeds: Fraction,
        senior: Sequence[SeniorClass] = (),
        non_cash: Sequence[NonCashProceeds] = (),
        structure: LoadedStructure | None = None,
    ) -> WaterfallAnswer:
        """F/G §3: who is paid what from ``proceeds`` of a liquidation on ``on``."""
        from prefstack.queries import liquidation

        return self._answer_on(on, lambda state: liquidation(state, proceeds, senior, non_cash, structure))

    @_under_readings
    def scenario_plan(
        self, on: dt.date, structure: LoadedStructure | None = None, most_cents: int | None = None
    ) -> ScenarioPlan:
        """F/G §3 at every exit value up to ``most_cents`` (default: the kernel's largest) on
        ``on``: the plan of the vectorized waterfall, its conversion equilibrium and breakpoints."""
        from prefstack.kernels.waterfall import MAX_EXIT_CENTS
        from prefstack.scenarios import plan_for, structure_inputs

        top = MAX_EXIT_CENTS if most_cents is None else most_cents
        return self._answer_on(on, lambda state: plan_for(structure_inputs(state, structure), top))

    @_under_readings
    def projected_scenario_plan(
        self, on: dt.date, through: dt.date, structure: LoadedStructure | None = None
    ) -> ScenarioPlan:
        """:meth:`scenario_plan` on ``through`` of the ledger as it stands on ``on``: its events
        effective on or before ``on`` only (nothing later is known on ``on``), the dividends and
        interest accruing to ``through`` (the OPM's exit, VAL-OPM-WATERFALL-DATE)."""
        from prefstack.kernels.waterfall import MAX_EXIT_CENTS
        from prefstack.ledger.replay import replay
        from prefstack.scenarios import plan_for, structure_inputs

        if through < on:
            raise InputError("--term-years", "model (docs/valuation.md)", f"the exit {through} is before {on}")
        whose, placed = self._events()
        state = replay([p for p in placed if p.event.date <= on], through, company=whose)
        return plan_for(structure_inputs(state, structure), MAX_EXIT_CENTS)

    @_under_readings
    def valuation_inputs(self, on: dt.date, series: str) -> ValuationInputs:
        """What the ledger and the terms know for the fair value of a share of ``series`` on ``on``:
        shares outstanding, accrued dividends per share, Conversion Price, Liquidation Value, the
        Original Issuance Date and the Redemption Date (F/G §6(a)), the Common Stock's closing
        prices on or before ``on`` (:mod:`prefstack.valuation`)."""
        from prefstack.clauses.redemption import fifth_anniversary_redemption_date
        from prefstack.report import state_answer
        from prefstack.valuation import ValuationInputs

        state = self._on(on)
        if series not in state.series:
            known = sorted(state.series)
            raise InputError("--series", "F §1(a), G §1(a)", f"the ledger has no Series {series} (it has {known})")
        held = state.series[series]
        terms = held.terms
        clause = terms.redeemable().anniversary_years.cite
        answer = next(s for s in state_answer(state, explain=False).series if s.series == series)
        shares = Fraction(answer.shares_outstanding.value)
        if shares <= 0:
            raise InputError("--series", f"{series} §1(a)", f"no shares of Series {series} are outstanding on {on}")
        if held.original_issuance_date is None:
            raise InputError("original_issuance_date", clause, f"the ledger has no issuance of Series {series}")
        redemption_date = fifth_anniversary_redemption_date(terms, held.original_issuance_date).value
        assert isinstance(redemption_date, dt.date)
        accrued = sum((Fraction(h.accrued_unpaid_dividends.value) for h in answer.holders), Fraction(0))
        value = sum((Fraction(h.liquidation_value.value) for h in answer.holders), Fraction(0))
        return ValuationInputs(
            series=series,
            on=on,
            terms=terms,
            shares_outstanding=shares,
            accrued_per_share=accrued / shares,
            conversion_price=Fraction(answer.conversion_price.value),
            conversion_price_clause=answer.conversion_price_clause,
            liquidation_value_per_share=value / shares,
            original_issuance_date=held.original_issuance_date,
            redemption_date=redemption_date,
            redemption_clause=clause,
            closing_prices=tuple(sorted((d, p) for d, p in state.closing_prices.items() if d <= on)),
        )

    @_under_readings
    def dividends(self, payment_date: dt.date, series: str | None = None) -> DividendsAnswer:
        """F/G §2: each holder's dividend of ``payment_date`` (every series, or ``series``)."""
        from prefstack.queries import dividends

        return self._answer_on(payment_date, lambda state: dividends(state, payment_date, series))

    @_under_readings
    def redemption(self, on: dt.date, series: str, funds: Fraction) -> RedemptionAnswer:
        """F/G §6: shares redeemed pro rata on ``on`` with ``funds`` legally available."""
        from prefstack.queries import redemption

        return self._answer_on(on, lambda state: redemption(state, series, funds))

    @_under_readings
    def redemption_in_common(self, on: dt.date, series: str) -> RedemptionInCommonAnswer:
        """F §6(d): the Redemption Price paid in Common Stock at its Fair Market Value."""
        from prefstack.queries import redemption_in_common

        return self._answer_on(on, lambda state: redemption_in_common(state, series))

    @_under_readings
    def votes(self, as_of: dt.date, structure: LoadedStructure | None = None) -> VotesAnswer:
        """F/G §4: each holder's votes and each series' voting power on ``as_of``."""
        from prefstack.queries import voting

        return self._answer_on(as_of, lambda state: voting(state, structure))

    @_under_readings
    def certificates_of_adjustment(self, as_of: dt.date) -> list[CertificateOfAdjustment]:
        """F/G §5(j): a certificate for every adjustment of the Conversion Price up to ``as_of``."""
        from prefstack.queries import certificates_of_adjustment

        return self._answer_on(as_of, certificates_of_adjustment)

    @_under_readings
    def proposed_transaction(self, event: LedgerEvent, as_of: dt.date | None = None) -> TransactionAnswer:
        """F/G §6(b) and G §3(d) for a transaction not recorded: the ledger replayed with ``event``
        added, judged as of ``as_of`` (default: its date); nothing is stored."""
        from prefstack.queries import proposed_transaction

        return proposed_transaction(self._events()[1], event, as_of)

    @_under_readings
    def audit_trail(self) -> AuditTrail:
        """Every stored event in the order it was recorded, who recorded it, its effective date and
        clause, and the void that took it back (the store's ledger only)."""
        from prefstack.queries import ledger_log

        if self.ledger is not None:
            raise InputError("--ledger", "ledger format", "the audit trail is the store's: it has no ledger file")
        return ledger_log(self.db, self.company)

    @_under_readings
    def register(self, as_of: dt.date) -> list[dict[str, str]]:
        """The transfer agent's register on ``as_of``: one row per holder and series with its shares,
        address, certificate numbers and legends (docs/register.md)."""
        from prefstack.register import register_rows

        _, placed = self._events()
        return register_rows(self._on(as_of), placed)

    @_under_readings
    def ocf_package(
        self, as_of: dt.date, structure: CapitalStructure | None, issuer: IssuerFacts, generated_at: dt.datetime
    ) -> dict[str, dict[str, Any]]:
        """The company's cap table on ``as_of`` as an Open Cap Table Format package (file name -> JSON),
        with ``structure``'s other classes and prefstack's extension (docs/ocf.md)."""
        from prefstack.ocf.export import export_package

        company, placed = self._events()
        if company is None:
            raise InputError("--ledger", "ledger format", "the ledger names no company")
        return export_package(placed, company, as_of, structure, issuer, generated_at)

    @_under_readings
    def calendar(self, start: dt.date, end: dt.date, judged: dt.date) -> list[Deadline]:
        """Every deadline the certificates set dated from ``start`` to ``end``, with its party and
        clause, and whether it was met as the ledger stood on ``judged``."""
        from prefstack.compliance import calendar
        from prefstack.ledger.replay import replay

        whose, placed = self._events()
        state = replay(placed, max(end, judged), company=whose)
        visible = [p for p in placed if p.effective_date <= max(end, judged)]
        return calendar(state, visible, start, end, judged)

    # ------------------------------------------------------------------------- documents
    # Each returns the documents with the holder each is addressed to (None: to all the holders).

    @_weighed
    @_under_readings
    def dividend_statements(
        self, payment_date: dt.date, series: str | None, holder: str | None, *, every_holder: bool
    ) -> list[tuple[str | None, Document]]:
        """F/G §2: ``holder``'s statement of its dividend of ``payment_date`` (or every holder's)."""
        from prefstack.documents.kinds import dividend_statements

        state = self._on(payment_date)
        return list(dividend_statements(state, series, payment_date, holder, every_holder=every_holder))

    @_weighed
    @_under_readings
    def adjustment_certificates(
        self, as_of: dt.date, series: str, adjustment: dt.date | None, holder: str | None, *, every_holder: bool
    ) -> list[tuple[str | None, Document]]:
        """F/G §5(j): the certificate of the latest adjustment up to ``as_of`` (or of the one on
        ``adjustment``), to all the holders, to ``holder``, or each holder's copy."""
        from prefstack.documents.kinds import certificate_of_adjustment, holders_of

        state = self._on(as_of)
        if every_holder:
            return [(h, certificate_of_adjustment(state, series, adjustment, h)) for h in holders_of(state, series)]
        return [(holder, certificate_of_adjustment(state, series, adjustment, holder))]

    def conversion_statement(
        self,
        on: dt.date,
        series: str,
        holder: str,
        shares: Fraction,
        funds: Fraction | None,
        certificates: Sequence[Fraction] | None = None,
    ) -> Document:
        """F/G §5(a)-(c): ``holder``'s statement of a conversion of ``shares`` on ``on`` (``certificates``:
        the shares on each certificate surrendered)."""
        ((_, document),) = self.conversion_statements(on, series, holder, shares, funds, certificates)
        return document

    @_weighed
    @_under_readings
    def conversion_statements(
        self,
        on: dt.date,
        series: str,
        holder: str,
        shares: Fraction,
        funds: Fraction | None,
        certificates: Sequence[Fraction] | None = None,
    ) -> list[tuple[str | None, Document]]:
        """:meth:`conversion_statement`, as the one document addressed to ``holder``."""
        from prefstack.documents.kinds import conversion_statement

        return [(holder, conversion_statement(self._on(on), series, holder, shares, funds, certificates))]

    @_weighed
    @_under_readings
    def redemption_notices(
        self,
        redemption_date: dt.date,
        series: str,
        place: str,
        dated: dt.date | None,
        holder: str | None,
        *,
        every_holder: bool,
    ) -> list[tuple[str | None, Document]]:
        """F §6(e) / G §6(d): the notice of a redemption on ``redemption_date``, dated ``dated``
        (None: the last day the notice may be given), to all the holders, to ``holder``, or each
        holder's."""
        from prefstack.clauses.redemption import redemption_notice_window
        from prefstack.documents.kinds import holders_of, redemption_notice
        from prefstack.terms import load_terms

        state = self._on(redemption_date)
        if dated is None:
            latest = redemption_notice_window(load_terms(series), redemption_date).latest.value
            assert isinstance(latest, dt.date)
            dated = latest
        on_notice = self._on(dated)
        if every_holder:
            return [
                (h, redemption_notice(state, series, redemption_date, place, on_notice, h))
                for h in holders_of(state, series)
            ]
        return [(holder, redemption_notice(state, series, redemption_date, place, on_notice, holder))]

    @_weighed
    @_under_readings
    def record_date_notices(
        self, event: str, dated: dt.date | None, holder: str | None, *, every_holder: bool
    ) -> list[tuple[str | None, Document]]:
        """F/G §5(k): the notice of the record or effective date of the event ``event``, dated
        ``dated`` (None: the last day it may be given), to all the holders, to ``holder``, or each
        holder's."""
        from prefstack.documents.kinds import holders_of, record_date_deadline, record_date_event, record_date_notice
        from prefstack.ledger.replay import replay

        whose, placed = self._events()
        last = max(p.effective_date for p in placed)
        state = replay(placed, last, company=whose)
        day = dated if dated is not None else record_date_deadline(state, record_date_event(placed, event))
        on_notice = replay(placed, day, company=whose)
        if every_holder:
            everyone = sorted({h for series in on_notice.series for h in holders_of(on_notice, series)})
            return [(h, record_date_notice(state, placed, event, on_notice, h)) for h in everyone]
        return [(holder, record_date_notice(state, placed, event, on_notice, holder))]

    @_under_readings
    def history(self, series: str, start: dt.date, end: dt.date, holder: str | None) -> tuple[Document, bytes]:
        """The PIK share count, Liquidation Value and Conversion Price of ``series`` from ``start`` to
        ``end`` (for ``holder``, or the Company's records), as a document and its chart (PNG)."""
        from prefstack.documents.kinds import history_document

        return history_document(self._events()[1], series, start, end, holder)

    @_under_readings
    def histories(self, series: str, start: dt.date, end: dt.date) -> list[tuple[str | None, Document]]:
        """:meth:`history` for each holder of ``series`` on ``end``."""
        from prefstack.documents.kinds import history_document, holders_of
        from prefstack.ledger.replay import replay

        whose, placed = self._events()
        holders = holders_of(replay(placed, end, company=whose), series)
        return [(h, history_document(placed, series, start, end, h)[0]) for h in holders]
