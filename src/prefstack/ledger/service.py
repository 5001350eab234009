"""Ledger operations used by the command line and the API: load, validate, append, verify.

A store holds one ledger (a stream) per company, keyed by the company's issuer id
(:mod:`prefstack.instruments.registry`). Which company a command works on is resolved here:
:func:`store_company` (``--company``, or the store's only company) and :func:`file_company`
(the ``company:`` a ledger file names, or the issuer of the series its events name).

Every append is validated by replaying the company's whole ledger with the new events before
anything is written; the write itself carries the version of that company's stream the
validation was made against, so a concurrent writer makes it fail cleanly
(:class:`~prefstack.ledger.store.ConcurrencyError`) rather than store events validated against a
state that no longer exists, and the hash of that version's head, which the validation read and
the chain's check vouched for (:func:`covering`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

from prefstack.collector import without_cyclic_gc
from prefstack.errors import InputError
from prefstack.instruments import registry
from prefstack.interpretations import readings
from prefstack.ledger import checkpoints, section5, snapshots
from prefstack.ledger.events import LedgerEvent, event_from_stored
from prefstack.ledger.files import LedgerFile, read_ledger
from prefstack.ledger.replay import (
    LedgerState,
    Placed,
    company_issuer,
    finish,
    fold,
    read_before_folding,
    replay,
    resume,
)
from prefstack.ledger.store import (
    Checkpoint,
    ConcurrencyError,
    EventStore,
    Head,
    LedgerStream,
    NewEvent,
    Problem,
    Reads,
    Snapshot,
    StoredEvent,
    VerifyReport,
    disagreement,
)

STORE = "store"
"""The clause of the errors about the store and the company it is asked about."""


def placed_from_store(stored: Sequence[StoredEvent]) -> list[Placed]:
    return [
        Placed(
            event_from_stored(s.kind, s.effective_date, s.payload, f"event #{s.seq}"),
            f"event #{s.seq}",
            s.recorded_at,
            seq=s.seq,
            recorded_by=s.recorded_by,
        )
        for s in stored
    ]


ALLOW_UNVERIFIED = False
"""Set by ``prefstack --allow-unverified``: answer from a store whose hash chain does not verify
(forensics only); every other read refuses such a store."""


def require_store(db: str) -> None:
    """Only the commands that create a store (``ledger import``, ``run``) may create one: a ``--db``
    naming a SQLite file that does not exist is refused, so a typo never answers from an empty ledger."""
    prefix = "sqlite:///"
    if db.startswith(prefix) and db != prefix + ":memory:" and not Path(db[len(prefix) :]).is_file():
        raise InputError(
            "--db",
            "store",
            f"no store at {db[len(prefix) :]}: create one with `prefstack ledger import FILE` or `prefstack run`",
        )


def open_store(db: str, company: str | None = None) -> EventStore:
    """The store at ``db``. ``company`` (``--company``, an issuer id or legal name) is also the
    company of the single ledger of a store written before streams, where neither that store nor
    its events name one (see :mod:`prefstack.ledger.store`)."""
    legacy = None if company is None else registry.issuer(company, "--company").id
    return EventStore(db, legacy_company=legacy)


def company_label(company: str) -> str:
    """A company as the command line shows it: its issuer id and legal name (the id alone for a
    key the registry does not know)."""
    known = registry.issuers().get(company)
    return company if known is None else f"{company} ({known.name})"


def company_name(company: str | None) -> str | None:
    """The legal name of the issuer ``company`` (an id), as ledger files and receipts write it."""
    return None if company is None else registry.issuer(company, "company").name


def store_company(store: EventStore, given: str | None, *, appending: bool = False) -> str:
    """The issuer id of the company whose ledger a command reads (or, ``appending``, writes):
    the one ``given`` names (``--company``: an id or legal name), else the store's only company.

    Refused, naming ``--company``: a company prefstack does not know; one the store holds no
    ledger of (unless ``appending``, which starts its stream); none given while the store holds
    the ledgers of several companies (they are listed) or of none."""
    held = [head.company for head in store.companies()]
    listed = ", ".join(company_label(c) for c in held)
    if given is not None:
        named = registry.issuer(given, "--company").id
        if named not in held and not appending:
            holds = f"it holds the ledgers of {listed}" if held else "it holds no ledger yet"
            raise InputError("--company", STORE, f"the store holds no ledger of {company_label(named)}: {holds}")
        return named
    if len(held) == 1:
        return held[0]
    if not held:
        raise InputError(
            "--company",
            STORE,
            "the store holds no ledger yet: name the company with --company (an issuer id or legal name)",
        )
    raise InputError(
        "--company",
        STORE,
        f"the store holds the ledgers of {len(held)} companies ({listed}): name one with --company",
    )


def file_company(read: LedgerFile, given: str | None, source: str) -> str | None:
    """The issuer id of the company of a ledger file: its ``company:`` resolved through the
    registry, else the issuer of the series its events name, else ``given`` (``--company``).
    A ``given`` company that disagrees with the file is refused; None where nothing names one."""
    named = None if read.company is None else registry.issuer(read.company, f"{source}.company").id
    owner = company_issuer(read.events, named)  # an event naming another company's series is refused
    found = None if owner is None else owner.id
    if given is None:
        return found
    asked = registry.issuer(given, "--company").id
    if found is not None and asked != found:
        why = "names the company" if named is not None else "holds the events of"
        raise InputError(
            "--company",
            "ledger format",
            f"{source} {why} {company_label(found)}, not {company_label(asked)}: nothing was read or appended",
        )
    return asked


def required_file_company(read: LedgerFile, given: str | None, source: str) -> str:
    """:func:`file_company`, refused (naming ``company``) where neither the file nor its events
    nor ``--company`` name the company."""
    found = file_company(read, given, source)
    if found is None:
        raise InputError(
            f"{source}.company",
            "ledger format",
            "the file names no company and none of its events names a series: give --company (an issuer id or "
            "legal name)",
        )
    return found


class Ledger(NamedTuple):
    """A company's events, and the company (an issuer id; None for a ledger file that names none)."""

    company: str | None
    placed: list[Placed]


