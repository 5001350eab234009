"""Hostile and clumsy input: every input is stored and replays, or is refused before anything is
stored with a clear error naming the field (exit 2, no traceback), quickly and in bounded memory."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

BASE: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
]


def _file(tmp_path: Path, text: str, name: str = "l.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _ledger(tmp_path: Path, *events: dict[str, Any]) -> str:
    return _file(tmp_path, yaml.safe_dump({"format": "prefstack-ledger/1", "events": [*BASE, *events]}))


def _refused(result, *needles: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("event", "needle"),
    [
        ({"kind": "stock_split", "date": "2001-01-10", "new_shares_per_old_share": "0"}, "subdivision"),
        ({"kind": "stock_split", "date": "2001-01-10", "new_shares_per_old_share": "-2"}, "subdivision"),
        ({"kind": "stock_combination", "date": "2001-01-10", "old_shares_per_new_share": "0"}, "combination"),
        (
            {"kind": "common_issued", "date": "2001-01-10", "shares": "-5", "purpose": "none",
             "cash_consideration": "1"},
            "shares must be positive",
        ),
        ({"kind": "stock_dividend", "date": "2001-01-10", "shares": "0"}, "shares must be positive"),
    ],
)  # fmt: skip
def test_poisonous_events_are_refused_at_import_and_nothing_is_stored(cli, tmp_path: Path, event, needle) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    cli("ledger", "import", _ledger(tmp_path), "--db", db)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": [event]}))
    _refused(cli("ledger", "import", str(bad), "--db", db, ok=False), needle)
    assert '"version": 2' in cli("ledger", "verify", "--db", db).stdout or cli(
        "state", "--db", db, "--as-of", "2001-12-31"
    )


def test_every_event_the_store_accepts_replays(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An issue whose Fair Market Value cannot be determined (no closing prices, none given) would make
    every later question fail: the import folds the §5 actions and refuses it, naming the field."""
    issue = {
        "kind": "common_issued",
        "date": "2001-01-10",
        "shares": "1000",
        "purpose": "none",
        "cash_consideration": "1",
    }
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    _refused(cli("ledger", "import", _ledger(tmp_path, issue), "--db", db, ok=False), "fair_market_value_per_share")
    _refused(cli("state", "--db", db, "--as-of", "2001-12-31", ok=False), "no store at")


