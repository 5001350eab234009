"""Alternatives that give one holding shares with more than one accrual start: shares issued between
Payment Dates in payment of arrears accruing from their issue day (DIV-ARREARS-PIK-ACCRUAL, F §2(a),
§2(d), G §2(a)) and a transfer apportioning the dividend accrued before it to the transferor
(TRANSFER-ACCRUED, F/G §2(a), §3(a)). Each small ledger is computed by hand beside prefstack's reading."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest

from prefstack.books import Books
from prefstack.impact import impact
from prefstack.interpretations.readings import parse, under
from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import holding_accrued_unpaid, replay

COVERED: set[tuple[str, str]] = {
    ("DIV-ARREARS-PIK-ACCRUAL", "from-issue"),
    ("TRANSFER-ACCRUED", "apportioned"),
}

FROM_ISSUE = {"DIV-ARREARS-PIK-ACCRUAL": "from-issue"}
APPORTIONED = {"TRANSFER-ACCRUED": "apportioned"}
STUB = dt.date(2000, 9, 15)  # Series F's first Payment Date: a 44-day stub from 2000-08-02
PAID_ON = dt.date(2000, 10, 15)  # 30 days after it
NEXT = dt.date(2000, 12, 15)  # the next Payment Date: 91 days after 2000-09-15, a full quarter


def _event_accrual_starts(kind: str, day: str, **fields: str) -> str:
    flow = ", ".join(f"{k}: '{v}'" for k, v in fields.items())
    return f"- {{kind: {kind}, date: '{day}', recorded_at: '{day}T17:00:00Z'{', ' if flow else ''}{flow}}}"


def _books_accrual_starts(tmp_path: Any, *events: str, name: str = "ledger", **choices: str) -> Books:
    """A ledger of CAIS Internet with 20,000,000 shares of Common Stock and ``events`` (in the file
    ``name``.yaml), answered under ``choices``."""
    lines = [
        "format: prefstack-ledger/1",
        "company: CAIS Internet, Inc.",
        "events:",
        _event_accrual_starts("common_authorized", "2000-06-01", shares="200000000"),
        _event_accrual_starts("common_outstanding", "2000-06-01", shares="20000000"),
        *events,
    ]
    ledger = tmp_path / f"{name}.yaml"
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Books("sqlite:///unused.sqlite", ledger=str(ledger), readings=parse(choices, "test"))


def _holder_accrual_starts(books: Books, day: dt.date, series: str, holder: str) -> dict[str, Fraction]:
    """The holder's shares, accrued but unpaid dividends and Liquidation Value on ``day``, the same
    with and without the explanations (the clauses and their kernels)."""
    found = []
    for explain in (False, True):
        state = books.state(day, explain=explain)
        h = next(h for s in state.series if s.series == series for h in s.holders if h.holder == holder)
        found.append(
            {
                "shares": Fraction(h.shares_outstanding.value),
                "accrued": Fraction(h.accrued_unpaid_dividends.value),
                "liquidation_value": Fraction(h.liquidation_value.value),
            }
        )
    assert found[0] == found[1]
    return found[0]


def _paid_accrual_starts(books: Books, day: dt.date, series: str, holder: str) -> tuple[Fraction, Fraction]:
    """The holder's dividend of the Payment Date ``day``: the dividend in dollars, and its PIK shares."""
    answer = books.dividends(day, series)
    h = next(h for s in answer.series for h in s.holders if h.holder == holder)
    return Fraction(h.dividend.value), Fraction(h.pik_shares.value)


def _change_accrual_starts(found: Any, ident: str, alternative: str, holder: str, figure: str) -> Fraction:
    point = next(p for p in found.points if (p.interpretation, p.alternative) == (ident, alternative))
    changes = [c for c in point.changes if c.holder == holder and c.figure == figure]
    assert len(changes) == 1, (holder, figure, point.changes)
    return Fraction(changes[0].difference.value)


# --- DIV-ARREARS-PIK-ACCRUAL ----------------------------------------------------------------------

F_ARREARS = (
    _event_accrual_starts("preferred_issued", "2000-08-02", series="F", holder="A", shares="40000"),
    _event_accrual_starts("dividend_payment", "2000-09-15", series="F", outcome="not_legally_available"),
    _event_accrual_starts("arrears_paid", "2000-10-15", series="F"),
    _event_accrual_starts("dividend_payment", "2000-12-15", series="F", outcome="paid"),
)


