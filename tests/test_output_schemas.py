"""Every command's JSON validates against its published schema (`prefstack schema output NAME`), so
every figure follows the one convention: money and prices to the cent, shares to two places,
ratios to five, an `_exact` beside any rounded figure; clause-whole quantities as integers."""

from __future__ import annotations

import json
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from prefstack.output_schemas import OUTPUTS

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))

COMMANDS: dict[str, list[str]] = {
    "state": ["state", "--as-of", "2002-06-30", "--explain"],
    "convert": [
        "convert",
        "--series",
        "F",
        "--holder",
        "Microsoft Corporation",
        "--shares",
        "250",
        "--on",
        "2002-01-10",
    ],
    "waterfall": ["waterfall", "--proceeds", "90000000", "--on", "2002-06-30", "--senior", "Series C=10000000"],
    "redemption": ["redemption", "--series", "F", "--on", "2005-08-02", "--funds", "20000000"],
    "votes": ["votes", "--as-of", "2002-06-30"],
    "dividends": ["dividends", "--payment-date", "2001-09-15"],
    "certificate-adjustment": ["certificate", "adjustment", "--as-of", "2003-06-30"],
    "calendar": ["calendar", "--from", "2001-01-01", "--to", "2001-12-31"],
    "impact": ["interpretations", "--impact", "--as-of", "2003-12-31", "--proceeds", "150000000"],
    "transaction": [
        "transaction",
        "--kind",
        "merger",
        "--prior-stockholders-share",
        "0.499",
        "--on",
        "2002-06-30",
        "--consideration",
        "100000000",
    ],
    "breakpoints": ["breakpoints", "--on", "2002-06-30", "--capital-structure", "company"],
    "value": ["value", "--series", "F", "--on", "2002-06-30", "--rate", "0.05", "--paths", "2000", "--greeks"],
    "opm": [
        "opm",
        *("--on", "2002-06-30", "--rate", "0.05", "--volatility", "0.6", "--term-years", "3"),
        *("--backsolve", "Common Stock=37000000", "--capital-structure", "company"),
    ],
}
LEDGERLESS: dict[str, list[str]] = {
    "schedule": ["schedule", "F"],
    "interpretations": ["interpretations"],
    "where": ["where", "F §5(d)"],
}
STORE_ONLY: dict[str, list[str]] = {
    "ledger-log": ["ledger", "log"],
}


def _exact_pairs(value: Any) -> None:
    """Each `X_exact` sits beside `X`, differs from it, and `X` is `X_exact` rounded half-up."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_exact") and isinstance(item, str):
                base = key[: -len("_exact")]
                assert base in value, key
                shown, exact = Fraction(value[base]), Fraction(item)
                assert shown != exact, key
                places = len(value[base].split(".")[1]) if "." in value[base] else 0
                assert abs(shown - exact) <= Fraction(1, 2 * 10**places), key
            _exact_pairs(item)
    elif isinstance(value, list):
        for item in value:
            _exact_pairs(item)


def test_every_schema_is_valid_and_every_command_has_one() -> None:
    for name in OUTPUTS:
        from prefstack.output_schemas import output_schema

        jsonschema.Draft202012Validator.check_schema(output_schema(name))
    assert set(OUTPUTS) == set(COMMANDS) | set(LEDGERLESS) | set(STORE_ONLY)


ADJUSTING_SALE = {
    "kind": "common_issued",
    "date": "2003-01-10",
    "id": "big-sale",
    "shares": "1000000",
    "purpose": "none",
    "cash_consideration": "25000000",
    "fair_market_value_per_share": "30.00",
}


@pytest.fixture(scope="module")
def adjusted_example(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The example ledger plus an issue of Additional Shares that adjusts both Conversion Prices."""
    doc = yaml.safe_load(Path(EXAMPLE).read_text())
    doc["events"].append(ADJUSTING_SALE)
    path = tmp_path_factory.mktemp("ledger") / "adjusted.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


@pytest.mark.parametrize("name", sorted({**COMMANDS, **LEDGERLESS}))
def test_command_json_validates_against_its_schema(cli, adjusted_example: str, name: str) -> None:  # type: ignore[no-untyped-def]
    args = [*COMMANDS[name], "--ledger", adjusted_example] if name in COMMANDS else LEDGERLESS[name]
    data = json.loads(cli(*args, "--format", "json").stdout)
    schema = json.loads(cli("schema", "output", name).stdout)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    _exact_pairs(data)
    if name == "certificate-adjustment":
        assert {c["series"] for c in data} == {"F", "G"}  # adjustments of both series are checked