def load_ledger(source: str | None, db: str, company: str | None, known_at: dt.datetime | None = None) -> Ledger:
    """Events from a ledger file (``source``, its company: :func:`file_company`) or else from the
    stream of ``company`` (``--company``; :func:`store_company`) in the store at ``db``, whose
    hash chain is verified first (one that does not verify is refused unless ``ALLOW_UNVERIFIED``)."""
    if source is not None:
        read = read_ledger(Path(source))
        placed = [p for p in read.events if known_at is None or p.recorded_at is None or p.recorded_at <= known_at]
        return Ledger(file_company(read, company, source), placed)
    require_store(db)
    with open_store(db, company) as store:
        stream = store.stream(store_company(store, company))
        events = while_verifying(
            stream, lambda: placed_from_store(stream.read(known_at=known_at)), allow=ALLOW_UNVERIFIED
        )
        return Ledger(stream.company, events.get())


def load(
    source: str | None, db: str, known_at: dt.datetime | None = None, *, company: str | None = None
) -> list[Placed]:
    """The events of :func:`load_ledger`."""
    return load_ledger(source, db, company, known_at).placed


def vouching(
    stream: LedgerStream, *, allow: bool, report: VerifyReport | None = None, reads: Reads | None = None
) -> VerifyReport:
    """The report of the chain of ``stream`` that vouches for ``reads``, refusing a chain that does
    not verify (``allow``: read it anyway, for forensics; the report then does not verify). Other
    companies' streams are not checked: each ledger stands alone. ``report``: the stream's
    :meth:`~LedgerStream.verify` made already (beside the caller's work, :func:`while_verifying`;
    None: verified here). ``reads``: what the caller read of the stream in other transactions than
    the one verified, which must be the verified chain's (:func:`covering`). A report extended by
    the events appended since (:meth:`~LedgerStream.verify_after`) vouches for what was read, not
    for events edited in place since the whole chain was verified that nothing read: the next
    whole check finds those (every command's first, `ledger verify`)."""
    if report is None:
        report = stream.verify()
    if reads is not None and report.ok:
        try:
            report = covering(stream, report, reads)
        except ChangedWhileRead as exc:
            if allow:  # read for forensics: what was read, as it was read, unverified
                return VerifyReport(False, 0, [Problem(0, None, "edited", exc.problem, stream.company)], stream.company)
            raise
    if not report.ok and not allow:
        first = report.problems[0]
        raise InputError(
            "--db",
            STORE,
            f"the hash chain of the ledger of {stream.company} does not verify ({len(report.problems)} problem(s); "
            f"first: seq {first.seq} {first.kind}: {first.message}); "
            "run `prefstack ledger verify`, or pass --allow-unverified to read it anyway",
        )
    return report


