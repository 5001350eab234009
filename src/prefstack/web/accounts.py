"""The web service's users, their roles per company, API tokens, sessions and idempotency keys.

They live in the store beside the ledgers (the same database, tables of their own, created when
the store is opened through :class:`Accounts`: a store made before the service gains them then),
outside the ledgers' hash chains. Nothing secret is stored as given:

- a password only as its scrypt hash (:func:`hashlib.scrypt`) with a random salt per user and the
  parameters recorded beside it (``scrypt$n=...,r=...,p=...$SALT$HASH``, base64), compared in
  constant time (:func:`hmac.compare_digest`);
- an API token (``pst_`` and 43 random URL-safe characters) and a session id (random, 43
  characters) only as their SHA-256: a lookup by the hash of a 256-bit random secret; the token
  is shown once, when it is made;
- a session has an expiry (:data:`SESSION_SECONDS`) and its own CSRF token (the synchronizer
  token a cookie-authenticated write must carry).

Failed sign-ins are counted per user name and per client address (table ``web_login_failures``,
so that every worker and a restart see them): after :data:`LOGIN_FAILURES_PER_NAME` failures for
a name, or :data:`LOGIN_FAILURES_PER_ADDRESS` from an address, within :data:`LOGIN_WINDOW_SECONDS`,
sign-ins for that name or from that address are refused (429, ``Retry-After``) until the oldest
of them leaves the window, the right password included (else guessing would go on), and without
checking the password (each check costs a scrypt). A successful sign-in clears its name's count.
A name is counted whether or not it is a user's, so the refusal says nothing of which names exist.

Roles (:data:`ROLES`): one per user and company; a holder's role names its holder id (the
``holder`` of the ledger's events).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Literal, Self

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from prefstack.errors import InputError
from prefstack.ledger.store import EventStore

__all__ = ["ROLES", "Accounts", "Grant", "Role", "Stored"]

CLAUSE = "access control"
"""The clause of the errors about users, roles and tokens (no certificate governs them)."""

Role = Literal["administrator", "holder", "auditor"]
ROLES: tuple[Role, ...] = ("administrator", "holder", "auditor")

USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
"""A user's name: what every write the user makes records as who made it."""

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
"""scrypt's cost parameters for new passwords (about 32 MiB and a few tens of milliseconds each)."""
SESSION_SECONDS = 8 * 3600
"""How long a session lasts after login."""
MIN_PASSWORD = 8

