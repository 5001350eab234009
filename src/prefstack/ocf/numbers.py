"""Exact numbers in and out of OCF's ``Numeric`` (a decimal string of at most ten places)."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from prefstack.decisions import decision
from prefstack.errors import InputError
from prefstack.numeric import to_decimal_string

PLACES = 10
"""OCF's Numeric holds at most ten decimal places (types/Numeric.schema.json)."""
SCALE: int = 10**PLACES
_NUMERIC = re.compile(r"^[+-]?[0-9]+(\.[0-9]{1,10})?$")
CLAUSE = "OCF Numeric"
CURRENCY = "USD"
"""The currency of every OCF Monetary prefstack writes and reads (the certificates' dollars)."""


def is_exact(value: Fraction) -> bool:
    """Whether ``value`` is a decimal of at most ten places (OCF can write it exactly)."""
    return (value * SCALE).denominator == 1


def numeric(value: Fraction | int) -> str:
    """``value`` as an OCF Numeric: exact where it has at most ten decimal places, else rounded to ten
    places half-even (reading OCF-NUMERIC-ROUNDING; the exact value travels in the extension)."""
    decision("ocf", "OCF-NUMERIC-ROUNDING")
    scaled = round(Fraction(value) * SCALE)  # a Fraction rounds half to even
    text = format(Decimal(f"{scaled}E-{PLACES}"), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def exact_string(value: Fraction | int) -> str:
    """``value`` as prefstack writes an exact number: a decimal where it is one, else ``p/q``."""
    return to_decimal_string(Fraction(value))


def parse_numeric(value: object, field: str) -> Fraction:
    """An OCF Numeric read exactly; anything else is an error naming ``field``."""
    if not isinstance(value, str) or not _NUMERIC.match(value):
        raise InputError(field, CLAUSE, f"{value!r} is not an OCF Numeric (a decimal string of at most 10 places)")
    return Fraction(value)


def agrees(ocf: Fraction, exact: Fraction) -> bool:
    """Whether an OCF Numeric read back stands for ``exact``: equal, or ``exact`` rounded to ten places."""
    return ocf == exact or (not is_exact(exact) and Fraction(numeric(exact)) == ocf)
