"""The command line on the ledger: import, add, export, verify, state (store and file), schema."""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))


def test_schema_ledger_validates_the_example(cli) -> None:  # type: ignore[no-untyped-def]
    """`prefstack schema ledger` is a JSON Schema that the bundled example satisfies."""
    schema = json.loads(cli("schema", "ledger").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    document = yaml.safe_load(Path(EXAMPLE).read_text())
    for event in document["events"]:
        event["date"] = str(event["date"])
    jsonschema.validate(document, schema)
    bad = {
        "format": "prefstack-ledger/1",
        "events": [{"kind": "preferred_issued", "date": "2000-08-02", "series": "H"}],
    }
    assert not jsonschema.Draft202012Validator(schema).is_valid(bad)


def test_import_add_export_verify_state(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    out = cli("ledger", "import", EXAMPLE, "--db", db).stdout
    assert "imported 2" in out or "imported" in out
    added = cli(
        "ledger",
        "add",
        "--kind",
        "closing_price",
        "--date",
        "2002-07-01",
        "--field",
        "price=3.10",
        "--db",
        db,
        "--by",
        "Registrar Desk",
    ).stdout
    assert "recorded by Registrar Desk" in added
    refused = cli(
        "ledger",
        "add",
        "--kind",
        "conversion",
        "--date",
        "2002-07-02",
        "--field",
        "series=F",
        "--field",
        "holder=Nobody",
        "--field",
        "shares=1",
        "--db",
        db,
        ok=False,
    )
    assert refused.returncode == 2
    assert "holder: 'Nobody' holds no Series F shares" in refused.stderr and "(F §5(a))" in refused.stderr
    assert "ok:" in cli("ledger", "verify", "--db", db).stdout
    exported = yaml.safe_load(cli("ledger", "export", "--db", db).stdout)
    # Numbers are stored in their shortest exact form: "3.10" is kept as "3.1", the same value.
    assert exported["events"][-1] == {
        "kind": "closing_price",
        "date": "2002-07-01",
        "price": "3.1",
        "recorded_at": exported["events"][-1]["recorded_at"],
        "recorded_by": "Registrar Desk",
    }
    # The company named by the imported file is kept by the store and written back.
    assert exported["company"] == yaml.safe_load(Path(EXAMPLE).read_text())["company"]
    # Events imported without --by are recorded by the operating-system user.
    import getpass

    assert {e["recorded_by"] for e in exported["events"][:-1]} == {getpass.getuser()}
    report = json.loads(cli("state", "--as-of", "2001-12-31", "--db", db, "--format", "json").stdout)
    from_file = json.loads(cli("state", "--as-of", "2001-12-31", "--ledger", EXAMPLE, "--format", "json").stdout)
    assert report == from_file
    holder = report["series"][0]["holders"][0]
    assert set(holder) >= {
        "shares_outstanding",
        "accrued_unpaid_dividends",
        "conversion_price",
        "conversion_ratio",
        "liquidation_value",
        "votes",
    }
    # Tamper with a stored payload: verify names the event and exits 1.
    path = tmp_path / "store.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE ledger_events SET payload = replace(payload, '40000', '40001') "
            "WHERE seq = (SELECT min(seq) FROM ledger_events WHERE payload LIKE '%40000%')"
        )
    broken = cli("ledger", "verify", "--db", db, ok=False)
    assert broken.returncode == 1 and "edited" in broken.stdout


def test_ledger_add_without_fields_lists_the_kind_fields(cli) -> None:  # type: ignore[no-untyped-def]
    """`ledger add --kind K` with no --field prints what the kind takes, with types and its clause."""
    shown = cli("ledger", "add", "--kind", "conversion").stdout
    assert "Fields of a conversion event (F §5(c))" in shown
    assert "funds_legally_available" in shown and "exact number" in shown and "one of F, G" in shown
    refused = cli("ledger", "add", "--kind", "nonsense", ok=False)
    assert refused.returncode == 2 and "no event kind 'nonsense'" in refused.stderr


def test_schedule_warning_only_with_explain(cli) -> None:  # type: ignore[no-untyped-def]
    """DIV-F-SCHEDULE-AUTHORIZED: the excess over the authorized shares is explained, not printed on every run."""
    assert "warning" not in cli("schedule", "F").stderr
    assert "exceeds the 56617 shares authorized" in cli("schedule", "F", "--explain").stderr


def test_help_shows_plain_type_names(cli) -> None:  # type: ignore[no-untyped-def]
    """--help says TEXT, TEXT ... (repeatable) and nothing for a flag, not <str>, <list[str]>, <bool>."""
    for command in (["ledger", "add"], ["state"], ["waterfall"]):
        shown = cli(*command, "--help").stdout
        assert "<str>" not in shown and "<bool>" not in shown and "<list[str]>" not in shown, command
        assert "TEXT" in shown
    assert "TEXT ..." in cli("ledger", "add", "--help").stdout


def test_the_command_line_imports_rich_only_to_draw_a_table() -> None:
    """Rich (17 ms of the quarter of a second `ledger add` spends importing, for nothing it prints)
    is imported where a table is drawn, not with the command line: `prefstack.cli` loads without it."""
    import subprocess
    import sys

    probe = "import sys; import prefstack.cli; print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    drawn = "import sys; from prefstack.output import console, table; console().print(table('t', [{'a': '1'}], ['a']))"
    shown = subprocess.run([sys.executable, "-c", drawn], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "1" in shown.stdout, shown.stderr
