"""Replay: the state of both series on any date, derived from the ledger's events.

``replay(events, as_of=...)`` folds the events in a fixed order — by effective date, then by
:data:`~prefstack.ledger.events.KIND_ORDER`, then by content — so the result never depends on
the order in which events were recorded. Nothing that can be derived is stored: shares,
accrued and unpaid dividends, PIK issues and common outstanding all come from the events.

An event that cannot apply (a holder that does not exist, more shares than held, a date
before the Original Issuance Date, a PIK issue beyond the authorized shares, a Common
Stock dividend that F §2(c) forbids) raises :class:`LedgerRuleError` naming the event,
the field and the clause.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple, Protocol, assert_never

import orjson

from prefstack.calendars import is_payment_date, next_payment_date, payment_dates, quarter_around
from prefstack.citations import for_series
from prefstack.clauses import antidilution as ad
from prefstack.clauses.conversion import (
    ConversionResult,
    ConversionRightsTerminated,
    conversion_timing,
    convert,
    ensure_conversion_allowed,
)
from prefstack.clauses.dividend_blockers import (
    ActionKind,
    Consideration,
    ProposedAction,
    Rank,
    judge_action,
    ratable_parity_dividends,
)
from prefstack.clauses.dividends import (
    DividendPayment as Payment,
)
from prefstack.clauses.dividends import (
    Election,
    accrual_value,
    accrued_unpaid,
    accrues_between,
    arrears_in_shares_clause,
    check_authorized,
    pay_dividend,
    period_dividend,
    pik_fraction_carried,
    portion_of,
)
from prefstack.clauses.liquidation import (
    JuniorHolding,
    NonCashProceeds,
    ParityHolding,
    SeniorClass,
    Tier,
    TransactionKind,
    Waterfall,
    as_converted_3b,
    is_deemed_liquidation,
    liquidation_value_per_share,
    participates_3b,
    valuation_method,
    waterfall,
)
from prefstack.clauses.notices import dividend_form_notice_deadline
from prefstack.clauses.redemption import (
    Acquisition,
    Agreement,
    AssetSale,
    CommonStockPayment,
    EventFacts,
    Insolvency,
    InsolvencyKind,
    Merger,
    NoSuchClause,
    RedemptionHolding,
    RedemptionNoticeError,
    RedemptionObligation,
    RedemptionResult,
    apply_later_funds,
    check_redemption_notice,
    depositary_qualifies,
    judge_mandatory_redemption_event,
    pay_redemption_price_in_common_stock,
    redeem,
    redemption_price_per_share,
    vote_otherwise_counts,
)
from prefstack.clauses.redemption import BoardTurnover as RedemptionBoardTurnover
from prefstack.clauses.voting import ConsentPurpose, series_majority, votes
from prefstack.collector import without_cyclic_gc
from prefstack.errors import AuthorizedSharesExceeded, InputError, PrefstackError
from prefstack.explain import Explained, display
from prefstack.instruments.registry import Issuer, issuer, issuer_of_series
from prefstack.interpretations import reading
from prefstack.interpretations.readings import chosen, pick
from prefstack.kernels.dividends import period_value, pik_value
from prefstack.kernels.holders import accrued_unpaid_value
from prefstack.ledger import events as ev
from prefstack.ledger import section5
from prefstack.numeric import to_decimal_string
from prefstack.terms import SeriesTerms, load_terms
from prefstack.terms.schema import Term

_ZERO = Fraction(0)
"""Zero, made once: the paths run once per holder and Payment Date share it (a Fraction never changes)."""

_CONTENT_JSON = json.JSONEncoder(sort_keys=True, check_circular=False, separators=(",", ":"))
"""An event's content in its replay-order key, where :func:`_content` cannot take orjson's text:
``json.dumps(data, sort_keys=True, separators=(",", ":"))`` from one encoder made once."""


def _content(data: object) -> str:
    """The content of an event's replay-order key: its JSON data with sorted keys, compact, every
    character outside printable ASCII escaped (``\\u`` and four hex digits) as :mod:`json` writes it. orjson writes
    the same text several times faster where the data holds printable ASCII only (it leaves other
    characters as they are); :data:`_CONTENT_JSON` writes the rest. The order of these keys is the
    order of ``json.dumps(data, sort_keys=True)`` (the same text with a space after each separator:
    two texts with a common prefix take their separators at the same places), so the replay order
    of same-day events of one kind is what it was (``tests/ledger/test_replay_order.py``)."""
    try:
        text: str = orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, which orjson does not write
        return _CONTENT_JSON.encode(data)
    if text.isascii() and "\x7f" not in text:  # orjson escapes the other control characters itself
        return text
    return _CONTENT_JSON.encode(data)


class LedgerRuleError(PrefstackError):
    """An event that cannot apply to the state the ledger has reached."""

    def __init__(self, event: Placed, field: str, clause: str, problem: str) -> None:
        self.event = event
        self.field = field
        self.clause = clause
        super().__init__(f"{event.label}: {field}: {problem} ({clause})")


@dataclass(frozen=True)
class Placed:
    """An event with where it came from (its position or stored sequence number)."""

    event: ev.LedgerEvent
    source: str = field(compare=False)
    """Where the event was read (a file and its position, or the store): for messages."""
    recorded_at: dt.datetime | None = field(default=None, compare=False)
    seq: int | None = None
    """The event's sequence number: its position in the ledger (the store's ``seq``, or the
    1-based position in a ledger file); None for an event not in a ledger (a proposal)."""
    recorded_by: str | None = field(default=None, compare=False)
    """Who entered the event, where the ledger records it."""
    # Two placings of one event compare equal whether it was read from a file or from the store:
    # a fold (and its snapshot) is the same either way.

    @property
    def ref(self) -> str:
        """How the state names the event (an id of its §5 action, a judged transaction): ``event
        #SEQ``, the same whether it was read from a file or from the store (a file's events are
        numbered as the store will number them); its source for an event not in a ledger."""
        return self.source if self.seq is None else f"event #{self.seq}"

    @property
    def label(self) -> str:
        ref = f" id {self.event.id}" if self.event.id else ""
        return f"{self.source} ({self.event.kind} on {self.event.date}{ref})"

    @functools.cached_property
    def effective_date(self) -> dt.date:
        """When the event takes effect: its date, except a conversion conditioned on an
        underwritten offering, which is deemed made immediately prior to the closing (§5(c)(v))."""
        event = self.event
        if isinstance(event, ev.Conversion) and event.conditioned_on_offering_closing is not None:
            return event.conditioned_on_offering_closing
        return event.date

    def sort_key(self) -> tuple[dt.date, int, str]:
        """Replay order: effective date, the rank of the kind, then the content (computed once, kept
        in the instance's dictionary as ``functools.cached_property`` would, without its lock: a
        long ledger computes a hundred thousand of them). The JSON data is not kept beside the
        key: for 100,000 events it held 90 MB, and dumping an event again for the store's payload
        costs no more time than keeping it."""
        found: tuple[dt.date, int, str] | None = self.__dict__.get("_sort_key")
        if found is None:
            found = (self.effective_date, ev.kind_rank(self.event), _content(self.event.model_dump(mode="json")))
            self.__dict__["_sort_key"] = found
        return found


class Lot(NamedTuple):
    """Part of a holding whose dividend of the current period is not the holding's own: ``shares``
    of the holding (counted in its ``shares``) that accrue from ``start`` instead of the holding's
    accrual start, and ``carried``, a fixed amount added to (or, negative, taken from) the holding's
    dividend of the period. Only alternatives make lots (DIV-ARREARS-PIK-ACCRUAL=from-issue,
    TRANSFER-ACCRUED=apportioned); the next Payment Date, paid or not, ends them."""

    shares: Fraction
    start: dt.date
    carried: Fraction
    reading: str
    """The interpretation whose alternative made the lot (its explanations cite it)."""


@dataclass(frozen=True)
class Holding:
    """One holder's shares of one series and the dividends owed on them. Frozen: replay
    replaces a holding with a new one (``dataclasses.replace``); readers cannot change it."""

    series: str
    holder: str
    shares: Fraction = Fraction(0)
    accrual_start: dt.date | None = None
    arrears: Fraction = Fraction(0)
    """Dividends of past Payment Dates not paid (DIV-ACCRUED-UNPAID)."""
    unpaid_dates: tuple[dt.date, ...] = ()
    lots: tuple[Lot, ...] = ()
    """Shares accruing from another start, and amounts carried, until the next Payment Date: always
    empty under prefstack's readings (:class:`Lot`). The shares not in a lot accrue from
    ``accrual_start`` on the accrual base of the holding's arrears."""


class ElectionOnRecord(NamedTuple):
    """A holder's dividend election as replay checked it (F §2(b), §2(e))."""

    date: dt.date
    """When the Company received it."""
    election: Election
    """Its portions of the dividend in each form."""


class PaidDividend(NamedTuple):
    """One holder's dividend of one Payment Date as replay paid it: the facts it was computed from
    and the figures replay itself needs. The whole payment, every figure explained, is computed
    again from these facts by :func:`paid_dividend` when a reader asks for it: kept for each holder
    and Payment Date, the explanations made most of a large register's state (measured: 52 of
    104 MB pickled for 133,000 payments), which made its snapshot too slow to load."""

    holder: str
    payment_date: dt.date
    shares: Fraction
    accrual_start: dt.date
    arrears: Fraction
    """The holding the dividend was computed on: shares, start of the period, arrears before it."""
    election: Election
    form_reason: str
    """Why the dividend took its form: the election and its notice, or the default."""
    registration_effective: bool
    """Whether the F §2(c) registration condition held for a Common Stock portion."""
    pik_shares: Fraction | None
    common_shares: int | Fraction | None
    """Whole shares of Common Stock; an exact Fraction under DIV-F-COMMON-FRACTIONS=fractional."""
    paid_on: dt.date | None
    """The day the dividend was actually paid, where its ``dividend_payment`` gives one (paid late)."""
    lots: tuple[Lot, ...] = ()
    """The holding's lots in the period (none under prefstack's readings)."""


def paid_dividend(state: LedgerState, series: str, record: PaidDividend) -> Payment:
    """The payment of ``record``, every figure explained: :func:`pay_dividend` on the facts replay
    recorded and the closing prices of ``state`` (a state on or after the Payment Date holds every
    price before it; :func:`_common_prices` for a dividend paid late). Equal to what replay computed
    (a test checks every payment of the example)."""
    terms = state.series[series].terms
    quarter = lots_period_dividend(
        terms, record.shares, record.accrual_start, record.payment_date, record.arrears, record.lots
    )
    carried = _pik_carried(state.series[series], record.holder, record.payment_date) if record.election.pik else None
    return pay_dividend(
        terms,
        dividend=quarter,
        payment_date=record.payment_date,
        election=record.election,
        closing_prices=_common_prices(state),
        registration_effective=record.registration_effective,
        shares=record.shares,
        pik_carried=carried or Fraction(0),
        paid_on=record.paid_on,
    )


def _pik_carried(s: SeriesState, holder: str, before: dt.date) -> Fraction:
    """The fraction of a PIK share ``holder`` carries into its dividend of ``before`` under
    DIV-FRACTIONAL-PIK=whole-carry: the exact PIK shares of its earlier dividends less the whole
    shares issued for them (none under the other readings)."""
    match chosen("DIV-FRACTIONAL-PIK"):
        case "default" | "round-cents" | "whole-cash":
            return _ZERO
        case "whole-carry":
            pass
        case other:
            raise AssertionError(f"DIV-FRACTIONAL-PIK alternative {other!r} is registered but not computed")
    carried = Fraction(0)
    for day in sorted(d for d in s.payments if d < before):
        for r in s.payments[day]:
            if r.holder != holder or r.pik_shares is None:
                continue
            quarter = (
                lots_period_value(s.terms, r.shares, r.accrual_start, r.payment_date, r.arrears, r.lots)
                if r.lots
                else period_value(s.terms, r.shares, r.accrual_start, r.payment_date, r.arrears)
            )
            carried = pik_fraction_carried(s.terms, portion_of(quarter, r.election.pik), carried)
    return carried


@dataclass(frozen=True)
class ConversionRecord:
    series: str
    holder: str
    date: dt.date
    shares: Fraction
    accrued_unpaid: Explained
    result: ConversionResult


class StateIsReadOnly(PrefstackError):
    """A reader tried to change a replayed state (only replay's appliers may, before it is sealed)."""


class _ReadOnlyDict(dict):  # type: ignore[type-arg]
    """A dict whose contents can no longer change (a sealed state's mappings)."""

    def _refuse(self, *_args: object, **_kwargs: object) -> None:
        raise StateIsReadOnly("a replayed state is read-only: readers never change it")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]


class _ReadOnlyList(list):  # type: ignore[type-arg]
    """A list whose contents can no longer change (a sealed state's sequences)."""

    def _refuse(self, *_args: object, **_kwargs: object) -> None:
        raise StateIsReadOnly("a replayed state is read-only: readers never change it")

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse  # type: ignore[assignment]
    append = extend = insert = remove = pop = clear = sort = reverse = _refuse


def _sealed(value: object) -> object:
    """``value`` read-only: a dict or list copied into a read-only one, its items sealed in turn; a
    set frozen; a :class:`_Sealable` sealed in place; anything else (immutable) as it is."""
    if isinstance(value, dict):
        if _all_immutable(value.values()):  # nothing inside to seal: one copy, no call per item
            return _ReadOnlyDict(value)
        return _ReadOnlyDict({k: _sealed(v) for k, v in value.items()})
    if isinstance(value, list):
        if _all_immutable(value):
            return _ReadOnlyList(value)
        return _ReadOnlyList(_sealed(v) for v in value)
    if isinstance(value, set):
        return frozenset(value)
    if isinstance(value, _Sealable):
        value.seal()
    return value


def _all_immutable(values: Iterable[object]) -> bool:
    """Whether none of ``values`` is of a kind :func:`_sealed` changes (a dict, list, set or
    :class:`_Sealable`), judged by their types alone, gathered without a Python call per value: a
    large register's state holds hundreds of thousands of records (payments, elections) in a few
    mappings, and sealing them one call each took most of the time of a question answered from a
    snapshot."""
    return not any(issubclass(kind, _CHANGED_BY_SEALING) for kind in set(map(type, values)))


class Deferred(Protocol):
    """Where a field of a state not yet read comes from (a snapshot's history, read when a reader
    first asks for it: :mod:`prefstack.ledger.snapshots`)."""

    def value(self, name: str) -> object:
        """The field ``name`` of the state that holds this, as the snapshot wrote it."""
        ...


