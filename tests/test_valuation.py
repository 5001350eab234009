"""The fair-value model's instrument, exact from the terms and the example ledger (PIK accretion of
F §2(b) and G §2(a), the Redemption Date and Price of §6(a)), and `prefstack value`."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from typing import Any

import numpy as np
import pytest

from prefstack.books import Books
from prefstack.errors import InputError
from prefstack.valuation import accretion, instrument, quarterly_times

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
ON = dt.date(2002, 6, 30)


def inputs(series: str) -> Any:
    return Books("sqlite:///:memory:", ledger=EXAMPLE).valuation_inputs(ON, series)


def test_series_f_accretes_by_pik_and_redeems_on_the_fifth_anniversary() -> None:
    """F: issued 2000-08-02, redeemed 2005-08-02 (§6(a)). On 2002-06-30 a share has accrued 15 days
    (06-15 to 06-30) x $70 / 360 = $35/12 = $2.9167 (no arrears). Payment Dates 2002-09-15 ..
    2005-06-15 are 12 (2 + 4 + 4 + 2); each pays a full quarter, 1.75% of the holding, in PIK
    shares: the holding is 1.0175^12. The last period, 06-15 to 08-02, is 48 days at 7% / 360
    (F Sched. 1): Redemption Price = 1,000 x 1.0175^12 x (1 + 0.07 x 48 / 360) = $1,242.93."""
    got = inputs("F")
    assert got.redemption_date == dt.date(2005, 8, 2)
    assert got.accrued_per_share == Fraction(35, 12)
    assert got.conversion_price == 24
    acc = accretion(got)
    assert len(acc.pay_dates) == 12 and acc.pay_dates[0] == dt.date(2002, 9, 15)
    assert acc.held[-1] == Fraction(10175, 10000) ** 12
    expected = 1000 * Fraction(10175, 10000) ** 12 * (1 + Fraction(7, 100) * 48 / 360)
    assert acc.redemption_amount == expected
    assert float(expected) == pytest.approx(1242.9327, abs=1e-4)
    # the first interval reaches the quarter's $17.50 on 09-15: ($17.50 - $35/12) / 77 days a day
    assert acc.accrual_per_day[0] == (Fraction(35, 2) - Fraction(35, 12)) / 77
    share = instrument(got)
    assert share.units[0] == pytest.approx(1000 / 24)  # F §5(a): 1,000 / 24 shares of Common Stock
    assert share.units[1] == pytest.approx(1000 / 24 * 1.0175)
    (units,), (cash,) = share.terms_on(np.zeros(1))
    assert (units, cash) == pytest.approx((1000 / 24, 35 / 12))
    # §6(j): no conversion after 2005-07-28, 5 days before the Redemption Date (1,124 and 1,129 days)
    assert share.conversion_end == pytest.approx(1124 / 365) and share.maturity == pytest.approx(1129 / 365)
    assert quarterly_times(got)[-2:] == pytest.approx([1124 / 365, 1129 / 365])


def test_series_g_compounds_one_and_a_half_percent_a_quarter() -> None:
    """G: issued 2000-06-15, redeemed 2005-06-15, itself a Payment Date: 12 Payment Dates of 1.5%,
    nothing accrued after the last: Redemption Price = 1,000 x 1.015^12 = $1,195.62. On 2002-06-30 a
    share has accrued 15 days x $60 / 360 = $2.50; conversion into 1,000 / 36 shares."""
    got = inputs("G")
    assert got.redemption_date == dt.date(2005, 6, 15)
    assert got.accrued_per_share == Fraction(5, 2)
    acc = accretion(got)
    assert acc.redemption_amount == 1000 * Fraction(1015, 1000) ** 12
    assert float(acc.redemption_amount) == pytest.approx(1195.6182, abs=1e-4)
    assert instrument(got).units[0] == pytest.approx(1000 / 36)


def test_a_valuation_on_or_after_the_redemption_date_is_refused() -> None:
    from dataclasses import replace

    from prefstack.errors import InputError

    with pytest.raises(InputError, match=r"--on: the Redemption Date 2005-08-02 has come \(F §6\(a\)\)"):
        instrument(replace(inputs("F"), on=dt.date(2005, 8, 2)))


ARGS = ["value", "--series", "F", "--on", "2002-06-30", "--ledger", EXAMPLE, "--rate", "0.05"]


def test_value_json_lists_every_input_with_its_source(cli: Any) -> None:
    """Monte Carlo, 20,000 paths, seed 5: the value per share x 43,316.64 shares is the class's; the
    standard error and 95% CI (value +- 1.96 SE) are given; the same seed gives the same figures; the
    stock price is the ledger's last closing price (2002-06-28, $8.90), the volatility estimated."""
    run = ["--credit-spread", "0.03", "--paths", "20000", "--seed", "5", "--format", "json"]
    result = json.loads(cli(*ARGS, *run).stdout)
    assert result == json.loads(cli(*ARGS, *run).stdout)
    shares = Fraction(result["shares_outstanding_exact"])
    assert result["shares_outstanding"] == "43316.64"  # F §1(a): 40,000 issued plus PIK shares
    # the class: the unrounded estimate of a share x the exact shares, rounded once to the cent, so
    # within half a unit of the share's 4th place x 43,316.64 (2.17) and a half cent of the shown one
    assert result["value_of_class"] == round(result["value_of_class"], 2)
    assert abs(Fraction(str(result["value_of_class"])) - Fraction(str(result["value_per_share"])) * shares) <= (
        Fraction(1, 20_000) * shares + Fraction(1, 200)
    )
    low, high = result["ci95"]
    assert low == pytest.approx(result["value_per_share"] - 1.96 * result["standard_error"], abs=1e-3)
    assert high == pytest.approx(result["value_per_share"] + 1.96 * result["standard_error"], abs=1e-3)
    assert result["seed"] == 5 and result["paths"] == 20_000
    sources = {i["name"]: (i["value"], i["source"]) for i in result["inputs"]}
    assert sources["stock price"] == ("8.9", "ledger")
    assert sources["volatility"][1] == "estimate"
    assert sources["Conversion Price"] == ("24", "ledger")
    assert sources["PIK rate per quarter"] == ("0.0175", "terms")
    assert sources["risk-free rate"] == ("0.05", "user")
    # at least the conversion value, exactly: 1,000 / 24 x 8.90 = 370 5/6 shares' worth, plus the
    # accrued 35/12 = 2 11/12 in cash, is 373 3/4 = $373.75 (no _exact: two places are exact)
    assert result["conversion_value_per_share"] == "373.75" and "conversion_value_per_share_exact" not in result
    assert Fraction(str(result["value_per_share"])) >= Fraction("373.75")
    assert result["value_per_share"] > 1242.93 * 2.718281828 ** (-0.08 * 1129 / 365) - 3 * result["standard_error"]
    lattice = json.loads(cli(*ARGS, "--credit-spread", "0.03", "--method", "lattice", "--format", "json").stdout)
    assert abs(lattice["value_per_share"] - result["value_per_share"]) < 3 * result["standard_error"] + 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--paths", "3"], "--paths: must be an even number"),
        (["--paths", "2"], "--paths: must be an even number of at least 4 (antithetic pairs), not 2"),
        (["--volatility", "-0.2"], "--volatility: must be positive"),
        (["--series", "Q"], "--series: the ledger has no Series Q"),
        (["--engine", "gpu", "--method", "lattice"], "--engine: the GPU path prices Monte Carlo paths"),
        (["--engine", "tpu"], "--engine: local, dask or gpu, not 'tpu'"),
        (["--workers", "0"], "--workers: must be at least 1, not 0"),
        (["--workers", "2", "--method", "lattice"], "--workers: threads price the Monte Carlo here"),
        (["--workers", "2", "--engine", "gpu"], "--workers: threads price the Monte Carlo here"),
        (["--volatility", "abc"], "--volatility: 'abc' is not an exact number"),
        (["--rate", "inf"], "--rate: must be a finite number, not 'inf'"),
        (["--deal-premium", "-1", "--change-of-control-rate", "0.1"], "--deal-premium: must be above -1, not -1"),
        (["--spot", "0"], "--spot: must be positive, not 0"),
        (["--steps", "400"], "--steps: goes with the lattice (--method lattice), not --method mc"),
        (["--paths", "1000", "--method", "lattice"], "--paths: goes with the Monte Carlo (--method mc), not --method"),
        (["--seed", "7", "--method", "lattice"], "--seed: goes with the Monte Carlo (--method mc)"),
        (["--engine", "local", "--method", "lattice"], "--engine: goes with the Monte Carlo (--method mc)"),
        (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "--method", "lattice"], "--engine: goes with the"),
    ],
)
def test_value_refuses_bad_input(cli: Any, extra: list[str], message: str) -> None:
    result = cli(*ARGS, *extra, ok=False)
    assert result.returncode == 2 and message in result.stderr


