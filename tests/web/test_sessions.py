"""Signing in: a password login sets a session cookie (HttpOnly, SameSite=Strict, Secure over
https), a cookie's writes carry the session's CSRF token, a bearer token's need none; logout ends
the session; passwords, tokens and session ids are stored only as hashes."""

from __future__ import annotations

import base64
import hashlib

import httpx
import sqlalchemy as sa
from webservice import COMPANY, PASSWORD, Service

EVENTS = f"/api/companies/{COMPANY}/events"
EVENT = {"event": {"kind": "closing_price", "date": "2001-01-02", "price": "3.50"}}


def versions(service: Service) -> int:
    with service.client("admin") as client:
        return len(client.get(f"/api/companies/{COMPANY}/ledger").json()["events"])


def test_a_wrong_password_is_refused_with_an_empty_body(service: Service) -> None:
    for body in ({"name": "admin", "password": "wrong password"}, {"name": "nobody", "password": PASSWORD}, {}):
        response = httpx.post(f"{service.url}/login", json=body)
        assert (response.status_code, response.content) == (401, b"")
        assert "set-cookie" not in response.headers
    # a user with no password (API tokens only) cannot log in with one
    refused = httpx.post(f"{service.url}/login", data={"name": "auditor", "password": PASSWORD})
    assert (refused.status_code, refused.content) == (401, b"")


