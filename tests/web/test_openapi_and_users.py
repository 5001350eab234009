"""The OpenAPI document the service serves validates (OpenAPI 3.1, openapi-spec-validator) and
names every endpoint; ``prefstack users add/role/token`` make the users the service signs in."""

from __future__ import annotations

import io
import sys

import httpx
import pytest
from openapi_spec_validator import validate
from webservice import COMPANY, Serve, make_store

from helpers import Prefstack

PATHS = {
    "/login": {"post"},
    "/logout": {"post"},
    "/api/session": {"get"},
    **{
        f"/api/companies/{{company}}/{name}": {"get"}
        for name in (
            "state",
            "schedule",
            "positions",
            "dividends",
            "convert",
            "waterfall",
            "breakpoints",
            "redemption",
            "transaction",
            "votes",
            "calendar",
            "certificates-of-adjustment",
            "interpretations",
        )
    },
    "/api/companies/{company}/events": {"post"},
    "/api/companies/{company}/ledger": {"get", "post"},
    "/api/companies/{company}/jobs": {"post"},
    "/api/companies/{company}/jobs/{job}": {"get"},
    "/api/companies/{company}/events/{seq}/effect": {"get"},
    **{
        f"/api/companies/{{company}}/documents/{kind}.{{fmt}}": {"get"}
        for kind in (
            "dividend-statement",
            "certificate-of-adjustment",
            "conversion-statement",
            "redemption-notice",
            "record-date-notice",
            "history",
        )
    },
}


def test_the_openapi_document_validates_and_names_every_endpoint(serve: Serve, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'web.sqlite'}"
    make_store(db, tmp_path)
    url = serve(db)
    document = httpx.get(f"{url}/openapi.json").json()
    validate(document)  # raises on the first problem
    assert document["openapi"].startswith("3.1")
    assert {path: set(ops) for path, ops in document["paths"].items()} == PATHS
    # FastAPI's interactive pages load scripts from a CDN: they are not served
    assert httpx.get(f"{url}/docs").status_code == httpx.get(f"{url}/redoc").status_code == 404


def test_users_add_role_and_token(
    prefstack: Prefstack,
    serve: Serve,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    db = f"sqlite:///{tmp_path / 'web.sqlite'}"
    make_store(db, tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long password\n"))
    added = prefstack("users", "add", "carol", "--password-stdin", "--db", db)
    assert (added.code, added.out) == (0, "added user carol (password)\n")
    again = prefstack("users", "add", "carol", "--db", db)
    assert again.code == 2 and "a user named 'carol' exists already" in again.err
    no_holder = prefstack("users", "role", "carol", "--company", "CAIS Internet, Inc.", "--role", "holder", "--db", db)
    assert no_holder.code == 2 and "--holder" in no_holder.err
    bad_role = prefstack("users", "role", "carol", "--company", COMPANY, "--role", "owner", "--db", db)
    assert bad_role.code == 2 and "administrator, holder, auditor" in bad_role.err
    role = prefstack(
        "users", "role", "carol", "--company", "CAIS Internet, Inc.", "--role", "holder", "--holder", "B", "--db", db
    )
    assert role.out == "carol is holder (holder B) of cais-internet (CAIS Internet, Inc.)\n"
    token = prefstack("users", "token", "carol", "--db", db).out.strip()
    assert token.startswith("pst_") and len(token) == 4 + 43
    url = serve(db)
    headers = {"Authorization": f"Bearer {token}"}
    positions = httpx.get(f"{url}/api/companies/{COMPANY}/positions", params={"as_of": "2000-12-31"}, headers=headers)
    # B elected cash for 2000-09-15 (F §2(e)): no PIK shares, still 10,000
    assert [(p["series"], p["shares_outstanding"]) for p in positions.json()["positions"]] == [("F", "10000.00")]
    login = httpx.post(f"{url}/login", json={"name": "carol", "password": "a long password"})
    assert login.status_code == 200
    short = prefstack("users", "add", "dave", "--password-stdin", "--db", db)
    assert short.code == 2 and "at least 8 characters" in short.err
