"""The OCF JSON schemas of ../shared/ocf/schema, read at test time (never copied into the project),
with a validator that resolves the schemas' own ``$ref`` through a :class:`referencing.Registry`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ROOT = Path(__file__).resolve().parents[2]
OCF = ROOT.parent / "shared" / "ocf"
SCHEMAS = OCF / "schema"
SAMPLES = OCF / "samples"

needs_ocf = pytest.mark.skipif(
    not SCHEMAS.is_dir(), reason=f"the OCF schemas are not at {SCHEMAS} (../shared/ocf beside the repository)"
)

FILE_SCHEMAS = {
    "OCF_MANIFEST_FILE": "files/OCFManifestFile.schema.json",
    "OCF_STAKEHOLDERS_FILE": "files/StakeholdersFile.schema.json",
    "OCF_STOCK_CLASSES_FILE": "files/StockClassesFile.schema.json",
    "OCF_STOCK_PLANS_FILE": "files/StockPlansFile.schema.json",
    "OCF_STOCK_LEGEND_TEMPLATES_FILE": "files/StockLegendTemplatesFile.schema.json",
    "OCF_VESTING_TERMS_FILE": "files/VestingTermsFile.schema.json",
    "OCF_VALUATIONS_FILE": "files/ValuationsFile.schema.json",
    "OCF_TRANSACTIONS_FILE": "files/TransactionsFile.schema.json",
}


@cache
def registry() -> Registry[Any]:
    """Every schema of the folder, by its ``$id``."""
    resources = []
    for path in sorted(SCHEMAS.rglob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def validator(file_type: str) -> Draft7Validator:
    schema = json.loads((SCHEMAS / FILE_SCHEMAS[file_type]).read_text(encoding="utf-8"))
    return Draft7Validator(schema, registry=registry(), format_checker=Draft7Validator.FORMAT_CHECKER)


def errors(doc: dict[str, Any]) -> list[str]:
    """Every schema error of one OCF file (empty: it validates)."""
    found = validator(doc["file_type"]).iter_errors(doc)
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}" for e in found]
