"""One store, many ledgers (prefstack.ledger.store): a stream per company, on SQLite and PostgreSQL.

Each company's stream has its own version, head and hash chain: appending to one never changes
another's; a conflict is per stream; ``verify`` checks every stream and names the company of each
problem. The store treats a company's key as opaque text in the form of an issuer id, so these
tests use ``acme`` and ``globex``, which the registry does not know. Tampering is done with raw SQL.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import prefstack
from helpers import sql
from prefstack.ledger import (
    GENESIS,
    ConcurrencyError,
    EventStore,
    IntegrityProblem,
    InvalidEvent,
    NewEvent,
    StoredEvent,
)
from prefstack.ledger.store import StreamHead

D = datetime.date(2024, 3, 15)
WRITER = Path(__file__).with_name("ledger_writer.py")


def writer_env() -> dict[str, str]:
    src = str(Path(prefstack.__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


def note(n: int, **extra: object) -> NewEvent:
    return NewEvent("note", D, {"n": n, **extra})  # type: ignore[dict-item]


@pytest.fixture
def store(store_url: str) -> Iterator[EventStore]:
    with EventStore(store_url) as opened:
        yield opened


@pytest.fixture
def two(store: EventStore) -> tuple[list[StoredEvent], list[StoredEvent]]:
    """Three events of acme and two of globex, appended alternately."""
    acme, globex = store.stream("acme"), store.stream("globex")
    a = acme.append([note(1, who="acme")], expected_version=0)
    g = globex.append([note(1, who="globex"), note(2, who="globex")], expected_version=0)
    a += acme.append([note(2, who="acme"), note(3, who="acme")], expected_version=1)
    return a, g


def test_each_company_has_its_own_version_seqs_and_chain(
    store: EventStore, two: tuple[list[StoredEvent], list[StoredEvent]]
) -> None:
    a, g = two
    assert [e.seq for e in a] == [1, 2, 3] and [e.seq for e in g] == [1, 2]
    assert a[0].prev_hash == GENESIS and g[0].prev_hash == GENESIS
    assert a[1].prev_hash == a[0].hash and a[2].prev_hash == a[1].hash and g[1].prev_hash == g[0].hash
    acme, globex = store.stream("acme"), store.stream("globex")
    assert (acme.version(), globex.version()) == (3, 2)
    assert acme.head() == (3, a[2].hash) and globex.head() == (2, g[1].hash)
    assert acme.read() == a and globex.read() == g
    assert [e.payload["who"] for e in acme.read()] == ["acme"] * 3
    assert acme.hash_at(1) == a[0].hash and globex.hash_at(1) == g[0].hash and globex.hash_at(3) is None
    assert store.companies() == [StreamHead("acme", 3, a[2].hash), StreamHead("globex", 2, g[1].hash)]
    report = store.verify()
    assert report.ok and report.events_checked == 5 and list(report.streams) == ["acme", "globex"]
    assert (report.streams["acme"].events_checked, report.streams["globex"].events_checked) == (3, 2)
    assert store.verify("globex").events_checked == 2 and list(store.verify("globex").streams) == ["globex"]
    # A company without events has an empty stream and is not listed.
    assert store.stream("initech").head() == (0, GENESIS) and store.stream("initech").read() == []
    assert [h.company for h in store.companies()] == ["acme", "globex"]


def test_appending_to_one_company_changes_nothing_of_another(
    store: EventStore, raw: sa.Engine, two: tuple[list[StoredEvent], list[StoredEvent]]
) -> None:
    a, _g = two
    acme = store.stream("acme")
    rows_before = sql(raw, "SELECT * FROM ledger_events WHERE company = 'acme' ORDER BY seq")
    head_before = acme.head()
    store.stream("globex").append([note(n) for n in range(3, 10)], expected_version=2)
    store.stream("initech").append([note(1)], expected_version=0)
    assert sql(raw, "SELECT * FROM ledger_events WHERE company = 'acme' ORDER BY seq") == rows_before
    assert acme.head() == head_before == (3, a[2].hash)
    assert [acme.hash_at(s) for s in (1, 2, 3)] == [e.hash for e in a]
    assert store.stream("globex").version() == 9 and store.stream("initech").version() == 1
    assert store.verify().ok


def test_a_conflict_on_one_stream_does_not_touch_another(
    store: EventStore, raw: sa.Engine, two: tuple[list[StoredEvent], list[StoredEvent]]
) -> None:
    before = sql(raw, "SELECT company, seq, hash FROM ledger_events ORDER BY company, seq")
    with pytest.raises(ConcurrencyError) as stale:
        store.stream("acme").append([note(4)], expected_version=2)
    assert (stale.value.company, stale.value.expected, stale.value.actual) == ("acme", 2, 3)
    assert "the ledger of acme is at version 3, not at the expected version 2" in str(stale.value)
    with pytest.raises(ConcurrencyError) as ahead:
        store.stream("initech").append([note(1)], expected_version=1)  # a stream not started is at 0
    assert (ahead.value.company, ahead.value.actual) == ("initech", 0)
    assert sql(raw, "SELECT company, seq, hash FROM ledger_events ORDER BY company, seq") == before
    assert [h.company for h in store.companies()] == ["acme", "globex"]
    # The other company appends at its own version meanwhile, and acme at its actual one.
    (third,) = store.stream("globex").append([note(3)], expected_version=2)
    assert third.seq == 3
    assert store.stream("acme").append([note(4)], expected_version=3)[0].seq == 4
    assert store.verify().ok


def test_the_same_seq_in_two_streams_is_two_events_but_event_ids_stay_unique(
    store: EventStore, raw: sa.Engine, two: tuple[list[StoredEvent], list[StoredEvent]]
) -> None:
    a, g = two
    assert a[0].event_id != g[0].event_id
    with pytest.raises(sa.exc.IntegrityError):
        sql(
            raw,
            "INSERT INTO ledger_events (company, seq, event_id, kind, effective_date, recorded_at, payload, "
            "prev_hash, hash, recorded_by) SELECT 'globex', 9, event_id, kind, effective_date, recorded_at, payload, "
            "prev_hash, hash, recorded_by FROM ledger_events WHERE company = 'acme' AND seq = 1",
        )


def test_a_company_key_must_be_an_issuer_id(store: EventStore) -> None:
    for bad in ("ACME", "", "acme inc", "-acme", "a" * 65, 7):
        with pytest.raises(InvalidEvent) as info:
            store.stream(bad)  # type: ignore[arg-type]
        assert info.value.field == "company"
    with pytest.raises(InvalidEvent, match="company"):
        store.verify("Acme, Inc.")
    assert store.companies() == []


def test_threads_appending_to_two_companies_at_once_lose_nothing(store: EventStore) -> None:
    count = 20
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def write(company: str, name: str) -> None:
        stream = store.stream(company)
        try:
            barrier.wait()
            for n in range(count):
                for _ in range(1000):
                    try:
                        stream.append(
                            [NewEvent("note", D, {"writer": name, "n": n})], expected_version=stream.version()
                        )
                        break
                    except ConcurrencyError:
                        continue
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=write, args=(company, f"{company}-{i}"))
        for company in ("acme", "globex")
        for i in (1, 2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures
    for company in ("acme", "globex"):
        events = store.stream(company).read()
        assert [e.seq for e in events] == list(range(1, 2 * count + 1))
        seen = sorted((e.payload["writer"], e.payload["n"]) for e in events)
        assert seen == sorted((f"{company}-{i}", n) for i in (1, 2) for n in range(count))
    report = store.verify()
    assert report.ok and report.events_checked == 4 * count


def test_processes_appending_to_two_companies_never_conflict(store: EventStore, store_url: str) -> None:
    """Each process is the only writer of its company's stream: it never finds its stream moved on,
    however the two interleave."""
    count = 25
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), "concurrent", store_url, name, str(count), company],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=writer_env(),
        )
        for name, company in (("p", "acme"), ("q", "globex"))
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            out, _ = p.communicate(timeout=120)
            assert p.returncode == 0
            assert out.strip() == "done 0"
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for company, name in (("acme", "p"), ("globex", "q")):
        events = store.stream(company).read()
        assert [(e.seq, e.payload["writer"], e.payload["n"]) for e in events] == [
            (n + 1, name, n) for n in range(count)
        ]
    assert store.verify().ok


def test_verify_names_the_company_whose_stream_was_tampered_with(
    store: EventStore, raw: sa.Engine, two: tuple[list[StoredEvent], list[StoredEvent]]
) -> None:
    _a, g = two
    sql(raw, "UPDATE ledger_events SET payload = :p WHERE company = 'globex' AND seq = 2", p='{"n":20,"who":"globex"}')
    report = store.verify()
    assert not report.ok
    assert report.streams["acme"].ok and report.streams["acme"].events_checked == 3
    (problem,) = report.problems
    assert (problem.company, problem.seq, problem.event_id, problem.kind) == ("globex", 2, g[1].event_id, "edited")
    assert report.streams["globex"].company == "globex" and report.streams["globex"].events_checked == 1
    assert store.verify("acme").ok and store.stream("acme").verify().ok
    assert not store.stream("globex").verify().ok
    with pytest.raises(IntegrityProblem, match=r"^globex seq 2 edited: event ") as info:
        report.raise_if_broken()
    assert info.value.problems == [problem]


def test_an_event_moved_to_another_companys_stream_breaks_both_chains(
    store: EventStore, raw: sa.Engine, two: tuple[list[StoredEvent], list[StoredEvent]]
) -> None:
    a, _g = two
    sql(raw, "UPDATE ledger_events SET company = 'globex', seq = 3 WHERE company = 'acme' AND seq = 3")
    report = store.verify()
    (acme_problem,) = report.streams["acme"].problems
    assert (acme_problem.company, acme_problem.seq, acme_problem.kind) == ("acme", 3, "removed")
    # In globex, the intruder's link points to no event of globex: the event before it looks changed.
    (globex_problem,) = report.streams["globex"].problems
    assert (globex_problem.company, globex_problem.seq, globex_problem.kind) == ("globex", 2, "edited")
    assert f"the next event {a[2].event_id} (seq 3) recorded for it" in globex_problem.message


def test_events_under_a_key_without_a_head_are_reported_as_inserted(
    store: EventStore, raw: sa.Engine, two: tuple[list[StoredEvent], list[StoredEvent]]
) -> None:
    sql(
        raw,
        "INSERT INTO ledger_events (company, seq, event_id, kind, effective_date, recorded_at, payload, prev_hash, "
        "hash, recorded_by) VALUES ('initech', 1, :i, 'note', '2024-03-15', '2024-03-15T10:00:00.000000+00:00', "
        "'{}', :g, :g, 'x')",
        i="e" * 32,
        g=GENESIS,
    )
    assert [h.company for h in store.companies()] == ["acme", "globex", "initech"]
    report = store.verify()
    assert report.streams["acme"].ok and report.streams["globex"].ok
    (problem,) = report.streams["initech"].problems
    assert (problem.company, problem.seq, problem.kind) == ("initech", 1, "edited")


def test_a_stream_head_rewound_is_caught_by_its_own_hash_at(
    store: EventStore, raw: sa.Engine, two: tuple[list[StoredEvent], list[StoredEvent]]
) -> None:
    """What a receipt of one company is checked against is that company's head and hashes only."""
    a, g = two
    sql(raw, "DELETE FROM ledger_events WHERE company = 'acme' AND seq = 3")
    sql(raw, "UPDATE ledger_streams SET version = 2, head_hash = :h WHERE company = 'acme'", h=a[1].hash)
    assert store.verify().ok  # the chain alone cannot tell
    assert store.stream("acme").head() == (2, a[1].hash) and store.stream("acme").hash_at(3) is None
    assert store.stream("globex").head() == (2, g[1].hash)
