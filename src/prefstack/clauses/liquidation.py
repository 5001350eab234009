"""Liquidation preference: F §3 and G §3 (with G §3(d), deemed liquidation).

* :func:`liquidation_value_per_share` — the Series F / Series G Liquidation Value of one
  share: the Original Issue Price (as adjusted for splits and the like) plus accrued and
  unpaid dividends, declared or not (§3(a)).
* :func:`waterfall` — the distribution of the proceeds of a liquidation: Senior Securities
  first, then Series F, Series G and other Parity Securities ratably in proportion to their
  full amounts (§3(a)), then what remains to the Junior Securities together with Series F
  and Series G (and participating Senior and Parity Securities) on an as-converted basis
  (§3(b)). Non-cash property enters at the value given to it under §3(c).
* :func:`is_deemed_liquidation` — G §3(d): a merger or sale of substantially all assets
  is a liquidation for Series G unless the prior stockholders hold at least 50% of the
  survivor; Series F has no such clause.
* :func:`apportion_cents` — the cent apportionment used by the waterfall (LIQ-CENTS).

Accrued dividends, conversion into Common Stock and the Fair Market Value of non-cash
property are computed elsewhere and are inputs here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from prefstack.citations import CERTIFICATE_TITLES, cite, for_series
from prefstack.clause_registry import implements
from prefstack.errors import InputError
from prefstack.explain import Explained, Scalar
from prefstack.interpretations import reading
from prefstack.interpretations.readings import chosen
from prefstack.interpretations.readings import chosen as chosen_reading
from prefstack.numeric import Rounding, exact, round_to
from prefstack.terms import SeriesTerms, Term, load_terms, series_names
from prefstack.terms.schema import Exact

__all__ = [
    "Claim",
    "ItemWaterfall",
    "JuniorHolding",
    "NonCashProceeds",
    "ParityHolding",
    "Payout",
    "PreferenceTier",
    "SeniorClass",
    "Tier",
    "TransactionKind",
    "Waterfall",
    "apportion_cents",
    "apportion_cents_capped",
    "distribute",
    "is_deemed_liquidation",
    "is_deemed_liquidation_for_g",
    "liquidation_value_per_share",
    "water_fill",
    "waterfall",
]

CENT = Fraction(1, 100)


def _nonnegative(value: object, field: str, clause: str) -> Fraction:
    number = exact(value, field=field, clause=clause)
    if number < 0:
        raise InputError(field, clause, f"must not be negative, got {number}")
    return number


def _named(text: str, field: str, clause: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InputError(field, clause, "a non-empty name is required")
    return text


# --------------------------------------------------------------------------------------
# §3(a): the Liquidation Value of one share


@implements("F §3(a)", "G §3(a)")
def liquidation_value_per_share_value(
    terms: SeriesTerms, accrued_unpaid_per_share: Fraction, issue_price_adjustment: Fraction
) -> Fraction:
    """The value of :func:`liquidation_value_per_share` (its arithmetic, shared with the kernels):
    preference multiple x Original Issue Price x adjustment + accrued but unpaid dividends."""
    price = terms.original_issue_price.value * issue_price_adjustment
    return price * terms.liquidation.preference_multiple.value + accrued_unpaid_per_share


@implements("F §3(a)", "G §3(a)")
def liquidation_value_per_share(
    terms: SeriesTerms,
    accrued_unpaid_per_share: Fraction,
    *,
    issue_price_adjustment: Fraction,
) -> Explained:
    """The Series F / Series G Liquidation Value of one share (F §3(a), G §3(a)).

    ``issue_price_adjustment`` multiplies the $1,000.00 Original Issue Price for stock
    dividends, combinations and splits of the preferred (e.g. 1/2 after a two-for-one
    split); pass 1 when there has been none. PIK dividends are not such an adjustment
    (LIQ-ISSUE-PRICE-ADJUSTMENT). ``accrued_unpaid_per_share`` is the accrued but unpaid
    dividend of the share on the liquidation date, declared or not.
    """
    clause = for_series(terms.series, "§3(a)")
    accrued = _nonnegative(accrued_unpaid_per_share, "accrued_unpaid_per_share", clause)
    factor = exact(issue_price_adjustment, field="issue_price_adjustment", clause=clause)
    if factor <= 0:
        raise InputError("issue_price_adjustment", clause, f"must be positive, got {factor}")
    price = terms.original_issue_price.value * factor
    issue_price = Explained(
        name=f"Original Series {terms.series} Issue Price",
        value=price,
        clause=terms.original_issue_price.cite,
        inputs={"stated": terms.original_issue_price.value, "adjustment factor": factor},
        formula="stated price x adjustment factor for splits, combinations and stock dividends of the shares",
        interpretations=[reading("LIQ-ISSUE-PRICE-ADJUSTMENT")],
    )
    dividends = Explained(
        name="accrued but unpaid dividends per share (whether or not declared)",
        value=accrued,
        clause=clause,
    )
    multiple = terms.liquidation.preference_multiple
    return Explained(
        name=f"Series {terms.series} Liquidation Value per share",
        value=liquidation_value_per_share_value(terms, accrued, factor),
        clause=clause,
        inputs={} if multiple.value == 1 else {f"preference multiple ({multiple.cite})": multiple.value},
        parts=[issue_price, dividends],
        formula="Original Issue Price + accrued but unpaid dividends"
        if multiple.value == 1
        else "preference multiple x Original Issue Price + accrued but unpaid dividends",
        interpretations=[reading("LIQ-ISSUE-PRICE-ADJUSTMENT")],
    )


# --------------------------------------------------------------------------------------
# Inputs of the waterfall


# How a value under each section of §3(c) is determined (the words shown with a non-cash item).
NON_CASH_METHODS = {
    "§3(c)(i)(A)": "average closing price over the 30-day period ending three days prior to the closing",
    "§3(c)(i)(B)": "average closing bid or sale price over the 30-day period ending three days prior",
    "§3(c)(i)(C)": "fair market value determined by the Board and a majority of the series",
    "§3(c)(ii)": "market value less the discount for restrictions on free marketability",
    "§3(c)": "fair market value determined in good faith by the Board",
}


@implements("F §3(c)", "G §3(c)")
def valuation_method(clause: str) -> str:
    """The words for a §3(c) valuation clause of either certificate; an error for any other."""
    section = cite(clause).section
    if section not in NON_CASH_METHODS:
        raise InputError("non_cash.clause", "F §3(c)", f"{clause!r} is not one of the valuation clauses of §3(c)")
    return NON_CASH_METHODS[section]


@dataclass(frozen=True)
class NonCashProceeds:
    """Property other than cash distributed on liquidation, at its §3(c) Fair Market Value.

    ``valuation_clause`` is the clause under which the value was determined (e.g.
    ``"F §3(c)(i)(A)"`` for a 30-day average of exchange closing prices, ``"G §3(c)"`` for
    the Board's good-faith determination); ``method`` says how, in words.
    """

    description: str
    value: Fraction
    valuation_clause: str
    method: str

    def __post_init__(self) -> None:
        _named(self.description, "non_cash.description", "F §3(c)")
        cited = cite(self.valuation_clause)
        if not cited.section.startswith("§3(c)"):
            raise InputError(
                "non_cash.valuation_clause",
                "F §3(c)",
                f"{self.valuation_clause!r} is not a valuation clause of §3(c)",
            )
        object.__setattr__(self, "value", _nonnegative(self.value, "non_cash.value", self.valuation_clause))
        _named(self.method, "non_cash.method", self.valuation_clause)


@dataclass(frozen=True)
class SeniorClass:
    """A class of Senior Securities (Series C, D, E, ...) taken as a whole.

    ``participates``: whether its own terms give it a share of what remains after the
    preferences on an as-converted basis (F §3(b), G §3(b)); if so ``as_converted_common``
    is its number of shares of Common Stock as converted, else it must be 0.
    """

    name: str
    preference_amount: Fraction
    participates: bool
    as_converted_common: Fraction

    def __post_init__(self) -> None:
        _named(self.name, "senior.name", "F §1(b)")
        object.__setattr__(
            self, "preference_amount", _nonnegative(self.preference_amount, "senior.preference_amount", "F §1(b)")
        )
        converted = _nonnegative(self.as_converted_common, "senior.as_converted_common", "F §3(b)")
        if not self.participates and converted != 0:
            raise InputError(
                "senior.as_converted_common", "F §3(b)", f"{self.name} does not participate: give 0, not {converted}"
            )
        object.__setattr__(self, "as_converted_common", converted)


@dataclass(frozen=True)
class ParityHolding:
    """One holder's shares of Series F, Series G or another Parity Security.

    ``liquidation_value_per_share``: for F and G, the figure of
    :func:`liquidation_value_per_share` (an :class:`Explained` is kept in the explanation);
    for another Parity Security, its liquidation preference per share. ``participates``
    must be True for Series F and G (their §3(b) requires it); for another Parity
    Security, whether its terms so require.
    """

    series: str
    holder: str
    shares: Fraction
    liquidation_value_per_share: Fraction | Explained
    as_converted_common: Fraction
    participates: bool
    common_if_converted: Fraction = Fraction(0)
    """For a series that does not participate (its §3(b)) but may convert before the distribution
    (its §5(a)): the shares of Common Stock the holding converts into; 0 for a participating
    series, which never gains by converting (LIQ-FULL-PARTICIPATION)."""

    def __post_init__(self) -> None:
        _named(self.series, "parity.series", "F §1(b)")
        _named(self.holder, "parity.holder", "F §1(b)")
        clause = self.clause("§3(a)")
        object.__setattr__(self, "shares", _nonnegative(self.shares, "parity.shares", clause))
        per_share = self.liquidation_value_per_share
        if isinstance(per_share, Explained):
            if not isinstance(per_share.value, Fraction):
                raise InputError("parity.liquidation_value_per_share", clause, "must carry an exact value")
            _nonnegative(per_share.value, "parity.liquidation_value_per_share", clause)
        else:
            object.__setattr__(
                self,
                "liquidation_value_per_share",
                _nonnegative(per_share, "parity.liquidation_value_per_share", clause),
            )
        converted = _nonnegative(self.as_converted_common, "parity.as_converted_common", self.clause("§3(b)"))
        object.__setattr__(self, "as_converted_common", converted)
        if self.series in series_names():
            terms = load_terms(self.series)
            participation = terms.liquidation.participates_as_converted
            expected = participates_3b(terms)
            if self.participates != expected:
                shares_or_not = "shares" if expected else "does not share"
                raise InputError(
                    "parity.participates",
                    participation.cite,
                    f"Series {self.series} {shares_or_not} in the remaining assets on an as-converted basis",
                )
        if not self.participates and converted != 0:
            raise InputError(
                "parity.as_converted_common",
                "F §3(b)",
                f"{self.series} does not participate: give 0, not {converted}",
            )
        if_converted = _nonnegative(self.common_if_converted, "parity.common_if_converted", self.clause("§5(a)"))
        if self.participates and if_converted != 0:
            raise InputError(
                "parity.common_if_converted",
                self.clause("§3(b)"),
                f"Series {self.series} participates as converted and keeps its preference: give 0, not {if_converted}",
            )
        object.__setattr__(self, "common_if_converted", if_converted)

    def clause(self, section: str) -> str:
        """The section of this holding's own certificate or, for a Parity Security prefstack has no
        certificate of, of the first certificate it has (the certificates number §3 alike)."""
        return for_series(self.series if self.series in series_names() else series_names()[0], section)

    @property
    def per_share(self) -> Fraction:
        value = self.liquidation_value_per_share
        if isinstance(value, Explained):
            assert isinstance(value.value, Fraction)
            return value.value
        return value

    @property
    def full_amount(self) -> Fraction:
        return self.shares * self.per_share


@dataclass(frozen=True)
class JuniorHolding:
    """A holding of Junior Securities (Common Stock or another junior class) in shares of
    Common Stock, as converted where the security is not Common Stock itself."""

    security: str
    holder: str
    common_shares: Fraction

    def __post_init__(self) -> None:
        _named(self.security, "junior.security", "F §3(b)")
        _named(self.holder, "junior.holder", "F §3(b)")
        object.__setattr__(self, "common_shares", _nonnegative(self.common_shares, "junior.common_shares", "F §3(b)"))


# --------------------------------------------------------------------------------------
# The cent apportionment (LIQ-CENTS)


@implements("F §3(a)", "G §3(a)")
def apportion_cents(total_cents: int, weights: Sequence[Fraction]) -> list[int]:
    """Split ``total_cents`` whole cents in proportion to ``weights`` (LIQ-CENTS).

    Sainte-Laguë / Webster: cents go one at a time to the weight with the highest
    ``weight / (cents so far + 1/2)``, ties to the weight listed first. So there is a
    common divisor ``d`` with every weight's cents equal to ``weight / d`` rounded to the
    nearest whole number, and the result for ``total_cents + 1`` is the result for
    ``total_cents`` plus one cent to one weight: no weight gets less when the total rises.

    Computed directly, not cent by cent: every claim at or above ``sum / total_cents`` is
    taken first (``floor(total x weight / sum + 1/2)`` cents each), then claims are added
    or removed at the margin in the same order.
    """
    if isinstance(total_cents, bool) or not isinstance(total_cents, int) or total_cents < 0:
        raise ValueError(f"total_cents must be a whole number of cents, not {total_cents!r}")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    count = len(weights)
    if total_cents == 0:
        return [0] * count
    whole = sum(weights, Fraction(0))
    if whole == 0:
        raise ValueError("cannot apportion cents among weights that are all zero")
    half = Fraction(1, 2)
    shares = [int((2 * total_cents * Fraction(w) + whole) // (2 * whole)) for w in weights]
    given = sum(shares)
    while given < total_cents:
        best = max(
            (i for i in range(count) if weights[i] > 0),
            key=lambda i: (Fraction(weights[i]) / (shares[i] + half), -i),
        )
        shares[best] += 1
        given += 1
    while given > total_cents:
        last = min(
            (i for i in range(count) if shares[i] > 0),
            key=lambda i: (Fraction(weights[i]) / (shares[i] - half), -i),
        )
        shares[last] -= 1
        given -= 1
    return shares


@implements("F §3(b)", "G §3(b)")
def apportion_cents_capped(total_cents: int, weights: Sequence[Fraction], caps: Sequence[int | None]) -> list[int]:
    """:func:`apportion_cents` with a most each weight may get (``None``: no most): the cents are
    apportioned among all; every weight given more than its cap is given its cap, and the rest is
    apportioned again among the others, until none is over (a divisor rule with caps: each weight
    not capped gets ``weight / d`` rounded, each capped one ``min(cap, weight / d rounded)``).
    Raises ``ValueError`` when cents remain and every weight is capped or zero."""
    fixed: dict[int, int] = {}
    while True:
        open_ = [i for i in range(len(weights)) if i not in fixed]
        rest = total_cents - sum(fixed.values())
        if rest > 0 and not any(weights[i] > 0 for i in open_):
            raise ValueError("cents remain but every weight is capped or zero")
        split = dict(zip(open_, apportion_cents(rest, [weights[i] for i in open_]) if open_ else [], strict=True))
        over = [i for i in open_ if _over_cap(split[i], caps[i])]
        if not over:
            return [fixed[i] if i in fixed else split[i] for i in range(len(weights))]
        for i in over:
            cap = caps[i]
            assert cap is not None
            fixed[i] = cap


def _over_cap(cents: int, cap: int | None) -> bool:
    return cap is not None and cents > cap


def _cents(value: Fraction, clause: str) -> int:
    rounded = round_to(value, 2, Rounding.HALF_UP, clause)
    scaled = rounded.value.scaleb(2)
    return int(scaled)


# --------------------------------------------------------------------------------------
# The waterfall


class Tier(Enum):
    """The order of payment on liquidation."""

    SENIOR = "senior preference"
    PARITY = "parity preference"
    AS_CONVERTED = "as-converted participation"


@dataclass(frozen=True)
class Payout:
    """What one holding receives from one tier of the waterfall."""

    tier: Tier
    security: str
    holder: str
    amount: Explained
    """Paid, in whole cents (value: Fraction dollars)."""
    exact: Fraction
    """The exact entitlement before cents (LIQ-CENTS)."""
    rank: int | None = None
    """The seniority rank of a preference paid from a capital structure (None: the tier has one rank)."""

    @property
    def paid(self) -> Fraction:
        assert isinstance(self.amount.value, Fraction)
        return self.amount.value

    @property
    def tier_label(self) -> str:
        return self.tier.value if self.rank is None else f"{self.tier.value} (rank {self.rank})"


@dataclass(frozen=True)
class ItemWaterfall:
    """One item of the proceeds (the cash, or one item of non-cash property) sent through the
    waterfall on its own (LIQ-NON-CASH=item-by-item): its value and what each holding is paid of it."""

    item: str
    value: Explained
    """Its value (cash; a non-cash item's §3(c) Fair Market Value); ``inputs["paid in cents"]``: the
    value rounded half-up to the cent, which its payouts add up to."""
    payouts: tuple[Payout, ...]


@dataclass(frozen=True)
class Waterfall:
    """The distribution of the proceeds of a liquidation, tier by tier."""

    on: dt.date
    proceeds: Explained
    non_cash: tuple[NonCashProceeds, ...]
    payouts: tuple[Payout, ...]
    tier_totals: dict[Tier, Explained]
    total_paid: Explained
    by_item: tuple[ItemWaterfall, ...] = ()
    """Under LIQ-NON-CASH=item-by-item: each item of the proceeds and its payouts (``payouts`` are
    their sums); empty under prefstack's reading (the proceeds are one amount of value)."""

    def by_holder(self) -> dict[tuple[str, str], Fraction]:
        """Total paid to each (security, holder), in the order first listed."""
        out: dict[tuple[str, str], Fraction] = {}
        for payout in self.payouts:
            key = (payout.security, payout.holder)
            out[key] = out.get(key, Fraction(0)) + payout.paid
        return out

    def paid_to(self, security: str, holder: str) -> Fraction:
        return self.by_holder().get((security, holder), Fraction(0))

    def exact_by_security(self) -> dict[str, Fraction]:
        """The exact entitlement of each security over every tier (before cents)."""
        out: dict[str, Fraction] = {}
        for payout in self.payouts:
            out[payout.security] = out.get(payout.security, Fraction(0)) + payout.exact
        return out


@dataclass(frozen=True)
class Claim:
    """One holding's claim on one tier: a fixed amount (a preference) or a weight (shares of
    Common Stock as converted), with the clause that gives it."""

    tier: Tier
    security: str
    holder: str
    weight: Fraction
    clause: str
    basis: str
    parts: tuple[Explained, ...] = ()
    full_cents: int | None = None
    """A claim of a fixed amount (a preference, a Liquidation Value): that amount rounded half-up
    to the cent once, what the holding is paid when its tier is paid in full (LIQ-CENTS)."""
    cap: Fraction | None = None
    """As-converted claims of a capped participating class: the most this tier may pay it."""
    cap_cents: int | None = None
    """``cap`` in whole cents: the class's cap to the cent less its preference to the cent."""
    shares: Fraction | None = None
    """A claim of the Parity tier: the holding's shares (LIQ-PARITY-TIER=per-share)."""
    notes: tuple[tuple[str, str | bool], ...] = ()
    """Facts shown with the payout (where a capital structure's figures come from)."""


@dataclass(frozen=True)
class PreferenceTier:
    """Claims of fixed amounts paid together, ratably when short: one rank of Senior Securities
    (F §1(b)(iii)) or Series F, Series G and the Parity Securities (F §3(a), G §3(a))."""

    tier: Tier
    claims: tuple[Claim, ...]
    rank: int | None = None


def _reference_series(parity: Sequence[ParityHolding]) -> str:
    """The certificate whose §3 the waterfall cites: the first (by id) of those held."""
    series = sorted({p.series for p in parity if p.series in series_names()})
    if not series:
        raise InputError(
            "parity",
            f"{series_names()[0]} §3(a)",
            "the waterfall applies §3 of a certificate: at least one holding of "
            f"{', '.join(series_names())} is required",
        )
    return series[0]


@implements("F §3(c)", "G §3(c)")
def remaining_assets_3c(
    ref: str,
    proceeds_cash: Fraction,
    non_cash: Sequence[NonCashProceeds],
    on: dt.date,
    exercise_cash: Sequence[Explained] = (),
) -> tuple[Explained, tuple[NonCashProceeds, ...]]:
    """F §3(a), §3(c): the remaining assets to distribute: cash, non-cash property at its §3(c) Fair
    Market Value, and (from a capital structure) the exercise price paid for options and warrants
    exercised to share in them (CAPSTRUCT-OPTION-EXERCISE). ``inputs["paid in cents"]`` is the
    total rounded half-up to the cent once (LIQ-CENTS)."""
    cash = _nonnegative(proceeds_cash, "proceeds_cash", for_series(ref, "§3(a)"))
    if not isinstance(on, dt.date):
        raise InputError("on", for_series(ref, "§3(a)"), "the date of the distribution is required")
    items = tuple(non_cash)
    for item in items:
        if not isinstance(item, NonCashProceeds):
            raise InputError("non_cash", for_series(ref, "§3(c)"), f"expected NonCashProceeds, got {item!r}")
    exercised = sum((_fraction(e) for e in exercise_cash), Fraction(0))
    total_exact = cash + sum((item.value for item in items), Fraction(0)) + exercised
    total_cents = _cents(total_exact, for_series(ref, "§3(b)"))
    parts = [
        Explained(
            name=f"non-cash: {item.description}",
            value=item.value,
            clause=item.valuation_clause,
            inputs={"method": item.method},
            formula="Fair Market Value",
            interpretations=[reading("LIQ-NON-CASH")],
        )
        for item in items
    ]
    inputs: dict[str, Scalar] = {"cash": cash, "paid in cents": Fraction(total_cents, 100), "on": on}
    formula = "cash + Fair Market Value of non-cash property"
    if exercise_cash:
        inputs["exercise price paid"] = exercised
        formula += " + exercise price paid for options and warrants exercised"
    return (
        Explained(
            name="remaining assets available for distribution",
            value=total_exact,
            clause=for_series(ref, "§3(a)"),
            inputs=inputs,
            parts=[*parts, *exercise_cash],
            formula=formula,
            interpretations=[reading("LIQ-NON-CASH"), reading("LIQ-CENTS")],
        ),
        items,
    )


def _fraction(value: Explained) -> Fraction:
    assert isinstance(value.value, Fraction)
    return value.value


@implements("F §1(b)", "G §1(b)")
def senior_preferences_1b(ref: str, senior: Sequence[SeniorClass]) -> PreferenceTier:
    """F §1(b)(iii), G §1(b)(iii): the Senior Securities' preference amounts, one tier paid before
    Series F and G, ratably among themselves when short (LIQ-SENIOR-RATABLE)."""
    clause = for_series(ref, "§1(b)")
    claims = tuple(
        Claim(
            Tier.SENIOR,
            s.name,
            s.name,
            s.preference_amount,
            clause,
            "preference amount",
            full_cents=_cents(s.preference_amount, clause),
        )
        for s in senior
    )
    return PreferenceTier(Tier.SENIOR, claims)


@implements("F §1(b)", "G §1(b)")
def senior_order_1b(tier: PreferenceTier) -> list[PreferenceTier]:
    """One rank of Senior Securities as the tiers it is paid in, under the reading of
    LIQ-SENIOR-RATABLE: one tier, ratably when short (prefstack's), or each class its own tier in the
    order listed, the first paid in full before the next (``in-order``; without a capital structure
    the classes are numbered rank 1, 2, ... in that order). A rank of one class is one tier either way."""
    if len(tier.claims) < 2:
        return [tier]
    match chosen("LIQ-SENIOR-RATABLE"):
        case "default":
            return [tier]
        case "in-order":
            return [
                PreferenceTier(tier.tier, (claim,), tier.rank if tier.rank is not None else i + 1)
                for i, claim in enumerate(tier.claims)
            ]
        case other:
            raise AssertionError(f"LIQ-SENIOR-RATABLE alternative {other!r} is registered but not computed")


@implements("F §3(a)", "G §3(a)")
def parity_preferences_3a(parity: Sequence[ParityHolding]) -> PreferenceTier:
    """F §3(a), G §3(a): each holding's full amount (shares x Liquidation Value per share), Series F,
    Series G and the other Parity Securities paid ratably in proportion to them (LIQ-PARITY-TIER)."""
    claims = tuple(
        Claim(
            Tier.PARITY,
            p.series,
            p.holder,
            p.full_amount,
            p.clause("§3(a)"),
            "full amount (shares x liquidation value per share)",
            parts=(p.liquidation_value_per_share,) if isinstance(p.liquidation_value_per_share, Explained) else (),
            full_cents=_cents(p.full_amount, p.clause("§3(a)")),
            shares=p.shares,
        )
        for p in parity
    )
    return PreferenceTier(Tier.PARITY, claims)


@implements("F §3(b)", "G §3(b)")
def as_converted_claims_3b(
    ref: str, senior: Sequence[SeniorClass], parity: Sequence[ParityHolding], junior: Sequence[JuniorHolding]
) -> list[Claim]:
    """F §3(b), G §3(b): who shares what remains on an as-converted basis: participating Senior
    Securities, Series F, Series G and participating Parity Securities, and the Junior Securities
    (LIQ-FULL-PARTICIPATION)."""
    clause = for_series(ref, "§3(b)")
    claims = [
        Claim(Tier.AS_CONVERTED, s.name, s.name, s.as_converted_common, clause, AS_CONVERTED_BASIS)
        for s in senior
        if s.participates
    ]
    claims += [
        Claim(Tier.AS_CONVERTED, p.series, p.holder, p.as_converted_common, p.clause("§3(b)"), AS_CONVERTED_BASIS)
        for p in parity
        if p.participates
    ]
    claims += [Claim(Tier.AS_CONVERTED, j.security, j.holder, j.common_shares, clause, "common shares") for j in junior]
    return claims


CONVERTED_BASIS = "common shares on conversion before the distribution"
AS_CONVERTED_BASIS = "as-converted common"
"""The basis of a preferred holding that keeps its preference and participates as converted."""


@implements("F §3(b)", "G §3(b)")
def participates_3b(terms: SeriesTerms) -> bool:
    """Whether the holders of a series share in what remains after the preferences, in addition to
    their Liquidation Value (its §3(b), term ``liquidation.participates_as_converted``), under the
    reading of LIQ-FULL-PARTICIPATION: as the terms say (prefstack's); only a series whose title
    calls it participating (``titled-only``); none, each series taking the greater of its
    Liquidation Value and its share as converted (``greater-of``). A series that does not share
    may convert before the distribution (LIQ-NONPARTICIPATING-CONVERSION)."""
    participates = terms.liquidation.participates_as_converted.value
    match chosen("LIQ-FULL-PARTICIPATION"):
        case "default" | "whole-shares":
            return participates
        case "greater-of":
            return False
        case "titled-only":  # the title of the certificate, as its sections.yaml gives it
            return participates and "participating" in CERTIFICATE_TITLES[terms.series].lower().split()
        case other:
            raise AssertionError(f"LIQ-FULL-PARTICIPATION alternative {other!r} is registered but not computed")


@implements("F §3(b)", "G §3(b)")
def as_converted_3b(as_converted: Fraction) -> Fraction:
    """The shares of Common Stock a participating holding shares with, from the exact number its
    shares convert into: exactly, fractions included (prefstack's), or rounded down to whole shares
    (LIQ-FULL-PARTICIPATION=whole-shares)."""
    if chosen("LIQ-FULL-PARTICIPATION") == "whole-shares":
        return Fraction(math.floor(as_converted))
    return as_converted


@implements("F §3(b)", "G §3(b)")
def convertible_series(parity: Sequence[ParityHolding]) -> list[str]:
    """The series held that do not participate but may convert before the distribution: each
    chooses between its Liquidation Value and its share as converted (LIQ-NONPARTICIPATING-CONVERSION);
    none under ``never`` (every such series is taken at its Liquidation Value); under
    ``holder-by-holder`` each holding chooses for itself (named by :func:`holding_decider`)."""
    convertible = [p for p in parity if not p.participates and p.common_if_converted > 0]
    if not convertible:
        return []
    match chosen("LIQ-NONPARTICIPATING-CONVERSION"):
        case "default":
            return sorted({p.series for p in convertible})
        case "never":
            return []
        case "holder-by-holder":
            return [holding_decider(p) for p in sorted(convertible, key=lambda p: p.series)]
        case other:
            raise AssertionError(
                f"LIQ-NONPARTICIPATING-CONVERSION alternative {other!r} is registered but not computed"
            )


@implements("F §3(b)", "G §3(b)", "F §5(a)", "G §5(a)")
def converted_holdings(
    parity: Sequence[ParityHolding], converting: frozenset[str]
) -> tuple[list[ParityHolding], list[Claim]]:
    """The holdings that keep their Liquidation Value, and the as-converted claims of the holdings
    of the series in ``converting``, converted into Common Stock before the distribution (their
    §5(a)), or that are in it themselves (:func:`holding_decider`); such a holding takes no preference
    (LIQ-NONPARTICIPATING-CONVERSION)."""
    kept = [p for p in parity if p.series not in converting and holding_decider(p) not in converting]
    claims = [
        Claim(
            Tier.AS_CONVERTED,
            p.series,
            p.holder,
            p.common_if_converted,
            p.clause("§3(b)"),
            CONVERTED_BASIS,
            notes=(("converted before the distribution", p.clause("§5(a)")),),
        )
        for p in parity
        if p.series in converting or holding_decider(p) in converting
    ]
    return kept, claims


@implements("F §3(b)", "G §3(b)", "F §5(a)", "G §5(a)")
def holding_decider(p: ParityHolding) -> str:
    """The name of one holding choosing for itself (LIQ-NONPARTICIPATING-CONVERSION=holder-by-holder)."""
    return f"{p.series}, holder {p.holder}"


@implements("F §3(b)", "G §3(b)", "F §5(a)", "G §5(a)")
def decider_payoff(result: Waterfall, name: str, parity: Sequence[ParityHolding]) -> Fraction:
    """What a decider receives, exactly: a holding choosing for itself (:func:`holding_decider`) its
    own payouts, a series or a class all of its payouts."""
    for p in parity:
        if holding_decider(p) == name:
            return sum(
                (x.exact for x in result.payouts if (x.security, x.holder) == (p.series, p.holder)), Fraction(0)
            )
    return result.exact_by_security().get(name, Fraction(0))


@implements("F §3(b)", "G §3(b)")
def conversion_equilibrium(
    deciders: Sequence[str], payoff: Callable[[str, frozenset[str]], Fraction], clause: str
) -> frozenset[str]:
    """The choices of the ``deciders`` (CAPSTRUCT-CONVERSION-CHOICE): starting with none chosen, visit
    them in order and switch any whose switch pays it strictly more (``payoff(name, chosen)``),
    until a full pass switches none; a profile met twice is refused as a cycle. Under ``single-pass``
    each decides once against the profile with none chosen; under ``joint-optimum`` the profile with
    the greatest total of the deciders' payoffs is taken (ties: the fewest chosen, then the one that
    leaves the deciders listed first unchosen), at most :data:`JOINT_OPTIMUM_MOST` deciders."""
    if not deciders:
        return frozenset()
    match chosen_reading("CAPSTRUCT-CONVERSION-CHOICE"):
        case "default":
            return _equilibrium_by_switching(deciders, payoff, clause)
        case "single-pass":
            return frozenset(n for n in deciders if payoff(n, frozenset({n})) > payoff(n, frozenset()))
        case "joint-optimum":
            return _joint_optimum(deciders, payoff, clause)
        case "preference-only":  # the capital structure leaves its classes out of the deciders
            return _equilibrium_by_switching(deciders, payoff, clause)
        case other:
            raise AssertionError(f"CAPSTRUCT-CONVERSION-CHOICE alternative {other!r} is registered but not computed")


JOINT_OPTIMUM_MOST = 12
"""CAPSTRUCT-CONVERSION-CHOICE=joint-optimum tries every profile: 2 ** 12 waterfalls at most."""


def _joint_optimum(
    deciders: Sequence[str], payoff: Callable[[str, frozenset[str]], Fraction], clause: str
) -> frozenset[str]:
    if len(deciders) > JOINT_OPTIMUM_MOST:
        raise InputError(
            "capital structure",
            clause,
            f"CAPSTRUCT-CONVERSION-CHOICE=joint-optimum tries every profile: {len(deciders)} classes and "
            f"tranches choose, more than {JOINT_OPTIMUM_MOST}",
        )
    best: tuple[Fraction, int, int] | None = None
    found: frozenset[str] = frozenset()
    for order in range(2 ** len(deciders)):
        profile = frozenset(n for i, n in enumerate(deciders) if order >> (len(deciders) - 1 - i) & 1)
        total = sum((payoff(n, profile) for n in deciders), Fraction(0))
        key = (total, -len(profile), -order)
        if best is None or key > best:
            best, found = key, profile
    return found


def _equilibrium_by_switching(
    deciders: Sequence[str], payoff: Callable[[str, frozenset[str]], Fraction], clause: str
) -> frozenset[str]:
    chosen: frozenset[str] = frozenset()
    seen = {chosen}
    while True:
        switched = False
        for name in deciders:
            taken, other = chosen | {name}, chosen - {name}
            if (payoff(name, taken) > payoff(name, other)) != (name in chosen):
                chosen = chosen ^ {name}
                switched = True
                if chosen in seen:
                    raise InputError(
                        "capital structure",
                        clause,
                        f"the conversion and exercise choices cycle (at {name}); no equilibrium",
                    )
                seen.add(chosen)
        if not switched:
            return chosen


@implements("F §3", "G §3")
def waterfall(
    proceeds_cash: Fraction,
    non_cash: Sequence[NonCashProceeds],
    senior: Sequence[SeniorClass],
    parity: Sequence[ParityHolding],
    junior: Sequence[JuniorHolding],
    on: dt.date,
) -> Waterfall:
    """Distribute the remaining assets of the Company on liquidation (F §3, G §3).

    1. Senior Securities, up to their preference amounts, ratably among themselves when
       short (LIQ-SENIOR-RATABLE).
    2. Series F, Series G and other Parity Securities, up to their full amounts (shares x
       liquidation value per share), ratably in proportion to those amounts when short
       (F §3(a), G §3(a); LIQ-PARITY-TIER).
    3. The rest to the Junior Securities, Series F and Series G, and the participating
       Senior and Parity Securities, in proportion to their shares of Common Stock as
       converted (F §3(b), G §3(b); LIQ-FULL-PARTICIPATION).

    Amounts are paid in cents and add up exactly to the proceeds rounded to the cent
    (LIQ-CENTS). Non-cash proceeds count at their §3(c) value (LIQ-NON-CASH).
    """
    ref = _reference_series(parity)
    proceeds, items = remaining_assets_3c(ref, proceeds_cash, non_cash, on)
    runs: dict[frozenset[str], Waterfall] = {}

    def run(converting: frozenset[str]) -> Waterfall:
        if converting not in runs:
            kept, converted = converted_holdings(parity, converting)
            tiers = [*senior_order_1b(senior_preferences_1b(ref, senior)), parity_preferences_3a(kept)]
            claims = [*as_converted_claims_3b(ref, senior, kept, junior), *converted]
            runs[converting] = distribute(ref, on, proceeds, items, tiers, claims)
        return runs[converting]

    def payoff(series: str, converting: frozenset[str]) -> Fraction:
        return decider_payoff(run(converting), series, parity)

    return run(conversion_equilibrium(convertible_series(parity), payoff, for_series(ref, "§3(b)")))


@implements("F §3(a)", "F §3(b)", "G §3(a)", "G §3(b)", "F §3(c)", "G §3(c)")
def distribute(
    ref: str,
    on: dt.date,
    proceeds: Explained,
    items: tuple[NonCashProceeds, ...],
    tiers: Sequence[PreferenceTier],
    converted: Sequence[Claim],
) -> Waterfall:
    """Pay the preference ``tiers`` in order, each up to its full amount (§3(a)), then the rest on
    an as-converted basis (§3(b)), in cents that add up to the proceeds (LIQ-CENTS), under the
    reading of LIQ-NON-CASH: the proceeds as one amount of value (prefstack's), or each item of
    them through the waterfall on its own (``item-by-item``, :func:`distribute_item_by_item`)."""
    match chosen("LIQ-NON-CASH"):
        case "default":
            return _distribute_value(ref, on, proceeds, items, tiers, converted)
        case "item-by-item":
            return distribute_item_by_item(ref, on, proceeds, items, tiers, converted)
        case other:
            raise AssertionError(f"LIQ-NON-CASH alternative {other!r} is registered but not computed")


@implements("F §3(a)", "F §3(b)", "G §3(a)", "G §3(b)", "F §3(c)", "G §3(c)")
def distribute_item_by_item(
    ref: str,
    on: dt.date,
    proceeds: Explained,
    items: tuple[NonCashProceeds, ...],
    tiers: Sequence[PreferenceTier],
    converted: Sequence[Claim],
) -> Waterfall:
    """LIQ-NON-CASH=item-by-item: the cash first (with any exercise price paid in, one item), then
    each non-cash item in the order listed, each through the whole waterfall on its own: the
    preferences take what is left of their full amounts (a preference partly met by one item
    continues into the next: its exact amount and its cents are reduced by what it was paid), the
    rest of the item is shared as converted (a capped class's cap reduced likewise). Each item's
    value is rounded half-up to the cent on its own and its cents apportioned as LIQ-CENTS says, so
    each item's payouts add up to it; a holding is paid the sum over the items."""
    non_cash_total = sum((item.value for item in items), Fraction(0))
    parts = [("cash", _fraction(proceeds) - non_cash_total, proceeds.clause)]
    parts += [(item.description, item.value, item.valuation_clause) for item in items]
    # the payouts of a run are in a fixed order: each tier's claims, then the as-converted claims
    count = sum(len(t.claims) for t in tiers) + len(converted)
    paid_exact, paid_cents = [Fraction(0)] * count, [0] * count
    runs: list[Waterfall] = []
    by_item: list[ItemWaterfall] = []
    for description, value, clause in parts:
        cents = _cents(value, for_series(ref, "§3(b)"))
        item_value = Explained(
            name=f"item of the proceeds: {description}",
            value=value,
            clause=clause,
            inputs={"paid in cents": Fraction(cents, 100), "on": on},
            formula="cash (and any exercise price paid)" if description == "cash" else "Fair Market Value",
            interpretations=[reading("LIQ-NON-CASH"), reading("LIQ-CENTS")],
        )
        position = 0
        left_tiers = []
        for tier in tiers:
            claims = []
            for claim in tier.claims:
                claims.append(_preference_left(claim, paid_exact[position], paid_cents[position]))
                position += 1
            left_tiers.append(dataclasses.replace(tier, claims=tuple(claims)))
        left_converted = []
        for claim in converted:
            left_converted.append(_cap_left(claim, paid_exact[position], paid_cents[position]))
            position += 1
        run = _distribute_value(ref, on, item_value, items, left_tiers, left_converted)
        if len(run.payouts) != count:
            raise AssertionError(f"an item's waterfall paid {len(run.payouts)} claims, not {count}")
        for j, payout in enumerate(run.payouts):
            paid_exact[j] += payout.exact
            paid_cents[j] += int(payout.paid * 100)
        runs.append(run)
        by_item.append(ItemWaterfall(description, item_value, run.payouts))
    return _merged(proceeds, items, runs, tuple(by_item))


def _preference_left(claim: Claim, exact_paid: Fraction, cents_paid: int) -> Claim:
    """A preference's claim on the next item: its full amount less what the items before paid it."""
    if exact_paid == 0 and cents_paid == 0:
        return claim
    full_cents = None if claim.full_cents is None else max(claim.full_cents - cents_paid, 0)
    return dataclasses.replace(claim, weight=max(claim.weight - exact_paid, Fraction(0)), full_cents=full_cents)


def _cap_left(claim: Claim, exact_paid: Fraction, cents_paid: int) -> Claim:
    """An as-converted claim on the next item: a capped class's cap less what the items before paid it."""
    if claim.cap is None:
        return claim
    cap_cents = None if claim.cap_cents is None else max(claim.cap_cents - cents_paid, 0)
    return dataclasses.replace(claim, cap=max(claim.cap - exact_paid, Fraction(0)), cap_cents=cap_cents)


def _merged(
    proceeds: Explained,
    items: tuple[NonCashProceeds, ...],
    runs: Sequence[Waterfall],
    by_item: tuple[ItemWaterfall, ...],
) -> Waterfall:
    """The items' waterfalls as one: each holding's payout the sum of its payouts of every item."""
    first = runs[0]
    note = reading("LIQ-NON-CASH")
    payouts = []
    for j, template in enumerate(first.payouts):
        each = [run.payouts[j] for run in runs]
        amount = Explained(
            name=template.amount.name,
            value=sum((p.paid for p in each), Fraction(0)),
            clause=template.amount.clause,
            inputs={
                **{k: v for k, v in template.amount.inputs.items() if all(p.amount.inputs.get(k) == v for p in each)},
                **{f"of {item.item}": p.paid for item, p in zip(by_item, each, strict=True)},
            },
            parts=[
                dataclasses.replace(p.amount, name=f"{p.amount.name} (of {item.item})")
                for item, p in zip(by_item, each, strict=True)
            ],
            formula="sum over the items of the proceeds, each through the waterfall on its own",
            interpretations=[*template.amount.interpretations, note],
        )
        exact_paid = sum((p.exact for p in each), Fraction(0))
        payouts.append(dataclasses.replace(template, amount=amount, exact=exact_paid))
    totals = {}
    for tier, template_total in first.tier_totals.items():
        of_items = [run.tier_totals[tier] for run in runs]
        totals[tier] = dataclasses.replace(
            template_total,
            value=sum((_fraction(t) for t in of_items), Fraction(0)),
            inputs={f"of {item.item}": _fraction(t) for item, t in zip(by_item, of_items, strict=True)},
            parts=of_items,
            formula="sum over the items of the proceeds",
            interpretations=[*template_total.interpretations, note],
        )
    total_paid = dataclasses.replace(
        first.total_paid,
        value=sum((_fraction(run.total_paid) for run in runs), Fraction(0)),
        parts=list(totals.values()),
        interpretations=[*first.total_paid.interpretations, note],
    )
    in_cents = sum((Fraction(str(item.value.inputs["paid in cents"])) for item in by_item), Fraction(0))
    whole = dataclasses.replace(
        proceeds,
        inputs={**proceeds.inputs, "paid in cents": in_cents},
        formula=f"{proceeds.formula}; each item rounded to the cent on its own (LIQ-NON-CASH=item-by-item)",
    )
    return Waterfall(first.on, whole, items, tuple(payouts), totals, total_paid, by_item)


def _distribute_value(
    ref: str,
    on: dt.date,
    proceeds: Explained,
    items: tuple[NonCashProceeds, ...],
    tiers: Sequence[PreferenceTier],
    converted: Sequence[Claim],
) -> Waterfall:
    """:func:`distribute` of ``proceeds`` as one amount of value (LIQ-NON-CASH)."""
    total_exact = _fraction(proceeds)
    total_cents = int(Fraction(str(proceeds.inputs["paid in cents"])) * 100)
    filled = _fill_preference_tiers(tiers, total_cents, total_exact)
    rest_cents = total_cents - sum(cents for cents, _ in filled)
    rest_exact = total_exact - sum(exact_paid for _, exact_paid in filled)
    converted_weight = sum((c.weight for c in converted), Fraction(0))
    if rest_cents > 0 and converted_weight == 0:
        raise InputError(
            "junior",
            for_series(ref, "§3(b)"),
            "assets remain after the preferences but no holding shares in them on an as-converted basis",
        )
    payouts: list[Payout] = []
    for tier, (cents, exact_paid) in zip(tiers, filled, strict=True):
        readings = [reading("LIQ-SENIOR-RATABLE" if tier.tier is Tier.SENIOR else "LIQ-PARITY-TIER")]
        full = sum((c.weight for c in tier.claims), Fraction(0))
        entitled, apportioned = _tier_split(tier, cents, exact_paid)
        split = _holders_cents(cents, entitled, apportioned)
        payouts += _pay_tier(
            tier.tier, tier.claims, split, entitled, cents, full, [*readings, reading("LIQ-CENTS")], tier.rank
        )
    payouts += participation_3b(ref, converted, rest_cents, rest_exact)
    tier_totals = _tier_totals(ref, tiers, filled, rest_cents, rest_exact, converted_weight)
    total_paid = Explained(
        name="total distributed",
        value=Fraction(sum(int(p.paid * 100) for p in payouts), 100),
        clause=for_series(ref, "§3(b)"),
        parts=list(tier_totals.values()),
        formula="senior + parity + as-converted",
        interpretations=[reading("LIQ-CENTS")],
    )
    return Waterfall(on, proceeds, items, tuple(payouts), tier_totals, total_paid)


def _fill_preference_tiers(
    tiers: Sequence[PreferenceTier], total_cents: int, total_exact: Fraction
) -> list[tuple[int, Fraction]]:
    """F §3(a): each tier in order takes the proceeds left, up to its full amount (cents: the sum of
    its claims to the cent; exact: the sum of its exact amounts). Under LIQ-CENTS=tier-total a tier's
    cents are its exact total rounded half-up once, taken where the tiers before it end (the exact
    total paid through it, rounded, less the same through the tier before), so that the tiers add
    up to the proceeds in cents."""
    filled = []
    cents_left, exact_left = total_cents, total_exact
    per_tier_total = chosen("LIQ-CENTS") == "tier-total"
    for tier in tiers:
        exact_paid = min(exact_left, sum((c.weight for c in tier.claims), Fraction(0)))
        if per_tier_total:
            before = total_exact - exact_left
            clause = tier.claims[0].clause if tier.claims else "F §3(a)"
            cents = min(cents_left, _cents(before + exact_paid, clause) - _cents(before, clause))
        else:
            cents = min(cents_left, sum(c.full_cents or 0 for c in tier.claims))
        filled.append((cents, exact_paid))
        cents_left -= cents
        exact_left -= exact_paid
    return filled


@implements("F §3(a)", "G §3(a)", "F §3(b)", "G §3(b)")
def _holders_cents(cents: int, entitled: Sequence[Fraction], apportioned: Callable[[], list[int]]) -> list[int]:
    """The whole cents each holding of a tier is paid, under the reading of LIQ-CENTS: the tier's
    cents apportioned so that they add up to it (prefstack's, ``apportioned``), each holding's exact
    amount floored to the cent and the rest left with the Company (``floor``), or each rounded
    half-up on its own, whatever the total (``per-holder``)."""
    if cents == 0:
        return []
    match chosen("LIQ-CENTS"):
        case "default":
            return apportioned()
        case "floor":
            return [math.floor(e * 100) for e in entitled]
        case "per-holder":
            return [math.floor(e * 100 + Fraction(1, 2)) for e in entitled]
        case "largest-remainder":
            return largest_remainder(cents, entitled)
        case "tier-total":  # the tier's total rounded once (_fill_preference_tiers), split by exact amounts
            return apportion_cents(cents, entitled)
        case other:
            raise AssertionError(f"LIQ-CENTS alternative {other!r} is registered but not computed")


@implements("F §3(a)", "G §3(a)", "F §3(b)", "G §3(b)")
def largest_remainder(cents: int, entitled: Sequence[Fraction]) -> list[int]:
    """LIQ-CENTS=largest-remainder (Hamilton): every exact amount floored to the cent, and the cents
    left to reach ``cents`` given one each to the largest remainders (ties to the holding listed
    first); were the floors ever more than ``cents``, the cents over are taken back from the
    smallest remainders."""
    floors = [math.floor(e * 100) for e in entitled]
    order = sorted(range(len(floors)), key=lambda i: (-(entitled[i] * 100 - floors[i]), i))
    left = cents - sum(floors)
    step = 1 if left >= 0 else -1
    candidates = order if left >= 0 else [i for i in reversed(order) if floors[i] > 0]
    while left != 0:
        if not candidates:
            raise ValueError(f"cannot apportion {cents} cents among amounts of {sum(entitled)}")
        for i in candidates[: abs(left)]:
            floors[i] += step
            left -= step
        candidates = [i for i in candidates if floors[i] > 0] if step < 0 else candidates
    return floors


@implements("F §3(a)", "G §3(a)")
def _tier_split(
    tier: PreferenceTier, cents: int, exact_paid: Fraction
) -> tuple[list[Fraction], Callable[[], list[int]]]:
    """Each claim's exact share of what a preference tier is paid, and its cents, under the reading
    of LIQ-PARITY-TIER: in proportion to the full amounts (prefstack's); for the Parity tier when
    short, per share alike, none above its full amount (``per-share``), or by series first and then
    by holding within each series (``series-first``: the same exact shares, cents apportioned in
    two steps)."""
    full = sum((c.weight for c in tier.claims), Fraction(0))
    weights = [Fraction(c.full_cents or 0) for c in tier.claims]
    entitled = [exact_paid * c.weight / full if full else Fraction(0) for c in tier.claims]
    by_amount = functools.partial(apportion_cents, cents, weights)
    if tier.tier is not Tier.PARITY or exact_paid >= full:
        return entitled, by_amount
    match chosen("LIQ-PARITY-TIER"):
        case "default":
            return entitled, by_amount
        case "per-share":
            shares = [_shares_of(c) for c in tier.claims]
            alike, _ = water_fill(exact_paid, shares, [c.weight for c in tier.claims])
            return alike, functools.partial(apportion_cents_capped, cents, shares, [c.full_cents for c in tier.claims])
        case "series-first":
            return entitled, functools.partial(_series_first, cents, tier.claims)
        case other:
            raise AssertionError(f"LIQ-PARITY-TIER alternative {other!r} is registered but not computed")


def _shares_of(claim: Claim) -> Fraction:
    if claim.shares is None:
        raise InputError(
            "capital structure",
            claim.clause,
            f"LIQ-PARITY-TIER=per-share shares the Parity tier per share, and {claim.security} is given as an "
            "amount, not a number of shares",
        )
    return claim.shares


def _series_first(cents: int, claims: Sequence[Claim]) -> list[int]:
    """LIQ-PARITY-TIER=series-first: the tier's cents apportioned among the series by their full
    amounts in cents, then each series' cents among its holdings."""
    series = list(dict.fromkeys(c.security for c in claims))
    members = {name: [i for i, c in enumerate(claims) if c.security == name] for name in series}
    totals = [Fraction(sum(claims[i].full_cents or 0 for i in members[name])) for name in series]
    split = [0] * len(claims)
    for name, series_cents in zip(series, apportion_cents(cents, totals), strict=True):
        inner = apportion_cents(series_cents, [Fraction(claims[i].full_cents or 0) for i in members[name]])
        for i, paid in zip(members[name], inner, strict=True):
            split[i] = paid
    return split


@implements("F §3(b)", "G §3(b)")
def participation_3b(ref: str, claims: Sequence[Claim], cents: int, exact_total: Fraction) -> list[Payout]:
    """F §3(b), G §3(b): what remains after the preferences, in proportion to shares of Common Stock
    as converted; a capped class takes at most its cap and the rest is shared by the others
    (CAPSTRUCT-PARTICIPATION-CAP)."""
    weights = [c.weight for c in claims]
    caps = [c.cap for c in claims]
    if any(cap is not None for cap in caps):
        match _capped_excess():
            case "others":
                pass
            case "company":
                return _participation_company_keeps(ref, claims, cents, exact_total)
            case "junior":
                return _participation_junior_only(ref, claims, cents, exact_total)
    entitled, left = water_fill(exact_total, weights, caps)
    try:
        if cents and left > 0:
            raise ValueError("every claim is capped")
        capped = [c.cap_cents for c in claims]
        split = _holders_cents(cents, entitled, functools.partial(apportion_cents_capped, cents, weights, capped))
    except ValueError as exc:
        raise InputError(
            "junior",
            for_series(ref, "§3(b)"),
            "assets remain after every participating class reached its cap and no holding without a cap shares in them",
        ) from exc
    readings = [reading("LIQ-FULL-PARTICIPATION"), reading("LIQ-CENTS")]
    if any(cap is not None for cap in caps):
        readings.append(reading("CAPSTRUCT-PARTICIPATION-CAP"))
    if any(c.basis == CONVERTED_BASIS for c in claims):
        readings.append(reading("LIQ-NONPARTICIPATING-CONVERSION"))
    return _pay_tier(Tier.AS_CONVERTED, claims, split, entitled, cents, exact_total, readings, None)


def _capped_excess() -> str:
    """CAPSTRUCT-PARTICIPATION-CAP: where what a capped class cannot take goes: to the other
    participating holdings (``others``, prefstack's), stays with the Company (``company-keeps``), or
    to the holders of Common Stock only (``junior-only``)."""
    match chosen("CAPSTRUCT-PARTICIPATION-CAP"):
        case "default" | "participation-only":
            return "others"
        case "company-keeps":
            return "company"
        case "junior-only":
            return "junior"
        case other:
            raise AssertionError(f"CAPSTRUCT-PARTICIPATION-CAP alternative {other!r} is registered but not computed")


def _participation_company_keeps(ref: str, claims: Sequence[Claim], cents: int, exact_total: Fraction) -> list[Payout]:
    """CAPSTRUCT-PARTICIPATION-CAP=company-keeps: every holding is paid its share of what remains in
    proportion to its shares as converted, a capped one at most its cap; what a capped holding cannot
    take is not shared again and stays with the Company (the total paid is then less than the
    proceeds). In cents: the tier's cents apportioned among all the holdings, a capped one cut to its
    cap in cents."""
    weights = [c.weight for c in claims]
    whole = sum(weights, Fraction(0))
    if cents and whole == 0:
        raise InputError(
            "junior",
            for_series(ref, "§3(b)"),
            "assets remain after the preferences but no holding shares in them on an as-converted basis",
        )
    shares = [exact_total * w / whole if whole else Fraction(0) for w in weights]
    entitled = [share if c.cap is None else min(share, c.cap) for share, c in zip(shares, claims, strict=True)]

    def apportioned() -> list[int]:
        split = apportion_cents(cents, weights)
        return [paid if c.cap_cents is None else min(paid, c.cap_cents) for paid, c in zip(split, claims, strict=True)]

    split = _holders_cents(cents, entitled, apportioned)
    readings = [reading("LIQ-FULL-PARTICIPATION"), reading("LIQ-CENTS"), reading("CAPSTRUCT-PARTICIPATION-CAP")]
    if any(c.basis == CONVERTED_BASIS for c in claims):
        readings.append(reading("LIQ-NONPARTICIPATING-CONVERSION"))
    return _pay_tier(Tier.AS_CONVERTED, claims, split, entitled, cents, exact_total, readings, None)


def _participation_junior_only(ref: str, claims: Sequence[Claim], cents: int, exact_total: Fraction) -> list[Payout]:
    """CAPSTRUCT-PARTICIPATION-CAP=junior-only: every holding's share of what remains in proportion to
    its shares as converted, a capped one at most its cap; what the capped holdings cannot take is
    shared by the holdings of Common Stock only (held as such, or acquired by converting or
    exercising before the distribution: every claim but a preferred participating as converted), in
    proportion to their shares; the other participating preferred keep their own proportion. In
    cents: the tier's cents apportioned by the exact amounts, a capped holding at most its cap in
    cents."""
    weights = [c.weight for c in claims]
    whole = sum(weights, Fraction(0))
    junior = [c.basis != AS_CONVERTED_BASIS for c in claims]
    junior_weight = sum((w for w, j in zip(weights, junior, strict=True) if j), Fraction(0))
    shares = [exact_total * w / whole if whole else Fraction(0) for w in weights]
    held = [share if c.cap is None else min(share, c.cap) for share, c in zip(shares, claims, strict=True)]
    excess = sum(shares, Fraction(0)) - sum(held, Fraction(0))
    if (cents and whole == 0) or (excess > 0 and junior_weight == 0):
        raise InputError(
            "junior",
            for_series(ref, "§3(b)"),
            "assets remain that no holding of Common Stock shares in (CAPSTRUCT-PARTICIPATION-CAP=junior-only)",
        )
    entitled = [
        h + (excess * w / junior_weight if j else Fraction(0))
        for h, w, j in zip(held, weights, junior, strict=True)
    ]
    capped = [c.cap_cents for c in claims]
    split = _holders_cents(cents, entitled, functools.partial(apportion_cents_capped, cents, entitled, capped))
    readings = [reading("LIQ-FULL-PARTICIPATION"), reading("LIQ-CENTS"), reading("CAPSTRUCT-PARTICIPATION-CAP")]
    if any(c.basis == CONVERTED_BASIS for c in claims):
        readings.append(reading("LIQ-NONPARTICIPATING-CONVERSION"))
    return _pay_tier(Tier.AS_CONVERTED, claims, split, entitled, cents, exact_total, readings, None)


@implements("F §3(b)", "G §3(b)")
def water_fill(
    total: Fraction, weights: Sequence[Fraction], caps: Sequence[Fraction | None]
) -> tuple[list[Fraction], Fraction]:
    """``total`` shared in proportion to ``weights``, none above its cap: every weight whose share
    would pass its cap is given the cap and the rest is shared again among the others, until none
    passes. Returns the shares and what is left when every weight is capped (or zero)."""
    shares = [Fraction(0)] * len(weights)
    open_ = [i for i, w in enumerate(weights) if w > 0]
    left = total
    while open_ and left > 0:
        whole = sum((weights[i] for i in open_), Fraction(0))
        over = [i for i in open_ if _passes(left * weights[i] / whole, caps[i])]
        if not over:
            for i in open_:
                shares[i] = left * weights[i] / whole
            return shares, Fraction(0)
        for i in over:
            cap = caps[i]
            assert cap is not None
            shares[i] = cap
            left -= cap
        open_ = [i for i in open_ if i not in over]
    return shares, left


def _passes(share: Fraction, cap: Fraction | None) -> bool:
    return cap is not None and share > cap


def _unpaid(tier: Tier, claim: Claim, rank: int | None) -> Payout:
    """A claim of a tier that pays nothing."""
    inputs: dict[str, Scalar] = {claim.basis: claim.weight, **dict(claim.notes)}
    name = f"{tier.value}: {claim.security} {claim.holder}"
    return Payout(
        tier, claim.security, claim.holder, Explained(name, Fraction(0), claim.clause, inputs), Fraction(0), rank
    )


def _pay_tier(
    tier: Tier,
    claims: Sequence[Claim],
    split: Sequence[int],
    entitled: Sequence[Fraction],
    cents: int,
    full: Fraction,
    interpretations: Sequence[str],
    rank: int | None,
) -> list[Payout]:
    """The payouts of one tier: each claim's cents (``split``) and exact entitlement."""
    if cents == 0:
        return [_unpaid(tier, c, rank) for c in claims]
    total_weight = sum((c.weight for c in claims), Fraction(0))
    out: list[Payout] = []
    for claim, paid, exact_share in zip(claims, split, entitled, strict=True):
        inputs: dict[str, Scalar] = {
            claim.basis: claim.weight,
            "tier total of weights": total_weight,
            "tier pays (cents)": cents,
            "tier full amount": full,
            "exact entitlement": exact_share,
        }
        if claim.cap is not None:
            inputs["cap in this tier"] = claim.cap
        inputs.update(dict(claim.notes))
        out.append(
            Payout(
                tier=tier,
                security=claim.security,
                holder=claim.holder,
                amount=Explained(
                    name=f"{tier.value}: {claim.security} {claim.holder}",
                    value=Fraction(paid, 100),
                    clause=claim.clause,
                    inputs=inputs,
                    parts=claim.parts,
                    formula=(
                        "tier cents x weight / total weights, apportioned to whole cents (Sainte-Lague); "
                        "a fixed amount's weight is that amount to the cent"
                    ),
                    interpretations=list(interpretations),
                ),
                exact=exact_share,
                rank=rank,
            )
        )
    return out


def _tier_totals(
    ref: str,
    tiers: Sequence[PreferenceTier],
    filled: Sequence[tuple[int, Fraction]],
    rest_cents: int,
    rest_exact: Fraction,
    converted_weight: Fraction,
) -> dict[Tier, Explained]:
    def paid(kind: Tier) -> tuple[int, Fraction, Fraction]:
        chosen = [(t, f) for t, f in zip(tiers, filled, strict=True) if t.tier is kind]
        full = sum((c.weight for t, _ in chosen for c in t.claims), Fraction(0))
        return sum(f[0] for _, f in chosen), sum((f[1] for _, f in chosen), Fraction(0)), full

    senior_cents, senior_exact, senior_full = paid(Tier.SENIOR)
    parity_cents, parity_exact, parity_full = paid(Tier.PARITY)
    return {
        Tier.SENIOR: Explained(
            "paid to Senior Securities",
            Fraction(senior_cents, 100),
            for_series(ref, "§1(b)"),
            inputs={"full preference amounts": senior_full, "exact": senior_exact},
            formula="min(proceeds, full preference amounts)",
            interpretations=[reading("LIQ-SENIOR-RATABLE")],
        ),
        Tier.PARITY: Explained(
            "paid to Series F, Series G and other Parity Securities",
            Fraction(parity_cents, 100),
            for_series(ref, "§3(a)"),
            inputs={"full amounts": parity_full, "exact": parity_exact},
            formula="min(proceeds after senior, full parity amounts)",
            interpretations=[reading("LIQ-PARITY-TIER")],
        ),
        Tier.AS_CONVERTED: Explained(
            "paid on an as-converted basis",
            Fraction(rest_cents, 100),
            for_series(ref, "§3(b)"),
            inputs={"shares of common as converted": converted_weight, "exact": rest_exact},
            formula="proceeds - senior - parity",
            interpretations=[reading("LIQ-FULL-PARTICIPATION")],
        ),
    }


# --------------------------------------------------------------------------------------
# G §3(d): deemed liquidation


class TransactionKind(Enum):
    """Transactions named in G §3(d)."""

    MERGER = "merger"
    CONSOLIDATION = "consolidation"
    ASSET_DISPOSITION = "sale, lease, transfer or other disposition of all or substantially all assets"
    SUBSIDIARY_STOCK_DISPOSITION = "disposition of all or substantially all of the stock of its Subsidiaries"


@implements("G §3(d)")
def is_deemed_liquidation(
    terms: SeriesTerms,
    kind: TransactionKind,
    prior_stockholders_share: Fraction,
    prior_stockholders_voting_power: Fraction | None = None,
) -> Explained:
    """Whether a transaction is deemed a liquidation of the Company for the series (G §3(d)).
    ``prior_stockholders_voting_power``: their share of the survivor's voting power, used (and
    required) only under LIQ-G-DEEMED-THRESHOLD=voting-power.

    Series G: deemed unless the stockholders immediately before the transaction hold at
    least 50% of the outstanding voting securities of the surviving or resulting entity
    (LIQ-G-DEEMED-THRESHOLD). Series F: never under F §3, which has no such clause; such
    a transaction is a Mandatory Redemption Event question under F §6(b) (LIQ-F-NO-DEEMED).
    """
    if not isinstance(kind, TransactionKind):
        raise InputError("kind", for_series(terms.series, "§3"), f"unknown transaction kind {kind!r}")
    share = _nonnegative(prior_stockholders_share, "prior_stockholders_share", for_series(terms.series, "§3"))
    if share > 1:
        raise InputError("prior_stockholders_share", for_series(terms.series, "§3"), f"must be at most 1, got {share}")
    threshold = terms.liquidation.deemed_liquidation_below
    borrowed = ""
    if threshold is None:
        threshold, borrowed = _parity_deemed_threshold(terms)
    if threshold is None:
        return Explained(
            name=f"deemed liquidation for Series {terms.series}",
            value=False,
            clause=for_series(terms.series, "§3"),
            inputs={"transaction": kind.value, "prior stockholders' share": share},
            formula=(
                "the certificate has no deemed-liquidation clause; see "
                f"{for_series(terms.series, '§6(b)')}(i)-(ii) (Mandatory Redemption Event)"
            ),
            interpretations=[reading("LIQ-F-NO-DEEMED")],
        )
    match chosen("LIQ-G-DEEMED-THRESHOLD"):
        case "default":
            deemed, test = share < threshold.value, "hold >= threshold"
        case "more-than-half":
            deemed = share <= threshold.value
            test = "hold more than the threshold (LIQ-G-DEEMED-THRESHOLD=more-than-half)"
        case "voting-power":
            if prior_stockholders_voting_power is None:
                raise InputError(
                    "prior_stockholders_voting_power",
                    threshold.cite,
                    "LIQ-G-DEEMED-THRESHOLD=voting-power measures the prior stockholders' share of the survivor's "
                    "voting power: give it",
                )
            share = _nonnegative(prior_stockholders_voting_power, "prior_stockholders_voting_power", threshold.cite)
            if share > 1:
                raise InputError("prior_stockholders_voting_power", threshold.cite, f"must be at most 1, got {share}")
            deemed = share < threshold.value
            test = "hold >= threshold of the voting power (LIQ-G-DEEMED-THRESHOLD=voting-power), not"
        case other:
            raise AssertionError(f"LIQ-G-DEEMED-THRESHOLD alternative {other!r} is registered but not computed")
    return Explained(
        name=f"deemed liquidation for Series {terms.series}",
        value=deemed,
        clause=threshold.cite,
        inputs={"transaction": kind.value, "prior stockholders' share": share, "threshold": threshold.value},
        formula=f"deemed unless prior stockholders {test} of the survivor's outstanding voting securities"
        + borrowed,
        interpretations=[reading("LIQ-G-DEEMED-THRESHOLD")] + ([reading("LIQ-F-NO-DEEMED")] if borrowed else []),
    )


def _parity_deemed_threshold(terms: SeriesTerms) -> tuple[Term[Exact] | None, str]:
    """A series whose certificate has no deemed-liquidation clause, under the reading of
    LIQ-F-NO-DEEMED: none (prefstack's), or the clause of the first (by id) series it ranks on a
    parity with (its ``ranking.parity``) whose certificate has one (``parity-clause``)."""
    match chosen("LIQ-F-NO-DEEMED"):
        case "default":
            return None, ""
        case "parity-clause":
            parity = set(terms.ranking.parity.value)
            for name in series_names():
                other = load_terms(name).liquidation.deemed_liquidation_below
                if f"Series {name}" in parity and other is not None:
                    return other, f" ({other.cite} read into Series {terms.series}: LIQ-F-NO-DEEMED=parity-clause)"
            return None, ""
        case other:
            raise AssertionError(f"LIQ-F-NO-DEEMED alternative {other!r} is registered but not computed")


@implements("G §3(d)")
def is_deemed_liquidation_for_g(kind: TransactionKind, prior_stockholders_share: Fraction) -> Explained:
    """G §3(d) with the bundled terms of the series whose certificate has a deemed liquidation."""
    (series,) = [n for n in series_names() if load_terms(n).liquidation.deemed_liquidation_below is not None]
    return is_deemed_liquidation(load_terms(series), kind, prior_stockholders_share)
