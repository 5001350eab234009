"""Adjustments of the Conversion Price: F §5(d)-(h) and (j), G §5(d)-(h) and (j).

The corporate actions that the clauses judge are plain frozen dataclasses (an issue of Common
Stock, of Options or Convertible Securities, their exercise, expiry or change, splits,
combinations, dividends, other distributions, reclassifications, and the holders' waivers and
approvals). :func:`conversion_price_history` folds a sequence of them, in order, into a
:class:`ConversionPriceState`: the Conversion Price, the reduction carried forward under
§5(d)(iv), every adjustment with its facts, the use of each exclusion basket of §5(d)(i)(C)-(D)
and the other property a share converts into under §5(g)-(h).

- §5(d)(i): which shares are Additional Shares of Common Stock (baskets and their caps).
- §5(d)(ii): no adjustment unless the consideration per share is below the greater of 95% of
  Fair Market Value and the Conversion Price, or if a series majority waived it beforehand.
- §5(d)(iii): Options and Convertible Securities are deemed issued at their maximum shares;
  no adjustment on exercise; on expiry or on a change of the share count the price is
  recomputed as if the option had been issued only to that extent (a replay of the actions).
- §5(d)(iv): the weighted-average formula, to the nearest cent, with the $.03 carry-forward.
- §5(d)(v): the consideration received.
- §5(e) splits and combinations, §5(f) dividends in Common Stock, §5(g) other distributions,
  §5(h) reclassifications, §5(j) certificates of adjustment.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TypeVar, overload

from prefstack.citations import for_series
from prefstack.clause_registry import implements
from prefstack.clauses.liquidation import TransactionKind, is_deemed_liquidation
from prefstack.errors import InputError
from prefstack.explain import Explained, Scalar, render
from prefstack.figures import MONEY, PRICE, RATIO, json_figure, money_text, quantity_text
from prefstack.interpretations import reading
from prefstack.interpretations.readings import chosen, pick
from prefstack.numeric import Rounding, round_to
from prefstack.terms.schema import NO_EXCLUSION, Exclusion, ExclusionRole, SeriesTerms

T = TypeVar("T")

__all__ = [
    "NO_EXCLUSION",
    "WAIVER_KINDS",
    "Action",
    "AdditionalReservedEmployeeShares",
    "Adjustment",
    "BasketUsage",
    "CertificateOfAdjustment",
    "Combination",
    "CommonStockIssuance",
    "ConversionPriceState",
    "ConvertibleSecurityIssuance",
    "Decision",
    "Entitlement",
    "ExclusionByRole",
    "OptionExercise",
    "OptionExpiry",
    "OptionIssuance",
    "OptionShareCountChange",
    "OtherDistribution",
    "Purpose",
    "Reclassification",
    "SeriesWaiver",
    "StockDividendOnCommon",
    "StockSplit",
    "certificate_of_adjustment",
    "certificates_due",
    "conversion_price_history",
    "exclusion_for",
]


# Purposes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExclusionByRole:
    """The purpose of an issue the engine itself makes (Common Stock issued on conversion, as a
    dividend on preferred): the exclusion of each series' terms that has ``role``, whatever its id."""

    role: ExclusionRole


Purpose = str | ExclusionByRole
"""Why Common Stock (or an Option or Convertible Security) is issued: the id of an exclusion of
§5(d)(i)(C)-(D) in the series' terms (``conversion.exclusions``), :data:`NO_EXCLUSION` (``"none"``:
the shares are Additional Shares of Common Stock), or an :class:`ExclusionByRole`."""


@implements("F §5(d)(i)", "G §5(d)(i)")
def exclusion_for(terms: SeriesTerms, purpose: Purpose) -> Exclusion | None:
    """The exclusion of ``terms`` (``conversion.exclusions``) that ``purpose`` names; None for
    :data:`NO_EXCLUSION`. A purpose the terms do not declare (an id, or a role no exclusion has) is
    refused, naming the field ``purpose`` and the series' §5(d)(i)(C)."""
    conversion = terms.conversion
    clause = for_series(terms.series, "§5(d)(i)(C)")
    if isinstance(purpose, ExclusionByRole):
        found = conversion.exclusion_of_role(purpose.role)
        if found is None:
            raise InputError(
                "purpose",
                clause,
                f"the terms of Series {terms.series} declare no exclusion with role {purpose.role!r} "
                "(conversion.exclusions)",
            )
        return found
    if purpose == NO_EXCLUSION:
        return None
    found = conversion.exclusion(purpose) if isinstance(purpose, str) else None
    if found is None:
        declared = ", ".join(e.id for e in conversion.exclusions)
        raise InputError(
            "purpose",
            clause,
            f"{purpose!r} is no exclusion the terms of Series {terms.series} declare "
            f"(conversion.exclusions: {declared}; or {NO_EXCLUSION!r})",
        )
    return found


# Actions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommonStockIssuance:
    """An issue of shares of Common Stock (F/G §5(d)(i)(C), §5(d)(iv), §5(d)(v)(A)).

    ``cash_consideration`` is the cash received in total, of which
    ``accrued_interest_or_dividends_in_cash`` (paid for accrued interest or dividends) is
    excluded (§5(d)(v)(A)(1)); ``property_consideration`` is the Board's good-faith Fair Market
    Value of the property received (§5(d)(v)(A)(2)). When the shares are issued together with
    other securities or assets for one consideration, ``allocated_portion`` is the proportion of
    the consideration the Board allots to these shares (§5(d)(v)(A)(3)); None means the whole
    consideration is for these shares. ``fair_market_value_per_share`` is the Fair Market Value
    of a share of Common Stock on the date of the issue (§3(c)); needed whenever the 95% tests
    or the adjustment test are applied.
    """

    id: str
    date: dt.date
    shares: Fraction
    purpose: Purpose
    cash_consideration: Fraction
    property_consideration: Fraction
    accrued_interest_or_dividends_in_cash: Fraction
    fair_market_value_per_share: Fraction | None
    allocated_portion: Fraction | None = None
    preferred_as_converted: Fraction | None = None
    """The Common Stock issuable on conversion of all the preferred outstanding immediately before
    the issue (read only under AD-OUTSTANDING=fully-diluted)."""


@dataclass(frozen=True)
class _RightsIssuance:
    """The terms common to an issue of Options, Rights or Convertible Securities (§5(d)(iii), (v)(B))."""

    id: str
    date: dt.date
    max_shares: Fraction
    consideration_received: Fraction
    min_additional_consideration: Fraction
    purpose: Purpose
    fair_market_value_per_share: Fraction | None
    preferred_as_converted: Fraction | None = None
    """As :attr:`CommonStockIssuance.preferred_as_converted` (AD-OUTSTANDING=fully-diluted only)."""


@dataclass(frozen=True)
class OptionIssuance(_RightsIssuance):
    """An issue of Options or Rights to Acquire Common Stock (F/G §5(d)(i)(A), (E), §5(d)(iii)).

    ``max_shares``: the maximum shares of Common Stock issuable on exercise, as the instrument
    states it, without regard to later adjustment. ``consideration_received``: the Fair Market
    Value of what the Company received or receives for issuing them (§5(d)(v)(A)).
    ``min_additional_consideration``: the minimum aggregate amount payable on exercise of all of
    them (§5(d)(v)(B)(1)).
    """


@dataclass(frozen=True)
class ConvertibleSecurityIssuance(_RightsIssuance):
    """An issue of Convertible Securities (F/G §5(d)(i)(B), §5(d)(iii)); fields as
    :class:`OptionIssuance`, with conversion or exchange in place of exercise."""


@dataclass(frozen=True)
class OptionExercise:
    """Exercise (or conversion) of ``shares`` of an Option or Convertible Security issued by an
    earlier action with this ``id``: Common Stock is issued, no adjustment (§5(d)(iii)(A))."""

    id: str
    date: dt.date
    shares: Fraction
    fair_market_value_per_share: Fraction | None = None
    """The Fair Market Value per share of Common Stock on the date of exercise (read only under
    AD-95-PERCENT-CONDITION=exercise-date)."""


@dataclass(frozen=True)
class OptionExpiry:
    """Expiry or termination of unexercised Options or Convertible Securities (§5(d)(iii)(B)).

    ``shares``: how many of the shares still issuable expire; None means all of them.
    """

    id: str
    date: dt.date
    shares: Fraction | None


@dataclass(frozen=True)
class OptionShareCountChange:
    """A change in the shares issuable under an Option or Convertible Security, e.g. by its own
    anti-dilution provisions (§5(d)(iii)(C)). ``new_max_shares`` and
    ``new_min_additional_consideration`` describe the part not yet exercised after the change."""

    id: str
    date: dt.date
    new_max_shares: Fraction
    new_min_additional_consideration: Fraction
    fair_market_value_per_share: Fraction | None = None
    """The Fair Market Value per share of Common Stock on the date of the change (read only under
    AD-COUNT-CHANGE-BASIS=from-change-date)."""


@dataclass(frozen=True)
class StockSplit:
    """A subdivision of the outstanding Common Stock (§5(e)), effective at the close of business
    on ``date``: each share becomes ``new_shares_per_old_share`` shares (> 1)."""

    date: dt.date
    new_shares_per_old_share: Fraction


@dataclass(frozen=True)
class Combination:
    """A combination of the outstanding Common Stock (§5(e)), effective at the close of business
    on ``date``: ``old_shares_per_new_share`` shares (> 1) become one."""

    date: dt.date
    old_shares_per_new_share: Fraction


@dataclass(frozen=True)
class StockDividendOnCommon:
    """A dividend or distribution on Common Stock payable in ``shares`` shares of Common Stock
    in total (§5(f))."""

    date: dt.date
    shares: Fraction
    preferred_as_converted: Fraction | None = None
    """As :attr:`CommonStockIssuance.preferred_as_converted` (AD-OUTSTANDING=fully-diluted only)."""


@dataclass(frozen=True)
class OtherDistribution:
    """A dividend or distribution payable in securities of the Company other than Common Stock
    (§5(g)): ``amount_per_common_share`` of ``securities`` for each share of Common Stock."""

    date: dt.date
    securities: str
    amount_per_common_share: Fraction


@dataclass(frozen=True)
class Reclassification:
    """The Common Stock is changed into other stock, securities or property (§5(h)).

    ``per_common_share`` lists what one share of Common Stock becomes: (description, amount).
    ``transaction``: the merger or sale the change is part of, if any; a series whose certificate
    deems it a liquidation (G §3(d)) is excepted from §5(h) ("Except as provided in Section 3").
    """

    date: dt.date
    description: str
    per_common_share: tuple[tuple[str, Fraction], ...]
    transaction: PartOfTransaction | None = None


@dataclass(frozen=True)
class PartOfTransaction:
    """The facts of the merger or sale a reclassification is part of, as recorded: what G §3(d)
    judges for a series whose terms have the deemed-liquidation clause."""

    id: str
    kind: TransactionKind
    prior_stockholders_share: Fraction
    all_or_substantially_all: bool | None = None
    """For a sale: whether of all or substantially all (None for a merger or consolidation)."""

    @implements("G §3(d)")
    def deemed_liquidation(self, terms: SeriesTerms) -> Explained:
        """G §3(d) for ``terms`` (never for a series without the clause, LIQ-F-NO-DEEMED); a sale of
        less than all or substantially all is not one of the transactions §3(d) names."""
        deemed = is_deemed_liquidation(terms, self.kind, self.prior_stockholders_share)
        if self.all_or_substantially_all is False:
            return replace(deemed, value=False, formula=deemed.formula + "; not all or substantially all")
        return deemed


@dataclass(frozen=True)
class SeriesWaiver:
    """Written notice from holders of the series agreeing that no adjustment be made for the
    issuance ``issuance_id`` (§5(d)(ii)); effective when ``votes_for`` is a majority of
    ``outstanding_voting_power`` and it is received before the issuance. ``issue_kind`` (one of
    :data:`WAIVER_KINDS`) names a kind of issue the notice also waives: computed only under
    AD-WAIVER=of-a-kind (every later issue of the kind); prefstack's reading covers the named issue
    alone and refuses a notice that names a kind without an issue."""

    date: dt.date
    series: str
    issuance_id: str | None
    votes_for: Fraction
    outstanding_voting_power: Fraction
    issue_kind: str | None = None


WAIVER_KINDS = ("common_stock", "option", "convertible_security")
"""The kinds of issue a §5(d)(ii) notice may name under AD-WAIVER=of-a-kind: an issue of Common Stock,
of Options (or Rights), of Convertible Securities (the issues a ledger records: ``common_issued``,
``option_issued`` with ``security: option`` or ``convertible_security``)."""

_KIND_OF_RIGHTS = {"Option": "option", "Convertible Security": "convertible_security"}


@dataclass(frozen=True)
class AdditionalReservedEmployeeShares:
    """Approval by a majority of the voting power of the series of ``shares`` more Reserved
    Employee Shares (§5(d)(i)(D)(i))."""

    date: dt.date
    series: str
    shares: Fraction
    votes_for: Fraction
    outstanding_voting_power: Fraction


