"""The liquidation waterfall of a capital structure over an array of exit values, in whole cents
(NumPy; no Decimal and no Fraction here): the payouts of
:func:`prefstack.clauses.liquidation_structure.capital_structure_waterfall` under prefstack's
readings, for a million exits at a time.

The kernel decides nothing a clause does not. Its plan (:class:`KernelPlan`) is made by
:mod:`prefstack.scenarios` from the exact engine's own inputs for the date (each class's
preference with its accrued dividends, the holdings of Series F and G, the Common Stock, the
options and warrants) and says, for each stretch of exit values, which classes convert and which
tranches are exercised (the equilibrium of CAPSTRUCT-CONVERSION-CHOICE, found exactly by the
plan). The kernel then pays, for each exit value ``x`` in cents:

1. the proceeds ``x`` plus the exercise price the plan's profile pays in, rounded half-up to the
   cent once (LIQ-CENTS; ``x`` is whole cents, so this is ``x`` plus that price rounded);
2. each preference tier in order, up to the sum of its claims to the cent; a tier paid in full
   pays each claim its amount to the cent, a tier paid short apportions its cents among its
   claims in proportion to those amounts (Sainte-Laguë, ties to the claim listed first: the
   clause's ``apportion_cents``);
3. the rest in proportion to the shares of Common Stock as converted, a capped class at most its
   cap in cents, the cents of the capped classes fixed and the rest apportioned again among the
   others until none is over (the clause's ``apportion_cents_capped``).

Exactness. Cents are int64. A quotient ``total x weight / sum of weights`` is formed in float64
from the weight's correctly rounded ratio: its error is below ``2**-52`` of its size, so its
rounding to the nearest cent is certain unless it lies within ``2**-51`` of its size of a half
cent, and such a quota is rounded again in Python integers. Likewise the choice of the claim that
takes or gives back a cent (the Sainte-Laguë priorities ``weight / (cents + 1/2)``) is certain
unless two differ by less than ``2**-45`` of their size and are not the same weight with the same
cents (an exact tie, given to the claim listed first, or on giving back, last, as the clause
does); such near ties are decided exactly in int64 where the two weights' ratio in lowest terms
is small enough for the cross products to stay below 2**62 (D and E of the CAIS structure are
2 : 1). A row where a choice is still uncertain is paid again by the scalar, exact integer path
(:func:`pay_exactly`), Python integers throughout. The largest exit value is
:data:`MAX_EXIT_CENTS`, so that every total is below ``2**53`` cents and the bounds above hold; a
larger one is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from prefstack.errors import InputError

__all__ = [
    "MAX_EXIT_CENTS",
    "KernelPlan",
    "ProfileKernel",
    "Split",
    "apportion_exactly",
    "pay",
    "pay_exactly",
    "split_cents",
]

MAX_EXIT_CENTS = 10**13
"""The largest exit value the kernel pays: $100,000,000,000.00 (10**13 cents, below 2**44). With
the exercise price of every tranche added the total stays far below 2**53, where float64 still
holds every whole cent, and the quotients' error bound of the module's docstring holds."""

Cents = npt.NDArray[np.int64]

CHUNK = 16384
"""Exit values paid at a time: the intermediate arrays of a chunk stay in the processor's cache
(a million exits at once spends most of its time moving them to and from memory)."""

_ROUNDING_MARGIN = 2.0**-51
_PRIORITY_MARGIN = 2.0**-45


@dataclass(frozen=True)
class Split:
    """Claims that share whole cents in proportion to exact integer ``weights`` (Sainte-Laguë);
    ``caps``: the most cents each may take (None: no most). A preference tier's weights are its
    claims' amounts to the cent and have no caps; the as-converted tier's weights are the shares of
    Common Stock as converted, scaled by a common denominator to integers."""

    columns: tuple[int, ...]
    weights: tuple[int, ...]
    caps: tuple[int | None, ...]

    @property
    def total(self) -> int:
        return sum(self.weights)


@dataclass(frozen=True)
class ProfileKernel:
    """One profile of choices (which classes convert, which tranches are exercised): the exercise
    price it pays in (cents, rounded half-up), its preference tiers in order and its as-converted tier."""

    exercise_cents: int
    tiers: tuple[Split, ...]
    participation: Split


@dataclass(frozen=True)
class KernelPlan:
    """What the kernel pays with: the output ``columns`` (security, holder), the profiles, and the
    stretches of exit values (cents) each is the equilibrium on: ``starts[i]`` is the first exit of
    stretch ``i``, paid under ``profiles[kernel_of[i]]`` (``starts[0] == 0``)."""

    columns: tuple[tuple[str, str], ...]
    profiles: tuple[ProfileKernel, ...]
    starts: tuple[int, ...]
    kernel_of: tuple[int, ...]
    clause: str
    """The clause the proceeds are distributed under (an error names it)."""
    most_cents: int = MAX_EXIT_CENTS
    """The largest exit value the stretches were found for: a larger one is refused (the choices
    past it were not weighed)."""


def checked_exits(exits: npt.ArrayLike, field: str, clause: str, most: int = MAX_EXIT_CENTS) -> Cents:
    """``exits`` as int64 cents, each from 0 to ``most`` (at most :data:`MAX_EXIT_CENTS`); anything
    else is refused."""
    array = np.asarray(exits)
    if array.ndim != 1:
        raise InputError(field, clause, f"give a one-dimensional array of exit values, not shape {array.shape}")
    if array.dtype.kind not in "iu":
        raise InputError(field, clause, f"exit values are whole cents (integers), not {array.dtype}")
    if array.size and int(array.min()) < 0:
        raise InputError(field, clause, f"an exit value is negative ({int(array.min())} cents)")
    if array.size and int(array.max()) > MAX_EXIT_CENTS:
        raise InputError(
            field,
            clause,
            f"{int(array.max())} cents is above the largest exit value the kernel pays exactly, "
            f"{MAX_EXIT_CENTS} cents ($100,000,000,000.00)",
        )
    if array.size and int(array.max()) > most:
        raise InputError(
            field,
            clause,
            f"{int(array.max())} cents is above the largest exit value the plan was made for, {most} cents",
        )
    return array.astype(np.int64)


def pay(plan: KernelPlan, exits: npt.ArrayLike, field: str = "exit_values") -> Cents:
    """Each exit value's payouts in cents: an array of ``len(exits)`` rows and one column per
    ``plan.columns`` (what that holding is paid over every tier)."""
    x = checked_exits(exits, field, plan.clause, plan.most_cents)
    out = np.zeros((x.size, len(plan.columns)), dtype=np.int64)
    if x.size == 0:
        return out
    starts = np.asarray(plan.starts, dtype=np.int64)
    kernel_of = np.asarray(plan.kernel_of, dtype=np.int64)
    for begin in range(0, x.size, CHUNK):
        chunk = x[begin : begin + CHUNK]
        which = kernel_of[np.searchsorted(starts, chunk, side="right") - 1]
        first = int(which[0])
        if (which == first).all():
            out[begin : begin + chunk.size] = _pay_profile(plan.profiles[first], chunk, len(plan.columns), plan.clause)
            continue
        for k in np.unique(which):
            rows = np.flatnonzero(which == k)
            out[begin + rows] = _pay_profile(plan.profiles[int(k)], chunk[rows], len(plan.columns), plan.clause)
    return out


def _pay_profile(profile: ProfileKernel, x: Cents, width: int, clause: str) -> Cents:
    out = np.zeros((width, x.size), dtype=np.int64)  # a column per row of this array: contiguous
    left = x + np.int64(profile.exercise_cents)
    total = left.copy()
    uncertain = np.zeros(x.size, dtype=bool)
    for tier in profile.tiers:
        full = tier.total
        cents = np.minimum(left, np.int64(full))
        left = left - cents
        paid_in_full = cents == full
        if full > 0:
            for column, weight in zip(tier.columns, tier.weights, strict=True):
                out[column] += paid_in_full * np.int64(weight)
        short = np.flatnonzero((cents > 0) & ~paid_in_full)
        if short.size:
            shares, bad = _apportion(cents[short], tier.weights)
            for k, column in enumerate(tier.columns):
                out[column, short] += shares[:, k]
            uncertain[short] |= bad
    rest = np.flatnonzero(left > 0)
    if rest.size:
        _participation_weight_check(profile.participation, clause)
        shares, bad = _apportion_capped(left[rest], profile.participation, clause)
        every = rest.size == x.size
        for k, column in enumerate(profile.participation.columns):
            if every:
                out[column] += shares[:, k]
            else:
                out[column, rest] += shares[:, k]
        uncertain[rest] |= bad
    paid = out.T
    for row in np.flatnonzero(uncertain):
        paid[row] = pay_exactly(profile, int(total[row]) - profile.exercise_cents, width, clause)
    return paid


def _participation_weight_check(split: Split, clause: str) -> None:
    if split.total == 0:
        raise InputError(
            "junior",
            clause,
            "assets remain after the preferences but no holding shares in them on an as-converted basis",
        )


def _ratios(weights: tuple[int, ...]) -> npt.NDArray[np.float64]:
    whole = sum(weights)
    # int / int is correctly rounded in Python, however large the integers
    return np.asarray([w / whole for w in weights], dtype=np.float64)


def _groups(weights: tuple[int, ...]) -> npt.NDArray[np.int64]:
    """An id per weight, the same for equal weights (their priorities tie exactly at equal cents)."""
    first: dict[int, int] = {}
    return np.asarray([first.setdefault(w, len(first)) for w in weights], dtype=np.int64)


def _apportion(total: Cents, weights: tuple[int, ...]) -> tuple[Cents, npt.NDArray[np.bool_]]:
    """Sainte-Laguë over each row's ``total`` cents (every total > 0, the weights' sum > 0): the
    cents of each weight, and the rows whose float arithmetic could not be certain (to be paid by
    the exact path)."""
    ratios = _ratios(weights)
    groups = _groups(weights)
    positive = ratios > 0
    pairs = _pair_ratios(weights)
    quota = total.astype(np.float64)[:, None] * ratios[None, :]
    below = np.floor(quota)
    shares = np.floor(quota + 0.5).astype(np.int64)
    near_half = np.abs(quota - below - 0.5) <= quota * _ROUNDING_MARGIN + 2.0**-30
    if near_half.any():
        # the quotas too near a half cent to round in float: rounded exactly, in Python integers
        whole = sum(weights)
        for i, j in zip(*np.nonzero(near_half), strict=True):
            shares[i, j] = (2 * int(total[i]) * weights[j] + whole) // (2 * whole)
    bad = np.zeros(total.size, dtype=bool)
    short = total - shares.sum(axis=1)
    while True:
        active = np.flatnonzero((short != 0) & ~bad)
        if active.size == 0:
            return shares, bad
        s = shares[active].astype(np.float64)
        giving = short[active] > 0
        with np.errstate(divide="ignore"):
            # taking a cent: the highest weight / (cents + 1/2) among the positive weights
            take = np.where(positive[None, :], ratios[None, :] / (s + 0.5), -np.inf)
            # giving one back: the lowest weight / (cents - 1/2) among those holding a cent
            back = np.where(s > 0, ratios[None, :] / (s - 0.5), np.inf)
        width = ratios.size
        best_take = np.argmax(take, axis=1)
        best_back = width - 1 - np.argmin(back[:, ::-1], axis=1)
        best = np.where(giving, best_take, best_back)
        priority = np.where(giving[:, None], take, back)
        top = priority[np.arange(active.size), best]
        near = np.abs(priority - top[:, None]) <= np.abs(top[:, None]) * _PRIORITY_MARGIN
        same = (groups[None, :] == groups[best][:, None]) & (s == s[np.arange(active.size), best][:, None])
        unsure = (near & ~same).any(axis=1)
        if unsure.any():
            rows = np.flatnonzero(unsure)
            exact_best, unresolved = _exact_best(near[rows], shares[active[rows]], giving[rows], pairs)
            best[rows] = exact_best
            unsure[rows] = unresolved
        bad[active[unsure]] = True
        sure = active[~unsure]
        step = np.where(giving[~unsure], 1, -1).astype(np.int64)
        shares[sure, best[~unsure]] += step
        short[sure] -= step


_INT64_PRODUCT = 2**62
"""Below this, ``p x (2 x cents + 1)`` is computed exactly in int64."""


def _pair_ratios(weights: tuple[int, ...]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For each pair (i, j): w_i / w_j in lowest terms (p, q), or (-1, -1) where either is 2**62 or more."""
    width = len(weights)
    p = np.full((width, width), -1, dtype=np.int64)
    q = np.full((width, width), -1, dtype=np.int64)
    for i, wi in enumerate(weights):
        for j, wj in enumerate(weights):
            if wi > 0 and wj > 0:
                g = math.gcd(wi, wj)
                if wi // g < _INT64_PRODUCT and wj // g < _INT64_PRODUCT:
                    p[i, j], q[i, j] = wi // g, wj // g
    return p, q