def test_arrears_paid_in_shares_accrue_from_their_issue_day(tmp_path: Any) -> None:
    """40,000 Series F shares issued 2000-08-02; the 2000-09-15 stub is not paid: arrears of
    40,000 x $1,000 x 7% x 44/360 = $342,222.22... (F arrears bear no dividend, F §2(a)). They are paid
    on 2000-10-15 in 342,222.22... / 1,000 = 342.22... new shares: 40,342.22... shares either way.

    2000-10-14: accrued $342,222.22... + 40,000 x $1,000 x 7% x 29/360 ($225,555.55...) = $567,777.77...;
    Liquidation Value $40,000,000 + that = $40,567,777.77...
    2000-10-15, prefstack's reading: all 40,342.22... shares accrue from 2000-09-15, 30 days:
    40,342.22... x $1,000 x 7% x 30/360 = $235,329.62...; Liquidation Value $40,342,222.22... + that.
    The alternative: the 40,000 accrue 30 days, $233,333.33..., the 342.22... new ones nothing yet:
    the Liquidation Value, $40,575,555.55..., is the day before's plus one day on the 40,000 shares
    (40,000,000 x 7% / 360 = $7,777.77...): no jump. The difference, $1,996.29..., is the new shares'
    30 days: $342,222.22... x 7% x 30/360.
    2000-11-15 (alternative): $40,000,000 x 7% x 61/360 + $342,222.22... x 7% x 31/360.
    2000-12-15 (paid in PIK, the default form): prefstack's reading 40,342.22... x 1.75% = 705.988...
    shares; the alternative 40,000 x 1.75% = 700 and 342.22... x 7% x 61/360 = 4.0591... (the period
    2000-10-15..2000-12-15 is 61 days, shorter than a quarter: the day count of DIV-DAYCOUNT)."""
    arrears = Fraction(40_000 * 1000 * 7 * 44, 100 * 360)
    new_shares = arrears / 1000
    default = _books_accrual_starts(tmp_path, *F_ARREARS)
    alternative = _books_accrual_starts(tmp_path, *F_ARREARS, **FROM_ISSUE)

    before = _holder_accrual_starts(alternative, dt.date(2000, 10, 14), "F", "A")
    assert before == _holder_accrual_starts(default, dt.date(2000, 10, 14), "F", "A")
    assert before["accrued"] == arrears + Fraction(40_000 * 1000 * 7 * 29, 100 * 360)
    assert before["liquidation_value"] == 40_000_000 + before["accrued"]

    on_default = _holder_accrual_starts(default, PAID_ON, "F", "A")
    on_alternative = _holder_accrual_starts(alternative, PAID_ON, "F", "A")
    assert on_default["shares"] == on_alternative["shares"] == 40_000 + new_shares
    assert on_default["accrued"] == (40_000 + new_shares) * 1000 * Fraction(7, 100) * Fraction(30, 360)
    assert on_alternative["accrued"] == 40_000 * 1000 * Fraction(7, 100) * Fraction(30, 360)
    assert on_alternative["accrued"] == Fraction(700_000, 3)  # $233,333.33...
    one_day = Fraction(40_000_000 * 7, 100 * 360)
    assert on_alternative["liquidation_value"] == before["liquidation_value"] + one_day
    assert round(on_alternative["liquidation_value"], 2) == Fraction("40575555.56")
    jump = on_default["liquidation_value"] - on_alternative["liquidation_value"]
    assert jump == arrears * Fraction(7, 100) * Fraction(30, 360) and round(jump, 2) == Fraction("1996.30")

    later = _holder_accrual_starts(alternative, dt.date(2000, 11, 15), "F", "A")
    assert later["accrued"] == 40_000_000 * Fraction(7 * 61, 100 * 360) + arrears * Fraction(7 * 31, 100 * 360)

    dividend, pik = _paid_accrual_starts(default, NEXT, "F", "A")
    assert (dividend, pik) == (
        (40_000 + new_shares) * 1000 * Fraction(175, 10_000),
        (40_000 + new_shares) * Fraction(175, 10_000),
    )
    dividend, pik = _paid_accrual_starts(alternative, NEXT, "F", "A")
    lot = new_shares * 1000 * Fraction(7, 100) * Fraction(61, 360)
    assert dividend == 40_000 * 1000 * Fraction(175, 10_000) + lot
    assert pik == 700 + lot / 1000 and round(pik, 4) == Fraction("704.0591")
    after = _holder_accrual_starts(alternative, NEXT, "F", "A")
    assert after == {
        "shares": 40_000 + new_shares + pik,
        "accrued": 0,
        "liquidation_value": (40_000 + new_shares + pik) * 1000,
    }


