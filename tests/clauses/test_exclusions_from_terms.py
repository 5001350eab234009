"""F/G §5(d)(i)(C)-(D) as data: the exclusions from the Additional Shares of Common Stock and the
Reserved Employee Shares are ``conversion.exclusions`` of each series' terms file (caps, whether a
cap follows splits, the Fair Market Value condition, the roles the engine recognizes); the §5(d)
fold reads them, and a purpose the series' terms do not declare is refused, in the fold and at
replay, naming the field and the clause."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest

from prefstack.citations import cite
from prefstack.clauses.antidilution import (
    CommonStockIssuance,
    ConversionPriceState,
    OptionIssuance,
    Purpose,
    StockSplit,
    conversion_price_history,
)
from prefstack.errors import InputError, PrefstackError
from prefstack.terms import SeriesTerms, load_terms
from prefstack.terms.schema import Exclusion, exclusion_ids

F = load_terms("F")
G = load_terms("G")
SERIES = pytest.mark.parametrize("terms", [F, G], ids=["F", "G"])
ISSUED = dt.date(2000, 8, 2)


def day(n: int) -> dt.date:
    return dt.date(2001, 1, 1) + dt.timedelta(days=n)


def issue(ident: str, n: int, shares: int, cash: str, purpose: Purpose, fmv: str = "10") -> CommonStockIssuance:
    return CommonStockIssuance(
        id=ident,
        date=day(n),
        shares=Fraction(shares),
        purpose=purpose,
        cash_consideration=Fraction(cash),
        property_consideration=Fraction(0),
        accrued_interest_or_dividends_in_cash=Fraction(0),
        fair_market_value_per_share=Fraction(fmv),
    )


def run(actions: list[Any], terms: SeriesTerms) -> ConversionPriceState:
    return conversion_price_history(
        terms, original_issuance_date=ISSUED, initial_common_outstanding=Fraction(20_000_000), actions=actions
    )


def with_exclusions(terms: SeriesTerms, exclusions: tuple[Exclusion, ...]) -> SeriesTerms:
    """``terms`` with other exclusions (validated again as a whole terms file)."""
    data = terms.model_dump(mode="json")
    data["conversion"]["exclusions"] = [e.model_dump(mode="json", exclude_none=True) for e in exclusions]
    return SeriesTerms.model_validate(data)


# The certificates' §5(d)(i)(C)(1)-(12) and (D)(i)-(ii), as the terms files give them: id, section,
# cap, cap adjusted for splits, Fair Market Value condition, role.
EXPECTED = [
    ("dividend_on_preferred", "§5(d)(i)(C)(1)", None, False, None, "dividend_on_preferred"),
    ("cii_ventures_preferred", "§5(d)(i)(C)(2)", None, False, None, None),
    ("other_series_purchase", "§5(d)(i)(C)(3)", None, False, None, None),
    ("distribution_on_common", "§5(d)(i)(C)(4)", None, False, None, "distribution_on_common"),
    ("exercise_of_options", "§5(d)(i)(C)(5)", None, False, None, "exercise_of_options"),
    ("conversion_of_preferred", "§5(d)(i)(C)(6)", None, False, None, "conversion_of_preferred"),
    ("listed_warrants", "§5(d)(i)(C)(7)", None, False, None, None),
    ("business_relationship", "§5(d)(i)(C)(8)", 1_000_000, True, "consideration_per_share", None),
    ("high_yield_debt", "§5(d)(i)(C)(9)", 2_000_000, False, "exercise_or_conversion_price", None),
    ("business_anywhere_merger", "§5(d)(i)(C)(10)", 288_371, False, None, None),
    ("acquisition", "§5(d)(i)(C)(11)", None, False, "consideration_per_share", None),
    ("atcom_merger", "§5(d)(i)(C)(12)", 2_654_826, False, None, None),
    ("reserved_employee", "§5(d)(i)(D)(i)", 5_000_000, True, None, "reserved_employee_shares"),
    ("reserved_employee_existing_options", "§5(d)(i)(D)(ii)", 3_031_495, False, None, "existing_options"),
]


@pytest.mark.clause("F §5(d)(i)(C)", "G §5(d)(i)(C)", "F §5(d)(i)(D)", "G §5(d)(i)(D)")
@SERIES
def test_the_terms_files_exclusions_load_with_their_cites(terms: SeriesTerms) -> None:
    """Each series' terms list the twelve exclusions of §5(d)(i)(C) and the two parts of the
    Reserved Employee Shares of §5(d)(i)(D), each citing its own section of the series' certificate,
    with the caps the certificates state (1,000,000 and 5,000,000 adjusted for splits; 2,000,000;
    288,371; 2,654,826; 3,031,495) and the 95% condition on (C)(8), (9) and (11)."""
    got = [
        (e.id, e.cite, e.cap, e.cap_adjusted_for_splits, e.fair_market_value_condition, e.role)
        for e in terms.conversion.exclusions
    ]
    want = [
        (ident, f"{terms.series} {section}", None if cap is None else Fraction(cap), adjusted, condition, role)
        for ident, section, cap, adjusted, condition, role in EXPECTED
    ]
    assert got == want
    for exclusion in terms.conversion.exclusions:
        assert str(cite(exclusion.cite)) == exclusion.cite and exclusion.description.strip()
    assert {ident for ident, *_ in EXPECTED} <= set(exclusion_ids())


@pytest.mark.clause("F §5(d)(i)(C)", "G §5(d)(i)(C)")
def test_the_deals_are_named_in_each_series_own_terms() -> None:
    """§5(d)(i)(C)(3): F excludes the Series G Shares of the 3Com agreement, G the Series F Shares of
    the Microsoft agreement; the descriptions come from each certificate, not from code."""
    f_deal = F.conversion.exclusion("other_series_purchase")
    g_deal = G.conversion.exclusion("other_series_purchase")
    assert f_deal is not None and g_deal is not None
    assert "3Com" in f_deal.description and "Series G Shares" in f_deal.description
    assert "Microsoft" in g_deal.description and "Series F Shares" in g_deal.description


@pytest.mark.clause("F §5(d)(i)(C)(8)", "F §5(d)(i)(C)(10)")
def test_the_fold_reads_caps_and_conditions_from_the_terms() -> None:
    """F §5(d)(i)(C)(8), (10) with changed terms: a business-relationship cap of 500,000 (not
    1,000,000) leaves 300,000 of an 800,000-share issue as Additional Shares; a Business Anywhere
    exclusion given the 95% condition excludes nothing of an issue at $0. Worked: 24 x (20,000,000 +
    300,000 x 10 / 24) / 20,300,000 = 23.7931... -> $23.79."""
    changed = tuple(
        e.model_copy(update={"cap": Fraction(500_000)})
        if e.id == "business_relationship"
        else e.model_copy(update={"fair_market_value_condition": "consideration_per_share"})
        if e.id == "business_anywhere_merger"
        else e
        for e in F.conversion.exclusions
    )
    terms = with_exclusions(F, changed)
    state = run([issue("a", 1, 800_000, "8000000", "business_relationship")], terms)
    assert state.basket_usage["business_relationship"].used == 500_000
    assert state.adjustments[0].facts["additional_shares"] == 300_000
    assert state.conversion_price == Fraction("23.79")
    assert run([issue("a", 1, 800_000, "8000000", "business_relationship")], F).adjustments == ()
    merger = run([issue("m", 1, 100, "0", "business_anywhere_merger")], terms)
    assert merger.basket_usage["business_anywhere_merger"].used == 0
    assert merger.decisions[0].explained.inputs["ninety_five_percent_condition_met"] is False


@pytest.mark.clause("F §5(d)(i)(C)(12)", "F §5(d)(i)(D)(i)")
def test_a_cap_follows_splits_only_where_the_terms_say_so() -> None:
    """F §5(d)(i)(C)(12) and (D)(i) after a 2-for-1 split: the Reserved Employee Shares' 5,000,000
    (adjusted) become 10,000,000; the Atcom cap of 2,654,826 (not adjusted) stays. Marking the Atcom
    exclusion ``cap_adjusted_for_splits`` in the terms doubles it too."""
    split = StockSplit(day(1), Fraction(2))
    state = run([split], F)
    assert state.basket_usage["reserved_employee"].cap == 10_000_000
    assert state.basket_usage["atcom_merger"].cap == 2_654_826
    adjusted = with_exclusions(
        F,
        tuple(
            e.model_copy(update={"cap_adjusted_for_splits": True}) if e.id == "atcom_merger" else e
            for e in F.conversion.exclusions
        ),
    )
    assert run([split], adjusted).basket_usage["atcom_merger"].cap == 2 * 2_654_826


@pytest.mark.clause("F §5(d)(i)(C)", "G §5(d)(i)(C)")
@SERIES
def test_a_purpose_the_terms_do_not_declare_is_refused_by_the_fold(terms: SeriesTerms) -> None:
    """§5(d)(i)(C): an issue (or Option) naming an id that is no exclusion of the series' terms is
    refused, naming the field and the clause, whether dated before or after the Original Issuance
    Date; so is an exclusion the series' terms no longer declare."""
    clause = rf"purpose: .*'acquisition' is no exclusion the terms of Series {terms.series} declare"
    without = with_exclusions(terms, tuple(e for e in terms.conversion.exclusions if e.id != "acquisition"))
    with pytest.raises(InputError, match=clause) as caught:
        run([issue("a", 1, 100, "1000", "acquisition")], without)
    assert caught.value.field == "purpose" and caught.value.clause == f"{terms.series} §5(d)(i)(C)"
    early = issue("a", 1, 100, "1000", "acquisition")
    with pytest.raises(InputError, match=clause):
        conversion_price_history(
            without, original_issuance_date=day(5), initial_common_outstanding=Fraction(1), actions=[early]
        )
    option = OptionIssuance("o", day(1), Fraction(10), Fraction(0), Fraction(10), "no_such_basket", Fraction(10))
    with pytest.raises(InputError, match=r"'no_such_basket' is no exclusion"):
        run([option], terms)
    assert run([issue("a", 1, 100, "1000", "acquisition")], terms).adjustments == ()


