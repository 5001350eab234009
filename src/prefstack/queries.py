"""Questions asked of the ledger's state on a date: convert, liquidate, redeem, vote, certify.

Each function takes the replayed :class:`~prefstack.ledger.replay.LedgerState` and the
question's own inputs, calls the clause functions, and returns JSON-ready data in which
every figure keeps its clause and explanation. Nothing here is recorded in the ledger:
these are "what would the certificates give" answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from prefstack.calendars import payment_dates
from prefstack.clauses import antidilution as ad
from prefstack.clauses.dividends import DividendPayment
from prefstack.clauses.liquidation import (
    NON_CASH_METHODS,
    JuniorHolding,
    NonCashProceeds,
    ParityHolding,
    Payout,
    SeniorClass,
    Waterfall,
    valuation_method,
    waterfall,
)
from prefstack.clauses.liquidation_structure import StructureWaterfall, capital_structure_waterfall
from prefstack.clauses.redemption import NoSuchClause, RedemptionHolding, redeem
from prefstack.clauses.voting import class_votes, series_voting_power, votes
from prefstack.errors import CitationError, InputError
from prefstack.explain import Explained
from prefstack.figures import COMMON, MONEY, PRICE, SHARES, json_figure
from prefstack.instruments.capital_structure import LoadedStructure
from prefstack.ledger import events as ev
from prefstack.ledger import section5
from prefstack.ledger.events import LedgerEvent
from prefstack.ledger.replay import (
    NO_PREFERRED_SPLIT,
    LedgerState,
    Placed,
    common_stock_redemption,
    conversion_decision,
    holding_accrued_unpaid,
    paid_dividend,
    parity_holdings,
    replay,
)
from prefstack.numeric import to_decimal_string


def _fr(x: Explained) -> Fraction:
    assert isinstance(x.value, (Fraction, int)) and not isinstance(x.value, bool)
    return Fraction(x.value)


def conversion_quote(
    state: LedgerState, series: str, holder: str, shares: Fraction, funds_legally_available: Fraction | None
) -> dict[str, Any]:
    """F/G §5(a)-(c): what converting ``shares`` of ``holder`` on the state's date gives — the
    same rule (:func:`~prefstack.ledger.replay.conversion_decision`) as the ``conversion`` event,
    cut-offs included."""
    try:
        decision = conversion_decision(
            state, series, holder, shares, state.as_of, funds_legally_available=funds_legally_available
        )
    except InputError as exc:
        raise InputError(f"--{exc.field}", exc.clause, exc.problem) from exc
    result, price, on_converted = decision.result, decision.conversion_price, _fr(decision.accrued_unpaid)
    settlement = result.dividends
    return {
        "series": series,
        "holder": holder,
        "conversion_date": state.as_of.isoformat(),
        **json_figure("shares_converted", shares, SHARES),
        **json_figure("conversion_price", _fr(price), PRICE),
        "common_shares": result.common_shares.value,
        **json_figure("cash_for_fraction", _fr(result.cash_for_fraction), MONEY),
        **json_figure("accrued_unpaid_dividends", on_converted, MONEY),
        "dividend_settlement": {
            **json_figure("cash", _fr(settlement.cash), MONEY),
            "common_shares": settlement.common_shares.value,
            **json_figure("cash_for_fraction", _fr(settlement.cash_for_fraction), MONEY),
        },
        "clauses": {
            "conversion_price": price.clause,
            "common_shares": result.common_shares.clause,
            "cash_for_fraction": result.cash_for_fraction.clause,
            "accrued_unpaid_dividends": decision.accrued_unpaid.clause,
            "dividend_settlement": settlement.cash.clause,
        },
        "explain": [e.to_dict() for e in result.explain()] + [price.to_dict()],
    }


def parse_senior(text: str) -> SeniorClass:
    """``NAME=AMOUNT`` (a preference that does not participate) or
    ``NAME=AMOUNT:participates:AS_CONVERTED_COMMON`` (F/G §1(b), §3(b))."""
    name, sep, rest = text.partition("=")
    if not sep or not name:
        raise InputError("--senior", "F §3(a)", f"{text!r} is not NAME=AMOUNT[:participates:AS_CONVERTED]")
    parts = rest.split(":")
    amount = _exact_or_error(parts[0], "--senior", "F §3(a)")
    if len(parts) == 1:
        return SeniorClass(name, amount, False, Fraction(0))
    if len(parts) == 3 and parts[1] == "participates":
        return SeniorClass(name, amount, True, _exact_or_error(parts[2], "--senior", "F §3(b)"))
    raise InputError("--senior", "F §3(a)", f"{text!r} is not NAME=AMOUNT[:participates:AS_CONVERTED]")


def _exact_or_error(text: str, field: str, clause: str) -> Fraction:
    from prefstack.numeric import exact

    return exact(text, field=field, clause=clause)


def parse_non_cash(text: str) -> NonCashProceeds:
    """``DESCRIPTION=VALUE@CLAUSE``: property other than cash at its Fair Market Value under the
    §3(c) clause named (e.g. ``Acquirer shares=30000000@F §3(c)(i)(A)``)."""
    description, sep, rest = text.partition("=")
    value_text, at, clause = rest.partition("@")
    sections = ", ".join(f"F {section}" for section in NON_CASH_METHODS)
    if not sep or not at or not description:
        raise InputError("--non-cash", "F §3(c)", f"{text!r} is not DESCRIPTION=VALUE@CLAUSE (CLAUSE: {sections})")
    try:
        method = valuation_method(clause)
    except (InputError, CitationError) as exc:
        raise InputError("--non-cash", "F §3(c)", f"{clause!r}: {exc} (CLAUSE: {sections})") from exc
    return NonCashProceeds(description, _exact_or_error(value_text, "--non-cash", clause), clause, method)


NO_CAPITAL_STRUCTURE = "none: the ledger's series and Common Stock only"
"""What the waterfall says it used when no capital structure was given."""


def _check_structure_lists_the_ledger(structure: LoadedStructure, parity: Sequence[ParityHolding]) -> None:
    listed = {c.series for c in structure.structure.certificates}
    for series in sorted({p.series for p in parity} - listed):
        raise InputError(
            "--capital-structure",
            f"{series} §1(b)",
            f"the ledger has Series {series} shares outstanding but {structure.origin} does not list Series {series}",
        )


def liquidation(
    state: LedgerState,
    proceeds: Fraction,
    senior: Sequence[SeniorClass],
    non_cash: Sequence[NonCashProceeds] = (),
    structure: LoadedStructure | None = None,
) -> dict[str, Any]:
    """F/G §3: the waterfall of ``proceeds`` (cash) on the state's date, holders from the ledger;
    with ``structure``, every class of the capital structure (the output says which was used)."""
    parity = parity_holdings(state, state.as_of)
    outstanding = section5.common_outstanding(state)
    if state.common_outstanding_opening is None:
        raise InputError("common_outstanding", "F §3(b)", "the ledger has no Common Stock outstanding balance")
    if structure is None:
        junior = [JuniorHolding("Common Stock", "holders of Common Stock", outstanding)]
        result = waterfall(proceeds, non_cash, senior, parity, junior, state.as_of)
        used = _no_structure_used(senior)
    else:
        _check_structure_lists_the_ledger(structure, parity)
        common = structure.structure.common.name
        junior = [JuniorHolding(common, f"holders of {common}", outstanding)]
        whole = capital_structure_waterfall(
            structure.structure, proceeds, non_cash, senior, parity, junior, state.as_of
        )
        result = whole.waterfall
        used = _structure_used(structure, whole)
    return {
        "on": state.as_of.isoformat(),
        "capital_structure": used,
        **json_figure("proceeds", proceeds, MONEY),
        "non_cash": [
            {
                "description": n.description,
                **json_figure("value", n.value, MONEY),
                "clause": n.valuation_clause,
                "method": n.method,
            }
            for n in non_cash
        ],
        **json_figure("total_distributed", _fr(result.proceeds), MONEY),
        **json_figure("total_paid", _fr(result.total_paid), MONEY),
        "payouts": [_payout_row(p) for p in result.payouts],
    }


def _no_structure_used(senior: Sequence[SeniorClass]) -> dict[str, Any]:
    return {
        "used": NO_CAPITAL_STRUCTURE,
        "company": None,
        "illustrative": [],
        "overrides": [f"--senior {s.name}: one senior tier with the other --senior classes" for s in senior],
        "choices": [],
        **json_figure("exercise_cash", Fraction(0), MONEY),
    }


def _structure_used(structure: LoadedStructure, whole: StructureWaterfall) -> dict[str, Any]:
    return {
        "used": structure.origin,
        "company": structure.structure.company,
        "illustrative": structure.structure.illustrative_names(),
        "overrides": list(whole.overrides),
        "choices": [
            {
                "class": c.name,
                "choice": c.words,
                "chosen": c.chosen,
                **json_figure("paid_if_chosen", c.if_chosen, MONEY),
                **json_figure("paid_if_not_chosen", c.if_not_chosen, MONEY),
                "clause": c.explained.clause,
                "explain": c.explained.to_dict(),
            }
            for c in whole.choices
        ],
        **json_figure("exercise_cash", _exercise_cash(whole.waterfall), MONEY),
    }


def _payout_row(p: Payout) -> dict[str, Any]:
    return {
        "tier": p.tier_label,
        "rank": p.rank,
        "security": p.security,
        "holder": p.holder,
        **json_figure("amount", p.paid, MONEY),
        "exact_entitlement": to_decimal_string(p.exact),
        "clause": p.amount.clause,
        "illustrative": p.amount.inputs.get("illustrative") is True,
        "note": _payout_note(p.amount),
        "explain": p.amount.to_dict(),
    }


def _exercise_cash(result: Waterfall) -> Fraction:
    paid = result.proceeds.inputs.get("exercise price paid", Fraction(0))
    assert isinstance(paid, Fraction)
    return paid


def _payout_note(amount: Explained) -> str:
    """ "illustrative figures" for a class whose figures are illustrative; "--senior" for an override."""
    if amount.inputs.get("illustrative") is True:
        return "illustrative figures"
    if amount.inputs.get("source") == "--senior":
        return "--senior override"
    return ""


def redemption_holdings(state: LedgerState, series: str, on: dt.date) -> list[RedemptionHolding]:
    """§6(a): each holder of ``series`` with shares, and its accrued but unpaid dividends per share on
    ``on`` (projected with no further payment): what the redemption question and the Redemption
    Notice price the shares from."""
    s = state.series[series]
    s.terms.redeemable()
    holdings = []
    for holder in sorted(s.holdings):
        holding = s.holdings[holder]
        if holding.shares == 0:
            continue
        accrued = _fr(holding_accrued_unpaid(s, holding, on))
        holdings.append(RedemptionHolding(holder, holding.shares, accrued / holding.shares))
    return holdings


def redemption(state: LedgerState, series: str, funds: Fraction) -> dict[str, Any]:
    """F §6 / G §6: redeeming every outstanding share of ``series`` on the state's date with
    ``funds`` legally available (pro rata and shortfall per F §6(h)-(i), G §6(g)-(h))."""
    s = state.series[series]
    holdings = redemption_holdings(state, series, state.as_of)
    if not holdings:
        raise InputError("--series", f"{series} §6(a)", f"no Series {series} shares are outstanding on {state.as_of}")
    result = redeem(s.terms, holdings, funds, state.as_of, None, issue_price_adjustment=NO_PREFERRED_SPLIT)
    return {
        "series": series,
        "redemption_date": state.as_of.isoformat(),
        **json_figure("funds", _fr(result.funds), MONEY),
        **json_figure("total_paid", _fr(result.total_paid), MONEY),
        **json_figure("unused_funds", _fr(result.unused_funds), MONEY),
        "shortfall": result.shortfall,
        "redeemable_on_demand": result.redeemable_on_demand,
        "holders": [
            {
                "holder": h.holder,
                **json_figure("price_per_share", _fr(h.price_per_share), PRICE),
                **json_figure("shares_redeemed", _fr(h.shares_redeemed), SHARES),
                **json_figure("cash_paid", _fr(h.cash_paid), MONEY),
                **json_figure("shares_remaining", _fr(h.shares_remaining), SHARES),
                "clause": h.cash_paid.clause,
                "explain": [h.price_per_share.to_dict(), h.cash_paid.to_dict()],
            }
            for h in result.holders
        ],
    }


def voting(state: LedgerState, structure: LoadedStructure | None = None) -> dict[str, Any]:
    """F/G §4: each holder's votes (whole shares of Common Stock on conversion) and each
    series' voting power, beside the Common Stock's own votes; with ``structure``, the votes the
    generic classes that vote with the Common Stock cast as converted (CAPSTRUCT-VOTES)."""
    out = []
    for series in state.series:
        s = state.series[series]
        price = _fr(section5.conversion_price_state(state, series).conversion_price_explained())
        by_holder = {
            h: votes(s.terms, s.holdings[h].shares, price, issue_price_adjustment=NO_PREFERRED_SPLIT)
            for h in sorted(s.holdings)
            if s.holdings[h].shares
        }
        power = series_voting_power(s.terms, by_holder)
        out.append(
            {
                "series": series,
                **json_figure("conversion_price", price, PRICE),
                "voting_power": power.value,
                "voting_power_clause": power.clause,
                "holders": [
                    {"series": series, "holder": h, "votes": v.value, "clause": v.clause} for h, v in by_holder.items()
                ],
            }
        )
    common = section5.common_outstanding(state)
    classes = []
    for c in () if structure is None else structure.structure.generic:
        per_share = c.common_per_share
        if not c.votes_with_common or per_share is None:
            continue
        cast = class_votes(c.name, c.shares_outstanding, per_share, c.source, c.illustrative)
        classes.append(
            {
                "class": c.name,
                "votes": cast.value,
                "clause": cast.clause,
                "illustrative": c.illustrative,
                "note": "illustrative figures" if c.illustrative else "",
                "explain": cast.to_dict(),
            }
        )
    return {
        "as_of": state.as_of.isoformat(),
        "capital_structure": NO_CAPITAL_STRUCTURE if structure is None else structure.origin,
        "series": out,
        "classes": classes,
        **(
            json_figure("common_stock_votes", common, COMMON)
            if state.common_outstanding_opening is not None
            else {"common_stock_votes": None}
        ),
    }


def certificates_of_adjustment(state: LedgerState) -> list[ad.CertificateOfAdjustment]:
    """F/G §5(j): a certificate for every adjustment or readjustment up to the state's date."""
    found = []
    for series in state.series:
        result = section5.conversion_price_state(state, series)
        terms = state.series[series].terms
        found += [ad.certificate_of_adjustment(terms, a, result.entitlements) for a in result.adjustments]
    return found


