"""A warrant tranche of the capital structure whose issuance the file records (holder, date, purchase
price) is exported as an OCF ``TX_WARRANT_ISSUANCE`` to a stakeholder of its own, validates against
the OCF schemas, and comes back on import; a person's edits of it (the holder renamed, the quantity or
a price changed, the transaction removed) are imported, and nothing else changes. A tranche without
those facts travels in the manifest's extension only, as before."""

from __future__ import annotations

import copy
import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from ocf_schemas import errors, needs_ocf
from test_ocf_export import EXAMPLE, FACTS, WHEN

from prefstack.errors import InputError
from prefstack.instruments.capital_structure import (
    CapitalStructure,
    CapitalStructureError,
    bundled_for_company,
    parse_capital_structure,
)
from prefstack.ledger import service
from prefstack.ocf.export import export_package
from prefstack.ocf.importer import Imported, read_ledger_of
from prefstack.ocf.package import read_package, write_package

AS_OF = dt.date(2003, 12, 31)
ISSUANCE = {"holder": "Qwest Communications Corporation", "date": "2000-03-21", "purchase_price": "0"}
Files = dict[str, dict[str, Any]]


def with_issuance(**changes: Any) -> CapitalStructure:
    """The bundled CAIS structure with the Qwest Warrant's issuance recorded."""
    data = bundled_for_company("CAIS Internet, Inc.", "--capital-structure").structure.model_dump(mode="json")
    for tranche in data["options_and_warrants"]:
        if tranche["name"] == "Qwest Warrant":
            tranche["issuance"] = {**ISSUANCE, **changes}
    return parse_capital_structure(data, "test")


def export(structure: CapitalStructure) -> Files:
    whose, placed = service.load_ledger(str(EXAMPLE), "sqlite:///unused.sqlite", None)
    assert whose is not None
    return export_package(placed, whose, AS_OF, structure, FACTS, WHEN)


def imported(files: Files, folder: Path) -> Imported:
    write_package(files, folder)
    return read_ledger_of(read_package(folder), "cais-internet")


def warrant(files: Files) -> dict[str, Any]:
    (found,) = [t for t in files["Transactions.ocf.json"]["items"] if t["object_type"] == "TX_WARRANT_ISSUANCE"]
    return found


@pytest.fixture(scope="module")
def files() -> Files:
    return export(with_issuance())


@needs_ocf
def test_the_warrant_issuance_is_written_and_validates(files: Files) -> None:
    """The Qwest Warrant (the bundled file: 2,500,000 shares of Common Stock at $20.00, illustrative)
    as a TX_WARRANT_ISSUANCE of 2000-03-21 to its own stakeholder, and every file still valid."""
    for name, doc in files.items():
        assert errors(doc) == [], name
    tx = warrant(files)
    tranche = next(t for t in with_issuance().options_and_warrants if t.name == "Qwest Warrant")
    assert tx["date"] == "2000-03-21" and tx["custom_id"] == "Qwest Warrant"
    assert Fraction(tx["quantity"]) == tranche.count
    assert tx["exercise_price"]["currency"] == "USD"
    assert Fraction(tx["exercise_price"]["amount"]) == tranche.strike_price
    assert Fraction(tx["purchase_price"]["amount"]) == 0
    holders = {s["id"]: s["name"]["legal_name"] for s in files["Stakeholders.ocf.json"]["items"]}
    assert holders[tx["stakeholder_id"]] == "Qwest Communications Corporation"
    # without the facts, no warrant object: the tranche is in the manifest's extension only
    plain = export(bundled_for_company("CAIS Internet, Inc.", "--capital-structure").structure)
    assert not [t for t in plain["Transactions.ocf.json"]["items"] if t["object_type"] == "TX_WARRANT_ISSUANCE"]


