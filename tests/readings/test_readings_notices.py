"""Alternatives of the readings of the notices and documents (F/G §5(k)), each checked on a document
the command line makes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

COVERED = {("NOTICE-ADDRESS", "refuse")}


def test_a_redemption_notice_for_a_holder_without_an_address(cli: Any, tmp_path: Path) -> None:
    """NOTICE-ADDRESS=refuse: holder A of 40,000 shares of Series F has no holder_address event.
    prefstack makes its Redemption Notice, saying no address is on record; under the alternative no
    document is made, and the error names the holder and the clauses."""
    events = [
        {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
        {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
    ]
    ledger = tmp_path / "ledger.yaml"
    ledger.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": events}))
    out = tmp_path / "notice.html"
    asked = ["document", "redemption-notice", "--series", "F", "--redemption-date", "2005-08-02"]
    asked += ["--place", "the office", "--holder", "A", "--ledger", str(ledger), "--out", str(out)]
    cli(*asked)
    assert "no address on record in the ledger" in out.read_text()
    out.unlink()
    refused = cli("--reading", "NOTICE-ADDRESS=refuse", *asked, ok=False)
    assert refused.returncode == 2 and not out.exists()
    assert "no address of A is on record" in refused.stderr and "F §5(k)" in refused.stderr
