"""The arguments of a question as a person types them (a date, an exact number, a series id),
checked the same way for the command line and the web service: a value that cannot be used is an
:class:`~prefstack.errors.InputError` naming the option or parameter (``field``) it came from."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from prefstack.errors import InputError
from prefstack.numeric import exact

__all__ = ["parse_date", "parse_exact", "series_name"]


def parse_date(text: str, field: str, clause: str) -> dt.date:
    """``text`` as a date (YYYY-MM-DD) within the years prefstack computes."""
    from prefstack.terms.schema import checked_date

    try:
        return checked_date(dt.date.fromisoformat(text))
    except ValueError as exc:
        problem = str(exc) if "outside" in str(exc) else f"{text!r} is not a date (YYYY-MM-DD)"
        raise InputError(field, "option", problem) from exc


def parse_exact(text: str, field: str, clause: str) -> Fraction:
    """``text`` as an exact number ("1000.00", "2/3"), never a float."""
    return exact(text, field=field, clause=clause)


def series_name(text: str, field: str = "SERIES") -> str:
    """A series id prefstack knows (case-insensitive: ``f`` is F)."""
    from prefstack.terms.schema import series_names

    series = text.upper()
    if series not in series_names():
        raise InputError(field, "series", f"unknown series {text!r}; prefstack knows {', '.join(series_names())}")
    return series