Action = (
    CommonStockIssuance
    | OptionIssuance
    | ConvertibleSecurityIssuance
    | OptionExercise
    | OptionExpiry
    | OptionShareCountChange
    | StockSplit
    | Combination
    | StockDividendOnCommon
    | OtherDistribution
    | Reclassification
    | SeriesWaiver
    | AdditionalReservedEmployeeShares
)


# Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    """One adjustment or readjustment of the Conversion Price (what a §5(j) certificate reports)."""

    date: dt.date
    clause: str
    action: str
    price_before: Fraction
    price_after: Fraction
    carried_forward_after: Fraction
    facts: Mapping[str, Scalar]
    explained: Explained
    below_par_value: bool
    """The new price is below the par value of the Common Stock (§5(c)(ii) action needed)."""


@dataclass(frozen=True)
class Decision:
    """What an action did (or did not do) to the Conversion Price, and why."""

    date: dt.date
    action: str
    explained: Explained


@dataclass(frozen=True)
class Entitlement:
    """Other securities or property receivable on conversion of each preferred share (§5(g)-(h))."""

    date: dt.date
    clause: str
    description: str
    amount_per_preferred_share: Fraction
    explained: Explained


@dataclass(frozen=True)
class BasketUsage:
    """Shares counted against one exclusion basket, and its cap in current shares (None: no cap)."""

    purpose: str
    """The exclusion's id in the series' terms."""
    used: Fraction
    cap: Fraction | None


class Records(Sequence[T]):
    """The first ``count`` records of a fold's list, which only ever grows at its end: a read-only
    view, made in constant time. A ledger asks for the §5 state after every conversion; copying
    every decision so far into a tuple each time made replay quadratic in the §5 activity."""

    __slots__ = ("_count", "_items")

    def __init__(self, items: list[T], count: int | None = None) -> None:
        self._items = items
        self._count = len(items) if count is None else count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self._items[: self._count][index])
        position = index + self._count if index < 0 else index
        if not 0 <= position < self._count:
            raise IndexError("record index out of range")
        return self._items[position]

    def __iter__(self) -> Iterator[T]:
        return itertools.islice(self._items, self._count)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Records, tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


@dataclass(frozen=True)
class ConversionPriceState:
    """The result of :func:`conversion_price_history`."""

    series: str
    conversion_price: Fraction
    carried_forward: Fraction
    """Reductions under $.03 not yet made (§5(d)(iv))."""
    common_outstanding: Fraction
    adjustments: Sequence[Adjustment]
    decisions: Sequence[Decision]
    basket_usage: Mapping[str, BasketUsage]
    """By exclusion id: every exclusion counted so far and every exclusion with a cap."""
    entitlements: Sequence[Entitlement]
    below_par_value: bool

    def conversion_price_explained(self) -> Explained:
        clause = self.adjustments[-1].clause if self.adjustments else for_series(self.series, "§5(a)")
        return Explained(
            name="conversion_price",
            value=self.conversion_price,
            clause=clause,
            inputs={"carried_forward": self.carried_forward},
            parts=tuple(a.explained for a in self.adjustments),
        )


# The fold --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Basis:
    """The terms on which an Option or Convertible Security counts as issued."""

    max_shares: Fraction
    received: Fraction
    min_additional: Fraction


@dataclass(frozen=True)
class _Option:
    basis: _Basis
    purpose: Purpose
    exercised: Fraction
    kind: str
    before_issuance: bool = False
    """Issued on or before the series' Original Issuance Date: never deemed issued (§5(d)(iii))."""
    untested: Fraction = Fraction(0)
    """Shares excluded at the issue whose 95% condition is tested on exercise instead
    (AD-95-PERCENT-CONDITION=exercise-date); exercised first."""
    counted_on_exercise: bool = False
    """An employee option counted against its basket only as exercised (AD-RESERVED-EMPLOYEE=at-exercise)."""
    additional_share: Fraction = Fraction(1)
    """The share of its maximum shares that were Additional Shares of Common Stock at its issue (not
    taken by an exclusion basket): the part a change re-judges under AD-COUNT-CHANGE-BASIS=from-change-date."""
    changed_from_date: bool = False
    """Its share count changed under AD-COUNT-CHANGE-BASIS=from-change-date (an expiry then is refused)."""


@dataclass
class _Work:
    terms: SeriesTerms
    original_issuance_date: dt.date
    price: Fraction
    carry: Fraction
    outstanding: Fraction
    scale: Fraction
    additions: Fraction
    usage: dict[str, Fraction]
    """Shares counted against each exclusion, by id."""
    options: dict[str, _Option] = field(default_factory=dict)
    issued_at: dict[str, int] = field(default_factory=dict)
    """The position (in the actions) of the issue of each id. Shared, not copied, by the replays
    of a readjustment: they meet the same actions at the same positions, and an id whose issue
    is at or after the current position is not issued yet (:meth:`issued`). Copying a set of
    every id at each checkpoint made a ledger with many Options quadratic."""
    position: int = 0
    """The position of the action being applied."""
    preferred_as_converted: Fraction | None = None
    """The action being applied's Common Stock issuable on conversion of all the preferred, when it
    gives it (AD-OUTSTANDING=fully-diluted)."""
    applying: tuple[Sequence[Action], Fraction] | None = None
    """The actions and initial outstanding count of the action being applied (for a readjustment
    that replays the earlier actions from within a clause: AD-BASKET-EXCESS=every-issue)."""
    distribution_prices: dict[int, Fraction] = field(default_factory=dict)
    """Under AD-OTHER-DISTRIBUTION=recompute: the Conversion Price in effect at each §5(g)
    distribution, by action index (a replay's tell what a readjustment makes of them)."""
    distributions: dict[int, int] = field(default_factory=dict)
    """Under AD-OTHER-DISTRIBUTION=recompute: the position in :attr:`entitlements` of each §5(g)
    entitlement, by action index."""
    lost_baskets: set[str] = field(default_factory=set)
    """The exclusions whose cap was crossed under AD-BASKET-EXCESS=every-issue: none of their
    issues, earlier ones included, is excluded; every replay knows them from its start."""
    waivers: dict[str, SeriesWaiver] = field(default_factory=dict)
    late_waivers: dict[str, SeriesWaiver] = field(default_factory=dict)
    """Waivers received after the issue they name, effective under AD-WAIVER=late-counts: every
    replay of the actions before them knows them from its start."""
    kind_waivers: dict[str, SeriesWaiver] = field(default_factory=dict)
    """Under AD-WAIVER=of-a-kind: the effective notices waiving every later issue of a kind, by kind."""
    bases: dict[str, _Basis] = field(default_factory=dict)
    adjustments: list[Adjustment] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    entitlements: list[Entitlement] = field(default_factory=list)
    checkpoints: dict[int, _Checkpoint] = field(default_factory=dict)
    """Of a fold's readjustments (§5(d)(iii)(B)-(C)): the replay's state just before each Option's
    issue, by action index (see :func:`_replay_before`)."""
    checkpoint_indices: list[int] = field(default_factory=list)
    """The keys of :attr:`checkpoints`, in order."""
    basis_changes: list[str] = field(default_factory=list)
    """The Options whose basis a readjustment changed, in the order of the changes."""

    def cite(self, section: str) -> str:
        return for_series(self.terms.series, section)

    def issued(self, ident: str) -> bool:
        """Whether an action before the current one issued ``ident``."""
        return self.issued_at.get(ident, self.position) < self.position

    def issue(self, ident: str, clause: str) -> None:
        """Record the current action's issue of ``ident``; an id issued before is refused."""
        if self.issued(ident):
            raise InputError("id", clause, f"issuance id {ident!r} is used twice")
        self.issued_at[ident] = self.position

    def cap(self, exclusion: Exclusion) -> Fraction | None:
        """The cap of ``exclusion`` in current shares: scaled by the splits, combinations and stock
        dividends since the start where the terms adjust it, plus the approved additions for the
        Reserved Employee Shares (role ``reserved_employee_shares``)."""
        base = exclusion.cap
        if base is None:
            return None
        cap = base * self.scale if cap_adjusted(exclusion) else base
        if exclusion.role == "reserved_employee_shares":
            cap += self.additions
        return cap

    def exclusion(self, purpose: Purpose) -> Exclusion | None:
        return exclusion_for(self.terms, purpose)

    def decide(self, date: dt.date, action: str, explained: Explained) -> None:
        self.decisions.append(Decision(date, action, explained))


@dataclass(frozen=True)
class _Checkpoint:
    work: _Work
    changes_seen: int
    """How many basis changes the replay that left it had seen (:attr:`_Work.basis_changes`)."""


RESUME_READJUSTMENTS = True
"""Resume a readjustment's replay from the last checkpoint it leaves valid (False: replay every
earlier action, the reference a test proves the resumed replay equal to)."""


def _copy_of(work: _Work, bases: dict[str, _Basis]) -> _Work:
    """A replay's state to continue from: the figures and the known Options and issues copied;
    the records of adjustments and decisions left empty (a replay's are never read)."""
    return _Work(
        terms=work.terms,
        original_issuance_date=work.original_issuance_date,
        price=work.price,
        carry=work.carry,
        outstanding=work.outstanding,
        scale=work.scale,
        additions=work.additions,
        usage=dict(work.usage),
        options=dict(work.options),  # the records are frozen: a shallow copy is a copy
        issued_at=work.issued_at,
        position=work.position,
        waivers=dict(work.waivers),
        late_waivers=dict(work.late_waivers),
        kind_waivers=dict(work.kind_waivers),
        bases=bases,
        lost_baskets=set(work.lost_baskets),
    )


def _replay_before(
    work: _Work, actions: Sequence[Action], stop: int, initial_outstanding: Fraction, bases: dict[str, _Basis]
) -> _Work:
    """``actions[:stop]`` replayed with every Option on ``bases`` (what a readjustment needs). The
    fold before an Option's issue does not depend on that Option's basis, so the replay resumes
    from the latest checkpoint whose earlier Options kept their bases since it was taken, and
    re-runs only the actions after it; it leaves a checkpoint before each Option issued on the way.
    Equal to replaying from the start (property tests compare the two)."""
    start, replay = 0, None
    # a waiver received late (AD-WAIVER=late-counts) changes the past: replay from the start
    # so does a basket lost under AD-BASKET-EXCESS=every-issue
    if RESUME_READJUSTMENTS and not work.late_waivers and not work.lost_baskets:
        position = bisect.bisect_right(work.checkpoint_indices, stop)
        for index in reversed(work.checkpoint_indices[:position]):
            checkpoint = work.checkpoints[index]
            changed_since = work.basis_changes[checkpoint.changes_seen :]
            if all(option not in checkpoint.work.options for option in changed_since):
                start, replay = index, _copy_of(checkpoint.work, bases)
                break
    if replay is None:
        replay = _run(work.terms, work.original_issuance_date, initial_outstanding, [], bases, replaying=True)
        replay.waivers.update(work.late_waivers)
        replay.late_waivers.update(work.late_waivers)
        replay.lost_baskets.update(work.lost_baskets)
    for index in range(start, stop):
        if RESUME_READJUSTMENTS and isinstance(actions[index], (OptionIssuance, ConvertibleSecurityIssuance)):
            if index not in work.checkpoints:
                bisect.insort(work.checkpoint_indices, index)
            work.checkpoints[index] = _Checkpoint(_copy_of(replay, dict(bases)), len(work.basis_changes))
        _apply(replay, actions, index, initial_outstanding, True)
    _section_5_g_recompute(work, replay)
    return replay


def _fraction(value: object, field_name: str, clause: str, *, positive: bool = False) -> Fraction:
    if not isinstance(value, Fraction):
        raise InputError(field_name, clause, f"must be an exact Fraction, not {value!r}")
    if value < 0 or (positive and value == 0):
        raise InputError(field_name, clause, f"must be {'positive' if positive else 'non-negative'}, not {value}")
    return value


def _fmv(value: Fraction | None, field_name: str, clause: str) -> Fraction:
    if value is None:
        raise InputError(
            field_name, clause, "the Fair Market Value per share of Common Stock on the date of the issue is needed"
        )
    return _fraction(value, field_name, clause, positive=True)


def _majority(votes_for: Fraction, outstanding: Fraction, clause: str) -> bool:
    _fraction(outstanding, "outstanding_voting_power", clause, positive=True)
    _fraction(votes_for, "votes_for", clause)
    if votes_for > outstanding:
        raise InputError("votes_for", clause, f"{votes_for} exceeds the outstanding voting power {outstanding}")
    return votes_for * 2 > outstanding


