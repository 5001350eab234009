"""Exit scenarios at scale (issue 15): the waterfall kernel (:mod:`prefstack.kernels.waterfall`) on
the bundled CAIS capital structure (Series C, D and E senior; F and G at parity; the Common Stock;
the management options and the Qwest Warrant) on 2002-06-30 over 1,000,000 exit values from $0 to
$2,000,000,000 (every per-class output), against, in the same run:

* a straightforward NumPy implementation kept here as the baseline: float64 dollars over the whole
  array at once, every one of the 2 ** 5 profiles of choices computed for every exit value, the
  equilibrium searched row by row with the clause's switching rule, payouts rounded to the cent
  one by one (it is not exact to the cent: how many rows differ from the kernel is printed);
* the exact engine (``capital_structure_waterfall``, Fractions) on 1,000 of the exit values, scaled
  to 1,000,000;
* the memory-bandwidth floor: the bytes the problem must move at least (the exit values read, the
  per-class cents written) over this machine's measured copy bandwidth;
* the kernel's peak memory (tracemalloc, which counts NumPy's buffers) beside the output's size.
"""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
from fractions import Fraction
from importlib import resources

import numpy as np
import numpy.typing as npt

from benchmarks._timing import best
from prefstack.books import Books
from prefstack.clauses.liquidation_structure import capital_structure_waterfall
from prefstack.instruments.capital_structure import bundled_for_company
from prefstack.scenarios import ScenarioPlan, plan_for, structure_inputs

ON = dt.date(2002, 6, 30)
EXITS = 1_000_000
EXACT_SAMPLE = 1_000
TOP_CENTS = 200_000_000_000
GOAL_BASELINE = 20.0
GOAL_EXACT = 10_000.0


