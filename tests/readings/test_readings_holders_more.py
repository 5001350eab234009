"""Alternatives about holders, their votes and what they are paid: the over-the-counter basis of Fair
Market Value (F/G §3(c)(i)(B)), the series majority (F/G §4, §6(b)), the vote displacing a Mandatory
Redemption Event and the board-turnover event (F/G §6(b)), fractional shares of Common Stock (F §2(b),
F §6(d)) and funds shared with Parity Securities (F/G §6(c)), each computed by hand beside prefstack's
reading."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from importlib import resources
from typing import Any

import pytest

from prefstack.answers import Figure, json_ready
from prefstack.books import Books
from prefstack.clauses.fair_market_value import OverTheCounterBasis, over_the_counter_average_price
from prefstack.clauses.redemption import (
    BoardTurnover,
    RedemptionHolding,
    judge_mandatory_redemption_event,
    redeem,
    vote_otherwise_counts,
)
from prefstack.errors import InputError
from prefstack.interpretations.readings import parse, under
from prefstack.terms import load_terms

COVERED: set[tuple[str, str]] = {
    ("FMV-OTC-BASIS", "closing-bid"),
    ("FMV-OTC-BASIS", "bid-sale-mean"),
    ("RED-EVENT-VOTE", "vote-before"),
    ("VOTE-SERIES-MAJORITY", "votes-cast"),
    ("RED-BOARD-CONTINUING", "period-start-only"),
    ("DIV-F-COMMON-FRACTIONS", "fractional"),
    ("RED-F-COMMON", "fractional"),
    ("RED-SENIOR-PARITY-FUNDS", "ratable-with-parity"),
}

F_TERMS = load_terms("F")
G_TERMS = load_terms("G")
EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")


# --- F/G §3(c)(i)(B): the over-the-counter price ------------------------------------------------------


def _weekdays_holders_more(first: dt.date, last: dt.date) -> list[dt.date]:
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5]


def test_fmv_otc_always_the_closing_bid_or_the_mean_of_bid_and_sale() -> None:
    """FMV-OTC-BASIS: closing 2001-03-01, the period 2001-01-28..2001-02-26 holds 21 weekdays. Closing
    bid $2 every day; closing sale $3 on the first 11 and $5 on the last 10. With the sale applicable:
    prefstack's (33 + 50) / 21 = 83/21; closing-bid 2; bid-sale-mean (11 x 2.5 + 10 x 3.5) / 21 =
    62.5 / 21 = 125/42. closing-bid without the bid prices, and bid-sale-mean without both, are refused."""
    days = _weekdays_holders_more(dt.date(2001, 1, 28), dt.date(2001, 2, 26))
    assert len(days) == 21
    bid = {d: Fraction(2) for d in days}
    sale = {d: Fraction(3 if i < 11 else 5) for i, d in enumerate(days)}
    closing = dt.date(2001, 3, 1)

    def average(basis: OverTheCounterBasis, other: dict[dt.date, Fraction] | None, **choices: str) -> Any:
        with under(parse(choices, "test")):
            prices = sale if basis is OverTheCounterBasis.CLOSING_SALE else bid
            return over_the_counter_average_price(
                prices, closing, G_TERMS, basis=basis, trading_days=_weekdays_holders_more, other_prices=other
            )

    sale_basis = OverTheCounterBasis.CLOSING_SALE
    assert average(sale_basis, None).value == Fraction(83, 21)
    assert average(sale_basis, bid).value == Fraction(83, 21)  # the other prices are not read
    assert average(sale_basis, bid, **{"FMV-OTC-BASIS": "closing-bid"}).value == 2
    assert average(OverTheCounterBasis.CLOSING_BID, None, **{"FMV-OTC-BASIS": "closing-bid"}).value == 2
    mean = average(sale_basis, bid, **{"FMV-OTC-BASIS": "bid-sale-mean"})
    assert mean.value == Fraction(125, 42) and mean.clause == "G §3(c)(i)(B)"
    assert "FMV-OTC-BASIS" in mean.interpretations and "bid-sale-mean" in str(mean.inputs["price_basis"])
    with pytest.raises(InputError, match=r"other_prices.*closing bid prices are needed"):
        average(sale_basis, None, **{"FMV-OTC-BASIS": "closing-bid"})
    with pytest.raises(InputError, match=r"other_prices.*both the closing bid and the closing sale"):
        average(sale_basis, None, **{"FMV-OTC-BASIS": "bid-sale-mean"})


# --- F/G §6(b)(iv): the board-turnover event ----------------------------------------------------------


def test_red_board_counting_only_the_directors_of_the_period_start() -> None:
    """RED-BOARD-CONTINUING=period-start-only: a board of 7 with 5 continuing directors, 3 of them in office
    at the start of the 2000-2002 period. prefstack's: 5 x 2 = 10 > 7, no event; the alternative counts 3:
    3 x 2 = 6 <= 7, an event. With 4 of them: 8 > 7, no event. Without the count it is refused."""

    def judged(facts: BoardTurnover, **choices: str) -> object:
        with under(parse(choices, "test")):
            return judge_mandatory_redemption_event(F_TERMS, facts, None).value

    alt = {"RED-BOARD-CONTINUING": "period-start-only"}
    assert judged(BoardTurnover(2000, 7, 5, 3)) is False
    assert judged(BoardTurnover(2000, 7, 5, 3), **alt) is True
    assert judged(BoardTurnover(2000, 7, 5, 4), **alt) is False
    with pytest.raises(InputError, match=r"directors_from_period_start.*period-start-only"):
        judged(BoardTurnover(2000, 7, 5), **alt)
    with pytest.raises(InputError, match=r"6 directors from the period's start exceed the 5 continuing"):
        judged(BoardTurnover(2000, 7, 5, 6), **alt)


# --- the ledger: the vote of the series on an event ---------------------------------------------------

LEDGER_HOLDERS_MORE: list[dict[str, object]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "30000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "B", "shares": "10000"},
    {
        "kind": "board_turnover",
        "date": "2001-03-01",
        "id": "board",
        "period_start_year": 2000,
        "board_size": 7,
        "continuing_directors": 3,
        "description": "a new board",
    },
]


def _vote_holders_more(day: str, consenting: list[str], against: list[str] | None) -> dict[str, object]:
    vote: dict[str, object] = {
        "kind": "series_consent",
        "date": day,
        "series": "F",
        "matter": "waive_redemption_event",
        "holders_consenting": consenting,
        "reference": "board",
    }
    if against is not None:
        vote["holders_against"] = against
    return vote


def _voted_holders_more(*events: dict[str, object], **choices: str) -> tuple[Any, bool]:
    """The last consent's result and whether the series voted the board turnover otherwise, on 2001-03-10."""
    from prefstack.ledger.files import parse_ledger
    from prefstack.ledger.replay import replay
    from prefstack.report import state_report

    ledger = {"format": "prefstack-ledger/1", "events": [*LEDGER_HOLDERS_MORE, *events]}
    with under(parse(choices, "test")):
        state = replay(parse_ledger(ledger, "t"), dt.date(2001, 3, 10))
        (event,) = state_report(state)["series"][0]["mandatory_redemption_events"]
    return state.series["F"].consent_results[-1][1], bool(event["series_voted_otherwise"])