def _issue(
    work: _Work,
    *,
    action_id: str,
    date: dt.date,
    shares: Fraction,
    consideration: Fraction,
    purpose: Purpose,
    fmv: Fraction | None,
    deemed: bool,
    exercise_price: Fraction | None,
) -> Fraction:
    """Judge ``shares`` issued (or deemed issued) for ``consideration`` under §5(d)(i)-(iv); returns
    how many of them are Additional Shares of Common Stock (not taken by an exclusion)."""
    label = f"{'deemed issue' if deemed else 'issue'} {action_id}"
    exclusion = work.exclusion(purpose)
    _section_5_d_i_c_purpose_allowed(work, exclusion, deemed)
    per_share = consideration / shares
    # the facts name the purpose in capitals, as they always have ("NONE", "BUSINESS_RELATIONSHIP")
    named = NO_EXCLUSION if exclusion is None else exclusion.id
    facts: dict[str, Scalar] = {"shares": shares, "consideration": consideration, "purpose": named.upper()}
    interps: list[str] = []
    excluded = _section_5_d_i_c_excluded(work, shares, per_share, exclusion, fmv, exercise_price, facts, interps)
    additional = shares - excluded
    facts["excluded_shares"] = excluded
    facts["additional_shares"] = additional
    if additional == 0:
        work.decide(
            date,
            label,
            Explained(
                "additional_shares_of_common_stock",
                Fraction(0),
                exclusion.cite if exclusion is not None else work.cite("§5(d)(i)(C)"),
                inputs=facts,
                formula="every share falls within the exclusion: no adjustment",
                interpretations=tuple(interps),
            ),
        )
        return additional
    add_consideration = per_share * additional
    threshold = _section_5_d_ii_greater_of(work, action_id, date, label, per_share, fmv, deemed, facts, interps)
    if threshold is not None:
        _section_5_d_iv_formula(work, date, label, additional, add_consideration, threshold, facts, interps)
    return additional


@implements("F §5(d)(i)(C)(4)", "G §5(d)(i)(C)(4)", "F §5(d)(i)(C)(5)", "G §5(d)(i)(C)(5)")
def _section_5_d_i_c_purpose_allowed(work: _Work, exclusion: Exclusion | None, deemed: bool) -> None:
    """Refuse an issue recorded under (C)(4) (a distribution on Common Stock is a §5(e)-(f) action)
    and an Option or Convertible Security said to be issued upon exercise of Options ((C)(5)): the
    exclusions of roles ``distribution_on_common`` and ``exercise_of_options``."""
    if exclusion is None:
        return
    basket_clause = exclusion.cite
    if exclusion.role == "distribution_on_common":
        raise InputError(
            "purpose",
            basket_clause,
            "record a dividend, split or distribution on Common Stock as StockSplit, "
            "Combination or StockDividendOnCommon (§5(e)-(f))",
        )
    if exclusion.role == "exercise_of_options" and deemed:
        raise InputError(
            "purpose", basket_clause, "an Option or Convertible Security is not issued upon exercise of Options"
        )


@implements("F §5(d)(i)", "G §5(d)(i)", "F §5(d)(i)(C)", "G §5(d)(i)(C)", "F §5(d)(i)(D)", "G §5(d)(i)(D)")
def _section_5_d_i_c_excluded(
    work: _Work,
    shares: Fraction,
    per_share: Fraction,
    exclusion: Exclusion | None,
    fmv: Fraction | None,
    exercise_price: Fraction | None,
    facts: dict[str, Scalar],
    interps: list[str],
) -> Fraction:
    """How many of ``shares`` are excluded from Additional Shares of Common Stock by ``exclusion``
    (§5(d)(i)(C)-(D); None: no exclusion applies): its Fair Market Value condition, then the room
    left in its basket; the rest are Additional."""
    if exclusion is None:
        return Fraction(0)
    if exclusion.role in _EMPLOYEE_ROLES and exercise_price is not None and _counted_on_exercise(facts, interps):
        return shares
    if exclusion.fair_market_value_condition is not None and not _section_5_d_i_c_ninety_five_percent(
        work, per_share, exclusion, fmv, exercise_price, facts, interps
    ):
        return Fraction(0)
    return _section_5_d_i_basket(work, shares, exclusion, facts, interps)


@implements(
    "F §5(d)(i)(C)(8)",
    "G §5(d)(i)(C)(8)",
    "F §5(d)(i)(C)(9)",
    "G §5(d)(i)(C)(9)",
    "F §5(d)(i)(C)(11)",
    "G §5(d)(i)(C)(11)",
)
def _section_5_d_i_c_ninety_five_percent(
    work: _Work,
    per_share: Fraction,
    exclusion: Exclusion,
    fmv: Fraction | None,
    exercise_price: Fraction | None,
    facts: dict[str, Scalar],
    interps: list[str],
) -> bool:
    """Whether the shares are issued for at least 95% of the Fair Market Value per share (the
    terms' ``fair_market_value_threshold``); where the exclusion's condition is
    ``exercise_or_conversion_price`` (high-yield debt, (C)(9)), the exercise or conversion price of
    Options and Convertible Securities is tested instead."""
    # AD-95-PERCENT-CONDITION=exercise-price: the exercise price of Options is tested under every
    # exclusion with the condition, not only where the terms name it; exercise-date: an Option's
    # shares are tested on each exercise, with the Fair Market Value of that day
    # (_section_5_d_iii_a_exercise_tested), and pass at the issue
    match chosen("AD-95-PERCENT-CONDITION"):
        case "default":
            of_rights = exclusion.fair_market_value_condition == "exercise_or_conversion_price"
        case "exercise-price":
            of_rights = True
        case "exercise-date":
            if exercise_price is not None:
                facts["ninety_five_percent_tested_on_exercise"] = True
                interps.append(reading("AD-95-PERCENT-CONDITION"))
                return True
            of_rights = exclusion.fair_market_value_condition == "exercise_or_conversion_price"
        case other:
            raise AssertionError(f"AD-95-PERCENT-CONDITION alternative {other!r} is registered but not computed")
    value = _fmv(fmv, "fair_market_value_per_share", exclusion.cite)
    tested = exercise_price if of_rights and exercise_price is not None else per_share
    condition_met = tested >= work.terms.conversion.fair_market_value_threshold.value * value
    facts["ninety_five_percent_test_price"] = tested
    facts["ninety_five_percent_condition_met"] = condition_met
    interps.append(reading("AD-95-PERCENT-CONDITION"))
    return condition_met


@implements(
    "F §5(d)(i)(C)(8)",
    "G §5(d)(i)(C)(8)",
    "F §5(d)(i)(C)(9)",
    "G §5(d)(i)(C)(9)",
    "F §5(d)(i)(C)(10)",
    "G §5(d)(i)(C)(10)",
    "F §5(d)(i)(C)(12)",
    "G §5(d)(i)(C)(12)",
    "F §5(d)(i)(D)(i)",
    "G §5(d)(i)(D)(i)",
    "F §5(d)(i)(D)(ii)",
    "G §5(d)(i)(D)(ii)",
)
def _section_5_d_i_basket(
    work: _Work, shares: Fraction, exclusion: Exclusion, facts: dict[str, Scalar], interps: list[str]
) -> Fraction:
    """The shares an exclusion basket takes: all of them without a cap, else up to the room left
    under its cap (AD-BASKET-EXCESS); they are counted against the basket."""
    cap = work.cap(exclusion)
    used = work.usage.get(exclusion.id, Fraction(0))
    pooled = [e for e in work.terms.conversion.exclusions if e.role in _EMPLOYEE_ROLES]
    if exclusion.role in _EMPLOYEE_ROLES and pick(
        "AD-RESERVED-EMPLOYEE", {"default": False, "pooled": True, "at-exercise": False}
    ):
        # AD-RESERVED-EMPLOYEE=pooled: the employee baskets are one, their caps and counts added
        caps = [work.cap(e) for e in pooled]
        cap = None if any(c is None for c in caps) else sum((c for c in caps if c is not None), Fraction(0))
        used = sum((work.usage.get(e.id, Fraction(0)) for e in pooled), Fraction(0))
        facts["pooled_baskets"] = ", ".join(e.id for e in pooled)
    if cap is None:
        excluded = shares
    else:
        room = max(cap - used, Fraction(0))
        # AD-BASKET-EXCESS: the shares within the room are excluded; or (whole-issue) an issue that
        # does not fit in the room loses the exclusion altogether; or (every-issue) once an issue
        # crosses the cap, every issue of the basket, earlier ones included, loses it
        match chosen("AD-BASKET-EXCESS"):
            case "default":
                excluded = min(shares, room)
            case "whole-issue":
                excluded = shares if shares <= room else Fraction(0)
            case "every-issue":
                if exclusion.id in work.lost_baskets:
                    excluded = Fraction(0)
                elif shares <= room:
                    excluded = shares
                else:
                    excluded = Fraction(0)
                    _section_5_d_i_basket_lost(work, exclusion)
                facts["basket_lost"] = exclusion.id in work.lost_baskets
            case other:
                raise AssertionError(f"AD-BASKET-EXCESS alternative {other!r} is registered but not computed")
        facts["basket_cap"] = cap
        facts["basket_room_before"] = room
        interps.append(reading("AD-BASKET-EXCESS"))
        if cap_adjusted(exclusion):
            interps.append(reading("AD-CAP-ADJUSTMENT"))
        if exclusion.role in ("reserved_employee_shares", "existing_options"):
            interps.append(reading("AD-RESERVED-EMPLOYEE"))
    work.usage[exclusion.id] = work.usage.get(exclusion.id, Fraction(0)) + excluded
    return excluded


@implements(
    "F §5(d)(i)(C)(8)",
    "G §5(d)(i)(C)(8)",
    "F §5(d)(i)(C)(9)",
    "G §5(d)(i)(C)(9)",
    "F §5(d)(i)(C)(10)",
    "G §5(d)(i)(C)(10)",
    "F §5(d)(i)(C)(12)",
    "G §5(d)(i)(C)(12)",
    "F §5(d)(i)(D)",
    "G §5(d)(i)(D)",
)
def _section_5_d_i_basket_lost(work: _Work, exclusion: Exclusion) -> None:
    """AD-BASKET-EXCESS=every-issue: an issue crosses the cap of ``exclusion``, so every earlier
    issue counted against it becomes Additional Shares too: the Conversion Price, the amount carried
    forward and the basket counts are those of a replay of every earlier action with the basket
    lost from the start, recorded as a readjustment (the crossing issue then adjusts as usual)."""
    work.lost_baskets.add(exclusion.id)
    assert work.applying is not None
    actions, initial = work.applying
    index = work.position
    replay = _replay_before(work, actions, index, initial, dict(work.bases))
    work.position = index  # the replay moved it; the crossing issue is still being applied
    before = work.price
    work.price, work.carry, work.usage = replay.price, replay.carry, dict(replay.usage)
    facts: dict[str, Scalar] = {
        "basket": exclusion.id,
        "conversion_price_before": before,
        "conversion_price_recomputed": replay.price,
    }
    explained = Explained(
        "conversion_price",
        work.price,
        exclusion.cite,
        inputs=facts,
        formula="the Conversion Price recomputed by replaying every earlier action with the basket's issues "
        "as Additional Shares",
        interpretations=(reading("AD-BASKET-EXCESS"),),
    )
    if work.price != before:
        _record(work, actions[index].date, exclusion.cite, f"basket {exclusion.id} exceeded", before, facts, explained)


@implements("F §5(d)(i)(D)", "G §5(d)(i)(D)")
def _counted_on_exercise(facts: dict[str, Scalar], interps: list[str]) -> bool:
    """Whether employee options are counted against their basket only when exercised
    (AD-RESERVED-EMPLOYEE=at-exercise): then their grant is no Option and counts nothing; each
    exercise counts its shares (:func:`_section_5_d_iii_a_exercise_counted`)."""
    on_exercise = pick("AD-RESERVED-EMPLOYEE", {"default": False, "pooled": False, "at-exercise": True})
    if on_exercise:
        facts["counted_against_the_basket_on_exercise"] = True
        interps.append(reading("AD-RESERVED-EMPLOYEE"))
    return on_exercise


_EMPLOYEE_ROLES: tuple[ExclusionRole, ...] = ("reserved_employee_shares", "existing_options")
"""The roles of the exclusions for employees' shares (F/G §5(d)(i)(D)(i) and (ii))."""


@implements("F §5(d)(ii)", "G §5(d)(ii)")
def _section_5_d_ii_greater_of(
    work: _Work,
    action_id: str,
    date: dt.date,
    label: str,
    per_share: Fraction,
    fmv: Fraction | None,
    deemed: bool,
    facts: dict[str, Scalar],
    interps: list[str],
) -> Fraction | None:
    """What divides the consideration in the numerator of the formula (the greater of 95% of the Fair
    Market Value and the Conversion Price), or None (the decision recorded) when the consideration
    per share is not below that greater figure or the series waived the adjustment."""
    value = _fmv(fmv, "fair_market_value_per_share", work.cite("§5(d)(iii)" if deemed else "§5(d)(iv)"))
    facts["consideration_per_share"] = per_share
    threshold, divisor, equal_adjusts = _greater_of_figures(work, value, facts, interps)
    if per_share > threshold or (per_share == threshold and not equal_adjusts):
        formula = "consideration_per_share >= greater_of: no adjustment" + (
            " (and the shares are not deemed issued)" if deemed else ""
        )
        explained = Explained(
            "conversion_price",
            work.price,
            work.cite("§5(d)(ii)"),
            inputs=facts,
            formula=formula,
            interpretations=tuple(interps),
        )
        work.decide(date, label, explained)
        return None
    waiver = _waiver_for(work, action_id, facts)
    if waiver is None:
        return divisor
    work.decide(
        date,
        label,
        Explained(
            "conversion_price",
            work.price,
            work.cite("§5(d)(ii)"),
            inputs=facts,
            formula="a majority of the series agreed in writing before the issue that no adjustment be made"
            + ("" if waiver.issuance_id == action_id else " for issues of its kind"),
            interpretations=(*interps, reading("AD-WAIVER")),
        ),
    )
    return None


