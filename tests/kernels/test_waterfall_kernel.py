"""The waterfall kernel (prefstack.kernels.waterfall) and its plan (prefstack.scenarios): the cents
of hand-computed cases, the refusal of an exit value above the largest supported, the equilibrium
of the conversion choices checked with the exact engine's own `gains_by_switching`, and equality to
the cent with the exact engine on the bundled CAIS capital structure (every breakpoint, one cent
either side, 10,000 random exit values) and on random capital structures (Hypothesis)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from fractions import Fraction
from functools import cache
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import in_two_halves
from prefstack.books import Books
from prefstack.clauses.liquidation import apportion_cents, apportion_cents_capped
from prefstack.clauses.liquidation_structure import (
    ClassPosition,
    StructureInputs,
    _equilibrium,
    _run,
    capital_structure_waterfall,
    gains_by_switching,
)
from prefstack.errors import InputError
from prefstack.explain import Explained
from prefstack.instruments.capital_structure import OptionTranche, bundled_for_company
from prefstack.kernels.waterfall import (
    MAX_EXIT_CENTS,
    KernelPlan,
    ProfileKernel,
    Split,
    apportion_exactly,
    pay,
    pay_exactly,
)
from prefstack.scenarios import ScenarioPlan, plan_for, structure_inputs

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
ON = dt.date(2002, 6, 30)


@cache
def cais_inputs() -> StructureInputs:
    state = Books("unused.db", None, EXAMPLE)._on(ON)
    return structure_inputs(state, bundled_for_company("CAIS Internet, Inc.", "--capital-structure"))


@cache
def cais_plan() -> ScenarioPlan:
    return plan_for(cais_inputs())


def exact_cents(inputs: StructureInputs, columns: tuple[tuple[str, str], ...], cents: int) -> list[int]:
    """The exact engine's payouts at ``cents``: the waterfall of capital_structure_waterfall with the
    choices of its equilibrium (_run of _equilibrium, as it computes them), each holding in cents."""
    at = replace(inputs, cash=Fraction(cents, 100))
    paid = _run(at, _equilibrium(at)).by_holder()
    return [int(paid.get(column, Fraction(0)) * 100) for column in columns]


# ----------------------------------------------------------------------------- by hand


def one_tier_plan(weights: tuple[int, ...], caps: tuple[int | None, ...] | None = None) -> KernelPlan:
    """A plan of one profile: no preference, everything shared by ``weights`` (caps in cents)."""
    split = Split(tuple(range(len(weights))), weights, caps or (None,) * len(weights))
    profile = ProfileKernel(0, (), split)
    columns = tuple((f"class {i}", f"holder {i}") for i in range(len(weights)))
    return KernelPlan(columns, (profile,), (0,), (0,), "F §3(b)")


def test_sainte_lague_by_hand() -> None:
    """LIQ-CENTS (Sainte-Laguë): 101 cents by 300 : 100 -> quotas 101 x 3/4 = 75.75 and 101 x 1/4 =
    25.25, rounded 76 and 25, adding up to 101. 100 cents by 1 : 1 : 1 -> quotas 33.33.. each, rounded
    33 + 33 + 33 = 99, one cent short: the priorities 1 / (33 + 1/2) tie and the first takes it: 34,
    33, 33. 1 cent by 1 : 1 -> quotas 1/2 each, rounded half up 1 + 1 = 2, one over: the priorities
    1 / (1 - 1/2) tie and the last gives it back: 1, 0 (an exact half: the float path is unsure and
    the exact path pays the row). The clause's apportion_cents gives the same."""
    assert pay(one_tier_plan((300, 100)), np.array([101])).tolist() == [[76, 25]]
    assert pay(one_tier_plan((1, 1, 1)), np.array([100])).tolist() == [[34, 33, 33]]
    assert pay(one_tier_plan((1, 1)), np.array([1])).tolist() == [[1, 0]]
    for total, weights in ((101, (300, 100)), (100, (1, 1, 1)), (1, (1, 1))):
        assert apportion_exactly(total, weights) == apportion_cents(total, [Fraction(w) for w in weights])


def test_cap_by_hand() -> None:
    """CAPSTRUCT-PARTICIPATION-CAP: 100 cents by 1 : 3 shares with the first capped at 10 cents: 25 and
    75 first; 25 > 10, so the first is fixed at 10 and the other 90 go to the second: 10, 90. At 20
    cents: 5 and 15, under the cap: 5, 15."""
    plan = one_tier_plan((1, 3), (10, None))
    assert pay(plan, np.array([100, 20])).tolist() == [[10, 90], [5, 15]]


