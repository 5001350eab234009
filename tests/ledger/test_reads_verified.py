"""What a reader reads of a ledger is the chain that was verified, although the two are read in
different transactions (the chain in a child process beside the reader, or before it):
:func:`prefstack.ledger.store.disagreement` and :func:`prefstack.ledger.service.covering`. An event
edited in place between the check and the read, its hash and the head left as they were, is
refused as the check would refuse it; one edited and changed back while it was read is refused as
a ledger that changed while read; events appended by another writer since the check are covered
by checking again. On SQLite and PostgreSQL.

The early check (started at the command's first instant, :mod:`prefstack.early`) is the case
where the window between the two reads is longest: tested through it in ``tests/test_launch.py``."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pytest
import sqlalchemy as sa

from helpers import edit_share_count, sql
from prefstack.errors import InputError
from prefstack.ledger import service
from prefstack.ledger.events import parse_event
from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import Placed
from prefstack.ledger.store import (
    GENESIS,
    EventStore,
    Head,
    LedgerStream,
    Reads,
    Span,
    StoredEvent,
    VerifyReport,
    disagreement,
)

EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")
COMPANY = "cais-internet"
F_ISSUE = 524  # the Series F issue of 40,000 shares in the example (helpers.edit_share_count)


@pytest.fixture
def example_store(store_url: str) -> str:
    with EventStore(store_url) as store:
        service.append(store, read_ledger(EXAMPLE).events, company=COMPANY)  # type: ignore[arg-type]
    return store_url


def _sql(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        return sql(engine, statement, **params)
    finally:
        engine.dispose()


def _f_issue_shares(events: list[StoredEvent]) -> object:
    return next(e.payload["shares"] for e in events if e.seq == F_ISSUE)


def test_an_event_edited_in_place_after_the_check_is_refused(example_store: str) -> None:
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        report = stream.verify()
        assert report.ok and report.events_checked == 554
        edit_share_count(example_store)  # 40,000 -> 40,001 after the check, the hash and head as they were
        with pytest.raises(InputError, match=f"does not verify .*first: seq {F_ISSUE} edited") as raised:
            service.after_verifying(stream, report, stream.read)
        assert raised.value.field == "--db"
        # what is read is refused the same way through a check beside the reader
        with pytest.raises(InputError, match=f"seq {F_ISSUE} edited"):
            service.while_verifying(stream, stream.read, allow=False).get()
        # --allow-unverified reads it as it now is, for forensics
        found = service.while_verifying(stream, stream.read, allow=True)
        assert not found.verified and _f_issue_shares(found.get()) == "40001"


def test_an_event_changed_and_changed_back_while_it_was_read_is_refused(example_store: str) -> None:
    """The chain verifies before and after the read, but what was read is not it: nothing read is used."""
    (original,) = _sql(example_store, "SELECT payload FROM ledger_events WHERE seq = :s", s=F_ISSUE)[0]
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        report = stream.verify()

        def read_during_an_edit() -> list[StoredEvent]:
            edit_share_count(example_store)
            try:
                return stream.read()
            finally:
                _sql(example_store, "UPDATE ledger_events SET payload = :p WHERE seq = :s", p=original, s=F_ISSUE)

        with pytest.raises(InputError, match=f"changed while it was read \\(event .* \\(seq {F_ISSUE}\\) is not the"):
            service.after_verifying(stream, report, read_during_an_edit)
        assert stream.verify().ok  # as it was
        # read for forensics (--allow-unverified): given out as read, as unverified
        forensic = service._worked(stream, read_during_an_edit, True, lambda: report)
        assert not forensic.verified and _f_issue_shares(forensic.get()) == "40001"


def test_events_appended_since_the_check_are_covered_by_checking_again(example_store: str) -> None:
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        report = stream.verify()
        event = parse_event({"kind": "closing_price", "date": "2002-07-01", "price": "8.95"}, "test")
        service.append(store, [Placed(event, "test")], company=COMPANY)  # another writer, after the check
        checks: list[VerifyReport | None] = []
        verify, verify_after = stream.verify, stream.verify_after

        def counted() -> VerifyReport:
            checks.append(verify())
            return verify()

        def counted_after(verified: VerifyReport) -> VerifyReport | None:
            checks.append(verify_after(verified))
            return checks[-1]

        stream.verify = counted  # type: ignore[method-assign]  # this object only
        stream.verify_after = counted_after  # type: ignore[method-assign]
        read = service.after_verifying(stream, report, stream.read)
        assert len(read) == 555 and read[-1].payload == {"price": "8.95"}
        # checked once more, covering the new event: the chain extended by it alone, not verified whole again
        assert checks == [verify()] and checks[0] is not None and checks[0].events_checked == 555
        # what a check covers needs no second (a read is taken with the head, which must be the chain's too)
        covering = checks.pop()
        assert covering is not None
        assert len(service.after_verifying(stream, covering, lambda: stream.read(through=554))) == 554
        assert len(service.after_verifying(stream, covering, lambda: stream.read(after=500))) == 55
        assert checks == []


def test_a_head_or_stored_hash_that_is_not_the_verified_chains_is_refused(example_store: str) -> None:
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        report = stream.verify()
        _sql(example_store, "UPDATE ledger_streams SET head_hash = :h WHERE company = :c", h="a" * 64, c=COMPANY)
        with pytest.raises(InputError, match=r"does not verify .*first: seq 554 edited: the ledger head records"):
            service.after_verifying(stream, report, stream.head)
    with EventStore(example_store) as store:  # the head as it was, a stored hash changed
        stream = store.stream(COMPANY)
        _sql(
            example_store,
            "UPDATE ledger_streams SET head_hash = :h WHERE company = :c",
            h=report.hash_at(554),
            c=COMPANY,
        )
        _sql(example_store, "UPDATE ledger_events SET hash = :h WHERE seq = :s", h="f" * 64, s=F_ISSUE)
        with pytest.raises(InputError, match=f"does not verify .*first: seq {F_ISSUE} edited"):
            service.after_verifying(stream, report, lambda: stream.hash_at(F_ISSUE))


def _rows(stream: LedgerStream, **selection: int) -> Reads:
    with stream.watching() as reads:
        stream.read(**selection)  # type: ignore[arg-type]
    return reads


def test_what_disagrees_with_a_verified_chain(example_store: str) -> None:
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        report = stream.verify()
        assert len(report.chain) == 64 * 554 and report.hash_at(0) == GENESIS
        assert report.hash_at(F_ISSUE) == stream.hash_at(F_ISSUE)
        everything = _rows(stream)
        assert len(everything.rows) == 554 and disagreement(report, everything) is None
        with stream.watching() as reads:
            stream.head()
            stream.hash_at(F_ISSUE)
            stream.hash_at(555)  # nothing stored there: agrees
        assert disagreement(report, reads) is None and reads.hashes == [(F_ISSUE, report.hash_at(F_ISSUE)), (555, None)]
        event = parse_event({"kind": "closing_price", "date": "2002-07-01", "price": "8.95"}, "test")
        service.append(store, [Placed(event, "test")], company=COMPANY)
        later = _rows(stream, after=550)
        found = disagreement(report, later)
        assert found is not None and found.beyond and found.seq == 555
        edit_share_count(example_store)  # a contradiction comes before a read past the end
        both = _rows(stream, after=500)
        found = disagreement(report, both)
        assert found is not None and not found.beyond and found.seq == F_ISSUE
        assert report.date_at(F_ISSUE) == stream.read(after=F_ISSUE - 1, through=F_ISSUE)[0].effective_date.isoformat()
        assert len(report.dates) == 10 * 554
        with pytest.raises(ValueError, match="no verified date at seq 0"):
            report.date_at(0)
        with pytest.raises(ValueError, match="no verified hash at seq 555"):
            report.hash_at(555)
        with pytest.raises(ValueError, match="no verified hash at seq -1"):
            report.hash_at(-1)
        assert disagreement(report, Reads(heads=[Head(-1, report.hash_at(553))])) == (-1, "a head of -1 events", False)
        assert disagreement(report, Reads(hashes=[(0, "0" * 64)])) == (
            0,
            "the hash stored at seq 0 is not the verified chain's",
            False,
        )
        with pytest.raises(AssertionError, match="a chain that verifies"):
            disagreement(stream.verify(), both)  # the chain no longer verifies: nothing to check against


def test_an_event_deleted_after_the_check_is_refused_though_every_row_read_is_the_chains(example_store: str) -> None:
    """Every row that comes back matches the chain: the one that does not come back is found."""
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        report = stream.verify()
        _sql(example_store, "DELETE FROM ledger_events WHERE seq = 300")
        for read in (stream.read, lambda: stream.read(after=200), lambda: stream.read(through=400)):
            with pytest.raises(InputError, match=r"does not verify .*first: seq 300 removed"):
                service.after_verifying(stream, report, read)


@pytest.mark.parametrize(
    ("column", "value", "selection"),
    [
        ("effective_date", "2099-01-01", {"dated_through": dt.date(2002, 12, 31)}),
        ("effective_date", "1999-01-01", {"dated_after": dt.date(1999, 12, 31)}),
        ("recorded_at", "2099-01-01T00:00:00.000000+00:00", {"known_at": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)}),
        ("kind", "note", {"kinds": ["preferred_issued"]}),
    ],
)
def test_an_event_edited_so_that_a_read_leaves_it_out_is_refused(
    example_store: str, column: str, value: str, selection: dict[str, object]
) -> None:
    """The Series F issue edited after the check so that the read's conditions no longer choose it:
    not read, and still refused (before, the answer was made without it)."""
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        report = stream.verify()
        assert F_ISSUE in {e.seq for e in stream.read(**selection)}  # type: ignore[arg-type]
        _sql(example_store, f"UPDATE ledger_events SET {column} = :v WHERE seq = :s", v=value, s=F_ISSUE)
        with pytest.raises(InputError, match=f"does not verify .*first: seq {F_ISSUE} edited"):
            service.after_verifying(stream, report, lambda: stream.read(**selection))  # type: ignore[arg-type]


SELECTIONS: list[dict[str, object]] = [
    {},
    {"after": 500},
    {"through": 10},
    {"after": 5, "through": 9},
    {"after": 600},
    {"dated_after": dt.date(2001, 3, 31)},
    {"dated_through": dt.date(2000, 12, 31), "after": 100},
    {"dated_after": dt.date(2000, 6, 30), "dated_through": dt.date(2000, 9, 30), "through": 540},
    {"known_at": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)},
    {"known_at": dt.datetime(2100, 1, 1, tzinfo=dt.UTC), "after": 550},
    {"kinds": ["preferred_issued", "closing_price"]},
    {"kinds": []},
    {"kinds": ["conversion"], "dated_through": dt.date(2002, 1, 1)},
    {"after": -3},
    {"after": -3, "dated_after": dt.date(2001, 3, 31)},
    {"after": 9, "through": 4},
]


@pytest.mark.parametrize("selection", SELECTIONS, ids=[",".join(s) or "all" for s in SELECTIONS])
def test_a_watched_read_chooses_the_same_events_as_the_database(
    example_store: str, selection: dict[str, object]
) -> None:
    """Watched, a read takes the seq range and chooses among it here; unwatched, the database chooses:
    the same events either way."""
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        plain = stream.read(**selection)  # type: ignore[arg-type]
        with stream.watching() as reads:
            watched = stream.read(**selection)  # type: ignore[arg-type]
        assert watched == plain
        report = stream.verify()
        assert disagreement(report, reads) is None
        (span,) = reads.spans
        assert span.seqs == span.expected(report) and len(reads.heads) == 1


def _price(day: str, price: str) -> Placed:
    return Placed(parse_event({"kind": "closing_price", "date": day, "price": price}, "test"), "test")


def test_a_chain_is_extended_by_the_events_appended_since_it_was_verified(example_store: str) -> None:
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        report = stream.verify()
        assert stream.verify_after(report) == report  # nothing since
        service.append(store, [_price("2002-08-02", "8.95"), _price("2002-08-05", "9.05")], company=COMPANY)
        extended, whole = stream.verify_after(report), stream.verify()
        assert extended == whole and extended is not None
        assert (extended.chain, extended.dates) == (whole.chain, whole.dates)
        # the events since edited, unlinked or past the head: not extended (the whole chain names why)
        _sql(example_store, "UPDATE ledger_events SET payload = :p WHERE seq = 556", p='{"price":"9.06"}')
        assert stream.verify_after(report) is None
        assert stream.verify_after(whole) == whole  # the edit is not among the events since: readers check
        _sql(example_store, "UPDATE ledger_streams SET version = 555 WHERE company = :c", c=COMPANY)
        assert stream.verify_after(report) is None


def test_an_append_retried_after_another_writer_verifies_only_the_events_since(
    example_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first attempt is validated while the whole chain is verified; the other writer's append
    makes it conflict; the second is validated against the chain extended by that append alone."""
    calls: list[str] = []
    verify, verify_after, append = LedgerStream.verify, LedgerStream.verify_after, LedgerStream.append

    def counted_verify(self: LedgerStream) -> VerifyReport:
        calls.append("verify")
        return verify(self)

    def counted_after(self: LedgerStream, verified: VerifyReport) -> VerifyReport | None:
        calls.append("verify_after")
        return verify_after(self, verified)

    def overtaken(self: LedgerStream, events: list[object], **expected: object) -> list[StoredEvent]:
        if "other writer" not in calls:  # once, just before the first write
            calls.append("other writer")
            with EventStore(example_store) as other:
                other.stream(COMPANY).append(
                    [service.to_new_event(_price("2002-08-02", "8.95"))], expected_version=self.version()
                )
        return append(self, events, **expected)  # type: ignore[arg-type]

    monkeypatch.setattr(LedgerStream, "verify", counted_verify)
    monkeypatch.setattr(LedgerStream, "verify_after", counted_after)
    monkeypatch.setattr(LedgerStream, "append", overtaken)
    with EventStore(example_store) as store:
        stored = service.append(store, [_price("2002-08-05", "9.05")], company=COMPANY)
        assert [e.seq for e in stored] == [556]  # after the other writer's 555
        monkeypatch.setattr(LedgerStream, "verify", verify)
        assert store.stream(COMPANY).verify().ok
    assert calls.index("other writer") < calls.index("verify_after")  # the retry extended the chain
    assert calls.count("verify") <= 1  # the whole chain once at most here (else in the child beside)


