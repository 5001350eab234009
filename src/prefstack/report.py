"""The state report: what the ledger says each holder has, as of a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from prefstack.answers import Figure, json_ready, optional
from prefstack.citations import for_series
from prefstack.clauses.antidilution import ConversionPriceState
from prefstack.clauses.conversion import (
    ReserveRequirement,
    check_reserve,
    common_shares_required,
    conversion_ratio,
    other_reserve_requirement,
)
from prefstack.clauses.liquidation import liquidation_value_per_share
from prefstack.clauses.voting import votes
from prefstack.collector import without_cyclic_gc
from prefstack.errors import InputError
from prefstack.explain import Explained, exact_value, render
from prefstack.figures import COMMON, MONEY, PRICE, RATIO, SHARES
from prefstack.instruments.capital_structure import LoadedStructure
from prefstack.interpretations.readings import chosen
from prefstack.kernels.holders import liquidation_value, votes_value
from prefstack.ledger.replay import (
    NO_PREFERRED_SPLIT,
    JudgedEvent,
    LedgerState,
    SeriesState,
    holding_accrued_unpaid,
    holding_accrued_unpaid_value,
    issue_price_adjustment_3a,
    series_voted_otherwise,
)
from prefstack.ledger.section5 import common_outstanding, conversion_price_state, fair_market_value_on
from prefstack.queries import common_count

# ----------------------------------------------------------------------------- the answer


@dataclass(frozen=True)
class HolderState:
    """One holder of a series on the date (F/G §2, §3(a), §4, §5)."""

    name: str
    """The holder's name on record (a ``holder_name`` event), else its id."""
    holder: str
    shares_outstanding: Figure
    accrued_unpaid_dividends: Figure
    unpaid_payment_dates: tuple[dt.date, ...]
    conversion_price: Figure
    conversion_ratio: Figure
    liquidation_value: Figure
    votes: int
    explain: Mapping[str, Any] | None = optional()


@dataclass(frozen=True)
class CarriedForward:
    """§5(d)(iv): reductions of the Conversion Price under $.03 not yet made (AD-CARRY-FORWARD)."""

    amount: Figure
    clause: str
    minimum_reduction: Figure
    explain: tuple[Mapping[str, Any], ...] | None = optional()


@dataclass(frozen=True)
class MandatoryRedemptionEvent:
    """A transaction judged a Mandatory Redemption Event (§6(b))."""

    date: dt.date
    id: str
    kind: str
    clause: str
    description: str
    series_voted_otherwise: bool


@dataclass(frozen=True)
class JudgedTransaction:
    """A transaction judged under §6(b) (a Mandatory Redemption Event or not) and §3(d), with why."""

    date: dt.date
    id: str
    kind: str
    description: str
    mandatory_redemption_event: bool
    clause: str
    deemed_liquidation: bool | None
    deemed_liquidation_clause: str | None
    series_voted_otherwise: bool
    facts: Mapping[str, Any]
    why: str
    deemed_liquidation_why: str | None
    explain: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class DeemedPayout:
    tier: str
    holder: str
    amount: Figure
    clause: str


@dataclass(frozen=True)
class DeemedLiquidation:
    """The transaction deemed a liquidation of the series (G §3(d)) and what it paid the series."""

    date: dt.date
    id: str
    clause: str
    payouts: tuple[DeemedPayout, ...]


@dataclass(frozen=True)
class RedeemedInCommon:
    """Shares redeemed for Common Stock (F §6(d))."""

    date: dt.date
    holder: str
    shares_redeemed: Figure
    common_shares: int | Figure
    """Whole shares; exact (a figure) under RED-F-COMMON=fractional."""
    cash_for_fraction: Figure
    clause: str


@dataclass(frozen=True)
class ConsentOnRecord:
    """A series vote or consent and whether it carried a majority of the voting power (§4)."""

    date: dt.date
    matter: str
    reference: str | None
    majority: bool
    clause: str


