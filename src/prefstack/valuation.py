"""Fair value of a share of a series: the model's inputs, each with its source, and the instrument
the kernels value (:mod:`prefstack.kernels.valuation`).

The instrument is built exactly (Fractions) from the terms and the ledger's figures on the
valuation date, then handed to the kernels as floats (fair value is a model estimate):

- one share held on the date, with the PIK shares its dividends add (VAL-PIK-DEFAULT): on each
  Payment Date (F/G §2(a)) the dividends accrued are paid in shares of the series at the Original
  Issue Price, so the holding grows by the quarterly rate each full quarter (F §2(b) "1.75% of the
  total value ... including all previous PIK Preferred Shares"; G §2(a) 1.5% compounding);
- between Payment Dates dividends accrue at the annual rate x days / day-count basis
  (DIV-ACCRUED-UNPAID);
- conversion at any time (F/G §5(a)) into Original Issue Price / Conversion Price shares of Common
  Stock per share held, with the accrued but unpaid dividends paid in cash (F §5(c)(iii);
  VAL-CONVERSION-ACCRUED), the Conversion Price held where it stands on the date (no §5(d)
  adjustment is modelled);
- no conversion after the close of business on the cut-off day before the Redemption Date
  (F §6(j), G §6(i));
- redemption on the fifth anniversary of the Original Issuance Date (F/G §6(a)) at the Original
  Issue Price plus accrued but unpaid dividends of every share held, paid in cash
  (VAL-REDEMPTION-CASH), a claim on the Company discounted with a credit spread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from prefstack.calendars import payment_dates
from prefstack.decisions import decision
from prefstack.errors import InputError
from prefstack.kernels.valuation import (
    Chunk,
    ChunkMoments,
    Convertible,
    Intervals,
    Market,
    Runner,
    annualized_volatility,
    as_exact,
    in_floats,
    opm_backsolve_value,
    opm_values,
    price_chunk,
)
from prefstack.numeric import to_decimal_string

if TYPE_CHECKING:
    from prefstack.scenarios import ScenarioPlan
    from prefstack.terms.schema import SeriesTerms

__all__ = [
    "DAYS_PER_YEAR",
    "DIVIDEND_FORMS",
    "Accretion",
    "Input",
    "OpmPayoffs",
    "ValuationInputs",
    "accretion",
    "dask_runner",
    "dividend_form",
    "exact_figures",
    "exit_date",
    "form_text",
    "historical_volatility",
    "instrument",
    "model_readings",
    "opm_backsolve",
    "opm_class_values",
    "opm_payoffs",
    "quarterly_times",
]

DAYS_PER_YEAR = 365
"""The model's clock: actual days / 365 (the market inputs are per such year)."""
TRADING_DAYS_PER_YEAR = 252
"""Daily log returns of closing prices are annualized by sqrt(252)."""
MIN_RETURNS = 20
"""The fewest daily returns a volatility is estimated from."""


@dataclass(frozen=True)
class Input:
    """One input of the model: its value, where it comes from (ledger, terms, user, estimate) and
    the clause or method behind it."""

    name: str
    value: str
    source: str
    basis: str