def test_the_head_a_receipt_of_nothing_appended_names_is_verified(example_store: str) -> None:
    """An append that stores nothing has its receipt name the head: read while the chain is verified
    and refused where it is not that chain's (before, read as stored)."""
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        head = service.verified_head(stream)
        assert head == stream.head() and head.version == 554
        _sql(example_store, "UPDATE ledger_streams SET head_hash = :h WHERE company = :c", h="b" * 64, c=COMPANY)
        with pytest.raises(InputError, match=r"does not verify .*first: seq 554 edited: the ledger head records"):
            service.verified_head(stream)


def test_an_empty_chain_vouches_for_reads_of_nothing_and_a_head_of_another_type_is_not_extended(
    example_store: str,
) -> None:
    empty = VerifyReport(ok=True, events_checked=0, problems=[], company=COMPANY)
    nothing_dated = Reads(spans=[Span(1, 0, (), "2000-01-01", None)], heads=[Head(0, GENESIS)])
    assert disagreement(empty, nothing_dated) is None  # no dates kept, and none needed
    with EventStore(example_store) as store:
        stream = store.stream(COMPANY)
        report = stream.verify()
        if example_store.startswith("sqlite"):  # PostgreSQL keeps a whole number there
            _sql(example_store, "UPDATE ledger_streams SET version = 'many' WHERE company = :c", c=COMPANY)
            assert stream.verify_after(report) is None  # the whole chain verified names it