def test_exact_ties_between_different_weights_by_hand() -> None:
    """2 cents by 3 : 1: quotas 1.5 and 0.5, rounded half up 2 + 1 = 3, one over; giving back, the
    priorities 3 / (2 - 1/2) = 2 and 1 / (1 - 1/2) = 2 tie exactly (different weights): the last gives
    it back: 2, 0 (decided in int64 by 3 x (2 x 1 - 1) <= 1 x (2 x 2 - 1), 3 <= 3)."""
    assert pay(one_tier_plan((3, 1)), np.array([2])).tolist() == [[2, 0]]
    assert apportion_cents(2, [Fraction(3), Fraction(1)]) == [2, 0]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=6).filter(any),
    st.lists(st.integers(min_value=1, max_value=5_000), min_size=1, max_size=20),
    st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=3_000)), min_size=6, max_size=6),
)
def test_small_weights_equal_the_clause_apportionment(
    weights: list[int], totals: list[int], caps: list[int | None]
) -> None:
    """Small weights (many exact ties between different weights) and totals: the kernel's
    apportionment equals the clause's apportion_cents and, with caps, apportion_cents_capped
    (where some weight stays uncapped, as the clause requires when cents remain)."""
    exits = np.array(totals)
    rows = pay(one_tier_plan(tuple(weights)), exits).tolist()
    assert rows == [apportion_cents(t, [Fraction(w) for w in weights]) for t in totals]
    capped = tuple(caps[: len(weights)])
    if any(c is None and w > 0 for c, w in zip(capped, weights, strict=True)):
        rows = pay(one_tier_plan(tuple(weights), capped), exits).tolist()
        assert rows == [apportion_cents_capped(t, [Fraction(w) for w in weights], list(capped)) for t in totals]


def test_cais_at_90_million_by_hand() -> None:
    """F §1(b)(iii), §3(a) at $90,000,000 on 2002-06-30 (the figures of the capital-structure test):
    Series C $15,000,000; D 10,000 x $1,000 + 8% simple for 923 days = $12,023,013.70; E $5,000,000:
    senior $32,023,013.70 paid in full. F and G share 9,000,000,000 - 3,202,301,370 = 5,797,698,630
    cents by their full amounts to the cent, 4,344,297,634 and 2,258,617,636 (sum 6,602,915,270):
    F's quota 5,797,698,630 x 4,344,297,634 / 6,602,915,270 = 3,814,516,378.15 -> 3,814,516,378; G
    5,797,698,630 - 3,814,516,378 = 1,983,182,252 (its quota ...251.85 rounds to it). Nothing reaches
    the Common Stock, the options or the warrant."""
    plan = cais_plan()
    paid = dict(zip(plan.columns, plan.payouts(np.array([9_000_000_000]))[0].tolist(), strict=True))
    assert paid[("Series C", "holders of Series C")] == 1_500_000_000
    assert paid[("Series D", "holders of Series D")] == 1_202_301_370
    assert paid[("Series E", "holders of Series E")] == 500_000_000
    assert paid[("F", "Microsoft Corporation")] == 3_814_516_378
    assert paid[("G", "3Com Corporation")] == 1_983_182_252
    assert paid[("Common Stock", "holders of Common Stock")] == 0


def test_an_exit_above_the_largest_supported_is_refused() -> None:
    """MAX_EXIT_CENTS is $100,000,000,000.00; one cent more is refused naming the field, as is one
    cent above the range a plan was made for (its choices there were not weighed), and negative and
    fractional exit values."""
    plan = cais_plan()
    assert plan.payouts(np.array([MAX_EXIT_CENTS])).shape == (1, len(plan.columns))
    with pytest.raises(InputError) as refused:
        plan.payouts(np.array([MAX_EXIT_CENTS + 1]), field="--to")
    assert refused.value.field == "--to" and "largest exit value" in refused.value.problem
    small = plan_for(cais_inputs(), 100_000_000_000)  # made for exits up to $1,000,000,000
    with pytest.raises(InputError, match="the plan was made for"):
        small.payouts(np.array([100_000_000_001]))
    with pytest.raises(InputError, match="negative"):
        plan.payouts(np.array([-1]))
    with pytest.raises(InputError, match="whole cents"):
        plan.payouts(np.array([1.5]))


# ----------------------------------------------------------------------------- the equilibrium


