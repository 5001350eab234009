"""Alternatives that need a fact prefstack's reading does not: the certificates a holder surrenders
for conversion (F/G §5(b), §5(c)(i)), the holders of a generic class of the capital structure (F/G §4)
and the items of non-cash property distributed in a liquidation (F/G §3(c)), each computed by hand
beside prefstack's reading, and refused, naming the field, where the fact is not given."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from prefstack.books import Books
from prefstack.clauses.liquidation import JuniorHolding, NonCashProceeds, ParityHolding, valuation_method, waterfall
from prefstack.errors import InputError
from prefstack.instruments.capital_structure import CapitalStructureError, LoadedStructure, parse_capital_structure
from prefstack.interpretations.readings import parse, under
from prefstack.ledger import events as ev
from prefstack.ledger import section5
from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import LedgerRuleError, replay
from prefstack.output_schemas import output_schema

COVERED: set[tuple[str, str]] = {
    ("CONV-FRACTION-AGGREGATE", "per-certificate"),
    ("CAPSTRUCT-VOTES", "holder-by-holder"),
    ("CAPSTRUCT-HOLDER-PAYOUTS", "class-only"),
    ("LIQ-NON-CASH", "item-by-item"),
}

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
MICROSOFT = "Microsoft Corporation"


def _books(ledger: str = EXAMPLE, **choices: str) -> Books:
    return Books("sqlite:///unused.sqlite", ledger=ledger, readings=parse(choices, "test"))


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


# --- F/G §5(b): the whole shares and the fraction, certificate by certificate (CONV-FRACTION-AGGREGATE) ---
#
# Microsoft converts Series F on 2002-01-10 at a Conversion Price of $24.00: each share gives
# 1,000 / 24 = 125/3 = 41.666... shares of Common Stock.

CONVERSION_DAY = dt.date(2002, 1, 10)
PER_CERTIFICATE = {"CONV-FRACTION-AGGREGATE": "per-certificate"}


def test_a_conversion_question_certificate_by_certificate_conv_fraction_aggregate(certified: str) -> None:
    """250 shares surrendered on three certificates of 1, 1 and 248 shares.
    - prefstack's, all together: 250 x 125/3 = 31,250/3 = 10,416.666...: 10,416 shares and 2/3 x $24
      = $16.00 in cash (the certificates change nothing);
    - per certificate: 1 x 125/3 = 41 + 2/3, twice, and 248 x 125/3 = 31,000/3 = 10,333 + 1/3: 41 + 41
      + 10,333 = 10,415 shares, and the fractions 2/3 + 2/3 + 1/3 = 5/3, paid 5/3 x $24 = $40.00: a
      share fewer, $24.00 more;
    - per share (for comparison): 250 x 41 = 10,250 shares and 250 x 2/3 x $24 = $4,000.00.
    Without the certificates the alternative is refused naming --certificates; certificates that do
    not add up to the shares converted (1 + 1 = 2, not 250) are refused under every reading."""
    certificates = [Fraction(1), Fraction(1), Fraction(248)]

    def quote(choices: dict[str, str], held: list[Fraction] | None = certificates) -> tuple[int, Fraction]:
        answer = _books(certified, **choices).convert(CONVERSION_DAY, "F", MICROSOFT, Fraction(250), None, held)
        return answer.common_shares, Fraction(answer.cash_for_fraction.value)

    assert quote({}) == quote({}, None) == (10_416, Fraction(16))
    assert quote(PER_CERTIFICATE) == (41 + 41 + 10_333, Fraction(5, 3) * 24) == (10_415, Fraction(40))
    assert quote({"CONV-FRACTION-AGGREGATE": "per-share"}) == (250 * 41, Fraction(4_000))
    with pytest.raises(InputError) as refused:
        quote(PER_CERTIFICATE, None)
    assert (refused.value.field, refused.value.clause) == ("--certificates", "F §5(b)")
    assert "per-certificate" in refused.value.problem
    for choices in ({}, PER_CERTIFICATE):
        with pytest.raises(InputError, match="hold 2 shares, not the 250 converted") as short:
            quote(choices, [Fraction(1), Fraction(1)])
        assert (short.value.field, short.value.clause) == ("--certificates", "F §5(b)")


RECORDED = """- kind: conversion
  date: '2002-01-10'
  recorded_at: '2002-01-10T17:00:00Z'
  series: F
  holder: Microsoft Corporation
  shares: '1000'
