"""Questions asked of the ledger's state on a date: convert, liquidate, redeem, vote, certify.

Each function takes the replayed :class:`~prefstack.ledger.replay.LedgerState` and the
question's own inputs, calls the clause functions, and returns a typed answer (a frozen
dataclass, :mod:`prefstack.answers`) in which every figure keeps its clause and explanation.
Callers ask through :class:`prefstack.books.Books`. Nothing here is recorded in the ledger:
these are "what would the certificates give" answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from prefstack.answers import Figure, optional
from prefstack.calendars import payment_dates
from prefstack.citations import CAPITAL_STRUCTURE
from prefstack.clauses import antidilution as ad
from prefstack.clauses.dividends import DividendPayment
from prefstack.clauses.liquidation import (
    NON_CASH_METHODS,
    ItemWaterfall,
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
from prefstack.clauses.voting import class_votes, class_votes_holder_by_holder, series_voting_power, votes
from prefstack.errors import CitationError, InputError
from prefstack.explain import Explained, exact_value
from prefstack.figures import COMMON, MONEY, PRICE, SHARES
from prefstack.instruments.capital_structure import GenericClass, LoadedStructure
from prefstack.ledger import events as ev
from prefstack.ledger import section5
from prefstack.ledger.events import LedgerEvent
from prefstack.ledger.replay import (
    NO_PREFERRED_SPLIT,
    LedgerState,
    PaidDividend,
    Placed,
    common_stock_redemption,
    conversion_decision,
    holding_accrued_unpaid,
    paid_dividend,
    parity_holdings,
    replay,
)
from prefstack.numeric import to_decimal_string


@dataclass(frozen=True)
class DividendSettlement:
    """§5(c)(iii): how the accrued dividends of the shares converted are paid."""

    cash: Figure
    common_shares: int
    cash_for_fraction: Figure


@dataclass(frozen=True)
class ConversionClauses:
    conversion_price: str
    common_shares: str
    cash_for_fraction: str
    accrued_unpaid_dividends: str
    dividend_settlement: str


@dataclass(frozen=True)
class ConversionQuote:
    """F/G §5(a)-(c): what converting shares on a date gives (``prefstack convert``)."""

    series: str
    holder: str
    conversion_date: dt.date
    shares_converted: Figure
    conversion_price: Figure
    common_shares: int
    cash_for_fraction: Figure
    accrued_unpaid_dividends: Figure
    dividend_settlement: DividendSettlement
    clauses: ConversionClauses
    explain: tuple[Mapping[str, Any], ...]


def conversion_quote(
    state: LedgerState,
    series: str,
    holder: str,
    shares: Fraction,
    funds_legally_available: Fraction | None,
    certificates: Sequence[Fraction] | None = None,
) -> ConversionQuote:
    """F/G §5(a)-(c): what converting ``shares`` of ``holder`` on the state's date gives — the
    same rule (:func:`~prefstack.ledger.replay.conversion_decision`) as the ``conversion`` event,
    cut-offs included; ``certificates``: the shares on each certificate surrendered (read by
    CONV-FRACTION-AGGREGATE=per-certificate)."""
    try:
        decision = conversion_decision(
            state,
            series,
            holder,
            shares,
            state.as_of,
            funds_legally_available=funds_legally_available,
            certificates=certificates,
        )
    except InputError as exc:
        if exc.field.startswith("--"):  # an option already (--db: a snapshot the store holds that cannot be read)
            raise
        raise InputError(f"--{exc.field}", exc.clause, exc.problem) from exc
    result, price, on_converted = decision.result, decision.conversion_price, exact_value(decision.accrued_unpaid)
    settlement = result.dividends
    return ConversionQuote(
        series=series,
        holder=holder,
        conversion_date=state.as_of,
        shares_converted=Figure(shares, SHARES),
        conversion_price=Figure(exact_value(price), PRICE),
        common_shares=_whole(result.common_shares),
        cash_for_fraction=Figure(exact_value(result.cash_for_fraction), MONEY),
        accrued_unpaid_dividends=Figure(on_converted, MONEY),
        dividend_settlement=DividendSettlement(
            cash=Figure(exact_value(settlement.cash), MONEY),
            common_shares=_whole(settlement.common_shares),
            cash_for_fraction=Figure(exact_value(settlement.cash_for_fraction), MONEY),
        ),
        clauses=ConversionClauses(
            conversion_price=price.clause,
            common_shares=result.common_shares.clause,
            cash_for_fraction=result.cash_for_fraction.clause,
            accrued_unpaid_dividends=decision.accrued_unpaid.clause,
            dividend_settlement=settlement.cash.clause,
        ),
        explain=(*[e.to_dict() for e in result.explain()], price.to_dict()),
    )


def common_count(value: int | Fraction | Explained) -> int | Figure:
    """A count of shares of Common Stock issued as an answer gives it: a whole number, or, where a
    reading issues fractional shares (DIV-F-COMMON-FRACTIONS=fractional, RED-F-COMMON=fractional) and
    the count holds a fraction, the exact count as a figure (shown to whole shares, exact beside)."""
    number = value.value if isinstance(value, Explained) else value
    if not isinstance(number, (int, Fraction)) or isinstance(number, bool):
        raise AssertionError(f"not a count of shares: {number!r}")
    if isinstance(number, int):
        return number
    if number.denominator == 1:
        return int(number)
    return Figure(number, COMMON)


def _whole(x: Explained) -> int:
    """A figure a clause makes whole (shares of Common Stock issued)."""
    value = x.value
    if not isinstance(value, (int, Fraction)) or isinstance(value, bool) or value != int(value):
        raise AssertionError(f"{x.clause}: {x.name} is not a whole number: {value!r}")
    return int(value)


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


@dataclass(frozen=True)
class ConversionChoice:
    """A convertible class's choice between its preference and conversion (CAPSTRUCT-CONVERSION-CHOICE)."""

    class_: str
    choice: str
    chosen: bool
    paid_if_chosen: Figure
    paid_if_not_chosen: Figure
    clause: str
    explain: Mapping[str, Any]


