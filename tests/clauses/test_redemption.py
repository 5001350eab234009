"""Mandatory redemption: F §6 and G §6 (G lettered one less after (c))."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.clauses.redemption import (
    Acquisition,
    Agreement,
    AssetSale,
    BoardTurnover,
    Insolvency,
    InsolvencyKind,
    Merger,
    NoSuchClause,
    ObligationTranche,
    RedemptionHolding,
    RedemptionNoticeError,
    RedemptionObligation,
    apply_later_funds,
    check_redemption_notice,
    conversion_rights_end,
    deposit_deadline,
    depositary_qualifies,
    fifth_anniversary_redemption_date,
    judge_mandatory_redemption_event,
    pay_redemption_price_in_common_stock,
    redeem,
    redemption_price_per_share,
    unclaimed_funds_returnable_on,
)
from prefstack.clauses.voting import ConsentPurpose, series_majority
from prefstack.errors import InputError
from prefstack.terms import SeriesTerms, load_terms

F_TERMS = load_terms("F")
G_TERMS = load_terms("G")
ONE = Fraction(1)
D1 = dt.date(2003, 3, 1)


# --- §6(a): date and price ---------------------------------------------------------


@pytest.mark.clause("F §6(a)")
def test_fifth_anniversary_matches_schedule_1_f_6a() -> None:
    """F §6(a): issued 2000-08-02 (F Sched. 1's closing date), redeemed 2005-08-02 (the
    date F Sched. 1 runs through)."""
    assumption = F_TERMS.schedule_assumption
    assert assumption is not None
    result = fifth_anniversary_redemption_date(F_TERMS, assumption.closing_date.value)
    assert result.value == assumption.through.value == dt.date(2005, 8, 2)
    assert result.clause == "F §6(a)"


@pytest.mark.clause("G §6(a)")
def test_fifth_anniversary_of_february_29_g_6a() -> None:
    """G §6(a) with RED-ANNIVERSARY-FEB29: 2000-02-29 + 5 years = 2005-02-28."""
    assert fifth_anniversary_redemption_date(G_TERMS, dt.date(2000, 2, 29)).value == dt.date(2005, 2, 28)


def test_fifth_anniversary_on_a_saturday_is_not_moved_f_6a() -> None:
    """F §6(a) with RED-DATE-NONBUSINESS: 2000-06-25 + 5 years = Saturday 2005-06-25, kept."""
    result = fifth_anniversary_redemption_date(F_TERMS, dt.date(2000, 6, 25))
    assert result.value == dt.date(2005, 6, 25)
    assert result.inputs["weekday"] == "Saturday"


@pytest.mark.clause("F §6(a)")
def test_redemption_price_f_6a() -> None:
    """F §6(a): $1,000.00 + $87.50 accrued (declared or not) = $1,087.50 a share."""
    price = redemption_price_per_share(F_TERMS, Fraction("87.50"), issue_price_adjustment=ONE)
    assert price.value == Fraction("1087.50")


# --- notice, deposit, conversion ---------------------------------------------------


@pytest.mark.clause("F §6(e)")
@pytest.mark.parametrize("days", [20, 21, 45, 59, 60])
def test_notice_inside_window_f_6e(days: int) -> None:
    """F §6(e): a notice 20 to 60 days before 2005-08-02 (2005-06-03 to 2005-07-13) is in time."""
    window = check_redemption_notice(F_TERMS, dt.date(2005, 8, 2) - dt.timedelta(days=days), dt.date(2005, 8, 2))
    assert window.earliest.value == dt.date(2005, 6, 3)
    assert window.latest.value == dt.date(2005, 7, 13)


@pytest.mark.clause("F §6(e)")
@pytest.mark.parametrize("days", [19, 61, 0, 90])
def test_notice_outside_window_refused_f_6e(days: int) -> None:
    """F §6(e): 19 or 61 days before is refused with an error naming F §6(e)."""
    with pytest.raises(RedemptionNoticeError, match="F §6\\(e\\)") as err:
        check_redemption_notice(F_TERMS, dt.date(2005, 8, 2) - dt.timedelta(days=days), dt.date(2005, 8, 2))
    assert err.value.clause == "F §6(e)"


@pytest.mark.clause("G §6(d)")
def test_notice_outside_window_names_g_6d() -> None:
    """G §6(d) is Series G's notice clause (one letter less than F §6(e))."""
    with pytest.raises(RedemptionNoticeError, match="G §6\\(d\\)"):
        check_redemption_notice(G_TERMS, dt.date(2005, 7, 14), dt.date(2005, 8, 2))