@dataclass(frozen=True)
class SeriesStateAnswer:
    """One series: its shares (§1(a)), Conversion Price (§5), holders, the transactions judged under
    §6(b) and §3(d), its redemptions in Common Stock (§6(d)) and its votes and consents (§4)."""

    series: str
    designation: str
    original_issuance_date: dt.date | None
    shares_outstanding: Figure
    shares_ever_issued: Figure
    authorized_shares: Figure
    pik_reserve_remaining: Figure
    conversion_price: Figure
    conversion_price_clause: str
    carried_forward: CarriedForward
    adjustments: int
    below_par_value: bool
    holders: tuple[HolderState, ...]
    mandatory_redemption_events: tuple[MandatoryRedemptionEvent, ...]
    transactions_judged: tuple[JudgedTransaction, ...]
    deemed_liquidation: DeemedLiquidation | None
    redeemed_in_common: tuple[RedeemedInCommon, ...]
    consents: tuple[ConsentOnRecord, ...]
    adjustment_explanations: tuple[Mapping[str, Any], ...] | None = optional()
    """With ``explain``: each adjustment of the Conversion Price explained (§5(d))."""


@dataclass(frozen=True)
class ReserveForConversion:
    """§5(c)(ii): the Common Stock reserved for conversion against the authorized and unissued."""

    required: Figure
    authorized_unissued: Figure
    sufficient: bool
    shortfall: Figure
    clause: str
    capital_structure: str | None = optional()
    """The capital-structure file whose classes and tranches the reserve also counts."""
    covers: tuple[str, ...] | None = optional()


@dataclass(frozen=True)
class CommonStockState:
    outstanding: Figure | None
    """None where the ledger records no opening balance."""
    authorized: int | None
    issued_as_dividends: int | Figure
    """Exact (a figure) where DIV-F-COMMON-FRACTIONS=fractional issued a fraction of a share."""
    reserve_for_conversion: ReserveForConversion | None


@dataclass(frozen=True)
class StateAnswer:
    """What the ledger says each holder has, as of a date (``prefstack state``)."""

    as_of: dt.date
    events_applied: int
    common_stock: CommonStockState
    series: tuple[SeriesStateAnswer, ...]


# ----------------------------------------------------------------------------- building it


class SeriesFigures:
    """What every holder of one series has alike on a date: the Conversion Price (§5) and the
    conversion ratio (§5(a)), worked out once for all its holders."""

    def __init__(self, s: SeriesState, price: Explained) -> None:
        self.price_value = exact_value(price)
        self.price = Figure(self.price_value, PRICE)
        self.ratio = Figure(exact_value(conversion_ratio(s.terms, price)), RATIO)


def holder_state(
    s: SeriesState, holder: str, name: str, as_of: dt.date, alike: SeriesFigures, *, explain: bool
) -> HolderState:
    """One holder's figures on ``as_of``; ``alike``: those of its series; ``explain``: with the
    explanation of each (rendering them took most of the time of a state of thousands of holders
    that nobody asked to explain)."""
    holding = s.holdings[holder]
    shares, terms = holding.shares, s.terms
    if not explain:  # the values alone, by the clauses' kernels (tests/kernels prove them equal)
        owed = holding_accrued_unpaid_value(s, holding, as_of)
        return HolderState(
            name=name,
            holder=holder,
            shares_outstanding=Figure(shares, SHARES),
            accrued_unpaid_dividends=Figure(owed, MONEY),
            unpaid_payment_dates=tuple(holding.unpaid_dates),
            conversion_price=alike.price,
            conversion_ratio=alike.ratio,
            liquidation_value=Figure(
                liquidation_value(terms, shares, owed, issue_price_adjustment_3a(s, as_of)), MONEY
            ),
            votes=votes_value(terms, shares, alike.price_value, NO_PREFERRED_SPLIT),
        )
    accrued = holding_accrued_unpaid(s, holding, as_of)
    per_share = exact_value(accrued) / shares if shares else Fraction(0)
    value = liquidation_value_per_share(terms, per_share, issue_price_adjustment=issue_price_adjustment_3a(s, as_of))
    vote = votes(terms, shares, alike.price_value, issue_price_adjustment=NO_PREFERRED_SPLIT)
    return HolderState(
        name=name,
        holder=holder,
        shares_outstanding=Figure(shares, SHARES),
        accrued_unpaid_dividends=Figure(exact_value(accrued), MONEY),
        unpaid_payment_dates=tuple(holding.unpaid_dates),
        conversion_price=alike.price,
        conversion_ratio=alike.ratio,
        liquidation_value=Figure(exact_value(value) * shares, MONEY),
        votes=int(exact_value(vote)),
        explain={
            "accrued_unpaid_dividends": accrued.to_dict(),
            "liquidation_value_per_share": value.to_dict(),
            "votes": vote.to_dict(),
        },
    )