def test_every_stretch_is_an_equilibrium_by_the_exact_engine() -> None:
    """CAPSTRUCT-CONVERSION-CHOICE: at the first and last cent of every stretch of the plan and in its
    middle, no class or tranche gains by switching alone: the exact engine's gains_by_switching gives
    (as chosen, switched) with as chosen >= switched, and > for a class that converts or a tranche
    exercised (it chose so because it paid strictly more). The stretches found on the CAIS structure:
    nobody, then the management options, then Series C, the Qwest Warrant and Series D join."""
    plan = cais_plan()
    assert [sorted(s.chosen) for s in plan.stretches] == [
        [],
        ["Management options"],
        ["Management options", "Series C"],
        ["Management options", "Qwest Warrant", "Series C"],
        ["Management options", "Qwest Warrant", "Series C", "Series D"],
    ]
    inputs = cais_inputs()
    ends = [s.start for s in plan.stretches[1:]] + [plan.stretches[-1].start + 10**10]
    for stretch, end in zip(plan.stretches, ends, strict=True):
        for cents in (stretch.start, (stretch.start + end) // 2, end - 1):
            at = replace(inputs, cash=Fraction(cents, 100))
            for name in plan.deciders:
                kept, switched = gains_by_switching(at, stretch.chosen, name)
                assert kept >= switched, (cents, name)
                if name in stretch.chosen:
                    assert kept > switched, (cents, name)


# ----------------------------------------------------------------------------- equal to the exact engine


def test_cais_breakpoints_and_a_cent_either_side_equal_the_exact_engine() -> None:
    """Every breakpoint of the CAIS plan (as whole cents: its floor and ceiling) and one cent either
    side: the kernel's cents equal capital_structure_waterfall's, holding by holding."""
    plan, inputs = cais_plan(), cais_inputs()
    assert len(plan.breakpoints) == 7
    points = sorted(
        {
            c
            for b in plan.breakpoints
            for base in (int(b.exit_value * 100),)
            for c in range(base - 1, base + 3)
            if c >= 0
        }
    )
    kernel = plan.payouts(np.array(points))
    for row, cents in zip(kernel.tolist(), points, strict=True):
        whole = capital_structure_waterfall(
            bundled_for_company("CAIS Internet, Inc.", "--capital-structure").structure,
            Fraction(cents, 100),
            (),
            (),
            inputs.parity,
            inputs.junior,
            ON,
        ).waterfall.by_holder()
        assert row == [int(whole.get(c, Fraction(0)) * 100) for c in plan.columns], cents


def test_cais_10000_random_exits_equal_the_exact_engine() -> None:
    """10,000 exit values drawn uniformly from $0 to $2,000,000,000 (past the last breakpoint, $1.5
    billion): every holding's cents equal the exact engine's."""
    plan, inputs = cais_plan(), cais_inputs()
    rng = random.Random(15)
    exits = [rng.randrange(0, 200_000_000_000) for _ in range(10_000)]
    kernel = plan.payouts(np.array(exits, dtype=np.int64)).tolist()
    rows = in_two_halves(lambda part: [exact_cents(inputs, plan.columns, c) for c in part], exits)
    differ = [c for c, row, exact in zip(exits, kernel, rows, strict=True) if row != exact]
    assert differ == []


def test_the_float_path_and_the_exact_path_agree_on_a_million_exits() -> None:
    """Every row of a million exit values the float path was sure of equals the scalar exact path
    on a sample of 2,000 of them (the exact path is Python integers throughout)."""
    plan = cais_plan()
    exits = np.random.default_rng(7).integers(0, 200_000_000_000, 1_000_000)
    paid = plan.payouts(exits)
    stretch = np.searchsorted(np.asarray(plan.kernel.starts), exits, side="right") - 1
    for i in np.random.default_rng(8).choice(exits.size, 2_000, replace=False):
        profile = plan.kernel.profiles[plan.kernel.kernel_of[int(stretch[i])]]
        assert paid[i].tolist() == pay_exactly(profile, int(exits[i]), len(plan.columns), plan.clause).tolist()


def _position(
    name: str, rank: int, amount: Fraction, converts: Fraction | None, shares: Fraction, cap: Fraction | None
) -> ClassPosition:
    participates = shares > 0
    return ClassPosition(
        name=name,
        rank=rank,
        preference=Explained(f"{name}: liquidation preference", amount, "F §1(b)"),
        common_if_converted=converts,
        participates=participates,
        as_converted_common=shares if participates else Fraction(0),
        cap_total=cap,
        notes=(("source", "drawn"), ("illustrative", True)),
    )


money = st.fractions(min_value=0, max_value=50_000_000, max_denominator=1000)
shares = st.fractions(min_value=1, max_value=5_000_000, max_denominator=100)
classes = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=3),
        money,
        st.one_of(st.none(), shares),
        st.one_of(st.just(Fraction(0)), shares),
        st.one_of(st.none(), money),
    ),
    min_size=0,
    max_size=3,
)
tranches = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=2_000_000), st.fractions(min_value=0, max_value=50, max_denominator=100)
    ),
    max_size=2,
)


