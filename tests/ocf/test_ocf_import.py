"""`prefstack ocf import`: a package read back into a ledger. The round trip ledger -> OCF -> ledger
gives the same state on every Payment Date of the bundled example; a package edited by hand imports
with that change and nothing else; every OCF sample imports or is refused naming the object and the
field; nothing is stored from a refused package."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from ocf_schemas import SAMPLES, needs_ocf
from test_ocf_export import EXAMPLE, FACTS, WHEN

from prefstack.answers import json_ready
from prefstack.books import Books
from prefstack.cli_ocf import import_package
from prefstack.errors import InputError, PrefstackError
from prefstack.instruments.capital_structure import bundled_for_company
from prefstack.ledger import events as ev
from prefstack.ledger import service
from prefstack.ledger.files import dump_ledger, ledger_document
from prefstack.ledger.replay import Placed
from prefstack.ocf.export import export_package
from prefstack.ocf.importer import Imported, read_ledger_of
from prefstack.ocf.package import read_package, write_package
from prefstack.terms.schema import load_terms

AS_OF = dt.date(2003, 12, 31)
Files = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def original() -> tuple[str, list[Placed]]:
    whose, placed = service.load_ledger(str(EXAMPLE), "sqlite:///unused.sqlite", None)
    assert whose is not None
    return whose, placed


@pytest.fixture(scope="module")
def package(original: tuple[str, list[Placed]]) -> Files:
    whose, placed = original
    structure = bundled_for_company(service.company_name(whose), "--capital-structure").structure
    return export_package(placed, whose, AS_OF, structure, FACTS, WHEN)


def imported_from(files: Files, folder: Path) -> Imported:
    write_package(files, folder)
    return read_ledger_of(read_package(folder), "cais-internet")


def ledger_file(imported: Imported, path: Path) -> Path:
    doc = ledger_document(imported.placed, service.company_name(imported.company))
    path.write_text(dump_ledger(doc, "yaml"), encoding="utf-8")
    return path


def payment_dates() -> list[dt.date]:
    """Every Payment Date of Series F and G from their first (F §2(a), G §2(a): 2000-09-15) to the package's date."""
    found = set()
    for series in ("F", "G"):
        d = load_terms(series).dividends
        first = d.first_payment_date.value
        for year in range(first.year, AS_OF.year + 1):
            for month in d.payment_months.value:
                day = dt.date(year, month, d.payment_day.value)
                if first <= day <= AS_OF:
                    found.add(day)
    return sorted(found)


def state(ledger: Path, day: dt.date) -> dict[str, Any]:
    return json_ready(Books("sqlite:///unused.sqlite", ledger=str(ledger)).state(day))


def test_the_payment_dates_are_the_fourteen_quarters() -> None:
    # 2000-09-15, 2000-12-15, then four a year 2001-2003: 2 + 12 = 14
    assert len(payment_dates()) == 14 and payment_dates()[0] == dt.date(2000, 9, 15)


def test_round_trip_gives_the_same_events_and_state_on_every_payment_date(
    original: tuple[str, list[Placed]], package: Files, tmp_path: Path
) -> None:
    _, placed = original
    imported = imported_from(package, tmp_path / "package")
    assert imported.notes == []  # every md5 matches; every derived transaction is recomputed alike
    assert [p.event for p in imported.placed] == [p.event for p in placed]
    assert [(p.recorded_at, p.recorded_by, p.seq) for p in imported.placed] == [
        (p.recorded_at, p.recorded_by, p.seq) for p in placed
    ]
    again = ledger_file(imported, tmp_path / "again.yaml")
    for day in payment_dates():
        before, after = state(EXAMPLE, day), state(again, day)
        assert after == before, day
    # a figure of the last one, so that the comparison is not of empty states: Series F's Conversion Price on
    # 2003-12-15 is 23.07 / 2 = 11.535 (F §5(d)(iv), §5(e)), shown to the cent as 11.54
    last = state(again, dt.date(2003, 12, 15))
    f = next(s for s in last["series"] if s["series"] == "F")
    assert f["conversion_price"] == "11.54" and f["conversion_price_exact"] == "11.535"
    assert f["holders"][0]["shares_outstanding"] == "43316.64"