def dividends(state: LedgerState, payment_date: dt.date, series: str | None = None) -> dict[str, Any]:
    """F §2, G §2: what each holder received for ``payment_date`` (the dividend, its form and why,
    PIK shares, cash, Common Stock with the 25-trading-day price, cash for the fraction), or that
    the dividend went unpaid and accrues, with the clause of every figure."""
    names = [series] if series is not None else list(state.series)
    out = []
    for name in names:
        if name not in state.series:
            raise InputError("--series", "F §2(a)", f"no series {name!r} (series: {', '.join(state.series)})")
        s = state.series[name]
        dates = payment_dates(s.terms, payment_date - dt.timedelta(days=1), payment_date)
        if payment_date not in set(dates):
            cite = s.terms.dividends.payment_months.cite
            raise InputError("--payment-date", cite, f"{payment_date} is not a Payment Date of Series {name}")
        outcome = s.payment_outcomes.get(payment_date)
        holders: list[dict[str, Any]] = []
        for record in s.payments.get(payment_date, []):
            holders.append(_paid_dividend(name, record.holder, paid_dividend(state, name, record), record.form_reason))
        for holder, amount in s.unpaid_dividends.get(payment_date, []):
            holders.append(
                {
                    "series": name,
                    "holder": holder,
                    "status": "unpaid",
                    **json_figure("dividend", _fr(amount), MONEY),
                    "form": None,
                    "form_reason": "no funds legally available: the dividend accrues unpaid",
                    "form_summary": "unpaid, accrues",
                    "clause": s.terms.dividends.accrues_without_funds.cite,
                    **dict.fromkeys(
                        (
                            "pik_shares",
                            "cash",
                            "common_shares",
                            "cash_for_fraction",
                            "common_price",
                            "common_price_window",
                        )
                    ),
                    "explain": [amount.to_dict()],
                }
            )
        status = outcome or ("not recorded" if payment_date <= state.as_of else "not yet due")
        out.append({"series": name, "outcome": status, "holders": holders})
    return {"payment_date": payment_date.isoformat(), "series": out}