def test_value_greeks_on_the_lattice_and_by_monte_carlo(cli: Any) -> None:
    """Series G at the ledger's $8.90 with volatility 0.6: conversion gives 1,000 / 36 = 27.78 shares
    a share held, so delta (the value's change per $1 of the stock price) lies between 0 and 27.78
    times the holding's growth to the cut-off (1.015^12 = 1.1956, at most 33.21); vega is positive;
    the lattice's gamma (by bumping) is positive, the Monte Carlo's (by likelihood ratio, with its
    standard error) within 4 standard errors of it; the two deltas within 5% (400,000 paths: at
    40,000 the Monte Carlo's delta still moves by 20% from seed to seed). With a change of control
    the Monte Carlo gives no gamma (the price of a deal is bridged from the spot itself)."""
    args = [*ARGS[:2], "G", *ARGS[3:], "--volatility", "0.6", "--greeks", "--format", "json"]
    lattice = json.loads(cli(*args, "--method", "lattice", "--steps", "500").stdout)["greeks"]
    mc = json.loads(cli(*args, "--paths", "400000").stdout)["greeks"]
    for greeks in (lattice, mc):
        assert 0 < greeks["delta"] < 1000 / 36 * 1.015**12 and greeks["vega"] > 0
    assert lattice["gamma"] > 0 and lattice["gamma_standard_error"] is None and lattice["gamma_by"] == "bumping"
    assert mc["gamma_by"] == "likelihood ratio" and 0 < mc["gamma_standard_error"] < 0.2 * lattice["gamma"]
    assert abs(mc["gamma"] - lattice["gamma"]) < 4 * mc["gamma_standard_error"]
    assert abs(mc["delta"] / lattice["delta"] - 1) < 0.05
    with_deals = json.loads(cli(*args, "--paths", "20000", "--change-of-control-rate", "0.3").stdout)["greeks"]
    assert with_deals["gamma"] is None and with_deals["gamma_standard_error"] is None and with_deals["gamma_by"] is None