@implements("F §5(d)(ii)", "G §5(d)(ii)")
def _greater_of_figures(
    work: _Work, value: Fraction, facts: dict[str, Scalar], interps: list[str]
) -> tuple[Fraction, Fraction, bool]:
    """The greater of 95% of the Fair Market Value ``value`` and the Conversion Price (the test), what
    divides the consideration in the numerator of the formula, and whether a consideration equal to the
    greater figure adjusts (AD-GREATER-OF); the figures are added to ``facts``."""
    ninety_five = work.terms.conversion.fair_market_value_threshold.value * value
    # AD-GREATER-OF: the price compared is the one in effect, or (reduced-by-carry) that price less
    # the reductions carried forward; the numerator divides by the same greater figure, or
    # (full-fmv-numerator) by the greater of the whole Fair Market Value and the price; the
    # adjustment is made below the greater figure, or (adjust-when-equal) at it too.
    reduced = work.price - work.carry
    compared = pick(
        "AD-GREATER-OF",
        {
            "default": work.price,
            "reduced-by-carry": reduced,
            "full-fmv-numerator": work.price,
            "adjust-when-equal": work.price,
        },
    )
    threshold = max(ninety_five, compared)
    divisor = pick(
        "AD-GREATER-OF",
        {
            "default": threshold,
            "reduced-by-carry": threshold,
            "full-fmv-numerator": max(value, work.price),
            "adjust-when-equal": threshold,
        },
    )
    equal_adjusts = pick(
        "AD-GREATER-OF",
        {"default": False, "reduced-by-carry": False, "full-fmv-numerator": False, "adjust-when-equal": True},
    )
    facts.update(
        {
            "fair_market_value_per_share": value,
            "ninety_five_percent_of_fair_market_value": ninety_five,
            "conversion_price_before": work.price,
            "greater_of": threshold,
        }
    )
    if divisor != threshold:
        facts["numerator_divisor"] = divisor
    interps.append(reading("AD-GREATER-OF"))
    return threshold, divisor, equal_adjusts


@implements("F §5(d)(ii)", "G §5(d)(ii)")
def _waiver_for(work: _Work, action_id: str, facts: dict[str, Scalar]) -> SeriesWaiver | None:
    """The effective notice of the series, received before, that waives the adjustment for the issue
    ``action_id`` (of Common Stock, or of the Option or Convertible Security of that id): one naming
    it, or (AD-WAIVER=of-a-kind) one naming its kind; its date and votes are added to ``facts``."""
    waiver = work.waivers.get(action_id)
    if waiver is None and work.kind_waivers:
        record = work.options.get(action_id)
        kind = "common_stock" if record is None else _KIND_OF_RIGHTS[record.kind]
        waiver = work.kind_waivers.get(kind)
        if waiver is not None:
            facts["waiver_issue_kind"] = kind
    if waiver is not None:
        facts["waiver_date"] = waiver.date
        facts["waiver_votes_for"] = waiver.votes_for
    return waiver


@implements("F §5(d)(iv)", "G §5(d)(iv)")
def _section_5_d_iv_formula(
    work: _Work,
    date: dt.date,
    label: str,
    additional: Fraction,
    add_consideration: Fraction,
    threshold: Fraction,
    facts: dict[str, Scalar],
    interps: list[str],
) -> None:
    """The reduction the terms' ``adjustment_formula`` gives, to the places of
    ``adjustment_rounding_places`` (half up, AD-ROUND-CENT), made once it (with the reductions
    carried forward) reaches ``minimum_reduction``; a smaller one is carried forward. The weighted
    average of F/G §5(d)(iv); or a full ratchet: the price per share of the issue, where lower."""
    outstanding = _outstanding_counted(work, facts)
    conversion = work.terms.conversion
    base = _formula_base(work, facts)
    if conversion.adjustment_formula.value == "full_ratchet":
        exact_new = min(base, add_consideration / additional)
        average = "the lower of conversion_price and additional_consideration / additional_shares (full ratchet)"
    else:
        exact_new = base * (outstanding + add_consideration / threshold) / (outstanding + additional)
        average = (
            "conversion_price x (common_outstanding_before + additional_consideration / greater_of) / "
            "(common_outstanding_before + additional_shares)"
        )
    facts.update({"common_outstanding_before": outstanding, "additional_consideration": add_consideration})
    if conversion.adjustment_formula.value == "weighted_average":
        interps.append(reading("AD-OUTSTANDING"))
    _section_5_d_iv_reduce(work, date, label, base, exact_new, average, facts, interps)


def _formula_base(work: _Work, facts: dict[str, Scalar]) -> Fraction:
    """The price the formula of §5(d)(iv) reduces: the price in effect, or (AD-CARRY-FORWARD=
    from-reduced-price) that price less the reductions carried forward, as if they had been made."""
    carry_rule = chosen("AD-CARRY-FORWARD")
    base = work.price - work.carry if carry_rule == "from-reduced-price" else work.price
    if base != work.price:
        facts["conversion_price_less_carried"] = base
    return base


@implements("F §5(d)(iv)", "G §5(d)(iv)")
def _section_5_d_iv_reduce(
    work: _Work,
    date: dt.date,
    label: str,
    base: Fraction,
    exact_new: Fraction,
    average: str,
    facts: dict[str, Scalar],
    interps: list[str],
) -> None:
    """``exact_new`` (what the formula ``average`` gives from ``base``) to the places of
    ``adjustment_rounding_places`` (half up, AD-ROUND-CENT); the reduction made once it (with the
    reductions carried forward) reaches ``minimum_reduction``, else carried forward."""
    conversion = work.terms.conversion
    clause_iv = conversion.adjustment_formula.cite
    carry_rule = chosen("AD-CARRY-FORWARD")
    places = conversion.adjustment_rounding_places.value
    mode = pick(
        "AD-ROUND-CENT",
        {"default": Rounding.HALF_UP, "half-even": Rounding.HALF_EVEN, "round-reduction": Rounding.HALF_UP},
    )
    if chosen("AD-ROUND-CENT") == "round-reduction":  # the reduction rounded, the price less it
        reduction = Fraction(round_to(base - exact_new, places, mode, clause_iv).value)
        rounded = base - reduction
    else:
        rounded = Fraction(round_to(exact_new, places, mode, clause_iv).value)
        reduction = base - rounded
    # AD-CARRY-FORWARD=drop-small: a reduction under the minimum is dropped, never carried
    carry_before = work.carry if carry_rule != "drop-small" else Fraction(0)
    total = reduction + carry_before
    minimum = work.terms.conversion.minimum_reduction.value
    facts.update(
        {
            "exact_new_price": exact_new,
            "new_price_to_the_cent": rounded,
            "reduction": reduction,
            "carried_forward_before": carry_before,
        }
    )
    interps += [reading("AD-ROUND-CENT"), reading("AD-CARRY-FORWARD")]
    formula = (
        f"{average}, to the nearest cent; made only when the reduction plus reductions carried forward "
        "reaches $.03"
        if conversion.adjustment_rounding_places.value == 2 and minimum == Fraction(3, 100)
        else f"{average}, to {conversion.adjustment_rounding_places.value} places; made only when the "
        f"reduction plus reductions carried forward reaches {minimum}"
    )
    if total < minimum:
        work.carry = total if carry_rule != "drop-small" else Fraction(0)
        facts["carried_forward_after"] = work.carry
        work.decide(
            date,
            label,
            Explained(
                "conversion_price", work.price, clause_iv, inputs=facts, formula=formula, interpretations=tuple(interps)
            ),
        )
        return
    before = work.price
    work.price = before - total  # from-reduced-price: base - reduction - carry = the rounded price
    work.carry = Fraction(0)
    facts["carried_forward_after"] = Fraction(0)
    explained = Explained(
        "conversion_price", work.price, clause_iv, inputs=facts, formula=formula, interpretations=tuple(interps)
    )
    _record(work, date, clause_iv, label, before, facts, explained)


def _outstanding_counted(work: _Work, facts: dict[str, Scalar]) -> Fraction:
    """The Common Stock "outstanding immediately prior to such issue" of the formula (§5(d)(iv),
    §5(f)): the shares actually outstanding, or (AD-OUTSTANDING=include-deemed) those plus the
    shares deemed issued under §5(d)(iii) for Options and Convertible Securities still unexercised
    (the unexercised shares of each on its basis in effect, as the ledger records them), or
    (``fully-diluted``) those plus the Common Stock issuable on conversion of all the preferred,
    which the action gives (:attr:`CommonStockIssuance.preferred_as_converted`)."""
    match chosen("AD-OUTSTANDING"):
        case "default":
            return work.outstanding
        case "include-deemed":
            deemed = sum(
                (
                    record.basis.max_shares - record.exercised
                    for record in work.options.values()
                    if not record.before_issuance
                ),
                Fraction(0),
            )
            facts["deemed_issued_unexercised"] = deemed
            return work.outstanding + deemed
        case "fully-diluted":
            # the Common Stock issuable on conversion of all the preferred, as the action gives it
            if work.preferred_as_converted is None:
                raise InputError(
                    "preferred_as_converted",
                    work.cite("§5(d)(iv)"),
                    "AD-OUTSTANDING=fully-diluted counts the Common Stock issuable on conversion of all the "
                    "preferred: the action must give it",
                )
            as_converted = _fraction(work.preferred_as_converted, "preferred_as_converted", work.cite("§5(d)(iv)"))
            facts["preferred_as_converted"] = as_converted
            return work.outstanding + as_converted
        case other:
            raise AssertionError(f"AD-OUTSTANDING alternative {other!r} is registered but not computed")


def _record(
    work: _Work,
    date: dt.date,
    clause: str,
    label: str,
    before: Fraction,
    facts: Mapping[str, Scalar],
    explained: Explained,
) -> None:
    par = work.terms.conversion.par_value_of_common.value
    work.adjustments.append(
        Adjustment(
            date=date,
            clause=clause,
            action=label,
            price_before=before,
            price_after=work.price,
            carried_forward_after=work.carry,
            facts=dict(facts),
            explained=explained,
            below_par_value=work.price < par,
        )
    )
    work.decide(date, label, explained)


@implements(
    "F §5(d)(iii)",
    "G §5(d)(iii)",
    "F §5(d)(v)(B)",
    "G §5(d)(v)(B)",
    "F §5(d)(v)(B)(1)",
    "G §5(d)(v)(B)(1)",
    "F §5(d)(v)(B)(2)",
    "G §5(d)(v)(B)(2)",
)
def _section_5_d_iii_deemed_issue(work: _Work, action: OptionIssuance | ConvertibleSecurityIssuance) -> None:
    """Options or Convertible Securities: their maximum shares are deemed issued for the consideration
    received plus the minimum additional consideration (§5(d)(v)(B)), on the basis in effect."""
    work.issue(action.id, work.cite("§5(d)(iii)"))
    kind = "Option" if isinstance(action, OptionIssuance) else "Convertible Security"
    clause = work.cite("§5(d)(iii)")
    basis = work.bases.get(action.id) or _Basis(
        _fraction(action.max_shares, "max_shares", clause, positive=True),
        _fraction(action.consideration_received, "consideration_received", clause),
        _fraction(action.min_additional_consideration, "min_additional_consideration", clause),
    )
    work.options[action.id] = _Option(basis, action.purpose, Fraction(0), kind)
    exclusion = work.exclusion(action.purpose)
    deferred = (
        exclusion
        if exclusion is not None
        and exclusion.fair_market_value_condition is not None
        and chosen("AD-95-PERCENT-CONDITION") == "exercise-date"
        else None
    )
    used_before = Fraction(0) if deferred is None else work.usage.get(deferred.id, Fraction(0))
    if basis.max_shares == 0:
        work.decide(
            action.date,
            f"deemed issue {action.id}",
            Explained(
                "additional_shares_of_common_stock",
                Fraction(0),
                work.cite("§5(d)(iii)(B)"),
                inputs={"max_shares": Fraction(0)},
                formula="no shares issuable on the basis in effect (expired in full or reduced to none): never issued",
                interpretations=(reading("AD-EXPIRY-BASIS"),),
            ),
        )
        return
    additional = _issue(
        work,
        action_id=action.id,
        date=action.date,
        shares=basis.max_shares,
        consideration=basis.received + basis.min_additional,
        purpose=action.purpose,
        fmv=action.fair_market_value_per_share,
        deemed=True,
        exercise_price=basis.min_additional / basis.max_shares,
    )
    if additional != basis.max_shares:
        work.options[action.id] = replace(work.options[action.id], additional_share=additional / basis.max_shares)
    if deferred is not None:  # the shares the basket took wait for their test until exercised
        untested = work.usage.get(deferred.id, Fraction(0)) - used_before
        work.options[action.id] = replace(work.options[action.id], untested=untested)
    if exclusion is not None and exclusion.role in _EMPLOYEE_ROLES and _counted_on_exercise({}, []):
        work.options[action.id] = replace(work.options[action.id], counted_on_exercise=True)


