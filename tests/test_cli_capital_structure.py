"""`prefstack waterfall --capital-structure` and `prefstack schema capital-structure` on the example
ledger: the output names the capital structure used, marks illustrative figures, and the bundled
CAIS file's Series C, D and E are paid ahead of F and G (F §1(b)(iii), F §3(a))."""

from __future__ import annotations

import json
from fractions import Fraction as Fr
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from prefstack.output_schemas import output_schema

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
BUNDLED = resources.files("prefstack.instruments").joinpath("issuers/cais-internet/capital_structure.yaml")
ON = ["--on", "2002-06-30", "--ledger", EXAMPLE]


def waterfall(cli: Any, proceeds: str, *more: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(cli("waterfall", "--proceeds", proceeds, *ON, *more, "--format", "json").stdout)
    jsonschema.validate(result, output_schema("waterfall"))
    return result


def by_security(result: dict[str, Any]) -> dict[str, Fr]:
    out: dict[str, Fr] = {}
    for p in result["payouts"]:
        out[p["security"]] = out.get(p["security"], Fr(0)) + Fr(p["amount"])
    return out


def test_without_a_capital_structure_the_output_says_so_and_the_figures_stay(cli: Any) -> None:
    """No --capital-structure is 'none': the output says F, G and Common only, and the example's
    figures are those of `--capital-structure none` (F $43,442,976.34 + $1,765,973.21 at $90,000,000)."""
    plain = waterfall(cli, "90000000")
    none = waterfall(cli, "90000000", "--capital-structure", "none")
    assert plain["capital_structure"]["used"] == "none: the ledger's series and Common Stock only"
    assert plain["payouts"] == none["payouts"]
    assert by_security(plain)["F"] == Fr("43442976.34") + Fr("1765973.21")
    table = cli("waterfall", "--proceeds", "90000000", *ON).stdout
    assert "Capital structure: none: the ledger's series and Common Stock only" in table


def test_bundled_capital_structure_pays_c_d_e_first_f_1b_iii(cli: Any) -> None:
    """F §1(b)(iii), §3(a), CAPSTRUCT-CDE-PLACEMENT, with the bundled (illustrative) figures at $90,000,000
    on 2002-06-30: C 15,000 x $1,000 = $15,000,000; D 10,000 x $1,000 plus 8% simple from 1999-12-20 for
    923 days (366 + 365 + 192): 10,000,000 x 0.08 x 923 / 365 = $2,023,013.698... -> $12,023,013.70;
    E 5,000 x $1,000 = $5,000,000. Senior in all $32,023,013.70; F and G share the other
    $57,976,986.30 ratably (their full amounts $43,442,976.34 and $22,586,176.36 are not covered) and
    nothing reaches the as-converted tier; nobody converts or exercises."""
    result = waterfall(cli, "90000000", "--capital-structure", "company")
    used = result["capital_structure"]
    assert used["used"].startswith("bundled prefstack/instruments/issuers/cais-internet/capital_structure.yaml")
    assert used["company"] == "CAIS Internet, Inc."
    assert used["illustrative"] == ["Series C", "Series D", "Series E", "Management options", "Qwest Warrant"]
    got = by_security(result)
    assert (got["Series C"], got["Series D"], got["Series E"]) == (15_000_000, Fr("12023013.70"), 5_000_000)
    assert got["F"] + got["G"] == Fr("57976986.30")
    full_f, full_g = Fr("43442976.34"), Fr("22586176.36")
    assert abs(got["F"] - Fr("57976986.30") * full_f / (full_f + full_g)) <= Fr(1, 100)
    assert got["Common Stock"] == 0
    assert not any(c["chosen"] for c in used["choices"])
    senior = next(p for p in result["payouts"] if p["security"] == "Series C")
    assert senior["tier"] == "senior preference (rank 1)" and senior["illustrative"] is True
    assert senior["note"] == "illustrative figures"
    table = cli("waterfall", "--proceeds", "90000000", *ON, "--capital-structure", "company").stdout
    assert "illustrative figures" in table and "Illustrative figures (no instrument available)" in table


def test_at_a_billion_c_converts_d_is_capped_and_the_options_are_exercised(cli: Any) -> None:
    """CAPSTRUCT-CONVERSION-CHOICE, -PARTICIPATION-CAP, -OPTION-EXERCISE at $1,000,000,000: D receives
    its cap, 2 x $1,000 x 10,000 = $20,000,000 in all; C converts; the management options ($5.00) are
    exercised, paying 3,031,495 x 5 = $15,157,475 in; the Qwest Warrant ($40.00) is not. Everything
    paid is the proceeds plus that exercise price."""
    result = waterfall(cli, "1000000000", "--capital-structure", "company")
    used = result["capital_structure"]
    chosen = {c["class"]: c["chosen"] for c in used["choices"]}
    assert chosen == {
        "Series C": True,
        "Series D": False,
        "Series E": False,
        "Management options": True,
        "Qwest Warrant": False,
    }
    assert used["exercise_cash"] == "15157475.00"
    got = by_security(result)
    assert got["Series D"] == 20_000_000
    assert Fr(result["total_paid"]) == 1_000_000_000 + 15_157_475 == sum(got.values())
    for c in used["choices"]:
        better, other = (
            Fr(c["paid_if_chosen_exact"] if "paid_if_chosen_exact" in c else c["paid_if_chosen"]),
            Fr(c["paid_if_not_chosen_exact"] if "paid_if_not_chosen_exact" in c else c["paid_if_not_chosen"]),
        )
        assert (better > other) == c["chosen"], c["class"]


def test_senior_override_with_a_capital_structure_is_stated(cli: Any) -> None:
    """CAPSTRUCT-SENIOR-OVERRIDE: --senior "Series C=10000000" replaces the file's Series C at rank 1."""
    result = waterfall(cli, "90000000", "--capital-structure", "company", "--senior", "Series C=10000000")
    assert result["capital_structure"]["overrides"] == [
        "--senior Series C: replaces the file's class at rank 1 (preference 10000000, not participating)"
    ]
    assert by_security(result)["Series C"] == 10_000_000
    row = next(p for p in result["payouts"] if p["security"] == "Series C")
    assert row["note"] == "--senior override" and row["illustrative"] is False


def test_a_capital_structure_file_and_its_refusals(cli: Any, tmp_path: Path) -> None:
    """A file given by path is named in the output; a bad one exits 2 naming the field; 'company' with a
    ledger that names no company is refused naming --capital-structure."""
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    good = tmp_path / "cs.yaml"
    good.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert waterfall(cli, "90000000", "--capital-structure", str(good))["capital_structure"]["used"] == str(good)
    data["classes"][0]["shares_outstanding"] = "-1"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    refused = cli("waterfall", "--proceeds", "1", *ON, "--capital-structure", str(bad), ok=False)
    assert refused.returncode == 2
    assert "classes[0] (Series C).shares_outstanding: must not be negative" in refused.stderr
    ledger = yaml.safe_load(Path(EXAMPLE).read_text(encoding="utf-8"))
    del ledger["company"]
    anonymous = tmp_path / "ledger.yaml"
    anonymous.write_text(yaml.safe_dump(ledger), encoding="utf-8")
    company = ("--proceeds", "1", "--on", "2002-06-30", "--ledger", str(anonymous), "--capital-structure", "company")
    # A ledger naming no company is the ledger of the issuer of the series its events name.
    inferred = json.loads(cli("waterfall", *company, "--format", "json").stdout)
    assert inferred["capital_structure"]["used"].startswith("bundled prefstack/instruments/issuers/cais-internet/")
    # One naming neither a company nor a series names no company.
    ledger["events"] = [e for e in ledger["events"] if "series" not in e]
    anonymous.write_text(yaml.safe_dump(ledger), encoding="utf-8")
    nameless = cli("waterfall", *company, ok=False)
    assert nameless.returncode == 2 and "--capital-structure: the ledger names no company" in nameless.stderr


def test_schema_capital_structure_validates_the_bundled_file(cli: Any) -> None:
    schema = json.loads(cli("schema", "capital-structure").stdout)
    jsonschema.validate(yaml.safe_load(BUNDLED.read_text(encoding="utf-8")), schema)
    assert schema["title"] == "prefstack capital structure"


def test_votes_of_the_classes_that_vote_with_the_common_f_4(cli: Any) -> None:
    """F §4, CAPSTRUCT-VOTES with the bundled (illustrative) figures: C 15,000 x 1,000 / 20 = 750,000;
    D 10,000 x 1,000 / 25 = 400,000; E 5,000 x 40 = 200,000 votes, beside F and G's own §4 votes.
    Without a capital structure the output says so and lists no class."""
    args = ["votes", "--as-of", "2002-06-30", "--ledger", EXAMPLE, "--format", "json"]
    plain = json.loads(cli(*args).stdout)
    assert plain["capital_structure"] == "none: the ledger's series and Common Stock only" and plain["classes"] == []
    result = json.loads(cli(*args, "--capital-structure", "company").stdout)
    jsonschema.validate(result, output_schema("votes"))
    assert {c["class"]: c["votes"] for c in result["classes"]} == {
        "Series C": 750_000,
        "Series D": 400_000,
        "Series E": 200_000,
    }
    assert all(c["illustrative"] and c["clause"] == "capital structure" for c in result["classes"])
    assert [s["voting_power"] for s in result["series"]] == [s["voting_power"] for s in plain["series"]]


def test_reserve_for_conversion_counts_every_class_and_tranche_f_5c_ii(cli: Any, tmp_path: Path) -> None:
    """F/G §5(c)(ii), CAPSTRUCT-RESERVE on 2002-06-30: F and G need 2,430,688 shares of Common Stock; the
    bundled file adds C 750,000, D 400,000, E 200,000, the options 3,031,495 and the warrant 500,000:
    7,312,183 against 200,000,000 - 22,067,995 = 177,932,005 authorized but unissued. A file whose
    authorized figure differs from the ledger's is refused."""
    args = ["state", "--as-of", "2002-06-30", "--ledger", EXAMPLE, "--format", "json"]
    plain = json.loads(cli(*args).stdout)["common_stock"]["reserve_for_conversion"]
    assert plain["required"] == "2430688.00" and "covers" not in plain
    result = json.loads(cli(*args, "--capital-structure", "company").stdout)
    jsonschema.validate(result, output_schema("state"))
    reserve = result["common_stock"]["reserve_for_conversion"]
    assert reserve["required"] == "7312183.00" and reserve["authorized_unissued"] == "177932005.00"
    assert reserve["covers"] == ["F", "G", "Series C", "Series D", "Series E", "Management options", "Qwest Warrant"]
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    data["common"]["authorized"] = "100000000"
    other = tmp_path / "cs.yaml"
    other.write_text(yaml.safe_dump(data), encoding="utf-8")
    refused = cli(*args, "--capital-structure", str(other), ok=False)
    assert refused.returncode == 2 and "differs from the ledger's 200000000" in refused.stderr


def test_an_entry_that_is_not_a_mapping_is_refused_naming_its_place() -> None:
    """A class given as null, a list, a number or text (a hand-edited file, a broken OCF package's
    extension: found by the OCF import's fuzzing) is refused as the other bad entries are, naming
    ``classes[0]``, not a crash while the error message is written."""
    import pytest

    from prefstack.instruments.capital_structure import CapitalStructureError, parse_capital_structure

    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    for entry in (None, [1, 2], 7, "Series C"):
        broken = {**data, "classes": [entry, *data["classes"][1:]]}
        with pytest.raises(CapitalStructureError, match=r"test file: classes\[0\]"):
            parse_capital_structure(broken, "test file")
    named = {**data, "classes": [{**data["classes"][0], "shares_outstanding": "-1"}, *data["classes"][1:]]}
    with pytest.raises(CapitalStructureError, match=r"classes\[0\] \(Series C\)\.shares_outstanding"):
        parse_capital_structure(named, "test file")
