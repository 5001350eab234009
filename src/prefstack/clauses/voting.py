"""Voting rights: F §4 and G §4, and the series-majority consents.

* :func:`votes` — a holder's votes: the whole shares of Common Stock into which all of its
  shares convert (§4, with §5(a)).
* :func:`votes_by_holder`, :func:`series_voting_power` — the votes of every holder and of
  the series.
* :func:`series_majority` — "the holders of at least a majority of the voting power of all
  then outstanding shares of Series X Preferred Stock, voting together as a single class",
  required by §3(c)(i)(C) and §3(c)(ii) (Fair Market Value), §5(d)(i)(D) (more Reserved
  Employee Shares), §5(d)(ii) (waiver of an adjustment) and §6(b) (voting that an event is
  not a Mandatory Redemption Event).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from enum import Enum
from fractions import Fraction

from prefstack.citations import CAPITAL_STRUCTURE, for_series
from prefstack.clause_registry import implements
from prefstack.errors import InputError
from prefstack.explain import Explained, Scalar
from prefstack.interpretations import reading
from prefstack.interpretations.readings import chosen
from prefstack.numeric import exact, floor_whole
from prefstack.terms import SeriesTerms

__all__ = [
    "ConsentPurpose",
    "class_votes",
    "class_votes_holder_by_holder",
    "series_majority", "series_voting_power", "votes", "votes_by_holder"]


@implements("F §4", "G §4")
def common_as_converted(
    terms: SeriesTerms, shares_held: Fraction, conversion_price: Fraction, issue_price_adjustment: Fraction
) -> Fraction:
    """The shares of Common Stock (with their fraction) ``shares_held`` convert into, which
    :func:`votes` counts whole (its arithmetic, shared with the kernels)."""
    return shares_held * (terms.original_issue_price.value * issue_price_adjustment) / conversion_price


@implements("F §4", "G §4")
def votes(
    terms: SeriesTerms,
    shares_held: Fraction,
    conversion_price: Fraction,
    *,
    issue_price_adjustment: Fraction,
) -> Explained:
    """A holder's votes (F §4, G §4): whole shares of Common Stock into which all its shares
    convert, ``floor(shares x Original Issue Price x adjustment / Conversion Price)``.

    ``issue_price_adjustment`` is the factor for splits and the like of the preferred (1
    when none; see LIQ-ISSUE-PRICE-ADJUSTMENT). The value is an ``int``.
    """
    clause = for_series(terms.series, "§4")
    shares = exact(shares_held, field="shares_held", clause=clause)
    if shares < 0:
        raise InputError("shares_held", clause, f"must not be negative, got {shares}")
    price = exact(conversion_price, field="conversion_price", clause=clause)
    if price <= 0:
        raise InputError("conversion_price", clause, f"must be positive, got {price}")
    factor = exact(issue_price_adjustment, field="issue_price_adjustment", clause=clause)
    if factor <= 0:
        raise InputError("issue_price_adjustment", clause, f"must be positive, got {factor}")
    issue_price = terms.original_issue_price.value * factor
    explained = _whole_votes_as_converted(
        f"votes of a holder of Series {terms.series} Preferred Stock",
        clause,
        common_as_converted(terms, shares, price, factor),
        {"shares held": shares, "Original Issue Price": issue_price, "Conversion Price": price},
        "floor(shares held x Original Issue Price / Conversion Price)",
        reading("VOTE-AS-CONVERTED"),
    )
    counted = holder_votes(terms, shares, price, factor)
    if counted == explained.value:
        return explained
    return dataclasses.replace(
        explained,
        value=counted,
        formula="floor(Original Issue Price / Conversion Price) per whole share held, plus floor(the fraction of a "
        "share x Original Issue Price / Conversion Price) (VOTE-AS-CONVERTED=per-share)",
    )


@implements("F §4", "G §4")
def holder_votes(
    terms: SeriesTerms, shares_held: Fraction, conversion_price: Fraction, issue_price_adjustment: Fraction
) -> int:
    """The value of :func:`votes` (shared with the kernels), under the reading of VOTE-AS-CONVERTED
    the question is asked under: the whole part of all the shares' conversion (prefstack's), or
    each share's conversion rounded down before adding (``per-share``)."""
    match chosen("VOTE-AS-CONVERTED"):
        case "default":
            return math.floor(common_as_converted(terms, shares_held, conversion_price, issue_price_adjustment))
        case "per-share":
            whole, fraction = floor_whole(shares_held)
            per_share = terms.original_issue_price.value * issue_price_adjustment / conversion_price
            return whole * math.floor(per_share) + math.floor(fraction * per_share)
        case "nearest":  # half a share up
            convertible = common_as_converted(terms, shares_held, conversion_price, issue_price_adjustment)
            return math.floor(convertible + Fraction(1, 2))
        case other:
            raise AssertionError(f"VOTE-AS-CONVERTED alternative {other!r} is registered but not computed")