def _paid_dividend(series: str, holder: str, payment: DividendPayment, reason: str) -> dict[str, Any]:
    form = payment.election
    price = (
        payment.common_shares.parts[0] if payment.common_shares is not None and payment.common_shares.parts else None
    )
    row: dict[str, Any] = {
        "series": series,
        "holder": holder,
        "status": "paid",
        **json_figure("dividend", _fr(payment.dividend), MONEY),
        "form": {
            "cash": to_decimal_string(form.cash),
            "pik": to_decimal_string(form.pik),
            "common": to_decimal_string(form.common),
        },
        "form_reason": reason,
        "form_summary": ", ".join(
            f"{label} {to_decimal_string(part) if part != 1 else 'all'}"
            for label, part in (("cash", form.cash), ("PIK", form.pik), ("Common Stock", form.common))
            if part
        )
        + (" (default)" if reason.startswith("no election") else " (elected)"),
        "clause": payment.dividend.clause,
        **json_figure("pik_shares", _fr(payment.pik_shares) if payment.pik_shares else Fraction(0), SHARES),
        **json_figure("cash", _fr(payment.cash) if payment.cash else Fraction(0), MONEY),
        "common_shares": int(_fr(payment.common_shares)) if payment.common_shares else 0,
        **json_figure(
            "cash_for_fraction", _fr(payment.cash_for_fraction) if payment.cash_for_fraction else Fraction(0), MONEY
        ),
        "explain": [payment.dividend.to_dict(), *[f.to_dict() for f in payment.figures()]],
    }
    row.update({"common_price": None, "common_price_window": None})
    if price is not None:
        assert isinstance(price.value, Fraction)
        row.update(json_figure("common_price", price.value, PRICE))
        row["common_price_window"] = {
            "first_trading_day": str(price.inputs["first_trading_day"]),
            "last_trading_day": str(price.inputs["last_trading_day"]),
            "trading_days": int(str(price.inputs["trading_days"])),
            "clause": price.clause,
        }
    return row


