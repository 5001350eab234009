"""The GPU path (``value --method mc --engine gpu``): the kernels of
``src/prefstack/kernels/valuation.cu`` and their host code (:mod:`prefstack.kernels.gpu`).

Every test here runs without a GPU: the same CUDA C source is compiled by the C++ compiler for the
CPU (the kernels are grid-stride loops over independent indices, so one thread of one block runs
every index in one call) and launched through ctypes, the arrays NumPy's. Each kernel is checked
against an independent computation: the generator against NumPy's Philox, the pilot run against the
host's regression on the same paths, the pricing against the host's pricing of the same paths.
Where CuPy and a GPU are present, the last test runs the kernels on the GPU and checks them against
this CPU build; elsewhere it checks that the GPU path says why it cannot run.
"""

from __future__ import annotations

import ctypes
import dataclasses
import math
import shutil
import subprocess
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from benchmarks.valuation import five_year_share
from tests.kernels.test_valuation_kernels import series_f_share

from prefstack.kernels import valuation
from prefstack.kernels.gpu import KernelDevice, kernel_pilot, kernel_runner, kernel_source, seed_key
from prefstack.kernels.valuation import (
    Convertible,
    GpuUnavailable,
    Intervals,
    Market,
    chunked_monte_carlo,
    conversion_dates,
    drift_and_deviation,
    host_pilot,
    price_chunk,
)

SHIM = """
#include <math.h>
struct ps_dim { unsigned x; };
static const ps_dim threadIdx = {0}, blockIdx = {0}, blockDim = {1}, gridDim = {1};
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __syncthreads() ((void)0)
"""


def _argument(value: Any) -> Any:
    """A kernel's argument as ctypes passes it: an array by its address, a scalar by its NumPy type."""
    if isinstance(value, np.ndarray):
        assert value.flags.c_contiguous, "a kernel reads its arrays contiguously"
        return ctypes.c_void_p(value.ctypes.data)
    for kind, c_type in (
        (np.int32, ctypes.c_int32),
        (np.int64, ctypes.c_int64),
        (np.uint64, ctypes.c_uint64),
        (np.float64, ctypes.c_double),
    ):
        if isinstance(value, kind):
            return c_type(value)
    raise TypeError(f"a kernel argument must be a NumPy array or a typed NumPy scalar, not {type(value).__name__}")


class CompiledOnCpu:
    """The kernels compiled by the C++ compiler, run on the CPU: a :class:`KernelDevice` whose
    blocks are one thread."""

    xp = np
    block = 1

    def __init__(self, library: Path) -> None:
        self._library = ctypes.CDLL(str(library))

    def launch(self, name: str, threads: int, *args: Any) -> None:
        getattr(self._library, name)(*(_argument(a) for a in args))

    def to_host(self, array: Any) -> np.ndarray[Any, Any]:
        return np.asarray(array)


@pytest.fixture(scope="module")
def cpu_build(tmp_path_factory: pytest.TempPathFactory) -> CompiledOnCpu:
    compiler = shutil.which("g++")
    assert compiler, "g++ is needed to build the GPU kernels for the CPU (make test installs it)"
    folder = tmp_path_factory.mktemp("kernels")
    (folder / "shim.h").write_text(SHIM)
    (folder / "valuation.cu").write_text(kernel_source())
    library = folder / "valuation.so"
    subprocess.run(
        [compiler, "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unknown-pragmas", "-shared", "-fPIC", "-include",
         str(folder / "shim.h"), "-x", "c++", str(folder / "valuation.cu"), "-o", str(library)],
        check=True,
    )  # fmt: skip
    return CompiledOnCpu(library)


