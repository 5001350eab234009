"""The state report: what the ledger says each holder has, as of a date."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

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
from prefstack.errors import InputError
from prefstack.explain import Explained, render
from prefstack.figures import COMMON, MONEY, PRICE, RATIO, SHARES, json_figure
from prefstack.instruments.capital_structure import LoadedStructure
from prefstack.ledger.replay import (
    NO_PREFERRED_SPLIT,
    JudgedEvent,
    LedgerState,
    SeriesState,
    holding_accrued_unpaid,
)
from prefstack.ledger.section5 import common_outstanding, conversion_price_state
from prefstack.memo import without_cyclic_gc


def _fr(x: Explained) -> Fraction:
    value = x.value
    if type(value) is Fraction:  # the usual case, without the numbers ABC's instance check
        return value
    assert isinstance(value, int) and not isinstance(value, bool)
    return Fraction(value)


class SeriesFigures:
    """What every holder of one series has alike on a date: the Conversion Price (§5) and the
    conversion ratio (§5(a)), and their JSON figures, worked out once for all its holders."""

    def __init__(self, s: SeriesState, price: Explained) -> None:
        self.price_value = _fr(price)
        self.json = {
            **json_figure("conversion_price", self.price_value, PRICE),
            **json_figure("conversion_ratio", _fr(conversion_ratio(s.terms, price)), RATIO),
        }


def holder_figures(
    s: SeriesState, holder: str, as_of: dt.date, alike: SeriesFigures, *, explain: bool = True
) -> dict[str, Any]:
    """One holder's figures on ``as_of``; ``alike``: those of its series; ``explain``: with the
    explanation of each (rendering them took most of the time of a state of thousands of holders
    that nobody asked to explain)."""
    holding = s.holdings[holder]
    accrued = holding_accrued_unpaid(s, holding, as_of)
    per_share = _fr(accrued) / holding.shares if holding.shares else Fraction(0)
    value = liquidation_value_per_share(s.terms, per_share, issue_price_adjustment=NO_PREFERRED_SPLIT)
    vote = votes(s.terms, holding.shares, alike.price_value, issue_price_adjustment=NO_PREFERRED_SPLIT)
    figures = {
        "holder": holder,
        **json_figure("shares_outstanding", holding.shares, SHARES),
        **json_figure("accrued_unpaid_dividends", _fr(accrued), MONEY),
        "unpaid_payment_dates": [d.isoformat() for d in holding.unpaid_dates],
        **alike.json,
        **json_figure("liquidation_value", _fr(value) * holding.shares, MONEY),
        "votes": int(_fr(vote)),
    }
    if explain:
        figures["explain"] = {
            "accrued_unpaid_dividends": accrued.to_dict(),
            "liquidation_value_per_share": value.to_dict(),
            "votes": vote.to_dict(),
        }
    return figures


def _carried_forward(s: SeriesState, price_state: ConversionPriceState, *, explain: bool) -> dict[str, Any]:
    """§5(d)(iv): reductions of the Conversion Price under $.03 not yet made, carried forward to
    the next adjustment, with the decisions that carried them (AD-CARRY-FORWARD)."""
    clause = for_series(s.terms.series, "§5(d)(iv)")
    carried = [
        d
        for d in price_state.decisions
        if d.explained.clause == clause and d.explained.inputs.get("carried_forward_after", 0) != 0
    ]
    out: dict[str, Any] = {
        **json_figure("amount", price_state.carried_forward, MONEY),
        "clause": clause,
        **json_figure("minimum_reduction", s.terms.conversion.minimum_reduction.value, MONEY),
    }
    if explain:
        out["explain"] = [d.explained.to_dict() for d in carried if price_state.carried_forward]
    return out


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
    """The state on its date; with ``structure``, the reserve for conversion counts every class and
    tranche of the capital structure (CAPSTRUCT-RESERVE) and says which file; ``explain``: with the
    explanation of every holder's figures and of the reductions carried forward."""
    with without_cyclic_gc():
        return _state_report(state, structure, explain)


def _state_report(state: LedgerState, structure: LoadedStructure | None, explain: bool) -> dict[str, Any]:
    outstanding = common_outstanding(state)
    authorized = _authorized(state, structure)
    return {
        "as_of": state.as_of.isoformat(),
        "events_applied": state.events_applied,
        "common_stock": {
            **(
                json_figure("outstanding", outstanding, COMMON)
                if state.common_outstanding_opening is not None
                else {"outstanding": None}
            ),
            "authorized": authorized,
            "issued_as_dividends": state.common_issued_as_dividends,
            "reserve_for_conversion": _reserve_5_c_ii(state, structure, authorized, outstanding),
        },
        "series": [_series_report(state, name, explain) for name in state.series],
    }


