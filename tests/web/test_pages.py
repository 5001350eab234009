"""The pages against a real service (uvicorn on 127.0.0.1, tests/web/webservice.py).

Each page for each role: a page shows only what the role may read (a holder gets 403 for the
pages about every holder and for another holder's page), the figures on a page are the JSON API's
to the digit, with the clause of each; a form posting a bad value shows the field, clause and
problem beside the field and stores nothing; a good one appends the event (with the CSRF token;
without it: 403).

The ledger is conftest's: A holds 40,000 and B 10,000 Series F shares from 2000-08-02 ($1,000
each, 7% a year, 30/360, at most 1.75% a quarter: F §2(a), F Sched. 1), C 20,000 Series G shares
from 2000-06-15; B took cash for 2000-09-15, A the default PIK shares (F §2(d)); the dividends of
2000-09-15 were paid, those of 2000-12-15 were not legally available; the Common Stock split
2-for-1 on 2000-11-01 (F/G §5(e): each Conversion Price halved).
"""

from __future__ import annotations

import csv
import html as html_text
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction as Fr
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
import yaml
from webservice import COMPANY, PASSWORD, Service

AS_OF = "2000-12-31"
BASE = f"/companies/{COMPANY}"
API = f"/api/companies/{COMPANY}"


class Figures(HTMLParser):
    """Every element with a ``data-testid``: its attributes and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, dict[str, Any]] = {}
        self.ids: set[str] = set()
        self._open: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if named.get("id"):
            self.ids.add(str(named["id"]))
        testid = named.get("data-testid")
        if testid is not None:
            self.found[testid] = {**named, "text": ""}
        if tag not in ("input", "br", "meta", "link", "circle", "line", "path"):
            self._open.append(testid)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("input", "br", "meta", "link", "circle", "line", "path") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for testid in self._open:
            if testid is not None:
                self.found[testid]["text"] += data


def parsed(html: str) -> Figures:
    parser = Figures()
    parser.feed(html)
    return parser


def sign_in_form(browser: httpx.Client, next_url: str = f"{BASE}/glance") -> dict[str, str]:
    """The hidden fields of the sign-in page's form (its CSRF token; its cookie is the browser's)."""
    page = browser.get("/login", params={"next": next_url})
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    assert fields["next"] == next_url and len(fields["csrf_token"]) >= 40
    return fields


@contextmanager
def session(service: Service) -> Iterator[tuple[httpx.Client, str]]:
    """A browser signed in as the administrator through the sign-in page's form; its CSRF token."""
    with httpx.Client(base_url=service.url, timeout=120) as browser:
        signed = browser.post("/login", data={**sign_in_form(browser), "name": "admin", "password": PASSWORD})
        assert (signed.status_code, signed.headers["location"]) == (303, f"{BASE}/glance")
        yield browser, browser.get("/api/session").json()["csrf_token"]


def version(service: Service) -> int:
    with service.client("admin") as client:
        return len(client.get(f"{API}/ledger").json()["events"])


# --------------------------------------------------------------------------- who sees which page

READERS_ONLY = [
    f"{BASE}/glance?as_of={AS_OF}",
    f"{BASE}/ledger",
    f"{BASE}/waterfall?proceeds=30000000&on={AS_OF}",
    f"{BASE}/waterfall.csv?proceeds=30000000&on={AS_OF}",
    f"{BASE}/charts?through=2001-03-31",
    f"{BASE}/calendar?start=2000-09-01&end=2001-03-31",
]
ADMIN_ONLY = [f"{BASE}/events/new?kind=closing_price", f"{BASE}/import"]
HOLDER_A = [
    f"{BASE}/holders/A?as_of={AS_OF}",
    f"{BASE}/holders/A/dividend-statement.pdf?series=F&payment_date=2000-09-15",
    f"{BASE}/holders/A/certificate-of-adjustment.pdf?series=F&adjustment=2000-11-01&as_of={AS_OF}",
]
HOLDER_B = [
    f"{BASE}/holders/B?as_of={AS_OF}",
    f"{BASE}/holders/B/dividend-statement.pdf?series=F&payment_date=2000-09-15",
]
EXPECTED = {
    "admin": {**dict.fromkeys(READERS_ONLY + ADMIN_ONLY + HOLDER_A + HOLDER_B, 200)},
    "auditor": {**dict.fromkeys(READERS_ONLY + HOLDER_A + HOLDER_B, 200), **dict.fromkeys(ADMIN_ONLY, 403)},
    "holder-a": {**dict.fromkeys(READERS_ONLY + ADMIN_ONLY + HOLDER_B, 403), **dict.fromkeys(HOLDER_A, 200)},
    "stranger": dict.fromkeys(READERS_ONLY + ADMIN_ONLY + HOLDER_A + HOLDER_B, 403),
}