# --- the ledger -------------------------------------------------------------------------------

BASE: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "20000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
]


def _ledger(purpose: str) -> Any:
    from prefstack.ledger.files import parse_ledger

    sale = {
        "kind": "common_issued",
        "date": "2001-01-10",
        "id": "deal",
        "shares": "100000",
        "purpose": purpose,
        "cash_consideration": "1000000",
        "fair_market_value_per_share": "10.00",
    }
    return parse_ledger({"format": "prefstack-ledger/1", "events": [*BASE, sale]}, "test")


@pytest.mark.clause("F §5(d)(i)(C)", "F §5(d)(i)(C)(11)")
def test_a_ledger_purpose_the_series_terms_do_not_declare_is_refused_at_replay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """F §5(d)(i)(C): with Series F's terms lacking the ``acquisition`` exclusion (Series G's keep
    it), a ``common_issued`` event naming it is refused at replay, naming the field ``purpose`` and
    F's §5(d)(i)(C); with the bundled terms the same ledger replays, the shares excluded by (C)(11)."""
    import prefstack.ledger.replay as replay_module
    from prefstack.ledger.replay import replay
    from prefstack.ledger.section5 import conversion_price_state

    as_of = dt.date(2001, 2, 1)
    state = replay(_ledger("acquisition"), as_of)
    assert conversion_price_state(state, "F").basket_usage["acquisition"].used == 100_000
    without = with_exclusions(F, tuple(e for e in F.conversion.exclusions if e.id != "acquisition"))
    monkeypatch.setattr(replay_module, "load_terms", lambda series: without if series == "F" else load_terms(series))
    with pytest.raises(PrefstackError) as caught:
        replay(_ledger("acquisition"), as_of)
    assert getattr(caught.value, "field", None) == "purpose"
    assert getattr(caught.value, "clause", None) == "F §5(d)(i)(C)"
    assert "'acquisition' is no exclusion the terms of Series F declare" in str(caught.value)


