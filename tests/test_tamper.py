"""Tampering done directly in the database with SQL, on SQLite and PostgreSQL, against the command line.

The store holds the bundled example (554 events, imported with a signed receipt of seq 554) and
one closing price added after it (seq 555, with a signed receipt). Each tamper is caught:
``ledger verify`` exits 1 naming the problem and the seq, every command that reads the store
refuses with exit 2, ``--allow-unverified`` answers anyway; cutting the last event and rewinding
the head, which leaves a chain that verifies, is caught by the receipt of seq 555; a chain
re-hashed after an edit is caught by a receipt, and a receipt forged to match it by its signature.

The commands run in this process (``prefstack.cli.main`` with its arguments), which is what the
installed ``prefstack`` runs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer

from helpers import Prefstack
from prefstack.cli import app
from prefstack.ledger.hashing import hash_written_event

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
COMPANY = "CAIS Internet, Inc."
REFUSED = "the hash chain of the ledger of cais-internet does not verify"
F_ISSUE = 524  # the seq of the Series F issue of 40,000 shares in the example
CONVERSION = 550  # the seq of the 2002-01-10 conversion

NOT_READ = "; the snapshot names seq 555 with a hash the ledger does not have: it is not read"
"""What `ledger verify` says of the snapshot kept at seq 555 once the chain was cut or rehashed: the
snapshot no longer matches the stream, so nothing reads it (answers come from the events)."""


@dataclass
class Store:
    url: str
    engine: sa.Engine
    folder: Path

    def sql(self, statement: str, **params: object) -> list[tuple[Any, ...]]:
        with self.engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []

    def hash_at(self, seq: int) -> str:
        (row,) = self.sql("SELECT hash FROM ledger_events WHERE seq = :s", s=seq)
        return str(row[0])

    def path(self, name: str) -> str:
        return str(self.folder / name)


@pytest.fixture
def store(store_url: str, tmp_path: Path, prefstack: Prefstack) -> Iterator[Store]:
    """The example imported (receipt r551.json) and a closing price added (receipt r552.json),
    both receipts signed with the key pair key.pem / key.pub."""
    held = Store(store_url, sa.create_engine(store_url), tmp_path)
    try:
        keys = ("--private", held.path("key.pem"), "--public", held.path("key.pub"))
        assert prefstack("ledger", "keygen", *keys).code == 0
        signed = ("--sign-key", held.path("key.pem"))
        imported = prefstack(
            "ledger", "import", EXAMPLE, "--db", store_url, "--receipt", held.path("r551.json"), *signed
        )
        assert imported.code == 0, imported.err
        added = prefstack(
            "ledger", "add", "--kind", "closing_price", "--date", "2002-07-01", "--field", "price=3.10",
            "--db", store_url, "--receipt", held.path("r552.json"), *signed,
        )  # fmt: skip
        assert added.code == 0, added.err
        yield held
    finally:
        held.engine.dispose()


# --- tampers, done with SQL ---------------------------------------------------------------


def edit_share_count(store: Store) -> None:
    (payload,) = store.sql("SELECT payload FROM ledger_events WHERE seq = :s", s=F_ISSUE)[0]
    assert '"series":"F","shares":"40000"' in payload
    store.sql(
        "UPDATE ledger_events SET payload = :p WHERE seq = :s", p=payload.replace('"40000"', '"40001"'), s=F_ISSUE
    )


def delete_middle_row(store: Store) -> None:
    store.sql("DELETE FROM ledger_events WHERE seq = 30")  # a closing price of 2000-07-11


def swap_rows(store: Store) -> None:
    store.sql("UPDATE ledger_events SET seq = 1000000 WHERE seq = 100")
    store.sql("UPDATE ledger_events SET seq = 100 WHERE seq = 101")
    store.sql("UPDATE ledger_events SET seq = 101 WHERE seq = 1000000")


def change_effective_date(store: Store) -> None:
    assert store.sql("SELECT effective_date FROM ledger_events WHERE seq = :s", s=CONVERSION) == [("2002-01-10",)]
    store.sql("UPDATE ledger_events SET effective_date = '2002-01-11' WHERE seq = :s", s=CONVERSION)


def cut_last_row_and_rewind_head(store: Store) -> None:
    store.sql("DELETE FROM ledger_events WHERE seq = 555")
    store.sql(
        "UPDATE ledger_streams SET version = 554, head_hash = :h WHERE company = 'cais-internet'", h=store.hash_at(554)
    )


def event_id(store: Store, seq: int) -> str:
    (row,) = store.sql("SELECT event_id FROM ledger_events WHERE seq = :s", s=seq)
    return str(row[0])


# (tamper, problem kind, seq named, what the message says)
CASES = {
    "share count edited": (
        edit_share_count,
        "edited",
        F_ISSUE,
        lambda ids: f"event {ids[F_ISSUE]} (seq 524) does not match its hash: its stored values were changed",
    ),
    "middle row deleted": (
        delete_middle_row,
        "removed",
        30,
        lambda ids: f"seq 30 missing: the ledger goes from seq 29 to seq 31 (event {ids[31]})",
    ),
    "two rows swapped": (
        swap_rows,
        "reordered",
        100,
        lambda ids: (
            f"event {ids[101]} was appended as seq 101 but sits at seq 100, before event {ids[100]} "
            "(now seq 101) that preceded it"
        ),
    ),
    "effective date changed": (
        change_effective_date,
        "edited",
        CONVERSION,
        lambda ids: f"event {ids[CONVERSION]} (seq 550) does not match its hash: its stored values were changed",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_verify_names_each_tamper_and_reading_commands_refuse(store: Store, prefstack: Prefstack, case: str) -> None:
    tamper, kind, seq, message = CASES[case]
    ids = {s: event_id(store, s) for s in (31, 100, 101, F_ISSUE, CONVERSION)}
    assert prefstack("ledger", "verify", "--db", store.url).code == 0
    tamper(store)

    verify = prefstack("ledger", "verify", "--db", store.url)
    assert verify.code == 1
    assert verify.out.splitlines() == [f"{kind}: event #{seq} of cais-internet: {message(ids)}"]

    refused = prefstack("state", "--as-of", "2002-06-30", "--db", store.url)
    assert refused.code == 2 and refused.out == ""
    assert refused.err.startswith(f"error: --db: {REFUSED} (1 problem(s); first: seq {seq} {kind}: {message(ids)}); ")
    assert "pass --allow-unverified to read it anyway" in refused.err

    forensic = prefstack("--allow-unverified", "state", "--as-of", "2002-06-30", "--db", store.url, "--format", "json")
    assert forensic.code == 0, forensic.err
    assert json.loads(forensic.out)["as_of"] == "2002-06-30"

    # A receipt does not vouch for a chain that does not verify.
    with_receipt = prefstack("ledger", "verify", "--db", store.url, "--receipt", store.path("r552.json"))
    assert with_receipt.code == 1 and with_receipt.out.startswith(f"{kind}: event #{seq} of cais-internet: ")


def test_cutting_the_last_event_and_rewinding_the_head_is_caught_by_a_receipt(
    store: Store, prefstack: Prefstack
) -> None:
    """The chain alone cannot tell: 554 intact events with a head that says 554. The receipt of
    the append of seq 555 can."""
    cut_last_row_and_rewind_head(store)
    plain = prefstack("ledger", "verify", "--db", store.url)
    assert (
        plain.code == 0
        and plain.out == "ok: cais-internet (CAIS Internet, Inc.): 554 events, hash chain intact, every event applies"
        f"{NOT_READ}\n"
    )

    r551, r552 = store.path("r551.json"), store.path("r552.json")
    caught = prefstack("ledger", "verify", "--db", store.url, "--receipt", r551, "--receipt", r552)
    assert caught.code == 1
    assert caught.out.splitlines() == [
        f"receipt {r551}: the event at seq 554 has the hash the receipt records",
        f"receipt {r552}: the ledger holds 554 events, the receipt of seq 555 was given: "
        "events were removed and the head rewound",
    ]
    older = prefstack("ledger", "verify", "--db", store.url, "--receipt", r551, "--public-key", store.path("key.pub"))
    assert older.code == 0
    assert older.out.splitlines() == [
        f"receipt {r551}: the event at seq 554 has the hash the receipt records, signed by {store.path('key.pub')}",
        "ok: cais-internet (CAIS Internet, Inc.): 554 events, hash chain intact, every event applies, "
        f"the ledger extends 1 receipt(s){NOT_READ}",
    ]


def _rehash_from(store: Store, first: int) -> None:
    """What someone who can write the database and knows the hashing does after an edit:
    recompute the hash of every event from ``first`` on, and the head."""
    rows = store.sql(
        "SELECT seq, event_id, kind, effective_date, recorded_at, payload, prev_hash, recorded_by FROM ledger_events "
        "WHERE seq >= :f ORDER BY seq",
        f=first,
    )
    prev = store.hash_at(first - 1)
    for seq, eid, kind, effective, recorded, payload, _old_prev, by in rows:
        digest = hash_written_event(seq, eid, kind, effective, recorded, payload, prev, recorded_by=by)
        store.sql("UPDATE ledger_events SET prev_hash = :p, hash = :h WHERE seq = :s", p=prev, h=digest, s=seq)
        prev = digest
    store.sql("UPDATE ledger_streams SET head_hash = :h WHERE company = 'cais-internet'", h=prev)


def test_a_chain_rehashed_after_an_edit_is_caught_by_the_signed_receipt(store: Store, prefstack: Prefstack) -> None:
    r551, public = store.path("r551.json"), store.path("key.pub")
    old_551 = store.hash_at(554)
    edit_share_count(store)
    _rehash_from(store, F_ISSUE)
    new_551 = store.hash_at(554)
    assert new_551 != old_551

    plain = prefstack("ledger", "verify", "--db", store.url)
    assert (
        plain.code == 0
        and plain.out == "ok: cais-internet (CAIS Internet, Inc.): 555 events, hash chain intact, every event applies"
        f"{NOT_READ}\n"
    )
    answers = prefstack("state", "--as-of", "2000-08-02", "--db", store.url, "--format", "json")
    assert answers.code == 0  # the chain verifies: only a receipt tells

    caught = prefstack("ledger", "verify", "--db", store.url, "--receipt", r551, "--public-key", public)
    assert caught.code == 1
    assert caught.out.splitlines() == [
        f"receipt {r551}: the event at seq 554 has the hash {new_551}, the receipt records {old_551}: "
        "the ledger was rewritten (events changed and re-hashed) at or before seq 554"
    ]

    # The receipt file rewritten to match the forged chain: its signature no longer verifies.
    forged = json.loads(Path(r551).read_text())
    forged["head_hash"] = new_551
    Path(store.path("forged.json")).write_text(json.dumps(forged))
    refused = prefstack(
        "ledger", "verify", "--db", store.url, "--receipt", store.path("forged.json"), "--public-key", public
    )
    assert refused.code == 1
    assert refused.out.splitlines() == [
        f"receipt {store.path('forged.json')}: the signature does not verify with {public}: "
        "the receipt's fields were changed after it was signed"
    ]
    # Without the public key the forged receipt would pass: the signature is what proves it.
    unchecked = prefstack("ledger", "verify", "--db", store.url, "--receipt", store.path("forged.json"))
    assert unchecked.code == 0

    # A receipt signed with another key (the forger's own) is refused too.
    other = ("--private", store.path("other.pem"), "--public", store.path("other.pub"))
    assert prefstack("ledger", "keygen", *other).code == 0
    own = prefstack(
        "ledger", "add", "--kind", "closing_price", "--date", "2002-07-02", "--field", "price=3.20",
        "--db", store.url, "--receipt", store.path("own.json"), "--sign-key", store.path("other.pem"),
    )  # fmt: skip
    assert own.code == 0
    theirs = prefstack(
        "ledger", "verify", "--db", store.url, "--receipt", store.path("own.json"), "--public-key", public
    )
    assert theirs.code == 1
    signer = json.loads(Path(store.path("own.json")).read_text())["signature"]["public_key"]
    assert f"the receipt was signed by the key {signer}, not by {public}" in theirs.out


# --- every command that reads the store ---------------------------------------------------


def reading_commands(folder: Path) -> dict[str, list[str]]:
    """One invocation of every command that reads the store (each given --db by the test)."""
    out = str(folder)
    holder = "Microsoft Corporation"
    return {
        "state": ["state", "--as-of", "2001-12-31", "--format", "json"],
        "convert": ["convert", "--series", "F", "--holder", holder, "--shares", "250", "--on", "2002-01-10"],
        "waterfall": ["waterfall", "--proceeds", "90000000", "--on", "2002-06-30"],
        "dividends": ["dividends", "--payment-date", "2001-09-15"],
        "transaction": [
            "transaction", "--kind", "merger", "--prior-stockholders-share", "0.499", "--on", "2002-06-30",
            "--consideration", "100000000",
        ],
        "redemption": ["redemption", "--series", "F", "--on", "2005-08-02", "--funds", "20000000"],
        "votes": ["votes", "--as-of", "2002-06-30"],
        "calendar": ["calendar", "--from", "2001-01-01", "--to", "2001-12-31"],
        "certificate adjustment": ["certificate", "adjustment", "--as-of", "2002-12-31"],
        "interpretations": ["interpretations", "--impact", "--as-of", "2001-12-31"],
        "ledger export": ["ledger", "export"],
        "ledger log": ["ledger", "log"],
        "document dividend-statement": [
            "document", "dividend-statement", "--holder", holder, "--payment-date", "2001-09-15",
            "--out", f"{out}/d.pdf",
        ],
        "document certificate-of-adjustment": [
            "document", "certificate-of-adjustment", "--series", "F", "--as-of", "2002-12-31", "--out", f"{out}/a.pdf",
        ],
        "document conversion-statement": [
            "document", "conversion-statement", "--series", "F", "--holder", holder, "--shares", "250",
            "--on", "2002-01-10", "--out", f"{out}/c.pdf",
        ],
        "document redemption-notice": [
            "document", "redemption-notice", "--series", "F", "--redemption-date", "2005-08-02",
            "--place", "the transfer agent", "--out", f"{out}/r.pdf",
        ],
        "document record-date-notice": [
            "document", "record-date-notice", "--event", "split-2002", "--out", f"{out}/n.pdf",
        ],
        "breakpoints": ["breakpoints", "--on", "2002-06-30"],
        "scenarios": [
            "scenarios", "--from", "0", "--to", "1000", "--steps", "1", "--on", "2002-06-30", "--out", f"{out}/s.csv",
        ],
        "value": ["value", "--series", "F", "--on", "2002-06-30", "--rate", "0.05", "--method", "lattice"],
        "opm": [
            "opm", "--on", "2002-06-30", "--rate", "0.05", "--volatility", "0.8", "--term-years", "3",
            "--equity-value", "300000000",
        ],
        "ocf export": [
            "ocf", "export", "--company", "cais-internet", "--as-of", "2002-06-30", "--out", f"{out}/ocf.zip",
            "--formation-date", "1996-01-01", "--country-of-formation", "US",
        ],
        "register export": [
            "register", "export", "--company", "cais-internet", "--as-of", "2002-06-30", "--out", f"{out}/r.csv",
        ],
        "document history": [
            "document", "history", "--series", "F", "--from", "2000-08-02", "--to", "2002-06-30",
            "--out", f"{out}/h.png",
        ],
    }  # fmt: skip


WRITERS_AND_VERIFIER = {
    "ledger import", "ledger add", "ledger void", "ledger verify", "ledger snapshot", "run", "ocf import",
    "register import",
}  # fmt: skip
LISTS_HEADS_ONLY = {"ledger companies"}  # the companies and their heads, read without replaying any ledger
ACCOUNTS = {"users add", "users role", "users token"}  # the web service's users: no ledger is read
SERVES = {"serve"}  # reads the store on each request: test_the_service_refuses_a_tampered_store


def _commands_with_db(group: Any, prefix: str = "") -> set[str]:
    found = set()
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if hasattr(command, "commands"):
            found |= _commands_with_db(command, f"{full} ")
        elif any(param.name == "db" for param in command.params):
            found.add(full)
    return found


def test_the_reading_commands_are_every_command_that_reads_the_store(tmp_path: Path) -> None:
    with_db = _commands_with_db(typer.main.get_command(app))
    assert {"state", "ledger export", "document history"} <= with_db
    assert with_db - WRITERS_AND_VERIFIER - LISTS_HEADS_ONLY - ACCOUNTS - SERVES == set(reading_commands(tmp_path))


def test_the_service_refuses_a_tampered_store(store: Store) -> None:
    """`prefstack serve` reads the ledger on each request through the same verified load: once a
    row is edited, a question is refused naming the edited event, with none of the ledger's figures."""
    import httpx
    from tests.web.webservice import running

    from prefstack.web.accounts import Accounts

    with Accounts(store.url) as accounts:
        accounts.add_user("auditor", None)
        accounts.set_role("auditor", "cais-internet", "auditor", None)
        token = accounts.new_token("auditor")
    with running(store.url) as base:
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        question = "/api/companies/cais-internet/state?as_of=2001-12-31"
        assert client.get(question).status_code == 200
        edit_share_count(store)
        refused = client.get(question)
        assert refused.status_code == 422
        body = refused.json()
        assert body["field"] == "--db" and f"seq {F_ISSUE} edited" in body["problem"], body
        assert "40001" not in refused.text and "Microsoft" not in refused.text