def test_the_round_trip_gives_the_same_capital_structure(files: Files, tmp_path: Path) -> None:
    back = imported(files, tmp_path / "package")
    assert back.structure == with_issuance()
    plain = export(bundled_for_company("CAIS Internet, Inc.", "--capital-structure").structure)
    same_events = imported(plain, tmp_path / "plain")
    assert [p.event for p in back.placed] == [p.event for p in same_events.placed]  # the ledger is untouched


def test_edits_by_hand_are_imported_and_nothing_else(files: Files, tmp_path: Path) -> None:
    edited = copy.deepcopy(files)
    tx = warrant(edited)
    tx["quantity"] = "2400000"
    tx["purchase_price"] = {"amount": "1000.00", "currency": "USD"}
    for s in edited["Stakeholders.ocf.json"]["items"]:
        if s["id"] == tx["stakeholder_id"]:
            s["name"]["legal_name"] = "Qwest Corporation"
    back = imported(edited, tmp_path / "edited")
    expected = with_issuance(holder="Qwest Corporation", purchase_price="1000")
    data = expected.model_dump(mode="json")
    for tranche in data["options_and_warrants"]:
        if tranche["name"] == "Qwest Warrant":
            tranche["count"] = "2400000"
    assert back.structure == parse_capital_structure(data, "test")
    assert any("the warrants 'Qwest Warrant' as edited" in note for note in back.notes)


def test_a_warrant_issuance_removed_by_hand_leaves_the_tranche_out(files: Files, tmp_path: Path) -> None:
    edited = copy.deepcopy(files)
    items = edited["Transactions.ocf.json"]["items"]
    edited["Transactions.ocf.json"]["items"] = [t for t in items if t["object_type"] != "TX_WARRANT_ISSUANCE"]
    back = imported(edited, tmp_path / "removed")
    assert back.structure is not None
    assert [t.name for t in back.structure.options_and_warrants] == ["Management options"]
    assert any("TX_WARRANT_ISSUANCE was removed" in note for note in back.notes)


def test_a_warrant_issuance_of_no_tranche_is_refused(files: Files, tmp_path: Path) -> None:
    edited = copy.deepcopy(files)
    tx = warrant(edited)
    tx["comments"] = [c.replace("Qwest Warrant", "Another Warrant") for c in tx["comments"]]
    with pytest.raises(InputError, match="the capital structure has no warrant tranche 'Another Warrant'"):
        imported(edited, tmp_path / "unknown")


def test_only_a_warrant_records_its_issuance() -> None:
    data = bundled_for_company("CAIS Internet, Inc.", "--capital-structure").structure.model_dump(mode="json")
    data["options_and_warrants"][0]["issuance"] = ISSUANCE  # the Management options
    with pytest.raises(CapitalStructureError, match=r"options_and_warrants\[0\] \(Management options\)\.issuance"):
        parse_capital_structure(data, "test")


def test_the_bundled_synthetic_company_exports_its_lender_warrant(tmp_path: Path) -> None:
    """Northwind Networks (synthetic, every figure illustrative) records its Lender warrant's issuance:
    exported as a TX_WARRANT_ISSUANCE of 100,000 shares at $12.00 to Harbor Venture Lending LLC, and
    imported back into the same capital structure."""
    from test_ocf_export import NORTHWIND

    whose, placed = service.load_ledger(str(NORTHWIND), "sqlite:///unused.sqlite", None)
    assert whose is not None
    structure = bundled_for_company(service.company_name(whose), "--capital-structure").structure
    files = export_package(placed, whose, dt.date(2025, 12, 31), structure, FACTS, WHEN)
    tx = warrant(files)
    assert (tx["custom_id"], tx["date"], Fraction(tx["quantity"])) == ("Lender warrant", "2024-09-30", 100_000)
    assert Fraction(tx["exercise_price"]["amount"]) == 12
    write_package(files, tmp_path / "northwind")
    back = read_ledger_of(read_package(tmp_path / "northwind"), "northwind-networks")
    assert back.structure == structure