def redemption_in_common(state: LedgerState, series: str) -> dict[str, Any]:
    """F §6(d): the Redemption Price of every outstanding share of ``series`` paid on the state's date in
    Common Stock at its Fair Market Value, whole shares and cash for the fraction — the same rule
    (:func:`~prefstack.ledger.replay.common_stock_redemption`) as the ``redemption`` event with
    ``in_common``."""
    try:
        parts = common_stock_redemption(state, series, state.as_of)
    except NoSuchClause as exc:
        raise InputError("--in-common", exc.clause, exc.problem) from exc
    fmv = parts[0].fair_market_value
    return {
        "series": series,
        "redemption_date": state.as_of.isoformat(),
        "in_common": True,
        **json_figure("fair_market_value", _fr(fmv), PRICE),
        "fair_market_value_clause": fmv.clause,
        "holders": [
            {
                "holder": p.holder,
                **json_figure("shares_redeemed", p.shares_redeemed, SHARES),
                **json_figure("redemption_price", _fr(p.redemption_price), MONEY),
                "common_shares": int(_fr(p.payment.shares_of_common)),
                **json_figure("cash_for_fraction", _fr(p.payment.cash_for_fraction), MONEY),
                "clause": p.payment.shares_of_common.clause,
                "explain": [
                    p.redemption_price.to_dict(),
                    p.payment.shares_of_common.to_dict(),
                    p.payment.cash_for_fraction.to_dict(),
                ],
            }
            for p in parts
        ],
    }