def test_vote_series_majority_of_the_votes_cast() -> None:
    """VOTE-SERIES-MAJORITY=votes-cast: at $24.00, A's 30,000 shares have 30,000,000 / 24 = 1,250,000 votes
    and B's 10,000 have 10,000,000 / 24 = 416,666.66... -> 416,666; the series 1,666,666. B alone votes
    the board turnover otherwise, A abstains: prefstack's 2 x 416,666 = 833,332 <= 1,666,666, not carried;
    the alternative 833,332 > 416,666 cast, carried. With A voting against, 833,332 <= 1,666,666 cast, not
    carried. A consent naming no holders against is refused under the alternative."""
    from prefstack.ledger.replay import LedgerRuleError

    alt = {"VOTE-SERIES-MAJORITY": "votes-cast"}
    abstaining = _vote_holders_more("2001-03-05", ["B"], [])
    result, otherwise = _voted_holders_more(abstaining)
    assert (result.value, otherwise) == (False, False)
    assert result.inputs == {"votes for": 416_666, "voting power of all outstanding shares": 1_666_666}
    result, otherwise = _voted_holders_more(abstaining, **alt)
    assert (result.value, otherwise) == (True, True)
    assert result.inputs == {"votes for": 416_666, "votes against": 0, "votes cast": 416_666}
    result, otherwise = _voted_holders_more(_vote_holders_more("2001-03-05", ["B"], ["A"]), **alt)
    assert (result.value, otherwise) == (False, False) and result.inputs["votes cast"] == 1_666_666
    with pytest.raises(LedgerRuleError, match=r"holders_against.*votes-cast"):
        _voted_holders_more(_vote_holders_more("2001-03-05", ["B"], None), **alt)
    with pytest.raises(Exception, match="B both consenting and against"):
        _voted_holders_more(_vote_holders_more("2001-03-05", ["B"], ["B"]), **alt)