@implements("F §4", "G §4")
def class_votes(name: str, shares: Fraction, common_per_share: Fraction, source: str, illustrative: bool) -> Explained:
    """The votes a generic class of a capital structure casts with the Common Stock (F §4, G §4,
    CAPSTRUCT-VOTES): the whole shares of Common Stock all its shares convert into (an ``int``)."""
    return _whole_votes_as_converted(
        f"votes of {name} with the Common Stock",
        CAPITAL_STRUCTURE,  # the file describes the class; no certificate of it is at hand
        shares * common_per_share,
        {"shares outstanding": shares, "shares of Common Stock per share": common_per_share},
        "floor(shares outstanding x shares of Common Stock per share)",
        reading("CAPSTRUCT-VOTES"),
        extra={"source": source, "illustrative": illustrative},
    )


@implements("F §4", "G §4")
def class_votes_holder_by_holder(
    name: str, holders: Sequence[tuple[str, Fraction]], common_per_share: Fraction, source: str, illustrative: bool
) -> Explained:
    """The votes a generic class casts with the Common Stock counted holder by holder
    (CAPSTRUCT-VOTES=holder-by-holder): each holder's whole shares of Common Stock as converted
    (its shares x shares of Common Stock per share, its own fraction dropped), added over the
    holders (an ``int``), as F §4 and G §4 count each holder of their own series."""
    each = [
        _whole_votes_as_converted(
            f"votes of {holder} ({name}) with the Common Stock",
            CAPITAL_STRUCTURE,
            shares * common_per_share,
            {"shares held": shares, "shares of Common Stock per share": common_per_share},
            "floor(shares held x shares of Common Stock per share)",
            reading("CAPSTRUCT-VOTES"),
        )
        for holder, shares in holders
    ]
    total = 0
    for cast in each:
        assert isinstance(cast.value, int)
        total += cast.value
    return Explained(
        name=f"votes of {name} with the Common Stock",
        value=total,
        clause=CAPITAL_STRUCTURE,  # the file describes the class; no certificate of it is at hand
        inputs={
            "holders": len(each),
            "shares outstanding": sum((shares for _, shares in holders), Fraction(0)),
            "shares of Common Stock per share": common_per_share,
            "source": source,
            "illustrative": illustrative,
        },
        parts=each,
        formula="sum over the holders of floor(shares held x shares of Common Stock per share) "
        "(CAPSTRUCT-VOTES=holder-by-holder)",
        interpretations=[reading("CAPSTRUCT-VOTES")],
    )


def _whole_votes_as_converted(
    name: str,
    clause: str,
    convertible: Fraction,
    inputs: dict[str, Scalar],
    formula: str,
    interpretation: str,
    *,
    extra: dict[str, Scalar] | None = None,
) -> Explained:
    """One vote per whole share of Common Stock the shares convert into, the fraction dropped."""
    whole, fraction = floor_whole(convertible)
    return Explained(
        name=name,
        value=whole,
        clause=clause,
        inputs={
            **inputs,
            "shares of Common Stock as converted": convertible,
            "fraction dropped": fraction,
            **(extra or {}),
        },
        formula=formula,
        interpretations=[interpretation],
    )


@implements("F §4", "G §4")
def votes_by_holder(
    terms: SeriesTerms,
    holdings: Mapping[str, Fraction],
    conversion_price: Fraction,
    *,
    issue_price_adjustment: Fraction,
) -> dict[str, Explained]:
    """The §4 votes of each holder, holder by holder (the fraction is dropped per holder)."""
    return {
        holder: votes(terms, shares, conversion_price, issue_price_adjustment=issue_price_adjustment)
        for holder, shares in holdings.items()
    }


