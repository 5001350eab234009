"""The bundled Nasdaq closures (``data/nasdaq_closures.txt``) against the exchange_calendars
library's XNAS calendar, day by day: prefstack reads the bundled days up to
:data:`~prefstack.calendars.BUNDLED_SESSIONS_END` and the library's after it, so both must agree."""

from __future__ import annotations

import datetime as dt

from prefstack import calendars


def test_bundled_sessions_equal_the_library_calendar_day_by_day() -> None:
    bundled = calendars._bundled_sessions()
    library = tuple(d for d in calendars.library_sessions() if d <= calendars.BUNDLED_SESSIONS_END)
    assert bundled[0] == dt.date(2000, 1, 3)  # 2000-01-01 was a Saturday; Monday the 3rd the first session
    missing = sorted(set(library) - set(bundled))
    extra = sorted(set(bundled) - set(library))
    assert (missing, extra) == ([], []), "regenerate data/nasdaq_closures.txt from the library's XNAS calendar"
    assert bundled == library


def test_the_unscheduled_closures_are_not_trading_days() -> None:
    # 2001-09-11 to -14 (the attacks), 2004-06-11 (a national day of mourning), 2012-10-29 and -30
    # (a hurricane), 2018-12-05 and 2025-01-09 (national days of mourning): weekdays without a session.
    for day in ("2001-09-11", "2001-09-14", "2004-06-11", "2012-10-29", "2012-10-30", "2018-12-05", "2025-01-09"):
        assert not calendars.is_trading_day(dt.date.fromisoformat(day)), day
    assert calendars.is_trading_day(dt.date(2001, 9, 17))  # the market reopened on Monday the 17th
    # The twenty trading days before 2001-09-20, counted back: 09-19, -18, -17 (3); 09-11 to -14 closed;
    # 09-10 (4); 09-07, -06, -05, -04 (8); 09-03 Labor Day closed; 08-31 to 08-27 (13); 08-24 to 08-20
    # (18); 08-17, 08-16 (20).
    days = calendars.trading_days_ending_before(dt.date(2001, 9, 20), 20)
    assert len(days) == 20 and days[-1] == dt.date(2001, 9, 19) and days[0] == dt.date(2001, 8, 16)


def test_a_date_past_the_bundled_range_reads_the_library() -> None:
    after = calendars.BUNDLED_SESSIONS_END + dt.timedelta(days=30)
    sessions = calendars.library_sessions()
    assert sessions[-1] >= after  # the library's calendar reaches about a year past today
    expected = [d for d in sessions if calendars.BUNDLED_SESSIONS_END < d <= after]
    assert calendars.nasdaq_trading_days(calendars.BUNDLED_SESSIONS_END + dt.timedelta(days=1), after) == expected