def covering(stream: LedgerStream, report: VerifyReport, reads: Reads) -> VerifyReport:
    """A report of the chain of ``stream`` that vouches for ``reads``: ``report`` (which verifies)
    where everything read is its chain's (:func:`~prefstack.ledger.store.disagreement`); else the
    chain verified again now, after everything was read: one that does not verify any more names
    the event changed; one that verifies and still disagrees with what was read (an event changed
    and changed back while it was read) is refused, naming ``--db``: nothing read is given out."""
    found = disagreement(report, reads)
    if found is None:
        return report
    # read past the chain verified (events appended since): the chain extended by them, where they verify
    now = _extended(stream, report) if found.beyond else stream.verify()
    if not now.ok:
        return now
    found = disagreement(now, reads)
    if found is None:
        return now  # events appended since the first check: the chain verified now holds them
    raise ChangedWhileRead(stream.company, found.what)


class ChangedWhileRead(InputError):
    """What a command read of a ledger is not the chain verified before and after it was read (an
    event changed and changed back while it was read): nothing read is used."""

    def __init__(self, company: str, what: str) -> None:
        self.company, self.what = company, what
        super().__init__(
            "--db",
            STORE,
            f"the ledger of {company} changed while it was read ({what}), although its hash chain verifies before "
            "and after: nothing read was used; run the command again, and `prefstack ledger verify`",
        )

    def __reduce__(self) -> tuple[type[ChangedWhileRead], tuple[str, str]]:  # type: ignore[override]
        return type(self), (self.company, self.what)


T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Verified(Generic[T]):
    """The outcome of work done while a stream's hash chain was verified (:func:`while_verifying`)."""

    verified: bool
    """Whether the chain verified (where it did not, the work was done for an ``allow``-ed reading)."""
    value: T | None
    error: Exception | None
    """What the work raised, raised again by :meth:`get`: only once the chain's own refusal is out of
    the way, as when the chain was verified first."""
    report: VerifyReport
    """The report that vouches for what the work read (:func:`vouching`)."""

    def get(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]  # None only where the work returned None


def while_verifying(stream: LedgerStream, work: Callable[[], T], *, allow: bool) -> Verified[T]:
    """``work`` done while the hash chain of ``stream`` is verified beside it, in a child process
    where one can be forked (:meth:`~LedgerStream.verify_beside`), and the chain then required as
    :func:`vouching` requires it: a chain that does not verify is refused (unless ``allow``)
    before anything the work raised is raised, and nothing the work found is given out before the
    chain is known to verify and everything the work read of the stream is known to be that
    chain's (:func:`covering`: the child reads in a transaction of its own). The same outcome as
    verifying first and working after in one transaction, in the time of the longer of the two (a
    state of the 54,000-event register: 0.2 s of verifying beside 0.3 s of reading its snapshot
    and answering)."""
    with stream.verify_beside() as checking:
        return _worked(stream, work, allow, checking.result)


def verified_head(stream: LedgerStream) -> Head:
    """The head of ``stream``, read while its chain is verified and checked to be that chain's (a
    receipt of an append that stored nothing names it); refused as :func:`while_verifying` refuses."""
    return while_verifying(stream, stream.head, allow=False).get()


def after_verifying(stream: LedgerStream, report: VerifyReport, work: Callable[[], T]) -> T:
    """``work`` reading ``stream``, whose chain ``report`` verified already (in a transaction of its
    own): what the work read is that chain's (:func:`covering`) or refused, as
    :func:`while_verifying` refuses."""
    return _worked(stream, work, False, lambda: report).get()