@dataclass(frozen=True)
class StructureUsed:
    """Which capital structure the waterfall read (or none: the ledger's series and ``--senior``)."""

    used: str
    company: str | None
    illustrative: tuple[str, ...]
    overrides: tuple[str, ...]
    choices: tuple[ConversionChoice, ...]
    exercise_cash: Figure


@dataclass(frozen=True)
class NonCashValued:
    """Proceeds other than cash, at the value their clause gives them (F §3(c))."""

    description: str
    value: Figure
    clause: str
    method: str


@dataclass(frozen=True)
class PayoutRow:
    """What one holder of one class is paid, by which tier and clause."""

    tier: str
    rank: int | None
    security: str
    holder: str
    amount: Figure
    exact_entitlement: str
    """The exact amount before rounding to the cent (a terminating decimal or ``p/q``)."""
    clause: str
    illustrative: bool
    note: str
    explain: Mapping[str, Any]


@dataclass(frozen=True)
class ClassHolderRow:
    """What one holder of a generic class the capital-structure file lists holders for is paid in
    all, its part of the class's payments (CAPSTRUCT-HOLDER-PAYOUTS)."""

    security: str
    holder: str
    amount: Figure
    exact_entitlement: str
    clause: str
    illustrative: bool
    explain: Mapping[str, Any]


@dataclass(frozen=True)
class ItemPayout:
    """What one holder of one class is paid of one item of the proceeds (all its tiers together)."""

    security: str
    holder: str
    amount: Figure


@dataclass(frozen=True)
class ItemAllocation:
    """LIQ-NON-CASH=item-by-item: one item of the proceeds (the cash, or one item of non-cash property)
    through the waterfall on its own, its value rounded to the cent, and what each holder is paid of it."""

    item: str
    value: Figure
    paid_in_cents: Figure
    clause: str
    payouts: tuple[ItemPayout, ...]