def test_after_the_cut_off_a_share_is_its_redemption_claim() -> None:
    """On 2005-07-30 Series F can no longer convert (F §6(j): the cut-off is 2005-07-28, 5 days
    before the Redemption Date 2005-08-02), and no Payment Date is left. The example ledger has
    $875/4 = $218.75 of accrued but unpaid dividends per share then; 3 more days at $70 / 360 add
    $0.5833: the Redemption Price is $1,000 + $218.75 + $0.58333 = $1,219.3333, worth
    1,219.3333 x e^(-(0.05 + 0.03) x 3 / 365) = $1,218.5318 whatever the stock price: the lattice
    and the Monte Carlo (every path alike, standard error 0) give it."""
    import math

    from prefstack.kernels.valuation import Market, lattice_value, monte_carlo_value

    got = Books("sqlite:///:memory:", ledger=EXAMPLE).valuation_inputs(dt.date(2005, 7, 30), "F")
    assert got.accrued_per_share == Fraction(875, 4)
    assert accretion(got).redemption_amount == 1000 + Fraction(875, 4) + Fraction(70 * 3, 360)
    share = instrument(got)
    expected = (1000 + 218.75 + 70 * 3 / 360) * math.exp(-0.08 * 3 / 365)
    assert expected == pytest.approx(1218.5318, abs=1e-4)
    market = Market(30.0, 0.5, 0.05, 0.0, 0.03)  # conversion would give 86.69 x $30 = $2,600.78
    assert share.units[0] * 30 > 2_600
    assert lattice_value(share, market, 100) == pytest.approx(expected, rel=1e-12)
    mc = monte_carlo_value(share, market, quarterly_times(got), 1_000, seed=1)
    assert mc.value == pytest.approx(expected, rel=1e-12) and mc.standard_error == 0.0


def test_opm_on_the_cais_structure_sums_to_the_equity_and_backsolves(cli: Any) -> None:
    """The bundled CAIS structure on 2002-06-30 (tests/test_cli_scenarios.py: the senior rank paid in
    full at $32,023,013.70, F and G at $98,052,166.40, ...). The payoffs at every breakpoint sum to
    the exit value (a tranche's net of its exercise price), so the classes' values sum to the total
    equity; with almost no volatility and no rate each class is worth its payoff at the equity value
    itself: at $150,000,000, between $98,052,166.40 and the next breakpoint, F has its full
    $43,442,976.34 plus its part of the rest, as the payoffs interpolate. A backsolve from the Common
    Stock's value gives the equity value back."""
    from prefstack.valuation import opm_backsolve, opm_class_values

    base = ["opm", "--on", "2002-06-30", "--ledger", EXAMPLE, "--capital-structure", "company", "--format", "json"]
    run = ["--rate", "0.05", "--volatility", "0.6", "--term-years", "3"]
    given = json.loads(cli(*base, *run, "--equity-value", "100000000").stdout)
    values = {c["class"]: c["value"] for c in given["classes"]}
    assert sum(values.values()) == pytest.approx(100_000_000, abs=0.1)
    assert given["breakpoints"][0] == str(30_000_000 + Fraction(147_680_000, 73))
    back = json.loads(cli(*base, *run, "--backsolve", f"Common Stock={values['Common Stock']}").stdout)
    assert back["equity_value"] == pytest.approx(100_000_000, abs=1.0)
    assert back["equity_value_source"] == "backsolve"
    # the deterministic limit, computed here from the plan's payoffs at the two knots around $150M
    from prefstack.cli import _capital_structure
    from prefstack.valuation import opm_payoffs

    structure = _capital_structure("company", "sqlite:///:memory:", EXAMPLE, None)
    payoffs = opm_payoffs(Books("sqlite:///:memory:", ledger=EXAMPLE).scenario_plan(ON, structure))
    assert all(sum(row) == knot for knot, row in zip(payoffs.knots, payoffs.payoffs, strict=True))
    low = max(i for i, k in enumerate(payoffs.knots) if k <= 150_000_000)
    k0, k1 = payoffs.knots[low], payoffs.knots[low + 1]
    assert k0 == pytest.approx(98_052_166.40, abs=0.01)
    w = (150_000_000 - k0) / (k1 - k0)
    tiny = Fraction(1, 10**6)  # the volatility: the model is all but the payoff at the equity value
    limit = opm_class_values(payoffs, Fraction(150_000_000), tiny, Fraction(0), Fraction(1))
    f = payoffs.classes.index("F")
    expected_f = payoffs.payoffs[low][f] + w * (payoffs.payoffs[low + 1][f] - payoffs.payoffs[low][f])
    assert payoffs.payoffs[low][f] == pytest.approx(43_442_976.34, abs=0.01)
    assert abs(limit["F"] - expected_f) <= expected_f / 10**9
    back_limit = opm_backsolve(payoffs, "F", limit["F"], tiny, Fraction(0), Fraction(1))
    assert abs(back_limit - 150_000_000) <= Fraction(150_000_000, 10**8)
    assert all(isinstance(v, Fraction) for v in limit.values()) and isinstance(back_limit, Fraction)


