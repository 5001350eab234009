"""The holders of a generic class that the capital-structure file lists are each paid their part
of the class's payment (CAPSTRUCT-HOLDER-PAYOUTS): by shares, the class's cents apportioned as
LIQ-CENTS shares them, so that they add up to the class's; the scenario kernel pays the same cents
as the exact engine, holder by holder; under class-only nothing is split."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from helpers import in_two_halves
from prefstack.books import Books
from prefstack.clauses.liquidation import apportion_cents
from prefstack.clauses.liquidation_structure import StructureInputs, capital_structure_waterfall
from prefstack.instruments.capital_structure import LoadedStructure, load_capital_structure
from prefstack.interpretations.readings import under
from prefstack.kernels.waterfall import apportion_exactly, split_cents
from prefstack.scenarios import ScenarioPlan, plan_for, structure_inputs

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
BUNDLED = resources.files("prefstack.instruments").joinpath("issuers", "cais-internet", "capital_structure.yaml")
ON = dt.date(2002, 6, 30)
C_HOLDERS = [("Alpha Fund", "10000"), ("Beta Partners", "4999"), ("Gamma LLC", "1")]
D_HOLDERS = [("Delta One", "1/3"), ("Delta Two", "2/3"), ("Delta Three", "9999")]


@cache
def with_holders(folder: str) -> LoadedStructure:
    """The bundled CAIS structure with holders listed for Series C (whole shares) and Series D
    (fractions of a share among them)."""
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    for c in data["classes"]:
        listed = {"Series C": C_HOLDERS, "Series D": D_HOLDERS}.get(c["name"])
        if listed is not None:
            c["holders"] = [{"name": name, "shares": shares} for name, shares in listed]
    path = Path(folder) / "capital_structure.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_capital_structure(path)


@pytest.fixture(scope="module")
def structure(tmp_path_factory: pytest.TempPathFactory) -> LoadedStructure:
    return with_holders(str(tmp_path_factory.mktemp("structure")))


_INPUTS: dict[int, tuple[LoadedStructure, StructureInputs]] = {}


def exact(structure: LoadedStructure, cents: int) -> dict[tuple[str, str], Fraction]:
    """The exact engine's payments at ``cents`` by (security, holder): each holding's total, a class
    whose holders are listed as its holders' totals in place of the class's. The ledger's inputs on
    ON are worked out once for each structure (40 ms; the structure is kept, so its id stays its own)."""
    if id(structure) not in _INPUTS:
        _INPUTS[id(structure)] = structure, structure_inputs(Books("unused.db", None, EXAMPLE)._on(ON), structure)
    inputs = _INPUTS[id(structure)][1]
    whole = capital_structure_waterfall(
        structure.structure, Fraction(cents, 100), (), (), inputs.parity, inputs.junior, ON
    )
    paid = whole.waterfall.by_holder()
    for h in whole.holders:
        paid.pop((h.security, f"holders of {h.security}"), None)
    paid.update({(h.security, h.holder): h.paid for h in whole.holders})
    return paid


def test_a_short_senior_tier_split_by_hand(structure: LoadedStructure) -> None:
    """At $20,000,000.01 on 2002-06-30 the senior tier (C's $15,000,000 and D's preference with its
    dividend) is paid short; whatever C is paid is split 10,000 : 4,999 : 1 by Sainte-Laguë, the
    cents adding up to C's, each holder's exact part C's exact x its shares / 15,000."""
    inputs = structure_inputs(Books("unused.db", None, EXAMPLE)._on(ON), structure)
    whole = capital_structure_waterfall(
        structure.structure, Fraction(2_000_000_001, 100), (), (), inputs.parity, inputs.junior, ON
    )
    c_rows = [p for p in whole.waterfall.payouts if p.security == "Series C"]
    c_paid, c_exact = sum(p.paid for p in c_rows), sum(p.exact for p in c_rows)
    parts = [h for h in whole.holders if h.security == "Series C"]
    assert [h.holder for h in parts] == [name for name, _ in C_HOLDERS]
    assert [int(h.paid * 100) for h in parts] == apportion_cents(
        int(c_paid * 100), [Fraction(10000), Fraction(4999), 1]
    )
    assert [h.exact for h in parts] == [c_exact * 10000 / 15000, c_exact * 4999 / 15000, c_exact / 15000]
    assert sum(h.paid for h in parts) == c_paid
    # the rows of the waterfall keep the class as one holding (the tiers' totals unchanged)
    assert {p.holder for p in c_rows} == {"holders of Series C"}
    assert all(h.amount.inputs["illustrative"] is True for h in parts)


