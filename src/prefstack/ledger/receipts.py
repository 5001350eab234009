"""Receipts: an anchor of the ledger kept outside the database.

The hash chain shows every change to stored events except one: removing the last events of a
company's ledger and setting its head back to the event before them leaves a shorter chain that
verifies.
A receipt, printed (and written with ``--receipt FILE``) by every command that appends,
records what the ledger was right after the append; kept away from the database, it proves
later that the store still extends it: the chain verifies, the ledger holds at least
``seq`` events, and the stored event at ``seq`` still has the hash ``head_hash``.

A receipt file is JSON::

    {"format": "prefstack-receipt/1", "company": "CAIS Internet, Inc.", "seq": 551,
     "head_hash": "<64 hex digits>", "recorded_at": "2026-05-09T07:35:25.123456+00:00",
     "signature": {"algorithm": "ed25519", "public_key": "<64 hex>", "value": "<128 hex>"}}

``company`` is the legal name of the company whose ledger was appended to: a store holds one
stream per company (:mod:`prefstack.ledger.store`), and ``seq`` and ``head_hash`` are that
stream's (receipts issued before streams may name no company: they are of the store's only
ledger). ``seq`` is the stream's version after the append (the seq of its last event); ``head_hash``
the hash of that event; ``recorded_at`` the instant of the append in UTC. ``signature`` is
present when the append was given ``--sign-key``: an Ed25519 signature over the canonical
JSON (:func:`~prefstack.ledger.hashing.canonical_json`) of every other field, ``format``
included, with the signer's raw public key. Someone able to rewrite the database may
recompute every hash and the head after an edit; the receipts issued before the edit still
hold the old hashes, and a signed receipt cannot be re-issued for the new chain without the
private key.

Receipt files are read as hostile input: at most :data:`MAX_RECEIPT_BYTES`, UTF-8 JSON, no
key given twice, no unknown field; every problem is an :class:`~prefstack.errors.InputError`
naming the field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from prefstack.errors import InputError
from prefstack.ledger.events import check_name
from prefstack.ledger.files import no_duplicate_keys
from prefstack.ledger.hashing import JSON, canonical_json, format_instant

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "prefstack-receipt/1"
"""The ``format`` of every receipt file."""

ALGORITHM = "ed25519"
"""The only signature algorithm of receipts."""

MAX_RECEIPT_BYTES = 64 * 1024
"""The largest receipt file read; a receipt is a few hundred bytes."""

MAX_KEY_BYTES = 16 * 1024
"""The largest key file read; an Ed25519 key in PEM is about 120 bytes."""

MAX_SEQ = 2**63 - 1
"""The largest seq the store can hold (a 64-bit integer)."""

CLAUSE = "receipt format"
KEY_CLAUSE = "signing key"

_FIELDS = ("format", "company", "seq", "head_hash", "recorded_at", "signature")
_REQUIRED = ("format", "seq", "head_hash", "recorded_at")
_SIGNATURE_FIELDS = ("algorithm", "public_key", "value")


@dataclasses.dataclass(frozen=True)
class Signature:
    """An Ed25519 signature over :meth:`Receipt.signed_bytes`, with the signer's raw public key (hex)."""

    public_key: str
    value: str
    algorithm: str = ALGORITHM


@dataclasses.dataclass(frozen=True)
class Receipt:
    """What the ledger was right after an append: ``seq`` events, the last one hashed ``head_hash``."""

    seq: int
    head_hash: str
    recorded_at: str
    company: str | None = None
    signature: Signature | None = None

    def fields(self) -> dict[str, JSON]:
        """The fields the signature covers: every field but ``signature``."""
        out: dict[str, JSON] = {"format": FORMAT}
        if self.company is not None:
            out["company"] = self.company
        out.update(seq=self.seq, head_hash=self.head_hash, recorded_at=self.recorded_at)
        return out

    def signed_bytes(self) -> bytes:
        """The message signed: the canonical JSON of :meth:`fields`, UTF-8."""
        return canonical_json(self.fields(), field="receipt").encode("utf-8")

    def document(self) -> dict[str, JSON]:
        """The receipt as the JSON object of a receipt file."""
        doc = self.fields()
        if self.signature is not None:
            doc["signature"] = {
                "algorithm": self.signature.algorithm,
                "public_key": self.signature.public_key,
                "value": self.signature.value,
            }
        return doc

    def line(self) -> str:
        """The receipt on one line, as every appending command prints it."""
        parts = ["receipt:"]
        if self.company is not None:
            parts.append(f"company={json.dumps(self.company, ensure_ascii=False)}")
        parts += [f"seq={self.seq}", f"head_hash={self.head_hash}", f"recorded_at={self.recorded_at}"]
        if self.signature is not None:
            parts.append(f"signed={self.signature.algorithm}:{self.signature.public_key}")
        return " ".join(parts)


