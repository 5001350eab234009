"""Fair value at scale (issue 16): the kernels of :mod:`prefstack.kernels.valuation`, in one run:

* least-squares Monte Carlo with optimal conversion, 1,000,000 paths x 20 quarterly steps (a
  five-year convertible, conversion on every quarter), against a straightforward NumPy
  implementation kept here as the baseline (float64 normals for every path, no antithetics, the
  continuation regressed by ``numpy.linalg.lstsq`` over the competing paths, the same model):
  the one-pass kernel, and the two-pass Monte Carlo the command runs (a pilot run's policy, the
  chunks priced under it) on one thread and on as many threads as the machine has CPUs;
* the GPU path (``--engine gpu``), where CuPy and a GPU are here: the same Monte Carlo, its value
  against the CPU path's and its time against the CPU path's on one thread and on every CPU;
* a 2,000-step lattice of a zero-coupon convertible against QuantLib's
  ``BinomialCRRConvertibleEngine`` on the same case (skipped where QuantLib is not installed).

Each figure is the best of a few runs; the ratios are of figures of this run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from benchmarks._timing import best
from prefstack.cores import usable_cores
from prefstack.kernels.valuation import (
    CHUNK_PAIRS,
    Convertible,
    GpuUnavailable,
    Market,
    MonteCarloResult,
    chunked_monte_carlo,
    lattice_value,
    monte_carlo_value,
    threaded_runner,
)

PATHS = 1_000_000
STEPS = 20
LATTICE_STEPS = 2_000
GOAL_MC = 5.0
GPU_RUNS = 20


def five_year_share() -> tuple[Convertible, npt.NDArray[np.float64]]:
    """The benchmark's share and its dates: $1,000 accreting 1.75% a quarter (PIK), 1,000 / 24
    shares of Common Stock per share held, redeemed at 1,000 x 1.0175^20 after five years,
    convertible on each of the 20 quarters, the last at maturity."""
    quarters = np.arange(1, STEPS + 1) / 4.0
    held = 1.0175 ** np.arange(STEPS + 1)
    share = Convertible(
        maturity=5.0,
        redemption=1000.0 * 1.0175**STEPS,
        pay_times=quarters[:-1],
        units=held[:-1] * 1000 / 24,
        accrued_start=np.zeros(STEPS),
        accrual_rate=held[:-1] * 70.0,
        conversion_end=5.0,
    )
    return share, quarters


def five_year_market() -> Market:
    """The benchmark's market: the stock at $20, volatility 50%, rate 5%, credit spread 3%, and a
    dividend yield of 8% a year. The stock then loses e^(-0.02) = 0.980 a quarter, more than the
    share's 1.0175 accretion gains it, so converting competes with holding on at every date and
    the project's Monte Carlo regresses at each of the 19 before maturity, as the baseline does.
    (With no dividend yield, holding to the next date and converting there is worth more at every
    price (the next-date bound, docs/valuation.md): the project's Monte Carlo would run no
    regression at all, and the comparison with the baseline's 19 would measure that, not the code.)"""
    return Market(20.0, 0.5, 0.05, 0.08, 0.03)


def _baseline(instrument: Convertible, market: Market, times: npt.NDArray[np.float64], paths: int, seed: int) -> float:
    """The straightforward implementation: the same model, written the plain way."""
    rng = np.random.default_rng(seed)
    dts = np.diff(np.concatenate(([0.0], times)))
    z = rng.standard_normal((paths, len(times)))
    spot, volatility, r, dividend_yield, spread = market.floats()
    maturity, redemption, _ = instrument.horizon()
    increments = (r - dividend_yield - 0.5 * volatility**2) * dts + volatility * np.sqrt(dts) * z
    s = spot * np.exp(np.cumsum(increments, axis=1))
    payoff = np.full(paths, redemption)
    when = np.full(paths, maturity)
    debt = np.ones(paths, dtype=bool)
    units_at, cash_at = instrument.terms_on(times)
    for j in range(len(times) - 1, -1, -1):
        t = float(times[j])
        units, cash = units_at[j], cash_at[j]
        conv = units * s[:, j] + cash
        if j == len(times) - 1:
            exercise = conv > payoff
        else:
            floor = redemption * math.exp(-(r + spread) * (maturity - t))
            competing = np.where(conv > floor)[0]
            exercise = np.zeros(paths, dtype=bool)
            if len(competing) > 4:
                held = payoff[competing] * np.exp(-(r + spread * debt[competing]) * (when[competing] - t))
                x = conv[competing] / (units * spot)
                design = np.column_stack([np.ones_like(x), x, x**2, x**3])
                coef = np.linalg.lstsq(design, held, rcond=None)[0]
                exercise[competing] = conv[competing] > design @ coef
        payoff = np.where(exercise, conv, payoff)
        when = np.where(exercise, t, when)
        debt = debt & ~exercise
    return float(np.mean(payoff * np.exp(-(r + spread * debt) * when)))


def _quantlib(market: Market, years: float, redemption: float, ratio: float, steps: int) -> Callable[[], float] | None:
    try:
        import QuantLib as ql
    except ImportError:
        return None
    today = ql.Date(1, 7, 2002)
    ql.Settings.instance().evaluationDate = today
    calendar, dc = ql.NullCalendar(), ql.Actual365Fixed()
    maturity = today + round(years * 365)
    spot, volatility, rate, dividend_yield, credit_spread = market.floats()
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(spot)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, dividend_yield, dc, ql.Continuous, ql.Annual)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, rate, dc, ql.Continuous, ql.Annual)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, calendar, volatility, dc)),
    )
    schedule = ql.Schedule(
        today, maturity, ql.Period(ql.Once), calendar, ql.Unadjusted, ql.Unadjusted, ql.DateGeneration.Backward, False
    )
    spread = ql.QuoteHandle(ql.SimpleQuote(credit_spread))

    bond = ql.ConvertibleZeroCouponBond(
        ql.AmericanExercise(today, maturity), ratio, ql.CallabilitySchedule(), today, 0, dc, schedule, redemption
    )
    bond.setPricingEngine(ql.BinomialCRRConvertibleEngine(process, steps, spread))

    def price() -> float:
        bond.recalculate()  # the engine runs again (the bond, its engine and curves are built once)
        return float(bond.NPV())

    return price


