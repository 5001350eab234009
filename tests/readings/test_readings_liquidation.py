"""The implemented alternatives of the liquidation and capital-structure readings (LIQ-*, CAPSTRUCT-*),
each computed by hand in its test's docstring and compared with prefstack's reading."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest

from prefstack.clauses.liquidation import (
    JuniorHolding,
    ParityHolding,
    SeniorClass,
    TransactionKind,
    Waterfall,
    conversion_equilibrium,
    is_deemed_liquidation,
    waterfall,
)
from prefstack.clauses.liquidation_structure import StructureWaterfall, capital_structure_waterfall
from prefstack.errors import InputError
from prefstack.instruments.capital_structure import CapitalStructure, parse_capital_structure
from prefstack.interpretations.readings import parse, under

COVERED: set[tuple[str, str]] = {
    ("LIQ-SENIOR-RATABLE", "in-order"),
    ("LIQ-CENTS", "tier-total"),
    ("LIQ-F-NO-DEEMED", "parity-clause"),
    ("LIQ-NONPARTICIPATING-CONVERSION", "never"),
    ("LIQ-NONPARTICIPATING-CONVERSION", "holder-by-holder"),
    ("CAPSTRUCT-CDE-PLACEMENT", "letter-order"),
    ("CAPSTRUCT-CDE-PLACEMENT", "parity"),
    ("CAPSTRUCT-DIVIDEND-ACCRUAL", "compound-quarterly"),
    ("CAPSTRUCT-DIVIDEND-ACCRUAL", "since-last-payment"),
    ("CAPSTRUCT-PARTICIPATION-CAP", "participation-only"),
    ("CAPSTRUCT-PARTICIPATION-CAP", "company-keeps"),
    ("CAPSTRUCT-PARTICIPATION-CAP", "junior-only"),
    ("CAPSTRUCT-CONVERSION-CHOICE", "preference-only"),
    ("CAPSTRUCT-CONVERSION-CHOICE", "joint-optimum"),
    ("CAPSTRUCT-CONVERSION-CHOICE", "single-pass"),
    ("CAPSTRUCT-OPTION-EXERCISE", "all-exercised"),
    ("CAPSTRUCT-SENIOR-OVERRIDE", "rank-1"),
    ("CAPSTRUCT-SENIOR-OVERRIDE", "refuse"),
    ("CAPSTRUCT-VOTES", "per-share"),
}

ON = dt.date(2003, 1, 15)

# Series F holder A: 1,000 shares at a Liquidation Value of $1,000 (full amount $1,000,000), 40,000
# shares of Common Stock as converted. Common Stock: 860,000 shares; 900,000 as converted together.
LIQ_F = [ParityHolding("F", "A", Fraction(1000), Fraction(1000), Fraction(40_000), True)]
LIQ_COMMON = [JuniorHolding("Common Stock", "holders of Common Stock", Fraction(860_000))]


def _readings(**choices: str) -> Any:
    return under(parse({k.replace("_", "-"): v for k, v in choices.items()}, "test"))


def _reading(ident: str, alternative: str) -> Any:
    return under(parse({ident: alternative}, "test"))


def _liq_class(name: str, rank: int, shares: str, **terms: Any) -> dict[str, Any]:
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


def _liq_structure(*classes: dict[str, Any], options: list[dict[str, Any]] | None = None) -> CapitalStructure:
    """The classes given (Series C, D and E that are not given: 0 shares at rank 1), Series F and G at rank 2."""
    names = {c["name"] for c in classes}
    filler = [_liq_class(n, 1, "0") for n in ("Series C", "Series D", "Series E") if n not in names]
    document = {
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
        "options_and_warrants": options or [],
    }
    return parse_capital_structure(document, "test")


def _liq_run(
    cs: CapitalStructure, proceeds: int, senior: list[SeniorClass] | None = None, on: dt.date = ON
) -> StructureWaterfall:
    return capital_structure_waterfall(cs, Fraction(proceeds), [], senior or [], LIQ_F, LIQ_COMMON, on)


def _liq_paid(result: StructureWaterfall | Waterfall) -> dict[str, Fraction]:
    found = result.waterfall if isinstance(result, StructureWaterfall) else result
    out: dict[str, Fraction] = {}
    for p in found.payouts:
        out[p.security] = out.get(p.security, Fraction(0)) + p.paid
    return out


# --------------------------------------------------------------------------------------
# LIQ-SENIOR-RATABLE, LIQ-CENTS, LIQ-NONPARTICIPATING-CONVERSION, LIQ-F-NO-DEEMED


def test_senior_securities_paid_in_their_order_liq_senior_ratable() -> None:
    """LIQ-SENIOR-RATABLE=in-order, $2,000,000 with --senior C $1,000,000 and D $2,000,000 (neither
    participating): ratably (prefstack's) C 2,000,000 x 1/3 = $666,666.67 and D x 2/3 = $1,333,333.33
    (666,666.666... and 1,333,333.333... to the nearest cent, 200,000,000 cents in all); in order,
    C $1,000,000 in full first, then D the other $1,000,000. Series F and the Common Stock: nothing."""
    senior = [
        SeniorClass("C", Fraction(1_000_000), False, Fraction(0)),
        SeniorClass("D", Fraction(2_000_000), False, 0),
    ]

    def run() -> Waterfall:
        return waterfall(Fraction(2_000_000), [], senior, LIQ_F, LIQ_COMMON, ON)

    ratable = _liq_paid(run())
    assert (ratable["C"], ratable["D"]) == (Fraction("666666.67"), Fraction("1333333.33"))
    with _reading("LIQ-SENIOR-RATABLE", "in-order"):
        result = run()
    ordered = _liq_paid(result)
    assert (ordered["C"], ordered["D"], ordered["F"], ordered["Common Stock"]) == (1_000_000, 1_000_000, 0, 0)
    assert [p.tier_label for p in result.payouts[:2]] == ["senior preference (rank 1)", "senior preference (rank 2)"]


def test_senior_rank_of_a_file_in_its_order_liq_senior_ratable() -> None:
    """LIQ-SENIOR-RATABLE=in-order with a capital structure: Series E (1,000 shares, $1,000,000) listed
    before Series C (2,000,000), both rank 1; $2,000,000. Ratably: E 2,000,000 x 1/3 = $666,666.67,
    C $1,333,333.33; in the file's order: E $1,000,000 in full, then C the other $1,000,000."""
    cs = _liq_structure(_liq_class("Series E", 1, "1000"), _liq_class("Series C", 1, "2000"))
    ratable = _liq_paid(_liq_run(cs, 2_000_000))
    assert (ratable["Series E"], ratable["Series C"]) == (Fraction("666666.67"), Fraction("1333333.33"))
    with _reading("LIQ-SENIOR-RATABLE", "in-order"):
        ordered = _liq_paid(_liq_run(cs, 2_000_000))
    assert (ordered["Series E"], ordered["Series C"], ordered["F"]) == (1_000_000, 1_000_000, 0)


def test_each_tier_total_rounded_once_liq_cents() -> None:
    """LIQ-CENTS=tier-total, $3,000.00: Series F holders A and B, 1 share each at a Liquidation Value
    of $1,000.005 (0 shares as converted); Common Stock 1,000 shares. prefstack's: each full amount to
    the cent, 1,000.005 -> $1,000.01 each, the parity tier $2,000.02, the Common Stock $999.98. Tier
    total: the tier's exact $2,000.01 rounded once, 200,001 cents split by the exact amounts (equal:
    100,000.5 each, the odd cent to A, listed first): A $1,000.01, B $1,000.00; the Common Stock
    3,000.00 - 2,000.01 = $999.99."""
    parity = [
        ParityHolding("F", "A", Fraction(1), Fraction("1000.005"), Fraction(0), True),
        ParityHolding("F", "B", Fraction(1), Fraction("1000.005"), Fraction(0), True),
    ]
    common = [JuniorHolding("Common Stock", "holders of Common Stock", Fraction(1000))]

    def run() -> dict[tuple[str, str], Fraction]:
        return waterfall(Fraction(3000), [], [], parity, common, ON).by_holder()

    default = run()
    assert default[("F", "A")] == default[("F", "B")] == Fraction("1000.01")
    assert default[("Common Stock", "holders of Common Stock")] == Fraction("999.98")
    with _reading("LIQ-CENTS", "tier-total"):
        once = run()
    assert (once[("F", "A")], once[("F", "B")]) == (Fraction("1000.01"), Fraction("1000.00"))
    assert once[("Common Stock", "holders of Common Stock")] == Fraction("999.99")
    assert sum(once.values()) == 3000


def test_a_nonparticipating_series_never_converts_liq_nonparticipating_conversion() -> None:
    """LIQ-NONPARTICIPATING-CONVERSION=never: Series H (does not participate, H §3(b)) holder N, 1,000
    shares at a Liquidation Value of $15 ($15,000 in all), converting into 1,000 shares of Common
    Stock; Common Stock 9,000 shares; $300,000. Keeping its preference H is paid $15,000; converted it
    takes 1,000 / 10,000 of $300,000 = $30,000, so it converts (prefstack's) and the Common Stock gets
    $270,000. Never converting: H $15,000 and the Common Stock 300,000 - 15,000 = $285,000."""
    parity = [ParityHolding("H", "N", Fraction(1000), Fraction(15), Fraction(0), False, Fraction(1000))]
    common = [JuniorHolding("Common Stock", "holders of Common Stock", Fraction(9000))]

    def run() -> dict[str, Fraction]:
        return _liq_paid(waterfall(Fraction(300_000), [], [], parity, common, ON))

    assert run() == {"H": 30_000, "Common Stock": 270_000}
    with _reading("LIQ-NONPARTICIPATING-CONVERSION", "never"):
        assert run() == {"H": 15_000, "Common Stock": 285_000}


def test_each_holder_of_a_nonparticipating_series_decides_liq_nonparticipating_conversion() -> None:
    """LIQ-NONPARTICIPATING-CONVERSION=holder-by-holder: Series H holders N1 (1,000 shares at a
    Liquidation Value of $15, $15,000) and N2 (1,000 shares at $40 with more accrued dividends,
    $40,000), each converting into 1,000 shares of Common Stock; Common Stock 8,000; $300,000.
    - The series as one (prefstack's): kept, $55,000; converted, all $300,000 over 10,000 shares,
      $30,000 each, $60,000: it converts, N1 $30,000, N2 $30,000, Common $240,000.
    - Holder by holder: N1 alone converting takes 260,000 x 1,000 / 9,000 = $28,888.89 > $15,000, so
      it converts; N2 then converting would take $30,000 < $40,000, so it keeps its preference. N1
      $28,888.89, N2 $40,000, Common 260,000 x 8,000 / 9,000 = $231,111.11."""
    parity = [
        ParityHolding("H", "N1", Fraction(1000), Fraction(15), Fraction(0), False, Fraction(1000)),
        ParityHolding("H", "N2", Fraction(1000), Fraction(40), Fraction(0), False, Fraction(1000)),
    ]
    common = [JuniorHolding("Common Stock", "holders of Common Stock", Fraction(8000))]

    def run() -> dict[tuple[str, str], Fraction]:
        return waterfall(Fraction(300_000), [], [], parity, common, ON).by_holder()

    default = run()
    assert (default[("H", "N1")], default[("H", "N2")]) == (30_000, 30_000)
    with _reading("LIQ-NONPARTICIPATING-CONVERSION", "holder-by-holder"):
        each = run()
    assert (each[("H", "N1")], each[("H", "N2")]) == (Fraction("28888.89"), 40_000)
    assert each[("Common Stock", "holders of Common Stock")] == Fraction("231111.11")


def test_series_f_judged_by_g_3d_liq_f_no_deemed() -> None:
    """LIQ-F-NO-DEEMED=parity-clause: a merger after which the prior stockholders hold 40% of the
    survivor is never a liquidation for Series F under prefstack's reading (F has no such clause);
    read with G §3(d), the clause of its Parity Security Series G, 40% < 50% is deemed, exactly 50% is
    not, and under LIQ-G-DEEMED-THRESHOLD=more-than-half 50% is deemed too."""
    from prefstack.terms import load_terms

    f = load_terms("F")
    assert is_deemed_liquidation(f, TransactionKind.MERGER, Fraction(2, 5)).value is False
    with _reading("LIQ-F-NO-DEEMED", "parity-clause"):
        deemed = is_deemed_liquidation(f, TransactionKind.MERGER, Fraction(2, 5))
        assert deemed.value is True and deemed.clause == "G §3(d)"
        assert is_deemed_liquidation(f, TransactionKind.MERGER, Fraction(1, 2)).value is False
    with _readings(LIQ_F_NO_DEEMED="parity-clause", LIQ_G_DEEMED_THRESHOLD="more-than-half"):
        assert is_deemed_liquidation(f, TransactionKind.MERGER, Fraction(1, 2)).value is True


# --------------------------------------------------------------------------------------
# CAPSTRUCT-CDE-PLACEMENT, CAPSTRUCT-DIVIDEND-ACCRUAL


def test_c_d_and_e_in_the_order_of_their_letters_capstruct_cde_placement() -> None:
    """CAPSTRUCT-CDE-PLACEMENT=letter-order: the file lists Series E (1,000 shares, $1,000,000) before
    Series C (2,000,000 shares' worth: 2,000 x $1,000), both rank 1; $2,000,000. Ratably (prefstack's)
    E $666,666.67 and C $1,333,333.33; C before E: C is paid its $2,000,000 in full and E nothing."""
    cs = _liq_structure(_liq_class("Series E", 1, "1000"), _liq_class("Series C", 1, "2000"))
    with _reading("CAPSTRUCT-CDE-PLACEMENT", "letter-order"):
        result = _liq_run(cs, 2_000_000)
    got = _liq_paid(result)
    assert (got["Series C"], got["Series E"], got["F"]) == (2_000_000, 0, 0)
    assert {p.rank for p in result.waterfall.payouts if p.security in ("Series C", "Series E")} == {1}


def test_c_d_and_e_at_parity_with_f_capstruct_cde_placement() -> None:
    """CAPSTRUCT-CDE-PLACEMENT=parity: Series C (1,000 shares, $1,000,000) at rank 1, Series F holder A
    $1,000,000; $1,000,000. Senior (prefstack's): C takes all $1,000,000 and F nothing. At parity: the
    tier's $2,000,000 is short by half, C and F $500,000 each."""
    cs = _liq_structure(_liq_class("Series C", 1, "1000"))
    senior = _liq_paid(_liq_run(cs, 1_000_000))
    assert (senior["Series C"], senior["F"]) == (1_000_000, 0)
    with _reading("CAPSTRUCT-CDE-PLACEMENT", "parity"):
        result = _liq_run(cs, 1_000_000)
    assert (_liq_paid(result)["Series C"], _liq_paid(result)["F"]) == (500_000, 500_000)
    assert {p.tier.value for p in result.waterfall.payouts if p.security == "Series C"} == {"parity preference"}


def test_a_cumulative_dividend_compounded_or_since_the_last_quarter_capstruct_dividend_accrual() -> None:
    """CAPSTRUCT-DIVIDEND-ACCRUAL, Series D: 1,000 shares at $1,000 ($1,000,000), 8% cumulative from
    2002-01-15, liquidated on 2003-02-14 (395 days) with $3,000,000 to share:
    - prefstack's, simple: 1,000,000 x 8% x 395/365 = 86,575.34 -> preference $1,086,575.34;
    - compound-quarterly, quarters ending 04-15 (90 days), 07-15 (91), 10-15 (92), 2003-01-15 (92),
      then 30 days: 19,726.03 + (1,019,726.03 x 8% x 91/365 =) 20,338.65 + (1,040,064.67 x 8% x
      92/365 =) 20,972.26 + (1,061,036.94 x 8% x 92/365 =) 21,395.16 + (1,082,432.09 x 8% x 30/365 =)
      7,117.36 = 89,549.45 (exactly 89,549.4529...) -> $1,089,549.45;
    - since-last-payment, from the last quarter-day 2003-01-15: 1,000,000 x 8% x 30/365 = 6,575.34 ->
      $1,006,575.34."""
    on = dt.date(2003, 2, 14)
    cs = _liq_structure(
        _liq_class("Series D", 1, "1000", cumulative_dividend={"annual_rate": "0.08", "accrues_from": "2002-01-15"})
    )
    assert (on - dt.date(2002, 1, 15)).days == 395 == 90 + 91 + 92 + 92 + 30
    assert _liq_paid(_liq_run(cs, 3_000_000, on=on))["Series D"] == Fraction("1086575.34")
    with _reading("CAPSTRUCT-DIVIDEND-ACCRUAL", "compound-quarterly"):
        assert _liq_paid(_liq_run(cs, 3_000_000, on=on))["Series D"] == Fraction("1089549.45")
    with _reading("CAPSTRUCT-DIVIDEND-ACCRUAL", "since-last-payment"):
        assert _liq_paid(_liq_run(cs, 3_000_000, on=on))["Series D"] == Fraction("1006575.34")
    accrued, base = Fraction(0), Fraction(1_000_000)
    for days in (90, 91, 92, 92, 30):
        accrued += (base + accrued) * Fraction(8, 100) * days / 365
    assert round(accrued, 2) == Fraction("89549.45")


# --------------------------------------------------------------------------------------
# CAPSTRUCT-PARTICIPATION-CAP

LIQ_D_CAPPED = _liq_class("Series D", 1, "1000", participating=True, participation_cap="2", conversion={"ratio": "100"})
"""Series D: 1,000 shares, $1,000 preference each, participating with 100,000 shares as converted,
capped at 2 x $1,000 a share ($2,000,000)."""


def test_the_cap_on_the_participation_only_capstruct_participation_cap() -> None:
    """CAPSTRUCT-PARTICIPATION-CAP=participation-only, $16,000,000: D's and F's preferences ($1,000,000
    each) paid, $14,000,000 left for 1,000,000 shares as converted (D 100,000, F 40,000, Common 860,000).
    prefstack's: D is held at its cap less its preference, $1,000,000 (D $2,000,000 in all), F
    1,000,000 + 13,000,000 x 40/900 = $1,577,777.78, Common $12,422,222.22. The cap on the
    participation alone ($2,000,000) does not bind: D 1,000,000 + 14,000,000 x 0.1 = $2,400,000, F
    1,000,000 + 14,000,000 x 0.04 = $1,560,000, Common 14,000,000 x 0.86 = $12,040,000 (D keeps its
    preference: converted it would take 0.1 x 15,000,000 = $1,500,000)."""
    cs = _liq_structure(LIQ_D_CAPPED)
    default = _liq_paid(_liq_run(cs, 16_000_000))
    assert (default["Series D"], default["F"]) == (2_000_000, Fraction("1577777.78"))
    with _reading("CAPSTRUCT-PARTICIPATION-CAP", "participation-only"):
        got = _liq_paid(_liq_run(cs, 16_000_000))
    assert (got["Series D"], got["F"], got["Common Stock"]) == (2_400_000, 1_560_000, 12_040_000)


def test_what_a_capped_class_cannot_take_stays_with_the_company_capstruct_participation_cap() -> None:
    """CAPSTRUCT-PARTICIPATION-CAP=company-keeps, $16,000,000 as above: D is held at $1,000,000 in the
    as-converted tier, F and the Common Stock take only their own proportion of the $14,000,000 (F
    560,000, Common 12,040,000), and the $400,000 D cannot take stays with the Company: D $2,000,000,
    F $1,560,000, Common $12,040,000, $15,600,000 paid in all."""
    with _reading("CAPSTRUCT-PARTICIPATION-CAP", "company-keeps"):
        result = _liq_run(_liq_structure(LIQ_D_CAPPED), 16_000_000)
    got = _liq_paid(result)
    assert (got["Series D"], got["F"], got["Common Stock"]) == (2_000_000, 1_560_000, 12_040_000)
    assert result.waterfall.total_paid.value == 15_600_000


def test_what_a_capped_class_cannot_take_goes_to_the_common_stock_capstruct_participation_cap() -> None:
    """CAPSTRUCT-PARTICIPATION-CAP=junior-only, $16,000,000 as above: D is held at $1,000,000 in the
    as-converted tier (its proportion 14,000,000 x 0.1 = 1,400,000, $400,000 over); F keeps its own
    proportion, 14,000,000 x 0.04 = $560,000 (prefstack's: 13,000,000 x 40/900 = $577,777.78), and the
    Common Stock takes its 14,000,000 x 0.86 = 12,040,000 and the $400,000: $12,440,000. D $2,000,000,
    F $1,560,000, $16,000,000 paid in all."""
    with _reading("CAPSTRUCT-PARTICIPATION-CAP", "junior-only"):
        result = _liq_run(_liq_structure(LIQ_D_CAPPED), 16_000_000)
    got = _liq_paid(result)
    assert (got["Series D"], got["F"], got["Common Stock"]) == (2_000_000, 1_560_000, 12_440_000)
    assert result.waterfall.total_paid.value == 16_000_000


# --------------------------------------------------------------------------------------
# CAPSTRUCT-CONVERSION-CHOICE, CAPSTRUCT-OPTION-EXERCISE


def test_every_class_keeps_its_preference_capstruct_conversion_choice() -> None:
    """CAPSTRUCT-CONVERSION-CHOICE=preference-only, $22,000,000 with the capped Series D: converted D
    takes 100,000 / 1,000,000 of 22,000,000 - 1,000,000 = $2,100,000 > its $2,000,000 cap, so it
    converts (prefstack's). Kept at its preference: D $1,000,000 + $1,000,000 (its cap less its
    preference; uncapped it would take 20,000,000 x 0.1); F 1,000,000 + 19,000,000 x 40/900 =
    $1,844,444.44; Common 19,000,000 x 860/900 = $18,155,555.56."""
    cs = _liq_structure(LIQ_D_CAPPED)
    assert _liq_run(cs, 22_000_000).chosen == frozenset({"Series D"})
    with _reading("CAPSTRUCT-CONVERSION-CHOICE", "preference-only"):
        result = _liq_run(cs, 22_000_000)
    got = _liq_paid(result)
    assert result.chosen == frozenset() and result.choices == ()
    assert (got["Series D"], got["F"], got["Common Stock"]) == (
        2_000_000,
        Fraction("1844444.44"),
        Fraction("18155555.56"),
    )


def test_each_class_decides_against_no_conversion_capstruct_conversion_choice() -> None:
    """CAPSTRUCT-CONVERSION-CHOICE=single-pass, $8,000,000: Series D (1,000 shares, $1,000,000,
    converting into 200,000) and Series E (1,000 shares, $1,000,000, into 300,000), neither
    participating; F $1,000,000 (40,000), Common 860,000.
    - D alone converts: 8,000,000 - 2,000,000 over 1,100,000 shares, D 6,000,000 x 200/1,100 =
      $1,090,909.09 > $1,000,000; E alone: 6,000,000 x 300/1,200 = $1,500,000 > $1,000,000.
    - Both converted: 7,000,000 over 1,400,000, D exactly $1,000,000 (no gain), E $1,500,000.
    prefstack's equilibrium: D converts, then E; D, no longer gaining, switches back: only E converts
    (D $1,000,000, E $1,500,000, F 1,000,000 + 6,000,000 x 40/1,200 = $1,200,000). A single pass against
    no conversion converts both (D $1,000,000, E $1,500,000, F 1,000,000 + 7,000,000 x 40/1,400 =
    $1,200,000, Common 7,000,000 x 860/1,400 = $4,300,000)."""
    cs = _liq_structure(
        _liq_class("Series D", 1, "1000", conversion={"ratio": "200"}),
        _liq_class("Series E", 1, "1000", conversion={"ratio": "300"}),
    )
    default = _liq_run(cs, 8_000_000)
    assert default.chosen == frozenset({"Series E"})
    assert (_liq_paid(default)["Series D"], _liq_paid(default)["F"]) == (1_000_000, 1_200_000)
    with _reading("CAPSTRUCT-CONVERSION-CHOICE", "single-pass"):
        once = _liq_run(cs, 8_000_000)
    assert once.chosen == frozenset({"Series D", "Series E"})
    got = _liq_paid(once)
    assert (got["Series D"], got["Series E"], got["F"], got["Common Stock"]) == (
        1_000_000,
        1_500_000,
        1_200_000,
        4_300_000,
    )


def test_the_joint_optimum_of_two_deciders_capstruct_conversion_choice() -> None:
    """CAPSTRUCT-CONVERSION-CHOICE=joint-optimum on the choice function itself, a prisoners' dilemma
    (X, Y paid): neither 10, 10; X alone 12, 5; Y alone 5, 12; both 6, 6. prefstack's equilibrium:
    X switches (12 > 10), then Y (6 > 5), and neither gains by switching back (6 > 5): both. Jointly:
    totals 20, 17, 17, 12, so neither converts. A single pass: X 12 > 10 and Y 12 > 10, both."""
    table = {
        frozenset(): (10, 10),
        frozenset({"X"}): (12, 5),
        frozenset({"Y"}): (5, 12),
        frozenset({"X", "Y"}): (6, 6),
    }

    def payoff(name: str, profile: frozenset[str]) -> Fraction:
        return Fraction(table[profile][0 if name == "X" else 1])

    assert conversion_equilibrium(["X", "Y"], payoff, "F §3(b)") == frozenset({"X", "Y"})
    with _reading("CAPSTRUCT-CONVERSION-CHOICE", "joint-optimum"):
        assert conversion_equilibrium(["X", "Y"], payoff, "F §3(b)") == frozenset()
    with _reading("CAPSTRUCT-CONVERSION-CHOICE", "single-pass"):
        assert conversion_equilibrium(["X", "Y"], payoff, "F §3(b)") == frozenset({"X", "Y"})


def test_every_option_exercised_whatever_its_strike_capstruct_option_exercise() -> None:
    """CAPSTRUCT-OPTION-EXERCISE=all-exercised: options for 100,000 shares at $50; $16,000,000. After
    F's $1,000,000, $15,000,000 over 900,000 shares is $16.67 a share, below the strike: not exercised
    (prefstack's), F 1,000,000 + 15,000,000 x 40/900 = $1,666,666.67, Common $14,333,333.33. Exercised
    regardless: $5,000,000 paid in, $21,000,000 to share; F $1,000,000 + 20,000,000 x 40/1,000 =
    $1,800,000, Common 20,000,000 x 0.86 = $17,200,000, the options 20,000,000 x 0.1 = $2,000,000."""
    options = [
        {
            "kind": "option",
            "name": "Options",
            "count": "100000",
            "strike_price": "50",
            "exercisable_for": "Common Stock",
            "source": "test figures",
            "illustrative": True,
        }
    ]
    cs = _liq_structure(options=options)
    default = _liq_paid(_liq_run(cs, 16_000_000))
    assert (default["F"], default["Common Stock"]) == (Fraction("1666666.67"), Fraction("14333333.33"))
    with _reading("CAPSTRUCT-OPTION-EXERCISE", "all-exercised"):
        result = _liq_run(cs, 16_000_000)
    got = _liq_paid(result)
    assert (got["F"], got["Common Stock"], got["Options"]) == (1_800_000, 17_200_000, 2_000_000)
    assert result.chosen == frozenset({"Options"}) and result.waterfall.proceeds.value == 21_000_000


# --------------------------------------------------------------------------------------
# CAPSTRUCT-SENIOR-OVERRIDE, CAPSTRUCT-VOTES


def test_a_new_senior_class_ahead_of_the_file_capstruct_senior_override() -> None:
    """CAPSTRUCT-SENIOR-OVERRIDE: --senior Bank $1,000,000 with Series C (1,000 shares, $1,000,000) at
    rank 1; $1,500,000. prefstack's: Bank joins rank 1, the one just ahead of F and G, and shares it
    ratably with C: $750,000 each. rank-1: Bank is ahead of the file's first rank (rank 0), paid
    $1,000,000, and C the other $500,000. refuse: --senior with a capital structure is an error."""
    cs = _liq_structure(_liq_class("Series C", 1, "1000"))
    bank = [SeniorClass("Bank", Fraction(1_000_000), False, Fraction(0))]
    default = _liq_paid(_liq_run(cs, 1_500_000, bank))
    assert (default["Bank"], default["Series C"]) == (750_000, 750_000)
    with _reading("CAPSTRUCT-SENIOR-OVERRIDE", "rank-1"):
        result = _liq_run(cs, 1_500_000, bank)
    assert (_liq_paid(result)["Bank"], _liq_paid(result)["Series C"]) == (1_000_000, 500_000)
    assert next(p.rank for p in result.waterfall.payouts if p.security == "Bank") == 0
    with _reading("CAPSTRUCT-SENIOR-OVERRIDE", "refuse"), pytest.raises(InputError, match="refused"):
        _liq_run(cs, 1_500_000, bank)
    with _reading("CAPSTRUCT-SENIOR-OVERRIDE", "refuse"):
        assert _liq_paid(_liq_run(cs, 1_500_000))["Series C"] == 1_000_000


def test_one_vote_per_preferred_share_capstruct_votes() -> None:
    """CAPSTRUCT-VOTES=per-share, the bundled CAIS capital structure: Series C 15,000 shares converting
    at $20 (1,000 / 20 = 50 shares of Common each) casts 15,000 x 50 = 750,000 votes as converted
    (prefstack's) and 15,000 one per share; Series D 10,000 x (1,000 / 25 = 40) = 400,000 or 10,000;
    Series E 5,000 x 40 = 200,000 or 5,000."""
    from importlib import resources

    from prefstack.books import Books
    from prefstack.instruments.capital_structure import bundled_for_company

    ledger = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
    structure = bundled_for_company("CAIS Internet, Inc.", "test")
    on = dt.date(2002, 6, 30)

    def cast(readings: dict[str, str]) -> dict[str, int]:
        books = Books("sqlite:///unused.sqlite", ledger=ledger, readings=parse(readings, "test"))
        return {c.class_: c.votes for c in books.votes(on, structure).classes}

    assert cast({}) == {"Series C": 750_000, "Series D": 400_000, "Series E": 200_000}
    assert cast({"CAPSTRUCT-VOTES": "per-share"}) == {"Series C": 15_000, "Series D": 10_000, "Series E": 5_000}
