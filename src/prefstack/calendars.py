"""Dates the certificates count in: Payment Dates, day counts, trading and business days.

- Payment Dates: the fifteenth of December, March, June and September, the first on
  2000-09-15 (F §2(a), G §2(a)); months, day and first date come from the terms file.
- Day count of partial periods: actual days / 360 (interpretation DIV-DAYCOUNT).
- Trading days: the Nasdaq Stock Market (exchange calendar XNAS, which includes unscheduled
  closures such as 2001-09-11 to 2001-09-14), used by F §2(b).
- Business days: the US banking calendar (Federal Reserve holidays, weekends), used by F §2(e).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from fractions import Fraction
from functools import cache

from prefstack.errors import InputError
from prefstack.memo import per_terms
from prefstack.terms.schema import SeriesTerms

TRADING_CALENDAR_START = dt.date(2000, 1, 1)


def is_payment_date(terms: SeriesTerms, day: dt.date) -> bool:
    """Whether ``day`` is a Payment Date of the series (on or after the first one)."""
    div = terms.dividends
    return (
        day.month in div.payment_months.value
        and day.day == div.payment_day.value
        and day >= div.first_payment_date.value
    )


def payment_dates(terms: SeriesTerms, after: dt.date, through: dt.date) -> Iterator[dt.date]:
    """Payment Dates strictly after ``after`` and on or before ``through``, in order."""
    div = terms.dividends
    year, day = after.year, div.payment_day.value
    while True:
        for month in div.payment_months.value:
            candidate = dt.date(year, month, day)
            if candidate <= after or candidate < div.first_payment_date.value:
                continue
            if candidate > through:
                return
            yield candidate
        year += 1


@per_terms
def next_payment_date(terms: SeriesTerms, after: dt.date) -> dt.date:
    """The first Payment Date strictly after ``after`` (memoized: pure)."""
    return next(payment_dates(terms, after, dt.date.max))


def previous_payment_date(terms: SeriesTerms, on_or_before: dt.date) -> dt.date | None:
    """The last Payment Date on or before ``on_or_before`` (None before the first)."""
    div = terms.dividends
    if on_or_before < div.first_payment_date.value:
        return None
    year = on_or_before.year
    while True:
        for month in reversed(div.payment_months.value):
            candidate = dt.date(year, month, div.payment_day.value)
            if candidate <= on_or_before and candidate >= div.first_payment_date.value:
                return candidate
        year -= 1


@per_terms
def is_full_quarter(terms: SeriesTerms, start: dt.date, end: dt.date) -> bool:
    """A period from one Payment Date (or a start on a payment day) to the next Payment Date.

    A start on the payment day of a payment month counts as a quarter's start even before
    the first Payment Date, so shares issued on 2000-06-15 earn a full quarter on 2000-09-15
    (interpretation DIV-G-FIRST-PERIOD).
    """
    div = terms.dividends
    starts_on_payment_day = start.month in div.payment_months.value and start.day == div.payment_day.value
    return starts_on_payment_day and is_payment_date(terms, end) and next_payment_date(terms, start) == end


def quarter_around(terms: SeriesTerms, start: dt.date) -> tuple[dt.date, dt.date]:
    """The dividend quarter a period starting on ``start`` falls in: from the payment day of the
    payment month before the next Payment Date (the first Payment Date for a period before it) to
    that Payment Date."""
    div = terms.dividends
    end = next_payment_date(terms, start)
    months = sorted(div.payment_months.value)
    index = months.index(end.month)
    year = end.year if index > 0 else end.year - 1
    return dt.date(year, months[index - 1], div.payment_day.value), end


def day_fraction(start: dt.date, end: dt.date, basis: int) -> Fraction:
    """Actual days from ``start`` (counted) to ``end`` (not counted) over ``basis``."""
    if end < start:
        raise InputError("end", "F Sched. 1", f"period end {end} is before its start {start}")
    return Fraction((end - start).days, basis)


def thirty_360_days(start: dt.date, end: dt.date) -> int:
    """Days from ``start`` to ``end`` counting every month as 30 days (the 30/360 bond basis: a 31st
    counts as the 30th, and an end on the 31st as the 30th where the start is the 30th or 31st)."""
    if end < start:
        raise InputError("end", "F Sched. 1", f"period end {end} is before its start {start}")
    d1 = min(start.day, 30)
    d2 = min(end.day, 30) if d1 == 30 else end.day
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def actual_actual_years(start: dt.date, end: dt.date) -> Fraction:
    """The years from ``start`` to ``end`` counting each calendar year's actual days over that
    year's length (365 or 366): actual/actual."""
    if end < start:
        raise InputError("end", "F Sched. 1", f"period end {end} is before its start {start}")
    total, day = Fraction(0), start
    while day < end:
        next_year = dt.date(day.year + 1, 1, 1)
        stop = min(end, next_year)
        length = (next_year - dt.date(day.year, 1, 1)).days
        total += Fraction((stop - day).days, length)
        day = stop
    return total


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