def _series_report(state: LedgerState, name: str, explain: bool) -> dict[str, Any]:
    """One series: its shares (§1(a)), Conversion Price (§5), holders, the transactions judged under
    §6(b) and §3(d), its redemptions in Common Stock (§6(d)) and its votes and consents (§4)."""
    s = state.series[name]
    price_state = conversion_price_state(state, name)
    price = price_state.conversion_price_explained()
    alike = SeriesFigures(s, price)
    holders = [
        {"name": state.holder_name(h), **holder_figures(s, h, state.as_of, alike, explain=explain)}
        for h in sorted(s.holdings)
        if s.holdings[h].shares
    ]
    return {
        "series": name,
        "designation": s.terms.designation.value,
        "original_issuance_date": s.original_issuance_date.isoformat() if s.original_issuance_date else None,
        **json_figure("shares_outstanding", s.shares_outstanding, SHARES),
        **json_figure("shares_ever_issued", s.shares_ever_issued, SHARES),
        **json_figure("authorized_shares", s.terms.authorized_shares.value, SHARES),
        **json_figure("pik_reserve_remaining", s.terms.reserved_for_pik_dividends.value - s.pik_shares_issued, SHARES),
        **json_figure("conversion_price", _fr(price), PRICE),
        "conversion_price_clause": price.clause,
        "carried_forward": _carried_forward(s, price_state, explain=explain),
        "adjustments": len(price_state.adjustments),
        "below_par_value": price_state.below_par_value,
        "holders": holders,
        "mandatory_redemption_events": [
            {
                "date": j.date.isoformat(),
                "id": j.ident,
                "kind": j.kind,
                "clause": j.mandatory_redemption_event.parts[0].clause,
                "description": j.description,
                "series_voted_otherwise": _voted_otherwise(s, j.ident),
            }
            for j in s.judged_events
            if j.mandatory_redemption_event.value
        ],
        "transactions_judged": [_judged_transaction(s, j) for j in s.judged_events],
        "deemed_liquidation": _deemed_liquidation_3d(s, name),
        "redeemed_in_common": [
            {
                "date": r.date.isoformat(),
                "holder": r.holder,
                **json_figure("shares_redeemed", r.shares_redeemed, SHARES),
                "common_shares": int(_fr(r.payment.shares_of_common)),
                **json_figure("cash_for_fraction", _fr(r.payment.cash_for_fraction), MONEY),
                "clause": r.payment.shares_of_common.clause,
            }
            for r in s.common_stock_redemptions
        ],
        "consents": [
            {
                "date": c.date.isoformat(),
                "matter": c.matter,
                "reference": c.reference,
                "majority": bool(m.value),
                "clause": m.clause,
            }
            for c, m in s.consent_results
        ],
    }


def _voted_otherwise(s: SeriesState, ident: str) -> bool:
    """Whether the series voted that the event ``ident`` is not a Mandatory Redemption Event (§6(b))."""
    return any(
        c.matter == "waive_redemption_event" and c.reference == ident and bool(m.value) for c, m in s.consent_results
    )


def _judged_transaction(s: SeriesState, j: JudgedEvent) -> dict[str, Any]:
    """A transaction judged under §6(b) (a Mandatory Redemption Event or not) and §3(d), with why."""
    deemed = j.deemed_liquidation
    return {
        "date": j.date.isoformat(),
        "id": j.ident,
        "kind": j.kind,
        "description": j.description,
        "mandatory_redemption_event": bool(j.mandatory_redemption_event.value),
        "clause": j.mandatory_redemption_event.parts[0].clause,
        "deemed_liquidation": None if deemed is None else bool(deemed.value),
        "deemed_liquidation_clause": None if deemed is None else deemed.clause,
        "series_voted_otherwise": _voted_otherwise(s, j.ident),
        **facts_and_why(j.mandatory_redemption_event.parts[0]),
        "deemed_liquidation_why": None if deemed is None else facts_and_why(deemed)["why"],
        "explain": [j.mandatory_redemption_event.to_dict(), *([deemed.to_dict()] if deemed is not None else [])],
    }


def _deemed_liquidation_3d(s: SeriesState, name: str) -> dict[str, Any] | None:
    """The transaction deemed a liquidation of the series (G §3(d)) and what it paid the series."""
    if s.deemed_liquidation is None:
        return None
    return {
        "date": s.deemed_liquidation.date.isoformat(),
        "id": s.deemed_liquidation.ident,
        "clause": s.deemed_liquidation.judged.clause,
        "payouts": [
            {
                "tier": p.tier.value,
                "holder": p.holder,
                **json_figure("amount", p.paid, MONEY),
                "clause": p.amount.clause,
            }
            for p in s.deemed_liquidation.waterfall.payouts
            if p.security == name
        ],
    }


def _reserve_5_c_ii(
    state: LedgerState, structure: LoadedStructure | None, authorized: int | None, outstanding: Fraction
) -> dict[str, Any] | None:
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
        )
        for n in state.series
    ]
    requirements += [] if structure is None else _other_requirements(structure)
    if not requirements:
        return None
    check = check_reserve(requirements, authorized_unissued_common=authorized - outstanding)
    reserve = {
        **json_figure("required", _fr(check.required), SHARES),
        **json_figure("authorized_unissued", check.available, SHARES),
        "sufficient": check.sufficient,
        **json_figure("shortfall", _fr(check.shortfall), SHARES),
        "clause": check.required.clause,
    }
    if structure is not None:
        reserve["capital_structure"] = structure.origin
        reserve["covers"] = [r.series for r in requirements]
    return reserve


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


def _other_requirements(structure: LoadedStructure) -> list[ReserveRequirement]:
    """CAPSTRUCT-RESERVE: the convertible generic classes and the option and warrant tranches."""
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
        out.append(other_reserve_requirement(t.name, t.count, "shares of Common Stock on exercise", t.source))
    return out
