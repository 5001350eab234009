"""The `prefstack ocf` commands, run as a person runs them (a subprocess)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocf_schemas import SAMPLES, needs_ocf
from test_ocf_export import EXAMPLE
from test_ocf_import import stored_events


def test_export_then_import_through_the_command_line(cli: Callable[..., Any], tmp_path: Path) -> None:
    out = tmp_path / "cais.zip"
    done = cli(
        "ocf", "export", "--company", "cais-internet", "--as-of", "2003-12-31", "--out", str(out),
        "--formation-date", "1996-02-20", "--country-of-formation", "US", "--ledger", str(EXAMPLE),
    )  # fmt: skip
    # 8 event transactions less the 2 the example lacks (transfer, option) ... counted in test_ocf_export:
    # 2 issues + 1 conversion + 1 split + 1 common issue + 1 authorized + 13 PIK + 4 ratio adjustments = 23
    assert "23 transactions" in done.stdout
    db = tmp_path / "store.sqlite"
    dry = cli("ocf", "import", str(out), "--company", "cais-internet", "--db", f"sqlite:///{db}", "--dry-run")
    assert "would import 554 events" in dry.stdout and stored_events(db) == 0
    cli("ocf", "import", str(out), "--company", "cais-internet", "--db", f"sqlite:///{db}")
    assert stored_events(db) == 554


def test_a_country_that_is_no_iso_code_is_refused(cli: Callable[..., Any], tmp_path: Path) -> None:
    done = cli(
        "ocf", "export", "--company", "cais-internet", "--as-of", "2003-12-31", "--out", str(tmp_path / "x"),
        "--formation-date", "1996-02-20", "--country-of-formation", "USA", "--ledger", str(EXAMPLE), ok=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--country-of-formation: 'USA' is not a two-letter ISO 3166-1 code" in done.stderr
    assert not (tmp_path / "x").exists()


@needs_ocf
def test_the_sample_package_is_refused_with_one_line(cli: Callable[..., Any], tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    done = cli("ocf", "import", str(SAMPLES), "--company", "cais-internet", "--db", f"sqlite:///{db}", ok=False)
    assert done.returncode == 2
    assert done.stderr.startswith("error: StockClasses.ocf.json items[1] (id ")
    assert ".participation_cap_multiple: a PREFERRED class without prefstack's extension" in done.stderr
    assert stored_events(db) == 0