def test_each_page_for_each_role(service: Service) -> None:
    for user, cells in EXPECTED.items():
        with service.client(user) as client:
            for path, status in cells.items():
                answer = client.get(path)
                assert answer.status_code == status, (user, path, answer.status_code)
                if status == 403:
                    assert answer.content == b"", (user, path)  # a refusal says nothing
                elif path.split("?")[0].endswith(".pdf"):
                    assert answer.content.startswith(b"%PDF"), (user, path)
    # nobody signed in is sent to the sign-in page, which brings them back
    with httpx.Client(base_url=service.url) as nobody:
        for path in READERS_ONLY + ADMIN_ONLY + HOLDER_A:
            answer = nobody.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=%2Fcompanies")
            assert answer.content == b""
        assert nobody.get("/login").status_code == 200


def test_the_navigation_follows_the_role(service: Service) -> None:
    pages = {"admin": f"{BASE}/ledger", "auditor": f"{BASE}/ledger", "holder-a": f"{BASE}/holders/A?as_of={AS_OF}"}
    navigation = {}
    for user, path in pages.items():
        with service.client(user) as client:
            page = client.get(path)
            assert page.headers["content-security-policy"].startswith("default-src 'self'")
            navigation[user] = {i for i in parsed(page.text).ids if i.startswith("nav-")}
    assert navigation["admin"] == {
        "nav-glance",
        "nav-ledger",
        "nav-waterfall",
        "nav-charts",
        "nav-calendar",
        "nav-documents",
        "nav-add-event",
        "nav-import",
    }
    assert navigation["auditor"] == {
        "nav-glance",
        "nav-ledger",
        "nav-waterfall",
        "nav-charts",
        "nav-calendar",
        "nav-documents",
    }
    assert navigation["holder-a"] == {"nav-holder"}
    # the company's address takes each role to its first page
    for user, first in (("auditor", f"{BASE}/glance"), ("holder-a", f"{BASE}/holders/A")):
        with service.client(user) as client:
            assert client.get(BASE).headers["location"] == first


# --------------------------------------------------------------------------- signing in and out


def test_sign_in_and_out_through_the_pages(service: Service) -> None:
    with httpx.Client(base_url=service.url) as browser:
        # the sign-in page's form without the token its page set (posted from another site): refused
        forged = browser.post("/login", data={"name": "admin", "password": PASSWORD, "next": "/", "csrf_token": "x"})
        assert forged.status_code == 403 and "prefstack_session" not in forged.headers.get("set-cookie", "")
        wrong = browser.post(
            "/login", data={**sign_in_form(browser, "/"), "name": "admin", "password": "wrong password"}
        )
        assert wrong.status_code == 401 and "prefstack_session" not in wrong.headers.get("set-cookie", "")
        assert parsed(wrong.text).found["login-problem"]["text"] == "Wrong name or password."
        # only this service's paths are followed after signing in
        form = {**sign_in_form(browser, "/"), "next": "//example.org/"}
        elsewhere = browser.post("/login", data={**form, "name": "admin", "password": PASSWORD})
        assert (elsewhere.status_code, elsewhere.headers["location"]) == (303, "/")
        assert "HttpOnly" in elsewhere.headers["set-cookie"]
        csrf = browser.get("/api/session").json()["csrf_token"]
        page = browser.get(f"{BASE}/ledger")
        assert re.search(rf'name="csrf_token" value="{re.escape(csrf)}"', page.text)  # the sign-out form's
        refused = browser.post("/logout", data={"csrf_token": "not-the-token"})
        assert (refused.status_code, refused.content) == (403, b"")
        out = browser.post("/logout", data={"csrf_token": csrf})
        assert (out.status_code, out.headers["location"]) == (303, "/login")
        assert browser.get(f"{BASE}/ledger").status_code == 303  # signed out: back to the sign-in page


