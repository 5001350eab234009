"""Alternatives of the readings of the mandatory redemption clauses (F §6, G §6) and of the conversion
cut-off they set (F §6(j), G §6(i)): each computed by hand beside prefstack's reading."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from importlib import resources
from typing import Any

import pytest

from prefstack.books import Books
from prefstack.clauses.conversion import (
    ConversionRightsTerminated,
    conversion_rights_end_for_redemption,
    ensure_conversion_allowed,
)
from prefstack.clauses.redemption import (
    Acquisition,
    Agreement,
    BoardTurnover,
    Insolvency,
    InsolvencyKind,
    Merger,
    ObligationTranche,
    RedemptionHolding,
    RedemptionObligation,
    apply_later_funds,
    conversion_rights_end,
    judge_mandatory_redemption_event,
    redeem,
    unclaimed_funds_returnable_on,
)
from prefstack.errors import InputError
from prefstack.interpretations.readings import parse, under
from prefstack.terms import load_terms

COVERED: set[tuple[str, str]] = {
    ("RED-CENTS", "per-share"),
    ("RED-SHORTFALL-FRACTIONAL", "whole-shares"),
    ("RED-LATER-FUNDS", "fixed-price"),
    ("RED-LATER-FUNDS", "pro-rata-all-dates"),
    ("RED-DEPOSIT", "day-after-anniversary"),
    ("RED-CONVERSION-CUTOFF", "business-days"),
    ("CONV-REDEMPTION-CUTOFF", "business-days"),
    ("CONV-CUTOFF-SAME-DAY", "before-cutoff-day"),
    ("RED-RECEIVER-60-DAYS", "dated-back"),
    ("RED-BOARD-CONTINUING", "fewer-than-half"),
    ("RED-EXCLUDED-PERSONS", "any-named"),
    ("RED-AGREEMENT", "closing-only"),
    ("RED-SHORTFALL-FRACTIONAL", "part-of-a-share"),
    ("RED-DEPOSIT-REDEEMS", "deposit-ends-rights"),
    ("RED-DEPOSIT-REDEEMS", "short-deposit-redeems-nothing"),
    ("RED-NOTICE-WINDOW", "no-notice-for-event"),
    ("RED-F-COMMON-EXCLUDED", "additional-shares"),
    ("RED-F-COMMON-EXCLUDED", "limited-by-funds"),
}

F_TERMS = load_terms("F")
G_TERMS = load_terms("G")
ONE = Fraction(1)
EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")
MARCH_1 = dt.date(2003, 3, 1)
REDEMPTION_DATE = dt.date(2005, 8, 2)  # a Tuesday


def _redeem_test_red(
    holders: list[RedemptionHolding], funds: int | str, **choices: str
) -> dict[str, tuple[Fraction, Fraction, Fraction]]:
    """Each holder's (shares redeemed, cash paid, shares remaining) of a Series F redemption on
    2003-03-01 under ``choices``."""
    with under(parse(choices, "test")):
        result = redeem(F_TERMS, holders, Fraction(funds), MARCH_1, None, issue_price_adjustment=ONE)
    out = {}
    for h in result.holders:
        values = (h.shares_redeemed.value, h.cash_paid.value, h.shares_remaining.value)
        assert all(isinstance(v, Fraction) for v in values)
        out[h.holder] = (Fraction(values[0]), Fraction(values[1]), Fraction(values[2]))  # type: ignore[arg-type]
    return out


# --- RED-CENTS ----------------------------------------------------------------------


def test_red_cents_per_share_rounds_the_price_first() -> None:
    """RED-CENTS=per-share. A: 3 shares at 1,000 + 1/3 = 1,000.333... a share: 3 x 1,000.333... =
    3,001.00 exactly (prefstack's), 3 x 1,000.33 = 3,000.99 (per-share). B: 1.5 shares (PIK) at
    1,000.335: 1.5 x 1,000.335 = 1,500.5025 -> 1,500.50 half-up (prefstack's); the price to the cent is
    1,000.34 and 1.5 x 1,000.34 = 1,500.51 (per-share). Funds of $10,000 pay everyone in full."""
    holders = [
        RedemptionHolding("A", Fraction(3), Fraction(1, 3)),
        RedemptionHolding("B", Fraction(3, 2), Fraction("0.335")),
    ]
    default = _redeem_test_red(holders, 10_000)
    assert default["A"] == (3, Fraction("3001.00"), 0)
    assert default["B"] == (Fraction(3, 2), Fraction("1500.50"), 0)
    per_share = _redeem_test_red(holders, 10_000, **{"RED-CENTS": "per-share"})
    assert per_share["A"] == (3, Fraction("3000.99"), 0)
    assert per_share["B"] == (Fraction(3, 2), Fraction("1500.51"), 0)


def test_red_cents_per_share_short_funds_redeem_at_the_rounded_price() -> None:
    """RED-CENTS=per-share with funds short: A owes 3,001.00 (3 x 1,000.333...) or 3,000.99 (3 x
    1,000.33); funds of $1,000.33 redeem 1,000.33 / 1,000.333... = 300,099/300,100 of a share
    (prefstack's) or 1,000.33 / 1,000.33 = exactly 1 share (per-share)."""
    holders = [RedemptionHolding("A", Fraction(3), Fraction(1, 3))]
    default = _redeem_test_red(holders, "1000.33")
    assert default["A"] == (Fraction(300_099, 300_100), Fraction("1000.33"), 3 - Fraction(300_099, 300_100))
    assert _redeem_test_red(holders, "1000.33", **{"RED-CENTS": "per-share"})["A"] == (1, Fraction("1000.33"), 2)


def test_red_cents_per_share_on_the_example_ledger() -> None:
    """RED-CENTS=per-share on the example: Microsoft's 43,316.6361... Series F shares redeemed on
    2005-08-02 at $3,658/3 = 1,219.333... a share are due 52,817,418.35 (prefstack's, the test of
    round-down); at 1,219.33 a share, 43,316.6361... x 1,219.33 = 52,817,273.96, 144.39 (the shares
    / 300) less."""
    day, funds = REDEMPTION_DATE, Fraction(100_000_000)
    default = Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE)).redemption(day, "F", funds).holders[0]
    per_share = Books(
        "sqlite:///unused.sqlite", ledger=str(EXAMPLE), readings=parse({"RED-CENTS": "per-share"}, "test")
    ).redemption(day, "F", funds)
    paid = per_share.holders[0]
    assert default.price_per_share.value == Fraction(3658, 3)
    assert paid.price_per_share.value == Fraction("1219.33")
    assert default.cash_paid.value == Fraction("52817418.35")
    assert paid.cash_paid.value == Fraction("52817273.96")
    assert paid.shares_redeemed.value == default.shares_redeemed.value
    assert per_share.unused_funds.value == 100_000_000 - Fraction("52817273.96")


# --- RED-SHORTFALL-FRACTIONAL ---------------------------------------------------------


def test_red_shortfall_whole_shares_leave_funds_unused() -> None:
    """RED-SHORTFALL-FRACTIONAL=whole-shares: A 300 and B 200 shares at $1,000 owe 300,000 + 200,000;
    funds of $251,000 are apportioned 3/5 and 2/5: A 150,600, B 100,400. prefstack's reading redeems
    150.6 and 100.4 shares and pays all the funds; whole shares only: A 150 ($150,000), B 100
    ($100,000), $1,000 unused; 150 and 100 shares remain."""
    holders = [RedemptionHolding("A", Fraction(300), Fraction(0)), RedemptionHolding("B", Fraction(200), Fraction(0))]
    default = _redeem_test_red(holders, 251_000)
    assert default["A"] == (Fraction("150.6"), 150_600, Fraction("149.4"))
    assert default["B"] == (Fraction("100.4"), 100_400, Fraction("99.6"))
    whole = _redeem_test_red(holders, 251_000, **{"RED-SHORTFALL-FRACTIONAL": "whole-shares"})
    assert whole["A"] == (150, 150_000, 150)
    assert whole["B"] == (100, 100_000, 100)
    with under(parse({"RED-SHORTFALL-FRACTIONAL": "whole-shares"}, "test")):
        result = redeem(F_TERMS, holders, Fraction(251_000), MARCH_1, None, issue_price_adjustment=ONE)
    assert result.unused_funds.value == 1_000
    assert dict(result.obligation.tranches[0].shares) == {"A": 150, "B": 100}


def test_red_shortfall_whole_shares_at_a_price_with_cents() -> None:
    """RED-SHORTFALL-FRACTIONAL=whole-shares: A 10 shares at 1,000 + 87.505 = 1,087.505 owes
    10,875.05; funds of $5,000 buy 5,000 / 1,087.505 = 4.5976... shares (prefstack's); whole shares: 4,
    paid 4 x 1,087.505 = 4,350.02 half-up, $649.98 unused; 6 shares remain."""
    holders = [RedemptionHolding("A", Fraction(10), Fraction("87.505"))]
    default = _redeem_test_red(holders, 5_000)
    assert default["A"][0] == Fraction(5_000) / Fraction("1087.505")
    whole = _redeem_test_red(holders, 5_000, **{"RED-SHORTFALL-FRACTIONAL": "whole-shares"})
    assert whole["A"] == (4, Fraction("4350.02"), 6)


# --- RED-LATER-FUNDS ------------------------------------------------------------------


def _later_test_red(funds: int, **choices: str) -> dict[str, tuple[Fraction, Fraction]]:
    """A 300 and B 200 shares at $1,000 (nothing accrued) redeemed on 2003-03-01 with $250,000: 150
    and 100 redeemed, 150 and 100 owed. Later funds on 2003-09-01 when $50 a share has accrued (price
    1,050): each holder's (shares redeemed, cash paid)."""
    holders = [RedemptionHolding("A", Fraction(300), Fraction(0)), RedemptionHolding("B", Fraction(200), Fraction(0))]
    with under(parse(choices, "test")):
        first = redeem(F_TERMS, holders, Fraction(250_000), MARCH_1, None, issue_price_adjustment=ONE)
        later = apply_later_funds(
            F_TERMS,
            first.obligation,
            Fraction(funds),
            dt.date(2003, 9, 1),
            {"A": Fraction(50), "B": Fraction(50)},
            issue_price_adjustment=ONE,
        )
    assert dict(first.obligation.tranches[0].prices) == {"A": 1_000, "B": 1_000}
    return {h.holder: (Fraction(h.shares_redeemed.value), Fraction(h.cash_paid.value)) for h in later.holders}  # type: ignore[arg-type]


def test_red_later_funds_fixed_price_of_the_redemption_date() -> None:
    """RED-LATER-FUNDS=fixed-price: the 150 (A) and 100 (B) shares owed are due 157,500 + 105,000 =
    262,500 at 1,050 (prefstack's: dividends accrued to the later payment); $105,000 is 40%: A 63,000 for
    60 shares, B 42,000 for 40. At the price of 2003-03-01, 1,000, they are due 150,000 + 100,000 =
    250,000; $105,000 is 42%: A 63,000 for 63 shares, B 42,000 for 42."""
    assert _later_test_red(105_000) == {"A": (60, 63_000), "B": (40, 42_000)}
    fixed = _later_test_red(105_000, **{"RED-LATER-FUNDS": "fixed-price"})
    assert fixed == {"A": (63, 63_000), "B": (42, 42_000)}
    # enough for all: 262,500 at 1,050, or 250,000 at 1,000
    assert _later_test_red(300_000)["A"] == (150, 157_500)
    assert _later_test_red(300_000, **{"RED-LATER-FUNDS": "fixed-price"})["A"] == (150, 150_000)


def test_red_later_funds_fixed_price_needs_the_price_of_the_date() -> None:
    """RED-LATER-FUNDS=fixed-price: an obligation given without the prices of its Redemption Date
    cannot be paid at them; the refusal names F §6(i)."""
    obligation = RedemptionObligation("F", (ObligationTranche(MARCH_1, {"A": Fraction(10)}),))
    with under(parse({"RED-LATER-FUNDS": "fixed-price"}, "test")), pytest.raises(InputError, match="not recorded"):
        apply_later_funds(
            F_TERMS, obligation, Fraction(1_000), dt.date(2003, 9, 1), {"A": Fraction(0)}, issue_price_adjustment=ONE
        )


def test_red_later_funds_pro_rata_among_all_dates() -> None:
    """RED-LATER-FUNDS=pro-rata-all-dates: A owed 100 shares from 2003-03-01, B 100 from 2003-06-01,
    $1,000 a share. $150,000 later: oldest first (prefstack's), A 100,000 for all 100, B 50,000 for 50,
    B's 50 still owed; pro rata among all, 150,000 / 200,000 = 75%: A and B 75,000 for 75 shares each,
    25 each still owed under its own date."""
    june_1 = dt.date(2003, 6, 1)
    obligation = RedemptionObligation(
        "F", (ObligationTranche(MARCH_1, {"A": Fraction(100)}), ObligationTranche(june_1, {"B": Fraction(100)}))
    )

    def pay(**choices: str) -> tuple[dict[str, tuple[object, object]], list[tuple[dt.date, dict[str, Fraction]]]]:
        with under(parse(choices, "test")):
            result = apply_later_funds(
                F_TERMS,
                obligation,
                Fraction(150_000),
                dt.date(2003, 9, 1),
                {"A": Fraction(0), "B": Fraction(0)},
                issue_price_adjustment=ONE,
            )
        paid = {h.holder: (h.shares_redeemed.value, h.cash_paid.value) for h in result.holders}
        return paid, [(t.redemption_date, dict(t.shares)) for t in result.obligation.tranches]

    assert pay() == ({"A": (100, 100_000), "B": (50, 50_000)}, [(june_1, {"B": 50})])
    assert pay(**{"RED-LATER-FUNDS": "pro-rata-all-dates"}) == (
        {"A": (75, 75_000), "B": (75, 75_000)},
        [(MARCH_1, {"A": 25}), (june_1, {"B": 25})],
    )


# --- deposit and conversion cut-off -----------------------------------------------------


def test_red_deposit_unclaimed_funds_from_the_day_after_the_anniversary() -> None:
    """RED-DEPOSIT=day-after-anniversary: unclaimed funds of the Redemption Date 2005-08-02 may be
    asked back from 2006-08-02 (prefstack's) or 2006-08-03."""
    assert unclaimed_funds_returnable_on(F_TERMS, REDEMPTION_DATE).value == dt.date(2006, 8, 2)
    with under(parse({"RED-DEPOSIT": "day-after-anniversary"}, "test")):
        assert unclaimed_funds_returnable_on(G_TERMS, REDEMPTION_DATE).value == dt.date(2006, 8, 3)


def test_red_conversion_cutoff_in_business_days() -> None:
    """RED-CONVERSION-CUTOFF=business-days and CONV-REDEMPTION-CUTOFF=business-days: for the
    Redemption Date Tuesday 2005-08-02, five calendar days before is Thursday 2005-07-28 (prefstack's);
    five business days before (Mon 1, Fri 29, Thu 28, Wed 27, Tue 26) is Tuesday 2005-07-26."""
    assert conversion_rights_end(F_TERMS, REDEMPTION_DATE, payment_defaulted=False).value == dt.date(2005, 7, 28)
    assert conversion_rights_end_for_redemption(G_TERMS, REDEMPTION_DATE).value == dt.date(2005, 7, 28)
    with under(parse({"RED-CONVERSION-CUTOFF": "business-days"}, "test")):
        assert conversion_rights_end(F_TERMS, REDEMPTION_DATE, payment_defaulted=False).value == dt.date(2005, 7, 26)
        assert conversion_rights_end(F_TERMS, REDEMPTION_DATE, payment_defaulted=True).value is None
    with under(parse({"CONV-REDEMPTION-CUTOFF": "business-days"}, "test")):
        assert conversion_rights_end_for_redemption(G_TERMS, REDEMPTION_DATE).value == dt.date(2005, 7, 26)
        with pytest.raises(ConversionRightsTerminated):
            ensure_conversion_allowed(
                G_TERMS,
                conversion_date=dt.date(2005, 7, 27),
                liquidation_payment_date=None,
                redemption_date=REDEMPTION_DATE,
                redemption_payment_defaulted=False,
            )


def test_conv_cutoff_same_day_refused_under_before_cutoff_day() -> None:
    """CONV-CUTOFF-SAME-DAY=before-cutoff-day: the Conversion Rights of shares called for 2005-08-02
    end at the close of 2005-07-28; a surrender on 2005-07-28 is in time under prefstack's reading and
    refused under the alternative, 2005-07-27 is in time under both. Before a liquidation payment on
    2005-08-02 (cut-off 2005-08-01, CONV-LIQUIDATION-CUTOFF) the same for 2005-08-01."""

    def allowed(conversion_date: dt.date, *, liquidation: bool, **choices: str) -> bool:
        try:
            with under(parse(choices, "test")):
                ensure_conversion_allowed(
                    F_TERMS,
                    conversion_date=conversion_date,
                    liquidation_payment_date=REDEMPTION_DATE if liquidation else None,
                    redemption_date=None if liquidation else REDEMPTION_DATE,
                    redemption_payment_defaulted=False,
                )
        except ConversionRightsTerminated:
            return False
        return True

    before = {"CONV-CUTOFF-SAME-DAY": "before-cutoff-day"}
    july_27, july_28, aug_1 = dt.date(2005, 7, 27), dt.date(2005, 7, 28), dt.date(2005, 8, 1)
    assert (allowed(july_27, liquidation=False), allowed(july_28, liquidation=False)) == (True, True)
    assert (allowed(july_27, liquidation=False, **before), allowed(july_28, liquidation=False, **before)) == (
        True,
        False,
    )
    assert allowed(aug_1, liquidation=True) and not allowed(aug_1, liquidation=True, **before)
    assert allowed(dt.date(2005, 7, 31), liquidation=True, **before)


# --- §6(b): Mandatory Redemption Events ---------------------------------------------------


def _event_test_red(facts: object, **choices: str) -> bool:
    with under(parse(choices, "test")):
        return bool(judge_mandatory_redemption_event(F_TERMS, facts, None).value)  # type: ignore[arg-type]


def test_red_receiver_dated_back_to_the_appointment() -> None:
    """RED-RECEIVER-60-DAYS=dated-back: a receiver appointed without consent on 2002-03-01 and not
    vacated is an event judged from 2002-05-01 (the 61st day) under both readings; it is dated
    2002-05-01 (prefstack's) or back to 2002-03-01. Vacated on 2002-04-30 it is no event under either."""
    appointed = dt.date(2002, 3, 1)

    def judged(as_of: dt.date, vacated: dt.date | None = None, **choices: str) -> tuple[bool, object]:
        facts = Insolvency(InsolvencyKind.RECEIVER_OR_TRUSTEE, as_of, False, appointed, vacated)
        with under(parse(choices, "test")):
            result = judge_mandatory_redemption_event(F_TERMS, facts, None)
        return bool(result.value), result.parts[0].inputs["event dated"]

    back = {"RED-RECEIVER-60-DAYS": "dated-back"}
    april_30, may_1 = dt.date(2002, 4, 30), dt.date(2002, 5, 1)
    assert judged(may_1) == (True, may_1)
    assert judged(may_1, **back) == (True, appointed)
    assert judged(april_30, **back)[0] is False
    assert judged(may_1, april_30, **back)[0] is False


def test_red_board_exactly_half_continuing_is_no_event_under_fewer_than_half() -> None:
    """RED-BOARD-CONTINUING=fewer-than-half: 4 continuing directors of 8 (4 x 2 = 8 <= 8) are no longer
    a majority, an event (prefstack's); under the alternative 4 x 2 = 8 is not < 8, no event; 3 of 8
    (6 < 8) is an event under both, 5 of 8 under neither."""
    half, fewer, more = BoardTurnover(2000, 8, 4), BoardTurnover(2000, 8, 3), BoardTurnover(2000, 8, 5)
    alt = {"RED-BOARD-CONTINUING": "fewer-than-half"}
    assert (_event_test_red(half), _event_test_red(fewer), _event_test_red(more)) == (True, True, False)
    assert (_event_test_red(half, **alt), _event_test_red(fewer, **alt), _event_test_red(more, **alt)) == (
        False,
        True,
        False,
    )


def test_red_excluded_persons_any_group_with_a_named_person() -> None:
    """RED-EXCLUDED-PERSONS=any-named: a group of Ulysses G. Auger, II and an outsider acquiring 60% of
    the voting power is an event (prefstack's: the group is not made up of the named persons only)
    and not one under the alternative; the outsider alone at 60% is an event under both, and the
    group at exactly 50% under neither (more than 50% is required)."""
    group = ("Ulysses G. Auger, II", "Outside Capital LLC")
    alt = {"RED-EXCLUDED-PERSONS": "any-named"}
    assert _event_test_red(Acquisition(group, Fraction(3, 5))) is True
    assert _event_test_red(Acquisition(group, Fraction(3, 5)), **alt) is False
    assert _event_test_red(Acquisition(("Outside Capital LLC",), Fraction(3, 5)), **alt) is True
    assert _event_test_red(Acquisition(group, Fraction(1, 2))) is False


def test_red_agreement_is_no_event_until_the_closing() -> None:
    """RED-AGREEMENT=closing-only: an agreement to merge into a company whose holders will hold 70% (the
    Company's stockholders 30% < 50%) is an event when signed (prefstack's) and not under the
    alternative; the merger itself, when it closes, is an event under both."""
    merger = Merger(Fraction(3, 10))
    alt = {"RED-AGREEMENT": "closing-only"}
    assert (_event_test_red(Agreement(merger)), _event_test_red(Agreement(merger), **alt)) == (True, False)
    assert _event_test_red(merger, **alt) is True


def test_red_shortfall_part_of_a_share_paid_on_account() -> None:
    """RED-SHORTFALL-FRACTIONAL=part-of-a-share: A owes 10 shares at $1,000; $2,500 redeems 2.5 shares
    (prefstack's), 2 shares with $500 unused (whole-shares), or 2 shares with all $2,500 paid, $500 on
    account of the 8 still owed (part-of-a-share). Later, at 1,050 a share ($50 accrued), $10,000 pays
    7.5 x 1,050 = 7,875 (prefstack's) or 8 x 1,050 - 500 = 7,900; $4,000 later redeems 4,000 / 1,050 =
    80/21 shares (prefstack's) or (4,000 + 500) / 1,050 = 4.28... -> 4 shares, 4,500 - 4,200 = $300 on
    account of the 4 left."""
    holders = [RedemptionHolding("A", Fraction(10), Fraction(0))]
    part = {"RED-SHORTFALL-FRACTIONAL": "part-of-a-share"}
    assert _redeem_test_red(holders, 2_500)["A"] == (Fraction(5, 2), 2_500, Fraction(15, 2))
    assert _redeem_test_red(holders, 2_500, **{"RED-SHORTFALL-FRACTIONAL": "whole-shares"})["A"] == (2, 2_000, 8)
    assert _redeem_test_red(holders, 2_500, **part)["A"] == (2, 2_500, 8)

    def later(funds: int, **choices: str) -> tuple[object, object, dict[str, Fraction]]:
        with under(parse(choices, "test")):
            first = redeem(F_TERMS, holders, Fraction(2_500), MARCH_1, None, issue_price_adjustment=ONE)
            result = apply_later_funds(
                F_TERMS,
                first.obligation,
                Fraction(funds),
                dt.date(2003, 9, 1),
                {"A": Fraction(50)},
                issue_price_adjustment=ONE,
            )
        left = {h: v for t in result.obligation.tranches for h, v in t.paid_on_account.items()}
        return result.holder("A").shares_redeemed.value, result.holder("A").cash_paid.value, left

    assert later(10_000) == (Fraction(15, 2), 7_875, {})
    assert later(10_000, **part) == (8, 7_900, {})
    assert later(4_000) == (Fraction(80, 21), 4_000, {})
    assert later(4_000, **part) == (4, 4_000, {"A": 300})


# --- the ledger: deposits, a redemption on an event, F §6(d) -------------------------------------

LEDGER_DAY = dt.date(2000, 12, 8)  # the Redemption Date of the ledgers below
LEDGER_BASE: list[dict[str, object]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "30000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "B", "shares": "10000"},
    {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
]
NOTICE = {"kind": "redemption_notice", "date": "2000-11-10", "series": "F", "redemption_date": "2000-12-08"}
# A and B hold 30,000 and 10,000 shares x (1 + 7% x 44/360) with the 2000-09-15 PIK dividend
A_SHARES, B_SHARES = Fraction(90_770, 3), Fraction(90_770, 9)
FULL = Fraction("41001145.19")  # 30,750,858.89 + 10,250,286.30 at 1,000 + 7% x 84/360 of 1,000 a share


def _ledger_test_red(*events: dict[str, object], as_of: dt.date = LEDGER_DAY, **choices: str) -> Any:
    from prefstack.ledger.files import parse_ledger
    from prefstack.ledger.replay import replay

    with under(parse(choices, "test")):
        return replay(parse_ledger({"format": "prefstack-ledger/1", "events": [*LEDGER_BASE, *events]}, "t"), as_of)


def _deposit_test_red(amount: Fraction) -> dict[str, object]:
    return {
        "kind": "redemption_deposit",
        "date": "2000-12-01",
        "series": "F",
        "redemption_date": "2000-12-08",
        "amount": str(amount),
        "depositary": "Trust Company",
        "depositary_capital_and_surplus": "900000000",
    }


def test_red_deposit_ends_the_rights_on_the_day_it_is_made() -> None:
    """RED-DEPOSIT-REDEEMS=deposit-ends-rights: the full Redemption Price, $41,001,145.19 (A 30,256.66...
    and B 10,085.55... shares at 1,000 + 7% x 84/360 of 1,000 = 1,016.33...), deposited on 2000-12-01 for
    2000-12-08. On 2000-12-07 the 40,342.22... shares are outstanding (prefstack's: redeemed on the
    Redemption Date) or none is (redeemed on 2000-12-01, at the same price of 2000-12-08)."""
    events = (NOTICE, _deposit_test_red(FULL))
    before = _ledger_test_red(*events, as_of=dt.date(2000, 12, 7)).series["F"]
    assert before.shares_outstanding == A_SHARES + B_SHARES and not before.redemptions
    ended = _ledger_test_red(
        *events, as_of=dt.date(2000, 12, 7), **{"RED-DEPOSIT-REDEEMS": "deposit-ends-rights"}
    ).series["F"]
    assert ended.shares_outstanding == 0
    (result,) = ended.redemptions
    assert result.on == LEDGER_DAY and result.total_paid.value == FULL and not result.shortfall


def test_red_short_deposit_redeems_nothing() -> None:
    """RED-DEPOSIT-REDEEMS=short-deposit-redeems-nothing: a deposit of half, $20,500,572.60, redeems half
    of each holding on 2000-12-08 (prefstack's) or nothing: all 40,342.22... shares stay owed a
    redemption and the deposit is unused. Later funds of $50,000,000 on 2001-01-10 then redeem them all at
    1,000 + 7% x 116/360 of 1,000 = 1,022.55... a share (the quarter to 2000-12-15 capped at 90 days,
    DIV-INTRA-QUARTER-CAP, then 26 days): A 30,939,122.59 + B 10,313,040.86 = $41,252,163.45."""
    half = Fraction("20500572.60")
    alt = {"RED-DEPOSIT-REDEEMS": "short-deposit-redeems-nothing"}
    default = _ledger_test_red(NOTICE, _deposit_test_red(half)).series["F"]
    assert default.redemptions[0].total_paid.value == half
    assert default.shares_outstanding < A_SHARES + B_SHARES
    f = _ledger_test_red(NOTICE, _deposit_test_red(half), **alt).series["F"]
    (result,) = f.redemptions
    assert result.total_paid.value == 0 and result.unused_funds.value == half and result.shortfall
    assert f.shares_outstanding == f.obligation.total_shares == A_SHARES + B_SHARES
    later = {"kind": "redemption", "date": "2001-01-10", "series": "F", "funds": "50000000"}
    after = _ledger_test_red(NOTICE, _deposit_test_red(half), later, as_of=dt.date(2001, 1, 10), **alt).series["F"]
    assert after.shares_outstanding == 0
    assert after.redemptions[-1].total_paid.value == Fraction("30939122.59") + Fraction("10313040.86")


def test_red_notice_not_needed_for_a_redemption_on_an_event() -> None:
    """RED-NOTICE-WINDOW=no-notice-for-event: Outside Capital LLC acquires 60% of the voting power on
    2000-10-02 (§6(b)(iii)); a redemption on 2000-12-08 with $41,001,145.19 and no Redemption Notice is
    refused (prefstack's) or redeems every share (the alternative). Without the event, or with the
    event voted otherwise by A's 75% of the series, it is refused under both."""
    from prefstack.ledger.replay import LedgerRuleError

    raid = {
        "kind": "control_acquisition",
        "date": "2000-10-02",
        "id": "raid",
        "acquirers": ["Outside Capital LLC"],
        "voting_power_after": "0.6",
        "description": "tender offer",
    }
    vote = {
        "kind": "series_consent",
        "date": "2000-10-20",
        "series": "F",
        "matter": "waive_redemption_event",
        "holders_consenting": ["A"],
        "reference": "raid",
    }
    redemption = {"kind": "redemption", "date": "2000-12-08", "series": "F", "funds": str(FULL)}
    alt = {"RED-NOTICE-WINDOW": "no-notice-for-event"}
    with pytest.raises(LedgerRuleError, match="no Redemption Notice names 2000-12-08"):
        _ledger_test_red(raid, redemption)
    f = _ledger_test_red(raid, redemption, **alt).series["F"]
    assert f.shares_outstanding == 0 and f.redemptions[0].total_paid.value == FULL
    for events in ((redemption,), (raid, vote, redemption)):
        with pytest.raises(LedgerRuleError, match="no Redemption Notice names 2000-12-08"):
            _ledger_test_red(*events, **alt)


def _in_common_test_red(funds: str, **choices: str) -> Any:
    """F §6(d) on 2000-10-16, the ledger of tests/ledger/test_redemption_in_common.py (Fair Market Value
    $5.00; A's 40,342.22... shares due $40,585,396.17: 8,117,079 shares of Common Stock and $1.17), with
    100 Series G shares issued on 2000-10-02."""
    from prefstack.calendars import nasdaq_trading_days
    from prefstack.ledger.files import parse_ledger
    from prefstack.ledger.replay import replay

    prices = [
        {"kind": "closing_price", "date": d.isoformat(), "price": "5.00"}
        for d in nasdaq_trading_days(dt.date(2000, 6, 1), dt.date(2000, 10, 16))
    ]
    events = [
        {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
        *prices,
        {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
        {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
        {"kind": "redemption_notice", "date": "2000-09-20", "series": "F", "redemption_date": "2000-10-16"},
        {"kind": "preferred_issued", "date": "2000-10-02", "series": "G", "holder": "C", "shares": "100"},
        {"kind": "redemption", "date": "2000-10-16", "series": "F", "funds": funds, "in_common": True},
    ]
    with under(parse(choices, "test")):
        return replay(parse_ledger({"format": "prefstack-ledger/1", "events": events}, "t"), dt.date(2000, 10, 31))


def test_red_f_common_issued_as_additional_shares() -> None:
    """RED-F-COMMON-EXCLUDED=additional-shares: the 8,117,079 shares issued for the Redemption Price are
    excluded (prefstack's: F stays at $24.00, G at $36.00) or Additional Shares for 8,117,079 x $5.00 =
    $40,585,395 (below each Conversion Price): F 24 x (20,000,000 + 40,585,395 / 24) / 28,117,079 =
    520,585,395 / 28,117,079 = 18.514... -> $18.51; G (20,000,000 x 36 + 40,585,395) / 28,117,079 =
    760,585,395 / 28,117,079 = 27.050... -> $27.05. The Common Stock outstanding is 28,117,079 under both."""
    from prefstack.ledger.section5 import conversion_price_state

    default = _in_common_test_red("100")
    alt = _in_common_test_red("100", **{"RED-F-COMMON-EXCLUDED": "additional-shares"})
    with under(parse({"RED-F-COMMON-EXCLUDED": "additional-shares"}, "test")):
        changed = {s: conversion_price_state(alt, s) for s in "FG"}
    kept = {s: conversion_price_state(default, s) for s in "FG"}
    assert (kept["F"].conversion_price, kept["G"].conversion_price) == (24, 36)
    assert (changed["F"].conversion_price, changed["G"].conversion_price) == (Fraction("18.51"), Fraction("27.05"))
    assert kept["G"].common_outstanding == changed["G"].common_outstanding == 28_117_079


def test_red_f_common_limited_by_the_funds_legally_available() -> None:
    """RED-F-COMMON-EXCLUDED=limited-by-funds: with $100 of funds (the $1.17 for the fraction is enough
    under prefstack's reading) the redemption in Common Stock of a Redemption Price of $40,585,396.17... is
    refused; with $40,585,397 it is made, 8,117,079 shares as under prefstack's reading."""
    from prefstack.ledger.replay import LedgerRuleError

    alt = {"RED-F-COMMON-EXCLUDED": "limited-by-funds"}
    (part,) = _in_common_test_red("100").series["F"].common_stock_redemptions
    assert part.payment.shares_of_common.value == 8_117_079
    with pytest.raises(LedgerRuleError, match="limited by the funds legally available"):
        _in_common_test_red("100", **alt)
    (part,) = _in_common_test_red("40585397", **alt).series["F"].common_stock_redemptions
    assert part.payment.shares_of_common.value == 8_117_079