@dataclass(frozen=True)
class ValuationInputs:
    """What the ledger and the terms know of a series on a date (:meth:`prefstack.books.Books.valuation_inputs`)."""

    series: str
    on: dt.date
    terms: SeriesTerms
    shares_outstanding: Fraction
    accrued_per_share: Fraction
    """Accrued but unpaid dividends of one share on the date (the holders' sum / shares)."""
    conversion_price: Fraction
    conversion_price_clause: str
    liquidation_value_per_share: Fraction
    original_issuance_date: dt.date
    redemption_date: dt.date
    redemption_clause: str
    closing_prices: tuple[tuple[dt.date, Fraction], ...]
    """The ledger's closing prices of the Common Stock on or before the date, in date order."""

    def inputs(self) -> list[Input]:
        t = self.terms
        div = t.dividends
        return [
            Input("shares outstanding", to_decimal_string(self.shares_outstanding), "ledger", f"{t.series} §1(a)"),
            Input(
                "accrued dividends per share", to_decimal_string(self.accrued_per_share), "ledger", "DIV-ACCRUED-UNPAID"
            ),
            Input("Conversion Price", to_decimal_string(self.conversion_price), "ledger", self.conversion_price_clause),
            Input(
                "Liquidation Value per share",
                to_decimal_string(self.liquidation_value_per_share),
                "ledger",
                f"{t.series} §3(a)",
            ),
            Input("Original Issue Price", to_decimal_string(t.issue_price), "terms", t.original_issue_price.cite),
            Input(
                "PIK rate per quarter", to_decimal_string(div.quarterly_rate.value), "terms", div.quarterly_rate.cite
            ),
            Input("annual dividend rate", to_decimal_string(div.annual_rate.value), "terms", div.annual_rate.cite),
            Input("day-count basis", str(div.day_count_basis.value), "terms", div.day_count_basis.cite),
            Input("default dividend form", div.default_form.value, "terms", div.default_form.cite),
            Input("Original Issuance Date", self.original_issuance_date.isoformat(), "ledger", self.redemption_clause),
            Input("Redemption Date", self.redemption_date.isoformat(), "terms", self.redemption_clause),
            Input(
                "conversion cut-off days",
                str(t.redeemable().conversion_cutoff_days.value),
                "terms",
                t.redeemable().conversion_cutoff_days.cite,
            ),
        ]


@dataclass(frozen=True)
class Accretion:
    """The accretion of one share held on the valuation date, exact: on each interval between
    Payment Dates (the first from the valuation date), the shares held (PIK shares included), the
    accrued dividends at its start and their accrual per day; then the Redemption Price of the
    holding on the Redemption Date."""

    pay_dates: tuple[dt.date, ...]
    held: tuple[Fraction, ...]
    accrued_start: tuple[Fraction, ...]
    accrual_per_day: tuple[Fraction, ...]
    redemption_amount: Fraction
    cash_dividends: tuple[Fraction, ...] | None = None
    """With the holder's cash election (VAL-CASH-ELECTION): the dividend paid in cash on each
    Payment Date; None where they are paid in PIK shares."""


DIVIDEND_FORMS = ("pik", "cash", "cash=P")
"""The forms of future dividends the model values (``--dividend-form``): PIK shares (VAL-PIK-DEFAULT,
the default), the holder's election of cash (VAL-CASH-ELECTION, where the series' terms offer it), or
a portion P of each dividend in cash and the rest in PIK shares (F §2(b): "any combination")."""


