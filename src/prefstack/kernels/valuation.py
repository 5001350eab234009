"""Numeric kernels of fair value: a convertible preferred share with PIK accretion, valued by a CRR
binomial lattice and by least-squares Monte Carlo under geometric Brownian motion.

Fair value is a model estimate, not a clause figure. The model's inputs are exact: a
:class:`Market` and the horizon of a :class:`Convertible` hold Fractions (the Convertible built
from the terms and the ledger by :mod:`prefstack.valuation`, which cites the clauses), and the
kernels take them as floats through one function (:func:`in_floats`: ``Market.as_floats``,
``Convertible.horizon``), on NumPy arrays; the kernels know no series and no clause. The
estimates they return are floats.

The credit model is Tsiveriotis-Fernandes: the redemption claim (a cash amount the Company owes)
is discounted at the risk-free rate plus the credit spread, what conversion delivers at the
risk-free rate. The lattice carries both parts; the Monte Carlo discounts each path's cash flow by
its kind (redemption or conversion).
"""

from __future__ import annotations

import importlib
import itertools
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, NamedTuple, get_args

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CHUNK_PAIRS",
    "Chunk",
    "ChunkMoments",
    "ConversionDate",
    "Convertible",
    "FloatArray",
    "GpuUnavailable",
    "Greeks",
    "Intervals",
    "Market",
    "MonteCarloResult",
    "Pilot",
    "Runner",
    "annualized_volatility",
    "as_exact",
    "black_scholes_calls",
    "bumped_greeks",
    "chunked_monte_carlo",
    "conversion_dates",
    "conversion_region",
    "drift_and_deviation",
    "exact_input",
    "host_pilot",
    "lattice_spot_bump",
    "lattice_value",
    "log_paths",
    "monte_carlo_value",
    "opm_backsolve_value",
    "opm_values",
    "price_chunk",
    "run_here",
    "simulate_paths",
    "threaded_runner",
]

FloatArray = NDArray[np.float64]
REGRESSION_PATHS = 131_072
"""The most competing paths the continuation value is regressed over at one time (the decision is
then taken on every competing path)."""


def exact_input(value: object, name: str) -> Fraction:
    """A model input as an exact Fraction: a Fraction, an int or a Decimal as it is, a float as the
    decimal it prints as (``0.05`` is 1/20, what a user typed), a string parsed; refused (naming
    ``name``) where it is not a finite number."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, not {value!r}")
    try:
        if isinstance(value, float):
            return Fraction(repr(value))
        if isinstance(value, (Fraction, int, Decimal, str)):
            return Fraction(value)
    except (ValueError, OverflowError, ZeroDivisionError) as exc:
        raise ValueError(f"{name} must be a finite number, not {value!r}") from exc
    raise ValueError(f"{name} must be a number, not {value!r}")


def in_floats(values: Sequence[Fraction]) -> list[float]:
    """Exact model inputs as the float64 numbers the kernels compute with: the one place where a
    kernel's exact input becomes a float (each the float nearest it). What the kernels compute from
    them is proven equal to the same model in exact arithmetic, to the cent
    (``tests/kernels/test_valuation_exact.py``)."""
    return [x.item() for x in np.asarray(values, dtype=np.float64)]


MarketInput = Literal[
    "spot", "volatility", "rate", "dividend_yield", "credit_spread", "change_of_control", "deal_premium"
]
MARKET_INPUTS: tuple[MarketInput, ...] = get_args(MarketInput)
"""The exact inputs of a :class:`Market` that the kernels take as floats, in order."""


@dataclass(frozen=True)
class Market:
    """The model of the Common Stock: spot price, volatility, continuously compounded risk-free rate
    and dividend yield (all per year), and the credit spread on the Company's redemption claim.

    Its inputs are exact (Fractions, each given value read by :func:`exact_input`); the kernels
    compute with their floats (:attr:`as_floats`, :func:`in_floats`), made once with the market."""

    spot: Fraction
    volatility: Fraction
    rate: Fraction
    dividend_yield: Fraction = Fraction(0)
    credit_spread: Fraction = Fraction(0)
    change_of_control: Fraction = Fraction(0)
    """The intensity (per year) of a change of control, a Poisson event: on it the Company redeems
    every share (F/G §6(b)-(c)) unless converting is worth more (:class:`Convertible` ``par``);
    0: none (docs/valuation.md, VAL-CHANGE-OF-CONTROL)."""
    curve: tuple[tuple[Fraction, Fraction], ...] = ()
    """A term structure of risk-free rates: (years, continuously compounded zero rate) at ascending
    tenors; empty: ``rate`` at every maturity. Between two tenors the zero rate is interpolated
    linearly in time, flat before the first and after the last, so the forward rate is constant
    between the times the kernels step over only where the curve is (:meth:`forwards`)."""
    deal_premium: Fraction = Fraction(0)
    """On a change of control the Common Stock is worth the day's price x (1 + this): what the deal
    pays each share, which what conversion and a participation in a deemed liquidation deliver
    follow; 0: the day's price (VAL-CHANGE-OF-CONTROL). Above -1."""
    as_floats: FloatArray = field(init=False, repr=False, compare=False)
    """The inputs as the kernels compute with them, in the order of :data:`MARKET_INPUTS`: made
    once, when the market is made, by :func:`in_floats` (each read by :meth:`kernel_input`)."""
    _tenors: FloatArray = field(init=False, repr=False, compare=False)
    _zeros: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in MARKET_INPUTS:
            object.__setattr__(self, name, exact_input(getattr(self, name), name))
        if self.change_of_control < 0:
            raise ValueError("change_of_control must not be negative")
        if self.deal_premium <= -1:
            raise ValueError("deal_premium must be above -1 (the deal pays something for each share)")
        if self.spot <= 0 or self.volatility <= 0:
            raise ValueError("spot and volatility must be positive")
        if self.credit_spread < 0:
            raise ValueError("credit_spread must not be negative")
        points = tuple(
            (exact_input(years, "curve tenor"), exact_input(zero, "curve rate")) for years, zero in self.curve
        )
        if any(years <= 0 for years, _ in points) or any(a[0] >= b[0] for a, b in itertools.pairwise(points)):
            raise ValueError("the curve's tenors must be positive and ascending")
        object.__setattr__(self, "curve", points)
        exact = [getattr(self, name) for name in MARKET_INPUTS]
        object.__setattr__(self, "as_floats", np.array(in_floats(exact), dtype=np.float64))
        object.__setattr__(self, "_tenors", np.array([years for years, _ in points], dtype=np.float64))
        object.__setattr__(self, "_zeros", np.array([zero for _, zero in points], dtype=np.float64))

    def zero_rates(self, times: FloatArray) -> FloatArray:
        """The zero rate to each of ``times`` (years): ``rate`` without a curve."""
        if not self.curve:
            return np.full(len(times), self.kernel_input("rate"))
        return np.asarray(np.interp(times, self._tenors, self._zeros), dtype=np.float64)

    def discounts(self, times: FloatArray) -> FloatArray:
        """The risk-free discount factor to each of ``times``: e^(-z(t) t)."""
        if not self.curve:
            return np.exp(-self.kernel_input("rate") * np.asarray(times, dtype=np.float64))
        return np.exp(-self.zero_rates(times) * times)

    def forwards(self, times: FloatArray) -> FloatArray:
        """The forward rate over each interval between 0 and ``times`` (ascending): ``rate`` without
        a curve, else (z(t1) t1 - z(t0) t0) / (t1 - t0)."""
        if not self.curve:
            return np.full(len(times), self.kernel_input("rate"))
        edges = np.concatenate(([0.0], times))
        exposure = self.zero_rates(edges) * edges
        return np.asarray(np.diff(exposure) / np.diff(edges), dtype=np.float64)

    def kernel_input(self, name: MarketInput) -> np.float64:
        """The input ``name`` as the kernels compute with it: its element of :attr:`as_floats`."""
        value: np.float64 = self.as_floats[MARKET_INPUTS.index(name)]
        return value

    def floats(self) -> tuple[float, float, float, float, float]:
        """(spot, volatility, rate, dividend yield, credit spread) for the kernels' arithmetic."""
        spot, volatility, rate, dividend_yield, credit_spread = self.as_floats.tolist()[:5]
        return spot, volatility, rate, dividend_yield, credit_spread


