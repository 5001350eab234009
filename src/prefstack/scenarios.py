"""Exit scenarios: who is paid what at every exit value on a date (F §3, G §3 over a capital
structure), by the vectorized kernel :mod:`prefstack.kernels.waterfall`, with the exact breakpoints.

The question side of the kernel. :func:`plan_for` takes the exact engine's own inputs for the date
(:class:`~prefstack.clauses.liquidation_structure.StructureInputs`: each class's preference with
its accrued dividends, the holdings of Series F and G with their Liquidation Values, the Common
Stock, the options and warrants) and makes, exactly (Fractions; this is not the hot path):

* every **profile** of choices (which convertible classes convert, which tranches are exercised,
  which non-participating series convert), its preference tiers and its as-converted tier, as
  :func:`~prefstack.clauses.liquidation_structure.capital_structure_waterfall` builds them;
* each profile's **kinks**: the exit values where a payoff under it changes slope (a tier's
  preferences paid in full; a class reaching its participation cap, from the clause's own
  water-fill order);
* the **equilibrium** of CAPSTRUCT-CONVERSION-CHOICE on every exit value in cents. For one
  profile P and one decider d, what d gains by switching, ``g(x) = payoff_d(P with d) - payoff_d(P
  without d)``, is linear in the exit value between the kinks of the two profiles, so its zeros are
  found exactly (a sign change between two kinks, solved on the line; past the last kink, the
  line's own zero). Between two consecutive points of the set {0, every kink, every zero} no
  ``g`` changes sign, so the clause's search (none chosen at first; visit the deciders in order and
  switch any whose switch pays it strictly more, until a pass switches none) takes the same path
  and ends at the same profile. The plan runs that search exactly once at each of those points
  that is a whole cent and once at the first whole cent after each: every stretch of exit values
  in cents and its equilibrium. That the result is an equilibrium (no decider gains by switching
  alone) is what the search stops on, and a test checks it again at every stretch;
* the **breakpoints**: the active profile's kinks on its stretch and the exit values where the
  equilibrium changes (a class converting, a tranche exercised), each an exact Fraction with its
  reason.

Only prefstack's readings of the liquidation's open points are computed by the kernel
(:data:`KERNEL_READINGS`); under another, :func:`plan_for` refuses with the reading's name (the
exact ``prefstack waterfall`` computes every alternative).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from prefstack.citations import for_series
from prefstack.clauses.liquidation import _cents as cents_of
from prefstack.clauses.liquidation import convertible_series, water_fill
from prefstack.clauses.liquidation_structure import StructureInputs
from prefstack.errors import InputError
from prefstack.interpretations.readings import chosen, pick
from prefstack.kernels.waterfall import MAX_EXIT_CENTS, KernelPlan, ProfileKernel, Split, pay, split_cents

if TYPE_CHECKING:
    from prefstack.instruments.capital_structure import LoadedStructure
    from prefstack.ledger.replay import LedgerState

__all__ = [
    "KERNEL_READINGS",
    "MOST_DECIDERS",
    "Breakpoint",
    "ScenarioPlan",
    "Stretch",
    "plan_for",
    "structure_inputs",
]

KERNEL_READINGS: dict[str, tuple[str, ...]] = {
    "LIQ-CENTS": ("default",),
    "LIQ-NON-CASH": ("default",),
    "LIQ-SENIOR-RATABLE": ("default",),
    "LIQ-PARITY-TIER": ("default",),
    "LIQ-NONPARTICIPATING-CONVERSION": ("default",),
    "CAPSTRUCT-CONVERSION-CHOICE": ("default",),
    "CAPSTRUCT-OPTION-EXERCISE": ("default",),
    "CAPSTRUCT-PARTICIPATION-CAP": ("default",),
    "CAPSTRUCT-CDE-PLACEMENT": ("default", "parity"),
    "CAPSTRUCT-SENIOR-OVERRIDE": ("default",),
    "CAPSTRUCT-HOLDER-PAYOUTS": ("default", "class-only"),
}
"""The alternatives of each reading the kernel computes (the others are refused by :func:`plan_for`).
The readings that only change the inputs (CAPSTRUCT-DIVIDEND-ACCRUAL, LIQ-FULL-PARTICIPATION, the
Liquidation Value's) are computed by the exact engine's inputs and need nothing of the kernel;
CAPSTRUCT-CDE-PLACEMENT=parity only moves a class's rank in them."""

MOST_DECIDERS = 8
"""The plan looks at every profile of choices: 2 ** 8 at most."""


@dataclass(frozen=True)
class _TierClaim:
    column: int
    amount: Fraction
    cents: int


@dataclass(frozen=True)
class _Tier:
    label: str
    claims: tuple[_TierClaim, ...]

    @property
    def full(self) -> Fraction:
        return sum((c.amount for c in self.claims), Fraction(0))


@dataclass(frozen=True)
class _Share:
    column: int
    weight: Fraction
    cap: Fraction | None
    cap_cents: int | None


@dataclass(frozen=True)
class _Profile:
    chosen: frozenset[str]
    exercise: Fraction
    tiers: tuple[_Tier, ...]
    shares: tuple[_Share, ...]


@dataclass(frozen=True)
class Breakpoint:
    """An exit value (dollars, exact) where a class's payoff changes slope, and why."""

    exit_value: Fraction
    reason: str
    clause: str


@dataclass(frozen=True)
class Stretch:
    """Exit values from ``start`` cents (to the next stretch's start) and the choices made on them."""

    start: int
    chosen: frozenset[str]


@dataclass(frozen=True)
class HolderSplit:
    """A generic class whose holders the capital-structure file lists: the kernel's column of the
    class, and each holder's name and shares as whole-number weights (CAPSTRUCT-HOLDER-PAYOUTS)."""

    column: int
    names: tuple[str, ...]
    weights: tuple[int, ...]


def holder_splits(inputs: StructureInputs, columns: Sequence[tuple[str, str]]) -> tuple[HolderSplit, ...]:
    """The splits of the classes of ``inputs`` whose holders are listed, their shares scaled to whole
    numbers by the least common multiple of their denominators (the same proportions); none under
    CAPSTRUCT-HOLDER-PAYOUTS=class-only."""
    listed = [p for p in inputs.positions if p.holders]
    if not listed or not pick("CAPSTRUCT-HOLDER-PAYOUTS", {"default": True, "class-only": False}):
        return ()
    out = []
    for p in listed:
        scale = math.lcm(*(Fraction(held).denominator for _, held in p.holders))
        weights = tuple(int(Fraction(held) * scale) for _, held in p.holders)
        column = list(columns).index((p.name, f"holders of {p.name}"))
        out.append(HolderSplit(column, tuple(name for name, _ in p.holders), weights))
    return tuple(out)


@dataclass(frozen=True)
class ScenarioPlan:
    """The kernel's plan on one date, its breakpoints and the names of what it pays."""

    on: dt.date
    kernel: KernelPlan
    deciders: tuple[str, ...]
    stretches: tuple[Stretch, ...]
    breakpoints: tuple[Breakpoint, ...]
    classes: tuple[str, ...]
    """Each security (a class, a series, the Common Stock, a tranche), in the columns' order."""
    clause: str
    most_cents: int
    """The largest exit value the plan was made for (cents)."""
    exact_side: _Plans = field(repr=False, compare=False)
    variant: str = ""
    """The capital structure the plan was made for, where a grid has several (``--capital-structure``
    given more than once: a dimension of the grid); empty where it has one."""
    splits: tuple[HolderSplit, ...] = ()
    """The classes paid to the holders the capital-structure file lists (:func:`holder_splits`)."""

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """Each (security, holder) the payouts have a column for: the kernel's, a class whose
        holders are listed in one column per holder."""
        if not self.splits:
            return self.kernel.columns
        split = {s.column: s for s in self.splits}
        out: list[tuple[str, str]] = []
        for j, (security, holder) in enumerate(self.kernel.columns):
            out += [(security, name) for name in split[j].names] if j in split else [(security, holder)]
        return tuple(out)

    def payouts(self, exit_cents: npt.ArrayLike, field: str = "exit_values") -> npt.NDArray[np.int64]:
        """Each exit value's payouts in cents, one column per (security, holder) of :attr:`columns`."""
        return self.to_holders(pay(self.kernel, exit_cents, field))

    def to_holders(self, paid: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The kernel's payouts (one column per column of :attr:`kernel`, as a worker pays them) with
        each class whose holders are listed split into a column per holder: :attr:`columns`."""
        if not self.splits:
            return paid
        split = {s.column: s for s in self.splits}
        parts = [
            split_cents(paid[:, j], split[j].weights) if j in split else paid[:, j : j + 1]
            for j in range(paid.shape[1])
        ]
        return np.concatenate(parts, axis=1)

    def by_class(self, payouts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Each row's payouts summed over the holders of each of :attr:`classes`."""
        out = np.zeros((payouts.shape[0], len(self.classes)), dtype=np.int64)
        for j, (security, _) in enumerate(self.columns):
            out[:, self.classes.index(security)] += payouts[:, j]
        return out

    def chosen_at(self, exit_cents: int) -> frozenset[str]:
        """The choices the equilibrium makes at one exit value in cents."""
        index = int(np.searchsorted(np.asarray([s.start for s in self.stretches]), exit_cents, side="right")) - 1
        return self.stretches[index].chosen

    def exact_payoff(self, name: str, chosen: frozenset[str], exit_value: Fraction) -> Fraction:
        """What decider ``name`` receives, exactly, at ``exit_value`` dollars with the choices
        ``chosen`` (a tranche: net of its exercise price), as the clause's search weighs it."""
        return self.exact_side.payoff(name, chosen, exit_value)


def _check_readings(clause: str) -> None:
    for ident, computed in KERNEL_READINGS.items():
        alternative = chosen(ident)
        if alternative not in computed:
            raise InputError(
                "--reading",
                clause,
                f"the scenario kernel computes {ident} under {' or '.join(computed)} only, not {alternative}; "
                "ask `prefstack waterfall` for one exit value under it",
            )


def structure_inputs(state: LedgerState, structure: LoadedStructure | None) -> StructureInputs:
    """The exact engine's inputs on the state's date (cash 0: the exit value is the kernel's),
    as :func:`prefstack.queries.liquidation` gathers them."""
    from prefstack.clauses.liquidation import JuniorHolding
    from prefstack.clauses.liquidation import _reference_series as reference_series
    from prefstack.clauses.liquidation_structure import class_positions
    from prefstack.ledger import section5
    from prefstack.ledger.replay import parity_holdings
    from prefstack.queries import _check_structure_lists_the_ledger

    parity = parity_holdings(state, state.as_of)
    if state.common_outstanding_opening is None:
        raise InputError("common_outstanding", "F §3(b)", "the ledger has no Common Stock outstanding balance")
    outstanding = section5.common_outstanding(state)
    ref = reference_series(parity)
    if structure is None:
        junior = (JuniorHolding("Common Stock", "holders of Common Stock", outstanding),)
        return StructureInputs(ref, state.as_of, Fraction(0), (), tuple(parity), junior, (), (), 0)
    _check_structure_lists_the_ledger(structure, parity)
    common = structure.structure.common.name
    junior = (JuniorHolding(common, f"holders of {common}", outstanding),)
    positions, _ = class_positions(structure.structure, (), state.as_of, ref)
    return StructureInputs(
        ref,
        state.as_of,
        Fraction(0),
        (),
        tuple(parity),
        junior,
        tuple(positions),
        structure.structure.options_and_warrants,
        structure.structure.certificate_rank,
    )


class _Plans:
    """The exact side of the plan: profiles, their kinks and the deciders' payoffs."""

    def __init__(self, inputs: StructureInputs) -> None:
        self.inputs = inputs
        self.profiles: dict[frozenset[str], _Profile] = {}
        self.columns: list[tuple[str, str]] = []
        for p in inputs.positions:
            self.columns.append((p.name, f"holders of {p.name}"))
        for h in inputs.parity:
            self.columns.append((h.series, h.holder))
        for j in inputs.junior:
            self.columns.append((j.security, j.holder))
        for t in inputs.tranches:
            self.columns.append((t.name, f"holders of {t.name}"))
        self.strikes = {t.name: t.count * t.strike_price for t in inputs.tranches}
        self.cache: dict[tuple[frozenset[str], Fraction], list[Fraction]] = {}

    def column(self, security: str, holder: str) -> int:
        return self.columns.index((security, holder))

    def profile(self, choices: frozenset[str]) -> _Profile:
        """The tiers of :func:`~prefstack.clauses.liquidation_structure._run` with ``choices``."""
        if choices in self.profiles:
            return self.profiles[choices]
        inputs = self.inputs
        ref = inputs.ref
        keeping = [p for p in inputs.positions if p.name not in choices]
        tiers = []
        senior = for_series(ref, "§1(b)")
        for rank in sorted({p.rank for p in keeping if p.rank < inputs.certificate_rank}):
            members = [p for p in keeping if p.rank == rank]
            tiers.append(
                _Tier(
                    f"senior preferences of rank {rank} ({', '.join(p.name for p in members)})",
                    tuple(
                        _TierClaim(self.column(p.name, f"holders of {p.name}"), p.amount, cents_of(p.amount, senior))
                        for p in members
                    ),
                )
            )
        kept = [h for h in inputs.parity if h.series not in choices]
        converted_parity = [h for h in inputs.parity if h.series in choices]
        parity = for_series(ref, "§3(a)")
        claims = [
            _TierClaim(self.column(h.series, h.holder), h.full_amount, cents_of(h.full_amount, h.clause("§3(a)")))
            for h in kept
        ]
        at_parity = [p for p in keeping if p.rank == inputs.certificate_rank]
        claims += [
            _TierClaim(self.column(p.name, f"holders of {p.name}"), p.amount, cents_of(p.amount, parity))
            for p in at_parity
        ]
        names = sorted({h.series for h in kept}) + [p.name for p in at_parity]
        tiers.append(_Tier(f"parity preferences ({', '.join(names)})", tuple(claims)))
        clause = for_series(ref, "§3(b)")
        shares = []
        for p in inputs.positions:
            if p.name in choices:
                assert p.common_if_converted is not None
                shares.append(_Share(self.column(p.name, f"holders of {p.name}"), p.common_if_converted, None, None))
            elif p.participates:
                cap = cap_cents = None
                if p.cap_total is not None:
                    cap = max(p.cap_total - p.amount, Fraction(0))
                    cap_cents = max(cents_of(p.cap_total, clause) - cents_of(p.amount, clause), 0)
                shares.append(
                    _Share(self.column(p.name, f"holders of {p.name}"), p.as_converted_common, cap, cap_cents)
                )
        shares += [
            _Share(self.column(h.series, h.holder), h.as_converted_common, None, None) for h in kept if h.participates
        ]
        shares += [_Share(self.column(j.security, j.holder), j.common_shares, None, None) for j in inputs.junior]
        shares += [_Share(self.column(h.series, h.holder), h.common_if_converted, None, None) for h in converted_parity]
        shares += [
            _Share(self.column(t.name, f"holders of {t.name}"), t.count, None, None)
            for t in inputs.tranches
            if t.name in choices
        ]
        exercise = sum((self.strikes[t.name] for t in inputs.tranches if t.name in choices), Fraction(0))
        made = _Profile(choices, exercise, tuple(tiers), tuple(shares))
        self.profiles[choices] = made
        return made

    def exact(self, choices: frozenset[str], exit_value: Fraction) -> list[Fraction]:
        """Each column's exact entitlement at ``exit_value`` dollars under ``choices``."""
        key = (choices, exit_value)
        if key in self.cache:
            return self.cache[key]
        profile = self.profile(choices)
        out = [Fraction(0)] * len(self.columns)
        left = exit_value + profile.exercise
        for tier in profile.tiers:
            full = tier.full
            paid = min(left, full)
            left -= paid
            for c in tier.claims:
                out[c.column] += paid * c.amount / full if full else Fraction(0)
        shared, unpaid = water_fill(left, [s.weight for s in profile.shares], [s.cap for s in profile.shares])
        if unpaid > 0:
            raise InputError(
                "junior",
                for_series(self.inputs.ref, "§3(b)"),
                "assets remain after the preferences that no holding shares in on an as-converted basis",
            )
        for s, amount in zip(profile.shares, shared, strict=True):
            out[s.column] += amount
        self.cache[key] = out
        return out

    def payoff(self, name: str, choices: frozenset[str], exit_value: Fraction) -> Fraction:
        """:func:`~prefstack.clauses.liquidation_structure._payoff`: all of a security's exact
        entitlements, a tranche's net of its exercise price when exercised."""
        amounts = self.exact(choices, exit_value)
        gross = sum(
            (a for (security, _), a in zip(self.columns, amounts, strict=True) if security == name), Fraction(0)
        )
        return gross - self.strikes[name] if name in self.strikes and name in choices else gross

    def kinks(self, choices: frozenset[str]) -> list[tuple[Fraction, str, str]]:
        """The exit values (dollars) where a payoff under ``choices`` changes slope, with the reason
        and the clause: each tier's preferences paid in full, then each capped class reaching its cap
        in the order of the clause's water-fill (cap / weight, ascending)."""
        ref = self.inputs.ref
        profile = self.profile(choices)
        out = []
        paid = Fraction(0)
        for i, tier in enumerate(profile.tiers):
            paid += tier.full
            clause = for_series(ref, "§3(a)" if i == len(profile.tiers) - 1 else "§1(b)")
            out.append((paid - profile.exercise, f"{tier.label} paid in full", clause))
        fixed, open_weight = Fraction(0), sum((s.weight for s in profile.shares), Fraction(0))
        capped = sorted(
            (s for s in profile.shares if s.cap is not None and s.weight > 0),
            key=lambda s: s.cap / s.weight,  # type: ignore[operator]
        )
        for s in capped:
            assert s.cap is not None
            at = fixed + s.cap * open_weight / s.weight
            name = self.columns[s.column][0]
            out.append(
                (paid + at - profile.exercise, f"{name} reaches its participation cap", for_series(ref, "§3(b)"))
            )
            fixed += s.cap
            open_weight -= s.weight
        return out


def _zeros(g: Sequence[tuple[Fraction, Fraction]]) -> list[Fraction]:
    """The zeros inside the pieces of a piecewise-linear function known at its knots ``g`` ((x,
    value), ascending x): where the sign changes between two knots, solved on the line."""
    out = []
    for (a, ga), (b, gb) in itertools.pairwise(g):
        if ga * gb < 0:
            out.append(a + (b - a) * ga / (ga - gb))
    return out


def _equilibrium(plans: _Plans, deciders: Sequence[str], exit_value: Fraction, clause: str) -> frozenset[str]:
    """The clause's search (:func:`~prefstack.clauses.liquidation.conversion_equilibrium`,
    prefstack's reading) at one exit value, exactly."""
    current: frozenset[str] = frozenset()
    seen = {current}
    while True:
        switched = False
        for name in deciders:
            taken, other = current | {name}, current - {name}
            if (plans.payoff(name, taken, exit_value) > plans.payoff(name, other, exit_value)) != (name in current):
                current = current ^ {name}
                switched = True
                if current in seen:
                    raise InputError(
                        "capital structure",
                        clause,
                        f"the conversion and exercise choices cycle (at {name}); no equilibrium",
                    )
                seen.add(current)
        if not switched:
            return current


def _deciders(inputs: StructureInputs) -> list[str]:
    """:func:`~prefstack.clauses.liquidation_structure._deciders` under prefstack's readings."""
    names = convertible_series(inputs.parity)
    names += [p.name for p in inputs.positions if p.common_if_converted is not None]
    return names + [t.name for t in inputs.tranches]


def _scaled(weights: Sequence[Fraction]) -> tuple[int, ...]:
    """Exact weights as integers over their common denominator (the same proportions)."""
    denominator = math.lcm(*(w.denominator for w in weights)) if weights else 1
    return tuple(int(w * denominator) for w in weights)


def _kernel_profile(profile: _Profile, clause: str) -> ProfileKernel:
    tiers = tuple(
        Split(tuple(c.column for c in t.claims), tuple(c.cents for c in t.claims), (None,) * len(t.claims))
        for t in profile.tiers
    )
    shares = profile.shares
    participation = Split(
        tuple(s.column for s in shares), _scaled([s.weight for s in shares]), tuple(s.cap_cents for s in shares)
    )
    return ProfileKernel(cents_of(profile.exercise, clause), tiers, participation)


def _words(before: frozenset[str], after: frozenset[str], tranches: set[str]) -> str:
    said = []
    for name in sorted(after - before):
        said.append(f"{name} exercised" if name in tranches else f"{name} converts")
    for name in sorted(before - after):
        said.append(f"{name} no longer exercised" if name in tranches else f"{name} keeps its preference instead")
    return "; ".join(said)


def plan_for(inputs: StructureInputs, most_cents: int = MAX_EXIT_CENTS) -> ScenarioPlan:
    """The kernel's plan for exit values from 0 to ``most_cents`` on ``inputs.on`` (see the module)."""
    clause = for_series(inputs.ref, "§3(b)")
    _check_readings(clause)
    if not 0 <= most_cents <= MAX_EXIT_CENTS:
        raise InputError("most_cents", clause, f"must be from 0 to {MAX_EXIT_CENTS} cents, not {most_cents}")
    plans = _Plans(inputs)
    deciders = _deciders(inputs)
    if len(deciders) > MOST_DECIDERS:
        raise InputError(
            "capital structure",
            clause,
            f"{len(deciders)} classes, series and tranches choose; the scenario plan weighs every profile of "
            f"choices and takes at most {MOST_DECIDERS}",
        )
    top = Fraction(most_cents, 100)
    candidates: set[Fraction] = {Fraction(0), top}
    profiles = [frozenset(c) for r in range(len(deciders) + 1) for c in itertools.combinations(deciders, r)]
    for p in profiles:
        candidates |= {x for x, _, _ in plans.kinks(p) if 0 <= x <= top}
    for p in profiles:
        for name in deciders:
            if name in p:
                continue
            with_ = p | {name}
            knots = sorted({Fraction(0)} | {x for x, _, _ in plans.kinks(p) + plans.kinks(with_) if 0 < x <= top})
            step = max(knots[-1], Fraction(1))
            knots.append(knots[-1] + step)  # linear past the last kink: one more point on the line
            g = [(x, plans.payoff(name, with_, x) - plans.payoff(name, p, x)) for x in knots]
            candidates |= {z for z in _zeros(g) if 0 <= z <= top}
            (a, ga), (b, gb) = g[-2], g[-1]
            if ga != gb and ga * gb > 0:
                z = a - ga * (b - a) / (gb - ga)
                if a < z <= top:
                    candidates.add(z)
    points = sorted(c * 100 for c in candidates)
    evaluated: list[tuple[int, Fraction]] = []  # (cents, the candidate it stands for)
    for i, c in enumerate(points):
        if c.denominator == 1:
            evaluated.append((int(c), c))
        after = math.floor(c) + 1
        nxt = points[i + 1] if i + 1 < len(points) else Fraction(most_cents + 1)
        if after < nxt and after <= most_cents:
            evaluated.append((after, c))
    stretches: list[Stretch] = []
    switches: list[Fraction] = []
    for cents, origin in evaluated:
        found = _equilibrium(plans, deciders, Fraction(cents, 100), clause)
        if not stretches or stretches[-1].chosen != found:
            stretches.append(Stretch(cents, found))
            switches.append(origin / 100)
    used = sorted({s.chosen for s in stretches}, key=lambda c: (len(c), sorted(c)))
    tranches = {t.name for t in inputs.tranches}
    breakpoints = []
    for i, s in enumerate(stretches):
        until = switches[i + 1] if i + 1 < len(stretches) else top + 1
        if i > 0:
            breakpoints.append(Breakpoint(switches[i], _words(stretches[i - 1].chosen, s.chosen, tranches), clause))
        for x, reason, where in plans.kinks(s.chosen):
            if switches[i] <= x < until and x <= top:
                breakpoints.append(Breakpoint(x, reason, where))
    breakpoints.sort(key=lambda b: (b.exit_value, b.reason))
    kernel = KernelPlan(
        columns=tuple(plans.columns),
        profiles=tuple(_kernel_profile(plans.profile(c), clause) for c in used),
        starts=tuple(s.start for s in stretches),
        kernel_of=tuple(used.index(s.chosen) for s in stretches),
        clause=clause,
        most_cents=most_cents,
    )
    classes = tuple(dict.fromkeys(security for security, _ in plans.columns))
    plan = ScenarioPlan(
        inputs.on,
        kernel,
        tuple(deciders),
        tuple(stretches),
        tuple(breakpoints),
        classes,
        clause,
        most_cents,
        plans,
        splits=holder_splits(inputs, plans.columns),
    )
    return plan