def _worked(
    stream: LedgerStream, work: Callable[[], T], allow: bool, report: Callable[[], VerifyReport]
) -> Verified[T]:
    with stream.watching() as reads:
        try:
            value, error = work(), None
        except Exception as exc:  # raised again by Verified.get, after the chain's refusal
            value, error = None, exc
    vouched = vouching(stream, allow=allow, report=report(), reads=reads)
    return Verified(vouched.ok, value, error, vouched)


def validate(placed: Sequence[Placed], company: str | None = None) -> LedgerState | None:
    """Replay everything to the last effective date, as the ledger of ``company`` (an issuer id or
    legal name; None: the issuer of the series the events name), and fold every series' §5 actions
    (which replay leaves to the readers): raises on the first event that cannot apply, so that
    every stored ledger also answers every question."""
    checked = validated_fold(placed, company)
    return None if checked is None else checked.state


class Checked(NamedTuple):
    """A ledger validated: its state on its last date, and the snapshot of its fold (None where
    its terms are not the registry's, :class:`~prefstack.ledger.snapshots.NotSnapshotable`)."""

    state: LedgerState
    blob: bytes | None


def validated_fold(placed: Sequence[Placed], company: str | None = None) -> Checked | None:
    """:func:`validate`, keeping the snapshot of the fold it makes (None for no events)."""
    if not placed:
        return None
    last = max(p.effective_date for p in placed)
    with without_cyclic_gc():
        return _checked(fold(placed, last, company=company), last)


def _checked(folded: LedgerState, last: dt.date, *, keep: bool = True) -> Checked:
    """Snapshot ``folded`` (a fold on ``last``) where ``keep``, then finish it on ``last`` and fold
    every series' §5 actions, raising on the first that cannot apply."""
    blob = _snapshot_blob(folded) if keep else None
    state = finish(folded, last)
    for series in state.series:
        try:
            section5.conversion_price_state(state, series, last)
        except InputError as exc:
            raise InputError(exc.field, exc.clause, f"{exc.problem} (the Conversion Price of Series {series})") from exc
    return Checked(state, blob)


def _snapshot_blob(folded: LedgerState) -> bytes | None:
    try:
        return snapshots.dumps(folded)
    except snapshots.NotSnapshotable:
        return None  # terms given by the caller, not the registry's: this fold is not kept


TAIL_LIMIT = 100
"""A snapshot is written again when the events after it reach this many (see :func:`_resumed`)."""
TAIL_SECONDS = 0.5
"""... or when folding them onto it took longer than this (a dividend payment on a register of
thousands of holders takes a tenth of a second; a closing price, microseconds)."""


class Resumed(NamedTuple):
    """A company's fold read from its snapshot and continued with the events stored after it."""

    folded: LedgerState
    """Not finished: on the date of its last event (``folded.as_of``)."""
    tail: int
    """How many stored events were folded onto the snapshot."""
    stale: bool
    """Whether the tail is long or slow enough that the snapshot should be written again."""


def _resumed(stream: LedgerStream, head: Head, found: Snapshot | None = None) -> Resumed | None:
    """The fold of the whole stream at ``head`` from its snapshot: the snapshot is read where it was
    made by this code with these terms at a head of this stream (the stored hash at its version is
    the one it names), and the events stored after it are folded onto it where they all come after
    it in replay order (:func:`~prefstack.ledger.replay.resume`). None where there is no such
    snapshot or the events after it cannot be folded on: the caller replays from the start.
    ``found``: the stream's snapshot where the caller has read it already."""
    found = stream.snapshot() if found is None else found
    if found is None or found.version > head.version or found.fingerprint != snapshots.fingerprint(stream.company):
        return None
    if Head(found.version, found.head_hash) != head and stream.hash_at(found.version) != found.head_hash:
        return None
    tail = placed_from_store(stream.read(after=found.version))
    with without_cyclic_gc():
        folded = snapshots.loads(found.blob)
        started = time.perf_counter()  # the tail's fold only: reading the snapshot costs the same either way
        if tail and not resume(folded, tail):
            return None
    stale = len(tail) >= TAIL_LIMIT or time.perf_counter() - started > TAIL_SECONDS
    return Resumed(folded, len(tail), stale)