@dataclass(frozen=True)
class WaterfallAnswer:
    """F/G §3: who is paid what from the proceeds of a liquidation (``prefstack waterfall``)."""

    on: dt.date
    capital_structure: StructureUsed
    proceeds: Figure
    non_cash: tuple[NonCashValued, ...]
    total_distributed: Figure
    total_paid: Figure
    payouts: tuple[PayoutRow, ...]
    by_item: tuple[ItemAllocation, ...] | None = optional()
    """Under LIQ-NON-CASH=item-by-item: each item and what each holder is paid of it (``payouts``: the
    sums over the items); left out under prefstack's reading."""
    class_holders: tuple[ClassHolderRow, ...] | None = optional()
    """With a capital structure that lists the holders of a generic class: what each of them is paid
    in all, its part of the class's payouts (CAPSTRUCT-HOLDER-PAYOUTS); left out where none is listed."""


def liquidation(
    state: LedgerState,
    proceeds: Fraction,
    senior: Sequence[SeniorClass],
    non_cash: Sequence[NonCashProceeds] = (),
    structure: LoadedStructure | None = None,
) -> WaterfallAnswer:
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
        holders: tuple[ClassHolderRow, ...] = ()
    else:
        _check_structure_lists_the_ledger(structure, parity)
        common = structure.structure.common.name
        junior = [JuniorHolding(common, f"holders of {common}", outstanding)]
        whole = capital_structure_waterfall(
            structure.structure, proceeds, non_cash, senior, parity, junior, state.as_of
        )
        result = whole.waterfall
        used = _structure_used(structure, whole)
        holders = tuple(
            ClassHolderRow(
                security=h.security,
                holder=h.holder,
                amount=Figure(h.paid, MONEY),
                exact_entitlement=to_decimal_string(h.exact),
                clause=h.amount.clause,
                illustrative=h.amount.inputs.get("illustrative") is True,
                explain=h.amount.to_dict(),
            )
            for h in whole.holders
        )
    return WaterfallAnswer(
        on=state.as_of,
        capital_structure=used,
        proceeds=Figure(proceeds, MONEY),
        non_cash=tuple(
            NonCashValued(
                description=n.description, value=Figure(n.value, MONEY), clause=n.valuation_clause, method=n.method
            )
            for n in non_cash
        ),
        total_distributed=Figure(exact_value(result.proceeds), MONEY),
        total_paid=Figure(exact_value(result.total_paid), MONEY),
        payouts=tuple(_payout_row(p) for p in result.payouts),
        by_item=tuple(_item_allocation(item) for item in result.by_item) if result.by_item else None,
        class_holders=holders or None,
    )


def _item_allocation(item: ItemWaterfall) -> ItemAllocation:
    paid: dict[tuple[str, str], Fraction] = {}
    for p in item.payouts:
        paid[(p.security, p.holder)] = paid.get((p.security, p.holder), Fraction(0)) + p.paid
    in_cents = item.value.inputs["paid in cents"]
    assert isinstance(in_cents, Fraction)
    return ItemAllocation(
        item=item.item,
        value=Figure(exact_value(item.value), MONEY),
        paid_in_cents=Figure(in_cents, MONEY),
        clause=item.value.clause,
        payouts=tuple(ItemPayout(who[0], who[1], Figure(amount, MONEY)) for who, amount in paid.items()),
    )


def _no_structure_used(senior: Sequence[SeniorClass]) -> StructureUsed:
    return StructureUsed(
        used=NO_CAPITAL_STRUCTURE,
        company=None,
        illustrative=(),
        overrides=tuple(f"--senior {s.name}: one senior tier with the other --senior classes" for s in senior),
        choices=(),
        exercise_cash=Figure(Fraction(0), MONEY),
    )