def _gpu_lines(
    share: Convertible,
    market: Market,
    quarters: npt.NDArray[np.float64],
    pairs: int,
    cpu: MonteCarloResult,
    one_thread: float,
    threads: float,
    cores: int,
) -> list[str]:
    """The GPU path (`--engine gpu`) on the same run as the CPU path's figures: where no GPU is
    here, why not."""
    from prefstack.kernels.gpu import CupyDevice, gpu_engine, kernel_pilot, kernel_runner

    try:
        runner, pilot = gpu_engine()
    except GpuUnavailable as exc:
        return [f"GPU path (--engine gpu): not run here ({exc})"]
    started = time.perf_counter()
    first = chunked_monte_carlo(share, market, quarters, pairs, 1, runner, pilot=pilot)
    compiled = time.perf_counter() - started
    assert chunked_monte_carlo(share, market, quarters, pairs, 1, runner, pilot=pilot) == first  # repeatable
    gpu = best(GPU_RUNS, lambda: chunked_monte_carlo(share, market, quarters, pairs, 1, runner, pilot=pilot))
    # its two parts: the pilot run (a launch per date, its 4 x 4 solve on the device) and the chunks (one launch)
    import cupy  # type: ignore[import-not-found]

    device = CupyDevice(cupy)
    children = np.random.SeedSequence(1).spawn(-(-pairs // CHUNK_PAIRS) + 1)
    chunks = [(min(CHUNK_PAIRS, pairs - c * CHUNK_PAIRS), children[c + 1]) for c in range(len(children) - 1)]
    policy = kernel_pilot(device)(share, market, quarters, CHUNK_PAIRS, children[0])
    pilot_time = best(GPU_RUNS, lambda: kernel_pilot(device)(share, market, quarters, CHUNK_PAIRS, children[0]))
    kernel_runner(device)(share, market, quarters, chunks, policy)
    chunk_time = best(GPU_RUNS, lambda: kernel_runner(device)(share, market, quarters, chunks, policy))
    combined = math.hypot(first.standard_error, cpu.standard_error)
    many = 10 * pairs  # ten times the paths: the GPU's time against the CPU path's on every CPU
    many_gpu = best(3, lambda: chunked_monte_carlo(share, market, quarters, many, 1, runner, pilot=pilot))
    many_cpu = best(1, lambda: chunked_monte_carlo(share, market, quarters, many, 1, threaded_runner(cores)))
    return [
        f"GPU path ({cupy.cuda.runtime.getDeviceProperties(0)['name'].decode()}, CuPy {cupy.__version__}), the same "
        f"{2 * pairs:,} paths x {len(quarters)} dates: value {first.value:.2f} +- {first.standard_error:.2f} against "
        f"the CPU path's {cpu.value:.2f} +- {cpu.standard_error:.2f} (same seed, other normals): "
        f"{abs(first.value - cpu.value) / combined:.2f} combined standard errors apart",
        f"GPU path: {gpu * 1e3:.2f} ms (the first run, compiling the kernels, {compiled:.2f} s; of a run: pilot "
        f"run {pilot_time * 1e3:.2f} ms, chunks {chunk_time * 1e3:.2f} ms): {one_thread / gpu:.1f}x the CPU path "
        f"on one thread, {threads / gpu:.1f}x on {cores} threads (goal 50x)",
        f"GPU path, {2 * many:,} paths: {many_gpu * 1e3:.2f} ms, the CPU path on {cores} threads "
        f"{many_cpu * 1e3:.0f} ms: {many_cpu / many_gpu:.1f}x",
    ]


def run() -> list[str]:
    lines: list[str] = []
    share, quarters = five_year_share()
    market = five_year_market()
    pairs = PATHS // 2
    result = monte_carlo_value(share, market, quarters, pairs, seed=1)
    kernel = best(3, lambda: monte_carlo_value(share, market, quarters, pairs, seed=1))
    base_value = _baseline(share, market, quarters, PATHS, 1)
    baseline = best(2, lambda: _baseline(share, market, quarters, PATHS, 1))
    rng_floor = best(3, lambda: np.random.Generator(np.random.PCG64(1)).standard_normal((pairs, STEPS)))
    lines.append(
        f"Monte Carlo, {PATHS:,} paths x {STEPS} quarterly steps, optimal conversion: kernel {kernel * 1e3:.0f} ms "
        f"(value {result.value:.2f} +- {result.standard_error:.2f}), baseline {baseline * 1e3:.0f} ms "
        f"(value {base_value:.2f}): {baseline / kernel:.1f}x (goal {GOAL_MC:.0f}x); "
        f"the normals alone {rng_floor * 1e3:.0f} ms"
    )
    # what `prefstack value --method mc` runs: the policy from a pilot run, the chunks priced under it,
    # on one thread and on as many as this machine has CPUs (the same figures to the bit)
    cores = usable_cores()
    command = chunked_monte_carlo(share, market, quarters, pairs, 1)
    assert chunked_monte_carlo(share, market, quarters, pairs, 1, threaded_runner(cores)) == command
    one_thread = best(3, lambda: chunked_monte_carlo(share, market, quarters, pairs, 1))
    threads = best(3, lambda: chunked_monte_carlo(share, market, quarters, pairs, 1, threaded_runner(cores)))
    lines.append(
        f"Monte Carlo as `prefstack value --method mc` runs it (pilot run and chunks, value {command.value:.2f} +- "
        f"{command.standard_error:.2f}): one thread {one_thread * 1e3:.0f} ms, {baseline / one_thread:.1f}x; "
        f"{cores} threads (its default here) {threads * 1e3:.0f} ms, {baseline / threads:.1f}x the baseline's speed "
        f"(goal {GOAL_MC:.0f}x)"
    )
    lines.extend(_gpu_lines(share, market, quarters, pairs, command, one_thread, threads, cores))
    zero = Convertible.zero_coupon(3.0, 1410.0, 1000 / 24)
    lat_market = Market(20.0, 0.4, 0.05, 0.0, 0.02)
    ours = lattice_value(zero, lat_market, LATTICE_STEPS)
    ours_time = best(5, lambda: lattice_value(zero, lat_market, LATTICE_STEPS))
    quantlib = _quantlib(lat_market, 3.0, 1410.0, 1000 / 24, LATTICE_STEPS)
    if quantlib is None:
        lines.append(f"lattice, {LATTICE_STEPS:,} steps: {ours_time * 1e3:.1f} ms (QuantLib not installed)")
    else:
        theirs = quantlib()
        theirs_time = best(5, quantlib)
        lines.append(
            f"lattice, {LATTICE_STEPS:,} steps: {ours_time * 1e3:.1f} ms (value {ours:.2f}), QuantLib "
            f"{theirs_time * 1e3:.1f} ms (value {theirs:.2f}): {theirs_time / ours_time:.2f}x QuantLib's speed"
        )
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