def _snapshot_of(stream: LedgerStream, head: Head, checked: Checked) -> Snapshot | None:
    """``checked`` (a validated fold of ``stream`` up to ``head``) as the stream's snapshot; None
    where its fold is not kept."""
    if checked.blob is None:
        return None
    state, fingerprint = checked.state, snapshots.fingerprint(stream.company)
    return Snapshot(head.version, head.head_hash, fingerprint, state.as_of, state.reads_as_of, checked.blob)


def _save_snapshot(stream: LedgerStream, stored: Sequence[StoredEvent], checked: Checked) -> None:
    snapshot = _snapshot_of(stream, Head(stored[-1].seq, stored[-1].hash), checked) if stored else None
    if snapshot is not None:
        stream.save_snapshot(snapshot)  # False where another writer moved the head on: its own append keeps one


def make_snapshot(stream: LedgerStream) -> Snapshot:
    """Fold the whole of ``stream`` (whose chain must verify), validate it as an append does and
    keep the fold as its snapshot at its head; the snapshot kept. Refused for an empty stream, or
    where another writer appended while it was made (run it again)."""
    head, placed = while_verifying(stream, lambda: (stream.head(), placed_from_store(stream.read())), allow=False).get()
    checked = validated_fold(placed, stream.company)
    if checked is None:
        raise InputError("--company", STORE, f"the ledger of {stream.company} holds no events yet: nothing to fold")
    snapshot = _snapshot_of(stream, head, checked)
    assert snapshot is not None  # a store's series are the registry's: their fold is always kept
    if len(placed) != head.version or not stream.save_snapshot(snapshot):
        raise ConcurrencyError(head.version, stream.version(), stream.company)
    fingerprint = snapshots.fingerprint(stream.company)
    made = [
        Checkpoint(day, head.version, head.head_hash, fingerprint, blob)
        for day, blob in checkpoints.quarterly_folds(placed, stream.company)
    ]
    if not stream.save_checkpoints(made):
        raise ConcurrencyError(head.version, stream.version(), stream.company)
    return snapshot


def _from_checkpoint(stream: LedgerStream, as_of: dt.date) -> LedgerState | None:
    """The state of ``stream`` (whose chain verified) as of the end of ``as_of`` from the checkpoint
    of the latest quarter end on or before it (:mod:`prefstack.ledger.checkpoints`) and the events
    effective after that day and on or before ``as_of``; None where there is no checkpoint that
    gives what a fold from the first event gives: the caller replays."""
    found = stream.checkpoint_on_or_before(as_of)
    if found is None or found.fingerprint != snapshots.fingerprint(stream.company):
        return None
    if stream.hash_at(found.version) != found.head_hash:
        return None
    appended = placed_from_store(stream.read(after=found.version))
    if any(p.effective_date <= found.as_of or read_before_folding(p) for p in appended):
        return None
    tail = placed_from_store(stream.read(through=found.version, dated_after=found.as_of, dated_through=as_of))
    tail += [p for p in appended if p.effective_date <= as_of]
    with without_cyclic_gc():
        folded = snapshots.loads(found.blob)
        # the stored events were read by the first pass of the fold it was made by; those appended
        # since, checked above, are none a fold reads before it starts
        if tail and not resume(folded, tail, prescanned=True):
            return None
        if folded.reads_as_of and as_of != folded.as_of:
            return None
        return finish(folded, as_of)


def verify_stream(stream: LedgerStream, report: VerifyReport) -> str:
    """For ``ledger verify``, once the chain verified (``report``, which the events read here must
    be the chain of: :func:`after_verifying`): every event of the stream applies (as
    :func:`validate` checks) and its snapshot equals the fold of the events it was made from; what
    was found of the snapshot. One fold serves both where it can: the events up to the snapshot
    are folded and compared with it, and the rest folded on and validated as an append would be.

    A snapshot another prefstack made, or that names a head the stream does not have, is never
    read (said so); one that would be read and differs from its events is refused,
    :class:`InputError` (it was changed outside prefstack: `ledger snapshot` writes it again)."""
    return after_verifying(stream, report, lambda: _verified_stream(stream))


