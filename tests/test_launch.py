"""The program's entry point (:mod:`prefstack.launch`) and the check it starts at the command's first
instant (:mod:`prefstack.early`): which command lines start it and on what store, that every command
taking ``--db`` is classified, and that a reader takes the early child's report only where it is
certainly the report it would compute itself (the same store, its company, the head it has now),
on SQLite and PostgreSQL; a child nobody claims is stopped and reaped."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer.main

from helpers import edit_share_count, no_child_left, sql
from prefstack import early, forked, launch
from prefstack.errors import InputError
from prefstack.ledger import service
from prefstack.ledger.events import parse_event
from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import Placed
from prefstack.ledger.store import EventStore

EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")
COMPANY = "cais-internet"


# --- which command lines start the early check, and on what store --------------------------


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    path = tmp_path / "store.sqlite"
    path.write_bytes(b"")  # only its existence is looked at
    return f"sqlite:///{path}"


def test_the_store_and_company_are_read_as_the_command_parser_reads_them(sqlite_file: str) -> None:
    assert launch.early_store(["state", "--db", sqlite_file], {}) == (sqlite_file, None)
    # global options before the command, --db=URL, --company, and a value given twice (the last wins)
    args = ["--allow-unverified", "--reading", "F-X=y", "--readings=r.yaml", "ledger", "add", "--kind", "closing_price"]
    assert launch.early_store([*args, "--db=nowhere", f"--db={sqlite_file}", "--company", "acme"], {}) == (
        sqlite_file,
        "acme",
    )
    assert launch.early_store(["document", "history", "--company=cais-internet", "--db", sqlite_file], {}) == (
        sqlite_file,
        "cais-internet",
    )


def test_the_store_named_by_the_environment_or_the_default(
    sqlite_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert launch.early_store(["votes"], {launch.DB_ENV: sqlite_file}) == (sqlite_file, None)
    assert launch.early_store(["votes", "--db", sqlite_file], {launch.DB_ENV: "sqlite:///elsewhere"}) == (
        sqlite_file,
        None,
    )
    monkeypatch.chdir(tmp_path)
    assert launch.early_store(["votes"], {}) is None  # var/prefstack.sqlite is not there
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "prefstack.sqlite").write_bytes(b"")
    assert launch.early_store(["votes"], {}) == (launch.DEFAULT_DB, None)


def test_a_postgresql_store_is_checked_early() -> None:
    url = "postgresql+psycopg://user@127.0.0.1:5432/ledger"
    assert launch.early_store(["state", "--db", url], {}) == (url, None)


@pytest.mark.parametrize(
    "args",
    [
        ["state", "--db", "sqlite:///{missing}"],  # never created by a command that only reads it
        ["state", "--db", "sqlite:///:memory:"],
        ["state", "--db", "mysql://localhost/ledger"],
        ["state", "--db", "{store}", "--help"],
        ["state", "--db", "{store}", "--ledger", "example.yaml"],  # a ledger file is read, not the store
        ["serve", "--db", "{store}"],
        ["ledger", "import", "example.yaml", "--db", "{store}"],
        ["ledger", "verify", "--db", "{store}"],
        ["--help", "state", "--db", "{store}"],
        ["--unknown", "state", "--db", "{store}"],
        ["schedule", "--series", "F"],
        [],
    ],
)
def test_no_early_check(args: list[str], sqlite_file: str, tmp_path: Path) -> None:
    filled = [a.format(store=sqlite_file, missing=tmp_path / "missing.sqlite") for a in args]
    assert launch.early_store(filled, {}) is None


def _commands_with_db() -> set[tuple[str, ...]]:
    from prefstack.cli import app

    found: set[tuple[str, ...]] = set()

    def walk(command: object, path: tuple[str, ...]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, (*path, name))
            return
        options = {name for param in command.params for name in getattr(param, "opts", ())}  # type: ignore[attr-defined]
        if "--db" in options:
            found.add(path)

    walk(typer.main.get_command(app), ())
    return found


def test_every_command_with_a_store_is_classified() -> None:
    """A new command taking --db must be put in EARLY (it verifies a ledger) or NOT_EARLY (with why)."""
    with_db = _commands_with_db()
    assert not launch.EARLY & set(launch.NOT_EARLY)
    assert launch.EARLY | set(launch.NOT_EARLY) == with_db


# --- a reader takes the early child's report only where it is certainly its own ------------------
#
# Each check runs in a fresh Python process (as a command does): this test process may run other
# threads by now (a Dask client's leaves one), beside which nothing is forked (forked.can_fork).

ROOT = Path(__file__).resolve().parents[1]

needs_fork = pytest.mark.skipif(
    sys.platform != "linux" or (os.cpu_count() or 1) < 2, reason="no child is forked on this machine"
)


def _in_fresh_process(check: str, *args: str) -> None:
    """Run ``CHECKS[check](*args)`` in a new process; fail with its traceback where it fails."""
    code = "import sys; from tests.test_launch import CHECKS; CHECKS[sys.argv[1]](*sys.argv[2:])"
    paths = (str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH"))  # as pytest imports them
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    proc = subprocess.run(
        [sys.executable, "-c", code, check, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"{check} failed:\n{proc.stdout}\n{proc.stderr}"


def _reader_takes_the_early_report(url: str, company: str) -> None:
    with EventStore(url) as store:
        stream = store.stream(COMPANY)
        assert forked.can_fork()
        assert early.start(url, company or None)
        assert early.started() == url
        with stream.verify_beside() as checking:
            assert isinstance(checking, forked.Then)  # the early child's, adopted
            report = checking.result()
        assert early.started() is None  # taken once
        assert report == stream.verify()
        assert report.ok and report.events_checked == 554
        with stream.verify_beside() as again:
            assert not isinstance(again, forked.Then)  # a second reader checks for itself
            assert again.result() == report
    assert no_child_left()


def _broken_chain_reported_alike(url: str) -> None:
    with EventStore(url) as store:
        stream = store.stream(COMPANY)
        assert early.start(url, None)
        with stream.verify_beside() as checking:
            assert isinstance(checking, forked.Then)
            report = checking.result()
        assert not report.ok
        assert report == stream.verify()
        assert (report.problems[0].seq, report.problems[0].kind) == (524, "edited")
        assert early.start(url, None)
        try:
            service.while_verifying(stream, stream.version, allow=False)
        except InputError as exc:
            assert "does not verify" in str(exc) and "seq 524 edited" in str(exc)
        else:
            raise AssertionError("a chain that does not verify was not refused")
    assert no_child_left()


def _earlier_head_not_taken(url: str) -> None:
    """The early child verified the stream before another writer appended: the reader verifies the
    longer chain itself."""
    with EventStore(url) as store:
        stream = store.stream(COMPANY)
        assert early.start(url, None)
        started = early.claim(url)
        assert started is not None
        found = started.result()  # the child's report, on the head of 554 events
        assert found is not None and found.heads[COMPANY].version == 554
        event = parse_event({"kind": "closing_price", "date": "2002-07-01", "price": "8.95"}, "test")
        service.append(store, [Placed(event, "test")], company=COMPANY)  # another writer
        report = stream._from_early(found)
        assert report.ok and report.events_checked == 555  # not the child's 554
        assert report == stream.verify()
    assert no_child_left()


def _other_or_unclaimed_child_stopped(url: str, other: str) -> None:
    with EventStore(url) as store:
        assert early.start(other, None)  # a store that is not there: the child fails, unclaimed
        assert early.claim(url) is None  # another store: stopped, not taken
        assert early.started() is None
        with store.stream(COMPANY).verify_beside() as checking:
            assert not isinstance(checking, forked.Then)  # the reader's own check
            assert checking.result().ok
        assert early.start(url, None)
        early.release()  # nobody claimed it
        assert early.started() is None
    assert no_child_left()


def _entry_point_takes_the_early_report(url: str) -> None:
    taken: list[bool] = []
    claim = early.claim

    def spy(url: str) -> forked.Beside[early.EarlyReport | None] | None:
        found = claim(url)
        taken.append(found is not None)
        return found

    early.claim = spy  # type: ignore[assignment]  # this process only
    sys.argv = ["prefstack", "state", "--db", url, "--as-of", "2003-12-31"]
    try:
        launch.main()
    except SystemExit as exc:
        assert exc.code in (0, None), exc.code
    assert taken == [True], taken
    assert no_child_left()


def _finished_unreaped() -> None:
    """Wait until the early child has verified and left (its report in the pipe), without reaping it:
    the reader then takes that report as it would have."""
    assert early._started is not None
    pid = early._started[1]._pid
    assert pid is not None
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)


def _edited_after_the_early_check(url: str, question: str) -> None:
    """An event edited in place after the early child verified the chain, its hash and the head left
    as they were: refused by the reader that takes the child's report, whether it reads every event
    (``load``) or a snapshot and the events after it (``state``: the edited event is the one
    appended after the snapshot)."""
    with EventStore(url) as store:
        stream = store.stream(COMPANY)
        if question == "state":
            event = parse_event({"kind": "closing_price", "date": "2002-08-02", "price": "8.95"}, "test")
            service.append(store, [Placed(event, "test")], company=COMPANY)  # folded onto the snapshot
            kept = stream.snapshot()
            assert kept is not None and kept.version == 554  # the appended event is read after the snapshot
        assert early.start(url, COMPANY)
        _finished_unreaped()
        if question == "state":
            edit = "UPDATE ledger_events SET payload = :p WHERE seq = 555"
            sql(sa.create_engine(url), edit, p='{"price":"9.95"}')
            edited = "seq 555 edited"
        else:
            edit_share_count(url)
            edited = "seq 524 edited"
        try:
            if question == "state":
                service.answer_on(None, url, COMPANY, dt.date(2003, 12, 31), question=lambda s: s)
            else:
                service.load_ledger(None, url, COMPANY)
        except InputError as exc:
            assert "does not verify" in str(exc) and edited in str(exc), exc
        else:
            raise AssertionError("an event edited after the early check was read unrefused")
        assert early.started() is None  # the early child's report was the one taken
    assert no_child_left()


CHECKS = {
    "reader": _reader_takes_the_early_report,
    "broken": _broken_chain_reported_alike,
    "earlier-head": _earlier_head_not_taken,
    "stopped": _other_or_unclaimed_child_stopped,
    "entry-point": _entry_point_takes_the_early_report,
    "edited-after": _edited_after_the_early_check,
}


@pytest.fixture
def example_store(store_url: str) -> str:
    with EventStore(store_url) as store:
        service.append(store, read_ledger(EXAMPLE).events, company=COMPANY)  # type: ignore[arg-type]
    return store_url


@needs_fork
@pytest.mark.parametrize("company", ["", COMPANY, "CAIS Internet, Inc."])
def test_the_reader_takes_the_early_childs_report(example_store: str, company: str) -> None:
    """Whether --company was given as an id, as a legal name (every stream verified) or not at all."""
    _in_fresh_process("reader", example_store, company)


@needs_fork
def test_a_chain_that_does_not_verify_is_reported_by_the_early_child_as_by_the_reader(example_store: str) -> None:
    edit_share_count(example_store)
    _in_fresh_process("broken", example_store)


@needs_fork
def test_a_report_of_an_earlier_head_is_not_taken(example_store: str) -> None:
    _in_fresh_process("earlier-head", example_store)


@needs_fork
def test_a_child_of_another_store_or_nobodys_is_stopped_and_reaped(example_store: str, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    _in_fresh_process("stopped", example_store, f"sqlite:///{other}")
    assert not other.exists()  # the child created nothing


@needs_fork
@pytest.mark.parametrize("question", ["load", "state"])
def test_an_event_edited_after_the_early_check_is_refused(example_store: str, question: str) -> None:
    _in_fresh_process("edited-after", example_store, question)


def test_a_failed_early_child_leaves_the_check_to_the_reader(example_store: str) -> None:
    """The child's report missing (it failed): the reader verifies in turn, with the same report."""
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        assert stream._from_early(None) == stream.verify()


# --- the real entry point ---------------------------------------------------------------------


@needs_fork
def test_a_command_through_the_entry_point_takes_the_early_report(example_store: str) -> None:
    _in_fresh_process("entry-point", example_store)


def test_a_tampered_store_is_refused_through_the_entry_point(example_store: str, cli: object) -> None:
    """In a process of its own (the ``cli`` fixture runs ``prefstack.launch``), with the check started
    at its first instant: refused, naming the event, as before."""
    edit_share_count(example_store)
    result = cli("state", "--db", example_store, "--as-of", "2003-12-31", ok=False)  # type: ignore[operator]
    assert result.returncode == 2
    assert "does not verify" in result.stderr and "seq 524 edited" in result.stderr