def test_the_command_stores_the_package_and_the_store_answers_alike(package: Files, tmp_path: Path) -> None:
    folder = tmp_path / "package.zip"
    write_package(package, folder)
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    dry = import_package(folder, "cais-internet", db, dry_run=True)
    assert dry[-1].startswith("would import 554 events")
    assert not (tmp_path / "store.sqlite").exists()  # a dry run stores nothing
    lines = import_package(folder, "cais-internet", db, dry_run=False)
    assert lines[-1].startswith("imported 554 events")
    day = dt.date(2003, 12, 15)
    stored = json_ready(Books(db, "cais-internet").state(day))
    assert stored == state(EXAMPLE, day)
    with pytest.raises(InputError, match="already holds 554 events"):
        import_package(folder, "cais-internet", db, dry_run=False)


def test_a_stakeholder_renamed_by_hand_imports_as_a_rename_on_the_package_date(
    original: tuple[str, list[Placed]], package: Files, tmp_path: Path
) -> None:
    _, placed = original
    edited = copy.deepcopy(package)
    holder = next(s for s in edited["Stakeholders.ocf.json"]["items"] if s["id"] == "Microsoft Corporation")
    holder["name"]["legal_name"] = "Microsoft Corp."
    imported = imported_from(edited, tmp_path / "renamed")
    # the md5 of the edited file no longer matches the manifest: noted, not refused (OCF-MD5)
    assert [n.split(":")[0] for n in imported.notes] == ["Stakeholders.ocf.json"]
    events = [p.event for p in imported.placed]
    assert events[:-1] == [p.event for p in placed]
    assert events[-1] == ev.HolderName(date=AS_OF, holder="Microsoft Corporation", name="Microsoft Corp.")
    again = ledger_file(imported, tmp_path / "renamed.yaml")
    after, before = state(again, AS_OF), state(EXAMPLE, AS_OF)
    f_after = next(s for s in after["series"] if s["series"] == "F")["holders"][0]
    f_before = next(s for s in before["series"] if s["series"] == "F")["holders"][0]
    assert f_after["name"] == "Microsoft Corp." and f_before["name"] == "Microsoft Corporation"
    assert {**f_after, "name": None} == {**f_before, "name": None}  # nothing else changes
    day_before = AS_OF - dt.timedelta(days=1)
    assert state(again, day_before) == state(EXAMPLE, day_before)  # the old name until the package's date


def test_a_transaction_removed_by_hand_removes_its_event_and_nothing_else(
    original: tuple[str, list[Placed]], package: Files, tmp_path: Path
) -> None:
    _, placed = original
    edited = copy.deepcopy(package)
    items = edited["Transactions.ocf.json"]["items"]
    edited["Transactions.ocf.json"]["items"] = [t for t in items if t["object_type"] != "TX_STOCK_CONVERSION"]
    imported = imported_from(edited, tmp_path / "removed")
    kept = [p.event for p in placed if not isinstance(p.event, ev.Conversion)]
    assert [p.event for p in imported.placed] == kept
    assert len(kept) == len(placed) - 1
    # The PIK issues after the conversion were computed on 1,000 fewer shares: the package's no longer
    # match the events imported, so they are listed as ignored (OCF-DERIVED-TRANSACTIONS), never stored
    assert any("derived TX_STOCK_ISSUANCE on 2002-03-15" in n for n in imported.notes)
    again = ledger_file(imported, tmp_path / "removed.yaml")
    day = dt.date(2002, 1, 10)
    f_after = next(s for s in state(again, day)["series"] if s["series"] == "F")
    f_before = next(s for s in state(EXAMPLE, day)["series"] if s["series"] == "F")
    # without the conversion Microsoft keeps the 1,000 shares it converted on 2002-01-10 (F §5(a))
    assert float(f_after["shares_outstanding"]) - float(f_before["shares_outstanding"]) == 1000
    assert state(again, dt.date(2002, 1, 9)) == state(EXAMPLE, dt.date(2002, 1, 9))


def test_a_quantity_edited_by_hand_is_imported(package: Files, tmp_path: Path) -> None:
    edited = copy.deepcopy(package)
    issue = next(t for t in edited["Transactions.ocf.json"]["items"] if t.get("custom_id") == "g-issue")
    issue["quantity"] = "15000"
    imported = imported_from(edited, tmp_path / "quantity")
    g = next(p.event for p in imported.placed if p.event.id == "g-issue")
    assert isinstance(g, ev.PreferredIssued) and g.shares == 15000