def _verified_stream(stream: LedgerStream) -> str:
    placed = placed_from_store(stream.read())
    return _verify_snapshot(stream, placed) + _verify_checkpoints(stream, placed)


def _verify_checkpoints(stream: LedgerStream, placed: Sequence[Placed]) -> str:
    """For ``ledger verify``: each checkpoint that would be read equals the fold to its quarter
    end of the events it was made from (:mod:`prefstack.ledger.checkpoints`), refused as a
    snapshot is where one differs; what was found ("" where there are none)."""
    dates = stream.checkpoint_dates()
    if not dates:
        return ""
    fingerprint = snapshots.fingerprint(stream.company)
    kept = [found for found in map(stream.checkpoint_on_or_before, dates) if found is not None]
    read = [
        c
        for c in kept
        if c.fingerprint == fingerprint and c.version <= len(placed) and stream.hash_at(c.version) == c.head_hash
    ]
    for version in sorted({c.version for c in read}):
        made_from = [p for p in placed if p.seq is not None and p.seq <= version]
        expected = dict(checkpoints.quarterly_folds(made_from, stream.company))
        for c in (c for c in read if c.version == version):
            blob = expected.get(c.as_of)
            with without_cyclic_gc():
                same = blob is not None and snapshots.same_fold(snapshots.loads(c.blob), snapshots.loads(blob))
            if not same:
                raise InputError(
                    "--db",
                    STORE,
                    f"the checkpoint of the ledger of {stream.company} on {c.as_of} does not equal the fold of its "
                    "events: it was changed outside prefstack; `prefstack ledger snapshot` writes them again",
                )
    unread = len(kept) - len(read)
    shown = f"; {len(read)} quarterly checkpoint(s) equal the folds of their events"
    return shown + (f", {unread} made by another prefstack or of other events: not read" if unread else "")


def _verify_snapshot(stream: LedgerStream, placed: Sequence[Placed]) -> str:
    found = stream.snapshot()
    if found is None or found.fingerprint != snapshots.fingerprint(stream.company):
        validate(placed, stream.company)
        if found is None:
            return "no snapshot"
        return f"the snapshot at seq {found.version} was made by another prefstack or terms: it is not read"
    if found.version > len(placed) or stream.hash_at(found.version) != found.head_hash:
        validate(placed, stream.company)
        return f"the snapshot names seq {found.version} with a hash the ledger does not have: it is not read"
    made_from = [p for p in placed if p.seq is not None and p.seq <= found.version]
    later = placed[len(made_from) :]
    with without_cyclic_gc():
        expected = fold(made_from, found.as_of, company=stream.company)
        if not snapshots.same_fold(snapshots.loads(found.blob), expected):
            raise InputError(
                "--db",
                STORE,
                f"the snapshot of the ledger of {stream.company} at seq {found.version} does not equal the fold of "
                "its events: it was changed outside prefstack; `prefstack ledger snapshot` writes it again",
            )
        if later and not resume(expected, later):
            validate(placed, stream.company)  # the events after it cannot be folded on: from the start
        else:
            _checked(expected, expected.as_of, keep=False)
    return f"the snapshot at seq {found.version} equals the fold of its events"


def state_on(
    source: str | None,
    db: str,
    company: str | None,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    *,
    replay_always: bool = False,
) -> tuple[str | None, LedgerState]:
    """The company (:func:`load_ledger`) and its state as of the end of ``as_of``: :func:`answer_on`
    with the state itself for the answer."""
    return answer_on(source, db, company, as_of, known_at, replay_always=replay_always, question=_itself)


def _itself(state: LedgerState) -> LedgerState:
    return state