def proposed_transaction(placed: Sequence[Placed], event: LedgerEvent, as_of: dt.date | None = None) -> dict[str, Any]:
    """F/G §6(b) and G §3(d) for a transaction not (yet) in the ledger: the ledger replayed with
    ``event`` added, by the same rules as a recorded one, as of ``as_of`` (default: its date; a
    later day for the 60-day rule of §6(b)(v)(C)); nothing is stored."""
    from prefstack.report import facts_and_why

    candidate = Placed(event, "proposed transaction")
    state = replay([*placed, candidate], event.date if as_of is None else as_of)
    judged = []
    for name, s in state.series.items():
        for j in s.judged_events:
            if j.ident != (event.id or candidate.source):
                continue
            row: dict[str, Any] = {
                "series": name,
                "mandatory_redemption_event": bool(j.mandatory_redemption_event.value),
                "clause": j.mandatory_redemption_event.parts[0].clause,
                "deemed_liquidation": None if j.deemed_liquidation is None else bool(j.deemed_liquidation.value),
                "deemed_liquidation_clause": None if j.deemed_liquidation is None else j.deemed_liquidation.clause,
                "payouts": [],
                **facts_and_why(j.mandatory_redemption_event.parts[0]),
                "deemed_liquidation_why": None
                if j.deemed_liquidation is None
                else facts_and_why(j.deemed_liquidation)["why"],
                "explain": [
                    j.mandatory_redemption_event.to_dict(),
                    *([j.deemed_liquidation.to_dict()] if j.deemed_liquidation is not None else []),
                ],
            }
            deemed = s.deemed_liquidation
            if deemed is not None and deemed.ident == j.ident:
                row["payouts"] = [
                    {"tier": p.tier.value, "holder": p.holder, **json_figure("amount", p.paid, MONEY)}
                    for p in deemed.waterfall.payouts
                    if p.security == name
                ]
            judged.append(row)
    without = [
        {"series": name, "why": f"{s.terms.designation.value} has no mandatory redemption (no redemption terms)"}
        for name, s in state.series.items()
        if s.terms.redemption is None and s.shares_outstanding
    ]
    return {"on": event.date.isoformat(), "kind": event.kind, "series": judged, "not_judged": without}


