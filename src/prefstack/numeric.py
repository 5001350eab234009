"""Exact quantities and the one place where prefstack rounds.

Every clause computes on :class:`fractions.Fraction`; nothing is rounded until a clause
says so. :func:`round_to` is the single rounding entry point: it takes the number of
places, the rounding mode and the citation of the clause that demands the rounding, so a
reader of any figure can see why it was rounded and how.

Floats are refused everywhere: a legal amount is never binary floating point.
"""

from __future__ import annotations

import decimal
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from prefstack.errors import InputError

__all__ = [
    "Rounded",
    "Rounding",
    "exact",
    "floor_whole",
    "round_to",
    "to_decimal_string",
]


class Rounding(Enum):
    """Rounding modes used by the certificates' clauses (named by what they do)."""

    HALF_UP = decimal.ROUND_HALF_UP
    """Nearest, ties away from zero: "to the nearest cent", F Sched. 1's two decimals."""
    DOWN = decimal.ROUND_DOWN
    """Towards zero: whole shares, the rest paid in cash (F §5(b))."""
    HALF_EVEN = decimal.ROUND_HALF_EVEN
    """Nearest, ties to the even digit (banker's rounding): an alternative reading only
    (AD-ROUND-CENT=half-even)."""


@dataclass(frozen=True)
class Rounded:
    """A rounded figure together with the exact value and the reason for rounding."""

    value: Decimal
    exact: Fraction
    places: int
    mode: Rounding
    clause: str


MAX_NUMBER_CHARACTERS = 100
"""The longest number prefstack reads (a ledger or terms file, an option): beyond it, a refusal."""
MAX_EXPONENT = 40
"""At most this many digits before or after the decimal point (``1e999999999`` would take hours)."""


_PLAIN_DECIMAL = re.compile(r"(-?)([0-9]{1,40})(\.([0-9]{1,40}))?")


def exact(value: object, *, field: str, clause: str) -> Fraction:
    """Parse ``value`` into an exact Fraction.

    Accepts ``int``, ``Decimal``, ``Fraction`` and strings such as ``"1000.00"``,
    ``"-3"`` or ``"2/3"``. Refuses floats, booleans and anything else with an
    :class:`InputError` that names ``field`` and ``clause``.
    """
    if isinstance(value, (bool, float)):
        raise InputError(field, clause, f"must be written as an exact number (a string), not {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError(field, clause, f"must be a finite number, not {value}")
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise InputError(field, clause, "is empty; an exact number is required")
        if len(text) > MAX_NUMBER_CHARACTERS:
            raise InputError(
                field, clause, f"has {len(text)} characters; numbers are at most {MAX_NUMBER_CHARACTERS} long"
            )
        plain = _PLAIN_DECIMAL.fullmatch(text)
        if plain is not None:  # most numbers: what Decimal would give, without building one
            whole, places = plain.group(2), plain.group(4) or ""
            digits = int(whole + places)
            return Fraction(-digits if plain.group(1) else digits, 10 ** len(places))
        try:
            if "/" in text:
                num, den = text.split("/", 1)
                return Fraction(int(num), int(den))
            dec = Decimal(text)
        except (ValueError, ZeroDivisionError, decimal.InvalidOperation) as exc:
            raise InputError(field, clause, f"{text!r} is not an exact number") from exc
        if not dec.is_finite():
            raise InputError(field, clause, f"must be a finite number, not {text!r}")
        exponent = dec.as_tuple().exponent
        assert isinstance(exponent, int)
        if abs(exponent) > MAX_EXPONENT or dec.adjusted() > MAX_EXPONENT:
            raise InputError(
                field,
                clause,
                f"{text!r} is out of range: at most {MAX_EXPONENT} digits before or after the decimal point",
            )
        return Fraction(dec)
    raise InputError(field, clause, f"must be an exact number, not {type(value).__name__}")


_UNROUNDED = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
"""The context of a rounded figure's shift of its decimal point: every digit kept (the default
context's 28 significant digits would round a figure of more digits a second time)."""


def round_to(value: Fraction, places: int, mode: Rounding, clause: str) -> Rounded:
    """Round an exact value to ``places`` decimals with ``mode``, because ``clause`` says so.

    Integer arithmetic on the exact value: no intermediate rounding can creep in.
    """
    exact = Fraction(value)
    units, _ = rounded_units(exact, places, mode)
    result = Decimal(units).scaleb(-places, _UNROUNDED)
    return Rounded(value=result, exact=exact, places=places, mode=mode, clause=clause)


def rounded_units(value: Fraction | int, places: int, mode: Rounding) -> tuple[int, bool]:
    """``value`` rounded with ``mode`` to a whole number of units of ``10**-places`` (signed), and
    whether that is exact: the integer arithmetic of :func:`round_to`, shared with the display of
    figures (:mod:`prefstack.figures`). An ``int`` is read through the same ``numerator`` and
    ``denominator`` (a state writes hundreds of thousands of figures; converting each to a
    Fraction first took a third of the time)."""
    if places < 0:
        raise ValueError("places must be zero or more")
    numerator, denominator = value.numerator, value.denominator
    whole, remainder = divmod(abs(numerator) * 10**places, denominator)
    half_or_more = 2 * remainder >= denominator  # the dropped part is at least 1/2
    tie_to_even = 2 * remainder == denominator and whole % 2 == 0  # exactly 1/2, the kept digit even
    if (mode is Rounding.HALF_UP and half_or_more) or (mode is Rounding.HALF_EVEN and half_or_more and not tie_to_even):
        whole += 1
    return (-whole if numerator < 0 else whole), remainder == 0


def floor_whole(value: Fraction) -> tuple[int, Fraction]:
    """Split a non-negative quantity into whole units and the remaining fraction."""
    if value < 0:
        raise ValueError("floor_whole takes a non-negative quantity")
    whole = value.numerator // value.denominator
    return whole, value - whole


def _power_of_five(number: int) -> int | None:
    """``k`` where ``number == 5**k``, else None. One power is computed and compared (the
    denominators of compounded dividends hold dozens of fives; dividing them out one at a time
    took most of the time of writing a large state's exact figures)."""
    if number == 1:
        return 0
    guess = round(math.log(number, 5))  # exact enough to land within one of k for any size
    for k in (guess - 1, guess, guess + 1):
        if k > 0 and 5**k == number:
            return k
    return None


def to_decimal_string(value: Fraction | int) -> str:
    """The exact value as a string: a terminating decimal when there is one, else ``p/q``.

    This never rounds; it is how prefstack writes exact figures to JSON and the ledger.
    """
    numerator, denominator = value.numerator, value.denominator
    if denominator == 1:
        return str(numerator)
    twos = (denominator & -denominator).bit_length() - 1  # the power of 2 dividing it
    fives = _power_of_five(denominator >> twos)
    if fives is None:
        return f"{numerator}/{denominator}"
    places = max(twos, fives)
    # Integer digits and string slicing only: Decimal arithmetic would round to its context's
    # 28 significant digits, and an exact figure must keep every digit. The denominator divides
    # 10**places, so the scaled value is a whole number.
    scaled = numerator * (10**places // denominator)
    digits = str(abs(scaled)).rjust(places + 1, "0")
    sign = "-" if scaled < 0 else ""
    if places == 0:
        return f"{sign}{digits}"
    return f"{sign}{digits[:-places]}.{digits[-places:]}"
