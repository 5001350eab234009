"""Receipts (prefstack.ledger.receipts): the documented format, hostile receipt and key files, keygen.

Receipt and key files come from outside and are read as hostile input: every problem is an
InputError naming the file and field, which the command line reports with exit 2.
"""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from prefstack.errors import InputError
from prefstack.ledger import receipts
from prefstack.ledger.receipts import Receipt

HASH = "ab" * 32
AT = dt.datetime(2026, 5, 9, 7, 35, 25, 123456, tzinfo=dt.UTC)
GOOD = {
    "format": "prefstack-receipt/1",
    "company": "CAIS Internet, Inc.",
    "seq": 551,
    "head_hash": HASH,
    "recorded_at": "2026-05-09T07:35:25.123456+00:00",
}


def test_an_unsigned_receipt_is_written_and_read_back_exactly(tmp_path: Path) -> None:
    receipt = receipts.issue(551, HASH, company="CAIS Internet, Inc.", at=AT)
    assert receipt.document() == GOOD
    assert receipt.line() == (
        f'receipt: company="CAIS Internet, Inc." seq=551 head_hash={HASH} recorded_at=2026-05-09T07:35:25.123456+00:00'
    )
    path = tmp_path / "r.json"
    receipts.write_receipt(receipt, path)
    assert json.loads(path.read_text()) == GOOD
    assert receipts.read_receipt(path) == receipt