def _structure_used(structure: LoadedStructure, whole: StructureWaterfall) -> StructureUsed:
    return StructureUsed(
        used=structure.origin,
        company=structure.structure.company,
        illustrative=tuple(structure.structure.illustrative_names()),
        overrides=tuple(whole.overrides),
        choices=tuple(
            ConversionChoice(
                class_=c.name,
                choice=c.words,
                chosen=c.chosen,
                paid_if_chosen=Figure(c.if_chosen, MONEY),
                paid_if_not_chosen=Figure(c.if_not_chosen, MONEY),
                clause=c.explained.clause,
                explain=c.explained.to_dict(),
            )
            for c in whole.choices
        ),
        exercise_cash=Figure(_exercise_cash(whole.waterfall), MONEY),
    )


def _payout_row(p: Payout) -> PayoutRow:
    return PayoutRow(
        tier=p.tier_label,
        rank=p.rank,
        security=p.security,
        holder=p.holder,
        amount=Figure(p.paid, MONEY),
        exact_entitlement=to_decimal_string(p.exact),
        clause=p.amount.clause,
        illustrative=p.amount.inputs.get("illustrative") is True,
        note=_payout_note(p.amount),
        explain=p.amount.to_dict(),
    )


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
        accrued = exact_value(holding_accrued_unpaid(s, holding, on))
        holdings.append(RedemptionHolding(holder, holding.shares, accrued / holding.shares))
    return holdings


@dataclass(frozen=True)
class RedeemedHolder:
    holder: str
    price_per_share: Figure
    shares_redeemed: Figure
    cash_paid: Figure
    shares_remaining: Figure
    clause: str
    explain: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class RedemptionAnswer:
    """F §6 / G §6: redeeming every outstanding share with the funds legally available."""

    series: str
    redemption_date: dt.date
    funds: Figure
    total_paid: Figure
    unused_funds: Figure
    shortfall: bool
    redeemable_on_demand: bool
    holders: tuple[RedeemedHolder, ...]


def redemption(state: LedgerState, series: str, funds: Fraction) -> RedemptionAnswer:
    """F §6 / G §6: redeeming every outstanding share of ``series`` on the state's date with
    ``funds`` legally available (pro rata and shortfall per F §6(h)-(i), G §6(g)-(h))."""
    s = state.series[series]
    holdings = redemption_holdings(state, series, state.as_of)
    if not holdings:
        raise InputError("--series", f"{series} §6(a)", f"no Series {series} shares are outstanding on {state.as_of}")
    result = redeem(s.terms, holdings, funds, state.as_of, None, issue_price_adjustment=NO_PREFERRED_SPLIT)
    return RedemptionAnswer(
        series=series,
        redemption_date=state.as_of,
        funds=Figure(exact_value(result.funds), MONEY),
        total_paid=Figure(exact_value(result.total_paid), MONEY),
        unused_funds=Figure(exact_value(result.unused_funds), MONEY),
        shortfall=result.shortfall,
        redeemable_on_demand=result.redeemable_on_demand,
        holders=tuple(
            RedeemedHolder(
                holder=h.holder,
                price_per_share=Figure(exact_value(h.price_per_share), PRICE),
                shares_redeemed=Figure(exact_value(h.shares_redeemed), SHARES),
                cash_paid=Figure(exact_value(h.cash_paid), MONEY),
                shares_remaining=Figure(exact_value(h.shares_remaining), SHARES),
                clause=h.cash_paid.clause,
                explain=(h.price_per_share.to_dict(), h.cash_paid.to_dict()),
            )
            for h in result.holders
        ),
    )


@dataclass(frozen=True)
class HolderVotes:
    series: str
    holder: str
    votes: int
    clause: str


@dataclass(frozen=True)
class SeriesVotes:
    """A series' voting power (§4) at its Conversion Price, and each holder's votes."""

    series: str
    conversion_price: Figure
    voting_power: int
    voting_power_clause: str
    holders: tuple[HolderVotes, ...]


