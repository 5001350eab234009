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


def sign_in(page: Page, site: str, user: str) -> None:
    """Sign in as ``user`` through the sign-in page's form; the browser lands on the user's first page."""
    page.goto(f"{site}/")  # not signed in: sent to the sign-in page
    assert page.url.startswith(f"{site}/login")
    accessible(page)
    page.fill("#login-name", user)
    page.fill("#login-password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-submit")
    role = (USERS[user] or ("",))[0]
    assert page.locator("[data-testid=signed-in-user]").inner_text() == f"{user} ({role})"


def csrf_of(page: Page) -> str:
    """The session's CSRF token, as the page's forms carry it."""
    token: str = page.locator("form.signout input[name=csrf_token]").get_attribute("value") or ""
    assert token
    return token


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
    """The ledger's version (its ETag) as the API answers the signed-in browser."""
    response = page.request.get(f"{site}{LEDGER}")
    assert response.status == 200
    version = int(response.headers["etag"].strip('"'))
    assert version == len(response.json()["events"])
    return version


# ---------------------------------------------------------------------------------------- scenarios


def test_axe_core_runs_in_the_browser_and_finds_a_serious_violation(page: Page) -> None:
    """The accessibility check can fail: an image without a text alternative is critical (image-alt)."""
    page.set_content('<html lang="en"><title>t</title><main><h1>Chart</h1><img src="chart.png"></main></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        accessible(page)
    page.set_content('<html lang="en"><title>t</title><main><h1>Chart</h1><img src="c.png" alt="c"></main></html>')
    accessible(page)


LANDING = {
    "admin": f"/companies/{COMPANY}/glance",
    "auditor": f"/companies/{COMPANY}/glance",
    "holder-a": f"/companies/{COMPANY}/holders/A",
    "holder-b": f"/companies/{COMPANY}/holders/B",
}


@pytest.mark.parametrize("user", ["admin", "auditor", "holder-a", "holder-b"])
def test_each_role_signs_in_through_the_sign_in_page(page: Page, site: str, user: str) -> None:
    sign_in(page, site, user)
    # each role lands on its first page: the securities at a glance, or a holder's own holdings
    assert page.url.split("?")[0] == f"{site}{LANDING[user]}"
    accessible(page)
    links = page.locator("#nav a").all_inner_texts()
    reading = ["At a glance", "Ledger", "Waterfall", "Charts", "Calendar", "Documents"]
    if user == "admin":
        assert links == [*reading, "Add an event", "Import a ledger"]
    elif user == "auditor":
        assert links == reading  # reads everything, writes nothing
    else:
        assert links == ["My holdings"]
        assert page.locator("[data-testid=holder-id]").inner_text() == user[-1].upper()
    # the session cookie is HttpOnly: the page's scripts cannot read it
    assert "prefstack_session" not in page.evaluate("document.cookie")
    shot(page, f"signed-in-{user}")


def test_a_wrong_password_shows_the_sign_in_page_again_with_the_reason(page: Page, site: str) -> None:
    page.goto(f"{site}/login")
    page.fill("#login-name", "admin")
    page.fill("#login-password", "not the password")
    with page.expect_navigation():
        page.click("#login-submit")
    assert page.locator("[data-testid=login-problem]").inner_text() == "Wrong name or password."
    assert "prefstack_session" not in [c["name"] for c in page.context.cookies()]  # no session
    accessible(page)
    shot(page, "sign-in-wrong-password")


def holder_amounts(page: Page) -> dict[tuple[str, str, str], Fr]:
    """The waterfall page's table by holder: (tier, class, holder) -> amount (its JSON value, the
    cell's ``data-value``; the text shows it as $1,234.56)."""
    rows = page.locator("#waterfall-holders tbody tr")
    found = {}
    for i in range(rows.count()):
        tier, security, holder, _amount, _clause = rows.nth(i).locator("th, td").all_inner_texts()
        found[(tier, security, holder)] = Fr(rows.nth(i).locator("td.num").get_attribute("data-value") or "")
    return found


def paid(dollars: int) -> str:
    """The explorer's total line for a payout of every dollar of ``dollars``."""
    return f"Total paid: ${dollars:,}.00 of ${dollars:,}.00"


def chart_cents(page: Page) -> dict[str, int]:
    """The chart's bars: each bar's label (a holder's: its tier, series and holder) and its amount in cents."""
    bars: dict[str, int] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#waterfall-chart rect')].map(
               (r) => [r.dataset.label, Number(r.dataset.cents)]))"""
    )
    return bars


def test_moving_the_exit_value_changes_the_chart_and_the_tables(page: Page, site: str) -> None:
    sign_in(page, site, "admin")
    page.goto(f"{site}/companies/{COMPANY}/waterfall?on=2000-12-31&proceeds=10000000")
    total = page.locator("[data-testid=waterfall-total]")
    total.filter(has_text=paid(10_000_000)).wait_for()
    # a locator's wait, not wait_for_function: Playwright evaluates a string predicate with eval(), which
    # the site's Content-Security-Policy (script-src 'self') refuses
    page.locator("#waterfall-chart rect").first.wait_for(state="attached")
    accessible(page)
    before = holder_amounts(page)
    # F/G §3(a): $10,000,000 is below the preferences (about $72 million), so all of it goes to the
    # parity tier, each holding pro rata to its full preference. A and B hold Series F, each share
    # worth the same Liquidation Value, so A's amount stands to B's as 363,080/9 shares to 10,000
    # (A: 40,000 + its PIK dividend 40,000 x 7% x 44/360 = 3,080/9; B took cash); each amount is
    # rounded to the cent, so the ratio holds within a cent.
    a, b = before[("parity preference", "F", "A")], before[("parity preference", "F", "B")]
    assert abs(b - a * 10_000 / Fr(363_080, 9)) <= Fr(1, 100)
    assert sum(before.values()) == 10_000_000
    bars = chart_cents(page)
    assert bars["Class F"] == (a + b) * 100  # the chart draws the table's figures
    # one bar per class and per row of the holders' table, each known by its tier, series and holder
    assert len(bars) == page.locator("#waterfall-chart rect").count() == len(before) + 3
    assert bars["parity preference · F · A"] == a * 100
    headings = page.locator("#waterfall-chart text.bar-heading").all_text_contents()
    assert headings == sorted({tier for tier, _, _ in before}, key=[t for t, _, _ in before].index)
    shot(page, "waterfall-10m")

    # the slider, moved with the keyboard (End: its top, three times every Liquidation Value): the
    # field follows, the service is asked again, the chart and the tables are drawn again
    slider = page.locator("#exit-slider")
    slider.focus()
    page.keyboard.press("End")
    top = int(slider.input_value())
    assert top > 72_000_000 and page.locator("#exit-value").input_value() == str(top)
    total.filter(has_text=paid(top)).wait_for()
    after = holder_amounts(page)
    assert after != before and sum(after.values()) == top
    # above the preferences each preferred holding is paid its full preference first (F/G §3(a)): A's
    # 363,080/9 shares x its Liquidation Value per share, $1,000 + the dividend accrued from 2000-09-15
    # (unpaid on 2000-12-15) to 2000-12-31, $1,000 x 7% x 106/360 = $20.6111 (371/18), so
    # 363,080/9 x 18,371/18 = $41,173,720.2469..., $41,173,720.25 to the cent
    full = Fr(363_080, 9) * (1000 + Fr(1000 * 7 * 106, 100 * 360))
    assert full == Fr(3_335_071_340, 81)
    assert after[("parity preference", "F", "A")] == Fr("41173720.25") == round(full, 2)
    assert chart_cents(page) != bars
    shot(page, "waterfall-slider-at-top")

    # and back down with the arrow keys: one step of the slider (its top / 200, whole dollars) lower
    step = int(slider.get_attribute("step") or "0")
    page.keyboard.press("ArrowLeft")
    lower = top - step
    assert int(slider.input_value()) == lower
    total.filter(has_text=paid(lower)).wait_for()
    assert sum(holder_amounts(page).values()) == lower


def breakpoint_items(page: Page) -> list[tuple[str, ...]]:
    """The explorer's list of breakpoints: each item's exit value (its button's value), reason and clause."""
    items: list[list[str]] = page.evaluate(
        """() => [...document.querySelectorAll('#waterfall-breakpoint-list li')].map((li) => [
               li.querySelector('button.breakpoint').value, li.querySelector('.reason').textContent,
               li.dataset.clause])"""
    )
    return [tuple(i) for i in items]


def test_a_breakpoints_button_moves_the_exit_value_to_it(page: Page, site: str) -> None:
    """The breakpoints of 2000-12-31 are listed (the API's) and ticked on the slider; the button of
    the parity preferences paid in full, $72,039,276.69 (5,835,181,412/81 to the cent, by hand in
    test_access.py), sets the field to it and the slider to the nearest of its steps, and the tables
    are drawn again at that value: each holding paid its Liquidation Value to the cent, A
    $41,173,720.25 + B $10,206,111.11 + C $20,659,445.33 = $72,039,276.69, nothing left over. A new
    date asks the breakpoints again (the Liquidation Values have grown by 2001-06-30)."""
    sign_in(page, site, "admin")
    page.goto(f"{site}/companies/{COMPANY}/waterfall?on=2000-12-31&proceeds=10000000")
    total = page.locator("[data-testid=waterfall-total]")
    total.filter(has_text=paid(10_000_000)).wait_for()
    page.locator("[data-testid=waterfall-breakpoints][data-on='2000-12-31']").wait_for()  # asked again on load
    api = page.request.get(f"{site}/api/companies/{COMPANY}/breakpoints?on=2000-12-31").json()
    assert breakpoint_items(page) == [(b["exit_value"], b["reason"], b["clause"]) for b in api["breakpoints"]]
    assert breakpoint_items(page) == [("72039276.69", "parity preferences (F, G) paid in full", "F §3(a)")]
    ticks = page.evaluate("() => [...document.querySelectorAll('#exit-breakpoints option')].map((o) => o.value)")
    assert ticks == ["72039276.69"] and page.locator("#exit-slider").get_attribute("list") == "exit-breakpoints"
    # and a mark drawn under the slider, as far across it (0 to 1000) as the breakpoint is of the
    # slider's top (three times the Liquidation Values: 72,039,276.69 / 216,117,831 = 1/3, so 333.3)
    top = int(page.locator("#exit-slider").get_attribute("max") or "0")
    mark = page.locator("#exit-marks line.mark")
    assert mark.count() == 1 and mark.get_attribute("data-exit-value") == "72039276.69"
    assert float(mark.get_attribute("x1") or "") == round(float(Fr("72039276.69") / top) * 1000, 1) == 333.3
    accessible(page)
    shot(page, "waterfall-breakpoints")

    page.locator("[data-testid=breakpoint-0]").click()
    total.filter(has_text="Total paid: $72,039,276.69 of $72,039,276.69").wait_for()
    assert page.locator("#exit-value").input_value() == "72039276.69"
    slider = page.locator("#exit-slider")
    step = int(slider.get_attribute("step") or "0")
    assert abs(Fr(slider.input_value()) - Fr("72039276.69")) <= Fr(step, 2)  # the slider's nearest step
    amounts = holder_amounts(page)
    exact = page.request.get(f"{site}/api/companies/{COMPANY}/waterfall?proceeds=72039276.69&on=2000-12-31").json()
    assert amounts == {(p["tier"], p["security"], p["holder"]): Fr(p["amount"]) for p in exact["payouts"]}
    assert [amounts[("parity preference", s, h)] for s, h in (("F", "A"), ("F", "B"), ("G", "C"))] == [
        Fr("41173720.25"),
        Fr("10206111.11"),
        Fr("20659445.33"),
    ]
    assert sum(amounts.values()) == Fr("72039276.69")
    assert chart_cents(page)["Class F"] == 4_117_372_025 + 1_020_611_111  # A's and B's cents
    accessible(page)
    shot(page, "waterfall-at-a-breakpoint")

    page.fill("#exit-date", "2001-06-30")
    page.locator("[data-testid=waterfall-breakpoints][data-on='2001-06-30']").wait_for()
    later = page.request.get(f"{site}/api/companies/{COMPANY}/breakpoints?on=2001-06-30").json()
    assert breakpoint_items(page) == [(b["exit_value"], b["reason"], b["clause"]) for b in later["breakpoints"]]
    assert breakpoint_items(page)[0][0] != "72039276.69"
    assert page.locator("#breakpoints-on").input_value() == "2001-06-30"
    # a date the breakpoints are refused on (no Common Stock balance before 2000-06-01): the problem
    # beside the list, and no breakpoint of another date left in it
    page.fill("#exit-date", "2000-01-01")
    problem = page.locator("[data-testid=waterfall-breakpoints-problem]")
    problem.wait_for()
    assert "common_outstanding" in problem.inner_text() and "F §3(b)" in problem.inner_text()
    assert breakpoint_items(page) == [] and page.locator("#exit-marks line").count() == 0
    accessible(page)


def test_an_event_appended_through_the_form_changes_the_state(page: Page, site: str) -> None:
    sign_in(page, site, "admin")
    glance = f"{site}/companies/{COMPANY}/glance?as_of=2001-01-31"
    page.goto(glance)
    price = page.locator("[data-testid=F-conversion_price]")
    assert price.get_attribute("data-value") == "12.00"  # $24.00 halved by the split of 2000-11-01
    assert ledger_version(page, site) == 11
    page.goto(f"{site}/companies/{COMPANY}/events/new?kind=stock_split")
    accessible(page)
    page.fill("#field-date", "2001-01-02")
    page.fill("#field-id", "split-2001")
    page.fill("#field-new_shares_per_old_share", "2")
    shot(page, "event-form-filled")
    with page.expect_navigation():
        page.click("#event-submit")
    # the ledger's timeline, the new event in it, recorded by the signed-in user
    assert page.url.startswith(f"{site}/companies/{COMPANY}/ledger?added=12")
    assert page.locator("[data-testid=ledger-added]").inner_text() == "Event #12 recorded."
    assert page.locator("[data-testid=event-12]").get_attribute("data-kind") == "stock_split"
    assert page.locator("[data-testid=event-12-by]").inner_text() == "admin"
    accessible(page)
    shot(page, "ledger-after-append")
    assert ledger_version(page, site) == 12
    # F/G §5(e): a second 2-for-1 split halves each Conversion Price again: $12.00 / 2 = $6.00
    # (Series G: $18.00 / 2 = $9.00)
    page.goto(glance)
    assert price.get_attribute("data-value") == "6.00"
    assert page.locator("[data-testid=G-conversion_price]").get_attribute("data-value") == "9.00"
    accessible(page)
    shot(page, "glance-after-append")


def test_a_bad_form_input_shows_a_clear_message_beside_the_field_and_stores_nothing(page: Page, site: str) -> None:
    sign_in(page, site, "admin")
    before = ledger_version(page, site)
    page.goto(f"{site}/companies/{COMPANY}/events/new?kind=preferred_issued")
    page.fill("#field-date", "2001-01-02")
    page.fill("#field-series", "F")
    page.fill("#field-holder", "Z")
    page.fill("#field-shares", "-5")
    with page.expect_navigation():
        page.click("#event-submit")
    message = page.locator("[data-testid=problem-shares]")
    assert message.inner_text() == "shares must be positive (field event (preferred_issued).shares, F §1(a))"
    shares = page.locator("#field-shares")
    assert shares.get_attribute("aria-invalid") == "true"
    assert "problem-shares" in (shares.get_attribute("aria-describedby") or "")
    assert shares.input_value() == "-5"  # what was typed is kept, to be corrected
    accessible(page)
    shot(page, "event-form-refused")
    assert ledger_version(page, site) == before == 11  # nothing stored


def test_a_holder_trying_another_holders_url_gets_403(page: Page, site: str) -> None:
    sign_in(page, site, "holder-b")
    # B's own page as of 2000-12-31: B elected cash for 2000-09-15 (F §2(a)), so its 10,000 shares
    # are unchanged; its dividend of 2000-12-15 was not paid: 10,000 x $1,000 x 7% x 106/360 =
    # $206,111.11 accrued from 2000-09-15 to 2000-12-31 (F §2(a))
    page.goto(f"{site}/companies/{COMPANY}/holders/B?as_of=2000-12-31")
    shares = page.locator("[data-testid=position-F-shares_outstanding]")
    assert Fr(shares.get_attribute("data-value") or "") == 10_000
    accrued = page.locator("[data-testid=position-F-accrued_unpaid_dividends]").get_attribute("data-value")
    assert Fr(accrued or "") == Fr(10_000 * 1000 * 7 * 106, 100 * 360).__round__(2) == Fr("206111.11")
    accessible(page)
    shot(page, "holder-b-own-page")
    for url in (
        f"/companies/{COMPANY}/holders/A",  # another holder's page
        f"/companies/{COMPANY}/holders/A/dividend-statement.pdf?series=F&payment_date=2000-09-15",
        f"/api/companies/{COMPANY}/positions?as_of=2000-12-31&holder=A",
        f"/companies/{COMPANY}/glance",  # every holder's figures
    ):
        refused, body = visit(page, f"{site}{url}")
        assert (refused.status, body) == (403, None), url  # an empty body: nothing of A's
    shot(page, "holder-b-refused-holder-a")


@pytest.mark.parametrize(
    "path",
    [
        "/holders/A",
        "/waterfall?on=2000-12-31&proceeds=10000000",
        "/glance",
        "/ledger",
        "/events/new?kind=preferred_issued",
    ],
)
def test_the_pages_fit_a_phone(browser: Browser, site: str, path: str) -> None:
    """At a phone's width (390 px) nothing runs off the side of the page."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        sign_in(page, site, "admin")
        page.goto(f"{site}/companies/{COMPANY}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        accessible(page)
        shot(page, "phone" + path.split("?")[0].replace("/", "-"))
    finally:
        context.close()
