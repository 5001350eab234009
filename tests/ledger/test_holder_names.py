"""Stable holder ids and names on record: every event names a holder by its id; ``holder_name``
gives the name the holder is shown under from its date, and a later one renames it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from prefstack.ledger import events as ev
from prefstack.ledger.replay import LedgerRuleError, place, replay

ISSUE_A = {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "H-0001", "shares": "100"}
ISSUE_B = {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "H-0002", "shares": "50"}
NAME_A = {"kind": "holder_name", "date": "2000-08-02", "holder": "H-0001", "name": "Alpha Partners LP"}
RENAME_A = {"kind": "holder_name", "date": "2001-01-15", "holder": "H-0001", "name": "Alpha Partners II LP"}
TRANSFER = {
    "kind": "transfer",
    "date": "2001-02-01",
    "series": "F",
    "from_holder": "H-0001",
    "to_holder": "H-0002",
    "shares": "10",
}


def _placed(*events: dict[str, Any]) -> list[Any]:
    return place([ev.parse_event(e, "test") for e in events])


def test_a_holder_is_shown_under_its_latest_name_and_keeps_its_id() -> None:
    """Before its name event the holder is shown under its id; from 2000-08-02 as Alpha Partners
    LP; from the rename on 2001-01-15 as Alpha Partners II LP. Its shares stay under the id, and a
    later transfer still names it by the id (100 - 10 = 90 shares left)."""
    placed = _placed(ISSUE_A, ISSUE_B, NAME_A, RENAME_A, TRANSFER)
    before = replay(placed, dt.date(2000, 12, 31))
    after = replay(placed, dt.date(2001, 3, 1))
    assert before.holder_name("H-0001") == "Alpha Partners LP" and before.holder_name("H-0002") == "H-0002"
    assert after.holder_name("H-0001") == "Alpha Partners II LP"
    assert after.names["H-0001"].since == dt.date(2001, 1, 15)
    assert after.series["F"].holdings["H-0001"].shares == 90
    assert after.series["F"].holdings["H-0002"].shares == 60


@pytest.mark.parametrize(
    ("event", "field", "problem"),
    [
        ({**NAME_A, "holder": "H-0009"}, "holder", "'H-0009' holds no shares of any series"),
        ({**NAME_A, "name": "H-0002"}, "name", "'H-0002' is how holder 'H-0002' is shown"),
        ({**RENAME_A, "holder": "H-0002", "name": "Alpha Partners LP"}, "name", "is how holder 'H-0001' is shown"),
    ],
)
def test_a_name_for_no_holder_or_another_holders_name_is_refused(
    event: dict[str, Any], field: str, problem: str
) -> None:
    with pytest.raises(LedgerRuleError, match=problem) as caught:
        replay(_placed(ISSUE_A, ISSUE_B, NAME_A, event), dt.date(2001, 3, 1))
    assert caught.value.field == field and caught.value.clause == "ledger format"


def test_the_state_report_and_documents_show_the_name_on_record(cli: Any, tmp_path: Path) -> None:
    """``state --format json`` gives each holder's id and name; a document is addressed to the name."""
    ledger = tmp_path / "ledger.yaml"
    events = [
        {
            "kind": "company_details",
            "date": "2000-08-01",
            "name": "CAIS Internet, Inc.",
            "address": ["1 Main St"],
            "officer_name": "A. Officer",
            "officer_title": "Secretary",
        },
        ISSUE_A,
        NAME_A,
        RENAME_A,
        {"kind": "holder_address", "date": "2000-08-02", "holder": "H-0001", "address": ["9 Alpha Road"]},
        {"kind": "dividend_payment", "date": "2001-03-15", "series": "F", "outcome": "paid"},
    ]
    ledger.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": events}))
    state = json.loads(cli("state", "--ledger", str(ledger), "--as-of", "2001-03-31", "--format", "json").stdout)
    (row,) = state["series"][0]["holders"]
    assert (row["holder"], row["name"]) == ("H-0001", "Alpha Partners II LP")
    table = cli("state", "--ledger", str(ledger), "--as-of", "2001-03-31").stdout
    assert "name on record" in table and "Alpha Partners II LP" in table
    out = tmp_path / "statement.html"
    cli(
        "document",
        "dividend-statement",
        "--series",
        "F",
        "--payment-date",
        "2001-03-15",
        "--holder",
        "H-0001",
        "--out",
        str(out),
        "--ledger",
        str(ledger),
    )
    assert "Alpha Partners II LP" in out.read_text() and "9 Alpha Road" in out.read_text()
