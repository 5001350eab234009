"""Alternatives of the dividend readings (F §2, G §2, F Sched. 1), the dividend blockers (G §2(c)-(d))
and transfers: each computed by hand in the docstring and compared with prefstack's reading."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from importlib import resources
from typing import Any

import pytest

from prefstack.books import Books
from prefstack.interpretations.readings import parse, under
from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import LedgerRuleError, replay
from prefstack.terms import load_terms

EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")
MICROSOFT = "Microsoft Corporation"
FIRST = dt.date(2000, 9, 15)  # 40,000 Series F shares issued 2000-08-02: a 44-day first period, paid in PIK
SECOND = dt.date(2000, 12, 15)  # a full quarter: 1.75%

COVERED: set[tuple[str, str]] = {
    ("DIV-FRACTIONAL-PIK", "whole-cash"),
    ("DIV-FRACTIONAL-PIK", "whole-carry"),
    ("DIV-ACCRUED-UNPAID", "actual-365"),
    ("DIV-CASH-CENTS", "per-share"),
    ("DIV-AUTHORIZED-COUNT", "outstanding"),
    ("DIV-F-REGISTRATION-VACUOUS", "always-required"),
    ("DIV-G-FIRST-PERIOD", "full-quarter"),
    ("DIV-G-FIRST-PERIOD", "none"),
    ("DB-PARITY-NO-JUNIOR-DIVIDEND-EXCEPTION", "by-analogy"),
    ("DB-JUNIOR-CONVERSION", "exchange-only"),
    ("DB-ARREARS", "with-current-accrual"),
    ("DIV-F-COMMON-PRICE-WINDOW", "calendar-days"),
    ("DIV-F-SCHEDULE-AUTHORIZED", "cap-with-cash"),
    ("DIV-F-SCHEDULE-AUTHORIZED", "schedule-authorizes"),
    ("DB-RATABLE", "current-period"),
    ("DB-RATABLE-ARREARS", "with-current-accrual"),
    ("DB-RATABLE-ARREARS", "by-shares"),
    ("TRANSFER-ACCRUED", "arrears-stay"),
    ("TRANSFER-ELECTION", "attaches"),
}


def _dr_events() -> list[Any]:
    with resources.as_file(EXAMPLE) as path:
        return read_ledger(path).events


def _dr_books(**choices: str) -> Books:
    return Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE), readings=parse(choices, "test"))


def _dr_shares(day: dt.date, **choices: str) -> Fraction:
    with under(parse(choices, "test")):
        return replay(_dr_events(), day).series["F"].holdings[MICROSOFT].shares


def _dr_paid(day: dt.date, **choices: str) -> Any:
    answer = _dr_books(**choices).dividends(day, "F")
    return next(h for s in answer.series for h in s.holders if h.holder == MICROSOFT)


def _dr_holder(day: dt.date, **choices: str) -> Any:
    state = _dr_books(**choices).state(day)
    return next(h for s in state.series for h in s.holders if h.holder == MICROSOFT)


def test_whole_pik_shares_with_cash_for_the_fraction() -> None:
    """DIV-FRACTIONAL-PIK=whole-cash: the first dividend, 40,000 x 7% x 44/360 = 342.2222... PIK
    shares: 342 issued and .2222... x $1,000 = $222.22 paid in cash (prefstack's reading: 342.2222...
    shares, no cash). The second, 40,342 x 1.75% = 705.985: 705 shares and $985.00; held 41,047."""
    default = _dr_paid(FIRST)
    assert Fraction(default.pik_shares.value) == Fraction(40_000 * 7 * 44, 100 * 360)
    assert Fraction(default.cash_for_fraction.value) == 0
    whole = _dr_paid(FIRST, **{"DIV-FRACTIONAL-PIK": "whole-cash"})
    assert Fraction(whole.pik_shares.value) == 342
    assert Fraction(whole.cash_for_fraction.value) == Fraction("222.22")
    second = _dr_paid(SECOND, **{"DIV-FRACTIONAL-PIK": "whole-cash"})
    assert (Fraction(second.pik_shares.value), Fraction(second.cash_for_fraction.value)) == (705, 985)
    assert _dr_shares(FIRST, **{"DIV-FRACTIONAL-PIK": "whole-cash"}) == 40_342
    assert _dr_shares(SECOND, **{"DIV-FRACTIONAL-PIK": "whole-cash"}) == 41_047


def test_whole_pik_shares_kernel_equals_clause() -> None:
    """The kernel's PIK shares are the clause's under whole-cash: $705,985 of dividend is 705 shares."""
    from prefstack.clauses.dividends import Election, pik_shares
    from prefstack.kernels.dividends import pik_value

    terms = load_terms("F")
    with under(parse({"DIV-FRACTIONAL-PIK": "whole-cash"}, "test")):
        assert pik_value(terms, Fraction(705_985), Election.only("pik")) == pik_shares(terms, Fraction(705_985)).value
        assert pik_shares(terms, Fraction(705_985)).value == 705


def test_accrual_between_payment_dates_on_a_365_day_year() -> None:
    """DIV-ACCRUED-UNPAID=actual-365 on 2003-12-31, 16 days after 2003-12-15: the accrual is
    shares x $1,000 x 7% x 16/365 instead of x 16/360; the accrued dividends and the Liquidation
    Value fall by shares x $70 x 16 x (1/360 - 1/365) = shares x $0.0426... (the arrears are unchanged)."""
    on = dt.date(2003, 12, 31)
    before = _dr_holder(on)
    after = _dr_holder(on, **{"DIV-ACCRUED-UNPAID": "actual-365"})
    shares = Fraction(before.shares_outstanding.value)
    difference = shares * 70 * 16 * (Fraction(1, 360) - Fraction(1, 365))
    assert (
        Fraction(before.accrued_unpaid_dividends.value) - Fraction(after.accrued_unpaid_dividends.value) == difference
    )
    assert Fraction(before.liquidation_value.value) - Fraction(after.liquidation_value.value) == difference


def test_accrual_on_a_365_day_year_kernel_equals_clause() -> None:
    """The holder kernel equals the clause under actual-365: 100 shares of F, 2000-09-15 to
    2000-10-01 (16 days): $100,000 x 7% x 16/365 = $306.849..., with $50 of arrears added."""
    from prefstack.clauses.dividends import accrued_unpaid
    from prefstack.kernels.holders import accrued_unpaid_value

    terms = load_terms("F")
    start, on = dt.date(2000, 9, 15), dt.date(2000, 10, 1)
    with under(parse({"DIV-ACCRUED-UNPAID": "actual-365"}, "test")):
        clause = accrued_unpaid(terms, Fraction(100), start, on, Fraction(50)).value
        assert accrued_unpaid_value(terms, Fraction(100), start, on, Fraction(50)) == clause
    assert clause == 50 + Fraction(100_000 * 7 * 16, 100 * 365)


def test_cash_rounded_per_share_then_multiplied() -> None:
    """DIV-CASH-CENTS=per-share: 3 shares of F issued 2000-08-02, paid in cash on 2000-09-15:
    3 x $1,000 x 7% x 44/360 = $25.666..., paid $25.67 (once per holder); per share $8.555... is
    $8.56, times 3 = $25.68."""
    from prefstack.clauses.dividends import cash_schedule

    terms = load_terms("F")
    rows = cash_schedule(terms, issue_date=dt.date(2000, 8, 2), shares=Fraction(3), through=FIRST)
    assert rows[0].cash.value == Fraction("25.67")
    with under(parse({"DIV-CASH-CENTS": "per-share"}, "test")):
        rows = cash_schedule(terms, issue_date=dt.date(2000, 8, 2), shares=Fraction(3), through=FIRST)
    assert rows[0].cash.value == Fraction("25.68")


def test_cash_per_share_in_the_ledger() -> None:
    """DIV-CASH-CENTS=per-share on the example: Microsoft's cash dividend of 2001-03-15 is 1.75% of
    $1,000 = $17.50 a share exactly, so rounding per share pays what rounding once pays."""
    day = dt.date(2001, 3, 15)
    default = _dr_paid(day)
    other = _dr_paid(day, **{"DIV-CASH-CENTS": "per-share"})
    assert Fraction(default.cash.value) > 0
    assert Fraction(other.cash.value) == Fraction(default.cash.value)


def test_authorized_shares_counted_on_the_shares_outstanding() -> None:
    """DIV-AUTHORIZED-COUNT=outstanding: Series F authorizes 56,617 shares; 56,000 issued of which
    1,000 were converted (55,000 outstanding). A PIK issue of 617.2 takes the shares ever issued to
    56,617.2, 0.2 too many (refused); counted on the outstanding it is 55,617.2 (allowed). 1,617.2 new
    shares on 55,000 outstanding are again 0.2 too many."""
    from prefstack.clauses.dividends import check_authorized
    from prefstack.errors import AuthorizedSharesExceeded, InputError

    terms = load_terms("F")
    with pytest.raises(AuthorizedSharesExceeded):
        check_authorized(terms, Fraction(56_000), Fraction("617.2"), Fraction(55_000))
    with under(parse({"DIV-AUTHORIZED-COUNT": "outstanding"}, "test")):
        check_authorized(terms, Fraction(56_000), Fraction("617.2"), Fraction(55_000))
        with pytest.raises(AuthorizedSharesExceeded):
            check_authorized(terms, Fraction(56_000), Fraction("1617.2"), Fraction(55_000))
        with pytest.raises(InputError, match="outstanding"):
            check_authorized(terms, Fraction(56_000), Fraction(1))


def test_common_stock_dividend_needs_a_registration_even_before_the_first() -> None:
    """DIV-F-REGISTRATION-VACUOUS=always-required: without the example's registration statement,
    Microsoft's 2001-09-15 dividend, half in Common Stock, is paid under prefstack's reading (no Common
    Stock was issued as a dividend before, so F §2(c) holds vacuously) and refused under the alternative."""
    events = [e for e in _dr_events() if e.event.kind != "registration_statement"]
    day = dt.date(2001, 9, 15)
    state = replay(events, day)
    assert state.common_issued_as_dividends > 0
    with under(parse({"DIV-F-REGISTRATION-VACUOUS": "always-required"}, "test")):
        with pytest.raises(LedgerRuleError, match="registration"):
            replay(events, day)
        assert replay(_dr_events(), day).common_issued_as_dividends == state.common_issued_as_dividends


def _dr_g_schedule(**choices: str) -> list[Fraction]:
    from prefstack.clauses.dividends import pik_schedule

    with under(parse(choices, "test")):
        rows = pik_schedule(
            load_terms("G"), issue_date=dt.date(2000, 8, 2), shares=Fraction(1_000), through=SECOND
        ).rows
    return [Fraction(r.incremental_shares.value) for r in rows[1:]]


def test_series_g_first_period_full_quarter_or_nothing() -> None:
    """DIV-G-FIRST-PERIOD, 1,000 Series G shares issued 2000-08-02 (not a Payment Date), all paid in
    PIK: prefstack's reading pays 1,000 x 6% x 44/360 = 7.333... shares on 2000-09-15, then
    1,007.333... x 1.5% = 15.11 on 2000-12-15; ``full-quarter`` pays 1,000 x 1.5% = 15, then
    1,015 x 1.5% = 15.225; ``none`` pays nothing, then 1,000 x 1.5% = 15."""
    first = Fraction(1_000 * 6 * 44, 100 * 360)
    assert _dr_g_schedule() == [first, (1_000 + first) * Fraction(15, 1000)]
    assert _dr_g_schedule(**{"DIV-G-FIRST-PERIOD": "full-quarter"}) == [15, Fraction("15.225")]
    assert _dr_g_schedule(**{"DIV-G-FIRST-PERIOD": "none"}) == [0, 15]


def test_series_g_first_period_alternatives_leave_f_sched_1_and_accrual() -> None:
    """DIV-G-FIRST-PERIOD does not reach Series F, whose own schedule fixes its first period (F Sched. 1:
    40,000 x 7% x 44/360 = 342.22 PIK shares under either alternative). Under ``none`` nothing accrues
    on Series G before the first Payment Date (on 2000-09-01, 30 days: $0, not 1,000 x $1,000 x 6% x
    30/360 = $5,000); under ``full-quarter`` the accrual before it stays the day count."""
    from prefstack.clauses.dividends import accrued_unpaid

    g, issued, on = load_terms("G"), dt.date(2000, 8, 2), dt.date(2000, 9, 1)
    for alternative in ("full-quarter", "none"):
        assert _dr_shares(FIRST, **{"DIV-G-FIRST-PERIOD": alternative}) == 40_000 + Fraction(40_000 * 7 * 44, 36_000)
    assert accrued_unpaid(g, Fraction(1_000), issued, on, Fraction(0)).value == 5_000
    with under(parse({"DIV-G-FIRST-PERIOD": "none"}, "test")):
        assert accrued_unpaid(g, Fraction(1_000), issued, on, Fraction(0)).value == 0
    with under(parse({"DIV-G-FIRST-PERIOD": "full-quarter"}, "test")):
        assert accrued_unpaid(g, Fraction(1_000), issued, on, Fraction(0)).value == 5_000


def _dr_judge(kind: Any, rank: Any, consideration: Any, **choices: str) -> bool:
    from prefstack.clauses.dividend_blockers import ProposedAction, judge_action

    security = "Series F Preferred Stock" if rank.name == "PARITY" else "Common Stock"
    with under(parse(choices, "test")):
        value = judge_action(load_terms("G"), Fraction(100), ProposedAction(kind, rank, security, consideration)).value
    assert isinstance(value, bool)
    return value


def test_parity_dividend_in_junior_securities_allowed_by_analogy() -> None:
    """DB-PARITY-NO-JUNIOR-DIVIDEND-EXCEPTION=by-analogy, with $100 of Series G arrears: a dividend on
    Series F (Parity) payable solely in Common Stock (Junior) is refused under prefstack's reading
    (G §2(c)(i) has no exception) and allowed by analogy with G §2(d)(i); in cash it stays refused."""
    from prefstack.clauses.dividend_blockers import ActionKind, Consideration, Rank

    junior, cash = Consideration.SOLELY_JUNIOR_SECURITIES, Consideration.CASH_OR_OTHER_PROPERTY
    analogy = {"DB-PARITY-NO-JUNIOR-DIVIDEND-EXCEPTION": "by-analogy"}
    assert _dr_judge(ActionKind.DIVIDEND, Rank.PARITY, junior) is False
    assert _dr_judge(ActionKind.DIVIDEND, Rank.PARITY, junior, **analogy) is True
    assert _dr_judge(ActionKind.DIVIDEND, Rank.PARITY, cash, **analogy) is False


def test_junior_conversion_refused_when_only_exchanges_are_excepted() -> None:
    """DB-JUNIOR-CONVERSION=exchange-only, with $100 of Series G arrears: retiring a Junior Security by
    its conversion into another is allowed under prefstack's reading (an exchange) and refused under
    the alternative; an exchange for Junior Securities stays allowed."""
    from prefstack.clauses.dividend_blockers import ActionKind, Consideration, Rank

    retire, only = ActionKind.PURCHASE_OR_REDEMPTION, {"DB-JUNIOR-CONVERSION": "exchange-only"}
    conversion = Consideration.CONVERSION_INTO_JUNIOR_SECURITIES
    assert _dr_judge(retire, Rank.JUNIOR, conversion) is True
    assert _dr_judge(retire, Rank.JUNIOR, conversion, **only) is False
    assert _dr_judge(retire, Rank.JUNIOR, Consideration.SOLELY_JUNIOR_SECURITIES, **only) is True


def _dr_ledger(tmp_path: Any, change: Any) -> Any:
    """The example ledger with ``change`` applied to its list of events, read from a file."""
    import yaml

    with resources.as_file(EXAMPLE) as path:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["events"] = change(data["events"])
    written = tmp_path / "ledger.yaml"
    written.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return read_ledger(written).events


def _dr_event(kind: str, day: str, **fields: str) -> dict[str, str]:
    return {"kind": kind, "date": day, "recorded_at": f"{day}T17:00:00Z", **fields}


def test_blockers_apply_to_the_current_accrual_under_with_current_accrual(tmp_path: Any) -> None:
    """DB-ARREARS=with-current-accrual: Series G's unpaid 2001-12-15 dividend is paid in shares on
    2002-01-04, then Series F's on 2002-01-07. Under prefstack's reading Series G has no arrears on
    2002-01-07 and F's arrears are paid; under the alternative G's accrual since 2001-12-15 (23 days,
    G's shares x $1,000 x 6% x 23/360 > 0) counts as past dividends and F's payment is refused."""

    def change(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = [e for e in events if e["kind"] != "arrears_paid"]
        return [
            *kept,
            _dr_event("arrears_paid", "2002-01-04", series="G"),
            _dr_event("arrears_paid", "2002-01-07", series="F"),
        ]

    events, day = _dr_ledger(tmp_path, change), dt.date(2002, 1, 8)
    state = replay(events, day)
    assert state.series["F"].holdings[MICROSOFT].arrears == 0
    with under(parse({"DB-ARREARS": "with-current-accrual"}, "test")):
        assert replay(events, dt.date(2002, 1, 6)).series["G"].holdings["3Com Corporation"].arrears == 0
        with pytest.raises(LedgerRuleError, match=r"Series G dividends of .* are in arrears"):
            replay(events, day)


def test_common_stock_priced_over_25_calendar_days() -> None:
    """DIV-F-COMMON-PRICE-WINDOW=calendar-days, Payment Date 2001-09-15, closing prices $10 in August and
    $20 in September: the 25 trading days ending 2001-09-10 (Nasdaq closed 09-11 to 09-14) are 20 August
    and 5 September days, (20 x 10 + 5 x 20) / 25 = $12; the 25 calendar days 2001-08-21 to 2001-09-14
    hold 14 trading days, 9 in August and 5 in September: (9 x 10 + 5 x 20) / 14 = 190/14 = $13.5714..."""
    from prefstack.calendars import nasdaq_trading_days
    from prefstack.clauses.dividends import common_stock_price

    days = nasdaq_trading_days(dt.date(2001, 7, 1), dt.date(2001, 9, 14))
    prices = {d: Fraction(10 if d.month < 9 else 20) for d in days}
    terms = load_terms("F")
    assert common_stock_price(terms, dt.date(2001, 9, 15), prices).value == 12
    with under(parse({"DIV-F-COMMON-PRICE-WINDOW": "calendar-days"}, "test")):
        assert common_stock_price(terms, dt.date(2001, 9, 15), prices).value == Fraction(190, 14)


def _dr_sched_1(**choices: str) -> Any:
    from prefstack.clauses.dividends import pik_schedule

    with under(parse(choices, "test")):
        return pik_schedule(
            load_terms("F"), issue_date=dt.date(2000, 8, 2), shares=Fraction(40_000), through=dt.date(2005, 8, 2)
        )


def test_schedule_1_last_issue_capped_with_cash_for_the_rest() -> None:
    """DIV-F-SCHEDULE-AUTHORIZED=cap-with-cash: F Sched. 1's last row, 2005-08-02, adds 56,093.657... x
    7% x 48/360 = 523.54 shares for a total of 56,617.198... (printed 56,617.20), 0.198... above the
    56,617 authorized (a warning). Capped, it adds 56,617 - 56,093.657... = 523.34 shares and the
    0.198... shares cut are paid in cash: 0.198166... x $1,000 = $198.17."""
    default = _dr_sched_1()
    last, previous = default.rows[-1], Fraction(default.rows[-2].total_shares.value)
    assert last.rounded()["total_shares"] == "56617.20" and "exceeds" in default.warnings[0]
    capped = _dr_sched_1(**{"DIV-F-SCHEDULE-AUTHORIZED": "cap-with-cash"})
    assert capped.rows[-1].total_shares.value == 56_617
    assert capped.rows[-1].incremental_shares.value == 56_617 - previous
    assert capped.rows[-1].rounded()["incremental_shares"] == "523.34"
    assert capped.rows[-2].total_shares.value == previous  # the rows before are the schedule's
    assert capped.warnings == (capped.warnings[0],) and "$198.17" in capped.warnings[0]
    assert round((Fraction(last.total_shares.value) - 56_617) * 1000, 2) == Fraction("198.17")


def test_schedule_1_authorizes_its_own_excess() -> None:
    """DIV-F-SCHEDULE-AUTHORIZED=schedule-authorizes: the schedule's total as printed, 56,617.20, is the
    limit: F Sched. 1 has no warning, and with 56,000 shares issued a PIK issue of 617.2 (56,617.2) is
    allowed where prefstack's reading refuses it; 617.21 (56,617.21) is refused under both."""
    from prefstack.clauses.dividends import check_authorized
    from prefstack.errors import AuthorizedSharesExceeded

    other = {"DIV-F-SCHEDULE-AUTHORIZED": "schedule-authorizes"}
    assert _dr_sched_1(**other).warnings == ()
    assert _dr_sched_1(**other).rows[-1].total_shares.value == _dr_sched_1().rows[-1].total_shares.value
    terms = load_terms("F")
    with pytest.raises(AuthorizedSharesExceeded):
        check_authorized(terms, Fraction(56_000), Fraction("617.2"))
    with under(parse(other, "test")):
        check_authorized(terms, Fraction(56_000), Fraction("617.2"))
        with pytest.raises(AuthorizedSharesExceeded):
            check_authorized(terms, Fraction(56_000), Fraction("617.21"))


def _dr_ratable_ledger(tmp_path: Any) -> Any:
    """The example with both series' 2001-12-15 dividends unpaid and, instead of their arrears_paid,
    $100,000 declared ratably on 2002-01-04 (G §2(c))."""

    def change(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = [e for e in events if e["kind"] != "arrears_paid"]
        return [*kept, _dr_event("ratable_dividends", "2002-01-04", amount_declared="100000")]

    return _dr_ledger(tmp_path, change)


def _dr_parts(events: Any, **choices: str) -> dict[str, Fraction]:
    with under(parse(choices, "test")):
        state = replay(events, dt.date(2002, 1, 5))
    return {name: Fraction(s.ratable_dividends[0][1].value) for name, s in state.series.items()}


def test_ratable_declaration_split_by_the_current_periods_dividends(tmp_path: Any) -> None:
    """DB-RATABLE=current-period: the unpaid 2001-12-15 quarter left arrears a_F = s_F x $1,000 x 1.75%
    and a_G = s_G x $1,000 x 1.5%. Of $100,000 declared on 2002-01-04, Series G's part is
    100,000 x a_G / (a_G + a_F) (about $30,475) under prefstack's reading; split by the full dividends of
    the quarter 2001-12-15 to 2002-03-15, F's is a_F again and G's (s_G x $1,000 + a_G) x 1.5% =
    1.015 a_G (G compounds its arrears), so G's part is 100,000 x 1.015 a_G / (1.015 a_G + a_F)."""
    events = _dr_ratable_ledger(tmp_path)
    before = replay(events, dt.date(2001, 12, 16))
    a_f, a_g = (before.series[n].holdings[h].arrears for n, h in (("F", MICROSOFT), ("G", "3Com Corporation")))
    assert a_f == before.series["F"].holdings[MICROSOFT].shares * 1000 * Fraction(175, 10_000)
    default = _dr_parts(events)
    assert default["G"] == 100_000 * a_g / (a_g + a_f) and default["F"] == 100_000 - default["G"]
    other = _dr_parts(events, **{"DB-RATABLE": "current-period"})
    weighed = a_g * Fraction(1015, 1000)
    assert other["G"] == 100_000 * weighed / (weighed + a_f) > default["G"]
    assert other["F"] == 100_000 - other["G"]


def test_ratable_declaration_weighed_with_the_current_accrual(tmp_path: Any) -> None:
    """DB-RATABLE-ARREARS=with-current-accrual, the same declaration: each series weighs its arrears plus
    its accrual for the 20 days from 2001-12-15 to 2002-01-04: F a_F + s_F x $1,000 x 7% x 20/360, G
    a_G + (s_G x $1,000 + a_G) x 6% x 20/360; the parts are $100,000 in those proportions, applied to
    the arrears."""
    events = _dr_ratable_ledger(tmp_path)
    before = replay(events, dt.date(2001, 12, 16))
    f, g = before.series["F"].holdings[MICROSOFT], before.series["G"].holdings["3Com Corporation"]
    w_f = f.arrears + f.shares * 1000 * Fraction(7, 100) * Fraction(20, 360)
    w_g = g.arrears + (g.shares * 1000 + g.arrears) * Fraction(6, 100) * Fraction(20, 360)
    other = _dr_parts(events, **{"DB-RATABLE-ARREARS": "with-current-accrual"})
    assert other == {"F": 100_000 * w_f / (w_f + w_g), "G": 100_000 * w_g / (w_f + w_g)}
    with under(parse({"DB-RATABLE-ARREARS": "with-current-accrual"}, "test")):
        after = replay(events, dt.date(2002, 1, 5)).series["F"].holdings[MICROSOFT]
    assert after.arrears == f.arrears - other["F"]
    assert after.shares == f.shares + other["F"] / 1000


def test_ratable_part_given_to_holders_by_shares(tmp_path: Any) -> None:
    """DB-RATABLE-ARREARS=by-shares: Acme Ventures is issued 1,000 Series F shares on 2001-12-15 and
    Series F's 2001-12-15 and 2002-03-15 dividends go unpaid (Series G's arrears are paid on
    2002-03-15): Acme's arrears are one quarter, 1,000 x $1,000 x 1.75% = $17,500, Microsoft's two.
    $10,000 declared ratably on 2002-04-01 is all Series F's; Acme's part is 10,000 x 17,500 /
    (a_MSFT + 17,500) by arrears (about $120.10), and 10,000 x 1,000 / (s_MSFT + 1,000) by shares
    (about $237.35), paid in shares at $1,000 and taken from its arrears. $1,000,000 declared would
    give Acme 1,000,000 x 1,000 / (s_MSFT + 1,000) = about $23,735 by shares, above its $17,500 of
    arrears: refused under the alternative (by arrears, about $12,010, it is paid)."""
    amount = "10000"

    def change(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = [e for e in events if not (e["kind"] == "arrears_paid" and e["series"] == "F")]
        kept = [
            e
            for e in kept
            if not (e["kind"] == "dividend_payment" and e["series"] == "F" and e["date"] >= "2002-03-15")
        ]
        return [
            *kept,
            _dr_event("dividend_payment", "2002-03-15", series="F", outcome="not_legally_available"),
            _dr_event("preferred_issued", "2001-12-15", series="F", holder="Acme Ventures", shares="1000"),
            _dr_event("ratable_dividends", "2002-04-01", amount_declared=amount),
        ]

    events = _dr_ledger(tmp_path, change)
    before = replay(events, dt.date(2002, 3, 31)).series["F"].holdings
    msft, acme = before[MICROSOFT], before["Acme Ventures"]
    assert acme.arrears == 17_500
    by_arrears = Fraction(10_000) * 17_500 / (msft.arrears + 17_500)
    by_shares = Fraction(10_000) * 1_000 / (msft.shares + 1_000)
    for choices, part in (({}, by_arrears), ({"DB-RATABLE-ARREARS": "by-shares"}, by_shares)):
        with under(parse(choices, "test")):
            after = replay(events, dt.date(2002, 4, 2)).series["F"].holdings["Acme Ventures"]
        assert (after.arrears, after.shares) == (17_500 - part, 1_000 + part / 1_000)
    assert round(by_arrears, 2) == Fraction("120.10") and round(by_shares, 2) == Fraction("237.35")
    amount = "1000000"
    larger = _dr_ledger(tmp_path, change)
    assert replay(larger, dt.date(2002, 4, 2)).series["F"].holdings["Acme Ventures"].arrears < 17_500
    by_shares_set = parse({"DB-RATABLE-ARREARS": "by-shares"}, "test")
    with under(by_shares_set), pytest.raises(LedgerRuleError, match="Acme Ventures's part of Series F's"):
        replay(larger, dt.date(2002, 4, 2))


ACME = "Acme Ventures"


def test_arrears_stay_with_the_transferor(tmp_path: Any) -> None:
    """TRANSFER-ACCRUED=arrears-stay: Microsoft transfers 10,000 of its s Series F shares to Acme on
    2002-01-04, after the unpaid 2001-12-15 quarter (arrears a = s x $1,000 x 1.75%). Under
    prefstack's reading Acme takes a x 10,000 / s = 10,000 x $17.50 = $175,000 of them; under the
    alternative none, and Microsoft keeps all of a. Either way Acme's accrual since 2001-12-15 (20
    days on 2002-01-04: 10,000 x $1,000 x 7% x 20/360 = $38,888.89) moves with the shares. On
    2002-03-15 Acme receives the quarter's 10,000 x 1.75% = 175 PIK shares, then the arrears paid in
    shares go to whoever holds them: 175 more to Acme (10,350), or none under the alternative (10,175)."""
    from prefstack.ledger.replay import holding_accrued_unpaid_value

    def change(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        transfer = _dr_event("transfer", "2002-01-04", series="F", from_holder=MICROSOFT, to_holder=ACME)
        return [*events, {**transfer, "shares": "10000"}]

    events, on = _dr_ledger(tmp_path, change), dt.date(2002, 1, 4)
    before = replay(events, dt.date(2002, 1, 3)).series["F"].holdings[MICROSOFT]
    stay = {"TRANSFER-ACCRUED": "arrears-stay"}
    for choices, acme_arrears in (({}, Fraction(175_000)), (stay, Fraction(0))):
        with under(parse(choices, "test")):
            s = replay(events, on).series["F"]
            acme, msft = s.holdings[ACME], s.holdings[MICROSOFT]
            assert (acme.shares, acme.arrears) == (10_000, acme_arrears)
            assert msft.arrears == before.arrears - acme_arrears
            accrual = Fraction(10_000 * 1000 * 7 * 20, 100 * 360)
            assert holding_accrued_unpaid_value(s, acme, on) == acme_arrears + accrual
            paid = replay(events, dt.date(2002, 3, 16)).series["F"].holdings[ACME]
        assert (paid.arrears, paid.shares) == (0, 10_175 + acme_arrears / 1000)  # the 2002-03-15 PIK, then arrears


def test_an_election_attaches_to_the_shares_transferred(tmp_path: Any) -> None:
    """TRANSFER-ELECTION=attaches: Microsoft elects cash for 2001-03-15 on 2001-02-20, transfers 5,000
    Series F shares to Acme on 2001-02-15 (before its election) and 10,000 on 2001-02-25 (after it).
    Acme made no election: under prefstack's reading its 15,000 shares are paid in PIK, 15,000 x 1.75%
    = 262.5 shares; under the alternative the 10,000 carry Microsoft's cash election: 10,000 x $17.50 =
    $175,000 in cash and 5,000 x 1.75% = 87.5 PIK shares. Microsoft is paid in cash either way."""
    from prefstack.ledger.replay import paid_dividend

    def change(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        lots = (("2001-02-15", "5000"), ("2001-02-25", "10000"))
        moved = [_dr_event("transfer", d, series="F", from_holder=MICROSOFT, to_holder=ACME) for d, _ in lots]
        return [*events, *({**t, "shares": n} for t, (_, n) in zip(moved, lots, strict=True))]

    events, day = _dr_ledger(tmp_path, change), dt.date(2001, 3, 15)

    def paid(holder: str, **choices: str) -> tuple[Fraction, Fraction]:
        with under(parse(choices, "test")):
            state = replay(events, day)
            record = next(r for r in state.series["F"].payments[day] if r.holder == holder)
            payment = paid_dividend(state, "F", record)
        cash = Fraction(payment.cash.value) if payment.cash else Fraction(0)
        return Fraction(payment.pik_shares.value) if payment.pik_shares else Fraction(0), cash

    attaches = {"TRANSFER-ELECTION": "attaches"}
    assert paid(ACME) == (Fraction("262.5"), 0)
    assert paid(ACME, **attaches) == (Fraction("87.5"), 175_000)
    assert paid(MICROSOFT)[0] == paid(MICROSOFT, **attaches)[0] == 0


def test_whole_pik_shares_carrying_the_fraction() -> None:
    """DIV-FRACTIONAL-PIK=whole-carry: 342.2222... PIK shares on 2000-09-15 are 342, .2222... carried;
    on 2000-12-15 40,342 x 1.75% = 705.985 + .2222... = 706.207... is 706 (41,048; whole-cash issues
    705 and pays cash), .207... carried; 2001-03-15 is paid in cash (Microsoft's election), and on
    2001-06-15 41,048 x 1.75% = 718.34 + .207... = 718.547... is 718 (41,766). No cash for a fraction."""
    carry = {"DIV-FRACTIONAL-PIK": "whole-carry"}
    assert _dr_shares(FIRST, **carry) == 40_342
    assert _dr_shares(SECOND, **carry) == 41_048 == _dr_shares(SECOND, **{"DIV-FRACTIONAL-PIK": "whole-cash"}) + 1
    assert _dr_shares(dt.date(2001, 6, 15), **carry) == 41_766
    second = _dr_paid(SECOND, **carry)
    assert (Fraction(second.pik_shares.value), Fraction(second.cash_for_fraction.value)) == (706, 0)
    from prefstack.clauses.dividends import pik_schedule

    with under(parse(carry, "test")):
        rows = pik_schedule(load_terms("F"), issue_date=dt.date(2000, 8, 2), shares=Fraction(40_000), through=SECOND)
    assert [r.incremental_shares.value for r in rows.rows[1:]] == [342, 706]


def test_whole_pik_shares_carrying_the_fraction_kernel_equals_clause() -> None:
    """The kernel equals the clause under whole-carry: $705,985 of dividend with .2222... carried is
    705.985 + .2222... = 706.207... shares: 706 issued and .207... carried on."""
    from prefstack.clauses.dividends import Election, pik_fraction_carried, pik_shares
    from prefstack.kernels.dividends import pik_value

    terms, carried = load_terms("F"), Fraction(2, 9)
    with under(parse({"DIV-FRACTIONAL-PIK": "whole-carry"}, "test")):
        clause = pik_shares(terms, Fraction(705_985), carried).value
        assert pik_value(terms, Fraction(705_985), Election.only("pik"), carried) == clause == 706
        assert pik_fraction_carried(terms, Fraction(705_985), carried) == Fraction("705.985") + carried - 706