@dataclass(frozen=True)
class ClassVotes:
    """The votes a generic class that votes with the Common Stock casts as converted (CAPSTRUCT-VOTES)."""

    class_: str
    votes: int
    clause: str
    illustrative: bool
    note: str
    explain: Mapping[str, Any]


@dataclass(frozen=True)
class VotesAnswer:
    """F/G §4: votes on a date (``prefstack votes``)."""

    as_of: dt.date
    capital_structure: str
    series: tuple[SeriesVotes, ...]
    classes: tuple[ClassVotes, ...]
    common_stock_votes: Figure | None
    """None where the ledger records no Common Stock outstanding."""


def _class_votes_as_read(c: GenericClass, where: str) -> Explained:
    """The votes a generic class casts with the Common Stock under the reading of CAPSTRUCT-VOTES: the
    whole shares of Common Stock its shares convert into (prefstack's), one vote per whole share of
    the class itself (``per-share``: the fraction of a share, if any, dropped), or each holder's whole
    shares of Common Stock added (``holder-by-holder``: needs the class's ``holders`` in the file,
    ``where`` naming the class there)."""
    from dataclasses import replace

    from prefstack.interpretations.readings import chosen

    name, shares, source, illustrative = c.name, c.shares_outstanding, c.source, c.illustrative
    common_per_share = c.common_per_share
    assert common_per_share is not None  # a class votes with the Common Stock only as converted (checked on reading)
    match chosen("CAPSTRUCT-VOTES"):
        case "default":
            return class_votes(name, shares, common_per_share, source, illustrative)
        case "per-share":
            cast = class_votes(name, shares, Fraction(1), source, illustrative)
            inputs = {k: v for k, v in cast.inputs.items() if k != "shares of Common Stock per share"}
            return replace(
                cast,
                inputs=inputs,
                formula="floor(shares outstanding): one vote per share of the class (CAPSTRUCT-VOTES=per-share)",
            )
        case "holder-by-holder":
            if c.holders is None:
                raise InputError(
                    f"{where}.holders",
                    CAPITAL_STRUCTURE,
                    f"CAPSTRUCT-VOTES=holder-by-holder drops the fraction holder by holder: the file gives no "
                    f"holders of {name} (F §4, G §4)",
                )
            held = [(h.name, h.shares) for h in c.holders]
            return class_votes_holder_by_holder(name, held, common_per_share, source, illustrative)
        case other:
            raise AssertionError(f"CAPSTRUCT-VOTES alternative {other!r} is registered but not computed")


def voting(state: LedgerState, structure: LoadedStructure | None = None) -> VotesAnswer:
    """F/G §4: each holder's votes (whole shares of Common Stock on conversion) and each
    series' voting power, beside the Common Stock's own votes; with ``structure``, the votes the
    generic classes that vote with the Common Stock cast as converted (CAPSTRUCT-VOTES)."""
    out = []
    for series in state.series:
        s = state.series[series]
        price = exact_value(section5.conversion_price_state(state, series).conversion_price_explained())
        by_holder = {
            h: votes(s.terms, s.holdings[h].shares, price, issue_price_adjustment=NO_PREFERRED_SPLIT)
            for h in sorted(s.holdings)
            if s.holdings[h].shares
        }
        power = series_voting_power(s.terms, by_holder)
        out.append(
            SeriesVotes(
                series=series,
                conversion_price=Figure(price, PRICE),
                voting_power=_whole(power),
                voting_power_clause=power.clause,
                holders=tuple(HolderVotes(series, h, _whole(v), v.clause) for h, v in by_holder.items()),
            )
        )
    common = section5.common_outstanding(state)
    classes = []
    listed = () if structure is None else structure.structure.classes
    for index, c in enumerate(listed):
        if not isinstance(c, GenericClass) or not c.votes_with_common or c.common_per_share is None:
            continue
        assert structure is not None
        cast = _class_votes_as_read(c, f"{structure.origin}: classes[{index}] ({c.name})")
        classes.append(
            ClassVotes(
                class_=c.name,
                votes=_whole(cast),
                clause=cast.clause,
                illustrative=c.illustrative,
                note="illustrative figures" if c.illustrative else "",
                explain=cast.to_dict(),
            )
        )
    return VotesAnswer(
        as_of=state.as_of,
        capital_structure=NO_CAPITAL_STRUCTURE if structure is None else structure.origin,
        series=tuple(out),
        classes=tuple(classes),
        common_stock_votes=Figure(common, COMMON) if state.common_outstanding_opening is not None else None,
    )