def test_red_event_vote_must_precede_the_event() -> None:
    """RED-EVENT-VOTE=vote-before: the board turnover of 2001-03-01 (3 x 2 = 6 <= 7 directors) is voted
    otherwise by A's 1,250,000 of the 1,666,666 votes (2 x 1,250,000 > 1,666,666) on 2001-03-05: it is no
    Mandatory Redemption Event under prefstack's reading, and still one under the alternative (the vote
    came 4 days after the event). A vote on the event's day counts under both."""
    vote = _vote_holders_more("2001-03-05", ["A"], None)
    result, otherwise = _voted_holders_more(vote)
    assert (result.value, otherwise) == (True, True)
    result, otherwise = _voted_holders_more(vote, **{"RED-EVENT-VOTE": "vote-before"})
    assert (result.value, otherwise) == (True, False)
    event_day, vote_day = dt.date(2001, 3, 1), dt.date(2001, 3, 5)
    with under(parse({"RED-EVENT-VOTE": "vote-before"}, "test")):
        assert vote_otherwise_counts(F_TERMS, event_day, event_day).value is True
        late = vote_otherwise_counts(F_TERMS, event_day, vote_day)
        assert late.value is False and late.clause == "F §6(b)"
    assert vote_otherwise_counts(G_TERMS, event_day, vote_day).value is True


# --- F §2(b), F §6(d): fractional shares of Common Stock ---------------------------------------------


def test_div_f_common_stock_dividend_in_fractional_shares() -> None:
    """DIV-F-COMMON-FRACTIONS=fractional, the example's 2001-09-15 dividend of Microsoft: 10,525,171,811/14,400
    = $730,914.70..., half in Common Stock, 10,525,171,811/28,800 = $365,457.35... at the 25-day average
    $13.88 (347/25): 10,525,171,811 x 25 / (28,800 x 347) = 10,525,171,811/399,744 = 26,329.78... shares.
    prefstack's: 26,329 shares and 0.78... x 13.88 = $10.83 for the fraction; the alternative: all
    26,329.78... shares, no cash, carried exact into the Common Stock issued as dividends and outstanding
    (22,000,000 + 26,329.78...) and into the dividend statement."""
    payment_date, exact = dt.date(2001, 9, 15), Fraction(10_525_171_811, 399_744)

    def paid(**choices: str) -> tuple[Any, Any, Books]:
        books = Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE), readings=parse(choices, "test"))
        (holder,) = [h for h in books.dividends(payment_date, "F").series[0].holders if h.common_shares]
        return holder, json_ready(books.state(dt.date(2001, 12, 31)))["common_stock"], books

    default, common, _ = paid()
    assert (default.holder, default.common_shares, default.cash_for_fraction.value) == (
        "Microsoft Corporation",
        26_329,
        Fraction("10.83"),
    )
    assert default.common_price.value == Fraction("13.88") and default.dividend.value * 25 / 2 / 347 == exact
    assert common["issued_as_dividends"] == 26_329 and common["outstanding"] == "22026329"
    alt, common, books = paid(**{"DIV-F-COMMON-FRACTIONS": "fractional"})
    assert alt.common_shares == Figure(exact, 0) and alt.cash_for_fraction.value == 0
    assert common["issued_as_dividends_exact"] == "10525171811/399744"
    assert Fraction(common["outstanding_exact"]) == 22_000_000 + exact
    (_, statement), *_ = books.dividend_statements(payment_date, "F", None, every_holder=True)
    shown = {f.label: f.value for f in statement.figures}
    assert shown["Shares of Common Stock issued"].startswith("26,329.78 (exact 26329.78")