def test_a_ledger_event_purpose_is_an_exclusion_id_of_the_registry() -> None:
    """The event's ``purpose`` is a string checked against the exclusion ids the registry's terms
    declare (and ``none``); `prefstack schema ledger` enumerates them as it does the series."""
    from prefstack.ledger.events import ledger_json_schema
    from prefstack.terms.schema import series_names

    declared = {e.id for name in series_names() for e in load_terms(name).conversion.exclusions}
    assert exclusion_ids() == tuple(sorted(declared))

    assert _ledger("business_relationship")[-1].event.purpose == "business_relationship"
    with pytest.raises(PrefstackError, match="purpose"):
        _ledger("gift_to_a_friend")
    defs = ledger_json_schema()["$defs"]
    for kind in ("CommonIssued", "OptionIssued"):
        assert defs[kind]["properties"]["purpose"]["enum"] == [*exclusion_ids(), "none"]


def test_the_terms_json_schema_describes_the_exclusions() -> None:
    """`prefstack schema terms` stays a valid JSON Schema (draft 2020-12) that the bundled terms
    files satisfy; it refuses an exclusion with an unknown role or the reserved id ``none``."""
    import copy

    import jsonschema
    import yaml

    from prefstack.terms.schema import bundled_terms_files, terms_json_schema

    schema = terms_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for source in bundled_terms_files().values():
        jsonschema.validate(yaml.safe_load(source.read_text(encoding="utf-8")), schema)
    data = yaml.safe_load(bundled_terms_files()["F"].read_text(encoding="utf-8"))
    for key, value in (("role", "golden_parachute"), ("id", "none"), ("cap", 5)):
        bad = copy.deepcopy(data)
        bad["conversion"]["exclusions"][7][key] = value
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