def answer_on(
    source: str | None,
    db: str,
    company: str | None,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    *,
    replay_always: bool = False,
    question: Callable[[LedgerState], T],
) -> tuple[str | None, T]:
    """The company (:func:`load_ledger`) and ``question`` answered on its state as of the end of
    ``as_of``. The latest state of a store's ledger, on or after its last event, is read from the
    stream's snapshot and the events stored after it (see :mod:`prefstack.ledger.snapshots`); an
    earlier date from the checkpoint of the quarter end before it and the events after that (see
    :mod:`prefstack.ledger.checkpoints`); anything else is replayed, and everything where
    ``replay_always`` (a question asked under another reading set than prefstack's: the snapshot is
    the fold under prefstack's readings). A state read from the store is answered while the chain
    is verified (:func:`while_verifying`), and the answer given only where it verifies."""
    if readings.active() and not replay_always:
        raise AssertionError("a state under a reading set is replayed: pass replay_always")
    if source is None and known_at is None and not replay_always:
        require_store(db)
        with open_store(db, company) as store:
            stream = store.stream(store_company(store, company))
            answered = while_verifying(
                stream, lambda: _answered_from_store(stream, as_of, question), allow=ALLOW_UNVERIFIED
            )
            # A chain that does not verify is read for forensics: from its events as they now are.
            if answered.verified:
                found = answered.get()
                if found is not None:
                    return stream.company, found[0]
    whose, placed = load_ledger(source, db, company, known_at)
    return whose, question(replay(placed, as_of, company=whose))


def _answered_from_store(stream: LedgerStream, as_of: dt.date, question: Callable[[LedgerState], T]) -> tuple[T] | None:
    """``question`` answered on the state of ``stream`` on ``as_of`` read from its snapshot (a date
    on or after its last event) or the checkpoint of the quarter before (an earlier date), in a
    1-tuple; None where neither gives it (the caller replays)."""
    kept = stream.snapshot()
    if kept is None or as_of >= kept.as_of:
        resumed = _resumed(stream, stream.head(), kept)
        if resumed is not None:
            folded = resumed.folded
            if as_of >= folded.as_of and (not folded.reads_as_of or as_of == folded.as_of):
                return (question(finish(folded, as_of)),)
    # a date before the last event: the fold of its quarter (checkpoints)
    checked = _from_checkpoint(stream, as_of)
    return None if checked is None else (question(checked),)


def to_new_event(p: Placed, recorded_by: str | None = None) -> NewEvent:
    """The event to store: who recorded it is the ledger file's ``recorded_by`` where it names one
    (an export carries it), else ``recorded_by`` (``--by``; None: the operating-system user)."""
    return NewEvent(
        kind=p.event.kind,
        effective_date=p.event.date,
        payload=p.event.payload(),
        recorded_at=p.recorded_at,
        recorded_by=p.recorded_by if p.recorded_by is not None else recorded_by,
    )


def renumbered(new: Sequence[Placed], version: int) -> list[Placed]:
    """``new`` as it will be stored after ``version`` events: each at its sequence number, so that a
    void by ``voids_seq`` names the same event before and after the append."""
    return [dataclasses.replace(p, seq=version + i) for i, p in enumerate(new, 1)]


APPEND_ATTEMPTS = 20
"""How many times an append is validated again against a ledger that another writer moved on."""


def append_to_empty(
    store: EventStore, new: Sequence[Placed], *, company: str, what: str, validated: Checked | None = None
) -> list[StoredEvent]:
    """Append ``new`` as the whole ledger of ``company``, whose stream must be empty (``what`` is
    being imported: an OCF package, a transfer agent's register, which give a company's holdings
    from the start and would count them twice on top of a ledger); refused naming ``--company``
    when the stream holds events, then or when the events are written (the append is made at
    version 0 or not at all)."""
    stream = store.stream(registry.issuer(company, "company").id)

    def refused(version: int) -> InputError:
        return InputError(
            "--company",
            "ledger format",
            f"the ledger of {company_label(company)} already holds {version} events: {what} is imported into an "
            "empty ledger",
        )

    if stream.version():
        raise refused(stream.version())
    try:
        return append(store, new, company=company, validated=validated, expected_version=0)
    except ConcurrencyError:
        raise refused(stream.version()) from None