def certificates_of_adjustment(state: LedgerState) -> list[ad.CertificateOfAdjustment]:
    """F/G §5(j): a certificate for every adjustment or readjustment up to the state's date."""
    found = []
    for series in state.series:
        result = section5.conversion_price_state(state, series)
        terms = state.series[series].terms
        found += [ad.certificate_of_adjustment(terms, a, result.entitlements) for a in result.adjustments]
    return found


@dataclass(frozen=True)
class DividendForm:
    """The portions of a dividend paid in each form (exact strings: ``1``, ``0.5``, ``1/3``)."""

    cash: str
    pik: str
    common: str


@dataclass(frozen=True)
class CommonPriceWindow:
    """The 25 trading days whose closing prices price a dividend paid in Common Stock (F §2(b))."""

    first_trading_day: str
    last_trading_day: str
    trading_days: int
    clause: str


@dataclass(frozen=True)
class HolderDividend:
    """One holder's dividend of a Payment Date: paid (its form and why, the figures of each form)
    or unpaid (it accrues; no form and no figures)."""

    series: str
    holder: str
    status: str
    dividend: Figure
    form: DividendForm | None
    form_reason: str
    form_summary: str
    clause: str
    pik_shares: Figure | None
    cash: Figure | None
    common_shares: int | Figure | None
    """Whole shares; exact (a figure) under DIV-F-COMMON-FRACTIONS=fractional."""
    cash_for_fraction: Figure | None
    common_price: Figure | None
    common_price_window: CommonPriceWindow | None
    explain: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class SeriesDividends:
    series: str
    outcome: str
    """The outcome recorded for the Payment Date, else ``not recorded`` or ``not yet due``."""
    holders: tuple[HolderDividend, ...]


@dataclass(frozen=True)
class DividendsAnswer:
    """F §2, G §2: what each holder received for a Payment Date (``prefstack dividends``)."""

    payment_date: dt.date
    series: tuple[SeriesDividends, ...]


def dividends(state: LedgerState, payment_date: dt.date, series: str | None = None) -> DividendsAnswer:
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
        holders = [
            holder_dividend(state, name, record)
            for record in s.payments.get(payment_date, [])
        ]
        holders += [
            HolderDividend(
                series=name,
                holder=holder,
                status="unpaid",
                dividend=Figure(exact_value(amount), MONEY),
                form=None,
                form_reason="no funds legally available: the dividend accrues unpaid",
                form_summary="unpaid, accrues",
                clause=s.terms.dividends.accrues_without_funds.cite,
                pik_shares=None,
                cash=None,
                common_shares=None,
                cash_for_fraction=None,
                common_price=None,
                common_price_window=None,
                explain=(amount.to_dict(),),
            )
            for holder, amount in s.unpaid_dividends.get(payment_date, [])
        ]
        status = outcome or ("not recorded" if payment_date <= state.as_of else "not yet due")
        out.append(SeriesDividends(name, status, tuple(holders)))
    return DividendsAnswer(payment_date, tuple(out))


def holder_dividend(state: LedgerState, series: str, record: PaidDividend) -> HolderDividend:
    """One holder's paid dividend of a Payment Date as the typed answer of ``dividends`` (and of the
    dividend statement): the payment recomputed, explained, from the facts replay kept."""
    return _paid_dividend(series, record.holder, paid_dividend(state, series, record), record.form_reason)