def test_every_row_adds_up_to_the_class(structure: LoadedStructure) -> None:
    """Over a range of exits the holders of each class are paid what the class is paid without a
    holders list (the bundled file), cent for cent in total."""
    from prefstack.instruments.capital_structure import bundled_for_company

    plain = bundled_for_company("CAIS Internet, Inc.", "--capital-structure")
    for cents in (1, 2_000_000_001, 9_000_000_000, 50_000_000_000, 200_000_000_000):
        split, whole = exact(structure, cents), exact(plain, cents)
        for name, listed in (("Series C", C_HOLDERS), ("Series D", D_HOLDERS)):
            assert sum(split[(name, h)] for h, _ in listed) == whole.get((name, f"holders of {name}"), 0), cents


@cache
def plan(folder: str) -> ScenarioPlan:
    structure = with_holders(folder)
    return plan_for(structure_inputs(Books("unused.db", None, EXAMPLE)._on(ON), structure))


def test_the_kernel_pays_each_holder_the_exact_engines_cents(
    structure: LoadedStructure, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every breakpoint and a cent either side, and 400 random exits up to $2 billion: the
    scenario kernel's columns (one per listed holder) equal the exact engine's cents."""
    found = plan_for(structure_inputs(Books("unused.db", None, EXAMPLE)._on(ON), structure))
    assert ("Series C", "Gamma LLC") in found.columns and ("Series C", "holders of Series C") not in found.columns
    points = {c for b in found.breakpoints for c in range(int(b.exit_value * 100) - 1, int(b.exit_value * 100) + 3)}
    rng = random.Random(16)
    points |= {rng.randrange(0, 200_000_000_000) for _ in range(400)}
    exits = sorted(points)
    rows = found.payouts(np.array(exits, dtype=np.int64)).tolist()
    exact(structure, 0)  # the inputs worked out before the fork, once

    def cents_of(part: Sequence[int]) -> list[list[int]]:
        paid = [exact(structure, c) for c in part]
        return [[int(p.get(k, Fraction(0)) * 100) for k in found.columns] for p in paid]

    expected = in_two_halves(cents_of, exits)
    for cents, row, paid in zip(exits, rows, expected, strict=True):
        assert row == paid, cents
    by_class = found.by_class(found.payouts(np.array(exits, dtype=np.int64)))
    assert by_class.shape[1] == len(found.classes)


def test_class_only_pays_the_class_as_one_holding(structure: LoadedStructure) -> None:
    inputs = structure_inputs(Books("unused.db", None, EXAMPLE)._on(ON), structure)
    with under((("CAPSTRUCT-HOLDER-PAYOUTS", "class-only"),)):
        whole = capital_structure_waterfall(
            structure.structure, Fraction(90_000_000), (), (), inputs.parity, inputs.junior, ON
        )
        found = plan_for(inputs)
    assert whole.holders == ()
    assert ("Series C", "holders of Series C") in found.columns and ("Series C", "Alpha Fund") not in found.columns


def test_split_cents_equals_the_exact_apportionment() -> None:
    """The kernel's split of many totals among awkward weights equals Sainte-Laguë in integers."""
    rng = np.random.default_rng(3)
    totals = rng.integers(0, 10**12, 5_000)
    for weights in ((10000, 4999, 1), (1, 2, 29997), (7, 7, 7), (0, 3, 5), (1,)):
        got = split_cents(totals, weights)
        assert (got.sum(axis=1) == totals).all()
        for total, row in zip(totals[:300].tolist(), got[:300].tolist(), strict=True):
            assert row == apportion_exactly(total, weights)


def test_the_command_line_shows_the_holders_parts(cli: Any, structure: LoadedStructure, tmp_path: Path) -> None:
    """`waterfall --format json` lists each listed holder's part (valid against the output schema);
    `scenarios` writes a column per listed holder, its cents those of the waterfall."""
    import csv
    import json

    from jsonschema import Draft202012Validator

    from prefstack.output_schemas import output_schema

    args = ["--ledger", EXAMPLE, "--on", ON.isoformat(), "--capital-structure", structure.origin]
    answer = json.loads(cli("waterfall", *args, "--proceeds", "20000000.01", "--format", "json").stdout)
    Draft202012Validator(output_schema("waterfall")).validate(answer)
    parts = {(r["security"], r["holder"]): r["amount"] for r in answer["class_holders"]}
    assert set(parts) == {("Series C", n) for n, _ in C_HOLDERS} | {("Series D", n) for n, _ in D_HOLDERS}
    c_class = sum(Fraction(r["amount"]) for r in answer["payouts"] if r["security"] == "Series C")
    assert sum(Fraction(v) for (security, _), v in parts.items() if security == "Series C") == c_class
    plain = json.loads(
        cli("waterfall", *args[:4], "--capital-structure", "company", "--proceeds", "1", "--format", "json").stdout
    )
    assert "class_holders" not in plain
    out = tmp_path / "grid.csv"
    cli("scenarios", *args, "--from", "20000000.01", "--to", "20000000.02", "--steps", "1", "--out", str(out))
    row = next(r for r in csv.DictReader(out.open(encoding="utf-8")) if r["exit_value_cents"] == "2000000001")
    for (security, holder), amount in parts.items():
        assert int(row[f"{security} / {holder}"]) == int(Fraction(amount) * 100)