def test_every_reading_command_refuses_a_tampered_store_and_answers_when_allowed(
    store: Store, prefstack: Prefstack
) -> None:
    exported = prefstack("ledger", "export", "--db", store.url)
    assert exported.code == 0
    edit_share_count(store)
    message = f"{REFUSED} (1 problem(s); first: seq {F_ISSUE} edited: event {event_id(store, F_ISSUE)} (seq 524)"
    for name, args in reading_commands(store.folder).items():
        refused = prefstack(*args, "--db", store.url)
        assert refused.code == 2, name
        assert refused.err.startswith(f"error: --db: {message}"), (name, refused.err)
        assert refused.out == "", name
        forensic = prefstack("--allow-unverified", *args, "--db", store.url)
        assert forensic.code == 0, (name, forensic.err)

    # What --allow-unverified answers is what the store now holds: the edited share count.
    edited = Path(store.path("edited.yaml"))
    edited.write_text(exported.out.replace("shares: '40000'", "shares: '40001'", 1))
    as_stored = prefstack("--allow-unverified", "state", "--as-of", "2000-08-02", "--db", store.url, "--format", "json")
    from_file = prefstack("state", "--as-of", "2000-08-02", "--ledger", str(edited), "--format", "json")
    assert json.loads(as_stored.out) == json.loads(from_file.out)
    f_series = next(s for s in json.loads(as_stored.out)["series"] if s["series"] == "F")
    assert f_series["holders"][0]["shares_outstanding"] == "40001.00"