def test_opm_on_the_waterfall_of_the_exit_date(cli: Any) -> None:
    """VAL-OPM-WATERFALL-DATE: two years (730 days) after 2002-06-30 the exit is 2004-06-29; from the
    ledger as it stands on 2002-06-30, the senior rank's preferences grow by Series D's 8% cumulative
    dividend on $10,000,000 for 730 days (+$1,600,000: $32,023,013.70 -> $33,623,013.70) and F and
    G's by their accruing dividends; the classes still sum to the equity value, the preferred ones
    are worth more and the Common Stock less than with the valuation date's waterfall."""
    from jsonschema import Draft202012Validator

    from prefstack.output_schemas import output_schema

    base = ["opm", "--on", "2002-06-30", "--ledger", EXAMPLE, "--capital-structure", "company", "--format", "json"]
    run = [*base, "--rate", "0.05", "--volatility", "0.6", "--term-years", "2", "--equity-value", "300000000"]
    today = json.loads(cli(*run).stdout)
    at_exit = json.loads(cli(*run, "--waterfall-on", "exit").stdout)
    Draft202012Validator(output_schema("opm")).validate(at_exit)
    assert (today["waterfall_on"], at_exit["waterfall_on"]) == ("2002-06-30", "2004-06-29")
    assert at_exit["model_decisions"] == ["VAL-OPM-WATERFALL-DATE"]
    assert Fraction(at_exit["breakpoints"][0]) == Fraction(today["breakpoints"][0]) + 1_600_000
    assert Fraction(at_exit["breakpoints"][0]) == 33_600_000 + Fraction(1_680_000, 73)
    assert Fraction(at_exit["breakpoints"][1]) > Fraction(today["breakpoints"][1])  # F and G accrue too
    before = {c["class"]: c["value"] for c in today["classes"]}
    after = {c["class"]: c["value"] for c in at_exit["classes"]}
    assert sum(after.values()) == pytest.approx(300_000_000, abs=0.1)
    assert after["F"] > before["F"] and after["G"] > before["G"] and after["Series D"] > before["Series D"]
    assert after["Common Stock"] < before["Common Stock"]