def accretion(inputs: ValuationInputs, cash_portion: Fraction = Fraction(0)) -> Accretion:
    """VAL-PIK-DEFAULT: every Payment Date in (on, Redemption Date] pays the dividends accrued on
    it in PIK shares at the Original Issue Price (F §2(b), §2(d); G §2(a)), so nothing stays in
    arrears after it. With a ``cash_portion`` (VAL-CASH-ELECTION, F §2(b); :func:`dividend_form`
    reads it and checks that the terms offer cash) that part of each dividend is paid in cash and
    only the rest in PIK shares: with 1, the holding stays one share. The dividend of a Payment Date
    (DIV-DAYCOUNT): a full quarter from the
    previous Payment Date is the quarterly rate x the holding x the Original Issue Price; a period
    from the Original Issuance Date is the annual rate x days / basis; the first Payment Date also
    pays the arrears on the date (the ledger's accrued dividends less the accrual of the running
    period, capped at a quarter, DIV-INTRA-QUARTER-CAP), with their own dividend where arrears
    compound (G §2(a)). Within a quarter the model accrues the quarter's dividend in equal daily
    parts (so never more than the quarter); the last period, from the last Payment Date to the
    Redemption Date, is the annual rate x days / basis (F Sched. 1). The Redemption Price (F/G
    §6(a)) is the holding x the Original Issue Price + its accrued dividends on the Redemption
    Date."""
    terms = inputs.terms
    div = terms.dividends
    price, basis = terms.issue_price, div.day_count_basis.value
    annual, quarterly = div.annual_rate.value, div.quarterly_rate.value
    dates = tuple(payment_dates(terms, inputs.on, inputs.redemption_date))
    before = list(payment_dates(terms, inputs.original_issuance_date, inputs.on))
    start = before[-1] if before else inputs.original_issuance_date
    full_quarter = bool(before)

    def period_dividend(held: Fraction, begin: dt.date, end: dt.date, full: bool) -> Fraction:
        if full:
            return held * price * quarterly
        return held * price * annual * (end - begin).days / basis

    running = min(price * annual * (inputs.on - start).days / basis, price * quarterly)
    arrears = max(inputs.accrued_per_share - running, Fraction(0))
    held, accrued, previous = Fraction(1), inputs.accrued_per_share, inputs.on
    helds: list[Fraction] = []
    starts: list[Fraction] = []
    rates: list[Fraction] = []
    paid: list[Fraction] = []
    if not 0 <= cash_portion <= 1:
        raise ValueError(f"the portion of a dividend paid in cash is between 0 and 1, not {cash_portion}")
    for index, day in enumerate(dates):
        if index == 0:
            due = arrears + period_dividend(held, start, day, full_quarter)
            if div.compounds_arrears.value:
                due += arrears * annual * (day - inputs.on).days / basis
        else:
            due = period_dividend(held, previous, day, True)
        helds.append(held)
        starts.append(accrued)
        rates.append((due - accrued) / (day - previous).days)
        if cash_portion:
            paid.append(due * cash_portion)
        held += due * (1 - cash_portion) / price  # the rest in PIK shares (fractions kept: the model's holding)
        accrued, previous = Fraction(0), day
    last = period_dividend(held, previous, inputs.redemption_date, False)
    if not dates and div.compounds_arrears.value:
        last += arrears * annual * (inputs.redemption_date - inputs.on).days / basis
    days = (inputs.redemption_date - previous).days
    helds.append(held)
    starts.append(accrued)
    rates.append(last / days if days else Fraction(0))
    cash = tuple(paid) if cash_portion else None
    return Accretion(dates, tuple(helds), tuple(starts), tuple(rates), held * price + accrued + last, cash)


def dividend_form(terms: SeriesTerms, form: str) -> Fraction:
    """The portion of each future dividend the model pays in cash for ``form``: ``pik`` 0 (every
    series' dividends can be PIK shares in the model, VAL-PIK-DEFAULT), ``cash`` 1, ``cash=P`` P (an
    exact decimal or fraction from 0 to 1: F §2(b)'s "any combination", the rest in PIK shares); cash
    only where the terms let the holder elect it (F §2(b)). Anything else refused naming
    ``--dividend-form`` and the clause."""
    forms = terms.dividends.forms
    if form == "pik":
        return Fraction(0)
    name, sep, text = form.partition("=")
    if name != "cash" or (sep and not text):
        raise InputError("--dividend-form", forms.cite, f"pik, cash or cash=P (a portion from 0 to 1), not {form!r}")
    try:
        portion = Fraction(text) if sep else Fraction(1)
    except (ValueError, ZeroDivisionError):
        raise InputError("--dividend-form", forms.cite, f"{text!r} is not a portion (write 1/2 or 0.5)") from None
    if not 0 <= portion <= 1:
        raise InputError("--dividend-form", forms.cite, f"the portion paid in cash is from 0 to 1, not {text}")
    if portion and "cash" not in forms.value:
        raise InputError(
            "--dividend-form",
            forms.cite,
            f"Series {terms.series}'s dividends are paid in {', '.join(forms.value)} only: "
            "the holder cannot elect cash",
        )
    return portion