def _float_waterfall(
    plan: ScenarioPlan, choices: frozenset[str], x: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """One profile's payouts in float64 dollars for every exit value at once (the baseline)."""
    profile = plan.exact_side.profile(choices)
    out = np.zeros((x.size, len(plan.columns)))
    left = x + float(profile.exercise)
    for tier in profile.tiers:
        full = float(tier.full)
        paid = np.minimum(left, full)
        left = left - paid
        for claim in tier.claims:
            out[:, claim.column] += paid * (float(claim.amount) / full if full else 0.0)
    weights = np.array([float(s.weight) for s in profile.shares])
    caps = np.array([np.inf if s.cap is None else float(s.cap) for s in profile.shares])
    capped = np.zeros((x.size, weights.size), dtype=bool)
    for _ in range(weights.size + 1):
        open_weight = np.where(capped, 0.0, weights[None, :]).sum(axis=1)
        rest = left - np.where(capped, caps[None, :], 0.0).sum(axis=1)
        share = np.where(capped, caps[None, :], rest[:, None] * weights[None, :] / open_weight[:, None])
        newly = ~capped & (share > caps[None, :])
        if not newly.any():
            break
        capped |= newly
    for k, s in enumerate(profile.shares):
        out[:, s.column] += share[:, k]
    return out


def baseline(plan: ScenarioPlan, exits: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The straightforward NumPy implementation (see the module's docstring): per-class cents."""
    x = exits / 100.0
    deciders = plan.deciders
    profiles = [frozenset(d for i, d in enumerate(deciders) if mask >> i & 1) for mask in range(2 ** len(deciders))]
    paid = np.stack([_float_waterfall(plan, p, x) for p in profiles])
    strikes = plan.exact_side.strikes
    payoff = {}
    for d in deciders:
        columns = [j for j, (security, _) in enumerate(plan.columns) if security == d]
        net = np.array([float(strikes[d]) if d in p and d in strikes else 0.0 for p in profiles])
        payoff[d] = paid[:, :, columns].sum(axis=2) - net[:, None]
    rows = np.arange(x.size)
    current = np.zeros(x.size, dtype=np.int64)
    for _ in range(2 ** len(deciders)):
        before = current.copy()
        for i, d in enumerate(deciders):
            with_, without = current | (1 << i), current & ~(1 << i)
            current = np.where(payoff[d][with_, rows] > payoff[d][without, rows], with_, without)
        if (current == before).all():
            break
    cents = np.round(paid[current, rows] * 100).astype(np.int64)
    return plan.by_class(cents)


def _bandwidth() -> float:
    """Bytes per second of a large NumPy copy (read + write) on this machine: the best of five."""
    source = np.ones(32 * 1024 * 1024, dtype=np.int64)  # 256 MiB
    target = np.empty_like(source)
    seconds = best(5, lambda: np.copyto(target, source))
    return 2 * source.nbytes / seconds


def run() -> list[str]:
    example = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
    structure = bundled_for_company("CAIS Internet, Inc.", "--capital-structure")
    state = Books("sqlite:///unused.sqlite", ledger=example)._on(ON)
    inputs = structure_inputs(state, structure)
    started = time.perf_counter()
    plan = plan_for(inputs)
    planned = time.perf_counter() - started
    exits = np.linspace(0, TOP_CENTS, EXITS).astype(np.int64)

    def kernel() -> npt.NDArray[np.int64]:
        return plan.by_class(plan.payouts(exits))

    per_class = kernel()
    kernel_s = best(3, kernel)
    tracemalloc.start()
    kernel()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    started = time.perf_counter()
    slow = baseline(plan, exits)
    baseline_s = time.perf_counter() - started
    differ = int((slow != per_class).any(axis=1).sum())

    sample = exits[:: EXITS // EXACT_SAMPLE][:EXACT_SAMPLE]
    started = time.perf_counter()
    for cents in sample.tolist():
        capital_structure_waterfall(structure.structure, Fraction(cents, 100), (), (), inputs.parity, inputs.junior, ON)
    exact_s = (time.perf_counter() - started) * EXITS / sample.size

    moved = exits.nbytes + per_class.nbytes
    bandwidth = _bandwidth()
    floor = moved / bandwidth
    output_mb = per_class.nbytes / 1e6
    verdict_baseline = "PASS" if baseline_s / kernel_s >= GOAL_BASELINE else "FAIL"
    verdict_exact = "PASS" if exact_s / kernel_s >= GOAL_EXACT else "FAIL"
    return [
        f"CAIS capital structure on {ON}: {len(plan.classes)} classes, {len(plan.columns)} holdings, "
        f"{len(plan.deciders)} deciders, {len(plan.stretches)} stretches of the equilibrium, "
        f"{len(plan.breakpoints)} breakpoints; the exact plan: {planned * 1000:.0f} ms (once per date)",
        f"kernel, {EXITS:,} exit values $0 to ${TOP_CENTS // 100:,}, every per-class output: {kernel_s:.3f} s "
        f"({kernel_s / EXITS * 1e9:.0f} ns an exit)",
        f"  straightforward NumPy baseline (float64, all 2**{len(plan.deciders)} profiles, unchunked): "
        f"{baseline_s:.2f} s: kernel {baseline_s / kernel_s:.1f}x faster (goal {GOAL_BASELINE:.0f}x: "
        f"{verdict_baseline}); the baseline's cents differ from the kernel's on {differ:,} rows",
        f"  exact engine, {sample.size:,} exits scaled to {EXITS:,}: {exact_s:,.0f} s: kernel "
        f"{exact_s / kernel_s:,.0f}x faster (goal {GOAL_EXACT:,.0f}x: {verdict_exact})",
        f"  memory-bandwidth floor: {moved / 1e6:.0f} MB moved at {bandwidth / 1e9:.1f} GB/s (measured copy) = "
        f"{floor * 1000:.1f} ms; the kernel is {kernel_s / floor:,.0f}x the floor",
        f"  peak memory of one kernel run: {peak / 1e6:,.0f} MB (the per-class output is {output_mb:.0f} MB, the "
        f"per-holding payouts {plan.payouts(exits[:1]).shape[1] * exits.size * 8 / 1e6:.0f} MB: "
        f"{peak / per_class.nbytes:.1f}x the output)",
    ]


__all__ = ["baseline", "run"]


if __name__ == "__main__":
    print("\n".join(run()))
