"""``prefstack value``: the fair value of a share and of the class of a series on a date, by a
binomial lattice or least-squares Monte Carlo (:mod:`prefstack.kernels.valuation`), every input
with its source (ledger, terms, user, estimate). The ledger's figures come through the query
layer (:meth:`prefstack.books.Books.valuation_inputs`). Registered on the main app by :func:`register`."""

from __future__ import annotations

import datetime as dt
import enum
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer

from prefstack.arguments import parse_date, parse_exact
from prefstack.errors import InputError
from prefstack.figures import MONEY, SHARES, json_figure, money_text
from prefstack.launch import DB_ENV, DEFAULT_DB
from prefstack.numeric import Rounding, round_to, to_decimal_string
from prefstack.output import to_json

if TYPE_CHECKING:
    from prefstack.kernels.valuation import Greeks, Pilot, Runner
    from prefstack.valuation import ValuationInputs

__all__ = ["register"]


def _engine(engine: str, scheduler: str | None, workers: int | None) -> tuple[Runner, Pilot]:
    """Where the Monte Carlo's chunks are priced, and its pilot run found: here (on ``workers``
    threads, or as many as this process has CPUs), on a Dask cluster (the pilot here), or on a GPU
    (both there: :mod:`prefstack.kernels.gpu`)."""
    from prefstack.cores import usable_cores
    from prefstack.kernels.valuation import GpuUnavailable, host_pilot, threaded_runner
    from prefstack.valuation import dask_runner

    match engine:
        case "local":
            return threaded_runner(usable_cores() if workers is None else workers), host_pilot
        case "dask":
            assert scheduler is not None  # checked with the options
            return dask_runner(scheduler), host_pilot
        case "gpu":
            from prefstack.kernels.gpu import gpu_engine

            try:
                return gpu_engine()
            except GpuUnavailable as exc:
                raise InputError("--engine", MODEL, f"gpu: {exc}") from exc
        case other:
            raise InputError("--engine", "option", f"local, dask or gpu, not {other!r}")


DbOption = Annotated[str, typer.Option("--db", help="SQLAlchemy URL of the store", envvar=DB_ENV)]
CompanyOption = Annotated[
    str | None,
    typer.Option("--company", help="The company whose ledger to use: its issuer id or legal name", show_default=False),
]
LedgerOption = Annotated[str | None, typer.Option("--ledger", help="Read a ledger file instead of the store")]


class Method(enum.StrEnum):
    mc = "mc"
    lattice = "lattice"
    opm = "opm"


class WaterfallOn(enum.StrEnum):
    valuation = "valuation"
    exit = "exit"


class ValueFormat(enum.StrEnum):
    table = "table"
    json = "json"


MODEL = "model (docs/valuation.md)"


def _estimate(value: Fraction, places: int) -> float:
    """A model's estimate as a JSON number: ``value`` (exact: the kernels' binary figure, times an
    exact count where there is one) rounded half up to ``places`` decimals, once."""
    return float(round_to(value, places, Rounding.HALF_UP, MODEL).value)


def _shown(value: float, places: int) -> float:
    """A figure of the kernels as shown: the exact value of its float, rounded half up once."""
    from prefstack.valuation import exact_figures

    (exact,) = exact_figures([value], MODEL)
    return _estimate(exact, places)


def _number_option(flag: str, help: str) -> Any:
    """A number of the model as an option: read as text (:func:`_number` parses it exactly)."""
    return typer.Option(flag, metavar="NUMBER", help=help, show_default=False)


def _echo(value: Fraction) -> float:
    """A number the user gave, echoed in the model's JSON as a JSON number: the float nearest it
    (what ``float`` makes of the text typed; the model computed with the exact value)."""
    return float(value)


def _number(text: str | None, option: str) -> Fraction | None:
    """A number of the model as the user wrote it, exactly ("0.05" is 1/20; "2/3" too); None where
    the option is not given; refused, naming it, where it is not a finite number."""
    return None if text is None else parse_exact(text, option, MODEL)


def _positive(value: Fraction | None, option: str, clause: str, *, zero: bool = False) -> None:
    if value is None:
        return
    if value < 0 or (value == 0 and not zero):
        shown = to_decimal_string(value)
        raise InputError(option, clause, f"must be {'non-negative' if zero else 'positive'}, not {shown}")