def form_text(portion: Fraction) -> str:
    """How the output names a cash portion: ``pik``, ``cash``, or ``cash=P`` (P exact)."""
    if portion == 0:
        return "pik"
    return "cash" if portion == 1 else f"cash={to_decimal_string(portion)}"


def model_readings(
    change_of_control: bool = False, cash_portion: Fraction = Fraction(0), in_common: bool = False
) -> list[str]:
    """The assumptions the model rests on (``valuation_decisions.yaml``, docs/valuation.md): the
    form of the dividends (VAL-PIK-DEFAULT, or VAL-CASH-ELECTION with a cash portion), of the
    redemption (VAL-REDEMPTION-CASH, or VAL-REDEMPTION-IN-COMMON with ``in_common``); with a change
    of control, VAL-CHANGE-OF-CONTROL too."""
    dividends = "VAL-CASH-ELECTION" if cash_portion else "VAL-PIK-DEFAULT"
    redemption = "VAL-REDEMPTION-IN-COMMON" if in_common else "VAL-REDEMPTION-CASH"
    named: tuple[str, ...] = (dividends, "VAL-CONVERSION-ACCRUED", redemption)
    if change_of_control:
        named += ("VAL-CHANGE-OF-CONTROL",)
    return [decision("valuation", ident) for ident in named]


def _years(start: dt.date, end: dt.date) -> Fraction:
    return Fraction((end - start).days, DAYS_PER_YEAR)


def instrument(inputs: ValuationInputs, form: str = "pik", in_common: bool = False) -> Convertible:
    """The share as the kernels value it (time in years of 365 days from the date: the horizon and
    the redemption amount exact, the schedule's arrays in floats), its future dividends paid as
    ``form`` says (:func:`dividend_form`, :func:`accretion`), its Redemption Price paid in Common
    Stock where ``in_common``
    (VAL-REDEMPTION-IN-COMMON; refused for a series whose terms do not let the Company)."""
    if in_common:
        allowed = inputs.terms.redeemable().may_pay_in_common
        if allowed is None or not allowed.value:
            raise InputError(
                "--redemption-in-common",
                inputs.redemption_clause,
                f"the Company may not pay the Redemption Price of Series {inputs.terms.series} in Common Stock",
            )
    if inputs.on >= inputs.redemption_date:
        raise InputError("--on", inputs.redemption_clause, f"the Redemption Date {inputs.redemption_date} has come")
    if inputs.conversion_price <= 0:
        raise InputError("conversion_price", inputs.conversion_price_clause, "the Conversion Price must be positive")
    acc = accretion(inputs, dividend_form(inputs.terms, form))
    ratio = inputs.terms.issue_price / inputs.conversion_price
    cutoff = inputs.terms.redeemable().conversion_cutoff_days.value
    return Convertible(
        maturity=Fraction((inputs.redemption_date - inputs.on).days, DAYS_PER_YEAR),
        redemption=acc.redemption_amount,
        pay_times=np.array(in_floats([_years(inputs.on, d) for d in acc.pay_dates])),
        units=np.array(in_floats([h * ratio for h in acc.held])),
        accrued_start=np.array(in_floats(acc.accrued_start)),
        accrual_rate=np.array(in_floats([r * DAYS_PER_YEAR for r in acc.accrual_per_day])),
        conversion_end=Fraction((inputs.redemption_date - dt.timedelta(days=cutoff) - inputs.on).days, DAYS_PER_YEAR),
        par=np.array(in_floats([h * inputs.terms.issue_price for h in acc.held])),
        coupons=None if acc.cash_dividends is None else np.array(in_floats(acc.cash_dividends)),
        deemed_liquidation=_deemed_liquidation(inputs.terms, acc.held),
        redemption_in_stock=in_common,
    )


