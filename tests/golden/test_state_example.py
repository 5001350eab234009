"""The whole `state --format json --explain` report of the bundled example, as of four dates, kept
as golden files: every figure, clause and explanation must stay the same to the cent unless a
change means it to (then regenerate with the command in the file's docstring and review the diff).

Regenerate: for d in 2000-12-31 2001-12-31 2002-06-30 2003-12-31; do prefstack state --ledger
src/prefstack/data/example_ledger.yaml --as-of $d --format json --explain >
tests/golden/state/example-$d.json; done
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "state"
EXAMPLE = Path(__file__).parents[2] / "src" / "prefstack" / "data" / "example_ledger.yaml"


@pytest.mark.parametrize("as_of", ["2000-12-31", "2001-12-31", "2002-06-30", "2003-12-31"])
def test_example_state_is_unchanged(cli, as_of: str) -> None:  # type: ignore[no-untyped-def]
    got = json.loads(cli("state", "--ledger", str(EXAMPLE), "--as-of", as_of, "--format", "json", "--explain").stdout)
    expected = json.loads((HERE / f"example-{as_of}.json").read_text())
    assert got == expected
