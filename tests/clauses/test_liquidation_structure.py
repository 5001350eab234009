"""F §1(b), §3(a)-(b) and G §1(b), §3(a)-(b) over a whole capital structure: senior ranks, caps,
conversion and option exercise (CAPSTRUCT-*), worked by hand with the arithmetic in each docstring."""

from __future__ import annotations

import copy
import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.clauses.liquidation import JuniorHolding, ParityHolding, SeniorClass, Tier
from prefstack.clauses.liquidation_structure import StructureWaterfall, capital_structure_waterfall
from prefstack.errors import InputError
from prefstack.instruments.capital_structure import CapitalStructure, parse_capital_structure

ON = dt.date(2003, 1, 15)

# Series F holder A: 1,000 shares at a Liquidation Value of $1,000 (full amount $1,000,000), 40,000
# shares of Common Stock as converted (1,000 x 1,000 / 25). Common Stock: 860,000 shares. So the
# Common Stock and Series F hold 900,000 shares as converted between them.
PARITY = [ParityHolding("F", "A", Fraction(1000), Fraction(1000), Fraction(40_000), True)]
JUNIOR = [JuniorHolding("Common Stock", "holders of Common Stock", Fraction(860_000))]


def generic(name: str, rank: int, shares: str, **terms: Any) -> dict[str, Any]:
    """A generic class: $1,000 issue price, 1x preference, not participating, not convertible."""
    out: dict[str, Any] = {
        "kind": "preferred",
        "name": name,
        "rank": rank,
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


def document(*classes: dict[str, Any], options: list[dict[str, Any]] | None = None, f_rank: int = 2) -> dict[str, Any]:
    names = {c["name"] for c in classes}
    filler = [generic(n, 1, "0") for n in ("Series C", "Series D", "Series E") if n not in names]
    return {
        "format": "prefstack-capital-structure/1",
        "company": "CAIS Internet, Inc.",
        "source": "tests",
        "classes": [
            *filler,
            *classes,
            {"kind": "certificate", "name": "Series F", "series": "F", "rank": f_rank, "source": "F terms"},
            {"kind": "certificate", "name": "Series G", "series": "G", "rank": f_rank, "source": "G terms"},
        ],
        "common": {
            "name": "Common Stock",
            "authorized": "ledger",
            "outstanding": "ledger",
            "source": "ledger",
            "illustrative": False,
        },
        "options_and_warrants": options or [],
    }


def structure(*classes: dict[str, Any], **kw: Any) -> CapitalStructure:
    return parse_capital_structure(document(*classes, **kw), "test")


def run(cs: CapitalStructure, proceeds: int | Fraction, senior: list[SeniorClass] | None = None) -> StructureWaterfall:
    return capital_structure_waterfall(cs, Fraction(proceeds), [], senior or [], PARITY, JUNIOR, ON)


def paid(result: StructureWaterfall) -> dict[str, Fraction]:
    out: dict[str, Fraction] = {}
    for p in result.waterfall.payouts:
        out[p.security] = out.get(p.security, Fraction(0)) + p.paid
    return out


@pytest.mark.clause("F §1(b)", "G §1(b)", "F §3", "G §3")
def test_senior_shortfall_rank_by_rank_f_1b_3a() -> None:
    """F §1(b)(iii), §3(a), LIQ-SENIOR-RATABLE: $2,500,000. Rank 1, Series C $1,000,000 (1,000 x $1,000),
    is paid in full; $1,500,000 is left for rank 2, Series D $2,000,000 and Series E $1,000,000, short by
    half: D 1,500,000 x 2/3 = $1,000,000, E 1,500,000 x 1/3 = $500,000. Series F (rank 3) and the Common
    Stock get nothing."""
    cs = structure(
        generic("Series C", 1, "1000"), generic("Series D", 2, "2000"), generic("Series E", 2, "1000"), f_rank=3
    )
    result = run(cs, 2_500_000)
    got = paid(result)
    assert got["Series C"] == 1_000_000
    assert got["Series D"] == 1_000_000
    assert got["Series E"] == 500_000
    assert got["F"] == 0 and got["Common Stock"] == 0
    ranks = {p.security: p.rank for p in result.waterfall.payouts if p.tier is Tier.SENIOR}
    assert ranks == {"Series C": 1, "Series D": 2, "Series E": 2}
    assert next(p for p in result.waterfall.payouts if p.security == "Series D").tier_label == (
        "senior preference (rank 2)"
    )


D_CAPPED = generic("Series D", 1, "1000", participating=True, participation_cap="2", conversion={"ratio": "100"})
"""Series D: 1,000 shares, $1,000 preference each, participating with 100,000 shares as converted,
capped at 2 x $1,000 a share in all ($2,000,000)."""


def test_participation_cap_reached_capstruct_participation_cap() -> None:
    """F §3(b), CAPSTRUCT-PARTICIPATION-CAP: $16,000,000. D's preference $1,000,000 and F's $1,000,000 are
    paid; $14,000,000 remains for 1,000,000 shares as converted (D 100,000, F 40,000, Common 860,000).
    Uncapped, D would take 14,000,000 x 0.1 = $1,400,000, more than its cap less its preference
    (2,000,000 - 1,000,000 = $1,000,000): D takes $1,000,000 and the other $13,000,000 go to F and the
    Common Stock in proportion 40,000 : 860,000: F 13,000,000 x 40/900 = $577,777.777... -> $577,777.78,
    Common 13,000,000 x 860/900 = $12,422,222.222... -> $12,422,222.22. D keeps its preference:
    converting would give it 100,000 / 1,000,000 of 16,000,000 - 1,000,000 = $1,500,000 < $2,000,000."""
    result = run(structure(D_CAPPED), 16_000_000)
    got = paid(result)
    assert got["Series D"] == 2_000_000
    assert got["F"] == 1_000_000 + Fraction("577777.78")
    assert got["Common Stock"] == Fraction("12422222.22")
    assert result.chosen == frozenset()
    d = next(c for c in result.choices if c.name == "Series D")
    assert (d.if_chosen, d.if_not_chosen) == (1_500_000, 2_000_000)


def test_capped_class_converts_when_conversion_pays_more() -> None:
    """CAPSTRUCT-CONVERSION-CHOICE: $22,000,000. Keeping its preference D is held at its $2,000,000 cap;
    converted it takes 100,000 / 1,000,000 of 22,000,000 - 1,000,000 (F's preference) = $2,100,000, so
    it converts. F: 1,000,000 + 21,000,000 x 0.04 = $1,840,000; Common 21,000,000 x 0.86 = $18,060,000."""
    result = run(structure(D_CAPPED), 22_000_000)
    got = paid(result)
    assert result.chosen == frozenset({"Series D"})
    assert got["Series D"] == 2_100_000
    assert got["F"] == 1_840_000
    assert got["Common Stock"] == 18_060_000
    assert not any(p.security == "Series D" and p.tier is Tier.SENIOR for p in result.waterfall.payouts)


C_CONVERTIBLE = generic("Series C", 1, "1000", conversion={"price": "10"})
"""Series C: 1,000 shares, $1,000 preference each, not participating, 1,000 x 1,000 / 10 = 100,000
shares of Common Stock if converted."""


def test_non_participating_class_converts_above_its_preference() -> None:
    """F §3(b), CAPSTRUCT-CONVERSION-CHOICE: $21,000,000. Kept, C's preference is $1,000,000. Converted,
    C takes 100,000 / 1,000,000 of 21,000,000 - 1,000,000 = $2,000,000: it converts. F: 1,000,000 +
    20,000,000 x 0.04 = $1,800,000; Common: 20,000,000 x 0.86 = $17,200,000."""
    result = run(structure(C_CONVERTIBLE), 21_000_000)
    got = paid(result)
    assert result.chosen == frozenset({"Series C"})
    assert (got["Series C"], got["F"], got["Common Stock"]) == (2_000_000, 1_800_000, 17_200_000)


def test_a_tie_keeps_the_preference() -> None:
    """CAPSTRUCT-CONVERSION-CHOICE: $11,000,000. Converted, C would take 0.1 x 10,000,000 = $1,000,000,
    exactly its preference: it keeps the preference. F: 1,000,000 + 9,000,000 x 40/900 = $1,400,000;
    Common: 9,000,000 x 860/900 = $8,600,000."""
    result = run(structure(C_CONVERTIBLE), 11_000_000)
    got = paid(result)
    assert result.chosen == frozenset()
    assert (got["Series C"], got["F"], got["Common Stock"]) == (1_000_000, 1_400_000, 8_600_000)


def tranche(name: str, kind: str, count: str, strike: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": name,
        "count": count,
        "strike_price": strike,
        "exercisable_for": "Common Stock",
        "source": "test figures",
        "illustrative": True,
    }


OPTIONS = [tranche("Options", "option", "100000", "5"), tranche("Warrants", "warrant", "100000", "50")]


def test_options_in_the_money_are_exercised_for_cash() -> None:
    """CAPSTRUCT-OPTION-EXERCISE: $10,000,000. Exercising the 100,000 options at $5 pays $500,000 in:
    $10,500,000 - F's $1,000,000 = $9,500,000 over 1,000,000 shares = $9.50 a share > $5: exercised
    (gain 100,000 x 9.50 - 500,000 = $450,000). The warrants at $50 would add $5,000,000 and 100,000
    shares: 14,500,000 / 1,100,000 = $13.18... < $50: not exercised. Options $950,000; F 1,000,000 +
    40,000 x 9.50 = $1,380,000; Common 860,000 x 9.50 = $8,170,000; in all $10,500,000."""
    result = run(structure(options=OPTIONS), 10_000_000)
    got = paid(result)
    assert result.chosen == frozenset({"Options"})
    assert (got["Options"], got["F"], got["Common Stock"]) == (950_000, 1_380_000, 8_170_000)
    assert "Warrants" not in got
    assert result.waterfall.total_paid.value == 10_500_000
    assert result.waterfall.proceeds.inputs["exercise price paid"] == 500_000
    assert result.payoffs["Options"] == 450_000


def test_options_out_of_the_money_are_not_exercised() -> None:
    """CAPSTRUCT-OPTION-EXERCISE: $1,500,000: $500,000 over 900,000 shares is $0.55... a share; with the
    options exercised $1,000,000 over 1,000,000 is $1.00 < $5: neither tranche is exercised and the
    Common Stock gets 500,000 x 860/900 = $477,777.777... -> $477,777.78."""
    result = run(structure(options=OPTIONS), 1_500_000)
    assert result.chosen == frozenset()
    assert paid(result)["Common Stock"] == Fraction("477777.78")
    assert "exercise price paid" not in result.waterfall.proceeds.inputs


def test_cumulative_dividend_accrues_simply_into_the_preference() -> None:
    """CAPSTRUCT-DIVIDEND-ACCRUAL: 1,000 shares x $1,000 x 8% x 365 days / 365 from 2002-01-15 to
    2003-01-15 = $80,000: the preference is $1,080,000, paid in full from $3,000,000."""
    c = generic("Series C", 1, "1000", cumulative_dividend={"annual_rate": "0.08", "accrues_from": "2002-01-15"})
    result = run(structure(c), 3_000_000)
    assert paid(result)["Series C"] == 1_080_000


def test_senior_override_replaces_a_class_by_name_and_is_listed() -> None:
    """CAPSTRUCT-SENIOR-OVERRIDE: --senior "Series C=2000000" replaces the file's Series C (rank 1 kept, no
    conversion); a new name joins the rank just ahead of F and G."""
    cs = structure(C_CONVERTIBLE)
    result = run(
        cs,
        21_000_000,
        [
            SeniorClass("Series C", Fraction(2_000_000), False, Fraction(0)),
            SeniorClass("Bank", Fraction(1), False, Fraction(0)),
        ],
    )
    assert paid(result)["Series C"] == 2_000_000 and paid(result)["Bank"] == 1
    assert result.chosen == frozenset()
    assert result.overrides[0].startswith("--senior Series C: replaces the file's class at rank 1")
    assert result.overrides[1].startswith("--senior Bank: is added at rank 1")
    with pytest.raises(InputError, match="not a senior class"):
        run(cs, 1, [SeniorClass("Series F", Fraction(1), False, Fraction(0))])


# --- properties ----------------------------------------------------------------------

CAIS_LIKE = structure(
    generic("Series C", 1, "15000", conversion={"price": "20"}),
    generic(
        "Series D",
        1,
        "10000",
        participating=True,
        participation_cap="2",
        conversion={"price": "25"},
        cumulative_dividend={"annual_rate": "0.08", "accrues_from": "1999-12-20"},
    ),
    generic("Series E", 1, "5000", participating=True, conversion={"ratio": "40"}),
    options=[tranche("Options", "option", "300000", "5"), tranche("Warrants", "warrant", "50000", "40")],
)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=5 * 10**10))
def test_proceeds_are_paid_to_the_cent(cents: int) -> None:
    """F §3(b), LIQ-CENTS: the cents paid add up to the proceeds plus the exercise price paid."""
    result = run(CAIS_LIKE, Fraction(cents, 100)).waterfall
    exercise = result.proceeds.inputs.get("exercise price paid", Fraction(0))
    assert isinstance(exercise, Fraction)
    assert sum(p.paid for p in result.payouts) == Fraction(cents, 100) + exercise
    assert all((p.paid * 100).denominator == 1 and p.paid >= 0 for p in result.payouts)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=5 * 10**10), st.integers(min_value=1, max_value=10**10))