def test_a_refused_package_stores_nothing(package: Files, tmp_path: Path) -> None:
    """A conversion edited to more shares than the holder has is refused by replay (F §5(a)) after the
    package was read: the store is left without one event."""
    edited = copy.deepcopy(package)
    conversion = next(t for t in edited["Transactions.ocf.json"]["items"] if t["object_type"] == "TX_STOCK_CONVERSION")
    conversion["quantity_converted"] = "90000"
    folder = tmp_path / "bad"
    write_package(edited, folder)
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with pytest.raises(PrefstackError):
        import_package(folder, "cais-internet", db, dry_run=False)
    assert stored_events(tmp_path / "store.sqlite") == 0


def stored_events(path: Path) -> int:
    """The events the store at ``path`` holds, all companies together (0 where no store was created)."""
    from prefstack.ledger.store import events_table

    if not path.exists():
        return 0
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            if events_table.name not in sa.inspect(connection).get_table_names():
                return 0
            return int(connection.execute(sa.select(sa.func.count()).select_from(events_table)).scalar_one())
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- the OCF samples

SAMPLE_KEYS = {
    "OCF_STAKEHOLDERS_FILE": "stakeholders_files",
    "OCF_STOCK_CLASSES_FILE": "stock_classes_files",
    "OCF_STOCK_PLANS_FILE": "stock_plans_files",
    "OCF_STOCK_LEGEND_TEMPLATES_FILE": "stock_legend_templates_files",
    "OCF_VESTING_TERMS_FILE": "vesting_terms_files",
    "OCF_VALUATIONS_FILE": "valuations_files",
    "OCF_TRANSACTIONS_FILE": "transactions_files",
    "OCF_FINANCINGS_FILE": "financings_files",
    "OCF_DOCUMENTS_FILE": "documents_files",
}