def _deemed_liquidation(terms: SeriesTerms, held: Sequence[Fraction]) -> np.ndarray | None:
    """For a series whose terms make a merger a deemed liquidation (G §3(d)) in which it shares
    with the Common Stock as converted after its preference (G §3(b)): the preference of the
    holding on each interval, multiple x Original Issue Price x holding (G §3(a)), which a change
    of control pays with the accrued dividends and the as-converted shares at the stock price
    (VAL-CHANGE-OF-CONTROL); None for any other series (the event redeems, §6(c))."""
    liquidation = terms.liquidation
    if liquidation.deemed_liquidation_below is None or not liquidation.participates_as_converted.value:
        return None
    preference = terms.issue_price * liquidation.preference_multiple.value
    return np.array(in_floats([h * preference for h in held]))


def quarterly_times(inputs: ValuationInputs) -> np.ndarray:
    """The Monte Carlo's dates of conversion: each Payment Date (after its PIK dividend), the
    last day before the cut-off (F §6(j), G §6(i)) and the Redemption Date, in years from the date."""
    cutoff = inputs.terms.redeemable().conversion_cutoff_days.value
    days = set(payment_dates(inputs.terms, inputs.on, inputs.redemption_date))
    last = inputs.redemption_date - dt.timedelta(days=cutoff)
    if last > inputs.on:
        days.add(last)
    days.add(inputs.redemption_date)
    return np.array(in_floats([_years(inputs.on, d) for d in sorted(days)]))


def exact_figures(values: np.ndarray | Sequence[float], clause: str) -> list[Fraction]:
    """The kernels' figures as exact rationals (:func:`prefstack.kernels.valuation.as_exact`);
    refused, naming the model's inputs, where the model gives one that is not finite (a volatility of
    1,000 overflows the lattice's growth factors)."""
    try:
        return as_exact(values)
    except ValueError as exc:
        problem = f"the model gives no finite value with these inputs ({exc}): see --volatility, --rate, the term"
        raise InputError("model inputs", clause, problem) from exc


def historical_volatility(prices: Sequence[tuple[dt.date, Fraction]], on: dt.date, clause: str) -> Fraction:
    """The annualized volatility of daily log returns of the closing prices of the year to ``on``
    (sample standard deviation x sqrt(252), :func:`prefstack.kernels.valuation.annualized_volatility`,
    the exact value of its float); at least 20 returns are needed."""
    window = [p for day, p in prices if on - dt.timedelta(days=DAYS_PER_YEAR) < day <= on]
    if any(p <= 0 for p in window):
        raise InputError("closing_price", clause, "a closing price is not positive")
    if len(window) < MIN_RETURNS + 1:
        raise InputError(
            "--volatility",
            clause,
            f"not given, and the ledger has {len(window)} closing prices in the year to {on} "
            f"(at least {MIN_RETURNS + 1} are needed to estimate it)",
        )
    return exact_figures([annualized_volatility(in_floats(window), TRADING_DAYS_PER_YEAR)], clause)[0]


@dataclass(frozen=True)
class OpmPayoffs:
    """Each class's payoff at the scenario engine's breakpoints (F/G §3 over every exit value):
    exact, a tranche's net of its exercise price where exercised; linear between them, and past
    the last breakpoint with the slope to ``knots[-1]`` (twice the last breakpoint)."""

    classes: tuple[str, ...]
    clause: str
    """The clause of the waterfall (the plan's)."""
    knots: tuple[Fraction, ...]
    payoffs: tuple[tuple[Fraction, ...], ...]
    """One row per knot, one column per class."""


def exit_date(on: dt.date, term_years: Fraction) -> dt.date:
    """The OPM's exit date: ``term_years`` years of 365 days after ``on``, to the nearest day (a
    half day to the even one; VAL-OPM-WATERFALL-DATE)."""
    days = round(term_years * DAYS_PER_YEAR)
    try:
        return on + dt.timedelta(days=days)
    except OverflowError as exc:
        problem = f"{to_decimal_string(term_years)} years from {on} is no date"
        raise InputError("--term-years", "model (docs/valuation.md)", problem) from exc