_metadata = sa.MetaData()
users_table = sa.Table(
    "web_users",
    _metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password", sa.Text, nullable=True),
    sa.Column("created_at", sa.String(32), nullable=False),
)
roles_table = sa.Table(
    "web_roles",
    _metadata,
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("company", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("holder", sa.Text, nullable=True),
    sa.PrimaryKeyConstraint("name", "company", name="pk_web_roles"),
)
tokens_table = sa.Table(
    "web_tokens",
    _metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)
sessions_table = sa.Table(
    "web_sessions",
    _metadata,
    sa.Column("session_hash", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.String(32), nullable=False),
)
idempotency_table = sa.Table(
    "web_idempotency",
    _metadata,
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("company", sa.String(64), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("body", sa.Text, nullable=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("name", "company", "key", name="pk_web_idempotency"),
)
"""A write made under an ``Idempotency-Key``: the hash of its request and, once answered, its
status and body (``status`` None: the first request with the key is still being answered)."""

login_failures_table = sa.Table(
    "web_login_failures",
    _metadata,
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Index("ix_web_login_failures_key_at", "key", "at"),
)
"""A failed sign-in, twice: under ``name:NAME`` and under ``address:ADDRESS`` (the client's)."""

LOGIN_WINDOW_SECONDS = 15 * 60
LOGIN_FAILURES_PER_NAME = 5
"""Failed sign-ins for one name within the window before its sign-ins are refused."""
LOGIN_FAILURES_PER_ADDRESS = 20
"""Failed sign-ins from one address (whatever the names) within the window before its sign-ins
are refused: one guesser trying many names."""

_PG_CREATE_LOCK = 0x7072_6566_7765_6231  # pg_advisory_xact_lock key serializing the tables' creation


@dataclasses.dataclass(frozen=True)
class Grant:
    """A user's role in one company (``holder``: the holder id of a holder's role)."""

    company: str
    role: Role
    holder: str | None


@dataclasses.dataclass(frozen=True)
class Stored:
    """The answer kept for an idempotency key: None where it is still being answered."""

    request_hash: str
    status: int | None
    body: str | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``password`` as scrypt with a random 16-byte salt, the parameters written beside it."""
    salt = secrets.token_bytes(16) if salt is None else salt
    derived = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(derived)}"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * r * n, dklen=32)


def password_matches(stored: str, password: str) -> bool:
    """Whether ``password`` hashes, under the stored salt and parameters, to the stored hash
    (compared in constant time)."""
    scheme, params, salt, expected = stored.split("$")
    if scheme != "scrypt":
        raise ValueError(f"unknown password scheme {scheme!r}")
    values = dict(item.split("=") for item in params.split(","))
    derived = _scrypt(password, base64.b64decode(salt), int(values["n"]), int(values["r"]), int(values["p"]))
    return hmac.compare_digest(derived, base64.b64decode(expected))


_DUMMY = hash_password("not a password", salt=b"\0" * 16)
"""Checked against when a login names no user with a password, so that the answer takes as long."""


def check_name(name: str, field: str = "NAME") -> str:
    if not USER_NAME.fullmatch(name):
        raise InputError(
            field,
            CLAUSE,
            f"{name!r} is not a user name (letters, digits and . _ @ -, starting with a letter or digit, "
            "at most 64 characters)",
        )
    return name


class Accounts:
    """The users, roles, tokens, sessions and idempotency keys of the store at ``url`` (its tables
    are created if missing). Use as a context manager, or call :meth:`close`."""

    def __init__(self, url: str) -> None:
        self._store = EventStore(url)
        try:
            with self._store.transaction(write=True) as conn:
                if self._store.dialect == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_CREATE_LOCK)))
                _metadata.create_all(conn)
        except BaseException:
            self._store.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._store.close()

    @contextmanager
    def _tx(self, *, write: bool) -> Iterator[sa.Connection]:
        with self._store.transaction(write=write) as conn:
            yield conn

    # ------------------------------------------------------------------ users, roles, tokens

    def add_user(self, name: str, password: str | None) -> None:
        """A new user (``password`` None: one who signs in with API tokens only)."""
        check_name(name)
        if password is not None and len(password) < MIN_PASSWORD:
            raise InputError("password", CLAUSE, f"a password has at least {MIN_PASSWORD} characters")
        hashed = None if password is None else hash_password(password)
        try:
            with self._tx(write=True) as conn:
                conn.execute(users_table.insert().values(name=name, password=hashed, created_at=_instant(_now())))
        except sa_exc.IntegrityError as exc:
            raise InputError("NAME", CLAUSE, f"a user named {name!r} exists already") from exc

    def _require_user(self, conn: sa.Connection, name: str) -> None:
        if conn.execute(sa.select(users_table.c.name).where(users_table.c.name == name)).first() is None:
            raise InputError("NAME", CLAUSE, f"no user named {name!r} (add one with `prefstack users add`)")

    def set_role(self, name: str, company: str, role: str, holder: str | None) -> Grant:
        """Give ``name`` the role ``role`` in ``company`` (an issuer id), replacing its former one.
        A holder's role names its holder id; the other roles name none."""
        if role not in ROLES:
            raise InputError("--role", CLAUSE, f"{role!r}: a role is one of {', '.join(ROLES)}")
        if role == "holder" and holder is None:
            raise InputError("--holder", CLAUSE, "a holder's role names its holder id: give --holder")
        if role != "holder" and holder is not None:
            raise InputError("--holder", CLAUSE, f"only a holder's role names a holder, not an {role}'s")
        grant = Grant(company, role, holder)
        with self._tx(write=True) as conn:
            self._require_user(conn, name)
            conn.execute(roles_table.delete().where(roles_table.c.name == name, roles_table.c.company == company))
            conn.execute(roles_table.insert().values(name=name, company=company, role=role, holder=holder))
        return grant

    def new_token(self, name: str) -> str:
        """A new API token for ``name``: returned once, stored only as its hash."""
        token = "pst_" + secrets.token_urlsafe(32)
        with self._tx(write=True) as conn:
            self._require_user(conn, name)
            conn.execute(
                tokens_table.insert().values(token_hash=_digest(token), name=name, created_at=_instant(_now()))
            )
        return token

    def grants(self, name: str) -> dict[str, Grant]:
        """The roles of ``name``, by company."""
        with self._tx(write=False) as conn:
            rows = conn.execute(sa.select(roles_table).where(roles_table.c.name == name)).all()
        return {str(r.company): Grant(str(r.company), r.role, r.holder) for r in rows}

    # ------------------------------------------------------------------ signing in

    def check_password(self, name: str, password: str) -> bool:
        """Whether ``name`` is a user with this password (as long either way)."""
        with self._tx(write=False) as conn:
            stored = conn.execute(sa.select(users_table.c.password).where(users_table.c.name == name)).scalar()
        if stored is None:
            password_matches(_DUMMY, password)
            return False
        return password_matches(str(stored), password)

    def sign_in_wait(self, name: str, address: str) -> int:
        """Seconds before ``name`` may try to sign in from ``address`` again (0: now): see the
        module's text on failed sign-ins."""
        now = _now()
        start = _instant(now - dt.timedelta(seconds=LOGIN_WINDOW_SECONDS))
        wait = 0
        with self._tx(write=False) as conn:
            limits = ((f"name:{name}", LOGIN_FAILURES_PER_NAME), (f"address:{address}", LOGIN_FAILURES_PER_ADDRESS))
            for key, limit in limits:
                recent = [
                    str(at)
                    for at in conn.execute(
                        sa.select(login_failures_table.c.at)
                        .where(login_failures_table.c.key == key, login_failures_table.c.at > start)
                        .order_by(login_failures_table.c.at.desc())
                        .limit(limit)
                    ).scalars()
                ]
                if len(recent) >= limit:  # free again when the limit-th latest failure leaves the window
                    freed = dt.datetime.fromisoformat(recent[-1]) + dt.timedelta(seconds=LOGIN_WINDOW_SECONDS)
                    wait = max(wait, max(1, int((freed - now).total_seconds()) + 1))
        return wait

    def sign_in_failed(self, name: str, address: str) -> None:
        """Count a failed sign-in of ``name`` from ``address`` (and forget failures older than the
        window)."""
        now = _now()
        with self._tx(write=True) as conn:
            conn.execute(
                login_failures_table.delete().where(
                    login_failures_table.c.at <= _instant(now - dt.timedelta(seconds=LOGIN_WINDOW_SECONDS))
                )
            )
            at = _instant(now)
            failed = [{"key": f"name:{name}", "at": at}, {"key": f"address:{address}", "at": at}]
            conn.execute(login_failures_table.insert(), failed)

    def signed_in(self, name: str) -> None:
        """A successful sign-in of ``name``: its failures are forgotten (its address's are kept)."""
        with self._tx(write=True) as conn:
            conn.execute(login_failures_table.delete().where(login_failures_table.c.key == f"name:{name}"))

    def token_user(self, token: str) -> str | None:
        """The user an API token belongs to, None for no such token."""
        with self._tx(write=False) as conn:
            found = conn.execute(sa.select(tokens_table.c.name).where(tokens_table.c.token_hash == _digest(token)))
            name = found.scalar()
        return None if name is None else str(name)

    def start_session(self, name: str) -> tuple[str, str]:
        """A new session of ``name``: its id (for the cookie; stored hashed) and its CSRF token."""
        session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = _instant(_now() + dt.timedelta(seconds=SESSION_SECONDS))
        with self._tx(write=True) as conn:
            conn.execute(
                sessions_table.delete().where(sessions_table.c.expires_at <= _instant(_now()))
            )  # expired sessions go
            conn.execute(
                sessions_table.insert().values(session_hash=_digest(session), name=name, csrf=csrf, expires_at=expires)
            )
        return session, csrf

    def session(self, session: str) -> tuple[str, str] | None:
        """The user and CSRF token of a session that has not expired; None otherwise."""
        with self._tx(write=False) as conn:
            row = conn.execute(
                sa.select(sessions_table.c.name, sessions_table.c.csrf).where(
                    sessions_table.c.session_hash == _digest(session),
                    sessions_table.c.expires_at > _instant(_now()),
                )
            ).first()
        return None if row is None else (str(row.name), str(row.csrf))

    def end_session(self, session: str) -> None:
        with self._tx(write=True) as conn:
            conn.execute(sessions_table.delete().where(sessions_table.c.session_hash == _digest(session)))

    # ------------------------------------------------------------------ idempotency

    def reserve(self, name: str, company: str, key: str, request_hash: str) -> Stored | None:
        """Claim ``key`` for a write of ``name`` to ``company``: None where the key is new (the caller
        answers the request, then :meth:`finish` or :meth:`release`); else what the key holds."""
        row = {"name": name, "company": company, "key": key, "request_hash": request_hash}
        try:
            with self._tx(write=True) as conn:
                conn.execute(idempotency_table.insert().values(**row, created_at=_instant(_now())))
            return None
        except sa_exc.IntegrityError:
            pass
        with self._tx(write=False) as conn:
            held = conn.execute(
                sa.select(idempotency_table.c.request_hash, idempotency_table.c.status, idempotency_table.c.body).where(
                    idempotency_table.c.name == name,
                    idempotency_table.c.company == company,
                    idempotency_table.c.key == key,
                )
            ).one()
        return Stored(str(held.request_hash), held.status, held.body)

    def finish(self, name: str, company: str, key: str, status: int, body: str) -> None:
        """Keep the answer given to the request that claimed ``key``."""
        with self._tx(write=True) as conn:
            conn.execute(
                idempotency_table.update()
                .where(
                    idempotency_table.c.name == name,
                    idempotency_table.c.company == company,
                    idempotency_table.c.key == key,
                )
                .values(status=status, body=body)
            )

    def release(self, name: str, company: str, key: str) -> None:
        """Give ``key`` up (its request failed without an answer to keep): it may be sent again."""
        with self._tx(write=True) as conn:
            conn.execute(
                idempotency_table.delete().where(
                    idempotency_table.c.name == name,
                    idempotency_table.c.company == company,
                    idempotency_table.c.key == key,
                )
            )