BUNDLED_SESSIONS_END = dt.date(2026, 12, 31)
"""The Nasdaq sessions to this date are read from the closures bundled with prefstack
(``data/nasdaq_closures.txt``); a question past it reads the exchange_calendars library's XNAS
calendar, which a test proves equal to the bundled days up to this date. Reading the bundled
file takes a millisecond; importing the library (and pandas) takes a few hundred, on every
command that counts a trading day."""


@cache
def _bundled_sessions() -> tuple[dt.date, ...]:
    """The Nasdaq sessions from :data:`TRADING_CALENDAR_START` to :data:`BUNDLED_SESSIONS_END`:
    every weekday that is not a closure listed in the bundled file."""
    from importlib import resources

    text = resources.files("prefstack.data").joinpath("nasdaq_closures.txt").read_text(encoding="utf-8")
    closures = {dt.date.fromisoformat(line) for line in text.splitlines() if line and not line.startswith("#")}
    days = []
    day = TRADING_CALENDAR_START
    while day <= BUNDLED_SESSIONS_END:
        if day.weekday() < 5 and day not in closures:
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


@cache
def library_sessions() -> tuple[dt.date, ...]:
    """The Nasdaq sessions of the exchange_calendars library's XNAS calendar, from
    :data:`TRADING_CALENDAR_START` to the end of its calendar."""
    import warnings

    with warnings.catch_warnings():
        # The calendar library's use of pandas raises deprecation warnings that are not ours.
        warnings.simplefilter("ignore")
        import exchange_calendars as xcals

        calendar = xcals.get_calendar("XNAS", start=TRADING_CALENDAR_START.isoformat())
        return tuple(ts.date() for ts in calendar.sessions)


def _nasdaq_sessions(through: dt.date) -> tuple[dt.date, ...]:
    """Nasdaq sessions covering every day to ``through``: the bundled ones where they reach it
    (the day after a session is asked about too, hence the margin of a week), else the library's."""
    if through + dt.timedelta(days=7) <= BUNDLED_SESSIONS_END:
        return _bundled_sessions()
    return library_sessions()


def nasdaq_trading_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Nasdaq trading days from ``start`` to ``end`` inclusive."""
    import bisect

    sessions = _nasdaq_sessions(end)
    if start < TRADING_CALENDAR_START:
        raise InputError("date", "F §2(b)", f"trading calendar starts {TRADING_CALENDAR_START}; {start} is earlier")
    if end > sessions[-1]:
        raise InputError("date", "F §2(b)", f"trading calendar ends {sessions[-1]}; {end} is later")
    lo = bisect.bisect_left(sessions, start)
    hi = bisect.bisect_right(sessions, end)
    return list(sessions[lo:hi])


def is_trading_day(day: dt.date) -> bool:
    return bool(nasdaq_trading_days(day, day))


def trading_days_ending_before(day: dt.date, count: int) -> list[dt.date]:
    """The ``count`` Nasdaq trading days ending on the last trading day strictly before ``day``."""
    import bisect

    sessions = _nasdaq_sessions(day)
    if day > sessions[-1] + dt.timedelta(days=1):
        raise InputError("date", "F §2(b)", f"trading calendar ends {sessions[-1]}; {day} is later")
    hi = bisect.bisect_left(sessions, day)
    lo = hi - count
    if lo < 0:
        raise InputError("date", "F §2(b)", f"fewer than {count} trading days before {day} in the calendar")
    return list(sessions[lo:hi])


@cache
def _bank_holidays(year: int) -> frozenset[dt.date]:
    import holidays

    return frozenset(holidays.financial_holidays("XFED", years=year).keys())


def is_business_day(day: dt.date) -> bool:
    """A US banking day: Monday to Friday and not a Federal Reserve holiday."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def business_days_before(day: dt.date, count: int) -> dt.date:
    """The date ``count`` business days before ``day`` (the latest date that is "at least
    ``count`` business days prior"); ``business_days_before(day + 1 day, 1)`` is the business day
    on or before ``day``."""
    return _business_days_from(day, count, -1)


def business_days_after(day: dt.date, count: int) -> dt.date:
    """The date ``count`` business days after ``day``; ``business_days_after(day - 1 day, 1)`` is
    the business day on or after ``day``."""
    return _business_days_from(day, count, 1)


def _business_days_from(day: dt.date, count: int, step: int) -> dt.date:
    found = 0
    current = day
    while found < count:
        current += dt.timedelta(days=step)
        if is_business_day(current):
            found += 1
    return current