def issue(
    seq: int,
    head_hash: str,
    *,
    company: str | None = None,
    at: dt.datetime | None = None,
    sign_key: Ed25519PrivateKey | None = None,
) -> Receipt:
    """The receipt of a ledger at version ``seq`` whose last event is hashed ``head_hash``,
    made at ``at`` (default now, UTC), signed with ``sign_key`` if given."""
    moment = dt.datetime.now(dt.UTC) if at is None else at
    receipt = Receipt(seq=seq, head_hash=head_hash, recorded_at=format_instant(moment), company=company or None)
    if sign_key is None:
        return receipt
    return dataclasses.replace(
        receipt,
        signature=Signature(
            public_key=public_key_hex(sign_key.public_key()), value=sign_key.sign(receipt.signed_bytes()).hex()
        ),
    )


# ----------------------------------------------------------------------------- reading


def _refuse_constant(text: str) -> object:
    raise ValueError(f"{text} is not a JSON number")


def _text(data: dict[str, object], name: str, source: str) -> str:
    value = data[name]
    if not isinstance(value, str):
        raise InputError(f"{source}.{name}", CLAUSE, f"must be a string, not {_type_name(value)}")
    return value


def _hex(data: dict[str, object], name: str, source: str, digits: int) -> str:
    value = _text(data, name, source)
    if len(value) != digits or any(c not in "0123456789abcdef" for c in value):
        raise InputError(f"{source}.{name}", CLAUSE, f"must be {digits} lowercase hex digits, not {_shown(value)}")
    return value


