"""How prefstack writes figures for people and for programs: one convention everywhere.

Clauses compute on exact fractions; this module only *shows* them. Showing rounds half-up
(ties away from zero), and never feeds back into a computation.

JSON (documented in the README, section "Numbers in JSON", and in each output schema):

- money: a decimal string with exactly two places (``"43442976.34"``);
- shares of preferred stock: a decimal string with two places, as F Sched. 1 prints them;
- a Conversion Price or other price per share: two places;
- a conversion ratio: five places, as F Sched. 1 prints it;
- shares of Common Stock outstanding: a whole-number string (``"22067995"``), with ``_exact``
  beside it if a split ever leaves a fraction;
- quantities a clause makes whole (votes, shares of Common Stock issued on a conversion or as a
  dividend): JSON integers;
- wherever the string is not the exact value, a sibling ``<name>_exact`` holds it exactly: a
  terminating decimal (``"43316.63615595769921875"``) or a fraction ``"p/q"`` (``"240/11"``).

Text: money as ``$43,442,976.34``, shares as ``43,316.64``, counts as ``22,067,995``.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from prefstack.explain import display
from prefstack.numeric import Rounding, round_to, rounded_units, to_decimal_string

__all__ = [
    "COMMON",
    "KINDS",
    "MONEY",
    "PRICE",
    "RATIO",
    "SHARES",
    "count_text",
    "exact_of",
    "figure_text",
    "fixed",
    "json_figure",
    "money_text",
    "quantity_text",
]

MONEY = 2
SHARES = 2
COMMON = 0
PRICE = 2
RATIO = 5

_SHOWN = "display (half-up; the exact value is kept)"


def _exact_number(value: Fraction | int) -> Fraction | int:
    """``value`` as a Fraction or an int; those two are taken as they are (comparing the type
    itself: an ``isinstance`` check against the numbers ABCs cost more than the rounding)."""
    return value if type(value) is Fraction or type(value) is int else Fraction(value)


def _half_up(value: Fraction | int, places: int) -> tuple[str, bool]:
    """``value`` half-up to ``places`` decimals as plain text, and whether that is exact. Integer
    arithmetic only (a state of thousands of holders writes hundreds of thousands of figures)."""
    units, exact = rounded_units(_exact_number(value), places, Rounding.HALF_UP)
    digits = str(abs(units)).rjust(places + 1, "0")
    text = digits if places == 0 else f"{digits[:-places]}.{digits[-places:]}"
    return ("-" + text if units < 0 else text), exact


def fixed(value: Fraction | int, places: int) -> str:
    """``value`` half-up to ``places`` decimals, without separators (JSON)."""
    return _half_up(value, places)[0]


def json_figure(name: str, value: Fraction | int, places: int) -> dict[str, str]:
    """``{name: fixed(value)}``, plus ``{name_exact: exact}`` when the fixed string is not exact."""
    number = _exact_number(value)
    shown, exact = _half_up(number, places)
    out = {name: shown}
    if not exact:
        out[f"{name}_exact"] = to_decimal_string(number)
    return out


def quantity_text(value: Fraction | int, places: int = SHARES) -> str:
    """``43,316.64``: thousands separators, ``places`` decimals (half-up)."""
    shown = round_to(Fraction(value), places, Rounding.HALF_UP, _SHOWN).value
    return f"{shown:,.{places}f}"


def money_text(value: Fraction | int) -> str:
    """``$43,442,976.34`` (``-$1.50`` when negative)."""
    text = quantity_text(abs(Fraction(value)), MONEY)
    return f"-${text}" if value < 0 else f"${text}"


def count_text(value: int) -> str:
    """``22,067,995``."""
    return f"{value:,}"


KINDS = ("text", "date", "money", "price", "shares", "common", "ratio", "count")
"""How a column of a table is shown: its JSON figure convention and its text form."""


def exact_of(row: Mapping[str, Any], name: str) -> Fraction:
    """The exact value of a JSON figure (its ``_exact`` sibling when the string was rounded)."""
    return Fraction(str(row.get(f"{name}_exact", row[name])))


def figure_text(row: Mapping[str, Any], name: str, kind: str, exact: bool = False) -> str:
    """A figure of a JSON result for people: money and prices ``$1,234.56``, shares ``1,234.57``,
    ratios to five places, counts ``1,234``; with ``exact``, the exact value beside a rounded one."""
    if kind in ("text", "date"):
        return "" if row[name] is None else str(row[name])
    if row[name] is None:
        return "none"
    value = exact_of(row, name)
    if kind in ("money", "price"):
        text = money_text(value)
    elif kind == "shares":
        text = quantity_text(value)
    elif kind == "ratio":
        text = quantity_text(value, RATIO)
    elif kind == "count":
        text = count_text(int(value))
    elif kind == "common":
        text = count_text(int(value)) if value.denominator == 1 else quantity_text(value)
    else:
        raise ValueError(f"no display kind {kind!r} (kinds: {', '.join(KINDS)})")
    # A price per share that is not a whole number of cents always shows its exact value beside it.
    if (exact or kind == "price") and f"{name}_exact" in row:
        text += f" (exact {display(value)})"
    return text