def ledger_log(db: str, company: str | None = None) -> dict[str, Any]:
    """The audit trail of a company's ledger in the store at ``db`` (``company``: an issuer id or
    legal name, None for the store's only company; verified first): every event in the order it
    was recorded, who recorded it, its effective date and clause, and the void that took it back."""
    from prefstack.ledger import service
    from prefstack.ledger.events import event_clause
    from prefstack.ledger.replay import voids

    whose, placed = service.load_ledger(None, db, company)
    voided_by = {id(target): void for void, target in voids(placed)}
    rows = []
    for p in placed:
        void = voided_by.get(id(p))
        if isinstance(p.event, ev.EventVoided):
            named = p.event.voids if p.event.voids is not None else f"#{p.event.voids_seq}"
            status = f"voids {named}: {p.event.reason}"
        elif void is not None:
            assert isinstance(void.event, ev.EventVoided)
            status = f"voided by #{void.seq} ({void.recorded_by}): {void.event.reason}"
        else:
            status = "in force"
        assert p.seq is not None and p.recorded_at is not None and p.recorded_by is not None  # stored events
        rows.append(
            {
                "seq": p.seq,
                "recorded_at": p.recorded_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "recorded_by": p.recorded_by,
                "kind": p.event.kind,
                "effective_date": p.event.date.isoformat(),
                "id": p.event.id,
                "clause": event_clause(p.event),
                "voided": void is not None,
                "voided_by": None if void is None else void.seq,
                "status": status,
            }
        )
    return {"company": service.company_name(whose), "events": rows}
