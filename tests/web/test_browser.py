"""End to end in a real headless Chromium (Debian's ``chromium``, driven by Playwright by its
executable path; ``make test`` installs both): the service is real (uvicorn on 127.0.0.1, the
fixture of ``webservice.py``) over a store of the small ledger with one user of each role, each
with a password.

Every scenario signs in through the browser (its session cookie, HttpOnly, kept by the browser),
keeps a screenshot of what it saw in ``$PREFSTACK_ARTIFACTS`` (default ``tests/web/artifacts/``)
and runs axe-core on each HTML page it visits, failing on a serious or critical violation.

The ledger is webservice.py's: A holds 40,000 and B 10,000 Series F shares from 2000-08-02 (A's
dividend of 2000-09-15 paid in shares, B's in cash), C 20,000 Series G shares; the Common Stock
split 2-for-1 on 2000-11-01 (each Conversion Price halved: F $24.00 to $12.00).

The module is skipped, with the reason, only where no Chromium is installed; under ``CI=true``
it fails instead (CI must run it).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from fractions import Fraction as Fr
from pathlib import Path
from typing import Any

import pytest
from webservice import COMPANY, PASSWORD, USERS, ledger_file, running

pytestmark = pytest.mark.browser

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str | None:
    """Debian's Chromium (or ``$PREFSTACK_CHROMIUM``); None where none is installed."""
    given = os.environ.get("PREFSTACK_CHROMIUM")
    for candidate in (given, *CHROMIUM_PATHS, shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = chromium_path()
if CHROMIUM is None:
    reason = "no Chromium installed (Debian's `chromium`; `make test` installs it with scripts/ensure-chromium.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser tests must run when CI=true: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402 (after the skip: the browser is needed)
from playwright.sync_api import Browser, Page, Response, sync_playwright  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402

ARTIFACTS = Path(os.environ.get("PREFSTACK_ARTIFACTS") or Path(__file__).parent / "artifacts")
LEDGER = f"/api/companies/{COMPANY}/ledger"
EVENTS = f"/api/companies/{COMPANY}/events"
SERIOUS = ("serious", "critical")


# ---------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None
    with sync_playwright() as playwright:
        # --no-sandbox: Chromium's sandbox refuses to run as root, as the tests do in a container
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """The service over a fresh store of the small ledger where every user has the password."""
    from prefstack.ledger import service
    from prefstack.ledger.files import read_ledger
    from prefstack.web.accounts import Accounts

    db = f"sqlite:///{tmp_path / 'browser.sqlite'}"
    with service.open_store(db) as store:
        service.append(
            store, read_ledger(ledger_file(tmp_path / "small.yaml")).events, company=COMPANY, recorded_by="setup"
        )
    with Accounts(db) as accounts:
        for name, role in USERS.items():
            accounts.add_user(name, PASSWORD)
            if role is not None:
                accounts.set_role(name, COMPANY, role[0], role[1])
    with running(db) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookie) at a phone-and-desktop friendly size."""
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    try:
        yield context.new_page()
    finally:
        context.close()


# ---------------------------------------------------------------------------------------- helpers


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def accessible(page: Page) -> None:
    """axe-core on the page: no serious or critical violation."""
    assert "text/html" in page.evaluate("document.contentType"), "axe-core checks HTML pages"
    found = Axe().run(page).response["violations"]
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in found if v["impact"] in SERIOUS]
    assert serious == [], serious


def sign_in(page: Page, site: str, user: str) -> str:
    """Sign in as ``user`` from the browser (the form's POST /login): the session's CSRF token."""
    page.goto(f"{site}/openapi.json")  # a page of the service, so that the browser's fetch is same-origin
    answer = page.evaluate(
        """async ([name, password]) => {
            const r = await fetch('/login', {method: 'POST', body: new URLSearchParams({name, password})});
            return {status: r.status, body: await r.json()};
        }""",
        [user, PASSWORD],
    )
    assert answer["status"] == 200, answer
    assert answer["body"]["user"] == user
    csrf: str = answer["body"]["csrf_token"]
    return csrf


def visit(page: Page, url: str) -> tuple[Response, Any]:
    """Navigate to ``url``: the browser's response and its JSON body (None: empty). Chromium
    reports an error page for a 4xx with an empty body (ERR_HTTP_RESPONSE_CODE_FAILURE) and
    Playwright raises on it; the response the browser received is kept all the same."""
    with page.expect_response(url) as received:
        try:
            page.goto(url)
        except PlaywrightError as exc:
            assert "ERR_HTTP_RESPONSE_CODE_FAILURE" in str(exc), exc
    response = received.value
    if response.headers.get("content-length") == "0":
        return response, None  # (Chromium answers its own error page as the body of an empty one)
    return response, json.loads(response.text())


def post_event(page: Page, event: dict[str, Any], csrf: str) -> dict[str, Any]:
    """``POST .../events`` from the browser with the session's cookie and CSRF token: status and body."""
    answer: dict[str, Any] = page.evaluate(
        """async ([url, event, csrf]) => {
            const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json',
                                         'X-CSRF-Token': csrf}, body: JSON.stringify({event})});
            return {status: r.status, body: await r.json()};
        }""",
        [EVENTS, event, csrf],
    )
    return answer


def ledger_version(page: Page, site: str) -> int:
    """The ledger's version (its ETag) as the API answers it."""
    response, trail = visit(page, f"{site}{LEDGER}")
    assert response.status == 200
    version = int(response.headers["etag"].strip('"'))
    assert version == len(trail["events"])
    return version


# ---------------------------------------------------------------------------------------- scenarios


def test_axe_core_runs_in_the_browser_and_finds_a_serious_violation(page: Page) -> None:
    """The accessibility check can fail: an image without a text alternative is critical (image-alt)."""
    page.set_content('<html lang="en"><title>t</title><main><h1>Chart</h1><img src="chart.png"></main></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        accessible(page)
    page.set_content('<html lang="en"><title>t</title><main><h1>Chart</h1><img src="c.png" alt="c"></main></html>')
    accessible(page)


@pytest.mark.parametrize("user", ["admin", "auditor", "holder-a", "holder-b"])
def test_each_role_signs_in_and_sees_its_roles(page: Page, site: str, user: str) -> None:
    csrf = sign_in(page, site, user)
    # the session cookie is HttpOnly: the page's scripts cannot read it
    assert "prefstack_session" not in page.evaluate("document.cookie")
    response, session = visit(page, f"{site}/api/session")
    role, holder = USERS[user] or ("", None)
    assert response.status == 200
    assert session == {
        "user": user,
        "roles": [{"company": COMPANY, "role": role, "holder": holder}],
        "csrf_token": csrf,
    }
    shot(page, f"signed-in-{user}")


def test_a_holder_trying_another_holders_url_gets_403(page: Page, site: str) -> None:
    sign_in(page, site, "holder-b")
    own, positions = visit(page, f"{site}/api/companies/{COMPANY}/positions?as_of=2000-12-31&holder=B")
    assert own.status == 200
    # B elected cash for 2000-09-15 (F §2(a)): its 10,000 shares are unchanged, no PIK shares
    (f,) = positions["positions"]
    assert (f["holder"], Fr(f["shares_outstanding"])) == ("B", 10_000)
    shot(page, "holder-b-own-positions")
    refused, body = visit(page, f"{site}/api/companies/{COMPANY}/positions?as_of=2000-12-31&holder=A")
    assert (refused.status, body) == (403, None)  # an empty body: nothing of A's
    shot(page, "holder-b-refused-holder-a")
    # the state names every holder: a holder may not read it at all
    assert visit(page, f"{site}/api/companies/{COMPANY}/state?as_of=2000-12-31")[0].status == 403


def test_an_event_appended_from_the_browser_changes_the_state(page: Page, site: str) -> None:
    csrf = sign_in(page, site, "admin")
    assert ledger_version(page, site) == 11
    state_url = f"{site}/api/companies/{COMPANY}/state?as_of=2001-01-31"
    _, before = visit(page, state_url)
    assert {s["series"]: s["conversion_price"] for s in before["series"]} == {"F": "12.00", "G": "18.00"}
    split = {"kind": "stock_split", "date": "2001-01-02", "id": "split-2001", "new_shares_per_old_share": "2"}
    appended = post_event(page, split, csrf)
    assert appended["status"] == 201, appended
    (stored,) = appended["body"]["events"]
    assert (stored["seq"], stored["kind"], stored["recorded_by"]) == (12, "stock_split", "admin")
    # F/G §5(e): a second 2-for-1 split halves each Conversion Price again: $12.00 / 2 = $6.00, $18.00 / 2 = $9.00
    _, after = visit(page, state_url)
    assert {s["series"]: s["conversion_price"] for s in after["series"]} == {"F": "6.00", "G": "9.00"}
    shot(page, "admin-state-after-split")
    assert ledger_version(page, site) == 12


def test_a_bad_input_answers_a_clear_message_and_stores_nothing(page: Page, site: str) -> None:
    csrf = sign_in(page, site, "admin")
    before = ledger_version(page, site)
    bad = {"kind": "preferred_issued", "date": "2001-01-02", "series": "F", "holder": "Z", "shares": "-5"}
    refused = post_event(page, bad, csrf)
    assert refused == {
        "status": 422,
        "body": {"field": "event (preferred_issued).shares", "clause": "F §1(a)", "problem": "shares must be positive"},
    }
    # without the session's CSRF token the write is refused before it is read (403, an empty body)
    forged = page.evaluate(
        """async ([url, event]) => {
            const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                        body: JSON.stringify({event})});
            return [r.status, await r.text()];
        }""",
        [EVENTS, {**bad, "shares": "5"}],
    )
    assert forged == [403, ""]
    assert ledger_version(page, site) == before == 11
    shot(page, "admin-ledger-after-refusals")
