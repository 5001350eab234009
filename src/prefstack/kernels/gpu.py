"""The GPU path of the least-squares Monte Carlo (``prefstack value --method mc --engine gpu``;
docs/valuation.md, "The GPU path"): the kernels of ``valuation.cu`` launched on an NVIDIA GPU
through CuPy, the pilot run's regression included, so that a run moves a few numbers between the
host and the device per date instead of its paths.

What runs where:

* the pilot run (:func:`kernel_pilot`): its paths are made on the device and kept there; going back
  from maturity, one launch per date applies the decision found at the date after it, sums the
  terms of the regression's normal equations over the competing paths, and (its last block) solves
  the 4 x 4 system and finds the conversion intervals: the host launches, and reads the policy
  once at the end;
* the chunks (:func:`kernel_runner`): one launch prices every pair of every chunk under the policy
  (each pair on its own thread, its normals drawn there, nothing stored), and the chunks' sums come
  back together.

A :class:`KernelDevice` launches the kernels: :class:`CupyDevice` on a GPU; the tests compile the
same source for the CPU (tests/kernels/test_valuation_gpu.py), so the code below and the kernels'
arithmetic run in every test run, with or without a GPU.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from importlib import resources
from typing import Any, Protocol

import numpy as np

from prefstack.kernels.valuation import (
    Chunk,
    ChunkMoments,
    ConversionDate,
    Convertible,
    FloatArray,
    GpuUnavailable,
    Intervals,
    Market,
    Pilot,
    Runner,
    conversion_dates,
    drift_and_deviation,
)

__all__ = [
    "BLOCK",
    "MAX_INTERVALS",
    "CupyDevice",
    "KernelDevice",
    "gpu_engine",
    "kernel_pilot",
    "kernel_runner",
    "kernel_source",
    "seed_key",
]

MAX_INTERVALS = 2
"""Intervals of conversion per date that the kernels take (``PS_MAX_INTERVALS``): the region where
a cubic is below a line is at most two intervals."""
SUMS = 11
"""The regression's sums per date (``PS_SUMS``): x^0 .. x^6 and held x^0 .. held x^3."""
BLOCK = 256
"""Threads per block of a launch."""
PILOT_THREADS = 32_768
"""Threads over which a date of the pilot run sums the regression's terms (each over every
32,768th path: four of a pilot run's 131,072), whose blocks' sums the last block to finish adds."""


