"""`prefstack ocf export`: every file of the package validates against the OCF schemas (read from
../shared/ocf/schema at test time), and the figures it writes are the certificates' (hand-computed)."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from ocf_schemas import errors, needs_ocf

from prefstack.instruments.capital_structure import bundled_for_company
from prefstack.ledger import service
from prefstack.ocf import extension
from prefstack.ocf.export import IssuerFacts, export_package

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "src" / "prefstack" / "data" / "example_ledger.yaml"
NORTHWIND = ROOT / "src" / "prefstack" / "data" / "northwind_ledger.yaml"
FACTS = IssuerFacts(dt.date(1996, 2, 20), "US", "DE")
WHEN = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def package_of(ledger: Path, as_of: dt.date) -> dict[str, dict[str, Any]]:
    whose, placed = service.load_ledger(str(ledger), "sqlite:///unused.sqlite", None)
    assert whose is not None
    structure = bundled_for_company(service.company_name(whose), "--capital-structure").structure
    return export_package(placed, whose, as_of, structure, FACTS, WHEN)


@pytest.fixture(scope="module")
def cais() -> dict[str, dict[str, Any]]:
    return package_of(EXAMPLE, dt.date(2003, 12, 31))


def ext(obj: dict[str, Any]) -> dict[str, Any]:
    found = extension.find(obj, str(obj.get("id")))
    assert found is not None
    return found


def by_id(package: dict[str, dict[str, Any]], file: str) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in package[file]["items"]}


@needs_ocf
@pytest.mark.parametrize(
    ("ledger", "as_of"),
    [(EXAMPLE, dt.date(2003, 12, 31)), (EXAMPLE, dt.date(2001, 3, 15)), (NORTHWIND, dt.date(2025, 12, 31))],
)
def test_every_exported_file_validates_against_the_ocf_schemas(ledger: Path, as_of: dt.date) -> None:
    package = package_of(ledger, as_of)
    assert len(package) == 8  # the manifest and the seven files it must list
    for name, doc in package.items():
        assert errors(doc) == [], name


@needs_ocf
def test_the_validator_does_fail_a_broken_file(cais: dict[str, dict[str, Any]]) -> None:
    """A control: the same validator refuses a transaction without its quantity and a class whose
    seniority is not an OCF Numeric (so the test above could fail)."""
    transactions = json.loads(json.dumps(cais["Transactions.ocf.json"]))
    del transactions["items"][1]["quantity"]
    assert errors(transactions)
    classes = json.loads(json.dumps(cais["StockClasses.ocf.json"]))
    classes["items"][0]["seniority"] = "2.5.1"
    assert errors(classes)


def test_every_extension_validates_against_its_json_schema(cais: dict[str, dict[str, Any]]) -> None:
    checker = Draft202012Validator(extension.EXTENSION_SCHEMA)
    seen = 0
    for doc in cais.values():
        for obj in [doc, *doc.get("items", [])]:
            for text in obj.get("comments", []):
                assert text.startswith(extension.PREFIX)
                assert list(checker.iter_errors(json.loads(text[len(extension.PREFIX) :]))) == []
                seen += 1
    # one per transaction (23), stakeholder (3), stock class (6: C, D, E, F, G, Common), plan (1), manifest (1)
    assert seen == 23 + 3 + 6 + 1 + 1


def test_series_f_and_g_are_preferred_classes_with_the_current_conversion_price(
    cais: dict[str, dict[str, Any]],
) -> None:
    classes = by_id(cais, "StockClasses.ocf.json")
    f = classes["series-F"]
    assert f["class_type"] == "PREFERRED"
    # The capital structure ranks C, D, E at 1 and F, G at 2 (1 is paid first); OCF's seniority is the
    # other way round (higher is paid first): top rank 2 -> C, D, E: 2 + 2 - 1 = 3; F, G: 2 + 2 - 2 = 2;
    # the Common Stock 1.
    assert (f["seniority"], classes["series-G"]["seniority"], classes["class-series-c"]["seniority"]) == ("2", "2", "3")
    assert classes["common-stock"]["seniority"] == "1"
    # F §5(a): $24.00; the 2002-07-15 issue at $2.50 took it to $23.07 (F §5(d)(iv)) and the 2-for-1 split of
    # 2002-08-01 halved it (F §5(e)): 23.07 / 2 = 11.535.
    mechanism = f["conversion_rights"][0]["conversion_mechanism"]
    assert mechanism["conversion_price"] == {"amount": "11.535", "currency": "USD"}
    # ratio = Original Issue Price / Conversion Price = 1000 / 11.535 = 1,000,000 / 11,535 = 200,000 / 2,307
    assert mechanism["ratio"] == {"numerator": "200000", "denominator": "2307"}
    assert mechanism["rounding_type"] == "FLOOR"
    assert f["price_per_share"]["amount"] == "1000"  # F §3(a)
    assert f["liquidation_preference_multiple"] == "1"  # F §3(a)
    assert f["initial_shares_authorized"] == "56617"  # F §1(a)
    # 200000/2307 = 86.6926744690... shown to ten places, the exact ratio in the extension
    assert f["votes_per_share"] == "86.692674469"
    assert ext(f)["exact"]["votes_per_share"] == "200000/2307"
    # Series D (capital structure, illustrative): participating, capped at 2x, conversion price $25 on $1,000
    d = classes["class-series-d"]
    assert d["participation_cap_multiple"] == "2"
    assert d["conversion_rights"][0]["conversion_mechanism"]["ratio"] == {"numerator": "40", "denominator": "1"}


def test_issuances_conversion_split_and_derived_transactions(cais: dict[str, dict[str, Any]]) -> None:
    items = cais["Transactions.ocf.json"]["items"]
    kinds = [t["object_type"] for t in items]
    # PIK issues, one per holder and Payment Date paid in shares: 2000-09-15 and 2000-12-15 (both), 2001-03-15
    # (3Com only: Microsoft elected cash), 2001-06-15 and 2001-09-15 (both; Microsoft half in shares),
    # 2001-12-15 not paid, 2002-03-15 (both, with the arrears) and 2002-06-15 (both); none recorded later:
    # 2 + 2 + 1 + 2 + 2 + 2 + 2 = 13
    assert kinds.count("TX_STOCK_ISSUANCE") == 2 + 13 + 1  # F and G issues, 13 PIK issues, the common issue
    assert kinds.count("TX_STOCK_CONVERSION") == 1
    assert kinds.count("TX_STOCK_CLASS_SPLIT") == 1
    assert kinds.count("TX_STOCK_CLASS_CONVERSION_RATIO_ADJUSTMENT") == 4  # F and G, 2002-07-15 and 2002-08-01
    f_issue = next(t for t in items if t.get("custom_id") == "f-issue")
    assert (f_issue["quantity"], f_issue["stakeholder_id"], f_issue["date"]) == (
        "40000",
        "Microsoft Corporation",
        "2000-08-02",
    )
    assert ext(f_issue)["event"]["event"]["kind"] == "preferred_issued"
    # The first Series F dividend (2000-09-15), paid in PIK shares (the default form, F §2(d)): 40,000 shares x
    # $1,000 x 7% (F §2(a)) x 44 days (2000-08-02 to 2000-09-15) / 360 (F Sched. 1) / $1,000 a share
    # = 40,000 x 0.07 x 44 / 360 = 123,200 / 360 = 3,080 / 9 = 342.2222... shares
    pik = next(t for t in items if t.get("custom_id") == "pik-F-2000-09-15-Microsoft Corporation")
    assert Fraction(40000) * Fraction(7, 100) * 44 / 360 == Fraction(3080, 9)
    assert pik["quantity"] == "342.2222222222"  # ten places, half-even
    assert ext(pik)["exact"]["quantity"] == "3080/9"
    assert ext(pik)["role"] == "derived"
    split = next(t for t in items if t["object_type"] == "TX_STOCK_CLASS_SPLIT")
    assert split["split_ratio"] == {"numerator": "2", "denominator": "1"}
    conversion = next(t for t in items if t["object_type"] == "TX_STOCK_CONVERSION")
    assert conversion["quantity_converted"] == "1000"
    assert conversion["security_id"] == "series-F/Microsoft Corporation"
    assert conversion["resulting_security_ids"] == ["common-stock/Microsoft Corporation"]


def test_what_ocf_cannot_hold_travels_in_the_manifest_extension(cais: dict[str, dict[str, Any]]) -> None:
    package = ext(cais["Manifest.ocf.json"])
    kinds = [e["event"]["kind"] for e in package["events"]]
    # 554 events: 8 on OCF transactions (2 issues, 1 conversion, 1 split, 1 common issue, 1 authorized,
    # and no option, transfer or combination), the other 548 in the extension
    assert len(kinds) == 554 - 6
    for kind in ("dividend_election", "wire_account_notice", "notice_sent", "dividend_payment", "closing_price"):
        assert kind in kinds
    assert package["terms"] == {"F": "Series F Preferred Stock", "G": "Series G Preferred Stock"}
    # computed under prefstack's readings; the PIK shares rest on the day count (F Sched. 1) and the split's
    # price on the adjustment rounded to the cent (F §5(d)(iv))
    assert package["readings"] == {}
    assert {"DIV-DAYCOUNT", "AD-ROUND-CENT", "DIV-FRACTIONAL-PIK"} <= set(package["interpretations"])
    assert package["capital_structure"]["company"] == "CAIS Internet, Inc."
    issuer = cais["Manifest.ocf.json"]["issuer"]
    assert (issuer["legal_name"], issuer["formation_date"]) == ("CAIS Internet, Inc.", "1996-02-20")


def test_events_after_the_date_are_left_out() -> None:
    package = package_of(EXAMPLE, dt.date(2000, 7, 1))
    dates = [t["date"] for t in package["Transactions.ocf.json"]["items"]]
    assert dates and max(dates) <= "2000-07-01"
    assert "2000-08-02" not in dates  # the Series F issue


def test_docs_print_the_extensions_json_schema() -> None:
    """docs/ocf.md shows the extension's JSON Schema: the one the code validates against."""
    text = (ROOT / "docs" / "ocf.md").read_text(encoding="utf-8")
    block = text.split("```json\n", 1)[1].split("\n```", 1)[0]
    assert json.loads(block) == extension.EXTENSION_SCHEMA