@pytest.mark.parametrize("name", sorted(STORE_ONLY))
def test_store_command_json_validates_against_its_schema(cli, adjusted_example: str, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    cli("ledger", "import", adjusted_example, "--db", db)
    cli("ledger", "void", "big-sale", "--reason", "schema check", "--db", db)
    data = json.loads(cli(*STORE_ONLY[name], "--db", db, "--format", "json").stdout)
    schema = json.loads(cli("schema", "output", name).stdout)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["events"][-1]["kind"] == "void"


def test_a_rounded_figure_breaks_the_schema_when_written_otherwise() -> None:
    """The schema is not vacuous: a money figure without its two places, or a share count written
    as a float-like long decimal, is refused."""
    from prefstack.output_schemas import output_schema

    validator = jsonschema.Draft202012Validator(output_schema("redemption"))
    good = {
        "series": "F",
        "redemption_date": "2005-08-02",
        "funds": "20000000.00",
        "total_paid": "20000000.00",
        "unused_funds": "0.00",
        "shortfall": True,
        "redeemable_on_demand": True,
        "holders": [],
    }
    validator.validate(good)
    assert not validator.is_valid({**good, "funds": "20000000"})
    assert not validator.is_valid({**good, "funds_exact": "1219.333333333333… (=3658/3)"})
    assert not validator.is_valid({**good, "extra": 1})


def test_unknown_output_schema_is_a_clear_error(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("schema", "output", "nonsense", ok=False)
    assert result.returncode == 2 and "no output schema named 'nonsense'" in result.stderr


@pytest.mark.parametrize("series", ["F", "G"])
def test_the_terms_of_each_series_validate_against_the_terms_schema(cli, series: str) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads(cli("schema", "terms").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    data = json.loads(cli("terms", series).stdout)
    validator.validate(data)
    # Not vacuous: a term without its citation, or an unknown section, breaks it.
    broken = json.loads(json.dumps(data))
    del broken["dividends"]["annual_rate"]["cite"]
    assert not validator.is_valid(broken)
    assert not validator.is_valid({**data, "surprise": 1})


def test_the_fair_value_schemas_tell_the_methods_apart(cli: Any, adjusted_example: str) -> None:
    """The lattice's JSON (its steps, no Monte Carlo error), an OPM for a given equity value and the
    value of a class by it validate; a lattice answer carrying a standard error or the OPM, an MC
    answer without its seed, or a value by the OPM without the model or with a share model's field,
    does not."""
    from prefstack.output_schemas import output_schema

    asked = ["value", "--series", "G", "--on", "2002-06-30", "--rate", "0.05", "--method", "lattice", "--steps", "200"]
    lattice = json.loads(cli(*asked, "--ledger", adjusted_example, "--format", "json").stdout)
    value = jsonschema.Draft202012Validator(output_schema("value"), format_checker=jsonschema.FormatChecker())
    value.validate(lattice)
    assert lattice["steps"] == 200 and lattice["series"] == "G"
    assert not value.is_valid({**lattice, "standard_error": 1.0})
    mc_args = ["value", "--series", "F", "--on", "2002-06-30", "--rate", "0.05", "--paths", "2000"]
    mc = json.loads(cli(*mc_args, "--ledger", adjusted_example, "--format", "json").stdout)
    value.validate(mc)
    assert not value.is_valid({k: v for k, v in mc.items() if k != "seed"})
    assert not value.is_valid({**mc, "inputs": [{**mc["inputs"][0], "source": "guess"}]})
    opm_args = ["opm", "--on", "2002-06-30", "--rate", "0.05", "--volatility", "0.6", "--term-years", "3"]
    opm_args += ["--equity-value", "300000000", "--ledger", adjusted_example, "--format", "json"]
    opm = json.loads(cli(*opm_args).stdout)
    jsonschema.Draft202012Validator(output_schema("opm")).validate(opm)
    assert opm["backsolved_from"] is None and opm["equity_value_source"] == "user"
    by_opm = json.loads(cli("value", "--series", "F", "--method", "opm", *opm_args[1:]).stdout)
    value.validate(by_opm)
    assert by_opm["opm"] == opm
    assert not value.is_valid({k: v for k, v in by_opm.items() if k != "opm"})
    assert not value.is_valid({**by_opm, "steps": 200})
    assert not value.is_valid({**by_opm, "dividend_form": "pik"})
    assert not value.is_valid({**lattice, "opm": opm})
    greeks = {"delta": 1.0, "gamma": 0.1, "gamma_standard_error": 0.01, "vega": 2.0}
    greeks |= {"spot_bump_log": 0.01, "volatility_bump": 0.01}
    assert value.is_valid({**mc, "greeks": {**greeks, "gamma_by": "likelihood ratio"}})
    assert not value.is_valid({**mc, "greeks": {**greeks, "gamma_by": "bumping"}})
    assert not value.is_valid({**lattice, "greeks": {**greeks, "gamma_by": "likelihood ratio"}})
    assert not value.is_valid({k: v for k, v in lattice.items() if k != "dividend_form"})