def _type_name(value: object) -> str:
    return {
        bool: "true/false",
        int: "a whole number",
        decimal.Decimal: "a decimal number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), "null")


def _shown(value: str) -> str:
    return repr(value) if len(value) <= 80 else f"{value[:77]!r}... ({len(value)} characters)"


def parse_receipt(data: object, source: str) -> Receipt:
    """Validate a parsed receipt document; every problem is an :class:`InputError` naming the field."""
    if not isinstance(data, dict):
        raise InputError(source, CLAUSE, f"a receipt is a JSON object, not {_type_name(data)}")
    for name in data:
        if name not in _FIELDS:
            raise InputError(f"{source}.{name}", CLAUSE, f"unknown field (a receipt has {', '.join(_FIELDS)})")
    for name in _REQUIRED:
        if name not in data:
            raise InputError(f"{source}.{name}", CLAUSE, "is missing")
    if data["format"] != FORMAT:
        shown = _shown(data["format"]) if isinstance(data["format"], str) else _type_name(data["format"])
        raise InputError(f"{source}.format", CLAUSE, f"must be {FORMAT!r}, not {shown}")
    seq = data["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise InputError(f"{source}.seq", CLAUSE, f"must be a whole number, not {_type_name(seq)}")
    if not 1 <= seq <= MAX_SEQ:
        raise InputError(f"{source}.seq", CLAUSE, f"must be from 1 to {MAX_SEQ}, not {seq}")
    head_hash = _hex(data, "head_hash", source, 64)
    recorded_at = _text(data, "recorded_at", source)
    try:
        moment = dt.datetime.fromisoformat(recorded_at) if len(recorded_at) <= 40 else None
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise InputError(
            f"{source}.recorded_at", CLAUSE, f"must be an ISO 8601 time with a UTC offset, not {_shown(recorded_at)}"
        )
    company = None
    if "company" in data:
        try:
            company = check_name(data["company"])
        except ValueError as exc:
            raise InputError(f"{source}.company", CLAUSE, str(exc)) from exc
    signature = None
    if "signature" in data:
        signature = _parse_signature(data["signature"], f"{source}.signature")
    return Receipt(seq=seq, head_hash=head_hash, recorded_at=recorded_at, company=company, signature=signature)


def _parse_signature(data: object, source: str) -> Signature:
    if not isinstance(data, dict):
        raise InputError(
            source, CLAUSE, f"must be an object with {', '.join(_SIGNATURE_FIELDS)}, not {_type_name(data)}"
        )
    for name in data:
        if name not in _SIGNATURE_FIELDS:
            raise InputError(
                f"{source}.{name}", CLAUSE, f"unknown field (a signature has {', '.join(_SIGNATURE_FIELDS)})"
            )
    for name in _SIGNATURE_FIELDS:
        if name not in data:
            raise InputError(f"{source}.{name}", CLAUSE, "is missing")
    algorithm = _text(data, "algorithm", source)
    if algorithm != ALGORITHM:
        raise InputError(f"{source}.algorithm", CLAUSE, f"must be {ALGORITHM!r}, not {_shown(algorithm)}")
    return Signature(
        public_key=_hex(data, "public_key", source, 64),
        value=_hex(data, "value", source, 128),
    )


def _read_small(path: Path, limit: int, field: str, clause: str, what: str) -> bytes:
    """The bytes of a small file, refused (naming ``field``) if it is not a file or over ``limit``
    bytes; the problem names the file where ``field`` does not."""
    name = "" if field == str(path) else f"{path} "
    try:
        if not path.is_file():
            raise InputError(field, clause, f"{name}is not a file ({what})")
        size = path.stat().st_size
        if size > limit:
            raise InputError(field, clause, f"{name}has {size:,} bytes; {what} is at most {limit:,}")
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(field, clause, f"{name}cannot be read: {exc.strerror}") from exc
    if len(raw) > limit:
        raise InputError(field, clause, f"{name}has more than {limit:,} bytes; {what} is at most {limit:,}")
    return raw


def read_receipt(path: Path) -> Receipt:
    """Read and validate a receipt file (see the module's documentation)."""
    source = str(path)
    raw = _read_small(path, MAX_RECEIPT_BYTES, source, CLAUSE, "a receipt file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, CLAUSE, f"is not UTF-8 text (byte {exc.start})") from exc
    try:
        data = json.loads(
            text, object_pairs_hook=no_duplicate_keys, parse_float=decimal.Decimal, parse_constant=_refuse_constant
        )
    except RecursionError as exc:
        raise InputError(source, CLAUSE, "not a receipt: the JSON is nested too deeply") from exc
    except ValueError as exc:
        raise InputError(source, CLAUSE, f"not valid JSON: {exc}") from exc
    return parse_receipt(data, source)


def receipt_text(receipt: Receipt) -> str:
    """A receipt file's text: the receipt's JSON object, indented, with a final newline."""
    return json.dumps(receipt.document(), indent=2, ensure_ascii=False) + "\n"


def check_writable(path: Path, field: str) -> None:
    """Refuse, before anything is appended, a receipt file that could not be written."""
    if path.is_dir():
        raise InputError(field, CLAUSE, f"{path} is a folder, not a file")
    if not path.parent.is_dir():
        raise InputError(field, CLAUSE, f"the folder {path.parent} does not exist")


def write_receipt(receipt: Receipt, path: Path, field: str = "--receipt") -> None:
    """Write ``receipt`` to ``path`` (replacing any file there)."""
    try:
        path.write_text(receipt_text(receipt), encoding="utf-8")
    except OSError as exc:
        raise InputError(
            field,
            CLAUSE,
            f"the events were appended (the receipt is printed above) but {path} cannot be written: {exc.strerror}",
        ) from exc


# ----------------------------------------------------------------------------- checking


def extension_problem(receipt: Receipt, version: int, stored_hash: str | None) -> str | None:
    """Why a ledger of ``version`` events, whose event at ``receipt.seq`` is stored with the hash
    ``stored_hash`` (None: no event there), does not extend ``receipt``; None if it does.

    Meaningful only for a ledger whose hash chain verifies."""
    if version < receipt.seq:
        return (
            f"the ledger holds {version} events, the receipt of seq {receipt.seq} was given: "
            "events were removed and the head rewound"
        )
    if stored_hash is None:
        return f"the ledger holds {version} events but none is stored at seq {receipt.seq}"
    if stored_hash != receipt.head_hash:
        return (
            f"the event at seq {receipt.seq} has the hash {stored_hash}, the receipt records {receipt.head_hash}: "
            f"the ledger was rewritten (events changed and re-hashed) at or before seq {receipt.seq}"
        )
    return None


def signature_problem(receipt: Receipt, public_key: Ed25519PublicKey, key_name: str) -> str | None:
    """Why ``receipt`` is not signed by ``public_key`` (named ``key_name``); None if it is."""
    from cryptography.exceptions import InvalidSignature

    if receipt.signature is None:
        return f"the receipt is not signed, but a public key was given ({key_name})"
    given = public_key_hex(public_key)
    if receipt.signature.public_key != given:
        return (
            f"the receipt was signed by the key {receipt.signature.public_key}, not by {key_name} ({given}): "
            "it was not issued with the matching private key"
        )
    try:
        public_key.verify(bytes.fromhex(receipt.signature.value), receipt.signed_bytes())
    except InvalidSignature:
        return f"the signature does not verify with {key_name}: the receipt's fields were changed after it was signed"
    return None


# ----------------------------------------------------------------------------- keys


def public_key_hex(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key, hex."""
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex: a short name for a key."""
    return hashlib.sha256(bytes.fromhex(public_key_hex(key))).hexdigest()


def generate_keys(private_path: Path, public_path: Path) -> Ed25519PublicKey:
    """Write a new Ed25519 key pair in PEM: the private key (PKCS #8, unencrypted) with mode
    0600, the public key (SubjectPublicKeyInfo). Existing files are never replaced."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if private_path.resolve() == public_path.resolve():
        raise InputError("--public", KEY_CLAUSE, "must name another file than --private")
    for field, path in (("--private", private_path), ("--public", public_path)):
        if path.exists() or path.is_symlink():
            raise InputError(field, KEY_CLAUSE, f"{path} exists; keygen never replaces a key")
        if not path.parent.is_dir():
            raise InputError(field, KEY_CLAUSE, f"the folder {path.parent} does not exist")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_new(private_path, private_pem, 0o600, "--private")
    _write_new(public_path, public_pem, 0o644, "--public")
    return key.public_key()


def _write_new(path: Path, data: bytes, mode: int, field: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise InputError(field, KEY_CLAUSE, f"{path} cannot be created: {exc.strerror}") from exc
    try:
        os.fchmod(fd, mode)  # whatever the umask
        os.write(fd, data)
    finally:
        os.close(fd)


def _pem(path: Path, field: str) -> bytes:
    return _read_small(path, MAX_KEY_BYTES, field, KEY_CLAUSE, "a key file")


def load_private_key(path: Path, field: str = "--sign-key") -> Ed25519PrivateKey:
    """The Ed25519 private key in the PEM file ``path`` (as ``ledger keygen`` writes it)."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    data = _pem(path, field)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InputError(field, KEY_CLAUSE, f"{path} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(field, KEY_CLAUSE, f"{path} holds a {type(key).__name__}, not an Ed25519 private key")
    return key


def load_public_key(path: Path, field: str = "--public-key") -> Ed25519PublicKey:
    """The Ed25519 public key in the PEM file ``path`` (as ``ledger keygen`` writes it)."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = _pem(path, field)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InputError(field, KEY_CLAUSE, f"{path} is not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(field, KEY_CLAUSE, f"{path} holds a {type(key).__name__}, not an Ed25519 public key")
    return key
