"""The decisions of the OCF interchange (src/prefstack/ocf/decisions.yaml) and of the fair-value model
(src/prefstack/valuation_decisions.yaml): each one named by the
code that follows it and by docs/ocf.md, every name the code and the docs use written down, and
none of them among the certificates' interpretations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prefstack.decisions import PARTS, decision, decisions
from prefstack.interpretations import registry

ROOT = Path(__file__).resolve().parents[2]
NAMED = re.compile(r"OCF-[A-Z0-9-]*[A-Z0-9]")


def _named_in(paths: list[Path]) -> set[str]:
    return {name for path in paths for name in NAMED.findall(path.read_text(encoding="utf-8"))}


def test_every_decision_is_followed_by_the_code_and_documented() -> None:
    code = _named_in(sorted((ROOT / "src/prefstack/ocf").glob("*.py")))
    docs = _named_in([ROOT / "docs/ocf.md"])
    written = set(decisions("ocf"))
    assert written == {
        "OCF-POSITIONS",
        "OCF-DERIVED-TRANSACTIONS",
        "OCF-NUMERIC-ROUNDING",
        "OCF-RENAME-DATE",
        "OCF-MD5",
    }
    assert code == written and docs == written


def test_a_decision_is_not_a_reading_of_a_certificate() -> None:
    for part in PARTS:  # the interchange's and the fair-value model's
        assert not set(decisions(part)) & set(registry())
        for item in decisions(part).values():
            assert item["alternatives"] and item["why"] and item["reading"]
    assert set(decisions("valuation")) == {
        "VAL-PIK-DEFAULT",
        "VAL-CONVERSION-ACCRUED",
        "VAL-REDEMPTION-CASH",
        "VAL-CHANGE-OF-CONTROL",
        "VAL-CASH-ELECTION",
        "VAL-OPM-WATERFALL-DATE",
        "VAL-REDEMPTION-IN-COMMON",
    }


def test_an_unknown_decision_is_refused_by_name() -> None:
    assert decision("ocf", "OCF-MD5") == "OCF-MD5"
    with pytest.raises(KeyError, match="OCF-NOPE"):
        decision("ocf", "OCF-NOPE")