@pytest.mark.parametrize(
    ("number", "needle"),
    [("1e999999999", "out of range"), ("1e-999999999", "out of range"), ("9" * 5000, "characters")],
)
def test_huge_numbers_are_refused_at_once(cli, tmp_path: Path, number: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    path = _ledger(tmp_path, {"kind": "closing_price", "date": "2001-01-02", "price": number})
    _refused(cli("state", "--ledger", path, "--as-of", "2001-12-31", ok=False), needle)
    assert time.monotonic() - started < 30


def test_billion_laughs_is_refused_before_it_expands(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    path = _file(tmp_path, "\n".join(lines) + "\n")
    _refused(cli("state", "--ledger", path, "--as-of", "2001-12-31", ok=False), "aliases")


def test_duplicate_keys_are_refused_in_yaml_and_json(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "format: prefstack-ledger/1\nformat: prefstack-ledger/1\nevents: []\n"
    _refused(cli("state", "--ledger", _file(tmp_path, text), "--as-of", "2001-12-31", ok=False), "given twice")
    doc = '{"format": "prefstack-ledger/1", "events": [], "events": []}'
    _refused(cli("state", "--ledger", _file(tmp_path, doc, "l.json"), "--as-of", "2001-12-31", ok=False), "twice")


def test_deep_nesting_non_utf8_and_devices_are_clear_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deep = _file(tmp_path, "[" * 100_000 + "]" * 100_000, "deep.json")
    _refused(cli("state", "--ledger", deep, "--as-of", "2001-12-31", ok=False), "nested too deeply")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("format: prefstack-ledger/1\nevents: []\ncompany: Soci\xe9t\xe9\n".encode("latin-1"))
    _refused(cli("state", "--ledger", str(latin), "--as-of", "2001-12-31", ok=False), "not UTF-8")
    _refused(cli("state", "--ledger", "/dev/zero", "--as-of", "2001-12-31", ok=False), "is not a file")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_dates_outside_the_range_are_refused_everywhere(cli, tmp_path: Path, day: str) -> None:  # type: ignore[no-untyped-def]
    path = _ledger(tmp_path, {"kind": "closing_price", "date": day, "price": "3.00"})
    _refused(cli("state", "--ledger", path, "--as-of", "2001-12-31", ok=False), "outside the dates")
    _refused(cli("state", "--ledger", _ledger(tmp_path), "--as-of", day, ok=False), "outside the dates")
    _refused(cli("waterfall", "--proceeds", "1", "--on", day, "--ledger", _ledger(tmp_path), ok=False), "outside")


def test_a_missing_store_is_refused_not_created(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    typo = tmp_path / "typo.sqlite"
    _refused(cli("state", "--db", f"sqlite:///{typo}", "--as-of", "2001-12-31", ok=False), "no store at")
    _refused(
        cli("ledger", "add", "--db", f"sqlite:///{typo}", "--kind", "closing_price", "--date", "2001-01-02",
            "--field", "price=3", ok=False),
        "no store at",
    )  # fmt: skip
    assert not typo.exists()


def test_a_tampered_store_is_refused_unless_asked_for_forensics(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A share count edited in the SQLite file: `ledger verify` names it, `state` refuses to answer,
    and `--allow-unverified` answers anyway (forensics)."""
    path = tmp_path / "s.sqlite"
    db = f"sqlite:///{path}"
    cli("ledger", "import", _ledger(tmp_path), "--db", db)
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        table = next(t for t in tables if "event" in t and "head" not in t)
        columns = [r[1] for r in conn.execute(f"pragma table_info({table})")]
        payload = next(c for c in columns if "payload" in c)
        rows = conn.execute(f"select rowid, {payload} from {table}").fetchall()
        rowid, text = next(r for r in rows if "40000" in r[1])
        conn.execute(f"update {table} set {payload} = ? where rowid = ?", (text.replace("40000", "30000"), rowid))
    verify = cli("ledger", "verify", "--db", db, ok=False)
    assert verify.returncode != 0 and "edited" in (verify.stdout + verify.stderr)
    _refused(cli("state", "--db", db, "--as-of", "2001-12-31", ok=False), "does not verify")
    forensic = cli("--allow-unverified", "state", "--db", db, "--as-of", "2001-12-31", "--format", "json")
    assert json.loads(forensic.stdout)["series"][0]["shares_outstanding"] == "30000.00"


@pytest.mark.parametrize(
    ("holder", "needle"),
    [("", "must not be empty"), ("x" * 201, "at most 200 characters"), ("\x1b[2Jevil", "control characters")],
)
def test_holder_names_are_checked(cli, tmp_path: Path, holder: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    """A name empty, over 200 characters or with control characters (an ANSI escape would rewrite the
    terminal that prints it) is refused before anything is stored."""
    issue = {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": holder, "shares": "1"}
    result = cli("state", "--ledger", _ledger(tmp_path, issue), "--as-of", "2001-12-31", ok=False)
    _refused(result, needle)
    assert "\x1b" not in result.stderr.replace("'\\x1b", "")


def test_format_errors_cite_the_format_and_clause_errors_the_series_own_clause(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    unknown = {"kind": "closing_price", "date": "2001-01-02", "price": "3", "colour": "red"}
    _refused(cli("state", "--ledger", _ledger(tmp_path, unknown), "--as-of", "2001-12-31", ok=False), "(ledger format)")
    negative = {"kind": "conversion", "date": "2001-01-02", "series": "G", "holder": "C", "shares": "-1"}
    _refused(cli("state", "--ledger", _ledger(tmp_path, negative), "--as-of", "2001-12-31", ok=False), "(G §5(c))")


def test_a_db_file_that_is_not_sqlite_is_a_clear_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 100)
    _refused(cli("state", "--db", f"sqlite:///{path}", "--as-of", "2001-12-31", ok=False), "not a database")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("format: prefstack-ledger/1\nevents: !!set {a: null}\n", "the tag 'tag:yaml.org,2002:set' is not accepted"),
        ("format: prefstack-ledger/1\nevents: [!!python/object:os.system {}]\n", "is not accepted"),
        ("format: prefstack-ledger/1\nevents: []\n---\nformat: x\n", "one YAML document"),
        ("format: prefstack-ledger/1\n? [a, b]\n: 1\nevents: []\n", "a key of a mapping is a plain value"),
        ("format: prefstack-ledger/1\nx: &k a\n*k : 1\nevents: []\n", "aliases"),
        ("format: prefstack-ledger/1\nevents: " + "[" * 40 + "]" * 40 + "\n", "nested too deeply"),
        ("format: prefstack-ledger/1\nformat: prefstack-ledger/1\nevents: []\n", "given twice"),
        ("format: prefstack-ledger/1\n", "events: must be a list of events"),
        ("- 1\n- 2\n", "a ledger is a mapping"),
    ],
)
def test_yaml_a_ledger_never_needs_is_refused_with_its_place(cli, tmp_path: Path, text: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    """YAML is read from the parser's events, without a node tree: tags, several documents,
    complex keys, aliases, deep nesting and repeated keys are refused (exit 2) naming the problem."""
    _refused(cli("state", "--ledger", _file(tmp_path, text), "--as-of", "2001-12-31", ok=False), needle)


def test_yaml_is_read_as_the_safe_loader_reads_it() -> None:
    """The event-stream reader gives what ``yaml.safe_load`` gives for the bundled example ledger
    (dates, numbers, text, booleans and nesting) and for scalars of every plain kind."""
    from prefstack.ledger.files import load_text

    example = (Path(__file__).parents[2] / "src" / "prefstack" / "data" / "example_ledger.yaml").read_text()
    assert load_text(example, ".yaml", "example") == yaml.safe_load(example)
    scalars = "a: 1\nb: '1'\nc: 2000-06-01\nd: true\ne: null\nf: 1.5\ng: ~\nh: [x, {y: z}]\ni: 0x1F\nj: !!str 12\n"
    assert load_text(scalars, ".yaml", "scalars") == yaml.safe_load(scalars)
    assert load_text("", ".yaml", "empty") is None