def test_red_f_common_redemption_price_in_fractional_shares() -> None:
    """RED-F-COMMON=fractional, F §6(d) on 2000-10-16 at a Fair Market Value of $5.00: A's 40,000 shares
    plus the 2000-09-15 PIK dividend, 40,342.22... shares, are due 3,287,417,090/81 = $40,585,396.17...;
    / 5 = 3,287,417,090/405 = 8,117,079.2345... shares of Common Stock. prefstack's: 8,117,079 shares and
    0.2345... x 5 = 1.1728... -> $1.17; the alternative: 8,117,079.2345... shares and no cash, carried
    into the Common Stock outstanding (20,000,000 + 8,117,079.2345...)."""
    from prefstack.calendars import nasdaq_trading_days
    from prefstack.ledger.files import parse_ledger
    from prefstack.ledger.replay import replay
    from prefstack.ledger.section5 import common_outstanding
    from prefstack.queries import redemption_in_common
    from prefstack.report import state_report

    events = [
        {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
        *(
            {"kind": "closing_price", "date": d.isoformat(), "price": "5.00"}
            for d in nasdaq_trading_days(dt.date(2000, 6, 1), dt.date(2000, 10, 16))
        ),
        {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
        {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
        {"kind": "redemption_notice", "date": "2000-09-20", "series": "F", "redemption_date": "2000-10-16"},
    ]
    redemption = {"kind": "redemption", "date": "2000-10-16", "series": "F", "funds": "100", "in_common": True}

    def redeemed(*more: dict[str, object], **choices: str) -> Any:
        with under(parse(choices, "test")):
            ledger = {"format": "prefstack-ledger/1", "events": [*events, *more]}
            return replay(parse_ledger(ledger, "t"), dt.date(2000, 10, 16))

    alt = {"RED-F-COMMON": "fractional"}
    exact = Fraction(3_287_417_090, 405)
    (quote,) = redemption_in_common(redeemed(), "F").holders
    assert (quote.redemption_price.value, quote.common_shares) == (Fraction(3_287_417_090, 81), 8_117_079)
    assert quote.cash_for_fraction.value == Fraction("1.17")
    with under(parse(alt, "test")):
        (quote,) = redemption_in_common(redeemed(**alt), "F").holders
    assert quote.common_shares == Figure(exact, 0) and quote.cash_for_fraction.value == 0
    state = redeemed(redemption, **alt)
    with under(parse(alt, "test")):
        (row,) = state_report(state)["series"][0]["redeemed_in_common"]
        assert common_outstanding(state, dt.date(2000, 10, 16)) == 20_000_000 + exact
    assert (row["common_shares"], row["common_shares_exact"], row["cash_for_fraction"]) == (
        "8117079",
        "657483418/81",
        "0.00",
    )
    (row,) = state_report(redeemed(redemption))["series"][0]["redeemed_in_common"]
    assert (row["common_shares"], row["cash_for_fraction"]) == (8_117_079, "1.17")


# --- F/G §6(c): funds shared with Parity Securities -----------------------------------------------------


def test_red_funds_shared_ratably_with_parity_securities() -> None:
    """RED-SENIOR-PARITY-FUNDS=ratable-with-parity: A's 300 and B's 100 Series F shares at $1,000 (no
    dividends accrued) are due $400,000; Parity Securities redeemed at the same time are due $600,000.
    With $500,000: prefstack's pays all $400,000 (400 shares); the alternative uses 500,000 x 400,000 /
    1,000,000 = $200,000, pro rata A $150,000 (150 shares) and B $50,000 (50 shares). With $1,000,001 the
    part is 400,000.40, more than the $400,000 due: all redeemed and $0.40 unused. Without the Parity
    Securities' due it is refused; with 0 the series uses all."""
    holders = [RedemptionHolding("A", Fraction(300), Fraction(0)), RedemptionHolding("B", Fraction(100), Fraction(0))]
    on = dt.date(2005, 8, 2)

    def redeemed(funds: int, parity: Fraction | None, **choices: str) -> Any:
        with under(parse(choices, "test")):
            return redeem(
                F_TERMS,
                holders,
                Fraction(funds),
                on,
                None,
                issue_price_adjustment=Fraction(1),
                parity_redemption_price=parity,
            )

    def paid(result: Any) -> dict[str, tuple[object, object]]:
        return {h.holder: (h.shares_redeemed.value, h.cash_paid.value) for h in result.holders}

    alt = {"RED-SENIOR-PARITY-FUNDS": "ratable-with-parity"}
    parity = Fraction(600_000)
    assert paid(redeemed(500_000, parity)) == {"A": (300, 300_000), "B": (100, 100_000)}
    shared = redeemed(500_000, parity, **alt)
    assert paid(shared) == {"A": (150, 150_000), "B": (50, 50_000)} and shared.shortfall
    assert shared.funds.value == 200_000 and shared.funds.clause == "F §6(c)"
    more = redeemed(1_000_001, parity, **alt)
    assert paid(more) == {"A": (300, 300_000), "B": (100, 100_000)} and more.unused_funds.value == Fraction("0.40")
    assert paid(redeemed(500_000, Fraction(0), **alt)) == {"A": (300, 300_000), "B": (100, 100_000)}
    with pytest.raises(InputError, match=r"parity_redemption_price.*ratable-with-parity.*\(F §6\(c\)\)"):
        redeemed(500_000, None, **alt)


def test_red_parity_funds_from_the_redemption_event() -> None:
    """RED-SENIOR-PARITY-FUNDS=ratable-with-parity in the ledger: A's 30,000 Series F shares issued 2000-08-02
    and called for 2000-12-08, with $20,000,000 and Parity Securities due $30,000,000 x 2 = $60,000,000:
    A's due is 30,000 x (1,000 + 1,000 x 7% x 128/360) = 30,000 x 1,024.888... = $30,746,666.66...,
    so its part is 20,000,000 x 30,746,666.66... / 90,746,666.66... = 6,776,373.787... -> $6,776,373.78 (down),
    against all $20,000,000 under prefstack's reading. A redemption event without
    parity_redemption_price is refused under the alternative."""
    from prefstack.ledger.files import parse_ledger
    from prefstack.ledger.replay import LedgerRuleError, replay

    events: list[dict[str, object]] = [
        {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
        {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "30000"},
        {"kind": "redemption_notice", "date": "2000-11-10", "series": "F", "redemption_date": "2000-12-08"},
    ]
    redemption: dict[str, object] = {"kind": "redemption", "date": "2000-12-08", "series": "F", "funds": "20000000"}

    def funds_used(event: dict[str, object], **choices: str) -> object:
        with under(parse(choices, "test")):
            ledger = {"format": "prefstack-ledger/1", "events": [*events, event]}
            (result,) = replay(parse_ledger(ledger, "t"), dt.date(2000, 12, 8)).series["F"].redemptions
        return result.total_paid.value

    alt = {"RED-SENIOR-PARITY-FUNDS": "ratable-with-parity"}
    due = 30_000 * (1_000 + Fraction(1_000 * 7 * 128, 100 * 360))
    share = Fraction(math.floor(20_000_000 * 100 * due / (due + 60_000_000)), 100)
    assert share == Fraction("6776373.78")
    assert funds_used(redemption) == 20_000_000
    assert funds_used({**redemption, "parity_redemption_price": "60000000"}) == 20_000_000
    assert funds_used({**redemption, "parity_redemption_price": "60000000"}, **alt) == share
    with pytest.raises(LedgerRuleError, match=r"parity_redemption_price.*\(F §6\(c\)\)"):
        funds_used(redemption, **alt)