"""


@pytest.fixture
def certified(tmp_path: Path) -> str:
    """The example ledger with its conversion (Microsoft, 1,000 Series F on 2002-01-10) recorded with
    the shares on each certificate surrendered: 1, 1 and 998."""
    text = Path(EXAMPLE).read_text(encoding="utf-8")
    assert text.count(RECORDED) == 1
    path = tmp_path / "ledger.yaml"
    path.write_text(text.replace(RECORDED, RECORDED + "  certificates: ['1', '1', '998']\n"), encoding="utf-8")
    return str(path)


def test_a_recorded_conversion_certificate_by_certificate_conv_fraction_aggregate(certified: str) -> None:
    """The ledger's conversion of 1,000 shares on certificates of 1, 1 and 998 shares: all together
    1,000 x 125/3 = 125,000/3 = 41,666.666...: 41,666 shares and 2/3 x $24 = $16.00; per certificate
    41 + 41 + floor(998 x 125/3 = 124,750/3 = 41,583.333...) = 41,665 shares and (2/3 + 2/3 + 1/3) x
    $24 = $40.00, and the Common Stock outstanding one share fewer. The example ledger as it is records
    no certificates: under the alternative its replay is refused naming the field; a conversion event
    whose certificates do not hold the shares converted is refused when read, naming the field."""
    recorded = read_ledger(Path(certified)).events
    on = dt.date(2002, 6, 30)

    def converted(choices: dict[str, str]) -> tuple[Any, Fraction]:
        with under(parse(choices, "test")):
            state = replay(recorded, on)
        result = state.series["F"].conversions[-1].result
        return (result.common_shares.value, result.cash_for_fraction.value), section5.common_outstanding(state)

    (together, common_together), (apart, common_apart) = converted({}), converted(PER_CERTIFICATE)
    assert together == (41_666, Fraction(16))
    assert apart == (41 + 41 + 41_583, Fraction(40)) == (41_665, Fraction(40))
    assert common_apart == common_together - 1
    with under(parse(PER_CERTIFICATE, "test")), pytest.raises(LedgerRuleError) as refused:
        replay(read_ledger(Path(EXAMPLE)).events, on)
    assert (refused.value.field, refused.value.clause) == ("certificates", "F §5(b)")
    with pytest.raises(InputError) as wrong:
        ev.parse_event(
            {"kind": "conversion", "date": "2002-01-10", "series": "F", "holder": MICROSOFT, "shares": "1000"}
            | {"certificates": ["1", "998"]},
            "test",
        )
    assert wrong.value.field == "test (conversion).certificates"
    assert wrong.value.clause == "F §5(c)"
    assert "hold 999 shares, not the 1000 converted" in wrong.value.problem


def test_the_conversion_statement_lists_the_certificates_and_weighs_per_certificate(certified: str) -> None:
    """The conversion statement of 250 shares on certificates of 1, 1 and 248 (the first test's
    figures) lists the certificates; under prefstack's reading its annex says per-certificate would
    issue 10,415 shares instead of 10,416 and pay $40.00 instead of $16.00 for the fractions."""
    held = [Fraction(1), Fraction(1), Fraction(248)]
    document = _books(certified).conversion_statement(CONVERSION_DAY, "F", MICROSOFT, Fraction(250), None, held)
    figures = {f.label: f.value for f in document.figures}
    assert figures["Shares of Common Stock"] == "10,416"
    assert figures["Certificates surrendered (shares each)"].startswith("1")
    note = next(n for n in document.alternatives if n.startswith("Under CONV-FRACTION-AGGREGATE=per-certificate"))
    assert "Shares of Common Stock 10,415 instead of 10,416" in note
    assert "$40.00 instead of $16.00" in note


def test_the_convert_command_takes_the_certificates(cli: Any, certified: str) -> None:
    """prefstack convert --certificates 1,1,248 (the first test's figures) under per-certificate."""
    asked = ["convert", "--series", "F", "--holder", MICROSOFT, "--shares", "250", "--on", "2002-01-10"]
    per_certificate = ["--reading", "CONV-FRACTION-AGGREGATE=per-certificate"]
    found = json.loads(
        cli(*per_certificate, *asked, "--certificates", "1,1,248", "--ledger", certified, "--format", "json").stdout
    )
    assert (found["common_shares"], found["cash_for_fraction"]) == (10_415, "40.00")
    refused = cli(*per_certificate, *asked, "--ledger", certified, ok=False)
    assert refused.returncode == 2 and "--certificates" in refused.stderr


# --- F/G §3(c): non-cash property through the waterfall item by item (LIQ-NON-CASH) ----------------

LIQ_ON = dt.date(2003, 1, 15)
ITEM_BY_ITEM = {"LIQ-NON-CASH": "item-by-item"}


def _property(description: str, value: str) -> NonCashProceeds:
    return NonCashProceeds(description, Fraction(value), "F §3(c)(i)(A)", valuation_method("F §3(c)(i)(A)"))


def _liquidate(choices: dict[str, str], cash: str, items: list[NonCashProceeds], parity: Any, junior: Any) -> Any:
    with under(parse(choices, "test")):
        return waterfall(Fraction(cash), items, [], parity, junior, LIQ_ON)


def test_a_preference_partly_met_by_the_cash_continues_into_the_next_item_liq_non_cash() -> None:
    """Series F holder A: 1,000 shares at a Liquidation Value of $1,000 (full amount $1,000,000), 40,000
    shares of Common Stock as converted; the Common Stock 860,000 shares (900,000 as converted in all).
    Proceeds: cash $400,000 and acquirer shares worth $900,000.
    - prefstack's: $1,300,000 as one amount: A's preference $1,000,000, the rest $300,000 as converted:
      A 300,000 x 40/900 = $13,333.33 (13,333.333...), the Common 300,000 x 860/900 = $286,666.67;
    - item by item: the cash first, all of it to A's preference ($400,000 of $1,000,000); then the
      shares: the $600,000 left of A's preference, and the other $300,000 as converted, A $13,333.33 and
      the Common $286,666.67. The same totals (no cent is rounded differently), shown item by item:
      cash A $400,000.00; shares A 600,000 + 13,333.33 = $613,333.33, the Common $286,666.67; each item
      adds up to itself."""
    parity = [ParityHolding("F", "A", Fraction(1000), Fraction(1000), Fraction(40_000), True)]
    junior = [JuniorHolding("Common Stock", "holders of Common Stock", Fraction(860_000))]
    shares = [_property("acquirer shares", "900000")]
    default = _liquidate({}, "400000", shares, parity, junior)
    apart = _liquidate(ITEM_BY_ITEM, "400000", shares, parity, junior)
    totals = {("F", "A"): Fraction("1013333.33"), ("Common Stock", "holders of Common Stock"): Fraction("286666.67")}
    assert default.by_holder() == apart.by_holder() == totals
    assert default.by_item == ()
    cash, acquirer = apart.by_item
    assert (cash.item, cash.value.value, acquirer.item, acquirer.value.value) == (
        "cash",
        400_000,
        "acquirer shares",
        900_000,
    )

    def of(item: Any) -> dict[str, Fraction]:
        found: dict[str, Fraction] = {}
        for p in item.payouts:
            found[p.holder] = found.get(p.holder, Fraction(0)) + p.paid
        return found

    assert of(cash) == {"A": 400_000, "holders of Common Stock": 0}
    assert of(acquirer) == {"A": 600_000 + Fraction("13333.33"), "holders of Common Stock": Fraction("286666.67")}
    assert sum(of(acquirer).values()) == 900_000 and sum(of(cash).values()) == 400_000  # each item conserved
    assert apart.total_paid.value == default.total_paid.value == 1_300_000


def test_rounding_each_item_to_the_cent_moves_a_cent_liq_non_cash() -> None:
    """Series F holder A: 1 share at a Liquidation Value of $100, 1 share of Common Stock as converted;
    holders X and Y of 1 share of Common Stock each. Proceeds: cash $100.01 and a bond worth $0.01.
    - prefstack's: $100.02 as one amount: A's $100 preference, the 2 cents left shared as converted, 2/3
      of a cent each for A, X and Y: Sainte-Lague gives floor(2 x 2/3 + 1/2) = 1 cent each, 3 > 2, and the
      cent taken back from the last listed of the ties, Y: A $100.01, X $0.01, Y $0.00;
    - item by item: the cash, $100.01: A's $100 and 1 cent shared by three ties, to the first listed, A;
      the bond, 1 cent: A's preference is met, the cent again to A: A $100.02, X $0.00, Y $0.00.
    Each item adds up to itself (100.01 and 0.01), and so does the whole ($100.02)."""
    parity = [ParityHolding("F", "A", Fraction(1), Fraction(100), Fraction(1), True)]
    junior = [JuniorHolding("Common Stock", "X", Fraction(1)), JuniorHolding("Common Stock", "Y", Fraction(1))]
    bond = [_property("bond", "0.01")]
    default = _liquidate({}, "100.01", bond, parity, junior).by_holder()
    apart = _liquidate(ITEM_BY_ITEM, "100.01", bond, parity, junior)
    x, y = ("Common Stock", "X"), ("Common Stock", "Y")
    assert (default[("F", "A")], default[x], default[y]) == (Fraction("100.01"), Fraction("0.01"), 0)
    paid = apart.by_holder()
    assert (paid[("F", "A")], paid[x], paid[y]) == (Fraction("100.02"), 0, 0)
    assert [sum(p.paid for p in item.payouts) for item in apart.by_item] == [Fraction("100.01"), Fraction("0.01")]
    assert sum(paid.values()) == sum(default.values()) == Fraction("100.02")


def test_the_waterfall_question_shows_each_item(cli: Any) -> None:
    """The waterfall question on the example ledger, 2002-06-30, cash $10,000,000 and --non-cash acquirer
    shares $5,000,000: under item-by-item the answer lists the two items, each adding up to itself (the
    Series F and G preferences, over $15,000,000 in all, take all of both: the cash first), beside the
    totals; under prefstack's reading it lists none."""
    asked = ["waterfall", "--proceeds", "10000000", "--on", "2002-06-30", "--ledger", EXAMPLE, "--format", "json"]
    property_ = ["--non-cash", "acquirer shares=5000000@F §3(c)(i)(A)"]
    plain = json.loads(cli(*asked, *property_).stdout)
    assert "by_item" not in plain
    found = json.loads(cli("--reading", "LIQ-NON-CASH=item-by-item", *asked, *property_).stdout)
    jsonschema.validate(found, output_schema("waterfall"))
    assert [(i["item"], i["paid_in_cents"]) for i in found["by_item"]] == [
        ("cash", "10000000.00"),
        ("acquirer shares", "5000000.00"),
    ]
    for item in found["by_item"]:
        assert sum(Fraction(p["amount"]) for p in item["payouts"]) == Fraction(item["paid_in_cents"])
    assert sum(Fraction(p["amount"]) for p in found["payouts"]) == 15_000_000


# --- F/G §3: what a generic class is paid, holder by holder (CAPSTRUCT-HOLDER-PAYOUTS) -------------


def test_a_classs_payment_split_among_its_holders_capstruct_holder_payouts() -> None:
    """Series C alone ahead of F and G: 3 shares, $1,000 preference each, held 1 by A, 1 by B and 1 by
    C. A liquidation of $1,000.01 pays C's tier short: the class gets all $1,000.01.
    - prefstack's: each holder a third, 1,000.01 / 3 = 333.3366...; the 100,001 cents by
      Sainte-Laguë: 33,334 to A (ties to the first listed), 33,334 to B, 33,333 to C = 100,001;
    - class-only: one holding, "holders of Series C", $1,000.01, and no holders' parts."""
    document = _structure_document(_generic_class("Series C", "3", holders=[{"name": n, "shares": "1"} for n in "ABC"]))
    structure = LoadedStructure(parse_capital_structure(document, "test"), "test")
    on = dt.date(2002, 6, 30)
    answer = _books().waterfall(on, Fraction("1000.01"), structure=structure)
    assert answer.class_holders is not None
    parts = {h.holder: h.amount.value for h in answer.class_holders}
    assert parts == {"A": Fraction("333.34"), "B": Fraction("333.34"), "C": Fraction("333.33")}
    assert {h.exact_entitlement for h in answer.class_holders} == {"100001/300"}
    c_rows = [p for p in answer.payouts if p.security == "Series C"]
    assert [(p.holder, p.amount.value) for p in c_rows] == [("holders of Series C", Fraction("1000.01"))]
    only = _books(**{"CAPSTRUCT-HOLDER-PAYOUTS": "class-only"}).waterfall(on, Fraction("1000.01"), structure=structure)
    assert only.class_holders is None
    assert [(p.holder, p.amount.value) for p in only.payouts if p.security == "Series C"] == [
        ("holders of Series C", Fraction("1000.01"))
    ]