# --------------------------------------------------------------------------- at a glance


def test_the_figures_at_a_glance_are_the_apis_with_their_clauses(service: Service) -> None:
    with service.client("auditor") as client:
        page = parsed(client.get(f"{BASE}/glance", params={"as_of": AS_OF}).text).found
        state = client.get(f"{API}/state", params={"as_of": AS_OF, "explain": "true"}).json()
        votes = client.get(f"{API}/votes", params={"as_of": AS_OF}).json()
    compared = 0
    for series in state["series"]:
        s = series["series"]
        assert page[f"{s}-shares_outstanding"]["data-value"] == series["shares_outstanding"]
        assert page[f"{s}-conversion_price"]["data-value"] == series["conversion_price"]
        assert page[f"{s}-conversion_price"]["title"] == series["conversion_price_clause"]
        power = next(v for v in votes["series"] if v["series"] == s)
        assert page[f"{s}-voting_power"]["data-value"] == str(power["voting_power"])
        assert page[f"{s}-voting_power"]["title"] == power["voting_power_clause"]
        for h in series["holders"]:
            key = f"{s}-{h['holder']}"
            for name in ("shares_outstanding", "accrued_unpaid_dividends", "conversion_price", "liquidation_value"):
                assert page[f"{key}-{name}"]["data-value"] == h[name]
                assert page[f"{key}-{name}"]["data-exact"] == h.get(f"{name}_exact", h[name])
                compared += 1
            assert page[f"{key}-votes"]["data-value"] == str(h["votes"])
            assert (
                page[f"{key}-accrued_unpaid_dividends"]["title"] == h["explain"]["accrued_unpaid_dividends"]["clause"]
            )
            assert page[f"{key}-liquidation_value"]["title"] == h["explain"]["liquidation_value_per_share"]["clause"]
            assert page[f"{key}-votes"]["title"] == h["explain"]["votes"]["clause"]
            # the disclosure a click or Enter opens says the same clause as the hover
            assert page[f"{key}-votes-clause"]["text"] == page[f"{key}-votes"]["title"]
    assert compared == 3 * 4
    # by hand, holder B of Series F on 2000-12-31:
    # shares 10,000 (its 2000-09-15 dividend was paid in cash, F §2(b));
    # 2000-12-15 unpaid: 10,000 x $1,000 x min(7% x 90/360, 1.75%) = $175,000 (F Sched. 1's cap);
    # 2000-12-15 to 2000-12-31: 16 days, $10,000,000 x 7% x 16/360 = $31,111.11 (280,000/9);
    # accrued 175,000 + 280,000/9 = 1,855,000/9 = $206,111.11 (F §3(a));
    # Liquidation Value 10,000 x $1,000 + 1,855,000/9 = 91,855,000/9 = $10,206,111.11;
    # Conversion Price $24.00 halved by the 2-for-1 split (F §5(e)) = $12.00;
    # votes: 10,000 x $1,000 / $12 = 833,333.33..., whole votes 833,333 (F §4).
    assert Fr(page["F-B-accrued_unpaid_dividends"]["data-exact"]) == 175_000 + Fr(280_000, 9)
    assert page["F-B-accrued_unpaid_dividends"]["text"] == "$206,111.11"
    assert Fr(page["F-B-liquidation_value"]["data-exact"]) == 10_000 * 1_000 + Fr(1_855_000, 9)
    assert page["F-B-liquidation_value"]["text"] == "$10,206,111.11"
    assert (page["F-B-conversion_price"]["text"], page["F-B-conversion_price"]["title"]) == ("$12.00", "F §5(e)")
    assert page["F-B-votes"]["text"] == "833,333"
    # holder A took its 2000-09-15 dividend in shares: $40,000,000 x 7% x 44/360 = $342,222.22,
    # / $1,000 = 342.22 PIK shares (3,080/9); 40,000 + 3,080/9 = 363,080/9 = 40,342.22
    assert Fr(page["F-A-shares_outstanding"]["data-exact"]) == 40_000 + Fr(40_000_000 * 7 * 44, 100 * 360 * 1_000)
    assert page["F-A-shares_outstanding"]["text"] == "40,342.22"