def test_a_session_writes_only_with_its_csrf_token_and_ends_at_logout(service: Service) -> None:
    with httpx.Client(base_url=service.url) as browser:
        login = browser.post("/login", data={"name": "admin", "password": PASSWORD})  # a form, as a page posts it
        assert login.status_code == 200
        cookie = login.headers["set-cookie"]
        assert "prefstack_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Secure" not in cookie  # served over http here
        csrf = login.json()["csrf_token"]
        assert browser.get("/api/session").json() == {
            "user": "admin",
            "roles": [{"company": COMPANY, "role": "administrator", "holder": None}],
            "csrf_token": csrf,
        }
        before = versions(service)
        for headers in ({}, {"X-CSRF-Token": "not-the-token"}):
            refused = browser.post(EVENTS, json=EVENT, headers=headers)
            assert (refused.status_code, refused.content) == (403, b"")
        assert versions(service) == before
        written = browser.post(EVENTS, json=EVENT, headers={"X-CSRF-Token": csrf})
        assert written.status_code == 201 and written.json()["events"][0]["recorded_by"] == "admin"
        assert (browser.post("/logout").status_code, versions(service)) == (403, before + 1)
        assert browser.post("/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        session = login.cookies["prefstack_session"]
    after = httpx.get(f"{service.url}/api/session", cookies={"prefstack_session": session})
    assert (after.status_code, after.content) == (401, b"")


def test_the_cookie_is_secure_over_https(service: Service) -> None:
    """Behind a proxy on 127.0.0.1 that terminates TLS (uvicorn trusts its X-Forwarded-Proto)."""
    login = httpx.post(
        f"{service.url}/login", json={"name": "admin", "password": PASSWORD}, headers={"X-Forwarded-Proto": "https"}
    )
    assert login.status_code == 200 and "Secure" in login.headers["set-cookie"]


def test_secrets_are_stored_only_as_hashes(service: Service) -> None:
    login = httpx.post(f"{service.url}/login", json={"name": "admin", "password": PASSWORD})
    session = login.cookies["prefstack_session"]
    engine = sa.create_engine(service.db)
    try:
        with engine.connect() as conn:
            (password,) = conn.execute(sa.text("SELECT password FROM web_users WHERE name = 'admin'")).one()
            tokens = {r[0] for r in conn.execute(sa.text("SELECT token_hash FROM web_tokens"))}
            sessions = {r[0] for r in conn.execute(sa.text("SELECT session_hash FROM web_sessions"))}
    finally:
        engine.dispose()
    scheme, params, salt, digest = password.split("$")
    assert (scheme, params) == ("scrypt", "n=32768,r=8,p=1") and PASSWORD not in password
    salt_bytes = base64.b64decode(salt)
    expected = hashlib.scrypt(PASSWORD.encode(), salt=salt_bytes, n=32768, r=8, p=1, maxmem=2**26, dklen=32)
    assert base64.b64decode(digest) == expected
    assert tokens == {hashlib.sha256(t.encode()).hexdigest() for t in service.tokens.values()}
    assert hashlib.sha256(session.encode()).hexdigest() in sessions and session not in sessions


def test_an_expired_session_is_not_signed_in(service: Service) -> None:
    login = httpx.post(f"{service.url}/login", json={"name": "admin", "password": PASSWORD})
    cookies = {"prefstack_session": login.cookies["prefstack_session"]}
    assert httpx.get(f"{service.url}/api/session", cookies=cookies).status_code == 200
    engine = sa.create_engine(service.db)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE web_sessions SET expires_at = '2000-01-01T00:00:00.000000Z'"))
    finally:
        engine.dispose()
    expired = httpx.get(f"{service.url}/api/session", cookies=cookies)
    assert (expired.status_code, expired.content) == (401, b"")


def _login(service: Service, name: str, password: str) -> httpx.Response:
    return httpx.post(f"{service.url}/login", json={"name": name, "password": password})


def _age_failures(service: Service, seconds: int) -> None:
    """Move every recorded failed sign-in ``seconds`` into the past (as if that time had gone by)."""
    from prefstack.web.accounts import login_failures_table

    engine = sa.create_engine(service.db)
    with engine.begin() as conn:
        rows = conn.execute(sa.select(login_failures_table.c.key, login_failures_table.c.at)).all()
        conn.execute(login_failures_table.delete())
        import datetime as dt

        def earlier(at: str) -> str:
            return (dt.datetime.fromisoformat(at) - dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

        moved = [{"key": key, "at": earlier(at)} for key, at in rows]
        if moved:
            conn.execute(login_failures_table.insert(), moved)
    engine.dispose()


def test_five_failed_sign_ins_for_a_name_hold_it_off_for_the_window_even_with_the_right_password(
    service: Service,
) -> None:
    from prefstack.web.accounts import LOGIN_FAILURES_PER_NAME, LOGIN_WINDOW_SECONDS

    for _ in range(LOGIN_FAILURES_PER_NAME):  # 5 guesses
        assert _login(service, "admin", "wrong password").status_code == 401
    held = _login(service, "admin", PASSWORD)
    assert held.status_code == 429 and held.content == b"" and "set-cookie" not in held.headers
    # the 5th latest failure leaves the 15-minute window in at most 900 s (a second more, rounded up)
    assert 1 <= int(held.headers["retry-after"]) <= LOGIN_WINDOW_SECONDS + 1
    # another name is not held off by the administrator's failures (a wrong password: 401, not 429)
    assert _login(service, "carol", "wrong password").status_code == 401
    # 14 minutes later the failures are still in the window; 16 minutes later they are not
    _age_failures(service, 14 * 60)
    later = _login(service, "admin", PASSWORD)
    assert later.status_code == 429 and 1 <= int(later.headers["retry-after"]) <= 61
    _age_failures(service, 2 * 60)
    assert _login(service, "admin", PASSWORD).status_code == 200
    # a success clears the name's count: four more failures do not hold it off
    for _ in range(LOGIN_FAILURES_PER_NAME - 1):
        assert _login(service, "admin", "wrong password").status_code == 401
    assert _login(service, "admin", PASSWORD).status_code == 200


def test_twenty_failed_sign_ins_from_one_address_hold_off_every_name_from_it(service: Service) -> None:
    from prefstack.web.accounts import LOGIN_FAILURES_PER_ADDRESS

    for n in range(LOGIN_FAILURES_PER_ADDRESS):  # 20 names tried once each from 127.0.0.1
        assert _login(service, f"guess{n}", "a password").status_code == 401
    assert _login(service, "admin", PASSWORD).status_code == 429


def test_the_sign_in_page_says_when_to_try_again(service: Service) -> None:
    import re

    with httpx.Client(base_url=service.url) as browser:
        for _ in range(5):
            page = browser.get("/login", params={"next": "/companies"})
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
            answer = browser.post("/login", data={**fields, "name": "admin", "password": "wrong password"})
            assert answer.status_code == 401 and "Wrong name or password." in answer.text
        page = browser.get("/login", params={"next": "/companies"})
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
        held = browser.post("/login", data={**fields, "name": "admin", "password": PASSWORD})
        assert held.status_code == 429 and "Too many failed sign-ins: try again in 15 minutes." in held.text
        assert int(held.headers["retry-after"]) > 14 * 60