def test_series_g_arrears_paid_in_shares_keep_the_dividend_they_bore(tmp_path: Any) -> None:
    """1,000 Series G shares issued 2000-06-15; the 2000-09-15 quarter is not paid: arrears of 1,000 x
    $1,000 x 1.5% = $15,000, which bear dividends (G §2(a)). Paid on 2000-10-15 in 15 new shares.
    2000-10-15: either way accrued 1,015 x $1,000 x 6% x 30/360 = $5,075, nothing jumps: under the
    alternative it is the 1,000 shares' $5,000 and the $75 the $15,000 of arrears bore for 30 days
    ($15,000 x 6% x 30/360), kept; the 15 new shares have accrued nothing.
    2000-12-15: prefstack's reading 1,015 x 1.5% = 15.225 PIK shares; the alternative 1,000 x 1.5% = 15,
    plus $75 / $1,000 = .075, plus the 15 new shares' 61 days, 15 x 6% x 61/360 = .1525: 15.2275."""
    events = (
        _event_accrual_starts("preferred_issued", "2000-06-15", series="G", holder="B", shares="1000"),
        _event_accrual_starts("dividend_payment", "2000-09-15", series="G", outcome="not_legally_available"),
        _event_accrual_starts("arrears_paid", "2000-10-15", series="G"),
        _event_accrual_starts("dividend_payment", "2000-12-15", series="G", outcome="paid"),
    )
    default = _books_accrual_starts(tmp_path, *events)
    alternative = _books_accrual_starts(tmp_path, *events, **FROM_ISSUE)
    for books in (default, alternative):
        on = _holder_accrual_starts(books, PAID_ON, "G", "B")
        assert on == {"shares": 1015, "accrued": 5075, "liquidation_value": 1_015_000 + 5075}
    with under(parse(FROM_ISSUE, "test")):
        g = replay(read_ledger(tmp_path / "ledger.yaml").events, PAID_ON).series["G"]
        holding = g.holdings["B"]
        assert [(lot.shares, lot.start, lot.carried) for lot in holding.lots] == [(15, PAID_ON, 75)]
        explained = holding_accrued_unpaid(g, holding, PAID_ON)
        assert [p.value for p in explained.parts] == [5000, 75]
    assert _paid_accrual_starts(default, NEXT, "G", "B")[1] == Fraction("15.225")
    assert _paid_accrual_starts(alternative, NEXT, "G", "B") == (Fraction("15227.5"), Fraction("15.2275"))


def test_a_ratable_declaration_paid_in_shares_accrues_from_its_day(tmp_path: Any) -> None:
    """Series F (A: 40,000 shares, 2000-08-02) and G (B: 1,000, 2000-06-15) both leave 2000-09-15
    unpaid: arrears $342,222.22... and $15,000. $100,000 declared ratably on 2000-10-15 (G §2(c)):
    F's part is 100,000 x 342,222.22... / 357,222.22..., paid in part / $1,000 new F shares. Under the
    alternative those shares accrue from 2000-10-15, so A's accrued dividends that day are lower by
    their 30 days, part x 7% x 30/360; B's, whose paid arrears bore dividends, are the same either way."""
    events = (
        _event_accrual_starts("preferred_issued", "2000-06-15", series="G", holder="B", shares="1000"),
        _event_accrual_starts("preferred_issued", "2000-08-02", series="F", holder="A", shares="40000"),
        _event_accrual_starts("dividend_payment", "2000-09-15", series="F", outcome="not_legally_available"),
        _event_accrual_starts("dividend_payment", "2000-09-15", series="G", outcome="not_legally_available"),
        _event_accrual_starts("ratable_dividends", "2000-10-15", amount_declared="100000"),
    )
    f_arrears, g_arrears = Fraction(40_000 * 1000 * 7 * 44, 100 * 360), Fraction(15_000)
    f_part = 100_000 * f_arrears / (f_arrears + g_arrears)
    default = _books_accrual_starts(tmp_path, *events)
    alternative = _books_accrual_starts(tmp_path, *events, **FROM_ISSUE)
    a, a_alt = (_holder_accrual_starts(b, PAID_ON, "F", "A") for b in (default, alternative))
    assert a["shares"] == a_alt["shares"] == 40_000 + f_part / 1000
    assert a["accrued"] - a_alt["accrued"] == f_part * Fraction(7, 100) * Fraction(30, 360)
    assert a_alt["accrued"] == f_arrears - f_part + 40_000 * 1000 * Fraction(7 * 30, 100 * 360)
    b, b_alt = (_holder_accrual_starts(x, PAID_ON, "G", "B") for x in (default, alternative))
    assert b == b_alt