# --- receipts as issued -------------------------------------------------------------------


def test_appends_print_and_write_their_receipts(store: Store, prefstack: Prefstack) -> None:
    r551 = json.loads(Path(store.path("r551.json")).read_text())
    r552 = json.loads(Path(store.path("r552.json")).read_text())
    public = Path(store.path("key.pub"))
    assert list(r551) == ["format", "company", "seq", "head_hash", "recorded_at", "signature"]
    assert r551["format"] == "prefstack-receipt/1"
    assert (r551["company"], r551["seq"], r551["head_hash"]) == (COMPANY, 554, store.hash_at(554))
    assert r552["company"] == COMPANY  # the store keeps the company of the file it was loaded from
    assert (r552["seq"], r552["head_hash"]) == (555, store.hash_at(555))
    assert store.sql("SELECT company, version, head_hash FROM ledger_streams") == [
        ("cais-internet", 555, store.hash_at(555))
    ]
    for receipt in (r551, r552):
        moment = dt.datetime.fromisoformat(receipt["recorded_at"])
        assert moment.utcoffset() == dt.timedelta(0)
        assert abs(dt.datetime.now(dt.UTC) - moment) < dt.timedelta(minutes=10)
        assert receipt["signature"]["algorithm"] == "ed25519"

    # The printed line carries the same fields.
    key = prefstack("ledger", "keygen", "--private", store.path("k2.pem"), "--public", store.path("k2.pub"))
    public_hex = key.out.splitlines()[-1].removeprefix("public key: ")
    added = prefstack(
        "ledger", "add", "--kind", "closing_price", "--date", "2002-07-02", "--field", "price=3.20",
        "--db", store.url, "--sign-key", store.path("k2.pem"), "--receipt", store.path("r553.json"),
        "--by", "Transfer Desk",
    )  # fmt: skip
    r553 = json.loads(Path(store.path("r553.json")).read_text())
    assert added.out.splitlines() == [
        "added event #556 (closing_price on 2002-07-02), recorded by Transfer Desk",
        f'receipt: company="{COMPANY}" seq=556 head_hash={store.hash_at(556)} recorded_at={r553["recorded_at"]} '
        f"signed=ed25519:{public_hex}",
    ]
    assert r553["signature"]["public_key"] == public_hex

    # The signature is Ed25519 over the canonical JSON of every other field, as documented.
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    message = json.dumps({k: v for k, v in r551.items() if k != "signature"}, sort_keys=True, separators=(",", ":"))
    key_551: Any = load_pem_public_key(public.read_bytes())
    key_551.verify(bytes.fromhex(r551["signature"]["value"]), message.encode())

    both = prefstack(
        "ledger", "verify", "--db", store.url, "--receipt", store.path("r551.json"),
        "--receipt", store.path("r552.json"), "--public-key", str(public),
    )  # fmt: skip
    assert both.code == 0
    assert both.out.splitlines()[-1] == (
        "ok: cais-internet (CAIS Internet, Inc.): 556 events, hash chain intact, every event applies, "
        "the ledger extends 2 receipt(s); the snapshot at seq 556 equals the fold of its events"
    )