def _philox_words(device: KernelDevice, key: tuple[int, int], counters: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    xp = device.xp
    out = xp.zeros(counters.size, dtype=xp.uint64)
    n = counters.shape[0]
    device.launch("ps_philox_words", n, np.uint64(key[0]), np.uint64(key[1]), np.int64(n), xp.asarray(counters), out)
    return device.to_host(out).reshape(n, 4)


def test_the_generator_is_philox4x64_10_word_for_word(cpu_build: CompiledOnCpu) -> None:
    """NumPy's ``Philox`` is Philox4x64-10 and, started at counter c, gives the block of c + 1
    first: for random keys and counters (the low word at least 1, the high words anywhere), the
    kernel's words equal NumPy's."""
    rng = np.random.default_rng(20261204)
    for _ in range(5):
        key = tuple(int(k) for k in rng.integers(0, 2**64, 2, dtype=np.uint64))
        counters = rng.integers(0, 2**64, (16, 4), dtype=np.uint64)
        counters[:, 0] = np.maximum(counters[:, 0], 1)
        words = _philox_words(cpu_build, (key[0], key[1]), counters)
        for counter, got in zip(counters, words, strict=True):
            before = counter.copy()
            before[0] -= 1
            expected = np.random.Philox(counter=before, key=np.array(key, dtype=np.uint64)).random_raw(4)
            assert got.tolist() == expected.tolist()


def _pilot_logs(device: KernelDevice, market: Market, times: Any, pairs: int, seed: Any) -> np.ndarray[Any, Any]:
    drift, deviation = drift_and_deviation(market, times)
    logs = np.empty(len(times) * 2 * pairs)
    device.launch(
        "ps_pilot_paths", pairs, *seed_key(seed), np.int64(pairs), np.int32(len(times)),
        np.float64(math.log(market.floats()[0])), drift, deviation, logs,
    )  # fmt: skip
    return logs.reshape(len(times), 2 * pairs)


def test_the_paths_are_the_normals_of_the_generator_cumulated(cpu_build: CompiledOnCpu) -> None:
    """A pair's log prices: log spot + the sum to each date of drift +- deviation x Z, the Z of
    dates 4b .. 4b + 3 the Box-Muller transform of block (k, b) of the generator (u1 in (0, 1], u2 in
    [0, 1), 53 bits each), computed here from NumPy's Philox."""
    _, times = series_f_share()
    market = Market(8.90, 0.8, 0.05, 0.0, 0.03)
    seed = np.random.SeedSequence(11)
    logs = _pilot_logs(cpu_build, market, times, 4, seed)
    k0, k1 = seed_key(seed)
    drift, deviation = drift_and_deviation(market, times)
    for k in range(1, 4):  # NumPy's Philox started at (k - 1, b, 0, 0) gives the block (k, b, 0, 0) first
        z = []
        for b in range(-(-len(times) // 4)):
            start = np.array([k - 1, b, 0, 0], dtype=np.uint64)
            words = np.random.Philox(counter=start, key=np.array([k0, k1], dtype=np.uint64)).random_raw(4)
            for h in range(2):
                u1 = (int(words[2 * h]) >> 11) + 1
                u2 = int(words[2 * h + 1]) >> 11
                r = math.sqrt(-2.0 * math.log(u1 * 2.0**-53))
                z += [r * math.cos(2 * math.pi * u2 * 2.0**-53), r * math.sin(2 * math.pi * u2 * 2.0**-53)]
        up = math.log(8.90) + np.cumsum(drift + deviation * np.array(z[: len(times)]))
        down = math.log(8.90) + np.cumsum(drift - deviation * np.array(z[: len(times)]))
        assert np.allclose(logs[:, k], up, rtol=0, atol=1e-12)
        assert np.allclose(logs[:, 4 + k], down, rtol=0, atol=1e-12)


PRICES = np.geomspace(0.01, 100_000.0, 20_001)
"""Stock prices from a cent to $100,000, 0.05% apart: where two policies are compared."""

CONVERTING = Market(8.90, 0.8, 0.05, 0.09, 0.03)
"""A market where the Series F share may be worth converting before the cut-off: a dividend yield
of 9% a year loses the stock more over a quarter (2.2%) than the share accretes (1.75%), so no date
is left out as dominated by the next (the next-date bound) and the pilot run regresses at each."""


def paying(market: Market) -> Market:
    """``market`` with a dividend yield of 8% a year and the stock at $15: conversion of the shares
    of 100 shares of Common Stock paying $17.50 a quarter in cash then competes with holding on
    above the claim's threshold (about $10), on most paths (with no dividend yield holding to the
    next date is worth more at every price: the next-date bound)."""
    return dataclasses.replace(market, spot=Fraction(15), dividend_yield=Fraction(8, 100))


def _assert_same_decisions(
    ours: Intervals, theirs: Intervals, rel_tol: float, prices: np.ndarray[Any, Any] = PRICES
) -> None:
    """Two policies of a date convert at the same stock prices (of :data:`PRICES`, both signs), but
    for prices within ``rel_tol`` of a boundary (roots of the fitted cubic far outside these prices,
    which rounding may make real or complex, decide nothing here)."""
    prices = np.concatenate((-prices[::-1], prices))

    def inside(region: Intervals) -> np.ndarray[Any, Any]:
        found = np.zeros(len(prices), dtype=bool)
        for low, high in region:
            found |= (low < prices) & (high >= prices)
        return found

    edges = np.array([edge for region in (ours, theirs) for interval in region for edge in interval])
    edges = edges[np.isfinite(edges)]
    near = np.zeros(len(prices), dtype=bool)
    for edge in edges:
        near |= np.abs(prices - edge) <= rel_tol * np.abs(edge)
    differ = inside(ours) != inside(theirs)
    assert not np.any(differ & ~near), (ours, theirs)


def _device_intervals(device: KernelDevice, gaps: np.ndarray[Any, Any], spot0: float) -> list[Intervals]:
    xp, n = device.xp, len(gaps)
    count = xp.zeros(n, dtype=xp.int32)
    low, high = xp.zeros(2 * n), xp.zeros(2 * n)
    device.launch(
        "ps_positive_intervals_of", n, np.int64(n), xp.asarray(gaps.reshape(-1)), np.float64(spot0),
        np.float64(math.inf), count, low, high,
    )  # fmt: skip
    counts, lows, highs = (device.to_host(a) for a in (count, low, high))
    assert np.all(counts >= 0)
    return [tuple((float(lows[2 * i + m]), float(highs[2 * i + m])) for m in range(counts[i])) for i in range(n)]


def test_the_device_finds_where_a_cubic_is_positive_as_the_host_does(cpu_build: CompiledOnCpu) -> None:
    """The conversion intervals of a date are where the gap between conversion and the fitted cubic
    is positive. The host finds them from the roots numpy.roots gives (eigenvalues); the device by
    bisection on the stretches where the cubic is monotone. On cubics with three real roots, one,
    a double root, leading coefficients of either sign, a vanishing leading coefficient (a
    quadratic, a line, a constant), and random ones: the same decisions at every price (but within
    1e-9 of a boundary). Hand case: (x - 1)(x - 2)(x - 4) x -1 is positive for x < 1 and 2 < x < 4,
    so with spot 10 the holder converts below 10 and between 20 and 40."""
    from prefstack.kernels.valuation import _positive_intervals

    (hand,) = _device_intervals(cpu_build, -np.array([[1.0, -7.0, 14.0, -8.0]]), 10.0)
    assert len(hand) == 2 and hand[0][0] == -math.inf and math.isclose(hand[0][1], 10.0, rel_tol=1e-15)
    assert math.isclose(hand[1][0], 20.0, rel_tol=1e-15) and math.isclose(hand[1][1], 40.0, rel_tol=1e-15)
    chosen = np.array(
        [
            [1.0, -7.0, 14.0, -8.0],  # roots 1, 2, 4
            [-1.0, 7.0, -14.0, 8.0],
            [1.0, -4.0, 5.0, -2.0],  # (x - 1)^2 (x - 2): a double root
            [1.0, 0.0, 0.0, 1.0],  # one real root, -1
            [2.0, -3.0, 3.0, -1.0],  # monotone: one root, 1/2
            [0.0, 1.0, -3.0, 2.0],  # a quadratic: roots 1, 2
            [0.0, -1.0, 0.0, -1.0],  # a quadratic, negative everywhere
            [0.0, 0.0, 2.0, -1.0],  # a line
            [0.0, 0.0, 0.0, 3.0],  # a positive constant
            [0.0, 0.0, 0.0, 0.0],
            [-1e-12, 2e-3, 1.5, -40.0],  # the shape of a regression's gap: a far root and a near one
        ]
    )
    # extremes, with what they must give (the host's numpy.roots is no guide for the last two): a far
    # root beyond 2^53 (adding 1 to it changes nothing, so it is no probe), coefficients near the top of
    # the doubles' range, a denormal leading coefficient (a quadratic in effect)
    extremes = {
        (-1e-21, 2e-3, 1.5, -40.0): 2,  # roots about -775.8, 25.78 and 2e18: positive below the first
        (1e-21, -2e-3, -1.5, 40.0): 2,  # and between the last two; its negative the other way round
        (1e300, -3e300, 2e300, 0.0): 2,  # 1e300 x (x - 0)(x - 1)(x - 2): (0, 1] and (2, inf)
        (5e-324, 1.0, -3.0, 2.0): 2,  # x^2 - 3x + 2: below 1 and above 2
    }
    found = _device_intervals(cpu_build, np.array(list(extremes)), 1.0)
    for (gap, intervals), ours in zip(extremes.items(), found, strict=True):
        assert len(ours) == intervals, (gap, ours)
        if abs(gap[0]) == 1e-21:
            far = ours[1][1] if gap[0] < 0 else ours[1][0]
            assert far == pytest.approx(2.0e18, rel=1e-6)  # the far root found, not lost to rounding
            assert (ours[0][1] if gap[0] < 0 else ours[0][0]) == pytest.approx(-775.78048854703, rel=1e-9)
        if gap[3] == 0.0:
            assert ours[0][0] == pytest.approx(0.0, abs=1e-12) and ours[0][1] == pytest.approx(1.0, rel=1e-12)
            assert ours[1] == (pytest.approx(2.0, rel=1e-12), math.inf)
        if gap[0] == 5e-324:
            assert ours == ((-math.inf, pytest.approx(1.0, rel=1e-12)), (pytest.approx(2.0, rel=1e-12), math.inf))
    xp = cpu_build.xp
    count = xp.zeros(1, dtype=xp.int32)
    cpu_build.launch(
        "ps_positive_intervals_of", 1, np.int64(1), np.array([1.0, math.nan, 0.0, 1.0]), np.float64(1.0),
        np.float64(math.inf), count, xp.zeros(2), xp.zeros(2),
    )  # fmt: skip
    assert count[0] == -3  # not finite: refused, not taken for "never convert"
    rng = np.random.default_rng(42)
    random = rng.normal(size=(400, 4)) * 10.0 ** rng.uniform(-6, 6, size=(400, 4))
    gaps = np.concatenate((chosen, random))
    for spot0 in (1.0, 8.9):
        for gap, ours in zip(gaps, _device_intervals(cpu_build, gaps, spot0), strict=True):
            poly = np.trim_zeros(gap, "f")
            theirs = _positive_intervals(poly, spot0) if len(poly) else ()
            _assert_same_decisions(ours, theirs, 1e-9, spot0 * np.geomspace(1e-6, 1e6, 20_001))


def test_the_pilot_run_finds_the_hosts_policy_on_the_same_paths(
    cpu_build: CompiledOnCpu, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernels' pilot run (the normal equations summed and solved and the roots found on the
    device) and the host's own pilot run (:func:`host_pilot`) on the same paths (the kernels',
    given to the host in single precision, as it keeps them): the same conversion decisions, to the
    rounding of the paths, at every date where the holder may convert."""
    share, times = series_f_share()
    for market in (CONVERTING, Market(12.0, 0.5, 0.04, 0.10, 0.02)):
        _same_policy_on_the_same_paths(cpu_build, monkeypatch, share, times, market, 10)


def _same_policy_on_the_same_paths(
    cpu_build: CompiledOnCpu,
    monkeypatch: pytest.MonkeyPatch,
    share: Convertible,
    times: np.ndarray[Any, Any],
    market: Market,
    decisions: int,
) -> None:
    seed = np.random.SeedSequence(7)
    pairs = 20_000
    device_policy = kernel_pilot(cpu_build)(share, market, times, pairs, seed)
    single = _pilot_logs(cpu_build, market, times, pairs, seed).astype(np.float32)
    monkeypatch.setattr(valuation, "log_paths", lambda *_, paths=single: paths)
    host_policy = host_pilot(share, market, times, pairs, seed)
    monkeypatch.undo()
    assert sum(1 for region in host_policy if region) >= decisions  # the test compares real decisions
    for device_region, host_region in zip(device_policy, host_policy, strict=True):
        _assert_same_decisions(device_region, host_region, 1e-6)


def test_the_pricing_kernel_prices_the_hosts_paths_as_the_host_does(
    cpu_build: CompiledOnCpu, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One chunk priced by the kernel (its normals drawn on its threads) and by the host's
    :func:`price_chunk` on the same paths (the pilot kernel's, given to the host in single
    precision), under the same policy: the same sums to the rounding of the paths (a path on a
    conversion boundary may fall either side), the same number of paths holding to the end, the
    same likelihood-ratio gamma. Also under a policy that says nothing at maturity (a pilot run
    none of whose paths ended above the threshold): the host converts above the threshold at
    maturity whatever the policy says, and so do the kernels."""
    f_share, f_times = series_f_share()  # F: conversion ends before maturity (F §6(j))
    to_maturity, quarters = five_year_share()  # convertible on its last day too
    for share, times in ((f_share, f_times), (to_maturity, quarters)):
        _same_pricing_on_the_same_paths(cpu_build, monkeypatch, share, times, CONVERTING)


def _same_pricing_on_the_same_paths(
    cpu_build: CompiledOnCpu,
    monkeypatch: pytest.MonkeyPatch,
    share: Convertible,
    times: np.ndarray[Any, Any],
    market: Market,
) -> None:
    found = host_pilot(share, market, times, 30_000, np.random.SeedSequence(3))
    seed = np.random.SeedSequence(9)
    pairs = 30_000
    single = _pilot_logs(cpu_build, market, times, pairs, seed).astype(np.float32)
    for policy in (found, (*found[:-1], ())):
        (device,) = kernel_runner(cpu_build)(share, market, times, [(pairs, seed)], policy)
        monkeypatch.setattr(valuation, "log_paths", lambda *_, paths=single: paths)
        host = price_chunk(share, market, times, pairs, seed, policy)
        monkeypatch.undo()
        assert device.pairs == host.pairs == pairs
        assert math.isclose(device.total, host.total, rel_tol=1e-6)
        assert math.isclose(device.total_sq, host.total_sq, rel_tol=1e-6)
        assert abs(device.holding - host.holding) <= 2
        assert device.gamma_total is not None and host.gamma_total is not None
        assert math.isclose(device.gamma_total, host.gamma_total, rel_tol=1e-4)


def test_the_kernels_take_cash_dividends_a_rate_curve_and_a_redemption_in_stock(
    cpu_build: CompiledOnCpu, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figures the kernels read from :func:`conversion_dates` beyond the PIK share's: the cash
    dividends received by each date and still to come (F §2(b), the holder's election), the
    discount factors of a curve of zero rates, a redemption in Common Stock (F §6(d): no credit
    spread on it). A share convertible into a millionth of a share of Common Stock never converts,
    so its value is exactly its bond: each $17.50 dividend and the $1,000 redemption discounted at
    rate + spread, sum 17.50 e^(-0.08 t) + 1,000 e^(-0.32) flat, each at its zero rate on the curve.
    Shares that do convert: the pilot run and the pricing kernel against the host's on the same
    paths, as above."""
    from tests.kernels.test_valuation_kernels import COUPON_TIMES, PAY, in_stock, with_coupons

    flat = Market(10, 0.3, 0.05, 0, 0.03)
    curve = Market(10, 0.3, 0.06, 0, 0.03, curve=((1, Fraction(4, 100)), (4, Fraction(6, 100))))
    bond = sum(17.5 * math.exp(-0.08 * t) for t in PAY) + 1000 * math.exp(-0.08 * 4)
    zero = np.interp(PAY, [1.0, 4.0], [0.04, 0.06])
    on_curve = float(np.sum(17.5 * np.exp(-(zero + 0.03) * PAY))) + 1000 * math.exp(-(0.06 + 0.03) * 4)
    never = with_coupons(1e-6)
    with localcontext() as exact:  # the same bonds in 50-digit decimals: the kernels' value to the cent
        exact.prec = 50
        times = [Decimal(str(t)) for t in PAY]
        zero_rates = [Decimal("0.04") + Decimal("0.02") * (t - 1) / 3 if t > 1 else Decimal("0.04") for t in times]
        flat_bond = sum(Decimal("17.5") * (Decimal("-0.08") * t).exp() for t in times) + 1000 * Decimal("-0.32").exp()
        curve_bond = (
            sum(Decimal("17.5") * (-(z + Decimal("0.03")) * t).exp() for z, t in zip(zero_rates, times, strict=True))
            + 1000 * Decimal("-0.36").exp()
        )
        exact_bonds = [flat_bond, curve_bond]
    for market, expected, exact_bond in ((flat, bond, exact_bonds[0]), (curve, on_curve, exact_bonds[1])):
        priced = chunked_monte_carlo(
            never, market, COUPON_TIMES, 5_000, 1, kernel_runner(cpu_build), pilot=kernel_pilot(cpu_build)
        )
        assert priced.value == pytest.approx(expected, rel=1e-12) and priced.converted_share == 0.0
        assert abs(Decimal(priced.value) - exact_bond) < Decimal("0.005")
    for share in (with_coupons(100.0), in_stock(100.0, coupons=True)):
        for market in (paying(flat), paying(curve)):
            _same_policy_on_the_same_paths(cpu_build, monkeypatch, share, COUPON_TIMES, market, 3)
            _same_pricing_on_the_same_paths(cpu_build, monkeypatch, share, COUPON_TIMES, market)


def test_the_kernels_take_dates_left_out_and_raised_by_the_next_date_bound(
    cpu_build: CompiledOnCpu, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next-date bound's two effects on the kernels, against the host on the same paths:
    dates left out between dates kept (the Series F share at a dividend yield of 6.95% a year,
    about where the stock's loss over a quarter equals the share's accretion: dates followed by a
    quarter of 90 or 91 days are left out, those followed by one of 92 days kept), and dates whose
    ``lowest`` is above the claim's threshold, where the regression is over every competing path
    and the decision is cut at ``lowest`` (shares of 100 shares of Common Stock paying $17.50 a
    quarter in cash, dividend yield 3%)."""
    from tests.kernels.test_valuation_kernels import COUPON_TIMES, with_coupons

    share, times = series_f_share()
    between = Market(8.90, 0.8, 0.05, Fraction(695, 10_000), 0.03)
    _, dates = conversion_dates(share, between, times)
    kept = [date is not None for date in dates]
    assert any(not kept[j] and any(kept[:j]) and any(kept[j + 1 :]) for j in range(len(kept))), kept
    coupons, raised = with_coupons(100.0), Market(15, 0.6, 0.05, 0.03, 0.03)
    _, dates = conversion_dates(coupons, raised, COUPON_TIMES)
    lifted = [j for j, date in enumerate(dates) if date is not None and date.lowest > date.threshold]
    assert len(lifted) >= 10, lifted
    policy = host_pilot(coupons, raised, COUPON_TIMES, 20_000, np.random.SeedSequence(7))
    for j in lifted:
        lowest = dates[j].lowest  # type: ignore[union-attr]
        assert all(low >= lowest for low, _ in policy[j]), (j, policy[j], lowest)
    assert sum(1 for j in lifted if policy[j]) >= 3  # decisions above the raised bound, cut there
    for instrument, when, market, decisions in ((share, times, between, 3), (coupons, COUPON_TIMES, raised, 3)):
        _same_policy_on_the_same_paths(cpu_build, monkeypatch, instrument, when, market, decisions)
        _same_pricing_on_the_same_paths(cpu_build, monkeypatch, instrument, when, market)


def _priced(device: KernelDevice, market: Market, pairs: int, seed: int) -> valuation.MonteCarloResult:
    share, times = series_f_share()
    return chunked_monte_carlo(share, market, times, pairs, seed, kernel_runner(device), pilot=kernel_pilot(device))


def test_the_kernels_price_within_the_error_of_the_cpu_path_and_repeat_by_seed(cpu_build: CompiledOnCpu) -> None:
    """The whole GPU path (pilot run and chunks) on the CPU build: the Series F share within 4
    combined standard errors of the CPU path's price (other normals), the same figures again for the
    same seed, and a chunk's figures the same whether it is priced alone or beside others (each
    pair's normals depend on its chunk's seed and its index alone)."""
    share, times = series_f_share()
    for market in (CONVERTING, Market(5.0, 0.6, 0.05, 0.0, 0.05)):
        cpu = chunked_monte_carlo(share, market, times, 100_000, 5)
        device = _priced(cpu_build, market, 100_000, 5)
        assert device.value != cpu.value
        combined = math.hypot(cpu.standard_error, device.standard_error)
        assert abs(device.value - cpu.value) < 4 * combined, (device.value, cpu.value, combined)
        assert device.gamma is not None and cpu.gamma is not None and cpu.gamma_standard_error is not None
        assert device.gamma_standard_error is not None
        assert abs(device.gamma - cpu.gamma) < 4 * math.hypot(cpu.gamma_standard_error, device.gamma_standard_error)
        assert _priced(cpu_build, market, 100_000, 5) == device
    runner = kernel_runner(cpu_build)
    market = CONVERTING
    policy = host_pilot(share, market, times, 10_000, np.random.SeedSequence(1))
    for seed in range(10):  # a small chunk beside larger ones: its sums are of its own pairs alone
        chunks = [(5_000, s) for s in np.random.SeedSequence(seed).spawn(2)] + [(1_234, np.random.SeedSequence(seed))]
        together = runner(share, market, times, chunks, policy)
        alone = [runner(share, market, times, [chunk], policy)[0] for chunk in chunks]
        assert together == alone


def test_the_kernels_refuse_what_they_cannot_price(cpu_build: CompiledOnCpu) -> None:
    share, times = series_f_share()
    market = Market(8.90, 0.8, 0.05, 0.0, 0.03, change_of_control=0.2)
    with pytest.raises(ValueError, match="a change of control is priced on the host"):
        kernel_runner(cpu_build)(share, market, times, [(10, np.random.SeedSequence(1))], tuple(() for _ in times))
    with pytest.raises(ValueError, match="a change of control is priced on the host"):
        kernel_pilot(cpu_build)(share, market, times, 10, np.random.SeedSequence(1))
    plain = Market(8.90, 0.8, 0.05, 0.0, 0.03)
    three = tuple(((0.0, 1.0), (2.0, 3.0), (4.0, 5.0)) for _ in times)
    with pytest.raises(ValueError, match="at most 2 intervals of conversion a date, not 3"):
        kernel_runner(cpu_build)(share, plain, times, [(10, np.random.SeedSequence(1))], three)


def test_the_gpu_engine_equals_the_cpu_build_where_a_gpu_is_and_says_why_not_elsewhere(
    cpu_build: CompiledOnCpu,
) -> None:
    """With CuPy and a GPU: the generator's words are the CPU build's to the bit, the pilot run's
    policy and the price the CPU build's to the rounding of the GPU's arithmetic (far inside the
    Monte Carlo error), and the price within the error of the CPU path. Without: the reason."""
    from prefstack.kernels.gpu import CupyDevice, gpu_engine

    try:
        import cupy  # type: ignore[import-not-found]
    except ImportError:
        with pytest.raises(GpuUnavailable, match="CuPy is not installed"):
            gpu_engine()
        return
    try:
        gpu_engine()
    except GpuUnavailable as exc:
        assert "CUDA device" in str(exc)
        return
    gpu = CupyDevice(cupy)
    counters = np.random.default_rng(5).integers(0, 2**64, (4096, 4), dtype=np.uint64)
    key = (0x0123456789ABCDEF, 0xFEDCBA9876543210)
    assert np.array_equal(_philox_words(gpu, key, counters), _philox_words(cpu_build, key, counters))
    share, times = series_f_share()
    market = CONVERTING
    seed = np.random.SeedSequence(7)
    on_gpu = kernel_pilot(gpu)(share, market, times, 65_536, seed)
    on_cpu = kernel_pilot(cpu_build)(share, market, times, 65_536, seed)
    for gpu_region, cpu_region in zip(on_gpu, on_cpu, strict=True):
        _assert_same_decisions(gpu_region, cpu_region, 1e-9)
    gpu_price, cpu_build_price = _priced(gpu, market, 500_000, 5), _priced(cpu_build, market, 500_000, 5)
    assert abs(gpu_price.value - cpu_build_price.value) < 0.01 * cpu_build_price.standard_error
    cpu = chunked_monte_carlo(share, market, times, 500_000, 5)
    assert abs(gpu_price.value - cpu.value) < 4 * math.hypot(cpu.standard_error, gpu_price.standard_error)
    assert _priced(gpu, market, 500_000, 5) == gpu_price  # repeatable by seed
    # cash dividends on a rate curve, and a redemption in stock: the GPU's pilot run and chunks against the
    # CPU build's
    from tests.kernels.test_valuation_kernels import COUPON_TIMES, in_stock, with_coupons

    curve = paying(Market(10, 0.3, 0.06, 0, 0.03, curve=((1, Fraction(4, 100)), (4, Fraction(6, 100)))))
    for coupons in (with_coupons(100.0), in_stock(100.0, coupons=True)):
        pilots = [kernel_pilot(d)(coupons, curve, COUPON_TIMES, 65_536, seed) for d in (gpu, cpu_build)]
        for gpu_region, cpu_region in zip(*pilots, strict=True):
            _assert_same_decisions(gpu_region, cpu_region, 1e-9)
        chunk = [(65_536, np.random.SeedSequence(21))]
        (on_gpu_chunk,), (on_cpu_chunk,) = (
            kernel_runner(d)(coupons, curve, COUPON_TIMES, chunk, pilots[1]) for d in (gpu, cpu_build)
        )
        mean = on_cpu_chunk.total / 65_536
        error = math.sqrt(max(on_cpu_chunk.total_sq / 65_536 - mean * mean, 0.0) / 65_536)
        assert abs(on_gpu_chunk.total / 65_536 - mean) < 0.01 * error
        assert abs(on_gpu_chunk.holding - on_cpu_chunk.holding) <= 2