def test_the_impact_lists_the_arrears_shares_accruing_from_their_issue_day(tmp_path: Any) -> None:
    """On 2000-10-15 (the ledger of the first test) the alternative lowers A's accrued dividends and
    Liquidation Value by the new shares' 30 days, $342,222.22... x 7% x 30/360 = $1,996.29...; its shares
    are the same."""
    found = impact(_books_accrual_starts(tmp_path, *F_ARREARS), PAID_ON)
    arrears = Fraction(40_000 * 1000 * 7 * 44, 100 * 360)
    change = -arrears * Fraction(7, 100) * Fraction(30, 360)
    for figure in ("accrued_unpaid_dividends", "liquidation_value"):
        assert _change_accrual_starts(found, "DIV-ARREARS-PIK-ACCRUAL", "from-issue", "A", figure) == change
    point = next(p for p in found.points if p.interpretation == "DIV-ARREARS-PIK-ACCRUAL")
    assert not [c for c in point.changes if c.figure == "shares_outstanding"]
    assert round(point.largest_money.value, 2) == Fraction("1996.30")


# --- TRANSFER-ACCRUED -----------------------------------------------------------------------------


def _transfer_ledger(day: str, shares: str, *more: str) -> tuple[str, ...]:
    """A holds 40,000 Series F shares from 2000-08-02, the 2000-09-15 stub unpaid ($342,222.22... of
    arrears); A transfers ``shares`` to B on ``day``; 2000-12-15 is paid."""
    return (
        _event_accrual_starts("preferred_issued", "2000-08-02", series="F", holder="A", shares="40000"),
        _event_accrual_starts("dividend_payment", "2000-09-15", series="F", outcome="not_legally_available"),
        _event_accrual_starts("transfer", day, series="F", from_holder="A", to_holder="B", shares=shares),
        *more,
        _event_accrual_starts("dividend_payment", "2000-12-15", series="F", outcome="paid"),
    )


