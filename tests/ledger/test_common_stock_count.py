"""The Common Stock outstanding is the projection's own count (``section5.common_outstanding``),
not read out of a series' §5 fold: it is defined for a company with no preferred at all, and on
every date it equals the count each series' fold keeps for §5(d)(iv)."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from benchmarks.antidilution import mixed_ledger

from prefstack.ledger import section5
from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import Placed, replay

EXAMPLE = Path(str(resources.files("prefstack.data").joinpath("example_ledger.yaml")))


def _agree(placed: list[Placed], days: list[dt.date]) -> int:
    checked = 0
    for day in days:
        state = replay(placed, day)
        count = section5.common_outstanding(state)
        for series in state.series:
            assert section5.conversion_price_state(state, series).common_outstanding == count, (series, day)
            checked += 1
    return checked


def test_the_count_agrees_with_every_series_fold_on_the_example() -> None:
    """Quarter ends 2000-2004 and the day of each action of the example (issues, the conversion, the
    2002 placement and split): F's and G's folds count what the projection counts."""
    placed = read_ledger(EXAMPLE).events
    days = [dt.date(y, m, 30 if m in (6, 9) else 31) for y in range(2000, 2005) for m in (3, 6, 9, 12)]
    days += sorted({p.event.date for p in placed if p.event.kind in {"common_issued", "conversion", "stock_split"}})
    assert _agree(placed, days) == 2 * len(days)


def test_the_count_agrees_with_every_series_fold_under_section_5_activity() -> None:
    """A synthetic ledger of issues, Options, exercises, expiries and splits (the §5 benchmark's)."""
    placed = mixed_ledger(400)
    last = max(p.event.date for p in placed)
    first = min(p.event.date for p in placed)
    step = (last - first) / 12
    assert _agree(placed, [first + step * i for i in range(1, 13)]) == 24


def _common_only(tmp_path: Path, *events: dict[str, Any]) -> Path:
    path = tmp_path / "common.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": list(events)}))
    return path


def test_a_company_with_no_preferred_has_its_common_stock_counted(tmp_path: Path) -> None:
    """1,000,000 opening; 100,000 issued on 2024-03-01; a 2-for-1 split on 2024-06-01 (2,200,000);
    a 50,000-share stock dividend on 2024-09-01 (2,250,000); a 1-for-5 combination on 2024-12-01
    (450,000). No series is named, so no §5 fold exists to read it from."""
    path = _common_only(
        tmp_path,
        {"kind": "common_outstanding", "date": "2024-01-02", "shares": 1_000_000},
        {
            "kind": "common_issued",
            "date": "2024-03-01",
            "id": "i1",
            "shares": "100000",
            "purpose": "none",
            "cash_consideration": "1000000",
            "fair_market_value_per_share": "10",
        },
        {"kind": "stock_split", "date": "2024-06-01", "id": "s1", "new_shares_per_old_share": "2"},
        {"kind": "stock_dividend", "date": "2024-09-01", "id": "d1", "shares": "50000"},
        {"kind": "stock_combination", "date": "2024-12-01", "id": "c1", "old_shares_per_new_share": "5"},
    )
    placed = read_ledger(path).events
    expected = {
        dt.date(2024, 2, 1): 1_000_000,
        dt.date(2024, 3, 1): 1_100_000,
        dt.date(2024, 6, 1): 2_200_000,
        dt.date(2024, 9, 1): 2_250_000,
        dt.date(2024, 12, 31): 450_000,
    }
    for day, shares in expected.items():
        state = replay(placed, day)
        assert state.series == {} and section5.common_outstanding(state) == shares, day


@pytest.mark.parametrize("day", ["2024-01-01", "2024-12-31"])
def test_the_state_command_reports_it_without_a_series(cli: Any, tmp_path: Path, day: str) -> None:
    path = _common_only(
        tmp_path,
        {"kind": "common_authorized", "date": "2024-01-01", "shares": 5_000_000},
        {"kind": "common_outstanding", "date": "2024-01-01", "shares": 1_000_000},
    )
    import json

    state = json.loads(cli("state", "--ledger", str(path), "--as-of", day, "--format", "json").stdout)
    assert state["series"] == [] and state["common_stock"]["outstanding"] == "1000000"