def test_a_bad_date_at_a_glance_shows_its_problem(service: Service) -> None:
    with service.client("admin") as client:
        answer = client.get(f"{BASE}/glance", params={"as_of": "2000-13-01"})
    assert answer.status_code == 422
    problem = parsed(answer.text).found["as-of-problem"]["text"]
    assert "'2000-13-01' is not a date" in problem and "as_of" in problem


# --------------------------------------------------------------------------- the ledger


def test_the_ledger_timeline_shows_who_recorded_each_event_and_strikes_voided_ones(service: Service) -> None:
    with service.client("admin") as client:
        void = {"event": {"kind": "void", "date": "2001-01-05", "voids_seq": 6, "reason": "sent twice"}}
        assert client.post(f"{API}/events", json=void).status_code == 201
        trail = client.get(f"{API}/ledger").json()["events"]
        html = client.get(f"{BASE}/ledger").text
    page = parsed(html).found
    assert len(trail) == 12
    for e in trail:
        assert page[f"event-{e['seq']}"]["data-kind"] == e["kind"]
        assert page[f"event-{e['seq']}-by"]["text"] == e["recorded_by"]
        assert page[f"event-{e['seq']}-status"]["text"] == e["status"]
        assert page[f"event-{e['seq']}"]["data-voided"] == ("true" if e["voided"] else "false")
    assert page["event-12-by"]["text"] == "admin" and page["event-6"]["data-voided"] == "true"
    voided = re.search(r'<li id="event-6".*?</li>', html, re.S)
    assert voided is not None and "<del>" in voided.group(0) and "F §2(e)" in voided.group(0)
    kept = re.search(r'<li id="event-5".*?</li>', html, re.S)
    assert kept is not None and "<del>" not in kept.group(0)


# --------------------------------------------------------------------------- the waterfall


def test_the_waterfall_page_and_its_exports_are_the_apis(service: Service) -> None:
    asked = {"proceeds": "30000000", "on": AS_OF}
    with service.client("auditor") as client:
        answer = client.get(f"{API}/waterfall", params=asked).json()
        html = client.get(f"{BASE}/waterfall", params=asked).text
        exported = client.get(f"{BASE}/waterfall.csv", params=asked)
        pdf = client.get(f"{BASE}/waterfall.pdf", params=asked)
        state = client.get(f"{API}/state", params={"as_of": AS_OF}).json()
    rows = re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td><th scope=\"row\">([^<]*)</th>"
        r"<td class=\"num\" data-value=\"([^\"]*)\">[^<]*</td><td>([^<]*)</td></tr>",
        html,
    )
    assert rows == [(p["tier"], p["security"], p["holder"], p["amount"], p["clause"]) for p in answer["payouts"]]
    # by class: each class's holders' amounts, in cents
    classes = dict(re.findall(r'<tr><th scope="row">([^<]*)</th><td class="num" data-value="([^"]*)">', html))
    for security in ("F", "G"):
        cents = sum(round(Fr(p["amount"]) * 100) for p in answer["payouts"] if p["security"] == security)
        assert Fr(classes[security]) * 100 == cents
    # by hand: $30,000,000 is less than the two series' Liquidation Values together, so the one
    # parity tier (F/G §3(a)) pays each series in proportion to its full Liquidation Value:
    # F's share = 30,000,000 x LV(F) / (LV(F) + LV(G)), apportioned to whole cents (LIQ-CENTS)
    lv = {
        s["series"]: sum(Fr(h.get("liquidation_value_exact", h["liquidation_value"])) for h in s["holders"])
        for s in state["series"]
    }
    f_share = Fr(30_000_000) * lv["F"] / (lv["F"] + lv["G"])
    assert abs(Fr(classes["F"]) - f_share) <= Fr(1, 100)
    assert Fr(classes["F"]) + Fr(classes["G"]) == 30_000_000
    # CSV: the same payouts, each with its clause
    assert exported.headers["content-type"].startswith("text/csv")
    read = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["security"], r["holder"], r["amount"], r["clause"]) for r in read] == [
        (p["security"], p["holder"], p["amount"], p["clause"]) for p in answer["payouts"]
    ]
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # the explorer's script and style are the package's; nothing is loaded from elsewhere
    assert '<script src="/static/waterfall.js" defer></script>' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    with httpx.Client(base_url=service.url) as anyone:
        script = anyone.get("/static/waterfall.js")
        assert script.status_code == 200 and "BigInt" in script.text
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\b)", script.text)  # only the SVG namespace