def test_the_transferor_keeps_a_claim_to_the_dividend_accrued_before_the_transfer(tmp_path: Any) -> None:
    """A transfers 10,000 of its 40,000 shares to B on 2000-10-15, 30 days after 2000-09-15.
    Prefstack's reading: B takes 10,000/40,000 of the arrears, $85,555.55..., and the accrual of its
    shares: on 2000-10-15 B has $85,555.55... + 10,000 x $1,000 x 7% x 30/360 ($58,333.33...) =
    $143,888.88...; A has the rest, $256,666.66... + 30,000 x $1,000 x 7% x 30/360 ($175,000).
    The alternative: A keeps the $342,222.22... of arrears and a claim to the $58,333.33...: A has
    $342,222.22... + $175,000 + $58,333.33... = $575,555.55...; B nothing yet. Each holder's Liquidation
    Value moves by the same amount ($143,888.88...), the total is the same: $40,575,555.55....
    2000-11-15: B has accrued 10,000 x $1,000 x 7% x (61 - 30)/360 = $60,277.77...
    2000-12-15, both elect cash: prefstack's reading pays A 30,000 x $17.50 = $525,000 and B $175,000;
    the alternative A $525,000 + $58,333.33... = $583,333.33 and B $175,000 - $58,333.33... =
    $116,666.67 (each to the cent): $700,000 in all either way. Paid in PIK instead, A receives 525 +
    58.33... = 583.33... shares and B 175 - 58.33... = 116.66...: 700 in all."""
    claim = Fraction(10_000 * 1000 * 7 * 30, 100 * 360)
    assert round(claim, 2) == Fraction("58333.33")
    arrears = Fraction(40_000 * 1000 * 7 * 44, 100 * 360)
    events = _transfer_ledger("2000-10-15", "10000")
    default = _books_accrual_starts(tmp_path, *events)
    alternative = _books_accrual_starts(tmp_path, *events, **APPORTIONED)
    a, b = (_holder_accrual_starts(default, PAID_ON, "F", h) for h in ("A", "B"))
    a_alt, b_alt = (_holder_accrual_starts(alternative, PAID_ON, "F", h) for h in ("A", "B"))
    assert b["accrued"] == arrears / 4 + claim and a["accrued"] == arrears * 3 / 4 + 175_000
    assert a_alt == {
        "shares": 30_000,
        "accrued": arrears + 175_000 + claim,
        "liquidation_value": 30_000_000 + arrears + 175_000 + claim,
    }
    assert b_alt == {"shares": 10_000, "accrued": 0, "liquidation_value": 10_000_000}
    assert a_alt["liquidation_value"] - a["liquidation_value"] == b["liquidation_value"] - b_alt["liquidation_value"]
    assert a_alt["liquidation_value"] + b_alt["liquidation_value"] == a["liquidation_value"] + b["liquidation_value"]
    assert round(a_alt["liquidation_value"] + b_alt["liquidation_value"], 2) == Fraction("40575555.56")
    later = _holder_accrual_starts(alternative, dt.date(2000, 11, 15), "F", "B")
    assert later["accrued"] == Fraction(10_000 * 1000 * 7 * 31, 100 * 360)

    assert _paid_accrual_starts(default, NEXT, "F", "B") == (175_000, 175)
    assert _paid_accrual_starts(alternative, NEXT, "F", "A") == (525_000 + claim, 525 + claim / 1000)
    assert _paid_accrual_starts(alternative, NEXT, "F", "B") == (175_000 - claim, 175 - claim / 1000)
    after_a = _holder_accrual_starts(alternative, NEXT, "F", "A")
    assert after_a["shares"] == 30_000 + 525 + claim / 1000 and after_a["accrued"] == arrears  # the arrears kept

    elections = tuple(
        _event_accrual_starts(
            "dividend_election", "2000-11-20", series="F", holder=h, payment_date="2000-12-15", cash="1"
        )
        for h in ("A", "B")
    )
    cash_events = _transfer_ledger("2000-10-15", "10000", *elections)
    for choices, cash in (({}, (525_000, 175_000)), (APPORTIONED, (Fraction("583333.33"), Fraction("116666.67")))):
        answer = _books_accrual_starts(tmp_path, *cash_events, **choices).dividends(NEXT, "F")
        paid = {h.holder: Fraction(h.cash.value) for s in answer.series for h in s.holders}
        assert (paid["A"], paid["B"]) == cash and sum(paid.values()) == 700_000


@pytest.mark.parametrize("day", ["2000-09-16", "2000-10-15", "2000-12-14", "2000-12-15", "2001-01-10"])
@pytest.mark.parametrize("shares", ["1", "12345.5", "39999"])
def test_an_apportioned_transfer_conserves_shares_dividends_and_liquidation_value(
    tmp_path: Any, day: str, shares: str
) -> None:
    """Whatever the day and the shares transferred (the transferor keeping some): on the transfer day,
    on 2000-12-15 after its dividend and on 2001-01-20, the totals over the holders of the shares,
    the accrued but unpaid dividends and the Liquidation Value are those of the ledger without the
    transfer, and so is the total of the 2000-12-15 dividend and of its PIK shares (a transfer on
    2000-12-15 comes after that date's dividend: nothing to apportion). Without the transfer every
    total is A's alone."""
    on = dt.date.fromisoformat(day)
    events = _transfer_ledger(day, shares)
    alone = _books_accrual_starts(tmp_path, *(e for e in events if "transfer" not in e), name="alone")
    apportioned = _books_accrual_starts(tmp_path, *events, **APPORTIONED)
    for when in sorted({on, NEXT, dt.date(2001, 1, 20)}):
        if when < on:
            continue
        totals = {
            k: sum((_holder_accrual_starts(apportioned, when, "F", h)[k] for h in ("A", "B")), Fraction(0))
            for k in ("shares", "accrued", "liquidation_value")
        }
        assert totals == _holder_accrual_starts(alone, when, "F", "A")
    if on <= NEXT:
        paid = [_paid_accrual_starts(apportioned, NEXT, "F", h) for h in ("A", "B") if on < NEXT or h == "A"]
        assert tuple(map(sum, zip(*paid, strict=True))) == _paid_accrual_starts(alone, NEXT, "F", "A")