def single_file_package(sample: Path, folder: Path) -> Path:
    """The sample file alone in a package: a manifest listing it, and the file."""
    doc = json.loads(sample.read_text(encoding="utf-8"))
    folder.mkdir()
    (folder / sample.name).write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
    manifest = {
        "ocf_version": "1.2.1-alpha+main",
        "file_type": "OCF_MANIFEST_FILE",
        "issuer": {
            "object_type": "ISSUER",
            "id": "i",
            "legal_name": "ACME",
            "formation_date": "2010-01-01",
            "country_of_formation": "US",
        },
        "as_of": "2022-03-22",
        "generated_at": "2022-03-22T01:23:45-06:00",
        SAMPLE_KEYS[doc["file_type"]]: [{"filepath": f"./{sample.name}", "md5": "0" * 32}],
    }
    (folder / "Manifest.ocf.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@needs_ocf
def test_the_sample_package_is_refused_naming_the_object_and_the_field(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    with pytest.raises(InputError) as refused:
        import_package(SAMPLES, "cais-internet", f"sqlite:///{db}", dry_run=False)
    # The sample's Series A Preferred carries no participation flag OCF could give for an uncapped class
    assert refused.value.field.startswith("StockClasses.ocf.json items[1] (id ")
    assert refused.value.field.endswith(".participation_cap_multiple")
    assert stored_events(db) == 0


@needs_ocf
@pytest.mark.parametrize(
    "sample",
    sorted(p.name for p in SAMPLES.glob("*.ocf.json") if p.name != "Manifest.ocf.json") if SAMPLES.is_dir() else [],
)
def test_every_sample_file_is_refused_naming_its_object_and_field(sample: str, tmp_path: Path) -> None:
    folder = single_file_package(SAMPLES / sample, tmp_path / "package")
    db = tmp_path / "store.sqlite"
    with pytest.raises(InputError) as refused:
        import_package(folder, "cais-internet", f"sqlite:///{db}", dry_run=False)
    # the object is named by its file, index and id, then the field prefstack cannot represent
    assert re.fullmatch(rf"{re.escape(sample)} items\[\d+\] \(id [^)]+\)\.[a-z_]+", refused.value.field)
    assert refused.value.problem
    assert stored_events(db) == 0


def test_an_issuance_added_by_another_system_imports_as_an_issue_of_the_series(
    original: tuple[str, list[Placed]], package: Files, tmp_path: Path
) -> None:
    """A TX_STOCK_ISSUANCE without prefstack's extension, of a class that is a series prefstack has
    terms for, is a preferred_issued (G §1(a)); it comes after the events the package carried. Shares
    for a holder who already has some are issued on a Payment Date (G §2(a)): 2003-06-15."""
    _, placed = original
    edited = copy.deepcopy(package)
    edited["Transactions.ocf.json"]["items"].append(
        {
            "object_type": "TX_STOCK_ISSUANCE",
            "id": "added-by-hand",
            "date": "2003-06-15",
            "security_id": "s-1",
            "custom_id": "G-added",
            "stakeholder_id": "3Com Corporation",
            "security_law_exemptions": [],
            "stock_class_id": "series-G",
            "share_price": {"amount": "1000", "currency": "USD"},
            "quantity": "100",
            "stock_legend_ids": [],
        }
    )
    imported = imported_from(edited, tmp_path / "added")
    events = [p.event for p in imported.placed]
    assert events[:-1] == [p.event for p in placed]
    assert events[-1] == ev.PreferredIssued(
        date=dt.date(2003, 6, 15), series="G", holder="3Com Corporation", shares="100"
    )


def test_a_package_of_another_company_is_refused(package: Files, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    write_package(package, folder)
    with pytest.raises(InputError, match=r"the package is the cap table of cais-internet, not of northwind-networks"):
        import_package(folder, "northwind-networks", f"sqlite:///{tmp_path / 's.sqlite'}", dry_run=True)


def test_a_capital_structure_other_than_the_bundled_one_is_written_where_asked(package: Files, tmp_path: Path) -> None:
    """The package's capital structure with Series C's shares edited (15,000 -> 12,000) is not the bundled
    file: import asks where to write it, and writes a file that loads as a capital structure."""
    from prefstack.instruments.capital_structure import load_capital_structure
    from prefstack.ocf import extension

    edited = copy.deepcopy(package)
    manifest = edited["Manifest.ocf.json"]
    data = extension.find(manifest, "manifest")
    assert data is not None
    data["capital_structure"]["classes"][0]["shares_outstanding"] = "12000"
    manifest["comments"] = [extension.comment(data)]
    folder = tmp_path / "p"
    write_package(edited, folder)
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    with pytest.raises(InputError, match=r"--capital-structure-out: the package carries a capital structure"):
        import_package(folder, "cais-internet", db, dry_run=False)
    assert stored_events(tmp_path / "s.sqlite") == 0
    out = tmp_path / "structure.yaml"
    lines = import_package(folder, "cais-internet", db, dry_run=False, capital_structure_out=str(out))
    assert lines[-1] == f"wrote the package's capital structure to {out}"
    loaded = load_capital_structure(out).structure
    assert loaded.classes[0].name == "Series C" and loaded.generic[0].shares_outstanding == 12000


def test_a_derived_transaction_removed_by_hand_is_recomputed_and_said(
    original: tuple[str, list[Placed]], package: Files, tmp_path: Path
) -> None:
    """A ratio adjustment is the certificates' result, not a recorded fact (OCF-DERIVED-TRANSACTIONS):
    removing it changes no event; the import says it recomputed one the package lacks."""
    _, placed = original
    edited = copy.deepcopy(package)
    items = edited["Transactions.ocf.json"]["items"]
    adjustment = next(t for t in items if t["object_type"] == "TX_STOCK_CLASS_CONVERSION_RATIO_ADJUSTMENT")
    items.remove(adjustment)
    imported = imported_from(edited, tmp_path / "derived")
    assert [p.event for p in imported.placed] == [p.event for p in placed]
    assert (
        imported.notes[-1] == "1 derived transaction(s) recomputed from the events are not in the package (recomputed)"
    )


def _patched_central_directory(path: Path, offset: int, value: bytes) -> None:
    """Overwrite bytes of every member's entry in the zip's central directory (signature PK\\1\\2)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        data[at + offset : at + offset + len(value)] = value
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("offset", "value", "problem"),
    [
        (8, b"\x01\x00", "is encrypted: it cannot be unpacked"),  # general-purpose flag bit 0
        (10, b"\x63\x00", "is compressed by method 99, which prefstack cannot unpack"),  # 99: AES
    ],
)
def test_a_zip_member_that_cannot_be_unpacked_is_refused_by_name(
    tmp_path: Path, offset: int, value: bytes, problem: str
) -> None:
    """An encrypted member, or one compressed by a method Python's zipfile does not unpack, is refused
    naming the member before anything is read from it."""
    import zipfile

    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Manifest.ocf.json", "{}")
    _patched_central_directory(path, offset, value)
    with pytest.raises(InputError) as refused:
        read_package(path)
    assert refused.value.field == f"{path}:Manifest.ocf.json"
    assert refused.value.problem == problem