BREAKPOINT_ITEM = re.compile(
    r'<li data-exit-value="([^"]*)" data-exact="([^"]*)" data-clause="([^"]*)">'
    r'<button type="submit" class="breakpoint" name="proceeds" value="([^"]*)" id="breakpoint-(\d+)"'
    r'[^>]*>([^<]*)</button> <span class="reason" id="breakpoint-\d+-reason">([^<]*)</span>'
)


def test_the_waterfall_page_lists_the_apis_breakpoints_each_a_button_to_its_exit_value(service: Service) -> None:
    """The explorer's breakpoints (server-rendered, so without the script too) are the breakpoints
    endpoint's for the page's date: each value, its exact fraction, reason and clause, a tick of the
    slider's datalist, and a button submitting its own form (the date and that exit value). On
    2000-12-31 the one breakpoint is the parity preferences paid in full, 5,835,181,412/81 =
    $72,039,276.69 (test_access.py, by hand): there each holding is paid its Liquidation Value to
    the cent, A $41,173,720.25 + B $10,206,111.11 + C $20,659,445.33 = $72,039,276.69."""
    with service.client("auditor") as client:
        api = client.get(f"{API}/breakpoints", params={"on": AS_OF}).json()
        html = client.get(f"{BASE}/waterfall", params={"on": AS_OF}).text
        later = client.get(f"{API}/breakpoints", params={"on": "2001-06-30"}).json()
        html_later = client.get(f"{BASE}/waterfall", params={"on": "2001-06-30"}).text
    for answer, page in ((api, html), (later, html_later)):
        items = BREAKPOINT_ITEM.findall(page)
        assert [(v, exact, clause, reason) for v, exact, clause, _, _, _, reason in items] == [
            (b["exit_value"], b.get("exit_value_exact", b["exit_value"]), b["clause"], b["reason"])
            for b in answer["breakpoints"]
        ]
        assert [(button, int(i)) for _, _, _, button, i, _, _ in items] == [
            (b["exit_value"], i) for i, b in enumerate(answer["breakpoints"])
        ]
        ticks = re.findall(r'<option value="([^"]*)" label="[^"]*"></option>', page)
        assert ticks == [b["exit_value"] for b in answer["breakpoints"]]
        assert 'list="exit-breakpoints"' in page and '<datalist id="exit-breakpoints">' in page
        top = int(re.findall(r'id="exit-slider" min="0" max="(\d+)"', page)[0])
        mark = r'<line class="mark" x1="([^"]*)" x2="[^"]*" y1="0" y2="12" data-exit-value="([^"]*)">'
        marks = re.findall(mark, page)
        assert marks == [
            (f"{float(Fr(b['exit_value']) / top) * 1000:.1f}", b["exit_value"])
            for b in answer["breakpoints"]
            if Fr(b["exit_value"]) <= top
        ]
        assert f'<input type="hidden" name="on" value="{answer["on"]}" id="breakpoints-on">' in page
    assert [(v, text) for v, _, _, _, _, text, _ in BREAKPOINT_ITEM.findall(html)] == [
        ("72039276.69", "$72,039,276.69")
    ]
    assert api["breakpoints"][0]["exit_value_exact"] == "5835181412/81"
    assert later["breakpoints"][0]["exit_value"] != "72039276.69"  # the Liquidation Values grew by then
    # the button's form, submitted without the script: the page at that exit value on that date
    with service.client("auditor") as client:
        at = client.get(f"{BASE}/waterfall", params={"on": AS_OF, "proceeds": "72039276.69"}).text
    row = r'<tr><td>([^<]*)</td><td>[FG]</td><th scope="row">([ABC])</th><td class="num" data-value="([^"]*)">'
    rows = re.findall(row, at)
    preferences = [(holder, amount) for tier, holder, amount in rows if tier == "parity preference"]
    assert preferences == [("A", "41173720.25"), ("B", "10206111.11"), ("C", "20659445.33")]
    assert sum(Fr(v) for _, v in preferences) == Fr("72039276.69")
    assert all(Fr(amount) == 0 for tier, _, amount in rows if tier != "parity preference")  # nothing left over