def test_no_class_gets_less_when_proceeds_rise(cents: int, more: int) -> None:
    """F §3, CAPSTRUCT-*: raising the proceeds never lowers what a class receives in all (a tranche:
    net of the exercise price it pays)."""
    low, high = run(CAIS_LIKE, Fraction(cents, 100)), run(CAIS_LIKE, Fraction(cents + more, 100))

    def net(result: StructureWaterfall) -> dict[str, Fraction]:
        out = paid(result)
        for t in CAIS_LIKE.options_and_warrants:
            if t.name in result.chosen:
                out[t.name] -= t.count * t.strike_price
        return out

    before, after = net(low), net(high)
    assert all(after.get(name, Fraction(0)) >= amount for name, amount in before.items())


@pytest.mark.clause("F §3(b)", "G §3(b)")
@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=5 * 10**10))
def test_no_class_gains_by_switching(cents: int) -> None:
    """CAPSTRUCT-CONVERSION-CHOICE: in the settled choices no convertible class and no tranche would
    receive more by switching alone."""
    result = run(CAIS_LIKE, Fraction(cents, 100))
    for choice in result.choices:
        as_chosen, switched = result.switch_payoffs(choice.name)
        assert as_chosen >= switched, choice.name


# --- bad files -----------------------------------------------------------------------