def append(
    store: EventStore,
    new: Sequence[Placed],
    *,
    company: str,
    recorded_by: str | None = None,
    validated: Checked | None = None,
    attempts: int = APPEND_ATTEMPTS,
    expected_version: int | None = None,
) -> list[StoredEvent]:
    """Validate ``new`` against the stored ledger of ``company`` (an issuer id) and append it to
    that company's stream atomically, recorded by ``recorded_by`` (None: the operating-system user)
    except where an event names its own. When another writer appended to that stream first
    (:class:`ConcurrencyError`), read the new head, validate again and retry, up to ``attempts``
    times; only then is the conflict reported. Other companies' streams are not touched.

    A void by sequence number in ``new`` names the company's stored event at that seq (``new``
    itself is numbered from the head onwards). A stream whose hash chain does not verify is
    refused, even with ``--allow-unverified`` (which is for reading only).

    ``validated``: the caller has already validated ``new`` by itself (:func:`validated_fold`, as
    the ledger of ``company``), so an append to an empty stream need not replay it again; the
    version check still guarantees that the stream was empty when the events are written.

    ``expected_version``: the version of the stream the caller decided on (a web client's
    ``If-Match``): the append is made at that version or not at all, :class:`ConcurrencyError`
    (naming the stream's version) where the stream is elsewhere, with no retry.

    After the append, the fold validated is kept as the stream's snapshot at its new head
    (:mod:`prefstack.ledger.snapshots`), and the next append or question on or after its last
    event starts from it."""
    if readings.active():
        raise InputError(
            "--reading", readings.CLAUSE, "the ledger is validated under prefstack's readings: append without --reading"
        )
    stream = store.stream(registry.issuer(company, "company").id)

    def validated_now() -> tuple[Head, Checked | None]:
        head = stream.head()
        if expected_version is not None and head.version != expected_version:
            raise ConcurrencyError(expected_version, head.version, stream.company)
        checked = validated if head.version == 0 else None
        if checked is None:
            checked = _validated_append(stream, head, renumbered(new, head.version))
        return head, checked

    prior: VerifyReport | None = None
    for attempt in range(1, attempts + 1):
        # nothing is ever appended to a chain that does not verify, nor validated against events that are not
        # the chain's: each validation is made while the chain is verified; after a conflict, the chain verified
        # before, extended by the events the other writer appended
        if prior is None:
            outcome = while_verifying(stream, validated_now, allow=False)
        else:
            outcome = _worked(stream, validated_now, False, functools.partial(_extended, stream, prior))
        head, checked = outcome.get()
        prior = outcome.report
        try:
            with without_cyclic_gc():
                events = [to_new_event(p, recorded_by) for p in new]
                stored = stream.append(events, expected_version=head.version, expected_hash=head.head_hash)
            if checked is not None:
                _save_snapshot(stream, stored, checked)
            return stored
        except ConcurrencyError:
            if attempt == attempts or expected_version is not None:
                raise
            time.sleep(random.uniform(0, 0.01 * attempt))  # back off a little, differently per writer
    raise AssertionError("unreachable: the last attempt returns or raises")


def _extended(stream: LedgerStream, verified: VerifyReport) -> VerifyReport:
    """The chain of ``stream`` verified now: ``verified`` extended by the events since where they
    verify (:meth:`~LedgerStream.verify_after`), else the whole chain verified again."""
    return stream.verify_after(verified) or stream.verify()


def _validated_append(stream: LedgerStream, head: Head, numbered: Sequence[Placed]) -> Checked | None:
    """The stream with ``numbered`` appended, validated: folded on from its snapshot where every new
    event comes after it (:func:`_resumed`, :func:`~prefstack.ledger.replay.resume`), else replayed from the start. The
    fold is kept as a new snapshot where it was replayed, or where the events since the snapshot
    reached :data:`TAIL_LIMIT` or took :data:`TAIL_SECONDS` to fold on. None for no events at all."""
    resumed = _resumed(stream, head)
    if resumed is not None and numbered:
        folded = resumed.folded
        with without_cyclic_gc():
            started = time.perf_counter()
            if resume(folded, numbered):
                slow = time.perf_counter() - started > TAIL_SECONDS
                keep = resumed.stale or slow or resumed.tail + len(numbered) >= TAIL_LIMIT
                return _checked(folded, folded.as_of, keep=keep)
    return validated_fold([*placed_from_store(stream.read()), *numbered], stream.company)


def events_of(placed: Sequence[Placed]) -> list[LedgerEvent]:
    return [p.event for p in placed]