def test_breakpoints_refused_show_their_problem_beside_the_list_and_the_page_still_answers(service: Service) -> None:
    """On 2000-01-01 the ledger holds no Common Stock balance yet (its first event is of 2000-06-01):
    the breakpoints' plan is refused naming common_outstanding and F §3(b), as the API refuses it;
    the page shows that beside an empty list and answers 200 (the waterfall is asked separately)."""
    with service.client("admin") as client:
        api = client.get(f"{API}/breakpoints", params={"on": "2000-01-01"})
        page = client.get(f"{BASE}/waterfall", params={"on": "2000-01-01"})
    assert api.status_code == 422
    refused = api.json()
    assert (refused["field"], refused["clause"]) == ("common_outstanding", "F §3(b)")
    assert page.status_code == 200
    shown = parsed(page.text).found["waterfall-breakpoints-problem"]["text"]
    assert refused["problem"] in shown and "common_outstanding" in shown and "F §3(b)" in shown
    assert BREAKPOINT_ITEM.findall(page.text) == []


def test_a_bad_exit_value_shows_its_problem(service: Service) -> None:
    with service.client("admin") as client:
        answer = client.get(f"{BASE}/waterfall", params={"proceeds": "lots", "on": AS_OF})
    assert answer.status_code == 422
    assert "proceeds" in parsed(answer.text).found["waterfall-problem"]["text"]


# --------------------------------------------------------------------------- charts


def test_the_charts_are_the_state_on_each_payment_date(service: Service) -> None:
    with service.client("auditor") as client:
        page = parsed(client.get(f"{BASE}/charts", params={"through": "2001-03-31"}).text).found
        states = {d: client.get(f"{API}/state", params={"as_of": d}).json() for d in ("2000-09-15", "2000-12-15")}
    for day, state in states.items():
        f = next(s for s in state["series"] if s["series"] == "F")
        assert page[f"F-{day}-shares"]["data-value"] == f["shares_outstanding"]
        assert page[f"F-{day}-conversion_price"]["data-value"] == f["conversion_price"]
        total = sum(Fr(h.get("liquidation_value_exact", h["liquidation_value"])) for h in f["holders"])
        assert Fr(page[f"F-{day}-liquidation_value"]["data-exact"]) == total
    # by hand: on 2000-09-15 A's dividend added 3,080/9 PIK shares (F §2(b)) to the 50,000 issued;
    # nothing was paid on 2000-12-15; the split of 2000-11-01 halved the $24.00 Conversion Price
    assert Fr(page["F-2000-09-15-shares"]["data-exact"]) == 50_000 + Fr(3_080, 9)
    assert page["F-2000-12-15-shares"]["data-value"] == "50342.22"
    assert (page["F-2000-09-15-conversion_price"]["text"], page["F-2000-12-15-conversion_price"]["text"]) == (
        "$24.00",
        "$12.00",
    )
    # on 2000-12-15 the Series F holders are owed that day's unpaid dividend: A 40,342.22 shares
    # (363,080/9) x $1,000 x 1.75% = 6,353,900/9, B $10,000,000 x 1.75% = $175,000 (F §3(a))
    assert Fr(page["F-2000-12-15-liquidation_value"]["data-exact"]) == Fr(363_080_000, 9) + Fr(6_353_900, 9) + (
        10_000_000 + 175_000
    )
    assert {"chart-F-shares", "chart-F-liquidation_value", "chart-F-conversion_price", "chart-G-shares"} <= set(page)
    assert "F-2001-03-15-shares" in page  # the third Payment Date up to 2001-03-31


# --------------------------------------------------------------------------- the calendar


