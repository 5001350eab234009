"""In the real headless Chromium of test_browser.py (its fixtures, skips and axe-core check): the
ledger timeline's disclosure loads an event's effect only when opened, and the documents page's
forms render a document. Screenshots go to ``$PREFSTACK_ARTIFACTS`` as test_browser.py's."""

from __future__ import annotations

from playwright.sync_api import Page
from test_browser import accessible, browser, page, shot, sign_in, site  # noqa: F401 (fixtures)
from webservice import COMPANY


def test_an_events_effect_is_loaded_when_its_disclosure_is_opened(page: Page, site: str) -> None:  # noqa: F811
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/effect") else None)
    sign_in(page, site, "auditor")
    page.goto(f"{site}/companies/{COMPANY}/ledger")
    page.wait_for_selector("body[data-effects-ready=true]")
    assert asked == []  # nothing computed when the page loads
    accessible(page)
    page.click("#effect-9 summary")  # the 2-for-1 split of 2000-11-01
    page.wait_for_selector("[data-testid=effect-9-table]")
    assert asked == [f"{site}/api/companies/{COMPANY}/events/9/effect"]
    row = page.locator("[data-testid=effect-9-F-A-conversion_price] td.num")
    # F §5(e): $24.00 halved to $12.00, a difference of -$12.00
    assert [row.nth(i).get_attribute("data-value") for i in range(3)] == ["24.00", "12.00", "-12.00"]
    votes = page.locator("[data-testid=effect-9-G-C-votes] td.num")
    # G §4: 20,300 x $1,000 / $36 = 563,888.89 -> 563,888; / $18 = 1,127,777.78 -> 1,127,777
    assert [votes.nth(i).inner_text() for i in range(2)] == ["563888", "1127777"]
    page.click("#effect-10 summary")  # G's dividend of 2000-12-15, not legally available: no change
    page.wait_for_selector("[data-testid=effect-10-none]")
    page.click("#effect-9 summary")
    page.click("#effect-9 summary")  # closed and opened again: not asked again
    assert len(asked) == 2
    accessible(page)
    shot(page, "ledger-effects")


def test_the_documents_page_renders_a_document_from_its_form(page: Page, site: str) -> None:  # noqa: F811
    sign_in(page, site, "admin")
    page.goto(f"{site}/companies/{COMPANY}/ledger")
    with page.expect_navigation():
        page.click("#ledger-documents")
    assert page.url == f"{site}/companies/{COMPANY}/documents"
    accessible(page)
    shot(page, "documents")
    page.fill("#doc-record-date-notice-event", "split-2000")
    page.fill("#doc-record-date-notice-holder", "A")
    with page.expect_navigation():
        page.click("#doc-record-date-notice-html")
    assert page.url.startswith(f"{site}/api/companies/{COMPANY}/documents/record-date-notice.html?event=split-2000")
    assert "§5(k)" in page.content()
    shot(page, "documents-record-date-notice")
