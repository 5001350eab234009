"""The liquidation waterfall of a whole capital structure (F §1(b), §3(a)-(c); G §1(b), §3(a)-(c)).

:func:`capital_structure_waterfall` runs :func:`prefstack.clauses.liquidation.distribute` with every
class of a capital-structure file (:mod:`prefstack.instruments.capital_structure`):

* the Senior Securities rank by rank, ratably within a rank when short (F §1(b)(iii); rank 1
  first), each generic class's preference being shares x (preference per share + accrued
  cumulative dividend, CAPSTRUCT-DIVIDEND-ACCRUAL);
* Series F, Series G and the generic classes of their rank together (F §3(a), G §3(a));
* the rest on an as-converted basis (F §3(b), G §3(b)): Series F and G, the participating
  generic classes up to their caps (CAPSTRUCT-PARTICIPATION-CAP), the classes that converted, the
  Common Stock and the options and warrants exercised;
* each convertible generic class converts, and each option or warrant tranche is exercised for
  cash, exactly when that pays it strictly more, in an equilibrium found by switching one choice
  at a time until none gains (CAPSTRUCT-CONVERSION-CHOICE, CAPSTRUCT-OPTION-EXERCISE).

``--senior`` classes given with a capital structure replace a class of the same name or join the
senior rank just ahead of Series F and G (CAPSTRUCT-SENIOR-OVERRIDE).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from prefstack.calendars import thirty_360_days
from prefstack.citations import for_series
from prefstack.clause_registry import implements
from prefstack.clauses.liquidation import (
    AS_CONVERTED_BASIS,
    Claim,
    JuniorHolding,
    NonCashProceeds,
    ParityHolding,
    PreferenceTier,
    SeniorClass,
    Tier,
    Waterfall,
    _holders_cents,
    apportion_cents,
    as_converted_claims_3b,
    conversion_equilibrium,
    converted_holdings,
    convertible_series,
    decider_payoff,
    distribute,
    parity_preferences_3a,
    remaining_assets_3c,
    senior_order_1b,
)
from prefstack.clauses.liquidation import _cents as cents_of
from prefstack.clauses.liquidation import _reference_series as reference_series
from prefstack.errors import InputError
from prefstack.explain import Explained
from prefstack.instruments.capital_structure import CapitalStructure, GenericClass, OptionTranche, accrued_days
from prefstack.interpretations import reading
from prefstack.interpretations.readings import chosen, pick
from prefstack.numeric import to_decimal_string

__all__ = [
    "Choice",
    "ClassPosition",
    "StructureInputs",
    "StructureWaterfall",
    "capital_structure_waterfall",
    "class_positions",
    "gains_by_switching",
]

DAYS_IN_YEAR = 365
"""CAPSTRUCT-DIVIDEND-ACCRUAL: actual days over a 365-day year."""


def _accrued_dividend(base: Fraction, rate: Fraction, start: dt.date, on: dt.date) -> tuple[Fraction, int, str]:
    """A generic cumulative dividend on ``base`` (shares x original issue price) from ``start`` to
    ``on``: the amount, its days and its formula, under the reading of CAPSTRUCT-DIVIDEND-ACCRUAL:
    simple, actual days over 365 (prefstack's); simple on 30/360 (``thirty-360``); compounded at
    each quarter-day, every three months from ``start`` (``compound-quarterly``: each period's
    actual days over 365 on the base plus the dividends accrued before it); simple from the last
    quarter-day on or before ``on`` only (``since-last-payment``: the file gives no payment dates,
    so they are taken every three months from ``start``, every earlier dividend paid)."""
    match chosen("CAPSTRUCT-DIVIDEND-ACCRUAL"):
        case "default":
            days = accrued_days(start, on)
            return base * rate * days / DAYS_IN_YEAR, days, f"base x annual rate x days / {DAYS_IN_YEAR} (simple)"
        case "thirty-360":
            days = thirty_360_days(start, on)
            return base * rate * days / 360, days, "base x annual rate x days / 360 (simple, 30/360: thirty-360)"
        case "compound-quarterly":
            accrued, begin, k = Fraction(0), start, 1
            while begin < on:
                end = min(_months_after(start, 3 * k), on)
                accrued += (base + accrued) * rate * accrued_days(begin, end) / DAYS_IN_YEAR
                begin, k = end, k + 1
            formula = (
                f"each quarter from the issue date: (base + accrued before) x annual rate x days / {DAYS_IN_YEAR} "
                "(compounded quarterly: compound-quarterly)"
            )
            return accrued, accrued_days(start, on), formula
        case "since-last-payment":
            k = 0
            while _months_after(start, 3 * (k + 1)) <= on:
                k += 1
            last = _months_after(start, 3 * k)
            days = accrued_days(last, on)
            formula = f"base x annual rate x days since {last.isoformat()} / {DAYS_IN_YEAR} (since-last-payment)"
            return base * rate * days / DAYS_IN_YEAR, days, formula
        case other:
            raise AssertionError(f"CAPSTRUCT-DIVIDEND-ACCRUAL alternative {other!r} is registered but not computed")


def _months_after(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months on, the day of the month kept or, where the month is
    shorter, its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class ClassPosition:
    """A generic class (or a ``--senior`` override) as the waterfall sees it on the liquidation date."""

    name: str
    rank: int
    preference: Explained
    """The whole class's preference, accrued dividends included (exact)."""
    common_if_converted: Fraction | None
    """Shares of Common Stock the class converts into (None: it cannot convert)."""
    participates: bool
    as_converted_common: Fraction
    """The shares it participates with while keeping its preference (0 if it does not participate)."""
    cap_total: Fraction | None
    """The most the class receives in all while keeping its preference (None: no cap)."""
    notes: tuple[tuple[str, str | bool], ...]
    holders: tuple[tuple[str, Fraction], ...] = ()
    """The holders the capital-structure file lists for the class and their shares (empty: it lists
    none, and the class is paid as one holding, "holders of ...")."""

    @property
    def amount(self) -> Fraction:
        assert isinstance(self.preference.value, Fraction)
        return self.preference.value


@dataclass(frozen=True)
class Choice:
    """A convertible class's or a tranche's settled choice and what each choice pays it (exact;
    a tranche: net of its exercise price), the other choices held fixed."""

    name: str
    chosen: bool
    """Converted (a class) or exercised (a tranche)."""
    words: str
    if_chosen: Fraction
    if_not_chosen: Fraction
    explained: Explained


@dataclass(frozen=True)
class StructureWaterfall:
    """The waterfall of a capital structure with the choices it settled."""

    waterfall: Waterfall
    choices: tuple[Choice, ...]
    chosen: frozenset[str]
    """The classes converted and the tranches exercised."""
    overrides: tuple[str, ...]
    positions: tuple[ClassPosition, ...]
    tranches: tuple[OptionTranche, ...]
    payoffs: dict[str, Fraction]
    inputs: StructureInputs
    holders: tuple[HolderPayment, ...] = ()
    """What each listed holder of a generic class is paid in all (:func:`class_holder_payments`)."""

    def switch_payoffs(self, name: str) -> tuple[Fraction, Fraction]:
        """(as chosen, switched): what class or tranche ``name`` receives, exactly, with its choice as
        settled and with it switched, every other choice held (a tranche: net of its exercise price)."""
        return gains_by_switching(self.inputs, self.chosen, name)


def _notes(source: str, illustrative: bool) -> tuple[tuple[str, str | bool], ...]:
    return (("source", source), ("illustrative", illustrative))


def _generic_position(c: GenericClass, on: dt.date, ref: str) -> ClassPosition:
    clause = for_series(ref, "§1(b)")
    base = c.shares_outstanding * c.preference_per_share
    parts = [
        Explained(
            f"{c.name}: shares x preference per share",
            base,
            clause,
            inputs={"shares": c.shares_outstanding, "preference per share": c.preference_per_share},
        )
    ]
    accrued = Fraction(0)
    if c.cumulative_dividend is not None:
        start = c.cumulative_dividend.accrues_from
        if start > on:
            raise InputError(
                f"{c.name}.cumulative_dividend.accrues_from", clause, f"{start} is after the liquidation date {on}"
            )
        rate = c.cumulative_dividend.annual_rate
        accrued, days, formula = _accrued_dividend(c.shares_outstanding * c.original_issue_price, rate, start, on)
        parts.append(
            Explained(
                f"{c.name}: accrued cumulative dividend",
                accrued,
                clause,
                inputs={"annual rate": rate, "from": start, "to": on, "days": days},
                formula=f"{formula}; base = shares x original issue price",
                interpretations=[reading("CAPSTRUCT-DIVIDEND-ACCRUAL")],
            )
        )
    preference = Explained(
        f"{c.name}: liquidation preference",
        base + accrued,
        clause,
        inputs=dict(_notes(c.source, c.illustrative)),
        parts=parts,
        formula="shares x preference per share + accrued cumulative dividend",
        interpretations=[reading("CAPSTRUCT-CDE-PLACEMENT")],
    )
    per_share = c.common_per_share
    converted = None if per_share is None else c.shares_outstanding * per_share
    cap = c.participation_cap
    return ClassPosition(
        name=c.name,
        rank=c.rank,
        preference=preference,
        common_if_converted=converted,
        participates=c.participating,
        as_converted_common=converted if c.participating and converted is not None else Fraction(0),
        cap_total=None if cap is None else cap * c.original_issue_price * c.shares_outstanding,
        notes=_notes(c.source, c.illustrative),
        holders=() if c.holders is None else tuple((h.name, h.shares) for h in c.holders),
    )


def _placed(position: ClassPosition, certificate_rank: int) -> ClassPosition:
    """A generic class's rank under the reading of CAPSTRUCT-CDE-PLACEMENT: the file's (prefstack's;
    also under ``letter-order``, which orders the classes of one senior rank when they are paid,
    :func:`_senior_tiers`), or, for a class the file ranks ahead of the certificates, the
    certificates' own rank (``parity``: a Parity Security of Series F and G)."""
    if position.rank >= certificate_rank:
        return position
    match chosen("CAPSTRUCT-CDE-PLACEMENT"):
        case "default" | "letter-order":
            return position
        case "parity":
            note = ("placed", "at parity with the certificates: CAPSTRUCT-CDE-PLACEMENT=parity")
            return replace(position, rank=certificate_rank, notes=(*position.notes, note))
        case other:
            raise AssertionError(f"CAPSTRUCT-CDE-PLACEMENT alternative {other!r} is registered but not computed")


def _new_senior_rank(structure: CapitalStructure, overrides: Sequence[SeniorClass], ref: str) -> int:
    """The rank of a ``--senior`` class the file does not have, under the reading of
    CAPSTRUCT-SENIOR-OVERRIDE: the one just ahead of the certificates (prefstack's); a rank ahead of
    every class of the file, one less than its first (``rank-1``: rank 0 where the file starts at 1);
    or ``--senior`` is refused with a capital structure (``refuse``)."""
    if not overrides:
        return structure.certificate_rank - 1
    match chosen("CAPSTRUCT-SENIOR-OVERRIDE"):
        case "default":
            return structure.certificate_rank - 1
        case "rank-1":
            return min([c.rank for c in structure.generic] + [structure.certificate_rank]) - 1
        case "refuse":
            raise InputError(
                "--senior",
                for_series(ref, "§1(b)"),
                "--senior is refused together with a capital structure (CAPSTRUCT-SENIOR-OVERRIDE=refuse): "
                "give the class in the file",
            )
        case other:
            raise AssertionError(f"CAPSTRUCT-SENIOR-OVERRIDE alternative {other!r} is registered but not computed")


@implements("F §1(b)", "G §1(b)")
def class_positions(
    structure: CapitalStructure, overrides: Sequence[SeniorClass], on: dt.date, ref: str
) -> tuple[list[ClassPosition], list[str]]:
    """The generic classes of ``structure`` on ``on`` with the ``--senior`` overrides applied, and
    a line for each override (CAPSTRUCT-SENIOR-OVERRIDE)."""
    positions = [_placed(_generic_position(c, on, ref), structure.certificate_rank) for c in structure.generic]
    fixed = {c.name for c in structure.certificates} | {structure.common.name}
    fixed |= {o.name for o in structure.options_and_warrants}
    lines = []
    nearest = _new_senior_rank(structure, overrides, ref)
    for s in overrides:
        if s.name in fixed:
            raise InputError("--senior", for_series(ref, "§1(b)"), f"{s.name!r} is not a senior class of the file")
        found = [i for i, p in enumerate(positions) if p.name == s.name]
        rank = positions[found[0]].rank if found else nearest
        position = ClassPosition(
            name=s.name,
            rank=rank,
            preference=Explained(
                f"{s.name}: liquidation preference",
                s.preference_amount,
                for_series(ref, "§1(b)"),
                inputs=dict(_notes("--senior", False)),
                interpretations=[reading("CAPSTRUCT-SENIOR-OVERRIDE")],
            ),
            common_if_converted=None,
            participates=s.participates,
            as_converted_common=s.as_converted_common,
            cap_total=None,
            notes=_notes("--senior", False),
        )
        verb = "replaces the file's class" if found else "is added"
        shares = to_decimal_string(s.as_converted_common)
        takes = f"participating with {shares} shares as converted" if s.participates else "not participating"
        lines.append(
            f"--senior {s.name}: {verb} at rank {rank} (preference {to_decimal_string(s.preference_amount)}, {takes})"
        )
        if found:
            positions[found[0]] = position
        else:
            positions.append(position)
    return positions, lines


@dataclass(frozen=True)
class StructureInputs:
    ref: str
    on: dt.date
    cash: Fraction
    non_cash: tuple[NonCashProceeds, ...]
    parity: tuple[ParityHolding, ...]
    junior: tuple[JuniorHolding, ...]
    positions: tuple[ClassPosition, ...]
    tranches: tuple[OptionTranche, ...]
    certificate_rank: int


def _exercise_cash(inputs: StructureInputs, chosen: frozenset[str]) -> list[Explained]:
    return [
        Explained(
            f"exercise price paid: {t.name}",
            t.count * t.strike_price,
            for_series(inputs.ref, "§3(b)"),
            inputs={"count": t.count, "strike price": t.strike_price, **dict(_notes(t.source, t.illustrative))},
            formula="count x strike price (cash exercise)",
            interpretations=[reading("CAPSTRUCT-OPTION-EXERCISE")],
        )
        for t in inputs.tranches
        if t.name in chosen
    ]


def _preference_claim(tier: Tier, p: ClassPosition, clause: str) -> Claim:
    return Claim(
        tier,
        p.name,
        f"holders of {p.name}",
        p.amount,
        clause,
        "preference amount",
        parts=(p.preference,),
        full_cents=cents_of(p.amount, clause),
        notes=p.notes,
    )


def _participation_cap(p: ClassPosition, clause: str) -> tuple[Fraction, int]:
    """The most a capped class takes in the as-converted tier (exact, cents), under the reading of
    CAPSTRUCT-PARTICIPATION-CAP: its cap less its preference (prefstack's; also ``company-keeps`` and
    ``junior-only``), or the whole cap, the preference not counted against it (``participation-only``)."""
    assert p.cap_total is not None
    match chosen("CAPSTRUCT-PARTICIPATION-CAP"):
        case "default" | "company-keeps" | "junior-only":
            return (
                max(p.cap_total - p.amount, Fraction(0)),
                max(cents_of(p.cap_total, clause) - cents_of(p.amount, clause), 0),
            )
        case "participation-only":
            return p.cap_total, cents_of(p.cap_total, clause)
        case other:
            raise AssertionError(f"CAPSTRUCT-PARTICIPATION-CAP alternative {other!r} is registered but not computed")


def _participation_claim(p: ClassPosition, converted: bool, clause: str) -> Claim:
    if converted:
        assert p.common_if_converted is not None
        return Claim(
            Tier.AS_CONVERTED,
            p.name,
            f"holders of {p.name}",
            p.common_if_converted,
            clause,
            "common shares on conversion",
            notes=p.notes,
        )
    cap = cap_cents = None
    if p.cap_total is not None:
        cap, cap_cents = _participation_cap(p, clause)
    return Claim(
        Tier.AS_CONVERTED,
        p.name,
        f"holders of {p.name}",
        p.as_converted_common,
        clause,
        AS_CONVERTED_BASIS,
        cap=cap,
        cap_cents=cap_cents,
        notes=p.notes,
    )


def _senior_tiers(tier: PreferenceTier) -> list[PreferenceTier]:
    """The classes of one senior rank as the tiers they are paid in: under CAPSTRUCT-CDE-PLACEMENT=
    letter-order each its own tier in the order of their names (Series C before D before E), the
    rank shown kept; otherwise ratably or in the file's order (LIQ-SENIOR-RATABLE)."""
    if len(tier.claims) < 2:
        return [tier]
    match chosen("CAPSTRUCT-CDE-PLACEMENT"):
        case "default" | "parity":
            return senior_order_1b(tier)
        case "letter-order":
            return [PreferenceTier(tier.tier, (c,), tier.rank) for c in sorted(tier.claims, key=lambda c: c.security)]
        case other:
            raise AssertionError(f"CAPSTRUCT-CDE-PLACEMENT alternative {other!r} is registered but not computed")


def _run(inputs: StructureInputs, chosen: frozenset[str]) -> Waterfall:
    """The waterfall with the classes in ``chosen`` converted and the tranches in it exercised."""
    ref = inputs.ref
    proceeds, items = remaining_assets_3c(ref, inputs.cash, inputs.non_cash, inputs.on, _exercise_cash(inputs, chosen))
    keeping = [p for p in inputs.positions if p.name not in chosen]
    tiers = [
        tier
        for rank in sorted({p.rank for p in keeping if p.rank < inputs.certificate_rank})
        for tier in _senior_tiers(
            PreferenceTier(
                Tier.SENIOR,
                tuple(_preference_claim(Tier.SENIOR, p, for_series(ref, "§1(b)")) for p in keeping if p.rank == rank),
                rank,
            )
        )
    ]
    kept, converted_parity = converted_holdings(inputs.parity, chosen)
    parity = parity_preferences_3a(kept)
    at_parity = [
        _preference_claim(Tier.PARITY, p, for_series(ref, "§3(a)"))
        for p in keeping
        if p.rank == inputs.certificate_rank
    ]
    tiers.append(PreferenceTier(Tier.PARITY, parity.claims + tuple(at_parity)))
    clause = for_series(ref, "§3(b)")
    converted = [
        _participation_claim(p, p.name in chosen, clause)
        for p in inputs.positions
        if p.name in chosen or p.participates
    ]
    converted += as_converted_claims_3b(ref, (), kept, inputs.junior)
    converted += converted_parity
    converted += [
        Claim(
            Tier.AS_CONVERTED,
            t.name,
            f"holders of {t.name}",
            t.count,
            clause,
            "common shares on exercise",
            notes=_notes(t.source, t.illustrative),
        )
        for t in inputs.tranches
        if t.name in chosen
    ]
    return distribute(ref, inputs.on, proceeds, items, tiers, converted)


def _payoff(inputs: StructureInputs, result: Waterfall, name: str, chosen: frozenset[str]) -> Fraction:
    """What a class (or a tranche, net of its exercise price) receives, exactly."""
    gross = decider_payoff(result, name, inputs.parity)
    for t in inputs.tranches:
        if t.name == name and name in chosen:
            return gross - t.count * t.strike_price
    return gross


def _deciders(inputs: StructureInputs) -> list[str]:
    """Who chooses: the convertible certificate series, the convertible classes (none under
    CAPSTRUCT-CONVERSION-CHOICE=preference-only: every class keeps its preference) and the tranches
    (none under CAPSTRUCT-OPTION-EXERCISE=all-exercised: :func:`_forced`)."""
    names = convertible_series(inputs.parity)
    classes = [p.name for p in inputs.positions if p.common_if_converted is not None]
    if classes and chosen("CAPSTRUCT-CONVERSION-CHOICE") == "preference-only":
        classes = []
    return names + classes + [t.name for t in inputs.tranches if t.name not in _forced(inputs)]


def _forced(inputs: StructureInputs) -> frozenset[str]:
    """The tranches exercised whatever they gain, under the reading of CAPSTRUCT-OPTION-EXERCISE:
    none, each exercised only when in the money (prefstack's), or every one (``all-exercised``: its
    exercise price paid in cash, as prefstack's)."""
    if not inputs.tranches:
        return frozenset()
    match chosen("CAPSTRUCT-OPTION-EXERCISE"):
        case "default":
            return frozenset()
        case "all-exercised" | "treasury-stock" | "net-exercise":
            # the last two: the tranches of :func:`_net_exercised`, each in the money at its net shares
            return frozenset(t.name for t in inputs.tranches)
        case other:
            raise AssertionError(f"CAPSTRUCT-OPTION-EXERCISE alternative {other!r} is registered but not computed")


NET_EXERCISE_MOST_RUNS = 30
"""The most fixed-point steps :func:`_net_exercised` takes before refusing."""


def _common_per_share(inputs: StructureInputs, result: Waterfall) -> Fraction:
    """The exact amount a share of the Common Stock (the junior holding) is paid in ``result``."""
    (common,) = inputs.junior
    return result.exact_by_security().get(common.security, Fraction(0)) / common.common_shares


def _net_exercised(inputs: StructureInputs) -> StructureInputs:
    """CAPSTRUCT-OPTION-EXERCISE=treasury-stock or net-exercise: each tranche whose strike K is below V,
    the value the distribution itself gives a share of the Common Stock, adds count x (V - K) / V
    shares of Common Stock to the as-converted tier and no cash (the shares strike x count / V would
    buy back at V, or the shares worth the spread: the same number); the others are not exercised.
    V is a fixed point: with the net shares n of every tranche in the money, the Common Stock's
    exact payout per share is V. Each step fits V's payout per share as R / (M + n) through the last
    two runs and solves V = (R + sum of count x K) / (M + sum of count) exactly, then checks it with a
    run (the other classes' conversions and the participation caps may change between runs)."""
    clause = for_series(inputs.ref, "§3(b)")
    original = inputs.tranches

    def at(value: Fraction) -> tuple[StructureInputs, Fraction, Fraction]:
        net = tuple(
            t.model_copy(update={"count": t.count * (value - t.strike_price) / value, "strike_price": Fraction(0)})
            for t in original
            if value > 0 and t.strike_price < value
        )
        trial = replace(inputs, tranches=net)
        paid = _common_per_share(trial, _run(trial, _equilibrium(trial)))
        return trial, sum((t.count for t in net), Fraction(0)), paid

    _, n_before, v_before = at(Fraction(0))
    value = v_before
    for _ in range(NET_EXERCISE_MOST_RUNS):
        trial, n, paid = at(value)
        if paid == value:
            return trial
        exercised = [t for t in original if t.strike_price < value]
        if paid == v_before or not exercised:
            value = paid
        else:
            # paid = R / (M + n) through (n_before, v_before) and (n, paid): solve for R and M
            m = (paid * n - v_before * n_before) / (v_before - paid)
            r = paid * (m + n)
            counts = sum((t.count for t in exercised), Fraction(0))
            strikes = sum((t.count * t.strike_price for t in exercised), Fraction(0))
            value = (r + strikes) / (m + counts)
        n_before, v_before = n, paid
    raise InputError(
        "--capital-structure",
        clause,
        f"CAPSTRUCT-OPTION-EXERCISE={chosen('CAPSTRUCT-OPTION-EXERCISE')}: no value per share of Common Stock "
        f"is its own payout after {NET_EXERCISE_MOST_RUNS} steps",
    )


@implements("F §3(b)", "G §3(b)")
def gains_by_switching(inputs: StructureInputs, chosen: frozenset[str], name: str) -> tuple[Fraction, Fraction]:
    """(as chosen, switched): what ``name`` receives with its choice as in ``chosen`` and switched."""
    switched = chosen ^ {name}
    return (
        _payoff(inputs, _run(inputs, chosen), name, chosen),
        _payoff(inputs, _run(inputs, switched), name, switched),
    )


def _equilibrium(inputs: StructureInputs) -> frozenset[str]:
    """CAPSTRUCT-CONVERSION-CHOICE over the file's convertible classes, its tranches and the
    certificates that choose between their preference and conversion."""
    runs: dict[frozenset[str], Waterfall] = {}

    forced = _forced(inputs)

    def payoff(name: str, chosen: frozenset[str]) -> Fraction:
        profile = chosen | forced
        if profile not in runs:
            runs[profile] = _run(inputs, profile)
        return _payoff(inputs, runs[profile], name, profile)

    return conversion_equilibrium(_deciders(inputs), payoff, for_series(inputs.ref, "§3(b)")) | forced


def _choice(inputs: StructureInputs, name: str, chosen: frozenset[str]) -> Choice:
    taken = _payoff(inputs, _run(inputs, chosen | {name}), name, chosen | {name})
    kept = _payoff(inputs, _run(inputs, chosen - {name}), name, chosen - {name})
    tranche = next((t for t in inputs.tranches if t.name == name), None)
    position = next((p for p in inputs.positions if p.name == name), None)
    if tranche is None:
        verb = ("converts into Common Stock", "keeps its preference")
        labels = ("paid if it converts", "paid if it keeps its preference")
        notes = position.notes if position is not None else ()
    else:
        verb = ("exercised (cash exercise)", "not exercised")
        labels = ("gain if exercised (Common Stock's share less exercise price)", "gain if not exercised")
        notes = _notes(tranche.source, tranche.illustrative)
    does = name in chosen
    explained = Explained(
        name=f"{name}: {verb[0] if does else verb[1]}",
        value=does,
        clause=for_series(inputs.ref, "§3(b)"),
        inputs={labels[0]: taken, labels[1]: kept, **dict(notes)},
        formula="chosen exactly when it pays strictly more, the other choices held fixed (an equilibrium)",
        interpretations=[reading("CAPSTRUCT-CONVERSION-CHOICE")]
        + ([reading("CAPSTRUCT-OPTION-EXERCISE")] if tranche is not None else []),
    )
    return Choice(name, does, verb[0] if does else verb[1], taken, kept, explained)


@implements("F §3", "G §3", "F §1(b)", "G §1(b)")
def capital_structure_waterfall(
    structure: CapitalStructure,
    proceeds_cash: Fraction,
    non_cash: Sequence[NonCashProceeds],
    overrides: Sequence[SeniorClass],
    parity: Sequence[ParityHolding],
    junior: Sequence[JuniorHolding],
    on: dt.date,
) -> StructureWaterfall:
    """F §3 and G §3 over every class of ``structure`` (see the module's docstring)."""
    ref = reference_series(parity)
    positions, lines = class_positions(structure, overrides, on, ref)
    inputs = StructureInputs(
        ref,
        on,
        proceeds_cash,
        tuple(non_cash),
        tuple(parity),
        tuple(junior),
        tuple(positions),
        structure.options_and_warrants,
        structure.certificate_rank,
    )
    if structure.options_and_warrants:
        net: bool = pick(
            "CAPSTRUCT-OPTION-EXERCISE",
            {"default": False, "all-exercised": False, "treasury-stock": True, "net-exercise": True},
        )
        inputs = _net_exercised(inputs) if net else inputs
    chosen = _equilibrium(inputs)
    result = _run(inputs, chosen)
    choices = tuple(_choice(inputs, name, chosen) for name in _deciders(inputs))
    payoffs = {name: _payoff(inputs, result, name, chosen) for name in _deciders(inputs)}
    holders = class_holder_payments(result, positions, ref)
    return StructureWaterfall(
        result, choices, chosen, tuple(lines), tuple(positions), inputs.tranches, payoffs, inputs, holders
    )


@dataclass(frozen=True)
class HolderPayment:
    """What one listed holder of a generic class is paid in all (CAPSTRUCT-HOLDER-PAYOUTS)."""

    security: str
    holder: str
    amount: Explained
    """Paid, in whole cents (value: Fraction dollars)."""
    exact: Fraction

    @property
    def paid(self) -> Fraction:
        assert isinstance(self.amount.value, Fraction)
        return self.amount.value


@implements("F §3(a)", "G §3(a)", "F §3(b)", "G §3(b)")
def class_holder_payments(result: Waterfall, positions: Sequence[ClassPosition], ref: str) -> tuple[HolderPayment, ...]:
    """What the waterfall pays in all to each generic class whose holders the capital-structure file
    lists (its preference, its participation, or the Common Stock it converts into, over every
    tier), split among them by their shares (CAPSTRUCT-HOLDER-PAYOUTS): each holder's exact amount
    is the class's exact total x its shares / the class's shares, and the class's whole cents are
    shared out as LIQ-CENTS shares a tier's cents (prefstack's: apportioned, adding up to the
    class's). None under CAPSTRUCT-HOLDER-PAYOUTS=class-only, or where no holders are listed."""
    listed = [p for p in positions if p.holders]
    if not listed or not pick("CAPSTRUCT-HOLDER-PAYOUTS", {"default": True, "class-only": False}):
        return ()
    out: list[HolderPayment] = []
    for position in listed:
        rows = [p for p in result.payouts if p.security == position.name and p.holder == f"holders of {position.name}"]
        paid = sum((p.paid for p in rows), Fraction(0))
        exact_total = sum((p.exact for p in rows), Fraction(0))
        cents = int(paid * 100)
        shares = [held for _, held in position.holders]
        whole = sum(shares, Fraction(0))
        entitled = [exact_total * held / whole for held in shares]
        split = _holders_cents(cents, entitled, functools.partial(apportion_cents, cents, shares)) or [0] * len(shares)
        clause = rows[0].amount.clause if rows else for_series(ref, "§3(b)")
        for (name, held), got, exact in zip(position.holders, split, entitled, strict=True):
            amount = Explained(
                f"{name}: its part of what {position.name} is paid",
                Fraction(got, 100),
                clause,
                inputs={
                    "paid to the class": paid,
                    "shares held": held,
                    "shares of the class": whole,
                    **dict(position.notes),
                },
                parts=[p.amount for p in rows],
                formula="the class's total payment split by shares; cents as LIQ-CENTS shares them",
                interpretations=[reading("CAPSTRUCT-HOLDER-PAYOUTS"), reading("LIQ-CENTS")],
            )
            out.append(HolderPayment(position.name, name, amount, exact))
    return tuple(out)