def test_the_calendar_page_is_the_apis_deadlines(service: Service) -> None:
    with service.client("auditor") as client:
        html = client.get(f"{BASE}/calendar", params={"start": "2000-09-01", "end": "2000-12-31"}).text
        deadlines = client.get(f"{API}/calendar", params={"from": "2000-09-01", "to": "2000-12-31"}).json()
    rows = re.findall(
        r'<tr data-testid="deadline-\d+" data-status="([^"]*)"><th scope="row">'
        r'<time datetime="([^"]*)">[^<]*</time></th><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>',
        html,
    )
    unescaped = [(st, d, party, html_text.unescape(what), clause) for st, d, party, what, clause in rows]
    assert unescaped == [(d["status"], d["date"], d["party"], d["what"], d["clause"]) for d in deadlines]
    # by the ledger: B sent its wire account on 2000-09-05 for the cash of 2000-09-15 (F §2(e));
    # A made no election, so F §2(d)'s default form applies
    assert ("met", "2000-09-13", "B", "wire account for the 2000-09-15 cash dividend", "F §2(e)") in unescaped
    assert unescaped[0][:3] == ("not made, default applies", "2000-09-05", "A")


# --------------------------------------------------------------------------- a holder's page


def test_a_holders_page_shows_its_own_positions_dividends_and_notices(service: Service) -> None:
    with service.client("holder-a") as client:
        html = client.get(f"{BASE}/holders/A", params={"as_of": AS_OF}).text
        positions = client.get(f"{API}/positions", params={"as_of": AS_OF}).json()["positions"]
        paid = client.get(f"{API}/dividends", params={"payment_date": "2000-09-15", "series": "F"}).json()
        statement = client.get(f"{BASE}/holders/A/dividend-statement.pdf?series=F&payment_date=2000-09-15")
    page = parsed(html).found
    (f,) = positions
    for name in (
        "shares_outstanding",
        "accrued_unpaid_dividends",
        "conversion_price",
        "conversion_ratio",
        "liquidation_value",
    ):
        assert page[f"position-F-{name}"]["data-value"] == f[name]
    assert page["position-F-votes"]["data-value"] == str(f["votes"])
    assert page["position-F-liquidation_value"]["title"] == "F §3(a)"
    # nothing of the other holders: not their ids, nor their figures (B's 10,000.00 shares)
    assert "data-holder=" not in html and 'href="/companies/cais-internet/holders/B' not in html
    assert "10,000.00" not in html and "position-G-shares_outstanding" not in page
    # its dividends: 2000-09-15 paid in PIK shares, $40,000,000 x 7% x 44/360 = $342,222.22
    # (3,080,000/9), 342.22 shares; 2000-12-15 not paid (not legally available)
    (row,) = paid["series"][0]["holders"]
    assert page["dividend-F-2000-09-15-dividend"]["data-value"] == row["dividend"] == "342222.22"
    assert Fr(page["dividend-F-2000-09-15-dividend"]["data-exact"]) == Fr(40_000_000 * 7 * 44, 100 * 360)
    assert page["dividend-F-2000-09-15-pik_shares"]["data-value"] == "342.22"
    assert page["dividend-F-2000-12-15-status"]["text"] == "unpaid"
    assert not [k for k in page if k.startswith("dividend-G-")]  # A never held Series G: no rows, not C's
    assert "dividend-F-2000-09-15-statement" in parsed(html).ids
    assert "dividend-F-2000-12-15-statement" not in parsed(html).ids  # no statement of a dividend not paid
    assert statement.content.startswith(b"%PDF")
    # its notices: the certificate of adjustment of the split (F §5(j)): $24.00 became $12.00
    assert "Conversion Price 24.00 → 12.00" in page["notice-F-2000-11-01"]["text"]
    assert "notice-F-2000-11-01-pdf" in parsed(html).ids


# --------------------------------------------------------------------------- the forms