def test_a_transferor_left_with_no_shares_is_paid_its_claim_on_the_next_payment_date(tmp_path: Any) -> None:
    """A transfers all 40,000 shares to B on 2000-10-15. A keeps the arrears, $342,222.22..., and its
    claim, 40,000 x $1,000 x 7% x 30/360 = $233,333.33...: $575,555.55... of accrued dividends and no
    share, so no Liquidation Value (no share carries them). On 2000-12-15 A's dividend is the claim,
    paid in 233.33... PIK shares; B's 40,000 x 1.75% = 700 less the claim's 233.33...: 466.66.... The
    accrued dividends and the PIK shares sum to those without the transfer; the Liquidation Value
    falls short by A's $575,555.55... until A holds shares again."""
    claim = Fraction(40_000 * 1000 * 7 * 30, 100 * 360)
    arrears = Fraction(40_000 * 1000 * 7 * 44, 100 * 360)
    books = _books_accrual_starts(tmp_path, *_transfer_ledger("2000-10-15", "40000"), **APPORTIONED)
    a, b = (_holder_accrual_starts(books, PAID_ON, "F", h) for h in ("A", "B"))
    assert a == {"shares": 0, "accrued": arrears + claim, "liquidation_value": 0}
    assert b == {"shares": 40_000, "accrued": 0, "liquidation_value": 40_000_000}
    assert _paid_accrual_starts(books, NEXT, "F", "A") == (claim, claim / 1000)
    assert _paid_accrual_starts(books, NEXT, "F", "B") == (700_000 - claim, 700 - claim / 1000)
    after = _holder_accrual_starts(books, NEXT, "F", "A")
    assert after["shares"] == claim / 1000 and after["accrued"] == arrears


def test_the_impact_lists_the_apportioned_transfer(tmp_path: Any) -> None:
    """On 2000-10-15 (10,000 shares transferred, the first transfer test) the alternative moves
    $85,555.55... of arrears and the $58,333.33... claim from B's accrued dividends and Liquidation
    Value to A's: +$143,888.88... for A, -$143,888.88... for B."""
    found = impact(_books_accrual_starts(tmp_path, *_transfer_ledger("2000-10-15", "10000")), PAID_ON)
    moved = Fraction(40_000 * 1000 * 7 * 44, 100 * 360) / 4 + Fraction(10_000 * 1000 * 7 * 30, 100 * 360)
    assert round(moved, 2) == Fraction("143888.89")
    for figure in ("accrued_unpaid_dividends", "liquidation_value"):
        assert _change_accrual_starts(found, "TRANSFER-ACCRUED", "apportioned", "A", figure) == moved
        assert _change_accrual_starts(found, "TRANSFER-ACCRUED", "apportioned", "B", figure) == -moved