def value_command(
    series: Annotated[str, typer.Option("--series", help="The series to value (F, G)")],
    on: Annotated[str, typer.Option("--on", help="The valuation date (YYYY-MM-DD)")],
    rate_text: Annotated[
        str | None,
        _number_option("--rate", "Risk-free rate, continuously compounded, per year (or give --rate-curve)"),
    ] = None,
    rate_curve: Annotated[
        str | None,
        typer.Option(
            "--rate-curve",
            help="Zero rates by tenor, YEARS=RATE,... (e.g. 0.5=0.045,1=0.05,5=0.055): continuously compounded, "
            "linear in time between tenors, flat outside (instead of --rate)",
        ),
    ] = None,
    method: Annotated[
        Method,
        typer.Option(
            "--method",
            help="mc, lattice, or opm (the class's share of the total equity by the option-pricing model: give "
            "--volatility of the total equity, --term-years and --equity-value or --backsolve)",
        ),
    ] = Method.mc,
    volatility_text: Annotated[
        str | None,
        _number_option(
            "--volatility",
            "Volatility of the Common Stock per year (default: the ledger's closing prices); with --method "
            "opm, of the total equity (then required)",
        ),
    ] = None,
    spot_text: Annotated[
        str | None,
        _number_option("--spot", "Price of the Common Stock (default: the ledger's last closing price)"),
    ] = None,
    credit_spread_text: Annotated[
        str | None,
        _number_option("--credit-spread", "Credit spread on the redemption claim (default 0)"),
    ] = None,
    dividend_yield_text: Annotated[
        str | None,
        _number_option("--dividend-yield", "Dividend yield of the Common Stock (default 0)"),
    ] = None,
    change_of_control_rate_text: Annotated[
        str | None,
        _number_option(
            "--change-of-control-rate",
            "Intensity per year of a change of control: the Company then redeems at the day's Redemption "
            "Price (F/G §6(c)) unless converting is worth more (VAL-CHANGE-OF-CONTROL); 0 (the default): none",
        ),
    ] = None,
    deal_premium_text: Annotated[
        str | None,
        _number_option(
            "--deal-premium",
            "With --change-of-control-rate: the deal pays each share of Common Stock the day's price x (1 + "
            "this), which conversion and G's participation follow (VAL-CHANGE-OF-CONTROL); 0 (the default): the "
            "day's price",
        ),
    ] = None,
    dividend_form: Annotated[
        str | None,
        typer.Option(
            "--dividend-form",
            help="Future dividends paid in PIK shares: pik (VAL-PIK-DEFAULT); or, where the terms let the holder "
            "elect it (F §2(b)), in cash: cash, or cash=P for a portion P in cash and the rest in PIK shares "
            "(VAL-CASH-ELECTION); the default: pik",
            show_default=False,
        ),
    ] = None,
    redemption_in_common: Annotated[
        bool,
        typer.Option(
            "--redemption-in-common",
            help="The Company pays the Redemption Price in Common Stock worth it (F §6(d)), no credit spread on "
            "it (VAL-REDEMPTION-IN-COMMON); default: in cash, at the spread (VAL-REDEMPTION-CASH)",
        ),
    ] = False,
    paths: Annotated[
        int | None,
        typer.Option("--paths", help="Monte Carlo paths (even: antithetic pairs; default 100,000)", show_default=False),
    ] = None,
    steps: Annotated[
        int | None, typer.Option("--steps", help="Lattice steps (default 1,000)", show_default=False)
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed of the Monte Carlo's random numbers (default 1)", show_default=False),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            help="mc: local (this process, the default), dask (the workers of --scheduler) or gpu (an NVIDIA GPU, "
            "with CuPy)",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="With --engine dask: the Dask scheduler's address (tcp://HOST:PORT)")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="With --engine local: threads pricing the Monte Carlo's chunks side by side (default: as many as "
            "this process may use, its CPU quota counted); the figures are the same for any number",
            show_default=False,
        ),
    ] = None,
    greeks: Annotated[
        bool,
        typer.Option(
            "--greeks",
            help="Also delta, gamma and vega by bumping (mc: common random numbers; its gamma by likelihood ratio)",
        ),
    ] = False,
    term_years_text: Annotated[
        str | None,
        _number_option("--term-years", "With --method opm: years to the exit"),
    ] = None,
    equity_value_text: Annotated[
        str | None,
        _number_option("--equity-value", "With --method opm: the total equity value (or give --backsolve)"),
    ] = None,
    backsolve: Annotated[
        str | None,
        typer.Option(
            "--backsolve",
            help="With --method opm: CLASS=VALUE, the known value of one class, whole (e.g. 'Common Stock=37000000')",
            show_default=False,
        ),
    ] = None,
    capital_structure: Annotated[
        str | None,
        typer.Option(
            "--capital-structure",
            help="With --method opm: a capital-structure FILE, 'company' or 'none' (the default: the ledger's series "
            "and Common Stock)",
            show_default=False,
        ),
    ] = None,
    waterfall_on: Annotated[
        WaterfallOn | None,
        typer.Option(
            "--waterfall-on",
            help="With --method opm: the breakpoints of the waterfall on the valuation date (the default) or on the "
            "exit date (VAL-OPM-WATERFALL-DATE)",
            show_default=False,
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
    format: Annotated[ValueFormat, typer.Option("--format", help="table or json")] = ValueFormat.table,
) -> None:
    """Fair value of one share and of the class of ``--series`` on ``--on``: PIK accretion, optimal
    conversion (F/G §5(a)), the §6(j) cut-off and the fifth-anniversary redemption (F/G §6(a))
    with a credit spread (docs/valuation.md); or with ``--method opm`` the class's share of the total
    equity by the option-pricing model between the breakpoints of F/G §3."""
    # the model's modules (NumPy) are imported by the command that uses them, not by every command
    from prefstack.cli import _books
    from prefstack.kernels.valuation import (
        Market,
        bumped_greeks,
        chunked_monte_carlo,
        exact_input,
        lattice_spot_bump,
        lattice_value,
    )
    from prefstack.valuation import (
        Input,
        exact_figures,
        form_text,
        historical_volatility,
        instrument,
        model_readings,
        quarterly_times,
    )
    from prefstack.valuation import dividend_form as checked_form

    day = parse_date(on, "--on", "F §6(a)")
    model = MODEL
    # every number of the model as the user wrote it, exactly (the kernels take their floats)
    rate = _number(rate_text, "--rate")
    volatility = _number(volatility_text, "--volatility")
    spot = _number(spot_text, "--spot")
    credit_spread = _number(credit_spread_text, "--credit-spread")
    dividend_yield = _number(dividend_yield_text, "--dividend-yield")
    change_of_control_rate = _number(change_of_control_rate_text, "--change-of-control-rate")
    deal_premium = _number(deal_premium_text, "--deal-premium")
    term_years = _number(term_years_text, "--term-years")
    equity_value = _number(equity_value_text, "--equity-value")
    opm_only = {
        "--term-years": term_years is not None,
        "--equity-value": equity_value is not None,
        "--backsolve": backsolve is not None,
        "--capital-structure": capital_structure is not None,
        "--waterfall-on": waterfall_on is not None,
    }
    if method is Method.opm:
        not_opm = {
            "--rate-curve": rate_curve is not None,
            "--spot": spot is not None,
            "--credit-spread": credit_spread is not None,
            "--dividend-yield": dividend_yield is not None,
            "--change-of-control-rate": change_of_control_rate is not None,
            "--deal-premium": deal_premium is not None,
            "--dividend-form": dividend_form is not None,
            "--redemption-in-common": redemption_in_common,
            "--paths": paths is not None,
            "--steps": steps is not None,
            "--seed": seed is not None,
            "--engine": engine is not None,
            "--scheduler": scheduler is not None,
            "--workers": workers is not None,
            "--greeks": greeks,
        }
        for option, given in not_opm.items():
            if given:
                raise InputError(option, "option", "has no part in the option-pricing model (--method opm)")
        if rate is None:
            raise InputError("--rate", model, "the option-pricing model takes a flat risk-free rate: give --rate")
        if volatility is None:
            problem = "the option-pricing model needs the total equity's volatility: give --volatility"
            raise InputError("--volatility", model, problem)
        if term_years is None:
            raise InputError("--term-years", model, "the option-pricing model needs the years to the exit")
        asked = (rate, volatility, term_years), (equity_value, backsolve)
        opm = _opm((db, ledger, company), day, *asked, capital_structure, waterfall_on or WaterfallOn.valuation)
        _echo_opm_share(_books(db, ledger, company).valuation_inputs(day, series), opm, format)
        return
    for option, given in opm_only.items():
        if given:
            raise InputError(option, "option", "goes with --method opm")
    # an option of the other share model is refused, not ignored
    other_model = (
        {"--steps": steps is not None}
        if method is Method.mc
        else {
            "--paths": paths is not None,
            "--seed": seed is not None,
            "--engine": engine is not None and engine != "gpu",
            "--scheduler": scheduler is not None,
        }
    )
    for option, given in other_model.items():
        if given:
            other = "the lattice (--method lattice)" if method is Method.mc else "the Monte Carlo (--method mc)"
            raise InputError(option, "option", f"goes with {other}, not --method {method.value}")
    # the share models' defaults (None above only so that --method opm can tell an option given)
    credit_spread = Fraction(0) if credit_spread is None else credit_spread
    dividend_yield = Fraction(0) if dividend_yield is None else dividend_yield
    change_of_control_rate = Fraction(0) if change_of_control_rate is None else change_of_control_rate
    deal_premium = Fraction(0) if deal_premium is None else deal_premium
    dividend_form = "pik" if dividend_form is None else dividend_form
    paths = 100_000 if paths is None else paths
    steps = 1_000 if steps is None else steps
    seed = 1 if seed is None else seed
    engine = "local" if engine is None else engine
    _positive(volatility, "--volatility", model)
    _positive(spot, "--spot", model)
    _positive(credit_spread, "--credit-spread", model, zero=True)
    _positive(dividend_yield, "--dividend-yield", model, zero=True)
    _positive(change_of_control_rate, "--change-of-control-rate", model, zero=True)
    if deal_premium <= -1:
        raise InputError("--deal-premium", model, f"must be above -1, not {to_decimal_string(deal_premium)}")
    if deal_premium and not change_of_control_rate:
        problem = "a deal premium goes with a change of control: give --change-of-control-rate"
        raise InputError("--deal-premium", model, problem)
    if (rate is None) == (rate_curve is None):
        raise InputError("--rate", model, "give the risk-free rate (--rate) or a curve (--rate-curve), one of them")
    curve = () if rate_curve is None else _curve(rate_curve, model)
    if paths < 4 or paths % 2:
        raise InputError("--paths", model, f"must be an even number of at least 4 (antithetic pairs), not {paths}")
    if steps < 1:
        raise InputError("--steps", model, f"must be at least 1, not {steps}")
    if seed < 0:
        raise InputError("--seed", model, f"must be non-negative, not {seed}")
    if engine not in ("local", "dask", "gpu"):
        raise InputError("--engine", "option", f"local, dask or gpu, not {engine!r}")
    if engine == "gpu" and method is not Method.mc:
        raise InputError("--engine", "option", "the GPU path prices Monte Carlo paths: give --method mc")
    if engine == "gpu" and change_of_control_rate:
        raise InputError("--engine", model, "the GPU path prices without a change of control: give --engine local")
    if workers is not None and workers < 1:
        raise InputError("--workers", "option", f"must be at least 1, not {workers}")
    if workers is not None and (engine != "local" or method is not Method.mc):
        raise InputError(
            "--workers", "option", "threads price the Monte Carlo here: give it with --method mc and --engine local"
        )
    if (engine == "dask") != (scheduler is not None):
        raise InputError("--scheduler", "option", "give --scheduler ADDRESS with --engine dask, and only then")
    inputs = _books(db, ledger, company).valuation_inputs(day, series)
    portion = checked_form(inputs.terms, dividend_form)
    form = form_text(portion)
    listed = inputs.inputs()
    if portion:
        cite = inputs.terms.dividends.forms.cite
        basis = f"--dividend-form {form}: the holder's election ({cite}; VAL-CASH-ELECTION)"
        listed.append(Input("future dividends paid in", form, "user", basis))
    else:
        basis = f"--dividend-form pik, the default ({inputs.terms.dividends.default_form.cite}; VAL-PIK-DEFAULT)"
        listed.append(Input("future dividends paid in", form, "terms", basis))
    fmv_clause = inputs.terms.fair_market_value.averaging_days.cite
    if spot is None:
        if not inputs.closing_prices:
            raise InputError("--spot", fmv_clause, f"not given, and the ledger has no closing price on or before {day}")
        priced_on, stock_price = inputs.closing_prices[-1]  # exact, as the ledger records it
        listed.append(Input("stock price", to_decimal_string(stock_price), "ledger", f"closing price of {priced_on}"))
    else:
        stock_price = exact_input(spot, "--spot")
        listed.append(Input("stock price", to_decimal_string(spot), "user", "--spot"))
    if volatility is None:
        volatility = historical_volatility(inputs.closing_prices, day, fmv_clause)
        listed.append(
            Input(
                "volatility",
                str(round_to(volatility, 6, Rounding.HALF_UP, MODEL).value),
                "estimate",
                "daily log returns of the ledger's closing prices, x sqrt(252)",
            )
        )
    else:
        listed.append(Input("volatility", to_decimal_string(volatility), "user", "--volatility"))
    if rate is None:
        tenors = ", ".join(f"{to_decimal_string(years)}y {to_decimal_string(zero)}" for years, zero in curve)
        basis = "--rate-curve (zero rates; linear in time between tenors, flat outside)"
        listed.append(Input("risk-free curve", tenors, "user", basis))
    else:
        listed.append(Input("risk-free rate", to_decimal_string(rate), "user", "--rate"))
    listed += [
        Input("credit spread", to_decimal_string(credit_spread), "user", "--credit-spread (0 where not given)"),
        Input("dividend yield", to_decimal_string(dividend_yield), "user", "--dividend-yield (0 where not given)"),
        Input(
            "change-of-control intensity per year",
            to_decimal_string(change_of_control_rate),
            "user",
            "--change-of-control-rate (0 where not given: none; VAL-CHANGE-OF-CONTROL)",
        ),
        Input(
            "deal premium on the Common Stock",
            to_decimal_string(deal_premium),
            "user",
            "--deal-premium (0 where not given: the day's price; VAL-CHANGE-OF-CONTROL)",
        ),
    ]
    market = Market(  # each input exact: a typed option as the decimal it was typed (0.05 is 1/20)
        spot=stock_price,
        volatility=exact_input(volatility, "--volatility"),
        # with a curve, the last tenor's zero rate stands in the Market's flat rate, which the kernels then do not use
        rate=exact_input(curve[-1][1] if rate is None else rate, "--rate"),
        dividend_yield=exact_input(dividend_yield, "--dividend-yield"),
        credit_spread=exact_input(credit_spread, "--credit-spread"),
        change_of_control=exact_input(change_of_control_rate, "--change-of-control-rate"),
        curve=curve,
        deal_premium=exact_input(deal_premium, "--deal-premium"),
    )
    share = instrument(inputs, dividend_form, redemption_in_common)
    if redemption_in_common:
        right = inputs.terms.redeemable().may_pay_in_common
        assert right is not None  # instrument() refused a series without it
        basis = f"--redemption-in-common: the Company's right ({right.cite})"
        listed.append(Input("Redemption Price paid in", "Common Stock", "user", f"{basis}; VAL-REDEMPTION-IN-COMMON"))
    else:
        listed.append(Input("Redemption Price paid in", "cash", "user", "VAL-REDEMPTION-CASH (the default)"))
    result: dict[str, Any] = {
        "series": inputs.series,
        "on": day.isoformat(),
        "method": method.value,
        "dividend_form": form,
        "model_decisions": model_readings(change_of_control_rate > 0, portion, redemption_in_common),
    }
    sensitivities: Greeks | None = None
    gamma: float | None = None  # the kernels' figures, floats until they are shown (as_exact)
    gamma_error: float | None = None
    if method is Method.lattice:
        per_share = lattice_value(share, market, steps).item()  # a Python number, as the Monte Carlo's
        result.update(value_per_share=_shown(per_share, 4), steps=steps)
        if greeks:
            bump = lattice_spot_bump(share, market, steps)
            sensitivities = bumped_greeks(lambda m: lattice_value(share, m, steps), market, spot_bump=bump)
            gamma = sensitivities.gamma
    else:
        times = quarterly_times(inputs)
        runner, pilot = _engine(engine, scheduler, workers)
        mc = chunked_monte_carlo(share, market, times, paths // 2, seed, runner, pilot=pilot)
        if greeks:
            sensitivities = bumped_greeks(
                lambda m: chunked_monte_carlo(share, m, times, paths // 2, seed, runner, mc.policy).value, market
            )
            # a second difference of bumped prices is dominated by the paths crossing the conversion
            # boundary between the bumps: the gamma is the run's likelihood-ratio estimate (None with a
            # change of control, whose price is bridged from the spot itself)
            gamma, gamma_error = mc.gamma, mc.gamma_standard_error
        per_share = mc.value
        result.update(
            value_per_share=_shown(mc.value, 4),
            standard_error=_shown(mc.standard_error, 4),
            ci95=[_shown(mc.ci_low, 4), _shown(mc.ci_high, 4)],
            paths=mc.paths,
            seed=mc.seed,
            engine=engine,
            converted_share=_shown(mc.converted_share, 4),
        )
    result.update(json_figure("shares_outstanding", inputs.shares_outstanding, SHARES))
    # the estimate of a share times the exact shares outstanding, rounded once
    (exact_share,) = exact_figures([per_share], MODEL)
    of_class = _estimate(exact_share * inputs.shares_outstanding, MONEY)
    result["value_of_class"] = of_class
    # what the certificates give, exactly, as their figures are shown everywhere (two places, the exact
    # value beside where they round): converting today (F §5(a): Original Issue Price / Conversion Price
    # shares; F §5(c)(iii): the accrued dividends in cash) and the amount owed at the redemption date
    today = inputs.terms.issue_price / inputs.conversion_price * stock_price + inputs.accrued_per_share
    result.update(json_figure("conversion_value_per_share", today, MONEY))
    result.update(json_figure("redemption_amount_per_share", share.redemption, MONEY))
    if sensitivities is not None:
        result["greeks"] = {
            "delta": _shown(sensitivities.delta, 4),
            "gamma": None if gamma is None else _shown(gamma, 6),
            "gamma_standard_error": None if gamma_error is None else _shown(gamma_error, 6),
            "gamma_by": None if gamma is None else "bumping" if method is Method.lattice else "likelihood ratio",
            "vega": _shown(sensitivities.vega, 4),
            "spot_bump_log": sensitivities.spot_bump,
            "volatility_bump": sensitivities.volatility_bump,
        }
    result["inputs"] = [{"name": i.name, "value": i.value, "source": i.source, "basis": i.basis} for i in listed]
    if format is ValueFormat.json:
        typer.echo(to_json(result))
        return
    typer.echo(
        f"Series {inputs.series} on {day} ({method.value}): {money_text(exact_share)} a share, "
        f"{money_text(exact_share * inputs.shares_outstanding)} the class"
    )
    if method is Method.mc:
        low, high = result["ci95"]
        typer.echo(f"  standard error {result['standard_error']}, 95% CI [{low}, {high}], {paths} paths, seed {seed}")
    if sensitivities is not None:
        shown = result["greeks"]
        if shown["gamma"] is None:
            gamma_text = "not estimated with a change of control"
        elif shown["gamma_standard_error"] is None:
            gamma_text = f"{shown['gamma']:.6f}"
        else:
            gamma_text = f"{shown['gamma']:.6f} +- {shown['gamma_standard_error']:.6f} (likelihood ratio)"
        typer.echo(
            f"  delta {shown['delta']:.4f}, gamma {gamma_text}, vega {shown['vega']:.4f} "
            "(per share: per $1 of the stock price, per 1.00 of volatility)"
        )
    for i in listed:
        typer.echo(f"  {i.name}: {i.value} ({i.source}: {i.basis})")


def opm_command(
    on: Annotated[str, typer.Option("--on", help="The valuation date (YYYY-MM-DD)")],
    rate_text: Annotated[str, _number_option("--rate", "Risk-free rate, continuously compounded, per year")],
    volatility_text: Annotated[str, _number_option("--volatility", "Volatility of the total equity value per year")],
    term_years_text: Annotated[str, _number_option("--term-years", "Years to the exit")],
    equity_value_text: Annotated[
        str | None,
        _number_option("--equity-value", "The total equity value (or give --backsolve)"),
    ] = None,
    backsolve: Annotated[
        str | None,
        typer.Option(
            "--backsolve", help="CLASS=VALUE: the known value of one class, whole (e.g. 'Common Stock=37000000')"
        ),
    ] = None,
    capital_structure: Annotated[
        str | None,
        typer.Option("--capital-structure", help="A capital-structure FILE, 'company' or 'none' (as for breakpoints)"),
    ] = None,
    waterfall_on: Annotated[
        WaterfallOn,
        typer.Option(
            "--waterfall-on",
            help="The breakpoints of the waterfall on the valuation date (held to the exit) or on the exit date, "
            "--on + --term-years, with the dividends accrued to it (VAL-OPM-WATERFALL-DATE)",
        ),
    ] = WaterfallOn.valuation,
    db: DbOption = DEFAULT_DB,
    company: CompanyOption = None,
    ledger: LedgerOption = None,
    format: Annotated[ValueFormat, typer.Option("--format", help="table or json")] = ValueFormat.table,
) -> None:
    """The option-pricing model: each class's value as Black-Scholes call spreads on the total
    equity between the breakpoints of F/G §3 (the waterfall on the valuation date held to the exit,
    or with --waterfall-on exit the waterfall on the exit date), for a given total equity value or
    backsolved from the known value of one class."""
    day = parse_date(on, "--on", "F §3(a)")
    rate, volatility = parse_exact(rate_text, "--rate", MODEL), parse_exact(volatility_text, "--volatility", MODEL)
    term_years = parse_exact(term_years_text, "--term-years", MODEL)
    opm = _opm(
        (db, ledger, company),
        day,
        (rate, volatility, term_years),
        (_number(equity_value_text, "--equity-value"), backsolve),
        capital_structure,
        waterfall_on,
    )
    result, values = opm.result, opm.values
    known, exit_on = opm.known, opm.exit_on
    if format is ValueFormat.json:
        typer.echo(to_json(result))
        return
    source = f"backsolved from {known['class']} = {known['value']:,.2f}" if known else "given"
    typer.echo(
        f"OPM on {day}: total equity {money_text(opm.equity_value)} ({source}), volatility "
        f"{to_decimal_string(volatility)}, {to_decimal_string(term_years)} years; "
        f"the breakpoints of the waterfall on {exit_on}"
    )
    for name, v in values.items():
        typer.echo(f"  {name}: {money_text(v)}")


class _Opm(NamedTuple):
    """An option-pricing model on a date: the JSON of ``prefstack opm``, each class's value, the
    total equity value (given or backsolved), the known class value it was backsolved from, and the
    date of the waterfall whose breakpoints it used."""

    result: dict[str, Any]
    values: dict[str, Fraction]
    """The exact value of each of the model's floats (:func:`prefstack.valuation.opm_class_values`)."""
    equity_value: Fraction
    known: dict[str, Any] | None
    exit_on: dt.date
    model_inputs: tuple[Fraction, Fraction, Fraction]
    """The rate, the total equity's volatility and the years to the exit, exactly as given."""


def _opm(
    where: tuple[str, str | None, str | None],
    day: dt.date,
    model_inputs: tuple[Fraction, Fraction, Fraction],
    equity: tuple[Fraction | None, str | None],
    capital_structure: str | None,
    waterfall_on: WaterfallOn,
) -> _Opm:
    """The option-pricing model on ``day`` (``prefstack opm``, and ``prefstack value --method opm``):
    each class's value as Black-Scholes call spreads on the total equity between the breakpoints
    of F/G §3, for a given total equity value or one backsolved from a class's known value.
    ``where``: the store (``--db``), the ledger file (``--ledger``) and the company (``--company``);
    ``model_inputs``: the rate, the total equity's volatility and the years to the exit; ``equity``:
    the total equity value (``--equity-value``) or a class's known value (``--backsolve``)."""
    from prefstack.cli import _books, _capital_structure
    from prefstack.decisions import decision
    from prefstack.valuation import exit_date, opm_backsolve, opm_class_values, opm_payoffs

    (rate, volatility, term_years), (equity_value, backsolve) = model_inputs, equity
    model = MODEL
    _positive(volatility, "--volatility", model)
    _positive(term_years, "--term-years", model)
    _positive(equity_value, "--equity-value", model)
    if (equity_value is None) == (backsolve is None):
        raise InputError("--equity-value", model, "give the total equity value or --backsolve CLASS=VALUE, one of them")
    structure = _capital_structure(capital_structure, *where)
    books = _books(*where)
    if waterfall_on is WaterfallOn.exit:
        exit_on = exit_date(day, term_years)
        payoffs = opm_payoffs(books.projected_scenario_plan(day, exit_on, structure))
    else:
        exit_on = day
        payoffs = opm_payoffs(books.scenario_plan(day, structure))
    known: dict[str, Any] | None = None
    if backsolve is not None:
        name, sep, text = backsolve.rpartition("=")
        try:
            known_value = parse_exact(text, "--backsolve", "F §3(a)") if sep else None
        except InputError:
            known_value = None
        if known_value is None:
            raise InputError("--backsolve", "F §3(a)", f"write CLASS=VALUE (a number), not {backsolve!r}")
        equity_value = opm_backsolve(payoffs, name.strip(), known_value, volatility, rate, term_years)
        known = {"class": name.strip(), "value": _echo(known_value)}
    assert equity_value is not None
    values = opm_class_values(payoffs, equity_value, volatility, rate, term_years)
    result: dict[str, Any] = {
        "on": day.isoformat(),
        "method": "opm",
        "capital_structure": "none" if structure is None else structure.origin,
        "equity_value": _estimate(equity_value, MONEY),
        "equity_value_source": "backsolve" if known else "user",
        "backsolved_from": known,
        "volatility": _echo(volatility),
        "rate": _echo(rate),
        "term_years": _echo(term_years),
        "waterfall_on": exit_on.isoformat(),
        "model_decisions": [decision("valuation", "VAL-OPM-WATERFALL-DATE")],
        "classes": [{"class": name, "value": _estimate(v, MONEY)} for name, v in values.items()],
        "breakpoints": [str(k) for k in payoffs.knots[1:-1]],
    }
    return _Opm(result, values, equity_value, known, exit_on, (rate, volatility, term_years))


def _echo_opm_share(inputs: ValuationInputs, opm: _Opm, format: ValueFormat) -> None:
    """``prefstack value --method opm``: the value of the class of ``inputs.series`` by the
    option-pricing model ``opm``, and of one of its shares outstanding, with every input and its
    source, the whole model (``opm``: every class) beside it."""
    from prefstack.valuation import Input

    series = inputs.series
    if series not in opm.values:
        problem = f"the option-pricing model has no class {series!r} (its classes: {list(opm.values)})"
        raise InputError("--series", f"{series} §3(a)", problem)
    of_class = opm.values[series]
    per_share = _estimate(of_class / inputs.shares_outstanding, 4)
    rate, volatility, term_years = opm.model_inputs
    shown_equity = str(round_to(opm.equity_value, MONEY, Rounding.HALF_UP, MODEL).value)
    model = opm.result
    if opm.known is None:
        equity = Input("total equity value", shown_equity, "user", "--equity-value")
    else:
        basis = f"backsolved so that {opm.known['class']} is worth {opm.known['value']:,.2f} (--backsolve)"
        equity = Input("total equity value", shown_equity, "estimate", basis)
    structure = model["capital_structure"]
    listed = [
        Input("shares outstanding", to_decimal_string(inputs.shares_outstanding), "ledger", f"{series} §1(a)"),
        equity,
        Input("volatility of the total equity", to_decimal_string(volatility), "user", "--volatility"),
        Input("risk-free rate", to_decimal_string(rate), "user", "--rate"),
        Input("years to the exit", to_decimal_string(term_years), "user", "--term-years"),
        Input(
            "breakpoints",
            f"of the waterfall on {model['waterfall_on']}",
            "terms",
            "F/G §3, the scenario engine's (VAL-OPM-WATERFALL-DATE)",
        ),
        Input(
            "capital structure",
            structure,
            "user" if structure != "none" else "ledger",
            "--capital-structure" if structure != "none" else "the ledger's series and Common Stock alone",
        ),
    ]
    result: dict[str, Any] = {
        "series": series,
        "on": inputs.on.isoformat(),
        "method": "opm",
        "model_decisions": model["model_decisions"],
        "value_per_share": per_share,
        **json_figure("shares_outstanding", inputs.shares_outstanding, SHARES),
        "value_of_class": _estimate(of_class, MONEY),
        "opm": model,
        "inputs": [{"name": i.name, "value": i.value, "source": i.source, "basis": i.basis} for i in listed],
    }
    if format is ValueFormat.json:
        typer.echo(to_json(result))
        return
    share_text = money_text(of_class / inputs.shares_outstanding)  # the exact value, rounded once
    typer.echo(f"Series {series} on {inputs.on} (opm): {share_text} a share, {money_text(of_class)} the class")
    for name, value in opm.values.items():
        typer.echo(f"  class {name}: {money_text(value)}")
    for i in listed:
        typer.echo(f"  {i.name}: {i.value} ({i.source}: {i.basis})")


def register(app: typer.Typer) -> None:
    app.command(name="value")(value_command)
    app.command(name="opm")(opm_command)


def _curve(text: str, clause: str) -> tuple[tuple[Fraction, Fraction], ...]:
    """``--rate-curve YEARS=RATE,...``: exact (tenor, zero rate) pairs, tenors positive and ascending."""
    points: list[tuple[Fraction, Fraction]] = []
    for part in text.split(","):
        years, sep, zero = part.strip().partition("=")
        try:
            point = (Fraction(years.strip()), Fraction(zero.strip()))
        except (ValueError, ZeroDivisionError):
            point = None
        if not sep or point is None:
            problem = f"write YEARS=RATE,... (e.g. 1=0.05,5=0.055), not {part.strip()!r}"
            raise InputError("--rate-curve", clause, problem)
        if point[0] <= 0 or (points and point[0] <= points[-1][0]):
            raise InputError("--rate-curve", clause, f"tenors must be positive and ascending: {part.strip()!r}")
        points.append(point)
    return tuple(points)