@implements("F §5(d)(iii)(B)", "G §5(d)(iii)(B)")
def _section_5_d_iii_b_expired_basis(
    work: _Work, record: _Option, action: OptionExpiry, clause: str
) -> tuple[_Basis, dict[str, Scalar], str]:
    """The basis of an Option after ``action``: as if issued only for the shares not expired, its
    consideration in proportion (AD-EXPIRY-BASIS)."""
    basis = record.basis
    unexercised = basis.max_shares - record.exercised
    if unexercised == 0:
        raise InputError("shares", clause, f"no unexercised shares of {action.id!r} are left to expire")
    expired = unexercised if action.shares is None else _fraction(action.shares, "shares", clause, positive=True)
    if expired > unexercised:
        raise InputError("shares", clause, f"{expired} shares expire but only {unexercised} are unexercised")
    kept = basis.max_shares - expired
    ratio = kept / basis.max_shares
    # AD-EXPIRY-BASIS: the consideration received in proportion to the shares kept; or
    # (keep-consideration) all of it
    received = pick(
        "AD-EXPIRY-BASIS",
        {"default": basis.received * ratio, "keep-consideration": basis.received, "add-back": basis.received * ratio},
    )
    new_basis = _Basis(kept, received, basis.min_additional * ratio)
    facts: dict[str, Scalar] = {"option": action.id, "shares_expired": expired, "max_shares_after": kept}
    return new_basis, facts, reading("AD-EXPIRY-BASIS")


@implements("F §5(d)(iii)(C)", "G §5(d)(iii)(C)")
def _section_5_d_iii_c_changed_basis(
    record: _Option, action: OptionShareCountChange, clause: str
) -> tuple[_Basis, dict[str, Scalar], str]:
    """The basis of an Option after a change in the shares issuable or the additional consideration:
    the shares exercised plus the new count, for the new consideration (AD-COUNT-CHANGE-BASIS)."""
    basis = record.basis
    new_unexercised = _fraction(action.new_max_shares, "new_max_shares", clause)
    new_min = _fraction(action.new_min_additional_consideration, "new_min_additional_consideration", clause)
    exercised_share = record.exercised / basis.max_shares if basis.max_shares else Fraction(0)
    new_basis = _Basis(
        record.exercised + new_unexercised, basis.received, basis.min_additional * exercised_share + new_min
    )
    facts: dict[str, Scalar] = {
        "option": action.id,
        "new_max_shares_unexercised": new_unexercised,
        "new_min_additional_consideration": new_min,
        "max_shares_after": new_basis.max_shares,
    }
    return new_basis, facts, reading("AD-COUNT-CHANGE-BASIS")


def _option_on_record(
    work: _Work, action: OptionExercise | OptionExpiry | OptionShareCountChange, clause: str
) -> _Option:
    """The Option or Convertible Security an exercise, an expiry or a change names, refused when
    none was issued before it (§5(d)(iii))."""
    record = work.options.get(action.id)
    if record is None:
        raise InputError(
            "id", clause, f"no Option or Convertible Security {action.id!r} was issued before {action.date}"
        )
    return record


def _never_deemed_issued(
    work: _Work, action: OptionExpiry | OptionShareCountChange, label: str, clause: str, verb: str
) -> None:
    """An Option issued on or before the Original Issuance Date was never deemed issued: its expiry
    or change leaves the price as it is (AD-ORIGINAL-ISSUANCE-DATE)."""
    work.decide(
        action.date,
        label,
        Explained(
            "conversion_price",
            work.price,
            clause,
            inputs={"option": action.id, "original_issuance_date": work.original_issuance_date},
            formula=f"issued on or before the Original Issuance Date, never deemed issued: nothing to {verb}",
            interpretations=(reading("AD-ORIGINAL-ISSUANCE-DATE"),),
        ),
    )


@implements("F §5(d)(iii)(B)", "G §5(d)(iii)(B)", "F §5(d)(iii)(C)", "G §5(d)(iii)(C)")
def _section_5_d_iii_readjust(
    work: _Work,
    actions: Sequence[Action],
    index: int,
    initial_outstanding: Fraction,
    action: OptionExpiry | OptionShareCountChange,
) -> None:
    """Readjust the Conversion Price on expiry or change of an Option: replay every earlier action
    with the Option on its new basis, as if it had been issued only to that extent."""
    section = "§5(d)(iii)(B)" if isinstance(action, OptionExpiry) else "§5(d)(iii)(C)"
    clause = work.cite(section)
    record = _option_on_record(work, action, clause)
    label = f"{'expiry' if isinstance(action, OptionExpiry) else 'share count change'} {action.id}"
    if record.before_issuance:
        _never_deemed_issued(work, action, label, clause, "readjust")
        return
    if record.changed_from_date:
        raise InputError(
            "id",
            clause,
            f"the share count of {action.id!r} changed under AD-COUNT-CHANGE-BASIS=from-change-date, which does "
            "not compute the expiry of an Option it changed",
        )
    if isinstance(action, OptionExpiry):
        new_basis, facts, interp = _section_5_d_iii_b_expired_basis(work, record, action, clause)
    else:
        new_basis, facts, interp = _section_5_d_iii_c_changed_basis(record, action, clause)
    work.bases[action.id] = new_basis
    work.basis_changes.append(action.id)
    before = work.price
    formula = "the Conversion Price recomputed by replaying every earlier action, the Option issued on the new basis"
    if isinstance(action, OptionExpiry) and chosen("AD-EXPIRY-BASIS") == "add-back":
        # AD-EXPIRY-BASIS=add-back: the reduction made at the Option's issue, in the proportion of
        # its shares that expire, is added back to the price in effect; nothing is replayed
        made = [a for a in work.adjustments if a.action == f"deemed issue {action.id}"]
        reduction = sum((a.price_before - a.price_after for a in made), Fraction(0))
        expired_share = (record.basis.max_shares - new_basis.max_shares) / record.basis.max_shares
        work.price = before + reduction * expired_share
        facts.update({"reduction_at_issue": reduction, "share_of_the_option_expired": expired_share})
        formula = "conversion_price + reduction_at_issue x share_of_the_option_expired (nothing replayed)"
    else:
        replay = _replay_before(work, actions, index, initial_outstanding, dict(work.bases))
        work.price = replay.price
        work.carry = replay.carry
        work.usage = dict(replay.usage)
        facts["conversion_price_recomputed"] = replay.price
    work.options[action.id] = replace(record, basis=new_basis)
    facts["conversion_price_before"] = before
    explained = Explained(
        "conversion_price",
        work.price,
        clause,
        inputs=facts,
        formula=formula,
        interpretations=(interp, reading("AD-CARRY-FORWARD")),
    )
    if work.price != before:
        _record(work, action.date, clause, label, before, facts, explained)
    else:
        work.decide(action.date, label, explained)


def _from_change_date() -> bool:
    """Whether a change in the shares issuable under an Option applies only from its date
    (AD-COUNT-CHANGE-BASIS=from-change-date) rather than replaying the actions from its issue."""
    match chosen("AD-COUNT-CHANGE-BASIS"):
        case "default":
            return False
        case "from-change-date":
            return True
        case other:
            raise AssertionError(f"AD-COUNT-CHANGE-BASIS alternative {other!r} is registered but not computed")


@implements("F §5(d)(iii)(C)", "G §5(d)(iii)(C)")
def _section_5_d_iii_c_from_change_date(work: _Work, action: OptionShareCountChange, replaying: bool) -> None:
    """AD-COUNT-CHANGE-BASIS=from-change-date: the Conversion Price in effect is kept (nothing is
    replayed) and on the change's date the unexercised part of the Option is judged again, on the
    changed basis in place of the old one, with the Common Stock outstanding O and the greater figure
    G of that date (§5(d)(ii)): the price is multiplied by F(new) / F(old), where for a part of U
    shares for a consideration C, F = (O + C / G) / (O + U) when C / U is below G and 1 otherwise;
    rounded and carried forward as any §5(d)(iv) reduction, and made only when it lowers the price.
    U, C: the unexercised shares of the basis in effect and their pro rata part of its consideration
    (received + minimum additional); U', C': ``new_max_shares`` and the received part of the same
    shares + ``new_min_additional_consideration``; each times the share of the Option that was
    Additional Shares at its issue (what a basket took stays there). A full ratchet takes C' / U'."""
    clause = work.cite("§5(d)(iii)(C)")
    record = _option_on_record(work, action, clause)
    label = f"share count change {action.id}"
    new_basis, facts, interp = _section_5_d_iii_c_changed_basis(record, action, clause)
    work.options[action.id] = replace(record, basis=new_basis, changed_from_date=True)
    interps = [interp]
    if record.before_issuance:
        if not replaying:
            _never_deemed_issued(work, action, label, clause, "adjust")
        return
    basis = record.basis
    unexercised = basis.max_shares - record.exercised
    part = unexercised / basis.max_shares
    share = record.additional_share
    old_shares = unexercised * share
    old_consideration = (basis.received + basis.min_additional) * part * share
    new_shares = action.new_max_shares * share
    new_consideration = (basis.received * part + action.new_min_additional_consideration) * share
    facts.update(
        {
            "additional_share_at_issue": share,
            "unexercised_shares_before": old_shares,
            "unexercised_consideration_before": old_consideration,
            "unexercised_shares_after": new_shares,
            "unexercised_consideration_after": new_consideration,
        }
    )

    def decide(formula: str) -> None:
        if not replaying:
            explained = Explained(
                "conversion_price", work.price, clause, inputs=facts, formula=formula, interpretations=tuple(interps)
            )
            work.decide(action.date, label, explained)

    if share == 0:
        decide("the Option's shares are within an exclusion of §5(d)(i): the change adjusts nothing")
        return
    if _waiver_for(work, action.id, facts) is not None:
        decide("a majority of the series agreed in writing that no adjustment be made for the Option")
        return
    fmv = _fmv(action.fair_market_value_per_share, "fair_market_value_per_share", clause)
    threshold, divisor, equal_adjusts = _greater_of_figures(work, fmv, facts, interps)
    outstanding = _outstanding_counted(work, facts)
    base = _formula_base(work, facts)

    def below(shares: Fraction, consideration: Fraction) -> bool:
        per_share = consideration / shares
        return per_share < threshold or (per_share == threshold and equal_adjusts)

    def factor(shares: Fraction, consideration: Fraction) -> Fraction:
        if shares == 0 or not below(shares, consideration):
            return Fraction(1)
        return (outstanding + consideration / divisor) / (outstanding + shares)

    conversion = work.terms.conversion
    if conversion.adjustment_formula.value == "full_ratchet":
        per_share = new_consideration / new_shares if new_shares else None
        exact_new = base if per_share is None or not below(new_shares, new_consideration) else min(base, per_share)
        average = "the lower of conversion_price and the changed part's consideration per share (full ratchet)"
    else:
        old_factor, new_factor = factor(old_shares, old_consideration), factor(new_shares, new_consideration)
        facts.update({"factor_before": old_factor, "factor_after": new_factor})
        exact_new = base * new_factor / old_factor
        average = (
            "conversion_price x factor_after / factor_before, where a factor is (common_outstanding_before + "
            "consideration / greater_of) / (common_outstanding_before + shares) for the unexercised part on "
            "the basis after or before the change (1 where its consideration per share is not below greater_of)"
        )
        interps.append(reading("AD-OUTSTANDING"))
    facts["common_outstanding_before"] = outstanding
    if exact_new >= base:
        decide(f"{average}: not below the price in effect, which is kept")
        return
    _section_5_d_iv_reduce(work, action.date, label, base, exact_new, average, facts, interps)


def _scale(work: _Work, factor: Fraction) -> None:
    """Rescale the baskets whose caps are adjusted for splits, combinations and stock dividends: the
    shares already counted against them too (prefstack's reading of AD-CAP-ADJUSTMENT), or not
    (``keep-counted``: counted at their number when issued)."""
    work.scale *= factor
    if chosen("AD-CAP-ADJUSTMENT") == "keep-counted":
        return
    for exclusion in work.terms.conversion.exclusions:
        if cap_adjusted(exclusion) and exclusion.id in work.usage:
            work.usage[exclusion.id] *= factor


@implements("F §5(d)(i)(C)(8)", "G §5(d)(i)(C)(8)", "F §5(d)(i)(D)", "G §5(d)(i)(D)")
def cap_adjusted(exclusion: Exclusion) -> bool:
    """Whether the cap of ``exclusion`` is adjusted for splits, combinations and stock dividends: as
    its terms say (``cap_adjusted_for_splits``), or every cap (AD-CAP-ADJUSTMENT=every-cap)."""
    return pick(
        "AD-CAP-ADJUSTMENT",
        {
            "default": exclusion.cap_adjusted_for_splits,
            "every-cap": True,
            "keep-counted": exclusion.cap_adjusted_for_splits,
        },
    )