def _paid_dividend(series: str, holder: str, payment: DividendPayment, reason: str) -> HolderDividend:
    form = payment.election
    price = (
        payment.common_shares.parts[0] if payment.common_shares is not None and payment.common_shares.parts else None
    )
    window = None
    if price is not None:
        window = CommonPriceWindow(
            first_trading_day=str(price.inputs["first_trading_day"]),
            last_trading_day=str(price.inputs["last_trading_day"]),
            trading_days=int(str(price.inputs["trading_days"])),
            clause=price.clause,
        )
    return HolderDividend(
        series=series,
        holder=holder,
        status="paid",
        dividend=Figure(exact_value(payment.dividend), MONEY),
        form=DividendForm(
            cash=to_decimal_string(form.cash), pik=to_decimal_string(form.pik), common=to_decimal_string(form.common)
        ),
        form_reason=reason,
        form_summary=", ".join(
            f"{label} {to_decimal_string(part) if part != 1 else 'all'}"
            for label, part in (("cash", form.cash), ("PIK", form.pik), ("Common Stock", form.common))
            if part
        )
        + (" (default)" if reason.startswith("no election") else " (elected)"),
        clause=payment.dividend.clause,
        pik_shares=Figure(exact_value(payment.pik_shares) if payment.pik_shares else Fraction(0), SHARES),
        cash=Figure(exact_value(payment.cash) if payment.cash else Fraction(0), MONEY),
        common_shares=common_count(payment.common_shares) if payment.common_shares else 0,
        cash_for_fraction=Figure(
            exact_value(payment.cash_for_fraction) if payment.cash_for_fraction else Fraction(0), MONEY
        ),
        common_price=None if price is None else Figure(exact_value(price), PRICE),
        common_price_window=window,
        explain=(payment.dividend.to_dict(), *[f.to_dict() for f in payment.figures()]),
    )


@dataclass(frozen=True)
class RedeemedInCommonHolder:
    holder: str
    shares_redeemed: Figure
    redemption_price: Figure
    common_shares: int | Figure
    """Whole shares; exact (a figure) under RED-F-COMMON=fractional."""
    cash_for_fraction: Figure
    clause: str
    explain: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class RedemptionInCommonAnswer:
    """F §6(d): the Redemption Price paid in Common Stock at its Fair Market Value."""

    series: str
    redemption_date: dt.date
    in_common: bool
    fair_market_value: Figure
    fair_market_value_clause: str
    holders: tuple[RedeemedInCommonHolder, ...]


def redemption_in_common(state: LedgerState, series: str) -> RedemptionInCommonAnswer:
    """F §6(d): the Redemption Price of every outstanding share of ``series`` paid on the state's date in
    Common Stock at its Fair Market Value, whole shares and cash for the fraction — the same rule
    (:func:`~prefstack.ledger.replay.common_stock_redemption`) as the ``redemption`` event with
    ``in_common``."""
    try:
        parts = common_stock_redemption(state, series, state.as_of)
    except NoSuchClause as exc:
        raise InputError("--in-common", exc.clause, exc.problem) from exc
    fmv = parts[0].fair_market_value
    return RedemptionInCommonAnswer(
        series=series,
        redemption_date=state.as_of,
        in_common=True,
        fair_market_value=Figure(exact_value(fmv), PRICE),
        fair_market_value_clause=fmv.clause,
        holders=tuple(
            RedeemedInCommonHolder(
                holder=p.holder,
                shares_redeemed=Figure(p.shares_redeemed, SHARES),
                redemption_price=Figure(exact_value(p.redemption_price), MONEY),
                common_shares=common_count(p.payment.shares_of_common),
                cash_for_fraction=Figure(exact_value(p.payment.cash_for_fraction), MONEY),
                clause=p.payment.shares_of_common.clause,
                explain=(
                    p.redemption_price.to_dict(),
                    p.payment.shares_of_common.to_dict(),
                    p.payment.cash_for_fraction.to_dict(),
                ),
            )
            for p in parts
        ),
    )