@implements("F §4", "G §4")
def series_voting_power(terms: SeriesTerms, holder_votes: Mapping[str, Explained]) -> Explained:
    """The voting power of all outstanding shares of the series: the sum of holders' votes."""
    clause = for_series(terms.series, "§4")
    total = 0
    for holder, vote in holder_votes.items():
        if not isinstance(vote.value, int) or isinstance(vote.value, bool):
            raise InputError(f"votes[{holder}]", clause, "must be a whole number of votes")
        total += vote.value
    return Explained(
        name=f"voting power of all outstanding Series {terms.series} Preferred Stock",
        value=total,
        clause=clause,
        parts=list(holder_votes.values()),
        formula="sum of the holders' votes",
        interpretations=[reading("VOTE-SERIES-MAJORITY")],
    )


class ConsentPurpose(Enum):
    """The clauses that require a series majority, by section."""

    FAIR_MARKET_VALUE_NO_MARKET = "§3(c)(i)(C)"
    FAIR_MARKET_VALUE_RESTRICTED = "§3(c)(ii)"
    RESERVED_EMPLOYEE_SHARES = "§5(d)(i)(D)"
    WAIVER_OF_ADJUSTMENT = "§5(d)(ii)"
    MANDATORY_REDEMPTION_VOTE = "§6(b)"


@implements(
    "F §3(c)(i)(C)",
    "G §3(c)(i)(C)",
    "F §3(c)(ii)",
    "G §3(c)(ii)",
    "F §5(d)(i)(D)",
    "G §5(d)(i)(D)",
    "F §5(d)(ii)",
    "G §5(d)(ii)",
    "F §6(b)",
    "G §6(b)",
)
def series_majority(
    terms: SeriesTerms,
    votes_for: int,
    outstanding_voting_power: int,
    purpose: ConsentPurpose,
    *,
    votes_against: int | None = None,
) -> Explained:
    """Whether ``votes_for`` are "at least a majority of the voting power of all then
    outstanding shares" of the series (VOTE-SERIES-MAJORITY): more than half of all
    outstanding voting power, not of the votes cast. ``votes_against``: the votes cast against,
    needed only by VOTE-SERIES-MAJORITY=votes-cast (more than half of the votes for and against)."""
    if not isinstance(purpose, ConsentPurpose):
        raise InputError("purpose", for_series(terms.series, "§4"), f"unknown purpose {purpose!r}")
    clause = for_series(terms.series, purpose.value)
    for name, value in (("votes_for", votes_for), ("outstanding_voting_power", outstanding_voting_power)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(name, clause, f"must be a whole number of votes, not {value!r}")
    if votes_for > outstanding_voting_power:
        raise InputError(
            "votes_for", clause, f"{votes_for} votes exceed the {outstanding_voting_power} votes of the series"
        )
    match chosen("VOTE-SERIES-MAJORITY"):
        case "default":
            carried, test = 2 * votes_for > outstanding_voting_power, ">"
        case "per-share":  # the votes are counted in preferred shares by the caller; more than half of them
            carried, test = 2 * votes_for > outstanding_voting_power, "> (in whole preferred shares)"
        case "at-least-half":
            carried, test = 2 * votes_for >= outstanding_voting_power, ">= (VOTE-SERIES-MAJORITY=at-least-half)"
        case "votes-cast":  # more than half of the votes cast, for and against; abstentions do not count
            if isinstance(votes_against, bool) or not isinstance(votes_against, int) or votes_against < 0:
                raise InputError(
                    "votes_against",
                    clause,
                    f"the votes cast against are needed (VOTE-SERIES-MAJORITY=votes-cast), not {votes_against!r}",
                )
            if votes_for + votes_against > outstanding_voting_power:
                raise InputError(
                    "votes_against",
                    clause,
                    f"{votes_for} for and {votes_against} against exceed the {outstanding_voting_power} votes",
                )
            cast = votes_for + votes_against
            return Explained(
                name=f"majority of the votes cast by the holders of Series {terms.series} Preferred Stock",
                value=2 * votes_for > cast,
                clause=clause,
                inputs={"votes for": votes_for, "votes against": votes_against, "votes cast": cast},
                formula="votes for > 1/2 x (votes for + votes against) (VOTE-SERIES-MAJORITY=votes-cast)",
                interpretations=[reading("VOTE-SERIES-MAJORITY")],
            )
        case other:
            raise AssertionError(f"VOTE-SERIES-MAJORITY alternative {other!r} is registered but not computed")
    return Explained(
        name=f"majority of the voting power of all outstanding Series {terms.series} Preferred Stock",
        value=carried,
        clause=clause,
        inputs={"votes for": votes_for, "voting power of all outstanding shares": outstanding_voting_power},
        formula=f"votes for {test} 1/2 x voting power of all outstanding shares",
        interpretations=[reading("VOTE-SERIES-MAJORITY")],
    )