def _price_change(
    work: _Work,
    date: dt.date,
    section: str,
    label: str,
    factor: Fraction,
    facts: dict[str, Scalar],
    formula: str,
    readings: tuple[str, ...] = (),
) -> None:
    clause = work.cite(section)
    before = work.price
    # AD-SPLIT-DIVIDEND-EXACT: exactly; or (round-cent) to the nearest cent, half up, as §5(d)(iv)
    exact_price = before * factor
    work.price = pick(
        "AD-SPLIT-DIVIDEND-EXACT",
        {
            "default": exact_price,
            "round-cent": Fraction(round_to(exact_price, 2, Rounding.HALF_UP, clause).value),
        },
    )
    # AD-CARRY-FORWARD: the carried amount is an amount of Conversion Price, scaled with it; or
    # (fixed-across-splits) kept as it was
    work.carry = pick(
        "AD-CARRY-FORWARD",
        {
            "default": work.carry * factor,
            "from-reduced-price": work.carry * factor,
            "fixed-across-splits": work.carry,
            "drop-small": work.carry * factor,
        },
    )
    facts.update({"conversion_price_before": before, "factor": factor, "carried_forward_after": work.carry})
    explained = Explained(
        "conversion_price",
        work.price,
        clause,
        inputs=facts,
        formula=formula,
        interpretations=(reading("AD-SPLIT-DIVIDEND-EXACT"), reading("AD-CARRY-FORWARD"), *readings),
    )
    _record(work, date, clause, label, before, facts, explained)


def _entitle(work: _Work, date: dt.date, section: str, description: str, per_common: Fraction, interp: str) -> None:
    clause = work.cite(section)
    exact_ratio = work.terms.original_issue_price.value / work.price
    # AD-OTHER-DISTRIBUTION=whole-shares: only the whole shares of Common Stock a share converts into
    # (recompute: the exact ratio, recomputed by a later readjustment, _section_5_g_recompute)
    ratio = pick(
        "AD-OTHER-DISTRIBUTION",
        {"default": exact_ratio, "whole-shares": Fraction(int(exact_ratio)), "recompute": exact_ratio},
    )
    amount = ratio * per_common
    explained = Explained(
        "amount_per_preferred_share",
        amount,
        clause,
        inputs={
            "property": description,
            "amount_per_common_share": per_common,
            "original_issue_price": work.terms.original_issue_price.value,
            "conversion_price": work.price,
        },
        formula="original_issue_price / conversion_price x amount_per_common_share",
        interpretations=(interp,),
    )
    work.entitlements.append(Entitlement(date, clause, description, amount, explained))
    work.decide(date, description, explained)


@implements("F §5(d)", "G §5(d)")
def _before_issuance(work: _Work, action: Action, replaying: bool) -> bool:
    """Actions dated on or before the series' Original Issuance Date (F §1(b)): §5(d)-(h) apply
    only to what the Company does "after the Original Issuance Date", so they change the Common
    Stock outstanding and nothing else — no adjustment, no basket count, no deemed issue, no
    entitlement (interpretation AD-ORIGINAL-ISSUANCE-DATE). Returns whether it handled ``action``."""
    # AD-ORIGINAL-ISSUANCE-DATE=same-day-counts: an action on the Original Issuance Date itself is
    # taken as after the first share was issued that day
    after = pick(
        "AD-ORIGINAL-ISSUANCE-DATE",
        {
            "default": action.date > work.original_issuance_date,
            "one-date": action.date > work.original_issuance_date,
            "same-day-counts": action.date >= work.original_issuance_date,
            "scale-before": action.date > work.original_issuance_date,
        },
    )
    if after or isinstance(action, (SeriesWaiver, AdditionalReservedEmployeeShares, OptionExercise)):
        return False
    clause, label = _count_before_issuance(work, action)
    if not replaying:
        date = work.original_issuance_date
        note = f"on or before the Original Issuance Date {date}: {work.cite('§5(d)')} does not apply"
        work.decide(
            action.date,
            label,
            Explained(
                "conversion_price",
                work.price,
                clause,
                inputs={
                    "original_issuance_date": work.original_issuance_date,
                    "common_outstanding_after": work.outstanding,
                },
                formula=note,
                interpretations=(reading("AD-ORIGINAL-ISSUANCE-DATE"),),
            ),
        )
    return True


def _scale_before_issuance(work: _Work, factor: Fraction) -> None:
    """AD-ORIGINAL-ISSUANCE-DATE=scale-before: a split, combination or stock dividend before the
    Original Issuance Date scales the basket caps too (prefstack's reading: only those after it)."""
    if pick(
        "AD-ORIGINAL-ISSUANCE-DATE",
        {"default": False, "one-date": False, "same-day-counts": False, "scale-before": True},
    ):
        _scale(work, factor)


def _count_before_issuance(work: _Work, action: Action) -> tuple[str, str]:
    """Count an action dated on or before the Original Issuance Date in the Common Stock outstanding
    (and an Option among those known); returns the clause and the label of its decision."""
    if isinstance(action, CommonStockIssuance):
        clause = work.cite("§5(d)(i)(C)")
        work.issue(action.id, clause)
        work.exclusion(action.purpose)  # a purpose the series' terms do not declare is refused here too
        work.outstanding += _fraction(action.shares, "shares", clause, positive=True)
        return clause, f"issue {action.id}"
    if isinstance(action, (OptionIssuance, ConvertibleSecurityIssuance)):
        clause = work.cite("§5(d)(iii)")
        work.issue(action.id, clause)
        work.exclusion(action.purpose)
        basis = work.bases.get(action.id) or _Basis(
            _fraction(action.max_shares, "max_shares", clause, positive=True),
            _fraction(action.consideration_received, "consideration_received", clause),
            _fraction(action.min_additional_consideration, "min_additional_consideration", clause),
        )
        kind = "Option" if isinstance(action, OptionIssuance) else "Convertible Security"
        work.options[action.id] = _Option(basis, action.purpose, Fraction(0), kind, before_issuance=True)
        return clause, f"issue of rights {action.id}"
    if isinstance(action, (OptionExpiry, OptionShareCountChange)):
        clause = work.cite("§5(d)(iii)(B)" if isinstance(action, OptionExpiry) else "§5(d)(iii)(C)")
        if action.id not in work.options:
            raise InputError(
                "id", clause, f"no Option or Convertible Security {action.id!r} was issued before {action.date}"
            )
        return clause, f"{'expiry' if isinstance(action, OptionExpiry) else 'share count change'} {action.id}"
    if isinstance(action, StockSplit):
        clause = work.cite("§5(e)")
        ratio = _fraction(action.new_shares_per_old_share, "new_shares_per_old_share", clause, positive=True)
        work.outstanding *= ratio
        _scale_before_issuance(work, ratio)
        return clause, "stock split"
    if isinstance(action, Combination):
        clause = work.cite("§5(e)")
        ratio = _fraction(action.old_shares_per_new_share, "old_shares_per_new_share", clause, positive=True)
        work.outstanding /= ratio
        _scale_before_issuance(work, 1 / ratio)
        return clause, "combination"
    if isinstance(action, StockDividendOnCommon):
        clause = work.cite("§5(f)")
        before = work.outstanding
        work.outstanding += _fraction(action.shares, "shares", clause, positive=True)
        if before > 0:
            _scale_before_issuance(work, work.outstanding / before)
        return clause, "stock dividend"
    if isinstance(action, OtherDistribution):
        return work.cite("§5(g)"), action.securities
    if isinstance(action, Reclassification):
        return work.cite("§5(h)"), action.description
    # the Action union is closed: waivers, approvals and exercises never reach here
    raise InputError("actions", work.cite("§5(d)"), f"not an action the clauses judge: {type(action).__name__}")


def _apply(work: _Work, actions: Sequence[Action], index: int, initial: Fraction, replaying: bool) -> None:
    """Apply ``actions[index]`` to ``work``: each kind of action goes to the clause that judges it."""
    action = actions[index]
    work.position = index
    work.preferred_as_converted = getattr(action, "preferred_as_converted", None)
    work.applying = (actions, initial)
    if _before_issuance(work, action, replaying):
        return
    if isinstance(action, CommonStockIssuance):
        _section_5_d_v_a_issue_common(work, action)
    elif isinstance(action, (OptionIssuance, ConvertibleSecurityIssuance)):
        _section_5_d_iii_deemed_issue(work, action)
    elif isinstance(action, OptionExercise):
        _section_5_d_iii_a_exercise(work, action)
    elif isinstance(action, OptionShareCountChange) and _from_change_date():
        _section_5_d_iii_c_from_change_date(work, action, replaying)
    elif isinstance(action, (OptionExpiry, OptionShareCountChange)):
        if replaying:
            if action.id not in work.bases:
                raise AssertionError(f"replay met {action.id!r} without its basis")
            record = work.options.get(action.id)
            if record is not None:
                work.options[action.id] = replace(record, basis=work.bases[action.id])
            return
        _section_5_d_iii_readjust(work, actions, index, initial, action)
    elif isinstance(action, StockSplit):
        _section_5_e_split(work, action)
    elif isinstance(action, Combination):
        _section_5_e_combination(work, action)
    elif isinstance(action, StockDividendOnCommon):
        _section_5_f_stock_dividend(work, action)
    elif isinstance(action, OtherDistribution):
        if pick("AD-OTHER-DISTRIBUTION", {"default": False, "whole-shares": False, "recompute": True}):
            work.distribution_prices[index] = work.price
        if not replaying:
            _section_5_g_other_distribution(work, action)
            if index in work.distribution_prices:
                work.distributions[index] = len(work.entitlements) - 1
    elif isinstance(action, Reclassification):
        # AD-RECLASSIFICATION=change-price changes the price, which a replay must see too
        if not replaying or pick("AD-RECLASSIFICATION", {"default": False, "change-price": True}):
            _section_5_h_reclassification(work, action)
    elif isinstance(action, SeriesWaiver):
        _section_5_d_ii_waiver(work, action, replaying, actions, index, initial)
    elif isinstance(action, AdditionalReservedEmployeeShares):
        _section_5_d_i_d_i_additional_reserved(work, action, replaying)
    else:  # pragma: no cover - the Action union is closed; anything else is a caller's error
        raise InputError("actions", work.cite("§5(d)"), f"not an action the clauses judge: {type(action).__name__}")


@implements(
    "F §5(d)(v)(A)",
    "G §5(d)(v)(A)",
    "F §5(d)(v)(A)(1)",
    "G §5(d)(v)(A)(1)",
    "F §5(d)(v)(A)(2)",
    "G §5(d)(v)(A)(2)",
    "F §5(d)(v)(A)(3)",
    "G §5(d)(v)(A)(3)",
)
def _section_5_d_v_a_issue_common(work: _Work, action: CommonStockIssuance) -> None:
    """An issue of Common Stock: its consideration is the cash less accrued interest or dividends,
    plus the property, times the portion the Board allots to the shares; then §5(d)(i)-(iv)."""
    clause = work.cite("§5(d)(v)(A)")
    work.issue(action.id, clause)
    shares = _fraction(action.shares, "shares", clause, positive=True)
    cash = _fraction(action.cash_consideration, "cash_consideration", clause)
    accrued = _fraction(action.accrued_interest_or_dividends_in_cash, "accrued_interest_or_dividends_in_cash", clause)
    prop = _fraction(action.property_consideration, "property_consideration", clause)
    if accrued > cash:
        raise InputError("accrued_interest_or_dividends_in_cash", clause, f"{accrued} exceeds the cash received {cash}")
    consideration = cash - accrued + prop
    if action.allocated_portion is not None:
        portion = _fraction(action.allocated_portion, "allocated_portion", work.cite("§5(d)(v)(A)(3)"), positive=True)
        if portion > 1:
            raise InputError("allocated_portion", work.cite("§5(d)(v)(A)(3)"), f"{portion} is more than the whole")
        consideration *= portion
    _issue(
        work,
        action_id=action.id,
        date=action.date,
        shares=shares,
        consideration=consideration,
        purpose=action.purpose,
        fmv=action.fair_market_value_per_share,
        deemed=False,
        exercise_price=None,
    )
    work.outstanding += shares


@implements("F §5(d)(iii)(A)", "G §5(d)(iii)(A)")
def _section_5_d_iii_a_exercise(work: _Work, action: OptionExercise) -> None:
    """Exercise of an Option or conversion of a Convertible Security: the Common Stock is issued
    and counted as outstanding, with no adjustment."""
    clause = work.cite("§5(d)(iii)(A)")
    record = _option_on_record(work, action, clause)
    shares = _fraction(action.shares, "shares", clause, positive=True)
    if record.exercised + shares > record.basis.max_shares:
        raise InputError(
            "shares", clause, f"{shares} exceed the {record.basis.max_shares - record.exercised} still issuable"
        )
    if record.untested:
        record = _section_5_d_iii_a_exercise_tested(work, action, record, shares)
    if record.counted_on_exercise:
        _section_5_d_iii_a_exercise_counted(work, action, record, shares)
    work.options[action.id] = replace(record, exercised=record.exercised + shares)
    work.outstanding += shares
    work.decide(
        action.date,
        f"exercise {action.id}",
        Explained(
            "conversion_price", work.price, clause, inputs={"shares": shares}, formula="no adjustment on exercise"
        ),
    )


