"""Explained values: a figure, the clause it comes from, its inputs and how it was built.

Every clause function in :mod:`prefstack.clauses` can return an :class:`Explained` so
that "why is this number what it is?" is answered with the clause, the inputs and the
figures it was built from, as text or JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from prefstack.numeric import to_decimal_string

Scalar = Fraction | Decimal | int | str | dt.date | bool | None


def exact_value(x: Explained) -> Fraction:
    """The exact number an explained figure holds (a Fraction, or a whole number as one)."""
    value = x.value
    if type(value) is Fraction:  # the usual case, without the numbers ABC's instance check
        return value
    assert isinstance(value, int) and not isinstance(value, bool)
    return Fraction(value)


def render(value: Scalar) -> str:
    """How a value is written in an explanation.

    Terminating decimals are written exactly; any other fraction is written exactly as
    ``p/q`` when that is short, else to 12 decimals followed by an ellipsis (display only:
    the computation keeps the exact value).
    """
    if isinstance(value, Fraction):
        return display(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return "none"
    return str(value)


def display(value: Fraction, places: int = 12) -> str:
    """An exact value for people: a terminating decimal as it is; any other value to
    ``places`` decimals with an ellipsis, followed by the exact fraction when that is short."""
    text = to_decimal_string(value)
    if "/" not in text:
        return text
    scaled = abs(value) * 10**places
    digits = scaled.numerator // scaled.denominator
    if scaled - digits >= Fraction(1, 2):
        digits += 1
    sign = "-" if value < 0 else ""
    approx = f"{sign}{Decimal(digits).scaleb(-places)}…"
    return f"{approx} (={text})" if len(text) <= 24 else approx


@dataclass(frozen=True)
class Explained:
    """A computed figure with the clause behind it, its inputs and its parts."""

    name: str
    value: Scalar
    clause: str
    inputs: Mapping[str, Scalar] = field(default_factory=dict)
    parts: Sequence[Explained] = ()
    formula: str = ""
    interpretations: Sequence[str] = ()

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "name": self.name,
            "value": render(self.value),
            "clause": self.clause,
        }
        if self.formula:
            out["formula"] = self.formula
        if self.inputs:
            out["inputs"] = {k: render(v) for k, v in self.inputs.items()}
        if self.interpretations:
            out["interpretations"] = list(self.interpretations)
        if self.parts:
            out["parts"] = [p.to_dict() for p in self.parts]
        return out

    def to_text(self, indent: int = 0) -> str:
        pad = "  " * indent
        lines = [f"{pad}{self.name} = {render(self.value)}    [{self.clause}]"]
        if self.formula:
            lines.append(f"{pad}  formula: {self.formula}")
        for key, val in self.inputs.items():
            lines.append(f"{pad}  input {key} = {render(val)}")
        for ident in self.interpretations:
            lines.append(f"{pad}  interpretation {ident}")
        for part in self.parts:
            lines.append(part.to_text(indent + 1))
        return "\n".join(lines)