@pytest.mark.clause("F §6(f)", "G §6(e)")
def test_deposit_and_unclaimed_funds_f_6f_g_6e() -> None:
    """F §6(f) / G §6(e): deposit on or before the Redemption Date; unclaimed funds back
    after one year (2005-08-02 -> 2006-08-02); depositary capital must exceed $50,000,000."""
    assert deposit_deadline(F_TERMS, dt.date(2005, 8, 2)).value == dt.date(2005, 8, 2)
    assert deposit_deadline(F_TERMS, dt.date(2005, 8, 2)).clause == "F §6(f)"
    assert deposit_deadline(G_TERMS, dt.date(2005, 8, 2)).clause == "G §6(e)"
    assert unclaimed_funds_returnable_on(G_TERMS, dt.date(2005, 8, 2)).value == dt.date(2006, 8, 2)
    assert depositary_qualifies(F_TERMS, Fraction(50_000_000)).value is False
    assert depositary_qualifies(F_TERMS, Fraction("50000000.01")).value is True


@pytest.mark.clause("F §6(j)", "G §6(i)")
def test_conversion_cutoff_fifth_day_before_f_6j_g_6i() -> None:
    """F §6(j) / G §6(i): Conversion Rights end at close of business 2005-08-02 - 5 days =
    2005-07-28, unless the Redemption Price is not paid."""
    ends = conversion_rights_end(F_TERMS, dt.date(2005, 8, 2), payment_defaulted=False)
    assert ends.value == dt.date(2005, 7, 28) and ends.clause == "F §6(j)"
    assert conversion_rights_end(G_TERMS, dt.date(2005, 8, 2), payment_defaulted=False).clause == "G §6(i)"
    assert conversion_rights_end(G_TERMS, dt.date(2005, 8, 2), payment_defaulted=True).value is None


# --- shortfall and later funds -----------------------------------------------------

HOLDERS = [
    RedemptionHolding("A", Fraction(600), Fraction(50)),
    RedemptionHolding("B", Fraction(400), Fraction(50)),
]


@pytest.mark.clause("F §6(h)", "F §6(i)")
def test_redemption_with_shortfall_then_later_funds_f_6h_f_6i() -> None:
    """F §6(h), §6(i): price 1,000 + 50 = 1,050. Due: A 600 x 1,050 = 630,000; B 400 x
    1,050 = 420,000; total 1,050,000. Funds 525,000 = half: A paid 315,000 for 300 shares,
    B 210,000 for 200 shares; the rest stays outstanding, redeemable on demand.
    90 days later the price is 1,000 + 65 = 1,065 (RED-LATER-FUNDS): 300 x 1,065 = 319,500
    and 200 x 1,065 = 213,000; funds of 600,000 pay both and leave 67,500 unused."""
    first = redeem(F_TERMS, HOLDERS, Fraction(525_000), D1, None, issue_price_adjustment=ONE)
    assert first.shortfall and first.redeemable_on_demand
    assert first.holder("A").cash_paid.value == 315_000
    assert first.holder("A").shares_redeemed.value == 300
    assert first.holder("B").cash_paid.value == 210_000
    assert first.holder("B").shares_remaining.value == 200
    assert first.total_paid.value == 525_000
    (tranche,) = first.obligation.tranches
    assert tranche.redemption_date == D1 and dict(tranche.shares) == {"A": 300, "B": 200}

    later = D1 + dt.timedelta(days=90)
    second = apply_later_funds(
        F_TERMS,
        first.obligation,
        Fraction(600_000),
        later,
        {"A": Fraction(65), "B": Fraction(65)},
        issue_price_adjustment=ONE,
    )
    assert second.holder("A").cash_paid.value == 319_500
    assert second.holder("B").cash_paid.value == 213_000
    assert second.unused_funds.value == 67_500
    assert not second.shortfall and second.obligation.tranches == ()
    assert second.holder("A").shares_remaining.value == 0