def test_the_new_shares_lot_ends_at_the_next_payment_date_and_a_conversion_takes_it_ratably(tmp_path: Any) -> None:
    """The first test's ledger without its 2000-12-15 payment. Asked on 2001-01-10, that Payment Date
    was not recorded (or recorded as not legally available): its dividend becomes arrears, under
    prefstack's reading 40,342.22... x $17.50 = $705,988.88...; under the alternative 40,000 x $17.50 =
    $700,000 plus the new shares' 61 days, $342,222.22... x 7% x 61/360 = $4,059.14...; either way the
    holding accrues from 2000-12-15 as one again (no lot). A conversion of 10,000 of the 40,342.22...
    shares on 2000-11-15 settles 10,000 / 40,342.22... of the accrued dividends of that day (the
    first test's $40,000,000 x 7% x 61/360 + $342,222.22... x 7% x 31/360) and leaves that part less of
    the lot: 342.22... x (1 - 10,000 / 40,342.22...) shares from 2000-10-15."""
    arrears = Fraction(40_000 * 1000 * 7 * 44, 100 * 360)
    new_shares, held = arrears / 1000, 40_000 + arrears / 1000
    unpaid = _event_accrual_starts("dividend_payment", "2000-12-15", series="F", outcome="not_legally_available")
    after = dt.date(2001, 1, 10)
    for tail in ((), (unpaid,)):
        _books_accrual_starts(tmp_path, *F_ARREARS[:3], *tail)
        events = read_ledger(tmp_path / "ledger.yaml").events
        for choices, quarter in (
            ({}, held * 1000 * Fraction(175, 10_000)),
            (FROM_ISSUE, 700_000 + arrears * Fraction(7 * 61, 100 * 360)),
        ):
            with under(parse(choices, "test")):
                holding = replay(events, after).series["F"].holdings["A"]
            assert (holding.arrears, holding.accrual_start, holding.lots) == (quarter, NEXT, ())
    assert round(700_000 + arrears * Fraction(7 * 61, 100 * 360), 2) == Fraction("704059.14")

    converted = _event_accrual_starts("conversion", "2000-11-15", series="F", holder="A", shares="10000")
    _books_accrual_starts(tmp_path, *F_ARREARS[:3], converted)
    with under(parse(FROM_ISSUE, "test")):
        f = replay(read_ledger(tmp_path / "ledger.yaml").events, dt.date(2000, 11, 15)).series["F"]
    accrued = 40_000_000 * Fraction(7 * 61, 100 * 360) + arrears * Fraction(7 * 31, 100 * 360)
    assert f.conversions[0].accrued_unpaid.value == accrued * 10_000 / held
    holding = f.holdings["A"]
    assert holding.shares == held - 10_000
    assert [(lot.shares, lot.start) for lot in holding.lots] == [(new_shares * (1 - 10_000 / held), PAID_ON)]


def test_a_series_g_transferor_left_with_no_shares_keeps_what_its_arrears_bore(tmp_path: Any) -> None:
    """1,000 Series G shares from 2000-06-15, the 2000-09-15 quarter unpaid: $15,000 of arrears, which
    bear dividends (G §2(a)). B takes all 1,000 on 2000-10-15. Prefstack's reading: B has the arrears
    and the accrual, $15,000 + $1,015,000 x 6% x 30/360 = $20,075. The alternative: A keeps the arrears
    and its claim, 1,000 x $1,000 x 6% x 30/360 = $5,000, with the $75 the arrears bore ($15,000 x 6% x
    30/360): $20,075 too; B nothing. On 2000-12-15 B's dividend is $1,000,000 x 1.5% - $5,000 = $10,000
    (10 PIK shares), A's $5,075 (5.075 shares): $15,075 in all, $150 less than prefstack's $15,225,
    $15,000 x (1.5% - 6% x 30/360): arrears kept by a holder without shares bear nothing further."""
    events = (
        _event_accrual_starts("preferred_issued", "2000-06-15", series="G", holder="A", shares="1000"),
        _event_accrual_starts("dividend_payment", "2000-09-15", series="G", outcome="not_legally_available"),
        _event_accrual_starts("transfer", "2000-10-15", series="G", from_holder="A", to_holder="B", shares="1000"),
        _event_accrual_starts("dividend_payment", "2000-12-15", series="G", outcome="paid"),
    )
    default = _books_accrual_starts(tmp_path, *events)
    alternative = _books_accrual_starts(tmp_path, *events, **APPORTIONED)
    assert _holder_accrual_starts(default, PAID_ON, "G", "B")["accrued"] == 15_000 + 1_015_000 * Fraction(
        6 * 30, 100 * 360
    )
    assert _holder_accrual_starts(alternative, PAID_ON, "G", "A")["accrued"] == 15_000 + 5_000 + 75
    assert _holder_accrual_starts(alternative, PAID_ON, "G", "B")["accrued"] == 0
    assert _paid_accrual_starts(default, NEXT, "G", "B") == (15_225, Fraction("15.225"))
    assert _paid_accrual_starts(alternative, NEXT, "G", "B") == (10_000, 10)
    assert _paid_accrual_starts(alternative, NEXT, "G", "A") == (5_075, Fraction("5.075"))
