"""Notice deadlines the certificates set: F §2(e) and F/G §5(k).

Each function returns the last day on which the notice is in time, as an Explained date
with its clause. Redemption notices (F §6(e), G §6(d)) are in
:mod:`prefstack.clauses.redemption`.
"""

from __future__ import annotations

import datetime as dt

from prefstack.calendars import business_days_after, business_days_before
from prefstack.citations import for_series
from prefstack.clause_registry import implements
from prefstack.errors import InputError
from prefstack.explain import Explained
from prefstack.interpretations import reading
from prefstack.interpretations.readings import chosen
from prefstack.memo import per_terms
from prefstack.terms.schema import SeriesTerms


@implements("F §2(e)", "F §5(k)", "G §5(k)")
def days_before(day: dt.date, days: int) -> dt.date:
    """The last day of a notice given ``days`` before ``day``, under the reading of
    NOTICE-CALENDAR-DAYS: calendar days (prefstack's), business days (``business-days``), or
    calendar days with a last day on a weekend or holiday moved to the next business day
    (``next-business-day``)."""
    match chosen("NOTICE-CALENDAR-DAYS"):
        case "default":
            return day - dt.timedelta(days=days)
        case "business-days":
            return business_days_before(day, days)
        case "next-business-day":
            return business_days_after(day - dt.timedelta(days=days + 1), 1)
        case other:
            raise AssertionError(f"NOTICE-CALENDAR-DAYS alternative {other!r} is registered but not computed")


_COUNTED = {
    "default": "calendar days",
    "business-days": "business days: NOTICE-CALENDAR-DAYS=business-days",
    "next-business-day": "calendar days, a last day off business moved on: NOTICE-CALENDAR-DAYS=next-business-day",
}


def _counted() -> str:
    return _COUNTED[chosen("NOTICE-CALENDAR-DAYS")]


def _promptly(adjustment_date: dt.date) -> dt.date | None:
    """The last day of "promptly" (NOTICE-PROMPTLY): ten calendar days after the adjustment
    (prefstack's), ten business days (``business-days``), or none (``reasonable-time``: within a
    reasonable time, judged case by case, so no date by which a certificate is late)."""
    match chosen("NOTICE-PROMPTLY"):
        case "default":
            return adjustment_date + dt.timedelta(days=PROMPTLY_DAYS)
        case "business-days":
            return business_days_after(adjustment_date, PROMPTLY_DAYS)
        case "reasonable-time":
            return None
        case other:
            raise AssertionError(f"NOTICE-PROMPTLY alternative {other!r} is registered but not computed")


@per_terms
@implements("F §2(e)")
def dividend_form_notice_deadline(terms: SeriesTerms, payment_date: dt.date) -> Explained:
    """F §2(e): the holder gives the Company ten days' notice before a Payment Date of the form
    of the quarterly dividend; the last day in time is the Payment Date less ten days."""
    days = terms.dividends.election_notice_days
    if days is None:
        raise InputError("series", terms.dividends.forms.cite, f"Series {terms.series} holders elect no form")
    return Explained(
        name="dividend_form_notice_deadline",
        value=days_before(payment_date, days.value),
        clause=days.cite,
        inputs={"payment_date": payment_date, "days": days.value},
        formula=f"payment_date - days ({_counted()})",
        interpretations=[reading("NOTICE-CALENDAR-DAYS")],
    )


@implements("F §2(e)")
def wire_account_notice_deadline(terms: SeriesTerms, payment_date: dt.date) -> Explained:
    """F §2(e): the account for a cash dividend is given by written notice at least two
    business days before the Payment Date (US banking days)."""
    days = terms.dividends.wire_notice_business_days
    if days is None:
        raise InputError("series", terms.dividends.forms.cite, f"Series {terms.series} pays no cash dividends")
    return Explained(
        name="wire_account_notice_deadline",
        value=business_days_before(payment_date, days.value),
        clause=days.cite,
        inputs={"payment_date": payment_date, "business_days": days.value},
        formula="the business day that is `business_days` business days before payment_date",
    )


@implements("F §5(k)", "G §5(k)", "F §5(k)(A)", "G §5(k)(A)")
def record_date_notice_deadline(terms: SeriesTerms, record_date: dt.date) -> Explained:
    """F/G §5(k)(A): notice of a dividend, distribution, subdivision or combination at least
    ten days before its record date."""
    days = terms.conversion.record_date_notice_days
    return Explained(
        name="record_date_notice_deadline",
        value=days_before(record_date, days.value),
        clause=days.cite,
        inputs={"record_date": record_date, "days": days.value},
        formula=f"record_date - days ({_counted()})",
        interpretations=[reading("NOTICE-CALENDAR-DAYS")],
    )


@implements("F §5(k)", "G §5(k)", "F §5(k)(B)", "G §5(k)(B)")
def effective_date_notice_deadline(terms: SeriesTerms, effective_date: dt.date) -> Explained:
    """F/G §5(k)(B): notice of a reclassification, dissolution, liquidation or winding up (G:
    also a merger or sale of substantially all assets) at least twenty days before the date it
    is expected to become effective."""
    days = terms.conversion.reclassification_notice_days
    return Explained(
        name="effective_date_notice_deadline",
        value=days_before(effective_date, days.value),
        clause=days.cite,
        inputs={"effective_date": effective_date, "days": days.value},
        formula=f"effective_date - days ({_counted()})",
        interpretations=[reading("NOTICE-CALENDAR-DAYS")],
    )


@implements("G §5(k)(iv)", "G §5(k)(B)")
def merger_notice_deadline(terms: SeriesTerms, effective_date: dt.date) -> Explained | None:
    """G §5(k)(iv)(B): notice of a merger or consolidation, or a sale of all or substantially all
    of the assets, at least twenty days before it is expected to become effective. None for a
    series whose certificate asks for no such notice (F §5(k)(iv) names dissolution only)."""
    days = terms.conversion.merger_notice_days
    if days is None:
        return None
    return Explained(
        name="merger_notice_deadline",
        value=days_before(effective_date, days.value),
        clause=days.cite,
        inputs={"effective_date": effective_date, "days": days.value},
        formula=f"effective_date - days ({_counted()})",
        interpretations=[reading("NOTICE-CALENDAR-DAYS")],
    )


@implements("F §5(j)", "G §5(j)")
def certificate_of_adjustment_deadline(terms: SeriesTerms, adjustment_date: dt.date) -> Explained | None:
    """F/G §5(j): the Company "shall promptly compute such adjustment ... and furnish to each
    holder ... a certificate"; "promptly" is read as within ten days (NOTICE-PROMPTLY). None where
    the reading sets no fixed deadline (NOTICE-PROMPTLY=reasonable-time)."""
    clause = for_series(terms.series, "§5(j)")
    last = _promptly(adjustment_date)
    if last is None:
        return None
    return Explained(
        name="certificate_of_adjustment_deadline",
        value=last,
        clause=clause,
        inputs={"adjustment_date": adjustment_date, "days": PROMPTLY_DAYS},
        formula="adjustment_date + days"
        + (" (business days: NOTICE-PROMPTLY=business-days)" if chosen("NOTICE-PROMPTLY") != "default" else ""),
        interpretations=[reading("NOTICE-PROMPTLY")],
    )


PROMPTLY_DAYS = 10
"""The days within which a certificate of adjustment is "promptly" furnished (NOTICE-PROMPTLY)."""