def test_shortfall_shares_are_funds_applied_over_the_price_f_6h() -> None:
    """F §6(h)-(i): with a price that is not a whole number of cents the shares redeemed are the cash
    applied to the holder / the Redemption Price per share. One holder of 40,000 shares with accrued
    dividends of $350.38888... a share: price 24,307/18 = $1,350.3888...; due 40,000 x 24,307/18 =
    $54,014,444.44 (to the cent). Funds of $20,000,000 are all applied to it, so it redeems
    20,000,000 / (24,307/18) = 360,000,000/24,307 = 14,810.547... shares, and 40,000 - that remain.
    (Scaling the holding by cents paid / cents due, 40,000 x 2,000,000,000 / 5,401,444,444, gave
    1.7e-6 shares too many.)"""
    holder = RedemptionHolding("A", Fraction(40_000), Fraction(24_307, 18) - 1000)
    result = redeem(F_TERMS, [holder], Fraction(20_000_000), D1, None, issue_price_adjustment=ONE)
    redeemed = result.holder("A").shares_redeemed.value
    assert redeemed == Fraction(360_000_000, 24_307)
    assert redeemed != Fraction(40_000 * 2_000_000_000, 5_401_444_444)
    assert result.holder("A").shares_remaining.value == 40_000 - redeemed
    assert result.holder("A").cash_paid.value == 20_000_000


@pytest.mark.clause("G §6(g)", "G §6(h)")
def test_later_funds_short_again_pro_rata_g_6h() -> None:
    """G §6(h): later funds of 266,250 against 319,500 + 213,000 = 532,500 due pay half:
    A 159,750 for 150 shares, B 106,500 for 100 shares."""
    obligation = RedemptionObligation("G", (ObligationTranche(D1, {"A": Fraction(300), "B": Fraction(200)}),))
    result = apply_later_funds(
        G_TERMS,
        obligation,
        Fraction(266_250),
        D1 + dt.timedelta(days=90),
        {"A": Fraction(65), "B": Fraction(65)},
        issue_price_adjustment=ONE,
    )
    assert result.holder("A").cash_paid.value == 159_750
    assert result.holder("A").shares_redeemed.value == 150
    assert result.holder("B").shares_remaining.value == 100
    assert result.shortfall
    assert result.holder("A").shares_redeemed.clause == "G §6(g)"


@pytest.mark.clause("F §6(i)")
def test_earlier_obligation_redeemed_first_f_6i() -> None:
    """F §6(i): 300 (A) and 200 (B) shares owed from 2003-03-01; on 2005-08-02 A holds 310
    and B 205 (PIK shares since). Price 1,000 + 20 = 1,020. Owed first: 306,000 + 204,000
    = 510,000; then the new 10 and 5 shares: 10,200 + 5,100 = 15,300. Funds 515,100 pay the
    old obligation and 5,100 / 15,300 = 1/3 of the new: A 3,400 for 10/3 shares, B 1,700
    for 5/3 shares (fractional shares, RED-SHORTFALL-FRACTIONAL)."""
    prior = RedemptionObligation("F", (ObligationTranche(D1, {"A": Fraction(300), "B": Fraction(200)}),))
    holders = [RedemptionHolding("A", Fraction(310), Fraction(20)), RedemptionHolding("B", Fraction(205), Fraction(20))]
    result = redeem(F_TERMS, holders, Fraction(515_100), dt.date(2005, 8, 2), prior, issue_price_adjustment=ONE)
    assert result.holder("A").cash_paid.value == 306_000 + 3_400
    assert result.holder("A").shares_redeemed.value == 300 + Fraction(10, 3)
    assert result.holder("B").shares_remaining.value == Fraction(10, 3)
    (left,) = result.obligation.tranches
    assert left.redemption_date == dt.date(2005, 8, 2)
    assert dict(left.shares) == {"A": Fraction(20, 3), "B": Fraction(10, 3)}


