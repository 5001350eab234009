"""Alternatives that need a fact prefstack's reading does not: the certificates a holder surrenders
for conversion (F/G §5(b), §5(c)(i)), the holders of a generic class of the capital structure (F/G §4)
and the items of non-cash property distributed in a liquidation (F/G §3(c)), each computed by hand
beside prefstack's reading, and refused, naming the field, where the fact is not given."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from importlib import resources
from typing import Any

import pytest

from prefstack.books import Books
from prefstack.errors import InputError
from prefstack.instruments.capital_structure import CapitalStructureError, LoadedStructure, parse_capital_structure
from prefstack.interpretations.readings import parse

COVERED: set[tuple[str, str]] = {
    ("CAPSTRUCT-VOTES", "holder-by-holder"),
}

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))


def _books(**choices: str) -> Books:
    return Books("sqlite:///unused.sqlite", ledger=EXAMPLE, readings=parse(choices, "test"))


# --- F/G §4: the votes of a generic class, holder by holder (CAPSTRUCT-VOTES) ----------------------


def _generic_class(name: str, shares: str, **terms: Any) -> dict[str, Any]:
    """A generic class at rank 1: $1,000 issue price, 1x preference, not participating, not convertible."""
    out: dict[str, Any] = {
        "kind": "preferred",
        "name": name,
        "rank": 1,
        "shares_outstanding": shares,
        "original_issue_price": "1000",
        "liquidation_preference": {"multiple": "1"},
        "participating": False,
        "participation_cap": None,
        "conversion": None,
        "cumulative_dividend": None,
        "votes_with_common": False,
        "source": "test figures",
        "illustrative": True,
    }
    out.update(terms)
    return out


def _structure_document(*classes: dict[str, Any]) -> dict[str, Any]:
    """Series C, D and E as given (those not given: 0 shares, not voting), Series F and G at rank 2."""
    names = {c["name"] for c in classes}
    filler = [_generic_class(n, "0") for n in ("Series C", "Series D", "Series E") if n not in names]
    return {
        "format": "prefstack-capital-structure/1",
        "company": "CAIS Internet, Inc.",
        "source": "tests",
        "classes": [
            *classes,
            *filler,
            {"kind": "certificate", "name": "Series F", "series": "F", "rank": 2, "source": "F terms"},
            {"kind": "certificate", "name": "Series G", "series": "G", "rank": 2, "source": "G terms"},
        ],
        "common": {
            "name": "Common Stock",
            "authorized": "ledger",
            "outstanding": "ledger",
            "source": "ledger",
            "illustrative": False,
        },
        "options_and_warrants": [],
    }


def _voting_class(name: str, shares: str, holders: list[tuple[str, str]] | None) -> dict[str, Any]:
    """A class that votes with the Common Stock, converting at $300: 1,000 / 300 = 10/3 shares of Common each."""
    terms: dict[str, Any] = {"conversion": {"price": "300"}, "votes_with_common": True}
    if holders is not None:
        terms["holders"] = [{"name": holder, "shares": count} for holder, count in holders]
    return _generic_class(name, shares, **terms)


def test_a_classs_votes_dropping_each_holders_fraction_capstruct_votes() -> None:
    """CAPSTRUCT-VOTES=holder-by-holder: Series C, 5 shares converting at $300 (10/3 shares of Common
    each), held 2 by A, 2 by B and 1 by C.
    - prefstack's: the class as a whole, floor(5 x 10/3) = floor(16.666...) = 16 votes;
    - per-share: one vote per share, 5;
    - holder by holder: A floor(2 x 10/3 = 6.666...) = 6, B 6, C floor(10/3 = 3.333...) = 3; 6 + 6 + 3
      = 15 votes, one fewer: the three dropped fractions (2/3 + 2/3 + 1/3 = 5/3) hold a whole share.
    Series D votes with the Common Stock and gives no holders: holder by holder it is refused, naming
    its holders field; prefstack's reading counts it as a whole (3 x 10/3 = 10 votes)."""
    holders = [("A", "2"), ("B", "2"), ("C", "1")]
    document = _structure_document(_voting_class("Series C", "5", holders), _voting_class("Series D", "3", None))
    structure = LoadedStructure(parse_capital_structure(document, "test"), "test")
    on = dt.date(2002, 6, 30)

    def cast(**choices: str) -> dict[str, int]:
        return {c.class_: c.votes for c in _books(**choices).votes(on, structure).classes}

    assert cast() == {"Series C": 16, "Series D": 10}
    assert cast(**{"CAPSTRUCT-VOTES": "per-share"}) == {"Series C": 5, "Series D": 3}
    with pytest.raises(InputError) as refused:
        cast(**{"CAPSTRUCT-VOTES": "holder-by-holder"})
    assert refused.value.field == "test: classes[1] (Series D).holders"
    assert "F §4" in refused.value.problem

    only_c = _structure_document(_voting_class("Series C", "5", holders))
    alone = LoadedStructure(parse_capital_structure(only_c, "test"), "test")
    answer = _books(**{"CAPSTRUCT-VOTES": "holder-by-holder"}).votes(on, alone)
    (series_c,) = answer.classes
    assert (series_c.class_, series_c.votes) == ("Series C", 6 + 6 + 3)
    each = {part["name"]: int(part["value"]) for part in series_c.explain["parts"]}
    assert each == {
        "votes of A (Series C) with the Common Stock": 6,
        "votes of B (Series C) with the Common Stock": 6,
        "votes of C (Series C) with the Common Stock": 3,
    }


def test_a_classs_holders_must_add_up_to_its_shares_outstanding() -> None:
    """The optional holders of a generic class: 2 + 2 = 4 shares listed for 5 outstanding is refused,
    naming the field; a holder listed twice too; a file without holders is read as before."""
    short = _structure_document(_voting_class("Series C", "5", [("A", "2"), ("B", "2")]))
    with pytest.raises(CapitalStructureError) as refused:
        parse_capital_structure(short, "test")
    assert refused.value.field == "test: classes[0] (Series C).holders"
    assert "add up to 4, not the class's shares_outstanding 5" in refused.value.problem
    twice = _structure_document(_voting_class("Series C", "5", [("A", "2"), ("A", "3")]))
    with pytest.raises(CapitalStructureError, match="listed twice") as repeated:
        parse_capital_structure(twice, "test")
    assert repeated.value.field == "test: classes[0] (Series C).holders[1].name"
    plain = parse_capital_structure(_structure_document(_voting_class("Series C", "5", None)), "test")
    assert plain.generic[0].holders is None