def test_value_by_the_option_pricing_model_is_the_class_of_the_series_in_the_opm(cli: Any) -> None:
    """`value --method opm`: the class of Series F in the option-pricing model of `prefstack opm` (the
    same options, on the bundled CAIS structure), and one share the class / the shares outstanding,
    43,316.636... on 2002-06-30; every input listed with its source; the schema's `opm` shape; a
    backsolve from the Common Stock's value gives Series G's value of the given equity back; the
    options of the share models refused with opm, and opm's without it."""
    from jsonschema import Draft202012Validator

    from prefstack.output_schemas import output_schema

    model = ["--rate", "0.05", "--volatility", "0.6", "--term-years", "3", "--capital-structure", "company"]
    tail = [*model, "--ledger", EXAMPLE, "--format", "json"]
    opm = json.loads(cli("opm", "--on", "2002-06-30", *tail, "--equity-value", "200000000").stdout)
    classes = {c["class"]: c["value"] for c in opm["classes"]}
    asked = ["value", "--on", "2002-06-30", "--method", "opm", *tail]
    f = json.loads(cli(*asked, "--series", "F", "--equity-value", "200000000").stdout)
    Draft202012Validator(output_schema("value"), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(f)
    assert f["method"] == "opm" and f["opm"] == opm
    assert f["value_of_class"] == classes["F"]
    shares = Fraction(f["shares_outstanding_exact"])
    assert shares == pytest.approx(43_316.636, abs=1e-3)
    assert f["value_per_share"] == pytest.approx(classes["F"] / float(shares), abs=1e-3)
    assert f["model_decisions"] == ["VAL-OPM-WATERFALL-DATE"]
    sources = {i["name"]: (i["value"], i["source"]) for i in f["inputs"]}
    assert sources["total equity value"] == ("200000000.00", "user")
    assert sources["volatility of the total equity"] == ("0.6", "user")
    assert sources["years to the exit"] == ("3", "user")  # as typed
    assert sources["shares outstanding"][1] == "ledger"
    assert sources["capital structure"][1] == "user"
    back = ["--series", "G", "--backsolve", f"Common Stock={classes['Common Stock']}"]
    g = json.loads(cli(*asked, *back).stdout)
    assert g["value_of_class"] == pytest.approx(classes["G"], abs=1.0)
    assert g["opm"]["equity_value"] == pytest.approx(200_000_000, abs=1.0)
    assert {i["name"]: i["source"] for i in g["inputs"]}["total equity value"] == "estimate"
    table = cli(*asked[:-2], "--series", "F", "--equity-value", "200000000").stdout
    # the table's share: the class / the exact shares, rounded once to the cent (half up), within a
    # cent of the JSON's 4-place figure
    shown = re.search(r"\(opm\): \$([0-9,.]+) a share", table)
    assert shown is not None
    assert abs(Decimal(shown.group(1).replace(",", "")) - Decimal(str(f["value_per_share"]))) <= Decimal("0.005")
    for extra, message in [
        (["--greeks"], "--greeks: has no part in the option-pricing model"),
        (["--spot", "9"], "--spot: has no part in the option-pricing model"),
        (["--dividend-form", "cash"], "--dividend-form: has no part in the option-pricing model"),
        # an option of the share models given at its default is refused too: none is ignored
        (["--paths", "100000"], "--paths: has no part in the option-pricing model"),
        (["--engine", "local"], "--engine: has no part in the option-pricing model"),
        (["--credit-spread", "0"], "--credit-spread: has no part in the option-pricing model"),
    ]:
        refused = cli(*asked, "--series", "F", "--equity-value", "2e8", *extra, ok=False)
        assert refused.returncode == 2 and message in refused.stderr
    no_volatility = [a for a in asked if a not in ("--volatility", "0.6")]
    refused = cli(*no_volatility, "--series", "F", "--equity-value", "2e8", ok=False)
    assert refused.returncode == 2 and "--volatility: the option-pricing model needs" in refused.stderr
    refused = cli(*ARGS, "--term-years", "3", ok=False)
    assert refused.returncode == 2 and "--term-years: goes with --method opm" in refused.stderr


def test_opm_refuses_both_or_neither_equity_value_and_backsolve(cli: Any) -> None:
    base = ["opm", "--on", "2002-06-30", "--ledger", EXAMPLE, "--rate", "0.05", "--volatility", "0.6"]
    result = cli(*base, "--term-years", "3", ok=False)
    assert result.returncode == 2 and "--equity-value: give the total equity value or --backsolve" in result.stderr
    result = cli(*base, "--term-years", "3", "--backsolve", "Series Z=5", ok=False)
    assert result.returncode == 2 and "--backsolve: no class 'Series Z'" in result.stderr
    # numbers are read exactly, and a word is no number: refused naming the option
    for extra, message in (
        (["--term-years", "three", "--equity-value", "1e8"], "--term-years: 'three' is not an exact number"),
        (["--term-years", "3", "--equity-value", "-5"], "--equity-value: must be positive, not -5"),
        (["--term-years", "3", "--backsolve", "G=lots"], "--backsolve: write CLASS=VALUE (a number), not 'G=lots'"),
        (["--term-years", "3", "--backsolve", "G=0"], "--backsolve: the known value must be positive, not 0"),
    ):
        result = cli(*base, *extra, ok=False)
        assert result.returncode == 2 and message in result.stderr, (extra, result.stderr)


def test_value_on_a_dask_cluster_gives_the_local_figures(cli: Any, dask_scheduler: str) -> None:
    """--engine dask --scheduler ADDRESS on a Dask scheduler and worker listening on 127.0.0.1
    (processes of their own): 300,000 paths (3 chunks of up to 65,536 pairs, a task each) give the
    local run's JSON to the last digit."""
    run = [*ARGS, "--credit-spread", "0.03", "--paths", "300000", "--seed", "4", "--format", "json"]
    local = json.loads(cli(*run).stdout)
    spread = json.loads(cli(*run, "--engine", "dask", "--scheduler", dask_scheduler).stdout)
    assert spread.pop("engine") == "dask" and local.pop("engine") == "local"
    assert spread == local
    refused = cli(*run, "--engine", "dask", ok=False)
    assert refused.returncode == 2 and "--scheduler" in refused.stderr


def test_value_gives_the_same_figures_on_one_thread_and_on_several(cli: Any) -> None:
    """--workers: 300,000 paths (3 chunks of up to 65,536 pairs) priced on one thread, on two and on
    three side by side give the same JSON to the last digit (each chunk's figures are its own, added
    in chunk order); the default (as many threads as CPUs) gives them too."""
    run = [*ARGS, "--credit-spread", "0.03", "--paths", "300000", "--seed", "4", "--format", "json"]
    one = json.loads(cli(*run, "--workers", "1").stdout)
    assert one["paths"] == 300_000 and one["standard_error"] > 0
    for workers in (["--workers", "2"], ["--workers", "3"], []):
        assert json.loads(cli(*run, *workers).stdout) == one


def test_value_on_the_gpu_engine_says_why_it_cannot_run_here(cli: Any) -> None:
    """Without CuPy (not a dependency: the development and CI machines have no GPU) the GPU path is
    refused naming --engine and what is missing; with CuPy and a GPU it prices (docs/valuation.md)."""
    try:
        import cupy  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        result = cli(*ARGS, "--engine", "gpu", "--paths", "2000", ok=False)
        assert result.returncode == 2 and "--engine: gpu: CuPy is not installed" in result.stderr
        return
    priced = json.loads(cli(*ARGS, "--engine", "gpu", "--paths", "2000", "--format", "json").stdout)
    assert priced["engine"] == "gpu" and priced["value_per_share"] > 0


def test_value_on_a_rate_curve_lists_it_and_refuses_a_bad_one(cli: Any) -> None:
    """--rate-curve instead of --rate: a flat curve at 5% gives the lattice figure of --rate 0.05
    (to the cent), a rising one another; the curve is listed as the user's input."""
    base = ["value", "--series", "F", "--on", "2002-06-30", "--ledger", EXAMPLE, "--method", "lattice"]
    base += ["--steps", "400", "--credit-spread", "0.03", "--format", "json"]
    flat = json.loads(cli(*base, "--rate", "0.05").stdout)
    curved = json.loads(cli(*base, "--rate-curve", "1=0.05,5=0.05").stdout)
    rising = json.loads(cli(*base, "--rate-curve", "0.5=0.02,3=0.06").stdout)
    assert curved["value_per_share"] == pytest.approx(flat["value_per_share"], abs=0.005)
    assert rising["value_per_share"] != pytest.approx(flat["value_per_share"], abs=0.5)
    sources = {i["name"]: (i["value"], i["source"]) for i in rising["inputs"]}
    assert sources["risk-free curve"] == ("0.5y 0.02, 3y 0.06", "user")
    assert "risk-free rate" not in sources
    both = cli(*base, "--rate", "0.05", "--rate-curve", "1=0.05", ok=False)
    neither = cli(*base, ok=False)
    garbled = cli(*base, "--rate-curve", "1:0.05", ok=False)
    descending = cli(*base, "--rate-curve", "5=0.05,1=0.04", ok=False)
    assert both.returncode == neither.returncode == 2 and "--rate: give the risk-free rate" in neither.stderr
    assert "--rate: give the risk-free rate" in both.stderr
    assert garbled.returncode == 2 and "--rate-curve: write YEARS=RATE" in garbled.stderr
    assert descending.returncode == 2 and "--rate-curve: tenors must be positive and ascending" in descending.stderr


def test_value_with_a_change_of_control_lists_it_and_its_decision(cli: Any) -> None:
    base = [*ARGS, "--credit-spread", "0.03", "--method", "lattice", "--steps", "400", "--format", "json"]
    without = json.loads(cli(*base).stdout)
    with_deal = json.loads(cli(*base, "--change-of-control-rate", "0.3").stdout)
    assert "VAL-CHANGE-OF-CONTROL" in with_deal["model_decisions"]
    assert "VAL-CHANGE-OF-CONTROL" not in without["model_decisions"]
    sources = {i["name"]: (i["value"], i["source"]) for i in with_deal["inputs"]}
    assert sources["change-of-control intensity per year"] == ("0.3", "user")
    assert with_deal["value_per_share"] < without["value_per_share"]  # accretion and optionality cut short
    negative = cli(*base, "--change-of-control-rate", "-1", ok=False)
    assert negative.returncode == 2 and "--change-of-control-rate: must be non-negative" in negative.stderr
    premium = json.loads(cli(*base, "--change-of-control-rate", "0.3", "--deal-premium", "0.5").stdout)
    assert {i["name"]: i["value"] for i in premium["inputs"]}["deal premium on the Common Stock"] == "0.5"
    alone = cli(*ARGS, "--deal-premium", "0.5", ok=False)
    assert alone.returncode == 2 and "--deal-premium: a deal premium goes with a change of control" in alone.stderr
    on_gpu = cli(*ARGS, "--engine", "gpu", "--change-of-control-rate", "0.3", ok=False)
    assert on_gpu.returncode == 2 and "--engine: the GPU path prices without a change of control" in on_gpu.stderr


# --- the holder's election of cash dividends (F §2(b), VAL-CASH-ELECTION) ----------------------


def test_series_f_with_cash_dividends_stays_one_share_and_pays_each_quarter() -> None:
    """F on 2002-06-30 with the holder's cash election: the same 12 Payment Dates, each paying in
    cash what PIK shares would have been worth on one share held, $17.50 a full quarter (F §2(a):
    $70 a year, quarterly); the first pays $17.50 too (no arrears: the $35/12 accrued is part of
    the quarter). The holding stays one share, so conversion gives 1,000 / 24 shares of Common
    Stock throughout and the Redemption Price is $1,000 + 48 days x $70 / 360 = $1,009.33."""
    acc = accretion(inputs("F"), Fraction(1))
    assert acc.cash_dividends == (Fraction(35, 2),) * 12
    assert set(acc.held) == {1}
    assert acc.redemption_amount == 1000 + Fraction(70 * 48, 360)
    assert float(acc.redemption_amount) == pytest.approx(1009.3333, abs=1e-4)
    # the accrual between Payment Dates is the PIK case's on one share
    pik = accretion(inputs("F"))
    assert acc.accrual_per_day[0] == pik.accrual_per_day[0]
    assert acc.accrued_start == pik.accrued_start
    share = instrument(inputs("F"), "cash")
    assert share.units == pytest.approx([1000 / 24] * 13)
    assert share.coupons == pytest.approx([17.5] * 12)
    assert share.par == pytest.approx([1000.0] * 13)


def test_a_split_election_pays_a_portion_in_cash_and_the_rest_in_pik_shares() -> None:
    """F §2(b) "any combination": half of each dividend in cash, half in PIK shares. Each quarter the
    holding grows by half of 1.75%, 0.875%, and pays half of its $17.50 per share in cash: the k-th
    Payment Date pays 8.75 x 1.00875^k, the holding at the Redemption Date is 1.00875^12, redeemed at
    1,000 x 1.00875^12 x (1 + 0.07 x 48/360). cash=1/2 and cash=0.5 read alike; 0 is pik and 1 cash."""
    from prefstack.valuation import dividend_form, form_text

    got = inputs("F")
    half = dividend_form(got.terms, "cash=1/2")
    assert half == dividend_form(got.terms, "cash=0.5") == Fraction(1, 2)
    acc = accretion(got, half)
    grow = Fraction(100875, 100000)
    assert acc.cash_dividends == tuple(Fraction(35, 4) * grow**k for k in range(12))
    assert acc.held[-1] == grow**12
    assert acc.redemption_amount == 1000 * grow**12 * (1 + Fraction(7, 100) * 48 / 360)
    assert (form_text(half), form_text(Fraction(0)), form_text(Fraction(1))) == ("cash=0.5", "pik", "cash")
    assert dividend_form(got.terms, "cash=0") == 0 and dividend_form(got.terms, "cash") == 1
    for bad, message in (("cash=2", "from 0 to 1"), ("cash=x", "is not a portion"), ("stock", "pik, cash or cash=P")):
        with pytest.raises(InputError, match=message):
            dividend_form(got.terms, bad)


def test_a_series_whose_holders_cannot_elect_cash_is_refused() -> None:
    from prefstack.errors import InputError

    with pytest.raises(InputError, match=r"--dividend-form: Series G's dividends are paid in pik only.*\(G §2\(a\)\)"):
        instrument(inputs("G"), "cash")


def test_value_with_cash_dividends_lists_the_form_and_its_decision(cli: Any) -> None:
    from jsonschema import Draft202012Validator

    from prefstack.output_schemas import output_schema

    base = [*ARGS, "--credit-spread", "0.03", "--method", "lattice", "--steps", "400", "--format", "json"]
    pik = json.loads(cli(*base).stdout)
    cash = json.loads(cli(*base, "--dividend-form", "cash").stdout)
    Draft202012Validator(output_schema("value")).validate(cash)
    assert (pik["dividend_form"], cash["dividend_form"]) == ("pik", "cash")
    assert "VAL-CASH-ELECTION" in cash["model_decisions"] and "VAL-PIK-DEFAULT" not in cash["model_decisions"]
    assert "VAL-PIK-DEFAULT" in pik["model_decisions"]
    sources = {i["name"]: (i["value"], i["source"]) for i in cash["inputs"]}
    assert sources["future dividends paid in"] == ("cash", "user")
    # the Redemption Price (F §6(a)) with the dividends paid in cash until then: $1,000 and the dividend
    # accrued since the last Payment Date, exactly 3028/3 = $1,009 1/3, shown to the cent, exact beside
    assert (cash["redemption_amount_per_share"], cash["redemption_amount_per_share_exact"]) == ("1009.33", "3028/3")
    assert cash["value_per_share"] != pik["value_per_share"]
    split = json.loads(cli(*base, "--dividend-form", "cash=1/2").stdout)
    Draft202012Validator(output_schema("value")).validate(split)
    assert split["dividend_form"] == "cash=0.5" and "VAL-CASH-ELECTION" in split["model_decisions"]
    refused = cli(*ARGS, "--series", "G", "--dividend-form", "cash", ok=False)
    assert refused.returncode == 2 and "--dividend-form: Series G's dividends are paid in pik only" in refused.stderr


def test_value_with_the_redemption_in_common_stock(cli: Any) -> None:
    """F §6(d): with --redemption-in-common the redemption is paid in stock worth it, without the
    credit spread: at a 5% spread the F share is worth more than redeemed in cash, the decision and
    the input say so; G's Company has no such right: refused naming the option and G §6(a)."""
    base = [*ARGS, "--credit-spread", "0.05", "--method", "lattice", "--steps", "400", "--format", "json"]
    cash = json.loads(cli(*base).stdout)
    stock = json.loads(cli(*base, "--redemption-in-common").stdout)
    assert stock["value_per_share"] > cash["value_per_share"]
    assert (
        "VAL-REDEMPTION-IN-COMMON" in stock["model_decisions"] and "VAL-REDEMPTION-CASH" not in stock["model_decisions"]
    )
    sources = {i["name"]: (i["value"], i["source"]) for i in stock["inputs"]}
    assert sources["Redemption Price paid in"] == ("Common Stock", "user")
    assert {i["name"]: i["value"] for i in cash["inputs"]}["Redemption Price paid in"] == "cash"
    refused = cli(*ARGS, "--series", "G", "--redemption-in-common", ok=False)
    assert refused.returncode == 2
    assert "--redemption-in-common: the Company may not pay the Redemption Price of Series G" in refused.stderr


def test_value_takes_the_model_inputs_as_written(cli: Any) -> None:
    """The numbers of the model are read exactly, as typed: a rate of 22 significant digits is
    listed with all of them (a float would keep 16: 0.05123456789012346), and a volatility written
    as the fraction 2/5 gives the figures of 0.4 to the last digit (the kernels take the float
    nearest each, the same for both)."""
    base = [*ARGS, "--method", "lattice", "--steps", "200", "--format", "json"]
    long_rate = json.loads(cli(*base, "--rate", "0.0512345678901234567890").stdout)
    listed = {i["name"]: i["value"] for i in long_rate["inputs"]}
    assert listed["risk-free rate"] == "0.051234567890123456789"
    as_fraction = json.loads(cli(*base, "--volatility", "2/5").stdout)
    as_decimal = json.loads(cli(*base, "--volatility", "0.4").stdout)
    assert {i["name"]: i["value"] for i in as_fraction["inputs"]}["volatility"] == "0.4"
    assert as_fraction == as_decimal


def test_value_opm_shows_the_share_rounded_once_and_the_inputs_as_given(cli: Any) -> None:
    """At a total equity value of $736,194,186 F's class is $78,353,513.41 (to the cent) and a share
    of 43,316.636... is $1,808.8549...: $1,808.85, not the $1,808.86 of rounding twice (4 places,
    1,808.855, then 2). The rate, volatility and years are listed as typed (2/3 stays 2/3)."""
    base = ["value", "--series", "F", "--on", "2002-06-30", "--ledger", EXAMPLE, "--method", "opm"]
    base += ["--volatility", "0.6", "--capital-structure", "company", "--equity-value", "736194186"]
    table = cli(*base, "--rate", "0.05", "--term-years", "3").stdout
    assert "(opm): $1,808.85 a share, $78,353,513.41 the class" in table
    exact = json.loads(cli(*base, "--rate", "0.05", "--term-years", "3", "--format", "json").stdout)
    shares = Fraction(exact["shares_outstanding_exact"])
    assert Fraction(str(exact["value_of_class"])) / shares < Fraction("1808.855")  # the class in cents
    long_rate = ["--rate", "0.0512345678901234567890"]
    listed = json.loads(cli(*base, *long_rate, "--term-years", "2/3", "--format", "json").stdout)
    values = {i["name"]: i["value"] for i in listed["inputs"]}
    assert (values["risk-free rate"], values["years to the exit"]) == ("0.051234567890123456789", "2/3")
    assert values["volatility of the total equity"] == "0.6"


def test_value_refuses_a_model_that_gives_no_finite_value(cli: Any) -> None:
    """A volatility of 1,000 a year overflows the lattice's growth factors: refused, naming the
    model's inputs, not a traceback nor an Infinity in the JSON."""
    refused = cli(*ARGS, "--method", "lattice", "--steps", "50", "--volatility", "1000", "--format", "json", ok=False)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "model inputs: the model gives no finite value with these inputs" in refused.stderr
    assert "Traceback" not in refused.stderr