def refused(doc: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_capital_structure(doc, "cs.yaml")
    assert caught.value.field == f"cs.yaml: {field}", caught.value
    assert words in caught.value.problem, caught.value


def test_refuses_unknown_fields() -> None:
    doc = document()
    doc["owner"] = "x"
    refused(doc, "owner", "unknown field")
    doc = document(generic("Series C", 1, "10", seniority="high"))
    refused(doc, "classes[2] (Series C).seniority", "unknown field")


def test_refuses_duplicate_class_names() -> None:
    doc = document(generic("Series C", 1, "10"), generic("Series C", 1, "20"))
    refused(doc, "classes[3].name", "duplicate class name 'Series C'")
    doc = document(options=[tranche("Common Stock", "option", "1", "1")])
    refused(doc, "options_and_warrants[0].name", "duplicate class name 'Common Stock'")


def test_refuses_seniority_inconsistent_with_the_certificates_f_1b() -> None:
    """F §1(b)(iii): Series C is a Senior Security of Series F, so it cannot rank with or after it."""
    with pytest.raises(InputError) as caught:
        parse_capital_structure(document(generic("Series C", 2, "10")), "cs.yaml")
    assert caught.value.field == "cs.yaml: classes[2] (Series C).rank" and caught.value.clause == "F §1(b)"
    doc = document()
    doc["classes"][-1]["rank"] = 1
    with pytest.raises(InputError, match="rank on a parity"):
        parse_capital_structure(doc, "cs.yaml")
    doc = document()
    doc["classes"] = [c for c in doc["classes"] if c["name"] != "Series E"]
    with pytest.raises(InputError, match="Series E ranks senior to Series F but is not listed"):
        parse_capital_structure(doc, "cs.yaml")


def test_refuses_a_negative_amount() -> None:
    refused(document(generic("Series C", 1, "-5")), "classes[2] (Series C).shares_outstanding", "must not be negative")
    refused(
        document(options=[tranche("Options", "option", "10", "-1")]),
        "options_and_warrants[0] (Options).strike_price",
        "must not be negative",
    )


def test_refuses_an_unknown_series() -> None:
    doc = document()
    doc["classes"].append({"kind": "certificate", "name": "Series Q", "series": "Q", "rank": 2, "source": "x"})
    refused(doc, "classes[5] (Series Q).series", "unknown series 'Q'")


def test_refuses_a_series_of_another_company() -> None:
    doc = document()
    doc["classes"].append({"kind": "certificate", "name": "Series H", "series": "H", "rank": 2, "source": "x"})
    refused(doc, "classes[5] (Series H).series", "Series H is a series of Northwind Networks, Inc., not of CAIS")


def test_refuses_numbers_written_as_yaml_numbers_and_half_given_terms() -> None:
    refused(document(generic("Series C", 1, 10)), "classes[2] (Series C).shares_outstanding", "quote it")
    both = generic("Series C", 1, "10", liquidation_preference={"multiple": "1", "per_share": "5"})
    refused(document(both), "classes[2] (Series C).liquidation_preference", "exactly one")
    capped = generic("Series C", 1, "10", participation_cap="3")
    refused(document(capped), "classes[2] (Series C).participation_cap", "participating: true")
    junior = generic("Series X", 3, "10")
    refused(document(junior), "classes[3] (Series X).rank", "junior to Series F and G")
    into = document(options=[{**tranche("W", "warrant", "1", "1"), "exercisable_for": "Series C"}])
    refused(into, "options_and_warrants[0] (W).exercisable_for", "not implemented")


def test_the_bundled_file_is_what_the_schema_describes() -> None:
    """`prefstack schema capital-structure` validates the bundled CAIS file."""
    from importlib import resources

    import jsonschema
    import yaml

    from prefstack.instruments.capital_structure import capital_structure_json_schema

    text = resources.files("prefstack.instruments").joinpath("issuers/cais-internet/capital_structure.yaml")
    data = yaml.safe_load(text.read_text(encoding="utf-8"))
    jsonschema.validate(data, capital_structure_json_schema())
    bad = copy.deepcopy(data)
    bad["classes"][0]["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, capital_structure_json_schema())


def test_refuses_a_class_voting_as_converted_without_a_conversion_f_4() -> None:
    with pytest.raises(InputError) as caught:
        parse_capital_structure(document(generic("Series C", 1, "10", votes_with_common=True)), "cs.yaml")
    assert caught.value.field == "cs.yaml: classes[2] (Series C).votes_with_common"
    assert caught.value.clause == "F §4"


@pytest.mark.clause("G §3(a)", "G §3(b)", "G §4")
def test_refusals_cite_the_certificates_of_the_structure_not_series_f() -> None:
    """G §3(b), §4: the checks of generic classes cite the certificates the structure lists: with
    Series G its only certificate class, a class voting as converted without a conversion cites G §4
    and a class ranked after G cites G §3(b); a structure with no certificate class cites §3(a) of
    every series prefstack has terms for."""
    only_g = document(generic("Series C", 1, "10", votes_with_common=True))
    only_g["classes"] = [c for c in only_g["classes"] if c.get("series") != "F"]
    with pytest.raises(InputError) as caught:
        parse_capital_structure(only_g, "cs.yaml")
    assert caught.value.clause == "G §4"
    junior = document(generic("Series X", 3, "10"))
    junior["classes"] = [c for c in junior["classes"] if c.get("series") != "F"]
    refusal = r"junior to Series G \(rank 2\): after their preferences .* as converted \(G §3\(b\)\)"
    with pytest.raises(InputError, match=refusal) as got:
        parse_capital_structure(junior, "cs.yaml")
    assert got.value.clause == "G §3(b)"
    from prefstack.terms import series_names

    none = document()
    none["classes"] = [c for c in none["classes"] if c["kind"] != "certificate"]
    with pytest.raises(InputError, match=f"series: {' or '.join(series_names())}") as empty:
        parse_capital_structure(none, "cs.yaml")
    assert empty.value.clause == ", ".join(f"{name} §3(a)" for name in series_names())
    assert empty.value.clause.startswith("F §3(a), G §3(a)")
