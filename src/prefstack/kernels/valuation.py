"""Numeric kernels of fair value: a convertible preferred share with PIK accretion, valued by a CRR
binomial lattice and by least-squares Monte Carlo under geometric Brownian motion.

Floats are allowed here: fair value is a model estimate, not a clause figure. The instrument is
described by :class:`Convertible`, built from the terms and the ledger by
:mod:`prefstack.valuation` (which cites the clauses); the kernels know no series and no clause.

The credit model is Tsiveriotis-Fernandes: the redemption claim (a cash amount the Company owes)
is discounted at the risk-free rate plus the credit spread, what conversion delivers at the
risk-free rate. The lattice carries both parts; the Monte Carlo discounts each path's cash flow by
its kind (redemption or conversion).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Convertible",
    "Market",
    "MonteCarloResult",
    "lattice_value",
    "monte_carlo_value",
    "simulate_paths",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Market:
    """The model of the Common Stock: spot price, volatility, continuously compounded risk-free rate
    and dividend yield (all per year), and the credit spread on the Company's redemption claim."""

    spot: float
    volatility: float
    rate: float
    dividend_yield: float = 0.0
    credit_spread: float = 0.0

    def __post_init__(self) -> None:
        for name in ("spot", "volatility", "rate", "dividend_yield", "credit_spread"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, not {value}")
        if self.spot <= 0 or self.volatility <= 0:
            raise ValueError("spot and volatility must be positive")
        if self.credit_spread < 0:
            raise ValueError("credit_spread must not be negative")


@dataclass(frozen=True)
class Convertible:
    """One share held from the valuation date (time 0) with everything that accretes to it.

    Time is in years from the valuation date. The Payment Dates ``pay_times`` (ascending, in
    (0, maturity]) cut time into intervals ``k = 0 .. len(pay_times)``; on interval ``k`` (from
    ``pay_times[k-1]``, or 0, up to but not including ``pay_times[k]``) conversion delivers
    ``units[k]`` shares of Common Stock and ``accrued_start[k] + accrual_rate[k] * (t - start)``
    in cash (the accrued dividends). ``redemption`` is the amount the Company owes at
    ``maturity``; conversion is allowed at any time up to and including ``conversion_end``."""

    maturity: float
    redemption: float
    pay_times: FloatArray
    units: FloatArray
    accrued_start: FloatArray
    accrual_rate: FloatArray
    conversion_end: float

    def __post_init__(self) -> None:
        k = len(self.pay_times)
        if not (self.maturity > 0 and math.isfinite(self.maturity)):
            raise ValueError("maturity must be positive")
        if not (len(self.units) == len(self.accrued_start) == len(self.accrual_rate) == k + 1):
            raise ValueError("units, accrued_start and accrual_rate need one entry per interval")
        if k and (np.any(np.diff(self.pay_times) <= 0) or self.pay_times[0] <= 0 or self.pay_times[-1] > self.maturity):
            raise ValueError("pay_times must be ascending in (0, maturity]")
        if self.conversion_end > self.maturity:
            raise ValueError("conversion_end is after maturity")

    @staticmethod
    def zero_coupon(maturity: float, redemption: float, ratio: float) -> Convertible:
        """A zero-coupon convertible: a fixed conversion ratio, no cash on conversion, convertible
        up to maturity (the case QuantLib's convertible engine represents)."""
        return Convertible(
            maturity=maturity,
            redemption=redemption,
            pay_times=np.zeros(0),
            units=np.array([ratio]),
            accrued_start=np.zeros(1),
            accrual_rate=np.zeros(1),
            conversion_end=maturity,
        )

    def terms_at(self, t: float) -> tuple[float, float]:
        """(shares of Common Stock, cash) that converting at time ``t`` delivers."""
        k = int(np.searchsorted(self.pay_times, t, side="right"))
        start = 0.0 if k == 0 else float(self.pay_times[k - 1])
        return float(self.units[k]), float(self.accrued_start[k] + self.accrual_rate[k] * (t - start))


def lattice_value(instrument: Convertible, market: Market, steps: int) -> float:
    """The value of one share on a Cox-Ross-Rubinstein lattice of ``steps`` steps: at each node the
    holder converts when conversion is worth more than holding (optimal conversion); the debt part
    (what is owed at redemption) is discounted at rate + credit spread, the equity part at rate."""
    if steps < 1:
        raise ValueError("steps must be at least 1")
    dt = instrument.maturity / steps
    up = math.exp(market.volatility * math.sqrt(dt))
    down = 1.0 / up
    growth = math.exp((market.rate - market.dividend_yield) * dt)
    p = (growth - down) / (up - down)
    if not 0.0 < p < 1.0:
        raise ValueError("the lattice is not arbitrage-free at these steps (raise steps)")
    equity_disc = math.exp(-market.rate * dt)
    debt_disc = math.exp(-(market.rate + market.credit_spread) * dt)
    pe_u, pe_d = p * equity_disc, (1.0 - p) * equity_disc
    pd_u, pd_d = p * debt_disc, (1.0 - p) * debt_disc
    # node j of step i: spot * up^(i - 2j); the ratios of the last step
    spots = market.spot * up ** (steps - 2.0 * np.arange(steps + 1))
    units, cash = instrument.terms_at(instrument.maturity)
    debt = np.full(steps + 1, instrument.redemption)
    total = debt.copy()
    if instrument.conversion_end >= instrument.maturity:
        conv = units * spots + cash
        converted = conv > total
        total = np.where(converted, conv, total)
        debt = np.where(converted, 0.0, debt)
    equity = total - debt
    for i in range(steps - 1, -1, -1):
        n = i + 1
        debt = pd_u * debt[:n] + pd_d * debt[1 : n + 1]
        equity = pe_u * equity[:n] + pe_d * equity[1 : n + 1]
        t = i * dt
        spots = spots[:n] * down  # spot * up^(i - 2j) from spot * up^(i + 1 - 2j)
        if t <= instrument.conversion_end:
            units, cash = instrument.terms_at(t)
            conv = units * spots + cash
            converted = conv > debt + equity
            if converted.any():
                equity = np.where(converted, conv, equity)
                debt = np.where(converted, 0.0, debt)
    return float(debt[0] + equity[0])


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


def simulate_paths(market: Market, times: FloatArray, pairs: int, seed: int) -> FloatArray:
    """Stock prices at ``times`` (ascending, > 0) on ``2 * pairs`` GBM paths: the first ``pairs``
    rows from normals Z, the next from -Z (antithetic), under the risk-neutral drift r - q."""
    rng = np.random.Generator(np.random.PCG64(seed))
    dts = np.diff(np.concatenate(([0.0], times)))
    z = rng.standard_normal((pairs, len(times)))
    drift = (market.rate - market.dividend_yield - 0.5 * market.volatility**2) * dts
    shock = market.volatility * np.sqrt(dts)
    log_up = np.cumsum(drift + shock * z, axis=1)
    log_down = np.cumsum(drift - shock * z, axis=1)
    return market.spot * np.exp(np.concatenate((log_up, log_down), axis=0))


def _basis(x: FloatArray) -> FloatArray:
    return np.stack((np.ones_like(x), x, x * x, x * x * x), axis=1)


def monte_carlo_value(
    instrument: Convertible, market: Market, times: FloatArray, pairs: int, seed: int
) -> MonteCarloResult:
    """Least-squares Monte Carlo (Longstaff-Schwartz): conversion is possible at each of ``times``
    (ascending, in (0, maturity], the last the maturity) that is not after ``conversion_end``, and
    at time 0. Going back from maturity, the continuation value is regressed (on 1, x, x^2, x^3 of
    the conversion value scaled by the spot's) only over the paths where conversion competes: its
    value is above the present value of the redemption claim at that time (below it, holding is
    worth more, since holding is worth at least the claim). A path's cash flow is discounted at
    rate + credit spread when it is the redemption, at rate when it is conversion."""
    if pairs < 1:
        raise ValueError("pairs must be at least 1")
    if len(times) == 0 or abs(times[-1] - instrument.maturity) > 1e-12 or np.any(np.diff(times) <= 0) or times[0] <= 0:
        raise ValueError("times must be ascending in (0, maturity] and end at maturity")
    s = simulate_paths(market, times, pairs, seed)
    r, spread = market.rate, market.credit_spread
    n = s.shape[0]
    payoff = np.full(n, instrument.redemption)
    when = np.full(n, instrument.maturity)
    debt = np.ones(n, dtype=bool)
    last = len(times) - 1
    for j in range(last, -1, -1):
        t = float(times[j])
        if t > instrument.conversion_end:
            continue
        units, cash = instrument.terms_at(t)
        conv = units * s[:, j] + cash
        floor = instrument.redemption * math.exp(-(r + spread) * (instrument.maturity - t))
        if j == last:
            exercise = conv > payoff
        else:
            competing = conv > floor
            exercise = np.zeros(n, dtype=bool)
            if competing.sum() > 4:
                held = payoff[competing] * np.exp(-(r + spread * debt[competing]) * (when[competing] - t))
                x = conv[competing] / (units * market.spot + cash)
                design = _basis(x)
                coef, *_ = np.linalg.lstsq(design, held, rcond=None)
                exercise[competing] = conv[competing] > design @ coef
        payoff = np.where(exercise, conv, payoff)
        when = np.where(exercise, t, when)
        debt &= ~exercise
    present = payoff * np.exp(-(r + spread * debt) * when)
    units0, cash0 = instrument.terms_at(0.0)
    now = units0 * market.spot + cash0
    pair_means = 0.5 * (present[:pairs] + present[pairs:])
    value = float(pair_means.mean())
    se = float(pair_means.std(ddof=1) / math.sqrt(pairs)) if pairs > 1 else float("nan")
    converted = float((~debt).mean())
    if now > value:  # converting today beats holding: the value is certain
        return MonteCarloResult(now, 0.0, now, now, n, seed, 1.0)
    return MonteCarloResult(value, se, value - 1.96 * se, value + 1.96 * se, n, seed, converted)