def test_import_prints_the_company_and_run_issues_a_receipt_once(tmp_path: Path, prefstack: Prefstack) -> None:
    db = f"sqlite:///{tmp_path / 'run.sqlite'}"
    first = prefstack("run", "--db", db, "--receipt", str(tmp_path / "run.json"))
    assert first.code == 0, first.err
    receipt = json.loads((tmp_path / "run.json").read_text())
    assert (receipt["company"], receipt["seq"]) == (COMPANY, 554)
    line = next(x for x in first.out.splitlines() if x.startswith("receipt: "))
    assert line == (
        f'receipt: company="{COMPANY}" seq=554 head_hash={receipt["head_hash"]} recorded_at={receipt["recorded_at"]}'
    )
    again = prefstack("run", "--db", db, "--receipt", str(tmp_path / "again.json"))
    assert again.code == 0
    assert "nothing was appended, so no receipt was issued" in again.out
    assert not (tmp_path / "again.json").exists()


@pytest.mark.parametrize("writer", ["add", "void", "import"])
def test_nothing_is_appended_to_a_tampered_store_even_when_reading_is_allowed(
    store: Store, prefstack: Prefstack, writer: str
) -> None:
    edit_share_count(store)
    more = Path(store.path("more.yaml"))
    more.write_text(
        "format: prefstack-ledger/1\ncompany: CAIS Internet, Inc.\nevents:\n"
        "- {kind: closing_price, date: '2002-07-01', price: '3.00'}\n"
    )
    args = {
        "add": ["ledger", "add", "--kind", "closing_price", "--date", "2002-07-01", "--field", "price=3.00"],
        "void": ["ledger", "void", "--seq", "10", "--reason", "test"],
        "import": ["ledger", "import", str(more)],
    }[writer]
    before = store.sql("SELECT seq, hash FROM ledger_events ORDER BY seq")
    for prefix in ([], ["--allow-unverified"]):
        refused = prefstack(*prefix, *args, "--db", store.url)
        assert refused.code == 2 and REFUSED in refused.err, refused.err
    assert store.sql("SELECT seq, hash FROM ledger_events ORDER BY seq") == before
