"""Alternatives of the reading of the reserve for conversion over a capital structure (F/G §5(c)(ii)),
checked on the bundled example through the command line."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

COVERED = {("CAPSTRUCT-RESERVE", "f-g-only")}

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))


def test_the_reserve_counting_only_the_certificates_series(cli: Any) -> None:
    """CAPSTRUCT-RESERVE=f-g-only on 2002-06-30 over the bundled capital structure: prefstack counts
    F and G's 2,430,688 shares of Common Stock, C 750,000, D 400,000, E 200,000, the options
    3,031,495 and the warrant 500,000: 7,312,183; counting only F and G: 2,430,688, as without a
    capital structure."""
    args = ["state", "--as-of", "2002-06-30", "--ledger", EXAMPLE, "--capital-structure", "company", "--format", "json"]
    reserve = json.loads(cli(*args).stdout)["common_stock"]["reserve_for_conversion"]
    assert reserve["required"] == "7312183.00"
    assert 2_430_688 + 750_000 + 400_000 + 200_000 + 3_031_495 + 500_000 == 7_312_183
    alone = json.loads(cli("--reading", "CAPSTRUCT-RESERVE=f-g-only", *args).stdout)
    reserve = alone["common_stock"]["reserve_for_conversion"]
    assert reserve["required"] == "2430688.00" and reserve["covers"] == ["F", "G"]