def opm_payoffs(plan: ScenarioPlan) -> OpmPayoffs:
    """The payoffs of the option-pricing model from the scenario engine's plan on a date."""
    points = sorted({Fraction(0), *(b.exit_value for b in plan.breakpoints)})
    last = max(points[-1] * 2, Fraction(1))
    if last * 100 > plan.most_cents:
        raise InputError("exit value", plan.clause, f"the plan reaches {plan.most_cents} cents, not {last}")
    knots = (*points, last)
    rows = []
    for x in knots:
        chosen = plan.chosen_at(int(x * 100))
        rows.append(tuple(plan.exact_side.payoff(name, chosen, x) for name in plan.classes))
    return OpmPayoffs(plan.classes, plan.clause, knots, tuple(rows))


def _opm_arrays(payoffs: OpmPayoffs) -> tuple[np.ndarray, np.ndarray]:
    """The knots and the payoff table as the kernel computes with them."""
    return np.array(in_floats(payoffs.knots)), np.array([in_floats(row) for row in payoffs.payoffs])


def opm_class_values(
    payoffs: OpmPayoffs, equity_value: Fraction, volatility: Fraction, rate: Fraction, years: Fraction
) -> dict[str, Fraction]:
    """Each class's value when the total equity is worth ``equity_value`` (Black-Scholes call
    spreads between the breakpoints, :func:`prefstack.kernels.valuation.opm_values`): the exact
    value of each of the kernel's floats."""
    values = opm_values(*_opm_arrays(payoffs), *in_floats([equity_value, volatility, rate, years]))
    return dict(zip(payoffs.classes, exact_figures(values, payoffs.clause), strict=True))


def opm_backsolve(
    payoffs: OpmPayoffs, known_class: str, known_value: Fraction, volatility: Fraction, rate: Fraction, years: Fraction
) -> Fraction:
    """The total equity value at which ``known_class`` is worth ``known_value`` (by bisection,
    :func:`prefstack.kernels.valuation.opm_backsolve_value`): the exact value of the kernel's float."""
    if known_class not in payoffs.classes:
        raise InputError(
            "--backsolve", payoffs.clause, f"no class {known_class!r} (the classes: {list(payoffs.classes)})"
        )
    if not known_value > 0:
        problem = f"the known value must be positive, not {to_decimal_string(known_value)}"
        raise InputError("--backsolve", payoffs.clause, problem)
    known, *model = in_floats([known_value, volatility, rate, years])
    found = opm_backsolve_value(*_opm_arrays(payoffs), payoffs.classes.index(known_class), known, *model)
    if found is None:
        problem = f"{known_class} never reaches {to_decimal_string(known_value)}"
        raise InputError("--backsolve", payoffs.clause, problem)
    return exact_figures([found], payoffs.clause)[0]


def dask_runner(scheduler: str) -> Runner:
    """A runner that prices the chunks on the workers of the Dask scheduler at ``scheduler`` (a
    task per chunk) and gives their moments back in chunk order: the figures of a local run."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise InputError("--engine", "model (docs/valuation.md)", "dask[distributed] is not installed") from exc

    def run(
        instrument: Convertible,
        market: Market,
        times: np.ndarray,
        chunks: Sequence[Chunk],
        policy: tuple[Intervals, ...],
    ) -> list[ChunkMoments]:
        try:
            client = Client(scheduler, timeout=30)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise InputError(
                "--scheduler", "model (docs/valuation.md)", f"no Dask scheduler answers at {scheduler}: {exc}"
            ) from exc
        with client:
            futures = [
                client.submit(price_chunk, instrument, market, times, pairs, seed, policy, pure=False)
                for pairs, seed in chunks
            ]
            return [future.result() for future in futures]

    return run
