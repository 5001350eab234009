"""A series' dividend schedule from its terms alone (``prefstack schedule`` and the web service's
``/schedule``): the question's arguments checked, and its rows as JSON records.

A series paying dividends in shares has a PIK schedule in the form of F Sched. 1 (each row to the
Schedule's 2, 2, 5 and 2 places, half-up, with the exact value beside); a series paying them in
cash only has a cash schedule (each Payment Date's dividend on the shares, in cents:
DIV-CASH-CENTS). Where the certificate gives its own schedule (F Sched. 1) its issue date, shares
and last date are the defaults; otherwise all three must be given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from prefstack.arguments import parse_date, parse_exact, series_name
from prefstack.clauses.dividends import ScheduleRow, cash_schedule, pik_schedule
from prefstack.errors import InputError
from prefstack.explain import Explained
from prefstack.figures import RATIO, SHARES, json_figure
from prefstack.terms import SeriesTerms, load_terms

__all__ = ["ScheduleQuestion", "cash_records", "pik_record", "pik_records", "schedule_question"]

CLI_FIELDS = {
    "series": "SERIES",
    "issue_date": "--issue-date",
    "shares": "--shares",
    "through": "--through",
    "conversion_price": "--conversion-price",
}
"""The names the command line gives the arguments (the web service's are the keys themselves)."""


@dataclass(frozen=True)
class ScheduleQuestion:
    """A schedule asked for: the series' terms, its first and last dates, the shares and the
    Conversion Price (None: the initial one)."""

    terms: SeriesTerms
    start: dt.date
    end: dt.date
    shares: Fraction
    conversion_price: Fraction | None

    @property
    def pays_in_shares(self) -> bool:
        return "pik" in self.terms.dividends.forms.value


def schedule_question(
    series: str,
    issue_date: str | None,
    shares: str | None,
    through: str | None,
    conversion_price: str | None,
    fields: Mapping[str, str],
) -> ScheduleQuestion:
    """The arguments of a schedule checked, each error naming the argument as ``fields`` calls it."""
    terms = load_terms(series_name(series, fields["series"]))
    assumption = terms.schedule_assumption
    if assumption is None and (issue_date is None or shares is None or through is None):
        names = [fields[k] for k in ("issue_date", "shares", "through")]
        raise InputError(
            "/".join(names),
            "G §2(a)",
            f"Series {terms.series} has no schedule in its certificate; give {names[0]}, {names[1]} and {names[2]}",
        )
    if issue_date:
        start = parse_date(issue_date, fields["issue_date"], "F Sched. 1")
    else:
        start = _assumed_date(assumption.closing_date.value if assumption else None)
    end = (
        parse_date(through, fields["through"], "F Sched. 1")
        if through
        else _assumed_date(assumption.through.value if assumption else None)
    )
    if shares:
        held = parse_exact(shares, fields["shares"], "F Sched. 1")
    else:
        assert assumption is not None
        held = assumption.shares.value
    price = parse_exact(conversion_price, fields["conversion_price"], "F §5(a)") if conversion_price else None
    return ScheduleQuestion(terms, start, end, held, price)


def _assumed_date(value: object) -> dt.date:
    assert isinstance(value, dt.date)
    return value


def pik_record(row: ScheduleRow) -> dict[str, str]:
    """A PIK schedule row as F Sched. 1 prints it (2, 2, 5 and 2 places), with the exact values beside."""
    shown = row.rounded()
    out = {"date": shown["date"]}
    for name, places in (
        ("incremental_shares", SHARES),
        ("total_shares", SHARES),
        ("conversion_ratio", RATIO),
        ("equivalent_common", SHARES),
    ):
        value = getattr(row, name).value
        assert isinstance(value, Fraction)
        figure = json_figure(name, value, places)
        assert figure[name] == shown[name]  # the certificate's own rounding, half-up
        out.update(figure)
    return out


def pik_records(question: ScheduleQuestion) -> list[dict[str, str]]:
    """A PIK schedule's rows (:func:`pik_record`)."""
    rows = pik_schedule(
        question.terms,
        issue_date=question.start,
        shares=question.shares,
        through=question.end,
        conversion_price=question.conversion_price,
    ).rows
    return [pik_record(r) for r in rows]


def cash_records(question: ScheduleQuestion) -> list[dict[str, Any]]:
    """A cash schedule's rows, each with the explanation of its dividend and of its cash."""
    rows = cash_schedule(question.terms, issue_date=question.start, shares=question.shares, through=question.end)
    return [{**r.record(), "explain": {"dividend": r.dividend.to_dict(), "cash": r.cash.to_dict()}} for r in rows]


def pick_row(rows: tuple[ScheduleRow, ...], wanted: str | None, field: str) -> ScheduleRow:
    """The row of a PIK schedule dated ``wanted`` (``field`` names it in an error; None: the first
    dividend's row, or the issue's where there is none)."""
    if wanted is None:
        return rows[1] if len(rows) > 1 else rows[0]
    day = parse_date(wanted, field, "F Sched. 1")
    for candidate in rows:
        if candidate.date == day:
            return candidate
    dates = ", ".join(r.date.isoformat() for r in rows)
    raise InputError(field, "F Sched. 1", f"no row dated {day}; the rows are {dates}")


def explained_row(
    question: ScheduleQuestion, wanted: str | None, fields: Mapping[str, str]
) -> tuple[Explained, tuple[str, ...]]:
    """Every input and clause behind one row of a PIK schedule (``schedule --explain``): the row's
    explanation tree and the schedule's warnings. A cash schedule is refused (its rows explain
    themselves); ``fields`` names the question's ``explain`` and ``row`` in errors."""
    terms = question.terms
    if not question.pays_in_shares:
        problem = "a cash schedule's rows explain themselves in JSON"
        raise InputError(fields["explain"], terms.dividends.forms.cite, problem)
    result = pik_schedule(
        terms,
        issue_date=question.start,
        shares=question.shares,
        through=question.end,
        conversion_price=question.conversion_price,
    )
    return pick_row(result.rows, wanted, fields["row"]).explain(), result.warnings
