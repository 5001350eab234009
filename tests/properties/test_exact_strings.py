"""Exact figures written as strings (JSON, CSV, ledger export) keep every digit: reading the string
back gives the same Fraction, however many digits it has."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.numeric import to_decimal_string


def test_a_thirty_digit_figure_is_not_cut_to_twenty_eight() -> None:
    """G §2(a): 20,000 shares compounded at 1.5% for 20 quarters = 20,000 x (203/200)^20, a terminating
    decimal of 64 significant digits. It used to be written with Decimal's 28 (26937.10013100112075201186036)."""
    value = 20_000 * Fraction(203, 200) ** 20
    text = to_decimal_string(value)
    assert Fraction(text) == value
    assert text == "26937.1001310011207520118603552482022987538383502960205078125"


@settings(max_examples=300, derandomize=True)
@given(
    st.integers(min_value=-(10**60), max_value=10**60),
    st.integers(min_value=0, max_value=80),
    st.integers(min_value=0, max_value=80),
)
def test_terminating_fractions_round_trip(numerator: int, twos: int, fives: int) -> None:
    value = Fraction(numerator, 2**twos * 5**fives)
    text = to_decimal_string(value)
    assert "/" not in text and "e" not in text.lower()
    assert Fraction(text) == value


@settings(max_examples=200, derandomize=True)
@given(st.fractions(max_denominator=10**12))
def test_every_fraction_round_trips(value: Fraction) -> None:
    assert Fraction(to_decimal_string(value)) == value


@settings(max_examples=500, deadline=None)
@given(
    st.booleans(),
    st.text(alphabet="0123456789", min_size=1, max_size=41),
    st.one_of(st.none(), st.text(alphabet="0123456789", min_size=1, max_size=41)),
)
def test_a_plain_decimal_string_reads_as_decimal_reads_it(negative: bool, whole: str, places: str | None) -> None:
    """Numbers written as plain decimals take a fast path: the same exact value Decimal gives,
    leading zeros, '-0' and the 40-digit limits included (41 digits go the long way, same result)."""
    from decimal import Decimal

    from prefstack.numeric import exact

    text = ("-" if negative else "") + whole + ("" if places is None else "." + places)
    if len(whole) > 41 or (places is not None and len(places) > 40):
        return
    assert exact(text, field="n", clause="number format") == Fraction(Decimal(text))


@settings(max_examples=500, derandomize=True)
@given(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.integers(min_value=1, max_value=10**15),
    st.integers(min_value=0, max_value=12),
    st.sampled_from(["HALF_UP", "DOWN"]),
)
def test_round_to_is_decimal_quantize_on_the_exact_value(
    numerator: int, denominator: int, places: int, mode: str
) -> None:
    """round_to works on integers only; it equals Decimal's quantize of the exact quotient, ties away from
    zero for HALF_UP, and keeps every digit however many (it used to cut a figure to 28 significant digits).
    The quotient is truncated at 200 digits: with a denominator under 10**15 the dropped digits cannot
    move it across a rounding boundary."""
    from decimal import ROUND_DOWN, Context, Decimal

    from prefstack.numeric import Rounding, round_to

    value = Fraction(numerator, denominator)
    rounding = Rounding[mode]
    quotient = Context(prec=200, rounding=ROUND_DOWN).divide(Decimal(numerator), Decimal(denominator))
    expected = quotient.quantize(Decimal(1).scaleb(-places), rounding=rounding.value, context=Context(prec=200))
    rounded = round_to(value, places, rounding, "test")
    assert rounded.value == expected and rounded.exact == value
    assert Fraction(rounded.value) == Fraction(expected)


@settings(max_examples=500, derandomize=True)
@given(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=1, max_value=10**12),
    st.integers(min_value=0, max_value=6),
)
def test_a_json_figure_is_the_half_up_decimal_and_says_when_it_is_not_exact(
    numerator: int, denominator: int, places: int
) -> None:
    """figures.json_figure writes round_to's half-up value as plain text (never '-0.00' nor an exponent),
    with the exact value beside it exactly when the text is not exact."""
    from decimal import Decimal

    from prefstack.figures import json_figure
    from prefstack.numeric import Rounding, round_to

    value = Fraction(numerator, denominator)
    out = json_figure("x", value, places)
    rounded = round_to(value, places, Rounding.HALF_UP, "test").value
    assert Decimal(out["x"]) == rounded and "E" not in out["x"]
    assert not (rounded == 0 and out["x"].startswith("-"))
    assert len(out["x"].partition(".")[2]) == places
    assert ("x_exact" in out) == (Fraction(out["x"]) != value)
    if "x_exact" in out:
        assert Fraction(out["x_exact"]) == value


@settings(max_examples=100, derandomize=True)
@given(st.integers(min_value=1, max_value=4_000), st.sampled_from([-2, 0, 2]))
def test_the_power_of_five_of_a_long_denominator_is_found_exactly(fives: int, off: int) -> None:
    """The number of fives in a denominator is found by one power, not by dividing one at a time: a
    denominator two off a power of five (odd, not terminating) is told from the power itself however long."""
    denominator = 5**fives + off
    text = to_decimal_string(Fraction(1, denominator))
    assert Fraction(text) == Fraction(1, denominator)
    if off == 0:
        assert "/" not in text and len(text.split(".")[1]) == fives
    else:
        assert text == f"1/{denominator}"


@settings(max_examples=400, derandomize=True)
@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=0, max_value=6), st.integers(0, 4))
def test_rounding_of_a_decimal_agrees_with_decimals_own_modes(units: int, scale: int, places: int) -> None:
    """round_to (integer arithmetic) rounds a terminating decimal as Decimal.quantize does, in each
    mode: half-up, down, and half-even (an alternative reading's)."""
    import decimal

    from prefstack.numeric import Rounding, round_to

    value = Fraction(units, 10**scale)
    exact = decimal.Decimal(units).scaleb(-scale)
    for mode in Rounding:
        with decimal.localcontext(decimal.Context(prec=60)):
            expected = exact.quantize(decimal.Decimal(1).scaleb(-places), rounding=mode.value)
        assert round_to(value, places, mode, "test").value == expected, mode
