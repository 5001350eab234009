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

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from prefstack.citations import cite, for_series
from prefstack.errors import InputError
from prefstack.explain import Explained
from prefstack.interpretations import reading
from prefstack.numeric import Rounding, exact, round_to
from prefstack.terms import SeriesTerms

__all__ = [
    "JuniorHolding",
    "NonCashProceeds",
    "ParityHolding",
    "Payout",
    "SeniorClass",
    "Tier",
    "TransactionKind",
    "Waterfall",
    "apportion_cents",
    "is_deemed_liquidation",
    "is_deemed_liquidation_for_g",
    "liquidation_value_per_share",
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
    return Explained(
        name=f"Series {terms.series} Liquidation Value per share",
        value=price + accrued,
        clause=clause,
        parts=[issue_price, dividends],
        formula="Original Issue Price + accrued but unpaid dividends",
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
        if self.series in ("F", "G") and not self.participates:
            raise InputError(
                "parity.participates",
                self.clause("§3(b)"),
                f"Series {self.series} shares in the remaining assets on an as-converted basis",
            )
        if not self.participates and converted != 0:
            raise InputError(
                "parity.as_converted_common",
                "F §3(b)",
                f"{self.series} does not participate: give 0, not {converted}",
            )

    def clause(self, section: str) -> str:
        """The section of this holding's own certificate (F or G) or, for others, of F."""
        return for_series(self.series if self.series in ("F", "G") else "F", section)

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

    @property
    def paid(self) -> Fraction:
        assert isinstance(self.amount.value, Fraction)
        return self.amount.value


@dataclass(frozen=True)
class Waterfall:
    """The distribution of the proceeds of a liquidation, tier by tier."""

    on: dt.date
    proceeds: Explained
    non_cash: tuple[NonCashProceeds, ...]
    payouts: tuple[Payout, ...]
    tier_totals: dict[Tier, Explained]
    total_paid: Explained

    def by_holder(self) -> dict[tuple[str, str], Fraction]:
        """Total paid to each (security, holder), in the order first listed."""
        out: dict[tuple[str, str], Fraction] = {}
        for payout in self.payouts:
            key = (payout.security, payout.holder)
            out[key] = out.get(key, Fraction(0)) + payout.paid
        return out

    def paid_to(self, security: str, holder: str) -> Fraction:
        return self.by_holder().get((security, holder), Fraction(0))


@dataclass(frozen=True)
class _Claim:
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


def _reference_series(parity: Sequence[ParityHolding]) -> str:
    series = [p.series for p in parity if p.series in ("F", "G")]
    if not series:
        raise InputError(
            "parity",
            "F §3(a)",
            "the waterfall applies F §3 and G §3: at least one Series F or Series G holding is required",
        )
    return "F" if "F" in series else "G"


def _pay_tier(
    tier: Tier,
    claims: Sequence[_Claim],
    cents: int,
    exact_total: Fraction,
    full: Fraction,
    interpretations: Sequence[str],
) -> list[Payout]:
    if cents == 0:
        return [
            Payout(
                tier,
                c.security,
                c.holder,
                Explained(f"{tier.value}: {c.security} {c.holder}", Fraction(0), c.clause, inputs={c.basis: c.weight}),
                Fraction(0),
            )
            for c in claims
        ]
    weights = [c.weight for c in claims]
    # Claims of fixed amounts share the tier's cents in proportion to their amounts in cents, so
    # a tier paid in full pays each its own amount to the cent (LIQ-CENTS).
    split = apportion_cents(cents, [Fraction(c.full_cents) if c.full_cents is not None else c.weight for c in claims])
    whole = sum(weights, Fraction(0))
    out: list[Payout] = []
    for claim, paid in zip(claims, split, strict=True):
        entitled = exact_total * claim.weight / whole
        out.append(
            Payout(
                tier=tier,
                security=claim.security,
                holder=claim.holder,
                amount=Explained(
                    name=f"{tier.value}: {claim.security} {claim.holder}",
                    value=Fraction(paid, 100),
                    clause=claim.clause,
                    inputs={
                        claim.basis: claim.weight,
                        "tier total of weights": whole,
                        "tier pays (cents)": cents,
                        "tier full amount": full,
                        "exact entitlement": entitled,
                    },
                    parts=claim.parts,
                    formula=(
                        "tier cents x weight / total weights, apportioned to whole cents (Sainte-Lague); "
                        "a fixed amount's weight is that amount to the cent"
                    ),
                    interpretations=list(interpretations),
                ),
                exact=entitled,
            )
        )
    return out


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
    cash = _nonnegative(proceeds_cash, "proceeds_cash", for_series(ref, "§3(a)"))
    if not isinstance(on, dt.date):
        raise InputError("on", for_series(ref, "§3(a)"), "the date of the distribution is required")
    items = tuple(non_cash)
    for item in items:
        if not isinstance(item, NonCashProceeds):
            raise InputError("non_cash", for_series(ref, "§3(c)"), f"expected NonCashProceeds, got {item!r}")
    total_exact = cash + sum((item.value for item in items), Fraction(0))
    cents_clause = for_series(ref, "§3(b)")
    total_cents = _cents(total_exact, cents_clause)
    proceeds = Explained(
        name="remaining assets available for distribution",
        value=total_exact,
        clause=for_series(ref, "§3(a)"),
        inputs={"cash": cash, "paid in cents": Fraction(total_cents, 100), "on": on},
        parts=[
            Explained(
                name=f"non-cash: {item.description}",
                value=item.value,
                clause=item.valuation_clause,
                inputs={"method": item.method},
                formula="Fair Market Value",
                interpretations=[reading("LIQ-NON-CASH")],
            )
            for item in items
        ],
        formula="cash + Fair Market Value of non-cash property",
        interpretations=[reading("LIQ-NON-CASH"), reading("LIQ-CENTS")],
    )

    senior_claims = [
        _Claim(
            Tier.SENIOR,
            s.name,
            s.name,
            s.preference_amount,
            for_series(ref, "§1(b)"),
            "preference amount",
            full_cents=_cents(s.preference_amount, for_series(ref, "§1(b)")),
        )
        for s in senior
    ]
    parity_claims = [
        _Claim(
            Tier.PARITY,
            p.series,
            p.holder,
            p.full_amount,
            p.clause("§3(a)"),
            "full amount (shares x liquidation value per share)",
            parts=(p.liquidation_value_per_share,) if isinstance(p.liquidation_value_per_share, Explained) else (),
            full_cents=_cents(p.full_amount, p.clause("§3(a)")),
        )
        for p in parity
    ]
    converted_claims = [
        _Claim(Tier.AS_CONVERTED, s.name, s.name, s.as_converted_common, cents_clause, "as-converted common")
        for s in senior
        if s.participates
    ]
    converted_claims += [
        _Claim(Tier.AS_CONVERTED, p.series, p.holder, p.as_converted_common, p.clause("§3(b)"), "as-converted common")
        for p in parity
        if p.participates
    ]
    converted_claims += [
        _Claim(Tier.AS_CONVERTED, j.security, j.holder, j.common_shares, for_series(ref, "§3(b)"), "common shares")
        for j in junior
    ]

    senior_full = sum((c.weight for c in senior_claims), Fraction(0))
    parity_full = sum((c.weight for c in parity_claims), Fraction(0))
    senior_cents = min(total_cents, sum(c.full_cents or 0 for c in senior_claims))
    parity_cents = min(total_cents - senior_cents, sum(c.full_cents or 0 for c in parity_claims))
    rest_cents = total_cents - senior_cents - parity_cents

    senior_exact = min(total_exact, senior_full)
    parity_exact = min(total_exact - senior_exact, parity_full)
    rest_exact = total_exact - senior_exact - parity_exact
    converted_weight = sum((c.weight for c in converted_claims), Fraction(0))
    if rest_cents > 0 and converted_weight == 0:
        raise InputError(
            "junior",
            for_series(ref, "§3(b)"),
            "assets remain after the preferences but no holding shares in them on an as-converted basis",
        )

    payouts: list[Payout] = []
    payouts += _pay_tier(
        Tier.SENIOR,
        senior_claims,
        senior_cents,
        senior_exact,
        senior_full,
        [reading("LIQ-SENIOR-RATABLE"), reading("LIQ-CENTS")],
    )
    payouts += _pay_tier(
        Tier.PARITY,
        parity_claims,
        parity_cents,
        parity_exact,
        parity_full,
        [reading("LIQ-PARITY-TIER"), reading("LIQ-CENTS")],
    )
    payouts += _pay_tier(
        Tier.AS_CONVERTED,
        converted_claims,
        rest_cents,
        rest_exact,
        rest_exact,
        [reading("LIQ-FULL-PARTICIPATION"), reading("LIQ-CENTS")],
    )

    tier_totals = {
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
    total_paid = Explained(
        name="total distributed",
        value=Fraction(sum(int(p.paid * 100) for p in payouts), 100),
        clause=for_series(ref, "§3(b)"),
        parts=list(tier_totals.values()),
        formula="senior + parity + as-converted",
        interpretations=[reading("LIQ-CENTS")],
    )
    return Waterfall(
        on=on,
        proceeds=proceeds,
        non_cash=items,
        payouts=tuple(payouts),
        tier_totals=tier_totals,
        total_paid=total_paid,
    )


# --------------------------------------------------------------------------------------
# G §3(d): deemed liquidation


class TransactionKind(Enum):
    """Transactions named in G §3(d)."""

    MERGER = "merger"
    CONSOLIDATION = "consolidation"
    ASSET_DISPOSITION = "sale, lease, transfer or other disposition of all or substantially all assets"
    SUBSIDIARY_STOCK_DISPOSITION = "disposition of all or substantially all of the stock of its Subsidiaries"


def is_deemed_liquidation(
    terms: SeriesTerms,
    kind: TransactionKind,
    prior_stockholders_share: Fraction,
) -> Explained:
    """Whether a transaction is deemed a liquidation of the Company for the series (G §3(d)).

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
    return Explained(
        name=f"deemed liquidation for Series {terms.series}",
        value=share < threshold.value,
        clause=threshold.cite,
        inputs={"transaction": kind.value, "prior stockholders' share": share, "threshold": threshold.value},
        formula="deemed unless prior stockholders hold >= threshold of the survivor's outstanding voting securities",
        interpretations=[reading("LIQ-G-DEEMED-THRESHOLD")],
    )


def is_deemed_liquidation_for_g(kind: TransactionKind, prior_stockholders_share: Fraction) -> Explained:
    """G §3(d) with the bundled Series G terms."""
    from prefstack.terms import load_terms

    return is_deemed_liquidation(load_terms("G"), kind, prior_stockholders_share)