@implements(
    "F §5(d)(i)(C)(8)",
    "G §5(d)(i)(C)(8)",
    "F §5(d)(i)(C)(9)",
    "G §5(d)(i)(C)(9)",
    "F §5(d)(i)(C)(11)",
    "G §5(d)(i)(C)(11)",
)
def _section_5_d_iii_a_exercise_tested(
    work: _Work, action: OptionExercise, record: _Option, shares: Fraction
) -> _Option:
    """AD-95-PERCENT-CONDITION=exercise-date: the shares exercised out of those the basket took at the
    Option's issue are tested now, with the Fair Market Value on the date of exercise, at the Option's
    consideration per share (§5(d)(v)(B); under (9), its exercise or conversion price). Failing, they
    leave the basket and are Additional Shares issued on the exercise, for that consideration
    (§5(d)(ii)-(iv), before they are counted as outstanding). The record with them tested."""
    exclusion = work.exclusion(record.purpose)
    condition = None if exclusion is None else exclusion.fair_market_value_condition
    if exclusion is None or condition is None or chosen("AD-95-PERCENT-CONDITION") != "exercise-date":
        raise AssertionError(f"{action.id!r} has shares untested without AD-95-PERCENT-CONDITION=exercise-date")
    tested = min(shares, record.untested)
    fmv = _fmv(action.fair_market_value_per_share, "fair_market_value_per_share", exclusion.cite)
    basis = record.basis
    per_share = (
        basis.min_additional / basis.max_shares
        if condition == "exercise_or_conversion_price"
        else (basis.received + basis.min_additional) / basis.max_shares
    )
    met = per_share >= work.terms.conversion.fair_market_value_threshold.value * fmv
    label = f"exercise {action.id}"
    facts: dict[str, Scalar] = {
        "shares_tested": tested,
        "ninety_five_percent_test_price": per_share,
        "fair_market_value_on_exercise": fmv,
        "ninety_five_percent_condition_met": met,
    }
    interps = [reading("AD-95-PERCENT-CONDITION")]
    if not met:
        work.usage[exclusion.id] = max(work.usage.get(exclusion.id, Fraction(0)) - tested, Fraction(0))
        divisor = _section_5_d_ii_greater_of(work, action.id, action.date, label, per_share, fmv, False, facts, interps)
        if divisor is not None:
            _section_5_d_iv_formula(work, action.date, label, tested, per_share * tested, divisor, facts, interps)
    else:
        work.decide(
            action.date,
            label,
            Explained(
                "ninety_five_percent_condition_met",
                True,
                exclusion.cite,
                inputs=facts,
                formula="consideration_per_share >= 95% of the Fair Market Value on the date of exercise",
                interpretations=tuple(interps),
            ),
        )
    return replace(record, untested=record.untested - tested)


@implements("F §5(d)(i)(D)", "G §5(d)(i)(D)")
def _section_5_d_iii_a_exercise_counted(work: _Work, action: OptionExercise, record: _Option, shares: Fraction) -> None:
    """AD-RESERVED-EMPLOYEE=at-exercise: an employee option's shares are counted against its basket as
    they are exercised; those over the room left are Additional Shares issued on the exercise for the
    option's consideration per share (§5(d)(v)(B)), judged under §5(d)(ii)-(iv) with the Fair Market
    Value on the date of exercise, before they are counted as outstanding."""
    exclusion = work.exclusion(record.purpose)
    if exclusion is None or not _counted_on_exercise({}, []):
        raise AssertionError(f"{action.id!r} is counted on exercise without AD-RESERVED-EMPLOYEE=at-exercise")
    label = f"exercise {action.id}"
    facts: dict[str, Scalar] = {"shares": shares, "purpose": exclusion.id.upper()}
    interps = [reading("AD-RESERVED-EMPLOYEE")]
    excluded = _section_5_d_i_basket(work, shares, exclusion, facts, interps)
    additional = shares - excluded
    facts["excluded_shares"] = excluded
    facts["additional_shares"] = additional
    if additional == 0:
        return
    basis = record.basis
    per_share = (basis.received + basis.min_additional) / basis.max_shares
    divisor = _section_5_d_ii_greater_of(
        work, action.id, action.date, label, per_share, action.fair_market_value_per_share, False, facts, interps
    )
    if divisor is not None:
        _section_5_d_iv_formula(work, action.date, label, additional, per_share * additional, divisor, facts, interps)


@implements("F §5(e)", "G §5(e)")
def _section_5_e_split(work: _Work, action: StockSplit) -> None:
    """A subdivision: the Conversion Price (and the carry-forward) divided by the new shares per old."""
    ratio = _share_ratio(
        work,
        action.new_shares_per_old_share,
        "new_shares_per_old_share",
        "a subdivision gives more than one share per share",
    )
    _section_5_e(work, action.date, "stock split", ratio, "new_shares_per_old_share", "conversion_price / ")


@implements("F §5(e)", "G §5(e)")
def _section_5_e_combination(work: _Work, action: Combination) -> None:
    """A combination: the Conversion Price (and the carry-forward) times the old shares per new."""
    ratio = _share_ratio(
        work,
        action.old_shares_per_new_share,
        "old_shares_per_new_share",
        "a combination joins more than one share into one",
    )
    _section_5_e(work, action.date, "combination", 1 / ratio, "old_shares_per_new_share", "conversion_price x ")


def _share_ratio(work: _Work, value: Fraction, field_name: str, rule: str) -> Fraction:
    """The ratio of a split or combination, which ``rule`` says must exceed one."""
    ratio = _fraction(value, field_name, work.cite("§5(e)"), positive=True)
    if ratio <= 1:
        raise InputError(field_name, work.cite("§5(e)"), f"{rule}, not {ratio}")
    return ratio


def _section_5_e(work: _Work, date: dt.date, label: str, shares_factor: Fraction, field_name: str, op: str) -> None:
    """The Common Stock outstanding times ``shares_factor`` (new shares per old), the Conversion
    Price (and the baskets' caps) divided by it, at the close of business on the effective date."""
    ratio = shares_factor if shares_factor > 1 else 1 / shares_factor
    facts: dict[str, Scalar] = {field_name: ratio, "common_outstanding_before": work.outstanding}
    work.outstanding *= shares_factor
    _scale(work, shares_factor)
    _price_change(
        work,
        date,
        "§5(e)",
        label,
        1 / shares_factor,
        facts,
        f"{op}{field_name}, at the close of business on the effective date",
    )


@implements("F §5(f)", "G §5(f)")
def _section_5_f_stock_dividend(work: _Work, action: StockDividendOnCommon) -> None:
    """A dividend in Common Stock: the Conversion Price times outstanding / (outstanding + dividend)."""
    shares = _fraction(action.shares, "shares", work.cite("§5(f)"), positive=True)
    before = work.outstanding
    if before <= 0:
        raise InputError(
            "common_outstanding", work.cite("§5(f)"), "no Common Stock is outstanding to receive a dividend"
        )
    facts: dict[str, Scalar] = {"dividend_shares": shares}
    counted = _outstanding_counted(work, facts)
    factor = counted / (counted + shares)
    facts["common_outstanding_before"] = counted
    work.outstanding += shares
    _scale(work, (before + shares) / before)
    _price_change(
        work,
        action.date,
        "§5(f)",
        "stock dividend",
        factor,
        facts,
        "conversion_price x common_outstanding_before / (common_outstanding_before + dividend_shares)",
        (reading("AD-OUTSTANDING"),),
    )


@implements("F §5(g)", "G §5(g)")
def _section_5_g_other_distribution(work: _Work, action: OtherDistribution) -> None:
    """A distribution in other securities: each preferred share is entitled, on conversion, to what
    its Common Stock would have received."""
    amount = _fraction(action.amount_per_common_share, "amount_per_common_share", work.cite("§5(g)"), positive=True)
    _entitle(work, action.date, "§5(g)", action.securities, amount, reading("AD-OTHER-DISTRIBUTION"))


@implements("F §5(g)", "G §5(g)")
def _section_5_g_recompute(work: _Work, replay: _Work) -> None:
    """AD-OTHER-DISTRIBUTION=recompute: a readjustment's ``replay`` changed the Conversion Price in
    effect at earlier §5(g) distributions: each entitlement is recomputed at the replayed price
    (Original Issue Price / that price x the amount per share of Common Stock), and recorded as a
    decision on the distribution's date. Under the other readings no price is kept: nothing to do."""
    work.distribution_prices.update(replay.distribution_prices)
    for index, price in replay.distribution_prices.items():
        position = work.distributions.get(index)
        if position is None:
            continue
        old = work.entitlements[position]
        if old.explained.inputs.get("conversion_price") == price:
            continue
        per_common = old.explained.inputs["amount_per_common_share"]
        assert isinstance(per_common, Fraction)
        amount = work.terms.original_issue_price.value / price * per_common
        explained = replace(
            old.explained,
            value=amount,
            inputs={**old.explained.inputs, "conversion_price": price, "amount_before": old.amount_per_preferred_share},
            formula="original_issue_price / conversion_price x amount_per_common_share, the price as readjusted",
        )
        work.entitlements[position] = replace(old, amount_per_preferred_share=amount, explained=explained)
        work.decide(old.date, old.description, explained)


@implements("F §5(h)", "G §5(h)")
def _section_5_h_reclassification(work: _Work, action: Reclassification) -> None:
    """A reclassification: each preferred share converts into what its Common Stock becomes, unless
    the transaction it is part of is a deemed liquidation of the series ("except as provided in
    Section 3", G §3(d))."""
    deemed = None if action.transaction is None else action.transaction.deemed_liquidation(work.terms)
    if deemed is not None and deemed.value:
        assert action.transaction is not None
        work.decide(
            action.date,
            action.description,
            Explained(
                "conversion_price",
                work.price,
                deemed.clause,
                inputs={"reclassification": action.description, "transaction": action.transaction.id},
                parts=[deemed],
                formula="§5(h) applies 'except as provided in Section 3': the transaction it is part of is a "
                "deemed liquidation",
                interpretations=(reading("AD-RECLASSIFICATION"),),
            ),
        )
        return
    if not action.per_common_share:
        raise InputError("per_common_share", work.cite("§5(h)"), "say what one share of Common Stock becomes")
    match chosen("AD-RECLASSIFICATION"):
        case "default":
            pass
        case "change-price":
            _section_5_h_price(work, action)
            return
        case other:
            raise AssertionError(f"AD-RECLASSIFICATION alternative {other!r} is registered but not computed")
    for description, per_common in action.per_common_share:
        amount = _fraction(per_common, "per_common_share", work.cite("§5(h)"))
        _entitle(
            work, action.date, "§5(h)", f"{action.description}: {description}", amount, reading("AD-RECLASSIFICATION")
        )


@implements("F §5(h)", "G §5(h)")
def _section_5_h_price(work: _Work, action: Reclassification) -> None:
    """AD-RECLASSIFICATION=change-price: the Conversion Price expresses the one new security a share
    of Common Stock becomes: divided by the units of it per share (as a split of that ratio: the
    Common Stock outstanding, the baskets and the carried amount follow), at the close of business;
    what is not one security (several kinds, or none) is refused."""
    clause = work.cite("§5(h)")
    if len(action.per_common_share) != 1:
        kinds = ", ".join(description for description, _ in action.per_common_share)
        raise InputError(
            "per_common_share",
            clause,
            f"AD-RECLASSIFICATION=change-price expresses one new security in the Conversion Price, not {kinds}",
        )
    ((description, per_common),) = action.per_common_share
    units = _fraction(per_common, "per_common_share", clause, positive=True)
    facts: dict[str, Scalar] = {
        "new_security": description,
        "units_per_common_share": units,
        "common_outstanding_before": work.outstanding,
    }
    work.outstanding *= units
    _scale(work, units)
    _price_change(
        work,
        action.date,
        "§5(h)",
        action.description,
        1 / units,
        facts,
        "conversion_price / units_per_common_share, at the close of business on the effective date",
        (reading("AD-RECLASSIFICATION"),),
    )


@implements("F §5(d)(ii)", "G §5(d)(ii)")
def _section_5_d_ii_waiver(
    work: _Work, action: SeriesWaiver, replaying: bool, actions: Sequence[Action], index: int, initial: Fraction
) -> None:
    """A series' written agreement that no adjustment be made for an issue: effective when a majority
    of the series' voting power gives it before the issue, and for that series only. A notice naming a
    kind of issue waives every later issue of the kind under AD-WAIVER=of-a-kind only."""
    clause = work.cite("§5(d)(ii)")
    # AD-WAIVER=late-counts: a waiver received after the issue still waives its adjustment;
    # of-a-kind: a notice naming a kind waives every later issue of it
    match chosen("AD-WAIVER"):
        case "default":
            late_counts, of_a_kind = False, False
        case "late-counts":
            late_counts, of_a_kind = True, False
        case "of-a-kind":
            late_counts, of_a_kind = False, True
        case other:
            raise AssertionError(f"AD-WAIVER alternative {other!r} is registered but not computed")
    _waiver_names(action, clause, of_a_kind)
    named = action.issuance_id
    label = f"waiver for {named}" if named is not None else f"waiver for issues of {action.issue_kind}"
    if action.series != work.terms.series:
        work.decide(
            action.date,
            label,
            Explained(
                "waiver_effective",
                False,
                clause,
                inputs={"series": action.series},
                formula="a waiver by the holders of another series does not bind this series",
            ),
        )
        return
    effective = _majority(action.votes_for, action.outstanding_voting_power, clause)
    late = named is not None and work.issued(named)
    ok = effective and (not late or late_counts)
    if named is not None and ok and late and not replaying:
        _section_5_d_ii_late_waiver(work, action, named, actions, index, initial)
    if named is not None and ok:
        work.waivers[named] = action
    kind_waived = of_a_kind and action.issue_kind is not None and effective
    if kind_waived:
        assert action.issue_kind is not None
        work.kind_waivers[action.issue_kind] = action
    if not replaying:
        inputs: dict[str, Scalar] = {
            "votes_for": action.votes_for,
            "outstanding_voting_power": action.outstanding_voting_power,
            "received_after_the_issuance": late,
        }
        formula = "a majority of the voting power, received before the issuance"
        if action.issue_kind is not None:
            inputs["issue_kind"] = action.issue_kind
            inputs["later_issues_of_the_kind_waived"] = kind_waived
            formula += (
                "; every later issue of the kind it names is waived too"
                if of_a_kind
                else "; the kind it names is not waived: the notice covers the issue it names"
            )
        work.decide(
            action.date,
            label,
            Explained(
                "waiver_effective",
                ok if named is not None else kind_waived,
                clause,
                inputs=inputs,
                formula=formula,
                interpretations=(reading("AD-WAIVER"),),
            ),
        )


