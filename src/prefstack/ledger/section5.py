"""From ledger events to the F/G §5 anti-dilution fold, and back to the ledger's state.

The replay keeps one list of §5 actions for the Company (every issue of Common Stock,
including conversions and Common Stock dividends, which the fold counts as excluded issues
so that "shares outstanding immediately prior" is right; Options; splits; distributions;
reclassifications; series waivers). The Conversion Price of a series on a date is
:func:`prefstack.clauses.antidilution.conversion_price_history` over that list: a
readjustment on expiry is a re-run without the expired Options, as F §5(d)(iii)(B) says.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import TYPE_CHECKING

from prefstack.citations import for_series
from prefstack.clause_registry import implements
from prefstack.clauses import antidilution as ad
from prefstack.clauses.fair_market_value import average_closing_price
from prefstack.clauses.liquidation import TransactionKind
from prefstack.errors import InputError
from prefstack.explain import Explained
from prefstack.interpretations.readings import chosen
from prefstack.ledger import events as ev
from prefstack.terms.schema import ExclusionRole

if TYPE_CHECKING:
    from prefstack.ledger.replay import LedgerState, Placed


@implements("F §3(c)(i)(A)", "G §3(c)(i)(A)")
def fair_market_value_on(state: LedgerState, day: dt.date, series: str) -> Explained | None:
    """The Fair Market Value of the Common Stock on ``day`` under §3(c)(i)(A) of ``series``'
    certificate, from the recorded closing prices, or None when they do not cover the window."""
    try:
        return average_closing_price(state.closing_prices, day, state.series[series].terms)
    except InputError:
        return None


def _fmv(state: LedgerState, given: Fraction | None, day: dt.date) -> Fraction | None:
    """The Fair Market Value per share of an issue of Common Stock or Options that every series'
    §5(d) judges: the one the event gives, else the one every series' certificate finds from the
    closing prices (§3(c)(i)(A)); certificates that value it differently need the event to give it."""
    if given is not None:
        return given
    found = {name: fair_market_value_on(state, day, name) for name in state.series}
    values = {None if f is None else f.value for f in found.values()}
    if len(values) > 1:
        differing = ", ".join(f"Series {name}: {'none' if f is None else f.value}" for name, f in found.items())
        raise InputError(
            "fair_market_value_per_share",
            ", ".join(for_series(name, "§3(c)(i)(A)") for name in state.series),
            f"the certificates value the Common Stock of {day} differently ({differing}): give it in the event",
        )
    (value,) = values
    if value is None:
        return None
    assert isinstance(value, Fraction)
    return value


@implements("F §5(d)(i)", "G §5(d)(i)")
def declared_purpose(state: LedgerState, purpose: str) -> str:
    """``purpose``, when the terms of every series of the ledger declare it (an exclusion id of
    their ``conversion.exclusions``, or ``none``): each series' §5(d) counts every issue of Common
    Stock, so an id one series' terms lack is refused, naming that series' §5(d)(i)(C)."""
    for series in state.series.values():
        ad.exclusion_for(series.terms, purpose)
    return purpose


@implements("F §5(d)", "G §5(d)")
def action_for(state: LedgerState, item: Placed) -> ad.Action | None:
    """The §5 action an event stands for (None for events §5 does not judge)."""
    e = item.event
    ident = e.id or item.ref
    as_converted = preferred_as_converted(state, e.date)
    match e:
        case ev.CommonIssued():
            return ad.CommonStockIssuance(
                id=ident,
                date=e.date,
                shares=e.shares,
                purpose=declared_purpose(state, e.purpose),
                cash_consideration=e.cash_consideration,
                property_consideration=e.property_consideration,
                accrued_interest_or_dividends_in_cash=e.accrued_interest_or_dividends_in_cash,
                fair_market_value_per_share=_fmv(state, e.fair_market_value_per_share, e.date),
                allocated_portion=e.allocated_portion,
                preferred_as_converted=as_converted,
            )
        case ev.OptionIssued():
            cls = ad.OptionIssuance if e.security == "option" else ad.ConvertibleSecurityIssuance
            return cls(
                id=ident,
                date=e.date,
                max_shares=e.max_shares,
                consideration_received=e.consideration_received,
                min_additional_consideration=e.min_additional_consideration,
                purpose=declared_purpose(state, e.purpose),
                fair_market_value_per_share=_fmv(state, e.fair_market_value_per_share, e.date),
                preferred_as_converted=as_converted,
            )
        case ev.OptionExercised():
            # AD-95-PERCENT-CONDITION=exercise-date tests the condition with the Fair Market Value of the
            # day of exercise: the event's, else the closing prices' (no other reading reads it)
            # and AD-RESERVED-EMPLOYEE=at-exercise judges the employee options over the room with it
            on_exercise = e.fair_market_value_per_share
            if chosen("AD-95-PERCENT-CONDITION") == "exercise-date" or chosen("AD-RESERVED-EMPLOYEE") == "at-exercise":
                on_exercise = _fmv(state, e.fair_market_value_per_share, e.date)
            return ad.OptionExercise(id=e.option, date=e.date, shares=e.shares, fair_market_value_per_share=on_exercise)
        case ev.OptionExpired():
            return ad.OptionExpiry(id=e.option, date=e.date, shares=e.shares)
        case ev.OptionChanged():
            # AD-COUNT-CHANGE-BASIS=from-change-date judges the change with the Fair Market Value of its
            # day: the event's, else the closing prices' (no other reading reads it)
            on_change = e.fair_market_value_per_share
            if chosen("AD-COUNT-CHANGE-BASIS") == "from-change-date":
                on_change = _fmv(state, e.fair_market_value_per_share, e.date)
            return ad.OptionShareCountChange(
                id=e.option,
                date=e.date,
                new_max_shares=e.new_max_shares,
                new_min_additional_consideration=e.new_min_additional_consideration,
                fair_market_value_per_share=on_change,
            )
        case ev.StockSplit():
            return ad.StockSplit(date=e.date, new_shares_per_old_share=e.new_shares_per_old_share)
        case ev.StockCombination():
            return ad.Combination(date=e.date, old_shares_per_new_share=e.old_shares_per_new_share)
        case ev.StockDividend():
            return ad.StockDividendOnCommon(date=e.date, shares=e.shares, preferred_as_converted=as_converted)
        case ev.OtherDistribution():
            return ad.OtherDistribution(
                date=e.date, securities=e.securities, amount_per_common_share=e.amount_per_common_share
            )
        case ev.Reclassification():
            return ad.Reclassification(
                date=e.date,
                description=e.description,
                per_common_share=tuple((p.description, p.amount) for p in e.per_common_share),
                transaction=part_of_transaction(state, e),
            )
    return None


@implements("F §5(d)", "G §5(d)")
def preferred_as_converted(state: LedgerState, day: dt.date) -> Fraction | None:
    """Under AD-OUTSTANDING=fully-diluted, the Common Stock issuable on conversion of all the
    preferred outstanding before an action of ``day``: for each series, the whole part of shares
    outstanding x Original Issue Price / the Conversion Price in effect after every earlier action,
    added. None under the other readings (the fold does not read it)."""
    match chosen("AD-OUTSTANDING"):
        case "default" | "include-deemed":
            return None
        case "fully-diluted":
            total = Fraction(0)
            for name, series in state.series.items():
                if series.shares_outstanding == 0:
                    continue
                price = conversion_price_state(state, name, day).conversion_price
                total += int(series.shares_outstanding * series.terms.original_issue_price.value / price)
            return total
        case other:
            raise AssertionError(f"AD-OUTSTANDING alternative {other!r} is registered but not computed")


_TRANSACTION_KINDS = {
    "merger": TransactionKind.MERGER,
    "consolidation": TransactionKind.CONSOLIDATION,
    "asset_sale": TransactionKind.ASSET_DISPOSITION,
    "subsidiary_stock_sale": TransactionKind.SUBSIDIARY_STOCK_DISPOSITION,
}


@implements("G §3(d)", "G §5(h)")
def part_of_transaction(state: LedgerState, e: ev.Reclassification) -> ad.PartOfTransaction | None:
    """The recorded merger or sale a reclassification names (G §3(d), G §5(h)): it must be a
    ``merger_or_sale`` event in the ledger, completed (not only agreed) and effective the same day."""
    if e.transaction is None:
        return None
    deeming = [s.terms.liquidation.deemed_liquidation_below for s in state.series.values()]
    cites = [term.cite for term in deeming if term is not None]
    clause = ", ".join(cites) or ", ".join(for_series(name, "§5(h)") for name in state.series)
    found = state.transactions.get(e.transaction)
    if found is None:
        raise InputError(
            "transaction",
            clause,
            f"no merger_or_sale event has id {e.transaction!r} (known: {sorted(state.transactions)})",
        )
    merger = found.event
    assert isinstance(merger, ev.MergerOrSale)
    if merger.agreement_only:
        raise InputError(
            "transaction",
            clause,
            f"{e.transaction!r} is only an agreement (§6(b)(vi)); the Common Stock changes when the transaction "
            "itself is recorded",
        )
    if merger.date != e.date:
        raise InputError(
            "transaction",
            clause,
            f"{e.transaction!r} takes effect on {merger.date}, not on the reclassification's date {e.date}",
        )
    return ad.PartOfTransaction(
        id=e.transaction,
        kind=_TRANSACTION_KINDS[merger.transaction],
        prior_stockholders_share=merger.prior_stockholders_voting_share,
        all_or_substantially_all=merger.all_or_substantially_all,
    )


@implements("F §5(d)(i)(C)(1)", "G §5(d)(i)(C)(1)", "F §5(d)(i)(C)(6)", "G §5(d)(i)(C)(6)")
def excluded_issue(ident: str, day: dt.date, shares: int | Fraction, why: ExclusionRole) -> ad.CommonStockIssuance:
    """Common Stock issued on conversion or as a dividend on preferred: counted in the shares
    outstanding, excluded from Additional Shares by the exclusion of role ``why`` in each series'
    terms (§5(d)(i)(C)(1), (6)). A count may hold a fraction of a share where a reading issues
    fractional shares (DIV-F-COMMON-FRACTIONS=fractional, RED-F-COMMON=fractional)."""
    return ad.CommonStockIssuance(
        id=ident,
        date=day,
        shares=Fraction(shares),
        purpose=ad.ExclusionByRole(why),
        cash_consideration=Fraction(0),
        property_consideration=Fraction(0),
        accrued_interest_or_dividends_in_cash=Fraction(0),
        fair_market_value_per_share=None,
    )


@implements("F §5(d)", "G §5(d)")
def conversion_price_state(state: LedgerState, series: str, as_of: dt.date | None = None) -> ad.ConversionPriceState:
    """The §5 state of ``series`` on ``as_of`` (default: the state's date)."""
    day = as_of if as_of is not None else state.as_of
    key = (series, day, len(state.section5_actions))
    cached = state.section5_cache.get(key)
    if cached is not None:
        return cached
    opening = state.common_outstanding_opening
    if opening is None and state.section5_actions:
        raise InputError(
            "common_outstanding",
            f"{series} §5(d)(iv)",
            "the ledger records issues of Common Stock but no opening common_outstanding balance",
        )
    s = state.series[series]
    # A series not yet issued by ``day``: every action so far precedes its Original Issuance
    # Date, so its price is the initial one (AD-ORIGINAL-ISSUANCE-DATE).
    issued_on = s.original_issuance_date if s.original_issuance_date is not None else day
    if chosen("AD-ORIGINAL-ISSUANCE-DATE") == "one-date":  # every series from the earliest date
        dates = [other.original_issuance_date for other in state.series.values()]
        issued_on = min([issued_on, *(d for d in dates if d is not None)])
    fold_key = (series, issued_on, opening or 0)
    fold = state.section5_folds.get(fold_key)
    if fold is None:
        fold = ad.IncrementalFold(
            s.terms, original_issuance_date=issued_on, initial_common_outstanding=Fraction(opening or 0)
        )
        state.section5_folds[fold_key] = fold
    # The actions are in date order, so those on or before ``day`` are a prefix of the list.
    count = len(state.section5_actions)
    while count and state.section5_actions[count - 1].date > day:
        count -= 1
    actions = state.section5_actions
    # The whole list as it is (no copy) when every action so far counts: a slice per question
    # made a ledger with a conversion a day copy its §5 history once per conversion.
    result = fold.state_after(actions if count == len(actions) else actions[:count])
    state.section5_cache[key] = result
    return result


def _shares_after(action: ad.Action, outstanding: Fraction) -> Fraction:
    """The Common Stock outstanding after ``action``: issues, exercises and stock dividends add their
    shares, a split multiplies and a combination divides; the other actions change no count."""
    if isinstance(action, (ad.CommonStockIssuance, ad.OptionExercise, ad.StockDividendOnCommon)):
        return outstanding + Fraction(action.shares)
    if isinstance(action, ad.StockSplit):
        return outstanding * Fraction(action.new_shares_per_old_share)
    if isinstance(action, ad.Combination):
        return outstanding / Fraction(action.old_shares_per_new_share)
    return outstanding


def common_outstanding(state: LedgerState, on: dt.date | None = None) -> Fraction:
    """The Common Stock outstanding on ``on`` (default: the state's date): the Company's own count,
    from the opening balance and every issue, exercise, split, combination and stock dividend the
    ledger records, whatever series the company has (none included). Each series' §5 fold counts
    the same shares for its §5(d)(iv) ("outstanding immediately prior"); the tests check that they
    agree on every date of the bundled example and of synthetic ledgers."""
    day = on if on is not None else state.as_of
    outstanding = Fraction(state.common_outstanding_opening or 0)
    for action in state.section5_actions:
        if action.date > day:
            break
        outstanding = _shares_after(action, outstanding)
    return outstanding