@dataclass(frozen=True)
class ProposedPayout:
    """What a holder of the series would be paid if the transaction is a deemed liquidation (G §3(d))."""

    tier: str
    holder: str
    amount: Figure


@dataclass(frozen=True)
class TransactionJudged:
    """One series' judgment of a proposed transaction: a Mandatory Redemption Event (§6(b)) or not,
    a deemed liquidation (G §3(d)) or not, with the facts and test, and the payouts if deemed."""

    series: str
    mandatory_redemption_event: bool
    clause: str
    deemed_liquidation: bool | None
    deemed_liquidation_clause: str | None
    payouts: tuple[ProposedPayout, ...]
    facts: Mapping[str, Any]
    why: str
    deemed_liquidation_why: str | None
    explain: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class NotJudged:
    """A series with shares outstanding that has no mandatory redemption to judge."""

    series: str
    why: str


@dataclass(frozen=True)
class TransactionAnswer:
    """F/G §6(b) and G §3(d) for a transaction not recorded (``prefstack transaction``)."""

    on: dt.date
    kind: str
    series: tuple[TransactionJudged, ...]
    not_judged: tuple[NotJudged, ...]


def proposed_transaction(
    placed: Sequence[Placed], event: LedgerEvent, as_of: dt.date | None = None
) -> TransactionAnswer:
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
            deemed = s.deemed_liquidation
            paid = deemed is not None and deemed.ident == j.ident
            judgment = facts_and_why(j.mandatory_redemption_event.parts[0])
            judged.append(
                TransactionJudged(
                    series=name,
                    mandatory_redemption_event=bool(j.mandatory_redemption_event.value),
                    clause=j.mandatory_redemption_event.parts[0].clause,
                    deemed_liquidation=None if j.deemed_liquidation is None else bool(j.deemed_liquidation.value),
                    deemed_liquidation_clause=None if j.deemed_liquidation is None else j.deemed_liquidation.clause,
                    payouts=()
                    if deemed is None or not paid
                    else tuple(
                        ProposedPayout(p.tier.value, p.holder, Figure(p.paid, MONEY))
                        for p in deemed.waterfall.payouts
                        if p.security == name
                    ),
                    facts=judgment["facts"],
                    why=judgment["why"],
                    deemed_liquidation_why=None
                    if j.deemed_liquidation is None
                    else facts_and_why(j.deemed_liquidation)["why"],
                    explain=(
                        j.mandatory_redemption_event.to_dict(),
                        *([j.deemed_liquidation.to_dict()] if j.deemed_liquidation is not None else []),
                    ),
                )
            )
    without = tuple(
        NotJudged(name, f"{s.terms.designation.value} has no mandatory redemption (no redemption terms)")
        for name, s in state.series.items()
        if s.terms.redemption is None and s.shares_outstanding
    )
    return TransactionAnswer(event.date, event.kind, tuple(judged), without)


@dataclass(frozen=True)
class LoggedEvent:
    """One stored event of the audit trail."""

    seq: int
    recorded_at: str
    """When it was recorded, UTC, to the second (``2001-03-15T17:00:00Z``)."""
    recorded_by: str
    kind: str
    effective_date: dt.date
    id: str | None
    clause: str
    voided: bool
    voided_by: int | None
    status: str


@dataclass(frozen=True)
class AuditTrail:
    """``prefstack ledger log``: every stored event in the order it was recorded."""

    company: str | None
    events: tuple[LoggedEvent, ...]


def ledger_log(db: str, company: str | None = None) -> AuditTrail:
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
            LoggedEvent(
                seq=p.seq,
                recorded_at=p.recorded_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
                recorded_by=p.recorded_by,
                kind=p.event.kind,
                effective_date=p.event.date,
                id=p.event.id,
                clause=event_clause(p.event),
                voided=void is not None,
                voided_by=None if void is None else void.seq,
                status=status,
            )
        )
    return AuditTrail(service.company_name(whose), tuple(rows))