def _exact_best(
    near: npt.NDArray[np.bool_],
    shares: Cents,
    giving: npt.NDArray[np.bool_],
    pairs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Among each row's ``near`` candidates, the one the clause picks, compared exactly: taking a
    cent, the highest ``w / (s + 1/2)`` (ties: the first listed); giving one back, the lowest
    ``w / (s - 1/2)`` (ties: the last), by ``p x (2 s_c +- 1)`` against ``q x (2 s_j +- 1)`` in int64
    where ``p / q`` is the two weights' ratio in lowest terms and both products stay below 2**62;
    rows with a pair of candidates where they would not are left unresolved (the exact path pays them)."""
    p, q = pairs
    limit = _INT64_PRODUCT // (2 * int(shares.max(initial=0)) + 1)
    count = near.shape[0]
    index = np.arange(count)
    current = np.argmax(near, axis=1)  # the first candidate
    unresolved = np.zeros(count, dtype=bool)
    for j in range(near.shape[1]):
        test = near[:, j] & (current != j)
        if not test.any():
            continue
        pj, qj = p[j, current], q[j, current]  # w_j / w_current = pj / qj
        comparable = (pj >= 0) & (pj < limit) & (qj < limit)
        sj, sc = shares[:, j], shares[index, current]
        # taking: j is higher when w_j (2 s_c + 1) > w_c (2 s_j + 1); giving back: j is lower or equal
        # (ties to the later) when w_j (2 s_c - 1) <= w_c (2 s_j - 1)
        higher = pj * (2 * sc + 1) > qj * (2 * sj + 1)
        lower_or_equal = pj * (2 * sc - 1) <= qj * (2 * sj - 1)
        better = np.where(giving, higher, lower_or_equal)
        current = np.where(test & comparable & better, j, current)
        unresolved |= test & ~comparable
    return current, unresolved


def _apportion_capped(total: Cents, split: Split, clause: str) -> tuple[Cents, npt.NDArray[np.bool_]]:
    """:func:`_apportion` with caps: the cents apportioned among the weights not fixed; those over
    their cap fixed at it and the rest apportioned again, until none is over (per row)."""
    width = len(split.weights)
    caps = np.asarray([-1 if c is None else c for c in split.caps], dtype=np.int64)
    capped = caps >= 0
    capped_columns = np.flatnonzero(capped)
    bits = np.left_shift(np.int64(1), np.arange(capped_columns.size, dtype=np.int64))
    out = np.zeros((total.size, width), dtype=np.int64)
    bad = np.zeros(total.size, dtype=bool)
    fixed = np.zeros(total.size, dtype=np.int64)  # a bit per capped column fixed at its cap
    pending = np.arange(total.size)
    while pending.size:
        codes = fixed[pending]
        next_pending = []
        for code in np.unique(codes) if capped_columns.size else np.zeros(1, dtype=np.int64):
            rows = pending[codes == code]
            key = np.zeros(width, dtype=bool)
            key[capped_columns[(int(code) & bits) != 0]] = True
            open_ = np.flatnonzero(~key)
            rest = total[rows] - (caps[key].sum() if key.any() else 0)
            weights = tuple(split.weights[i] for i in open_)
            if (rest > 0).any() and sum(weights) == 0:
                raise InputError(
                    "junior",
                    clause,
                    "assets remain after every participating class reached its cap and no holding without a cap "
                    "shares in them",
                )
            paying = np.flatnonzero(rest > 0)
            if paying.size == rows.size:
                shares, bad_rows = _apportion(rest, weights)
                bad[rows[bad_rows]] = True
            else:
                shares = np.zeros((rows.size, open_.size), dtype=np.int64)
                if paying.size:
                    shares[paying], bad_rows = _apportion(rest[paying], weights)
                    bad[rows[paying[bad_rows]]] = True
            over = (shares > caps[open_][None, :]) & capped[open_][None, :]
            done = ~over.any(axis=1)
            finished = rows[done]
            if finished.size == rows.size:
                out[np.ix_(finished, open_)] = shares
            else:
                out[np.ix_(finished, open_)] = shares[done]
            if key.any():
                out[np.ix_(finished, np.flatnonzero(key))] = caps[key]
            again = rows[~done]
            if again.size:
                position = np.searchsorted(capped_columns, open_)
                hit = over[~done][:, capped[open_]]
                fixed[again] |= (hit * bits[position[capped[open_]]][None, :]).sum(axis=1)
                next_pending.append(again)
        pending = np.concatenate(next_pending) if next_pending else np.arange(0)
    return out, bad


def split_cents(total: Cents, weights: tuple[int, ...]) -> Cents:
    """Each row's ``total`` cents (none negative) shared among whole-number ``weights`` as the
    clause's ``apportion_cents`` shares them (Sainte-Laguë): one column per weight, each row adding
    up to its total; the rows the float arithmetic cannot be certain of by the exact path. The
    holders of a class the capital-structure file lists (CAPSTRUCT-HOLDER-PAYOUTS)."""
    out = np.zeros((total.size, len(weights)), dtype=np.int64)
    paid = np.flatnonzero(total > 0)
    if paid.size == 0 or sum(weights) == 0:
        return out
    shares, bad = _apportion(total[paid], weights)
    out[paid] = shares
    for row in np.flatnonzero(bad):
        out[paid[row]] = apportion_exactly(int(total[paid[row]]), weights)
    return out


# ----------------------------------------------------------------------------- the exact path


def apportion_exactly(total: int, weights: tuple[int, ...]) -> list[int]:
    """Sainte-Laguë in Python integers: every weight's cents ``floor((2 x total x w + W) / 2W)``,
    then cents added to the highest ``w / (cents + 1/2)`` (ties: the weight listed first) or given
    back by the lowest ``w / (cents - 1/2)`` among those holding one (ties: the last) until they add
    up to ``total``; the priorities compared by cross-multiplying."""
    if total == 0:
        return [0] * len(weights)
    whole = sum(weights)
    shares = [(2 * total * w + whole) // (2 * whole) for w in weights]
    given = sum(shares)
    while given < total:
        best = -1
        for i, w in enumerate(weights):
            # w / (s + 1/2) > best's: w x (2 s_best + 1) > w_best x (2 s + 1)
            if w > 0 and (best < 0 or w * (2 * shares[best] + 1) > weights[best] * (2 * shares[i] + 1)):
                best = i
        shares[best] += 1
        given += 1
    while given > total:
        last = -1
        for i, w in enumerate(weights):
            # w / (s - 1/2) <= last's (ties to the later one): w x (2 s_last - 1) <= w_last x (2 s - 1)
            if shares[i] > 0 and (last < 0 or w * (2 * shares[last] - 1) <= weights[last] * (2 * shares[i] - 1)):
                last = i
        shares[last] -= 1
        given -= 1
    return shares


def _apportion_capped_exactly(total: int, split: Split, clause: str) -> list[int]:
    fixed: dict[int, int] = {}
    while True:
        open_ = [i for i in range(len(split.weights)) if i not in fixed]
        rest = total - sum(fixed.values())
        weights = tuple(split.weights[i] for i in open_)
        if rest > 0 and sum(weights) == 0:
            raise InputError(
                "junior",
                clause,
                "assets remain after every participating class reached its cap and no holding without a cap "
                "shares in them",
            )
        shares = dict(zip(open_, apportion_exactly(rest, weights) if rest > 0 else [0] * len(open_), strict=True))
        over = [i for i in open_ if (cap := split.caps[i]) is not None and shares[i] > cap]
        if not over:
            return [fixed[i] if i in fixed else shares[i] for i in range(len(split.weights))]
        for i in over:
            cap = split.caps[i]
            assert cap is not None
            fixed[i] = cap


def pay_exactly(profile: ProfileKernel, exit_cents: int, width: int, clause: str) -> npt.NDArray[np.int64]:
    """One exit value's payouts under ``profile`` in Python integers (the rows the float path
    could not be certain of, and a reference for the tests)."""
    out = [0] * width
    left = exit_cents + profile.exercise_cents
    for tier in profile.tiers:
        full = tier.total
        cents = min(left, full)
        left -= cents
        if cents == 0:
            continue
        shares = list(tier.weights) if cents == full else apportion_exactly(cents, tier.weights)
        for column, paid in zip(tier.columns, shares, strict=True):
            out[column] += paid
    if left > 0:
        _participation_weight_check(profile.participation, clause)
        for column, paid in zip(
            profile.participation.columns, _apportion_capped_exactly(left, profile.participation, clause), strict=True
        ):
            out[column] += paid
    return np.asarray(out, dtype=np.int64)