def test_redeem_refuses_funds_in_fractions_of_a_cent_f_6a() -> None:
    """F §6(a): funds are cash in whole cents."""
    with pytest.raises(InputError, match="whole cents"):
        redeem(F_TERMS, HOLDERS, Fraction("1.005"), D1, None, issue_price_adjustment=ONE)


holdings = st.lists(
    st.tuples(
        st.fractions(min_value=0, max_value=50_000, max_denominator=100),
        st.fractions(min_value=0, max_value=400, max_denominator=360),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(holdings, st.integers(min_value=0, max_value=10**11))
def test_redeem_never_pays_more_than_funds_or_dues_f_6i(rows: list, cents: int) -> None:  # type: ignore[type-arg]
    """F §6(h)-(i) with RED-CENTS: the total paid is the funds or the total due, whichever
    is less, never more than either; no holder gets more than it is due or has more
    shares redeemed than it holds."""
    holders = [RedemptionHolding(f"H{i}", s, a) for i, (s, a) in enumerate(rows)]
    result = redeem(F_TERMS, holders, Fraction(cents, 100), D1, None, issue_price_adjustment=ONE)
    # due in cents, rounded half-up once per holder: floor(exact cents + 1/2)
    due = [math.floor(h.shares * (1000 + h.accrued_unpaid_per_share) * 100 + Fraction(1, 2)) for h in holders]
    total = result.total_paid.value
    assert isinstance(total, Fraction)
    assert total == min(Fraction(cents, 100), Fraction(sum(due), 100))
    for h, part, owed in zip(holders, result.holders, due, strict=True):
        assert part.cash_paid.value <= Fraction(owed, 100)  # type: ignore[operator]
        assert 0 <= part.shares_redeemed.value <= h.shares  # type: ignore[operator]


# --- F §6(d) -----------------------------------------------------------------------


@pytest.mark.clause("F §6(d)")
def test_pay_in_common_stock_f_6d() -> None:
    """F §6(d): 100 shares x $1,087.50 = $108,750 at a Fair Market Value of $7.00:
    108,750 / 7 = 15,535.714...: 15,535 shares (15,535 x 7 = 108,745) and $5.00 cash."""
    payment = pay_redemption_price_in_common_stock(F_TERMS, Fraction(108_750), Fraction(7))
    assert payment.shares_of_common.value == 15_535
    assert payment.cash_for_fraction.value == 5
    assert payment.shares_of_common.clause == "F §6(d)"


def test_g_cannot_pay_in_common_stock_g_6() -> None:
    """G §6 has no counterpart of F §6(d): the request is refused."""
    with pytest.raises(NoSuchClause, match="G §6"):
        pay_redemption_price_in_common_stock(G_TERMS, Fraction(108_750), Fraction(7))


# --- §6(b): Mandatory Redemption Events --------------------------------------------


def event(facts: object, terms: object = F_TERMS, vote: object = None) -> bool:
    result = judge_mandatory_redemption_event(terms, facts, vote)  # type: ignore[arg-type]
    assert isinstance(result.value, bool)
    return result.value


@pytest.mark.clause("F §6(b)", "F §6(b)(i)")
def test_merger_event_f_6b_i() -> None:
    """F §6(b)(i): prior stockholders with 49.9% of the survivor's voting power: an event;
    with 50%: not."""
    assert event(Merger(Fraction(499, 1000))) is True
    assert event(Merger(Fraction(1, 2))) is False


@pytest.mark.clause("G §6(b)", "G §6(b)(ii)")
def test_asset_sale_event_g_6b_ii() -> None:
    """G §6(b)(ii): all or substantially all assets with prior holders below 50% of the
    acquirer: an event; a sale of part of the assets is not."""
    assert event(AssetSale(True, Fraction(2, 5)), G_TERMS) is True
    assert event(AssetSale(False, Fraction(2, 5)), G_TERMS) is False
    assert event(AssetSale(True, Fraction(1, 2)), G_TERMS) is False


@pytest.mark.clause("F §6(b)(iii)")
def test_acquisition_of_control_f_6b_iii() -> None:
    """F §6(b)(iii): more than 50% by an outsider: an event; exactly 50% is not; the four
    named persons, alone or as a group, are excluded; a group with an outsider is not
    (RED-EXCLUDED-PERSONS)."""
    assert event(Acquisition(("Acquirer Inc.",), Fraction(501, 1000))) is True
    assert event(Acquisition(("Acquirer Inc.",), Fraction(1, 2))) is False
    assert event(Acquisition(("Ulysses G. Auger, II",), Fraction(3, 5))) is False
    named_group = ("Ulysses G. Auger, Sr.", "William M. Caldwell, IV", "Evans K. Anderson")
    assert event(Acquisition(named_group, Fraction(9, 10))) is False
    assert event(Acquisition(("Ulysses G. Auger, II", "Acquirer Inc."), Fraction(3, 5))) is True


@pytest.mark.clause("F §6(b)(iii)", "G §6(b)(iii)")
@pytest.mark.parametrize("terms", [F_TERMS, G_TERMS], ids=["F", "G"])
def test_the_excluded_persons_come_from_the_terms_6b_iii(terms: SeriesTerms) -> None:
    """§6(b)(iii): the persons "other than" whom an acquisition is an event are the terms'
    ``redemption.acquisition_excluded_persons`` (the four the certificate names, cited there). Terms
    naming someone else instead change the judgement: the Augers buying 60% becomes an event, and
    the person now named is excluded."""
    from prefstack.clauses.redemption import excluded_persons
    from prefstack.terms.schema import parse_terms

    persons = terms.redemption.acquisition_excluded_persons
    assert persons.cite == f"{terms.series} §6(b)(iii)"
    assert excluded_persons(terms) == {
        "Ulysses G. Auger, Sr.",
        "Ulysses G. Auger, II",
        "William M. Caldwell, IV",
        "Evans K. Anderson",
    }
    augers = Acquisition(("Ulysses G. Auger, Sr.", "Ulysses G. Auger, II"), Fraction(3, 5))
    newcomer = Acquisition(("Jane Q. Founder",), Fraction(3, 5))
    assert event(augers, terms) is False and event(newcomer, terms) is True
    data = terms.model_dump(mode="json")
    data["redemption"]["acquisition_excluded_persons"]["value"] = ["Jane Q. Founder"]
    other = parse_terms(data, "other persons")
    assert excluded_persons(other) == {"Jane Q. Founder"}
    assert event(augers, other) is True and event(newcomer, other) is False
    copied = terms.model_copy(
        update={
            "redemption": terms.redemption.model_copy(
                update={"acquisition_excluded_persons": persons.model_copy(update={"value": ()})}
            )
        }
    )
    assert event(augers, copied) is True


@pytest.mark.clause("F §6(b)(iv)")
def test_board_turnover_f_6b_iv() -> None:
    """F §6(b)(iv) (RED-BOARD-CONTINUING): 5 continuing of 9 is still a majority: no event;
    4 of 9 and 4 of 8 are not: events."""
    assert event(BoardTurnover(2001, 9, 5)) is False
    assert event(BoardTurnover(2001, 9, 4)) is True
    assert event(BoardTurnover(2001, 8, 4)) is True


@pytest.mark.clause("F §6(b)(v)", "F §6(b)(v)(A)", "F §6(b)(v)(B)", "F §6(b)(v)(D)", "F §6(b)(v)(E)")
@pytest.mark.parametrize(
    "kind",
    [
        InsolvencyKind.ASSIGNMENT_FOR_CREDITORS,
        InsolvencyKind.PETITION,
        InsolvencyKind.ADMISSION_OF_INABILITY_TO_PAY,
        InsolvencyKind.PLAN_OF_LIQUIDATION,
    ],
)
def test_insolvency_events_f_6b_v(kind: InsolvencyKind) -> None:
    """F §6(b)(v)(A), (B), (D), (E) are events when they happen."""
    result = judge_mandatory_redemption_event(F_TERMS, Insolvency(kind, D1), None)
    assert result.value is True
    assert result.parts[0].clause == f"F §6(b)(v)({kind.value})"


@pytest.mark.clause("F §6(b)(v)(C)")
def test_receiver_sixty_days_f_6b_v_c() -> None:
    """F §6(b)(v)(C) (RED-RECEIVER-60-DAYS): appointed 2003-03-01 without consent; the
    sixtieth day is 2003-04-30. Vacated on 2003-04-30: no event. Not vacated: not yet an
    event on 2003-04-30, an event on 2003-05-01. With consent: an event at once."""
    kind = InsolvencyKind.RECEIVER_OR_TRUSTEE
    day60 = dt.date(2003, 4, 30)
    assert event(Insolvency(kind, dt.date(2003, 6, 1), False, D1, day60)) is False
    assert event(Insolvency(kind, day60, False, D1, None)) is False
    assert event(Insolvency(kind, dt.date(2003, 5, 1), False, D1, None)) is True
    assert event(Insolvency(kind, D1, True, D1, None)) is True


@pytest.mark.clause("F §6(b)(vi)")
def test_agreement_to_do_an_event_f_6b_vi() -> None:
    """F §6(b)(vi): signing a merger agreement leaving prior holders 40%: an event; 60%: not."""
    assert event(Agreement(Merger(Fraction(2, 5)))) is True
    assert event(Agreement(Merger(Fraction(3, 5)))) is False


@pytest.mark.clause("F §6(b)")
def test_series_majority_vote_overrides_the_event_f_6b() -> None:
    """F §6(b): "unless the holders of at least a majority of the voting power ... vote
    otherwise": 50,001 of 100,000 votes override a merger event; 50,000 do not."""
    facts = Merger(Fraction(1, 5))
    enough = series_majority(F_TERMS, 50_001, 100_000, ConsentPurpose.MANDATORY_REDEMPTION_VOTE)
    short = series_majority(F_TERMS, 50_000, 100_000, ConsentPurpose.MANDATORY_REDEMPTION_VOTE)
    assert event(facts, F_TERMS, enough) is False
    assert event(facts, F_TERMS, short) is True


def test_vote_for_another_purpose_refused_f_6b() -> None:
    """F §6(b): only a vote under §6(b) can override the event."""
    waiver = series_majority(F_TERMS, 60, 100, ConsentPurpose.WAIVER_OF_ADJUSTMENT)
    with pytest.raises(InputError, match="F §6\\(b\\)"):
        event(Merger(Fraction(1, 5)), F_TERMS, waiver)


@pytest.mark.clause("G §6(b)(v)", "G §6(b)(v)(A)")
def test_assignment_for_creditors_is_an_event_for_g_6b_v_a() -> None:
    """G §6(b)(v)(A): an assignment for the benefit of creditors is an event when made."""
    result = judge_mandatory_redemption_event(G_TERMS, Insolvency(InsolvencyKind.ASSIGNMENT_FOR_CREDITORS, D1), None)
    assert result.value is True
    assert result.parts[0].clause == "G §6(b)(v)(A)"


@pytest.mark.clause("F §6(c)", "G §6(c)")
@pytest.mark.parametrize(("terms", "pro_rata"), [(F_TERMS, "F §6(h)"), (G_TERMS, "G §6(g)")])
def test_redemption_on_an_event_out_of_funds_legally_available_6c(terms: SeriesTerms, pro_rata: str) -> None:
    """F/G §6(c): on a Mandatory Redemption Event the shares are redeemed at the Redemption Price
    (1,000 + 50 = 1,050) out of the funds legally available: 840,000 of the 1,050,000 due pays
    A 600 x 1,050 x 0.8 = 504,000 (480 shares) and B 336,000 (320 shares)."""
    result = redeem(terms, HOLDERS, Fraction(840_000), D1, None, issue_price_adjustment=ONE)
    assert result.funds.clause == f"{terms.series} §6(c)" and result.funds.value == 840_000
    assert result.holder("A").price_per_share.value == 1050
    assert (result.holder("A").cash_paid.value, result.holder("A").shares_redeemed.value) == (504_000, 480)
    assert (result.holder("B").cash_paid.value, result.holder("B").shares_redeemed.value) == (336_000, 320)
    assert result.holder("A").cash_paid.clause == pro_rata


def _with_redemption(terms: SeriesTerms, **values: object) -> SeriesTerms:
    from prefstack.terms.schema import parse_terms

    data = terms.model_dump(mode="json")
    for name, value in values.items():
        data["redemption"][name]["value"] = value
    return parse_terms(data, "changed redemption terms")


@pytest.mark.clause("F §6(b)(i)", "G §6(b)(ii)", "F §6(b)(iii)", "G §6(b)(v)(C)")
@pytest.mark.parametrize("terms", [F_TERMS, G_TERMS], ids=["F", "G"])
def test_the_thresholds_of_the_events_are_terms_6b(terms: SeriesTerms) -> None:
    """§6(b)(i)-(iii), (v)(C): "less than 50%", "more than 50%" and "sixty (60) days" are the terms'
    (cited there). The certificate's: prior holders at 55% is no merger event, an acquirer of 55% is
    an acquisition event, a receiver appointed 2002-03-01 not vacated is an event from 2002-05-01.
    Terms of 60% / 60% / 30 days instead: the 55% merger and the 55% sale are events, the 55%
    acquisition is not, and the receiver's event comes on 2002-04-01 (the 31st day)."""
    merger, sale = Merger(Fraction("0.55")), AssetSale(True, Fraction("0.55"))
    acquisition = Acquisition(("Acquirer LLC",), Fraction("0.55"))

    def receiver(as_of: dt.date) -> Insolvency:
        return Insolvency(
            InsolvencyKind.RECEIVER_OR_TRUSTEE,
            as_of=as_of,
            appointed_with_consent=False,
            appointment_date=dt.date(2002, 3, 1),
            vacated_or_stayed_on=None,
        )

    def judged(t: SeriesTerms, facts: object) -> bool:
        return bool(judge_mandatory_redemption_event(t, facts, None).value)  # type: ignore[arg-type]

    redemption = terms.redeemable()
    assert redemption.merger_prior_holders_below.cite == f"{terms.series} §6(b)(i)"
    assert redemption.receiver_not_vacated_days.value == 60
    assert (judged(terms, merger), judged(terms, sale), judged(terms, acquisition)) == (False, False, True)
    assert not judged(terms, receiver(dt.date(2002, 4, 30))) and judged(terms, receiver(dt.date(2002, 5, 1)))
    other = _with_redemption(
        terms,
        merger_prior_holders_below="0.6",
        asset_sale_prior_holders_below="0.6",
        acquisition_voting_power_above="0.6",
        receiver_not_vacated_days=30,
    )
    assert (judged(other, merger), judged(other, sale), judged(other, acquisition)) == (True, True, False)
    assert not judged(other, receiver(dt.date(2002, 3, 31))) and judged(other, receiver(dt.date(2002, 4, 1)))
    formula = judge_mandatory_redemption_event(other, merger, None).parts[0].formula
    assert formula == "prior stockholders' voting power < 60%"


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("merger_prior_holders_below", "1.5", "a share of the voting power between 0 and 1"),
        ("acquisition_voting_power_above", "0", "a share of the voting power between 0 and 1"),
        ("receiver_not_vacated_days", 0, "receiver_not_vacated_days must be positive"),
    ],
)
def test_a_threshold_outside_its_range_is_refused(name: str, value: object, problem: str) -> None:
    from prefstack.errors import TermsError

    with pytest.raises(TermsError, match=f"{name}.*" if "between" in problem else problem):
        _with_redemption(F_TERMS, **{name: value})