@pytest.mark.clause("F §5(d)(i)(C)")
def test_each_series_has_its_own_exclusions_series_h() -> None:
    """Series H (Northwind Networks, synthetic) declares its own five exclusions of H §5(d)(i)(C):
    its employee plan capped at 500,000 shares (adjusted for splits), and no Reserved Employee Shares
    with approved additions. The id ``employee_plan`` is no exclusion of Series F (refused, F
    §5(d)(i)(C)); Series F's ``business_relationship`` is none of Series H's; an approval of
    additional Reserved Employee Shares is refused for H, whose terms have no such role."""
    from prefstack.clauses.antidilution import AdditionalReservedEmployeeShares

    h = load_terms("H")
    assert [e.cite for e in h.conversion.exclusions] == [f"H §5(d)(i)(C)({n})" for n in range(1, 6)]
    plan = h.conversion.exclusion("employee_plan")
    assert plan is not None and plan.cap == 500_000 and plan.cap_adjusted_for_splits
    state = run([issue("grant", 1, 600_000, "0", "employee_plan")], h)
    assert state.basket_usage["employee_plan"].used == 500_000
    assert state.adjustments[0].facts["additional_shares"] == 100_000
    with pytest.raises(InputError, match=r"'employee_plan' is no exclusion the terms of Series F declare"):
        run([issue("grant", 1, 600_000, "0", "employee_plan")], F)
    with pytest.raises(InputError, match=r"'business_relationship' is no exclusion the terms of Series H"):
        run([issue("deal", 1, 100, "1000", "business_relationship")], h)
    approval = AdditionalReservedEmployeeShares(day(1), "H", Fraction(1000), Fraction(3), Fraction(4))
    with pytest.raises(InputError, match=r"no exclusion with role 'reserved_employee_shares'") as caught:
        run([approval], h)
    assert caught.value.field == "shares" and caught.value.clause == "H §5(d)(i)(D)"
