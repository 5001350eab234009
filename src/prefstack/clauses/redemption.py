"""Mandatory redemption: F §6 and G §6.

The two sections are the same except that F §6(d) lets the Company pay the Redemption
Price in Common Stock, which G lacks, so G's later letters are one less:

=====================================  ========  ========
clause                                 Series F  Series G
=====================================  ========  ========
redemption on the fifth anniversary    §6(a)     §6(a)
Mandatory Redemption Events            §6(b)     §6(b)
redemption on an event                 §6(c)     §6(c)
payment in Common Stock                §6(d)     (none)
Redemption Notice, 20 to 60 days       §6(e)     §6(d)
deposit; unclaimed funds after a year  §6(f)     §6(e)
surrender of certificates              §6(g)     §6(f)
pro rata among holders                 §6(h)     §6(g)
insufficient funds                     §6(i)     §6(h)
end of Conversion Rights               §6(j)     §6(i)
=====================================  ========  ========

Accrued and unpaid dividends, the Fair Market Value of Common Stock and the funds legally
available (after Senior and Parity obligations) are inputs.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction

from prefstack.calendars import business_days_after, business_days_before
from prefstack.citations import for_series
from prefstack.clause_registry import implements
from prefstack.clauses.liquidation import apportion_cents
from prefstack.clauses.voting import ConsentPurpose
from prefstack.errors import InputError, PrefstackError
from prefstack.explain import Explained
from prefstack.interpretations import reading
from prefstack.interpretations.readings import chosen, pick
from prefstack.numeric import Rounding, exact, floor_whole, round_to, to_decimal_string
from prefstack.terms import SeriesTerms

__all__ = [
    "Acquisition",
    "Agreement",
    "AssetSale",
    "BoardTurnover",
    "CommonStockPayment",
    "HolderRedemption",
    "Insolvency",
    "InsolvencyKind",
    "MandatoryRedemptionEventKind",
    "Merger",
    "NoSuchClause",
    "NoticeWindow",
    "ObligationTranche",
    "RedemptionHolding",
    "RedemptionNoticeError",
    "RedemptionObligation",
    "RedemptionResult",
    "apply_later_funds",
    "check_redemption_notice",
    "conversion_rights_end",
    "deposit_deadline",
    "depositary_qualifies",
    "excluded_persons",
    "fifth_anniversary_redemption_date",
    "judge_mandatory_redemption_event",
    "pay_redemption_price_in_common_stock",
    "redeem",
    "redemption_notice_window",
    "redemption_price_per_share",
    "unclaimed_funds_returnable_on",
    "vote_otherwise_counts",
]


class NoSuchClause(PrefstackError):
    """The certificate of the series has no clause for what was asked."""

    def __init__(self, series: str, clause: str, problem: str) -> None:
        self.series = series
        self.clause = clause
        self.problem = problem
        super().__init__(f"Series {series}: {problem} ({clause})")


class RedemptionNoticeError(InputError):
    """A Redemption Notice sent outside the window of F §6(e) / G §6(d)."""


def _moved_off_holidays(day: dt.date) -> dt.date:
    """The Redemption Date under the reading of RED-DATE-NONBUSINESS: the anniversary whatever day
    it is (prefstack's), or moved to the next or the preceding business day."""
    one_day = dt.timedelta(days=1)
    match chosen("RED-DATE-NONBUSINESS"):
        case "default":
            return day
        case "next-business-day":
            return business_days_after(day - one_day, 1)
        case "preceding-business-day":
            return business_days_before(day + one_day, 1)
        case other:
            raise AssertionError(f"RED-DATE-NONBUSINESS alternative {other!r} is registered but not computed")


def _add_years(day: dt.date, years: int) -> dt.date:
    """The anniversary ``years`` after ``day``; February 29 in a year without one is February 28
    (RED-ANNIVERSARY-FEB29), or March 1 under its alternative ``march-1``."""
    year = day.year + years
    if (day.month, day.day) != (2, 29) or calendar.isleap(year):
        return day.replace(year=year)
    match chosen("RED-ANNIVERSARY-FEB29"):
        case "default":
            return dt.date(year, 2, 28)
        case "march-1":
            return dt.date(year, 3, 1)
        case other:
            raise AssertionError(f"RED-ANNIVERSARY-FEB29 alternative {other!r} is registered but not computed")


# --------------------------------------------------------------------------------------
# §6(a): the fifth anniversary; the Redemption Price


@implements("F §6(a)", "G §6(a)")
def fifth_anniversary_redemption_date(terms: SeriesTerms, original_issuance_date: dt.date) -> Explained:
    """The Redemption Date of §6(a): the fifth anniversary of the Original Issuance Date.

    February 29 goes to February 28 (RED-ANNIVERSARY-FEB29); a weekend or holiday is not
    moved (RED-DATE-NONBUSINESS).
    """
    clause = terms.redeemable().anniversary_years.cite
    if not isinstance(original_issuance_date, dt.date):
        raise InputError("original_issuance_date", clause, "a date is required")
    years = terms.redeemable().anniversary_years.value
    day = _moved_off_holidays(_add_years(original_issuance_date, years))
    return Explained(
        name=f"Redemption Date: {years}th anniversary of the Original Issuance Date",
        value=day,
        clause=clause,
        inputs={"Original Issuance Date": original_issuance_date, "years": years, "weekday": day.strftime("%A")},
        formula="Original Issuance Date + 5 years",
        interpretations=[reading("RED-ANNIVERSARY-FEB29"), reading("RED-DATE-NONBUSINESS")],
    )


@implements("F §6(a)", "G §6(a)", "F §6(c)", "G §6(c)")
def redemption_price_per_share(
    terms: SeriesTerms,
    accrued_unpaid_per_share: Fraction,
    *,
    issue_price_adjustment: Fraction,
) -> Explained:
    """The Redemption Price of one share (F/G §6(a), §6(c)): the Original Issue Price (as
    adjusted, LIQ-ISSUE-PRICE-ADJUSTMENT) plus accrued but unpaid dividends, declared or not."""
    clause = terms.redeemable().anniversary_years.cite
    accrued = exact(accrued_unpaid_per_share, field="accrued_unpaid_per_share", clause=clause)
    if accrued < 0:
        raise InputError("accrued_unpaid_per_share", clause, f"must not be negative, got {accrued}")
    factor = exact(issue_price_adjustment, field="issue_price_adjustment", clause=clause)
    if factor <= 0:
        raise InputError("issue_price_adjustment", clause, f"must be positive, got {factor}")
    issue_price = terms.original_issue_price.value * factor
    return Explained(
        name=f"Series {terms.series} Redemption Price per share",
        value=issue_price + accrued,
        clause=clause,
        inputs={"Original Issue Price": issue_price, "accrued but unpaid dividends": accrued},
        formula="Original Issue Price + accrued but unpaid dividends (whether or not declared)",
        interpretations=[reading("LIQ-ISSUE-PRICE-ADJUSTMENT")],
    )


# --------------------------------------------------------------------------------------
# §6(b): Mandatory Redemption Events


class MandatoryRedemptionEventKind(Enum):
    """The events of §6(b)(i)-(vi)."""

    MERGER = "§6(b)(i)"
    ASSET_SALE = "§6(b)(ii)"
    ACQUISITION_OF_CONTROL = "§6(b)(iii)"
    BOARD_TURNOVER = "§6(b)(iv)"
    INSOLVENCY = "§6(b)(v)"
    AGREEMENT = "§6(b)(vi)"


class InsolvencyKind(Enum):
    """The insolvency events of §6(b)(v)(A)-(E)."""

    ASSIGNMENT_FOR_CREDITORS = "A"
    PETITION = "B"
    RECEIVER_OR_TRUSTEE = "C"
    ADMISSION_OF_INABILITY_TO_PAY = "D"
    PLAN_OF_LIQUIDATION = "E"


@implements("F §6(b)(iii)", "G §6(b)(iii)")
def excluded_persons(terms: SeriesTerms) -> frozenset[str]:
    """The persons §6(b)(iii) names whose acquisitions are not events (the terms'
    ``redemption.acquisition_excluded_persons``)."""
    return frozenset(terms.redeemable().acquisition_excluded_persons.value)


@dataclass(frozen=True)
class Merger:
    """§6(b)(i): a merger, consolidation, reorganization or other business combination.

    ``prior_holders_voting_power``: the share of the voting power of the surviving entity's
    voting stock that the Company's stockholders immediately before will beneficially own
    immediately after (Rule 13d-3).
    """

    prior_holders_voting_power: Fraction
    kind: MandatoryRedemptionEventKind = field(default=MandatoryRedemptionEventKind.MERGER, init=False)


@dataclass(frozen=True)
class AssetSale:
    """§6(b)(ii): a sale of assets to another entity; the event needs all or substantially
    all of the assets and the prior stockholders below 50% of the acquirer's voting power."""

    all_or_substantially_all: bool
    prior_holders_voting_power: Fraction
    kind: MandatoryRedemptionEventKind = field(default=MandatoryRedemptionEventKind.ASSET_SALE, init=False)


@dataclass(frozen=True)
class Acquisition:
    """§6(b)(iii): an acquisition of voting stock by a person or group (the names of the
    person or of every member of the group) with its voting power immediately after."""

    acquirers: tuple[str, ...]
    voting_power_after: Fraction
    kind: MandatoryRedemptionEventKind = field(default=MandatoryRedemptionEventKind.ACQUISITION_OF_CONTROL, init=False)


@dataclass(frozen=True)
class BoardTurnover:
    """§6(b)(iv): the continuing directors (RED-BOARD-CONTINUING) at the end of a period of
    three consecutive calendar years starting with ``period_start_year``."""

    period_start_year: int
    board_size: int
    continuing_directors: int
    directors_from_period_start: int | None = None
    """Of the continuing directors, those in office at the beginning of the period (read only by
    RED-BOARD-CONTINUING=period-start-only)."""
    kind: MandatoryRedemptionEventKind = field(default=MandatoryRedemptionEventKind.BOARD_TURNOVER, init=False)


@dataclass(frozen=True)
class Insolvency:
    """§6(b)(v)(A)-(E). For (C), ``appointed_with_consent``, ``appointment_date`` and
    ``vacated_or_stayed_on`` (None if it has not been) are required; ``as_of`` is the day
    on which the facts are judged."""

    insolvency: InsolvencyKind
    as_of: dt.date
    appointed_with_consent: bool | None = None
    appointment_date: dt.date | None = None
    vacated_or_stayed_on: dt.date | None = None
    kind: MandatoryRedemptionEventKind = field(default=MandatoryRedemptionEventKind.INSOLVENCY, init=False)


@dataclass(frozen=True)
class Agreement:
    """§6(b)(vi): the Company executes or enters into an agreement to do ``to_do``."""

    to_do: Merger | AssetSale | Acquisition | BoardTurnover | Insolvency
    kind: MandatoryRedemptionEventKind = field(default=MandatoryRedemptionEventKind.AGREEMENT, init=False)


EventFacts = Merger | AssetSale | Acquisition | BoardTurnover | Insolvency | Agreement


def _share(value: object, name: str, clause: str) -> Fraction:
    number = exact(value, field=name, clause=clause)
    if not 0 <= number <= 1:
        raise InputError(name, clause, f"must be a share between 0 and 1, got {number}")
    return number


def _judge_facts(terms: SeriesTerms, facts: EventFacts) -> Explained:
    """§6(b): each listed event is judged by the sub-clause that defines it."""
    if isinstance(facts, Merger):
        return _section_6_b_i_merger(terms, facts)
    if isinstance(facts, AssetSale):
        return _section_6_b_ii_asset_sale(terms, facts)
    if isinstance(facts, Acquisition):
        return _section_6_b_iii_acquisition(terms, facts)
    if isinstance(facts, BoardTurnover):
        return _section_6_b_iv_board_turnover(terms, facts)
    if isinstance(facts, Insolvency):
        return _judge_insolvency(terms, facts)
    if isinstance(facts, Agreement):
        return _section_6_b_vi_agreement(terms, facts)
    raise InputError("facts", for_series(terms.series, "§6(b)"), f"not the facts of a §6(b) event: {facts!r}")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _percent(share: Fraction) -> str:
    return f"{to_decimal_string(share * 100)}%"


@implements("F §6(b)(i)", "G §6(b)(i)")
def _section_6_b_i_merger(terms: SeriesTerms, facts: Merger) -> Explained:
    """A merger, consolidation, reorganization or other business combination after which the prior
    stockholders hold less than the term's share (F/G: 50%) of the survivor's voting power."""
    below = terms.redeemable().merger_prior_holders_below
    share = _share(facts.prior_holders_voting_power, "prior_holders_voting_power", below.cite)
    return Explained(
        "merger or business combination is an event",
        share < below.value,
        below.cite,
        inputs={"prior stockholders' voting power of the survivor": share},
        formula=f"prior stockholders' voting power < {_percent(below.value)}",
    )


@implements("F §6(b)(ii)", "G §6(b)(ii)")
def _section_6_b_ii_asset_sale(terms: SeriesTerms, facts: AssetSale) -> Explained:
    """A sale of all or substantially all of the assets after which the prior stockholders hold less
    than the term's share (F/G: 50%) of the acquirer's voting power."""
    below = terms.redeemable().asset_sale_prior_holders_below
    share = _share(facts.prior_holders_voting_power, "prior_holders_voting_power", below.cite)
    return Explained(
        "sale of assets is an event",
        facts.all_or_substantially_all and share < below.value,
        below.cite,
        inputs={
            "all or substantially all of the assets": facts.all_or_substantially_all,
            "prior stockholders' voting power of the acquirer": share,
        },
        formula=f"all or substantially all assets and prior stockholders' voting power < {_percent(below.value)}",
    )


@implements("F §6(b)(iii)", "G §6(b)(iii)")
def _section_6_b_iii_acquisition(terms: SeriesTerms, facts: Acquisition) -> Explained:
    """An acquisition giving a person or group more than the term's share (F/G: 50%) of the voting
    power, unless it is made up of the persons the certificate names."""
    above = terms.redeemable().acquisition_voting_power_above
    clause = above.cite
    share = _share(facts.voting_power_after, "voting_power_after", clause)
    if not facts.acquirers or any(not isinstance(a, str) or not a.strip() for a in facts.acquirers):
        raise InputError("acquirers", clause, "name the person or every member of the group")
    named = excluded_persons(terms)
    # only the named persons (prefstack's) or any group with one of them (RED-EXCLUDED-PERSONS=any-named)
    match chosen("RED-EXCLUDED-PERSONS"):
        case "default":
            excluded, made_up = all(a in named for a in facts.acquirers), "made up of the named persons"
            label = "only named persons"
        case "any-named":
            excluded, made_up = any(a in named for a in facts.acquirers), "with any of the named persons"
            label = "a named person among them"
        case other:
            raise AssertionError(f"RED-EXCLUDED-PERSONS alternative {other!r} is registered but not computed")
    return Explained(
        "acquisition of voting stock is an event",
        share > above.value and not excluded,
        clause,
        inputs={
            "acquirers": ", ".join(facts.acquirers),
            label: excluded,
            "combined voting power after": share,
        },
        formula=f"voting power after > {_percent(above.value)} and the person or group is not {made_up}",
        interpretations=[reading("RED-EXCLUDED-PERSONS")],
    )


@implements("F §6(b)(iv)", "G §6(b)(iv)")
def _section_6_b_iv_board_turnover(terms: SeriesTerms, facts: BoardTurnover) -> Explained:
    """The directors continuing from the start of a three-year period cease to be at least a majority."""
    clause = for_series(terms.series, "§6(b)(iv)")
    for name, value in (("board_size", facts.board_size), ("continuing_directors", facts.continuing_directors)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(name, clause, f"must be a whole number, not {value!r}")
    if facts.board_size == 0 or facts.continuing_directors > facts.board_size:
        raise InputError(
            "continuing_directors",
            clause,
            f"{facts.continuing_directors} continuing directors on a board of {facts.board_size}",
        )
    # no longer more than half (prefstack's), or fewer than half (RED-BOARD-CONTINUING=fewer-than-half)
    match chosen("RED-BOARD-CONTINUING"):
        case "default":
            event, words = 2 * facts.continuing_directors <= facts.board_size, "no longer more than half of"
        case "fewer-than-half":
            event, words = 2 * facts.continuing_directors < facts.board_size, "fewer than half of"
        case "period-start-only":  # only the directors in office at the beginning of the period count
            counted = facts.directors_from_period_start
            if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
                raise InputError(
                    "directors_from_period_start",
                    clause,
                    "give how many directors in office at the beginning of the period remain "
                    f"(RED-BOARD-CONTINUING=period-start-only), not {counted!r}",
                )
            if counted > facts.continuing_directors:
                raise InputError(
                    "directors_from_period_start",
                    clause,
                    f"{counted} directors from the period's start exceed the {facts.continuing_directors} continuing",
                )
            event = 2 * counted <= facts.board_size
            words = "in office since the period's start (RED-BOARD-CONTINUING=period-start-only) no longer over half of"
        case other:
            raise AssertionError(f"RED-BOARD-CONTINUING alternative {other!r} is registered but not computed")
    return Explained(
        "board turnover is an event",
        event,
        clause,
        inputs={
            "period": f"{facts.period_start_year}-{facts.period_start_year + 2}",
            "directors in office": facts.board_size,
            "continuing directors": facts.continuing_directors,
            **(
                {}
                if facts.directors_from_period_start is None
                else {"directors from the period's start": facts.directors_from_period_start}
            ),
        },
        formula=f"continuing directors {words} the board",
        interpretations=[reading("RED-BOARD-CONTINUING")],
    )


@implements("F §6(b)(vi)", "G §6(b)(vi)")
def _section_6_b_vi_agreement(terms: SeriesTerms, facts: Agreement) -> Explained:
    """An agreement to do any of the events of §6(b)(i)-(v) is itself an event."""
    clause = for_series(terms.series, "§6(b)(vi)")
    if isinstance(facts.to_do, Agreement):
        raise InputError("to_do", clause, "an agreement to enter into an agreement: give the agreed transaction")
    inner = _judge_facts(terms, facts.to_do)
    # the signing is the event (prefstack's), or only the closing, judged when it is recorded
    # (RED-AGREEMENT=closing-only)
    match chosen("RED-AGREEMENT"):
        case "default":
            event, formula = bool(inner.value), "the agreed transaction would be an event under §6(b)(i)-(v)"
        case "closing-only":
            event, formula = False, "no event at the signing; the transaction is judged when it closes"
        case other:
            raise AssertionError(f"RED-AGREEMENT alternative {other!r} is registered but not computed")
    return Explained(
        "agreement to do an event is an event",
        event,
        clause,
        parts=[inner],
        formula=formula,
        interpretations=[reading("RED-AGREEMENT")],
    )


@implements(
    "F §6(b)(v)",
    "G §6(b)(v)",
    "F §6(b)(v)(A)",
    "G §6(b)(v)(A)",
    "F §6(b)(v)(B)",
    "G §6(b)(v)(B)",
    "F §6(b)(v)(C)",
    "G §6(b)(v)(C)",
    "F §6(b)(v)(D)",
    "G §6(b)(v)(D)",
    "F §6(b)(v)(E)",
    "G §6(b)(v)(E)",
)
def _judge_insolvency(terms: SeriesTerms, facts: Insolvency) -> Explained:
    if not isinstance(facts.insolvency, InsolvencyKind):
        raise InputError("insolvency", for_series(terms.series, "§6(b)(v)"), f"unknown {facts.insolvency!r}")
    clause = for_series(terms.series, f"§6(b)(v)({facts.insolvency.value})")
    if facts.insolvency is not InsolvencyKind.RECEIVER_OR_TRUSTEE:
        return Explained(
            "insolvency event is an event",
            True,
            clause,
            inputs={"event": facts.insolvency.name.lower().replace("_", " ")},
        )
    if facts.appointed_with_consent is None or facts.appointment_date is None:
        raise InputError(
            "appointed_with_consent", clause, "say whether the Company consented and give the appointment date"
        )
    if facts.appointed_with_consent:
        return Explained(
            "appointment of a receiver or trustee with the Company's consent is an event",
            facts.as_of >= facts.appointment_date,
            clause,
            inputs={"appointment date": facts.appointment_date, "as of": facts.as_of},
        )
    days = terms.redeemable().receiver_not_vacated_days
    # the last day to vacate or stay: the sixtieth (prefstack's), or the day before it when the event
    # occurs on the sixtieth day itself (RED-RECEIVER-60-DAYS=sixtieth-day)
    last = pick(
        "RED-RECEIVER-60-DAYS", {"default": days.value, "sixtieth-day": days.value - 1, "dated-back": days.value}
    )
    deadline = facts.appointment_date + dt.timedelta(days=last)
    lifted = facts.vacated_or_stayed_on is not None and facts.vacated_or_stayed_on <= deadline
    occurs_on = deadline + dt.timedelta(days=1)
    # the event is dated the day after the deadline (prefstack's), or back to the appointment once
    # the deadline has passed (RED-RECEIVER-60-DAYS=dated-back)
    match chosen("RED-RECEIVER-60-DAYS"):
        case "default" | "sixtieth-day":
            dated = occurs_on
        case "dated-back":
            dated = facts.appointment_date
        case other:
            raise AssertionError(f"RED-RECEIVER-60-DAYS alternative {other!r} is registered but not computed")
    return Explained(
        f"appointment of a receiver or trustee without consent, not vacated or stayed in {days.value} days, "
        "is an event",
        not lifted and facts.as_of >= occurs_on,
        clause,
        inputs={
            "appointment date": facts.appointment_date,
            "vacated or stayed on": facts.vacated_or_stayed_on,
            "last day to vacate or stay": deadline,
            "event would occur on": occurs_on,
            "event dated": dated,
            "as of": facts.as_of,
        },
        formula=(
            f"not vacated or stayed by appointment + {last} days; event on the {_ordinal(last + 1)} day"
        ),
        interpretations=[reading("RED-RECEIVER-60-DAYS")],
    )


@implements("F §6(b)", "G §6(b)")
def judge_mandatory_redemption_event(
    terms: SeriesTerms,
    facts: EventFacts,
    series_vote_otherwise: Explained | None,
) -> Explained:
    """Whether ``facts`` are a Mandatory Redemption Event of the series (§6(b)).

    ``series_vote_otherwise``: the result of :func:`prefstack.clauses.voting.series_majority`
    for a vote of the holders that the event shall not be one (purpose §6(b)), or None when
    there was no such vote. A majority voting otherwise overrides the event (RED-EVENT-VOTE).
    """
    clause = for_series(terms.series, "§6(b)")
    judged = _judge_facts(terms, facts)
    parts = [judged]
    overridden = False
    if series_vote_otherwise is not None:
        expected = for_series(terms.series, ConsentPurpose.MANDATORY_REDEMPTION_VOTE.value)
        if series_vote_otherwise.clause != expected or not isinstance(series_vote_otherwise.value, bool):
            raise InputError("series_vote_otherwise", clause, f"must be a series-majority result under {expected}")
        overridden = series_vote_otherwise.value
        parts.append(series_vote_otherwise)
    return Explained(
        name=f"Mandatory Redemption Event for Series {terms.series}",
        value=bool(judged.value) and not overridden,
        clause=clause,
        inputs={"listed event": facts.kind.value, "holders voted otherwise": overridden},
        parts=parts,
        formula="an event of §6(b)(i)-(vi) unless a series majority votes otherwise",
        interpretations=[reading("RED-EVENT-VOTE")],
    )


@implements("F §6(b)", "G §6(b)")
def vote_otherwise_counts(terms: SeriesTerms, event_date: dt.date, vote_date: dt.date) -> Explained:
    """Whether a series vote on ``vote_date`` that the event of ``event_date`` shall not be a
    Mandatory Redemption Event can displace it (RED-EVENT-VOTE): whenever it is taken (prefstack's),
    or only when taken before the event occurs (``vote-before``; a vote on the day of the event is
    taken as before it, as the ledger records a vote only once the event it names is recorded)."""
    clause = for_series(terms.series, "§6(b)")
    match chosen(reading("RED-EVENT-VOTE")):
        case "default":
            counts, rule = True, "a vote of the series at any time"
        case "vote-before":
            counts, rule = vote_date <= event_date, "vote date <= event date (RED-EVENT-VOTE=vote-before)"
        case other:
            raise AssertionError(f"RED-EVENT-VOTE alternative {other!r} is registered but not computed")
    return Explained(
        name="the series vote otherwise counts",
        value=counts,
        clause=clause,
        inputs={"event date": event_date, "vote date": vote_date},
        formula=rule,
        interpretations=[reading("RED-EVENT-VOTE")],
    )


# --------------------------------------------------------------------------------------
# Notice, deposit, conversion cut-off


@dataclass(frozen=True)
class NoticeWindow:
    """The days on which the Redemption Notice may be sent (F §6(e), G §6(d))."""

    earliest: Explained
    latest: Explained


@implements("F §6(e)", "G §6(d)")
def redemption_notice_window(terms: SeriesTerms, redemption_date: dt.date) -> NoticeWindow:
    """At least 20 and not more than 60 days before the Redemption Date (RED-NOTICE-WINDOW)."""
    clause = terms.redeemable().notice_min_days.cite
    # full days between the dates: one more calendar day apart (RED-NOTICE-WINDOW=full-days)
    extra = pick("RED-NOTICE-WINDOW", {"default": 0, "full-days": 1})
    low = terms.redeemable().notice_min_days.value + extra
    high = terms.redeemable().notice_max_days.value + extra
    return NoticeWindow(
        earliest=Explained(
            "earliest day to send the Redemption Notice",
            redemption_date - dt.timedelta(days=high),
            clause,
            inputs={"Redemption Date": redemption_date, "days": high},
            formula=f"Redemption Date - {high} days",
            interpretations=[reading("RED-NOTICE-WINDOW")],
        ),
        latest=Explained(
            "latest day to send the Redemption Notice",
            redemption_date - dt.timedelta(days=low),
            clause,
            inputs={"Redemption Date": redemption_date, "days": low},
            formula=f"Redemption Date - {low} days",
            interpretations=[reading("RED-NOTICE-WINDOW")],
        ),
    )


@implements("F §6(e)", "G §6(d)")
def check_redemption_notice(terms: SeriesTerms, notice_date: dt.date, redemption_date: dt.date) -> NoticeWindow:
    """The notice window, or :class:`RedemptionNoticeError` naming F §6(e) / G §6(d) when
    ``notice_date`` is outside it."""
    window = redemption_notice_window(terms, redemption_date)
    clause = terms.redeemable().notice_min_days.cite
    days = (redemption_date - notice_date).days
    assert isinstance(window.earliest.value, dt.date) and isinstance(window.latest.value, dt.date)
    if not window.earliest.value <= notice_date <= window.latest.value:
        raise RedemptionNoticeError(
            "notice_date",
            clause,
            f"a notice sent {notice_date.isoformat()} is {days} days before the Redemption Date "
            f"{redemption_date.isoformat()}; it must be sent between {window.earliest.value.isoformat()} and "
            f"{window.latest.value.isoformat()} (at least {terms.redeemable().notice_min_days.value} and not more "
            f"than {terms.redeemable().notice_max_days.value} days before)",
        )
    return window


@implements("F §6(f)", "G §6(e)")
def deposit_deadline(terms: SeriesTerms, redemption_date: dt.date) -> Explained:
    """The Redemption Price is deposited on or before the Redemption Date (F §6(f), G §6(e))."""
    return Explained(
        "deposit of the Redemption Price due on or before",
        redemption_date,
        terms.redeemable().depositary_min_capital.cite,
        inputs={"weekday": redemption_date.strftime("%A")},
        interpretations=[reading("RED-DEPOSIT"), reading("RED-DATE-NONBUSINESS")],
    )


@implements("F §6(f)", "G §6(e)")
def depositary_qualifies(terms: SeriesTerms, capital_and_surplus: Fraction) -> Explained:
    """A bank or trust company qualifies if its capital and surplus exceed $50,000,000."""
    clause = terms.redeemable().depositary_min_capital.cite
    amount = exact(capital_and_surplus, field="capital_and_surplus", clause=clause)
    floor = terms.redeemable().depositary_min_capital.value
    return Explained(
        "depositary qualifies",
        amount > floor,
        clause,
        inputs={"capital and surplus": amount, "must exceed": floor},
        interpretations=[reading("RED-DEPOSIT")],
    )


@implements("F §6(f)", "G §6(e)")
def unclaimed_funds_returnable_on(terms: SeriesTerms, redemption_date: dt.date) -> Explained:
    """Unclaimed deposited funds are returnable on request one year after the Redemption Date."""
    years = terms.redeemable().unclaimed_return_years.value
    # from the anniversary (prefstack's), or the day after it (RED-DEPOSIT=day-after-anniversary)
    extra = pick("RED-DEPOSIT", {"default": 0, "day-after-anniversary": 1})
    return Explained(
        "unclaimed funds returnable to the Company on request from",
        _add_years(redemption_date, years) + dt.timedelta(days=extra),
        terms.redeemable().unclaimed_return_years.cite,
        inputs={"Redemption Date": redemption_date, "years": years, "days after the anniversary": extra},
        interpretations=[reading("RED-DEPOSIT"), reading("RED-ANNIVERSARY-FEB29")],
    )


@implements("F §6(j)", "G §6(i)")
def conversion_rights_end(terms: SeriesTerms, redemption_date: dt.date, *, payment_defaulted: bool) -> Explained:
    """Conversion Rights of shares called for redemption end at the close of business on the
    fifth day before the Redemption Date, unless the Redemption Price is not paid
    (F §6(j), G §6(i)); the value is None when they do not end."""
    clause = terms.redeemable().conversion_cutoff_days.cite
    days = terms.redeemable().conversion_cutoff_days.value
    # calendar days (prefstack's) or business days (RED-CONVERSION-CUTOFF=business-days)
    match chosen("RED-CONVERSION-CUTOFF"):
        case "default":
            end, unit = redemption_date - dt.timedelta(days=days), "days"
        case "business-days":
            end, unit = business_days_before(redemption_date, days), "business days"
        case other:
            raise AssertionError(f"RED-CONVERSION-CUTOFF alternative {other!r} is registered but not computed")
    return Explained(
        "Conversion Rights end at the close of business on",
        None if payment_defaulted else end,
        clause,
        inputs={"Redemption Date": redemption_date, "days before": days, "payment defaulted": payment_defaulted},
        formula=f"Redemption Date - {days} {unit}, unless default is made in payment",
        interpretations=[reading("RED-CONVERSION-CUTOFF")],
    )


# --------------------------------------------------------------------------------------
# Redemption with insufficient funds; later funds


@dataclass(frozen=True)
class RedemptionHolding:
    """A holder's shares to be redeemed and the accrued unpaid dividend per share on the date."""

    holder: str
    shares: Fraction
    accrued_unpaid_per_share: Fraction


@dataclass(frozen=True)
class ObligationTranche:
    """Shares the Company became obligated to redeem on ``redemption_date`` and has not."""

    redemption_date: dt.date
    shares: Mapping[str, Fraction]
    prices: Mapping[str, Fraction] = field(default_factory=dict)
    """Each holder's Redemption Price per share on ``redemption_date``, where known: the price of
    these shares under RED-LATER-FUNDS=fixed-price."""
    paid_on_account: Mapping[str, Fraction] = field(default_factory=dict)
    """Cash already paid towards a part of a share of these (RED-SHORTFALL-FRACTIONAL=part-of-a-share),
    deducted from what they are due."""

    @property
    def total(self) -> Fraction:
        return sum(self.shares.values(), Fraction(0))


@dataclass(frozen=True)
class RedemptionObligation:
    """What remains to be redeemed, oldest Redemption Date first (RED-LATER-FUNDS)."""

    series: str
    tranches: tuple[ObligationTranche, ...]

    @property
    def total_shares(self) -> Fraction:
        return sum((t.total for t in self.tranches), Fraction(0))

    def shares_of(self, holder: str) -> Fraction:
        return sum((t.shares.get(holder, Fraction(0)) for t in self.tranches), Fraction(0))


@dataclass(frozen=True)
class HolderRedemption:
    """One holder's part of a redemption."""

    holder: str
    price_per_share: Explained
    shares_redeemed: Explained
    cash_paid: Explained
    shares_remaining: Explained
    """Shares still outstanding among those to be redeemed (and still owed a redemption)."""


@dataclass(frozen=True)
class RedemptionResult:
    """The outcome of a redemption or of applying later funds."""

    series: str
    on: dt.date
    holders: tuple[HolderRedemption, ...]
    funds: Explained
    total_paid: Explained
    unused_funds: Explained
    shortfall: bool
    redeemable_on_demand: bool
    obligation: RedemptionObligation

    def holder(self, name: str) -> HolderRedemption:
        for item in self.holders:
            if item.holder == name:
                return item
        raise KeyError(name)


@implements("F §6(a)", "G §6(a)")
def due_cents(amount: Fraction, clause: str) -> int:
    """The Redemption Price due to a holder in cents, under the reading of RED-CENTS: its exact
    amount rounded half-up once (prefstack's), or down (``round-down``); under ``per-share`` the price
    per share is already in cents (:func:`_prices`) and shares x price, not whole cents when the
    shares are fractional, is rounded half-up."""
    mode = pick("RED-CENTS", {"default": Rounding.HALF_UP, "round-down": Rounding.DOWN, "per-share": Rounding.HALF_UP})
    return int(round_to(amount, 2, mode, clause).value.scaleb(2))


def _funds_cents(terms: SeriesTerms, funds: Fraction, clause: str) -> int:
    amount = exact(funds, field="funds", clause=clause)
    if amount < 0:
        raise InputError("funds", clause, f"must not be negative, got {amount}")
    cents = amount * 100
    if cents.denominator != 1:
        raise InputError("funds", clause, f"funds are cash, in whole cents: {amount} is not")
    return int(cents)


def _tranche_price(tranche: ObligationTranche, holder: str, prices: Mapping[str, Fraction], clause: str) -> Fraction:
    """The Redemption Price per share of ``holder``'s shares of ``tranche``: the price on the day of
    payment (RED-LATER-FUNDS, prefstack's), or the price due on the tranche's Redemption Date
    (``fixed-price``)."""
    match chosen("RED-LATER-FUNDS"):
        case "default" | "pro-rata-all-dates":
            return prices[holder]
        case "fixed-price":
            if holder not in tranche.prices:
                raise InputError(
                    "prior_unredeemed_obligation",
                    clause,
                    f"the Redemption Price due to {holder} on {tranche.redemption_date.isoformat()} is not recorded",
                )
            return tranche.prices[holder]
        case other:
            raise AssertionError(f"RED-LATER-FUNDS alternative {other!r} is registered but not computed")


def _tranche_groups(tranches: Sequence[ObligationTranche]) -> list[list[ObligationTranche]]:
    """The tranches paid one after the other: each Redemption Date alone, oldest first (RED-LATER-FUNDS,
    prefstack's), or all of them together, pro rata (``pro-rata-all-dates``)."""
    match chosen("RED-LATER-FUNDS"):
        case "default" | "fixed-price":
            return [[t] for t in tranches]
        case "pro-rata-all-dates":
            return [list(tranches)] if tranches else []
        case other:
            raise AssertionError(f"RED-LATER-FUNDS alternative {other!r} is registered but not computed")


def _redeemed_when_short(
    shares: Fraction, price: Fraction, cents: int, on_account: Fraction, clause: str
) -> tuple[Fraction, int, Fraction]:
    """The shares a holder's part of short funds (``cents``, with ``on_account`` paid before towards a
    part of a share) redeems at ``price`` a share, the cents paid and what is left paid on account
    (RED-SHORTFALL-FRACTIONAL): the cents / the price, fractional, all of them paid (prefstack's); the
    whole shares they pay for, paid their Redemption Price (RED-CENTS), the rest left unused
    (``whole-shares``); the whole shares, all the cents paid, the rest on account towards the next
    share (``part-of-a-share``)."""
    available = Fraction(cents, 100) + on_account
    exact_part = min(shares, available / price)
    match chosen("RED-SHORTFALL-FRACTIONAL"):
        case "default":
            return exact_part, cents, Fraction(0)
        case "whole-shares":
            whole = Fraction(math.floor(exact_part))
            # whole x price <= cents / 100, a whole number of cents: rounding it to the cent stays within
            return whole, min(cents, due_cents(whole * price, clause)), Fraction(0)
        case "part-of-a-share":
            whole = Fraction(math.floor(exact_part))
            return whole, cents, available - whole * price
        case other:
            raise AssertionError(f"RED-SHORTFALL-FRACTIONAL alternative {other!r} is registered but not computed")


def _pay_tranches(
    terms: SeriesTerms,
    tranches: Sequence[ObligationTranche],
    prices: Mapping[str, Fraction],
    funds_cents: int,
) -> tuple[dict[str, Fraction], dict[str, int], list[ObligationTranche], int]:
    """Pay tranches oldest first; pro rata within a tranche when short (RED-LATER-FUNDS). Returns shares
    redeemed and cents paid per holder, the tranches left, and the cents left."""
    shortfall_clause = terms.redeemable().later_funds_redeem_the_rest.cite
    redeemed: dict[str, Fraction] = {}
    paid: dict[str, int] = {}
    left_shares: dict[int, dict[str, Fraction]] = {}
    credits: dict[int, dict[str, Fraction]] = {}
    short = False  # after a group the funds did not cover, what is left of them is not used
    for group in _tranche_groups(tranches):
        entries = [(t, h) for t in group for h, s in t.shares.items() if s > 0]
        price = {(id(t), h): _tranche_price(t, h, prices, shortfall_clause) for t, h in entries}
        on_account = {(id(t), h): t.paid_on_account.get(h, Fraction(0)) for t, h in entries}
        due = {
            (id(t), h): due_cents(t.shares[h] * price[id(t), h] - on_account[id(t), h], shortfall_clause)
            for t, h in entries
        }
        total_due = sum(due.values())
        if total_due <= funds_cents and not short:
            cents = due
        elif funds_cents == 0 or short:
            cents = {key: 0 for key in due}
        else:
            split = apportion_cents(funds_cents, [Fraction(due[id(t), h]) for t, h in entries])
            cents = {(id(t), h): c for (t, h), c in zip(entries, split, strict=True)}
        short = short or total_due > funds_cents
        for t, h in entries:
            key = (id(t), h)
            # Paid in full (to the cent): every share of the tranche. Short: the funds applied to the
            # holder divided by the Redemption Price per share (F §6(h)-(i), G §6(g)-(h)), not the
            # holding scaled by cents paid over cents due, which the cent rounding of the amount
            # due would distort.
            if cents[key] >= due[key]:
                part, spent, credit = t.shares[h], cents[key], Fraction(0)
            else:
                part, spent, credit = _redeemed_when_short(
                    t.shares[h], price[key], cents[key], on_account[key], shortfall_clause
                )
            if credit:
                credits.setdefault(id(t), {})[h] = credit
            redeemed[h] = redeemed.get(h, Fraction(0)) + part
            paid[h] = paid.get(h, 0) + spent
            funds_cents -= spent
            if t.shares[h] - part > 0:
                left_shares.setdefault(id(t), {})[h] = t.shares[h] - part
    left = [
        ObligationTranche(
            t.redemption_date,
            left_shares[id(t)],
            {h: t.prices[h] for h in left_shares[id(t)] if h in t.prices},
            credits.get(id(t), {}),
        )
        for t in tranches
        if id(t) in left_shares
    ]
    return redeemed, paid, left, funds_cents


def _result(
    terms: SeriesTerms,
    on: dt.date,
    order: Sequence[str],
    prices: Mapping[str, Explained],
    redeemed: Mapping[str, Fraction],
    paid: Mapping[str, int],
    remaining_shares: Mapping[str, Fraction],
    funds_cents: int,
    unused: int,
    left: list[ObligationTranche],
) -> RedemptionResult:
    pro_rata = terms.redeemable().pro_rata_when_short.cite
    shortfall_clause = terms.redeemable().later_funds_redeem_the_rest.cite
    readings = [reading("RED-SHORTFALL-FRACTIONAL"), reading("RED-CENTS")]
    holders = tuple(
        HolderRedemption(
            holder=h,
            price_per_share=prices[h],
            shares_redeemed=Explained(
                f"shares of {h} redeemed",
                redeemed.get(h, Fraction(0)),
                pro_rata,
                formula="all the shares when paid in full; else cash paid / Redemption Price per share",
                interpretations=readings,
            ),
            cash_paid=Explained(
                f"Redemption Price paid to {h}", Fraction(paid.get(h, 0), 100), pro_rata, interpretations=readings
            ),
            shares_remaining=Explained(
                f"shares of {h} not redeemed, outstanding and redeemable on demand",
                remaining_shares[h],
                shortfall_clause,
                interpretations=[reading("RED-LATER-FUNDS")],
            ),
        )
        for h in order
    )
    total = sum(paid.values())
    shortfall = bool(left)
    return RedemptionResult(
        series=terms.series,
        on=on,
        holders=holders,
        funds=Explained(
            "funds legally available for the redemption (after Senior and Parity obligations)",
            Fraction(funds_cents, 100),
            for_series(terms.series, "§6(c)"),
            interpretations=[reading("RED-SENIOR-PARITY-FUNDS")],
        ),
        total_paid=Explained("total Redemption Price paid", Fraction(total, 100), pro_rata, interpretations=readings),
        unused_funds=Explained("funds not needed", Fraction(unused, 100), shortfall_clause),
        shortfall=shortfall,
        redeemable_on_demand=shortfall,
        obligation=RedemptionObligation(terms.series, tuple(left)),
    )


def _prices(
    terms: SeriesTerms, accrued: Mapping[str, Fraction], issue_price_adjustment: Fraction
) -> dict[str, Explained]:
    """Each holder's Redemption Price per share: exact (RED-CENTS, prefstack's: the holder's total is
    rounded), or rounded half-up to the cent before it is multiplied by the shares (``per-share``)."""
    out: dict[str, Explained] = {}
    for h, a in accrued.items():
        price = redemption_price_per_share(terms, a, issue_price_adjustment=issue_price_adjustment)
        match chosen("RED-CENTS"):
            case "default" | "round-down":
                out[h] = price
            case "per-share":
                assert isinstance(price.value, Fraction)
                rounded = round_to(price.value, 2, Rounding.HALF_UP, price.clause)
                out[h] = Explained(
                    price.name + ", rounded to the cent",
                    Fraction(rounded.value),
                    price.clause,
                    inputs={"exact": price.value},
                    formula="Redemption Price per share rounded half-up to the cent (RED-CENTS=per-share)",
                    parts=[price],
                    interpretations=[reading("RED-CENTS")],
                )
            case other:
                raise AssertionError(f"RED-CENTS alternative {other!r} is registered but not computed")
    return out


def _price_values(prices: Mapping[str, Explained]) -> dict[str, Fraction]:
    out: dict[str, Fraction] = {}
    for h, p in prices.items():
        assert isinstance(p.value, Fraction)
        out[h] = p.value
    return out


def _share_with_parity(terms: SeriesTerms, funds_cents: int, due: Fraction, parity_due: Fraction | None) -> int:
    """The cents of ``funds_cents`` this series may use (RED-SENIOR-PARITY-FUNDS): all of them (prefstack's:
    the funds given are this series' after Senior and Parity obligations), or its ratable part of funds
    shared with Parity Securities redeemed at the same time, in proportion to the Redemption Price due on
    each (``ratable-with-parity``): funds x due / (due + parity due), rounded down to the cent (the cent
    left over is the Parity Securities')."""
    clause = for_series(terms.series, "§6(c)")
    match chosen(reading("RED-SENIOR-PARITY-FUNDS")):
        case "default":
            return funds_cents
        case "ratable-with-parity":
            if parity_due is None:
                raise InputError(
                    "parity_redemption_price",
                    clause,
                    "give the Redemption Price due on the Parity Securities redeemed at the same time "
                    "(RED-SENIOR-PARITY-FUNDS=ratable-with-parity; 0 when none is)",
                )
            parity = exact(parity_due, field="parity_redemption_price", clause=clause)
            if parity < 0:
                raise InputError("parity_redemption_price", clause, f"must not be negative, got {parity}")
            if due + parity == 0:
                return funds_cents
            return math.floor(funds_cents * due / (due + parity))
        case other:
            raise AssertionError(f"RED-SENIOR-PARITY-FUNDS alternative {other!r} is registered but not computed")


@implements("F §6(a)", "G §6(a)", "F §6(c)", "G §6(c)", "F §6(h)", "G §6(g)", "F §6(i)", "G §6(h)")
def redeem(
    terms: SeriesTerms,
    holders: Sequence[RedemptionHolding],
    funds: Fraction,
    redemption_date: dt.date,
    prior_unredeemed_obligation: RedemptionObligation | None,
    *,
    issue_price_adjustment: Fraction,
    parity_redemption_price: Fraction | None = None,
) -> RedemptionResult:
    """Redeem the holders' shares on a Redemption Date with the funds legally available
    (F §6(a), (c), (h), (i); G §6(a), (c), (g), (h)).

    ``funds``: cash in whole cents available after obligations to Senior and Parity
    Securities (RED-SENIOR-PARITY-FUNDS). Under its alternative ``ratable-with-parity`` they are
    the funds for this series and the Parity Securities redeemed at the same time, whose
    Redemption Price due is ``parity_redemption_price``; this series uses its ratable part.
    ``prior_unredeemed_obligation``: shares that the
    Company was obligated to redeem on an earlier Redemption Date and did not (they are
    among the holders' shares); they are redeemed first (RED-LATER-FUNDS). When the funds
    fall short, they are paid pro rata to the amounts due, the shares redeemed are in
    proportion (fractional, RED-SHORTFALL-FRACTIONAL), all shares become redeemable on
    demand and the unredeemed shares are the obligation carried forward.
    """
    clause = terms.redeemable().anniversary_years.cite
    funds_cents = _funds_cents(terms, funds, clause)
    names = [h.holder for h in holders]
    if len(set(names)) != len(names):
        raise InputError("holders", clause, "each holder must be listed once")
    shares: dict[str, Fraction] = {}
    accrued: dict[str, Fraction] = {}
    for h in holders:
        amount = exact(h.shares, field=f"holders[{h.holder}].shares", clause=clause)
        if amount < 0:
            raise InputError(f"holders[{h.holder}].shares", clause, f"must not be negative, got {amount}")
        shares[h.holder] = amount
        accrued[h.holder] = exact(
            h.accrued_unpaid_per_share, field=f"holders[{h.holder}].accrued_unpaid_per_share", clause=clause
        )
    prior = prior_unredeemed_obligation.tranches if prior_unredeemed_obligation is not None else ()
    if prior_unredeemed_obligation is not None and prior_unredeemed_obligation.series != terms.series:
        raise InputError("prior_unredeemed_obligation", clause, "is an obligation of another series")
    for tranche in prior:
        if tranche.redemption_date >= redemption_date:
            raise InputError(
                "prior_unredeemed_obligation", clause, "its Redemption Dates must precede this Redemption Date"
            )
    new_shares: dict[str, Fraction] = {}
    for name in names:
        earlier = sum((t.shares.get(name, Fraction(0)) for t in prior), Fraction(0))
        if earlier > shares[name]:
            raise InputError(
                f"holders[{name}].shares",
                terms.redeemable().later_funds_redeem_the_rest.cite,
                f"{name} holds {shares[name]} shares, fewer than the {earlier} still owed a redemption",
            )
        new_shares[name] = shares[name] - earlier
    for tranche in prior:
        for name in tranche.shares:
            if name not in shares:
                raise InputError("holders", clause, f"{name} has shares owed a redemption but is not listed")
    prices = _prices(terms, accrued, issue_price_adjustment)
    due = sum((shares[name] * price for name, price in _price_values(prices).items()), Fraction(0))
    funds_cents = _share_with_parity(terms, funds_cents, due, parity_redemption_price)
    tranches = [*prior, ObligationTranche(redemption_date, new_shares, _price_values(prices))]
    redeemed, paid, left, unused = _pay_tranches(terms, tranches, _price_values(prices), funds_cents)
    remaining = {name: shares[name] - redeemed.get(name, Fraction(0)) for name in names}
    return _result(terms, redemption_date, names, prices, redeemed, paid, remaining, funds_cents, unused, left)


@implements("F §6(h)", "G §6(g)", "F §6(i)", "G §6(h)")
def apply_later_funds(
    terms: SeriesTerms,
    obligation: RedemptionObligation,
    funds: Fraction,
    on: dt.date,
    accrued_unpaid_per_share: Mapping[str, Fraction],
    *,
    issue_price_adjustment: Fraction,
) -> RedemptionResult:
    """Use funds that became legally available after a shortfall to redeem the shares still
    owed a redemption, oldest Redemption Date first, pro rata within a date, at the price
    on ``on`` (Original Issue Price plus dividends accrued and unpaid to ``on``)
    (F §6(i), G §6(h); RED-LATER-FUNDS)."""
    clause = terms.redeemable().later_funds_redeem_the_rest.cite
    if obligation.series != terms.series:
        raise InputError("obligation", clause, "is an obligation of another series")
    funds_cents = _funds_cents(terms, funds, clause)
    order: list[str] = []
    for tranche in obligation.tranches:
        if tranche.redemption_date > on:
            raise InputError("on", clause, f"precedes the Redemption Date {tranche.redemption_date.isoformat()}")
        for name in tranche.shares:
            if name not in order:
                order.append(name)
    missing = [name for name in order if name not in accrued_unpaid_per_share]
    if missing:
        raise InputError("accrued_unpaid_per_share", clause, f"missing for {', '.join(missing)}")
    prices = _prices(terms, {name: accrued_unpaid_per_share[name] for name in order}, issue_price_adjustment)
    redeemed, paid, left, unused = _pay_tranches(terms, obligation.tranches, _price_values(prices), funds_cents)
    remaining = {name: sum((t.shares.get(name, Fraction(0)) for t in left), Fraction(0)) for name in order}
    return _result(terms, on, order, prices, redeemed, paid, remaining, funds_cents, unused, left)


# --------------------------------------------------------------------------------------
# F §6(d): payment in Common Stock


@dataclass(frozen=True)
class CommonStockPayment:
    """The Redemption Price of a holder paid in Common Stock (F §6(d); RED-F-COMMON)."""

    shares_of_common: Explained
    cash_for_fraction: Explained


@implements("F §6(d)")
def pay_redemption_price_in_common_stock(
    terms: SeriesTerms,
    redemption_price: Fraction,
    fair_market_value_per_common_share: Fraction,
) -> CommonStockPayment:
    """Shares of Common Stock with an aggregate Fair Market Value equal to a holder's
    Redemption Price: whole shares, the fraction paid in cash (F §6(d)). Series G has no
    such clause: asking raises :class:`NoSuchClause`."""
    option = terms.redeemable().may_pay_in_common
    if option is None or not option.value:
        raise NoSuchClause(
            terms.series,
            for_series(terms.series, "§6"),
            "the certificate has no clause letting the Company pay the Redemption Price in Common Stock "
            "(F §6(d) has no counterpart); the Redemption Price is paid in cash",
        )
    clause = option.cite
    price = exact(redemption_price, field="redemption_price", clause=clause)
    value = exact(fair_market_value_per_common_share, field="fair_market_value_per_common_share", clause=clause)
    if price < 0:
        raise InputError("redemption_price", clause, f"must not be negative, got {price}")
    if value <= 0:
        raise InputError("fair_market_value_per_common_share", clause, f"must be positive, got {value}")
    floored, fraction = floor_whole(price / value)
    whole: int | Fraction = floored
    counted = "floor(Redemption Price / Fair Market Value per share)"
    match chosen("RED-F-COMMON"):
        case "default":
            pass
        case "round-up":  # a value at least the Redemption Price, no cash for a fraction
            whole, fraction = math.ceil(price / value), Fraction(0)
        case "fractional":  # the exact shares, a fraction of one included, no cash
            whole, fraction = price / value, Fraction(0)
            counted = "Redemption Price / Fair Market Value per share, exact (RED-F-COMMON=fractional)"
        case other:
            raise AssertionError(f"RED-F-COMMON alternative {other!r} is registered but not computed")
    cash = round_to(fraction * value, 2, Rounding.HALF_UP, clause)
    return CommonStockPayment(
        shares_of_common=Explained(
            "shares of Common Stock issued for the Redemption Price",
            whole,
            clause,
            inputs={"Redemption Price": price, "Fair Market Value per share": value, "exact shares": price / value},
            formula=counted,
            interpretations=[reading("RED-F-COMMON")],
        ),
        cash_for_fraction=Explained(
            "cash paid for the fraction of a share",
            Fraction(cash.value),
            clause,
            inputs={"fraction": fraction, "exact": fraction * value},
            formula="fraction x Fair Market Value per share, rounded half-up to the cent",
            interpretations=[reading("RED-F-COMMON")],
        ),
    )