def _carried_forward(s: SeriesState, price_state: ConversionPriceState, *, explain: bool) -> CarriedForward:
    """§5(d)(iv): reductions of the Conversion Price under $.03 not yet made, carried forward to
    the next adjustment, with the decisions that carried them (AD-CARRY-FORWARD)."""
    clause = for_series(s.terms.series, "§5(d)(iv)")
    carried = [
        d
        for d in price_state.decisions
        if d.explained.clause == clause and d.explained.inputs.get("carried_forward_after", 0) != 0
    ]
    return CarriedForward(
        amount=Figure(price_state.carried_forward, MONEY),
        clause=clause,
        minimum_reduction=Figure(s.terms.conversion.minimum_reduction.value, MONEY),
        explain=tuple(d.explained.to_dict() for d in carried if price_state.carried_forward) if explain else None,
    )


def facts_and_why(judged: Explained) -> dict[str, Any]:
    """The recorded facts a §6(b) or §3(d) judgment rests on and the test applied to them: the
    inputs and formula of the innermost judgment that has inputs (an agreement, §6(b)(vi), is judged
    by the transaction agreed)."""
    found = judged
    while not found.inputs and found.parts:
        found = found.parts[0]
    return {"facts": {k: render(v) for k, v in found.inputs.items()}, "why": found.formula}


def state_report(
    state: LedgerState, structure: LoadedStructure | None = None, *, explain: bool = True
) -> dict[str, Any]:
    """:func:`state_answer` as the JSON ``prefstack state --format json`` prints."""
    return json_ready(state_answer(state, structure, explain=explain))


def state_answer(state: LedgerState, structure: LoadedStructure | None = None, *, explain: bool = True) -> StateAnswer:
    """The state on its date; with ``structure``, the reserve for conversion counts every class and
    tranche of the capital structure (CAPSTRUCT-RESERVE) and says which file; ``explain``: with the
    explanation of every holder's figures, of the reductions carried forward and of each
    adjustment of the Conversion Price."""
    with without_cyclic_gc():
        outstanding = common_outstanding(state)
        authorized = _authorized(state, structure)
        return StateAnswer(
            as_of=state.as_of,
            events_applied=state.events_applied,
            common_stock=CommonStockState(
                outstanding=Figure(outstanding, COMMON) if state.common_outstanding_opening is not None else None,
                authorized=authorized,
                issued_as_dividends=common_count(state.common_issued_as_dividends),
                reserve_for_conversion=_reserve_5_c_ii(state, structure, authorized, outstanding),
            ),
            series=tuple(_series_answer(state, name, explain) for name in state.series),
        )


