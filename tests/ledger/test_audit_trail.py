"""Corrections and accountability: every stored event can be voided (by id or by sequence number),
each event records who entered it, and `prefstack ledger log` shows the audit trail."""

from __future__ import annotations

import getpass
import json
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
CONVERSION_SEQ = 550  # the example's conversion of 1,000 Series F shares, recorded without an id
EXAMPLE_EVENTS = 554


def _state(cli: Any, *args: str) -> dict[str, Any]:
    return json.loads(cli("state", "--as-of", "2002-06-30", "--format", "json", *args).stdout)  # type: ignore[no-any-return]


def _microsoft_f(report: dict[str, Any]) -> str:
    series_f = next(s for s in report["series"] if s["series"] == "F")
    return str(next(h for h in series_f["holders"] if h["holder"] == "Microsoft Corporation")["shares_outstanding"])


@pytest.fixture
def store(cli: Any, tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    cli("ledger", "import", EXAMPLE, "--db", db, "--by", "Registrar Desk")
    return db


def _events(db: str) -> list[tuple[Any, ...]]:
    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT seq, kind, payload, recorded_by, hash FROM ledger_events ORDER BY seq").fetchall()


def test_an_event_without_an_id_is_voided_by_its_sequence_number(cli: Any, store: str, tmp_path: Path) -> None:
    """Voiding #550 gives exactly the state of the ledger without it, and the log says who and why."""
    before = _state(cli, "--db", store)
    out = cli(
        "ledger", "void", "--seq", str(CONVERSION_SEQ), "--reason", "entered twice", "--date", "2002-07-20",
        "--by", "A. Auditor", "--db", store,
    ).stdout  # fmt: skip
    assert f"voided event #{CONVERSION_SEQ} with event #{EXAMPLE_EVENTS + 1}, recorded by A. Auditor" in out
    after = _state(cli, "--db", store)

    doc = yaml.safe_load(Path(EXAMPLE).read_text())
    del doc["events"][CONVERSION_SEQ - 1]
    without = tmp_path / "without.yaml"
    without.write_text(yaml.safe_dump(doc))
    assert after == _state(cli, "--ledger", str(without))
    # Microsoft keeps the 1,000 shares it had converted (and the PIK dividends paid on them since).
    from fractions import Fraction

    assert Fraction(_microsoft_f(after)) - Fraction(_microsoft_f(before)) >= 1000

    log = json.loads(cli("ledger", "log", "--db", store, "--format", "json").stdout)
    assert log["company"] == "CAIS Internet, Inc."
    rows = {r["seq"]: r for r in log["events"]}
    assert len(rows) == EXAMPLE_EVENTS + 1
    converted = rows[CONVERSION_SEQ]
    assert converted["kind"] == "conversion" and converted["id"] is None and converted["clause"] == "F §5(c)"
    assert converted["voided"] is True and converted["voided_by"] == EXAMPLE_EVENTS + 1
    assert converted["status"] == f"voided by #{EXAMPLE_EVENTS + 1} (A. Auditor): entered twice"
    assert converted["recorded_by"] == "Registrar Desk"
    void = rows[EXAMPLE_EVENTS + 1]
    assert (void["kind"], void["recorded_by"], void["effective_date"]) == ("void", "A. Auditor", "2002-07-20")
    assert void["status"] == f"voids #{CONVERSION_SEQ}: entered twice"
    assert sum(r["voided"] for r in log["events"]) == 1
    # The table names the same trail; CSV has one row per event and the header.
    table = cli("ledger", "log", "--db", store).stdout
    assert "voided by #555" in table and "Registrar" in table
    csv_lines = cli("ledger", "log", "--db", store, "--format", "csv").stdout.strip().splitlines()
    assert len(csv_lines) == 1 + EXAMPLE_EVENTS + 1
    assert csv_lines[CONVERSION_SEQ].endswith(",F §5(c),voided by #555 (A. Auditor): entered twice")


def test_export_and_import_keep_the_void_by_sequence_and_who_recorded_each_event(
    cli: Any, store: str, tmp_path: Path
) -> None:
    cli("ledger", "void", "--seq", str(CONVERSION_SEQ), "--reason", "entered twice", "--db", store, "--by", "Ops")
    exported = tmp_path / "export.yaml"
    exported.write_text(cli("ledger", "export", "--db", store).stdout)
    doc = yaml.safe_load(exported.read_text())
    assert doc["company"] == "CAIS Internet, Inc."
    assert doc["events"][-1]["voids_seq"] == CONVERSION_SEQ and doc["events"][-1]["recorded_by"] == "Ops"
    copy = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    cli("ledger", "import", str(exported), "--db", copy, "--by", "Someone Else")
    # Each event keeps who recorded it (the file says), not who imported the copy.
    assert [r[3] for r in _events(copy)] == [r[3] for r in _events(store)]
    assert _state(cli, "--db", copy) == _state(cli, "--db", store)
    # The file itself replays the same way: a void by seq names the position in the file.
    assert _state(cli, "--ledger", str(exported)) == _state(cli, "--db", store)


def test_events_recorded_without_by_name_the_operating_system_user(cli: Any, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    cli("ledger", "import", EXAMPLE, "--db", db)
    assert {r[3] for r in _events(db)} == {getpass.getuser()}


def test_a_void_by_seq_in_a_file_appended_to_a_store_names_the_stored_event(
    cli: Any, store: str, tmp_path: Path
) -> None:
    more = tmp_path / "more.yaml"
    void = {"kind": "void", "date": "2002-07-20", "voids_seq": CONVERSION_SEQ, "reason": "entered twice"}
    more.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": [void]}))
    cli("ledger", "import", str(more), "--db", store, "--company", "cais-internet")
    log = json.loads(cli("ledger", "log", "--db", store, "--format", "json").stdout)
    assert [r["seq"] for r in log["events"] if r["voided"]] == [CONVERSION_SEQ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--seq", "555"],
            "voids_seq: names seq 555, but a void names only an event recorded before it (this is seq 555)",
        ),
        (["--seq", "9999"], "voids_seq: names seq 9999, but a void names only an event recorded before it"),
        (["--seq", "0"], "voids_seq"),
        (["no-such-id"], "voids: no event has id 'no-such-id'"),
        (["split-2002", "--seq", "554"], "name the event to void by its id or by --seq N, not both"),
        ([], "name the event to void by its id or by --seq N, not both"),
    ],
)
def test_a_void_that_names_no_earlier_event_is_refused_and_nothing_is_stored(
    cli: Any, store: str, args: list[str], message: str
) -> None:
    before = _events(store)
    result = cli("ledger", "void", *args, "--reason", "test", "--db", store, ok=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert message in result.stderr
    assert _events(store) == before


def test_a_void_cannot_itself_be_voided(cli: Any, store: str) -> None:
    cli("ledger", "void", "split-2002", "--reason", "wrong date", "--db", store)
    before = _events(store)
    result = cli("ledger", "void", "--seq", str(EXAMPLE_EVENTS + 1), "--reason", "undo", "--db", store, ok=False)
    assert result.returncode == 2 and "is itself a void: a void cannot be undone" in result.stderr
    assert _events(store) == before


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--reason", "", "must not be empty"),
        ("--reason", "wrong\x1b[2J", "must not contain control characters"),
        ("--reason", "x" * 2001, "has at most 2,000 characters"),
        ("--by", "", "--by: must not be empty"),
        ("--by", "Eve\x1b]0;owned\x07", "--by: must not contain control characters"),
        ("--by", "y" * 201, "--by: has at most 200 characters"),
    ],
)
def test_who_and_why_follow_the_text_policy(cli: Any, store: str, option: str, value: str, message: str) -> None:
    before = _events(store)
    args = {"--reason": "typo", "--by": "Ops"}
    args[option] = value
    result = cli(
        "ledger", "void", "--seq", "10", "--reason", args["--reason"], "--by", args["--by"], "--db", store, ok=False
    )
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert _events(store) == before


