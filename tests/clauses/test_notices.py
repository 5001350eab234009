"""Notice deadlines, F §2(e) and F/G §5(k), across weekends, US holidays and Nasdaq closures."""

from __future__ import annotations

import datetime as dt

import pytest

from prefstack.clauses.notices import (
    dividend_form_notice_deadline,
    effective_date_notice_deadline,
    record_date_notice_deadline,
    wire_account_notice_deadline,
)
from prefstack.errors import InputError
from prefstack.terms import load_terms

F = load_terms("F")
G = load_terms("G")
D = dt.date


@pytest.mark.clause("F §2(e)")
def test_dividend_form_notice_is_ten_calendar_days_before_f_2e() -> None:
    """F §2(e): Payment Date 2001-09-15 -> notice by 2001-09-05 (calendar days; NOTICE-CALENDAR-DAYS)."""
    assert dividend_form_notice_deadline(F, D(2001, 9, 15)).value == D(2001, 9, 5)


@pytest.mark.clause("F §2(e)")
def test_wire_account_notice_two_business_days_before_crossing_a_weekend_f_2e() -> None:
    """F §2(e): Payment Date Saturday 2001-09-15. Business days back: Fri 09-14 (1), Thu 09-13 (2).

    (Banks were open 2001-09-11 to 09-14 although Nasdaq was closed: banking days, not trading days.)
    """
    assert wire_account_notice_deadline(F, D(2001, 9, 15)).value == D(2001, 9, 13)


@pytest.mark.clause("F §2(e)")
def test_wire_account_notice_skips_a_us_bank_holiday_f_2e() -> None:
    """F §2(e), counting US banking days back from the Payment Date:
    Wednesday 2003-01-15: Tue 01-14 (1), Mon 01-13 (2)            -> 2003-01-13.
    Tuesday 2002-01-15:   Mon 01-14 (1), the weekend skipped, Fri 01-11 (2) -> 2002-01-11.
    Tuesday 2001-11-13:   Mon 11-12 is Veterans Day observed (a bank holiday), so
                          Fri 11-09 (1), Thu 11-08 (2)             -> 2001-11-08.
    """
    assert wire_account_notice_deadline(F, D(2003, 1, 15)).value == D(2003, 1, 13)
    assert wire_account_notice_deadline(F, D(2002, 1, 15)).value == D(2002, 1, 11)
    assert wire_account_notice_deadline(F, D(2001, 11, 13)).value == D(2001, 11, 8)


def test_series_g_has_no_dividend_form_notice() -> None:
    """G §2(a): Series G dividends are paid in shares; there is no election to notice."""
    with pytest.raises(InputError, match=r"Series G holders elect no form"):
        dividend_form_notice_deadline(G, D(2001, 9, 15))


@pytest.mark.clause("F §5(k)", "G §5(k)", "F §5(k)(A)", "G §5(k)(A)", "F §5(k)(B)", "G §5(k)(B)")
def test_record_date_and_effective_date_notices_5k() -> None:
    """F/G §5(k): record date 2001-12-01 -> notice by 2001-11-21 (10 days);
    effective date 2001-12-01 -> notice by 2001-11-11 (20 days), a Sunday: not moved."""
    for terms in (F, G):
        assert record_date_notice_deadline(terms, D(2001, 12, 1)).value == D(2001, 11, 21)
        assert effective_date_notice_deadline(terms, D(2001, 12, 1)).value == D(2001, 11, 11)
    assert record_date_notice_deadline(G, D(2001, 12, 1)).clause == "G §5(k)"