def _series_answer(state: LedgerState, name: str, explain: bool) -> SeriesStateAnswer:
    s = state.series[name]
    price_state = conversion_price_state(state, name)
    price = price_state.conversion_price_explained()
    alike = SeriesFigures(s, price)
    return SeriesStateAnswer(
        series=name,
        designation=s.terms.designation.value,
        original_issuance_date=s.original_issuance_date,
        shares_outstanding=Figure(s.shares_outstanding, SHARES),
        shares_ever_issued=Figure(s.shares_ever_issued, SHARES),
        authorized_shares=Figure(s.terms.authorized_shares.value, SHARES),
        pik_reserve_remaining=Figure(s.terms.reserved_for_pik_dividends.value - s.pik_shares_issued, SHARES),
        conversion_price=alike.price,
        conversion_price_clause=price.clause,
        carried_forward=_carried_forward(s, price_state, explain=explain),
        adjustments=len(price_state.adjustments),
        below_par_value=price_state.below_par_value,
        holders=tuple(
            holder_state(s, h, state.holder_name(h), state.as_of, alike, explain=explain)
            for h in sorted(s.holdings)
            if s.holdings[h].shares or s.holdings[h].lots  # a claim without shares: TRANSFER-ACCRUED=apportioned
        ),
        mandatory_redemption_events=tuple(
            MandatoryRedemptionEvent(
                date=j.date,
                id=j.ident,
                kind=j.kind,
                clause=j.mandatory_redemption_event.parts[0].clause,
                description=j.description,
                series_voted_otherwise=series_voted_otherwise(s, j),
            )
            for j in s.judged_events
            if j.mandatory_redemption_event.value
        ),
        transactions_judged=tuple(_judged_transaction(s, j) for j in s.judged_events),
        deemed_liquidation=_deemed_liquidation_3d(s, name),
        redeemed_in_common=tuple(
            RedeemedInCommon(
                date=r.date,
                holder=r.holder,
                shares_redeemed=Figure(r.shares_redeemed, SHARES),
                common_shares=common_count(r.payment.shares_of_common),
                cash_for_fraction=Figure(exact_value(r.payment.cash_for_fraction), MONEY),
                clause=r.payment.shares_of_common.clause,
            )
            for r in s.common_stock_redemptions
        ),
        consents=tuple(
            ConsentOnRecord(
                date=c.date, matter=c.matter, reference=c.reference, majority=bool(m.value), clause=m.clause
            )
            for c, m in s.consent_results
        ),
        adjustment_explanations=tuple(a.explained.to_dict() for a in price_state.adjustments) if explain else None,
    )


def _judged_transaction(s: SeriesState, j: JudgedEvent) -> JudgedTransaction:
    deemed = j.deemed_liquidation
    judged = facts_and_why(j.mandatory_redemption_event.parts[0])
    return JudgedTransaction(
        date=j.date,
        id=j.ident,
        kind=j.kind,
        description=j.description,
        mandatory_redemption_event=bool(j.mandatory_redemption_event.value),
        clause=j.mandatory_redemption_event.parts[0].clause,
        deemed_liquidation=None if deemed is None else bool(deemed.value),
        deemed_liquidation_clause=None if deemed is None else deemed.clause,
        series_voted_otherwise=series_voted_otherwise(s, j),
        facts=judged["facts"],
        why=judged["why"],
        deemed_liquidation_why=None if deemed is None else facts_and_why(deemed)["why"],
        explain=(j.mandatory_redemption_event.to_dict(), *([deemed.to_dict()] if deemed is not None else [])),
    )


def _deemed_liquidation_3d(s: SeriesState, name: str) -> DeemedLiquidation | None:
    if s.deemed_liquidation is None:
        return None
    return DeemedLiquidation(
        date=s.deemed_liquidation.date,
        id=s.deemed_liquidation.ident,
        clause=s.deemed_liquidation.judged.clause,
        payouts=tuple(
            DeemedPayout(tier=p.tier.value, holder=p.holder, amount=Figure(p.paid, MONEY), clause=p.amount.clause)
            for p in s.deemed_liquidation.waterfall.payouts
            if p.security == name
        ),
    )


def _reserve_5_c_ii(
    state: LedgerState, structure: LoadedStructure | None, authorized: int | None, outstanding: Fraction
) -> ReserveForConversion | None:
    """§5(c)(ii): the Common Stock reserved for conversion against the authorized and unissued, for
    every series (and, with a capital structure, every other convertible class, option and warrant).
    None without an authorized count or opening balance, or with nothing convertible to reserve for."""
    if authorized is None or state.common_outstanding_opening is None:
        return None
    requirements = [
        common_shares_required(
            state.series[n].terms,
            outstanding_preferred_shares=state.series[n].shares_outstanding,
            conversion_price=conversion_price_state(state, n).conversion_price_explained(),
            **_dividends_for_reserve(state, n),
        )
        for n in state.series
    ]
    requirements += [] if structure is None else _other_requirements(structure, state)
    if not requirements:
        return None
    check = check_reserve(requirements, authorized_unissued_common=authorized - outstanding)
    return ReserveForConversion(
        required=Figure(exact_value(check.required), SHARES),
        authorized_unissued=Figure(check.available, SHARES),
        sufficient=check.sufficient,
        shortfall=Figure(exact_value(check.shortfall), SHARES),
        clause=check.required.clause,
        capital_structure=None if structure is None else structure.origin,
        covers=None if structure is None else tuple(r.series for r in requirements),
    )


