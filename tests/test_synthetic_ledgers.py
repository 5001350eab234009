"""The benchmarks' synthetic ledgers, small, are valid ledger files: each imports through the
command line and ``state`` reports the holders and shares the generator put in.

The expected figures are counted from the generated document itself (issues, conversions),
never from a replay.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from benchmarks.synthetic import (
    F_ISSUE_DATE,
    G_ISSUE_DATE,
    dividend_ledger,
    g_holder_name,
    kind_counts,
    register_ledger,
)

from prefstack.ledger.files import dump_ledger

BEFORE_FIRST_PAYMENT = "2000-09-14"


def _events(document: dict[str, Any], kind: str, series: str | None = None) -> list[dict[str, Any]]:
    return [e for e in document["events"] if e["kind"] == kind and (series is None or e["series"] == series)]


def _issued(document: dict[str, Any], series: str) -> dict[str, Fraction]:
    out: dict[str, Fraction] = {}
    for event in _events(document, "preferred_issued", series):
        out[event["holder"]] = out.get(event["holder"], Fraction(0)) + Fraction(event["shares"])
    return out


def _converted(document: dict[str, Any], series: str) -> Fraction:
    return sum((Fraction(e["shares"]) for e in _events(document, "conversion", series)), Fraction(0))


def _import_and_state(
    cli: Callable[..., Any], tmp_path: Path, document: dict[str, Any], fmt: str, *dates: str
) -> list[dict[str, Any]]:
    path = tmp_path / f"ledger.{fmt}"
    path.write_text(dump_ledger(document, fmt), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    imported = cli("ledger", "import", str(path), "--db", db)
    count = len(document["events"])
    assert f"imported {count} events" in imported.stdout
    states = []
    for as_of in dates:
        result = cli("state", "--db", db, "--as-of", as_of, "--format", "json")
        assert result.returncode == 0
        states.append(json.loads(result.stdout))
    return states


def _series(state: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [s for s in state["series"] if s["series"] == name]
    return found


def _exact(figures: dict[str, Any], key: str) -> Fraction:
    """A figure of the state exactly: ``KEY_exact`` where rounding lost something, else ``KEY``."""
    return Fraction(figures.get(f"{key}_exact", figures[key]))


def _last_date(document: dict[str, Any]) -> str:
    return max(str(e["date"]) for e in document["events"])


def test_small_register_imports_and_reports_its_holders_and_shares(cli: Callable[..., Any], tmp_path: Path) -> None:
    document = register_ledger(f_holders=50, g_holders=20, conversions=10)
    counts = kind_counts(document)
    assert counts["preferred_issued"] == 70
    assert counts["conversion"] == 10
    assert counts["dividend_election"] == 50 * 9
    assert counts["dividend_payment"] == 2 * 20
    last = _last_date(document)
    before, after = _import_and_state(cli, tmp_path, document, "yaml", BEFORE_FIRST_PAYMENT, last)

    f_issued, g_issued = _issued(document, "F"), _issued(document, "G")
    assert len(f_issued) == 50 and len(g_issued) == 20
    assert sum(f_issued.values()) <= 40_000 and sum(g_issued.values()) <= 20_000
    for state, as_of in ((before, BEFORE_FIRST_PAYMENT), (after, last)):
        assert state["events_applied"] == sum(1 for e in document["events"] if e["date"] <= as_of)
        for name, issued in (("F", f_issued), ("G", g_issued)):
            series = _series(state, name)
            # Every holder keeps shares: conversions are partial.
            assert {h["holder"] for h in series["holders"]} == set(issued)

    # Before the first Payment Date and the first conversion: exactly the shares issued.
    assert all(e["date"] > BEFORE_FIRST_PAYMENT for e in _events(document, "conversion"))
    assert _series(before, "F")["original_issuance_date"] == F_ISSUE_DATE.isoformat()
    assert _series(before, "G")["original_issuance_date"] == G_ISSUE_DATE.isoformat()
    for name, issued in (("F", f_issued), ("G", g_issued)):
        series = _series(before, name)
        assert _exact(series, "shares_outstanding") == sum(issued.values())
        held = {h["holder"]: _exact(h, "shares_outstanding") for h in series["holders"]}
        assert held == issued

    # At the end: PIK dividends have added shares, and what was issued (the generator's issues
    # and the dividends' PIK shares) less what is outstanding is exactly what was converted.
    for name, issued in (("F", f_issued), ("G", g_issued)):
        series = _series(after, name)
        outstanding = _exact(series, "shares_outstanding")
        ever = _exact(series, "shares_ever_issued")
        assert ever - outstanding == _converted(document, name)
        assert ever > sum(issued.values())  # PIK shares were paid
    assert _converted(document, "F") > 0 and _converted(document, "G") > 0
    assert any(h["holder"] == g_holder_name(0) for h in _series(after, "G")["holders"])


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_small_dividend_ledger_imports_and_reports_its_holders_and_shares(
    cli: Callable[..., Any], tmp_path: Path, fmt: str
) -> None:
    document = dividend_ledger(2_000)
    counts = kind_counts(document)
    holders = counts["preferred_issued"]
    assert counts["dividend_election"] == holders * counts["dividend_payment"]
    assert len(document["events"]) <= 2_000
    issued = _issued(document, "F")
    last = _last_date(document)
    before, end = _import_and_state(cli, tmp_path, document, fmt, BEFORE_FIRST_PAYMENT, last)
    assert _exact(_series(before, "F"), "shares_outstanding") == sum(issued.values())
    f_end = _series(end, "F")
    assert {h["holder"] for h in f_end["holders"]} == set(issued) and len(issued) == holders
    assert end["events_applied"] == len(document["events"])
    # No conversions: every share ever issued (the generator's and the PIK shares) is outstanding.
    assert _exact(f_end, "shares_outstanding") == _exact(f_end, "shares_ever_issued")
    assert _exact(f_end, "shares_outstanding") > sum(issued.values())
