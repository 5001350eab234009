"""Conversion of the preferred stock into Common Stock: F §5(a)-(c) and G §5(a)-(c).

- §5(a): each share converts into Original Issue Price / Conversion Price shares of Common
  Stock; the Conversion Rights end before a liquidation payment (§5(a)) and, for shares
  called for redemption, before the Redemption Date (F §6(j), G §6(i)).
- §5(b): no fractional shares; the fraction is paid in cash at the Conversion Price.
- §5(c)(i), (v): when a conversion takes effect, including one conditioned on the closing of
  an underwritten offering.
- §5(c)(ii): the reserve of authorized but unissued Common Stock, and the par value limit.
- §5(c)(iii): accrued but unpaid dividends paid on conversion, in cash to the extent funds
  are legally available, the rest in Common Stock at its Fair Market Value.

The Conversion Price in effect comes from :mod:`prefstack.clauses.antidilution`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum
from fractions import Fraction

from prefstack.calendars import business_days_before
from prefstack.citations import CAPITAL_STRUCTURE, for_series
from prefstack.clause_registry import implements
from prefstack.errors import InputError, PrefstackError
from prefstack.explain import Explained, Scalar
from prefstack.interpretations import reading
from prefstack.interpretations.readings import chosen, pick
from prefstack.numeric import Rounding, floor_whole, round_to
from prefstack.terms.schema import SeriesTerms

__all__ = [
    "ConversionMoment",
    "ConversionResult",
    "ConversionRightsTerminated",
    "ConversionTiming",
    "DividendSettlement",
    "ReserveCheck",
    "ReserveRequirement",
    "below_par_value",
    "check_reserve",
    "common_shares_required",
    "conversion_ratio",
    "conversion_rights_end_for_liquidation",
    "conversion_rights_end_for_redemption",
    "conversion_timing",
    "convert",
    "ensure_conversion_allowed",
    "other_reserve_requirement",
]


class ConversionRightsTerminated(PrefstackError):
    """A conversion was asked for after the Conversion Rights ended; names the clause."""

    def __init__(self, clause: str, conversion_date: dt.date, ended: dt.date, why: str) -> None:
        self.clause = clause
        self.conversion_date = conversion_date
        self.ended = ended
        super().__init__(
            f"conversion on {conversion_date} refused: the Conversion Rights ended at the close of business "
            f"on {ended} ({why}) ({clause})"
        )


def _positive(value: Fraction, field: str, clause: str) -> Fraction:
    if not isinstance(value, Fraction) or isinstance(value, bool):
        raise InputError(field, clause, f"must be an exact Fraction, not {value!r}")
    if value <= 0:
        raise InputError(field, clause, f"must be positive, not {value}")
    return value


def _non_negative(value: Fraction, field: str, clause: str) -> Fraction:
    if not isinstance(value, Fraction):
        raise InputError(field, clause, f"must be an exact Fraction, not {value!r}")
    if value < 0:
        raise InputError(field, clause, f"must not be negative ({value})")
    return value


def _value_of(figure: Fraction | Explained, field: str, clause: str) -> tuple[Fraction, tuple[Explained, ...]]:
    """The exact value of an input given either as a Fraction or as an Explained figure."""
    if isinstance(figure, Explained):
        if not isinstance(figure.value, Fraction):
            raise InputError(field, clause, f"must be an exact Fraction, not {figure.value!r}")
        return figure.value, (figure,)
    if not isinstance(figure, Fraction):
        raise InputError(field, clause, f"must be an exact Fraction, not {figure!r}")
    return figure, ()


def _cents(amount: Fraction, clause: str) -> Fraction:
    """A cash amount of a conversion to the cent under the reading of CONV-CASH-CENTS: half-up
    (prefstack's), or down (``round-down``: never more than the exact amount)."""
    mode = pick("CONV-CASH-CENTS", {"default": Rounding.HALF_UP, "round-down": Rounding.DOWN, "exact": None})
    if mode is None:  # the paying agent rounds
        return amount
    return Fraction(round_to(amount, 2, mode, clause).value)


@implements("F §5(a)", "G §5(a)", "F §5(b)", "G §5(b)")
def common_and_fraction(
    shares: Fraction,
    issue_price: Fraction,
    conversion_price: Fraction,
    certificates: Sequence[Fraction] | None = None,
    clause: str = "F §5(b)",
) -> tuple[int, Fraction]:
    """The whole shares of Common Stock issued for ``shares`` surrendered together and the
    fraction of a share paid in cash, under the reading of CONV-FRACTION-AGGREGATE: on all the
    shares at once (prefstack's), share by share (``per-share``: each share's whole part issued
    and its fraction paid, the fractions added), or certificate by certificate
    (``per-certificate``: each certificate's shares x Original Issue Price / Conversion Price, its
    whole part issued and its fraction paid, the fractions added; ``certificates``, the shares on
    each certificate surrendered, are needed, ``clause`` naming the section an error cites)."""
    match chosen("CONV-FRACTION-AGGREGATE"):
        case "default":
            return floor_whole(shares * issue_price / conversion_price)
        case "per-share":
            whole_shares, part = floor_whole(shares)
            each, each_fraction = floor_whole(issue_price / conversion_price)
            of_part, part_fraction = floor_whole(part * issue_price / conversion_price)
            return whole_shares * each + of_part, whole_shares * each_fraction + part_fraction
        case "per-certificate":
            if certificates is None:
                raise InputError(
                    "certificates",
                    clause,
                    "CONV-FRACTION-AGGREGATE=per-certificate converts each certificate surrendered on its own: "
                    "give the shares on each certificate (§5(c)(i))",
                )
            whole, fraction = 0, Fraction(0)
            for held in certificates:
                of_certificate, its_fraction = floor_whole(held * issue_price / conversion_price)
                whole, fraction = whole + of_certificate, fraction + its_fraction
            return whole, fraction
        case other:
            raise AssertionError(f"CONV-FRACTION-AGGREGATE alternative {other!r} is registered but not computed")


def _certificates(
    certificates: Sequence[Fraction] | None, shares: Fraction, clause: str
) -> tuple[Fraction, ...] | None:
    """The shares on each certificate surrendered (§5(c)(i)), checked: each positive, adding up to
    the shares converted."""
    if certificates is None:
        return None
    found = tuple(certificates)
    if not found:
        raise InputError("certificates", clause, "list the shares on each certificate surrendered, or give none")
    for held in found:
        if not isinstance(held, Fraction) or held <= 0:
            raise InputError(
                "certificates", clause, f"each certificate holds a positive exact number of shares, not {held!r}"
            )
    total = sum(found, Fraction(0))
    if total != shares:
        raise InputError(
            "certificates",
            clause,
            f"the certificates surrendered hold {total} shares, not the {shares} converted (§5(c)(i))",
        )
    return found


# §5(a) ------------------------------------------------------------------------------------


@implements("F §5(a)", "G §5(a)")
def conversion_ratio(terms: SeriesTerms, conversion_price: Fraction | Explained) -> Explained:
    """Shares of Common Stock per share of preferred: Original Issue Price / Conversion Price
    (F/G §5(a)); exact, not rounded (whole shares are taken only on a conversion, §5(b))."""
    clause = for_series(terms.series, "§5(a)")
    price, parts = _value_of(conversion_price, "conversion_price", clause)
    _positive(price, "conversion_price", clause)
    issue_price = terms.original_issue_price.value
    return Explained(
        name="conversion_ratio",
        value=issue_price / price,
        clause=clause,
        inputs={"original_issue_price": issue_price, "conversion_price": price},
        parts=parts,
        formula="original_issue_price / conversion_price",
    )


@implements("F §5(a)", "G §5(a)")
def conversion_rights_end_for_liquidation(terms: SeriesTerms, payment_date: dt.date) -> Explained:
    """The day at whose close of business the Conversion Rights end in a liquidation: "the first
    full day preceding the date fixed for the payment" (F/G §5(a); interpretation
    CONV-LIQUIDATION-CUTOFF)."""
    clause = for_series(terms.series, "§5(a)")
    match chosen("CONV-LIQUIDATION-CUTOFF"):
        case "default":
            end, words = payment_date - dt.timedelta(days=1), "the calendar day before"
        case "business-day":
            end = business_days_before(payment_date, 1)
            words = "the business day before (CONV-LIQUIDATION-CUTOFF=business-day)"
        case "two-days":
            end = payment_date - dt.timedelta(days=2)
            words = "two calendar days before (CONV-LIQUIDATION-CUTOFF=two-days)"
        case other:
            raise AssertionError(f"CONV-LIQUIDATION-CUTOFF alternative {other!r} is registered but not computed")
    return Explained(
        name="conversion_rights_end (close of business)",
        value=end,
        clause=clause,
        inputs={"liquidation_payment_date": payment_date},
        formula=f"close of business on {words} the date fixed for payment",
        interpretations=(reading("CONV-LIQUIDATION-CUTOFF"),),
    )


@implements("F §6(j)", "G §6(i)")
def conversion_rights_end_for_redemption(terms: SeriesTerms, redemption_date: dt.date) -> Explained:
    """The day at whose close of business the Conversion Rights of shares designated for
    redemption end: "the fifth (5th) day preceding the Redemption Date" (F §6(j), G §6(i));
    calendar days (interpretation CONV-REDEMPTION-CUTOFF). The rights do not end if default
    is made in payment of the Redemption Price (see :func:`ensure_conversion_allowed`)."""
    term = terms.redeemable().conversion_cutoff_days
    match chosen("CONV-REDEMPTION-CUTOFF"):
        case "default":
            end, unit = redemption_date - dt.timedelta(days=term.value), "calendar days"
        case "business-days":
            end, unit = business_days_before(redemption_date, term.value), "business days"
        case other:
            raise AssertionError(f"CONV-REDEMPTION-CUTOFF alternative {other!r} is registered but not computed")
    return Explained(
        name="conversion_rights_end (close of business)",
        value=end,
        clause=term.cite,
        inputs={"redemption_date": redemption_date, "days_preceding": term.value},
        formula=f"close of business on redemption_date - days_preceding {unit}",
        interpretations=(reading("CONV-REDEMPTION-CUTOFF"),),
    )


@implements("F §5(a)", "G §5(a)", "F §6(j)", "G §6(i)")
def ensure_conversion_allowed(
    terms: SeriesTerms,
    *,
    conversion_date: dt.date,
    liquidation_payment_date: dt.date | None,
    redemption_date: dt.date | None,
    redemption_payment_defaulted: bool,
) -> None:
    """Refuse a conversion after a cut-off of the Conversion Rights.

    ``liquidation_payment_date``: the date fixed for the liquidation payment, if any (§5(a)).
    ``redemption_date``: the Redemption Date of a call covering the shares, if any (F §6(j),
    G §6(i)); the cut-off does not apply when ``redemption_payment_defaulted``. A Conversion
    Date on the cut-off day itself is in time (interpretation CONV-CUTOFF-SAME-DAY). Raises
    :class:`ConversionRightsTerminated` naming the clause.
    """
    reading("CONV-CUTOFF-SAME-DAY")
    # a Conversion Date on the cut-off day is in time (prefstack's), or only one before it
    # (CONV-CUTOFF-SAME-DAY=before-cutoff-day); the same for both cut-offs
    last_in_time = pick("CONV-CUTOFF-SAME-DAY", {"default": 0, "before-cutoff-day": 1})
    if liquidation_payment_date is not None:
        end = conversion_rights_end_for_liquidation(terms, liquidation_payment_date)
        assert isinstance(end.value, dt.date)
        if conversion_date > end.value - dt.timedelta(days=last_in_time):
            raise ConversionRightsTerminated(
                end.clause, conversion_date, end.value, f"liquidation payment fixed for {liquidation_payment_date}"
            )
    if redemption_date is not None and not redemption_payment_defaulted:
        end = conversion_rights_end_for_redemption(terms, redemption_date)
        assert isinstance(end.value, dt.date)
        if conversion_date > end.value - dt.timedelta(days=last_in_time):
            raise ConversionRightsTerminated(
                end.clause, conversion_date, end.value, f"shares called for redemption on {redemption_date}"
            )


# §5(c)(i) and (v): when a conversion takes effect ---------------------------------------


class ConversionMoment(Enum):
    """The moment of the day at which a conversion is deemed made."""

    CLOSE_OF_BUSINESS = "close of business"
    """§5(c)(i): close of business on the date of surrender."""
    IMMEDIATELY_PRIOR_TO_OFFERING_CLOSING = "immediately prior to the closing of the underwritten offering"
    """§5(c)(v): a conversion conditioned on the closing of an underwritten offering."""


@dataclass(frozen=True)
class ConversionTiming:
    """When a conversion is deemed made (the date and the moment of that day)."""

    date: dt.date
    moment: ConversionMoment
    explained: Explained


@implements("F §5(c)(i)", "G §5(c)(i)", "F §5(c)(v)", "G §5(c)(v)")
def conversion_timing(
    terms: SeriesTerms,
    *,
    surrender_date: dt.date,
    conditioned_on_underwritten_offering: bool,
    offering_closing_date: dt.date | None,
) -> ConversionTiming:
    """When a conversion takes effect (F/G §5(c)(i), §5(c)(v)).

    Unconditional: at the close of business on the date of surrender of the certificates and
    notice (the Conversion Date). Conditioned by the holder on the closing of an underwritten
    offering registered under the 1933 Act: not until immediately prior to that closing;
    ``offering_closing_date`` is the date the sale closed (an error if it has not closed: the
    shares have not been converted).
    """
    if not conditioned_on_underwritten_offering:
        clause = for_series(terms.series, "§5(c)(i)")
        if offering_closing_date is not None:
            raise InputError(
                "offering_closing_date", clause, "given for a conversion that is not conditioned on an offering"
            )
        return ConversionTiming(
            date=surrender_date,
            moment=ConversionMoment.CLOSE_OF_BUSINESS,
            explained=Explained(
                name="conversion_effective",
                value=surrender_date,
                clause=clause,
                inputs={"surrender_date": surrender_date},
                formula="close of business on the date of surrender",
            ),
        )
    clause = for_series(terms.series, "§5(c)(v)")
    if offering_closing_date is None:
        raise InputError(
            "offering_closing_date",
            clause,
            "the conversion is conditioned on the closing of the underwritten offering, which has not closed: "
            "the shares are not converted",
        )
    if offering_closing_date < surrender_date:
        raise InputError(
            "offering_closing_date", clause, f"{offering_closing_date} is before the surrender on {surrender_date}"
        )
    return ConversionTiming(
        date=offering_closing_date,
        moment=ConversionMoment.IMMEDIATELY_PRIOR_TO_OFFERING_CLOSING,
        explained=Explained(
            name="conversion_effective",
            value=offering_closing_date,
            clause=clause,
            inputs={"surrender_date": surrender_date, "offering_closing_date": offering_closing_date},
            formula="immediately prior to the closing of the sale of securities with the underwriter",
        ),
    )


# §5(b) and §5(c)(iii): one conversion ----------------------------------------------------


@dataclass(frozen=True)
class DividendSettlement:
    """Accrued but unpaid dividends on the converted shares, settled under §5(c)(iii)."""

    accrued_unpaid_dividends: Explained
    cash: Explained
    """Cash paid, to the extent funds are legally available (to the cent)."""
    common_shares: Explained
    """Whole shares of Common Stock for the rest, at its Fair Market Value (int)."""
    cash_for_fraction: Explained
    """The fraction of a share left over, paid in cash at the Fair Market Value (to the cent)."""


@dataclass(frozen=True)
class ConversionResult:
    """One conversion of preferred shares by one holder."""

    series: str
    shares: Fraction
    conversion_date: dt.date
    conversion_price: Fraction
    common_shares: Explained
    """Whole shares of Common Stock issued for the preferred shares (int), §5(a)-(b)."""
    cash_for_fraction: Explained
    """Cash in lieu of the fractional share, §5(b) (to the cent)."""
    dividends: DividendSettlement

    @property
    def total_common_shares(self) -> int:
        """Shares for the conversion plus shares for the dividends."""
        a, b = self.common_shares.value, self.dividends.common_shares.value
        assert isinstance(a, int) and isinstance(b, int)
        return a + b

    def explain(self) -> Sequence[Explained]:
        return (
            self.common_shares,
            self.cash_for_fraction,
            self.dividends.cash,
            self.dividends.common_shares,
            self.dividends.cash_for_fraction,
        )


@implements("F §5(c)(iii)", "G §5(c)(iii)")
def _settle_dividends(
    terms: SeriesTerms,
    accrued: Fraction,
    funds: Fraction,
    fmv: Fraction | Explained | None,
    conversion_date: dt.date,
) -> DividendSettlement:
    clause = for_series(terms.series, "§5(c)(iii)")
    _non_negative(accrued, "accrued_unpaid_dividends", clause)
    _non_negative(funds, "funds_legally_available", clause)
    accrued_e = Explained("accrued_unpaid_dividends", accrued, clause, inputs={"conversion_date": conversion_date})
    cash_exact = min(accrued, funds)
    rest = accrued - cash_exact
    cash_paid = _cents(cash_exact, clause)
    cash = Explained(
        name="dividend_cash",
        value=cash_paid,
        clause=clause,
        inputs={"accrued_unpaid_dividends": accrued, "funds_legally_available": funds, "exact": cash_exact},
        formula="min(accrued_unpaid_dividends, funds_legally_available), to the cent",
        interpretations=(reading("CONV-CASH-CENTS"),),
    )
    if rest == 0:
        zero_shares = Explained("dividend_common_shares", 0, clause, inputs={"dividends_not_paid_in_cash": rest})
        zero_cash = Explained("dividend_cash_for_fraction", Fraction(0), clause, inputs={"fraction": Fraction(0)})
        return DividendSettlement(accrued_e, cash, zero_shares, zero_cash)
    if fmv is None:
        raise InputError(
            "common_fair_market_value",
            clause,
            f"funds legally available ({funds}) do not cover the accrued dividends ({accrued}); the rest is paid in "
            "Common Stock at its Fair Market Value as of the conversion date, which must be given",
        )
    price, parts = _value_of(fmv, "common_fair_market_value", clause)
    _positive(price, "common_fair_market_value", clause)
    whole, fraction = floor_whole(rest / price)
    match chosen("CONV-DIVIDEND-SHARE-FRACTION"):
        case "default":
            pass
        case "round-up":  # the next whole share, and no cash for a fraction
            whole, fraction = math.ceil(rest / price), Fraction(0)
        case "fraction-unpaid":  # the whole shares now; the fraction waits for funds (nothing paid for it)
            fraction = Fraction(0)
        case "add-to-conversion":  # the fraction joins the conversion's, paid there (see convert)
            fraction = Fraction(0)
        case other:
            raise AssertionError(f"CONV-DIVIDEND-SHARE-FRACTION alternative {other!r} is registered but not computed")
    shares = Explained(
        name="dividend_common_shares",
        value=whole,
        clause=clause,
        inputs={"dividends_not_paid_in_cash": rest, "common_fair_market_value": price, "exact_shares": rest / price},
        parts=parts,
        formula="whole part of (accrued_unpaid_dividends - cash) / common_fair_market_value",
        interpretations=(reading("CONV-DIVIDEND-SHARE-FRACTION"),),
    )
    fraction_cash = Explained(
        name="dividend_cash_for_fraction",
        value=_cents(fraction * price, clause),
        clause=clause,
        inputs={"fraction": fraction, "common_fair_market_value": price, "exact": fraction * price},
        formula="fraction x common_fair_market_value, to the cent",
        interpretations=(reading("CONV-DIVIDEND-SHARE-FRACTION"), reading("CONV-CASH-CENTS")),
    )
    return DividendSettlement(accrued_e, cash, shares, fraction_cash)


@implements("F §5(a)", "G §5(a)", "F §5(b)", "G §5(b)", "F §5(c)(iii)", "G §5(c)(iii)")
def convert(
    terms: SeriesTerms,
    *,
    shares: Fraction,
    conversion_price: Fraction | Explained,
    conversion_date: dt.date,
    accrued_unpaid_dividends: Fraction,
    funds_legally_available: Fraction,
    common_fair_market_value: Fraction | Explained | None,
    certificates: Sequence[Fraction] | None = None,
) -> ConversionResult:
    """Convert ``shares`` of preferred surrendered together by one holder (F/G §5(a)-(c)).

    Common Stock = shares x Original Issue Price / Conversion Price, in whole shares, computed
    on all the shares surrendered together (interpretation CONV-FRACTION-AGGREGATE); the
    fraction is paid in cash at the Conversion Price (§5(b)), to the cent (CONV-CASH-CENTS).
    Accrued but unpaid dividends on those shares are settled per §5(c)(iii):
    ``common_fair_market_value`` (as of the conversion date, §3(c)) is needed only when
    ``funds_legally_available`` fall short of them. ``certificates``: the shares on each
    certificate surrendered (adding up to ``shares``), read by CONV-FRACTION-AGGREGATE=per-certificate.
    """
    clause_a = for_series(terms.series, "§5(a)")
    clause_b = for_series(terms.series, "§5(b)")
    _positive(shares, "shares", clause_a)
    surrendered = _certificates(certificates, shares, clause_b)
    price, price_parts = _value_of(conversion_price, "conversion_price", clause_a)
    _positive(price, "conversion_price", clause_a)
    issue_price = terms.original_issue_price.value
    exact_common = shares * issue_price / price
    whole, fraction = common_and_fraction(shares, issue_price, price, surrendered, clause_b)
    dividends = _settle_dividends(
        terms, accrued_unpaid_dividends, funds_legally_available, common_fair_market_value, conversion_date
    )
    if pick(
        "CONV-DIVIDEND-SHARE-FRACTION",
        {"default": False, "round-up": False, "fraction-unpaid": False, "add-to-conversion": True},
    ):
        # The dividend shares' fraction is added to the conversion's before the whole part is taken:
        # a whole share more (counted among the dividend shares) when the two reach one, and the
        # fraction left paid in cash at the Conversion Price as §5(b) says.
        dividend_exact = dividends.common_shares.inputs.get("exact_shares", Fraction(0))
        dividend_whole = dividends.common_shares.value
        assert isinstance(dividend_exact, Fraction) and isinstance(dividend_whole, int)
        extra, fraction = floor_whole(fraction + dividend_exact - dividend_whole)
        if extra:
            dividends = replace(
                dividends,
                common_shares=replace(
                    dividends.common_shares,
                    value=dividend_whole + extra,
                    formula="whole part of (exact conversion shares + exact dividend shares) - conversion shares",
                ),
            )
    common_inputs: dict[str, Scalar] = {
        "preferred_shares": shares,
        "original_issue_price": issue_price,
        "conversion_price": price,
        "exact_common_shares": exact_common,
    }
    if surrendered is not None:
        common_inputs["certificates_surrendered"] = ", ".join(str(held) for held in surrendered)
    common = Explained(
        name="common_shares",
        value=whole,
        clause=clause_b,
        inputs=common_inputs,
        parts=price_parts,
        formula="whole part of preferred_shares x original_issue_price / conversion_price",
        interpretations=(reading("CONV-FRACTION-AGGREGATE"),),
    )
    cash_exact = fraction * price
    cash = Explained(
        name="cash_for_fraction",
        value=_cents(cash_exact, clause_b),
        clause=clause_b,
        inputs={"fraction": fraction, "conversion_price": price, "exact": cash_exact},
        formula="fraction x conversion_price, to the cent",
        interpretations=(reading("CONV-FRACTION-AGGREGATE"), reading("CONV-CASH-CENTS")),
    )
    return ConversionResult(
        series=terms.series,
        shares=shares,
        conversion_date=conversion_date,
        conversion_price=price,
        common_shares=common,
        cash_for_fraction=cash,
        dividends=dividends,
    )


# §5(c)(ii): reserve and par value -------------------------------------------------------


@dataclass(frozen=True)
class ReserveRequirement:
    """Common Stock that must be reserved for converting all outstanding shares of one series."""

    series: str
    common_shares: Explained


@implements("F §5(c)(ii)", "G §5(c)(ii)")
def common_shares_required(
    terms: SeriesTerms,
    *,
    outstanding_preferred_shares: Fraction,
    conversion_price: Fraction | Explained,
    accrued_unpaid_dividends: Fraction | None = None,
    common_fair_market_value: Fraction | Explained | None = None,
) -> ReserveRequirement:
    """Common Stock needed to convert all outstanding shares of the series (F/G §5(c)(ii)):
    the whole part of outstanding x Original Issue Price / Conversion Price (interpretation
    CONV-RESERVE-WHOLE); under ``round-up`` rounded up; under ``with-dividends`` the series'
    ``accrued_unpaid_dividends`` / ``common_fair_market_value`` added before the whole part (the
    shares its accrued dividends would be paid in were no funds legally available, §5(c)(iii)),
    both needed."""
    clause = for_series(terms.series, "§5(c)(ii)")
    _non_negative(outstanding_preferred_shares, "outstanding_preferred_shares", clause)
    price, parts = _value_of(conversion_price, "conversion_price", clause)
    _positive(price, "conversion_price", clause)
    exact_shares = outstanding_preferred_shares * terms.original_issue_price.value / price
    inputs: dict[str, Scalar] = {
        "outstanding_preferred_shares": outstanding_preferred_shares,
        "original_issue_price": terms.original_issue_price.value,
        "conversion_price": price,
    }
    formula = "whole part of outstanding_preferred_shares x original_issue_price / conversion_price"
    match chosen("CONV-RESERVE-WHOLE"):
        case "default":
            whole, _ = floor_whole(exact_shares)
        case "round-up":  # the next whole share, so that the reserve covers the total exactly
            whole = math.ceil(exact_shares)
            formula = "outstanding_preferred_shares x original_issue_price / conversion_price, rounded up"
        case "with-dividends":
            dividends_clause = for_series(terms.series, "§5(c)(iii)")
            if accrued_unpaid_dividends is None or common_fair_market_value is None:
                raise InputError(
                    "common_fair_market_value",
                    dividends_clause,
                    "CONV-RESERVE-WHOLE=with-dividends needs the accrued dividends and the Fair Market Value of the "
                    "Common Stock (the ledger's closing prices do not cover its averaging period)",
                )
            fmv, fmv_parts = _value_of(common_fair_market_value, "common_fair_market_value", dividends_clause)
            _positive(fmv, "common_fair_market_value", dividends_clause)
            exact_shares += _non_negative(accrued_unpaid_dividends, "accrued_unpaid_dividends", clause) / fmv
            parts = (*parts, *fmv_parts)
            inputs.update({"accrued_unpaid_dividends": accrued_unpaid_dividends, "common_fair_market_value": fmv})
            whole, _ = floor_whole(exact_shares)
            formula = (
                "whole part of (outstanding_preferred_shares x original_issue_price / conversion_price"
                " + accrued_unpaid_dividends / common_fair_market_value)"
            )
        case other:
            raise AssertionError(f"CONV-RESERVE-WHOLE alternative {other!r} is registered but not computed")
    inputs["exact"] = exact_shares
    return ReserveRequirement(
        series=terms.series,
        common_shares=Explained(
            name="common_shares_required",
            value=whole,
            clause=clause,
            inputs=inputs,
            parts=parts,
            formula=formula,
            interpretations=(reading("CONV-RESERVE-WHOLE"),),
        ),
    )


@implements("F §5(c)(ii)", "G §5(c)(ii)")
def other_reserve_requirement(name: str, common_shares: Fraction, basis: str, source: str) -> ReserveRequirement:
    """Common Stock a class or tranche of a capital structure draws on the same authorized but
    unissued shares (F/G §5(c)(ii), CAPSTRUCT-RESERVE): the whole part of ``common_shares``."""
    clause = CAPITAL_STRUCTURE  # the class's terms come from the file, not from a certificate
    _non_negative(common_shares, "common_shares", clause)
    whole, _ = floor_whole(common_shares)
    return ReserveRequirement(
        series=name,
        common_shares=Explained(
            name=f"common_shares_required: {name}",
            value=whole,
            clause=clause,
            inputs={basis: common_shares, "source": source},
            formula=f"whole part of {basis}",
            interpretations=(reading("CAPSTRUCT-RESERVE"),),
        ),
    )


@dataclass(frozen=True)
class ReserveCheck:
    """Whether authorized but unissued Common Stock covers the conversions (F/G §5(c)(ii))."""

    required: Explained
    available: Fraction
    shortfall: Explained
    sufficient: bool


@implements("F §5(c)(ii)", "G §5(c)(ii)")
def check_reserve(requirements: Sequence[ReserveRequirement], *, authorized_unissued_common: Fraction) -> ReserveCheck:
    """Compare authorized but unissued Common Stock (not otherwise reserved) with the shares
    needed to convert all outstanding preferred of the series given (F/G §5(c)(ii)); the
    shortfall is zero when there is enough."""
    if not requirements:
        raise InputError("requirements", "F §5(c)(ii)", "at least one series' requirement is needed")
    clauses = [r.common_shares.clause for r in requirements]
    clause = clauses[0]
    _non_negative(authorized_unissued_common, "authorized_unissued_common", clause)
    total = 0
    for requirement in requirements:
        value = requirement.common_shares.value
        if not isinstance(value, int):
            raise InputError(
                "requirements", requirement.common_shares.clause, f"not a whole number of shares: {value!r}"
            )
        total += value
    required = Explained(
        name="common_shares_required",
        value=total,
        clause=clause,
        parts=tuple(r.common_shares for r in requirements),
        formula="sum over the series",
    )
    shortfall = max(Fraction(total) - authorized_unissued_common, Fraction(0))
    return ReserveCheck(
        required=required,
        available=authorized_unissued_common,
        shortfall=Explained(
            name="reserve_shortfall",
            value=shortfall,
            clause=clause,
            inputs={"required": total, "authorized_unissued_common": authorized_unissued_common},
            formula="max(required - authorized_unissued_common, 0)",
        ),
        sufficient=shortfall == 0,
    )


@implements("F §5(c)(ii)", "G §5(c)(ii)")
def below_par_value(terms: SeriesTerms, conversion_price: Fraction) -> Explained:
    """Whether a Conversion Price is below the par value of the Common Stock ($.01), in which
    case the Company must first take the corporate action §5(c)(ii) requires (a flag)."""
    term = terms.conversion.par_value_of_common
    clause = for_series(terms.series, "§5(c)(ii)")
    _non_negative(conversion_price, "conversion_price", clause)
    return Explained(
        name="conversion_price_below_par_value",
        value=conversion_price < term.value,
        clause=clause,
        inputs={"conversion_price": conversion_price, "par_value_of_common": term.value},
        formula="conversion_price < par_value_of_common",
    )