@settings(max_examples=80, derandomize=True, deadline=None)
@given(classes, tranches, st.integers(min_value=1, max_value=30_000_000), st.randoms(use_true_random=False))
def test_random_capital_structures_equal_the_exact_engine(
    drawn: list[tuple[int, Fraction, Fraction | None, Fraction, Fraction | None]],
    options: list[tuple[int, Fraction]],
    common: int,
    rng: random.Random,
) -> None:
    """Random capital structures around the example's Series F and G (certificate rank 2): up to three
    classes of rank 1 (senior), 2 (parity) or 3, each with a preference, maybe convertible, maybe
    participating, maybe capped; up to two tranches; Common Stock outstanding. At every breakpoint,
    one cent either side, and 15 random exits, the kernel's cents equal the exact engine's."""
    base = cais_inputs()
    positions = tuple(
        _position(f"Class {i}", rank, amount, converts, participating, cap)
        for i, (rank, amount, converts, participating, cap) in enumerate(drawn)
    )
    tranche = tuple(
        OptionTranche(
            kind="option",
            name=f"Tranche {i}",
            count=str(count),
            strike_price=f"{strike.numerator}/{strike.denominator}",
            exercisable_for="Common Stock",
            source="drawn",
            illustrative=True,
        )
        for i, (count, strike) in enumerate(options)
    )
    junior = (replace(base.junior[0], common_shares=Fraction(common)),)
    inputs = replace(base, positions=positions, tranches=tranche, junior=junior)
    plan = plan_for(inputs, 10**12)
    points = {c for b in plan.breakpoints for base_ in (int(b.exit_value * 100),) for c in range(base_ - 1, base_ + 3)}
    top = max([int(b.exit_value * 100) for b in plan.breakpoints] + [10**8]) * 2
    points |= {rng.randrange(0, top) for _ in range(15)}
    exits = sorted(c for c in points if 0 <= c <= 10**12)
    kernel = plan.payouts(np.array(exits, dtype=np.int64)).tolist()
    for cents, row in zip(exits, kernel, strict=True):
        assert row == exact_cents(inputs, plan.columns, cents), cents


def test_without_a_capital_structure_equal_to_books_waterfall() -> None:
    """--capital-structure none: Series F and G, then the Common Stock. On 2002-06-30 the one
    breakpoint is F and G paid in full (their full amounts $43,442,976.34 + $22,586,176.36 =
    $66,029,152.70 to the cent); at exit values around it and far past it the kernel's cents equal
    Books.waterfall's, holding by holding."""
    books = Books("unused.db", None, EXAMPLE)
    plan = books.scenario_plan(ON, None)
    assert [b.reason for b in plan.breakpoints] == ["parity preferences (F, G) paid in full"]
    assert abs(plan.breakpoints[0].exit_value - Fraction("66029152.70")) < Fraction(1, 100)
    exits = [0, 1, 500_000_000, 6_602_915_269, 6_602_915_270, 6_602_915_271, 12_345_678_901, 10**12]
    for cents, row in zip(exits, plan.payouts(np.array(exits)).tolist(), strict=True):
        paid: dict[tuple[str, str], Fraction] = {}
        for p in books.waterfall(ON, Fraction(cents, 100)).payouts:
            paid[(p.security, p.holder)] = paid.get((p.security, p.holder), Fraction(0)) + p.amount.value
        assert row == [int(paid.get(c, Fraction(0)) * 100) for c in plan.columns], cents


def test_another_reading_is_refused_by_name() -> None:
    """The kernel computes prefstack's LIQ-CENTS (Sainte-Laguë) only: under largest-remainder the plan
    is refused, naming the reading (the exact `prefstack waterfall` computes it)."""
    books = Books("unused.db", None, EXAMPLE, readings=(("LIQ-CENTS", "largest-remainder"),))
    with pytest.raises(InputError) as refused:
        books.scenario_plan(ON, None)
    assert refused.value.field == "--reading" and "LIQ-CENTS" in refused.value.problem