def test_who_recorded_an_event_is_part_of_its_hash(cli: Any, store: str) -> None:
    path = store.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE ledger_events SET recorded_by = 'Mallory' WHERE seq = 20")
    result = cli("ledger", "verify", "--db", store, ok=False)
    assert result.returncode == 1 and "edited: event #20" in result.stdout
    assert cli("ledger", "log", "--db", store, ok=False).returncode == 2


def test_an_imported_file_names_a_company_prefstack_knows_or_is_given_one(cli: Any, store: str, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    event = {"kind": "closing_price", "date": "2002-07-02", "price": "3.00"}
    other.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "company": "Other Co.", "events": [event]}))
    before = _events(store)
    result = cli("ledger", "import", str(other), "--db", store, ok=False)
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: {other}.company: no issuer 'Other Co.'; prefstack knows cais-internet (CAIS Internet, Inc.)"
    )
    assert _events(store) == before
    # A file that names no company and no series is the ledger of no company in particular: refused...
    other.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": [event]}))
    unnamed = cli("ledger", "import", str(other), "--db", store, ok=False)
    assert unnamed.returncode == 2
    assert unnamed.stderr == (
        f"error: {other}.company: the file names no company and none of its events names a series: give --company "
        "(an issuer id or legal name) (ledger format)\n"
    )
    assert _events(store) == before
    # ... until --company names it.
    cli("ledger", "import", str(other), "--db", store, "--company", "CAIS Internet, Inc.")
    assert len(_events(store)) == len(before) + 1


def test_the_log_gives_series_g_events_their_own_clauses() -> None:
    from prefstack.ledger.events import event_clause, parse_event

    g = parse_event({"kind": "conversion", "date": "2002-01-10", "series": "G", "holder": "X", "shares": "1"}, "t")
    f = parse_event({"kind": "conversion", "date": "2002-01-10", "series": "F", "holder": "X", "shares": "1"}, "t")
    assert (event_clause(g), event_clause(f)) == ("G §5(c)", "F §5(c)")


def test_a_second_closing_price_for_a_day_is_refused_and_a_void_then_corrects_it(cli: Any, store: str) -> None:
    """The example records 8.90 for 2002-06-28; a second price for that day would make every later
    FMV depend on replay order, so it is refused until the first is voided."""
    before = _events(store)
    add = ("ledger", "add", "--kind", "closing_price", "--date", "2002-06-28", "--field", "price=3.20", "--db", store)
    again = cli(*add, ok=False)
    assert again.returncode == 2
    assert "the closing price of 2002-06-28 is already recorded (8.9); correct it with a void" in again.stderr
    assert _events(store) == before
    with sqlite3.connect(store.removeprefix("sqlite:///")) as conn:
        (seq,) = conn.execute(
            "SELECT seq FROM ledger_events WHERE kind = 'closing_price' AND effective_date = '2002-06-28'"
        ).fetchone()
    cli("ledger", "void", "--seq", str(seq), "--reason", "wrong close", "--db", store)
    cli(*add)
    assert len(_events(store)) == len(before) + 2