def _waiver_names(action: SeriesWaiver, clause: str, of_a_kind: bool) -> None:
    """Refuse a notice that names no issue and no kind, a kind not of :data:`WAIVER_KINDS`, and (but
    under AD-WAIVER=of-a-kind) a kind without an issue: prefstack's reading covers the named issue only."""
    if action.issue_kind is not None and action.issue_kind not in WAIVER_KINDS:
        raise InputError(
            "issue_kind", clause, f"{action.issue_kind!r} is not a kind of issue ({', '.join(WAIVER_KINDS)})"
        )
    if action.issuance_id is None and action.issue_kind is None:
        raise InputError("issuance_id", clause, "name the issuance the waiver covers")
    if action.issuance_id is None and not of_a_kind:
        raise InputError(
            "issue_kind",
            clause,
            "a notice covers the one issue it names (AD-WAIVER; waiving every later issue of a kind is the "
            "alternative of-a-kind): name the issuance",
        )


@implements("F §5(d)(ii)", "G §5(d)(ii)")
def _section_5_d_ii_late_waiver(
    work: _Work, action: SeriesWaiver, named: str, actions: Sequence[Action], index: int, initial: Fraction
) -> None:
    """AD-WAIVER=late-counts: the Conversion Price recomputed by replaying every earlier action with
    the waiver known from the start, so that the issue it names is not adjusted."""
    work.waivers[named] = action
    work.late_waivers[named] = action
    replay = _replay_before(work, actions, index, initial, dict(work.bases))
    before = work.price
    work.price, work.carry, work.usage = replay.price, replay.carry, dict(replay.usage)
    clause = work.cite("§5(d)(ii)")
    label = f"waiver for {named}"
    facts: dict[str, Scalar] = {"conversion_price_before": before, "conversion_price_recomputed": replay.price}
    explained = Explained(
        "conversion_price",
        work.price,
        clause,
        inputs=facts,
        formula="the Conversion Price recomputed by replaying every earlier action without the waived adjustment",
        interpretations=(reading("AD-WAIVER"),),
    )
    if work.price != before:
        _record(work, action.date, clause, label, before, facts, explained)


@implements("F §5(d)(i)(D)(i)", "G §5(d)(i)(D)(i)")
def _section_5_d_i_d_i_additional_reserved(
    work: _Work, action: AdditionalReservedEmployeeShares, replaying: bool
) -> None:
    """More Reserved Employee Shares, when approved by a majority of the series' voting power: the
    cap of the exclusion of role ``reserved_employee_shares`` grows by them."""
    reserved = work.terms.conversion.exclusion_of_role("reserved_employee_shares")
    clause = work.cite("§5(d)(i)(D)") if reserved is None else reserved.cite
    if action.series != work.terms.series:
        work.decide(
            action.date,
            "additional Reserved Employee Shares",
            Explained(
                "approval_effective",
                False,
                clause,
                inputs={"series": action.series},
                formula="an approval by the holders of another series does not bind this series",
            ),
        )
        return
    if reserved is None:
        raise InputError(
            "shares",
            clause,
            f"the terms of Series {work.terms.series} declare no Reserved Employee Shares a series majority may "
            "add to (no exclusion with role 'reserved_employee_shares')",
        )
    shares = _fraction(action.shares, "shares", clause, positive=True)
    approved = _majority(action.votes_for, action.outstanding_voting_power, clause)
    if approved:
        work.additions += shares
    if not replaying:
        work.decide(
            action.date,
            "additional Reserved Employee Shares",
            Explained(
                "reserved_employee_shares_cap",
                work.cap(reserved) or Fraction(0),
                clause,
                inputs={"shares": shares, "approved": approved},
            ),
        )


def _run(
    terms: SeriesTerms,
    original_issuance_date: dt.date,
    initial_outstanding: Fraction,
    actions: Sequence[Action],
    bases: dict[str, _Basis],
    *,
    replaying: bool,
) -> _Work:
    work = _Work(
        terms=terms,
        original_issuance_date=original_issuance_date,
        price=terms.conversion.initial_conversion_price.value,
        carry=Fraction(0),
        outstanding=initial_outstanding,
        scale=Fraction(1),
        additions=Fraction(0),
        usage={},
        bases=bases,
    )
    for index in range(len(actions)):
        _apply(work, actions, index, initial_outstanding, replaying)
    return work


@implements("F §5(d)", "G §5(d)")
def conversion_price_history(
    terms: SeriesTerms,
    *,
    original_issuance_date: dt.date,
    initial_common_outstanding: Fraction,
    actions: Sequence[Action],
    as_of: dt.date | None = None,
) -> ConversionPriceState:
    """Fold ``actions`` (in order, dates not decreasing) into the Conversion Price of the series.

    Starts at the initial Conversion Price (F $24.00, G $36.00, §5(a)) with
    ``initial_common_outstanding`` shares of Common Stock outstanding at the start of
    ``actions``. Actions dated on or before the series' own ``original_issuance_date`` (F §1(b))
    only change the Common Stock outstanding (AD-ORIGINAL-ISSUANCE-DATE); each series counts its
    baskets from its own date. ``as_of``: only actions dated on or before it count. Pure: the
    result depends on the arguments alone.
    """
    clause = for_series(terms.series, "§5(d)")
    _fraction(initial_common_outstanding, "initial_common_outstanding", clause)
    _check_date_order(actions, None, clause)
    selected = [a for a in actions if as_of is None or a.date <= as_of]
    work = _run(terms, original_issuance_date, initial_common_outstanding, selected, {}, replaying=False)
    return _state_of(work)


def _check_date_order(actions: Sequence[Action], previous: dt.date | None, clause: str) -> None:
    """Refuse ``actions`` out of date order (``previous``: the date of the action before them)."""
    for action in actions:
        if previous is not None and action.date < previous:
            raise InputError("actions", clause, f"actions must be in date order: {action.date} comes after {previous}")
        previous = action.date


class IncrementalFold:
    """:func:`conversion_price_history` over a list of actions that only grows at its end, folding
    each action once: the fold is causal (the result after the first ``k`` actions never depends on
    later ones; a §5(d)(iii)(B) readjustment re-runs only the actions before it), so the work done
    for a prefix is kept and continued. A ledger replay asks for the Conversion Price after every
    conversion; re-folding from the start each time made replay quadratic in the number of actions.

    :meth:`state_after` gives exactly what :func:`conversion_price_history` gives for the same
    arguments (a test checks it on every prefix); asked for a shorter prefix than it has folded, it
    folds that prefix from the start.
    """

    def __init__(
        self, terms: SeriesTerms, *, original_issuance_date: dt.date, initial_common_outstanding: Fraction
    ) -> None:
        _fraction(initial_common_outstanding, "initial_common_outstanding", for_series(terms.series, "§5(d)"))
        self._terms = terms
        self._original_issuance_date = original_issuance_date
        self._initial = initial_common_outstanding
        self._work: _Work | None = None
        self._count = 0
        self._last: Action | None = None
        """The last action folded: a list that extends the folded one holds it at ``_count - 1``."""

    def state_after(self, actions: Sequence[Action]) -> ConversionPriceState:
        """The §5 state after ``actions`` (in date order). A list holding the last action folded at
        the same position is taken to extend the folded list (the caller's list only grows at its
        end) and only its new actions are folded; any other list is folded apart or from the start."""
        work, count = self._work, self._count
        extends = work is not None and len(actions) >= count and (count == 0 or actions[count - 1] is self._last)
        if not extends:
            if work is not None and len(actions) < count:  # an earlier prefix: keep the longer fold
                return conversion_price_history(
                    self._terms,
                    original_issuance_date=self._original_issuance_date,
                    initial_common_outstanding=self._initial,
                    actions=actions,
                )
            work, count = None, 0
        clause = for_series(self._terms.series, "§5(d)")
        _check_date_order(actions[count:], self._last.date if count and self._last is not None else None, clause)
        if work is None:
            work = _run(self._terms, self._original_issuance_date, self._initial, [], {}, replaying=False)
        self._work, self._count, self._last = None, 0, None  # a fold that fails part-way is not kept
        for index in range(count, len(actions)):
            _apply(work, actions, index, self._initial, False)
        self._work, self._count = work, len(actions)
        self._last = actions[-1] if actions else None
        return _state_of(work)


def _state_of(work: _Work) -> ConversionPriceState:
    terms = work.terms
    usage = {
        e.id: BasketUsage(e.id, work.usage.get(e.id, Fraction(0)), work.cap(e))
        for e in sorted(terms.conversion.exclusions, key=lambda e: (e.cite, e.id))
        if e.id in work.usage or e.cap is not None
    }
    return ConversionPriceState(
        series=terms.series,
        conversion_price=work.price,
        carried_forward=work.carry,
        common_outstanding=work.outstanding,
        adjustments=Records(work.adjustments),
        decisions=Records(work.decisions),
        basket_usage=usage,
        entitlements=Records(work.entitlements),
        below_par_value=work.price < terms.conversion.par_value_of_common.value,
    )


# §5(j): certificates of adjustment -------------------------------------------------------


@dataclass(frozen=True)
class CertificateOfAdjustment:
    """The certificate the Company furnishes on each adjustment or readjustment (F/G §5(j))."""

    series: str
    date: dt.date
    clause: str
    facts: Mapping[str, Scalar]
    price_before: Fraction
    price_after: Fraction
    common_shares_per_preferred_share: Fraction
    other_property_per_share: tuple[tuple[str, Fraction], ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "series": self.series,
            "date": self.date.isoformat(),
            "clause": self.clause,
            "facts": {key: render(value) for key, value in self.facts.items()},
            **json_figure("conversion_price_before", self.price_before, PRICE),
            **json_figure("conversion_price_after", self.price_after, PRICE),
            **json_figure("common_shares_per_preferred_share", self.common_shares_per_preferred_share, RATIO),
            "other_property_per_share": [
                {"property": description, **json_figure("amount", amount, MONEY)}
                for description, amount in self.other_property_per_share
            ],
        }

    def to_text(self) -> str:
        lines = [
            f"Certificate as to adjustment of the Conversion Price of the Series {self.series} Preferred Stock "
            f"({self.series} §5(j))",
            f"Date: {self.date.isoformat()}    Adjustment under {self.clause}",
            f"Conversion Price before: {money_text(self.price_before)}",
            f"Conversion Price after:  {money_text(self.price_after)}",
            "Shares of Common Stock receivable per preferred share: "
            f"{quantity_text(self.common_shares_per_preferred_share, RATIO)}",
        ]
        for description, amount in self.other_property_per_share:
            lines.append(f"Other property per preferred share: {render(amount)} of {description}")
        lines.append("Facts on which the adjustment is based:")
        lines.extend(f"  {key}: {render(value)}" for key, value in self.facts.items())
        return "\n".join(lines)


@implements("F §5(j)", "G §5(j)")
def certificate_of_adjustment(
    terms: SeriesTerms, adjustment: Adjustment, entitlements: Sequence[Entitlement]
) -> CertificateOfAdjustment:
    """The §5(j) certificate for one adjustment; ``entitlements`` are the §5(g)-(h) entitlements
    of the state (those dated on or before the adjustment are shown)."""
    return CertificateOfAdjustment(
        series=terms.series,
        date=adjustment.date,
        clause=adjustment.clause,
        facts=adjustment.facts,
        price_before=adjustment.price_before,
        price_after=adjustment.price_after,
        common_shares_per_preferred_share=terms.original_issue_price.value / adjustment.price_after,
        other_property_per_share=tuple(
            (e.description, e.amount_per_preferred_share) for e in entitlements if e.date <= adjustment.date
        ),
    )


@implements("F §5(j)", "G §5(j)")
def certificates_due(
    terms: SeriesTerms, state: ConversionPriceState, *, as_of: dt.date, furnished_through: dt.date | None
) -> list[CertificateOfAdjustment]:
    """The §5(j) certificates due as of ``as_of``: one for each adjustment or readjustment dated
    on or before ``as_of`` and after ``furnished_through`` (None: none furnished yet)."""
    if state.series != terms.series:
        raise InputError("state", for_series(terms.series, "§5(j)"), f"the state is of Series {state.series}")
    return [
        certificate_of_adjustment(terms, adjustment, state.entitlements)
        for adjustment in state.adjustments
        if adjustment.date <= as_of and (furnished_through is None or adjustment.date > furnished_through)
    ]