def test_a_signed_receipt_signs_the_canonical_json_of_its_other_fields(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    receipt = receipts.issue(7, HASH, at=AT, sign_key=key)
    assert receipt.signed_bytes() == (
        b'{"format":"prefstack-receipt/1","head_hash":"' + HASH.encode() + b'",'
        b'"recorded_at":"2026-05-09T07:35:25.123456+00:00","seq":7}'
    )
    assert receipt.signature is not None
    key.public_key().verify(bytes.fromhex(receipt.signature.value), receipt.signed_bytes())
    assert receipt.signature.public_key == receipts.public_key_hex(key.public_key())
    assert receipts.signature_problem(receipt, key.public_key(), "k.pub") is None
    path = tmp_path / "r.json"
    receipts.write_receipt(receipt, path)
    assert receipts.read_receipt(path) == receipt
    # Any field changed after signing breaks the signature.
    for changed in ({"seq": 8}, {"head_hash": "cd" * 32}, {"recorded_at": "2026-05-09T07:35:26.123456+00:00"}):
        forged = Receipt(**{**receipt.__dict__, **changed})  # type: ignore[arg-type]
        problem = receipts.signature_problem(forged, key.public_key(), "k.pub")
        assert (
            problem == "the signature does not verify with k.pub: the receipt's fields were changed after it was signed"
        )


def test_extension_problem_names_what_differs() -> None:
    receipt = Receipt(seq=551, head_hash=HASH, recorded_at=GOOD["recorded_at"])  # type: ignore[arg-type]
    assert receipts.extension_problem(receipt, 551, HASH) is None
    assert receipts.extension_problem(receipt, 600, HASH) is None
    assert receipts.extension_problem(receipt, 540, None) == (
        "the ledger holds 540 events, the receipt of seq 551 was given: events were removed and the head rewound"
    )
    assert receipts.extension_problem(receipt, 551, "cd" * 32) == (
        f"the event at seq 551 has the hash {'cd' * 32}, the receipt records {HASH}: "
        "the ledger was rewritten (events changed and re-hashed) at or before seq 551"
    )
    assert receipts.extension_problem(receipt, 551, None) == "the ledger holds 551 events but none is stored at seq 551"


def _with(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {**GOOD, **changes}
    return {k: v for k, v in doc.items() if v is not None}


SIG = {"algorithm": "ed25519", "public_key": "ab" * 32, "value": "cd" * 64}

# (file text, field named, problem)
HOSTILE: dict[str, tuple[str, str, str]] = {
    "not JSON": ("{seq: 1", "", "not valid JSON: Expecting property name enclosed in double quotes"),
    "a list": ("[]", "", "a receipt is a JSON object, not a list"),
    "format missing": (json.dumps(_with(format=None)), ".format", "is missing"),
    "seq missing": (json.dumps(_with(seq=None)), ".seq", "is missing"),
    "head_hash missing": (json.dumps(_with(head_hash=None)), ".head_hash", "is missing"),
    "recorded_at missing": (json.dumps(_with(recorded_at=None)), ".recorded_at", "is missing"),
    "another format": (json.dumps(_with(format="prefstack-receipt/2")), ".format", "must be 'prefstack-receipt/1'"),
    "seq as text": (json.dumps(_with(seq="551")), ".seq", "must be a whole number, not a string"),
    "seq as a boolean": (json.dumps(_with(seq=True)), ".seq", "must be a whole number, not true/false"),
    "seq as a decimal": (json.dumps(_with(seq=1)).replace('"seq": 1', '"seq": 551.0'), ".seq", "not a decimal number"),
    "seq zero": (json.dumps(_with(seq=0)), ".seq", "must be from 1 to 9223372036854775807, not 0"),
    "seq too large": (json.dumps(_with(seq=2**64)), ".seq", "must be from 1 to 9223372036854775807"),
    "seq NaN": (json.dumps(_with(seq=1)).replace('"seq": 1', '"seq": NaN'), "", "NaN is not a JSON number"),
    "head_hash short": (json.dumps(_with(head_hash="ab")), ".head_hash", "must be 64 lowercase hex digits, not 'ab'"),
    "head_hash uppercase": (json.dumps(_with(head_hash="AB" * 32)), ".head_hash", "must be 64 lowercase hex digits"),
    "head_hash a number": (json.dumps(_with(head_hash=5)), ".head_hash", "must be a string, not a whole number"),
    "recorded_at naive": (
        json.dumps(_with(recorded_at="2026-05-09T07:35:25")),
        ".recorded_at",
        "must be an ISO 8601 time with a UTC offset",
    ),
    "recorded_at not a time": (json.dumps(_with(recorded_at="yesterday")), ".recorded_at", "not 'yesterday'"),
    "company empty": (json.dumps(_with(company="")), ".company", "a name must not be empty"),
    "company with an escape": (json.dumps(_with(company="\x1b[2J")), ".company", "control characters"),
    "company a list": (json.dumps(_with(company=[1])), ".company", "a name is text"),
    "unknown field": (json.dumps(_with(extra=1)), ".extra", "unknown field"),
    "a key twice": ('{"seq": 1, "seq": 2}', "", "the key 'seq' is given twice in one object"),
    "signature a string": (json.dumps(_with(signature="x")), ".signature", "must be an object with algorithm"),
    "signature value missing": (
        json.dumps(_with(signature={"algorithm": "ed25519", "public_key": "ab" * 32})),
        ".signature.value",
        "is missing",
    ),
    "signature another algorithm": (
        json.dumps(_with(signature={**SIG, "algorithm": "rsa"})),
        ".signature.algorithm",
        "must be 'ed25519', not 'rsa'",
    ),
    "signature value short": (
        json.dumps(_with(signature={**SIG, "value": "cd"})),
        ".signature.value",
        "must be 128 lowercase hex digits",
    ),
    "signature unknown field": (json.dumps(_with(signature={**SIG, "by": "me"})), ".signature.by", "unknown field"),
    "nested too deeply": ("[" * 30000 + "]" * 30000, "", "nested too deeply"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_receipt_files_are_refused_naming_the_field(tmp_path: Path, case: str) -> None:
    text, field, problem = HOSTILE[case]
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        receipts.read_receipt(path)
    assert info.value.field == f"{path}{field}"
    assert problem in info.value.problem
    assert info.value.clause == "receipt format"


def test_huge_missing_and_binary_receipt_files_are_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    huge.write_text(" " * 70_000 + json.dumps(GOOD))
    with pytest.raises(InputError, match=r"has 70,\d{3} bytes; a receipt file is at most 65,536"):
        receipts.read_receipt(huge)
    with pytest.raises(InputError, match="is not a file"):
        receipts.read_receipt(tmp_path / "absent.json")
    with pytest.raises(InputError, match="is not a file"):
        receipts.read_receipt(tmp_path)
    binary = tmp_path / "b.json"
    binary.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(InputError, match=r"is not UTF-8 text \(byte 12\)"):
        receipts.read_receipt(binary)


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_replaces_one(tmp_path: Path) -> None:
    private, public = tmp_path / "k.pem", tmp_path / "k.pub"
    made = receipts.generate_keys(private, public)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    loaded = receipts.load_private_key(private)
    assert receipts.public_key_hex(loaded.public_key()) == receipts.public_key_hex(made)
    assert receipts.public_key_hex(receipts.load_public_key(public)) == receipts.public_key_hex(made)
    before = private.read_bytes()
    with pytest.raises(InputError, match="exists; keygen never replaces a key") as info:
        receipts.generate_keys(private, tmp_path / "other.pub")
    assert info.value.field == "--private"
    assert private.read_bytes() == before and not (tmp_path / "other.pub").exists()
    with pytest.raises(InputError, match="does not exist"):
        receipts.generate_keys(tmp_path / "no" / "k.pem", tmp_path / "n.pub")


def test_bad_key_files_are_refused_naming_the_option(tmp_path: Path) -> None:
    private, public = tmp_path / "k.pem", tmp_path / "k.pub"
    receipts.generate_keys(private, public)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
    with pytest.raises(InputError, match="is not an unencrypted PEM private key") as info:
        receipts.load_private_key(garbage)
    assert info.value.field == "--sign-key"
    with pytest.raises(InputError, match="is not an unencrypted PEM private key"):
        receipts.load_private_key(public)  # the public key given as the private one
    with pytest.raises(InputError, match="is not a PEM public key") as info:
        receipts.load_public_key(private)
    assert info.value.field == "--public-key"
    big = tmp_path / "big.pem"
    big.write_text("x" * 20_000)
    with pytest.raises(InputError, match="a key file is at most 16,384"):
        receipts.load_public_key(big)


def test_the_command_line_refuses_bad_receipts_and_keys_with_exit_2_and_appends_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    example = tmp_path / "l.yaml"
    example.write_text(
        "format: prefstack-ledger/1\ncompany: CAIS Internet, Inc.\nevents:\n"
        "- {kind: common_authorized, date: '2000-06-01', shares: 1000}\n"
    )
    imported = cli("ledger", "import", str(example), "--db", db)
    line = imported.stdout.splitlines()[-1]
    assert line.startswith('receipt: company="CAIS Internet, Inc." seq=1 head_hash=')

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**GOOD, "seq": "1"}))
    refused = cli("ledger", "verify", "--db", db, "--receipt", str(bad), ok=False)
    assert refused.returncode == 2
    assert refused.stderr == (f"error: {bad}.seq: must be a whole number, not a string (receipt format)\n")

    junk_key = tmp_path / "junk.pem"
    junk_key.write_text("junk")
    add = ("ledger", "add", "--kind", "closing_price", "--date", "2000-06-02", "--field", "price=3", "--db", db)
    no_key = cli(*add, "--sign-key", str(junk_key), ok=False)
    assert no_key.returncode == 2 and "--sign-key: " in no_key.stderr
    no_folder = cli(*add, "--receipt", str(tmp_path / "missing" / "r.json"), ok=False)
    assert no_folder.returncode == 2
    assert f"--receipt: the folder {tmp_path / 'missing'} does not exist" in no_folder.stderr
    assert "Traceback" not in no_key.stderr + no_folder.stderr
    assert cli("ledger", "verify", "--db", db).stdout.startswith("ok: cais-internet (CAIS Internet, Inc.): 1 events")

    lone_key = cli("ledger", "verify", "--db", db, "--public-key", str(junk_key), ok=False)
    assert lone_key.returncode == 2 and "--public-key: " in lone_key.stderr