@dataclass(frozen=True)
class Convertible:
    """One share held from the valuation date (time 0) with everything that accretes to it.

    Time is in years from the valuation date. The Payment Dates ``pay_times`` (ascending, in
    (0, maturity]) cut time into intervals ``k = 0 .. len(pay_times)``; on interval ``k`` (from
    ``pay_times[k-1]``, or 0, up to but not including ``pay_times[k]``) conversion delivers
    ``units[k]`` shares of Common Stock and ``accrued_start[k] + accrual_rate[k] * (t - start)``
    in cash (the accrued dividends). ``redemption`` is the amount the Company owes at
    ``maturity``; conversion is allowed at any time up to and including ``conversion_end``."""

    maturity: Fraction
    redemption: Fraction
    pay_times: FloatArray
    units: FloatArray
    accrued_start: FloatArray
    accrual_rate: FloatArray
    conversion_end: Fraction
    par: FloatArray | None = None
    """The holding at the Original Issue Price on each interval (PIK shares included): the
    Redemption Price on a day is it plus the accrued dividends (F/G §6(c)); needed to value a
    change of control, None where the instrument does not say (a plain zero-coupon convertible)."""
    deemed_liquidation: FloatArray | None = None
    """For a series for which a change of control is a deemed liquidation in which it shares with
    the Common Stock after its preference (G §3(b), §3(d)): the holding's preference before
    accrued dividends (multiple x Original Issue Price x holding) on each interval; on the event it
    is paid that, the dividends accrued, and ``units`` times the stock price. None: the event
    redeems (F/G §6(c))."""
    redemption_in_stock: bool = False
    """The Redemption Price is delivered in Common Stock worth it (F §6(d)): value that does not
    depend on the Company's cash, discounted at the rate without the credit spread (the spread stays
    on cash dividends); False: a cash claim at rate + spread."""
    coupons: FloatArray | None = None
    """The dividend paid in cash on each of ``pay_times`` (the holder's cash election, F §2(b)):
    a claim on the Company like the redemption, discounted at rate + credit spread, paid to a
    holder who has not converted before it (a holder converting on a Payment Date has it); None:
    none (dividends paid in shares accrete to ``units`` and ``par`` instead)."""

    def __post_init__(self) -> None:
        for name in ("maturity", "redemption", "conversion_end"):
            object.__setattr__(self, name, exact_input(getattr(self, name), name))
        k = len(self.pay_times)
        if not self.maturity > 0:
            raise ValueError("maturity must be positive")
        if not (len(self.units) == len(self.accrued_start) == len(self.accrual_rate) == k + 1):
            raise ValueError("units, accrued_start and accrual_rate need one entry per interval")
        if k and (np.any(np.diff(self.pay_times) <= 0) or self.pay_times[0] <= 0 or self.pay_times[-1] > self.maturity):
            raise ValueError("pay_times must be ascending in (0, maturity]")
        if self.conversion_end > self.maturity:
            raise ValueError("conversion_end is after maturity")
        if self.par is not None and len(self.par) != k + 1:
            raise ValueError("par needs one entry per interval")
        if self.deemed_liquidation is not None and len(self.deemed_liquidation) != k + 1:
            raise ValueError("deemed_liquidation needs one entry per interval")
        if self.coupons is not None and (len(self.coupons) != k or np.any(self.coupons < 0)):
            raise ValueError("coupons need one non-negative amount per Payment Date")

    def coupon_values(self, market: Market, times: FloatArray) -> FloatArray:
        """For each of ``times``: the dividends paid in cash on or before it, each discounted from
        its Payment Date to time 0 at rate + credit spread (a claim on the Company, as the
        redemption is), in time-0 money. Zeros without cash dividends."""
        out = np.zeros(len(times))
        if self.coupons is None or not len(self.coupons):
            return out
        spread = market.kernel_input("credit_spread")
        worth = self.coupons * market.discounts(self.pay_times) * np.exp(-spread * self.pay_times)
        paid = np.searchsorted(self.pay_times, np.asarray(times, dtype=np.float64), side="right")
        running = np.concatenate(([0.0], np.cumsum(worth)))
        return np.asarray(running[paid], dtype=np.float64)

    def redemption_prices(self, times: FloatArray) -> FloatArray:
        """The Redemption Price of the holding at each of ``times``: its par plus the dividends
        accrued (what a change of control pays, F/G §6(c))."""
        if self.par is None:
            raise ValueError("the instrument does not give its par: a change of control cannot be valued")
        k = np.searchsorted(self.pay_times, times, side="right")
        starts = np.concatenate(([0.0], self.pay_times))[k]
        prices = self.par[k] + self.accrued_start[k] + self.accrual_rate[k] * (times - starts)
        return np.asarray(prices, dtype=np.float64)

    def event_values(self, times: FloatArray, prices: FloatArray, convertible: NDArray[np.bool_]) -> FloatArray:
        """What a change of control at each of ``times`` pays the holding, the stock price then
        being ``prices``: the Redemption Price (F/G §6(c)); where conversion is still allowed
        (``convertible``) converting instead if worth more; and for a deemed liquidation with
        participation (``deemed_liquidation``), its preference, the dividends accrued and the
        as-converted shares at the stock price (G §3(a)-(b), §3(d)) where that is worth more
        (VAL-CHANGE-OF-CONTROL)."""
        paid = self.redemption_prices(times)
        units, cash = self.terms_on(times)
        paid = np.where(convertible, np.maximum(paid, units * prices + cash), paid)
        if self.deemed_liquidation is not None:
            k = np.searchsorted(self.pay_times, times, side="right")
            paid = np.maximum(paid, self.deemed_liquidation[k] + cash + units * prices)
        return np.asarray(paid, dtype=np.float64)

    def horizon(self) -> tuple[float, float, float]:
        """(maturity, redemption amount, end of conversion) for the kernels' arithmetic."""
        maturity, redemption, conversion_end = in_floats([self.maturity, self.redemption, self.conversion_end])
        return maturity, redemption, conversion_end

    @staticmethod
    def zero_coupon(maturity: Fraction, redemption: Fraction, ratio: Fraction) -> Convertible:
        """A zero-coupon convertible: a fixed conversion ratio (shares of Common Stock a share, exact:
        :func:`exact_input`), no cash on conversion, convertible up to maturity (the case QuantLib's
        convertible engine represents)."""
        return Convertible(
            maturity=maturity,
            redemption=redemption,
            pay_times=np.zeros(0),
            units=np.array(in_floats([exact_input(ratio, "ratio")]), dtype=np.float64),
            accrued_start=np.zeros(1),
            accrual_rate=np.zeros(1),
            conversion_end=maturity,
        )

    def terms_on(self, times: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(shares of Common Stock, cash) that converting delivers at each of ``times``."""
        k = np.searchsorted(self.pay_times, times, side="right")
        starts = np.concatenate(([0.0], self.pay_times))[k]
        return self.units[k], self.accrued_start[k] + self.accrual_rate[k] * (times - starts)


def _multiarray() -> Any:
    try:
        return importlib.import_module("numpy._core.multiarray")
    except ModuleNotFoundError:  # NumPy 1
        return importlib.import_module("numpy.core.multiarray")


_correlate: Callable[[FloatArray, FloatArray, str], FloatArray] = _multiarray().correlate
"""The C routine :func:`numpy.convolve` calls (with its taps flipped), without the checks of its
arguments that it makes on every call: ``_correlate(v, taps, "valid")[j] = taps[0] v[j] + taps[1]
v[j + 1]``, the same numbers (``tests/kernels/test_valuation_kernels.py``)."""


def lattice_spot_bump(instrument: Convertible, market: Market, steps: int) -> np.float64:
    """Two log-steps of the lattice, 2 sigma sqrt(T / steps): the spot bump of its Greeks."""
    bump: np.float64 = 2 * market.kernel_input("volatility") * np.sqrt(instrument.horizon()[0] / steps)
    return bump


def lattice_value(instrument: Convertible, market: Market, steps: int) -> np.float64:
    """The value of one share on a Cox-Ross-Rubinstein lattice of ``steps`` steps: at each node the
    holder converts when conversion is worth more than holding (optimal conversion); the debt part
    (what is owed at redemption) is discounted at rate + credit spread, the equity part at rate.

    Holding is worth at least the redemption claim discounted at rate + spread (the bond floor), and
    conversion grows with the stock price, so only the nodes whose conversion value is above the
    floor, a run at the top of each step, are tested for conversion."""
    if steps < 1:
        raise ValueError("steps must be at least 1")
    spot, volatility, rate, dividend_yield, credit_spread = market.floats()
    maturity, redemption, conversion_end = instrument.horizon()
    claim_spread = 0.0 if instrument.redemption_in_stock else credit_spread  # on the redemption
    dt = maturity / steps
    log_up = volatility * math.sqrt(dt)
    up = math.exp(log_up)
    down = 1.0 / up
    # each step's risk-free rate: the curve's forward rate over it (without a curve, ``rate``)
    step_rates = market.forwards(np.arange(1, steps + 1, dtype=np.float64) * dt) if market.curve else None
    taps: list[tuple[FloatArray, FloatArray]] = []
    for step_rate in [rate] if step_rates is None else step_rates.tolist():
        growth = math.exp((step_rate - dividend_yield) * dt)
        p = (growth - down) / (up - down)
        if not 0.0 < p < 1.0:
            raise ValueError("the lattice is not arbitrage-free at these steps (raise steps)")
        equity_disc = math.exp(-step_rate * dt)
        debt_disc = math.exp(-(step_rate + credit_spread) * dt)
        # one step back is a two-tap filter: out[j] = up-weight x v[j] + down-weight x v[j + 1], the
        # "valid" correlation with these taps (np.convolve's, with the taps it flips; called directly:
        # a 2,000-step lattice makes 4,000 such calls, and its checks took a fifth of the time)
        debt_taps = np.array([p * debt_disc, (1.0 - p) * debt_disc])
        equity_taps = np.array([p * equity_disc, (1.0 - p) * equity_disc])
        taps.append((debt_taps, equity_taps))
    # every spot of the lattice, spot * up^k for k = steps .. -steps; step i's nodes are
    # grid[steps - i :: 2][: i + 1] (spot * up^(i - 2j), j = 0 .. i)
    grid = spot * np.exp(log_up * np.arange(steps, -steps - 1, -1, dtype=np.float64))
    times = np.arange(steps + 1, dtype=np.float64) * dt
    units, cash = instrument.terms_on(times)
    allowed = times <= conversion_end
    if market.curve:  # the claim at t: redemption e^(-s (T - t)) D(T) / D(t)
        discount = market.discounts(times)
        floors = redemption * np.exp(-claim_spread * (maturity - times)) * discount[-1] / discount
    else:
        floors = redemption * np.exp(-(rate + claim_spread) * (maturity - times))
    # the nodes tested at step i: j < k[i], those with spot * up^(i - 2j) * units + cash > floor,
    # j < (i - log(level / spot) / log_up) / 2 (two more for rounding; none where not allowed)
    index = np.arange(steps + 1)
    safe_units = np.where(units > 0, units, 1.0)
    level = (floors - cash) / safe_units
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.floor((index - np.log(np.where(level > 0, level, 1.0) / spot) / log_up) / 2) + 2
    tested = np.where(level <= 0, index + 1, np.clip(bound, 0, index + 1))
    if market.change_of_control:  # the event's price need not be above the floor: every node is tested
        tested = index + 1
    tested = np.where(allowed & (units > 0), tested, 0).astype(np.int64).tolist()
    cash_list = cash.tolist()
    units_list = units.tolist()
    coupons_at = _lattice_coupons(instrument, market, times, step_rates)
    hazard = market.kernel_input("change_of_control")
    if hazard:  # the event during a step: at its node, what it pays (Convertible.event_values)
        stay = math.exp(-hazard * dt)
        jump = 1.0 + market.kernel_input("deal_premium")  # the deal's price of a share of Common Stock
    # the redemption is the debt part (discounted at rate + spread), or paid in stock the equity part
    debt = np.full(steps + 1, 0.0 if instrument.redemption_in_stock else redemption)
    equity = np.full(steps + 1, redemption if instrument.redemption_in_stock else 0.0)
    shares_grid: dict[float, FloatArray] = {}  # units x grid, for each number of shares
    total_buf = np.empty(steps + 1)
    mask_buf = np.empty(steps + 1, dtype=bool)
    for i in range(steps, -1, -1):
        if i < steps:
            debt_taps, equity_taps = taps[i if len(taps) > 1 else 0]
            debt = _correlate(debt, debt_taps, "valid")
            equity = _correlate(equity, equity_taps, "valid")
            if hazard:  # paid by the acquirer: no credit spread on it (VAL-CHANGE-OF-CONTROL)
                nodes = grid[steps - i : steps - i + 2 * i + 1 : 2]
                event = instrument.event_values(np.full(i + 1, times[i]), nodes * jump, np.full(i + 1, allowed[i]))
                debt *= stay
                equity *= stay
                equity += (1.0 - stay) * event
        k = tested[i]
        if k:
            held = units_list[i]
            if held not in shares_grid:
                shares_grid[held] = held * grid
            conv = shares_grid[held][steps - i : steps - i + 2 * k : 2]
            total = np.add(debt[:k], equity[:k], out=total_buf[:k])
            paid = cash_list[i]
            if paid:
                total -= paid
            mask = np.greater(conv, total, out=mask_buf[:k])
            np.add(conv, paid, out=equity[:k], where=mask)
            np.copyto(debt[:k], 0.0, where=mask)
        if coupons_at[i]:  # paid since the step before, to every holder then: converting now keeps it
            debt += coupons_at[i]
    value: np.float64 = debt[0] + equity[0]  # the root node's: the lattice's figures are float64 throughout
    return value


def _lattice_coupons(
    instrument: Convertible, market: Market, times: FloatArray, step_rates: FloatArray | None
) -> list[float]:
    """For each step of the lattice (at ``times``), the dividends paid in cash after the step
    before it and up to it, carried to the step at the step's rate + credit spread (so that one
    step back discounts each to its Payment Date's value at the step before)."""
    out = [0.0] * len(times)
    if instrument.coupons is None:
        return out
    spread = market.kernel_input("credit_spread")
    dt = float(times[1] - times[0]) if len(times) > 1 else 0.0
    for when, amount in zip(instrument.pay_times.tolist(), instrument.coupons.tolist(), strict=True):
        i = min(math.ceil(when / dt - 1e-9), len(times) - 1) if dt else 0
        step_rate = market.kernel_input("rate") if step_rates is None else float(step_rates[max(i - 1, 0)])
        out[i] += amount * math.exp((step_rate + spread) * (float(times[i]) - when))
    return out


@dataclass(frozen=True)
class MonteCarloResult:
    """A Monte Carlo estimate: the value, its standard error (from antithetic pairs), the 95%
    confidence interval (value +- 1.96 standard errors), the paths (pairs x 2) and the seed."""

    value: float
    standard_error: float
    ci_low: float
    ci_high: float
    paths: int
    seed: int
    converted_share: float
    """The fraction of paths converted before maturity or at it."""
    policy: tuple[Intervals, ...] = ()
    """Where the holder converts at each time (stock-price intervals): the exercise policy found."""
    gamma: float | None = None
    """The value's second derivative in the spot under ``policy``, by likelihood ratio on the same
    paths (:class:`_Priced`); 0 where converting today is certain; None with a change of control."""
    gamma_standard_error: float | None = None


def simulate_paths(
    market: Market, times: FloatArray, pairs: int, seed: int | np.random.SeedSequence
) -> NDArray[np.float32]:
    """Stock prices at ``times`` (ascending, > 0) on ``2 * pairs`` GBM paths under the risk-neutral
    drift r - q, one row per time: the first ``pairs`` columns from normals Z, the next from -Z
    (antithetic: their log-prices are twice the drift less the first's). Single precision (a
    path's relative error ~1e-7 is far below the Monte Carlo's); the normals come from PCG64
    seeded with ``seed``, drawn time by time. The exponential of :func:`log_paths`."""
    out: NDArray[np.float32] = log_paths(market, times, pairs, seed)
    np.exp(out, out=out)
    return out


def drift_and_deviation(market: Market, times: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each step's mean and standard deviation of the log-price's change up to ``times`` (from 0):
    the drift at the curve's forward rate over the step (without a curve, ``rate``) less the
    dividend yield and half the variance, and the volatility x the root of its length."""
    _, volatility, rate, dividend_yield, _ = market.floats()
    dts = np.diff(np.concatenate(([0.0], times)))
    step_rates = market.forwards(np.asarray(times, dtype=np.float64)) if market.curve else rate
    drift: FloatArray = (step_rates - dividend_yield - 0.5 * volatility**2) * dts
    deviation: FloatArray = volatility * np.sqrt(dts)
    return drift, deviation


def log_paths(market: Market, times: FloatArray, pairs: int, seed: int | np.random.SeedSequence) -> NDArray[np.float32]:
    """The logarithms of :func:`simulate_paths`'s prices. The least-squares Monte Carlo compares
    them with the log of each date's conversion threshold and takes the exponential of the paths
    where conversion competes only, sparing a pass over every path and date. (The GPU path draws
    its own normals on the device: :mod:`prefstack.kernels.gpu`.)"""
    spot = market.kernel_input("spot")
    steps = len(times)
    drift, deviation = drift_and_deviation(market, times)
    shock = deviation.astype(np.float32)[:, None]
    out = np.empty((steps, 2, pairs), dtype=np.float32)  # row j: the paths from Z, then from -Z
    rng = np.random.Generator(np.random.PCG64(seed))
    for j in range(steps):
        rng.standard_normal(out=out[j, 0], dtype=np.float32)
    # the log of the spot enters with the first step's drift, so the running sum carries it (one pass
    # over the paths fewer); the antithetic paths are twice (log spot + the drift to date) less them
    start = drift.copy()
    start[0] += math.log(spot)
    up = out[:, 0]
    up *= shock
    up += start.astype(np.float32)[:, None]
    for j in range(1, steps):  # the running sum over the dates, date by date (numpy's cumsum along
        np.add(up[j], up[j - 1], out=up[j])  # the first axis walks each path's column: several times slower)
    twice = (2.0 * np.cumsum(start)).astype(np.float32)[:, None]
    np.subtract(twice, up, out=out[:, 1])
    return out.reshape(steps, 2 * pairs)


Intervals = tuple[tuple[float, float], ...]
"""Where a holder converts at one date: stock prices in (low, high] (either may be infinite)."""


def _positive_intervals(poly: FloatArray, scale: float = 1.0) -> Intervals:
    """The intervals of ``scale * x`` where the polynomial ``poly`` (highest power first) of x is
    positive: between its real roots."""
    roots = np.roots(poly)
    real = sorted(scale * float(z.real) for z in roots if abs(z.imag) <= 1e-9 * max(1.0, abs(z)))
    edges = [-math.inf, *real, math.inf]
    found: list[tuple[float, float]] = []
    for low, high in itertools.pairwise(edges):
        if low == high:
            continue
        if math.isfinite(low) and math.isfinite(high):
            probe = (low + high) / 2
        elif math.isfinite(high):
            probe = high - 1.0
        elif math.isfinite(low):
            probe = low + 1.0
        else:
            probe = 0.0
        if np.polyval(poly, probe / scale) > 0:
            found.append((low, high))
    return tuple(found)


def _inside(intervals: Intervals, x: Any) -> Any:
    """Whether each of ``x`` is in one of ``intervals``: a comparison or two
    over ``x`` for each."""
    found = np.zeros(len(x), dtype=bool)
    for low, high in intervals:
        if math.isfinite(low) and math.isfinite(high):
            found |= (x > low) & (x <= high)
        elif math.isfinite(low):
            found |= x > low
        elif math.isfinite(high):
            found |= x <= high
        else:
            found[:] = True
    return found


def _positive_on(poly: FloatArray, x: NDArray[np.floating[Any]], scale: float = 1.0) -> NDArray[np.bool_]:
    """Where the polynomial ``poly`` (highest power first) is positive at ``x / scale``."""
    found: NDArray[np.bool_] = _inside(_positive_intervals(poly, scale), x)
    return found


class ConversionDate(NamedTuple):
    """A date of the least-squares Monte Carlo on which the holder may convert, its figures in time-0
    money: what converting gives per unit of stock price (``units``) and in cash (``cash``), the
    discount factor to the date (``grow``), what holding on is worth there at least (``claim``: the
    redemption claim, and the dividends still to come, valued as the claim is), the cash dividends
    received up to the date (``received``: the same whether the path converts there or holds on),
    the stock price above which conversion competes with the claim (``threshold``: the paths above
    it are the regression's sample), and the lowest price at which converting can be optimal
    (``lowest``: the threshold, or above it where holding to the next date and converting there is
    worth more below it, the next-date bound of :func:`_dominated_by_the_next_date`; the holder
    converts only above it)."""

    units: float
    cash: float
    grow: float
    claim: float
    received: float
    threshold: float
    lowest: float


def conversion_dates(
    instrument: Convertible, market: Market, times: FloatArray
) -> tuple[float, list[ConversionDate | None]]:
    """What the least-squares Monte Carlo compares at each of ``times``: the present value of the
    claim held to maturity (with every cash dividend) and each date's :class:`ConversionDate`, None
    where conversion is not possible (after ``conversion_end``, or no shares to convert into) or
    never optimal (:func:`_dominated_by_the_next_date`, without a change of control). The
    host's regression (:func:`_lsm`) and the GPU's kernels (:mod:`prefstack.kernels.gpu`) read these."""
    maturity, redemption, conversion_end = instrument.horizon()
    _, _, r, _, spread = market.floats()
    claim_spread = 0.0 if instrument.redemption_in_stock else spread  # on the redemption (F §6(d): stock)
    units_at, cash_at = instrument.terms_on(times)
    if market.curve:
        discount = market.discounts(np.asarray(times, dtype=np.float64))
        claim0 = redemption * math.exp(-claim_spread * maturity) * float(discount[-1])
    else:
        claim0 = redemption * math.exp(-(r + claim_spread) * maturity)
    # dividends paid in cash (the holder's election): those paid up to each date, in time-0 money at
    # rate + spread; a path has those paid up to when it converts, or all of them where it holds on
    coupons_to = instrument.coupon_values(market, np.asarray(times, dtype=np.float64))
    coupons_all = float(coupons_to[-1])
    claim0 += coupons_all
    last = len(times) - 1
    dates: list[ConversionDate | None] = []
    for j in range(len(times)):
        t = float(times[j])
        if t > conversion_end or units_at[j] <= 0:
            dates.append(None)
            continue
        units, cash = float(units_at[j]), float(cash_at[j])
        if market.curve:  # in time-0 money: D(t); the claim at t, redemption e^-s(T-t) D(T)
            grow = float(discount[j])
            claim = redemption * math.exp(-claim_spread * (maturity - t)) * float(discount[-1])
        else:  # the claim's value at t, in time-0 money at rate: redemption e^-(r+s)(T-t) e^-rt
            grow = math.exp(-r * t)
            claim = redemption * math.exp(-(r + claim_spread) * (maturity - t)) * grow
        received = float(coupons_to[j])  # the same whether the path converts at t or holds on
        # holding at t is worth at least the claim and the dividends still to come, valued as the claim is
        claim += (coupons_all - received) * math.exp(spread * t)
        level = (redemption if j == last else claim / grow) - cash
        dates.append(ConversionDate(units, cash, grow, claim, received, level / units, level / units))
    if market.change_of_control == 0:  # the exact input: no change of control can come
        dates = _dominated_by_the_next_date(dates, times, market.floats()[3])
    return claim0, dates


def _dominated_by_the_next_date(
    dates: list[ConversionDate | None], times: FloatArray, dividend_yield: float
) -> list[ConversionDate | None]:
    """Each date's :class:`ConversionDate` with conversion left out where holding on to the next
    date and converting there is worth more in expectation (the next-date bound, docs/valuation.md):
    its ``lowest`` raised, or the date None.

    In time-0 money converting at date j gives ``(units_j S + cash_j) grow_j + received_j``; holding
    to date j+1 (where conversion is still allowed) and converting there is worth, in expectation,
    ``units_j+1 S grow_j e^(-q dt) + cash_j+1 grow_j+1 + received_j+1`` (the discounted stock price
    loses only the dividend yield q over the dt between the dates). Holding is worth at least that,
    so converting can be optimal only where the difference ``slope S + level`` is positive: above
    ``-level / slope`` where the slope is positive (``lowest`` rises to it where that is above the
    claim's threshold; the regression's sample stays the paths above the threshold, so the fit is
    as good as without the bound, and only the decision is cut), nowhere where neither is positive
    (the date is left out: no regression, no conversion; a tie, as on two dates with the same
    units and no cash, converts nothing the later date would not give as well). A negative slope
    with a positive level would bound conversion from above; ``lowest`` is one-sided, so the date is
    then left as it is (the claim's bound alone). With a change of control the plan can be cut short
    by a deal between the dates, paying what the deal's day gives (its units, accrued cash and
    dividends, at the deal's price), not what the next date's conversion would: the caller does not
    apply this then.

    Shares that accrete in kind (F 1.75% a quarter) on stock paying no dividend are never worth
    converting before the last date: this removes the pilot run's noise from every earlier date."""
    kept = list(dates)
    for j in range(len(dates) - 1):
        date, after = dates[j], dates[j + 1]
        if date is None or after is None:
            continue
        carry = math.exp(-dividend_yield * float(times[j + 1] - times[j]))
        slope = date.grow * (date.units - after.units * carry)
        level = date.cash * date.grow - after.cash * after.grow + date.received - after.received
        if slope > 0:
            kept[j] = date._replace(lowest=max(date.threshold, -level / slope))
        elif level <= 0:
            kept[j] = None
    return kept


def conversion_region(normal: FloatArray, moments: FloatArray, date: ConversionDate, spot0: float) -> Intervals:
    """Where the holder converts on ``date``: the continuation value regressed on 1, x, x^2, x^3 (x
    the stock price over the spot) by the normal equations ``normal`` (the sums of x^(a+b)) and
    ``moments`` (the sums of the value of holding on x x^a) over the competing paths; conversion
    (affine in x) beats the fitted cubic on the intervals between the real roots of their
    difference where it is positive, cut at ``date.lowest`` where that is above the threshold (the
    next-date bound: the fit is over every competing path, the decision above ``lowest`` only)."""
    coef = np.linalg.solve(normal, moments)
    gap = np.array([-coef[3], -coef[2], date.units * spot0 * date.grow - coef[1], date.cash * date.grow - coef[0]])
    region = _positive_intervals(gap, spot0)
    if date.lowest > date.threshold:  # the next-date bound: no conversion at or below ``lowest``
        region = tuple((max(low, date.lowest), high) for low, high in region if high > date.lowest)
    return region


def _lsm(
    instrument: Convertible,
    market: Market,
    times: FloatArray,
    pairs: int,
    seed: int | np.random.SeedSequence,
    policy: tuple[Intervals, ...] | None = None,
) -> _Priced:
    """Least-squares Monte Carlo (Longstaff-Schwartz): conversion is possible at each of ``times``
    (ascending, in (0, maturity], the last the maturity) that is not after ``conversion_end``, and
    at time 0, but for the dates :func:`conversion_dates` leaves out (the next-date bound: where
    converting is never optimal; on the others the holder converts only above ``lowest``).

    Going back from maturity, the continuation value is regressed (on 1, x, x^2, x^3 of
    the stock price over the spot: conversion is affine in it, so these span the same polynomials
    as powers of the conversion value; by the normal equations) only over the paths where
    conversion competes: its value is above the present value of the redemption claim at that time
    (below it holding is worth more, since holding is worth at least the claim). A path's cash flow
    is discounted at rate + credit spread when it is the redemption, at rate when it is conversion:
    each path carries the present value (at time 0) of what conversion gave it, or -1 while it
    holds the claim, whose value at a time is one number.

    ``policy``: where the holder converts at each of ``times`` (stock-price intervals; the result's
    own ``policy``), used instead of regressing: a bumped market valued under the policy of the
    unbumped one, on the same random numbers, moves with the market alone (the Greeks)."""
    if pairs < 1:
        raise ValueError("pairs must be at least 1")
    maturity = instrument.horizon()[0]
    if len(times) == 0 or abs(times[-1] - maturity) > 1e-12 or np.any(np.diff(times) <= 0) or times[0] <= 0:
        raise ValueError("times must be ascending in (0, maturity] and end at maturity")
    logs = log_paths(market, times, pairs, seed)
    spot0 = market.floats()[0]
    n = logs.shape[1]
    tau = _event_times(instrument, market, times, pairs, seed, logs)
    claim0, dates = conversion_dates(instrument, market, times)
    pv = np.full(n, -1.0)  # -1: the path holds the claim
    if tau is not None:  # the paths a change of control ends: what it pays, in time-0 money
        pv[tau.paths] = tau.present
    regions: list[Intervals] = [() for _ in times]
    if policy is not None and len(policy) != len(times):
        raise ValueError("the policy needs one set of intervals per time")
    last = len(times) - 1
    for j in range(last, -1, -1):
        date = dates[j]
        if date is None:
            continue
        t = float(times[j])
        units, cash, grow, claim, received, threshold, _ = date  # lowest: in conversion_region
        # conversion competes above the threshold: compared in logs (the threshold's log rounded to
        # single precision, as the path's is), the prices of the competing paths only taken
        competing = np.flatnonzero(logs[j] > np.float32(math.log(threshold))) if threshold > 0 else np.arange(n)
        if tau is not None:  # a path a change of control ended before t converts no more
            competing = competing[tau.times[competing] > t]
        if len(competing) == 0:
            continue
        spot = np.exp(logs[j][competing])
        if j == last:
            pv[competing] = (spot.astype(np.float64) * units + cash) * grow + received
            regions[j] = ((threshold, math.inf),)
            continue
        if len(competing) <= 4 and policy is None:
            continue
        if policy is not None:
            region = policy[j]
        else:
            # the regression's sample: the first REGRESSION_PATHS competing paths (the paths are
            # independent, so these are a sample of the competing ones like any other)
            sample = competing[:REGRESSION_PATHS]
            taken = pv[sample]
            held = taken - received  # what holding on gave each path after t
            np.copyto(held, claim, where=taken < 0)
            x = spot[:REGRESSION_PATHS].astype(np.float64) / spot0
            design = np.empty((4, len(sample)))
            design[0] = 1.0
            design[1] = x
            np.multiply(x, x, out=design[2])
            np.multiply(design[2], x, out=design[3])
            region = conversion_region(design @ design.T, design @ held, date, spot0)
        regions[j] = region
        better = _inside(region, spot)
        chosen = competing[better]
        pv[chosen] = (spot[better].astype(np.float64) * units + cash) * grow + received
    holding = pv < 0
    present = np.where(holding, claim0, pv)
    gammas = None
    if tau is None:  # the paths depend on the spot through the first date's price alone
        drift, deviation = drift_and_deviation(market, times)
        sd = float(deviation[0])
        z = (logs[0][:pairs].astype(np.float64) - (math.log(spot0) + float(drift[0]))) / sd  # the first normals
        scale = 1.0 / (spot0 * spot0 * sd * sd)
        # the likelihood ratio's weight of the second derivative: (Z^2 - 1 - sd Z) / (S0^2 sd^2); -Z for the twin
        # each path's present value less the claim's (a constant, and the weight's mean is 0: the same
        # estimate in expectation, with a fraction of the noise of the whole present value's)
        squares = z * z - 1.0
        excess = present - claim0
        gammas = 0.5 * (excess[:pairs] * (squares - sd * z) + excess[pairs:] * (squares + sd * z)) * scale
    return _Priced(0.5 * (present[:pairs] + present[pairs:]), float(holding.sum()), tuple(regions), gammas)


class _Priced(NamedTuple):
    """What :func:`_lsm` found: each antithetic pair's mean present value, how many paths hold the
    claim to the end, the conversion policy, and each pair's likelihood-ratio estimate of the
    value's second derivative in the spot under that policy: the pair's present values (less the
    claim's) x the likelihood ratio's weight of the first date's normal. The price at any later
    date is the first's times factors that do not depend on the spot, so the weight of the
    density of the first date's price gives the whole gamma, with no difference across the
    conversion boundary (where a bumped price jumps). None where a change of control may come on
    a path: its price is bridged from the spot itself."""

    pair_means: Any
    holding: float
    regions: tuple[Intervals, ...]
    pair_gammas: Any


EVENT_STREAM = 0x636F6331
"""The key of the random stream of a path's change of control, spawned from its seed beside the
normals' (so a run without one draws the same normals as before)."""


class _Events(NamedTuple):
    """When a change of control comes on each path (at or after maturity: none), and for the paths
    it ends, their indices and what it pays them in time-0 money."""

    times: FloatArray
    paths: NDArray[np.int64]
    present: FloatArray


def _event_times(
    instrument: Convertible,
    market: Market,
    times: FloatArray,
    pairs: int,
    seed: int | np.random.SeedSequence,
    logs: Any,
) -> _Events | None:
    """VAL-CHANGE-OF-CONTROL on the Monte Carlo's paths: each pair's time of a change of control,
    exponential of intensity ``market.change_of_control`` (one for both paths of an antithetic
    pair), drawn from a stream of its own; on a path it ends before maturity, the stock price at
    that time from the Brownian bridge between the dates around it (antithetic normals for the
    pair), and the holder paid the Redemption Price of the day (F/G §6(c)) or, while conversion is
    allowed, converting if worth more, discounted at the risk-free rate (the acquirer pays). None
    without a change of control."""
    hazard = market.kernel_input("change_of_control")
    if not hazard:
        return None
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    stream = np.random.SeedSequence(sequence.entropy, spawn_key=(*sequence.spawn_key, EVENT_STREAM))
    rng = np.random.Generator(np.random.PCG64(stream))
    half = rng.exponential(1.0 / hazard, pairs)
    shocks = rng.standard_normal(pairs)
    when = np.concatenate((half, half))
    maturity, _, conversion_end = instrument.horizon()
    paths = np.flatnonzero(when < maturity)
    tau = when[paths]
    right = np.searchsorted(times, tau, side="left")  # the first date on or after the event
    t_right = times[right]
    t_left = np.where(right > 0, times[np.maximum(right - 1, 0)], 0.0)
    log_right = logs[right, paths].astype(np.float64)
    log_left = np.where(right > 0, logs[np.maximum(right - 1, 0), paths], math.log(market.kernel_input("spot")))
    weight = (tau - t_left) / (t_right - t_left)
    spread = market.kernel_input("volatility") * np.sqrt((tau - t_left) * (t_right - tau) / (t_right - t_left))
    z = np.concatenate((shocks, -shocks))[paths]
    price = np.exp(log_left + weight * (log_right - log_left) + spread * z)
    paid = instrument.event_values(tau, price * (1.0 + market.kernel_input("deal_premium")), tau <= conversion_end)
    # with the dividends paid in cash before the event (on or before its day)
    return _Events(when, paths, paid * market.discounts(tau) + instrument.coupon_values(market, tau))


def _now(instrument: Convertible, market: Market) -> float | None:
    """What converting today gives, where conversion is still allowed today."""
    units0, cash0 = instrument.terms_on(np.zeros(1))
    return units0[0] * market.kernel_input("spot") + cash0[0] if instrument.conversion_end >= 0 else None


def monte_carlo_value(
    instrument: Convertible,
    market: Market,
    times: FloatArray,
    pairs: int,
    seed: int,
    policy: tuple[Intervals, ...] | None = None,
) -> MonteCarloResult:
    """The least-squares Monte Carlo value (:func:`_lsm`, the policy found on the same paths that
    are priced) with its standard error over the antithetic pairs' means."""
    pair_means, holding, regions, gammas = _lsm(instrument, market, times, pairs, seed, policy)
    value = float(pair_means.mean())
    se = float(pair_means.std(ddof=1) / math.sqrt(pairs)) if pairs > 1 else float("nan")
    n = 2 * pairs
    now = _now(instrument, market)
    if now is not None and now > value:  # converting today beats holding: the value is certain
        return MonteCarloResult(now, 0.0, now, now, n, seed, 1.0, regions, 0.0, 0.0)
    converted = 1.0 - holding / n
    gamma = gamma_se = None
    if gammas is not None:
        gamma = float(gammas.mean())
        gamma_se = float(gammas.std(ddof=1) / math.sqrt(pairs)) if pairs > 1 else float("nan")
    return MonteCarloResult(
        value, se, value - 1.96 * se, value + 1.96 * se, n, seed, converted, regions, gamma, gamma_se
    )


@dataclass(frozen=True)
class ChunkMoments:
    """One chunk's antithetic pairs: how many, the sum and the sum of squares of their means, and
    how many of its paths hold the claim to the end."""

    pairs: int
    total: float
    total_sq: float
    holding: float
    gamma_total: float | None
    """The sum of the pairs' likelihood-ratio gammas (:class:`_Priced`), and of their squares; None
    with a change of control."""
    gamma_total_sq: float | None


def price_chunk(
    instrument: Convertible,
    market: Market,
    times: FloatArray,
    pairs: int,
    seed: np.random.SeedSequence,
    policy: tuple[Intervals, ...],
) -> ChunkMoments:
    """One chunk of paths priced under a given conversion policy (a task for a worker)."""
    pair_means, holding, _, gammas = _lsm(instrument, market, times, pairs, seed, policy)
    # the sums of squares by NumPy's own summation, not a dot product: BLAS sums in an order
    # that depends on its number of threads (a Dask worker runs it on one), so a chunk's figures would
    # depend on where it was priced
    gamma_total = gamma_sq = None
    if gammas is not None:
        gamma_total, gamma_sq = float(gammas.sum()), float((gammas * gammas).sum())
    return ChunkMoments(
        pairs, float(pair_means.sum()), float((pair_means * pair_means).sum()), holding, gamma_total, gamma_sq
    )


Chunk = tuple[int, np.random.SeedSequence]
"""A chunk's pairs and its seed."""
Runner = Callable[[Convertible, Market, FloatArray, Sequence[Chunk], tuple[Intervals, ...]], list[ChunkMoments]]
"""Prices chunks under a policy, in the order given (in this process, on a cluster, or on a GPU)."""
Pilot = Callable[[Convertible, Market, FloatArray, int, np.random.SeedSequence], tuple[Intervals, ...]]
"""Finds the conversion policy by the least-squares regressions over a number of antithetic pairs
drawn from a seed (the pilot run of :func:`chunked_monte_carlo`)."""


def host_pilot(
    instrument: Convertible, market: Market, times: FloatArray, pairs: int, seed: np.random.SeedSequence
) -> tuple[Intervals, ...]:
    """The pilot run in this process (:func:`_lsm`, its regressions over its first REGRESSION_PATHS
    competing paths: every one, in a pilot of CHUNK_PAIRS pairs)."""
    return _lsm(instrument, market, times, pairs, seed, None).regions


def _threads(workers: int) -> Runner:
    """A runner that prices each chunk in this process (under the policy of the pilot run of
    :func:`chunked_monte_carlo`), on up to ``workers`` threads side by side. NumPy lets go of the
    interpreter's lock while it draws normals and runs its loops over arrays, so the threads use as
    many cores. A chunk's figures depend on its own pairs and seed alone, and they come back in
    chunk order, so the result is the same to the bit for any number of workers. The threads are
    joined before the runner returns."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")

    def run(
        instrument: Convertible,
        market: Market,
        times: FloatArray,
        chunks: Sequence[Chunk],
        policy: tuple[Intervals, ...],
    ) -> list[ChunkMoments]:
        def price(chunk: Chunk) -> ChunkMoments:
            return price_chunk(instrument, market, times, chunk[0], chunk[1], policy)

        if workers == 1 or len(chunks) < 2:
            return [price(chunk) for chunk in chunks]
        with ThreadPoolExecutor(min(workers, len(chunks)), thread_name_prefix="prefstack-chunk") as pool:
            return list(pool.map(price, chunks))

    return run


run_here: Runner = _threads(1)
"""Each chunk priced in this process, in order (its paths NumPy's)."""


def threaded_runner(workers: int) -> Runner:
    """Each chunk priced in this process with NumPy's paths, on up to ``workers`` threads (one:
    :data:`run_here`), the figures of :data:`run_here` (:func:`_threads`)."""
    return run_here if workers == 1 else _threads(workers)


class GpuUnavailable(Exception):
    """The GPU path cannot run here: why."""


CHUNK_PAIRS = 65_536
"""Antithetic pairs per chunk of the chunked Monte Carlo (and of its pilot run)."""


def chunked_monte_carlo(
    instrument: Convertible,
    market: Market,
    times: FloatArray,
    pairs: int,
    seed: int,
    runner: Runner = run_here,
    policy: tuple[Intervals, ...] | None = None,
    pilot: Pilot = host_pilot,
) -> MonteCarloResult:
    """Least-squares Monte Carlo in two passes, split into chunks that any runner may price: the
    seed's :class:`numpy.random.SeedSequence` spawns one child for a pilot run of up to
    CHUNK_PAIRS pairs, which finds the conversion policy by regression (unless ``policy`` is
    given), and one child for each chunk of CHUNK_PAIRS pairs, priced under that policy on paths
    of its own (an out-of-sample policy: the estimate is biased low, not high). The chunks' sums
    are combined in chunk order, so a runner on a cluster gives the figures of :func:`run_here`."""
    if pairs < 2:
        raise ValueError("pairs must be at least 2")
    count = -(-pairs // CHUNK_PAIRS)
    children = np.random.SeedSequence(seed).spawn(count + 1)
    if policy is None:
        policy = pilot(instrument, market, times, min(pairs, CHUNK_PAIRS), children[0])
    chunks = [(min(CHUNK_PAIRS, pairs - c * CHUNK_PAIRS), children[c + 1]) for c in range(count)]
    moments = runner(instrument, market, times, chunks, policy)
    value, se = _mean_and_error([(m.total, m.total_sq) for m in moments], pairs)
    n = 2 * pairs
    now = _now(instrument, market)
    if now is not None and now > value:
        return MonteCarloResult(now, 0.0, now, now, n, seed, 1.0, policy, 0.0, 0.0)
    converted = 1.0 - sum(m.holding for m in moments) / n
    gamma = gamma_se = None
    gamma_sums = [
        (m.gamma_total, m.gamma_total_sq) for m in moments if m.gamma_total is not None and m.gamma_total_sq is not None
    ]
    if len(gamma_sums) == len(moments):  # none with a change of control
        gamma, gamma_se = _mean_and_error(gamma_sums, pairs)
    return MonteCarloResult(
        value, se, value - 1.96 * se, value + 1.96 * se, n, seed, converted, policy, gamma, gamma_se
    )


def _mean_and_error(sums: Sequence[tuple[float, float]], pairs: int) -> tuple[float, float]:
    """The mean of ``pairs`` values from the sums of each chunk's values and of their squares (added in
    chunk order), and its standard error."""
    total = sum(t for t, _ in sums)
    total_sq = sum(q for _, q in sums)
    mean = total / pairs
    variance = max(total_sq - pairs * mean * mean, 0.0) / (pairs - 1)
    return mean, math.sqrt(variance / pairs)


@dataclass(frozen=True)
class Greeks:
    """Sensitivities of the value by differences: delta (per $1 of the stock price), gamma (per $1,
    squared) and vega (per 1.00 of volatility, i.e. per 100 points), with the bumps (the spot's in
    log terms)."""

    delta: float
    gamma: float
    vega: float
    spot_bump: float
    volatility_bump: float


def bumped_greeks(
    value: Callable[[Market], float], market: Market, spot_bump: float = 0.01, volatility_bump: float = 0.01
) -> Greeks:
    """Delta, gamma and vega of ``value`` (a price as a function of the market) by differences: the
    spot multiplied by e^(+-spot_bump) (three-point formulas on the uneven points), the volatility
    moved by +-``volatility_bump``. For the Monte Carlo, ``value`` keeps its seed and path count, so
    every bumped price uses the same random numbers (common random numbers: the differences carry
    far less noise than the prices). For the lattice, a spot bump of two of its log-steps
    (2 sigma sqrt(dt)) moves the nodes onto each other, so the lattice's oscillation in the spot
    cancels in the differences."""
    if not (0 < spot_bump < 1 and 0 < volatility_bump < market.volatility):
        raise ValueError("the bumps must be positive, the spot's below 1 and the volatility's below the volatility")
    spot = market.spot
    high, low = spot * Fraction(math.exp(spot_bump)), spot * Fraction(math.exp(-spot_bump))
    mid = value(market)
    up = value(replace(market, spot=high))
    down = value(replace(market, spot=low))
    more = value(replace(market, volatility=market.volatility + exact_input(volatility_bump, "volatility_bump")))
    less = value(replace(market, volatility=market.volatility - exact_input(volatility_bump, "volatility_bump")))
    rise, fall = in_floats([high - spot, spot - low])
    slope_up, slope_down = (up - mid) / rise, (mid - down) / fall
    return Greeks(
        delta=(up - down) / (rise + fall),
        gamma=2 * (slope_up - slope_down) / (rise + fall),
        vega=(more - less) / (2 * volatility_bump),
        spot_bump=spot_bump,
        volatility_bump=volatility_bump,
    )


def black_scholes_calls(value: float, strikes: FloatArray, volatility: float, rate: float, years: float) -> FloatArray:
    """Black-Scholes calls on ``value`` (no dividends) at each of ``strikes`` (0 gives the value)."""
    out = np.full(len(strikes), value, dtype=np.float64)
    positive = strikes > 0
    k = strikes[positive]
    sd = volatility * math.sqrt(years)
    d1 = (np.log(value / k) + (rate + 0.5 * volatility * volatility) * years) / sd
    d2 = d1 - sd
    n1 = 0.5 * (1 + np.vectorize(math.erf)(d1 / math.sqrt(2)))
    n2 = 0.5 * (1 + np.vectorize(math.erf)(d2 / math.sqrt(2)))
    out[positive] = value * n1 - k * math.exp(-rate * years) * n2
    return out


def annualized_volatility(prices: Sequence[float], per_year: int) -> float:
    """The sample standard deviation of the daily log returns of ``prices`` x sqrt(``per_year``)."""
    returns = np.diff(np.log(np.array(prices)))
    return float(np.std(returns, ddof=1) * math.sqrt(per_year))


def opm_backsolve_value(
    knots: FloatArray, payoffs: FloatArray, column: int, known: float, volatility: float, rate: float, years: float
) -> float | None:
    """The total equity value at which the class of column ``column`` of ``payoffs`` is worth
    ``known`` by :func:`opm_values` (its value rises with the equity's: every payoff is
    non-decreasing in the exit value), by bisection to 1e-10 of it; None where it stays below
    ``known`` up to 1e18."""

    def worth(total: float) -> float:
        return float(opm_values(knots, payoffs, total, volatility, rate, years)[column])

    low, high = 1e-6, max(float(knots[-1]), known)
    while worth(high) < known:
        high *= 2
        if high > 1e18:
            return None
    for _ in range(200):
        mid = 0.5 * (low + high)
        if worth(mid) < known:
            low = mid
        else:
            high = mid
        if high - low <= 1e-10 * high:
            break
    return 0.5 * (low + high)


def as_exact(values: FloatArray | Sequence[float]) -> list[Fraction]:
    """The kernels' float64 figures as the exact rationals they are (no rounding: every float is
    one), for the exact code that shows them: the other boundary of :func:`in_floats`. ValueError
    where one is not finite (an infinity or a NaN is no rational)."""
    floats = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(floats)):
        raise ValueError(f"not finite: {floats[~np.isfinite(floats)].tolist()[:3]}")
    return [Fraction(x) for x in floats.tolist()]


def opm_values(
    knots: FloatArray, payoffs: FloatArray, value: float, volatility: float, rate: float, years: float
) -> FloatArray:
    """The option-pricing-model value of each class: its payoff, linear between ``knots`` (exit
    values, ascending from 0) and on past the last with the last stretch's slope, is a sum of call
    spreads: slope_k x (C(knot_k) - C(knot_k+1)) over the stretches, C the Black-Scholes call on the
    total equity ``value``. ``payoffs``: one row per knot, one column per class (zero at 0)."""
    if knots[0] != 0 or np.any(np.diff(knots) <= 0):
        raise ValueError("knots must ascend from 0")
    if not (value > 0 and volatility > 0 and years > 0):
        raise ValueError("the equity value, volatility and term must be positive")
    slopes = np.diff(payoffs, axis=0) / np.diff(knots)[:, None]  # one row per stretch
    calls = black_scholes_calls(value, knots, volatility, rate, years)
    spreads = np.append(calls[:-2] - calls[1:-1], calls[-2])  # the last stretch runs on: C(knot) - 0
    return np.asarray(spreads @ slopes, dtype=np.float64)