class _Sealable:
    """State that replay builds step by step and then seals: after :meth:`seal` no attribute,
    mapping or list of it can change (:class:`StateIsReadOnly`). Caches that only memoize a pure
    function of the state are named in ``_CACHES`` and stay writable."""

    _CACHES: frozenset[str] = frozenset()
    _DEFERRABLE: frozenset[str] = frozenset()
    """Fields a snapshot may leave unread until a reader asks for them (:func:`defer`)."""
    _is_sealed: bool = False

    if not TYPE_CHECKING:  # for the type checker every attribute stays declared, none is found here

        def __getattr__(self, name: str) -> object:
            """A deferred field (:func:`defer`), read on first use; Python calls this only for an
            attribute the object does not hold."""
            held = self.__dict__
            # Another thread may be reading the fields too, and drops "_deferred" then "_put" once
            # all are read: taken in the other order, a "_deferred" found means the "_put" taken
            # first was still there, and none found means the field is held by now.
            put = held.get("_put", {}).get(name)
            deferred = held.get("_deferred") if name in self._DEFERRABLE else None
            if deferred is None and name in self._DEFERRABLE and name in held:
                return held[name]
            if deferred is None:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            value = deferred.value(name)
            if put is not None:  # entries put before the field was read (:func:`put_entry`), after its own
                assert isinstance(value, dict), f"{type(self).__name__}.{name} is a mapping"
                value.update(put)
            # Where another thread read the field meanwhile, its copy is kept and given to both:
            # every reader of a state holds the same object.
            found = held.setdefault(name, _sealed(value) if self._is_sealed else value)
            if all(n in held for n in self._DEFERRABLE):
                held.pop("_deferred", None)  # another thread may have read it first
                held.pop("_put", None)
            return found

    def __setattr__(self, name: str, value: object) -> None:
        if self._is_sealed:
            raise StateIsReadOnly(f"a replayed state is read-only: cannot set {type(self).__name__}.{name}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise StateIsReadOnly(f"a replayed state is read-only: cannot delete {type(self).__name__}.{name}")

    def seal(self) -> None:
        if self._is_sealed:
            return
        for name, value in vars(self).items():
            if name not in self._CACHES and name not in ("_deferred", "_put"):
                object.__setattr__(self, name, _sealed(value))
        object.__setattr__(self, "_is_sealed", True)


_CHANGED_BY_SEALING = (dict, list, set, _Sealable)


def defer(owner: _Sealable, deferred: Deferred) -> None:
    """Leave the deferrable fields of ``owner`` (which must not hold them) to be read from
    ``deferred`` when a reader first asks for one; sealed then if ``owner`` is sealed by then."""
    held = sorted(owner._DEFERRABLE & vars(owner).keys())
    if held:
        raise ValueError(f"{type(owner).__name__} already holds {', '.join(held)}")
    vars(owner)["_deferred"] = deferred


def put_entry(owner: _Sealable, name: str, key: object, value: object) -> None:
    """Set ``key`` of the mapping field ``name`` of ``owner`` to ``value``, without reading the
    field where it is still deferred (:func:`defer`): the entry is kept beside it and added to it
    when a reader first asks for it, after the field's own entries, as setting it on the field read
    would have added it (the same entries in the same order). Folding a quarter's dividend
    elections onto a checkpoint so need not read the elections of every earlier Payment Date."""
    if owner._is_sealed:
        raise StateIsReadOnly(f"a replayed state is read-only: cannot set {type(owner).__name__}.{name}")
    held = vars(owner)
    if name in held or held.get("_deferred") is None:
        getattr(owner, name)[key] = value
    else:
        held.setdefault("_put", {}).setdefault(name, {})[key] = value


def put_before_reading(owner: _Sealable, name: str) -> bool:
    """Whether entries were put in the deferred field ``name`` of ``owner`` that it has not read
    yet (:func:`put_entry`)."""
    return name in vars(owner).get("_put", {})


def deferred_of(owner: _Sealable) -> Deferred | None:
    """Where the fields of ``owner`` not read yet come from; None where it holds them all."""
    found: Deferred | None = vars(owner).get("_deferred")
    return found


def undeferred(state: LedgerState) -> LedgerState:
    """``state`` with every deferred field of it and of its series read (:func:`defer`)."""
    for owner in (state, *state.series.values()):
        for name in sorted(owner._DEFERRABLE):
            getattr(owner, name)
    return state


@dataclass
class SeriesState(_Sealable):
    _DEFERRABLE = frozenset({"payments", "unpaid_dividends", "conversions"})

    terms: SeriesTerms
    original_issuance_date: dt.date | None = None
    shares_ever_issued: Fraction = Fraction(0)
    pik_shares_issued: Fraction = Fraction(0)
    """Shares issued as dividends (PIK and arrears paid in shares), against the reserve of F/G §1(a)."""
    holdings: dict[str, Holding] = field(default_factory=dict)
    payments: dict[dt.date, list[PaidDividend]] = field(default_factory=dict)
    unpaid_dividends: dict[dt.date, list[tuple[str, Explained]]] = field(default_factory=dict)
    """Each holder's dividend of a Payment Date recorded as not legally available (it accrues, G §2(b))."""
    unpaid_payment_dates: list[dt.date] = field(default_factory=list)
    payment_outcomes: dict[dt.date, str] = field(default_factory=dict)
    """The outcome recorded for each Payment Date (one ``dividend_payment`` per series and date)."""
    conversions: list[ConversionRecord] = field(default_factory=list)
    judged_events: list[JudgedEvent] = field(default_factory=list)
    """Every recorded transaction judged under §6(b) (and §3(d)), event or not, with why."""
    deemed_liquidation: DeemedLiquidation | None = None
    consent_results: list[tuple[ev.SeriesConsent, Explained]] = field(default_factory=list)
    """Each series vote or consent with whether it carried a majority of the voting power."""
    called_for: dt.date | None = None
    """The Redemption Date of the latest Redemption Notice (conversion cut-off, F §6(j))."""
    obligation: RedemptionObligation | None = None
    """Shares the Company became obligated to redeem and has not (F §6(i), G §6(h))."""
    redemptions: list[RedemptionResult] = field(default_factory=list)
    common_stock_redemptions: list[CommonStockRedemption] = field(default_factory=list)
    transfers: list[ev.Transfer] = field(default_factory=list)
    ratable_dividends: list[tuple[dt.date, Explained]] = field(default_factory=list)
    """This series' part of dividends declared ratably with Series G (G §2(c))."""
    pending_deposits: list[Placed] = field(default_factory=list)
    """Deposits (F §6(f), G §6(e)) whose Redemption Date has not come yet."""
    redeemed_by_deposit: list[dt.date] = field(default_factory=list)
    """Redemption Dates on which a deposit redeemed the shares called."""
    """Shares redeemed for Common Stock under F §6(d)."""

    @property
    def series(self) -> str:
        return self.terms.series

    @property
    def shares_outstanding(self) -> Fraction:
        return sum((h.shares for h in self.holdings.values()), Fraction(0))


@dataclass(frozen=True)
class CompanyOnRecord:
    """The Company's details for its notices, as the latest ``company_details`` event gives them."""

    name: str
    address: tuple[str, ...]
    officer_name: str
    officer_title: str
    since: dt.date


@dataclass(frozen=True)
class AddressOnRecord:
    """A holder's last address on the records of the Company (the latest ``holder_address``)."""

    holder: str
    address: tuple[str, ...]
    since: dt.date


@dataclass(frozen=True)
class NameOnRecord:
    """A holder's name on the records of the Company (the latest ``holder_name`` event)."""

    holder: str
    name: str
    since: dt.date


@dataclass
class LedgerState(_Sealable):
    """Everything the ledger says, as of one date. Sealed by :func:`replay`: read-only from then on."""

    _CACHES = frozenset({"section5_cache", "section5_folds"})
    _DEFERRABLE = frozenset({"elections"})

    as_of: dt.date
    series: dict[str, SeriesState]
    common_outstanding_opening: int | None = None
    """The opening balance of Common Stock outstanding (one ``common_outstanding`` event)."""
    common_authorized: int | None = None
    common_issued_as_dividends: int | Fraction = 0
    registration_effective: bool | None = None
    closing_prices: dict[dt.date, Fraction] = field(default_factory=dict)
    closing_prices_ahead: dict[dt.date, Fraction] = field(default_factory=dict)
    """Every closing price of the ledger (its events known at the replay's instant, voided ones
    left out), dated on or before the state's date or not, gathered before replay; only under
    DIV-F-COMMON-PRICE-WINDOW=paid-late and where a ``dividend_payment`` gives ``paid_on``: such a
    dividend is paid on its Payment Date in replay, but its price window ends before ``paid_on``,
    on days whose prices replay meets after the payment. Empty otherwise."""
    elections: dict[tuple[str, str, dt.date], ElectionOnRecord] = field(default_factory=dict)
    """Each holder's election by (series, holder, Payment Date): the latest received."""
    wire_notices: dict[tuple[str, str, dt.date], dt.date] = field(default_factory=dict)
    consents: list[ev.SeriesConsent] = field(default_factory=list)
    section5_actions: list[ad.Action] = field(default_factory=list)
    section5_cache: dict[tuple[str, dt.date, int], ad.ConversionPriceState] = field(default_factory=dict)
    section5_folds: dict[tuple[str, dt.date, int], ad.IncrementalFold] = field(default_factory=dict)
    """The §5 fold of each series, continued as actions are appended (see :class:`IncrementalFold`)."""
    notices: list[ev.NoticeSent] = field(default_factory=list)
    deposits: list[ev.RedemptionDeposit] = field(default_factory=list)
    liquidation_fixed_for: dt.date | None = None
    """The date fixed for the liquidation payment, once a liquidation event is recorded."""
    liquidated_on: dt.date | None = None
    liquidation: Waterfall | None = None
    transactions: dict[str, Placed] = field(default_factory=dict)
    """The ledger's merger_or_sale events by id, known before replay (a reclassification names the
    transaction it is part of, G §5(h), and may come first on their common date)."""
    company: CompanyOnRecord | None = None
    """The Company's name, principal office and signing officer, when the ledger records them."""
    addresses: dict[str, AddressOnRecord] = field(default_factory=dict)
    """Each holder's last address on the records of the Company (F/G §5(k))."""
    names: dict[str, NameOnRecord] = field(default_factory=dict)
    """Each holder's name on the records of the Company, by holder id (a rename is a new one)."""
    events_applied: int = 0
    folded_through: tuple[dt.date, int, str] | None = None
    """The replay-order key of the last event folded (None: none yet)."""
    reads_as_of: bool = False
    """Whether an event was judged on the state's date itself (an insolvency's receiver not yet
    discharged, F §6(b)(v)): such a fold holds for that date only."""

    def holding(self, series: str, holder: str) -> Holding | None:
        return self.series[series].holdings.get(holder)

    def holder_name(self, holder: str) -> str:
        """The holder's latest name on record as of the state's date, else its id."""
        on_record = self.names.get(holder)
        return holder if on_record is None else on_record.name


def place(events: Iterable[ev.LedgerEvent], source: str = "event") -> list[Placed]:
    return [Placed(e, f"{source} {i}", seq=i) for i, e in enumerate(events, 1)]


def order(placed: Sequence[Placed]) -> list[Placed]:
    """The replay order: voided events removed, the rest sorted by date, kind and content."""
    ids: dict[str, Placed] = {}
    for item in placed:
        if item.event.id is not None:
            if item.event.id in ids:
                raise LedgerRuleError(item, "id", "ledger format", f"id {item.event.id!r} is used twice")
            ids[item.event.id] = item
    voided = {id(target) for _void, target in voids(placed, ids)}
    kept = [p for p in placed if not isinstance(p.event, ev.EventVoided) and id(p) not in voided]
    # LEDGER-SAME-DAY-ORDER: the other orders are keys of their own; the cached sort key (which the
    # snapshots and resume compare) stays prefstack's, and a reading set replays from the start.
    match chosen("LEDGER-SAME-DAY-ORDER"):
        case "default":
            return sorted(kept, key=Placed.sort_key)
        case "recorded-order":
            return sorted(kept, key=_recorded_order_key)
        case "splits-before-conversions":
            return sorted(kept, key=_splits_before_conversions_key)
        case other:
            raise AssertionError(f"LEDGER-SAME-DAY-ORDER alternative {other!r} is registered but not computed")


def _recorded_order_key(item: Placed) -> tuple[dt.date, int, bool, int]:
    """LEDGER-SAME-DAY-ORDER=recorded-order: by effective date and the rank of the kind, as
    prefstack's, then, in place of the content, the order the events were recorded in the ledger
    (their sequence number; an event not in a ledger after them, in the order given: the sort is
    stable)."""
    on, rank, _content = item.sort_key()
    return (on, rank, item.seq is None, item.seq or 0)


SPLITS_BEFORE_CONVERSIONS = {"stock_split": 85, "stock_combination": 86}
"""LEDGER-SAME-DAY-ORDER=splits-before-conversions: the §5(e) splits and combinations of a date
after its transfers (80) and before its conversions (90)."""


def _splits_before_conversions_key(item: Placed) -> tuple[dt.date, int, str]:
    """LEDGER-SAME-DAY-ORDER=splits-before-conversions: prefstack's key with splits and combinations
    ranked before conversions."""
    on, rank, content = item.sort_key()
    return (on, SPLITS_BEFORE_CONVERSIONS.get(item.event.kind, rank), content)


def voids(placed: Sequence[Placed], ids: Mapping[str, Placed] | None = None) -> list[tuple[Placed, Placed]]:
    """Each void of the ledger with the event it voids (by id or by sequence number), in ledger
    order; a void naming no event, a later event or another void is refused."""
    if ids is None:
        ids = {p.event.id: p for p in placed if p.event.id is not None}
    at_seq = {item.seq: item for item in placed if item.seq is not None}
    found: list[tuple[Placed, Placed]] = []
    for item in placed:
        if isinstance(item.event, ev.EventVoided):
            target = _void_target(item, item.event, ids, at_seq)
            if isinstance(target.event, ev.EventVoided):
                raise LedgerRuleError(
                    item,
                    "voids" if item.event.voids is not None else "voids_seq",
                    "ledger format",
                    f"{target.label} is itself a void: a void cannot be undone; record the voided event again",
                )
            found.append((item, target))
    return found


def _void_target(item: Placed, void: ev.EventVoided, ids: Mapping[str, Placed], at_seq: Mapping[int, Placed]) -> Placed:
    """The event a void names, by id or by sequence number."""
    if void.voids is not None:
        if void.voids not in ids:
            raise LedgerRuleError(item, "voids", "ledger format", f"no event has id {void.voids!r}")
        return ids[void.voids]
    assert void.voids_seq is not None  # the model requires one of the two
    if item.seq is None:
        raise LedgerRuleError(item, "voids_seq", "ledger format", "a void by sequence number must be in a ledger")
    if void.voids_seq >= item.seq:
        raise LedgerRuleError(
            item,
            "voids_seq",
            "ledger format",
            f"names seq {void.voids_seq}, but a void names only an event recorded before it (this is seq {item.seq})",
        )
    if void.voids_seq not in at_seq:
        raise LedgerRuleError(item, "voids_seq", "ledger format", f"no event has seq {void.voids_seq}")
    return at_seq[void.voids_seq]


def replay(
    placed: Sequence[Placed], as_of: dt.date, known_at: dt.datetime | None = None, *, company: str | None = None
) -> LedgerState:
    """The state as of the end of ``as_of``, from the events known at ``known_at``.

    The state holds the series of one company: ``company`` (an issuer id or legal name of the
    registry) where the caller knows it, else the issuer of the series the events name."""
    with without_cyclic_gc():
        return _replay(placed, as_of, known_at, company)


def company_issuer(placed: Sequence[Placed], company: str | None) -> Issuer | None:
    """The ledger's company: ``company`` (an issuer id or legal name of the registry), else the one
    issuer whose series the events name, else None. An event naming a series of another company
    is refused."""
    expected = issuer(company) if company is not None else None
    owners: dict[str, Issuer] = {}  # a long ledger names a few series many times
    for item in placed:
        named = ev.series_of(item.event)
        if named is None:
            continue
        owner = owners.get(named)
        if owner is None:
            owner = owners[named] = issuer_of_series(named)
        if expected is None:
            expected = owner
        elif owner != expected:
            raise LedgerRuleError(
                item,
                "series",
                "ledger format",
                f"Series {named} is a series of {owner.name}, but this ledger is {expected.name}'s: "
                "one ledger holds one company's events",
            )
    return expected


def company_series(placed: Sequence[Placed], company: str | None) -> tuple[str, ...]:
    """The series of the ledger's company (:func:`company_issuer`); none where no company is known."""
    found = company_issuer(placed, company)
    return () if found is None else found.series


def _replay(placed: Sequence[Placed], as_of: dt.date, known_at: dt.datetime | None, company: str | None) -> LedgerState:
    return finish(fold(placed, as_of, known_at, company=company), as_of)


def fold(
    placed: Sequence[Placed], as_of: dt.date, known_at: dt.datetime | None = None, *, company: str | None = None
) -> LedgerState:
    """The events known at ``known_at`` folded in replay order up to the end of ``as_of``, not yet
    finished (:func:`finish`): the state a snapshot keeps (:mod:`prefstack.ledger.snapshots`).
    Mutable: only replay, :func:`resume` and :func:`finish` may hold it."""
    if known_at is None:
        visible = list(placed)
    else:
        visible = [p for p in placed if p.recorded_at is None or p.recorded_at <= known_at]
    series = company_series(placed, company)
    state = LedgerState(as_of=as_of, series={s: SeriesState(load_terms(s)) for s in series})
    ordered = order(visible)
    # What the fold needs before it starts, in one pass over the events (in replay order).
    liquidations: list[Placed] = []
    paid_late = False
    for p in ordered:
        event = p.event
        if isinstance(event, ev.Liquidation):
            liquidations.append(p)
        elif isinstance(event, ev.MergerOrSale):
            if event.id:
                state.transactions[event.id] = p
        elif isinstance(event, ev.DividendPayment) and event.paid_on is not None:
            paid_late = True
    # The date fixed for a liquidation payment ends the Conversion Rights the day before it
    # (F/G §5(a)), so it must be known before the conversions around it are judged.
    fixed = [p.event.date for p in liquidations]
    if len(fixed) > 1:
        later = next(p for p in liquidations if p.event.date == fixed[1])
        clause = ", ".join(s.terms.liquidation.preference_multiple.cite for s in state.series.values())
        problem = f"the Company was already liquidated on {fixed[0]}"
        raise LedgerRuleError(later, "date", clause or "ledger format", problem)
    state.liquidation_fixed_for = fixed[0] if fixed else None
    if paid_late and chosen("DIV-F-COMMON-PRICE-WINDOW") == "paid-late":  # priced on days after its Payment Date
        for item in ordered:
            if isinstance(item.event, ev.ClosingPrice):
                _record_closing_price(state.closing_prices_ahead, item, item.event)
    _fold_in_order(state, ordered, as_of)
    return state


def _fold_in_order(state: LedgerState, ordered: Iterable[Placed], through: dt.date | None) -> None:
    """Fold ``ordered`` (in replay order) onto ``state``, up to the end of ``through`` (None: all).
    The count of events applied and the key of the last are set once, after the last (no applier
    reads them; a fold that raises is not kept)."""
    applied, last = 0, state.folded_through
    series_states = tuple(state.series.values())  # a fold's series are fixed when it starts
    for item in ordered:
        day = item.effective_date
        if through is not None and day > through:
            break
        key = item.sort_key()
        for s in series_states:  # nearly every event: no deposit awaits its Redemption Date
            if s.pending_deposits:
                _settle_deposits(state, day, including_the_day=key[1] >= REDEMPTION_RANK)
                break
        _apply(state, item)
        applied += 1
        last = key
    state.events_applied += applied
    state.folded_through = last


def read_before_folding(item: Placed) -> bool:
    """Whether a fold reads ``item`` before it starts, wherever it stands in the ledger: a void, a
    liquidation (which fixes the end of Conversion Rights), a merger or sale (which a
    reclassification names), or an event carrying an id (which must be unique in the ledger)."""
    return item.event.id is not None or isinstance(item.event, (ev.EventVoided, ev.Liquidation, ev.MergerOrSale))


def _resumable(state: LedgerState, new: Sequence[Placed], *, prescanned: bool) -> bool:
    last = state.folded_through
    return all(
        (last is None or item.sort_key() > last) and (prescanned or not read_before_folding(item)) for item in new
    )


def resume(state: LedgerState, new: Sequence[Placed], *, prescanned: bool = False) -> bool:
    """Fold ``new`` onto ``state`` (a :func:`fold` on its last event's date), moving its date to the
    last of theirs, where that gives what a fold of the ledger with ``new`` gives: every new event
    comes after the last one folded in replay order, none is one the fold reads before it starts
    (a void, a liquidation fixing the end of Conversion Rights, a merger or sale that a
    reclassification names) or carries an id (which must be unique in the whole ledger), and the
    fold judged no event on its own date (an insolvency, ``reads_as_of``) if the date moves.
    False, ``state`` unchanged, otherwise: the caller folds from the start. ``prescanned``: the
    events were in the ledger whose whole the fold's first pass read (a checkpoint continued with
    the events of its own ledger, :mod:`prefstack.ledger.checkpoints`): only their order is checked."""
    last = max(state.as_of, *(p.effective_date for p in new))
    if (state.reads_as_of and last != state.as_of) or not _resumable(state, new, prescanned=prescanned):
        return False
    state.as_of = last
    _fold_in_order(state, sorted(new, key=Placed.sort_key), None)
    return True


def finish(state: LedgerState, as_of: dt.date) -> LedgerState:
    """A :func:`fold` made a state as of the end of ``as_of`` (on or after the fold's last event):
    the deposits due are settled, every holding is rolled past the Payment Dates that recorded no
    payment, and the state is sealed (read-only from then on)."""
    state.as_of = as_of
    _settle_deposits(state, as_of, including_the_day=True)
    for series_state in state.series.values():
        for holder in list(series_state.holdings):
            _roll(series_state, holder, as_of, inclusive=True)
    state.seal()
    return state


# ----------------------------------------------------------------------------- appliers


def _apply(state: LedgerState, item: Placed) -> None:
    """Apply one event: each kind of event has one handler, named for its kind. Exhaustive: a kind
    of the LedgerEvent union without a case here fails the type check (mypy --strict) and, should
    it ever run, the replay itself (``tests/ledger/test_replay_handlers.py`` checks every kind)."""
    event = item.event
    match event:  # the kinds a long ledger holds most of first: each case is one more isinstance
        case ev.DividendElection():
            _apply_election(state, item, event)
        case ev.ClosingPrice():
            _apply_closing_price(state, item, event)
        case ev.DividendPayment():
            _apply_payment(state, item, event)
        case ev.RegistrationStatement():
            state.registration_effective = event.effective
        case ev.CommonOutstanding():
            _apply_common_outstanding(state, item, event)
        case ev.CommonAuthorized():
            state.common_authorized = event.shares
        case ev.SeriesConsent():
            _apply_consent(state, item, event)
        case ev.PreferredIssued():
            _apply_issue(state, item, event)
        case ev.WireAccountNotice():
            _apply_wire_notice(state, item, event)
        case ev.ArrearsPaid():
            _apply_arrears_paid(state, item, event)
        case ev.RatableDividends():
            _apply_ratable_dividends(state, item, event)
        case ev.Transfer():
            _apply_transfer(state, item, event)
        case ev.Conversion():
            _apply_conversion(state, item, event)
        case (
            ev.CommonIssued()
            | ev.OptionIssued()
            | ev.OptionExercised()
            | ev.OptionExpired()
            | ev.OptionChanged()
            | ev.StockSplit()
            | ev.StockCombination()
            | ev.StockDividend()
            | ev.OtherDistribution()
            | ev.Reclassification()
        ):
            _apply_section5(state, item)
        case ev.MergerOrSale():
            _apply_merger_or_sale(state, item, event)
        case ev.ControlAcquisition():
            _apply_control_acquisition(state, item, event)
        case ev.BoardTurnover():
            _apply_board_turnover(state, item, event)
        case ev.InsolvencyEvent():
            _apply_insolvency(state, item, event)
        case ev.RedemptionNotice():
            _apply_redemption_notice(state, item, event)
        case ev.Redemption():
            _apply_redemption(state, item, event)
        case ev.Liquidation():
            _apply_liquidation(state, item, event)
        case ev.NoticeSent():
            _apply_notice_sent(state, item, event)
        case ev.RedemptionDeposit():
            _apply_deposit(state, item, event)
        case ev.CompanyDetails():
            state.company = CompanyOnRecord(
                event.name, tuple(event.address), event.officer_name, event.officer_title, event.date
            )
        case ev.HolderAddress():
            _apply_holder_address(state, item, event)
        case ev.HolderName():
            _apply_holder_name(state, item, event)
        case ev.EventVoided():
            raise AssertionError("void events are removed before replay")
        case _:
            assert_never(event)


def _apply_closing_price(state: LedgerState, item: Placed, event: ev.ClosingPrice) -> None:
    _record_closing_price(state.closing_prices, item, event)


def _record_closing_price(prices: dict[dt.date, Fraction], item: Placed, event: ev.ClosingPrice) -> None:
    """One closing price a day; a second one is refused (correct the first with a void)."""
    if event.date in prices:
        raise LedgerRuleError(
            item,
            "date",
            "ledger format",
            f"the closing price of {event.date} is already recorded "
            f"({to_decimal_string(prices[event.date])}); correct it with a void of that "
            "event, not a second one",
        )
    prices[event.date] = event.price


def _common_prices(state: LedgerState) -> Mapping[dt.date, Fraction]:
    """The closing prices a dividend paid in Common Stock is priced from (F §2(b)): those replay has
    met, or, where the window of a dividend paid late may end after them, every one of the ledger
    (:attr:`LedgerState.closing_prices_ahead`, which holds them all)."""
    return state.closing_prices_ahead or state.closing_prices


def _apply_common_outstanding(state: LedgerState, item: Placed, event: ev.CommonOutstanding) -> None:
    """The opening balance of Common Stock, given once before any issue (§5(d)(iv) of each series)."""
    if state.common_outstanding_opening is not None or state.section5_actions:
        raise LedgerRuleError(
            item,
            "shares",
            ", ".join(for_series(s, "§5(d)(iv)") for s in state.series) or "ledger format",
            "the opening balance of Common Stock is given once, before any issue; record later "
            "issues as common_issued events",
        )
    state.common_outstanding_opening = event.shares


def _apply_wire_notice(state: LedgerState, item: Placed, event: ev.WireAccountNotice) -> None:
    """A holder's notice asking for its cash dividend by wire (F §2(e)): the clause is the one the
    series' terms cite for it (else its dividend forms')."""
    dividends = state.series[event.series].terms.dividends
    clause = (dividends.wire_notice_business_days or dividends.forms).cite
    _require_holder(state, item, event.series, event.holder, clause)
    state.wire_notices[(event.series, event.holder, event.payment_date)] = event.date


def _apply_control_acquisition(state: LedgerState, item: Placed, event: ev.ControlAcquisition) -> None:
    acquisition = Acquisition(tuple(event.acquirers), event.voting_power_after)
    acquired: EventFacts = Agreement(acquisition) if event.agreement_only else acquisition
    _judge_redemption_event(state, item, acquired, event.description)


def _apply_board_turnover(state: LedgerState, item: Placed, event: ev.BoardTurnover) -> None:
    turnover = RedemptionBoardTurnover(
        event.period_start_year, event.board_size, event.continuing_directors, event.directors_from_period_start
    )
    _judge_redemption_event(state, item, Agreement(turnover) if event.agreement_only else turnover, event.description)


def _apply_insolvency(state: LedgerState, item: Placed, event: ev.InsolvencyEvent) -> None:
    state.reads_as_of = True
    insolvency = Insolvency(
        InsolvencyKind(event.insolvency),
        as_of=state.as_of,
        appointed_with_consent=event.appointed_with_consent,
        appointment_date=event.date,
        vacated_or_stayed_on=event.vacated_or_stayed_on,
    )
    _judge_redemption_event(
        state, item, Agreement(insolvency) if event.agreement_only else insolvency, event.description
    )


def _apply_notice_sent(state: LedgerState, item: Placed, event: ev.NoticeSent) -> None:
    _series_started(state, item, event.series, f"{event.series} §5(k)")
    state.notices.append(event)


def _require_known_holder(state: LedgerState, item: Placed, holder: str, clause: str) -> None:
    """Refuse ``holder`` unless it holds or has held shares of a series (a misspelt id would
    otherwise leave the real holder unaddressed or unnamed)."""
    if not any(holder in s.holdings for s in state.series.values()):
        known = ", ".join(sorted({h for s in state.series.values() for h in s.holdings})) or "none"
        raise LedgerRuleError(
            item, "holder", clause, f"{holder!r} holds no shares of any series by {item.event.date} (holders: {known})"
        )


def _apply_holder_address(state: LedgerState, item: Placed, event: ev.HolderAddress) -> None:
    """A later address replaces an earlier one; an address for someone who never held shares of
    a series is refused."""
    clause = ", ".join(s.terms.conversion.record_date_notice_days.cite for s in state.series.values())
    _require_known_holder(state, item, event.holder, clause or "ledger format")
    state.addresses[event.holder] = AddressOnRecord(event.holder, tuple(event.address), event.date)


def _apply_holder_name(state: LedgerState, item: Placed, event: ev.HolderName) -> None:
    """A later name replaces an earlier one (a rename); the id stays. A name another holder is
    shown under (its name on record, or its id) is refused: two holders must not read alike."""
    _require_known_holder(state, item, event.holder, "ledger format")
    holders = {h for s in state.series.values() for h in s.holdings} - {event.holder}
    for other in sorted(holders):
        if event.name in (other, state.holder_name(other)):
            raise LedgerRuleError(item, "name", "ledger format", f"{event.name!r} is how holder {other!r} is shown")
    state.names[event.holder] = NameOnRecord(event.holder, event.name, event.date)


def _series_started(state: LedgerState, item: Placed, series: str, clause: str) -> SeriesState:
    s = state.series[series]
    if s.original_issuance_date is None:
        raise LedgerRuleError(item, "date", clause, f"no Series {series} shares have been issued by {item.event.date}")
    return s


def _require_holder(state: LedgerState, item: Placed, series: str, holder: str, clause: str) -> Holding:
    s = _series_started(state, item, series, clause)
    found = s.holdings.get(holder)
    if found is None:
        known = ", ".join(sorted(s.holdings)) or "none"
        raise LedgerRuleError(item, "holder", clause, f"{holder!r} holds no Series {series} shares (holders: {known})")
    return found


def _check_authorized(item: Placed, s: SeriesState, new_shares: Fraction, field: str) -> None:
    """F/G §1(a) through :func:`check_authorized`, as a refusal of the event."""
    try:
        # the shares outstanding (a sum over every holding) only where DIV-AUTHORIZED-COUNT counts them
        outstanding = s.shares_outstanding if chosen("DIV-AUTHORIZED-COUNT") == "outstanding" else None
        check_authorized(s.terms, s.shares_ever_issued, new_shares, outstanding)
    except AuthorizedSharesExceeded as exc:
        raise LedgerRuleError(item, field, s.terms.authorized_shares.cite, str(exc)) from exc


def _apply_issue(state: LedgerState, item: Placed, event: ev.PreferredIssued) -> None:
    s = state.series[event.series]
    _check_authorized(item, s, event.shares, "shares")
    if s.original_issuance_date is None:
        s.original_issuance_date = event.date
    holding = s.holdings.setdefault(event.holder, Holding(event.series, event.holder))
    if holding.shares and holding.accrual_start is not None and holding.accrual_start != event.date:
        # Shares added to an existing holding mid-period: dividends on them accrue from their
        # own issue date, which the holding's single accrual start cannot express.
        holding = _roll(s, event.holder, event.date, inclusive=True)
        if holding.accrual_start != event.date:
            raise LedgerRuleError(
                item,
                "date",
                s.terms.dividends.first_payment_date.cite,
                "additional shares for an existing holder must be issued on a Payment Date "
                f"(the holding accrues from {holding.accrual_start})",
            )
    s.holdings[event.holder] = replace(
        holding,
        shares=holding.shares + event.shares,
        accrual_start=holding.accrual_start if holding.accrual_start is not None else event.date,
    )
    s.shares_ever_issued += event.shares


def _apply_consent(state: LedgerState, item: Placed, event: ev.SeriesConsent) -> None:
    clause = state.series[event.series].terms.conversion.fair_market_value_threshold.cite
    s = _series_started(state, item, event.series, clause)
    for field_name, holder in [
        *(("holders_consenting", h) for h in event.holders_consenting),
        *(("holders_against", h) for h in event.holders_against or ()),
    ]:
        if holder not in s.holdings or s.holdings[holder].shares == 0:
            raise LedgerRuleError(
                item,
                field_name,
                f"{event.series} §5(d)(ii)",
                f"{holder!r} holds no Series {event.series} shares",
            )
    if event.matter == "waive_redemption_event":
        try:
            s.terms.redeemable()
        except InputError as exc:
            problem = f"{exc.problem}: no Mandatory Redemption Event to vote on"
            raise LedgerRuleError(item, "matter", exc.clause, problem) from exc
    state.consents.append(event)
    section = {
        "waive_adjustment": "§5(d)(ii)",
        "reserved_employee_shares": "§5(d)(i)(D)",
        "waive_redemption_event": "§6(b)",
        "fair_market_value": "§3(c)(i)(C)",
    }[event.matter]
    price = section5.conversion_price_state(state, event.series, event.date).conversion_price
    # VOTE-SERIES-MAJORITY=per-share: the voting power of a series counted in its whole preferred
    # shares, one vote each, rather than in the votes of §4
    per_share = pick(
        "VOTE-SERIES-MAJORITY", {"default": False, "at-least-half": False, "per-share": True, "votes-cast": False}
    )
    power = {
        holder: math.floor(holding.shares)
        if per_share
        else _whole(votes(s.terms, holding.shares, price, issue_price_adjustment=NO_PREFERRED_SPLIT))
        for holder, holding in s.holdings.items()
        if holding.shares
    }
    total = sum(power.values(), 0)
    consenting = sum((power[h] for h in set(event.holders_consenting)), 0)
    purpose = {
        "waive_adjustment": ConsentPurpose.WAIVER_OF_ADJUSTMENT,
        "reserved_employee_shares": ConsentPurpose.RESERVED_EMPLOYEE_SHARES,
        "waive_redemption_event": ConsentPurpose.MANDATORY_REDEMPTION_VOTE,
        "fair_market_value": ConsentPurpose.FAIR_MARKET_VALUE_NO_MARKET,
    }[event.matter]
    # VOTE-SERIES-MAJORITY=votes-cast needs the votes against: the holders recorded as voting against
    if chosen("VOTE-SERIES-MAJORITY") == "votes-cast" and event.holders_against is None:
        raise LedgerRuleError(
            item,
            "holders_against",
            f"{event.series} {section}",
            "name the holders who voted against (VOTE-SERIES-MAJORITY=votes-cast counts the votes cast)",
        )
    against = None if event.holders_against is None else sum((power[h] for h in set(event.holders_against)), 0)
    try:
        majority = series_majority(s.terms, consenting, total, purpose, votes_against=against)
    except InputError as exc:
        raise LedgerRuleError(item, exc.field, exc.clause, exc.problem) from exc
    s.consent_results.append((event, majority))
    if event.matter == "waive_redemption_event":
        known = {e.ident for e in s.judged_events if e.mandatory_redemption_event.value}
        if event.reference not in known:
            raise LedgerRuleError(
                item,
                "reference",
                f"{event.series} {section}",
                f"name the id of a recorded transaction (merger_or_sale, control_acquisition, board_turnover, "
                f"insolvency) that is a Mandatory Redemption Event of Series {event.series} (known: {sorted(known)})",
            )
        return
    if event.matter == "fair_market_value":
        return
    # VOTE-SERIES-MAJORITY=votes-cast: the §5(d) clauses compare the votes for with the votes cast
    # (no vote cast: nothing carried, compared with the whole voting power)
    base = total if against is None or chosen("VOTE-SERIES-MAJORITY") != "votes-cast" else consenting + against
    base = base or total
    if event.matter == "waive_adjustment":
        # AD-WAIVER=of-a-kind: a notice may name a kind of issue instead of an issue; prefstack's
        # reading covers the issue it names only
        if not event.reference and event.issue_kind is not None and chosen("AD-WAIVER") != "of-a-kind":
            raise LedgerRuleError(
                item,
                "issue_kind",
                f"{event.series} {section}",
                "a notice covers the one issue it names (AD-WAIVER; waiving every later issue of a kind is the "
                "alternative of-a-kind): name the issuance in reference",
            )
        if not event.reference and event.issue_kind is None:
            raise LedgerRuleError(item, "reference", f"{event.series} {section}", "name the issuance the waiver covers")
        state.section5_actions.append(
            ad.SeriesWaiver(
                event.date,
                event.series,
                event.reference or None,
                Fraction(consenting),
                Fraction(base),
                issue_kind=event.issue_kind,
            )
        )
    else:
        if event.shares is None or event.shares <= 0:
            raise LedgerRuleError(item, "shares", f"{event.series} {section}", "give the additional shares approved")
        state.section5_actions.append(
            ad.AdditionalReservedEmployeeShares(
                event.date, event.series, Fraction(event.shares), Fraction(consenting), Fraction(base)
            )
        )


def _common_count(shares: Explained) -> int | Fraction:
    """A count of shares of Common Stock issued: whole, or an exact Fraction where a reading issues
    fractional shares (DIV-F-COMMON-FRACTIONS=fractional, RED-F-COMMON=fractional)."""
    value = shares.value
    assert isinstance(value, (int, Fraction)) and not isinstance(value, bool)
    return value


def _whole(vote: Explained) -> int:
    assert isinstance(vote.value, int)
    return vote.value


def _apply_election(state: LedgerState, item: Placed, event: ev.DividendElection) -> None:
    s = state.series[event.series]
    clause = s.terms.dividends.forms.cite
    _require_holder(state, item, event.series, event.holder, clause)
    election = Election.of(event.cash, event.pik, event.common)
    try:
        election.check(s.terms)
    except InputError as exc:
        raise LedgerRuleError(item, exc.field, exc.clause, exc.problem) from exc
    if not is_payment_date(s.terms, event.payment_date):
        raise LedgerRuleError(
            item, "payment_date", s.terms.dividends.payment_months.cite, f"{event.payment_date} is not a Payment Date"
        )
    if event.date > event.payment_date:
        clause = (s.terms.dividends.election_notice_days or s.terms.dividends.forms).cite
        raise LedgerRuleError(item, "date", clause, "an election received after its Payment Date cannot apply")
    put_entry(state, "elections", (event.series, event.holder, event.payment_date), _on_record(event.date, election))


_ON_RECORD: dict[tuple[dt.date, int, int, int, int, int, int], ElectionOnRecord] = {}
"""The elections on record folded so far, one shared (immutable) record per day received and
portions (:func:`_on_record`)."""
ON_RECORD_LIMIT = 4096
"""How many records :data:`_ON_RECORD` keeps before it starts afresh."""


def _on_record(received: dt.date, election: Election) -> ElectionOnRecord:
    """The election on record received on ``received`` with the portions of ``election``: one
    shared record for equal ones. A register's elections are a few forms received on a few days
    (the 47,020 of a 100,000-event ledger are 20 distinct records), so a snapshot writes and reads
    each record once (pickle keeps shared objects shared), not once per holder and Payment Date:
    reading the elections of that ledger's checkpoint takes 10 ms, 19 ms without this. Looked up
    by whole numbers: hashing an :class:`Election` hashes three Fractions (a modular inverse each)."""
    key = (
        received,
        election.cash.numerator,
        election.cash.denominator,
        election.pik.numerator,
        election.pik.denominator,
        election.common.numerator,
        election.common.denominator,
    )
    found = _ON_RECORD.get(key)
    if found is None:
        if len(_ON_RECORD) >= ON_RECORD_LIMIT:
            _ON_RECORD.clear()
        found = _ON_RECORD[key] = ElectionOnRecord(received, election)
    return found


def election_for(
    state: LedgerState,
    terms: SeriesTerms,
    holder: str,
    payment_date: dt.date,
    judged: dict[tuple[dt.date, int], tuple[Election, str]] | None = None,
) -> tuple[Election, str]:
    """The form of a holder's dividend: the election noticed at least ten days before the
    Payment Date (F §2(e)), else the default form (F §2(d); DIV-F-ELECTION-VS-PIK,
    DIV-F-LATE-ELECTION). Each holder's own (TRANSFER-ELECTION); under its alternative ``attaches``
    the shares the holder received in the period from a holder whose election for the Payment Date
    was received on or before the transfer are paid in that holder's form, the rest in its own: the
    portions are weighed by shares. ``judged``: the elections already judged for this Payment Date
    (:func:`_holder_election`), kept by the caller for one payment of a series."""
    own, why = _holder_election(state, terms, holder, payment_date, judged)
    match chosen("TRANSFER-ELECTION"):
        case "default":
            return own, why
        case "attaches":
            return _with_attached_elections(state, terms, holder, payment_date, own, why)
        case other:
            raise AssertionError(f"TRANSFER-ELECTION alternative {other!r} is registered but not computed")


def _with_attached_elections(
    state: LedgerState, terms: SeriesTerms, holder: str, payment_date: dt.date, own: Election, why: str
) -> tuple[Election, str]:
    """TRANSFER-ELECTION=attaches: ``holder``'s election weighed with the elections attached to the
    shares it received since the last Payment Date (a transfer on the Payment Date comes after its
    dividend), counted at most up to the shares it holds."""
    s = state.series.get(terms.series)
    holding = s.holdings.get(holder) if s is not None else None
    if s is None or holding is None or not holding.shares:
        return own, why
    lots: list[tuple[Fraction, Election, str]] = []
    for transfer in s.transfers:
        if transfer.to_holder != holder or transfer.date >= payment_date:
            continue
        if next_payment_date(terms, transfer.date) != payment_date:
            continue
        found = state.elections.get((terms.series, transfer.from_holder, payment_date))
        if found is None or found.date > transfer.date:
            continue  # no election, or one given after the shares left: it is not about them
        attached, _ = _holder_election(state, terms, transfer.from_holder, payment_date)
        lots.append((transfer.shares, attached, transfer.from_holder))
    if not lots:
        return own, why
    received = sum((shares for shares, _, _ in lots), Fraction(0))
    scale = min(Fraction(1), holding.shares / received)
    rest = holding.shares - received * scale
    portions = {f: rest * getattr(own, f) for f in ("cash", "pik", "common")}
    for shares, attached, _ in lots:
        for f in portions:
            portions[f] += shares * scale * getattr(attached, f)
    election = Election.of(*(portions[f] / holding.shares for f in ("cash", "pik", "common")))
    sources = ", ".join(sorted({f for _, _, f in lots}))
    return election, f"{why}; the elections of {sources} attach to the shares received (TRANSFER-ELECTION=attaches)"


def _holder_election(
    state: LedgerState,
    terms: SeriesTerms,
    holder: str,
    payment_date: dt.date,
    judged: dict[tuple[dt.date, int], tuple[Election, str]] | None = None,
) -> tuple[Election, str]:
    """:func:`election_for` of the holder's own election alone. An election on record is judged by
    its date and its portions alone (the terms, the Payment Date and the readings being those of
    the payment): where ``judged`` is given, each is judged once per (date received, election) and
    the holders who sent the same election on the same day share the answer (a register's
    thousands of elections come on a few days in a few forms)."""
    default = Election.only(terms.dividends.default_form.value)
    found = state.elections.get((terms.series, holder, payment_date))
    cash_offered = "cash" in terms.dividends.forms.value
    match chosen("DIV-F-ELECTION-VS-PIK"):
        case "default":
            pass
        case "pik-overrides":  # every dividend in the default form, the election void
            void = "any election void (DIV-F-ELECTION-VS-PIK=pik-overrides)"
            return default, f"{terms.dividends.default_form.cite} default, {void}"
        case "missing-cash":
            if found is None and cash_offered:
                return Election.only("cash"), "no election: cash, the usual form (DIV-F-ELECTION-VS-PIK=missing-cash)"
        case other:
            raise AssertionError(f"DIV-F-ELECTION-VS-PIK alternative {other!r} is registered but not computed")
    if found is None:
        if chosen("DIV-F-LATE-ELECTION") == "cash" and cash_offered:
            return Election.only("cash"), "no election: cash (DIV-F-LATE-ELECTION=cash)"
        return default, f"no election: {terms.dividends.default_form.cite} default ({reading('DIV-F-ELECTION-VS-PIK')})"
    if judged is not None:
        key = (found.date, id(found.election))  # the elections on record are alive while the payment runs
        answer = judged.get(key)
        if answer is None:
            answer = judged[key] = _judged_election(terms, payment_date, found)
        return answer
    return _judged_election(terms, payment_date, found)


def _judged_election(terms: SeriesTerms, payment_date: dt.date, found: ElectionOnRecord) -> tuple[Election, str]:
    """An election on record for ``payment_date``: honoured if noticed in time (F §2(e)), else as
    DIV-F-LATE-ELECTION reads it."""
    default = Election.only(terms.dividends.default_form.value)
    cash_offered = "cash" in terms.dividends.forms.value
    notice_days = terms.dividends.election_notice_days
    deadline = dividend_form_notice_deadline(terms, payment_date).value if notice_days is not None else None
    if notice_days is not None and isinstance(deadline, dt.date) and found.date > deadline:
        days = f"{notice_days.value} days before the Payment Date ({notice_days.cite})"
        late = f"election of {found.date} is less than {days}"
        match chosen("DIV-F-LATE-ELECTION"):
            case "default":
                return default, f"{late}; default form ({reading('DIV-F-LATE-ELECTION')})"
            case "honour":
                return found.election, f"{late}; honoured (DIV-F-LATE-ELECTION=honour)"
            case "cash" if cash_offered:
                return Election.only("cash"), f"{late}; cash (DIV-F-LATE-ELECTION=cash)"
            case "cash":
                return default, f"{late}; default form, cash not offered ({reading('DIV-F-LATE-ELECTION')})"
            case other:
                raise AssertionError(f"DIV-F-LATE-ELECTION alternative {other!r} is registered but not computed")
    clause = notice_days.cite if notice_days else terms.dividends.forms.cite
    return found.election, f"election received {found.date} ({clause})"


def rolled(s: SeriesState, holding: Holding, to: dt.date, *, inclusive: bool) -> Holding:
    """The holding moved past every Payment Date up to ``to`` for which no payment was
    recorded: each such quarter's dividend becomes arrears (G §2(b)). Pure: ``s`` and
    ``holding`` are not changed."""
    if holding.accrual_start is None or (holding.shares == 0 and not holding.lots):
        return holding
    last = to if inclusive else to - dt.timedelta(days=1)
    if next_payment_date(s.terms, holding.accrual_start) > last:
        return holding  # no Payment Date passed: nothing to roll
    start, arrears, unpaid = holding.accrual_start, holding.arrears, list(holding.unpaid_dates)
    lots = holding.lots
    for day in payment_dates(s.terms, start, last):
        if lots:  # the first Payment Date passed ends the lots (an alternative's)
            arrears += lots_period_value(s.terms, holding.shares, start, day, arrears, lots)
            lots = ()
        else:
            quarter = period_dividend(s.terms, holding.shares, start, day, arrears)
            assert isinstance(quarter.value, Fraction)
            arrears += quarter.value
        start = day
        unpaid.append(day)
    if start == holding.accrual_start:
        return holding
    return replace(holding, accrual_start=start, arrears=arrears, unpaid_dates=tuple(unpaid), lots=())


def _in_lots(lots: Sequence[Lot]) -> Fraction:
    return sum((lot.shares for lot in lots), Fraction(0))


def scaled_lots(lots: tuple[Lot, ...], factor: Fraction) -> tuple[Lot, ...]:
    """The lots of the part ``factor`` of a holding (a transfer, conversion or redemption takes each
    lot ratably, as it takes the arrears)."""
    if not lots or factor == 1:
        return lots
    if factor == 0:
        return ()
    return tuple(Lot(lot.shares * factor, lot.start, lot.carried * factor, lot.reading) for lot in lots)


def lots_period_value(
    terms: SeriesTerms, shares: Fraction, start: dt.date, end: dt.date, arrears: Fraction, lots: Sequence[Lot]
) -> Fraction:
    """The dividend of the period ``start``-``end`` of a holding of ``shares`` with ``lots``: the
    shares in no lot accrue from ``start`` on the holding's accrual base (its ``arrears`` included
    where the terms compound them; nothing where no share is left outside the lots, as a holding
    without shares bears nothing), each lot's shares from the lot's start (the period's rate,
    :func:`~prefstack.clauses.dividends.dividend_rate`: a period shorter than a quarter by the day
    count, DIV-DAYCOUNT), and each lot's carried amount is added."""
    own = shares - _in_lots(lots)
    value = period_value(terms, own, start, end, arrears) if own and end > start else Fraction(0)
    for lot in lots:
        if lot.shares and end > lot.start:
            value += period_value(terms, lot.shares, lot.start, end, Fraction(0))
        value += lot.carried
    return value


def lots_period_dividend(
    terms: SeriesTerms, shares: Fraction, start: dt.date, end: dt.date, arrears: Fraction, lots: Sequence[Lot]
) -> Explained:
    """:func:`lots_period_value` explained (:func:`period_dividend` itself for a holding without lots)."""
    if not lots:
        return period_dividend(terms, shares, start, end, arrears)
    own = shares - _in_lots(lots)
    parts = [period_dividend(terms, own, start, end, arrears)] if own and end > start else []
    for lot in lots:
        if lot.shares and end > lot.start:
            lot_dividend = period_dividend(terms, lot.shares, lot.start, end)
            parts.append(replace(lot_dividend, name=f"dividend on shares from {lot.start}"))
        if lot.carried:
            parts.append(_carried(terms, lot))
    value = sum((_value(p) for p in parts), Fraction(0))
    assert value == lots_period_value(terms, shares, start, end, arrears, lots)
    return Explained(
        name="dividend",
        value=value,
        clause=terms.dividends.annual_rate.cite,
        inputs={"shares": shares, "shares_in_lots": _in_lots(lots)},
        formula="dividend on the shares accruing from the period start + on each lot from its start + amounts carried",
        parts=parts,
        interpretations=sorted({lot.reading for lot in lots}),
    )


def _value(explained: Explained) -> Fraction:
    assert isinstance(explained.value, Fraction)
    return explained.value


def _carried(terms: SeriesTerms, lot: Lot) -> Explained:
    return Explained(
        "carried" if lot.carried > 0 else "deducted",
        lot.carried,
        terms.dividends.annual_rate.cite,
        inputs={"since": lot.start},
        formula=(
            "dividend accrued before the lot's start, kept by this holder"
            if lot.carried > 0
            else "dividend accrued before the shares came to this holder, kept by the holder they came from"
        ),
        interpretations=[lot.reading],
    )


def _roll(s: SeriesState, holder: str, to: dt.date, *, inclusive: bool) -> Holding:
    """Replay only: store :func:`rolled` for ``holder`` and note the unpaid Payment Dates."""
    before = s.holdings[holder]
    after = rolled(s, before, to, inclusive=inclusive)
    if after is not before:
        s.holdings[holder] = after
        for day in after.unpaid_dates[len(before.unpaid_dates) :]:
            if day not in s.unpaid_payment_dates:
                s.unpaid_payment_dates.append(day)
    return after


def _apply_payment(state: LedgerState, item: Placed, event: ev.DividendPayment) -> None:
    """F §2(a)-(b), G §2(a)-(b): the outcome of one Payment Date of a series: every holding's
    dividend of the period paid in the form elected, or, where no funds were legally available,
    added to its arrears."""
    s = _payment_date_outcome(state, item, event)
    if event.outcome == "paid":
        _dividend_blockers(state, item, ActionKind.DIVIDEND, f"Series {s.series}")
    due = _dividends_due(s, event.date)
    if event.outcome == "not_legally_available":
        _accrue_unpaid(s, event.date, due)
        return
    judged: dict[tuple[dt.date, int], tuple[Election, str]] = {}  # the elections judged, for this payment
    paid = [_pay_holder(state, item, s, event, holding, dividend, judged) for holding, dividend in due]
    _issue_dividend_shares(state, item, s, event.date, [holding for holding, _ in due], paid)
    s.payments[event.date] = paid


def _payment_date_outcome(state: LedgerState, item: Placed, event: ev.DividendPayment) -> SeriesState:
    """The series, once its Payment Date is checked (a Payment Date of its terms, with one outcome
    recorded: a second is refused) and the outcome recorded."""
    s = _series_started(state, item, event.series, state.series[event.series].terms.dividends.annual_rate.cite)
    months = s.terms.dividends.payment_months.cite
    if not is_payment_date(s.terms, event.date):
        raise LedgerRuleError(item, "date", months, f"{event.date} is not a Payment Date")
    recorded = s.payment_outcomes.get(event.date)
    if recorded is not None:
        raise LedgerRuleError(
            item,
            "date",
            months,
            f"the {event.date} Payment Date of Series {event.series} already has its outcome ({recorded}); "
            "correct it with a void of that event, not a second one",
        )
    s.payment_outcomes[event.date] = event.outcome
    return s


def _dividends_due(s: SeriesState, payment_date: dt.date) -> list[tuple[Holding, Fraction]]:
    """Each holding accruing before ``payment_date``, rolled past the earlier Payment Dates that
    recorded no payment, with the value of its dividend of the period (F §2(a), G §2(a);
    :func:`~prefstack.kernels.dividends.period_value`), in holder order."""
    due = []
    passed: dict[dt.date, bool] = {}
    """Whether a Payment Date came between each accrual start and ``payment_date`` (most holdings
    share one start: the last Payment Date)."""
    for holder in sorted(s.holdings):
        holding = s.holdings[holder]
        start = holding.accrual_start
        if (holding.shares == 0 and not holding.lots) or start is None or start >= payment_date:
            continue
        rolls = passed.get(start)
        if rolls is None:
            rolls = passed[start] = next_payment_date(s.terms, start) < payment_date
        if rolls:  # else :func:`rolled` would give the holding itself
            holding = _roll(s, holder, payment_date, inclusive=False)
        assert holding.accrual_start is not None
        if holding.lots:  # only under an alternative (DIV-ARREARS-PIK-ACCRUAL, TRANSFER-ACCRUED)
            value = lots_period_value(
                s.terms, holding.shares, holding.accrual_start, payment_date, holding.arrears, holding.lots
            )
        elif holding.shares == 0:  # a holder's claim that an earlier Payment Date made arrears
            continue
        else:
            value = period_value(s.terms, holding.shares, holding.accrual_start, payment_date, holding.arrears)
        due.append((holding, value))
    return due


def _accrue_unpaid(s: SeriesState, payment_date: dt.date, due: Sequence[tuple[Holding, Fraction]]) -> None:
    """G §2(b) (F likewise, DIV-ACCRUED-UNPAID): no funds legally available, each dividend due is
    added to its holding's arrears, and the Payment Date is recorded as unpaid, with the dividend
    explained."""
    for holding, dividend in due:
        assert holding.accrual_start is not None
        s.holdings[holding.holder] = replace(
            holding,
            accrual_start=payment_date,
            arrears=holding.arrears + dividend,
            unpaid_dates=(*holding.unpaid_dates, payment_date),
            lots=(),
        )
        quarter = lots_period_dividend(
            s.terms, holding.shares, holding.accrual_start, payment_date, holding.arrears, holding.lots
        )
        s.unpaid_dividends.setdefault(payment_date, []).append((holding.holder, quarter))
    if payment_date not in s.unpaid_payment_dates:
        s.unpaid_payment_dates.append(payment_date)


def _pay_holder(
    state: LedgerState,
    item: Placed,
    s: SeriesState,
    event: ev.DividendPayment,
    holding: Holding,
    dividend: Fraction,
    judged: dict[tuple[dt.date, int], tuple[Election, str]],
) -> PaidDividend:
    """F §2(b)-(c), G §2(a): one holder's dividend paid in the form of its election (or the default)
    (its period starts again on ``payment_date``: :func:`_issue_dividend_shares`). A dividend with a
    Common Stock portion is paid by the clause itself (:func:`pay_dividend`: the price, the
    registration condition, whole shares and cash for the fraction); any other keeps only its PIK
    shares (:func:`~prefstack.kernels.dividends.pik_value`), and :func:`paid_dividend` explains it."""
    payment_date = event.date
    holder = holding.holder
    assert holding.accrual_start is not None
    election, why = election_for(state, s.terms, holder, payment_date, judged)
    registration_ok = state.common_issued_as_dividends == 0 or bool(state.registration_effective)
    carried = _pik_carried(s, holder, payment_date) if election.pik else _ZERO
    pik, common = pik_value(s.terms, dividend, election, carried), None
    if election.common:
        match chosen(reading("DIV-F-REGISTRATION-VACUOUS")):
            case "default":  # vacuous before the first Common Stock dividend
                pass
            case "always-required":
                registration_ok = bool(state.registration_effective)
            case other:
                raise AssertionError(f"DIV-F-REGISTRATION-VACUOUS alternative {other!r} is registered but not computed")
        quarter = lots_period_dividend(
            s.terms, holding.shares, holding.accrual_start, payment_date, holding.arrears, holding.lots
        )
        try:
            payment = pay_dividend(
                s.terms,
                dividend=quarter,
                payment_date=payment_date,
                election=election,
                closing_prices=_common_prices(state),
                registration_effective=registration_ok,
                shares=holding.shares,
                pik_carried=carried,
                paid_on=event.paid_on,
            )
        except InputError as exc:
            raise LedgerRuleError(item, f"{holder}: {exc.field}", exc.clause, exc.problem) from exc
        assert payment.common_shares is not None
        common = _common_count(payment.common_shares)  # a fraction too under DIV-F-COMMON-FRACTIONS=fractional
    return PaidDividend(
        holder,
        payment_date,
        holding.shares,
        holding.accrual_start,
        holding.arrears,
        election,
        sys.intern(why),
        registration_ok,
        pik,
        common,
        event.paid_on,
        holding.lots,
    )


def _issue_dividend_shares(
    state: LedgerState,
    item: Placed,
    s: SeriesState,
    payment_date: dt.date,
    holdings: Sequence[Holding],
    paid: Sequence[PaidDividend],
) -> None:
    """F §1(a), §2(b)-(c), G §1(a), §2(a): the PIK shares of every holder issued (refused beyond the
    authorized shares), each of ``holdings`` (the one each record of ``paid`` pays, in turn) starting its next
    period on ``payment_date``, and the Common Stock issued as dividends counted, excluded from
    Additional Shares (§5(d)(i)(C)(6))."""
    pik_total = sum((r.pik_shares for r in paid if r.pik_shares is not None), Fraction(0))
    _check_authorized(item, s, pik_total, "pik_shares")
    for h, record in zip(holdings, paid, strict=True):
        shares = h.shares if record.pik_shares is None else h.shares + record.pik_shares
        # a constructor, not dataclasses.replace: this runs once per holder and Payment Date
        s.holdings[h.holder] = Holding(h.series, h.holder, shares, payment_date, h.arrears, h.unpaid_dates)
        if record.common_shares is not None:
            state.common_issued_as_dividends += record.common_shares
            state.section5_actions.append(
                section5.excluded_issue(
                    f"{item.ref} {record.holder}", payment_date, record.common_shares, "dividend_on_preferred"
                )
            )
    s.shares_ever_issued += pik_total
    s.pik_shares_issued += pik_total


def _apply_arrears_paid(state: LedgerState, item: Placed, event: ev.ArrearsPaid) -> None:
    forms = state.series[event.series].terms.dividends.forms
    clause = arrears_in_shares_clause(state.series[event.series].terms)
    if clause is None:
        raise LedgerRuleError(
            item,
            "series",
            forms.cite,
            f"Series {event.series} dividends are paid only in {', '.join(forms.value)}, never in shares: "
            "its accrued dividends cannot be paid in additional shares",
        )
    s = _series_started(state, item, event.series, clause)
    _dividend_blockers(state, item, ActionKind.DIVIDEND, f"Series {event.series}")
    total = Fraction(0)
    for holder in list(s.holdings):
        total += _roll(s, holder, event.date, inclusive=True).arrears / s.terms.original_issue_price.value
    if total == 0:
        raise LedgerRuleError(item, "series", clause, f"Series {event.series} has no accrued and unpaid dividends")
    _check_authorized(item, s, total, "series")
    from_issue = _arrears_shares_accrue_from_issue()
    for holder, holding in list(s.holdings.items()):
        s.holdings[holder] = replace(
            holding,
            shares=holding.shares + holding.arrears / s.terms.original_issue_price.value,
            arrears=Fraction(0),
            unpaid_dates=(),
            lots=_issue_lots(s.terms, holding, holding.arrears, event.date) if from_issue else holding.lots,
        )
    s.shares_ever_issued += total
    s.pik_shares_issued += total


def _arrears_shares_accrue_from_issue() -> bool:
    """DIV-ARREARS-PIK-ACCRUAL: whether shares issued between Payment Dates in payment of arrears
    accrue from their issue day (its alternative ``from-issue``) or, prefstack's reading, join the
    holding's accrual from its last Payment Date."""
    match chosen(reading("DIV-ARREARS-PIK-ACCRUAL")):
        case "default":
            return False
        case "from-issue":
            return True
        case other:
            raise AssertionError(f"DIV-ARREARS-PIK-ACCRUAL alternative {other!r} is registered but not computed")


def _issue_lots(terms: SeriesTerms, holding: Holding, paid: Fraction, on: dt.date) -> tuple[Lot, ...]:
    """DIV-ARREARS-PIK-ACCRUAL=from-issue: the lots of ``holding`` (rolled to ``on``) once ``paid`` of
    its arrears are paid in shares of the series on ``on``: the new shares, paid / the Original
    Issue Price, accrue from ``on``; where the terms compound arrears (G §2(a)), the dividend the
    paid arrears bore from the accrual start to ``on`` is carried into the period's dividend (they
    bore it until paid). Paid on the accrual start itself (a Payment Date), they join the holding."""
    start = holding.accrual_start
    if not paid or start is None or on <= start:
        return holding.lots
    carried = Fraction(0)
    if accrues_between(start, on):  # what the paid arrears bore before: nothing where they do not compound
        carried = accrual_value(terms, Fraction(0), start, on, paid)
    lot = Lot(paid / terms.original_issue_price.value, on, carried, "DIV-ARREARS-PIK-ACCRUAL")
    return (*holding.lots, lot)


def _blocks(terms: SeriesTerms) -> Term[bool]:
    found = terms.dividends.blocks_junior_and_parity
    assert found is not None  # only called for a series whose terms have it
    return found


def _blocking_series(state: LedgerState, item: Placed) -> SeriesState:
    """The one series whose certificate has dividend blockers (G §2(c)); a ratable declaration is
    made under its clause."""
    found = [s for s in state.series.values() if s.terms.dividends.blocks_junior_and_parity is not None]
    if len(found) != 1:
        raise LedgerRuleError(
            item,
            "kind",
            "ledger format",
            f"a ratable declaration needs exactly one series with dividend blockers; this ledger has {len(found)}",
        )
    return found[0]


def _apply_ratable_dividends(state: LedgerState, item: Placed, event: ev.RatableDividends) -> None:
    """G §2(c): a partial declaration on Series G and its Parity Securities while G's dividends are
    not paid in full, shared in proportion to each one's arrears (the dividends of past Payment Dates
    not paid, DB-RATABLE-ARREARS); within a series, in proportion to each holder's arrears; paid in
    shares of the series at the Original Issue Price (F §2(d), G §2(a)) and applied to the arrears.
    Under the alternatives of DB-RATABLE-ARREARS and DB-RATABLE the weights or the holders' parts
    change; a part above the arrears it is applied to is refused, before anything is changed."""
    blocking = _blocking_series(state, item)
    blocking_clause = _blocks(blocking.terms).cite
    arrears: dict[str, Fraction] = {}
    weights: dict[str, Fraction] = {}
    current: dict[str, Fraction] = {}
    basis = chosen(reading("DB-RATABLE-ARREARS"))
    per_period = chosen("DB-RATABLE")
    for name, s in state.series.items():
        holdings = [_roll(s, h, event.date, inclusive=True) for h in list(s.holdings)]
        arrears[name] = sum((h.arrears for h in holdings), Fraction(0))
        match basis:
            case "default" | "by-shares":
                weights[name] = arrears[name]
            case "with-current-accrual":  # the arrears and the accrual since the last Payment Date
                weights[name] = sum(
                    (holding_accrued_unpaid_value(s, h, event.date) for h in holdings if h.shares), Fraction(0)
                ) + sum((h.arrears for h in holdings if not h.shares), Fraction(0))
            case other:
                raise AssertionError(f"DB-RATABLE-ARREARS alternative {other!r} is registered but not computed")
        match per_period:
            case "default":
                pass
            case "current-period":  # each holding's full dividend of the quarter the declaration falls in
                first, last = quarter_around(s.terms, event.date)
                current[f"Series {name}"] = sum(
                    (period_value(s.terms, h.shares, first, last, h.arrears) for h in holdings if h.shares),
                    Fraction(0),
                )
            case other:
                raise AssertionError(f"DB-RATABLE alternative {other!r} is registered but not computed")
    parity = {
        f"Series {name}": weights[name]
        for name, amount in arrears.items()
        if f"Series {name}" in blocking.terms.ranking.parity.value and amount
    }
    shared = [f"Series {blocking.series}", *parity]
    try:
        shares_of = ratable_parity_dividends(
            blocking.terms,
            weights[blocking.series],
            parity,
            event.amount_declared,
            {k: v for k, v in current.items() if k in shared} if current else None,
        )
    except InputError as exc:
        raise LedgerRuleError(item, "amount_declared", exc.clause, exc.problem) from exc
    if event.amount_declared == sum(arrears.values(), Fraction(0)):
        raise LedgerRuleError(
            item,
            "amount_declared",
            blocking_clause,
            "that pays every arrear in full: record arrears_paid for each series instead",
        )
    paying: list[tuple[SeriesState, Explained, dict[str, Fraction]]] = []
    for name, s in state.series.items():
        declared = shares_of.get(f"Series {name}")
        if declared is None:
            continue
        assert isinstance(declared.value, Fraction)
        if declared.value > arrears[name]:  # only under an alternative weighing more than the arrears
            raise LedgerRuleError(
                item,
                "amount_declared",
                blocking_clause,
                f"Series {name}'s part, {display(declared.value)}, is above its arrears, {display(arrears[name])}: "
                "a ratable declaration pays arrears only",
            )
        if not arrears[name]:
            continue
        _check_authorized(item, s, declared.value / s.terms.original_issue_price.value, "amount_declared")
        parts: dict[str, Fraction] = {}
        held = sum((h.shares for h in s.holdings.values()), Fraction(0))
        for holder, holding in s.holdings.items():
            if basis == "by-shares":  # in proportion to the shares held (DB-RATABLE-ARREARS)
                if holding.shares:
                    parts[holder] = declared.value * holding.shares / held
            elif holding.arrears:
                parts[holder] = declared.value * holding.arrears / arrears[name]
        for holder, part in parts.items():
            if part > s.holdings[holder].arrears:
                raise LedgerRuleError(
                    item,
                    "amount_declared",
                    blocking_clause,
                    f"{holder}'s part of Series {name}'s, {display(part)}, is above its arrears, "
                    f"{display(s.holdings[holder].arrears)}: a ratable declaration pays arrears only",
                )
        paying.append((s, declared, parts))
    from_issue = _arrears_shares_accrue_from_issue()
    for s, declared, parts in paying:
        assert isinstance(declared.value, Fraction)
        for holder, part in parts.items():
            holding = s.holdings[holder]
            s.holdings[holder] = replace(
                holding,
                shares=holding.shares + part / s.terms.original_issue_price.value,
                arrears=holding.arrears - part,
                lots=_issue_lots(s.terms, holding, part, event.date) if from_issue else holding.lots,
            )
        new_shares = declared.value / s.terms.original_issue_price.value
        s.shares_ever_issued += new_shares
        s.pik_shares_issued += new_shares
        s.ratable_dividends.append((event.date, declared))


REGISTER = "stock register"
"""What refuses a transfer that the register cannot make (no clause of the certificates governs it)."""


def _apply_transfer(state: LedgerState, item: Placed, event: ev.Transfer) -> None:
    """Shares move on the register with what attaches to them: the accrued and unpaid dividends
    (arrears and the accrual since the last Payment Date, TRANSFER-ACCRUED), so the holder of record
    on the next Payment Date receives the whole quarter; votes and Conversion Rights follow the
    shares; elections stay with each holder (TRANSFER-ELECTION). Under TRANSFER-ACCRUED=apportioned
    the transferor keeps the arrears and a claim to the accrual before the transfer (a lot carrying
    it), which the transferee's next dividend on the shares is reduced by (a lot deducting it)."""
    s = _series_started(state, item, event.series, REGISTER)
    source = s.holdings.get(event.from_holder)
    if source is None or source.shares == 0:
        known = ", ".join(sorted(h for h, v in s.holdings.items() if v.shares)) or "none"
        raise LedgerRuleError(
            item,
            "from_holder",
            REGISTER,
            f"{event.from_holder!r} holds no Series {event.series} shares on {event.date} (holders: {known})",
        )
    if event.shares > source.shares:
        raise LedgerRuleError(
            item,
            "shares",
            REGISTER,
            f"transferring {display(event.shares)} shares but {event.from_holder} holds {display(source.shares)}",
        )
    source = _roll(s, event.from_holder, event.date, inclusive=True)
    reading("TRANSFER-ELECTION")
    portion = event.shares / source.shares
    moved_lots, kept_lots = scaled_lots(source.lots, portion), scaled_lots(source.lots, 1 - portion)
    match chosen(reading("TRANSFER-ACCRUED")):
        case "default":  # arrears go with the shares
            moved_arrears = source.arrears * portion
        case "arrears-stay":  # the transferor keeps the arrears; the current accrual moves with the shares
            moved_arrears = Fraction(0)
        case "apportioned":  # the transferor keeps the arrears and a claim to the accrual before the transfer
            moved_arrears = Fraction(0)
            claim = _accrued_on_shares(s.terms, source, event.date, portion)
            kept = claim + (_accrued_on_arrears(s.terms, source, event.date) if portion == 1 else Fraction(0))
            if kept:
                kept_lots = (*kept_lots, Lot(Fraction(0), event.date, kept, "TRANSFER-ACCRUED"))
            if claim:
                moved_lots = (*moved_lots, Lot(Fraction(0), event.date, -claim, "TRANSFER-ACCRUED"))
        case other:
            raise AssertionError(f"TRANSFER-ACCRUED alternative {other!r} is registered but not computed")
    target = s.holdings.get(event.to_holder)
    if target is not None and target.shares:
        target = _roll(s, event.to_holder, event.date, inclusive=True)
        if target.accrual_start != source.accrual_start:
            raise LedgerRuleError(
                item,
                "date",
                s.terms.dividends.first_payment_date.cite,
                f"{event.to_holder}'s shares accrue from {target.accrual_start} and the transferred shares from "
                f"{source.accrual_start}: a holding has one accrual start, so record the transfer on or after "
                "the next Payment Date",
            )
        s.holdings[event.to_holder] = replace(
            target,
            shares=target.shares + event.shares,
            arrears=target.arrears + moved_arrears,
            unpaid_dates=tuple(sorted(set(target.unpaid_dates) | set(source.unpaid_dates))),
            lots=(*target.lots, *moved_lots),
        )
    else:
        s.holdings[event.to_holder] = Holding(
            event.series,
            event.to_holder,
            shares=event.shares,
            accrual_start=source.accrual_start,
            arrears=moved_arrears,
            unpaid_dates=source.unpaid_dates if moved_arrears else (),
            lots=moved_lots,
        )
    s.holdings[event.from_holder] = replace(
        source, shares=source.shares - event.shares, arrears=source.arrears - moved_arrears, lots=kept_lots
    )
    s.transfers.append(event)


def _accrued_on_shares(terms: SeriesTerms, holding: Holding, on: dt.date, portion: Fraction) -> Fraction:
    """TRANSFER-ACCRUED=apportioned: the dividend accrued on ``portion`` of the shares of ``holding``
    (rolled to ``on``) since the last Payment Date, their arrears left out (the transferor keeps
    those whole): the shares in no lot from the accrual start on their own value (the accrual on
    arrears that compound stays with the arrears), each lot's shares from its start, and the part
    ``portion`` of each lot's carried amount."""
    start = holding.accrual_start
    assert start is not None  # a holding with shares
    own = (holding.shares - _in_lots(holding.lots)) * portion
    accrued = Fraction(0)
    if own and accrues_between(start, on):
        accrued = accrual_value(terms, own, start, on, Fraction(0))
    return accrued + lots_accrued_value(terms, scaled_lots(holding.lots, portion), on)


def _accrued_on_arrears(terms: SeriesTerms, holding: Holding, on: dt.date) -> Fraction:
    """TRANSFER-ACCRUED=apportioned, a transferor left with no shares: the dividend its arrears bore
    from the accrual start to ``on`` where the terms compound them (G §2(a); nothing for F), which it
    keeps with its claim; kept by a holder without shares, they bear nothing further."""
    start = holding.accrual_start
    assert start is not None  # a holding with shares
    if not holding.arrears or not accrues_between(start, on):
        return Fraction(0)
    return accrual_value(terms, Fraction(0), start, on, holding.arrears)


@dataclass(frozen=True)
class ConversionDecision:
    """What converting ``shares`` of a holding on a date gives (F/G §5(a)-(c)): the one rule behind
    both the ``conversion`` event and the ``convert`` question."""

    series: str
    holder: str
    shares: Fraction
    holding: Holding
    conversion_date: dt.date
    accrued_unpaid: Explained
    """On the converted shares (§5(c)(iii))."""
    conversion_price: Explained
    result: ConversionResult


def conversion_decision(
    state: LedgerState,
    series: str,
    holder: str,
    shares: Fraction,
    surrender_date: dt.date,
    *,
    funds_legally_available: Fraction | None,
    conditioned_on_offering_closing: dt.date | None = None,
    certificates: Sequence[Fraction] | None = None,
) -> ConversionDecision:
    """F/G §5(a)-(c) on the state reached: who may convert what and when (the liquidation and
    §6(j) / G §6(i) redemption cut-offs), the Conversion Price in effect, the Common Stock and cash
    for the fraction, and the accrued dividends settled; ``certificates``: the shares on each
    certificate surrendered (CONV-FRACTION-AGGREGATE=per-certificate). Raises :class:`InputError`
    naming the field and clause, or :class:`ConversionRightsTerminated`. Pure: the state is not changed."""
    s = state.series[series]
    clause = f"{series} §5(a)"
    if s.original_issuance_date is None:
        raise InputError("series", clause, f"no Series {series} shares have been issued by {surrender_date}")
    holding = s.holdings.get(holder)
    if holding is None or holding.shares == 0:
        known = ", ".join(sorted(h for h, v in s.holdings.items() if v.shares)) or "none"
        raise InputError("holder", clause, f"{holder!r} holds no Series {series} shares (holders: {known})")
    if shares <= 0 or shares > holding.shares:
        raise InputError(
            "shares", clause, f"converting {display(shares)} shares but {holder} holds {display(holding.shares)}"
        )
    ensure_conversion_allowed(
        s.terms,
        conversion_date=surrender_date,
        liquidation_payment_date=state.liquidation_fixed_for,
        redemption_date=s.called_for,
        redemption_payment_defaulted=False,
    )
    timing = conversion_timing(
        s.terms,
        surrender_date=surrender_date,
        conditioned_on_underwritten_offering=conditioned_on_offering_closing is not None,
        offering_closing_date=conditioned_on_offering_closing,
    )
    on = timing.date
    accrued = holding_accrued_unpaid(s, holding, on)
    assert isinstance(accrued.value, Fraction)
    converted_accrued = accrued.value * shares / holding.shares
    price = section5.conversion_price_state(state, series, on).conversion_price_explained()
    funds = funds_legally_available if funds_legally_available is not None else converted_accrued
    fmv = section5.fair_market_value_on(state, on, series) if funds < converted_accrued else None
    result = convert(
        s.terms,
        shares=shares,
        conversion_price=price,
        conversion_date=on,
        accrued_unpaid_dividends=converted_accrued,
        funds_legally_available=funds,
        common_fair_market_value=fmv,
        certificates=certificates,
    )
    on_converted = Explained(
        "accrued_unpaid_on_converted_shares",
        converted_accrued,
        f"{series} §5(c)(iii)",
        inputs={"shares_converted": shares, "holding_before": holding.shares},
        formula="accrued_unpaid x shares_converted / holding_before",
        parts=(accrued,),
    )
    return ConversionDecision(series, holder, shares, holding, on, on_converted, price, result)


def _apply_conversion(state: LedgerState, item: Placed, event: ev.Conversion) -> None:
    s = state.series[event.series]
    _require_holder(state, item, event.series, event.holder, f"{event.series} §5(a)")
    if s.holdings[event.holder].shares:
        # The Payment Dates before the conversion that recorded no payment become arrears now (as a
        # payment does), so each conversion's accrued dividends count from the last Payment Date.
        _roll(s, event.holder, item.effective_date, inclusive=False)
    try:
        decision = conversion_decision(
            state,
            event.series,
            event.holder,
            event.shares,
            event.date,
            funds_legally_available=event.funds_legally_available,
            conditioned_on_offering_closing=event.conditioned_on_offering_closing,
            certificates=event.certificates,
        )
    except ConversionRightsTerminated as exc:
        raise LedgerRuleError(item, "date", exc.clause, str(exc)) from exc
    except InputError as exc:
        raise LedgerRuleError(item, exc.field, exc.clause, exc.problem) from exc
    holding, on, result = decision.holding, decision.conversion_date, decision.result
    portion = event.shares / holding.shares
    s.holdings[event.holder] = replace(
        holding,
        arrears=holding.arrears - holding.arrears * portion,
        shares=holding.shares - event.shares,
        lots=scaled_lots(holding.lots, 1 - portion),
    )
    common = result.common_shares.value
    dividend_common = result.dividends.common_shares.value
    assert isinstance(common, int) and isinstance(dividend_common, int)
    # A conversion of less than one share's worth of Common Stock issues none (cash for the
    # fraction only, §5(b)): nothing is added to the Common Stock outstanding.
    if common:
        state.section5_actions.append(section5.excluded_issue(item.ref, on, common, "conversion_of_preferred"))
    if dividend_common:
        state.section5_actions.append(
            section5.excluded_issue(f"{item.ref} dividends", on, dividend_common, "dividend_on_preferred")
        )
    s.conversions.append(
        ConversionRecord(event.series, event.holder, on, event.shares, decision.accrued_unpaid, result)
    )


def _apply_section5(state: LedgerState, item: Placed) -> None:
    if isinstance(item.event, ev.OtherDistribution):
        _dividend_blockers(state, item, ActionKind.OTHER_DISTRIBUTION, "Common Stock", junior=True)
    try:
        action = section5.action_for(state, item)
    except InputError as exc:
        raise LedgerRuleError(item, exc.field, exc.clause, exc.problem) from exc
    assert action is not None
    state.section5_actions.append(action)


def _apply_deposit(state: LedgerState, item: Placed, event: ev.RedemptionDeposit) -> None:
    """F §6(f), G §6(e): the Redemption Price deposited in trust, on or before the Redemption Date of
    a Redemption Notice, with a bank or trust company of capital and surplus above $50,000,000. On
    the Redemption Date the deposit redeems the shares then called (F §6(g), G §6(f): their rights
    cease but for the Redemption Price); money for shares converted before the cut-off, and any
    excess, is returned to the Company; a short deposit redeems pro rata and leaves the rest
    outstanding and redeemable on demand (F §6(h)-(i); RED-DEPOSIT-REDEEMS)."""
    s = _series_started(state, item, event.series, f"{event.series} §6(a)")
    clause = s.terms.redeemable().depositary_min_capital.cite
    verdict = depositary_qualifies(s.terms, event.depositary_capital_and_surplus)
    if not verdict.value:
        raise LedgerRuleError(
            item,
            "depositary_capital_and_surplus",
            verdict.clause,
            f"{event.depositary} does not have capital and surplus above "
            f"${display(s.terms.redeemable().depositary_min_capital.value)}",
        )
    if event.date > event.redemption_date:
        raise LedgerRuleError(
            item,
            "date",
            clause,
            f"the deposit is due on or before the Redemption Date {event.redemption_date}; record money paid "
            "later as a redemption (funds legally available later, §6(i))",
        )
    if s.called_for != event.redemption_date:
        raise LedgerRuleError(
            item,
            "redemption_date",
            clause,
            f"no Redemption Notice names {event.redemption_date} as the Redemption Date (latest: {s.called_for})",
        )
    state.deposits.append(event)
    s.pending_deposits.append(item)


REDEMPTION_RANK = ev.KIND_ORDER["redemption"]
"""A deposit redeems on its Redemption Date before any redemption event of that date is applied."""


def _deposit_redeems_on(deposit: ev.RedemptionDeposit) -> dt.date:
    """The day a deposit redeems the shares called: the Redemption Date (RED-DEPOSIT-REDEEMS,
    prefstack's), or the day it is made (``deposit-ends-rights``)."""
    match chosen("RED-DEPOSIT-REDEEMS"):
        case "default" | "short-deposit-redeems-nothing":
            return deposit.redemption_date
        case "deposit-ends-rights":
            return deposit.date
        case other:
            raise AssertionError(f"RED-DEPOSIT-REDEEMS alternative {other!r} is registered but not computed")


def _settle_deposits(state: LedgerState, day: dt.date, *, including_the_day: bool) -> None:
    """Redeem with each deposit whose Redemption Date has come (before ``day``, or on it when
    ``including_the_day``): the funds are the deposits for that date. Under RED-DEPOSIT-REDEEMS=
    deposit-ends-rights a deposit redeems on the day it is made, at the Redemption Price of its
    Redemption Date; under ``short-deposit-redeems-nothing`` a deposit short of the whole Redemption
    Price redeems no share (every share called stays owed a redemption, and the deposit is unused)."""
    for s in state.series.values():
        if not s.pending_deposits:
            continue  # nearly every event: no deposit awaits its Redemption Date
        settling = [
            p
            for p in s.pending_deposits
            if isinstance(p.event, ev.RedemptionDeposit)
            and (
                _deposit_redeems_on(p.event) < day or (including_the_day and _deposit_redeems_on(p.event) == day)
            )
        ]
        due = sorted({p.event.redemption_date for p in settling if isinstance(p.event, ev.RedemptionDeposit)})
        for redemption_date in due:
            items = [
                p
                for p in settling
                if isinstance(p.event, ev.RedemptionDeposit) and p.event.redemption_date == redemption_date
            ]
            s.pending_deposits = [p for p in s.pending_deposits if p not in items]
            amount = sum((p.event.amount for p in items if isinstance(p.event, ev.RedemptionDeposit)), Fraction(0))
            reading("RED-DEPOSIT-REDEEMS")
            _redeem(
                state,
                items[-1],
                s,
                redemption_date,
                amount,
                all_or_nothing=chosen("RED-DEPOSIT-REDEEMS") == "short-deposit-redeems-nothing",
            )
            s.redeemed_by_deposit.append(redemption_date)


@dataclass(frozen=True)
class JudgedEvent:
    """A recorded transaction judged for one series: whether it is a Mandatory Redemption Event
    (§6(b)) and, for a merger or sale, whether it is a deemed liquidation (G §3(d))."""

    date: dt.date
    ident: str
    """The event's id (what a series vote otherwise names), else its place in the ledger."""
    kind: str
    description: str
    mandatory_redemption_event: Explained
    deemed_liquidation: Explained | None = None


@dataclass(frozen=True)
class DeemedLiquidation:
    """A series paid and retired in a deemed liquidation (G §3(d)) while the others go on."""

    date: dt.date
    ident: str
    judged: Explained
    waterfall: Waterfall
    """The liquidation of the whole Company the series is paid as if (LIQ-G-DEEMED-PAYOUT)."""


def _judge_redemption_event(
    state: LedgerState, item: Placed, facts: EventFacts, description: str
) -> dict[str, Explained]:
    """§6(b): judge ``facts`` for every series with shares outstanding whose certificate has a
    mandatory redemption (terms with ``redemption``); record the judgment."""
    out: dict[str, Explained] = {}
    for name, s in state.series.items():
        if s.original_issuance_date is None or not s.shares_outstanding or s.terms.redemption is None:
            continue
        try:
            judged = judge_mandatory_redemption_event(s.terms, facts, None)
        except InputError as exc:
            raise LedgerRuleError(item, exc.field, exc.clause, exc.problem) from exc
        out[name] = judged
        s.judged_events.append(
            JudgedEvent(item.event.date, item.event.id or item.ref, item.event.kind, description, judged)
        )
    return out


_TRANSACTION_KINDS = {
    "merger": TransactionKind.MERGER,
    "consolidation": TransactionKind.CONSOLIDATION,
    "asset_sale": TransactionKind.ASSET_DISPOSITION,
    "subsidiary_stock_sale": TransactionKind.SUBSIDIARY_STOCK_DISPOSITION,
}


def _apply_merger_or_sale(state: LedgerState, item: Placed, event: ev.MergerOrSale) -> None:
    """§6(b)(i)-(ii), (vi) for every series, and G §3(d): a completed merger or sale after which the
    prior stockholders hold less than half of the survivor is a deemed liquidation of a series with
    that clause; the series is paid what a liquidation of the Company with ``consideration`` would
    give it, and retired; the others are not (LIQ-F-NO-DEEMED, LIQ-G-DEEMED-PAYOUT)."""
    share = event.prior_stockholders_voting_share
    facts: EventFacts
    if event.transaction in ("merger", "consolidation"):
        facts = Merger(share)
    else:
        assert event.all_or_substantially_all is not None
        facts = AssetSale(event.all_or_substantially_all, share)
    judged = _judge_redemption_event(
        state, item, Agreement(facts) if event.agreement_only else facts, event.description
    )
    for name in judged:
        s = state.series[name]
        try:
            deemed = is_deemed_liquidation(
                s.terms, _TRANSACTION_KINDS[event.transaction], share, event.prior_stockholders_voting_power
            )
        except InputError as exc:
            raise LedgerRuleError(item, exc.field, exc.clause, exc.problem) from exc
        if event.transaction in ("asset_sale", "subsidiary_stock_sale") and not event.all_or_substantially_all:
            deemed = replace(deemed, value=False, formula=deemed.formula + "; not all or substantially all")
        record = s.judged_events[-1]
        s.judged_events[-1] = replace(record, deemed_liquidation=deemed)
        if not deemed.value or event.agreement_only:
            continue
        if event.consideration is None:
            raise LedgerRuleError(
                item,
                "consideration",
                deemed.clause,
                f"a deemed liquidation of Series {name}: give the consideration available to the stockholders",
            )
        reading("LIQ-G-DEEMED-PAYOUT")
        paid = _deemed_payout_3d(state, item, event, event.consideration, name)
        s.deemed_liquidation = DeemedLiquidation(event.date, event.id or item.ref, deemed, paid)
        for holder, holding in list(s.holdings.items()):
            s.holdings[holder] = replace(holding, shares=Fraction(0), arrears=Fraction(0), lots=())


def _deemed_payout_3d(
    state: LedgerState, item: Placed, event: ev.MergerOrSale, consideration: Fraction, name: str
) -> Waterfall:
    """G §3(d): the liquidation Series ``name`` is paid as if (LIQ-G-DEEMED-PAYOUT). Default: the
    whole waterfall, every series at parity. ``series-alone``: the other series of the Company are
    left out of the waterfall (neither their §3(a) preference nor their §3(b) participation), so the
    series is paid after the Senior Securities alone and shares the rest as converted with the Common
    Stock. ``liquidation-value-only``: the whole waterfall, but the series' §3(b) payouts are dropped:
    it is paid its §3(a) Liquidation Value (ratably if short) and nothing more."""
    match chosen("LIQ-G-DEEMED-PAYOUT"):
        case "default":
            return _liquidation_waterfall(state, item, event.date, consideration, event.non_cash, event.senior)
        case "series-alone":
            return _liquidation_waterfall(
                state, item, event.date, consideration, event.non_cash, event.senior, only_series=name
            )
        case "liquidation-value-only":
            whole = _liquidation_waterfall(state, item, event.date, consideration, event.non_cash, event.senior)
            kept = tuple(p for p in whole.payouts if p.security != name or p.tier is not Tier.AS_CONVERTED)
            return replace(whole, payouts=kept)
        case other:
            raise AssertionError(f"LIQ-G-DEEMED-PAYOUT alternative {other!r} is registered but not computed")


def _apply_redemption_notice(state: LedgerState, item: Placed, event: ev.RedemptionNotice) -> None:
    s = _series_started(state, item, event.series, f"{event.series} §6(a)")
    try:
        check_redemption_notice(s.terms, event.date, event.redemption_date)
    except RedemptionNoticeError as exc:
        raise LedgerRuleError(item, "redemption_date", exc.clause, exc.problem) from exc
    s.called_for = event.redemption_date


NO_PREFERRED_SPLIT = Fraction(1)
"""The ledger has no event that splits or combines shares of the preferred itself, so the
Original Issue Price is never adjusted (F/G §3(a); LIQ-ISSUE-PRICE-ADJUSTMENT)."""


def _dividend_blockers(
    state: LedgerState, item: Placed, kind: ActionKind, security: str, *, junior: bool = False
) -> None:
    """§2(c)-(d) of each series whose certificate has dividend blockers (its terms have
    ``blocks_junior_and_parity``: G §2(c)-(d)): while its dividends are in arrears, refuse dividends,
    distributions and redemptions on ``security`` where that series' ranking (§1(b)) lists it among
    its Parity (or, with ``junior``, Junior) Securities (DB-ARREARS)."""
    for name, blocking in state.series.items():
        terms = blocking.terms
        if terms.dividends.blocks_junior_and_parity is None:
            continue
        ranked = terms.ranking.junior if junior else terms.ranking.parity
        if security not in ranked.value:
            continue
        arrears = Fraction(0)
        for holder in list(blocking.holdings):
            rolled_holding = _roll(blocking, holder, item.effective_date, inclusive=True)
            match chosen("DB-ARREARS"):
                case "default":  # past Payment Dates' dividends only
                    arrears += rolled_holding.arrears
                case "with-current-accrual":
                    arrears += holding_accrued_unpaid_value(blocking, rolled_holding, item.effective_date)
                case other:
                    raise AssertionError(f"DB-ARREARS alternative {other!r} is registered but not computed")
        if arrears == 0:
            continue
        action = ProposedAction(
            kind=kind,
            rank=Rank.JUNIOR if junior else Rank.PARITY,
            security=security,
            consideration=Consideration.CASH_OR_OTHER_PROPERTY,
        )
        verdict = judge_action(terms, arrears, action)
        if not verdict.value:
            raise LedgerRuleError(
                item,
                "series" if not junior else "kind",
                verdict.clause,
                f"refused while Series {name} dividends of {display(arrears)} are in arrears "
                "(pay them first: arrears_paid)",
            )


@dataclass(frozen=True)
class CommonStockRedemption:
    """One holder's shares redeemed for Common Stock at its Fair Market Value (F §6(d))."""

    series: str
    holder: str
    date: dt.date
    shares_redeemed: Fraction
    redemption_price: Explained
    """For all the holder's shares: shares x (Original Issue Price + accrued but unpaid dividends)."""
    fair_market_value: Explained
    payment: CommonStockPayment


def common_stock_redemption(state: LedgerState, series: str, on: dt.date) -> list[CommonStockRedemption]:
    """F §6(d): every outstanding share of ``series`` redeemed on ``on`` with Common Stock having an
    aggregate Fair Market Value (F §3(c)(i)(A), the closing prices) equal to each holder's
    Redemption Price; whole shares, the fraction in cash. The one rule behind the ``redemption``
    event with ``in_common`` and ``prefstack redemption --in-common``. Raises :class:`NoSuchClause`
    for a series without the option and :class:`InputError` when the Fair Market Value cannot be
    determined. Pure."""
    s = state.series[series]
    option = s.terms.redeemable().may_pay_in_common
    if option is None or not option.value:
        raise NoSuchClause(
            series,
            f"{series} §6",
            "the certificate has no clause letting the Company pay the Redemption Price in Common Stock "
            "(F §6(d) has no counterpart); the Redemption Price is paid in cash",
        )
    fmv = section5.fair_market_value_on(state, on, series)
    if fmv is None:
        raise InputError(
            "in_common",
            option.cite,
            f"the Fair Market Value of the Common Stock on {on} needs the closing prices of its window "
            "(F §3(c)(i)(A)); record them as closing_price events",
        )
    assert isinstance(fmv.value, Fraction)
    out = []
    for holder in sorted(s.holdings):
        holding = s.holdings[holder]
        if not holding.shares:
            continue
        per_share = redemption_price_per_share(
            s.terms, accrued_per_share(s, holding, on), issue_price_adjustment=NO_PREFERRED_SPLIT
        )
        assert isinstance(per_share.value, Fraction)
        total = Explained(
            f"Redemption Price of {holder}'s shares",
            per_share.value * holding.shares,
            per_share.clause,
            inputs={"shares": holding.shares},
            formula="shares x Redemption Price per share",
            parts=(per_share,),
        )
        payment = pay_redemption_price_in_common_stock(s.terms, per_share.value * holding.shares, fmv.value)
        out.append(CommonStockRedemption(series, holder, on, holding.shares, total, fmv, payment))
    if not out:
        raise InputError("series", f"{series} §6(a)", f"no Series {series} shares are outstanding on {on}")
    return out


def _apply_redemption_in_common(state: LedgerState, item: Placed, event: ev.Redemption) -> None:
    """F §6(d): the whole series redeemed on its Redemption Date for Common Stock; the Common Stock
    issued is a distribution on the preferred, excluded from Additional Shares (RED-F-COMMON-EXCLUDED)."""
    s = state.series[event.series]
    if s.called_for != event.date:
        raise LedgerRuleError(
            item,
            "date",
            f"{event.series} §6(a)",
            f"no Redemption Notice names {event.date} as the Redemption Date (latest: {s.called_for})",
        )
    try:
        parts = common_stock_redemption(state, event.series, event.date)
    except NoSuchClause as exc:
        raise LedgerRuleError(item, "in_common", exc.clause, exc.problem) from exc
    except InputError as exc:
        raise LedgerRuleError(item, exc.field, exc.clause, exc.problem) from exc
    cash_needed = sum((_fraction_of(p.payment.cash_for_fraction) for p in parts), Fraction(0))
    if event.funds < cash_needed:
        raise LedgerRuleError(
            item,
            "funds",
            parts[0].payment.cash_for_fraction.clause,
            f"the cash for the fractions of a share is ${display(cash_needed)}; "
            f"funds of ${display(event.funds)} fall short",
        )
    # only the cash for the fractions needs funds (RED-F-COMMON-EXCLUDED, prefstack's), or the whole
    # Redemption Price paid in Common Stock does too (``limited-by-funds``)
    reading("RED-F-COMMON-EXCLUDED")
    match chosen("RED-F-COMMON-EXCLUDED"):
        case "default" | "additional-shares":
            pass
        case "limited-by-funds":
            price = sum((_fraction_of(p.redemption_price) for p in parts), Fraction(0))
            if event.funds < price:
                raise LedgerRuleError(
                    item,
                    "funds",
                    parts[0].payment.shares_of_common.clause,
                    f"the Redemption Price of ${display(price)} paid in Common Stock is limited by the funds legally "
                    f"available, ${display(event.funds)} (RED-F-COMMON-EXCLUDED=limited-by-funds)",
                )
        case other:
            raise AssertionError(f"RED-F-COMMON-EXCLUDED alternative {other!r} is registered but not computed")
    additional = _in_common_are_additional_shares()
    for part in parts:
        holding = s.holdings[part.holder]
        s.holdings[part.holder] = replace(holding, shares=Fraction(0), arrears=Fraction(0), lots=())
        whole = _common_count(part.payment.shares_of_common)  # a fraction too under RED-F-COMMON=fractional
        if whole and additional:
            fmv = _fraction_of(part.fair_market_value)
            state.section5_actions.append(
                ad.CommonStockIssuance(
                    id=f"{item.ref} {part.holder}",
                    date=event.date,
                    shares=Fraction(whole),
                    purpose=ad.NO_EXCLUSION,
                    cash_consideration=Fraction(0),
                    property_consideration=whole * fmv,
                    accrued_interest_or_dividends_in_cash=Fraction(0),
                    fair_market_value_per_share=fmv,
                )
            )
        elif whole:
            state.section5_actions.append(
                section5.excluded_issue(f"{item.ref} {part.holder}", event.date, whole, "dividend_on_preferred")
            )
    s.common_stock_redemptions.extend(parts)


def _in_common_are_additional_shares() -> bool:
    """Whether the Common Stock issued for a Redemption Price (F §6(d)) is Additional Shares of Common
    Stock: no, a distribution on the preferred, excluded (RED-F-COMMON-EXCLUDED, prefstack's); yes, issued
    for a consideration (other than cash) equal to its Fair Market Value, the Redemption Price it
    discharges (``additional-shares``)."""
    match chosen("RED-F-COMMON-EXCLUDED"):
        case "default" | "limited-by-funds":
            return False
        case "additional-shares":
            return True
        case other:
            raise AssertionError(f"RED-F-COMMON-EXCLUDED alternative {other!r} is registered but not computed")


def _fraction_of(figure: Explained) -> Fraction:
    assert isinstance(figure.value, Fraction)
    return figure.value


def _apply_redemption(state: LedgerState, item: Placed, event: ev.Redemption) -> None:
    s = _series_started(state, item, event.series, f"{event.series} §6(a)")
    if event.in_common:
        _dividend_blockers(state, item, ActionKind.PURCHASE_OR_REDEMPTION, f"Series {event.series}")
        _apply_redemption_in_common(state, item, event)
        return
    if event.date in s.redeemed_by_deposit and (s.obligation is None or s.obligation.total_shares == 0):
        raise LedgerRuleError(
            item,
            "date",
            f"{event.series} §6(a)",
            f"the deposit for {event.date} already redeemed the shares called for that Redemption Date",
        )
    _redeem(state, item, s, event.date, event.funds, parity_redemption_price=event.parity_redemption_price)


def series_voted_otherwise(s: SeriesState, judged: JudgedEvent) -> bool:
    """Whether a majority of the series voted that the event ``judged`` is not a Mandatory Redemption
    Event (§6(b)), by a vote that can displace it (RED-EVENT-VOTE)."""
    return any(
        c.matter == "waive_redemption_event"
        and c.reference == judged.ident
        and bool(m.value)
        and bool(vote_otherwise_counts(s.terms, judged.date, c.date).value)
        for c, m in s.consent_results
    )


def _event_redemption_without_notice(s: SeriesState, on: dt.date) -> bool:
    """Whether a redemption on ``on`` needs no Redemption Notice: never (RED-NOTICE-WINDOW, prefstack's),
    or when it is a redemption on a Mandatory Redemption Event of the series recorded by ``on`` and
    not voted otherwise (``no-notice-for-event``: F §6(e) / G §6(d) refer to §6(a) only)."""
    match chosen("RED-NOTICE-WINDOW"):
        case "default" | "full-days":
            return False
        case "no-notice-for-event":
            return any(
                j.date <= on and bool(j.mandatory_redemption_event.value) and not series_voted_otherwise(s, j)
                for j in s.judged_events
            )
        case other:
            raise AssertionError(f"RED-NOTICE-WINDOW alternative {other!r} is registered but not computed")


def _redeem(
    state: LedgerState,
    item: Placed,
    s: SeriesState,
    on: dt.date,
    funds: Fraction,
    *,
    all_or_nothing: bool = False,
    parity_redemption_price: Fraction | None = Fraction(0),
) -> None:
    """F/G §6(a), (h), (i): redeem on ``on`` with ``funds`` — later funds go first to shares the
    Company was obliged to redeem and has not; else the shares called for ``on``, pro rata.
    ``all_or_nothing``: funds short of the whole Redemption Price redeem nothing (a short deposit
    under RED-DEPOSIT-REDEEMS=short-deposit-redeems-nothing); they are reported unused.
    ``parity_redemption_price``: the ``redemption`` event's, read by RED-SENIOR-PARITY-FUNDS=ratable-with-parity
    (a deposit is the series' own: nothing shared)."""
    _dividend_blockers(state, item, ActionKind.PURCHASE_OR_REDEMPTION, f"Series {s.series}")
    per_share: dict[str, Fraction] = {}
    for holder, holding in s.holdings.items():
        if holding.shares:
            per_share[holder] = accrued_per_share(s, holding, on)
    try:
        if s.obligation is not None and s.obligation.total_shares > 0:
            result = apply_later_funds(
                s.terms, s.obligation, funds, on, per_share, issue_price_adjustment=NO_PREFERRED_SPLIT
            )
        else:
            if s.called_for != on and not _event_redemption_without_notice(s, on):
                raise LedgerRuleError(
                    item,
                    "date",
                    f"{s.series} §6(a)",
                    f"no Redemption Notice names {on} as the Redemption Date (latest: {s.called_for})",
                )
            holdings = [RedemptionHolding(h, s.holdings[h].shares, per_share[h]) for h in sorted(per_share)]
            result = redeem(
                s.terms,
                holdings,
                funds,
                on,
                None,
                issue_price_adjustment=NO_PREFERRED_SPLIT,
                parity_redemption_price=parity_redemption_price,
            )
        if all_or_nothing and result.shortfall:
            nothing = (
                apply_later_funds(
                    s.terms, s.obligation, Fraction(0), on, per_share, issue_price_adjustment=NO_PREFERRED_SPLIT
                )
                if s.obligation is not None and s.obligation.total_shares > 0
                else redeem(
                    s.terms,
                    [RedemptionHolding(h, s.holdings[h].shares, per_share[h]) for h in sorted(per_share)],
                    Fraction(0),
                    on,
                    None,
                    issue_price_adjustment=NO_PREFERRED_SPLIT,
                )
            )
            result = replace(
                nothing,
                funds=result.funds,
                unused_funds=replace(
                    result.funds,
                    name="funds not used: short of the whole Redemption Price, the deposit redeems nothing",
                    interpretations=[reading("RED-DEPOSIT-REDEEMS")],
                ),
            )
    except InputError as exc:
        raise LedgerRuleError(item, exc.field, exc.clause, exc.problem) from exc
    for part in result.holders:
        holding = s.holdings[part.holder]
        redeemed = part.shares_redeemed.value
        assert isinstance(redeemed, Fraction)
        if redeemed:
            s.holdings[part.holder] = replace(
                holding,
                arrears=holding.arrears - holding.arrears * redeemed / holding.shares,
                shares=holding.shares - redeemed,
                lots=scaled_lots(holding.lots, 1 - redeemed / holding.shares),
            )
    s.obligation = result.obligation
    s.redemptions.append(result)


def _liquidation_waterfall(
    state: LedgerState,
    item: Placed,
    on: dt.date,
    proceeds: Fraction,
    non_cash_items: Sequence[ev.NonCashItem],
    senior_claims: Sequence[ev.SeniorClaim],
    *,
    only_series: str | None = None,
) -> Waterfall:
    """F/G §3: the waterfall of a liquidation of the Company on ``on``, every series' holdings from
    the ledger (only those of ``only_series`` when given: LIQ-G-DEEMED-PAYOUT=series-alone), the
    Senior Securities' claims as recorded."""
    parity = [p for p in parity_holdings(state, on) if only_series is None or p.series == only_series]
    if state.common_outstanding_opening is None:
        clause = ", ".join(for_series(n, "§3(b)") for n in state.series) or "ledger format"
        raise LedgerRuleError(item, "common_outstanding", clause, "the ledger has no Common Stock balance")
    common = section5.common_outstanding(state, on)
    senior = [SeniorClass(c.name, c.preference_amount, c.participates, c.as_converted_common) for c in senior_claims]
    try:
        non_cash = [
            NonCashProceeds(n.description, n.value, n.clause, valuation_method(n.clause)) for n in non_cash_items
        ]
        return waterfall(
            proceeds,
            non_cash,
            senior,
            parity,
            [JuniorHolding("Common Stock", "holders of Common Stock", common)],
            on,
        )
    except InputError as exc:
        raise LedgerRuleError(item, exc.field, exc.clause, exc.problem) from exc


def _apply_liquidation(state: LedgerState, item: Placed, event: ev.Liquidation) -> None:
    """F/G §3: the waterfall paid on the date fixed for payment; the preferred is then retired."""
    state.liquidation = _liquidation_waterfall(state, item, event.date, event.proceeds, event.non_cash, event.senior)
    state.liquidated_on = event.date
    for s in state.series.values():
        for holder, holding in list(s.holdings.items()):
            s.holdings[holder] = replace(holding, shares=Fraction(0), arrears=Fraction(0), lots=())


def parity_holdings(state: LedgerState, on: dt.date) -> list[ParityHolding]:
    """§3(a)-(b): every holding of the company's series on ``on`` with its Liquidation Value and its
    shares as converted (a participating series), or the shares it would convert into (a series
    that does not participate, which may convert before the distribution)."""
    parity: list[ParityHolding] = []
    for name, s in state.series.items():
        price = section5.conversion_price_state(state, name, on).conversion_price
        participates = participates_3b(s.terms)
        adjustment = issue_price_adjustment_3a(s, on)
        for holder in sorted(s.holdings):
            holding = s.holdings[holder]
            if not holding.shares:
                continue
            value = liquidation_value_per_share(
                s.terms, accrued_per_share(s, holding, on), issue_price_adjustment=adjustment
            )
            converted = holding.shares * s.terms.original_issue_price.value / price
            parity.append(
                ParityHolding(
                    name,
                    holder,
                    holding.shares,
                    value,
                    as_converted_3b(converted) if participates else Fraction(0),
                    participates,
                    Fraction(0) if participates else converted,
                )
            )
    return parity


def issue_price_adjustment_3a(s: SeriesState, on: dt.date) -> Fraction:
    """F/G §3(a): the factor of the Original Issue Price in the Liquidation Value on ``on``
    (LIQ-ISSUE-PRICE-ADJUSTMENT). Default: PIK dividends are no adjustment and the ledger has no split
    of the preferred (:data:`NO_PREFERRED_SPLIT`). ``pik-dilutes``: each Payment Date on or before ``on``
    whose dividend issued PIK shares multiplies it by shares paid on / (those shares + the PIK shares
    issued), one factor for the whole series, so the PIK shares add no Liquidation Value."""
    match chosen("LIQ-ISSUE-PRICE-ADJUSTMENT"):
        case "default":
            return NO_PREFERRED_SPLIT
        case "pik-dilutes":
            factor = NO_PREFERRED_SPLIT
            for day in sorted(d for d in s.payments if d <= on):
                before = sum((r.shares for r in s.payments[day]), Fraction(0))
                pik = sum((r.pik_shares for r in s.payments[day] if r.pik_shares is not None), Fraction(0))
                if pik:
                    factor *= before / (before + pik)
            return factor
        case other:
            raise AssertionError(f"LIQ-ISSUE-PRICE-ADJUSTMENT alternative {other!r} is registered but not computed")


def accrued_per_share(s: SeriesState, holding: Holding, as_of: dt.date) -> Fraction:
    """Accrued but unpaid dividends per share of a holding with shares (DIV-ACCRUED-UNPAID)."""
    accrued = holding_accrued_unpaid(s, holding, as_of)
    assert isinstance(accrued.value, Fraction)
    return accrued.value / holding.shares


def holding_accrued_unpaid(s: SeriesState, holding: Holding, as_of: dt.date) -> Explained:
    """Accrued but unpaid dividends on a holding at ``as_of`` (DIV-ACCRUED-UNPAID). Pure:
    neither ``s`` nor ``holding`` is changed, whatever the date asked."""
    holding = rolled(s, holding, as_of, inclusive=True)
    start = holding.accrual_start if holding.accrual_start is not None else as_of
    if not holding.lots:
        return accrued_unpaid(s.terms, holding.shares, start, as_of, holding.arrears)
    own = holding.shares - _in_lots(holding.lots)
    if own:
        main = accrued_unpaid(s.terms, own, start, as_of, holding.arrears)
    else:  # no share outside the lots: the arrears alone, bearing nothing (as a holding without shares)
        main = Explained(
            "arrears",
            holding.arrears,
            s.terms.dividends.accrues_without_funds.cite,
            formula="dividends of past Payment Dates not paid",
        )
    parts = [main]
    for lot in holding.lots:
        if lot.shares and accrues_between(lot.start, as_of):
            accrued = accrual_value(s.terms, lot.shares, lot.start, as_of, Fraction(0))
            parts.append(
                Explained(
                    f"dividend accrued on shares from {lot.start}",
                    accrued,
                    s.terms.dividends.annual_rate.cite,
                    inputs={"shares": lot.shares, "accrual_start": lot.start, "as_of": as_of},
                    formula="dividend accrued since the lot's start",
                    interpretations=[lot.reading],
                )
            )
        if lot.carried:
            parts.append(_carried(s.terms, lot))
    value = sum((_value(p) for p in parts), Fraction(0))
    return Explained(
        name="accrued_unpaid_dividends",
        value=value,
        clause=for_series(s.terms.series, "§3(a)"),
        inputs={"shares": holding.shares, "accrual_start": start, "as_of": as_of},
        formula="accrued on the shares accruing from accrual_start (with the arrears) + on each lot + amounts carried",
        parts=parts,
        interpretations=[*main.interpretations, *sorted({lot.reading for lot in holding.lots})],
    )


def lots_accrued_value(terms: SeriesTerms, lots: Sequence[Lot], as_of: dt.date) -> Fraction:
    """What ``lots`` add to a holding's accrued but unpaid dividends at ``as_of``: each lot's shares'
    dividend accrued since its start, and its carried amount."""
    value = Fraction(0)
    for lot in lots:
        if lot.shares and accrues_between(lot.start, as_of):
            value += accrual_value(terms, lot.shares, lot.start, as_of, Fraction(0))
        value += lot.carried
    return value


def holding_accrued_unpaid_value(s: SeriesState, holding: Holding, as_of: dt.date) -> Fraction:
    """The value of :func:`holding_accrued_unpaid` (its kernel, :mod:`prefstack.kernels.holders`)."""
    holding = rolled(s, holding, as_of, inclusive=True)
    start = holding.accrual_start if holding.accrual_start is not None else as_of
    if not holding.lots:
        return accrued_unpaid_value(s.terms, holding.shares, start, as_of, holding.arrears)
    own = holding.shares - _in_lots(holding.lots)
    main = accrued_unpaid_value(s.terms, own, start, as_of, holding.arrears) if own else holding.arrears
    return main + lots_accrued_value(s.terms, holding.lots, as_of)