def test_the_event_form_refuses_a_bad_value_beside_its_field_and_appends_a_good_one(service: Service) -> None:
    with session(service) as (browser, csrf):
        form = parsed(browser.get(f"{BASE}/events/new", params={"kind": "preferred_issued"}).text)
        # the form asks for the fields `prefstack ledger add --kind preferred_issued` lists
        assert {"field-date", "field-series", "field-holder", "field-shares", "field-id", "field-note"} <= form.ids
        assert "field-recorded_by" not in form.ids  # the service records who made the write
        before = version(service)
        bad = {"csrf_token": csrf, "kind": "preferred_issued", "date": "2000-12-20", "f.series": "F", "f.holder": "D"}
        refused = browser.post(f"{BASE}/events/new", data={**bad, "f.shares": "-5"})
        assert refused.status_code == 422
        problem = parsed(refused.text).found["problem-shares"]["text"]
        assert "shares must be positive" in problem and "F §1(a)" in problem
        assert 'name="f.shares" value="-5"' in refused.text  # what was typed is kept
        assert version(service) == before
        # without the CSRF token, or with another: 403, nothing stored
        for token in ({}, {"csrf_token": "not-the-token"}):
            data = {k: v for k, v in bad.items() if k != "csrf_token"} | {"f.shares": "100"} | token
            answer = browser.post(f"{BASE}/events/new", data=data)
            assert (answer.status_code, answer.content) == (403, b"")
        assert version(service) == before
        good = browser.post(f"{BASE}/events/new", data={**bad, "f.shares": "100"})
        assert (good.status_code, good.headers["location"]) == (
            303,
            f"{BASE}/ledger?added={before + 1}#event-{before + 1}",
        )
        assert version(service) == before + 1
        glance = parsed(browser.get(f"{BASE}/glance", params={"as_of": AS_OF}).text).found
    with service.client("admin") as client:
        assert client.get(f"{API}/ledger").json()["events"][-1]["recorded_by"] == "admin"
    # the state changed: D holds the 100 shares; Series F has 40,342.22 + 10,000 + 100 = 50,442.22
    assert glance["F-D-shares_outstanding"]["text"] == "100.00"
    assert glance["F-shares_outstanding"]["data-value"] == "50442.22"


def test_an_unknown_kind_is_refused_beside_the_kind_chooser(service: Service) -> None:
    with service.client("admin") as client:
        answer = client.get(f"{BASE}/events/new", params={"kind": "nonsense"})
    assert answer.status_code == 422
    assert "no event kind 'nonsense'" in parsed(answer.text).found["kind-problem"]["text"]


def ledger_bytes(company: str, events: list[dict[str, Any]]) -> bytes:
    return yaml.safe_dump({"format": "prefstack-ledger/1", "company": company, "events": events}).encode()


@pytest.mark.parametrize("bad_file", ["another company", "a bad event", "not a ledger"])
def test_the_import_form_refuses_a_bad_file_and_stores_nothing(service: Service, bad_file: str) -> None:
    files = {
        "another company": ledger_bytes(
            "Northwind Networks, Inc.", [{"kind": "closing_price", "date": "2001-01-02", "price": "3.50"}]
        ),
        "a bad event": ledger_bytes(
            "CAIS Internet, Inc.",
            [{"kind": "preferred_issued", "date": "2001-01-02", "series": "F", "holder": "E", "shares": "0"}],
        ),
        "not a ledger": b"events: [",
    }
    with session(service) as (browser, csrf):
        before = version(service)
        answer = browser.post(
            f"{BASE}/import", data={"csrf_token": csrf}, files={"ledger": ("l.yaml", files[bad_file])}
        )
    assert answer.status_code == 422
    problem = parsed(answer.text).found["import-problem"]["text"]
    expected = {
        "another company": "ledger names the company northwind-networks (Northwind Networks, Inc.), not cais-internet",
        "a bad event": "shares must be positive (field event 1 (preferred_issued).shares, F §1(a))",
        "not a ledger": "(field ledger",
    }
    assert expected[bad_file] in problem
    assert 'aria-invalid="true"' in answer.text
    assert version(service) == before


def test_the_import_form_appends_a_good_file_with_its_csrf_token(service: Service) -> None:
    good = ledger_bytes("CAIS Internet, Inc.", [{"kind": "closing_price", "date": "2001-01-02", "price": "3.50"}])
    with session(service) as (browser, csrf):
        before = version(service)
        refused = browser.post(f"{BASE}/import", files={"ledger": ("l.yaml", good)})
        assert (refused.status_code, refused.content, version(service)) == (403, b"", before)
        done = browser.post(f"{BASE}/import", data={"csrf_token": csrf}, files={"ledger": ("l.yaml", good)})
        assert done.status_code == 303 and version(service) == before + 1
    with service.client("auditor") as client:
        last = client.get(f"{API}/ledger").json()["events"][-1]
        assert (last["kind"], last["recorded_by"]) == ("closing_price", "admin")
        # an auditor writes nothing, not even through the pages
        assert client.post(f"{BASE}/import", files={"ledger": ("l.yaml", good)}).status_code == 403
    assert version(service) == before + 1