def _round_up(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


class KernelDevice(Protocol):
    """Where the kernels of ``valuation.cu`` run: an array module for their buffers, how many
    threads a block has (``block``: the kernels that add figures over a block write one sum a
    block), a launch of kernel ``name`` over ``threads`` indices (a multiple of ``block``) with
    ``args`` (arrays of ``xp``, NumPy scalars typed as the kernel's parameters), and a copy of an
    array back to the host."""

    xp: Any
    block: int

    def launch(self, name: str, threads: int, *args: Any) -> None: ...

    def to_host(self, array: Any) -> np.ndarray[Any, Any]: ...


def kernel_source() -> str:
    """The kernels' CUDA C source (``prefstack/kernels/valuation.cu``)."""
    return resources.files("prefstack.kernels").joinpath("valuation.cu").read_text(encoding="utf-8")


class CupyDevice:
    """The kernels on the current CUDA device, compiled from the source by CuPy (NVRTC) at the first
    launch of each."""

    block = BLOCK

    def __init__(self, cupy: Any) -> None:
        self.xp = cupy
        self._module = cupy.RawModule(code=kernel_source(), options=("-std=c++17",))
        self._kernels: dict[str, Any] = {}

    def launch(self, name: str, threads: int, *args: Any) -> None:
        kernel = self._kernels.get(name)
        if kernel is None:
            kernel = self._kernels[name] = self._module.get_function(name)
        blocks = max(1, min(-(-threads // BLOCK), 1 << 20))  # the kernels stride over what one grid leaves
        kernel((blocks,), (BLOCK,), args)

    def to_host(self, array: Any) -> np.ndarray[Any, Any]:
        host: np.ndarray[Any, Any] = self.xp.asnumpy(array)
        return host


def seed_key(seed: np.random.SeedSequence) -> tuple[np.uint64, np.uint64]:
    """The Philox key of a chunk's (or the pilot's) normals: the first two 64-bit words of its seed."""
    words = seed.generate_state(2, dtype=np.uint64)
    return np.uint64(words[0]), np.uint64(words[1])


def _log_threshold(date: ConversionDate) -> np.float64:
    """The log of the stock price above which conversion competes (-inf where every price does)."""
    return np.float64(math.log(date.threshold) if date.threshold > 0 else -math.inf)


def _path_inputs(device: KernelDevice, market: Market, times: FloatArray) -> tuple[np.float64, Any, Any]:
    drift, deviation = drift_and_deviation(market, times)
    xp = device.xp
    return np.float64(math.log(market.floats()[0])), xp.asarray(drift), xp.asarray(deviation)


def _no_change_of_control(market: Market) -> None:
    if market.kernel_input("change_of_control"):
        raise ValueError("a change of control is priced on the host, not on a device")


def kernel_pilot(device: KernelDevice, threads: int = PILOT_THREADS) -> Pilot:
    """The pilot run on ``device``: the conversion policy found by the least-squares regressions over
    ``pairs`` antithetic pairs of paths drawn from ``seed``: the host's regression
    (:func:`prefstack.kernels.valuation.host_pilot`, over every competing path) on other normals,
    its normal equations solved and the roots of the fitted cubic found on the device (by Newton's
    steps kept inside brackets on the stretches where it is monotone, not as eigenvalues), so that
    the host only launches kernels until the policy comes back."""

    def pilot(
        instrument: Convertible, market: Market, times: FloatArray, pairs: int, seed: np.random.SeedSequence
    ) -> tuple[Intervals, ...]:
        _no_change_of_control(market)
        xp = device.xp
        steps, paths = len(times), 2 * pairs
        summing = min(_round_up(threads, device.block), _round_up(paths, device.block))
        blocks = summing // device.block
        spot0 = market.floats()[0]
        _, dates = conversion_dates(instrument, market, times)
        log_spot, drift, deviation = _path_inputs(device, market, times)
        logs = xp.empty(steps * paths, dtype=xp.float64)
        device.launch(
            "ps_pilot_paths", pairs, *seed_key(seed), np.int64(pairs), np.int32(steps), log_spot, drift, deviation, logs
        )
        pv = xp.full(paths, -1.0, dtype=xp.float64)  # -1: the path holds the claim
        partials = xp.zeros(SUMS * blocks, dtype=xp.float64)
        counter = xp.zeros(1, dtype=xp.uint32)
        count = xp.zeros(steps, dtype=xp.int32)
        low = xp.zeros(MAX_INTERVALS * steps, dtype=xp.float64)
        high = xp.zeros(MAX_INTERVALS * steps, dtype=xp.float64)
        # each date's figures, one row a date (PS_DATE_FIGURES): one copy to the device
        figures = np.zeros((steps, 8))
        for j, known in enumerate(dates):
            if known is not None:
                figures[j] = (_log_threshold(known), known.threshold, known.units, known.cash, known.grow,
                              known.received, known.claim, known.lowest)  # fmt: skip
        on_device = xp.asarray(figures.reshape(-1))
        fixed = (logs, np.int64(paths), np.int64(summing), pv, on_device)
        after = (np.float64(spot0), np.float64(math.inf), count, low, high, partials, counter)
        applied, last = np.int32(-1), steps - 1
        for j in range(last, -1, -1):
            if dates[j] is None:
                continue
            date = np.int32(j)
            device.launch("ps_pilot_date", summing, *fixed, applied, date, np.int32(j == last), *after)
            applied = date
        counts, lows, highs = (device.to_host(a) for a in (count, low, high))
        regions: list[Intervals] = []
        for j, when in enumerate(times.tolist()):
            if counts[j] == -1:
                raise ValueError(f"the pilot run's regression at time {when} has singular normal equations")
            if counts[j] == -3:
                raise ValueError(f"the pilot run's regression at time {when} has no finite solution")
            if counts[j] < 0:
                raise ValueError(f"more than {MAX_INTERVALS} intervals of conversion at time {when}")
            bounds = slice(MAX_INTERVALS * j, MAX_INTERVALS * j + counts[j])
            regions.append(tuple(zip(lows[bounds].tolist(), highs[bounds].tolist(), strict=True)))
        return tuple(regions)

    return pilot


def kernel_runner(device: KernelDevice) -> Runner:
    """A runner that prices the chunks on ``device`` in one launch, each pair of paths on a thread of
    its own, its normals those of its index under its chunk's key (:func:`seed_key`)."""

    def run(
        instrument: Convertible,
        market: Market,
        times: FloatArray,
        chunks: Sequence[Chunk],
        policy: tuple[Intervals, ...],
    ) -> list[ChunkMoments]:
        _no_change_of_control(market)
        steps = len(times)
        if len(policy) != steps:
            raise ValueError("the policy needs one set of intervals per time")
        if not chunks:
            return []
        xp = device.xp
        claim0, dates = conversion_dates(instrument, market, times)
        count = np.zeros(steps, dtype=np.int32)
        drift, deviation = drift_and_deviation(market, times)
        # the dates' figures in one array (one copy to the device), each a row: drift, deviation, log
        # threshold, units, cash, grow, received, then the intervals' lows and highs (two a date each)
        figures = np.zeros((7 + 2 * MAX_INTERVALS, steps))
        figures[0], figures[1] = drift, deviation
        lows, highs = figures[7 : 7 + MAX_INTERVALS].T, figures[7 + MAX_INTERVALS :].T  # (steps, 2) views
        last = steps - 1
        for j, (date, region) in enumerate(zip(dates, policy, strict=True)):
            if date is not None and j == last:  # at maturity the holder converts above the threshold,
                region = ((date.threshold, math.inf),)  # whatever the policy says (as the host's _lsm does)
            if date is None or not region:
                continue
            if len(region) > MAX_INTERVALS:
                raise ValueError(
                    f"the kernels take at most {MAX_INTERVALS} intervals of conversion a date, not {len(region)}"
                )
            count[j] = len(region)
            for m, (low, high) in enumerate(region):
                lows[j, m], highs[j, m] = low, high
            figures[2:7, j] = (_log_threshold(date), date.units, date.cash, date.grow, date.received)
        sizes = np.array([pairs for pairs, _ in chunks], dtype=np.int64)
        if np.any(sizes < 1):
            raise ValueError("every chunk needs at least one pair")
        slot, number = _round_up(int(sizes.max()), device.block), len(sizes)
        threads = number * slot
        keys = np.array([seed_key(seed) for _, seed in chunks], dtype=np.uint64).reshape(-1)
        spot0, sd0 = market.floats()[0], deviation[0]
        on_device = xp.asarray(np.concatenate((figures[:7].reshape(-1), lows.reshape(-1), highs.reshape(-1))))
        rows = [on_device[r * steps : (r + 1) * steps] for r in range(7)]
        out = xp.empty(5 * (threads // device.block), dtype=xp.float64)
        device.launch(
            "ps_price_pairs", threads, xp.asarray(keys), xp.asarray(sizes), np.int64(slot), np.int64(threads),
            np.int32(steps), np.float64(math.log(spot0)), rows[0], rows[1], xp.asarray(count), rows[2],
            on_device[7 * steps : (7 + MAX_INTERVALS) * steps], on_device[(7 + MAX_INTERVALS) * steps :], *rows[3:7],
            np.float64(claim0), np.float64(sd0), np.float64(1.0 / (spot0 * spot0 * sd0 * sd0)), out,
        )  # fmt: skip
        # per chunk: the sums of the pairs' means and their squares, paths holding, gammas and their squares,
        # added here over the chunk's own blocks in order (not its padding's: a chunk's figures are the same
        # beside any others)
        blocks = device.to_host(out).reshape(5, number, slot // device.block)
        sums = np.stack([blocks[:, c, : -(-int(sizes[c]) // device.block)].sum(axis=1) for c in range(number)], axis=1)
        return [ChunkMoments(int(sizes[c]), *sums[:, c].tolist()) for c in range(number)]

    return run


def gpu_engine() -> tuple[Runner, Pilot]:
    """The GPU path on the first NVIDIA GPU: its runner and its pilot run. CuPy was chosen because it
    compiles CUDA C at run time (NVRTC) and hands over arrays by NumPy's API: one source, which a C++
    compiler also builds for the tests, and no compiler needed where prefstack is installed.
    Optional: CuPy is not a dependency of prefstack; without it, or without a GPU,
    :class:`GpuUnavailable` says so."""
    try:
        import cupy  # type: ignore[import-not-found]
    except ImportError as exc:
        problem = "CuPy is not installed (pip install 'prefstack[gpu]', on a machine with an NVIDIA GPU)"
        raise GpuUnavailable(problem) from exc
    try:
        devices = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as exc:  # CuPy raises its own CUDA errors where no driver or device answers
        raise GpuUnavailable(f"CuPy finds no CUDA device: {exc}") from exc
    if devices < 1:
        raise GpuUnavailable("CuPy finds no CUDA device")
    device = CupyDevice(cupy)
    return kernel_runner(device), kernel_pilot(device)