def _dividends_for_reserve(state: LedgerState, name: str) -> dict[str, Any]:
    """Under CONV-RESERVE-WHOLE=with-dividends, the series' accrued but unpaid dividends and the Fair
    Market Value of the Common Stock on the state's date (§3(c)(i)(A), from the closing prices; None
    where they do not cover the period, which the clause refuses); nothing under the other readings."""
    if chosen("CONV-RESERVE-WHOLE") != "with-dividends":
        return {}
    s = state.series[name]
    accrued = sum(
        (holding_accrued_unpaid_value(s, h, state.as_of) for h in s.holdings.values() if h.shares), Fraction(0)
    )
    return {
        "accrued_unpaid_dividends": accrued,
        "common_fair_market_value": fair_market_value_on(state, state.as_of, name),
    }


def _authorized(state: LedgerState, structure: LoadedStructure | None) -> int | None:
    """Authorized Common Stock: the ledger's, or the capital structure's figure; both must agree."""
    given = None if structure is None else structure.structure.common.authorized
    if given is None or given == "ledger":
        return state.common_authorized
    if state.common_authorized is not None and state.common_authorized != given:
        raise InputError(
            "--capital-structure",
            "F §5(c)(ii)",
            f"common.authorized {given} in {structure.origin if structure else ''} differs from the ledger's "
            f"{state.common_authorized}",
        )
    if given.denominator != 1:
        raise InputError("--capital-structure", "F §5(c)(ii)", f"common.authorized {given} is not a whole number")
    return int(given)


def _other_requirements(structure: LoadedStructure, state: LedgerState) -> list[ReserveRequirement]:
    """CAPSTRUCT-RESERVE: the convertible generic classes and the option and warrant tranches; none
    under ``f-g-only`` (only the series of the certificates, as without a capital structure); under
    ``in-the-money`` a tranche only when its strike price is below the Fair Market Value of the Common
    Stock on the state's date (:func:`_common_value_for_reserve`)."""
    match chosen("CAPSTRUCT-RESERVE"):
        case "default":
            value = None
        case "f-g-only":
            return []
        case "in-the-money":
            value = _common_value_for_reserve(state)
        case other:
            raise AssertionError(f"CAPSTRUCT-RESERVE alternative {other!r} is registered but not computed")
    out = []
    for c in structure.structure.generic:
        per_share = c.common_per_share
        if per_share is not None:
            out.append(
                other_reserve_requirement(
                    c.name, c.shares_outstanding * per_share, "shares of Common Stock on conversion", c.source
                )
            )
    for t in structure.structure.options_and_warrants:
        if value is not None and not t.strike_price < value:
            continue  # CAPSTRUCT-RESERVE=in-the-money: out of (or at) the money, not counted
        out.append(other_reserve_requirement(t.name, t.count, "shares of Common Stock on exercise", t.source))
    return out


def _common_value_for_reserve(state: LedgerState) -> Fraction:
    """CAPSTRUCT-RESERVE=in-the-money: the Fair Market Value of a share of Common Stock on the state's
    date, as every series' §3(c)(i)(A) finds it from the recorded closing prices; refused when the
    prices do not cover the window or the certificates' values differ."""
    clause = ", ".join(for_series(n, "§5(c)(ii)") for n in state.series) or "F §5(c)(ii)"
    found = {n: fair_market_value_on(state, state.as_of, n) for n in state.series}
    values = {None if f is None else f.value for f in found.values()}
    if len(values) != 1 or None in values:
        raise InputError(
            "closing_price",
            clause,
            f"CAPSTRUCT-RESERVE=in-the-money needs one Fair Market Value of the Common Stock on {state.as_of} "
            "from the closing prices (§3(c)(i)(A)); they give "
            + (", ".join(f"Series {n}: {'none' if f is None else f.value}" for n, f in found.items()) or "none"),
        )
    (value,) = values
    assert isinstance(value, Fraction)
    return value
